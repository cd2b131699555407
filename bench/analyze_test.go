package bench

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"

	"vpcd/internal/analyze"
	"vpcd/internal/model"
)

// The analyzer's benchmarks (issue 5): time per path analysis on realistic networks of
// 100, 1,000 and 10,000 interfaces, the cost of building the index (which a
// Reachability Analyzer API call pays once per analysis), the memory of the network and
// of the index per interface, and a Network Access Scope-like sweep over 1,000
// interfaces. Run with:
//
//	go test -run '^$' -bench 'Analyze|Scope|Internet' -benchmem ./bench/
//
// TestAnalyzerNetwork checks that every question of the mix has the verdict it is
// named for, so that the figures are for the paths they claim.

// analyzerSizes are the network sizes, in instance interfaces.
var analyzerSizes = []int{100, 1_000, 10_000}

// anTier is what an instance does; it decides its subnet and its security group.
type anTier int

const (
	tierBastion anTier = iota
	tierWeb
	tierApp
	tierDB
	nTiers
)

// anVPC is one VPC of a generated network: subnets 0 and 1 are public (a default route
// to the internet gateway; bastions and web servers with public addresses), 2 and 3
// private (a default route to the NAT gateway in subnet 0; app servers and databases).
type anVPC struct {
	id, igw, nat string
	cidr         netip.Prefix
	subnets      [4]string
	groups       [nTiers]string
	common       string
	tiers        [nTiers][]string // running instances' interfaces, by tier
}

// anNetwork is a generated network and what the benchmarks ask about it.
type anNetwork struct {
	n          *model.Network
	vpcs       []*anVPC
	interfaces int // instance interfaces (NAT gateways' are extra)
	rules      struct{ sg, acl, routes, groups, acls, tables int }
}

// anGen allocates IDs and public addresses in order, so that a network is the same
// every time it is generated.
type anGen struct {
	seq    int
	public uint32
}

func (g *anGen) id(kind string) string {
	g.seq++
	return fmt.Sprintf("%s-%017x", kind, g.seq)
}

func (g *anGen) publicIP() netip.Addr {
	g.public++
	a := 0x03000000 + g.public // 3.0.0.0/8 and on: never a VPC's, never the internet host's
	return netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
}

var (
	anAny       = netip.MustParsePrefix("0.0.0.0/0")
	anTen       = netip.MustParsePrefix("10.0.0.0/8")
	anCorporate = netip.MustParsePrefix("172.16.0.0/12")
	anBad       = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24")}
)

// corporatePrefix is the k-th /24 of the corporate network, one CIDR of the prefix list.
func corporatePrefix(k int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{172, 16, byte(k), 0}), 24)
}

// partnerPrefix is the k-th /24 of partners that some web ports are open to.
func partnerPrefix(k int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{100, 64, byte(k), 0}), 24)
}

// anNetworkOf generates a network of about n instance interfaces: max(4, n/250) VPCs
// (10.v.0.0/16) of up to 250 instances, four subnets each with its own route table
// (local; 0.0.0.0/0 to the internet gateway or the NAT gateway; every peered VPC's CIDR
// to the peering; a managed prefix list of 8 corporate CIDRs) and its own network ACL
// (15 ingress and 13 egress rules), five security groups per VPC (bastion, web, app,
// db and one common to all, 10 to 30 rules each, group references and CIDRs mixed), one
// interface per instance (bastions and web servers with a public address), one instance
// in 50 stopped. VPC 0 is a hub peered with every other VPC; VPC v is also peered with
// v+1.
func anNetworkOf(size int) *anNetwork {
	g := &anGen{}
	n := model.NewNetwork()
	an := &anNetwork{n: n}
	nv := max(4, size/250)
	per := size / nv
	pl := g.id("pl")
	for k := range 8 {
		n.PrefixLists[pl] = append(n.PrefixLists[pl], corporatePrefix(k))
	}
	for v := range nv {
		vpc := &anVPC{id: g.id("vpc"), igw: g.id("igw"), cidr: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(v), 0, 0}), 16)}
		an.vpcs = append(an.vpcs, vpc)
		main := g.id("rtb")
		n.VPCs[vpc.id] = &model.VPC{ID: vpc.id, CIDRs: []netip.Prefix{vpc.cidr}, MainRouteTable: main, InternetGateway: vpc.igw}
		n.RouteTables[main] = &model.RouteTable{ID: main, VPC: vpc.id, Routes: []model.Route{{Destination: vpc.cidr, Target: "local"}}}
		n.InternetGateways[vpc.igw] = &model.InternetGateway{ID: vpc.igw, VPC: vpc.id}
		defACL := g.id("acl")
		n.NetworkACLs[defACL] = &model.NetworkACL{ID: defACL, VPC: vpc.id, Entries: []model.ACLEntry{
			{Number: 100, Allow: true, Protocol: -1, CIDR: anAny, FromPort: -1, ToPort: -1},
			{Number: 100, Egress: true, Allow: true, Protocol: -1, CIDR: anAny, FromPort: -1, ToPort: -1},
		}}
		for s := range 4 {
			sn := g.id("subnet")
			vpc.subnets[s] = sn
			cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(v), byte(s), 0}), 24)
			rt := g.id("rtb")
			n.Subnets[sn] = &model.Subnet{ID: sn, VPC: vpc.id, CIDR: cidr, RouteTable: rt}
			n.RouteTables[rt] = &model.RouteTable{ID: rt, VPC: vpc.id, Routes: []model.Route{{Destination: vpc.cidr, Target: "local"}}}
			acl := g.id("acl")
			n.NetworkACLs[acl] = &model.NetworkACL{ID: acl, VPC: vpc.id, Entries: anACLRules(vpc.cidr, s < 2), Subnets: []string{sn}}
		}
		// The NAT gateway, in the first public subnet.
		vpc.nat = g.id("nat")
		natENI := g.id("eni")
		n.Interfaces[natENI] = &model.Interface{ID: natENI, Subnet: vpc.subnets[0], VPC: vpc.id, NatGateway: vpc.nat,
			PrivateIPs: []netip.Addr{netip.AddrFrom4([4]byte{10, byte(v), 0, 5})}, PublicIP: g.publicIP()}
		n.NatGateways[vpc.nat] = &model.NatGateway{ID: vpc.nat, VPC: vpc.id, Subnet: vpc.subnets[0], Interface: natENI, Public: true}
		for s, sn := range vpc.subnets {
			rt := n.RouteTables[n.Subnets[sn].RouteTable]
			out := vpc.igw
			if s >= 2 {
				out = vpc.nat
			}
			rt.Routes = append(rt.Routes,
				model.Route{Destination: anAny, Target: out},
				model.Route{DestinationPrefixList: pl, Target: out})
		}
		// Security groups.
		for t := range nTiers {
			vpc.groups[t] = g.id("sg")
		}
		vpc.common = g.id("sg")
	}
	// Peerings: VPC 0 with every other, and each VPC with the next.
	peered := map[[2]int]bool{}
	peers := make([][]int, nv)
	for a := range nv {
		for b := a + 1; b < nv; b++ {
			if a != 0 && b != a+1 {
				continue
			}
			peered[[2]int{a, b}] = true
			peers[a], peers[b] = append(peers[a], b), append(peers[b], a)
			pcx := g.id("pcx")
			n.Peerings[pcx] = &model.Peering{ID: pcx, Requester: an.vpcs[a].id, Accepter: an.vpcs[b].id}
			for _, side := range [][2]int{{a, b}, {b, a}} {
				for _, sn := range an.vpcs[side[0]].subnets {
					rt := n.RouteTables[n.Subnets[sn].RouteTable]
					rt.Routes = append(rt.Routes, model.Route{Destination: an.vpcs[side[1]].cidr, Target: pcx})
				}
			}
		}
	}
	for v, vpc := range an.vpcs {
		var peerCIDRs []netip.Prefix
		for _, p := range peers[v] {
			peerCIDRs = append(peerCIDRs, an.vpcs[p].cidr)
		}
		for t, rules := range anGroupRules(vpc, peerCIDRs) {
			n.SecurityGroups[vpc.groups[t]] = &model.SecurityGroup{ID: vpc.groups[t], VPC: vpc.id, Rules: rules}
		}
		n.SecurityGroups[vpc.common] = &model.SecurityGroup{ID: vpc.common, VPC: vpc.id, Rules: anCommonRules(vpc)}
	}
	// Instances: 3 bastions in subnet 0, web servers in subnets 0 and 1, app servers in
	// subnet 2, databases in subnet 3; one in 50 stopped.
	for v, vpc := range an.vpcs {
		m := per
		if v == nv-1 {
			m = size - per*(nv-1)
		}
		host := [4]int{10, 10, 10, 10}
		for i := range m {
			var tier anTier
			var s int
			switch {
			case i < 3:
				tier, s = tierBastion, 0
			case i < 3+(m-3)/2:
				tier, s = tierWeb, i%2
			case i < 3+(m-3)*3/4:
				tier, s = tierApp, 2
			default:
				tier, s = tierDB, 3
			}
			inst, eni := g.id("i"), g.id("eni")
			e := &model.Interface{ID: eni, Subnet: vpc.subnets[s], VPC: vpc.id, Instance: inst, SourceDestCheck: true,
				PrivateIPs: []netip.Addr{netip.AddrFrom4([4]byte{10, byte(v), byte(s), byte(host[s])})},
				Groups:     []string{vpc.groups[tier], vpc.common}}
			host[s]++
			if tier <= tierWeb {
				e.PublicIP = g.publicIP()
			}
			running := i%50 != 49
			n.Interfaces[eni] = e
			n.Instances[inst] = &model.Instance{ID: inst, VPC: vpc.id, Subnet: vpc.subnets[s], Running: running, Interfaces: []string{eni}}
			an.interfaces++
			if running {
				vpc.tiers[tier] = append(vpc.tiers[tier], eni)
			}
		}
	}
	for _, sg := range n.SecurityGroups {
		an.rules.sg += len(sg.Rules)
	}
	for _, acl := range n.NetworkACLs {
		an.rules.acl += len(acl.Entries)
	}
	for _, rt := range n.RouteTables {
		an.rules.routes += len(rt.Routes)
	}
	an.rules.groups, an.rules.acls, an.rules.tables = len(n.SecurityGroups), len(n.NetworkACLs), len(n.RouteTables)
	return an
}

func anACL(num int, egress, allow bool, proto int, cidr netip.Prefix, from, to int) model.ACLEntry {
	return model.ACLEntry{Number: num, Egress: egress, Allow: allow, Protocol: proto, CIDR: cidr, FromPort: from, ToPort: to}
}

// anACLRules are a subnet's ACL: 15 ingress and 13 egress rules, denies first, as
// a team that writes ACLs by hand would. Public subnets take web traffic from anywhere,
// private ones only from 10.0.0.0/8.
func anACLRules(vpc netip.Prefix, public bool) []model.ACLEntry {
	web := anTen
	if public {
		web = anAny
	}
	return []model.ACLEntry{
		anACL(50, false, false, -1, anBad[0], -1, -1),
		anACL(60, false, false, -1, anBad[1], -1, -1),
		anACL(90, false, false, 6, anAny, 3389, 3389),
		anACL(95, false, false, 6, anAny, 23, 23),
		anACL(100, false, true, 6, web, 443, 443),
		anACL(110, false, true, 6, web, 80, 80),
		anACL(120, false, true, 6, anCorporate, 22, 22),
		anACL(125, false, true, 6, vpc, 22, 22),
		anACL(130, false, true, 6, anTen, 5432, 5432),
		anACL(140, false, true, 6, anTen, 8080, 8080),
		anACL(150, false, true, 6, anAny, 1024, 65535),
		anACL(160, false, true, 17, anAny, 1024, 65535),
		anACL(170, false, true, 1, anAny, -1, -1),
		anACL(180, false, true, 17, vpc, 53, 53),
		anACL(190, false, true, 17, anAny, 123, 123),

		anACL(50, true, false, -1, anBad[0], -1, -1),
		anACL(60, true, false, 6, anAny, 25, 25),
		anACL(100, true, true, 6, anAny, 443, 443),
		anACL(110, true, true, 6, anAny, 80, 80),
		anACL(120, true, true, 6, anTen, 22, 22),
		anACL(130, true, true, 6, anTen, 5432, 5432),
		anACL(140, true, true, 6, anTen, 8080, 8080),
		anACL(150, true, true, 6, anAny, 1024, 65535),
		anACL(160, true, true, 17, anAny, 1024, 65535),
		anACL(170, true, true, 17, anAny, 53, 53),
		anACL(180, true, true, 17, anAny, 123, 123),
		anACL(190, true, true, 1, anAny, -1, -1),
		anACL(200, true, true, 6, anTen, 3306, 3306),
	}
}

func sgIn(proto, from, to int, cidr netip.Prefix, group string) model.SecurityGroupRule {
	return model.SecurityGroupRule{Protocol: proto, FromPort: from, ToPort: to, CIDR: cidr, Group: group}
}

func sgOut(proto, from, to int, cidr netip.Prefix, group string) model.SecurityGroupRule {
	r := sgIn(proto, from, to, cidr, group)
	r.Egress = true
	return r
}

// anGroupRules are the rules of a VPC's four tier groups, by tier: bastion 14, web 27,
// app 18, db 14 (plus one 5432 rule per peered VPC), group references before CIDRs where
// a team would write them so.
func anGroupRules(vpc *anVPC, peerCIDRs []netip.Prefix) [nTiers][]model.SecurityGroupRule {
	var out [nTiers][]model.SecurityGroupRule
	gb, gw, ga, gd := vpc.groups[tierBastion], vpc.groups[tierWeb], vpc.groups[tierApp], vpc.groups[tierDB]
	var p netip.Prefix
	// Bastion: SSH from the corporate /24s, ICMP from the VPC, out to anywhere.
	for k := range 8 {
		out[tierBastion] = append(out[tierBastion], sgIn(6, 22, 22, corporatePrefix(k), ""))
	}
	out[tierBastion] = append(out[tierBastion],
		sgIn(1, -1, -1, vpc.cidr, ""),
		sgOut(6, 22, 22, p, gw),
		sgOut(6, 22, 22, p, ga),
		sgOut(6, 22, 22, p, gd),
		sgOut(6, 443, 443, anAny, ""),
		sgOut(-1, -1, -1, anAny, ""))
	// Web: SSH from the bastions, health checks from the VPC, partner ports, HTTP(S) from
	// anywhere last.
	out[tierWeb] = append(out[tierWeb],
		sgIn(6, 22, 22, p, gb),
		sgIn(6, 8080, 8080, vpc.cidr, ""),
		sgIn(1, -1, -1, vpc.cidr, ""))
	for k := range 12 {
		out[tierWeb] = append(out[tierWeb], sgIn(6, 8443+k, 8443+k, partnerPrefix(k), ""))
	}
	out[tierWeb] = append(out[tierWeb],
		sgIn(6, 80, 80, anAny, ""),
		sgIn(6, 443, 443, anAny, ""),
		sgOut(6, 8080, 8080, p, ga),
		sgOut(6, 6379, 6379, vpc.cidr, ""),
		sgOut(17, 53, 53, anAny, ""),
		sgOut(17, 123, 123, anAny, ""),
		sgOut(6, 80, 80, anAny, ""),
		sgOut(6, 443, 443, anAny, ""),
		sgOut(6, 25, 25, anAny, ""),
		sgOut(6, 587, 587, anAny, ""),
		sgOut(6, 9200, 9200, vpc.cidr, ""),
		sgOut(1, -1, -1, vpc.cidr, ""),
	)
	// App: 8080 from the web servers and from peered VPCs, SSH from the bastions;
	// databases by group, then by CIDR across peerings.
	out[tierApp] = append(out[tierApp],
		sgIn(6, 8080, 8080, p, gw),
		sgIn(6, 22, 22, p, gb),
		sgIn(6, 9090, 9090, netip.MustParsePrefix("10.0.0.0/16"), ""),
		sgIn(1, -1, -1, vpc.cidr, ""))
	for _, c := range peerCIDRs {
		out[tierApp] = append(out[tierApp], sgIn(6, 8080, 8080, c, ""))
	}
	out[tierApp] = append(out[tierApp],
		sgOut(6, 5432, 5432, p, gd),
		sgOut(6, 6379, 6379, vpc.cidr, ""),
		sgOut(6, 5432, 5432, anTen, ""),
		sgOut(6, 8080, 8080, anTen, ""),
		sgOut(17, 53, 53, anAny, ""),
		sgOut(17, 123, 123, anAny, ""),
		sgOut(6, 80, 80, anAny, ""),
		sgOut(6, 443, 443, anAny, ""),
		sgOut(1, -1, -1, vpc.cidr, ""))
	// DB: PostgreSQL from the app servers, from peered VPCs' CIDRs, SSH from the bastions;
	// out only to the VPC and for updates.
	out[tierDB] = append(out[tierDB],
		sgIn(6, 5432, 5432, p, ga),
		sgIn(6, 22, 22, p, gb),
		sgIn(6, 9187, 9187, netip.MustParsePrefix("10.0.0.0/16"), ""),
		sgIn(1, -1, -1, vpc.cidr, ""))
	for _, c := range peerCIDRs {
		out[tierDB] = append(out[tierDB], sgIn(6, 5432, 5432, c, ""))
	}
	out[tierDB] = append(out[tierDB],
		sgIn(6, 5432, 5432, p, gd), // replication
		sgOut(6, 5432, 5432, p, gd),
		sgOut(17, 53, 53, anAny, ""),
		sgOut(17, 123, 123, anAny, ""),
		sgOut(6, 443, 443, anAny, ""),
		sgOut(6, 80, 80, anAny, ""),
		sgOut(1, -1, -1, vpc.cidr, ""))
	return out
}

// anCommonRules are the group every instance has: monitoring agents and ICMP.
func anCommonRules(vpc *anVPC) []model.SecurityGroupRule {
	return []model.SecurityGroupRule{
		sgIn(6, 9100, 9100, netip.MustParsePrefix("10.0.0.0/16"), ""),
		sgIn(1, -1, -1, anTen, ""),
		sgIn(17, 161, 161, vpc.cidr, ""),
		sgIn(6, 22, 22, netip.PrefixFrom(vpc.cidr.Addr(), 24), ""),
		sgIn(6, 3389, 3389, anTen, ""),
		sgIn(6, 23, 23, anTen, ""),
		sgOut(17, 53, 53, vpc.cidr, ""),
		sgOut(6, 3306, 3306, anTen, ""),
		sgOut(6, 9100, 9100, vpc.cidr, ""),
		sgOut(1, -1, -1, anTen, ""),
	}
}

// anQuestion is one question of the mix and the verdict it must get.
type anQuestion struct {
	name      string
	q         analyze.Query
	reachable bool
	code      string // the first explanation's code when not reachable
}

// mid is the middle interface of a tier of a VPC.
func (v *anVPC) mid(t anTier) string { return v.tiers[t][len(v.tiers[t])/2] }

// questions is the mix: VPC 1 asks, VPC 2 is its peer, VPC 3 is not peered with it.
func (an *anNetwork) questions() []anQuestion {
	v, peer, far := an.vpcs[1], an.vpcs[2], an.vpcs[3]
	tcp := func(src, dst string, port int) analyze.Query {
		return analyze.Query{Source: src, Destination: dst, Protocol: 6, DestinationPort: port}
	}
	webs := v.tiers[tierWeb]
	fromCorp := tcp(v.igw, v.mid(tierBastion), 22)
	fromCorp.SourceIP = netip.MustParseAddr("172.16.3.10")
	return []anQuestion{
		{name: "same-subnet", q: tcp(webs[0], webs[2], 443), reachable: true},
		{name: "across-subnets", q: tcp(v.mid(tierApp), v.mid(tierDB), 5432), reachable: true},
		{name: "public-to-private", q: tcp(v.mid(tierWeb), v.mid(tierApp), 8080), reachable: true},
		{name: "across-peering", q: tcp(v.mid(tierApp), peer.mid(tierDB), 5432), reachable: true},
		{name: "to-internet-igw", q: tcp(v.mid(tierWeb), v.igw, 443), reachable: true},
		{name: "to-internet-nat", q: tcp(v.mid(tierDB), v.igw, 443), reachable: true},
		{name: "from-internet", q: tcp(v.igw, v.mid(tierWeb), 443), reachable: true},
		{name: "from-corporate-prefix-list", q: fromCorp, reachable: true},
		{name: "blocked-no-public-address", q: tcp(v.igw, v.mid(tierDB), 5432), code: analyze.CodeNoPublicAddress},
		{name: "blocked-security-groups", q: tcp(v.mid(tierWeb), v.mid(tierDB), 5432), code: analyze.CodeSecurityGroup},
		{name: "blocked-acl", q: tcp(v.mid(tierWeb), v.igw, 25), code: analyze.CodeACL},
		{name: "blocked-not-peered", q: tcp(v.mid(tierApp), far.mid(tierDB), 5432), code: analyze.CodeNoRoute},
	}
}

// TestAnalyzerNetwork checks the generated networks and the verdict of every question of
// the mix at every size.
func TestAnalyzerNetwork(t *testing.T) {
	for _, size := range analyzerSizes {
		an := anNetworkOf(size)
		if an.interfaces != size || len(an.n.Interfaces) != size+len(an.vpcs) {
			t.Fatalf("size %d: %d instance interfaces, %d in all", size, an.interfaces, len(an.n.Interfaces))
		}
		t.Logf("interfaces=%d: %d VPCs, %d peerings, %d groups with %d rules, %d ACLs with %d rules, %d route tables with %d routes",
			size, len(an.vpcs), len(an.n.Peerings), an.rules.groups, an.rules.sg, an.rules.acls, an.rules.acl, an.rules.tables, an.rules.routes)
		ix := analyze.NewIndex(an.n)
		for _, q := range an.questions() {
			r, err := ix.Analyze(q.q)
			if err != nil {
				t.Fatalf("size %d %s: %v", size, q.name, err)
			}
			if r.Reachable != q.reachable || (!q.reachable && r.Explanations[0].Code != q.code) {
				t.Errorf("size %d %s: reachable %v %+v, want %v %s", size, q.name, r.Reachable, r.Explanations, q.reachable, q.code)
			}
		}
	}
}

// reportMs adds ms/op beside ns/op.
func reportMs(b *testing.B, perOp int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perOp)/1e6, "ms/op")
}

// BenchmarkAnalyzePath is the time of one path analysis with a prebuilt index, averaged
// over the mix of questions (each op is one question, in turn).
func BenchmarkAnalyzePath(b *testing.B) {
	for _, size := range analyzerSizes {
		an := anNetworkOf(size)
		ix := analyze.NewIndex(an.n)
		qs := an.questions()
		b.Run(fmt.Sprintf("interfaces=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := ix.Analyze(qs[i%len(qs)].q); err != nil {
					b.Fatal(err)
				}
				i++
			}
			reportMs(b, 1)
		})
	}
}

// BenchmarkAnalyzePathQuestion is the time of each question of the mix apart.
func BenchmarkAnalyzePathQuestion(b *testing.B) {
	for _, size := range analyzerSizes {
		an := anNetworkOf(size)
		ix := analyze.NewIndex(an.n)
		for _, q := range an.questions() {
			b.Run(fmt.Sprintf("interfaces=%d/%s", size, q.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := ix.Analyze(q.q); err != nil {
						b.Fatal(err)
					}
				}
				reportMs(b, 1)
			})
		}
	}
}

// BenchmarkAnalyzeNewIndex is the cost of building the analyzer's lookups for a network.
func BenchmarkAnalyzeNewIndex(b *testing.B) {
	for _, size := range analyzerSizes {
		an := anNetworkOf(size)
		b.Run(fmt.Sprintf("interfaces=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				analyze.NewIndex(an.n)
			}
			reportMs(b, 1)
		})
	}
}

// BenchmarkAnalyzeOneShot is analyze.Analyze: an index built for one question, as a
// StartNetworkInsightsAnalysis call does.
func BenchmarkAnalyzeOneShot(b *testing.B) {
	for _, size := range analyzerSizes {
		an := anNetworkOf(size)
		qs := an.questions()
		b.Run(fmt.Sprintf("interfaces=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := analyze.Analyze(an.n, qs[i%len(qs)].q); err != nil {
					b.Fatal(err)
				}
				i++
			}
			reportMs(b, 1)
		})
	}
}

// heapAfter is the live heap after a full collection, with x kept alive until then.
func heapAfter(x any) uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	runtime.KeepAlive(x)
	return m.HeapAlloc
}

// BenchmarkAnalyzerMemory reports the live heap of the network and of its index per
// interface: each op generates the network and builds the index once.
func BenchmarkAnalyzerMemory(b *testing.B) {
	for _, size := range analyzerSizes {
		b.Run(fmt.Sprintf("interfaces=%d", size), func(b *testing.B) {
			var netBytes, ixBytes float64
			for b.Loop() {
				base := heapAfter(nil)
				an := anNetworkOf(size)
				withNet := heapAfter(an)
				ix := analyze.NewIndex(an.n)
				withIx := heapAfter(ix)
				runtime.KeepAlive(an)
				netBytes += float64(withNet) - float64(base)
				ixBytes += float64(withIx) - float64(withNet)
			}
			b.ReportMetric(netBytes/float64(b.N)/float64(size), "network-B/iface")
			b.ReportMetric(ixBytes/float64(b.N)/float64(size), "index-B/iface")
		})
	}
}

// BenchmarkInternetToEveryInterface is what a Network Access Scope of "from the internet
// to any interface" asks, done as path analyses with one index: from each VPC's internet
// gateway to every one of the 1,000 interfaces, tcp 22 and 443. One op is the whole sweep
// (2,000 analyses); the findings are the reachable ones.
func BenchmarkInternetToEveryInterface(b *testing.B) {
	an := anNetworkOf(1_000)
	ix := analyze.NewIndex(an.n)
	var qs []analyze.Query
	for _, id := range model.SortedKeys(an.n.Interfaces) {
		e := an.n.Interfaces[id]
		if e.NatGateway != "" {
			continue
		}
		for _, port := range []int{22, 443} {
			qs = append(qs, analyze.Query{Source: an.n.VPCs[e.VPC].InternetGateway, Destination: id, Protocol: 6, DestinationPort: port})
		}
	}
	b.Run("interfaces=1000", func(b *testing.B) {
		b.ReportAllocs()
		findings := 0
		for b.Loop() {
			findings = 0
			for _, q := range qs {
				r, err := ix.Analyze(q)
				if err != nil {
					b.Fatal(err)
				}
				if r.Reachable {
					findings++
				}
			}
		}
		b.ReportMetric(float64(findings), "findings")
		b.ReportMetric(float64(len(qs)), "analyses")
		reportMs(b, 1)
	})
}

// internetScope is the Network Access Scope "from an internet gateway to any network
// interface", on the given TCP ports, or any TCP or UDP port when none are given (AWS's
// AWS-IGW-Ingress template).
func internetScope(ports ...int) analyze.Scope {
	var h *analyze.PacketHeaderStatement
	if len(ports) > 0 {
		h = &analyze.PacketHeaderStatement{Protocols: []int{6}}
		for _, p := range ports {
			h.DestinationPorts = append(h.DestinationPorts, analyze.PortRange{From: p, To: p})
		}
	}
	return analyze.Scope{Match: []analyze.ScopePath{{
		Source:      analyze.PathStatement{Resources: &analyze.ResourceStatement{ResourceTypes: []string{analyze.TypeInternetGateway}}},
		Destination: analyze.PathStatement{Resources: &analyze.ResourceStatement{ResourceTypes: []string{analyze.TypeNetworkInterface}}, Header: h},
	}}}
}

// BenchmarkScope is a Network Access Scope analysis (Index.AnalyzeScope) over 1,000
// interfaces with one prebuilt index: from the internet gateways to every interface, on
// tcp 22 and 443, and on any port.
func BenchmarkScope(b *testing.B) {
	an := anNetworkOf(1_000)
	ix := analyze.NewIndex(an.n)
	for _, c := range []struct {
		name  string
		scope analyze.Scope
	}{
		{"internet-to-interfaces-tcp-22-443", internetScope(22, 443)},
		{"internet-to-interfaces-any-port", internetScope()},
	} {
		b.Run("interfaces=1000/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			var r *analyze.ScopeResult
			for b.Loop() {
				r = ix.AnalyzeScope(c.scope)
			}
			b.ReportMetric(float64(len(r.Findings)), "findings")
			b.ReportMetric(float64(r.AnalyzedInterfaces), "interfaces")
			reportMs(b, 1)
		})
	}
}
