package directconnect

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"time"

	dx "vpcd/internal/aws/directconnect"
	"vpcd/internal/control/kit"
	"vpcd/internal/model"
)

// vifRecord is a virtual interface (kind "dxvif") on a connection of the caller's
// region: a VLAN carrying one BGP session between the Amazon and customer addresses, to
// a virtual private gateway or a Direct Connect gateway.
type vifRecord struct {
	kit.Meta
	Type             string       `json:"type"` // private or transit
	ConnectionID     string       `json:"connectionId"`
	Location         string       `json:"location"`
	Device           string       `json:"device"`
	Name             string       `json:"name"`
	Vlan             int32        `json:"vlan"`
	Asn              int64        `json:"asn"`
	AmazonSideAsn    int64        `json:"amazonSideAsn"`
	AuthKey          string       `json:"authKey"`
	AddressFamily    string       `json:"addressFamily"`
	AmazonAddress    netip.Prefix `json:"amazonAddress"`
	CustomerAddress  netip.Prefix `json:"customerAddress"`
	Mtu              int32        `json:"mtu"`
	VirtualGatewayID string       `json:"virtualGatewayId,omitempty"`
	GatewayID        string       `json:"directConnectGatewayId,omitempty"`
	SiteLink         bool         `json:"siteLink,omitempty"`
	PeerID           string       `json:"peerId"`
	Created          time.Time    `json:"created"`
	// The BGP session as the data plane's speaker last reported it (SetVirtualInterfaceBgp):
	// established, and the routes the customer advertises over it (kit: dxmodel.go reads
	// both).
	BgpUp   bool             `json:"bgpUp,omitempty"`
	Learned []model.BgpRoute `json:"learned,omitempty"`
}

// state is the interface's state once created: available while its BGP session is
// established, down else.
func (r *vifRecord) state() string {
	if r.BgpUp {
		return "available"
	}
	return "down"
}

func (r *vifRecord) shape(c kit.Caller, state string) *dx.VirtualInterface {
	out := &dx.VirtualInterface{
		OwnerAccount: kit.Ptr(r.Owner), VirtualInterfaceId: kit.Ptr(r.ID), Location: kit.Ptr(r.Location), ConnectionId: kit.Ptr(r.ConnectionID),
		VirtualInterfaceType: kit.Ptr(r.Type), VirtualInterfaceName: kit.Ptr(r.Name), Vlan: kit.Ptr(r.Vlan), AsnLong: kit.Ptr(r.Asn),
		AmazonSideAsn: kit.Ptr(r.AmazonSideAsn), AuthKey: kit.Ptr(r.AuthKey), AmazonAddress: kit.Ptr(r.AmazonAddress.String()),
		CustomerAddress: kit.Ptr(r.CustomerAddress.String()), AddressFamily: kit.Ptr(r.AddressFamily), VirtualInterfaceState: kit.Ptr(state),
		Mtu: kit.Ptr(r.Mtu), JumboFrameCapable: kit.Ptr(true), RouteFilterPrefixes: []dx.RouteFilterPrefix{}, Region: kit.Ptr(c.Region),
		AwsDeviceV2: kit.Ptr(r.Device), AwsLogicalDeviceId: kit.Ptr(r.Device), Tags: tagList(r.Tags), SiteLinkEnabled: kit.Ptr(r.SiteLink),
		BgpPeers: []dx.BGPPeer{{
			BgpPeerId: kit.Ptr(r.PeerID), AsnLong: kit.Ptr(r.Asn), AuthKey: kit.Ptr(r.AuthKey), AddressFamily: kit.Ptr(r.AddressFamily),
			AmazonAddress: kit.Ptr(r.AmazonAddress.String()), CustomerAddress: kit.Ptr(r.CustomerAddress.String()),
			BgpPeerState: kit.Ptr("available"), BgpStatus: kit.Ptr(map[bool]string{true: "up", false: "down"}[r.BgpUp]), AwsDeviceV2: kit.Ptr(r.Device), AwsLogicalDeviceId: kit.Ptr(r.Device),
		}},
	}
	if r.VirtualGatewayID != "" {
		out.VirtualGatewayId = kit.Ptr(r.VirtualGatewayID)
	}
	if r.GatewayID != "" {
		out.DirectConnectGatewayId = kit.Ptr(r.GatewayID)
	}
	if r.Asn <= kit.MaxBgpAsn {
		out.Asn, out.BgpPeers[0].Asn = kit.Ptr(int32(r.Asn)), kit.Ptr(int32(r.Asn))
	}
	return out
}

// newVIF is what CreatePrivateVirtualInterface and CreateTransitVirtualInterface share.
type newVIF struct {
	typ                               string
	name                              string
	vlan                              *int32
	asn                               *int32
	asnLong                           *int64
	mtu                               *int32
	authKey, amazonAddr, customerAddr *string
	family                            *string
	vgw, gateway                      string
	siteLink                          bool
	tags                              []dx.Tag
}

// mtus are the MTUs each type of interface takes; the first is the default.
var mtus = map[string][]int32{"private": {1500, 9001}, "transit": {1500, 8500}}

// check validates what needs no stored state and returns the record to create.
func (n *newVIF) check(c kit.Caller) (*vifRecord, error) {
	if n.name == "" || len(n.name) > 100 {
		return nil, errClient("Virtual interface name must be between 1 and 100 characters long.")
	}
	if n.vlan == nil || *n.vlan < 1 || *n.vlan > 4094 {
		return nil, errClient("VLAN must be between 1 and 4094.")
	}
	var asn int64
	switch {
	case n.asn != nil && n.asnLong != nil && int64(*n.asn) != *n.asnLong:
		return nil, errClient("Specify either asn or asnLong, not both.")
	case n.asnLong != nil:
		asn = *n.asnLong
	case n.asn != nil:
		asn = int64(*n.asn)
	default:
		return nil, errClient("The customer BGP ASN (asn or asnLong) is required.")
	}
	if asn < 1 || asn > 4294967294 {
		return nil, errClient("ASN %d is not valid. It must be between 1 and 4294967294.", asn)
	}
	mtu := mtus[n.typ][0]
	if n.mtu != nil {
		if mtu = *n.mtu; !slices.Contains(mtus[n.typ], mtu) {
			return nil, errClient("MTU %d is not valid for a %s virtual interface. Valid values: %d, %d.", mtu, n.typ, mtus[n.typ][0], mtus[n.typ][1])
		}
	}
	tags, err := tagsOf(n.tags)
	if err != nil {
		return nil, err
	}
	r := &vifRecord{Meta: kit.Meta{ID: newID("dxvif"), Owner: c.Account, Tags: tags}, Type: n.typ, Name: n.name, Vlan: *n.vlan, Asn: asn, Mtu: mtu,
		AddressFamily: kit.Deref(n.family), VirtualGatewayID: n.vgw, GatewayID: n.gateway, SiteLink: n.siteLink, PeerID: newID("dxpeer"),
		AuthKey: kit.Deref(n.authKey)}
	if r.AuthKey == "" {
		r.AuthKey = "0x" + randomText(22) // AWS generates a key when none is given
	}
	if len(r.AuthKey) > 80 {
		return nil, errClient("BGP authentication key must be at most 80 characters long.")
	}
	if r.AddressFamily == "" {
		r.AddressFamily = "ipv4"
	}
	amazon, customer := kit.Deref(n.amazonAddr), kit.Deref(n.customerAddr)
	switch r.AddressFamily {
	case "ipv4":
		if (amazon == "") != (customer == "") {
			return nil, errClient("Specify both the Amazon and the customer addresses, or neither.")
		}
		if amazon == "" {
			r.AmazonAddress, r.CustomerAddress = linkPair()
			break
		}
		if r.AmazonAddress, err = peerAddress(amazon); err != nil {
			return nil, err
		}
		if r.CustomerAddress, err = peerAddress(customer); err != nil {
			return nil, err
		}
		if r.AmazonAddress.Masked() != r.CustomerAddress.Masked() || r.AmazonAddress.Addr() == r.CustomerAddress.Addr() {
			return nil, errClient("The Amazon address %s and the customer address %s must be two addresses of the same subnet.", amazon, customer)
		}
	case "ipv6":
		if amazon != "" || customer != "" {
			return nil, errClient("Amazon and customer addresses cannot be specified for IPv6; Amazon allocates them.")
		}
		r.AmazonAddress, r.CustomerAddress = ipv6Pair()
	default:
		return nil, errClient("Address family %s is not valid: use ipv4 or ipv6.", r.AddressFamily)
	}
	return r, nil
}

// peerAddress reads an address with its prefix length, as AWS writes them
// (169.254.255.1/30).
func peerAddress(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p.Bits() < 16 || p.Bits() > 31 && p.Bits() != 32 {
		return netip.Prefix{}, errClient("Address %s is not valid: give an IPv4 address with its prefix length, such as 169.254.255.1/30.", s)
	}
	return p, nil
}

// linkPair picks a /30 of 169.254.0.0/16 for a peering whose addresses were not given:
// the Amazon side has the first address, the customer the second.
func linkPair() (amazon, customer netip.Prefix) {
	var b [2]byte
	rand.Read(b[:])
	n := binary.BigEndian.Uint16(b[:]) &^ 3
	if n == 0 {
		n = 4
	}
	base := netip.AddrFrom4([4]byte{169, 254, byte(n >> 8), byte(n)})
	return netip.PrefixFrom(base.Next(), 30), netip.PrefixFrom(base.Next().Next(), 30)
}

// ipv6Pair picks a /125 of the documentation range, as Amazon allocates a /125 of its own
// for an IPv6 peering.
func ipv6Pair() (amazon, customer netip.Prefix) {
	var b [16]byte
	rand.Read(b[:])
	copy(b[:6], []byte{0x20, 0x01, 0x0d, 0xb8, 0xdc, 0x00})
	b[15] &^= 7
	base := netip.AddrFrom16(b)
	return netip.PrefixFrom(base.Next(), 125), netip.PrefixFrom(base.Next().Next(), 125)
}

func listVIFs(t *kit.Txn, c kit.Caller, connection string) ([]*vifRecord, error) {
	all, err := kit.ListAll[vifRecord](t, c.Prefix("dxvif"))
	return slices.DeleteFunc(all, func(r *vifRecord) bool { return connection != "" && r.ConnectionID != connection }), err
}

func getVIF(t *kit.Txn, c kit.Caller, id string) (*vifRecord, error) {
	if !validID(id, "dxvif") {
		return nil, errVIFNotFound(id)
	}
	r := new(vifRecord)
	ok, err := t.Get(c.Key(id), r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errVIFNotFound(id)
	}
	return r, nil
}

// create stores a new interface on its connection, checking what the stored state
// decides: the connection, a VLAN free on it, the per-connection quotas, and the gateway
// it goes to.
func (s *DirectConnect) create(ctx context.Context, c kit.Caller, connectionID string, n *newVIF) (*vifRecord, error) {
	r, err := n.check(c)
	if err != nil {
		return nil, err
	}
	r.Created = s.Now()
	err = s.Update(ctx, func(t *kit.Txn) error {
		conn, err := getConnection(t, c, connectionID)
		if err != nil {
			return err
		}
		r.ConnectionID, r.Location, r.Device = conn.ID, conn.Location, conn.Device
		siblings, err := listVIFs(t, c, conn.ID)
		if err != nil {
			return err
		}
		count := 0
		for _, o := range siblings {
			if o.Vlan == r.Vlan {
				return errClient("VLAN %d is already in use by virtual interface %s on connection %s.", r.Vlan, o.ID, conn.ID)
			}
			if o.Type == r.Type {
				count++
			}
		}
		if limit := map[string]int{"private": maxPrivateVIFs, "transit": maxTransitVIFs}[r.Type]; count >= limit {
			return errClient("Connection %s has reached the limit of %d %s virtual interfaces.", conn.ID, limit, r.Type)
		}
		if err := s.target(t, c, r); err != nil {
			return err
		}
		conn.VIFs++ // see connectionRecord.VIFs
		if err := t.Put(c.Key(conn.ID), conn); err != nil {
			return err
		}
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// target checks the gateway an interface goes to and takes its Amazon-side ASN; a
// Direct Connect gateway records the attachment.
func (s *DirectConnect) target(t *kit.Txn, c kit.Caller, r *vifRecord) error {
	switch {
	case r.VirtualGatewayID != "" && r.GatewayID != "":
		return errClient("Specify either virtualGatewayId or directConnectGatewayId, not both.")
	case r.VirtualGatewayID != "":
		vgw := new(kit.VpnGatewayRecord)
		ok, err := t.Get(c.Key(r.VirtualGatewayID), vgw)
		if err != nil {
			return err
		}
		if !ok || !kit.ValidID(r.VirtualGatewayID, "vgw") {
			return errClient("Virtual private gateway %s does not exist in region %s.", r.VirtualGatewayID, c.Region)
		}
		r.AmazonSideAsn = vgw.AmazonSideAsn
		return useGateway(t, c, r.VirtualGatewayID, r.ID, true)
	case r.GatewayID == "":
		return errClient("Specify virtualGatewayId or directConnectGatewayId.")
	}
	gw, err := getGateway(t, c.Account, r.GatewayID)
	if err != nil {
		return err
	}
	transit := r.Type == "transit"
	switch {
	case len(gw.Attachments) >= maxVIFsPerGateway:
		return errClient("Direct Connect Gateway %s has reached the limit of %d virtual interfaces.", gw.ID, maxVIFsPerGateway)
	case gw.hasAttachment(!transit):
		return errClient("Direct Connect Gateway %s has %s virtual interfaces attached; a %s virtual interface cannot be attached to it.", gw.ID, map[bool]string{true: "private", false: "transit"}[transit], r.Type)
	case slices.ContainsFunc(gw.Associations, func(a association) bool { return a.transit() != transit }):
		return errClient("Direct Connect Gateway %s is associated with %s; a %s virtual interface cannot be attached to it.", gw.ID, map[bool]string{true: "virtual private gateways", false: "transit gateways"}[transit], r.Type)
	}
	r.AmazonSideAsn = gw.AmazonSideAsn
	gw.Attachments = append(gw.Attachments, attachment{VIF: r.ID, Region: c.Region, Transit: transit})
	return t.Put(GatewayKey(c.Account, gw.ID), gw)
}

// CreatePrivateVirtualInterface creates a private virtual interface to a virtual private
// gateway or a Direct Connect gateway.
func (s *DirectConnect) CreatePrivateVirtualInterface(ctx context.Context, c kit.Caller, in *dx.CreatePrivateVirtualInterfaceRequest) (*dx.VirtualInterface, error) {
	v := in.NewPrivateVirtualInterface
	r, err := s.create(ctx, c, kit.Deref(in.ConnectionId), &newVIF{typ: "private", name: kit.Deref(v.VirtualInterfaceName), vlan: v.Vlan,
		asn: v.Asn, asnLong: v.AsnLong, mtu: v.Mtu, authKey: v.AuthKey, amazonAddr: v.AmazonAddress, customerAddr: v.CustomerAddress,
		family: v.AddressFamily, vgw: kit.Deref(v.VirtualGatewayId), gateway: kit.Deref(v.DirectConnectGatewayId),
		siteLink: kit.Deref(v.EnableSiteLink), tags: v.Tags})
	if err != nil {
		return nil, err
	}
	return r.shape(c, "pending"), nil
}

// CreateTransitVirtualInterface creates a transit virtual interface to a Direct Connect
// gateway.
func (s *DirectConnect) CreateTransitVirtualInterface(ctx context.Context, c kit.Caller, in *dx.CreateTransitVirtualInterfaceRequest) (*dx.CreateTransitVirtualInterfaceResult, error) {
	v := in.NewTransitVirtualInterface
	if kit.Deref(v.DirectConnectGatewayId) == "" {
		return nil, errClient("A transit virtual interface needs a directConnectGatewayId.")
	}
	r, err := s.create(ctx, c, kit.Deref(in.ConnectionId), &newVIF{typ: "transit", name: kit.Deref(v.VirtualInterfaceName), vlan: v.Vlan,
		asn: v.Asn, asnLong: v.AsnLong, mtu: v.Mtu, authKey: v.AuthKey, amazonAddr: v.AmazonAddress, customerAddr: v.CustomerAddress,
		family: v.AddressFamily, gateway: kit.Deref(v.DirectConnectGatewayId), siteLink: kit.Deref(v.EnableSiteLink), tags: v.Tags})
	if err != nil {
		return nil, err
	}
	return &dx.CreateTransitVirtualInterfaceResult{VirtualInterface: r.shape(c, "pending")}, nil
}

// DescribeVirtualInterfaces lists the caller's interfaces in the region, those of one
// connection, or one. An interface ID that names none lists none, as AWS answers it once
// the interface is deleted.
func (s *DirectConnect) DescribeVirtualInterfaces(ctx context.Context, c kit.Caller, in *dx.DescribeVirtualInterfacesRequest) (*dx.VirtualInterfaces, error) {
	var all []*vifRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		if conn := kit.Deref(in.ConnectionId); conn != "" {
			if _, err := getConnection(t, c, conn); err != nil {
				return err
			}
		}
		var err error
		all, err = listVIFs(t, c, kit.Deref(in.ConnectionId))
		return err
	})
	if err != nil {
		return nil, err
	}
	shapes := []dx.VirtualInterface{}
	for _, r := range all {
		if id := kit.Deref(in.VirtualInterfaceId); id == "" || id == r.ID {
			shapes = append(shapes, *r.shape(c, r.state()))
		}
	}
	pg, next, err := page(shapes, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &dx.VirtualInterfaces{VirtualInterfaces: pg, NextToken: next}, nil
}

// UpdateVirtualInterfaceAttributes changes an interface's MTU, name or SiteLink.
func (s *DirectConnect) UpdateVirtualInterfaceAttributes(ctx context.Context, c kit.Caller, in *dx.UpdateVirtualInterfaceAttributesRequest) (*dx.VirtualInterface, error) {
	var r *vifRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if r, err = getVIF(t, c, kit.Deref(in.VirtualInterfaceId)); err != nil {
			return err
		}
		if in.Mtu != nil {
			if !slices.Contains(mtus[r.Type], *in.Mtu) {
				return errClient("MTU %d is not valid for a %s virtual interface. Valid values: %d, %d.", *in.Mtu, r.Type, mtus[r.Type][0], mtus[r.Type][1])
			}
			r.Mtu = *in.Mtu
		}
		if in.VirtualInterfaceName != nil {
			if n := *in.VirtualInterfaceName; n == "" || len(n) > 100 {
				return errClient("Virtual interface name must be between 1 and 100 characters long.")
			}
			r.Name = *in.VirtualInterfaceName
		}
		if in.EnableSiteLink != nil {
			r.SiteLink = *in.EnableSiteLink
		}
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return r.shape(c, r.state()), nil
}

// SetVirtualInterfaceBgp records the BGP session of a private virtual interface as the
// data plane's speaker sees it: established or not, and the routes the customer
// advertises over it, which become propagated routes of the route tables that propagate
// its virtual private gateway. A report that changes nothing writes nothing; an interface
// deleted since is no error.
func (s *DirectConnect) SetVirtualInterfaceBgp(ctx context.Context, c kit.Caller, id string, established bool, routes []model.BgpRoute) error {
	if !established {
		routes = nil
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		r := new(vifRecord)
		ok, err := t.Get(c.Key(id), r)
		if !ok || err != nil || r.BgpUp == established && slices.Equal(r.Learned, routes) {
			return err // gone, or unchanged
		}
		r.BgpUp, r.Learned = established, routes
		return t.Put(c.Key(r.ID), r)
	})
}

// DeleteVirtualInterface deletes an interface and detaches it from its gateway.
func (s *DirectConnect) DeleteVirtualInterface(ctx context.Context, c kit.Caller, in *dx.DeleteVirtualInterfaceRequest) (*dx.DeleteVirtualInterfaceResponse, error) {
	err := s.Update(ctx, func(t *kit.Txn) error {
		r, err := getVIF(t, c, kit.Deref(in.VirtualInterfaceId))
		if err != nil {
			return err
		}
		if conn, err := getConnection(t, c, r.ConnectionID); err == nil {
			conn.VIFs++
			if err := t.Put(c.Key(conn.ID), conn); err != nil {
				return err
			}
		}
		if r.VirtualGatewayID != "" {
			if err := useGateway(t, c, r.VirtualGatewayID, r.ID, false); err != nil {
				return err
			}
		}
		if r.GatewayID != "" {
			gw, err := getGateway(t, c.Account, r.GatewayID)
			if err != nil {
				return fmt.Errorf("the gateway of %s: %w", r.ID, err)
			}
			gw.Attachments = slices.DeleteFunc(gw.Attachments, func(a attachment) bool { return a.VIF == r.ID && a.Region == c.Region })
			if err := t.Put(GatewayKey(c.Account, gw.ID), gw); err != nil {
				return err
			}
		}
		t.Del(c.Key(r.ID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dx.DeleteVirtualInterfaceResponse{VirtualInterfaceState: kit.Ptr("deleting")}, nil
}

// DescribeVirtualGateways lists the caller's virtual private gateways in the region, as
// Direct Connect shows them.
func (s *DirectConnect) DescribeVirtualGateways(ctx context.Context, c kit.Caller, _ *NoInput) (*dx.VirtualGateways, error) {
	var all []*kit.VpnGatewayRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		all, err = kit.ListAll[kit.VpnGatewayRecord](t, c.Prefix("vgw"))
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &dx.VirtualGateways{VirtualGateways: []dx.VirtualGateway{}}
	for _, g := range all {
		out.VirtualGateways = append(out.VirtualGateways, dx.VirtualGateway{VirtualGatewayId: kit.Ptr(g.ID), VirtualGatewayState: kit.Ptr("available")})
	}
	return out, nil
}
