package plan

import (
	"net/netip"
	"slices"
	"strings"

	"vpcd/internal/model"
)

// A transit gateway is a router namespace of its own (TransitGatewayNamespace), linked
// to the router of each VPC attached to it by a veth pair named after the attachment,
// alike on both sides, with a link-local /30. Each of the gateway's route tables is a
// kernel routing table there, and a policy rule per attachment (ip rule iif LINK lookup
// TABLE, since this kernel has no VRF) routes what comes in from the attachment by the
// route table it is associated with; an attachment with none drops everything. Routes
// to attachments whose VPC has no router here, and blackhole routes, drop. What comes
// in from the gateway into a VPC's router is delivered to the VPC's own interfaces only
// (the local table), through their security groups and their subnets' ACLs, as from a
// peering: the attachment subnets' route tables are not consulted. Transit works (VPC A
// to the gateway to VPC B) since the gateway routes what it receives by its own tables.
//
// Appliance mode: AWS keeps both directions of a flow on one zone's attachment
// interfaces so that a stateful appliance sees both; here a gateway is one namespace,
// whose one path per attachment already carries both directions of every flow, so the
// option changes nothing in the plan.

// TransitGatewayNamespace is the namespace of a transit gateway.
func TransitGatewayNamespace(tgw string) string { return routerPrefix + tgw + namespaceSuffix }

// tgwAttachmentLink is the link of a VPC attachment, in the VPC's router and in the
// gateway's namespace: "a" and the last 14 hex digits of the attachment's ID.
func tgwAttachmentLink(att string) string { return "a" + att[len(att)-14:] }

// TransitGatewayAttachmentLink is the link of a VPC attachment, in the VPC's router and
// in the gateway's namespace.
func TransitGatewayAttachmentLink(att string) string { return tgwAttachmentLink(att) }

// tgwAddrs is where the /30 of each attachment link comes from, in attachment ID order:
// 169.254.192.0/20, apart from the gateways', the peerings', the services' and the
// regional NAT gateways' links.
var tgwAddrs = netip.MustParseAddr("169.254.192.0")

// maxTgwLinks is how many /30s 169.254.192.0/20 holds.
const maxTgwLinks = 1024

// tgwLink is the link of one VPC attachment: the VPC router's end (.1) and the
// gateway's (.2), and whether it carries IPv6 (the attachment supports it and the VPC
// has IPv6 blocks), at routerLinkLocal on the VPC's side and farLinkLocal on the
// gateway's.
type tgwLink struct {
	name             string
	vpcAddr, tgwAddr netip.Prefix
	has6             bool
}

// tgwAttachmentNumbers is each available VPC attachment's place in ID order, which picks
// its link's /30.
func tgwAttachmentNumbers(n *model.Network) map[string]int {
	out := map[string]int{}
	for _, id := range model.SortedKeys(n.TransitGateways.Attachments) {
		if n.TransitGateways.Attachments[id].Type == "vpc" {
			out[id] = len(out)
		}
	}
	return out
}

// tgwLinkOf is the link of a VPC attachment; ok is false when the addresses are used up.
func tgwLinkOf(n *model.Network, a *model.TransitGatewayAttachment, numbers map[string]int) (tgwLink, bool) {
	k, ok := numbers[a.ID]
	if !ok || k >= maxTgwLinks {
		return tgwLink{}, false
	}
	base := tgwAddrs.As4()
	first := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	addr := func(host uint32) netip.Prefix {
		x := first + 4*uint32(k) + host
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}), 30)
	}
	return tgwLink{name: tgwAttachmentLink(a.ID), vpcAddr: addr(1), tgwAddr: addr(2), has6: n.TransitGatewayIPv6(a)}, true
}

// addTransitGatewayAttachments links a VPC's router to the namespace of each transit
// gateway it is attached to. What comes in over an attachment link is routed by the
// local table alone: to the VPC's interfaces, through their gates and ACLs.
func addTransitGatewayAttachments(n *model.Network, router *Namespace, vpc string, enis []*model.Interface) {
	numbers := tgwAttachmentNumbers(n)
	for _, a := range n.TransitGatewayAttachmentsOf(vpc) {
		l, ok := tgwLinkOf(n, a, numbers)
		if !ok {
			continue
		}
		addrs := []netip.Prefix{l.vpcAddr}
		if l.has6 {
			addrs = append(addrs, routerLinkLocal)
		}
		router.Links = append(router.Links, Link{
			Name: l.name, Kind: "veth", Peer: LinkEnd{Namespace: TransitGatewayNamespace(a.Gateway), Name: l.name},
			Addrs: addrs, Sysctls: map[string]string{"rp_filter": "0"},
		})
		router.Rules = append(router.Rules, Rule{Priority: peeringRulePriority, IIF: l.name, Table: localTable})
		addLocalTable(router, enis)
	}
}

// transitGatewayTarget is the link and next hop of a VPC route table's route to a
// transit gateway: into the VPC's attachment to it; ok is false when the VPC has none
// (or it carries nothing of the family), and the route drops.
func transitGatewayTarget(n *model.Network, vpc, tgw string, is6 bool) (dev string, gw netip.Addr, ok bool) {
	a := n.TransitGatewayAttachmentOf(vpc, tgw)
	if a == nil {
		return "", netip.Addr{}, false
	}
	l, ok := tgwLinkOf(n, a, tgwAttachmentNumbers(n))
	switch {
	case !ok:
		return "", netip.Addr{}, false
	case is6 && !l.has6:
		return "", netip.Addr{}, false
	case is6:
		return l.name, farLinkLocal.Addr(), true
	}
	return l.name, l.tgwAddr.Addr(), true
}

// routedVPCs are the VPCs that have a router here: those with a running interface
// (runningInterfaces), found in one pass.
func routedVPCs(n *model.Network) map[string]bool {
	out := map[string]bool{}
	for _, eni := range n.Interfaces {
		if !out[eni.VPC] && n.Carried(eni) && len(eni.Addrs()) > 0 && n.Subnets[eni.Subnet] != nil {
			out[eni.VPC] = true
		}
	}
	return out
}

// transitGatewayNamespaces lays out the namespace of each transit gateway that has an
// attachment to a VPC with a router here, in gateway ID order, and the namespaces of
// the tunnels of its VPN attachments, linked to internet.
func transitGatewayNamespaces(n *model.Network, internet *Namespace) []Namespace {
	routed := routedVPCs(n)
	numbers := tgwAttachmentNumbers(n)
	var out []Namespace
	for _, id := range model.SortedKeys(n.TransitGateways.Gateways) {
		if ns, ok := transitGatewayNamespace(n, id, routed, numbers); ok {
			out = append(out, addTransitGatewayTunnels(n, &ns, internet)...)
			out = append(out, ns)
		}
	}
	return out
}

// addTransitGatewayTunnels lays out the tunnels of the gateway's VPN attachments as a
// virtual private gateway's are (addVpnTunnels), their TUNs moved into the gateway's
// namespace instead of a VPC's router: what comes out of a tunnel is routed by the
// route table its attachment is associated with; a route to the attachment goes into
// the connection's preferred tunnel (dropped while neither is up). TCP's MSS is clamped
// on the tunnels' links there.
func addTransitGatewayTunnels(n *model.Network, gw, internet *Namespace) []Namespace {
	tgw := strings.TrimSuffix(strings.TrimPrefix(gw.Name, routerPrefix), namespaceSuffix)
	tables := map[string]int{}
	for _, rtb := range n.TransitGatewayRouteTablesOf(tgw) {
		tables[rtb] = firstTable + len(tables)
	}
	// As for a virtual private gateway's tunnels, libipsec needs a local address within
	// a customer's narrowed selectors: the subnet routers of the attached VPCs, on lo.
	attached := map[string]bool{}
	for _, a := range n.TransitGatewayAttachmentsOn(tgw) {
		attached[a.VPC] = a.Type == "vpc"
	}
	var selectorAddrs []netip.Prefix
	for _, id := range model.SortedKeys(n.Subnets) {
		if sn := n.Subnets[id]; attached[sn.VPC] && sn.CIDR.IsValid() {
			selectorAddrs = append(selectorAddrs, netip.PrefixFrom(sn.Router(), 32))
		}
	}
	var out []Namespace
	for _, a := range n.TransitGatewayAttachmentsOn(tgw) {
		c := n.VpnConnections[a.VpnConnection]
		if a.Type != "vpn" || c == nil {
			continue
		}
		table, ok := tables[a.RouteTable]
		if !ok {
			table = localTable
			if !slices.ContainsFunc(gw.Routes, func(r Route) bool { return r.Table == localTable }) {
				gw.Routes = append(gw.Routes, defaultDrops(localTable, false, false, false)...)
			}
		}
		for i := range c.Tunnels {
			if !c.Tunnels[i].OutsideIP.IsValid() {
				continue
			}
			ns, tun := tunnelEnds(c, i, internet, gw.Name, selectorAddrs)
			out = append(out, ns)
			gw.Links = append(gw.Links, tun)
			link := tun.Name
			gw.Rules = append(gw.Rules, Rule{Priority: eniRulePriority, IIF: link, Table: table})
			if gw.Firewall == nil {
				gw.Firewall = &Firewall{}
			}
			gw.Firewall.ClampLinks = append(gw.Firewall.ClampLinks, link)
		}
	}
	return out
}

// transitGatewayNamespace is one gateway's namespace: a link per VPC attachment whose VPC
// has a router here, a kernel table per route table (firstTable on, in ID order) and a
// rule per link; ok is false when no attachment has a link.
func transitGatewayNamespace(n *model.Network, tgw string, routed map[string]bool, numbers map[string]int) (Namespace, bool) {
	ns := Namespace{Name: TransitGatewayNamespace(tgw), Sysctls: map[string]string{
		"net.ipv4.ip_forward": "1", "net.ipv4.conf.all.rp_filter": "0", "net.ipv4.conf.default.rp_filter": "0",
	}}
	ns.Links = append(ns.Links, Link{Name: "lo", Kind: "loopback", Addrs: slices.Clone(loopbackAddrs)})
	tables := map[string]int{}
	for _, rtb := range n.TransitGatewayRouteTablesOf(tgw) {
		tables[rtb] = firstTable + len(tables)
	}
	links := map[string]tgwLink{} // by attachment
	has6, drops := false, false
	tunnels := map[string]string{} // a VPN attachment's preferred tunnel's link, by attachment
	for _, a := range n.TransitGatewayAttachmentsOn(tgw) {
		if c := n.VpnConnections[a.VpnConnection]; a.Type == "vpn" && c != nil {
			if i := c.PreferredTunnel(); i >= 0 && c.Tunnels[i].OutsideIP.IsValid() {
				tunnels[a.ID] = tunnelLink(c.ID, i)
			}
		}
	}
	for _, a := range n.TransitGatewayAttachmentsOn(tgw) {
		if a.Type != "vpc" || !routed[a.VPC] {
			continue
		}
		l, ok := tgwLinkOf(n, a, numbers)
		if !ok {
			continue
		}
		links[a.ID] = l
		addrs := []netip.Prefix{l.tgwAddr}
		if l.has6 {
			addrs, has6 = append(addrs, farLinkLocal), true
		}
		ns.Links = append(ns.Links, Link{Name: l.name, Kind: "veth", Peer: LinkEnd{Namespace: RouterNamespace(a.VPC), Name: l.name},
			Addrs: addrs, Sysctls: map[string]string{"rp_filter": "0"}})
		table, ok := tables[a.RouteTable]
		if !ok {
			table, drops = localTable, true
		}
		ns.Rules = append(ns.Rules, Rule{Priority: eniRulePriority, IIF: l.name, Table: table})
	}
	if len(links) == 0 {
		return Namespace{}, false
	}
	if has6 {
		ns.Sysctls["net.ipv6.conf.all.forwarding"] = "1"
	}
	for _, rtb := range model.SortedKeys(tables) {
		ns.Routes = append(ns.Routes, transitGatewayTableRoutes(n, rtb, tables[rtb], links, tunnels, has6)...)
	}
	if drops {
		ns.Routes = append(ns.Routes, defaultDrops(localTable, false, false, has6)...)
	}
	return ns, true
}

// transitGatewayTableRoutes turns a transit gateway route table into a kernel table:
// each route into its attachment's link, or dropped (a blackhole, an attachment with no
// link here, an IPv6 route over a link without IPv6); what no route covers drops too.
func transitGatewayTableRoutes(n *model.Network, rtb string, table int, links map[string]tgwLink, tunnels map[string]string, has6 bool) []Route {
	var out []Route
	default4, default6 := false, false
	for _, r := range n.TransitGatewayRoutes(rtb) {
		is6 := r.Destination.Addr().Is6()
		if r.Destination.Bits() == 0 {
			default4, default6 = default4 || !is6, default6 || is6
		}
		l, ok := links[r.Attachment]
		tunnel, vpn := tunnels[r.Attachment]
		switch {
		case vpn && !r.Blackhole && !is6:
			out = append(out, Route{Table: table, Dst: r.Destination, Type: RouteUnicast, Dev: tunnel})
		case r.Blackhole || !ok || is6 && !l.has6:
			out = append(out, Route{Table: table, Dst: r.Destination, Type: RouteBlackhole})
		case is6:
			out = append(out, Route{Table: table, Dst: r.Destination, Type: RouteUnicast, Dev: l.name, Gateway: routerLinkLocal.Addr()})
		default:
			out = append(out, Route{Table: table, Dst: r.Destination, Type: RouteUnicast, Dev: l.name, Gateway: l.vpcAddr.Addr()})
		}
	}
	return append(out, defaultDrops(table, default4, default6, has6)...)
}

// defaultDrops are the blackhole defaults of a table that has none of its own: without
// one, the kernel would go on to the next policy rule.
func defaultDrops(table int, has4, has6, with6 bool) []Route {
	var out []Route
	if !has4 {
		out = append(out, Route{Table: table, Dst: anyIPv4, Type: RouteBlackhole})
	}
	if with6 && !has6 {
		out = append(out, Route{Table: table, Dst: anyIPv6, Type: RouteBlackhole})
	}
	return out
}
