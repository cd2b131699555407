package analyze

import (
	"fmt"

	"vpcd/internal/model"
)

// The hops of a path through a transit gateway, as Reachability Analyzer names its
// components: the attachment the packet enters by, the gateway, the route table
// associated with that attachment, and the attachment it leaves by.
const (
	KindTransitGateway           = "transit-gateway"
	KindTransitGatewayAttachment = "transit-gateway-attachment"
	KindTransitGatewayRouteTable = "transit-gateway-route-table"
)

// transitGatewayTarget is where a VPC route to a transit gateway sends a packet: into
// the VPC's attachment to it (plan: the attachment's link), or nowhere when the VPC has
// none, or the attachment carries no IPv6 for an IPv6 route.
func transitGatewayTarget(n *model.Network, vpc, tgw string, is6 bool) (target, string, string) {
	a := n.TransitGatewayAttachmentOf(vpc, tgw)
	switch {
	case a == nil:
		return target{}, CodeBlackhole, vpc + " has no available attachment to " + tgw
	case is6 && !n.TransitGatewayIPv6(a):
		return target{}, CodeBlackhole, a.ID + " carries no IPv6"
	}
	return target{kind: "tgw", id: tgw, att: a.ID}, "", ""
}

// transitGateway follows a packet through a transit gateway, from the attachment out.att
// of the VPC vpc (see through).
func (t *tracer) transitGateway(p Packet, vpc string, out target) (entry, arrival, bool) {
	a := t.ix.n.TransitGateways.Attachments[out.att]
	t.hop(Hop{Kind: KindTransitGatewayAttachment, ID: a.ID, VPC: vpc, Header: p})
	return t.through(p, a)
}

// through follows a packet that comes into a transit gateway by the attachment a: the
// route table associated with a picks the attachment it leaves by (plan: ip rule iif
// ATTACHMENT lookup TABLE). Into a VPC attachment, the packet enters the VPC (next); into
// a VPN attachment, the path ends at the attachment (end), through its connection's
// preferred tunnel (plan: the route goes into that tunnel's link), as a path into a
// virtual private gateway's tunnel ends at the gateway. ok is false when the gateway
// drops it: no associated table, no route, a blackhole, an attachment that carries
// nothing here, no tunnel up, IPv6 where the attachment has none.
func (t *tracer) through(p Packet, a *model.TransitGatewayAttachment) (next entry, end arrival, ok bool) {
	n := t.ix.n
	t.hop(Hop{Kind: KindTransitGateway, ID: a.Gateway, Header: p})
	if n.TransitGateways.RouteTables[a.RouteTable] == nil {
		t.block(Explanation{Code: CodeNoRoute, Kind: KindTransitGatewayAttachment, ID: a.ID, VPC: a.VPC, Address: p.Dst,
			Message: fmt.Sprintf("%s is associated with no route table of %s", a.ID, a.Gateway)})
		return entry{}, arrival{}, false
	}
	r, found := n.TransitGatewayLookup(a.RouteTable, p.Dst)
	h := Hop{Kind: KindTransitGatewayRouteTable, ID: a.RouteTable, Header: p}
	if found {
		h.TransitGatewayRoute = &r
	}
	t.hop(h)
	var b *model.TransitGatewayAttachment
	var vpn *model.VpnConnection
	if found {
		b = n.TransitGateways.Attachments[r.Attachment]
	}
	if b != nil && b.Type == "vpn" {
		vpn = n.VpnConnections[b.VpnConnection]
	}
	var code, why string
	switch {
	case !found:
		code, why = CodeNoRoute, fmt.Sprintf("%s has no route to %s", a.RouteTable, p.Dst)
	case r.Blackhole:
		code, why = CodeBlackhole, fmt.Sprintf("%s's route to %s is a blackhole", a.RouteTable, r.Destination)
	case vpn != nil && (p.Dst.Is6() || vpn.PreferredTunnel() < 0):
		code, why = CodeBlackhole, fmt.Sprintf("no tunnel of %s's VPN connection %s carries %s", b.ID, vpn.ID, p.Dst)
	case vpn != nil:
	case b == nil || b.Type != "vpc":
		code, why = CodeBlackhole, fmt.Sprintf("%s's route to %s leads to %s, which carries nothing here", a.RouteTable, r.Destination, r.Attachment)
	case p.Dst.Is6() && !n.TransitGatewayIPv6(b):
		code, why = CodeBlackhole, fmt.Sprintf("%s carries no IPv6", b.ID)
	}
	if code != "" {
		t.block(Explanation{Code: code, Kind: KindTransitGatewayRouteTable, ID: a.RouteTable, TransitGatewayRoute: h.TransitGatewayRoute, Address: p.Dst, Message: why})
		return entry{}, arrival{}, false
	}
	t.hop(Hop{Kind: KindTransitGatewayAttachment, ID: b.ID, VPC: b.VPC, Header: p})
	if vpn != nil {
		i := vpn.PreferredTunnel()
		t.hop(Hop{Kind: KindVPNConnection, ID: vpn.ID, Tunnel: vpn.Tunnels[i].OutsideIP, Header: p})
		return entry{}, arrival{kind: KindTransitGatewayAttachment, id: b.ID, pkt: p}, true
	}
	return entry{vpc: b.VPC, tgw: b.ID}, arrival{}, true
}

// fromTransitGatewayVpn follows the answer that comes out of a VPN attachment's tunnel
// into its transit gateway, routed by the attachment's route table.
func (t *tracer) fromTransitGatewayVpn(p Packet, att string) arrival {
	a := t.ix.n.TransitGateways.Attachments[att]
	t.hop(Hop{Kind: KindTransitGatewayAttachment, ID: a.ID, Header: p})
	next, end, ok := t.through(p, a)
	switch {
	case !ok:
		return arrival{}
	case end.kind != "":
		return end
	}
	return t.walk(p, next)
}
