package control

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	dx "vpcd/internal/aws/directconnect"
	"vpcd/internal/control/directconnect"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// dxFixture is a connection, an attached virtual private gateway (its VPC 10.40.0.0/16)
// and a Direct Connect gateway.
type dxFixture struct {
	s                  *Service
	d                  *directconnect.DirectConnect
	conn, vgw, vpc, gw string
}

func newDXFixture(t *testing.T) *dxFixture {
	t.Helper()
	s := newTestService(t)
	ctx := context.Background()
	f := &dxFixture{s: s, d: s.DirectConnect}
	conn, err := f.d.CreateConnection(ctx, testCaller, &dx.CreateConnectionRequest{Location: kit.Ptr("EqDC2"), Bandwidth: kit.Ptr("10Gbps"), ConnectionName: kit.Ptr("primary")})
	wantCode(t, err, "")
	f.conn = *conn.ConnectionId
	vpc, err := s.CreateVpc(ctx, testCaller, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.40.0.0/16")})
	wantCode(t, err, "")
	f.vpc = *vpc.Vpc.VpcId
	vgw, err := s.CreateVpnGateway(ctx, testCaller, &ec2.CreateVpnGatewayRequest{Type: kit.Ptr("ipsec.1"), AmazonSideAsn: kit.Ptr(int64(64600))})
	wantCode(t, err, "")
	f.vgw = *vgw.VpnGateway.VpnGatewayId
	_, err = s.AttachVpnGateway(ctx, testCaller, &ec2.AttachVpnGatewayRequest{VpcId: kit.Ptr(f.vpc), VpnGatewayId: kit.Ptr(f.vgw)})
	wantCode(t, err, "")
	gw, err := f.d.CreateDirectConnectGateway(ctx, testCaller, &dx.CreateDirectConnectGatewayRequest{DirectConnectGatewayName: kit.Ptr("dxgw")})
	wantCode(t, err, "")
	f.gw = *gw.DirectConnectGateway.DirectConnectGatewayId
	return f
}

func TestDirectConnectLocations(t *testing.T) {
	d := newTestService(t).DirectConnect
	for _, region := range []string{"us-east-1", "eu-west-1", "af-south-1"} {
		out, err := d.DescribeLocations(context.Background(), Caller{Account: testCaller.Account, Region: region}, nil)
		wantCode(t, err, "")
		if len(out.Locations) == 0 {
			t.Fatalf("%s has no locations", region)
		}
		for _, l := range out.Locations {
			if *l.Region != region || *l.LocationCode == "" || *l.LocationName == "" || len(l.AvailablePortSpeeds) == 0 {
				t.Errorf("%s: location %+v", region, l)
			}
		}
	}
	out, _ := d.DescribeLocations(context.Background(), testCaller, nil)
	if *out.Locations[0].LocationCode != "EqDC2" || *out.Locations[0].LocationName != "Equinix DC1-DC6, DC10-DC11, Ashburn, VA" {
		t.Errorf("us-east-1's first location %+v", out.Locations[0])
	}
}

func TestDirectConnectConnections(t *testing.T) {
	d := newTestService(t).DirectConnect
	ctx := context.Background()
	create := func(mod func(*dx.CreateConnectionRequest)) (*dx.Connection, error) {
		in := &dx.CreateConnectionRequest{Location: kit.Ptr("EqDC2"), Bandwidth: kit.Ptr("1Gbps"), ConnectionName: kit.Ptr("c1"),
			Tags: []dx.Tag{{Key: kit.Ptr("env"), Value: kit.Ptr("test")}}}
		if mod != nil {
			mod(in)
		}
		return d.CreateConnection(ctx, testCaller, in)
	}
	for _, tc := range []struct {
		name string
		mod  func(*dx.CreateConnectionRequest)
		want string
	}{
		{"a location of the region", func(in *dx.CreateConnectionRequest) { in.Location = kit.Ptr("EqFA5") }, "DirectConnectClientException"},
		{"a port speed of the location", func(in *dx.CreateConnectionRequest) { in.Bandwidth = kit.Ptr("50Mbps") }, "DirectConnectClientException"},
		{"no LAGs", func(in *dx.CreateConnectionRequest) { in.LagId = kit.Ptr("dxlag-ffrz71kw") }, "DirectConnectClientException"},
		{"MACsec from 10Gbps", func(in *dx.CreateConnectionRequest) { in.RequestMACSec = kit.Ptr(true) }, "DirectConnectClientException"},
		{"tag keys once", func(in *dx.CreateConnectionRequest) {
			in.Tags = append(in.Tags, dx.Tag{Key: kit.Ptr("env"), Value: kit.Ptr("prod")})
		}, "DuplicateTagKeysException"},
		{"at most 50 tags", func(in *dx.CreateConnectionRequest) {
			for i := range 51 {
				in.Tags = append(in.Tags, dx.Tag{Key: kit.Ptr(fmt.Sprint("k", i))})
			}
		}, "TooManyTagsException"},
		{"no aws: tags", func(in *dx.CreateConnectionRequest) { in.Tags = []dx.Tag{{Key: kit.Ptr("aws:x")}} }, "DirectConnectClientException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := create(tc.mod)
			wantCode(t, err, tc.want)
		})
	}
	c, err := create(nil)
	wantCode(t, err, "")
	if !strings.HasPrefix(*c.ConnectionId, "dxcon-") || *c.ConnectionState != "requested" || *c.Region != "us-east-1" || *c.OwnerAccount != testCaller.Account ||
		!strings.HasPrefix(*c.AwsDeviceV2, "EqDC2-") || len(c.Tags) != 1 {
		t.Fatalf("created %+v", c)
	}
	got, err := d.DescribeConnections(ctx, testCaller, &dx.DescribeConnectionsRequest{ConnectionId: c.ConnectionId})
	wantCode(t, err, "")
	if len(got.Connections) != 1 || *got.Connections[0].ConnectionState != "available" {
		t.Fatalf("described %+v", got)
	}
	_, err = d.UpdateConnection(ctx, testCaller, &dx.UpdateConnectionRequest{ConnectionId: c.ConnectionId, ConnectionName: kit.Ptr("renamed")})
	wantCode(t, err, "")
	_, err = d.UpdateConnection(ctx, testCaller, &dx.UpdateConnectionRequest{ConnectionId: c.ConnectionId, EncryptionMode: kit.Ptr("must_encrypt")})
	wantCode(t, err, "DirectConnectClientException")
	for range 9 {
		_, err := create(nil)
		wantCode(t, err, "")
	}
	_, err = create(nil)
	wantCode(t, err, "DirectConnectClientException") // 10 per region
	other, err := d.DescribeConnections(ctx, Caller{Account: "210987654321", Region: "us-east-1"}, &dx.DescribeConnectionsRequest{})
	if err != nil || len(other.Connections) != 0 {
		t.Errorf("another account sees %v %+v", err, other)
	}
	pg, err := d.DescribeConnections(ctx, testCaller, &dx.DescribeConnectionsRequest{MaxResults: kit.Ptr(int32(4))})
	if err != nil || len(pg.Connections) != 4 || pg.NextToken == nil {
		t.Fatalf("first page %v %+v", err, pg)
	}
	del, err := d.DeleteConnection(ctx, testCaller, &dx.DeleteConnectionRequest{ConnectionId: c.ConnectionId})
	if err != nil || *del.ConnectionState != "deleted" {
		t.Fatalf("delete %v %+v", err, del)
	}
	_, err = d.DescribeConnections(ctx, testCaller, &dx.DescribeConnectionsRequest{ConnectionId: c.ConnectionId})
	if err == nil || !strings.Contains(err.Error(), "Could not find Connection with ID "+*c.ConnectionId) {
		t.Errorf("a deleted connection described: %v", err)
	}
}

func TestDirectConnectGateways(t *testing.T) {
	f := newDXFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		asn  *int64
		want string
	}{
		{"default 64512", nil, ""},
		{"private 16-bit", kit.Ptr(int64(65534)), ""},
		{"private 32-bit", kit.Ptr(int64(4200000000)), ""},
		{"not public", kit.Ptr(int64(7224)), "DirectConnectClientException"},
		{"not below 64512", kit.Ptr(int64(64511)), "DirectConnectClientException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.d.CreateDirectConnectGateway(ctx, testCaller, &dx.CreateDirectConnectGatewayRequest{DirectConnectGatewayName: kit.Ptr("g"), AmazonSideAsn: tc.asn})
			wantCode(t, err, tc.want)
			if err == nil && (tc.asn == nil && *out.DirectConnectGateway.AmazonSideAsn != 64512 || *out.DirectConnectGateway.DirectConnectGatewayState != "pending") {
				t.Errorf("created %+v", out.DirectConnectGateway)
			}
		})
	}
	// Gateways are global: another region sees them.
	out, err := f.d.DescribeDirectConnectGateways(ctx, Caller{Account: testCaller.Account, Region: "eu-west-1"}, &dx.DescribeDirectConnectGatewaysRequest{DirectConnectGatewayId: kit.Ptr(f.gw)})
	if err != nil || len(out.DirectConnectGateways) != 1 || *out.DirectConnectGateways[0].DirectConnectGatewayState != "available" {
		t.Fatalf("described from eu-west-1: %v %+v", err, out)
	}
	_, err = f.d.UpdateDirectConnectGateway(ctx, testCaller, &dx.UpdateDirectConnectGatewayRequest{DirectConnectGatewayId: kit.Ptr(f.gw), NewDirectConnectGatewayName: kit.Ptr("renamed")})
	wantCode(t, err, "")
	_, err = f.d.UpdateDirectConnectGateway(ctx, testCaller, &dx.UpdateDirectConnectGatewayRequest{DirectConnectGatewayId: kit.Ptr("5f294f92-bafb-4011-916d-9b0bdeadbeef"), NewDirectConnectGatewayName: kit.Ptr("x")})
	wantCode(t, err, "DirectConnectClientException")
	_, err = f.d.DeleteDirectConnectGateway(ctx, testCaller, &dx.DeleteDirectConnectGatewayRequest{DirectConnectGatewayId: kit.Ptr(f.gw)})
	wantCode(t, err, "")
	out, err = f.d.DescribeDirectConnectGateways(ctx, testCaller, &dx.DescribeDirectConnectGatewaysRequest{DirectConnectGatewayId: kit.Ptr(f.gw)})
	if err != nil || len(out.DirectConnectGateways) != 0 {
		t.Errorf("a deleted gateway described: %v %+v", err, out)
	}
}

func TestDirectConnectAssociations(t *testing.T) {
	f := newDXFixture(t)
	ctx := context.Background()
	detached, err := f.s.CreateVpnGateway(ctx, testCaller, &ec2.CreateVpnGatewayRequest{Type: kit.Ptr("ipsec.1")})
	wantCode(t, err, "")
	for _, tc := range []struct {
		name string
		in   dx.CreateDirectConnectGatewayAssociationRequest
		want string
	}{
		{"a gateway", dx.CreateDirectConnectGatewayAssociationRequest{DirectConnectGatewayId: kit.Ptr(f.gw)}, "DirectConnectClientException"},
		{"an attached VGW", dx.CreateDirectConnectGatewayAssociationRequest{DirectConnectGatewayId: kit.Ptr(f.gw), GatewayId: detached.VpnGateway.VpnGatewayId}, "DirectConnectClientException"},
		{"a VGW that exists", dx.CreateDirectConnectGatewayAssociationRequest{DirectConnectGatewayId: kit.Ptr(f.gw), GatewayId: kit.Ptr("vgw-0123456789abcdef0")}, "DirectConnectClientException"},
		{"a transit gateway that exists", dx.CreateDirectConnectGatewayAssociationRequest{DirectConnectGatewayId: kit.Ptr(f.gw), GatewayId: kit.Ptr("tgw-0123456789abcdef0"),
			AddAllowedPrefixesToDirectConnectGateway: []dx.RouteFilterPrefix{{Cidr: kit.Ptr("10.0.0.0/8")}}}, "DirectConnectClientException"},
		{"a DX gateway that exists", dx.CreateDirectConnectGatewayAssociationRequest{DirectConnectGatewayId: kit.Ptr("nope"), GatewayId: kit.Ptr(f.vgw)}, "DirectConnectClientException"},
		{"CIDR prefixes", dx.CreateDirectConnectGatewayAssociationRequest{DirectConnectGatewayId: kit.Ptr(f.gw), GatewayId: kit.Ptr(f.vgw),
			AddAllowedPrefixesToDirectConnectGateway: []dx.RouteFilterPrefix{{Cidr: kit.Ptr("10.0.0.0/33")}}}, "DirectConnectClientException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.d.CreateDirectConnectGatewayAssociation(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.want)
		})
	}
	out, err := f.d.CreateDirectConnectGatewayAssociation(ctx, testCaller, &dx.CreateDirectConnectGatewayAssociationRequest{DirectConnectGatewayId: kit.Ptr(f.gw), VirtualGatewayId: kit.Ptr(f.vgw)})
	wantCode(t, err, "")
	a := out.DirectConnectGatewayAssociation
	if *a.AssociationState != "associating" || *a.AssociatedGateway.Type != "virtualPrivateGateway" || *a.AssociatedGateway.Id != f.vgw ||
		len(a.AllowedPrefixesToDirectConnectGateway) != 1 || *a.AllowedPrefixesToDirectConnectGateway[0].Cidr != "10.40.0.0/16" {
		t.Fatalf("association %+v", a)
	}
	second, err := f.d.CreateDirectConnectGateway(ctx, testCaller, &dx.CreateDirectConnectGatewayRequest{DirectConnectGatewayName: kit.Ptr("second")})
	wantCode(t, err, "")
	_, err = f.d.CreateDirectConnectGatewayAssociation(ctx, testCaller, &dx.CreateDirectConnectGatewayAssociationRequest{DirectConnectGatewayId: second.DirectConnectGateway.DirectConnectGatewayId, GatewayId: kit.Ptr(f.vgw)})
	wantCode(t, err, "DirectConnectClientException") // one Direct Connect gateway per VGW
	_, err = f.d.DeleteDirectConnectGateway(ctx, testCaller, &dx.DeleteDirectConnectGatewayRequest{DirectConnectGatewayId: kit.Ptr(f.gw)})
	wantCode(t, err, "DirectConnectClientException") // associated

	upd, err := f.d.UpdateDirectConnectGatewayAssociation(ctx, testCaller, &dx.UpdateDirectConnectGatewayAssociationRequest{AssociationId: a.AssociationId,
		AddAllowedPrefixesToDirectConnectGateway:    []dx.RouteFilterPrefix{{Cidr: kit.Ptr("10.40.0.0/15")}},
		RemoveAllowedPrefixesToDirectConnectGateway: []dx.RouteFilterPrefix{{Cidr: kit.Ptr("10.40.0.0/16")}}})
	wantCode(t, err, "")
	if p := upd.DirectConnectGatewayAssociation.AllowedPrefixesToDirectConnectGateway; len(p) != 1 || *p[0].Cidr != "10.40.0.0/15" {
		t.Errorf("updated prefixes %+v", p)
	}
	list, err := f.d.DescribeDirectConnectGatewayAssociations(ctx, testCaller, &dx.DescribeDirectConnectGatewayAssociationsRequest{AssociationId: a.AssociationId})
	if err != nil || len(list.DirectConnectGatewayAssociations) != 1 || *list.DirectConnectGatewayAssociations[0].AssociationState != "associated" {
		t.Fatalf("described %v %+v", err, list)
	}
	wantCode(t, f.s.DetachVpnGateway(ctx, testCaller, &ec2.DetachVpnGatewayRequest{VpcId: kit.Ptr(f.vpc), VpnGatewayId: kit.Ptr(f.vgw)}), "")
	wantCode(t, f.s.DeleteVpnGateway(ctx, testCaller, &ec2.DeleteVpnGatewayRequest{VpnGatewayId: kit.Ptr(f.vgw)}), "IncorrectState") // associated
	_, err = f.d.DeleteDirectConnectGatewayAssociation(ctx, testCaller, &dx.DeleteDirectConnectGatewayAssociationRequest{DirectConnectGatewayId: kit.Ptr(f.gw), VirtualGatewayId: kit.Ptr(f.vgw)})
	wantCode(t, err, "")
	wantCode(t, f.s.DeleteVpnGateway(ctx, testCaller, &ec2.DeleteVpnGatewayRequest{VpnGatewayId: kit.Ptr(f.vgw)}), "")
	_, err = f.d.DeleteDirectConnectGatewayAssociation(ctx, testCaller, &dx.DeleteDirectConnectGatewayAssociationRequest{AssociationId: a.AssociationId})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a deleted association deleted again: %v", err)
	}
	list, _ = f.d.DescribeDirectConnectGatewayAssociations(ctx, testCaller, &dx.DescribeDirectConnectGatewayAssociationsRequest{AssociationId: a.AssociationId})
	if len(list.DirectConnectGatewayAssociations) != 0 {
		t.Errorf("a deleted association described: %+v", list)
	}
}

func TestDirectConnectVirtualInterfaces(t *testing.T) {
	f := newDXFixture(t)
	ctx := context.Background()
	private := func(mod func(*dx.NewPrivateVirtualInterface)) (*dx.VirtualInterface, error) {
		v := &dx.NewPrivateVirtualInterface{VirtualInterfaceName: kit.Ptr("vif"), Vlan: kit.Ptr(int32(101)), Asn: kit.Ptr(int32(65010)), VirtualGatewayId: kit.Ptr(f.vgw)}
		if mod != nil {
			mod(v)
		}
		return f.d.CreatePrivateVirtualInterface(ctx, testCaller, &dx.CreatePrivateVirtualInterfaceRequest{ConnectionId: kit.Ptr(f.conn), NewPrivateVirtualInterface: v})
	}
	for _, tc := range []struct {
		name string
		mod  func(*dx.NewPrivateVirtualInterface)
	}{
		{"VLAN from 1", func(v *dx.NewPrivateVirtualInterface) { v.Vlan = kit.Ptr(int32(0)) }},
		{"VLAN to 4094", func(v *dx.NewPrivateVirtualInterface) { v.Vlan = kit.Ptr(int32(4095)) }},
		{"an ASN", func(v *dx.NewPrivateVirtualInterface) { v.Asn = nil }},
		{"MTU 1500 or 9001", func(v *dx.NewPrivateVirtualInterface) { v.Mtu = kit.Ptr(int32(8500)) }},
		{"both addresses", func(v *dx.NewPrivateVirtualInterface) { v.AmazonAddress = kit.Ptr("169.254.10.1/30") }},
		{"addresses of one subnet", func(v *dx.NewPrivateVirtualInterface) {
			v.AmazonAddress, v.CustomerAddress = kit.Ptr("169.254.10.1/30"), kit.Ptr("169.254.11.2/30")
		}},
		{"a target", func(v *dx.NewPrivateVirtualInterface) { v.VirtualGatewayId = nil }},
		{"one target", func(v *dx.NewPrivateVirtualInterface) { v.DirectConnectGatewayId = kit.Ptr(f.gw) }},
		{"a VGW that exists", func(v *dx.NewPrivateVirtualInterface) { v.VirtualGatewayId = kit.Ptr("vgw-0123456789abcdef0") }},
		{"an address family", func(v *dx.NewPrivateVirtualInterface) { v.AddressFamily = kit.Ptr("ipx") }},
		{"no IPv6 addresses given", func(v *dx.NewPrivateVirtualInterface) {
			v.AddressFamily, v.AmazonAddress, v.CustomerAddress = kit.Ptr("ipv6"), kit.Ptr("169.254.10.1/30"), kit.Ptr("169.254.10.2/30")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := private(tc.mod)
			wantCode(t, err, "DirectConnectClientException")
		})
	}
	v, err := private(nil)
	wantCode(t, err, "")
	if *v.VirtualInterfaceState != "pending" || *v.VirtualInterfaceType != "private" || *v.AmazonSideAsn != 64600 || *v.Mtu != 1500 ||
		*v.AddressFamily != "ipv4" || !strings.HasPrefix(*v.AmazonAddress, "169.254.") || !strings.HasSuffix(*v.CustomerAddress, "/30") ||
		*v.AuthKey == "" || len(v.BgpPeers) != 1 || *v.BgpPeers[0].BgpStatus != "down" || *v.Location != "EqDC2" {
		t.Fatalf("created %+v", v)
	}
	_, err = private(nil)
	wantCode(t, err, "DirectConnectClientException") // VLAN 101 taken on the connection
	wantCode(t, f.s.DetachVpnGateway(ctx, testCaller, &ec2.DetachVpnGatewayRequest{VpcId: kit.Ptr(f.vpc), VpnGatewayId: kit.Ptr(f.vgw)}), "")
	wantCode(t, f.s.DeleteVpnGateway(ctx, testCaller, &ec2.DeleteVpnGatewayRequest{VpnGatewayId: kit.Ptr(f.vgw)}), "IncorrectState") // the interface uses it
	_, err = f.s.AttachVpnGateway(ctx, testCaller, &ec2.AttachVpnGatewayRequest{VpcId: kit.Ptr(f.vpc), VpnGatewayId: kit.Ptr(f.vgw)})
	wantCode(t, err, "")
	_, err = f.d.DeleteConnection(ctx, testCaller, &dx.DeleteConnectionRequest{ConnectionId: kit.Ptr(f.conn)})
	wantCode(t, err, "DirectConnectClientException") // an interface is on it

	given, err := private(func(v *dx.NewPrivateVirtualInterface) {
		v.Vlan, v.VirtualGatewayId, v.DirectConnectGatewayId = kit.Ptr(int32(102)), nil, kit.Ptr(f.gw)
		v.AmazonAddress, v.CustomerAddress, v.AuthKey, v.Mtu = kit.Ptr("169.254.10.1/30"), kit.Ptr("169.254.10.2/30"), kit.Ptr("secret"), kit.Ptr(int32(9001))
	})
	wantCode(t, err, "")
	if *given.AmazonSideAsn != 64512 || *given.AmazonAddress != "169.254.10.1/30" || *given.AuthKey != "secret" || *given.DirectConnectGatewayId != f.gw || given.VirtualGatewayId != nil {
		t.Fatalf("created %+v", given)
	}
	v6, err := private(func(v *dx.NewPrivateVirtualInterface) { v.Vlan, v.AddressFamily = kit.Ptr(int32(103)), kit.Ptr("ipv6") })
	wantCode(t, err, "")
	if a, err := netip.ParsePrefix(*v6.AmazonAddress); err != nil || a.Bits() != 125 || !a.Addr().Is6() || *v6.BgpPeers[0].AddressFamily != "ipv6" {
		t.Errorf("IPv6 peering %s / %s", *v6.AmazonAddress, *v6.CustomerAddress)
	}
	transit := func(gw string, vlan int32) error {
		_, err := f.d.CreateTransitVirtualInterface(ctx, testCaller, &dx.CreateTransitVirtualInterfaceRequest{ConnectionId: kit.Ptr(f.conn),
			NewTransitVirtualInterface: &dx.NewTransitVirtualInterface{VirtualInterfaceName: kit.Ptr("t"), Vlan: kit.Ptr(vlan), Asn: kit.Ptr(int32(65020)), DirectConnectGatewayId: kit.Ptr(gw)}})
		return err
	}
	wantCode(t, transit(f.gw, 200), "DirectConnectClientException") // the gateway has a private interface
	wantCode(t, transit("", 200), "DirectConnectClientException")
	other, err := f.d.CreateDirectConnectGateway(ctx, testCaller, &dx.CreateDirectConnectGatewayRequest{DirectConnectGatewayName: kit.Ptr("transit")})
	wantCode(t, err, "")
	wantCode(t, transit(*other.DirectConnectGateway.DirectConnectGatewayId, 200), "")
	_, err = f.d.CreateDirectConnectGatewayAssociation(ctx, testCaller, &dx.CreateDirectConnectGatewayAssociationRequest{DirectConnectGatewayId: other.DirectConnectGateway.DirectConnectGatewayId, GatewayId: kit.Ptr(f.vgw)})
	wantCode(t, err, "DirectConnectClientException") // a transit interface is attached

	att, err := f.d.DescribeDirectConnectGatewayAttachments(ctx, testCaller, &dx.DescribeDirectConnectGatewayAttachmentsRequest{DirectConnectGatewayId: kit.Ptr(f.gw)})
	if err != nil || len(att.DirectConnectGatewayAttachments) != 1 || *att.DirectConnectGatewayAttachments[0].VirtualInterfaceId != *given.VirtualInterfaceId ||
		*att.DirectConnectGatewayAttachments[0].AttachmentType != "PrivateVirtualInterface" {
		t.Fatalf("attachments %v %+v", err, att)
	}
	list, err := f.d.DescribeVirtualInterfaces(ctx, testCaller, &dx.DescribeVirtualInterfacesRequest{ConnectionId: kit.Ptr(f.conn)})
	if err != nil || len(list.VirtualInterfaces) != 4 || *list.VirtualInterfaces[0].VirtualInterfaceState != "down" {
		t.Fatalf("described %v %+v", err, list)
	}
	upd, err := f.d.UpdateVirtualInterfaceAttributes(ctx, testCaller, &dx.UpdateVirtualInterfaceAttributesRequest{VirtualInterfaceId: v.VirtualInterfaceId, Mtu: kit.Ptr(int32(9001))})
	if err != nil || *upd.Mtu != 9001 {
		t.Fatalf("update %v %+v", err, upd)
	}
	_, err = f.d.UpdateVirtualInterfaceAttributes(ctx, testCaller, &dx.UpdateVirtualInterfaceAttributesRequest{VirtualInterfaceId: v.VirtualInterfaceId, Mtu: kit.Ptr(int32(8500))})
	wantCode(t, err, "DirectConnectClientException")

	_, err = f.d.DeleteDirectConnectGateway(ctx, testCaller, &dx.DeleteDirectConnectGatewayRequest{DirectConnectGatewayId: kit.Ptr(f.gw)})
	wantCode(t, err, "DirectConnectClientException") // an interface is attached
	_, err = f.d.DeleteVirtualInterface(ctx, testCaller, &dx.DeleteVirtualInterfaceRequest{VirtualInterfaceId: given.VirtualInterfaceId})
	wantCode(t, err, "")
	_, err = f.d.DeleteDirectConnectGateway(ctx, testCaller, &dx.DeleteDirectConnectGatewayRequest{DirectConnectGatewayId: kit.Ptr(f.gw)})
	wantCode(t, err, "")
	gone, err := f.d.DescribeVirtualInterfaces(ctx, testCaller, &dx.DescribeVirtualInterfacesRequest{VirtualInterfaceId: given.VirtualInterfaceId})
	if err != nil || len(gone.VirtualInterfaces) != 0 {
		t.Errorf("a deleted interface described: %v %+v", err, gone)
	}
	_, err = f.d.DeleteVirtualInterface(ctx, testCaller, &dx.DeleteVirtualInterfaceRequest{VirtualInterfaceId: given.VirtualInterfaceId})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("deleted twice: %v", err)
	}
	vgws, err := f.d.DescribeVirtualGateways(ctx, testCaller, nil)
	if err != nil || len(vgws.VirtualGateways) != 1 || *vgws.VirtualGateways[0].VirtualGatewayId != f.vgw {
		t.Errorf("virtual gateways %v %+v", err, vgws)
	}
}

func TestDirectConnectTags(t *testing.T) {
	f := newDXFixture(t)
	ctx := context.Background()
	connARN := "arn:aws:directconnect:us-east-1:" + testCaller.Account + ":dxcon/" + f.conn
	gwARN := "arn:aws:directconnect::" + testCaller.Account + ":dx-gateway/" + f.gw
	for _, arn := range []string{connARN, gwARN} {
		_, err := f.d.TagResource(ctx, testCaller, &dx.TagResourceRequest{ResourceArn: kit.Ptr(arn), Tags: []dx.Tag{{Key: kit.Ptr("a"), Value: kit.Ptr("1")}, {Key: kit.Ptr("b")}}})
		wantCode(t, err, "")
	}
	_, err := f.d.UntagResource(ctx, testCaller, &dx.UntagResourceRequest{ResourceArn: kit.Ptr(connARN), TagKeys: []string{"b"}})
	wantCode(t, err, "")
	out, err := f.d.DescribeTags(ctx, testCaller, &dx.DescribeTagsRequest{ResourceArns: []string{connARN, gwARN}})
	wantCode(t, err, "")
	if len(out.ResourceTags) != 2 || len(out.ResourceTags[0].Tags) != 1 || len(out.ResourceTags[1].Tags) != 2 {
		t.Fatalf("tags %+v", out)
	}
	for _, arn := range []string{
		"arn:aws:directconnect:us-east-1:210987654321:dxcon/" + f.conn, // another account's
		"arn:aws:directconnect:eu-west-1:" + testCaller.Account + ":dxcon/" + f.conn,
		"arn:aws:directconnect:us-east-1:" + testCaller.Account + ":dxcon/dxcon-00000000",
		"arn:aws:ec2:us-east-1:" + testCaller.Account + ":vpc/" + f.vpc,
	} {
		_, err := f.d.TagResource(ctx, testCaller, &dx.TagResourceRequest{ResourceArn: kit.Ptr(arn), Tags: []dx.Tag{{Key: kit.Ptr("a")}}})
		wantCode(t, err, "DirectConnectClientException")
	}
	var many []dx.Tag
	for i := range 50 {
		many = append(many, dx.Tag{Key: kit.Ptr(fmt.Sprint("k", i))})
	}
	_, err = f.d.TagResource(ctx, testCaller, &dx.TagResourceRequest{ResourceArn: kit.Ptr(connARN), Tags: many})
	wantCode(t, err, "TooManyTagsException") // 1 + 50 new ones
}

// A transit gateway is associated with allowed prefixes only, its Direct Connect gateway
// takes transit interfaces only, and it is not deleted while the association stays (an
// attachment in AWS).
func TestDirectConnectTransitGatewayAssociation(t *testing.T) {
	f := newDXFixture(t)
	ctx := context.Background()
	assoc := func(id string, prefixes ...string) (*dx.CreateDirectConnectGatewayAssociationResult, error) {
		in := &dx.CreateDirectConnectGatewayAssociationRequest{DirectConnectGatewayId: kit.Ptr(f.gw), GatewayId: kit.Ptr(id)}
		for _, p := range prefixes {
			in.AddAllowedPrefixesToDirectConnectGateway = append(in.AddAllowedPrefixesToDirectConnectGateway, dx.RouteFilterPrefix{Cidr: kit.Ptr(p)})
		}
		return f.d.CreateDirectConnectGatewayAssociation(ctx, testCaller, in)
	}
	newTGW := func(asn int64) string {
		t.Helper()
		out, err := f.s.CreateTransitGateway(ctx, testCaller, &ec2.CreateTransitGatewayRequest{Options: &ec2.TransitGatewayRequestOptions{AmazonSideAsn: kit.Ptr(asn)}})
		wantCode(t, err, "")
		return *out.TransitGateway.TransitGatewayId
	}
	tgw, same, deleted := newTGW(64513), newTGW(64512), newTGW(64514)
	_, err := f.s.DeleteTransitGateway(ctx, testCaller, &ec2.DeleteTransitGatewayRequest{TransitGatewayId: kit.Ptr(deleted)})
	wantCode(t, err, "")
	_, err = assoc(same, "10.0.0.0/8")
	wantCode(t, err, "DirectConnectClientException") // the ASNs must differ
	_, err = assoc(deleted, "10.0.0.0/8")
	wantCode(t, err, "DirectConnectClientException")
	_, err = assoc(tgw)
	wantCode(t, err, "DirectConnectClientException") // prefixes required
	_, err = assoc("tgw-attach-0123456789abcdef0", "10.0.0.0/8")
	wantCode(t, err, "DirectConnectClientException")
	out, err := assoc(tgw, "10.0.0.0/8", "192.168.1.7/16")
	wantCode(t, err, "")
	a := out.DirectConnectGatewayAssociation
	if *a.AssociatedGateway.Type != "transitGateway" || a.VirtualGatewayId != nil || len(a.AllowedPrefixesToDirectConnectGateway) != 2 ||
		*a.AllowedPrefixesToDirectConnectGateway[1].Cidr != "192.168.0.0/16" {
		t.Fatalf("association %+v", a)
	}
	_, err = f.d.UpdateDirectConnectGatewayAssociation(ctx, testCaller, &dx.UpdateDirectConnectGatewayAssociationRequest{AssociationId: a.AssociationId,
		RemoveAllowedPrefixesToDirectConnectGateway: []dx.RouteFilterPrefix{{Cidr: kit.Ptr("10.0.0.0/8")}, {Cidr: kit.Ptr("192.168.0.0/16")}}})
	wantCode(t, err, "DirectConnectClientException") // at least one prefix stays
	_, err = assoc(f.vgw)
	wantCode(t, err, "DirectConnectClientException") // a gateway is for one kind of associated gateway
	_, err = f.d.CreatePrivateVirtualInterface(ctx, testCaller, &dx.CreatePrivateVirtualInterfaceRequest{ConnectionId: kit.Ptr(f.conn),
		NewPrivateVirtualInterface: &dx.NewPrivateVirtualInterface{VirtualInterfaceName: kit.Ptr("p"), Vlan: kit.Ptr(int32(10)), Asn: kit.Ptr(int32(65001)), DirectConnectGatewayId: kit.Ptr(f.gw)}})
	wantCode(t, err, "DirectConnectClientException") // associated with a transit gateway
	_, err = f.s.DeleteTransitGateway(ctx, testCaller, &ec2.DeleteTransitGatewayRequest{TransitGatewayId: kit.Ptr(tgw)})
	wantCode(t, err, "IncorrectState")
	_, err = f.d.DeleteDirectConnectGatewayAssociation(ctx, testCaller, &dx.DeleteDirectConnectGatewayAssociationRequest{AssociationId: a.AssociationId})
	wantCode(t, err, "")
	_, err = f.s.DeleteTransitGateway(ctx, testCaller, &ec2.DeleteTransitGatewayRequest{TransitGatewayId: kit.Ptr(tgw)})
	wantCode(t, err, "")
}
