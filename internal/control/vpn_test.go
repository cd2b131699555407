package control

import (
	"context"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func TestCustomerGateways(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	create := func(mod func(*ec2.CreateCustomerGatewayRequest)) (*ec2.CreateCustomerGatewayResult, error) {
		in := &ec2.CreateCustomerGatewayRequest{Type: kit.Ptr("ipsec.1"), IpAddress: kit.Ptr("198.51.100.77"), BgpAsn: kit.Ptr(int32(65010))}
		if mod != nil {
			mod(in)
		}
		return s.CreateCustomerGateway(ctx, testCaller, in)
	}
	for _, tc := range []struct {
		name string
		mod  func(*ec2.CreateCustomerGatewayRequest)
		want string
	}{
		{"type required", func(in *ec2.CreateCustomerGatewayRequest) { in.Type = nil }, "MissingParameter"},
		{"only ipsec.1", func(in *ec2.CreateCustomerGatewayRequest) { in.Type = kit.Ptr("ipsec.2") }, "InvalidParameterValue"},
		{"address required", func(in *ec2.CreateCustomerGatewayRequest) { in.IpAddress = nil }, "MissingParameter"},
		{"an IPv4 address", func(in *ec2.CreateCustomerGatewayRequest) { in.IpAddress = kit.Ptr("gateway.example.com") }, "InvalidParameterValue"},
		{"ASN from 1", func(in *ec2.CreateCustomerGatewayRequest) { in.BgpAsn = kit.Ptr(int32(0)) }, "InvalidParameterValue"},
		{"both ASNs", func(in *ec2.CreateCustomerGatewayRequest) { in.BgpAsnExtended = kit.Ptr(int64(4200000000)) }, "InvalidParameterCombination"},
		{"extended ASN beyond 2^31-1", func(in *ec2.CreateCustomerGatewayRequest) { in.BgpAsn, in.BgpAsnExtended = nil, kit.Ptr(int64(65000)) }, "InvalidParameterValue"},
		{"no certificates", func(in *ec2.CreateCustomerGatewayRequest) {
			in.CertificateArn = kit.Ptr("arn:aws:acm:us-east-1:123456789012:certificate/abc")
		}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := create(tc.mod)
			wantCode(t, err, tc.want)
		})
	}

	first, err := create(nil)
	wantCode(t, err, "")
	cgw := first.CustomerGateway
	if !kit.ValidID(*cgw.CustomerGatewayId, "cgw") || *cgw.BgpAsn != "65010" || cgw.BgpAsnExtended != nil || *cgw.State != "available" ||
		*cgw.IpAddress != "198.51.100.77" || *cgw.Type != "ipsec.1" {
		t.Fatalf("created %+v", cgw)
	}
	again, err := create(nil)
	wantCode(t, err, "")
	if *again.CustomerGateway.CustomerGatewayId != *cgw.CustomerGatewayId {
		t.Errorf("an identical request made %s, want the existing %s", *again.CustomerGateway.CustomerGatewayId, *cgw.CustomerGatewayId)
	}
	named, err := create(func(in *ec2.CreateCustomerGatewayRequest) { in.DeviceName = kit.Ptr("edge-2") })
	wantCode(t, err, "")
	if *named.CustomerGateway.CustomerGatewayId == *cgw.CustomerGatewayId {
		t.Error("a device name of its own makes a second gateway")
	}
	ext, err := create(func(in *ec2.CreateCustomerGatewayRequest) {
		in.BgpAsn, in.BgpAsnExtended, in.IpAddress = nil, kit.Ptr(int64(4200000001)), kit.Ptr("203.0.113.9")
	})
	wantCode(t, err, "")
	if ext.CustomerGateway.BgpAsn != nil || *ext.CustomerGateway.BgpAsnExtended != "4200000001" {
		t.Errorf("extended ASN shown as %+v", ext.CustomerGateway)
	}
	def, err := create(func(in *ec2.CreateCustomerGatewayRequest) { in.BgpAsn, in.IpAddress = nil, kit.Ptr("203.0.113.10") })
	wantCode(t, err, "")
	if *def.CustomerGateway.BgpAsn != "65000" {
		t.Errorf("default ASN %s, want 65000", *def.CustomerGateway.BgpAsn)
	}

	out, err := s.DescribeCustomerGateways(ctx, testCaller, &ec2.DescribeCustomerGatewaysRequest{Filters: []ec2.Filter{{Name: kit.Ptr("bgp-asn"), Values: []string{"65010"}}}})
	if err != nil || len(out.CustomerGateways) != 2 {
		t.Fatalf("bgp-asn filter: %v %+v", err, out)
	}
	wantCode(t, s.DeleteCustomerGateway(ctx, testCaller, &ec2.DeleteCustomerGatewayRequest{CustomerGatewayId: cgw.CustomerGatewayId}), "")
	wantCode(t, s.DeleteCustomerGateway(ctx, testCaller, &ec2.DeleteCustomerGatewayRequest{CustomerGatewayId: cgw.CustomerGatewayId}), "InvalidCustomerGatewayID.NotFound")
	wantCode(t, s.DeleteCustomerGateway(ctx, testCaller, &ec2.DeleteCustomerGatewayRequest{CustomerGatewayId: kit.Ptr("cgw-xyz")}), "InvalidCustomerGatewayId.Malformed")
	_, err = s.DescribeCustomerGateways(ctx, testCaller, &ec2.DescribeCustomerGatewaysRequest{CustomerGatewayIds: []string{*cgw.CustomerGatewayId}})
	wantCode(t, err, "InvalidCustomerGatewayID.NotFound")
}

func TestVpnGateways(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc, other := *createVpc(t, s, "10.0.0.0/16").VpcId, *createVpc(t, s, "10.1.0.0/16").VpcId
	create := func(asn *int64) (string, error) {
		out, err := s.CreateVpnGateway(ctx, testCaller, &ec2.CreateVpnGatewayRequest{Type: kit.Ptr("ipsec.1"), AmazonSideAsn: asn})
		if err != nil {
			return "", err
		}
		return *out.VpnGateway.VpnGatewayId, nil
	}
	for _, asn := range []int64{64511, 65535, 4199999999, 4294967295, 1} {
		_, err := create(&asn)
		wantCode(t, err, "InvalidParameterValue")
	}
	_, err := s.CreateVpnGateway(ctx, testCaller, &ec2.CreateVpnGatewayRequest{Type: kit.Ptr("ipsec.1"), AvailabilityZone: kit.Ptr("us-east-1z")})
	wantCode(t, err, "InvalidParameterValue")
	vgw, err := create(nil)
	wantCode(t, err, "")
	vgw2, err := create(kit.Ptr(int64(4200000000)))
	wantCode(t, err, "")

	describe := func(id string) ec2.VpnGateway {
		t.Helper()
		out, err := s.DescribeVpnGateways(ctx, testCaller, &ec2.DescribeVpnGatewaysRequest{VpnGatewayIds: []string{id}})
		if err != nil || len(out.VpnGateways) != 1 {
			t.Fatalf("DescribeVpnGateways %s: %v %+v", id, err, out)
		}
		return out.VpnGateways[0]
	}
	if g := describe(vgw); *g.AmazonSideAsn != 64512 || *g.State != "available" || g.VpcAttachments == nil || len(g.VpcAttachments) != 0 {
		t.Fatalf("new gateway %+v", g)
	}

	attach := func(gw, v string) error {
		out, err := s.AttachVpnGateway(ctx, testCaller, &ec2.AttachVpnGatewayRequest{VpnGatewayId: &gw, VpcId: &v})
		if err == nil && (*out.VpcAttachment.State != "attaching" || *out.VpcAttachment.VpcId != v) {
			t.Errorf("attach answer %+v", out.VpcAttachment)
		}
		return err
	}
	detach := func(gw, v string) error {
		return s.DetachVpnGateway(ctx, testCaller, &ec2.DetachVpnGatewayRequest{VpnGatewayId: &gw, VpcId: &v})
	}
	wantCode(t, attach(vgw, "vpc-0123456789abcdef0"), "InvalidVpcID.NotFound")
	wantCode(t, attach("vgw-0123456789abcdef0", vpc), "InvalidVpnGatewayID.NotFound")
	wantCode(t, attach(vgw, vpc), "")
	if g := describe(vgw); len(g.VpcAttachments) != 1 || *g.VpcAttachments[0].State != "attached" {
		t.Fatalf("attached gateway %+v", g.VpcAttachments)
	}
	wantCode(t, attach(vgw2, vpc), "InvalidVpcState")
	wantCode(t, attach(vgw, other), "VpnGatewayAttachmentLimitExceeded")
	wantCode(t, s.DeleteVpnGateway(ctx, testCaller, &ec2.DeleteVpnGatewayRequest{VpnGatewayId: &vgw}), "IncorrectState")
	wantCode(t, s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: &vpc}), "DependencyViolation")

	// Route propagation and routes to the gateway, while it is attached.
	rtb := *mainRouteTable(t, s, vpc).RouteTableId
	otherRtb := *mainRouteTable(t, s, other).RouteTableId
	propagate := func(on bool, table, gw string) error {
		if on {
			return s.EnableVgwRoutePropagation(ctx, testCaller, &ec2.EnableVgwRoutePropagationRequest{RouteTableId: &table, GatewayId: &gw})
		}
		return s.DisableVgwRoutePropagation(ctx, testCaller, &ec2.DisableVgwRoutePropagationRequest{RouteTableId: &table, GatewayId: &gw})
	}
	wantCode(t, propagate(true, otherRtb, vgw), "Gateway.NotAttached")
	wantCode(t, propagate(true, rtb, "vgw-0123456789abcdef0"), "InvalidVpnGatewayID.NotFound")
	wantCode(t, propagate(true, rtb, vgw), "")
	wantCode(t, propagate(true, rtb, vgw), "")
	_, err = s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: &rtb, DestinationCidrBlock: kit.Ptr("172.16.0.0/12"), GatewayId: &vgw})
	wantCode(t, err, "")
	tables, err := s.DescribeRouteTables(ctx, testCaller, &ec2.DescribeRouteTablesRequest{RouteTableIds: []string{rtb}})
	if err != nil || len(tables.RouteTables[0].PropagatingVgws) != 1 || *tables.RouteTables[0].PropagatingVgws[0].GatewayId != vgw {
		t.Fatalf("propagating gateways: %v %+v", err, tables)
	}
	wantCode(t, propagate(false, rtb, vgw), "")
	tables, _ = s.DescribeRouteTables(ctx, testCaller, &ec2.DescribeRouteTablesRequest{RouteTableIds: []string{rtb}})
	if len(tables.RouteTables[0].PropagatingVgws) != 0 {
		t.Fatalf("propagation left after disabling: %+v", tables.RouteTables[0].PropagatingVgws)
	}

	wantCode(t, detach(vgw, other), "InvalidVpnGatewayAttachment.NotFound")
	wantCode(t, detach(vgw, vpc), "")
	if g := describe(vgw); len(g.VpcAttachments) != 1 || *g.VpcAttachments[0].State != "detached" || *g.VpcAttachments[0].VpcId != vpc {
		t.Fatalf("detached gateway %+v", g.VpcAttachments)
	}
	out, err := s.DescribeVpnGateways(ctx, testCaller, &ec2.DescribeVpnGatewaysRequest{Filters: []ec2.Filter{{Name: kit.Ptr("attachment.state"), Values: []string{"attached"}}}})
	if err != nil || len(out.VpnGateways) != 0 {
		t.Fatalf("attachment.state filter: %v %+v", err, out)
	}
	wantCode(t, detach(vgw, vpc), "InvalidVpnGatewayAttachment.NotFound")
	wantCode(t, attach(vgw2, vpc), "")
	wantCode(t, s.DeleteVpnGateway(ctx, testCaller, &ec2.DeleteVpnGatewayRequest{VpnGatewayId: &vgw}), "")
	wantCode(t, s.DeleteVpnGateway(ctx, testCaller, &ec2.DeleteVpnGatewayRequest{VpnGatewayId: &vgw}), "InvalidVpnGatewayID.NotFound")
}
