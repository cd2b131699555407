package control

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	dx "vpcd/internal/aws/directconnect"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/model"
)

// TestDirectConnectDataPlane follows a private virtual interface on a Direct Connect
// gateway associated with an attached virtual private gateway into the model (resolved to
// the virtual private gateway, with the association's allowed prefixes), reports its BGP
// session up and down, and checks its state, its BGP peer's status and the routes it
// propagates (ahead of a VPN's to the same prefix).
func TestDirectConnectDataPlane(t *testing.T) {
	f := newDXFixture(t)
	ctx := context.Background()
	fol := newFollower(t, f.s)
	_, err := f.d.CreateDirectConnectGatewayAssociation(ctx, testCaller, &dx.CreateDirectConnectGatewayAssociationRequest{DirectConnectGatewayId: kit.Ptr(f.gw), VirtualGatewayId: kit.Ptr(f.vgw)})
	wantCode(t, err, "")
	fol.check("associated", false)
	v, err := f.d.CreatePrivateVirtualInterface(ctx, testCaller, &dx.CreatePrivateVirtualInterfaceRequest{ConnectionId: kit.Ptr(f.conn),
		NewPrivateVirtualInterface: &dx.NewPrivateVirtualInterface{VirtualInterfaceName: kit.Ptr("vif"), Vlan: kit.Ptr(int32(101)), Asn: kit.Ptr(int32(65010)),
			DirectConnectGatewayId: kit.Ptr(f.gw), AuthKey: kit.Ptr("s3cret")}})
	wantCode(t, err, "")
	id := *v.VirtualInterfaceId
	fol.check("virtual interface", false)
	m := fol.b.Network().DxVirtualInterfaces[id]
	if m == nil || m.Gateway != f.vgw || m.DxGateway != f.gw || m.Vlan != 101 || m.CustomerAsn != 65010 || m.AuthKey != "s3cret" || m.Up() ||
		!slices.Equal(m.AllowedPrefixes, []netip.Prefix{netip.MustParsePrefix("10.40.0.0/16")}) || m.AmazonSideAsn != *v.AmazonSideAsn {
		t.Fatalf("model's interface %+v", m)
	}
	if got := fol.b.Network().DxVirtualInterfacesOf(f.vpc); len(got) != 1 {
		t.Errorf("the VPC's interfaces %+v", got)
	}
	rtb, err := f.s.CreateRouteTable(ctx, testCaller, &ec2.CreateRouteTableRequest{VpcId: kit.Ptr(f.vpc)})
	wantCode(t, err, "")
	wantCode(t, f.s.EnableVgwRoutePropagation(ctx, testCaller, &ec2.EnableVgwRoutePropagationRequest{RouteTableId: rtb.RouteTable.RouteTableId, GatewayId: kit.Ptr(f.vgw)}), "")
	propagated := func() []string { return vgwPropagated(t, f.s, *rtb.RouteTable.RouteTableId) }
	described := func() dx.VirtualInterface {
		t.Helper()
		d, err := f.d.DescribeVirtualInterfaces(ctx, testCaller, &dx.DescribeVirtualInterfacesRequest{VirtualInterfaceId: kit.Ptr(id)})
		wantCode(t, err, "")
		return d.VirtualInterfaces[0]
	}
	if d := described(); *d.VirtualInterfaceState != "down" || *d.BgpPeers[0].BgpStatus != "down" {
		t.Errorf("before a session: %s %s", *d.VirtualInterfaceState, *d.BgpPeers[0].BgpStatus)
	}
	routes := []model.BgpRoute{{Prefix: netip.MustParsePrefix("172.20.0.0/24"), ASPathLen: 1}, {Prefix: netip.MustParsePrefix("10.40.1.0/24")}}
	wantCode(t, f.d.SetVirtualInterfaceBgp(ctx, testCaller, id, true, routes), "")
	fol.check("session up", false)
	if d := described(); *d.VirtualInterfaceState != "available" || *d.BgpPeers[0].BgpStatus != "up" {
		t.Errorf("session up: %s %s", *d.VirtualInterfaceState, *d.BgpPeers[0].BgpStatus)
	}
	if got, want := propagated(), []string{"172.20.0.0/24 " + f.vgw}; !slices.Equal(got, want) {
		t.Errorf("propagated %v, want %v", got, want)
	}
	if m := fol.b.Network().DxVirtualInterfaces[id]; !m.Up() || !slices.Equal(m.Learned, routes) {
		t.Errorf("model's interface after the session came up %+v", m)
	}
	wantCode(t, f.d.SetVirtualInterfaceBgp(ctx, testCaller, id, false, routes), "")
	fol.check("session down", false)
	if d := described(); *d.VirtualInterfaceState != "down" || len(propagated()) != 0 {
		t.Errorf("session down: %s, propagated %v", *d.VirtualInterfaceState, propagated())
	}
	_, err = f.d.DeleteVirtualInterface(ctx, testCaller, &dx.DeleteVirtualInterfaceRequest{VirtualInterfaceId: kit.Ptr(id)})
	wantCode(t, err, "")
	fol.check("deleted", false)
	if len(fol.b.Network().DxVirtualInterfaces) != 0 {
		t.Errorf("a deleted interface stays in the model")
	}
	wantCode(t, f.d.SetVirtualInterfaceBgp(ctx, testCaller, id, true, routes), "") // gone: no error
}

// vgwPropagated are the propagated routes DescribeRouteTables shows in the route table
// rtb: "destination gateway".
func vgwPropagated(t *testing.T, s *Service, rtb string) []string {
	t.Helper()
	d, err := s.DescribeRouteTables(context.Background(), testCaller, &ec2.DescribeRouteTablesRequest{RouteTableIds: []string{rtb}})
	wantCode(t, err, "")
	var out []string
	for _, r := range d.RouteTables[0].Routes {
		if kit.Deref(r.Origin) == "EnableVgwRoutePropagation" {
			out = append(out, *r.DestinationCidrBlock+" "+*r.GatewayId)
		}
	}
	return out
}
