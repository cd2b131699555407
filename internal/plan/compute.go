package plan

import (
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"vpcd/internal/model"
	"vpcd/internal/nat64"
)

// Names and addresses of the data plane's own parts. Everything lives in namespaces named
// here or after an instance ID; the host's root namespace is never used.
const (
	// Internet is the default namespace of the simulated internet, a dead end: it routes
	// only to the public addresses of the VPCs on this host, and between them.
	Internet = "vpcd-internet"
	// routerPrefix + VPC ID names the namespace of a VPC's router.
	routerPrefix = "vpcd-"
	// igwLink is the router's link to the internet namespace through its internet
	// gateway, eigwLink through its egress-only internet gateway.
	igwLink  = "igw"
	eigwLink = "eigw"
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
	anyIPv6      = netip.MustParsePrefix("::/0")
	// InternetHost6 is the simulated internet's own IPv6 address, from the documentation
	// block 2001:db8::/32.
	InternetHost6 = netip.MustParseAddr("2001:db8::1")
	// routerLinkLocal is the IPv6 address of the router's side of every link that carries
	// IPv6: AWS's subnet router is the IPv6 default gateway at a link-local address, and
	// a link-local address is the next hop between two namespaces (gateway and peering
	// links), the far side having farLinkLocal. Link-local addresses are per link, so
	// one pair serves every link.
	routerLinkLocal = netip.MustParsePrefix("fe80::1/64")
	farLinkLocal    = netip.MustParsePrefix("fe80::2/64")
	// peeringAddrs is where the /30 of each peering link comes from, one after the other
	// in peering ID order: link-local like the internet gateway's, and apart from it.
	peeringAddrs = netip.MustParseAddr("169.254.1.0")
)

// ServicesNamespace is the namespace of the AWS services that the simulated internet
// hosts (S3 and DynamoDB at model.S3Addr and model.DynamoDBAddr, answered by a daemon
// there), behind the internet namespace internetNS: a host of its own, so that their
// ports stay free in the internet's, where `vpcd exec internet -- ...` serves.
func ServicesNamespace(internetNS string) string { return internetNS + "-aws" }

// The link between the internet and its AWS services: servicesLink in the internet,
// servicesHostLink in the services' namespace, link-local like the gateways' links and
// apart from them.
const (
	servicesLink     = "aws"
	servicesHostLink = "eth0"
)

var (
	servicesInternetAddr = netip.MustParsePrefix("169.254.0.5/30")
	servicesHostAddr     = netip.MustParsePrefix("169.254.0.6/30")
)

// addServicesHost links the internet to the namespace of its AWS services and routes
// their addresses there; it returns that namespace.
func addServicesHost(internet *Namespace) Namespace {
	host := Namespace{Name: ServicesNamespace(internet.Name)}
	host.Links = append(host.Links,
		Link{Name: "lo", Kind: "loopback", Addrs: append(slices.Clone(loopbackAddrs), netip.PrefixFrom(model.S3Addr, 32), netip.PrefixFrom(model.DynamoDBAddr, 32))},
		Link{Name: servicesHostLink, Kind: "veth", Peer: LinkEnd{Namespace: internet.Name, Name: servicesLink}, Addrs: []netip.Prefix{servicesHostAddr}})
	host.Routes = append(host.Routes, Route{Dst: anyIPv4, Type: RouteUnicast, Dev: servicesHostLink, Gateway: servicesInternetAddr.Addr()})
	internet.Links = append(internet.Links, Link{Name: servicesLink, Kind: "veth", Peer: LinkEnd{Namespace: host.Name, Name: servicesHostLink}, Addrs: []netip.Prefix{servicesInternetAddr}})
	for _, a := range []netip.Addr{model.S3Addr, model.DynamoDBAddr} {
		internet.Routes = append(internet.Routes, Route{Dst: netip.PrefixFrom(a, 32), Type: RouteUnicast, Dev: servicesLink, Gateway: servicesHostAddr.Addr()})
	}
	return host
}

// RouterNamespace is the namespace of a VPC's router.
func RouterNamespace(vpc string) string { return routerPrefix + vpc + namespaceSuffix }

// NatGatewayNamespace is the namespace of a NAT gateway.
func NatGatewayNamespace(nat string) string { return routerPrefix + nat + namespaceSuffix }

// NAT64Link is the TUN link of a NAT gateway's NAT64 (internal/nat64), in its namespace.
const NAT64Link = "nat64"

// NatGatewayNAT64 reports whether the NAT gateway translates IPv6 to IPv4 (NAT64): as
// every AWS NAT gateway does, when its VPC has IPv6 to translate.
func NatGatewayNAT64(n *model.Network, nat string) bool {
	g := n.NatGateways[nat]
	return g != nil && n.VPCs[g.VPC] != nil && len(n.VPCs[g.VPC].IPv6Blocks()) > 0
}

// ResolverEndpointNamespace is the namespace of one interface of a Route 53 Resolver
// endpoint, where the endpoint's DNS daemon runs.
func ResolverEndpointNamespace(eni string) string { return ServiceInterfaceNamespace(eni) }

// ServiceInterfaceNamespace is the namespace of an interface that an AWS service keeps
// for itself (model.Interface.ServiceManaged): a Resolver endpoint's, where its DNS
// daemon runs, or an interface VPC endpoint's, where its daemon passes requests to vpcd's
// API.
func ServiceInterfaceNamespace(eni string) string { return routerPrefix + eni + namespaceSuffix }

// Owned reports whether a namespace name is of a kind the data plane makes: an instance
// ID, a VPC router, a NAT gateway, a Resolver endpoint's or an interface VPC endpoint's
// interface, or an internet.
func Owned(name string) bool {
	return strings.HasPrefix(name, Internet) || strings.HasPrefix(name, routerPrefix+"vpc-") ||
		strings.HasPrefix(name, routerPrefix+"vpn-") || strings.HasPrefix(name, routerPrefix+"tgw-") || strings.HasPrefix(name, routerPrefix+"dxvif-") || strings.HasPrefix(name, sitePrefix) ||
		strings.HasPrefix(name, routerPrefix+"nat-") || strings.HasPrefix(name, routerPrefix+"eni-") || model.ValidID(name, "i")
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

// InterfaceLink is the router's end of an interface's veth, in the VPC's router namespace.
func InterfaceLink(eni string) string { return eniLink(eni) }

// gatewayLink is the internet's side of a VPC's internet gateway link.
func gatewayLink(igw string) string { return "g" + igw[len(igw)-14:] }

// egressOnlyLink is the internet's side of a VPC's egress-only internet gateway link.
func egressOnlyLink(eigw string) string { return "e" + eigw[len(eigw)-14:] }

// Compute lays out the data plane for a network: one namespace per running instance, one
// router per VPC that has one, and the internet (the namespace named internetNS) when a
// VPC has an attached gateway.
func Compute(n *model.Network, internetNS string) State {
	var st State
	// The internet forwards between the public addresses of the VPCs on this host, as the
	// real one would; it has no other route, so nothing leaves the machine.
	internet := Namespace{Name: internetNS, Sysctls: internetSysctls()}
	peerings := peeringLinks(n, model.SortedKeys(n.Peerings), peeringNumbers(n.Peerings))
	groups := n.GroupAddresses()
	links := privateLinks(n)
	for _, vpcID := range model.SortedKeys(n.VPCs) {
		vpc := n.VPCs[vpcID]
		enis := runningInterfaces(n, vpcID)
		if len(enis) == 0 {
			continue
		}
		router, instances := computeVPC(n, vpc, enis, peerings, groups)
		addPrivateLinkEnds(n, links, instances)
		st.Namespaces = append(st.Namespaces, instances...)
		addGateways(n, &router, &internet, vpc, enis)
		st.Namespaces = append(st.Namespaces, addRegionalNatGateways(n, &router, &internet, vpc)...)
		st.Namespaces = append(st.Namespaces, addVpnTunnels(n, &router, &internet, vpc, enis)...)
		st.Namespaces = append(st.Namespaces, addDxVirtualInterfaces(n, &router, vpc, enis)...)
		addPeerings(n, &router, vpcID, enis, peerings)
		addTransitGatewayAttachments(n, &router, vpcID, enis)
		addLoadBalancers(n, &router, &internet, vpcID)
		addPrivateLinkRouter(n, links, &router, vpcID)
		st.Namespaces = append(st.Namespaces, router)
	}
	st.Namespaces = append(st.Namespaces, transitGatewayNamespaces(n, &internet)...)
	if len(internet.Links) > 0 {
		st.Namespaces = append(st.Namespaces, addServicesHost(&internet))
		st.Namespaces = append(st.Namespaces, internet)
	}
	sort.Slice(st.Namespaces, func(i, j int) bool { return st.Namespaces[i].Name < st.Namespaces[j].Name })
	return st
}

// runningInterfaces are the interfaces in a VPC that carry traffic now, those of running
// instances and of available NAT gateways, with an address (IPv4, IPv6 or both), in ID
// order.
func runningInterfaces(n *model.Network, vpc string) []*model.Interface {
	var out []*model.Interface
	for _, id := range model.SortedKeys(n.Interfaces) {
		eni := n.Interfaces[id]
		if eni.VPC == vpc && n.Carried(eni) && len(eni.Addrs()) > 0 && n.Subnets[eni.Subnet] != nil {
			out = append(out, eni)
		}
	}
	return out
}

// internetSysctls are the simulated internet's: it forwards between the VPCs on this
// host, IPv4 and IPv6.
func internetSysctls() map[string]string {
	return map[string]string{"net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "1"}
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
	if len(vpc.IPv6Blocks()) > 0 {
		router.Sysctls["net.ipv6.conf.all.forwarding"] = "1"
	}
	// Flow logs count the packets and bytes of accepted flows from conntrack, and take
	// their first packet's time from it: a cost the VPC pays only while it has one.
	counting := "0"
	if n.VPCHasFlowLogs(vpc.ID) {
		counting = "1"
	}
	router.Sysctls["net.netfilter.nf_conntrack_acct"] = counting
	router.Sysctls["net.netfilter.nf_conntrack_timestamp"] = counting
	tables := routeTableNumbers(n, vpc.ID)
	instances := map[string]*Namespace{}
	for _, eni := range enis {
		subnet := n.Subnets[eni.Subnet]
		owner := eni.Instance
		switch {
		case eni.NatGateway != "":
			owner = NatGatewayNamespace(eni.NatGateway)
		case eni.ServiceManaged():
			owner = ServiceInterfaceNamespace(eni.ID)
		}
		inst := instances[owner]
		if inst == nil {
			switch {
			case eni.NatGateway != "":
				inst = natGatewayNamespace(eni, NatGatewayNAT64(n, eni.NatGateway))
			case eni.ServiceManaged():
				// AWS's own: nothing but the plan is there, and the endpoint's daemon.
				inst = &Namespace{Name: owner}
			default:
				inst = &Namespace{Name: owner, Guest: true}
			}
			instances[owner] = inst
		}
		dev := "eth" + strconv.Itoa(eni.DeviceIndex)
		link := eniLink(eni.ID)
		// An IPv6-only subnet has no IPv4 block: its interfaces and its router have no
		// IPv4 address.
		v4 := subnet.CIDR.IsValid()
		var addrs, routerAddrs []netip.Prefix
		for _, a := range eni.PrivateIPs {
			if v4 {
				addrs = append(addrs, netip.PrefixFrom(a, subnet.CIDR.Bits()))
			}
		}
		// An IPv6 address is a /128, as DHCPv6 gives it on AWS: the subnet is not on
		// link, so that traffic inside it passes the router too, as IPv4's does.
		for _, a := range eni.IPv6Addresses {
			addrs = append(addrs, netip.PrefixFrom(a, 128))
		}
		// A NAT gateway with NAT64 takes IPv6 over its link, at farLinkLocal.
		withNAT64 := inst.NatGateway != nil && inst.NatGateway.NAT64 != ""
		if withNAT64 {
			addrs = append(addrs, farLinkLocal)
		}
		inst.Links = append(inst.Links, Link{Name: dev, Kind: "veth", Peer: LinkEnd{Namespace: routerName, Name: link}, MAC: eni.MAC, Addrs: addrs, Sysctls: inst.linkSysctls()})
		if v4 {
			routerAddrs = append(routerAddrs, netip.PrefixFrom(subnet.Router(), 32))
			if eni.DeviceIndex == 0 {
				inst.Routes = append(inst.Routes, Route{Dst: anyIPv4, Type: RouteUnicast, Dev: dev, Gateway: subnet.Router()})
			}
		}
		if len(eni.IPv6Addresses) > 0 || withNAT64 {
			routerAddrs = append(routerAddrs, routerLinkLocal)
			if eni.DeviceIndex == 0 {
				inst.Routes = append(inst.Routes, Route{Dst: anyIPv6, Type: RouteUnicast, Dev: dev, Gateway: routerLinkLocal.Addr()})
			}
		}
		router.Links = append(router.Links, Link{
			Name: link, Kind: "veth", Peer: LinkEnd{Namespace: owner, Name: dev},
			Addrs:   routerAddrs,
			Sysctls: map[string]string{"proxy_arp": "1", "rp_filter": "0"},
		})
		router.Rules = append(router.Rules, Rule{Priority: eniRulePriority, IIF: link, Table: tables[n.RouteTableOf(subnet).ID]})
		router.Firewall.Interfaces = append(router.Firewall.Interfaces, firewallInterface(n, eni, link, groups))
	}
	addServices(&router, vpc, enis)
	router.Firewall.Subnets = firewallSubnets(n, enis)
	if len(router.Firewall.Subnets) > 0 {
		router.Firewall.ACLExempt = vpc.ACLExempt()
	}
	has6 := len(vpc.IPv6Blocks()) > 0
	for _, rtID := range model.SortedKeys(tables) {
		router.Routes = append(router.Routes, tableRoutes(n, n.RouteTables[rtID], tables[rtID], enis, peerings, has6)...)
	}
	for _, r := range router.Routes {
		if r.Type == RouteLocal && !slices.Contains(router.Firewall.Endpoints, r.Dst) {
			router.Firewall.Endpoints = append(router.Firewall.Endpoints, r.Dst)
		}
	}
	slices.SortFunc(router.Firewall.Endpoints, netip.Prefix.Compare)
	var out []Namespace
	for _, id := range model.SortedKeys(instances) {
		out = append(out, *instances[id])
	}
	return router, out
}

// loopbackAddrs are the addresses that every namespace's lo has of itself.
var loopbackAddrs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8"), netip.MustParsePrefix("::1/128")}

// addServices gives the router the services' addresses, on its lo (this kernel has no
// dummy links), and a route in its main table to each interface address, which the
// services' answers take: a packet to a service is delivered to the router itself, never
// forwarded, so that no ACL or security group filters it, as in AWS.
func addServices(router *Namespace, vpc *model.VPC, enis []*model.Interface) {
	addrs := slices.Clone(loopbackAddrs)
	for _, a := range vpc.ServiceAddrs() {
		addrs = append(addrs, netip.PrefixFrom(a, a.BitLen()))
	}
	router.Links = append(router.Links, Link{Name: "lo", Kind: "loopback", Addrs: addrs})
	for _, eni := range enis {
		for _, a := range eni.Addrs() {
			router.Routes = append(router.Routes, Route{Dst: netip.PrefixFrom(a, a.BitLen()), Type: RouteUnicast, Dev: eniLink(eni.ID)})
		}
	}
}

// natGatewayNamespace is the namespace of a zonal NAT gateway, but for its link:
// natSysctls and its translation. With NAT64, a TUN link where internal/nat64
// translates: 64:ff9b::/96 is routed into it, and so is the pool its IPv6 sources take
// IPv4 addresses from, for the answers; the link to the router carries IPv6 then
// (computeVPC).
func natGatewayNamespace(eni *model.Interface, translates bool) *Namespace {
	ns := &Namespace{
		Name:    NatGatewayNamespace(eni.NatGateway),
		Sysctls: natSysctls(),
		NatGateway: &NatGateway{Link: "eth0", Addr: eni.PrivateIPs[0], Secondary: slices.Clone(eni.PrivateIPs[1:]),
			PortMin: natPortMin, PortMax: natPortMax, MaxPerDestination: natMaxPerDestination},
	}
	if translates {
		ns.Sysctls["net.ipv6.conf.all.forwarding"] = "1"
		ns.NatGateway.NAT64, ns.NatGateway.NAT64Pool = NAT64Link, nat64.Pool
		ns.Links = append(ns.Links, Link{Name: NAT64Link, Kind: "tun"})
		ns.Routes = append(ns.Routes,
			Route{Dst: nat64.WellKnownPrefix, Type: RouteUnicast, Dev: NAT64Link},
			Route{Dst: nat64.Pool, Type: RouteUnicast, Dev: NAT64Link})
	}
	return ns
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
// to the next policy rule. The kernel keeps IPv4 and IPv6 tables apart, so each family
// gets its default; IPv6's only when the VPC has IPv6 blocks.
func tableRoutes(n *model.Network, rt *model.RouteTable, table int, enis []*model.Interface, peerings map[string]peeringLink, has6 bool) []Route {
	var out []Route
	hasDefault4, hasDefault6 := false, false
	for _, r := range n.EffectiveRoutes(rt) {
		if !r.Destination.IsValid() {
			continue
		}
		if r.Destination.Bits() == 0 {
			if r.Destination.Addr().Is4() {
				hasDefault4 = true
			} else {
				hasDefault6 = true
			}
		}
		out = append(out, targetRoute(n, rt, r, table, peerings))
	}
	for _, r := range propagatedRoutes(n, rt, table) {
		hasDefault4 = hasDefault4 || r.Dst.Bits() == 0
		out = append(out, r)
	}
	for _, eni := range enis {
		for _, a := range eni.Addrs() {
			if best, ok := rt.Lookup(a); ok && best.Target == "local" {
				out = append(out, Route{Table: table, Dst: netip.PrefixFrom(a, a.BitLen()), Type: RouteUnicast, Dev: eniLink(eni.ID)})
			}
		}
	}
	if !hasDefault4 {
		out = append(out, Route{Table: table, Dst: anyIPv4, Type: RouteBlackhole})
	}
	if has6 && !hasDefault6 {
		out = append(out, Route{Table: table, Dst: anyIPv6, Type: RouteBlackhole})
	}
	return out
}

// targetRoute is the kernel route for one VPC route: to the link of an internet gateway
// or an egress-only internet gateway, to an interface, over a peering link, or dropped
// when the target is gone, not carried by the data plane, or has nothing of the
// destination's family (an egress-only gateway or a NAT gateway for IPv4 or IPv6 alone,
// an interface without an address of that family).
func targetRoute(n *model.Network, rt *model.RouteTable, r model.Route, table int, peerings map[string]peeringLink) Route {
	drop := Route{Table: table, Dst: r.Destination, Type: RouteBlackhole}
	is6 := r.Destination.Addr().Is6()
	via := func(dev string, gw netip.Addr) Route {
		if !gw.IsValid() {
			return drop
		}
		return Route{Table: table, Dst: r.Destination, Type: RouteUnicast, Dev: dev, Gateway: gw}
	}
	toENI := func(eni *model.Interface) Route { return via(eniLink(eni.ID), eni.FirstAddr(is6)) }
	switch {
	case r.Target == "local":
		return drop // addresses of the block that no interface has
	case strings.HasPrefix(r.Target, "igw-"), strings.HasPrefix(r.Target, "eigw-"):
		ok, egressOnly := n.InternetTarget(rt.VPC, r.Target)
		switch {
		case !ok || egressOnly && !is6:
		case egressOnly:
			return via(eigwLink, farLinkLocal.Addr())
		case is6:
			return via(igwLink, farLinkLocal.Addr())
		default:
			return via(igwLink, igwInternetAddr.Addr())
		}
	case strings.HasPrefix(r.Target, "eni-"):
		if eni := n.Interfaces[r.Target]; eni != nil && eni.VPC == rt.VPC && n.Carried(eni) {
			return toENI(eni)
		}
	case strings.HasPrefix(r.Target, "nat-"):
		if g := n.NatGateways[r.Target]; g != nil && g.VPC == rt.VPC && g.Regional {
			if dev, gw, ok := regionalNatTarget(n, rt.VPC, g.ID); ok && !is6 {
				return via(dev, gw)
			}
			return drop
		}
		if g := n.NatGateways[r.Target]; g != nil && g.VPC == rt.VPC && (!is6 || NatGatewayNAT64(n, g.ID)) {
			if eni := n.Interfaces[g.Interface]; eni != nil && n.Subnets[eni.Subnet] != nil {
				if is6 {
					return via(eniLink(eni.ID), farLinkLocal.Addr()) // to its NAT64
				}
				return toENI(eni)
			}
		}
	case strings.HasPrefix(r.Target, "pcx-"):
		if l, ok := peerings[r.Target]; ok {
			if _, remote, ok := l.ends(rt.VPC); ok {
				if is6 {
					return via(l.name, l.remote6(rt.VPC))
				}
				return via(l.name, remote.Addr())
			}
		}
	case strings.HasPrefix(r.Target, "vgw-"):
		if v := DxVirtualInterfaceTo(n, rt.VPC, r.Target, r.Destination); v != nil && !is6 {
			return via(dxLink(v.ID), v.CustomerAddress.Addr())
		}
		if dev, ok := vgwTunnel(n, rt.VPC, r.Target, r.Destination); ok && !is6 {
			return Route{Table: table, Dst: r.Destination, Type: RouteUnicast, Dev: dev}
		}
	case model.IsTransitGateway(r.Target):
		if dev, gw, ok := transitGatewayTarget(n, rt.VPC, r.Target, is6); ok {
			return via(dev, gw)
		}
	case strings.HasPrefix(r.Target, "vpce-") && r.DestinationPrefixList != "":
		// A gateway endpoint: its service's prefix list is delivered to the router
		// itself, where the VPC's services daemon answers S3 for the subnets whose table
		// has this route, and knows from the source which endpoint it came through (a
		// VPC's subnets do not overlap; other VPCs' do, but each has its own router).
		// Routing it on to the internet's namespace instead would lose the VPC there.
		// Only this table's subnets take it: another table's default route still leads
		// to the internet gateway, and S3 on the internet (or nowhere).
		if !is6 {
			return Route{Table: table, Dst: r.Destination, Type: RouteLocal, Dev: "lo"}
		}
	case strings.HasPrefix(r.Target, "i-"):
		if inst := n.Instances[r.Target]; inst != nil && inst.Running && len(inst.Interfaces) > 0 {
			if eni := n.Interfaces[inst.Interfaces[0]]; eni != nil {
				return toENI(eni)
			}
		}
	}
	return drop
}

// firewallInterface is an interface's security group gates: the union of its groups'
// rules, each group reference resolved to the current members' addresses.
func firewallInterface(n *model.Network, eni *model.Interface, link string, groups map[string][]netip.Addr) FirewallInterface {
	fi := FirewallInterface{Link: link, Addrs: eni.Addrs(), SourceDestCheck: eni.SourceDestCheck}
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
				if p.IsValid() {
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
	return []Permission{{Protocol: -1, FromPort: -1, ToPort: -1, Peers: []netip.Prefix{anyIPv4, anyIPv6}}}
}

// addGateways links the router to the internet through the VPC's attached internet
// gateway and its egress-only internet gateway, when it has them. An internet gateway maps
// each public IPv4 address 1:1 to its interface's private one and passes IPv6 as it is;
// an egress-only gateway passes IPv6 out and lets in only what answers it. The internet
// routes the VPC's IPv6 blocks to the gateway that model.IPv6Entry names.
func addGateways(n *model.Network, router, internet *Namespace, vpc *model.VPC, enis []*model.Interface) {
	blocks := vpc.IPv6Blocks()
	entry, _ := n.IPv6Entry(vpc.ID)
	if igw := n.AttachedInternetGateway(vpc.ID); igw != "" {
		g := gatewayLink(igw)
		addGatewayLink(router, internet, igw, igwLink, g, igwRouterAddr, igwInternetAddr, len(blocks) > 0, enis)
		addBlocks(n, router, igwLink, model.ViaInternetGateway, enis)
		for _, eni := range enis {
			for _, m := range eni.PublicMappings() {
				router.Firewall.NAT = append(router.Firewall.NAT, NAT{Link: igwLink, Private: m.Private, Public: m.Public})
				internet.Routes = append(internet.Routes, Route{Dst: netip.PrefixFrom(m.Public, 32), Type: RouteUnicast, Dev: g, Gateway: igwRouterAddr.Addr(), Src: InternetHost})
			}
		}
		if entry == igw {
			addIPv6Entry(internet, blocks, g)
		}
	}
	if eigw := n.EgressOnlyGateway(vpc.ID); eigw != "" && len(blocks) > 0 {
		e := egressOnlyLink(eigw)
		addGatewayLink(router, internet, eigw, eigwLink, e, netip.Prefix{}, netip.Prefix{}, true, enis)
		router.Firewall.EgressOnlyLinks = append(router.Firewall.EgressOnlyLinks, eigwLink)
		addBlocks(n, router, eigwLink, model.ViaEgressOnlyGateway, enis)
		if entry == eigw {
			addIPv6Entry(internet, blocks, e)
		}
	}
}

// addGatewayLink adds the link between the router (link) and the internet (far) of one
// gateway, with the IPv4 addresses given (none for an egress-only gateway) and, with has6,
// the link-local pair and the internet's own IPv6 address; what comes in through it is
// delivered by the VPC's local routes, and the interfaces' IPv6 addresses leave through it
// as they are.
func addGatewayLink(router, internet *Namespace, gw, link, far string, routerAddr, farAddr netip.Prefix, has6 bool, enis []*model.Interface) {
	var routerAddrs, farAddrs []netip.Prefix
	if routerAddr.IsValid() {
		routerAddrs = append(routerAddrs, routerAddr)
		farAddrs = append(farAddrs, farAddr, netip.PrefixFrom(InternetHost, 32))
	}
	if has6 {
		routerAddrs = append(routerAddrs, routerLinkLocal)
		farAddrs = append(farAddrs, farLinkLocal, netip.PrefixFrom(InternetHost6, 128))
	}
	router.Links = append(router.Links, Link{Name: link, Kind: "veth", Peer: LinkEnd{Namespace: internet.Name, Name: far}, Addrs: routerAddrs})
	router.Firewall.GatewayLinks = append(router.Firewall.GatewayLinks, link)
	internet.Links = append(internet.Links, Link{Name: far, Kind: "veth", Peer: LinkEnd{Namespace: router.Name, Name: link}, Addrs: farAddrs})
	router.Rules = append(router.Rules, Rule{Priority: eniRulePriority - 1, IIF: link, Table: localTable})
	addLocalTable(router, enis)
	for _, eni := range enis {
		for _, a := range eni.IPv6Addresses {
			router.Firewall.Public = append(router.Firewall.Public, GatewayAddr{Link: link, Addr: a})
		}
	}
}

// addBlocks stops at a gateway link what VPC Block Public Access blocks: per interface
// address, as model.PublicAccess says for its subnet. Through an internet gateway, a NAT
// gateway's interface counts as the NAT gateway; an egress-only gateway carries only IPv6.
func addBlocks(n *model.Network, router *Namespace, link, via string, enis []*model.Interface) {
	for _, eni := range enis {
		v := via
		if via == model.ViaInternetGateway && eni.NatGateway != "" {
			v = model.ViaNatGateway
		}
		out, in := n.PublicAccess(eni.Subnet, v)
		if out && in {
			continue
		}
		addrs := eni.IPv6Addresses
		if via != model.ViaEgressOnlyGateway {
			addrs = append(slices.Clone(eni.PrivateIPs), addrs...)
		}
		for _, a := range addrs {
			router.Firewall.Blocked = append(router.Firewall.Blocked, GatewayBlock{Link: link, Addr: a, InboundOnly: out})
		}
	}
}

// addIPv6Entry routes the VPC's IPv6 blocks from the internet to the gateway link far.
func addIPv6Entry(internet *Namespace, blocks []netip.Prefix, far string) {
	for _, b := range blocks {
		internet.Routes = append(internet.Routes, Route{Dst: b.Masked(), Type: RouteUnicast, Dev: far, Gateway: routerLinkLocal.Addr(), Src: InternetHost6})
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
	has6 := false
	for _, eni := range enis {
		for _, a := range eni.Addrs() {
			router.Routes = append(router.Routes, Route{Table: localTable, Dst: netip.PrefixFrom(a, a.BitLen()), Type: RouteUnicast, Dev: eniLink(eni.ID)})
			has6 = has6 || a.Is6()
		}
	}
	router.Routes = append(router.Routes, Route{Table: localTable, Dst: anyIPv4, Type: RouteBlackhole})
	if has6 {
		router.Routes = append(router.Routes, Route{Table: localTable, Dst: anyIPv6, Type: RouteBlackhole})
	}
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
