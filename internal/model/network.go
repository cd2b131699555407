// Package model is the VPC's packet semantics as pure functions over a snapshot of the
// network: which route table a subnet uses, which route a destination takes (longest
// prefix), what a security group lets through. Both the planner (internal/plan), which
// lays the data plane out in the kernel, and the analyzer follow it, so that they cannot
// disagree about what a VPC does (DESIGN.md, "one semantics").
package model

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Network is everything of every account and region that the data plane of this host
// carries, as plain values keyed by resource ID (IDs are unique across accounts).
type Network struct {
	VPCs             map[string]*VPC
	Subnets          map[string]*Subnet
	RouteTables      map[string]*RouteTable
	InternetGateways map[string]*InternetGateway
	Interfaces       map[string]*Interface
	Instances        map[string]*Instance
	SecurityGroups   map[string]*SecurityGroup
	NetworkACLs      map[string]*NetworkACL
	Peerings         map[string]*Peering // active VPC peering connections only
	DhcpOptions      map[string]*DhcpOptions
	PrefixLists      map[string][]netip.Prefix // managed prefix lists' current CIDRs, by ID
	NatGateways      map[string]*NatGateway    // available NAT gateways only
	// BlockPublicAccess is VPC Block Public Access: each account's mode in each region
	// and the VPCs and subnets excluded from it (see bpa.go). Nil when nothing is set.
	BlockPublicAccess *BlockPublicAccess
	// EgressOnlyInternetGateways are IPv6's outbound-only gateways, each of one VPC.
	EgressOnlyInternetGateways map[string]*EgressOnlyInternetGateway
	// FlowLogs are the flow logs of VPCs, subnets and interfaces (see flowlog.go).
	FlowLogs map[string]*FlowLog
	// HostedZones are the Route 53 private hosted zones (public ones are not here), by
	// zone ID; see dns.go. They are in the whole network only, not in a VPC's part: a
	// VPC's zones are those associated with it (HostedZone.HasVPC).
	HostedZones map[string]*HostedZone
	// ResolverRules are Route 53 Resolver's rules associated with VPCs (see
	// resolverrule.go); a rule is in the part of each VPC it is associated with.
	ResolverRules map[string]*ResolverRule
	// InterfaceEndpoints are the interface VPC endpoints (see interfaceendpoint.go), each
	// in its VPC's part.
	InterfaceEndpoints map[string]*InterfaceEndpoint
	// EndpointServices are the endpoint services, in the whole network only.
	EndpointServices map[string]*EndpointService
	// VpnGateways are the virtual private gateways, in the part of the VPC each is
	// attached to; VpnConnections their Site-to-Site VPN connections, in the whole
	// network only (see vpn.go).
	VpnGateways    map[string]*VpnGateway
	VpnConnections map[string]*VpnConnection
	// DxVirtualInterfaces are Direct Connect's private virtual interfaces, in the whole
	// network only (see directconnect.go).
	DxVirtualInterfaces map[string]*DxVirtualInterface
	// TransitGateways are the transit gateways, their attachments and route tables, in
	// the whole network only (see transitgateway.go).
	TransitGateways TransitGateways
	// LoadBalancers are the network load balancers, Listeners their listeners and
	// TargetGroups the groups they forward to, each in its VPC's part (see
	// loadbalancer.go).
	LoadBalancers map[string]*LoadBalancer
	Listeners     map[string]*Listener
	TargetGroups  map[string]*TargetGroup
}

// NewNetwork returns an empty network.
func NewNetwork() *Network {
	return &Network{
		VPCs:             map[string]*VPC{},
		Subnets:          map[string]*Subnet{},
		RouteTables:      map[string]*RouteTable{},
		InternetGateways: map[string]*InternetGateway{},
		Interfaces:       map[string]*Interface{},
		Instances:        map[string]*Instance{},
		SecurityGroups:   map[string]*SecurityGroup{},
		NetworkACLs:      map[string]*NetworkACL{},
		Peerings:         map[string]*Peering{},
		DhcpOptions:      map[string]*DhcpOptions{},
		PrefixLists:      map[string][]netip.Prefix{},
		NatGateways:      map[string]*NatGateway{},

		EgressOnlyInternetGateways: map[string]*EgressOnlyInternetGateway{},
		FlowLogs:                   map[string]*FlowLog{},
		HostedZones:                map[string]*HostedZone{},
		ResolverRules:              map[string]*ResolverRule{},
		InterfaceEndpoints:         map[string]*InterfaceEndpoint{},
		EndpointServices:           map[string]*EndpointService{},
		VpnGateways:                map[string]*VpnGateway{},
		VpnConnections:             map[string]*VpnConnection{},
		DxVirtualInterfaces:        map[string]*DxVirtualInterface{},
		TransitGateways:            NewTransitGateways(),
		LoadBalancers:              map[string]*LoadBalancer{},
		Listeners:                  map[string]*Listener{},
		TargetGroups:               map[string]*TargetGroup{},
	}
}

type VPC struct {
	ID, Owner, Region string
	CIDRs             []netip.Prefix // IPv4 then IPv6
	MainRouteTable    string
	InternetGateway   string // the attached one, or ""
	DhcpOptions       string // the option set's ID, or "default" for none
	// The VPC's DNS attributes (ModifyVpcAttribute).
	EnableDnsSupport, EnableDnsHostnames bool
	// VNI is the VPC's VXLAN network identifier between hosts, allocated in the store
	// when the VPC is created; 0 for a VPC stored before (plan.VNI derives one).
	VNI uint32
}

// DhcpOptions is a DHCP option set: what a VPC's instances learn from DHCP (domain name,
// name servers).
type DhcpOptions struct {
	ID                string
	DomainName        []string
	DomainNameServers []string // addresses, or AmazonProvidedDNS
}

// Peering is an active VPC peering connection between two VPCs, of one account or two.
// It carries traffic between them and never transits: what comes in over it is delivered
// only to the receiving VPC's own interfaces.
type Peering struct {
	ID, Requester, Accepter string // the VPC IDs of its sides
	// RequesterDNS and AccepterDNS are each side's AllowDnsResolutionFromRemoteVpc: the
	// public DNS names of that side's instances resolve to their private addresses when
	// queried from the other side.
	RequesterDNS, AccepterDNS bool
}

// Other is the VPC across the connection from vpc, or "" when vpc is no side of it.
func (p *Peering) Other(vpc string) string {
	switch vpc {
	case p.Requester:
		return p.Accepter
	case p.Accepter:
		return p.Requester
	}
	return ""
}

// PrivateDNSFrom reports whether the public DNS names of vpc's instances resolve to
// private addresses when an instance of the other side asks.
func (p *Peering) PrivateDNSFrom(vpc string) bool {
	switch vpc {
	case p.Requester:
		return p.RequesterDNS
	case p.Accepter:
		return p.AccepterDNS
	}
	return false
}

// NatGateway is an available NAT gateway: a gateway with an interface in its subnet that
// translates the source of every flow that other subnets route to it to its own private
// address (ports 1024-65535), and lets in only the replies. A public one's private address
// has its Elastic IP at the internet gateway, so that the internet sees that.
//
// A regional NAT gateway has no subnet and no interface: it translates the source of what
// any subnet routes to it to the public address of the flow's zone (Addresses), and what
// it sends leaves by its own route table, to the VPC's internet gateway.
type NatGateway struct {
	ID, VPC, Subnet string
	Interface       string // its network interface, in Interfaces
	Public          bool
	Regional        bool
	RouteTable      string           // a regional gateway's own
	Addresses       []NatZoneAddress // a regional gateway's, in zone order
}

// NatZoneAddress is a public address of a regional NAT gateway and the zone whose flows
// it translates.
type NatZoneAddress struct {
	Zone   string
	Public netip.Addr
}

type Subnet struct {
	ID, VPC    string
	Zone       string       // its availability zone's name
	CIDR       netip.Prefix // IPv4; invalid for an IPv6-only subnet
	IPv6CIDR   netip.Prefix // its IPv6 /64, invalid for none
	RouteTable string       // explicitly associated table, or "" for the VPC's main one
	// EnableDns64: the Amazon DNS server synthesizes AAAA answers (64:ff9b::/96) for its
	// queries of names that have only A records.
	EnableDns64 bool
}

// Router is the subnet router's address: the subnet's first address + 1.
func (s *Subnet) Router() netip.Addr { return s.CIDR.Addr().Next() }

type RouteTable struct {
	ID, VPC string
	Routes  []Route
	// PropagatingVgws are the virtual private gateways whose connections' routes the
	// table takes (EnableVgwRoutePropagation).
	PropagatingVgws []string
}

// Route sends Destination to Target: "local", or the ID of a gateway, interface,
// instance, NAT gateway or peering. Blackhole is set when the target is gone.
type Route struct {
	Destination netip.Prefix
	// DestinationPrefixList, when set instead of Destination, names a managed prefix list:
	// the route stands for one route per CIDR of the list.
	DestinationPrefixList string
	Target                string
	Blackhole             bool
}

type InternetGateway struct {
	ID, VPC string // VPC is "" when detached
}

// EgressOnlyInternetGateway lets a VPC's IPv6 addresses reach the internet and lets back
// only the replies: a stateful gateway at which new flows from the internet stop. It is
// of one VPC from its creation on.
type EgressOnlyInternetGateway struct {
	ID, VPC string
}

// Interface is an ENI. Its IPv4 addresses are private; PublicIP, when valid, is its public
// IPv4 address (auto-assigned or Elastic) that an internet gateway maps to PrivateIPs[0];
// PublicIPs maps any of its private addresses, the primary included, to an Elastic IP.
// Its IPv6 addresses are public as they are: a gateway translates none of them.
type Interface struct {
	ID, Subnet, VPC string
	MAC             string
	PrivateIPs      []netip.Addr // IPv4, the primary first
	IPv6Addresses   []netip.Addr // from its subnet's IPv6 block
	PublicIP        netip.Addr
	PublicIPs       map[netip.Addr]netip.Addr // private → public
	Groups          []string
	SourceDestCheck bool
	Instance        string // attached instance, or ""
	DeviceIndex     int
	NatGateway      string // the NAT gateway the interface is of, or ""
	// ResolverEndpoint is the Route 53 Resolver endpoint the interface is of
	// ("rslvr-in-…" or "rslvr-out-…"), or "".
	ResolverEndpoint string
	// VpcEndpoint is the interface VPC endpoint the interface is of ("vpce-…"), or "".
	VpcEndpoint string
}

// ServiceManaged reports whether the interface is one an AWS service keeps for itself
// in its own namespace, with a daemon of vpcd: a Resolver endpoint's or an interface VPC
// endpoint's.
func (i *Interface) ServiceManaged() bool { return i.ResolverEndpoint != "" || i.VpcEndpoint != "" }

// ResolverInbound reports whether the interface is an inbound Resolver endpoint's.
func (i *Interface) ResolverInbound() bool { return strings.HasPrefix(i.ResolverEndpoint, "rslvr-in-") }

// Addrs are all the interface's own addresses: the private IPv4 ones, then the IPv6 ones.
func (i *Interface) Addrs() []netip.Addr {
	if len(i.IPv6Addresses) == 0 {
		return i.PrivateIPs
	}
	return append(slices.Clip(i.PrivateIPs), i.IPv6Addresses...)
}

// Owns reports whether a is one of the interface's own addresses, of either family.
func (i *Interface) Owns(a netip.Addr) bool {
	a = a.Unmap()
	return slices.Contains(i.PrivateIPs, a) || slices.Contains(i.IPv6Addresses, a)
}

// FirstAddr is the interface's first address of a's family: its primary private IPv4
// address, or its first IPv6 address; invalid when it has none of that family. A route to
// the interface forwards to it.
func (i *Interface) FirstAddr(is6 bool) netip.Addr {
	list := i.PrivateIPs
	if is6 {
		list = i.IPv6Addresses
	}
	if len(list) == 0 {
		return netip.Addr{}
	}
	return list[0]
}

// PublicMapping is one 1:1 NAT of an internet gateway: a private address and its public one.
type PublicMapping struct{ Private, Public netip.Addr }

// PublicMappings are the interface's private addresses that have a public one, in the
// order of PrivateIPs.
func (i *Interface) PublicMappings() []PublicMapping {
	var out []PublicMapping
	for k, a := range i.PrivateIPs {
		pub, ok := i.PublicIPs[a]
		if !ok && k == 0 {
			pub = i.PublicIP
		}
		if pub.IsValid() {
			out = append(out, PublicMapping{Private: a, Public: pub})
		}
	}
	return out
}

// Instance is an EC2 instance; Running says whether the data plane should carry it.
type Instance struct {
	ID, VPC, Subnet string
	Owner, Region   string
	Running         bool
	Interfaces      []string // by device index
	UserData        []byte   // decoded
	PublicKey       string   // the key pair's at launch, a line of authorized_keys

	// What the instance metadata service (internal/imds) serves besides.
	ImageID, InstanceType, Architecture  string
	AvailabilityZone, AvailabilityZoneID string
	LaunchIndex                          int
	ReservationID, KeyName               string
	LaunchTime                           time.Time
	PrivateDNSName                       string // ip-10-0-1-5.ec2.internal, or i-0123….ec2.internal
	Metadata                             MetadataOptions
	Tags                                 map[string]string // only when Metadata.Tags: a tag plans nothing otherwise
	// PrivateDNSNameOptions are its hostname options (RunInstances, ModifyPrivateDnsNameOptions).
	PrivateDNSNameOptions PrivateDNSNameOptions

	// Host is the host it is placed on when vpcd spans several (internal/hosts), "" on
	// one machine.
	Host string
}

// PrivateDNSNameOptions are an instance's hostname options: its hostname after its private
// IPv4 address (ip-name) or its ID (resource-name), and whether the resource name answers
// A and AAAA queries. The IP name always answers A queries.
type PrivateDNSNameOptions struct {
	HostnameType                          string // ip-name or resource-name
	ResourceNameDNSA, ResourceNameDNSAAAA bool
}

// MetadataOptions are an instance's instance metadata options (ModifyInstanceMetadataOptions).
type MetadataOptions struct {
	Endpoint       bool // HttpEndpoint enabled: the service answers the instance
	TokensRequired bool // HttpTokens required: IMDSv1 reads are refused
	HopLimit       int  // HttpPutResponseHopLimit: the IP TTL of a token's answer
	IPv6           bool // HttpProtocolIpv6 enabled: it also answers at fd00:ec2::254
	Tags           bool // InstanceMetadataTags enabled: it serves the instance's tags
}

type SecurityGroup struct {
	ID, VPC string
	Name    string
	Rules   []SecurityGroupRule
}

// SecurityGroupRule allows new flows of Protocol (IANA number, -1 for all) with ports
// FromPort..ToPort (ICMP: type and code; -1 any) to (egress) or from (ingress) a peer:
// a CIDR, the members of a group or the CIDRs of a managed prefix list.
type SecurityGroupRule struct {
	Egress           bool
	Protocol         int
	FromPort, ToPort int
	CIDR             netip.Prefix
	Group            string
	PrefixList       string
}

// RouteTableOf is the route table that decides for a subnet: its associated one, else
// its VPC's main table.
func (n *Network) RouteTableOf(s *Subnet) *RouteTable {
	if s.RouteTable != "" {
		if rt := n.RouteTables[s.RouteTable]; rt != nil {
			return rt
		}
	}
	if v := n.VPCs[s.VPC]; v != nil {
		return n.RouteTables[v.MainRouteTable]
	}
	return nil
}

// Lookup is the route a destination takes: the longest prefix that contains it.
func (rt *RouteTable) Lookup(dst netip.Addr) (Route, bool) {
	best, found := Route{}, false
	for _, r := range rt.Routes {
		if r.Destination.Contains(dst) && (!found || r.Destination.Bits() > best.Destination.Bits()) {
			best, found = r, true
		}
	}
	return best, found
}

// Members are the addresses of every interface in the group, IPv4 and IPv6: a rule that
// names a group lets in or out its members' addresses of both families, as on AWS.
func (n *Network) Members(group string) []netip.Addr {
	var out []netip.Addr
	for _, id := range SortedKeys(n.Interfaces) {
		eni := n.Interfaces[id]
		for _, g := range eni.Groups {
			if g == group {
				out = append(out, eni.Addrs()...)
				break
			}
		}
	}
	return out
}

// Peers are the prefixes a rule lets through: its CIDR, the CIDRs of its prefix list, or
// one host prefix per member of its group, resolved now so that a change of membership or
// of the list takes effect at once.
func (n *Network) Peers(r SecurityGroupRule) []netip.Prefix {
	if r.PrefixList != "" {
		return n.PrefixLists[r.PrefixList]
	}
	if r.Group == "" {
		return []netip.Prefix{r.CIDR}
	}
	var out []netip.Prefix
	for _, a := range n.Members(r.Group) {
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out
}

// Carried reports whether the data plane carries an interface: it is attached to a
// running instance, is an available NAT gateway's, a Resolver endpoint's or an interface
// VPC endpoint's.
func (n *Network) Carried(eni *Interface) bool {
	if eni.ServiceManaged() {
		return true
	}
	if eni.NatGateway != "" {
		return n.NatGateways[eni.NatGateway] != nil
	}
	inst := n.Instances[eni.Instance]
	return inst != nil && inst.Running
}

// EffectiveRoutes are a table's routes with each route to a prefix list replaced by one
// route per CIDR of the list. A CIDR that another route names already stays with that
// route, as AWS prefers a CIDR route over a prefix list route of the same destination.
func (n *Network) EffectiveRoutes(rt *RouteTable) []Route {
	seen := map[netip.Prefix]bool{}
	for _, r := range rt.Routes {
		if r.DestinationPrefixList == "" {
			seen[r.Destination] = true
		}
	}
	out := make([]Route, 0, len(rt.Routes))
	for _, r := range rt.Routes {
		if r.DestinationPrefixList == "" {
			out = append(out, r)
			continue
		}
		for _, cidr := range n.PrefixLists[r.DestinationPrefixList] {
			if !seen[cidr] {
				seen[cidr] = true
				e := r
				e.Destination = cidr
				out = append(out, e)
			}
		}
	}
	return out
}

// Matches reports whether a security group rule lets a new flow through, the peer being
// the destination of egress traffic and the source of ingress traffic: protocol -1 is
// every protocol; TCP and UDP match the destination port in FromPort..ToPort (-1..-1 is
// every port); ICMP matches the type (FromPort) and code (ToPort), -1 for any, and
// only toward IPv4 peers (ICMPv6 toward IPv6); any other protocol matches whatever its
// ports. The peers are the rule's, resolved in n (group members, prefix lists).
func (n *Network) Matches(r SecurityGroupRule, p Packet) bool { return n.MatchesIn(r, p, nil) }

// MatchesIn is Matches with the groups' members taken from groups (GroupAddresses, built
// once for many questions) instead of a scan of every interface; nil scans.
func (n *Network) MatchesIn(r SecurityGroupRule, p Packet, groups map[string][]netip.Addr) bool {
	peer := p.Peer.Unmap()
	switch r.Protocol {
	case -1:
	case 6, 17:
		if p.Protocol != r.Protocol || !inRange(p.Port, r.FromPort, r.ToPort) {
			return false
		}
	case 1, 58:
		if p.Protocol != r.Protocol || (r.Protocol == 1) != peer.Is4() {
			return false
		}
		if (r.FromPort != -1 && r.FromPort != p.ICMPType) || (r.ToPort != -1 && r.ToPort != p.ICMPCode) {
			return false
		}
	default:
		if p.Protocol != r.Protocol {
			return false
		}
	}
	if r.Group != "" && r.PrefixList == "" && groups != nil {
		return slices.Contains(groups[r.Group], peer)
	}
	for _, pfx := range n.Peers(r) {
		if pfx.IsValid() && pfx.Addr().Is4() == peer.Is4() && pfx.Contains(peer) {
			return true
		}
	}
	return false
}

// GroupAddresses is, for every security group, the addresses of its members in
// interface ID order: Members of every group, in one pass. ids, when given, are the
// interface IDs already sorted, so that a caller that has them does not sort again.
func (n *Network) GroupAddresses(ids ...string) map[string][]netip.Addr {
	if ids == nil {
		ids = SortedKeys(n.Interfaces)
	}
	out := map[string][]netip.Addr{}
	for _, id := range ids {
		eni := n.Interfaces[id]
		for i, g := range eni.Groups {
			if !slices.Contains(eni.Groups[:i], g) {
				out[g] = append(out[g], eni.Addrs()...)
			}
		}
	}
	return out
}

// PeersIn is Peers with the groups' members taken from groups (GroupAddresses).
func (n *Network) PeersIn(r SecurityGroupRule, groups map[string][]netip.Addr) []netip.Prefix {
	if r.PrefixList != "" || r.Group == "" {
		return n.Peers(r)
	}
	var out []netip.Prefix
	for _, a := range groups[r.Group] {
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out
}
