package plan

import (
	"net/netip"
	"slices"

	"vpcd/internal/model"
)

// A network load balancer has no namespace of its own: every packet of the VPC passes
// its router (see computeVPC), so the router's firewall is where a new flow to a
// listener of a node gets its target, before routing (DNAT), and conntrack takes the
// flow's later packets and its answers both ways. The target sees the client's address
// when the group preserves it; otherwise the flow reaches it from the node's address
// (SNAT), as AWS's nodes open a connection of their own. The nodes' private addresses
// are on the router's lo besides, so that the health checks (internal/dataplane) leave
// from them.

// LoadBalancerListener is one listener of one load balancer node, at one of its
// addresses (the private one; an internet-facing node's public one too).
type LoadBalancerListener struct {
	Addr     netip.Addr
	Protocol int // 6 (TCP) or 17 (UDP)
	Port     int
	// Source, when valid, is the address a new flow reaches its target from (client IP
	// preservation off): the node's private address.
	Source netip.Addr
	// Backends take new flows, chosen by a hash of the flow's addresses and ports; none
	// drops them.
	Backends []LoadBalancerBackend
	// Guarded: the load balancer has security groups, and a new flow passes only when
	// their inbound rules (Ingress) let its client in to the listener's port.
	Guarded bool
	Ingress []Permission
	// Admitted are the backends whose security groups let in the node's address
	// (model.AdmitsNode), of a load balancer with groups or a listener with Source: their
	// ingress gates pass the load balancer's flows whatever the client's address. With
	// Source, the other backends' gates drop them (they see the node's address).
	Admitted []LoadBalancerBackend
}

// LoadBalancerBackend is a target's address and port.
type LoadBalancerBackend struct {
	Addr netip.Addr
	Port int
}

// addLoadBalancers lays out the VPC's network load balancers in its router, and routes
// the public addresses of internet-facing nodes from the internet to the VPC's internet
// gateway: a flow from the internet to one is passed to a target there at once, its
// answers go back through the gateway as the flow's (conntrack's) own.
func addLoadBalancers(n *model.Network, router, internet *Namespace, vpc string) {
	igw := n.AttachedInternetGateway(vpc)
	var groups map[string][]netip.Addr
	for _, id := range model.SortedKeys(n.LoadBalancers) {
		lb := n.LoadBalancers[id]
		if lb.VPC != vpc {
			continue
		}
		var ingress []Permission
		if len(lb.Groups) > 0 {
			if groups == nil {
				groups = n.GroupAddresses()
			}
			ingress = firewallInterface(n, &model.Interface{Groups: lb.Groups}, "", groups).Ingress
		}
		for _, node := range lb.Nodes {
			if !node.Addr.IsValid() {
				continue
			}
			addNodeAddr(router, node.Addr)
			if igw == "" {
				node.Public = netip.Addr{}
			} else if node.Public.IsValid() {
				internet.Routes = append(internet.Routes, Route{Dst: netip.PrefixFrom(node.Public, 32), Type: RouteUnicast, Dev: gatewayLink(igw),
					Gateway: igwRouterAddr.Addr(), Src: InternetHost})
			}
			for _, l := range n.ListenersOf(lb.ID) {
				tg := n.TargetGroups[l.TargetGroup]
				if tg == nil {
					continue
				}
				var backends, admitted []LoadBalancerBackend
				for _, b := range n.Backends(lb, node, tg) {
					if !b.Addr.Is4() {
						continue
					}
					lbb := LoadBalancerBackend{Addr: b.Addr, Port: b.Port}
					backends = append(backends, lbb)
					if len(lb.Groups) == 0 && tg.PreserveClientIP {
						continue // the target's gate sees the client's address
					}
					if groups == nil {
						groups = n.GroupAddresses()
					}
					target := interfaceAt(n, vpc, b.Addr)
					if slices.ContainsFunc(listenerProtocols(l.Protocol), func(proto int) bool { return n.AdmitsNode(node, target, proto, b.Port, groups) }) {
						admitted = append(admitted, lbb)
					}
				}
				var source netip.Addr
				if !tg.PreserveClientIP {
					source = node.Addr
				}
				for _, proto := range listenerProtocols(l.Protocol) {
					for _, addr := range []netip.Addr{node.Addr, node.Public} {
						if addr.IsValid() {
							router.Firewall.LoadBalancers = append(router.Firewall.LoadBalancers,
								LoadBalancerListener{Addr: addr, Protocol: proto, Port: l.Port, Source: source, Backends: backends,
									Guarded: len(lb.Groups) > 0, Ingress: ingress, Admitted: admitted})
						}
					}
				}
			}
		}
	}
}

// interfaceAt is the VPC's interface that has the address, or nil.
func interfaceAt(n *model.Network, vpc string, a netip.Addr) *model.Interface {
	for _, id := range model.SortedKeys(n.Interfaces) {
		if e := n.Interfaces[id]; e.VPC == vpc && e.Owns(a) {
			return e
		}
	}
	return nil
}

// addNodeAddr puts a node's address on the router's lo.
func addNodeAddr(router *Namespace, a netip.Addr) {
	for i := range router.Links {
		if router.Links[i].Name == "lo" {
			p := netip.PrefixFrom(a, 32)
			if !slices.Contains(router.Links[i].Addrs, p) {
				router.Links[i].Addrs = append(router.Links[i].Addrs, p)
			}
			return
		}
	}
}

// listenerProtocols are the IP protocols of a listener's protocol.
func listenerProtocols(p string) []int {
	switch p {
	case "UDP":
		return []int{17}
	case "TCP_UDP":
		return []int{6, 17}
	}
	return []int{6} // TCP, TLS
}
