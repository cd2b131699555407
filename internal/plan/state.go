// Package plan computes, as a pure function of the store's records, the kernel state that
// vpcd wants on this host: network namespaces with their links, addresses, routes and
// policy rules, and the firewall of each VPC router. internal/linux makes the kernel match
// it. Sitting between internal/model (the VPC's semantics) and internal/linux in the
// picture of DESIGN.md, it decides nothing about packets itself: it only lays out what the
// model says.
package plan

import "net/netip"

// State is everything vpcd wants in the kernel of one host. Namespaces are sorted by name.
type State struct {
	Namespaces []Namespace
}

// Namespace is one network namespace that vpcd owns: an instance ("i-0123..."), the router
// of a VPC ("vpcd-vpc-0123..."), or the simulated internet ("vpcd-internet").
type Namespace struct {
	Name    string
	Sysctls map[string]string // "net.ipv4.ip_forward": "1"; keys as under /proc/sys, dotted
	Links   []Link
	Routes  []Route
	Rules   []Rule
	// Guest marks an instance (or a customer site): its operating system may add
	// addresses, routes and rules of its own, as on AWS, so the realizer adds and repairs
	// what the plan says and deletes nothing else there.
	Guest bool
	// Firewall is the nftables ruleset of the namespace, nil for none.
	Firewall *Firewall
	// NatGateway, set instead of Firewall, makes the namespace a NAT gateway.
	NatGateway *NatGateway
	// IPsec, set in a VPN tunnel's namespace, is the tunnel that its IKE daemon
	// terminates there (see vpn.go).
	IPsec *IPsecTunnel
	// PrivateLink, set in the namespace of an endpoint's interface to an endpoint
	// service, passes the flows to the interface's address on the service's listener
	// ports over a link to the provider's router (see privatelink.go).
	PrivateLink *PrivateLinkEnd
}

// NatGateway is the address translation of a NAT gateway's namespace. A flow that comes in
// on Link from another address and is routed out again leaves with its source translated
// to Addr and a source port in PortMin..PortMax; nothing else is let in but the replies.
// A TCP flow must open with a SYN (a packet of a flow the gateway does not know is
// answered with a reset, as AWS's gateway answers one that has timed out), and at most
// MaxPerDestination flows go to one destination address, protocol and port at a time.
type NatGateway struct {
	Link string
	Addr netip.Addr
	// Secondary are the gateway's other private addresses: new flows leave from Addr and
	// them in turn, so that each address has its own connections to a destination.
	Secondary         []netip.Addr
	PortMin, PortMax  int
	MaxPerDestination int
	// NAT64 is the TUN link of the gateway's NAT64 (internal/nat64), "" for none: IPv6
	// that comes in on Link to 64:ff9b::/96 goes into it, and comes out of it as IPv4 from
	// an address of NAT64Pool, which leaves as above.
	NAT64     string
	NAT64Pool netip.Prefix
	// Inside, when set, is a second link whose new flows leave on Link translated as
	// Link's own do: the NAT in front of a customer site (site.go), between two links.
	Inside string
	// Zones, set for a regional NAT gateway, translate by the flow's source instead: a
	// flow from one of a zone's Sources leaves from its Addrs (in turn when several), a
	// flow from anywhere else from the first zone's. Addr is then only the gateway's own
	// address on Link, and Secondary is empty.
	Zones []NatZone
}

// NatZone is one zone of a regional NAT gateway: its subnets' blocks and its public
// addresses.
type NatZone struct {
	Name    string
	Sources []netip.Prefix
	Addrs   []netip.Addr
}

// Link is a network interface in the namespace. A veth is declared on both sides, each
// with its own addresses; the realizer creates the pair once.
type Link struct {
	Name string
	// "veth", "tun" (made persistent, for a daemon to attach to), "loopback", "vxlan", or
	// "ipsec": the TUN that the IKE daemon of the VPN tunnel namespace Peer.Namespace
	// made there, moved here under Name (see IPsecTunnel).
	Kind  string
	Peer  LinkEnd // a veth's other end
	MAC   string  // "0a:..."; empty lets the kernel choose
	MTU   int     // 0 for the default
	Addrs []netip.Prefix
	// Sysctls per interface: "proxy_arp": "1", "rp_filter": "0" are under
	// net.ipv4.conf.NAME; a key with a family prefix ("ipv6.disable_ipv6",
	// "ipv4.forwarding") goes under that family's conf.NAME.
	Sysctls map[string]string
	// VXLAN is a "vxlan" link's tunnel (overlay.go); it is made in the host's root
	// namespace, whose underlay it uses, and moved here.
	VXLAN *VXLAN
}

// LinkEnd names an interface in a namespace.
type LinkEnd struct {
	Namespace string
	Name      string
}

// RouteType is what a route does with a packet.
type RouteType string

const (
	RouteUnicast   RouteType = "unicast"
	RouteBlackhole RouteType = "blackhole" // dropped silently, as AWS drops
	// RouteLocal delivers to the namespace itself, though the destination is no
	// address of it: a gateway endpoint's route, whose service a daemon of the router
	// answers on a transparent socket (internal/vpcsvc).
	RouteLocal RouteType = "local"
)

// Route is one route in one routing table of the namespace.
type Route struct {
	Table   int // 0 or 254 is main
	Dst     netip.Prefix
	Type    RouteType
	Dev     string     // for unicast
	Gateway netip.Addr // optional; the route is on-link when set
	Src     netip.Addr // optional preferred source address
}

// Rule is a policy routing rule: packets arriving on IIF (or sent From) look up Table. internal/linux
// installs it for IPv4 and IPv6 and owns every rule whose priority is between
// RulePriorityMin and RulePriorityMax: the kernel's defaults (0, 32766, 32767) stay.
type Rule struct {
	Priority int
	IIF      string // "" for any
	// From, when valid, selects packets from that source instead: those the namespace
	// sends from an address of its own, installed for its family alone. (No plan uses
	// it today; internal/linux keeps supporting it.)
	From  netip.Prefix
	Table int
}

// The priorities of the policy rules that vpcd owns in its namespaces.
const (
	RulePriorityMin = 1
	RulePriorityMax = 32765
)

// Firewall is the filtering and address translation of a VPC router, in the VPC's own
// terms; internal/linux compiles it into one nftables table with sets and verdict maps, so
// that the cost per packet does not grow with the number of rules.
type Firewall struct {
	Interfaces []FirewallInterface
	// Subnets are the network ACLs, one per subnet that has interfaces here. A link that
	// is in no subnet (the internet gateway's) is outside every subnet: traffic from it
	// meets only the ingress ACL of the subnet it enters, traffic to it only the egress
	// ACL of the subnet it leaves.
	Subnets []FirewallSubnet
	// ACLExempt are addresses that ACLs never filter (the Amazon DNS server, the
	// instance metadata service), neither as destination nor as source.
	ACLExempt []netip.Addr
	NAT       []NAT
	// GatewayLinks lead to internet gateways and egress-only internet gateways: only the
	// addresses that NAT maps to a public one, and those of Public, leave through them, as
	// a gateway drops the others.
	GatewayLinks []string
	// Public are the addresses that leave through a gateway link as they are: the
	// interfaces' IPv6 addresses, public themselves.
	Public []GatewayAddr
	// EgressOnlyLinks lead to egress-only internet gateways: what comes in through them
	// passes only as part of a flow that went out through the router.
	EgressOnlyLinks []string
	// Blocked is what VPC Block Public Access stops at the gateway links, by the
	// interface address it concerns (model.PublicAccess).
	Blocked []GatewayBlock
	// ClampLinks are links (VPN tunnels) that carry at most MTU-sized packets: the MSS of
	// TCP flows through them is clamped to ClampMSS.
	ClampLinks []string
	// Endpoints are the destinations that gateway endpoints deliver to the router
	// itself (RouteLocal): what an interface sends there meets its security groups'
	// egress gate and its subnet's egress ACL, and the answers its subnet's ingress
	// ACL, as traffic to a gateway endpoint does in AWS.
	Endpoints []netip.Prefix
	// LoadBalancers are the listeners of the VPC's network load balancers' nodes (see
	// loadbalancer.go).
	LoadBalancers []LoadBalancerListener
	// PrivateLinks are the links from endpoint interfaces to the VPC's load balancers
	// (see privatelink.go).
	PrivateLinks []PrivateLink
}

// ClampMSS is the largest TCP segment through a VPN tunnel: its TUN's MTU (1400) less
// the IPv4 and TCP headers.
const ClampMSS = 1360

// GatewayBlock stops an interface address's traffic through a gateway link: all of it,
// both ways, or with InboundOnly the flows the internet opens (replies to flows the
// address opened pass).
type GatewayBlock struct {
	Link        string
	Addr        netip.Addr
	InboundOnly bool
}

// GatewayAddr is an address that leaves through a gateway link untranslated.
type GatewayAddr struct {
	Link string
	Addr netip.Addr
}

// FirewallSubnet is the network ACL of one subnet: stateless rules checked in order,
// Egress on traffic that leaves the subnet, Ingress on traffic that enters it, neither on
// traffic between two of its own links.
type FirewallSubnet struct {
	Name  string   // the subnet ID
	Links []string // the router-side veth of each interface in the subnet
	// Remote are the addresses of the subnet's interfaces on other hosts, reached
	// through the overlay link (OverlayLink): traffic between them and the subnet's
	// links here stays inside the subnet, so the ACL does not filter it.
	Remote []netip.Addr
	// Ingress and Egress are in evaluation order (by rule number), the final "*" denies
	// included; what matches no rule is dropped.
	Ingress, Egress []ACLRule
}

// ACLRule is one numbered ACL rule. CIDR is the peer: the source on ingress, the
// destination on egress. Protocol is the IANA number, -1 for all; for TCP and UDP,
// FromPort..ToPort bound the destination port; for ICMP and ICMPv6 they are the type and
// the code, -1 for any; other protocols ignore them.
type ACLRule struct {
	Number           int
	Allow            bool
	Protocol         int
	FromPort, ToPort int
	CIDR             netip.Prefix
}

// FirewallInterface is the router's side of one ENI: its security group gates and its
// source/destination check.
type FirewallInterface struct {
	Link            string       // the router-side veth
	Addrs           []netip.Addr // the ENI's own addresses
	SourceDestCheck bool
	// Egress is checked on new flows coming from the ENI, Ingress on new flows going to
	// it; packets of tracked flows pass both.
	Egress, Ingress []Permission
}

// Permission lets new flows of one protocol and port range to or from a set of peers.
type Permission struct {
	Protocol int // IANA number; -1 for all
	// FromPort and ToPort bound the destination port for TCP and UDP; for ICMP they are
	// the type and code, -1 for any.
	FromPort, ToPort int
	Peers            []netip.Prefix
}

// NAT is one 1:1 translation at an internet gateway: Private is seen as Public beyond
// Link, and Public is delivered to Private.
type NAT struct {
	Link    string
	Private netip.Addr
	Public  netip.Addr
}
