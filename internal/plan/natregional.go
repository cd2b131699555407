package plan

import (
	"net/netip"
	"slices"

	"vpcd/internal/model"
)

// A regional NAT gateway is in no subnet: its namespace is linked to the VPC router by a
// link of its own, a /30 of link-local addresses that no VPC block, peering link or VPC
// service address can hold (AWS reserves 169.254.0.0/16; the internet gateway's link and
// the peerings' are low in it, the services at 169.254.169.x and 169.254.170.x). The router
// routes what any subnet's table sends to the gateway over that link; the gateway
// translates each flow to its zone's public address and sends it back, and the router
// routes what comes in from it by the gateway's own route table, to the internet gateway,
// which lets those public addresses out as they are and routes their replies back.
var regionalNatAddrs = netip.MustParseAddr("169.254.252.0")

// maxRegionalNatLinks is how many /30s 169.254.252.0/22 holds: the regional gateways of
// one VPC beyond it (far more than AWS's quota) get no link.
const maxRegionalNatLinks = 256

// regionalNatLink is the router's side of a regional NAT gateway's link: "n" and the last
// 14 hex digits of its ID.
func regionalNatLink(nat string) string { return "n" + nat[len(nat)-14:] }

// regionalNatEnds are the router's and the gateway's addresses on the link of the i-th
// regional gateway of a VPC.
func regionalNatEnds(i int) (router, far netip.Prefix) {
	b := regionalNatAddrs.As4()
	n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) + uint32(4*i)
	at := func(k uint32) netip.Prefix {
		v := n + k
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), 30)
	}
	return at(1), at(2)
}

// regionalNatGateways are the available regional NAT gateways of a VPC that have a link,
// in ID order; the index of each is its link's.
func regionalNatGateways(n *model.Network, vpc string) []*model.NatGateway {
	var out []*model.NatGateway
	for _, id := range model.SortedKeys(n.NatGateways) {
		if g := n.NatGateways[id]; g.Regional && g.VPC == vpc && len(out) < maxRegionalNatLinks {
			out = append(out, g)
		}
	}
	return out
}

// regionalNatTarget is the route to a regional gateway of the VPC, or false when it has
// no link.
func regionalNatTarget(n *model.Network, vpc, nat string) (dev string, gw netip.Addr, ok bool) {
	i := slices.IndexFunc(regionalNatGateways(n, vpc), func(g *model.NatGateway) bool { return g.ID == nat })
	if i < 0 {
		return "", netip.Addr{}, false
	}
	_, far := regionalNatEnds(i)
	return regionalNatLink(nat), far.Addr(), true
}

// natSysctls are a NAT gateway namespace's: forwarding on, no ICMP redirects (its flows
// come in and go out on the same link, through the VPC router, which must keep routing
// them), AWS's idle timeout.
func natSysctls() map[string]string {
	return map[string]string{
		"net.ipv4.ip_forward":                                "1",
		"net.ipv4.conf.all.send_redirects":                   "0",
		"net.ipv4.conf.default.send_redirects":               "0",
		"net.netfilter.nf_conntrack_tcp_timeout_established": natIdleTimeout,
		"net.netfilter.nf_conntrack_udp_timeout_stream":      natIdleTimeout,
	}
}

// addRegionalNatGateways lays out the VPC's regional NAT gateways: a namespace each, its
// link to the router with the rule that routes what comes from it by its route table,
// and at the internet gateway its public addresses, let out as they are and routed back
// to it from the internet.
func addRegionalNatGateways(n *model.Network, router, internet *Namespace, vpc *model.VPC) []Namespace {
	gateways := regionalNatGateways(n, vpc.ID)
	if len(gateways) == 0 {
		return nil
	}
	tables := routeTableNumbers(n, vpc.ID)
	igw := n.AttachedInternetGateway(vpc.ID)
	var out []Namespace
	for i, g := range gateways {
		routerEnd, far := regionalNatEnds(i)
		link := regionalNatLink(g.ID)
		ns := Namespace{
			Name:    NatGatewayNamespace(g.ID),
			Sysctls: natSysctls(),
			Links: []Link{{Name: "eth0", Kind: "veth", Peer: LinkEnd{Namespace: router.Name, Name: link}, Addrs: []netip.Prefix{far},
				Sysctls: map[string]string{"send_redirects": "0"}}},
			Routes: []Route{{Dst: anyIPv4, Type: RouteUnicast, Dev: "eth0", Gateway: routerEnd.Addr()}},
			NatGateway: &NatGateway{Link: "eth0", Addr: far.Addr(), Zones: natZones(n, g),
				PortMin: natPortMin, PortMax: natPortMax, MaxPerDestination: natMaxPerDestination},
		}
		out = append(out, ns)
		router.Links = append(router.Links, Link{Name: link, Kind: "veth", Peer: LinkEnd{Namespace: ns.Name, Name: "eth0"},
			Addrs: []netip.Prefix{routerEnd}, Sysctls: map[string]string{"rp_filter": "0"}})
		if t, ok := tables[g.RouteTable]; ok {
			router.Rules = append(router.Rules, Rule{Priority: eniRulePriority, IIF: link, Table: t})
		}
		if igw == "" {
			continue
		}
		for _, a := range g.Addresses {
			p := netip.PrefixFrom(a.Public, 32)
			router.Firewall.Public = append(router.Firewall.Public, GatewayAddr{Link: igwLink, Addr: a.Public})
			router.Routes = append(router.Routes, Route{Table: localTable, Dst: p, Type: RouteUnicast, Dev: link, Gateway: far.Addr()})
			internet.Routes = append(internet.Routes, Route{Dst: p, Type: RouteUnicast, Dev: gatewayLink(igw), Gateway: igwRouterAddr.Addr(), Src: InternetHost})
		}
	}
	return out
}

// natZones are a regional gateway's zones in the order of its addresses, each with the
// IPv4 blocks of the VPC's subnets there. A gateway without addresses (automatic, in a
// VPC that had no subnet) has none, and translates to its own address, which the
// internet gateway does not let out.
func natZones(n *model.Network, g *model.NatGateway) []NatZone {
	var zones []NatZone
	for _, a := range g.Addresses {
		i := slices.IndexFunc(zones, func(z NatZone) bool { return z.Name == a.Zone })
		if i < 0 {
			zones = append(zones, NatZone{Name: a.Zone})
			i = len(zones) - 1
		}
		zones[i].Addrs = append(zones[i].Addrs, a.Public)
	}
	for i := range zones {
		for _, id := range model.SortedKeys(n.Subnets) {
			if sn := n.Subnets[id]; sn.VPC == g.VPC && sn.Zone == zones[i].Name && sn.CIDR.IsValid() {
				zones[i].Sources = append(zones[i].Sources, sn.CIDR.Masked())
			}
		}
	}
	return zones
}
