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
// of the VPC vpc: the route table associated with that attachment picks the attachment it
// leaves by (plan: ip rule iif ATTACHMENT lookup TABLE), whose VPC it enters; ok is false
// when the gateway drops it (no associated table, no route, a blackhole, an attachment
// that does not lead to a VPC or carries no IPv6).
func (t *tracer) transitGateway(p Packet, vpc string, out target) (entry, bool) {
	n := t.ix.n
	a := n.TransitGateways.Attachments[out.att]
	t.hop(Hop{Kind: KindTransitGatewayAttachment, ID: a.ID, VPC: vpc, Header: p})
	t.hop(Hop{Kind: KindTransitGateway, ID: out.id, Header: p})
	if n.TransitGateways.RouteTables[a.RouteTable] == nil {
		t.block(Explanation{Code: CodeNoRoute, Kind: KindTransitGatewayAttachment, ID: a.ID, VPC: vpc, Address: p.Dst,
			Message: fmt.Sprintf("%s is associated with no route table of %s", a.ID, out.id)})
		return entry{}, false
	}
	r, ok := n.TransitGatewayLookup(a.RouteTable, p.Dst)
	h := Hop{Kind: KindTransitGatewayRouteTable, ID: a.RouteTable, Header: p}
	if ok {
		h.TransitGatewayRoute = &r
	}
	t.hop(h)
	var b *model.TransitGatewayAttachment
	if ok {
		b = n.TransitGateways.Attachments[r.Attachment]
	}
	var code, why string
	switch {
	case !ok:
		code, why = CodeNoRoute, fmt.Sprintf("%s has no route to %s", a.RouteTable, p.Dst)
	case r.Blackhole:
		code, why = CodeBlackhole, fmt.Sprintf("%s's route to %s is a blackhole", a.RouteTable, r.Destination)
	case b == nil || b.Type != "vpc":
		code, why = CodeBlackhole, fmt.Sprintf("%s's route to %s leads to %s, which carries nothing here", a.RouteTable, r.Destination, r.Attachment)
	case p.Dst.Is6() && !n.TransitGatewayIPv6(b):
		code, why = CodeBlackhole, fmt.Sprintf("%s carries no IPv6", b.ID)
	}
	if code != "" {
		t.block(Explanation{Code: code, Kind: KindTransitGatewayRouteTable, ID: a.RouteTable, TransitGatewayRoute: h.TransitGatewayRoute, Address: p.Dst, Message: why})
		return entry{}, false
	}
	t.hop(Hop{Kind: KindTransitGatewayAttachment, ID: b.ID, VPC: b.VPC, Header: p})
	return entry{vpc: b.VPC, tgw: b.ID}, true
}
