package plan

import (
	"net/netip"

	"vpcd/internal/model"
)

// peeringLink is an active VPC peering whose two VPCs both have a router here: a veth
// pair between the routers, named alike on both sides, with a link-local /30.
type peeringLink struct {
	name                string
	requester, accepter string       // VPC IDs
	requesterAddr       netip.Prefix // .1 of the /30
	accepterAddr        netip.Prefix // .2
}

// peeringLinkName is "p" and the last 14 hex digits of the connection's ID.
func peeringLinkName(pcx string) string { return "p" + pcx[len(pcx)-14:] }

// ends are the local and the remote address of the link seen from vpc, and whether vpc
// is a side of it.
func (l peeringLink) ends(vpc string) (local, remote netip.Prefix, ok bool) {
	switch vpc {
	case l.requester:
		return l.requesterAddr, l.accepterAddr, true
	case l.accepter:
		return l.accepterAddr, l.requesterAddr, true
	}
	return netip.Prefix{}, netip.Prefix{}, false
}

// linkLocal6 is the IPv6 address of vpc's side of the link: the requester's is
// routerLinkLocal, the accepter's farLinkLocal, so that IPv6 routes over the link have a
// next hop too.
func (l peeringLink) linkLocal6(vpc string) netip.Prefix {
	if vpc == l.requester {
		return routerLinkLocal
	}
	return farLinkLocal
}

// remote6 is the IPv6 next hop across the link from vpc.
func (l peeringLink) remote6(vpc string) netip.Addr {
	if vpc == l.requester {
		return l.linkLocal6(l.accepter).Addr()
	}
	return l.linkLocal6(l.requester).Addr()
}

// peeringLinks gives each of the active peerings ids, between two VPCs with running
// interfaces, its link, by connection ID. A peering whose other side has no router here
// carries nothing: routes to it are dropped. number is each active peering's place in ID
// order (peeringNumbers), which picks its link's /30.
func peeringLinks(n *model.Network, ids []string, number map[string]int) map[string]peeringLink {
	out := map[string]peeringLink{}
	base := peeringAddrs.As4()
	first := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	for _, id := range ids {
		p := n.Peerings[id]
		if p == nil || p.Requester == p.Accepter || len(runningInterfaces(n, p.Requester)) == 0 || len(runningInterfaces(n, p.Accepter)) == 0 {
			continue
		}
		net := first + 4*uint32(number[id])
		addr := func(host uint32) netip.Prefix {
			a := net + host
			return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), 30)
		}
		out[id] = peeringLink{name: peeringLinkName(id), requester: p.Requester, accepter: p.Accepter, requesterAddr: addr(1), accepterAddr: addr(2)}
	}
	return out
}

// peeringNumbers is each active peering's place in ID order.
func peeringNumbers(peerings map[string]*model.Peering) map[string]int {
	out := make(map[string]int, len(peerings))
	for i, id := range model.SortedKeys(peerings) {
		out[id] = i
	}
	return out
}

// addPeerings links a VPC's router to the router of each VPC peered with it. What comes
// in over a peering link is routed by the local table alone, which holds only this VPC's
// interfaces: a peering never transits to a gateway, another peering or anything else.
// The link is also a firewall interface whose source/destination check admits only the
// addresses of the peer VPC's interfaces (its Resolver endpoints' included), in and out,
// and whose gates let everything through: the security groups are the interfaces' own,
// at both ends.
func addPeerings(n *model.Network, router *Namespace, vpc string, enis []*model.Interface, peerings map[string]peeringLink) {
	for _, id := range model.SortedKeys(peerings) {
		l := peerings[id]
		local, _, ok := l.ends(vpc)
		if !ok {
			continue
		}
		other := l.accepter
		if vpc == l.accepter {
			other = l.requester
		}
		addrs := []netip.Prefix{local}
		if v := n.VPCs[vpc]; v != nil && len(v.IPv6Blocks()) > 0 {
			addrs = append(addrs, l.linkLocal6(vpc))
		}
		router.Links = append(router.Links, Link{
			Name: l.name, Kind: "veth", Peer: LinkEnd{Namespace: RouterNamespace(other), Name: l.name},
			Addrs: addrs, Sysctls: map[string]string{"rp_filter": "0"},
		})
		router.Rules = append(router.Rules, Rule{Priority: peeringRulePriority, IIF: l.name, Table: localTable})
		addLocalTable(router, enis)
		var remote []netip.Addr
		for _, eni := range runningInterfaces(n, other) {
			remote = append(remote, eni.Addrs()...)
		}
		router.Firewall.Interfaces = append(router.Firewall.Interfaces, FirewallInterface{
			Link: l.name, Addrs: remote, SourceDestCheck: true, Egress: allowAll(), Ingress: allowAll(),
		})
	}
}
