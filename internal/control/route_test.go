package control

import (
	"context"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// routeTo finds the route to a destination in a described table.
func routeTo(rt ec2.RouteTable, dest string) *ec2.Route {
	for i, r := range rt.Routes {
		if kit.Deref(r.DestinationCidrBlock) == dest || kit.Deref(r.DestinationIpv6CidrBlock) == dest || kit.Deref(r.DestinationPrefixListId) == dest {
			return &rt.Routes[i]
		}
	}
	return nil
}

func TestCreateRoute(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc, v6 := createIpv6Vpc(t, s)
	vpcID := *vpc.VpcId
	rtb := createRouteTable(t, s, vpcID)
	other := *createVpc(t, s, "10.1.0.0/16").VpcId
	igw, otherIgw, detached := createIgw(t, s), createIgw(t, s), createIgw(t, s)
	attachIgw(t, s, igw, vpcID)
	attachIgw(t, s, otherIgw, other)
	eigwOut, err := s.CreateEgressOnlyInternetGateway(ctx, testCaller, &ec2.CreateEgressOnlyInternetGatewayRequest{VpcId: kit.Ptr(vpcID)})
	if err != nil {
		t.Fatal(err)
	}
	eigw := *eigwOut.EgressOnlyInternetGateway.EgressOnlyInternetGatewayId
	otherEigwOut, err := s.CreateEgressOnlyInternetGateway(ctx, testCaller, &ec2.CreateEgressOnlyInternetGatewayRequest{VpcId: kit.Ptr(other)})
	if err != nil {
		t.Fatal(err)
	}
	otherEigw := *otherEigwOut.EgressOnlyInternetGateway.EgressOnlyInternetGatewayId
	const unknown = "0123456789abcdef0"
	r := func(in ec2.CreateRouteRequest) ec2.CreateRouteRequest {
		if in.RouteTableId == nil {
			in.RouteTableId = kit.Ptr(rtb)
		}
		return in
	}
	for _, tc := range []struct {
		name string
		in   ec2.CreateRouteRequest
		code string
	}{
		{"route table required", ec2.CreateRouteRequest{RouteTableId: kit.Ptr(""), DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(igw)}, "MissingParameter"},
		{"unknown route table", r(ec2.CreateRouteRequest{RouteTableId: kit.Ptr("rtb-" + unknown), DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(igw)}), "InvalidRouteTableID.NotFound"},
		{"destination required", r(ec2.CreateRouteRequest{GatewayId: kit.Ptr(igw)}), "MissingParameter"},
		{"one destination only", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), DestinationIpv6CidrBlock: kit.Ptr("::/0"), GatewayId: kit.Ptr(igw)}), "InvalidParameterCombination"},
		{"ipv4 destination must be a cidr", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("10.0.0.1"), GatewayId: kit.Ptr(igw)}), "InvalidParameterValue"},
		{"ipv4 destination must be ipv4", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("::/0"), GatewayId: kit.Ptr(igw)}), "InvalidParameterValue"},
		{"ipv6 destination must be ipv6", r(ec2.CreateRouteRequest{DestinationIpv6CidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(igw)}), "InvalidParameterValue"},
		{"target required", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0")}), "MissingParameter"},
		{"one target only", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(igw), NatGatewayId: kit.Ptr("nat-" + unknown)}), "InvalidParameterCombination"},
		{"unknown igw", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr("igw-" + unknown)}), "InvalidInternetGatewayID.NotFound"},
		{"gateway member with another kind", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr("nat-" + unknown)}), "InvalidGatewayID.NotFound"},
		{"igw of another vpc", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(otherIgw)}), "InvalidParameterValue"},
		{"detached igw", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(detached)}), "InvalidParameterValue"},
		{"unknown nat gateway", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), NatGatewayId: kit.Ptr("nat-" + unknown)}), "InvalidNatGatewayID.NotFound"},
		{"unknown instance", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), InstanceId: kit.Ptr("i-" + unknown)}), "InvalidInstanceID.NotFound"},
		{"unknown network interface", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), NetworkInterfaceId: kit.Ptr("eni-" + unknown)}), "InvalidNetworkInterfaceID.NotFound"},
		{"unknown peering connection", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), VpcPeeringConnectionId: kit.Ptr("pcx-" + unknown)}), "InvalidVpcPeeringConnectionID.NotFound"},
		{"unknown transit gateway", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), TransitGatewayId: kit.Ptr("tgw-" + unknown)}), "InvalidTransitGatewayID.NotFound"},
		{"unknown virtual private gateway", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr("vgw-" + unknown)}), "InvalidVpnGatewayID.NotFound"},
		{"unknown local gateway", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), LocalGatewayId: kit.Ptr("lgw-" + unknown)}), "InvalidGatewayID.NotFound"},
		{"unknown carrier gateway", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), CarrierGatewayId: kit.Ptr("cagw-" + unknown)}), "InvalidCarrierGatewayID.NotFound"},
		{"unknown vpc endpoint", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), VpcEndpointId: kit.Ptr("vpce-" + unknown)}), "InvalidVpcEndpointId.NotFound"},
		{"unknown core network", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), CoreNetworkArn: kit.Ptr("arn:aws:networkmanager::123456789012:core-network/core-network-" + unknown)}), "InvalidParameterValue"},
		{"unknown prefix list", r(ec2.CreateRouteRequest{DestinationPrefixListId: kit.Ptr("pl-" + unknown), GatewayId: kit.Ptr(igw)}), "InvalidPrefixListID.NotFound"},
		{"malformed prefix list", r(ec2.CreateRouteRequest{DestinationPrefixListId: kit.Ptr("pl-zz"), GatewayId: kit.Ptr(igw)}), "InvalidPrefixListId.Malformed"},
		{"eigw takes ipv6 destinations only", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), EgressOnlyInternetGatewayId: kit.Ptr(eigw)}), "InvalidParameterValue"},
		{"eigw of another vpc", r(ec2.CreateRouteRequest{DestinationIpv6CidrBlock: kit.Ptr("::/0"), EgressOnlyInternetGatewayId: kit.Ptr(otherEigw)}), "InvalidParameterValue"},
		{"unknown eigw", r(ec2.CreateRouteRequest{DestinationIpv6CidrBlock: kit.Ptr("::/0"), EgressOnlyInternetGatewayId: kit.Ptr("eigw-" + unknown)}), "InvalidGatewayID.NotFound"},
		{"igw for a vpc block", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("10.0.0.0/16"), GatewayId: kit.Ptr(igw)}), "InvalidParameterValue"},
		{"igw for part of a vpc block", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("10.0.1.0/24"), GatewayId: kit.Ptr(igw)}), "InvalidParameterValue"},
		{"igw for part of the ipv6 block", r(ec2.CreateRouteRequest{DestinationIpv6CidrBlock: kit.Ptr(nth64(v6, 1)), GatewayId: kit.Ptr(igw)}), "InvalidParameterValue"},
		{"default route to the igw", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(igw)}), ""},
		{"duplicate destination", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(igw)}), "RouteAlreadyExists"},
		{"host bits are cleared", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.1/0"), GatewayId: kit.Ptr(igw)}), "RouteAlreadyExists"},
		{"less specific than the vpc block", r(ec2.CreateRouteRequest{DestinationCidrBlock: kit.Ptr("10.0.0.0/8"), GatewayId: kit.Ptr(igw)}), ""},
		{"ipv6 default route to the eigw", r(ec2.CreateRouteRequest{DestinationIpv6CidrBlock: kit.Ptr("::/0"), EgressOnlyInternetGatewayId: kit.Ptr(eigw)}), ""},
		{"ipv6 route to the igw", r(ec2.CreateRouteRequest{DestinationIpv6CidrBlock: kit.Ptr("2001:db8::/32"), GatewayId: kit.Ptr(igw)}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateRoute(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
		})
	}
	t.Run("routes in describe", func(t *testing.T) {
		rt := describeRouteTable(t, s, rtb)
		igwRoute := routeTo(rt, "0.0.0.0/0")
		if igwRoute == nil || *igwRoute.GatewayId != igw || *igwRoute.State != "active" || *igwRoute.Origin != "CreateRoute" {
			t.Fatalf("igw route %+v", igwRoute)
		}
		eigwRoute := routeTo(rt, "::/0")
		if eigwRoute == nil || *eigwRoute.EgressOnlyInternetGatewayId != eigw || eigwRoute.GatewayId != nil || *eigwRoute.State != "active" {
			t.Fatalf("eigw route %+v", eigwRoute)
		}
	})
}

func TestRouteStates(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc, _ := createIpv6Vpc(t, s)
	vpcID := *vpc.VpcId
	rtb := createRouteTable(t, s, vpcID)
	igw := createIgw(t, s)
	attachIgw(t, s, igw, vpcID)
	eigwOut, err := s.CreateEgressOnlyInternetGateway(ctx, testCaller, &ec2.CreateEgressOnlyInternetGatewayRequest{VpcId: kit.Ptr(vpcID)})
	if err != nil {
		t.Fatal(err)
	}
	eigw := eigwOut.EgressOnlyInternetGateway.EgressOnlyInternetGatewayId
	for _, in := range []ec2.CreateRouteRequest{
		{RouteTableId: kit.Ptr(rtb), DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(igw)},
		{RouteTableId: kit.Ptr(rtb), DestinationIpv6CidrBlock: kit.Ptr("::/0"), EgressOnlyInternetGatewayId: eigw},
	} {
		if _, err := s.CreateRoute(ctx, testCaller, &in); err != nil {
			t.Fatal(err)
		}
	}
	state := func(dest string) string { return kit.Deref(routeTo(describeRouteTable(t, s, rtb), dest).State) }
	for _, tc := range []struct {
		name  string
		do    func() error
		dest  string
		state string
	}{
		{"attached igw is active", func() error { return nil }, "0.0.0.0/0", "active"},
		{"detached igw is a blackhole", func() error {
			return s.DetachInternetGateway(ctx, testCaller, &ec2.DetachInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw), VpcId: kit.Ptr(vpcID)})
		}, "0.0.0.0/0", "blackhole"},
		{"reattached igw is active again", func() error {
			return s.AttachInternetGateway(ctx, testCaller, &ec2.AttachInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw), VpcId: kit.Ptr(vpcID)})
		}, "0.0.0.0/0", "active"},
		{"deleted igw is a blackhole", func() error {
			err := s.DetachInternetGateway(ctx, testCaller, &ec2.DetachInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw), VpcId: kit.Ptr(vpcID)})
			if err != nil {
				return err
			}
			return s.DeleteInternetGateway(ctx, testCaller, &ec2.DeleteInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw)})
		}, "0.0.0.0/0", "blackhole"},
		{"eigw is active", func() error { return nil }, "::/0", "active"},
		{"deleted eigw is a blackhole", func() error {
			_, err := s.DeleteEgressOnlyInternetGateway(ctx, testCaller, &ec2.DeleteEgressOnlyInternetGatewayRequest{EgressOnlyInternetGatewayId: eigw})
			return err
		}, "::/0", "blackhole"},
		{"local route stays active", func() error { return nil }, "10.0.0.0/16", "active"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.do(), "")
			if got := state(tc.dest); got != tc.state {
				t.Fatalf("state %s, want %s", got, tc.state)
			}
		})
	}
	t.Run("a blackhole route can be deleted", func(t *testing.T) {
		err := s.DeleteRoute(ctx, testCaller, &ec2.DeleteRouteRequest{RouteTableId: kit.Ptr(rtb), DestinationCidrBlock: kit.Ptr("0.0.0.0/0")})
		wantCode(t, err, "")
	})
}

func TestReplaceRoute(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpcID := *createVpc(t, s, "10.0.0.0/16").VpcId
	rtb := createRouteTable(t, s, vpcID)
	igw, igw2 := createIgw(t, s), createIgw(t, s)
	attachIgw(t, s, igw, vpcID)
	if _, err := s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: kit.Ptr(rtb), DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(igw)}); err != nil {
		t.Fatal(err)
	}
	r := func(in ec2.ReplaceRouteRequest) ec2.ReplaceRouteRequest {
		in.RouteTableId = kit.Ptr(rtb)
		return in
	}
	for _, tc := range []struct {
		name string
		in   ec2.ReplaceRouteRequest
		code string
	}{
		{"destination required", r(ec2.ReplaceRouteRequest{GatewayId: kit.Ptr(igw)}), "MissingParameter"},
		{"target required", r(ec2.ReplaceRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0")}), "MissingParameter"},
		{"local target and another target", r(ec2.ReplaceRouteRequest{DestinationCidrBlock: kit.Ptr("10.0.0.0/16"), LocalTarget: kit.Ptr(true), GatewayId: kit.Ptr(igw)}), "InvalidParameterCombination"},
		{"missing route", r(ec2.ReplaceRouteRequest{DestinationCidrBlock: kit.Ptr("192.168.0.0/16"), GatewayId: kit.Ptr(igw)}), "InvalidParameterValue"},
		{"detached igw", r(ec2.ReplaceRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(igw2)}), "InvalidParameterValue"},
		{"unknown nat gateway", r(ec2.ReplaceRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), NatGatewayId: kit.Ptr("nat-0123456789abcdef0")}), "InvalidNatGatewayID.NotFound"},
		{"local route to an igw", r(ec2.ReplaceRouteRequest{DestinationCidrBlock: kit.Ptr("10.0.0.0/16"), GatewayId: kit.Ptr(igw)}), "InvalidParameterValue"},
		{"local route to an unknown interface", r(ec2.ReplaceRouteRequest{DestinationCidrBlock: kit.Ptr("10.0.0.0/16"), NetworkInterfaceId: kit.Ptr("eni-0123456789abcdef0")}), "InvalidNetworkInterfaceID.NotFound"},
		{"local target for a non-local route", r(ec2.ReplaceRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), LocalTarget: kit.Ptr(true)}), "InvalidParameterValue"},
		{"restore the local target", r(ec2.ReplaceRouteRequest{DestinationCidrBlock: kit.Ptr("10.0.0.0/16"), LocalTarget: kit.Ptr(true)}), ""},
		{"same target again", r(ec2.ReplaceRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(igw)}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, s.ReplaceRoute(ctx, testCaller, &tc.in), tc.code)
		})
	}
	t.Run("replace moves the route to the new target", func(t *testing.T) {
		wantCode(t, s.DetachInternetGateway(ctx, testCaller, &ec2.DetachInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw), VpcId: kit.Ptr(vpcID)}), "")
		attachIgw(t, s, igw2, vpcID)
		wantCode(t, s.ReplaceRoute(ctx, testCaller, &ec2.ReplaceRouteRequest{RouteTableId: kit.Ptr(rtb), DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(igw2)}), "")
		got := routeTo(describeRouteTable(t, s, rtb), "0.0.0.0/0")
		if *got.GatewayId != igw2 || *got.State != "active" {
			t.Fatalf("route %+v", got)
		}
		local := routeTo(describeRouteTable(t, s, rtb), "10.0.0.0/16")
		if *local.GatewayId != "local" || *local.Origin != "CreateRouteTable" {
			t.Fatalf("local route %+v", local)
		}
	})
}

func TestDeleteRoute(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc, v6 := createIpv6Vpc(t, s)
	vpcID := *vpc.VpcId
	rtb := createRouteTable(t, s, vpcID)
	igw := createIgw(t, s)
	attachIgw(t, s, igw, vpcID)
	if _, err := s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: kit.Ptr(rtb), DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(igw)}); err != nil {
		t.Fatal(err)
	}
	r := func(in ec2.DeleteRouteRequest) ec2.DeleteRouteRequest {
		if in.RouteTableId == nil {
			in.RouteTableId = kit.Ptr(rtb)
		}
		return in
	}
	for _, tc := range []struct {
		name string
		in   ec2.DeleteRouteRequest
		code string
	}{
		{"destination required", r(ec2.DeleteRouteRequest{}), "MissingParameter"},
		{"unknown route table", r(ec2.DeleteRouteRequest{RouteTableId: kit.Ptr("rtb-0123456789abcdef0"), DestinationCidrBlock: kit.Ptr("0.0.0.0/0")}), "InvalidRouteTableID.NotFound"},
		{"missing route", r(ec2.DeleteRouteRequest{DestinationCidrBlock: kit.Ptr("192.168.0.0/16")}), "InvalidRoute.NotFound"},
		{"local route", r(ec2.DeleteRouteRequest{DestinationCidrBlock: kit.Ptr("10.0.0.0/16")}), "InvalidParameterValue"},
		{"ipv6 local route", r(ec2.DeleteRouteRequest{DestinationIpv6CidrBlock: kit.Ptr(v6.String())}), "InvalidParameterValue"},
		{"route", r(ec2.DeleteRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0")}), ""},
		{"deleted route", r(ec2.DeleteRouteRequest{DestinationCidrBlock: kit.Ptr("0.0.0.0/0")}), "InvalidRoute.NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, s.DeleteRoute(ctx, testCaller, &tc.in), tc.code)
		})
	}
	if got := describeRouteTable(t, s, rtb).Routes; len(got) != 2 {
		t.Fatalf("routes left %+v", got)
	}
}

func TestRouteTargetMember(t *testing.T) {
	for _, tc := range []struct {
		target string
		member func(ec2.Route) *string
	}{
		{"local", func(r ec2.Route) *string { return r.GatewayId }},
		{"igw-0123456789abcdef0", func(r ec2.Route) *string { return r.GatewayId }},
		{"vgw-0123456789abcdef0", func(r ec2.Route) *string { return r.GatewayId }},
		{"vpce-0123456789abcdef0", func(r ec2.Route) *string { return r.GatewayId }},
		{"nat-0123456789abcdef0", func(r ec2.Route) *string { return r.NatGatewayId }},
		{"eni-0123456789abcdef0", func(r ec2.Route) *string { return r.NetworkInterfaceId }},
		{"pcx-0123456789abcdef0", func(r ec2.Route) *string { return r.VpcPeeringConnectionId }},
		{"tgw-0123456789abcdef0", func(r ec2.Route) *string { return r.TransitGatewayId }},
		{"eigw-0123456789abcdef0", func(r ec2.Route) *string { return r.EgressOnlyInternetGatewayId }},
		{"lgw-0123456789abcdef0", func(r ec2.Route) *string { return r.LocalGatewayId }},
		{"cagw-0123456789abcdef0", func(r ec2.Route) *string { return r.CarrierGatewayId }},
		{"arn:aws:networkmanager::123456789012:core-network/core-network-0123", func(r ec2.Route) *string { return r.CoreNetworkArn }},
	} {
		t.Run(tc.target, func(t *testing.T) {
			got := kit.Route{Target: tc.target, Origin: "CreateRoute"}.EC2("active")
			if kit.Deref(tc.member(got)) != tc.target {
				t.Fatalf("route %+v", got)
			}
		})
	}
}

// TestRouteToAttachedInterfaceNamesInstance: a route to an instance is stored as a route to
// its interface, and shows both, as AWS does.
func TestRouteToAttachedInterfaceNamesInstance(t *testing.T) {
	got := kit.Route{Target: "eni-0123456789abcdef0", Instance: "i-0123456789abcdef0", InstanceOwner: "123456789012", Origin: "CreateRoute"}.EC2("active")
	if kit.Deref(got.NetworkInterfaceId) != "eni-0123456789abcdef0" || kit.Deref(got.InstanceId) != "i-0123456789abcdef0" || kit.Deref(got.InstanceOwnerId) != "123456789012" {
		t.Fatalf("route %+v", got)
	}
}
