package control

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/model"
)

// TestVpnTunnelStatus checks the telemetry that the data plane reports: a tunnel up shows
// UP since the report, with the static connection's routes accepted; down again shows
// DOWN and IPSEC IS DOWN; a report that changes nothing keeps LastStatusChange; a
// connection gone is no error.
func TestVpnTunnelStatus(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	cgw, err := s.CreateCustomerGateway(ctx, testCaller, &ec2.CreateCustomerGatewayRequest{Type: kit.Ptr("ipsec.1"), IpAddress: kit.Ptr("198.51.100.79")})
	wantCode(t, err, "")
	vgw, err := s.CreateVpnGateway(ctx, testCaller, &ec2.CreateVpnGatewayRequest{Type: kit.Ptr("ipsec.1")})
	wantCode(t, err, "")
	out, err := s.CreateVpnConnection(ctx, testCaller, &ec2.CreateVpnConnectionRequest{Type: kit.Ptr("ipsec.1"), CustomerGatewayId: cgw.CustomerGateway.CustomerGatewayId,
		VpnGatewayId: vgw.VpnGateway.VpnGatewayId, Options: &ec2.VpnConnectionOptionsSpecification{StaticRoutesOnly: kit.Ptr(true)}})
	wantCode(t, err, "")
	id := *out.VpnConnection.VpnConnectionId
	for _, cidr := range []string{"172.20.0.0/24", "172.21.0.0/24"} {
		wantCode(t, s.CreateVpnConnectionRoute(ctx, testCaller, &ec2.CreateVpnConnectionRouteRequest{VpnConnectionId: &id, DestinationCidrBlock: kit.Ptr(cidr)}), "")
	}
	telemetry := func() []ec2.VgwTelemetry {
		t.Helper()
		d, err := s.DescribeVpnConnections(ctx, testCaller, &ec2.DescribeVpnConnectionsRequest{VpnConnectionIds: []string{id}})
		wantCode(t, err, "")
		return d.VpnConnections[0].VgwTelemetry
	}
	if err := s.SetVpnTunnelStatus(ctx, testCaller, id, 1, true); err != nil {
		t.Fatal(err)
	}
	tel := telemetry()
	if *tel[0].Status != "DOWN" || *tel[0].StatusMessage != kit.VpnTunnelDown || *tel[0].AcceptedRouteCount != 0 {
		t.Errorf("tunnel 1: %+v, want DOWN", tel[0])
	}
	if *tel[1].Status != "UP" || *tel[1].StatusMessage != "" || *tel[1].AcceptedRouteCount != 2 || !tel[1].LastStatusChange.After(*out.VpnConnection.VgwTelemetry[1].LastStatusChange) && !tel[1].LastStatusChange.Equal(*out.VpnConnection.VgwTelemetry[1].LastStatusChange) {
		t.Errorf("tunnel 2: %+v, want UP with 2 routes accepted", tel[1])
	}
	since := *tel[1].LastStatusChange
	if err := s.SetVpnTunnelStatus(ctx, testCaller, id, 1, true); err != nil {
		t.Fatal(err)
	}
	if got := *telemetry()[1].LastStatusChange; !got.Equal(since) {
		t.Errorf("an unchanged report moved LastStatusChange from %v to %v", since, got)
	}
	if err := s.SetVpnTunnelStatus(ctx, testCaller, id, 1, false); err != nil {
		t.Fatal(err)
	}
	if tel := telemetry(); *tel[1].Status != "DOWN" || *tel[1].StatusMessage != kit.VpnTunnelDown {
		t.Errorf("tunnel 2 after down: %+v", tel[1])
	}
	if err := s.SetVpnTunnelStatus(ctx, testCaller, id, 2, true); err == nil {
		t.Error("tunnel 3 accepted")
	}
	wantCode(t, s.DeleteVpnConnection(ctx, testCaller, &ec2.DeleteVpnConnectionRequest{VpnConnectionId: &id}), "")
	if err := s.SetVpnTunnelStatus(ctx, testCaller, id, 0, true); err != nil {
		t.Errorf("a report on a deleted connection: %v", err)
	}
}

// TestVpnTunnelBgp checks what the BGP speaker reports for a dynamic connection: a tunnel
// whose IPsec is up but whose session is not shows DOWN and IPSEC IS UP; established, UP
// with its routes counted, and the routes propagated into the tables that propagate the
// gateway (but not one within the VPC, nor one the table routes itself); a session down
// takes them away.
func TestVpnTunnelBgp(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc, err := s.CreateVpc(ctx, testCaller, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.40.0.0/16")})
	wantCode(t, err, "")
	cgw, err := s.CreateCustomerGateway(ctx, testCaller, &ec2.CreateCustomerGatewayRequest{Type: kit.Ptr("ipsec.1"), IpAddress: kit.Ptr("198.51.100.79"), BgpAsn: kit.Ptr(int32(65010))})
	wantCode(t, err, "")
	vgw, err := s.CreateVpnGateway(ctx, testCaller, &ec2.CreateVpnGatewayRequest{Type: kit.Ptr("ipsec.1")})
	wantCode(t, err, "")
	_, err = s.AttachVpnGateway(ctx, testCaller, &ec2.AttachVpnGatewayRequest{VpnGatewayId: vgw.VpnGateway.VpnGatewayId, VpcId: vpc.Vpc.VpcId})
	wantCode(t, err, "")
	out, err := s.CreateVpnConnection(ctx, testCaller, &ec2.CreateVpnConnectionRequest{Type: kit.Ptr("ipsec.1"), CustomerGatewayId: cgw.CustomerGateway.CustomerGatewayId,
		VpnGatewayId: vgw.VpnGateway.VpnGatewayId})
	wantCode(t, err, "")
	id := *out.VpnConnection.VpnConnectionId
	tables, err := s.DescribeRouteTables(ctx, testCaller, &ec2.DescribeRouteTablesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("vpc-id"), Values: []string{*vpc.Vpc.VpcId}}}})
	wantCode(t, err, "")
	rtb := tables.RouteTables[0].RouteTableId
	wantCode(t, s.EnableVgwRoutePropagation(ctx, testCaller, &ec2.EnableVgwRoutePropagationRequest{RouteTableId: rtb, GatewayId: vgw.VpnGateway.VpnGatewayId}), "")
	_, err = s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: rtb, DestinationCidrBlock: kit.Ptr("172.31.0.0/24"), GatewayId: vgw.VpnGateway.VpnGatewayId})
	wantCode(t, err, "")
	telemetry := func() ec2.VgwTelemetry {
		t.Helper()
		d, err := s.DescribeVpnConnections(ctx, testCaller, &ec2.DescribeVpnConnectionsRequest{VpnConnectionIds: []string{id}})
		wantCode(t, err, "")
		return d.VpnConnections[0].VgwTelemetry[0]
	}
	propagated := func() []string { return vgwPropagated(t, s, *rtb) }
	wantCode(t, s.SetVpnTunnelStatus(ctx, testCaller, id, 0, true), "")
	if tel := telemetry(); *tel.Status != "DOWN" || *tel.StatusMessage != kit.VpnTunnelBgpDown {
		t.Errorf("IPsec up, BGP down: %+v", tel)
	}
	routes := []model.BgpRoute{{Prefix: netip.MustParsePrefix("10.40.5.0/24")}, {Prefix: netip.MustParsePrefix("172.20.0.0/24"), ASPathLen: 1},
		{Prefix: netip.MustParsePrefix("172.31.0.0/24"), ASPathLen: 1}}
	wantCode(t, s.SetVpnTunnelBgp(ctx, testCaller, id, 0, true, routes), "")
	if tel := telemetry(); *tel.Status != "UP" || *tel.StatusMessage != "3 BGP ROUTES" || *tel.AcceptedRouteCount != 3 {
		t.Errorf("BGP up: %+v", tel)
	}
	want := []string{"172.20.0.0/24 " + *vgw.VpnGateway.VpnGatewayId}
	if got := propagated(); !slices.Equal(got, want) {
		t.Errorf("propagated routes: %v, want %v", got, want)
	}
	wantCode(t, s.SetVpnTunnelBgp(ctx, testCaller, id, 0, false, routes), "")
	if tel := telemetry(); *tel.Status != "DOWN" || *tel.AcceptedRouteCount != 0 {
		t.Errorf("BGP down again: %+v", tel)
	}
	if got := propagated(); len(got) != 0 {
		t.Errorf("propagated routes with the session down: %v", got)
	}
}
