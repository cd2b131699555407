// Package analyze answers "can this packet get from A to B, and if not, which rule stops
// it?" over a model.Network, the way the data plane would carry it: the analyzer box of
// DESIGN.md. It walks a packet hop by hop through the VPC routers that internal/plan lays
// out (route table of the entry link, longest prefix, local host routes, network ACLs at
// subnet edges, security groups as two stateful gates, source/destination check, the
// internet gateway's 1:1 NAT, NAT gateways and their NAT64, peering without transit),
// then walks the reply back the same way as the kernel's connection tracking lets it (no
// security groups, but ACLs and routes again). A differential test (see diff_test.go) checks each
// verdict against real packets.
//
// A blocker that leaves the packet somewhere to go on (a security group, an ACL, a
// source/destination check) is recorded and the walk goes on as if it had passed, so that
// an analysis names every component that blocks the path, not just the first. A blocker
// with nowhere to go (no route, a blackhole, a stopped instance) ends the walk.
package analyze

import (
	"fmt"
	"net/netip"
	"strings"

	"vpcd/internal/model"
	"vpcd/internal/nat64"
)

// Explanation codes, AWS's where AWS documents one for the reason.
const (
	CodeBadState        = "BAD_STATE"               // an instance or gateway not running or available
	CodeNoRoute         = "NO_ROUTE_TO_DESTINATION" // no route (or no interface) for the destination
	CodeBlackhole       = "BLACKHOLE_ROUTE"         // the route's target is gone or not usable
	CodeIGWNotAttached  = "IGW_NOT_ATTACHED"        // a route to an internet gateway of another VPC or none
	CodeSecurityGroup   = "ENI_SG_RULES_MISMATCH"   // no rule of the interface's groups allows the flow
	CodeACL             = "SUBNET_ACL_RESTRICTION"  // the subnet's network ACL denies the packet
	CodeSourceDestCheck = "SOURCE_DEST_CHECK"       // an interface with the check on sends or receives for others
	CodeNoPublicAddress = "NO_PUBLIC_ADDRESS"       // the internet gateway has no public address for the source
	CodeNatInbound      = "NAT_GATEWAY_INBOUND"     // a NAT gateway admits only replies
	CodeRoutingLoop     = "ROUTING_LOOP"            // the packet went round more than maxHops routers
	CodeNoTransit       = "NO_TRANSIT"              // what came over a gateway or peering may only reach the VPC's own interfaces
	// CodeEgressOnly: an egress-only internet gateway lets in only the replies of flows
	// that went out through it (vpcd's code; AWS documents none for it).
	CodeEgressOnly = "EGRESS_ONLY_IGW_INBOUND"
	// CodeBlockPublicAccess: VPC Block Public Access stops the flow at the gateway
	// (vpcd's own code: AWS documents none for it).
	CodeBlockPublicAccess = "VPC_BLOCK_PUBLIC_ACCESS"
	// CodeNAT64Prefix: a NAT gateway's NAT64 drops IPv6 to anything but 64:ff9b::/96
	// (vpcd's own code: AWS documents none for it).
	CodeNAT64Prefix = "NAT_GATEWAY_NAT64_DESTINATION"
)

// Ephemeral ports: a client of unknown port is taken to use Linux's default range, the
// one the instances of the data plane use.
const (
	EphemeralMin = 32768
	EphemeralMax = 60999
	maxHops      = 32
)

// Endpoint kinds of a Query: what Source and Destination name.
const (
	KindInterface = "network-interface"
	KindInstance  = "instance"
	KindInternet  = "internet-gateway"
	// KindVPCEndpoint is a gateway VPC endpoint, where a path to its service's address
	// ends (the service is vpcd's S3 or DynamoDB).
	KindVPCEndpoint = "vpc-endpoint"
	// KindVPNGateway is a virtual private gateway, where a path into one of its VPN
	// tunnels ends (the customer's network beyond it has the address);
	// KindVPNConnection is the connection whose tunnel the path takes.
	KindVPNGateway    = "vpn-gateway"
	KindVPNConnection = "vpn-connection"
	// KindDxVirtualInterface is the Direct Connect virtual interface a path into a
	// virtual private gateway takes instead of a VPN tunnel.
	KindDxVirtualInterface = "dx-virtual-interface"
)

// Query is one question: a packet of Protocol from Source to Destination.
type Query struct {
	// Source and Destination are resource IDs: an instance (its primary interface), a
	// network interface, or an internet gateway or egress-only internet gateway (the
	// internet beyond it). A Destination of "" is the DestinationIP wherever it is.
	Source, Destination string
	// SourceIP and DestinationIP narrow or name the addresses; invalid for the defaults
	// (the interface's primary address; the internet host; the destination's public
	// address when the source is the internet). Both are of one family: a default takes
	// the family of the address given on the other side (an interface's first IPv6
	// address, the internet host's IPv6 address), IPv4 when neither is given.
	SourceIP, DestinationIP netip.Addr
	Protocol                int // 6, 17, 1 or 58 (ICMPv6)
	// DestinationPort for TCP and UDP. SourcePortMin..Max is the client's port range,
	// 0 for the ephemeral range; replies must get through for every port of it.
	DestinationPort              int
	SourcePortMin, SourcePortMax int
}

// Packet is an IPv4 or IPv6 header as the analyzer follows it.
type Packet struct {
	Protocol           int
	Src, Dst           netip.Addr
	SrcPorts, DstPorts [2]int // TCP and UDP; ranges, the client's side of a reply may span many
	ICMPType, ICMPCode int
}

func (p Packet) String() string {
	switch p.Protocol {
	case 6, 17:
		return fmt.Sprintf("%s %s:%s -> %s:%s", protoName(p.Protocol), p.Src, ports(p.SrcPorts), p.Dst, ports(p.DstPorts))
	case 1, 58:
		return fmt.Sprintf("%s %s -> %s type %d code %d", protoName(p.Protocol), p.Src, p.Dst, p.ICMPType, p.ICMPCode)
	}
	return fmt.Sprintf("proto %d %s -> %s", p.Protocol, p.Src, p.Dst)
}

func ports(r [2]int) string {
	if r[0] == r[1] {
		return fmt.Sprint(r[0])
	}
	return fmt.Sprintf("%d-%d", r[0], r[1])
}

func protoName(p int) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 1:
		return "icmp"
	case 58:
		return "icmpv6"
	}
	return fmt.Sprint(p)
}

// Hop is one component a packet passed, in order: what it is, and what of it decided.
type Hop struct {
	Kind string // instance, network-interface, security-group, network-acl, route-table, internet-gateway, nat-gateway, vpc-peering-connection, vpc-endpoint, vpn-gateway, vpn-connection
	ID   string
	VPC  string
	// Subnet of an interface, a route table's or an ACL's.
	Subnet string
	// Direction of an ACL or security group check: ingress or egress.
	Direction string
	// The rule or route that decided, when one did.
	ACLRule *model.ACLEntry
	SGRule  *model.SecurityGroupRule
	Route   *model.Route
	// TransitGatewayRoute is the route a transit gateway route table's hop took.
	TransitGatewayRoute *model.TransitGatewayRoute
	Translated          *Packet // the header after a translation (NAT)
	// Tunnel is the outside address of the tunnel a VPN connection's hop takes.
	Tunnel netip.Addr
	Header Packet // the header as the component saw it
}

// Explanation is one component that blocks the path and why.
type Explanation struct {
	Code      string
	Kind, ID  string
	VPC       string
	Subnet    string
	Direction string
	ACLRule   *model.ACLEntry
	Groups    []string // of an interface whose security groups block
	Route     *model.Route
	// TransitGatewayRoute is the transit gateway route that drops the packet.
	TransitGatewayRoute *model.TransitGatewayRoute
	Address             netip.Addr
	Message             string
	Return              bool // found on the return path
}

// Result is the verdict: reachable only when nothing blocks either way.
type Result struct {
	Reachable      bool
	Forward        []Hop
	Return         []Hop
	Explanations   []Explanation
	Source, Target Packet // the packet as sent and as delivered
}

// Analyze answers a query over a network.
func Analyze(n *model.Network, q Query) (*Result, error) {
	ix := index(n)
	return ix.analyze(q)
}

// Index is a network with the lookups an analysis needs built once, for many queries.
type Index struct {
	n *model.Network
	// live are the carried interfaces of each VPC and their addresses.
	live     map[string][]*model.Interface
	byAddr   map[string]map[netip.Addr]*model.Interface // VPC → own address (IPv4, IPv6) → interface
	public   map[netip.Addr]*model.Interface            // public address (an IPv6 one is its own) → interface
	peerings map[string]*model.Peering                  // active peerings that carry traffic
	igw      map[string]string                          // VPC → attached internet gateway
	entry6   map[string]string                          // VPC → the gateway the internet reaches its IPv6 through
	groups   map[string][]netip.Addr                    // security group → its members' addresses
	aclOf    map[string]*model.NetworkACL               // subnet → its network ACL
	regional map[netip.Addr]*model.NatGateway           // public address → its regional NAT gateway
}

// NewIndex builds the lookups of a network; the network must not change while it is used.
func NewIndex(n *model.Network) *Index { return index(n) }

// Analyze answers a query.
func (ix *Index) Analyze(q Query) (*Result, error) { return ix.analyze(q) }

func index(n *model.Network) *Index {
	ix := &Index{n: n, live: map[string][]*model.Interface{}, byAddr: map[string]map[netip.Addr]*model.Interface{},
		public: map[netip.Addr]*model.Interface{}, peerings: map[string]*model.Peering{}, igw: map[string]string{},
		entry6: map[string]string{}, aclOf: map[string]*model.NetworkACL{}, regional: map[netip.Addr]*model.NatGateway{}}
	for _, id := range model.SortedKeys(n.NatGateways) {
		if g := n.NatGateways[id]; g.Regional {
			for _, a := range g.Addresses {
				ix.regional[a.Public] = g
			}
		}
	}
	ids := model.SortedKeys(n.Interfaces)
	ix.groups = n.GroupAddresses(ids...)
	for _, id := range model.SortedKeys(n.NetworkACLs) {
		for _, s := range n.NetworkACLs[id].Subnets {
			if ix.aclOf[s] == nil {
				ix.aclOf[s] = n.NetworkACLs[id]
			}
		}
	}
	for _, id := range ids {
		e := n.Interfaces[id]
		if !n.Carried(e) || len(e.Addrs()) == 0 || n.Subnets[e.Subnet] == nil {
			continue
		}
		ix.live[e.VPC] = append(ix.live[e.VPC], e)
		if ix.byAddr[e.VPC] == nil {
			ix.byAddr[e.VPC] = map[netip.Addr]*model.Interface{}
		}
		for _, a := range e.Addrs() {
			ix.byAddr[e.VPC][a] = e
		}
	}
	for _, id := range model.SortedKeys(n.InternetGateways) {
		if g := n.InternetGateways[id]; g.VPC != "" && ix.igw[g.VPC] == "" {
			ix.igw[g.VPC] = id
		}
	}
	for vpc, enis := range ix.live {
		// The internet reaches a VPC's IPv6 addresses through model.IPv6Entry, as the
		// planner routes them; its public IPv4 addresses through its internet gateway.
		if g, _ := n.IPv6Entry(vpc); g != "" {
			ix.entry6[vpc] = g
			for _, e := range enis {
				for _, a := range e.IPv6Addresses {
					ix.public[a] = e
				}
			}
		}
		if ix.igw[vpc] == "" {
			continue
		}
		for _, e := range enis {
			for _, m := range e.PublicMappings() {
				ix.public[m.Public] = e
			}
		}
	}
	for _, id := range model.SortedKeys(n.Peerings) {
		p := n.Peerings[id]
		if p.Requester != p.Accepter && len(ix.live[p.Requester]) > 0 && len(ix.live[p.Accepter]) > 0 {
			ix.peerings[id] = p
		}
	}
	return ix
}

// errQuery is a question that cannot be asked: an unknown source, an IPv6 address.
type errQuery string

func (e errQuery) Error() string { return string(e) }

// endpoint is a resolved source or destination.
type endpoint struct {
	eni      *model.Interface // an interface, or nil for the internet
	instance string
	igw      string
	// gateway is a NAT gateway or a peering where the path begins or ends: a packet
	// arrives at it, or comes from it.
	gateway string
	addr    netip.Addr
}

func (ix *Index) resolve(id string, ip netip.Addr, source bool) (endpoint, error) {
	n := ix.n
	switch {
	case id == "":
		return endpoint{addr: ip}, nil
	case model.ValidID(id, "igw"), model.ValidID(id, "eigw"):
		if n.InternetGateways[id] == nil && n.EgressOnlyInternetGateways[id] == nil {
			return endpoint{}, errQuery("internet gateway " + id + " not found")
		}
		ep := endpoint{igw: id, addr: ip}
		if !ip.IsValid() && source {
			ep.addr = internetHost
		}
		return ep, nil
	case model.ValidID(id, "i"):
		inst := n.Instances[id]
		if inst == nil {
			return endpoint{}, errQuery("instance " + id + " not found")
		}
		ep := endpoint{instance: id, addr: ip}
		for _, eniID := range inst.Interfaces {
			e := n.Interfaces[eniID]
			if e == nil {
				continue
			}
			if ep.eni == nil || (ip.IsValid() && e.Owns(ip)) {
				ep.eni = e
			}
		}
		if ep.eni == nil {
			return endpoint{}, errQuery("instance " + id + " has no network interface")
		}
		if !ep.addr.IsValid() {
			ep.addr = primaryAddr(ep.eni)
		}
		return ep, nil
	case model.ValidID(id, "nat"):
		g := n.NatGateways[id]
		if g == nil {
			return endpoint{}, errQuery("NAT gateway " + id + " is not available")
		}
		ep := endpoint{gateway: id, addr: ip}
		if source {
			ep.eni = n.Interfaces[g.Interface]
			if ep.eni == nil || len(ep.eni.PrivateIPs) == 0 {
				return endpoint{}, errQuery("NAT gateway " + id + " has no interface")
			}
			if !ep.addr.IsValid() {
				ep.addr = ep.eni.PrivateIPs[0]
			}
		}
		return ep, nil
	case model.ValidID(id, "vpce") && source:
		// A path ends at a gateway endpoint's service; none starts there.
		return endpoint{}, errQuery("a path may end at " + id + ", not start there")
	case model.ValidID(id, "vpce"):
		return endpoint{gateway: id, addr: ip}, nil
	case model.ValidID(id, "vgw"):
		if n.VpnGateways[id] == nil {
			return endpoint{}, errQuery("virtual private gateway " + id + " not found")
		}
		return endpoint{gateway: id, addr: ip}, nil
	case model.ValidID(id, "pcx"):
		if n.Peerings[id] == nil {
			return endpoint{}, errQuery("VPC peering connection " + id + " is not active")
		}
		return endpoint{gateway: id, addr: ip}, nil
	case model.ValidID(id, "eni"):
		e := n.Interfaces[id]
		if e == nil {
			return endpoint{}, errQuery("network interface " + id + " not found")
		}
		ep := endpoint{eni: e, instance: e.Instance, addr: ip}
		if !ep.addr.IsValid() {
			ep.addr = primaryAddr(e)
		}
		return ep, nil
	}
	return endpoint{}, errQuery("unsupported endpoint " + id)
}

// primaryAddr is the address an interface is taken at by default: its primary private
// IPv4 address, or its first IPv6 address in an IPv6-only subnet; invalid for none.
func primaryAddr(e *model.Interface) netip.Addr {
	if a := e.FirstAddr(false); a.IsValid() {
		return a
	}
	return e.FirstAddr(true)
}

// internetHost and internetHost6 are where the simulated internet answers
// (plan.InternetHost, plan.InternetHost6).
var (
	internetHost  = netip.MustParseAddr("192.0.2.1")
	internetHost6 = netip.MustParseAddr("2001:db8::1")
)

// sameFamily gives a defaulted address (one the query did not name) the family of the
// address on the other side, when they differ: an interface's first address of that
// family, or the internet host's.
func sameFamily(ep *endpoint, given bool, other netip.Addr) {
	if given || !ep.addr.IsValid() || !other.IsValid() || ep.addr.Is6() == other.Is6() {
		return
	}
	switch {
	case ep.eni != nil:
		ep.addr = ep.eni.FirstAddr(other.Is6())
	case ep.addr == internetHost && other.Is6():
		ep.addr = internetHost6
	}
}

func (ix *Index) analyze(q Query) (*Result, error) {
	src, err := ix.resolve(q.Source, q.SourceIP, true)
	if err != nil {
		return nil, err
	}
	dst, err := ix.resolve(q.Destination, q.DestinationIP, false)
	if err != nil {
		return nil, err
	}
	if src.eni == nil && src.igw == "" && src.gateway == "" {
		return nil, errQuery("the source must be an instance, a network interface, an internet gateway, a NAT gateway, a peering or a virtual private gateway")
	}
	switch q.Protocol {
	case 6, 17:
		if q.DestinationPort < 0 || q.DestinationPort > 65535 {
			return nil, errQuery("destination port out of range")
		}
	case 1, 58:
	default:
		return nil, errQuery(fmt.Sprintf("protocol %d is not analyzed (tcp, udp, icmp, icmpv6)", q.Protocol))
	}
	sameFamily(&src, q.SourceIP.IsValid(), dst.addr)
	sameFamily(&dst, q.DestinationIP.IsValid(), src.addr)
	sp := [2]int{q.SourcePortMin, q.SourcePortMax}
	if sp[0] == 0 && sp[1] == 0 {
		sp = [2]int{EphemeralMin, EphemeralMax}
	}
	if src.instance != "" && !q.SourceIP.IsValid() && dst.addr.IsValid() && q.Source == src.instance {
		// An instance sends from the interface its own routes pick: the one on the
		// destination's subnet, else the primary.
		if e := ix.applianceInterface(src.eni, dst.addr); e != src.eni && e.FirstAddr(dst.addr.Is6()).IsValid() {
			src.eni, src.addr = e, e.FirstAddr(dst.addr.Is6())
		}
	}
	pkt := Packet{Protocol: q.Protocol, Src: src.addr, Dst: dst.addr, SrcPorts: sp, DstPorts: [2]int{q.DestinationPort, q.DestinationPort}}
	if q.Protocol == 1 || q.Protocol == 58 {
		pkt.SrcPorts, pkt.DstPorts, pkt.ICMPType = [2]int{}, [2]int{}, echoRequest(q.Protocol)
	}
	if dst.igw != "" && !pkt.Dst.IsValid() {
		pkt.Dst = internetHost
		if pkt.Src.Is6() {
			pkt.Dst = internetHost6
		}
	}
	if dst.eni != nil {
		// An interface named by one of its public addresses is reached there, through the
		// internet; it receives the packet at the private one.
		if priv := privateOf(dst.eni, dst.addr); priv.IsValid() {
			dst.addr = priv
		}
	}
	if src.igw != "" && dst.eni != nil {
		// From the internet, an interface is reached at its public address.
		pkt.Dst = publicOf(dst.eni, dst.addr)
		if !pkt.Dst.IsValid() {
			t := &tracer{ix: ix, res: &Result{Source: pkt}}
			t.block(Explanation{Code: CodeNoPublicAddress, Kind: KindInterface, ID: dst.eni.ID, VPC: dst.eni.VPC, Address: dst.addr,
				Message: fmt.Sprintf("%s has no public address: nothing on the internet can reach it", dst.eni.ID)})
			return t.done(), nil
		}
	}
	var pcxSide string
	if kindOf(src.gateway) == "pcx" {
		// From a peering: into the destination's VPC, from an address of the other side.
		p := ix.n.Peerings[src.gateway]
		if dst.eni == nil || p.Other(dst.eni.VPC) == "" {
			return nil, errQuery("a path from " + src.gateway + " must end at an interface of one of its VPCs")
		}
		pcxSide = dst.eni.VPC
		if !pkt.Src.IsValid() {
			if others := ix.live[p.Other(pcxSide)]; len(others) > 0 {
				pkt.Src = others[0].FirstAddr(pkt.Dst.Is6())
			}
		}
	}
	if !pkt.Src.IsValid() && kindOf(src.gateway) == "vgw" {
		return nil, errQuery("a path from " + src.gateway + " needs a source address beyond it")
	}
	if !pkt.Dst.IsValid() && dst.gateway != "" {
		return nil, errQuery("a path to " + dst.gateway + " needs a destination address beyond it")
	}
	if !pkt.Src.IsValid() || !pkt.Dst.IsValid() || pkt.Src.Is4() != pkt.Dst.Is4() || pkt.Src.Is4In6() || pkt.Dst.Is4In6() {
		return nil, errQuery("the analysis needs source and destination addresses of one family")
	}
	if (q.Protocol == 1 && pkt.Src.Is6()) || (q.Protocol == 58 && pkt.Src.Is4()) {
		return nil, errQuery("ICMP goes with IPv4 addresses, ICMPv6 with IPv6 ones")
	}
	t := &tracer{ix: ix, res: &Result{Source: pkt}, nat: map[string]natEntry{}, stopAt: dst.gateway, want: dst.addr, wantInstance: dst.instance}
	t.hops = &t.res.Forward
	if dst.eni != nil && !ix.n.Carried(dst.eni) {
		t.block(ix.notRunning(dst.eni, "destination"))
		return t.done(), nil
	}
	var end arrival
	switch {
	case pcxSide != "":
		if ix.peerings[src.gateway] == nil {
			t.block(Explanation{Code: CodeBadState, Kind: "vpc-peering-connection", ID: src.gateway, Message: "the peering carries nothing: one of its VPCs has no running interface"})
			return t.done(), nil
		}
		t.hop(Hop{Kind: "vpc-peering-connection", ID: src.gateway, VPC: pcxSide, Header: pkt})
		end = t.walk(pkt, entry{vpc: pcxSide, pcx: src.gateway})
	case src.igw != "":
		end = t.fromInternet(pkt, src.igw)
	case kindOf(src.gateway) == "vgw":
		end = t.fromVgw(pkt, src.gateway)
	default:
		if !ix.n.Carried(src.eni) {
			t.block(ix.notRunning(src.eni, "source"))
			return t.done(), nil
		}
		t.hop(Hop{Kind: KindInterface, ID: src.eni.ID, VPC: src.eni.VPC, Subnet: src.eni.Subnet, Header: pkt})
		if own := ix.ownAddress(src.eni, pkt.Dst); own != nil {
			// An instance's traffic to its own address never leaves it.
			t.res.Target = pkt
			return t.done(), nil
		}
		end = t.fromInterface(pkt, src.eni)
	}
	if end.kind == "" {
		return t.done(), nil
	}
	// A path to a load balancer's node ends at the target the node passed it to.
	viaLB := t.lb != nil && dst.addr == t.lb.node && end.eni != nil && end.pkt.Dst == t.lb.target &&
		(dst.eni == nil || end.eni.Instance == dst.instance)
	if !dst.matches(end) && !viaLB {
		t.block(Explanation{Code: CodeNoRoute, Kind: end.kind, ID: end.id, Address: end.pkt.Dst,
			Message: fmt.Sprintf("the packet reaches %s %s, not the destination", end.kind, end.id)})
		return t.done(), nil
	}
	t.res.Target = end.pkt
	// The reply, back the way the kernel's connection tracking lets it.
	t.hops, t.reply, t.stopAt = &t.res.Return, true, src.gateway
	back := end.pkt.reversed()
	var home arrival
	switch end.kind {
	case KindInternet:
		home = t.fromInternet(back, end.id)
	case "vpc-peering-connection":
		home = t.walk(back, entry{vpc: end.vpc, pcx: end.id})
	case KindVPCEndpoint:
		home = t.fromEndpoint(back, end)
	case KindVPNGateway:
		t.hop(Hop{Kind: KindVPNGateway, ID: end.id, VPC: end.vpc, Header: back})
		home = t.walk(back, entry{vpc: end.vpc, vgw: end.id})
	case KindTransitGatewayAttachment:
		home = t.fromTransitGatewayVpn(back, end.id)
	case "nat-gateway":
		if end.eni == nil {
			// A regional NAT gateway: its answer is routed by its route table.
			home = t.walk(back, entry{vpc: end.vpc, nat: end.id})
			break
		}
		home = t.fromInterface(back, end.eni)
	default:
		// The destination answers out of the interface its routes pick, which need not be
		// the one the request came in on.
		home = t.fromInterface(back, t.ix.applianceInterface(end.eni, back.Dst))
	}
	var returned bool
	switch {
	case src.gateway != "":
		returned = home.id == src.gateway
	case src.igw != "":
		returned = home.kind == KindInternet
	default:
		returned = home.eni == src.eni && home.pkt.Dst == pkt.Src
	}
	if home.kind != "" && !returned {
		t.block(Explanation{Code: CodeNoRoute, Kind: home.kind, ID: home.id, Address: home.pkt.Dst, Return: true,
			Message: "the reply does not get back to the source"})
	}
	return t.done(), nil
}

// ownAddress is the interface of e's instance (or e itself) that has the address, or nil.
func (ix *Index) ownAddress(e *model.Interface, a netip.Addr) *model.Interface {
	if e.Owns(a) {
		return e
	}
	if inst := ix.n.Instances[e.Instance]; inst != nil {
		for _, id := range inst.Interfaces {
			if o := ix.n.Interfaces[id]; o != nil && ix.n.Carried(o) && o.Owns(a) {
				return o
			}
		}
	}
	return nil
}

func kindOf(id string) string {
	k, _, _ := strings.Cut(id, "-")
	return k
}

// notRunning is why a stopped instance's interface, or a detached one, carries nothing.
func (ix *Index) notRunning(e *model.Interface, role string) Explanation {
	if e.Instance == "" {
		return Explanation{Code: CodeBadState, Kind: KindInterface, ID: e.ID, VPC: e.VPC, Subnet: e.Subnet, Message: "the " + role + " interface is not attached to an instance"}
	}
	return Explanation{Code: CodeBadState, Kind: KindInstance, ID: e.Instance, VPC: e.VPC, Subnet: e.Subnet, Message: "the " + role + " instance is not running"}
}

// reversed is the header of the reply to p.
func (p Packet) reversed() Packet {
	r := Packet{Protocol: p.Protocol, Src: p.Dst, Dst: p.Src, SrcPorts: p.DstPorts, DstPorts: p.SrcPorts}
	switch p.Protocol {
	case 1:
		r.ICMPType = 0 // echo reply
	case 58:
		r.ICMPType = 129
	}
	return r
}

// echoRequest is the ICMP echo request type of ICMP (1) or ICMPv6 (58).
func echoRequest(protocol int) int {
	if protocol == 58 {
		return 128
	}
	return 8
}

// arrival is where a walk ended: delivered to an interface, out to the internet, or at
// the NAT gateway or peering the path ends at.
type arrival struct {
	kind string // KindInterface, KindInternet, KindVPCEndpoint, KindVPNGateway, nat-gateway, vpc-peering-connection; "" when dropped
	id   string
	eni  *model.Interface
	vpc  string // the VPC a peering was left from
	pkt  Packet
}

// matches reports whether the walk arrived at the endpoint. An IPv4 packet that was
// asked about at an address in NAT64's prefix (a NAT gateway translated it on the way)
// is compared with the IPv4 address the prefix carries.
func (ep endpoint) matches(a arrival) bool {
	want := ep.addr
	if a.pkt.Dst.Is4() && nat64.WellKnownPrefix.Contains(want) {
		want = embedded4(want)
	}
	if a.kind == KindInternet && a.pkt.Dst.IsPrivate() {
		// The internet routes no private address: what leaves for one is lost there.
		return false
	}
	switch {
	case ep.gateway != "":
		return a.id == ep.gateway
	case ep.igw != "":
		return a.kind == KindInternet && a.id == ep.igw && (a.pkt.Dst == want || !want.IsValid())
	case ep.eni != nil && ep.instance != "" && a.eni != nil && a.eni.Instance == ep.instance:
		return a.pkt.Dst == want || !want.IsValid()
	case ep.eni != nil:
		return a.eni == ep.eni && a.pkt.Dst == want
	}
	return a.pkt.Dst == want || (a.eni != nil && publicOf(a.eni, a.pkt.Dst) == want)
}

// natEntry is a NAT gateway's translation of one flow: the client's address and ports
// (an IPv6 address for a flow its NAT64 translated).
type natEntry struct {
	src   netip.Addr
	ports [2]int
}

type tracer struct {
	ix    *Index
	res   *Result
	hops  *[]Hop
	reply bool
	nat   map[string]natEntry // NAT gateway → the flow it translated on the way out
	// stopAt is the NAT gateway or peering where this direction's walk ends, if any.
	stopAt string
	// lb is the load balancer's translation of the flow, once a node passed it on; want
	// and wantInstance are the destination the query names, the target a load balancer
	// picks when it can.
	lb           *lbFlow
	want         netip.Addr
	wantInstance string
}

func (t *tracer) hop(h Hop) { *t.hops = append(*t.hops, h) }

// block records a blocker once: a packet that goes round in a loop meets the same ones
// again.
func (t *tracer) block(e Explanation) {
	e.Return = t.reply
	for _, o := range t.res.Explanations {
		if o.Code == e.Code && o.ID == e.ID && o.Direction == e.Direction && o.Return == e.Return {
			return
		}
	}
	t.res.Explanations = append(t.res.Explanations, e)
}

func (t *tracer) done() *Result {
	t.res.Reachable = len(t.res.Explanations) == 0
	return t.res
}

func direction(egress bool) string {
	if egress {
		return "egress"
	}
	return "ingress"
}
