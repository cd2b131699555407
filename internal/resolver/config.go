// Package resolver is the Amazon-provided DNS server of a VPC (the Route 53 Resolver at
// 169.254.169.253 and at the VPC's base address + 2), and the simulated internet's own
// resolver. ForVPC and ForInternet compute, from the model, the records each answers: the
// names AWS gives instances (private IP names, resource names, public names with their
// split horizon) and their PTR records; Config.Zones adds the private hosted zones
// associated with the VPC. Server answers queries from a Config (UDP and TCP, EDNS0,
// truncation), and sends nothing off the machine: a name outside what it knows gets
// NXDOMAIN, or the answer of Config.Upstream when one is set. ForEndpoint is the DNS
// server of a Route 53 Resolver endpoint's interface: inbound, it passes queries to its
// VPC's; outbound, it forwards the Resolver rules through the endpoint.
//
// In the picture (DESIGN.md) it is one of the daemons of a VPC's router namespace (and of
// each Resolver endpoint interface's namespace): the data plane computes the Config,
// internal/vpcsvc serves it.
package resolver

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"vpcd/internal/model"
)

// Config is what one resolver answers, as JSON in the data plane's file of the VPC.
type Config struct {
	// Domain is the VPC's own domain, where its instances' private names live:
	// ec2.internal in us-east-1, REGION.compute.internal elsewhere. It is the search
	// domain of AWS's default DHCP options; "" for the internet.
	Domain string `json:",omitempty"`
	// Records are the names the resolver knows of itself: AWS's instance names.
	Records []Record `json:",omitempty"`
	// Zones are the private hosted zones associated with the VPC: inside the VPC, a zone
	// answers every name at or under its own, before Records; the most specific zone wins.
	Zones []Zone `json:",omitempty"`
	// Upstream are DNS servers (host:port, or unix:PATH for a stream socket) asked for a
	// name that neither Zones nor Records hold; none: such a name does not exist
	// (NXDOMAIN).
	Upstream []string `json:",omitempty"`
	// Rules are the Route 53 Resolver rules associated with the VPC. The rule of the
	// longest domain a name is at or under decides it, before Zones and Records, as a
	// forwarding rule takes precedence over a private hosted zone of its domain: a
	// FORWARD rule's targets answer it, a SYSTEM rule leaves it to the resolver.
	Rules []Rule `json:",omitempty"`
	// DNS64 are the blocks of the subnets with EnableDns64: a query from an address in
	// one of them for the AAAA records of a name that has A records and none of AAAA gets
	// AAAA records synthesized from the A ones, in the well-known prefix 64:ff9b::/96
	// (RFC 6052, RFC 6147; nat64.Synthesize), whoever answers the name (the resolver's records, a private
	// zone, a rule's targets or the upstream).
	DNS64 []netip.Prefix `json:",omitempty"`
}

// Rule is a Resolver rule of the VPC.
type Rule struct {
	Domain  string   // lower case, without the trailing dot; "" for every name
	Targets []string // host:port, or unix:PATH; none for a SYSTEM rule
	// Via are the interfaces of the outbound endpoint the rule forwards through, in ID
	// order: the data plane puts in Targets the unix sockets of their daemons (each
	// serving ForEndpoint in its namespace) and clears Via, so that a query leaves from
	// an address of the endpoint, through its groups and its subnet's ACL. The server
	// reads Targets alone.
	Via []string `json:",omitempty"`
}

// Zone is a private hosted zone: its name and its record sets.
type Zone struct {
	Name    string
	Records []Record
}

// Record is one record set as Route 53 writes it: an owner name, a type (A, AAAA, CNAME,
// TXT, MX, SRV, PTR, NS, SOA, ...), a TTL in seconds and the values in zone-file form
// ("10 mail.example.com", "\"v=spf1 -all\""). A name may use Route 53's \052 for "*".
type Record struct {
	Name   string
	Type   string
	TTL    int
	Values []string
}

// TTL of the names AWS gives instances.
const nameTTL = 60

// ForVPC is the configuration of the VPC's Amazon-provided DNS server, nil when the VPC
// is unknown or its enableDnsSupport is off (the server does not answer then):
//   - each private IPv4 address of each of its interfaces has its IP name
//     (ip-10-0-1-5.ec2.internal) with an A record and a PTR record back to it;
//   - each instance has its resource name (i-0123456789abcdef0.ec2.internal) with an A
//     record of its primary private address and an AAAA record of its primary IPv6
//     address, each as its hostname options say, and a PTR record for the IPv6 one;
//   - with enableDnsHostnames, each public IPv4 address of its interfaces has its public
//     name (ec2-198-51-100-5.compute-1.amazonaws.com), that resolves to the private
//     address behind it (split horizon);
//   - so do the public names of a peered VPC whose side of the peering allows DNS
//     resolution from the remote VPC (AllowDnsResolutionFromRemoteVpc);
//   - its interface endpoints' names resolve to their interfaces' addresses, and with
//     private DNS, their services' names (interfaceendpoints.go).
//
// The public names of other VPCs are the internet's (ForInternet): an Upstream that is
// the internet's resolver answers them with their public addresses.
func ForVPC(n *model.Network, vpc string) *Config {
	v := n.VPCs[vpc]
	if v == nil || !v.EnableDnsSupport {
		return nil
	}
	shared := []*model.VPC{v} // the VPCs whose public names are private here
	for _, id := range model.SortedKeys(n.Peerings) {
		p := n.Peerings[id]
		if peer := n.VPCs[p.Other(vpc)]; peer != nil && p.PrivateDNSFrom(peer.ID) {
			shared = append(shared, peer)
		}
	}
	enis := interfacesOf(n, shared)
	var b records
	for _, eni := range enis[vpc] {
		for _, a := range eni.PrivateIPs {
			name := ipName(v.Region, a)
			b.add(name, "A", a.String())
			b.add(reverse(a), "PTR", name)
		}
	}
	var instances []*model.Instance
	for _, inst := range n.Instances {
		if inst.VPC == vpc {
			instances = append(instances, inst)
		}
	}
	slices.SortFunc(instances, func(x, y *model.Instance) int { return strings.Compare(x.ID, y.ID) })
	for _, inst := range instances {
		b.resourceName(n, v.Region, inst)
	}
	for _, sv := range shared {
		b.publicNames(sv, enis[sv.ID], false)
	}
	endpointZones := interfaceEndpoints(n, vpc, enis[vpc], &b)
	return &Config{Domain: internalDomain(v.Region), Records: b.list, Zones: append(zonesOf(n, vpc), endpointZones...), Rules: rulesOf(n, vpc), DNS64: dns64Of(n, vpc)}
}

// dns64Of are the IPv4 and IPv6 blocks of the VPC's subnets with EnableDns64, in subnet
// ID order: AWS applies it to every resource of the subnet, over either family.
func dns64Of(n *model.Network, vpc string) []netip.Prefix {
	var out []netip.Prefix
	for _, id := range model.SortedKeys(n.Subnets) {
		sn := n.Subnets[id]
		if sn.VPC != vpc || !sn.EnableDns64 {
			continue
		}
		for _, p := range []netip.Prefix{sn.CIDR, sn.IPv6CIDR} {
			if p.IsValid() {
				out = append(out, p)
			}
		}
	}
	return out
}

// rulesOf are the Resolver rules associated with the VPC, in ID order.
func rulesOf(n *model.Network, vpc string) []Rule {
	var out []Rule
	var via map[string][]string // endpoint → its interfaces, read once for all rules
	for _, id := range model.SortedKeys(n.ResolverRules) {
		r := n.ResolverRules[id]
		if !slices.Contains(r.VPCs, vpc) {
			continue
		}
		rule := Rule{Domain: r.Domain, Targets: targetsOf(r)}
		if !r.System() {
			if via == nil {
				via = endpointInterfaces(n)
			}
			rule.Via = via[r.Endpoint]
		}
		out = append(out, rule)
	}
	return out
}

// targetsOf are a rule's targets as upstreams (host:port).
func targetsOf(r *model.ResolverRule) []string {
	var out []string
	for _, t := range r.Targets {
		out = append(out, t.String())
	}
	return out
}

// endpointInterfaces are the IDs of each Resolver endpoint's interfaces, in ID order.
func endpointInterfaces(n *model.Network) map[string][]string {
	out := map[string][]string{}
	for id, eni := range n.Interfaces {
		if eni.ResolverEndpoint != "" {
			out[eni.ResolverEndpoint] = append(out[eni.ResolverEndpoint], id)
		}
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out
}

// ForEndpoint is the configuration of the DNS daemon of a Resolver endpoint's interface,
// in the interface's own namespace; nil when it is no endpoint's, or its VPC is unknown.
//   - An inbound endpoint's answers, at the interface's addresses, what the Amazon DNS
//     server of its VPC answers: it asks it (Upstream, the VPC's base + 2), from the
//     interface's address, so that a network that reaches the endpoint resolves the VPC's
//     private zones and instance names.
//   - An outbound endpoint's forwards the queries of the rules through it to their
//     targets, from the interface's address: the VPC resolvers of the rules' VPCs ask it
//     at its unix socket (Rule.Via). Of two rules of one domain through the endpoint (for
//     other VPCs), the first in ID order forwards.
func ForEndpoint(n *model.Network, eni string) *Config {
	e := n.Interfaces[eni]
	if e == nil || e.ResolverEndpoint == "" || n.VPCs[e.VPC] == nil {
		return nil
	}
	if e.ResolverInbound() {
		return &Config{Upstream: []string{netip.AddrPortFrom(n.VPCs[e.VPC].DNSServer(), 53).String()}}
	}
	c := &Config{}
	seen := map[string]bool{}
	for _, id := range model.SortedKeys(n.ResolverRules) {
		r := n.ResolverRules[id]
		if r.Endpoint != e.ResolverEndpoint || r.System() || seen[r.Domain] {
			continue
		}
		seen[r.Domain] = true
		c.Rules = append(c.Rules, Rule{Domain: r.Domain, Targets: targetsOf(r)})
	}
	return c
}

// zonesOf are the private hosted zones associated with the VPC, by name. An alias record
// answers with the record sets of its target's name and its own type, as Route 53 does,
// when the target is in the zone; an alias to a name the zone does not hold answers
// nothing (vpcd has no other resources to alias yet).
func zonesOf(n *model.Network, vpc string) []Zone {
	var out []Zone
	for _, id := range model.SortedKeys(n.HostedZones) {
		z := n.HostedZones[id]
		if !z.HasVPC(vpc) {
			continue
		}
		zone := Zone{Name: z.Name}
		for _, r := range z.Records {
			if r.Alias == "" {
				zone.Records = append(zone.Records, Record{Name: r.Name, Type: r.Type, TTL: r.TTL, Values: r.Values})
				continue
			}
			target := strings.ToLower(dnsName(r.Alias))
			for _, t := range z.Records {
				if t.Alias == "" && t.Name == target && t.Type == r.Type {
					zone.Records = append(zone.Records, Record{Name: r.Name, Type: r.Type, TTL: t.TTL, Values: t.Values})
				}
			}
		}
		out = append(out, zone)
	}
	slices.SortStableFunc(out, func(a, b Zone) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// dnsName is name with its trailing dot.
func dnsName(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

// ForInternet is the configuration of the simulated internet's resolver: the public name
// of each public IPv4 address of each VPC with enableDnsSupport and enableDnsHostnames
// resolves to that public address, and the address back to the name (PTR); the
// interface endpoints' regional and zonal names resolve to their interfaces' private
// addresses, as AWS's public DNS answers them.
func ForInternet(n *model.Network) *Config {
	var vpcs []*model.VPC
	for _, id := range model.SortedKeys(n.VPCs) {
		vpcs = append(vpcs, n.VPCs[id])
	}
	enis := interfacesOf(n, vpcs)
	var b records
	for _, v := range vpcs {
		b.publicNames(v, enis[v.ID], true)
	}
	for _, id := range model.SortedKeys(n.InterfaceEndpoints) {
		e := n.InterfaceEndpoints[id]
		endpointNames(e, enis[e.VPC], &b)
	}
	return &Config{Records: b.list}
}

// interfacesOf are the interfaces of the VPCs, by VPC, each VPC's in ID order: one pass
// over the network's interfaces, whose size the data plane pays for each VPC.
func interfacesOf(n *model.Network, vpcs []*model.VPC) map[string][]*model.Interface {
	out := map[string][]*model.Interface{}
	for _, v := range vpcs {
		out[v.ID] = nil
	}
	for _, eni := range n.Interfaces {
		if list, ok := out[eni.VPC]; ok {
			out[eni.VPC] = append(list, eni)
		}
	}
	for _, list := range out {
		slices.SortFunc(list, func(x, y *model.Interface) int { return strings.Compare(x.ID, y.ID) })
	}
	return out
}

// records collects the records of a Config, one record set per name and type.
type records struct {
	list  []Record
	index map[[2]string]int
}

func (b *records) add(name, typ, value string) {
	if b.index == nil {
		b.index = map[[2]string]int{}
	}
	k := [2]string{name, typ}
	if i, ok := b.index[k]; ok {
		if !slices.Contains(b.list[i].Values, value) {
			b.list[i].Values = append(b.list[i].Values, value)
		}
		return
	}
	b.index[k] = len(b.list)
	b.list = append(b.list, Record{Name: name, Type: typ, TTL: nameTTL, Values: []string{value}})
}

// resourceName adds the instance's resource name, as its options say, when its primary
// interface is there.
func (b *records) resourceName(n *model.Network, region string, inst *model.Instance) {
	if len(inst.Interfaces) == 0 || n.Interfaces[inst.Interfaces[0]] == nil {
		return
	}
	eni := n.Interfaces[inst.Interfaces[0]]
	name := inst.ID + "." + internalDomain(region)
	opts := inst.PrivateDNSNameOptions
	if a := eni.FirstAddr(false); opts.ResourceNameDNSA && a.IsValid() {
		b.add(name, "A", a.String())
	}
	if a := eni.FirstAddr(true); opts.ResourceNameDNSAAAA && a.IsValid() {
		b.add(name, "AAAA", a.String())
		b.add(reverse(a), "PTR", name)
	}
}

// publicNames adds the public names of the VPC's public IPv4 addresses, when the VPC
// gives them: resolving to the public address for the internet, to the private one
// inside.
func (b *records) publicNames(v *model.VPC, enis []*model.Interface, internet bool) {
	if !v.EnableDnsSupport || !v.EnableDnsHostnames {
		return
	}
	for _, eni := range enis {
		for _, m := range eni.PublicMappings() {
			name := publicName(v.Region, m.Public)
			if internet {
				b.add(name, "A", m.Public.String())
				b.add(reverse(m.Public), "PTR", name)
			} else {
				b.add(name, "A", m.Private.String())
			}
		}
	}
}

// internalDomain is the domain of a region's private names.
func internalDomain(region string) string {
	if region == "us-east-1" {
		return "ec2.internal"
	}
	return region + ".compute.internal"
}

// ipName is the private name of an IPv4 address: ip-10-0-1-5.ec2.internal.
func ipName(region string, a netip.Addr) string {
	return "ip-" + dashed(a) + "." + internalDomain(region)
}

// publicName is the public name of a public IPv4 address:
// ec2-198-51-100-5.compute-1.amazonaws.com in us-east-1,
// ec2-198-51-100-5.REGION.compute.amazonaws.com elsewhere.
func publicName(region string, a netip.Addr) string {
	domain := region + ".compute.amazonaws.com"
	if region == "us-east-1" {
		domain = "compute-1.amazonaws.com"
	}
	return "ec2-" + dashed(a) + "." + domain
}

func dashed(a netip.Addr) string { return strings.ReplaceAll(a.String(), ".", "-") }

// reverse is the PTR owner of an address: 5.1.0.10.in-addr.arpa, or under ip6.arpa.
func reverse(a netip.Addr) string {
	name, _ := dns.ReverseAddr(a.String())
	return strings.TrimSuffix(name, ".")
}
