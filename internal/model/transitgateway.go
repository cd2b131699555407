package model

import (
	"net/netip"
	"slices"
	"strings"
)

// TransitGateways is the transit gateway part of a network: the gateways, their
// available attachments and their route tables, each in the whole network only (a
// gateway is regional: it belongs to no VPC's part).
type TransitGateways struct {
	Gateways    map[string]*TransitGateway
	Attachments map[string]*TransitGatewayAttachment // available ones only
	RouteTables map[string]*TransitGatewayRouteTable
}

// TransitGateway is a regional router between the VPCs (and VPN connections) attached
// to it. Each attachment's traffic is routed by the route table it is associated with.
type TransitGateway struct {
	ID, Owner, Region string
}

// TransitGatewayAttachment is an available attachment of a transit gateway. A VPC
// attachment (Type "vpc") reaches its VPC through one subnet per zone; it propagates
// the VPC's CIDR blocks (IPv6 ones only with IPv6 support) to the route tables of
// Propagations, and RouteTable routes what enters the gateway from it ("" for none: the
// gateway drops it).
type TransitGatewayAttachment struct {
	ID, Gateway string
	Type        string // vpc, vpn, peering
	VPC         string // a VPC attachment's
	// VpnConnection is a VPN attachment's connection, whose tunnels end in the gateway.
	VpnConnection string
	Subnets       []string
	ApplianceMode bool
	IPv6          bool
	RouteTable    string
	Propagations  []string
}

// TransitGatewayRouteTable is a route table of a transit gateway, with its static
// routes; the propagated ones are the network's (TransitGatewayRoutes).
type TransitGatewayRouteTable struct {
	ID, Gateway string
	Routes      []TransitGatewayRoute
}

// TransitGatewayRoute sends Destination to an attachment, or drops it (Blackhole: a
// static blackhole route, or a route whose attachment is gone). Propagated marks a route
// taken from an attachment rather than a static one.
type TransitGatewayRoute struct {
	Destination netip.Prefix
	Attachment  string
	Blackhole   bool
	Propagated  bool
}

// NewTransitGateways returns an empty transit gateway part.
func NewTransitGateways() TransitGateways {
	return TransitGateways{Gateways: map[string]*TransitGateway{}, Attachments: map[string]*TransitGatewayAttachment{},
		RouteTables: map[string]*TransitGatewayRouteTable{}}
}

// IsTransitGateway reports whether a route target names a transit gateway.
func IsTransitGateway(target string) bool {
	return strings.HasPrefix(target, "tgw-") && !strings.HasPrefix(target, "tgw-attach-") && !strings.HasPrefix(target, "tgw-rtb-")
}

// TransitGatewayAttachmentOf is the available VPC attachment of vpc to the transit
// gateway tgw, nil when there is none: a VPC route table's route to tgw leads into it,
// and drops without it (AWS shows such a route as a blackhole).
func (n *Network) TransitGatewayAttachmentOf(vpc, tgw string) *TransitGatewayAttachment {
	if n.TransitGateways.Gateways[tgw] == nil {
		return nil
	}
	for _, id := range SortedKeys(n.TransitGateways.Attachments) {
		if a := n.TransitGateways.Attachments[id]; a.Type == "vpc" && a.VPC == vpc && a.Gateway == tgw {
			return a
		}
	}
	return nil
}

// TransitGatewayAttachmentsOf are the available VPC attachments of vpc, in ID order.
func (n *Network) TransitGatewayAttachmentsOf(vpc string) []*TransitGatewayAttachment {
	var out []*TransitGatewayAttachment
	for _, id := range SortedKeys(n.TransitGateways.Attachments) {
		if a := n.TransitGateways.Attachments[id]; a.Type == "vpc" && a.VPC == vpc && n.TransitGateways.Gateways[a.Gateway] != nil {
			out = append(out, a)
		}
	}
	return out
}

// Propagates are the prefixes an attachment propagates to the route tables it
// propagates to: a VPC attachment's VPC's CIDR blocks, its IPv6 ones only with IPv6
// support. Other attachments propagate nothing here (a VPN's BGP routes are not
// modelled; static VPN routing takes static routes, as on AWS).
func (n *Network) Propagates(a *TransitGatewayAttachment) []netip.Prefix {
	v := n.VPCs[a.VPC]
	if a.Type != "vpc" || v == nil {
		return nil
	}
	var out []netip.Prefix
	for _, p := range v.CIDRs {
		if p.Addr().Is4() || a.IPv6 {
			out = append(out, p.Masked())
		}
	}
	return out
}

// TransitGatewayRoutes are a transit gateway route table's routes, one per destination:
// its static ones (to an available attachment, else a blackhole), then those propagated
// by the attachments that propagate to it, a static route winning over a propagated one
// of the same destination and, among propagated ones, the attachment first in ID order
// (as SearchTransitGatewayRoutes shows them); sorted by destination.
func (n *Network) TransitGatewayRoutes(rtb string) []TransitGatewayRoute {
	rt := n.TransitGateways.RouteTables[rtb]
	if rt == nil {
		return nil
	}
	best := map[netip.Prefix]TransitGatewayRoute{}
	for _, r := range rt.Routes {
		r.Destination = r.Destination.Masked()
		if a := n.TransitGateways.Attachments[r.Attachment]; a == nil || a.Gateway != rt.Gateway {
			r.Attachment, r.Blackhole = "", true
		}
		best[r.Destination] = r
	}
	for _, id := range SortedKeys(n.TransitGateways.Attachments) {
		a := n.TransitGateways.Attachments[id]
		if a.Gateway != rt.Gateway || !slices.Contains(a.Propagations, rtb) {
			continue
		}
		for _, p := range n.Propagates(a) {
			if _, ok := best[p]; !ok {
				best[p] = TransitGatewayRoute{Destination: p, Attachment: a.ID, Propagated: true}
			}
		}
	}
	out := make([]TransitGatewayRoute, 0, len(best))
	for _, r := range best {
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y TransitGatewayRoute) int { return x.Destination.Compare(y.Destination) })
	return out
}

// TransitGatewayLookup is the route that a packet to dst takes in a transit gateway
// route table: the longest prefix that contains it; ok is false when none does (the
// gateway drops the packet).
func (n *Network) TransitGatewayLookup(rtb string, dst netip.Addr) (TransitGatewayRoute, bool) {
	best, found := TransitGatewayRoute{}, false
	for _, r := range n.TransitGatewayRoutes(rtb) {
		if r.Destination.Contains(dst) && (!found || r.Destination.Bits() > best.Destination.Bits()) {
			best, found = r, true
		}
	}
	return best, found
}

// TransitGatewayRouteTablesOf are the route tables of a transit gateway, in ID order.
func (n *Network) TransitGatewayRouteTablesOf(tgw string) []string {
	var out []string
	for _, id := range SortedKeys(n.TransitGateways.RouteTables) {
		if n.TransitGateways.RouteTables[id].Gateway == tgw {
			out = append(out, id)
		}
	}
	return out
}

// TransitGatewayAttachmentsOn are the available attachments of a transit gateway, in ID
// order.
func (n *Network) TransitGatewayAttachmentsOn(tgw string) []*TransitGatewayAttachment {
	var out []*TransitGatewayAttachment
	for _, id := range SortedKeys(n.TransitGateways.Attachments) {
		if a := n.TransitGateways.Attachments[id]; a.Gateway == tgw {
			out = append(out, a)
		}
	}
	return out
}

// TransitGatewayIPv6 reports whether a VPC attachment carries IPv6: it supports IPv6 and
// its VPC has IPv6 blocks. Over one that does not, IPv6 routes drop.
func (n *Network) TransitGatewayIPv6(a *TransitGatewayAttachment) bool {
	v := n.VPCs[a.VPC]
	return a.IPv6 && v != nil && len(v.IPv6Blocks()) > 0
}

// TransitGatewayOfVpn is the VPN attachment of a connection that ends on a transit
// gateway, nil for one of a virtual private gateway.
func (n *Network) TransitGatewayOfVpn(vpn string) *TransitGatewayAttachment {
	for _, id := range SortedKeys(n.TransitGateways.Attachments) {
		if a := n.TransitGateways.Attachments[id]; a.Type == "vpn" && a.VpnConnection == vpn {
			return a
		}
	}
	return nil
}
