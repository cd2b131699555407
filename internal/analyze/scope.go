package analyze

import (
	"net/netip"
	"slices"
	"strings"

	"vpcd/internal/model"
)

// Network Access Analyzer: a scope names the paths that should not exist ("anything from
// the internet to an interface of these subnets", "these instances to anything through a
// NAT gateway"), and the analysis of a scope finds every one of them that does. Each
// (source, destination) pair the scope matches is asked of the same walk as a
// Reachability Analyzer path, over the protocols and ports the scope's packet headers
// allow; the first packet that gets through, and that no ExcludePath matches, makes the
// pair's finding, with the components it passed.

// Resource types of a scope's resource statements, as AWS names them.
const (
	TypeInternetGateway  = "AWS::EC2::InternetGateway"
	TypeNetworkInterface = "AWS::EC2::NetworkInterface"
	TypeInstance         = "AWS::EC2::Instance"
	TypeSubnet           = "AWS::EC2::Subnet"
	TypeVPC              = "AWS::EC2::VPC"
	TypeNatGateway       = "AWS::EC2::NatGateway"
	TypePeering          = "AWS::EC2::VPCPeeringConnection"
)

// Placement is where in a scope path a resource may be named: as the source or the
// destination, among the resources passed through, or both.
type Placement int

const (
	AtEndpoint Placement = 1 << iota // Source or Destination
	AtThrough                        // ThroughResources
)

// ScopeResourceTypes are the resource types a scope may name and where. The types vpcd
// has no such resource of (VPN gateways, transit gateway attachments, endpoints, load
// balancers, firewalls) are accepted as AWS accepts them, and match nothing.
var ScopeResourceTypes = map[string]Placement{
	TypeInternetGateway:                         AtEndpoint,
	TypeNetworkInterface:                        AtEndpoint,
	TypeInstance:                                AtEndpoint,
	TypeSubnet:                                  AtEndpoint,
	TypeVPC:                                     AtEndpoint,
	TypeNatGateway:                              AtThrough,
	TypePeering:                                 AtEndpoint | AtThrough,
	"AWS::EC2::VPNGateway":                      AtEndpoint,
	"AWS::EC2::TransitGatewayAttachment":        AtEndpoint | AtThrough,
	"AWS::EC2::VPCEndpoint":                     AtEndpoint | AtThrough,
	"AWS::EC2::VPCEndpointService":              AtEndpoint | AtThrough,
	"AWS::ElasticLoadBalancing::LoadBalancer":   AtThrough,
	"AWS::ElasticLoadBalancingV2::LoadBalancer": AtThrough,
	"AWS::NetworkFirewall::Firewall":            AtThrough,
}

// ScopeResourceKinds are the ID prefixes a scope may name resources by, and where: an
// instance, an interface, a subnet, a VPC or a security group stands for its interfaces.
var ScopeResourceKinds = map[string]Placement{
	"i": AtEndpoint, "eni": AtEndpoint, "subnet": AtEndpoint, "vpc": AtEndpoint, "sg": AtEndpoint, "igw": AtEndpoint,
	"nat": AtThrough, "pcx": AtThrough,
}

// ResourceStatement names resources by ID (an ARN reduced to its ID) or by type; an
// empty one names every resource.
type ResourceStatement struct {
	Resources, ResourceTypes []string
}

// PortRange is an inclusive range of ports.
type PortRange struct{ From, To int }

// PacketHeaderStatement narrows the packets of a path; an empty field admits any value.
// Addresses are IPv4 or IPv6 prefixes (a host is a /32); prefix lists are resolved in
// the network.
type PacketHeaderStatement struct {
	SourceAddresses, DestinationAddresses     []netip.Prefix
	SourcePrefixLists, DestinationPrefixLists []string
	SourcePorts, DestinationPorts             []PortRange
	Protocols                                 []int // 6, 17; none is both
}

// PathStatement is a source or a destination: which resources, which packets.
type PathStatement struct {
	Resources *ResourceStatement
	Header    *PacketHeaderStatement
}

// ScopePath is one MatchPath or ExcludePath. Through lists resources the path must pass,
// in that order, each statement matched by one component.
type ScopePath struct {
	Source, Destination PathStatement
	Through             []ResourceStatement
}

// Scope is what an analysis looks for: paths that match a Match path and no Exclude path,
// among the resources of one account and region (every one when both are "").
type Scope struct {
	Match, Exclude  []ScopePath
	Account, Region string
}

// Finding is a path the scope matches that exists: from Source to Destination (an
// interface or an internet gateway), the first packet that gets through, and the
// components it passed.
type Finding struct {
	Source, Destination string
	Protocol            int
	SourceIP, DestIP    netip.Addr
	DestinationPort     int
	Forward             []Hop
}

// ScopeResult is an analysis of a scope: the findings in the order of the Match paths,
// then by source and destination, and how many interfaces the scope made it look at.
type ScopeResult struct {
	Findings           []Finding
	AnalyzedInterfaces int
}

// AnalyzeScope finds every path of a scope over a network.
func AnalyzeScope(n *model.Network, s Scope) *ScopeResult { return index(n).AnalyzeScope(s) }

// scopeEndpoint is where a finding may start or end: a carried interface (not a NAT
// gateway's) or an attached internet gateway.
type scopeEndpoint struct {
	id  string
	vpc string
	eni *model.Interface
}

// AnalyzeScope finds every path of a scope. Resources named that no longer exist match
// nothing.
func (ix *Index) AnalyzeScope(s Scope) *ScopeResult {
	eps := ix.scopeEndpoints(s.Account, s.Region)
	run := &scopeRun{ix: ix, aclBounds: map[string][]int{}}
	for _, acl := range ix.n.NetworkACLs {
		for _, e := range acl.Entries {
			run.aclBounds[acl.VPC] = append(run.aclBounds[acl.VPC], e.FromPort, e.ToPort+1)
		}
	}
	res := &ScopeResult{}
	analyzed := map[string]bool{}
	found := map[[2]string]bool{}
	for _, mp := range s.Match {
		srcs := filterEndpoints(eps, mp.Source.Resources)
		dsts := filterEndpoints(eps, mp.Destination.Resources)
		if len(srcs) == 0 || len(dsts) == 0 {
			continue
		}
		for _, ep := range append(slices.Clone(srcs), dsts...) {
			if ep.eni != nil {
				analyzed[ep.id] = true
			}
		}
		for _, a := range srcs {
			for _, b := range dsts {
				key := [2]string{a.id, b.id}
				if found[key] || !ix.mayConnect(a, b) {
					continue
				}
				if f, ok := run.findPath(a, b, mp, s.Exclude); ok {
					found[key] = true
					res.Findings = append(res.Findings, f)
				}
			}
		}
	}
	res.AnalyzedInterfaces = len(analyzed)
	return res
}

// scopeEndpoints are the account's and region's interfaces and attached internet
// gateways, gateways first, each in ID order.
func (ix *Index) scopeEndpoints(account, region string) []scopeEndpoint {
	n := ix.n
	ours := func(vpc string) bool {
		v := n.VPCs[vpc]
		return v != nil && (account == "" || v.Owner == account) && (region == "" || v.Region == region)
	}
	var out []scopeEndpoint
	for _, id := range model.SortedKeys(n.InternetGateways) {
		if g := n.InternetGateways[id]; g.VPC != "" && ours(g.VPC) {
			out = append(out, scopeEndpoint{id: id, vpc: g.VPC})
		}
	}
	var enis []scopeEndpoint
	for vpc, live := range ix.live {
		if !ours(vpc) {
			continue
		}
		for _, e := range live {
			if e.NatGateway == "" {
				enis = append(enis, scopeEndpoint{id: e.ID, vpc: vpc, eni: e})
			}
		}
	}
	slices.SortFunc(enis, func(a, b scopeEndpoint) int { return strings.Compare(a.id, b.id) })
	return append(out, enis...)
}

func filterEndpoints(eps []scopeEndpoint, rs *ResourceStatement) []scopeEndpoint {
	if rs == nil || len(rs.Resources)+len(rs.ResourceTypes) == 0 {
		return eps
	}
	var out []scopeEndpoint
	for _, ep := range eps {
		if ep.matches(rs) {
			out = append(out, ep)
		}
	}
	return out
}

// matches reports whether a resource statement names an endpoint: an interface by its
// own ID or that of its instance, subnet, VPC or one of its groups; a gateway by its ID.
func (ep scopeEndpoint) matches(rs *ResourceStatement) bool {
	if rs == nil || len(rs.Resources)+len(rs.ResourceTypes) == 0 {
		return true
	}
	for _, id := range rs.Resources {
		if id == ep.id {
			return true
		}
		if e := ep.eni; e != nil && id != "" && (id == e.Instance || id == e.Subnet || id == e.VPC || slices.Contains(e.Groups, id)) {
			return true
		}
	}
	for _, t := range rs.ResourceTypes {
		switch {
		case ep.eni == nil:
			if t == TypeInternetGateway {
				return true
			}
		case t == TypeNetworkInterface, t == TypeSubnet, t == TypeVPC:
			return true
		case t == TypeInstance && ep.eni.Instance != "":
			return true
		}
	}
	return false
}

// mayConnect rules out the pairs no packet can join, before any walk: an endpoint and
// itself, two interfaces of one instance, two gateways, a gateway and an interface of
// another VPC, interfaces of VPCs that no peering joins (nothing transits).
func (ix *Index) mayConnect(a, b scopeEndpoint) bool {
	switch {
	case a.id == b.id, a.eni == nil && b.eni == nil:
		return false
	case a.eni == nil || b.eni == nil:
		return a.vpc == b.vpc
	case a.eni.Instance != "" && a.eni.Instance == b.eni.Instance:
		return false
	case a.vpc == b.vpc:
		return true
	}
	for _, p := range ix.peerings {
		if p.Other(a.vpc) == b.vpc {
			return true
		}
	}
	return false
}

// scopeRun is one analysis of a scope: the index and what every pair needs.
type scopeRun struct {
	ix        *Index
	aclBounds map[string][]int // VPC → the ports where a rule of one of its ACLs begins or ends
}

// findPath looks for a packet from a to b that the Match path admits, that gets through
// both ways, passes the path's Through resources and matches no Exclude path.
func (run *scopeRun) findPath(a, b scopeEndpoint, mp ScopePath, excludes []ScopePath) (Finding, bool) {
	hdrs := headers(mp)
	protos := []int{6, 17}
	for _, h := range hdrs {
		if len(h.Protocols) > 0 {
			protos = slices.DeleteFunc(protos, func(p int) bool { return !slices.Contains(h.Protocols, p) })
		}
	}
	ix := run.ix
	srcIPs := ix.addressesOf(a, b, true, hdrs)
	dstIPs := ix.addressesOf(b, a, false, hdrs)
	if len(protos) == 0 || len(srcIPs) == 0 || len(dstIPs) == 0 {
		return Finding{}, false
	}
	srcPorts := [][2]int{{0, 0}} // the ephemeral range
	for _, h := range hdrs {
		if len(h.SourcePorts) > 0 {
			srcPorts = srcPorts[:0]
			for _, r := range h.SourcePorts {
				srcPorts = append(srcPorts, [2]int{r.From, r.To})
			}
			break
		}
	}
	ports := run.pairPorts(a, b, mp, excludes, hdrs)
	for _, proto := range protos {
		for _, sip := range srcIPs {
			for _, dip := range dstIPs {
				for _, sp := range srcPorts {
					for _, port := range ports {
						q := Query{Source: a.id, Destination: b.id, SourceIP: sip, DestinationIP: dip, Protocol: proto,
							DestinationPort: port, SourcePortMin: sp[0], SourcePortMax: sp[1]}
						r, err := ix.analyze(q)
						if err != nil || !r.Reachable || !passes(r.Forward, mp.Through) {
							continue
						}
						if ix.excluded(a, b, r, excludes) {
							continue
						}
						return Finding{Source: a.id, Destination: b.id, Protocol: proto, SourceIP: r.Source.Src, DestIP: r.Source.Dst,
							DestinationPort: port, Forward: r.Forward}, true
					}
				}
			}
		}
	}
	return Finding{}, false
}

// headers are the packet header statements a path's packets must all satisfy: the
// source's and the destination's.
func headers(p ScopePath) []*PacketHeaderStatement {
	var out []*PacketHeaderStatement
	for _, h := range []*PacketHeaderStatement{p.Source.Header, p.Destination.Header} {
		if h != nil {
			out = append(out, h)
		}
	}
	return out
}

// addressesOf are the addresses to try for an endpoint: an interface's private
// addresses that the headers admit (the primary when they say nothing), or, for the
// internet, one host of each range that a rule of the other side's groups lets through
// (and of each range the headers name), the documentation host first.
func (ix *Index) addressesOf(ep, other scopeEndpoint, source bool, hdrs []*PacketHeaderStatement) []netip.Addr {
	admits := func(a netip.Addr) bool {
		for _, h := range hdrs {
			if !ix.inAddresses(h, a, source) {
				return false
			}
		}
		return true
	}
	if e := ep.eni; e != nil {
		for _, a := range e.PrivateIPs {
			pub := publicOf(e, a)
			if !source && other.eni == nil && !pub.IsValid() {
				continue // the internet reaches only what has a public address
			}
			if admits(a) || (!source && other.eni == nil && pub.IsValid() && admits(pub)) {
				return []netip.Addr{a}
			}
		}
		return nil
	}
	cands := []netip.Addr{internetHost}
	if o := other.eni; o != nil {
		for _, gid := range o.Groups {
			g := ix.n.SecurityGroups[gid]
			if g == nil {
				continue
			}
			for _, r := range g.Rules {
				// Traffic from the internet meets the ingress rules of the destination;
				// traffic to it, the egress rules of the source.
				if r.Egress == source || r.Group != "" {
					continue
				}
				for _, p := range ix.n.PeersIn(r, ix.groups) {
					cands = append(cands, representative(p))
				}
			}
		}
	}
	for _, h := range hdrs {
		list := h.DestinationAddresses
		if source {
			list = h.SourceAddresses
		}
		for _, p := range list {
			cands = append(cands, representative(p))
		}
	}
	var out []netip.Addr
	for _, a := range cands {
		if a.IsValid() && a.Is4() && internetAddress(a) && admits(a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// inAddresses reports whether a header admits an address as the packet's source (or
// destination).
func (ix *Index) inAddresses(h *PacketHeaderStatement, a netip.Addr, source bool) bool {
	addrs, lists := h.DestinationAddresses, h.DestinationPrefixLists
	if source {
		addrs, lists = h.SourceAddresses, h.SourcePrefixLists
	}
	if len(addrs) == 0 && len(lists) == 0 {
		return true
	}
	for _, p := range addrs {
		if p.Contains(a) {
			return true
		}
	}
	for _, id := range lists {
		for _, p := range ix.n.PrefixLists[id] {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

// representative is the host of a range to try: the documentation host when the range
// has it, else its first host.
func representative(p netip.Prefix) netip.Addr {
	switch {
	case !p.IsValid() || !p.Addr().Is4():
		return netip.Addr{}
	case p.Contains(internetHost):
		return internetHost
	case p.Bits() >= 31:
		return p.Addr()
	}
	return p.Masked().Addr().Next()
}

// internetAddress reports whether an address can be a host on the internet.
func internetAddress(a netip.Addr) bool {
	return !a.IsPrivate() && !a.IsLoopback() && !a.IsLinkLocalUnicast() && !a.IsMulticast() && !a.IsUnspecified() &&
		!netip.MustParsePrefix("100.64.0.0/10").Contains(a) && !netip.MustParsePrefix("0.0.0.0/8").Contains(a)
}

// pairPorts are the destination ports to try between two endpoints: where a rule that
// can decide for them (the sender's egress rules, the receiver's ingress rules, the ACLs
// of their VPCs) or a port range of the scope begins or ends, within the ranges the
// headers admit. The verdicts, and whether a path is excluded, change only there.
func (run *scopeRun) pairPorts(a, b scopeEndpoint, mp ScopePath, excludes []ScopePath, hdrs []*PacketHeaderStatement) []int {
	bounds := slices.Clone(run.aclBounds[a.vpc])
	if b.vpc != a.vpc {
		bounds = append(bounds, run.aclBounds[b.vpc]...)
	}
	if a.eni != nil {
		bounds = run.ix.groupBounds(a.eni, true, bounds)
	}
	if b.eni != nil {
		bounds = run.ix.groupBounds(b.eni, false, bounds)
	}
	for _, p := range append([]ScopePath{mp}, excludes...) {
		for _, h := range headers(p) {
			for _, r := range h.DestinationPorts {
				bounds = append(bounds, r.From, r.To+1)
			}
		}
	}
	ranges := []PortRange{{0, 65535}}
	for _, h := range hdrs {
		if len(h.DestinationPorts) > 0 {
			ranges = intersect(ranges, h.DestinationPorts)
		}
	}
	var out []int
	for _, r := range ranges {
		out = append(out, r.From)
		for _, p := range bounds {
			if p > r.From && p <= r.To {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (ix *Index) groupBounds(e *model.Interface, egress bool, bounds []int) []int {
	for _, gid := range e.Groups {
		if g := ix.n.SecurityGroups[gid]; g != nil {
			for _, r := range g.Rules {
				if r.Egress == egress {
					bounds = append(bounds, r.FromPort, r.ToPort+1)
				}
			}
		}
	}
	return bounds
}

// intersect is the ports in both sets of ranges.
func intersect(a, b []PortRange) []PortRange {
	var out []PortRange
	for _, x := range a {
		for _, y := range b {
			if lo, hi := max(x.From, y.From), min(x.To, y.To); lo <= hi {
				out = append(out, PortRange{lo, hi})
			}
		}
	}
	return out
}

// CandidatePorts are the ports of lo..hi where some security group or ACL rule of the
// network begins or ends, and lo, in order: a verdict of the walk for a destination
// port changes only there.
func CandidatePorts(n *model.Network, lo, hi int) []int {
	out := []int{lo}
	add := func(p int) {
		if p > lo && p <= hi {
			out = append(out, p)
		}
	}
	for _, g := range n.SecurityGroups {
		for _, r := range g.Rules {
			add(r.FromPort)
			add(r.ToPort + 1)
		}
	}
	for _, a := range n.NetworkACLs {
		for _, e := range a.Entries {
			add(e.FromPort)
			add(e.ToPort + 1)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// passes reports whether a path's components pass resources matching each statement,
// in order.
func passes(hops []Hop, through []ResourceStatement) bool {
	i := 0
	for _, rs := range through {
		for i < len(hops) && !hopMatches(hops[i], rs) {
			i++
		}
		if i == len(hops) {
			return false
		}
		i++
	}
	return true
}

func hopMatches(h Hop, rs ResourceStatement) bool {
	if slices.Contains(rs.Resources, h.ID) {
		return true
	}
	for _, t := range rs.ResourceTypes {
		switch {
		case t == TypeNatGateway && h.Kind == "nat-gateway",
			t == TypePeering && h.Kind == "vpc-peering-connection",
			t == TypeInternetGateway && h.Kind == KindInternet:
			return true
		}
	}
	return false
}

// excluded reports whether an Exclude path matches a path found from a to b.
func (ix *Index) excluded(a, b scopeEndpoint, r *Result, excludes []ScopePath) bool {
	for _, ex := range excludes {
		if !a.matches(ex.Source.Resources) || !b.matches(ex.Destination.Resources) || !passes(r.Forward, ex.Through) {
			continue
		}
		ok := true
		for _, h := range headers(ex) {
			ok = ok && ix.headerMatches(h, r, b)
		}
		if ok {
			return true
		}
	}
	return false
}

// headerMatches reports whether a header statement admits the packet a path started
// with. The destination may be named by its private address or, from the internet, its
// public one; the client's ports must all be in the statement's source ports.
func (ix *Index) headerMatches(h *PacketHeaderStatement, r *Result, b scopeEndpoint) bool {
	p := r.Source
	if len(h.Protocols) > 0 && !slices.Contains(h.Protocols, p.Protocol) {
		return false
	}
	if !ix.inAddresses(h, p.Src, true) {
		return false
	}
	if !ix.inAddresses(h, p.Dst, false) && !(b.eni != nil && ix.inAddresses(h, privateOf(b.eni, p.Dst), false)) {
		return false
	}
	if !inRanges(h.DestinationPorts, p.DstPorts) || !inRanges(h.SourcePorts, p.SrcPorts) {
		return false
	}
	return true
}

// inRanges reports whether every port of r is in one of the ranges (true when there are
// none).
func inRanges(ranges []PortRange, r [2]int) bool {
	if len(ranges) == 0 {
		return true
	}
	for _, x := range ranges {
		if x.From <= r[0] && r[1] <= x.To {
			return true
		}
	}
	return false
}
