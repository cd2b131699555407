package plan

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"vpcd/internal/model"
)

// Names and addresses of the data plane's own parts. Everything lives in namespaces named
// here or after an instance ID; the host's root namespace is never used.
const (
	// Internet is the default namespace of the simulated internet, a dead end: it routes
	// only to the public addresses of the VPCs on this host, and between them.
	Internet = "vpcd-internet"
	// routerPrefix + VPC ID names the namespace of a VPC's router.
	routerPrefix = "vpcd-"
	// igwLink is the router's link to the internet namespace.
	igwLink = "igw"
	// firstTable is the kernel routing table of a VPC's first route table (by ID order).
	firstTable = 100
	// localTable holds the host route of every interface of the VPC: the VPC's local
	// routes, for traffic that comes in from its internet gateway.
	localTable = 99
	// eniRulePriority is the priority of every per-interface policy rule. Each rule
	// selects on its own input interface, so no two can match one packet and they need
	// no order among themselves: one priority for all keeps each rule's identity stable,
	// so adding or removing an interface adds or removes its rule alone. (Numbering them
	// by position renumbered every later interface's rule on each launch, and the
	// delete-then-add left those interfaces without a rule for a moment.)
	eniRulePriority = 1000
	// peeringRulePriority is the priority of the peering links' rules, before the
	// interfaces' (the same reasoning: one iif each).
	peeringRulePriority = 500
)

var (
	// The two ends of each internet gateway link: link-local addresses, which no VPC can
	// use (AWS reserves 169.254.0.0/16).
	igwRouterAddr   = netip.MustParsePrefix("169.254.0.1/30")
	igwInternetAddr = netip.MustParsePrefix("169.254.0.2/30")
	// InternetHost is the address of the simulated internet itself (TEST-NET-1): a server
	// started with `vpcd exec internet -- ...` answers there.
	InternetHost = netip.MustParseAddr("192.0.2.1")
	anyIPv4      = netip.MustParsePrefix("0.0.0.0/0")
	// peeringAddrs is where the /30 of each peering link comes from, one after the other
	// in peering ID order: link-local like the internet gateway's, and apart from it.
	peeringAddrs = netip.MustParseAddr("169.254.1.0")
)

// RouterNamespace is the namespace of a VPC's router.
func RouterNamespace(vpc string) string { return routerPrefix + vpc }

// NatGatewayNamespace is the namespace of a NAT gateway.
func NatGatewayNamespace(nat string) string { return routerPrefix + nat }

// Owned reports whether a namespace name is of a kind the data plane makes: an instance
// ID, a VPC router, a NAT gateway or an internet.
func Owned(name string) bool {
	return strings.HasPrefix(name, Internet) || strings.HasPrefix(name, routerPrefix+"vpc-") ||
		strings.HasPrefix(name, routerPrefix+"nat-") || model.ValidID(name, "i")
}

// What AWS documents of a NAT gateway's translation: source ports 1024-65535, 55,000
// simultaneous connections to each destination, and a connection idle for 350 seconds
// times out.
const (
	natPortMin           = 1024
	natPortMax           = 65535
	natMaxPerDestination = 55000
	natIdleTimeout       = "350"
)

// eniLink is the router's side of an interface: "v" and the last 14 hex digits of its ID,
// within the kernel's 15-character limit.
func eniLink(eni string) string { return "v" + eni[len(eni)-14:] }

// gatewayLink is the internet's side of a VPC's internet gateway link.
func gatewayLink(igw string) string { return "g" + igw[len(igw)-14:] }

// Compute lays out the data plane for a network: one namespace per running instance, one
// router per VPC that has one, and the internet (the namespace named internetNS) when a
// VPC has an attached gateway.
func Compute(n *model.Network, internetNS string) State {
	var st State
	// The internet forwards between the public addresses of the VPCs on this host, as the
	// real one would; it has no other route, so nothing leaves the machine.
	internet := Namespace{Name: internetNS, Sysctls: map[string]string{"net.ipv4.ip_forward": "1"}}
	peerings := peeringLinks(n, model.SortedKeys(n.Peerings), peeringNumbers(n.Peerings))
	groups := n.GroupAddresses()
	for _, vpcID := range model.SortedKeys(n.VPCs) {
		vpc := n.VPCs[vpcID]
		enis := runningInterfaces(n, vpcID)
		if len(enis) == 0 {
			continue
		}
		router, instances := computeVPC(n, vpc, enis, peerings, groups)
		st.Namespaces = append(st.Namespaces, instances...)
		if igw := attachedGateway(n, vpcID); igw != "" {
			addGateway(n, &router, &internet, igw, enis)
		}
		addPeerings(n, &router, vpcID, enis, peerings)
		st.Namespaces = append(st.Namespaces, router)
	}
	if len(internet.Links) > 0 {
		st.Namespaces = append(st.Namespaces, internet)
	}
	sort.Slice(st.Namespaces, func(i, j int) bool { return st.Namespaces[i].Name < st.Namespaces[j].Name })
	return st
}

// runningInterfaces are the interfaces in a VPC that carry traffic now, those of running
// instances and of available NAT gateways, in ID order.
func runningInterfaces(n *model.Network, vpc string) []*model.Interface {
	var out []*model.Interface
	for _, id := range model.SortedKeys(n.Interfaces) {
		eni := n.Interfaces[id]
		if eni.VPC == vpc && n.Carried(eni) && len(eni.PrivateIPs) > 0 && n.Subnets[eni.Subnet] != nil {
			out = append(out, eni)
		}
	}
	return out
}

func attachedGateway(n *model.Network, vpc string) string {
	for _, id := range model.SortedKeys(n.InternetGateways) {
		if n.InternetGateways[id].VPC == vpc {
			return id
		}
	}
	return ""
}

// computeVPC lays out a VPC's router and its instances. Each interface is a veth pair
// between the instance and the router, so that all traffic, even inside a subnet, passes
// the router as in AWS: the instance sees its subnet on eth0, the router answers ARP for
// every address of the subnet (proxy ARP) and routes by the subnet's route table.
func computeVPC(n *model.Network, vpc *model.VPC, enis []*model.Interface, peerings map[string]peeringLink, groups map[string][]netip.Addr) (Namespace, []Namespace) {
	routerName := RouterNamespace(vpc.ID)
	router := Namespace{
		Name: routerName,
		Sysctls: map[string]string{
			"net.ipv4.ip_forward":             "1",
			"net.ipv4.conf.all.rp_filter":     "0",
			"net.ipv4.conf.default.rp_filter": "0",
		},
		Firewall: &Firewall{},
	}
	tables := routeTableNumbers(n, vpc.ID)
	instances := map[string]*Namespace{}
	for _, eni := range enis {
		subnet := n.Subnets[eni.Subnet]
		owner := eni.Instance
		if eni.NatGateway != "" {
			owner = NatGatewayNamespace(eni.NatGateway)
		}
		inst := instances[owner]
		if inst == nil {
			inst = &Namespace{Name: owner, Guest: true}
			if eni.NatGateway != "" {
				inst = natGatewayNamespace(eni)
			}
			instances[owner] = inst
		}
		dev := "eth" + strconv.Itoa(eni.DeviceIndex)
		link := eniLink(eni.ID)
		var addrs []netip.Prefix
		for _, a := range eni.PrivateIPs {
			addrs = append(addrs, netip.PrefixFrom(a, subnet.CIDR.Bits()))
		}
		inst.Links = append(inst.Links, Link{Name: dev, Kind: "veth", Peer: LinkEnd{Namespace: routerName, Name: link}, MAC: eni.MAC, Addrs: addrs, Sysctls: inst.linkSysctls()})
		if eni.DeviceIndex == 0 {
			inst.Routes = append(inst.Routes, Route{Dst: anyIPv4, Type: RouteUnicast, Dev: dev, Gateway: subnet.Router()})
		}
		router.Links = append(router.Links, Link{
			Name: link, Kind: "veth", Peer: LinkEnd{Namespace: owner, Name: dev},
			Addrs:   []netip.Prefix{netip.PrefixFrom(subnet.Router(), 32)},
			Sysctls: map[string]string{"proxy_arp": "1", "rp_filter": "0"},
		})
		router.Rules = append(router.Rules, Rule{Priority: eniRulePriority, IIF: link, Table: tables[n.RouteTableOf(subnet).ID]})
		router.Firewall.Interfaces = append(router.Firewall.Interfaces, firewallInterface(n, eni, link, groups))
	}
	router.Firewall.Subnets = firewallSubnets(n, enis)
	if len(router.Firewall.Subnets) > 0 {
		router.Firewall.ACLExempt = vpc.ACLExempt()
	}
	for _, rtID := range model.SortedKeys(tables) {
		router.Routes = append(router.Routes, tableRoutes(n, n.RouteTables[rtID], tables[rtID], enis, peerings)...)
	}
	var out []Namespace
	for _, id := range model.SortedKeys(instances) {
		out = append(out, *instances[id])
	}
	return router, out
}

// natGatewayNamespace is the namespace of a NAT gateway, but for its link: forwarding on,
// no ICMP redirects (its flows come in and go out on the same link, through the VPC
// router, which must keep routing them), AWS's idle timeout and translation.
func natGatewayNamespace(eni *model.Interface) *Namespace {
	return &Namespace{
		Name: NatGatewayNamespace(eni.NatGateway),
		Sysctls: map[string]string{
			"net.ipv4.ip_forward":                                "1",
			"net.ipv4.conf.all.send_redirects":                   "0",
			"net.ipv4.conf.default.send_redirects":               "0",
			"net.netfilter.nf_conntrack_tcp_timeout_established": natIdleTimeout,
			"net.netfilter.nf_conntrack_udp_timeout_stream":      natIdleTimeout,
		},
		NatGateway: &NatGateway{Link: "eth0", Addr: eni.PrivateIPs[0], PortMin: natPortMin, PortMax: natPortMax, MaxPerDestination: natMaxPerDestination},
	}
}

// linkSysctls are the sysctls of the namespace's side of an interface: none for an
// instance, whose OS owns them.
func (ns *Namespace) linkSysctls() map[string]string {
	if ns.NatGateway == nil {
		return nil
	}
	return map[string]string{"send_redirects": "0"}
}

// routeTableNumbers gives each route table of the VPC its kernel table, in ID order.
func routeTableNumbers(n *model.Network, vpc string) map[string]int {
	tables := map[string]int{}
	for _, id := range model.SortedKeys(n.RouteTables) {
		if n.RouteTables[id].VPC == vpc {
			tables[id] = firstTable + len(tables)
		}
	}
	return tables
}

// tableRoutes turns a VPC route table into a kernel table. The local route becomes one
// host route per interface address that the table sends to local (a more specific route
// to a middlebox wins over local, as in AWS), and the rest of the VPC's block is dropped.
// A destination with no route is dropped too: without a default the kernel would go on
// to the next policy rule.
func tableRoutes(n *model.Network, rt *model.RouteTable, table int, enis []*model.Interface, peerings map[string]peeringLink) []Route {
	var out []Route
	hasDefault := false
	for _, r := range n.EffectiveRoutes(rt) {
		if !r.Destination.Addr().Is4() {
			continue // IPv6 is not carried yet
		}
		if r.Destination.Bits() == 0 {
			hasDefault = true
		}
		out = append(out, targetRoute(n, rt, r, table, peerings))
	}
	for _, eni := range enis {
		for _, a := range eni.PrivateIPs {
			if best, ok := rt.Lookup(a); ok && best.Target == "local" {
				out = append(out, Route{Table: table, Dst: netip.PrefixFrom(a, 32), Type: RouteUnicast, Dev: eniLink(eni.ID)})
			}
		}
	}
	if !hasDefault {
		out = append(out, Route{Table: table, Dst: anyIPv4, Type: RouteBlackhole})
	}
	return out
}

// targetRoute is the kernel route for one VPC route: to the internet gateway link, to an
// interface, over a peering link, or dropped when the target is gone or not carried by the
// data plane.
func targetRoute(n *model.Network, rt *model.RouteTable, r model.Route, table int, peerings map[string]peeringLink) Route {
	drop := Route{Table: table, Dst: r.Destination, Type: RouteBlackhole}
	switch {
	case r.Target == "local":
		return drop // addresses of the block that no interface has
	case strings.HasPrefix(r.Target, "igw-"):
		if g := n.InternetGateways[r.Target]; g != nil && g.VPC == rt.VPC {
			return Route{Table: table, Dst: r.Destination, Type: RouteUnicast, Dev: igwLink, Gateway: igwInternetAddr.Addr()}
		}
	case strings.HasPrefix(r.Target, "eni-"):
		if eni := n.Interfaces[r.Target]; eni != nil && eni.VPC == rt.VPC && len(eni.PrivateIPs) > 0 && n.Carried(eni) {
			return Route{Table: table, Dst: r.Destination, Type: RouteUnicast, Dev: eniLink(eni.ID), Gateway: eni.PrivateIPs[0]}
		}
	case strings.HasPrefix(r.Target, "nat-"):
		if g := n.NatGateways[r.Target]; g != nil && g.VPC == rt.VPC {
			if eni := n.Interfaces[g.Interface]; eni != nil && len(eni.PrivateIPs) > 0 && n.Subnets[eni.Subnet] != nil {
				return Route{Table: table, Dst: r.Destination, Type: RouteUnicast, Dev: eniLink(eni.ID), Gateway: eni.PrivateIPs[0]}
			}
		}
	case strings.HasPrefix(r.Target, "pcx-"):
		if l, ok := peerings[r.Target]; ok {
			if _, remote, ok := l.ends(rt.VPC); ok {
				return Route{Table: table, Dst: r.Destination, Type: RouteUnicast, Dev: l.name, Gateway: remote.Addr()}
			}
		}
	case strings.HasPrefix(r.Target, "i-"):
		if inst := n.Instances[r.Target]; inst != nil && inst.Running && len(inst.Interfaces) > 0 {
			if eni := n.Interfaces[inst.Interfaces[0]]; eni != nil && len(eni.PrivateIPs) > 0 {
				return Route{Table: table, Dst: r.Destination, Type: RouteUnicast, Dev: eniLink(eni.ID), Gateway: eni.PrivateIPs[0]}
			}
		}
	}
	return drop
}

// firewallInterface is an interface's security group gates: the union of its groups'
// rules, each group reference resolved to the current members' addresses.
func firewallInterface(n *model.Network, eni *model.Interface, link string, groups map[string][]netip.Addr) FirewallInterface {
	fi := FirewallInterface{Link: link, Addrs: eni.PrivateIPs, SourceDestCheck: eni.SourceDestCheck}
	if eni.NatGateway != "" {
		// A NAT gateway has no security groups: the gates of the instances behind it
		// decide.
		fi.Egress, fi.Ingress = allowAll(), allowAll()
		return fi
	}
	for _, gid := range eni.Groups {
		g := n.SecurityGroups[gid]
		if g == nil {
			continue
		}
		for _, r := range g.Rules {
			var peers []netip.Prefix
			for _, p := range n.PeersIn(r, groups) {
				if p.IsValid() && p.Addr().Is4() {
					peers = append(peers, p)
				}
			}
			if len(peers) == 0 {
				continue
			}
			p := Permission{Protocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort, Peers: peers}
			if r.Egress {
				fi.Egress = append(fi.Egress, p)
			} else {
				fi.Ingress = append(fi.Ingress, p)
			}
		}
	}
	return fi
}

// allowAll is a gate that lets every new flow through.
func allowAll() []Permission {
	return []Permission{{Protocol: -1, FromPort: -1, ToPort: -1, Peers: []netip.Prefix{anyIPv4}}}
}

// addGateway links the router to the internet through an attached internet gateway and
// maps each public address 1:1 to its interface's private address.
func addGateway(n *model.Network, router, internet *Namespace, igw string, enis []*model.Interface) {
	g := gatewayLink(igw)
	router.Links = append(router.Links, Link{Name: igwLink, Kind: "veth", Peer: LinkEnd{Namespace: internet.Name, Name: g}, Addrs: []netip.Prefix{igwRouterAddr}})
	router.Firewall.GatewayLinks = append(router.Firewall.GatewayLinks, igwLink)
	internet.Links = append(internet.Links, Link{Name: g, Kind: "veth", Peer: LinkEnd{Namespace: router.Name, Name: igwLink},
		Addrs: []netip.Prefix{igwInternetAddr, netip.PrefixFrom(InternetHost, 32)}})
	// Traffic from the internet, once translated, is delivered by the VPC's local routes.
	router.Rules = append(router.Rules, Rule{Priority: eniRulePriority - 1, IIF: igwLink, Table: localTable})
	addLocalTable(router, enis)
	for _, eni := range enis {
		for _, m := range eni.PublicMappings() {
			router.Firewall.NAT = append(router.Firewall.NAT, NAT{Link: igwLink, Private: m.Private, Public: m.Public})
			internet.Routes = append(internet.Routes, Route{Dst: netip.PrefixFrom(m.Public, 32), Type: RouteUnicast, Dev: g, Gateway: igwRouterAddr.Addr(), Src: InternetHost})
		}
	}
}

// addLocalTable fills the local table, once: the host route of every interface of the
// VPC and a blackhole for everything else, so that what comes in from a gateway or a
// peering can reach the VPC's interfaces and nothing beyond.
func addLocalTable(router *Namespace, enis []*model.Interface) {
	for _, r := range router.Routes {
		if r.Table == localTable {
			return
		}
	}
	for _, eni := range enis {
		for _, a := range eni.PrivateIPs {
			router.Routes = append(router.Routes, Route{Table: localTable, Dst: netip.PrefixFrom(a, 32), Type: RouteUnicast, Dev: eniLink(eni.ID)})
		}
	}
	router.Routes = append(router.Routes, Route{Table: localTable, Dst: anyIPv4, Type: RouteBlackhole})
}

// firewallSubnets is the network ACL of each subnet that has interfaces here, in subnet
// ID order. A subnet whose ACL the network does not know is not filtered.
func firewallSubnets(n *model.Network, enis []*model.Interface) []FirewallSubnet {
	links := map[string][]string{}
	for _, eni := range enis {
		links[eni.Subnet] = append(links[eni.Subnet], eniLink(eni.ID))
	}
	var out []FirewallSubnet
	for _, id := range model.SortedKeys(links) {
		acl := n.ACLOf(id)
		if acl == nil {
			continue
		}
		out = append(out, FirewallSubnet{Name: id, Links: links[id], Ingress: aclRules(acl, false), Egress: aclRules(acl, true)})
	}
	return out
}

func aclRules(acl *model.NetworkACL, egress bool) []ACLRule {
	var out []ACLRule
	for _, e := range acl.Ordered(egress) {
		out = append(out, ACLRule{Number: e.Number, Allow: e.Allow, Protocol: e.Protocol, FromPort: e.FromPort, ToPort: e.ToPort, CIDR: e.CIDR})
	}
	return out
}
