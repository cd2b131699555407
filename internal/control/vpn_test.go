package control

import (
	"context"
	"fmt"
	"strings"
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

func TestVpnConnections(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	cgw, err := s.CreateCustomerGateway(ctx, testCaller, &ec2.CreateCustomerGatewayRequest{Type: kit.Ptr("ipsec.1"), IpAddress: kit.Ptr("198.51.100.77"), BgpAsn: kit.Ptr(int32(65010))})
	wantCode(t, err, "")
	vgw, err := s.CreateVpnGateway(ctx, testCaller, &ec2.CreateVpnGatewayRequest{Type: kit.Ptr("ipsec.1"), AmazonSideAsn: kit.Ptr(int64(64620))})
	wantCode(t, err, "")
	cgwID, vgwID := *cgw.CustomerGateway.CustomerGatewayId, *vgw.VpnGateway.VpnGatewayId
	tunnel := func(mod func(*ec2.VpnTunnelOptionsSpecification)) *ec2.VpnConnectionOptionsSpecification {
		var spec ec2.VpnTunnelOptionsSpecification
		mod(&spec)
		return &ec2.VpnConnectionOptionsSpecification{TunnelOptions: []ec2.VpnTunnelOptionsSpecification{spec}}
	}
	create := func(mod func(*ec2.CreateVpnConnectionRequest)) (*ec2.VpnConnection, error) {
		in := &ec2.CreateVpnConnectionRequest{Type: kit.Ptr("ipsec.1"), CustomerGatewayId: &cgwID, VpnGatewayId: &vgwID}
		if mod != nil {
			mod(in)
		}
		out, err := s.CreateVpnConnection(ctx, testCaller, in)
		if err != nil {
			return nil, err
		}
		return out.VpnConnection, nil
	}
	for _, tc := range []struct {
		name string
		mod  func(*ec2.CreateVpnConnectionRequest)
		want string
	}{
		{"type required", func(in *ec2.CreateVpnConnectionRequest) { in.Type = nil }, "MissingParameter"},
		{"customer gateway required", func(in *ec2.CreateVpnConnectionRequest) { in.CustomerGatewayId = nil }, "MissingParameter"},
		{"a gateway required", func(in *ec2.CreateVpnConnectionRequest) { in.VpnGatewayId = nil }, "MissingParameter"},
		{"unknown customer gateway", func(in *ec2.CreateVpnConnectionRequest) { in.CustomerGatewayId = kit.Ptr("cgw-0123456789abcdef0") }, "InvalidCustomerGatewayID.NotFound"},
		{"unknown VPN gateway", func(in *ec2.CreateVpnConnectionRequest) { in.VpnGatewayId = kit.Ptr("vgw-0123456789abcdef0") }, "InvalidVpnGatewayID.NotFound"},
		{"no transit gateways", func(in *ec2.CreateVpnConnectionRequest) {
			in.VpnGatewayId, in.TransitGatewayId = nil, kit.Ptr("tgw-0123456789abcdef0")
		}, "InvalidTransitGatewayID.NotFound"},
		{"inside CIDR a /30", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) { o.TunnelInsideCidr = kit.Ptr("169.254.10.0/29") })
		}, "InvalidParameterValue"},
		{"inside CIDR of 169.254.0.0/16", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) { o.TunnelInsideCidr = kit.Ptr("10.0.0.0/30") })
		}, "InvalidParameterValue"},
		{"reserved inside CIDR", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) { o.TunnelInsideCidr = kit.Ptr("169.254.169.252/30") })
		}, "InvalidParameterValue"},
		{"key too short", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) { o.PreSharedKey = kit.Ptr("short") })
		}, "InvalidParameterValue"},
		{"key starting with zero", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) { o.PreSharedKey = kit.Ptr("0secretkey") })
		}, "InvalidParameterValue"},
		{"key with a dash", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) { o.PreSharedKey = kit.Ptr("secret-key") })
		}, "InvalidParameterValue"},
		{"IKE version", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) {
				o.IKEVersions = []ec2.IKEVersionsRequestListValue{{Value: kit.Ptr("ikev3")}}
			})
		}, "InvalidParameterValue"},
		{"phase 1 DH group", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) {
				o.Phase1DHGroupNumbers = []ec2.Phase1DHGroupNumbersRequestListValue{{Value: kit.Ptr(int32(5))}}
			})
		}, "InvalidParameterValue"},
		{"phase 2 encryption", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) {
				o.Phase2EncryptionAlgorithms = []ec2.Phase2EncryptionAlgorithmsRequestListValue{{Value: kit.Ptr("3DES")}}
			})
		}, "InvalidParameterValue"},
		{"phase 1 lifetime", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) { o.Phase1LifetimeSeconds = kit.Ptr(int32(30000)) })
		}, "InvalidParameterValue"},
		{"DPD timeout from 30", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) { o.DPDTimeoutSeconds = kit.Ptr(int32(10)) })
		}, "InvalidParameterValue"},
		{"DPD action", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) { o.DPDTimeoutAction = kit.Ptr("drop") })
		}, "InvalidParameterValue"},
		{"rekey margin at most half phase 2", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) { o.RekeyMarginTimeSeconds = kit.Ptr(int32(1801)) })
		}, "InvalidParameterValue"},
		{"replay window", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) { o.ReplayWindowSize = kit.Ptr(int32(32)) })
		}, "InvalidParameterValue"},
		{"startup action", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) { o.StartupAction = kit.Ptr("wait") })
		}, "InvalidParameterValue"},
		{"two tunnels", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = &ec2.VpnConnectionOptionsSpecification{TunnelOptions: make([]ec2.VpnTunnelOptionsSpecification, 3)}
		}, "InvalidParameterValue"},
		{"IPv6 inside needs a transit gateway", func(in *ec2.CreateVpnConnectionRequest) {
			in.Options = &ec2.VpnConnectionOptionsSpecification{TunnelInsideIpVersion: kit.Ptr("ipv6")}
		}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := create(tc.mod)
			wantCode(t, err, tc.want)
		})
	}

	bgp, err := create(nil)
	wantCode(t, err, "")
	if !kit.ValidID(*bgp.VpnConnectionId, "vpn") || *bgp.State != "available" || *bgp.Options.StaticRoutesOnly ||
		*bgp.Options.LocalIpv4NetworkCidr != "0.0.0.0/0" || *bgp.Options.RemoteIpv4NetworkCidr != "0.0.0.0/0" ||
		len(bgp.VgwTelemetry) != 2 || len(bgp.Options.TunnelOptions) != 2 {
		t.Fatalf("created %+v", bgp)
	}
	seen := map[string]bool{}
	for i, o := range bgp.Options.TunnelOptions {
		tel := bgp.VgwTelemetry[i]
		if *tel.Status != "DOWN" || *tel.AcceptedRouteCount != 0 || *tel.OutsideIpAddress != *o.OutsideIpAddress || *tel.StatusMessage == "" {
			t.Errorf("telemetry %d: %+v", i, tel)
		}
		if *o.DpdTimeoutSeconds != 30 || *o.DpdTimeoutAction != "clear" || *o.Phase1LifetimeSeconds != 28800 || *o.Phase2LifetimeSeconds != 3600 ||
			*o.RekeyMarginTimeSeconds != 540 || *o.RekeyFuzzPercentage != 100 || *o.ReplayWindowSize != 1024 || *o.StartupAction != "add" ||
			len(o.IkeVersions) != 0 || len(o.Phase1EncryptionAlgorithms) != 0 {
			t.Errorf("tunnel %d defaults %+v", i, o)
		}
		if err := checkPSK(*o.PreSharedKey); err != nil || len(*o.PreSharedKey) != 32 {
			t.Errorf("generated key %q: %v", *o.PreSharedKey, err)
		}
		if seen[*o.OutsideIpAddress] || seen[*o.TunnelInsideCidr] {
			t.Errorf("tunnels share %s or %s", *o.OutsideIpAddress, *o.TunnelInsideCidr)
		}
		seen[*o.OutsideIpAddress], seen[*o.TunnelInsideCidr] = true, true
		if !strings.Contains(*bgp.CustomerGatewayConfiguration, "<ip_address>"+*o.OutsideIpAddress+"</ip_address>") ||
			!strings.Contains(*bgp.CustomerGatewayConfiguration, "<pre_shared_key>"+*o.PreSharedKey+"</pre_shared_key>") {
			t.Errorf("configuration lacks tunnel %d: %s", i, *bgp.CustomerGatewayConfiguration)
		}
	}
	for _, want := range []string{"<asn>65010</asn>", "<asn>64620</asn>", "<hold_time>30</hold_time>", `<vpn_connection id="` + *bgp.VpnConnectionId + `">`} {
		if !strings.Contains(*bgp.CustomerGatewayConfiguration, want) {
			t.Errorf("configuration lacks %s", want)
		}
	}

	wantCode(t, s.CreateVpnConnectionRoute(ctx, testCaller, &ec2.CreateVpnConnectionRouteRequest{VpnConnectionId: bgp.VpnConnectionId,
		DestinationCidrBlock: kit.Ptr("172.16.0.0/16")}), "InvalidVpnConnection.InvalidType")

	static, err := create(func(in *ec2.CreateVpnConnectionRequest) {
		in.Options = &ec2.VpnConnectionOptionsSpecification{StaticRoutesOnly: kit.Ptr(true), TunnelOptions: []ec2.VpnTunnelOptionsSpecification{
			{TunnelInsideCidr: kit.Ptr("169.254.44.0/30"), PreSharedKey: kit.Ptr("tunnel_one.key"), IKEVersions: []ec2.IKEVersionsRequestListValue{{Value: kit.Ptr("ikev2")}}},
			{TunnelInsideCidr: kit.Ptr("169.254.44.4/30")},
		}}
	})
	wantCode(t, err, "")
	o := static.Options.TunnelOptions
	if *o[0].TunnelInsideCidr != "169.254.44.0/30" || *o[0].PreSharedKey != "tunnel_one.key" || len(o[0].IkeVersions) != 1 ||
		*o[1].TunnelInsideCidr != "169.254.44.4/30" || strings.Contains(*static.CustomerGatewayConfiguration, "<bgp>") ||
		!strings.Contains(*static.CustomerGatewayConfiguration, "<ip_address>169.254.44.2</ip_address>") {
		t.Fatalf("static connection %+v %s", o, *static.CustomerGatewayConfiguration)
	}
	_, err = create(func(in *ec2.CreateVpnConnectionRequest) {
		in.Options = tunnel(func(o *ec2.VpnTunnelOptionsSpecification) { o.TunnelInsideCidr = kit.Ptr("169.254.44.4/30") })
	})
	wantCode(t, err, "InvalidParameterValue") // inside CIDRs are unique on a gateway

	route := func(add bool, cidr string) error {
		if add {
			return s.CreateVpnConnectionRoute(ctx, testCaller, &ec2.CreateVpnConnectionRouteRequest{VpnConnectionId: static.VpnConnectionId, DestinationCidrBlock: &cidr})
		}
		return s.DeleteVpnConnectionRoute(ctx, testCaller, &ec2.DeleteVpnConnectionRouteRequest{VpnConnectionId: static.VpnConnectionId, DestinationCidrBlock: &cidr})
	}
	wantCode(t, route(true, "192.168.0.0/16"), "")
	wantCode(t, route(true, "not-a-cidr"), "InvalidParameterValue")
	describe := func(filters ...ec2.Filter) []ec2.VpnConnection {
		t.Helper()
		out, err := s.DescribeVpnConnections(ctx, testCaller, &ec2.DescribeVpnConnectionsRequest{Filters: filters})
		if err != nil {
			t.Fatalf("DescribeVpnConnections: %v", err)
		}
		return out.VpnConnections
	}
	if got := describe(ec2.Filter{Name: kit.Ptr("route.destination-cidr-block"), Values: []string{"192.168.0.0/16"}}); len(got) != 1 ||
		*got[0].VpnConnectionId != *static.VpnConnectionId || *got[0].Routes[0].State != "available" || *got[0].Routes[0].Source != "Static" {
		t.Fatalf("route filter: %+v", got)
	}
	for _, f := range []ec2.Filter{
		{Name: kit.Ptr("option.static-routes-only"), Values: []string{"false"}},
		{Name: kit.Ptr("vpn-connection-id"), Values: []string{*bgp.VpnConnectionId}},
	} {
		if got := describe(f); len(got) != 1 || *got[0].VpnConnectionId != *bgp.VpnConnectionId {
			t.Errorf("filter %s: %+v", *f.Name, got)
		}
	}
	if got := describe(ec2.Filter{Name: kit.Ptr("customer-gateway-id"), Values: []string{cgwID}}, ec2.Filter{Name: kit.Ptr("bgp-asn"), Values: []string{"65010"}}); len(got) != 2 {
		t.Errorf("gateway filters: %d connections", len(got))
	}
	wantCode(t, route(false, "192.168.0.0/16"), "")
	wantCode(t, route(false, "192.168.0.0/16"), "InvalidRoute.NotFound")

	// Modifying a tunnel keeps what the request leaves out.
	modify := func(addr string, spec ec2.ModifyVpnTunnelOptionsSpecification) (*ec2.VpnConnection, error) {
		out, err := s.ModifyVpnTunnelOptions(ctx, testCaller, &ec2.ModifyVpnTunnelOptionsRequest{VpnConnectionId: static.VpnConnectionId,
			VpnTunnelOutsideIpAddress: &addr, TunnelOptions: &spec})
		if err != nil {
			return nil, err
		}
		return out.VpnConnection, nil
	}
	_, err = modify("203.0.113.250", ec2.ModifyVpnTunnelOptionsSpecification{DPDTimeoutSeconds: kit.Ptr(int32(60))})
	wantCode(t, err, "InvalidParameterValue")
	_, err = modify(*o[0].OutsideIpAddress, ec2.ModifyVpnTunnelOptionsSpecification{TunnelInsideCidr: o[1].TunnelInsideCidr})
	wantCode(t, err, "InvalidParameterValue")
	_, err = modify(*o[0].OutsideIpAddress, ec2.ModifyVpnTunnelOptionsSpecification{Phase2LifetimeSeconds: kit.Ptr(int32(3600)), Phase1LifetimeSeconds: kit.Ptr(int32(1800))})
	wantCode(t, err, "InvalidParameterValue")
	modified, err := modify(*o[0].OutsideIpAddress, ec2.ModifyVpnTunnelOptionsSpecification{DPDTimeoutSeconds: kit.Ptr(int32(60)), PreSharedKey: kit.Ptr("tunnel_one.new")})
	wantCode(t, err, "")
	if m := modified.Options.TunnelOptions[0]; *m.DpdTimeoutSeconds != 60 || *m.PreSharedKey != "tunnel_one.new" || len(m.IkeVersions) != 1 ||
		*m.TunnelInsideCidr != "169.254.44.0/30" || !strings.Contains(*modified.CustomerGatewayConfiguration, "tunnel_one.new") {
		t.Fatalf("modified tunnel %+v", m)
	}
	o = modified.Options.TunnelOptions
	opts, err := s.ModifyVpnConnectionOptions(ctx, testCaller, &ec2.ModifyVpnConnectionOptionsRequest{VpnConnectionId: static.VpnConnectionId,
		RemoteIpv4NetworkCidr: kit.Ptr("10.0.0.0/16")})
	if err != nil || *opts.VpnConnection.Options.RemoteIpv4NetworkCidr != "10.0.0.0/16" || *opts.VpnConnection.Options.LocalIpv4NetworkCidr != "0.0.0.0/0" {
		t.Fatalf("ModifyVpnConnectionOptions: %v %+v", err, opts)
	}

	types, err := s.GetVpnConnectionDeviceTypes(ctx, testCaller, &ec2.GetVpnConnectionDeviceTypesRequest{})
	if err != nil || len(types.VpnConnectionDeviceTypes) < 2 {
		t.Fatalf("device types: %v %+v", err, types)
	}
	for _, d := range types.VpnConnectionDeviceTypes {
		sample, err := s.GetVpnConnectionDeviceSampleConfiguration(ctx, testCaller, &ec2.GetVpnConnectionDeviceSampleConfigurationRequest{
			VpnConnectionId: static.VpnConnectionId, VpnConnectionDeviceTypeId: d.VpnConnectionDeviceTypeId, InternetKeyExchangeVersion: kit.Ptr("ikev2")})
		if err != nil || !strings.Contains(*sample.VpnConnectionDeviceSampleConfiguration, "tunnel_one.new") ||
			!strings.Contains(*sample.VpnConnectionDeviceSampleConfiguration, *o[1].OutsideIpAddress) {
			t.Errorf("sample for %s: %v %v", *d.Vendor, err, sample)
		}
	}
	_, err = s.GetVpnConnectionDeviceSampleConfiguration(ctx, testCaller, &ec2.GetVpnConnectionDeviceSampleConfigurationRequest{
		VpnConnectionId: static.VpnConnectionId, VpnConnectionDeviceTypeId: kit.Ptr("00000000")})
	wantCode(t, err, "InvalidParameterValue")

	// The gateways are in use while a connection lives.
	wantCode(t, s.DeleteCustomerGateway(ctx, testCaller, &ec2.DeleteCustomerGatewayRequest{CustomerGatewayId: &cgwID}), "IncorrectState")
	wantCode(t, s.DeleteVpnGateway(ctx, testCaller, &ec2.DeleteVpnGatewayRequest{VpnGatewayId: &vgwID}), "IncorrectState")
	for _, v := range []*ec2.VpnConnection{bgp, static} {
		wantCode(t, s.DeleteVpnConnection(ctx, testCaller, &ec2.DeleteVpnConnectionRequest{VpnConnectionId: v.VpnConnectionId}), "")
	}
	wantCode(t, s.DeleteVpnConnection(ctx, testCaller, &ec2.DeleteVpnConnectionRequest{VpnConnectionId: bgp.VpnConnectionId}), "InvalidVpnConnectionID.NotFound")
	_, err = s.DescribeVpnConnections(ctx, testCaller, &ec2.DescribeVpnConnectionsRequest{VpnConnectionIds: []string{*bgp.VpnConnectionId}})
	wantCode(t, err, "InvalidVpnConnectionID.NotFound")
	wantCode(t, s.DeleteCustomerGateway(ctx, testCaller, &ec2.DeleteCustomerGatewayRequest{CustomerGatewayId: &cgwID}), "")
	wantCode(t, s.DeleteVpnGateway(ctx, testCaller, &ec2.DeleteVpnGatewayRequest{VpnGatewayId: &vgwID}), "")
}

// TestVpnConnectionQuota checks AWS's default of 10 connections per virtual private
// gateway, and that deleted connections give their outside addresses back.
func TestVpnConnectionQuota(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	cgw, _ := s.CreateCustomerGateway(ctx, testCaller, &ec2.CreateCustomerGatewayRequest{Type: kit.Ptr("ipsec.1"), IpAddress: kit.Ptr("198.51.100.78")})
	vgw, _ := s.CreateVpnGateway(ctx, testCaller, &ec2.CreateVpnGatewayRequest{Type: kit.Ptr("ipsec.1")})
	in := &ec2.CreateVpnConnectionRequest{Type: kit.Ptr("ipsec.1"), CustomerGatewayId: cgw.CustomerGateway.CustomerGatewayId, VpnGatewayId: vgw.VpnGateway.VpnGatewayId}
	addresses := map[string]bool{}
	var ids []string
	for range 10 {
		out, err := s.CreateVpnConnection(ctx, testCaller, in)
		wantCode(t, err, "")
		ids = append(ids, *out.VpnConnection.VpnConnectionId)
		for _, tel := range out.VpnConnection.VgwTelemetry {
			if addresses[*tel.OutsideIpAddress] {
				t.Fatalf("outside address %s given twice", *tel.OutsideIpAddress)
			}
			addresses[*tel.OutsideIpAddress] = true
		}
	}
	_, err := s.CreateVpnConnection(ctx, testCaller, in)
	wantCode(t, err, "VpnConnectionLimitExceeded")
	var held int
	err = s.View(ctx, func(tx *kit.Txn) error {
		return tx.List("public/us-east-1/", func(string, []byte) error { held++; return nil })
	})
	if err != nil || held != 20 {
		t.Fatalf("%d public addresses held, want 20: %v", held, err)
	}
	for _, id := range ids {
		wantCode(t, s.DeleteVpnConnection(ctx, testCaller, &ec2.DeleteVpnConnectionRequest{VpnConnectionId: &id}), "")
	}
	held = 0
	_ = s.View(ctx, func(tx *kit.Txn) error {
		return tx.List("public/us-east-1/", func(string, []byte) error { held++; return nil })
	})
	if held != 0 {
		t.Errorf("%d public addresses held after deleting every connection", held)
	}
}

// checkPSK applies AWS's rules for a pre-shared key, as a test's own statement of them.
func checkPSK(k string) error {
	if len(k) < 8 || len(k) > 64 || k[0] == '0' || strings.Trim(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._") != "" {
		return fmt.Errorf("key %q breaks AWS's rules", k)
	}
	return nil
}
