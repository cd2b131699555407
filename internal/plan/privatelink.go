package plan

import (
	"fmt"
	"net/netip"
	"slices"

	"vpcd/internal/model"
)

// PrivateLink: an interface endpoint to an endpoint service whose connection is
// available has, from the namespace of each of its interfaces, a link of its own to the
// router of the VPC of the service's network load balancer, a /30 of link-local
// addresses (AWS reserves 169.254.0.0/16) from privateLinkAddrs, apart from the
// gateways', peerings', regional NAT gateways', transit gateways' and services' links:
// neither VPC can hold them, so the two VPCs' blocks may be the same.
//
// In the interface's namespace a new flow to the interface's address on a listener's
// port is passed to the load balancer's node of the interface's zone (DNAT), over the
// link, from the namespace's address on it (SNAT); conntrack takes its answers back. In
// the router, the flow meets the node's listener as any flow to the node does (its
// target by the same hash, the same targets), reaches its target from the node's
// address whatever the group's client IP preservation, as AWS documents for PrivateLink
// traffic (no proxy protocol header), and passes only to targets whose groups admit the
// node's address. The router routes the link's addresses from every table, for the
// answers.

// privateLinkAddrs is where the /30 of each PrivateLink link comes from, in the order
// of privateLinks: 169.254.208.0/20, above the transit gateways' 169.254.192.0/20.
var privateLinkAddrs = netip.MustParseAddr("169.254.208.0")

// maxPrivateLinks is how many /30s 169.254.208.0/20 holds.
const maxPrivateLinks = 1024

// PrivateLinkEnd is the endpoint interface's side of a PrivateLink link.
type PrivateLinkEnd struct {
	Link   string     // the link to the provider's router
	Addr   netip.Addr // the interface's address
	Node   netip.Addr // the load balancer node its flows go to
	Source netip.Addr // the namespace's address on Link
	Ports  []PrivateLinkPort
}

// PrivateLinkPort is a listener's protocol (6, 17) and port.
type PrivateLinkPort struct{ Protocol, Port int }

// PrivateLink is the router's side of a PrivateLink link: what comes in on Link, from
// Peer (the interface namespace's address on it), reaches its target from Source (the
// node's address), and only the Admitted targets.
type PrivateLink struct {
	Link     string
	Peer     netip.Addr
	Source   netip.Addr
	Admitted []LoadBalancerBackend
}

// privateLinkEnd is the namespace's name of its side of the link.
const privateLinkEnd = "pl0"

// privateLink is one endpoint interface's link to a load balancer node.
type privateLink struct {
	eni        *model.Interface
	lb         *model.LoadBalancer
	node       model.LoadBalancerNode
	router     netip.Prefix // the router's address on the link
	end        netip.Prefix // the interface namespace's
	routerLink string
}

// privateLinks are the links of the available endpoints to endpoint services, in
// endpoint and interface ID order: each interface's to the node of its zone of the first
// of the service's load balancers that has one. The place of each picks its /30.
func privateLinks(n *model.Network) []privateLink {
	var out []privateLink
	i := 0
	for _, id := range model.SortedKeys(n.InterfaceEndpoints) {
		e := n.InterfaceEndpoints[id]
		svc := n.EndpointServices[e.Service]
		if e.Service == "" || svc == nil {
			continue
		}
		for _, eid := range model.SortedKeys(n.Interfaces) {
			eni := n.Interfaces[eid]
			if eni.VpcEndpoint != e.ID || len(eni.PrivateIPs) == 0 || !n.Carried(eni) || n.Subnets[eni.Subnet] == nil {
				continue
			}
			number := i
			i++
			if !e.Available || number >= maxPrivateLinks {
				continue
			}
			zone := n.Subnets[eni.Subnet].Zone
			for _, lbID := range svc.LoadBalancers {
				lb := n.LoadBalancers[lbID]
				if lb == nil {
					continue
				}
				k := slices.IndexFunc(lb.Nodes, func(nd model.LoadBalancerNode) bool { return nd.Zone == zone && nd.Addr.Is4() })
				if k < 0 {
					continue
				}
				router, end := linkEnds(privateLinkAddrs, number)
				out = append(out, privateLink{eni: eni, lb: lb, node: lb.Nodes[k], router: router, end: end, routerLink: privateLinkName(eni.ID)})
				break
			}
		}
	}
	return out
}

// linkEnds are the two addresses of the i-th /30 from base.
func linkEnds(base netip.Addr, i int) (first, second netip.Prefix) {
	b := base.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) + uint32(4*i)
	at := func(k uint32) netip.Prefix {
		a := v + k
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), 30)
	}
	return at(1), at(2)
}

// addPrivateLinkEnds gives the namespaces of the endpoint interfaces among namespaces
// their side of their links.
func addPrivateLinkEnds(n *model.Network, links []privateLink, namespaces []Namespace) {
	for _, l := range links {
		i := slices.IndexFunc(namespaces, func(ns Namespace) bool { return ns.Name == ServiceInterfaceNamespace(l.eni.ID) })
		if i < 0 {
			continue
		}
		ns := &namespaces[i]
		var ports []PrivateLinkPort
		for _, lst := range n.ListenersOf(l.lb.ID) {
			for _, proto := range listenerProtocols(lst.Protocol) {
				ports = append(ports, PrivateLinkPort{Protocol: proto, Port: lst.Port})
			}
		}
		ns.Sysctls = map[string]string{"net.ipv4.ip_forward": "1", "net.ipv4.conf.all.rp_filter": "0", "net.ipv4.conf.default.rp_filter": "0"}
		ns.Links = append(ns.Links, Link{Name: privateLinkEnd, Kind: "veth", Peer: LinkEnd{Namespace: RouterNamespace(l.lb.VPC), Name: l.routerLink},
			Addrs: []netip.Prefix{l.end}, Sysctls: map[string]string{"rp_filter": "0"}})
		ns.Routes = append(ns.Routes, Route{Dst: netip.PrefixFrom(l.node.Addr, 32), Type: RouteUnicast, Dev: privateLinkEnd, Gateway: l.router.Addr()})
		ns.PrivateLink = &PrivateLinkEnd{Link: privateLinkEnd, Addr: l.eni.PrivateIPs[0], Node: l.node.Addr, Source: l.end.Addr(), Ports: ports}
	}
}

// addPrivateLinkRouter gives the router of vpc its side of the links to its load
// balancers: the link, a route to it in every table, and the translation.
func addPrivateLinkRouter(n *model.Network, links []privateLink, router *Namespace, vpc string) {
	var groups map[string][]netip.Addr
	tables := routeTableNumbers(n, vpc)
	for _, l := range links {
		if l.lb.VPC != vpc {
			continue
		}
		router.Links = append(router.Links, Link{Name: l.routerLink, Kind: "veth", Peer: LinkEnd{Namespace: ServiceInterfaceNamespace(l.eni.ID), Name: privateLinkEnd},
			Addrs: []netip.Prefix{l.router}, Sysctls: map[string]string{"rp_filter": "0"}})
		for _, rt := range model.SortedKeys(tables) {
			router.Routes = append(router.Routes, Route{Table: tables[rt], Dst: l.router.Masked(), Type: RouteUnicast, Dev: l.routerLink})
		}
		var admitted []LoadBalancerBackend
		for _, lst := range n.ListenersOf(l.lb.ID) {
			tg := n.TargetGroups[lst.TargetGroup]
			if tg == nil {
				continue
			}
			for _, b := range n.Backends(l.lb, l.node, tg) {
				if groups == nil {
					groups = n.GroupAddresses()
				}
				target := interfaceAt(n, vpc, b.Addr)
				lbb := LoadBalancerBackend{Addr: b.Addr, Port: b.Port}
				if b.Addr.Is4() && !slices.Contains(admitted, lbb) &&
					slices.ContainsFunc(listenerProtocols(lst.Protocol), func(proto int) bool { return n.AdmitsNode(l.node, target, proto, b.Port, groups) }) {
					admitted = append(admitted, lbb)
				}
			}
		}
		if router.Firewall == nil {
			router.Firewall = &Firewall{}
		}
		router.Firewall.PrivateLinks = append(router.Firewall.PrivateLinks, PrivateLink{Link: l.routerLink, Peer: l.end.Addr(), Source: l.node.Addr, Admitted: admitted})
	}
}

// privateLinkName is the router's side of an endpoint interface's link: "l" and the
// last 14 hex digits of its ID.
func privateLinkName(eni string) string { return "l" + eni[len(eni)-14:] }

// privateLinkInputs say, by VPC, what its side of the PrivateLink links is planned from
// (the links, their nodes and the listeners' ports), for the planner to re-plan the
// VPCs at both ends of a link that changes.
func privateLinkInputs(n *model.Network) map[string]string {
	out := map[string]string{}
	for _, l := range privateLinks(n) {
		k := fmt.Sprintf("%s %s %s %s %s;", l.eni.ID, l.router, l.lb.ID, l.node.Addr, l.lb.VPC)
		for _, lst := range n.ListenersOf(l.lb.ID) {
			k += fmt.Sprintf(" %s/%d", lst.Protocol, lst.Port)
		}
		out[l.eni.VPC] += k
		out[l.lb.VPC] += k
	}
	return out
}
