package linux

import (
	"net/netip"
	"strconv"
	"testing"

	"vpcd/internal/analyze"
	"vpcd/internal/model"
	"vpcd/internal/plan"
)

// dualStackVPC adds a VPC with an IPv4 block and an IPv6 /56 to n: one dual-stack subnet
// whose route table sends ::/0 to gateway (an internet gateway or an egress-only one that
// the caller adds), and one instance per address given, in group sg, which admits TCP 80
// from anywhere over IPv6 and TCP 22 from its own members.
func dualStackVPC(n *model.Network, k int, gateway string, v6 ...string) {
	pfx, a := netip.MustParsePrefix, netip.MustParseAddr
	vpc, rtb, subnet, sg := "vpc-0000000000000000"+string(rune('0'+k)), "rtb-0000000000000000"+string(rune('0'+k)),
		"subnet-0000000000000000"+string(rune('0'+k)), "sg-0000000000000000"+string(rune('0'+k))
	v4Block, v6Block := pfx("10."+string(rune('0'+k))+".0.0/16"), pfx("2600:1f18:0:"+string(rune('0'+k))+"00::/56")
	n.VPCs[vpc] = &model.VPC{ID: vpc, CIDRs: []netip.Prefix{v4Block, v6Block}, MainRouteTable: rtb}
	n.RouteTables[rtb] = &model.RouteTable{ID: rtb, VPC: vpc, Routes: []model.Route{
		{Destination: v4Block, Target: "local"}, {Destination: v6Block, Target: "local"}, {Destination: pfx("::/0"), Target: gateway}}}
	n.Subnets[subnet] = &model.Subnet{ID: subnet, VPC: vpc, CIDR: pfx("10." + string(rune('0'+k)) + ".1.0/24"), IPv6CIDR: pfx("2600:1f18:0:" + string(rune('0'+k)) + "01::/64")}
	n.SecurityGroups[sg] = &model.SecurityGroup{ID: sg, VPC: vpc, Rules: []model.SecurityGroupRule{
		{Protocol: 6, FromPort: 80, ToPort: 80, CIDR: pfx("::/0")},
		{Protocol: 6, FromPort: 22, ToPort: 22, Group: sg},
		{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
		{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("::/0")},
	}}
	for i, addr := range v6 {
		id := string(rune('0'+k)) + string(rune('a'+i))
		inst, eni := "i-000000000000000"+id, "eni-00000000000000"+id
		n.Instances[inst] = &model.Instance{ID: inst, VPC: vpc, Running: true, Interfaces: []string{eni}}
		n.Interfaces[eni] = &model.Interface{ID: eni, VPC: vpc, Subnet: subnet, Instance: inst, SourceDestCheck: true, Groups: []string{sg},
			PrivateIPs: []netip.Addr{a("10." + string(rune('0'+k)) + ".1.1" + string(rune('0'+i)))}, IPv6Addresses: []netip.Addr{a(addr)}}
	}
}

// prefixed is s with every namespace renamed into the testbed's.
func (tb *testbed) prefixed(s plan.State) (plan.State, func(string) string) {
	name := func(ns string) string { return tb.ns(ns) }
	var out plan.State
	for _, ns := range s.Namespaces {
		ns.Name = name(ns.Name)
		links := append([]plan.Link(nil), ns.Links...)
		for i := range links {
			links[i].Peer.Namespace = name(links[i].Peer.Namespace)
		}
		ns.Links = links
		out.Namespaces = append(out.Namespaces, ns)
	}
	return out, name
}

// TestIPv6Traffic lays out three dual-stack VPCs as the planner does and sends IPv6
// through them: between two instances as their group says, to and from the simulated
// internet through an internet gateway (no translation), out through an egress-only
// internet gateway that lets nothing in, and over a peering.
func TestIPv6Traffic(t *testing.T) {
	tb := newTestbed(t)
	n := model.NewNetwork()
	dualStackVPC(n, 1, "igw-00000000000000001", "2600:1f18:0:101::a", "2600:1f18:0:101::b")
	n.InternetGateways["igw-00000000000000001"] = &model.InternetGateway{ID: "igw-00000000000000001", VPC: "vpc-00000000000000001"}
	// An IPv6-only subnet of VPC 1, with an instance that has an IPv6 address alone.
	n.Subnets["subnet-0000000000000001f"] = &model.Subnet{ID: "subnet-0000000000000001f", VPC: "vpc-00000000000000001", IPv6CIDR: netip.MustParsePrefix("2600:1f18:0:102::/64")}
	n.Instances["i-0000000000000001f"] = &model.Instance{ID: "i-0000000000000001f", VPC: "vpc-00000000000000001", Running: true, Interfaces: []string{"eni-0000000000000001f"}}
	n.Interfaces["eni-0000000000000001f"] = &model.Interface{ID: "eni-0000000000000001f", VPC: "vpc-00000000000000001", Subnet: "subnet-0000000000000001f",
		Instance: "i-0000000000000001f", SourceDestCheck: true, Groups: []string{"sg-00000000000000001"}, IPv6Addresses: []netip.Addr{netip.MustParseAddr("2600:1f18:0:102::f")}}
	dualStackVPC(n, 2, "eigw-00000000000000002", "2600:1f18:0:201::a")
	n.EgressOnlyInternetGateways["eigw-00000000000000002"] = &model.EgressOnlyInternetGateway{ID: "eigw-00000000000000002", VPC: "vpc-00000000000000002"}
	// VPC 3 is peered with VPC 1 and sends all its IPv6 over the peering, which carries
	// it to VPC 1's interfaces and nowhere else.
	dualStackVPC(n, 3, "pcx-00000000000000013", "2600:1f18:0:301::a")
	n.Peerings["pcx-00000000000000013"] = &model.Peering{ID: "pcx-00000000000000013", Requester: "vpc-00000000000000001", Accepter: "vpc-00000000000000003"}
	n.RouteTables["rtb-00000000000000001"].Routes = append(n.RouteTables["rtb-00000000000000001"].Routes,
		model.Route{Destination: netip.MustParsePrefix("2600:1f18:0:300::/56"), Target: "pcx-00000000000000013"})

	st, name := tb.prefixed(plan.Compute(n, "internet"))
	tb.converge(st, "dual-stack apply")
	a, b, c, d, internet := name("i-0000000000000001a"), name("i-0000000000000001b"), name("i-0000000000000002a"), name("i-0000000000000003a"), name("internet")
	tb.serve(b, "tcp-serve", "::", "80")
	tb.serve(b, "tcp-serve", "::", "22")
	tb.serve(b, "tcp-serve", "::", "8080")
	tb.serve(a, "tcp-serve", "::", "80")
	tb.serve(c, "tcp-serve", "::", "80")
	tb.serve(d, "tcp-serve", "::", "80")
	tb.serve(name("i-0000000000000001f"), "tcp-serve", "::", "80")
	tb.serve(internet, "tcp-serve", "::", "80")

	// Each packet is also a question to the analyzer, which must agree with the kernel
	// (DESIGN.md, rule 1): the source is an instance or, for the internet, the gateway
	// the destination's VPC is reached through.
	const ia, ic, id, igw, eigw = "i-0000000000000001a", "i-0000000000000002a", "i-0000000000000003a", "igw-00000000000000001", "eigw-00000000000000002"
	for _, tc := range []struct {
		name, from, src, dst, port string // from: the namespace; src: the analyzer's source
		want                       string // the address the server saw, "" for dropped
	}{
		{"IPv6 between instances on a port the group admits", a, ia, "2600:1f18:0:101::b", "80", "2600:1f18:0:101::a"},
		{"IPv6 from a member of the group the rule names", a, ia, "2600:1f18:0:101::b", "22", "2600:1f18:0:101::a"},
		{"IPv6 on a port no rule admits", a, ia, "2600:1f18:0:101::b", "8080", ""},
		{"IPv4 from a member of the group", a, ia, "10.1.1.11", "22", "::ffff:10.1.1.10"},
		{"IPv4 on a port only IPv6 is admitted on", a, ia, "10.1.1.11", "80", ""},
		{"out through the internet gateway, untranslated", a, ia, "2001:db8::1", "80", "2600:1f18:0:101::a"},
		{"in from the internet through the internet gateway", internet, igw, "2600:1f18:0:101::a", "80", "2001:db8::1"},
		{"out through the egress-only gateway", c, ic, "2001:db8::1", "80", "2600:1f18:0:201::a"},
		{"no flow opens in through the egress-only gateway", internet, eigw, "2600:1f18:0:201::a", "80", ""},
		{"IPv6 to an instance of an IPv6-only subnet", a, ia, "2600:1f18:0:102::f", "80", "2600:1f18:0:101::a"},
		{"the internet to an instance of an IPv6-only subnet", internet, igw, "2600:1f18:0:102::f", "80", "2001:db8::1"},
		{"IPv6 over a peering", a, ia, "2600:1f18:0:301::a", "80", "2600:1f18:0:101::a"},
		{"IPv6 over a peering, the other way", d, id, "2600:1f18:0:101::b", "80", "2600:1f18:0:301::a"},
		{"a peering is no way to the internet", d, id, "2001:db8::1", "80", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			timeout := "3"
			if tc.want == "" {
				timeout = "1"
			}
			out, ok := tb.probe(tc.from, "tcp-connect", tc.dst, tc.port, timeout)
			switch {
			case tc.want == "" && ok:
				t.Errorf("got through (%q), want dropped", out)
			case tc.want != "" && (!ok || out != tc.want):
				t.Errorf("got %q %v, want seen from %s", out, ok, tc.want)
			}
			port, _ := strconv.Atoi(tc.port)
			r, err := analyze.Analyze(n, analyze.Query{Source: tc.src, DestinationIP: netip.MustParseAddr(tc.dst), Protocol: 6, DestinationPort: port})
			if err != nil {
				t.Fatalf("analyzer: %v", err)
			}
			if r.Reachable != (tc.want != "") {
				t.Errorf("the analyzer says reachable %v, the kernel %v: %+v", r.Reachable, tc.want != "", r.Explanations)
			}
		})
	}

	// An IPv6 ACL rule: the subnet's ACL denies the internet's documentation block, and
	// traffic inside the subnet does not meet it.
	pfx := netip.MustParsePrefix
	n.NetworkACLs["acl-00000000000000001"] = &model.NetworkACL{ID: "acl-00000000000000001", VPC: "vpc-00000000000000001",
		Subnets: []string{"subnet-00000000000000001"}, Entries: []model.ACLEntry{
			{Number: 90, Protocol: 6, FromPort: 80, ToPort: 80, CIDR: pfx("2001:db8::/32")},
			{Number: 100, Allow: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("::/0")},
			{Number: 100, Egress: true, Allow: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("::/0")},
		}}
	st, _ = tb.prefixed(plan.Compute(n, "internet"))
	tb.converge(st, "an IPv6 ACL")
	if out, ok := tb.probe(internet, "tcp-connect", "2600:1f18:0:101::a", "80", "1"); ok {
		t.Errorf("the ACL's IPv6 deny let the internet in: %q", out)
	}
	if out, ok := tb.probe(a, "tcp-connect", "2600:1f18:0:101::b", "80", "3"); !ok {
		t.Errorf("inside the subnet, past no ACL: %q", out)
	}
}
