package plan

import (
	"net/netip"
	"slices"
	"strconv"

	"vpcd/internal/model"
)

// A Site-to-Site VPN connection's two tunnels terminate each in a namespace of its own
// (TunnelNamespace), which holds the tunnel's outside address on the simulated internet
// and runs one IKE daemon (strongSwan's charon with kernel-libipsec: this kernel has no
// ESP transform, so ESP runs in user space over a TUN). The daemon's TUN is moved into
// the VPC's router (a link of kind "ipsec"), where it is a route-based interface with
// 0.0.0.0/0 selectors, as AWS's tunnels are: the router's route tables send into it what
// they send to the virtual private gateway, and what comes out of it is delivered to
// the VPC's own interfaces only (the local table), through their gates and ACLs. One
// daemon per tunnel, since libipsec picks an outbound SA by selector alone.

// IPsecTunnel is a tunnel as its IKE daemon is to terminate it: the options of the API
// (model.VpnTunnel), the two ends' outside addresses, and where its TUN goes.
type IPsecTunnel struct {
	Connection string // the VPN connection's ID
	Index      int    // 0 or 1
	Local      netip.Addr
	Remote     netip.Addr // the customer gateway's public address
	Options    model.VpnTunnel
	// Router and Link are where the daemon's TUN is moved: the VPC's router namespace
	// and the link's name there.
	Router, Link string
}

// TunnelMTU is the MTU of a tunnel's TUN: libipsec carries at most 1400-byte packets.
const TunnelMTU = 1400

// TunnelNamespace is the namespace of a VPN connection's tunnel i (0 or 1).
func TunnelNamespace(vpn string, i int) string {
	return routerPrefix + vpn + "-" + strconv.Itoa(i+1) + namespaceSuffix
}

// tunnelLink is the router's link of a tunnel; tunnelInternetLink its namespace's link in
// the internet. The last 13 hex digits of the connection's ID and the tunnel's number.
func tunnelLink(vpn string, i int) string { return "t" + vpn[len(vpn)-13:] + strconv.Itoa(i+1) }

func tunnelInternetLink(vpn string, i int) string { return "u" + vpn[len(vpn)-13:] + strconv.Itoa(i+1) }

// TunnelLink is the router's link of tunnel i of a VPN connection.
func TunnelLink(vpn string, i int) string { return tunnelLink(vpn, i) }

// The two ends of the link between a tunnel's (or a site's) namespace and the internet,
// as an internet gateway's: the outside address sits beside them.
var (
	edgeAddr     = igwRouterAddr
	edgeInternet = igwInternetAddr
)

// addVpnTunnels lays out the tunnels of the VPN connections of the virtual private
// gateway attached to the VPC: a namespace per tunnel linked to the internet, and the
// tunnels' links in the router, which deliver to the VPC's interfaces and clamp TCP's MSS.
func addVpnTunnels(n *model.Network, router, internet *Namespace, vpc *model.VPC, enis []*model.Interface) []Namespace {
	var out []Namespace
	// libipsec routes each CHILD_SA from a local address within its local selector: a
	// customer that narrows the selectors to the VPC's block or a subnet's (as policy-based
	// devices do) finds the subnet routers' addresses here, on lo, where they route nothing.
	var selectorAddrs []netip.Prefix
	for _, id := range model.SortedKeys(n.Subnets) {
		if sn := n.Subnets[id]; sn.VPC == vpc.ID && sn.CIDR.IsValid() {
			selectorAddrs = append(selectorAddrs, netip.PrefixFrom(sn.Router(), 32))
		}
	}
	for _, c := range n.VpnConnectionsOf(vpc.ID) {
		for i := range c.Tunnels {
			if !c.Tunnels[i].OutsideIP.IsValid() {
				continue
			}
			ns, tun := tunnelEnds(c, i, internet, router.Name, selectorAddrs)
			out = append(out, ns)
			router.Links = append(router.Links, tun)
			link := tun.Name
			router.Rules = append(router.Rules, Rule{Priority: eniRulePriority - 1, IIF: link, Table: localTable})
			router.Firewall.ClampLinks = append(router.Firewall.ClampLinks, link)
			addLocalTable(router, enis)
		}
	}
	return out
}

// tunnelEnds are tunnel i of VPN connection c: its namespace at the edge of the internet,
// holding the tunnel's outside address and, on lo, selectorAddrs (libipsec routes each
// CHILD_SA from a local address within its local selector), and the link its TUN becomes
// in router, the namespace that routes into it (a VPC's router or a transit gateway's).
func tunnelEnds(c *model.VpnConnection, i int, internet *Namespace, router string, selectorAddrs []netip.Prefix) (Namespace, Link) {
	t := c.Tunnels[i]
	name, link := TunnelNamespace(c.ID, i), tunnelLink(c.ID, i)
	ns := edgeNamespace(name, t.OutsideIP, internet, tunnelInternetLink(c.ID, i))
	ns.Links[0].Addrs = append(ns.Links[0].Addrs, selectorAddrs...)
	// AWS's inside address of the tunnel, where its BGP session is: on the router's link,
	// and in the namespace for the selectors of a customer that narrows them to the VPC
	// and the tunnel's BGP session.
	var inside []netip.Prefix
	if t.InsideCidr.IsValid() {
		ns.Links[0].Addrs = append(ns.Links[0].Addrs, netip.PrefixFrom(t.VgwInsideIP(), 32))
		inside = append(inside, netip.PrefixFrom(t.VgwInsideIP(), t.InsideCidr.Bits()))
	}
	ns.IPsec = &IPsecTunnel{Connection: c.ID, Index: i, Local: t.OutsideIP, Remote: c.CustomerGateway, Options: t, Router: router, Link: link}
	return ns, Link{Name: link, Kind: "ipsec", Peer: LinkEnd{Namespace: name}, MTU: TunnelMTU, Addrs: inside}
}

// edgeNamespace is a namespace at the edge of the simulated internet that holds the
// public address addr: its eth0 leads to the internet's link far, which routes addr to
// it; everything else it sends goes to the internet.
func edgeNamespace(name string, addr netip.Addr, internet *Namespace, far string) Namespace {
	ns := Namespace{Name: name, Sysctls: map[string]string{"net.ipv4.ip_forward": "1"}}
	ns.Links = append(ns.Links,
		Link{Name: "lo", Kind: "loopback", Addrs: slices.Clone(loopbackAddrs)},
		Link{Name: "eth0", Kind: "veth", Peer: LinkEnd{Namespace: internet.Name, Name: far}, Addrs: []netip.Prefix{netip.PrefixFrom(addr, 32), edgeAddr}})
	ns.Routes = append(ns.Routes, Route{Dst: anyIPv4, Type: RouteUnicast, Dev: "eth0", Gateway: edgeInternet.Addr(), Src: addr})
	internet.Links = append(internet.Links, Link{Name: far, Kind: "veth", Peer: LinkEnd{Namespace: name, Name: "eth0"},
		Addrs: []netip.Prefix{edgeInternet, netip.PrefixFrom(InternetHost, 32)}})
	internet.Routes = append(internet.Routes, Route{Dst: netip.PrefixFrom(addr, 32), Type: RouteUnicast, Dev: far, Gateway: edgeAddr.Addr(), Src: InternetHost})
	return ns
}

// VgwTunnel is the VPN connection and tunnel that a route table's route to a virtual
// private gateway takes to dst: the preferred tunnel (model.VpnConnection.PreferredTunnel)
// of the gateway's first connection whose static routes reach dst and that has a tunnel
// up, else of its first connection with a tunnel up; ok is false when the gateway is not
// attached to vpc or no tunnel of it is up, and the route drops. The data plane and the
// analyzer (internal/analyze) both follow it.
func VgwTunnel(n *model.Network, vpc, vgw string, dst netip.Prefix) (c *model.VpnConnection, tunnel int, ok bool) {
	var first *model.VpnConnection
	for _, c := range n.VpnConnectionsOf(vpc) {
		if c.Gateway != vgw || c.PreferredTunnel() < 0 {
			continue
		}
		if c.Reaches(dst) {
			return c, c.TunnelTo(dst), true
		}
		if first == nil {
			first = c
		}
	}
	if first == nil {
		return nil, -1, false
	}
	return first, first.PreferredTunnel(), true
}

// vgwTunnel is the router's link of VgwTunnel.
func vgwTunnel(n *model.Network, vpc, vgw string, dst netip.Prefix) (string, bool) {
	c, i, ok := VgwTunnel(n, vpc, vgw, dst)
	if !ok {
		return "", false
	}
	return tunnelLink(c.ID, i), true
}

// PropagatedRoute is a route a route table takes from a virtual private gateway it
// propagates: to Dst through Connection's preferred tunnel, Tunnel, which is -1 while
// neither of its tunnels is up (the route drops then); or, learned over Direct Connect,
// through the virtual interface Vif (Connection nil).
type PropagatedRoute struct {
	Dst        netip.Prefix
	Gateway    string
	Connection *model.VpnConnection
	Tunnel     int
	Vif        *model.DxVirtualInterface
}

// PropagatedRoutes are the routes a route table takes from the virtual private gateways
// it propagates (EnableVgwRoutePropagation): each static route of their connections,
// into the connection's preferred tunnel (dropped while neither is up), and each route
// learned over BGP into the tunnel AWS would prefer for it (LearnedTunnel), unless the table
// has a route of its own to that destination (a static route wins over a propagated one,
// as AWS orders them) or the destination is within the VPC (local wins). A route learned
// over a Direct Connect virtual interface of the gateway wins over a VPN connection's to
// the same prefix, as AWS prefers Direct Connect. The data plane and the analyzer
// (internal/analyze) both take them from here.
func PropagatedRoutes(n *model.Network, rt *model.RouteTable) []PropagatedRoute {
	if len(rt.PropagatingVgws) == 0 {
		return nil
	}
	has := map[netip.Prefix]bool{}
	for _, r := range rt.Routes {
		has[r.Destination.Masked()] = true
	}
	var blocks []netip.Prefix
	if v := n.VPCs[rt.VPC]; v != nil {
		blocks = v.CIDRs
	}
	var out []PropagatedRoute
	for _, v := range n.DxVirtualInterfacesOf(rt.VPC) {
		if !slices.Contains(rt.PropagatingVgws, v.Gateway) {
			continue
		}
		for _, r := range v.Learned {
			p := r.Prefix.Masked()
			if has[p] || slices.ContainsFunc(blocks, p.Overlaps) {
				continue
			}
			has[p] = true
			out = append(out, PropagatedRoute{Dst: p, Gateway: v.Gateway, Tunnel: -1, Vif: v})
		}
	}
	for _, c := range n.VpnConnectionsOf(rt.VPC) {
		if !slices.Contains(rt.PropagatingVgws, c.Gateway) {
			continue
		}
		routes, tunnel := c.Routes, func(netip.Prefix) int { return c.PreferredTunnel() }
		if !c.StaticRoutesOnly {
			routes, tunnel = c.LearnedPrefixes(), c.LearnedTunnel
		}
		for _, p := range routes {
			p = p.Masked()
			if has[p] || slices.ContainsFunc(blocks, p.Overlaps) {
				continue
			}
			has[p] = true
			out = append(out, PropagatedRoute{Dst: p, Gateway: c.Gateway, Connection: c, Tunnel: tunnel(p)})
		}
	}
	return out
}

// propagatedRoutes are PropagatedRoutes as the router's routes in table.
func propagatedRoutes(n *model.Network, rt *model.RouteTable, table int) []Route {
	var out []Route
	for _, p := range PropagatedRoutes(n, rt) {
		r := Route{Table: table, Dst: p.Dst, Type: RouteBlackhole}
		if p.Vif != nil {
			r = Route{Table: table, Dst: p.Dst, Type: RouteUnicast, Dev: dxLink(p.Vif.ID), Gateway: p.Vif.CustomerAddress.Addr()}
		} else if p.Tunnel >= 0 {
			r = Route{Table: table, Dst: p.Dst, Type: RouteUnicast, Dev: tunnelLink(p.Connection.ID, p.Tunnel)}
		}
		out = append(out, r)
	}
	return out
}

// Tunnels are the VPN tunnels planned, in namespace order.
func (p *Planner) Tunnels() []IPsecTunnel {
	var out []IPsecTunnel
	for _, name := range model.SortedKeys(p.namespaces) {
		if t := p.namespaces[name].IPsec; t != nil {
			out = append(out, *t)
		}
	}
	return out
}
