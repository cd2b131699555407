package analyze

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"vpcd/internal/model"
)

// net is a test network builder: VPCs, subnets with their own route table and ACL,
// instances with one interface each, in ID order.
type net struct {
	n    *model.Network
	seq  int
	open string // a group that allows everything both ways
}

func newNet() *net {
	b := &net{n: model.NewNetwork()}
	b.open = b.id("sg")
	b.n.SecurityGroups[b.open] = &model.SecurityGroup{ID: b.open, Rules: []model.SecurityGroupRule{
		{Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
		{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
	}}
	return b
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

func (b *net) id(kind string) string {
	b.seq++
	return fmt.Sprintf("%s-%017x", kind, b.seq)
}

func (b *net) vpc(cidr string) string {
	id, rt, acl := b.id("vpc"), b.id("rtb"), b.id("acl")
	b.n.VPCs[id] = &model.VPC{ID: id, CIDRs: []netip.Prefix{pfx(cidr)}, MainRouteTable: rt}
	b.n.RouteTables[rt] = &model.RouteTable{ID: rt, VPC: id, Routes: []model.Route{{Destination: pfx(cidr), Target: "local"}}}
	b.n.NetworkACLs[acl] = &model.NetworkACL{ID: acl, VPC: id, Entries: allowAll()}
	return id
}

func allowAll() []model.ACLEntry {
	return []model.ACLEntry{
		{Number: 100, Allow: true, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1},
		{Number: 100, Egress: true, Allow: true, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1},
	}
}

// subnet adds a subnet with its own route table (a copy of the main one) and its own ACL
// (allow all), returning the subnet, its table and its ACL.
func (b *net) subnet(vpc, cidr string) (sn, rt, acl string) {
	sn, rt, acl = b.id("subnet"), b.id("rtb"), b.id("acl")
	main := b.n.RouteTables[b.n.VPCs[vpc].MainRouteTable]
	b.n.RouteTables[rt] = &model.RouteTable{ID: rt, VPC: vpc, Routes: slices.Clone(main.Routes)}
	b.n.Subnets[sn] = &model.Subnet{ID: sn, VPC: vpc, CIDR: pfx(cidr), RouteTable: rt}
	b.n.NetworkACLs[acl] = &model.NetworkACL{ID: acl, VPC: vpc, Entries: allowAll(), Subnets: []string{sn}}
	return sn, rt, acl
}

func (b *net) instance(subnet, ip string, groups ...string) (inst, eni string) {
	inst, eni = b.id("i"), b.id("eni")
	sn := b.n.Subnets[subnet]
	if len(groups) == 0 {
		groups = []string{b.open}
	}
	b.n.Instances[inst] = &model.Instance{ID: inst, VPC: sn.VPC, Subnet: subnet, Running: true, Interfaces: []string{eni}}
	b.n.Interfaces[eni] = &model.Interface{ID: eni, Subnet: subnet, VPC: sn.VPC, PrivateIPs: []netip.Addr{addr(ip)}, Groups: groups, SourceDestCheck: true, Instance: inst}
	return inst, eni
}

func (b *net) route(rt, dest, target string) {
	b.n.RouteTables[rt].Routes = append(b.n.RouteTables[rt].Routes, model.Route{Destination: pfx(dest), Target: target})
}

func (b *net) gateway(vpc string) string {
	igw := b.id("igw")
	b.n.InternetGateways[igw] = &model.InternetGateway{ID: igw, VPC: vpc}
	return igw
}

// natGateway adds an available public NAT gateway with its interface in subnet.
func (b *net) natGateway(vpc, subnet, ip, public string) string {
	nat, eni := b.id("nat"), b.id("eni")
	b.n.NatGateways[nat] = &model.NatGateway{ID: nat, VPC: vpc, Subnet: subnet, Interface: eni, Public: true}
	b.n.Interfaces[eni] = &model.Interface{ID: eni, Subnet: subnet, VPC: vpc, PrivateIPs: []netip.Addr{addr(ip)}, PublicIP: addr(public), NatGateway: nat}
	return nat
}

// publicNAT adds a public subnet 10.0.1.0/24 to the VPC, routed to a new internet
// gateway, with a public NAT gateway in it at 10.0.1.5 (Elastic IP 198.51.100.5).
func (b *net) publicNAT(vpc string) (pub, igw, nat string) {
	pub, rtPub, _ := b.subnet(vpc, "10.0.1.0/24")
	igw = b.gateway(vpc)
	b.route(rtPub, "0.0.0.0/0", igw)
	return pub, igw, b.natGateway(vpc, pub, "10.0.1.5", "198.51.100.5")
}

func (b *net) group(rules ...model.SecurityGroupRule) string {
	id := b.id("sg")
	b.n.SecurityGroups[id] = &model.SecurityGroup{ID: id, Rules: rules}
	return id
}

func tcpIn(port int, cidr string) model.SecurityGroupRule {
	return model.SecurityGroupRule{Protocol: 6, FromPort: port, ToPort: port, CIDR: pfx(cidr)}
}

var egressAll = model.SecurityGroupRule{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")}

func codes(r *Result) []string {
	var out []string
	for _, e := range r.Explanations {
		c := e.Code + " " + e.Direction
		if e.Return {
			c += " return"
		}
		out = append(out, strings.TrimSpace(c))
	}
	return out
}

func analyze(t *testing.T, n *model.Network, q Query) *Result {
	t.Helper()
	r, err := Analyze(n, q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestExplanationCodes builds, for each blocking reason, the smallest network that has it
// and checks the verdict and the codes, every blocker named.
func TestExplanationCodes(t *testing.T) {
	type build func(b *net) Query
	tcp := func(src, dst string, port int) Query {
		return Query{Source: src, Destination: dst, Protocol: 6, DestinationPort: port}
	}
	// twoSubnets is a VPC with instances a (10.0.1.10) and b (10.0.2.20) in two subnets.
	twoSubnets := func(b *net, groupA, groupB []string) (a, bb, snA, snB, rtA, rtB, aclA, aclB string) {
		vpc := b.vpc("10.0.0.0/16")
		snA, rtA, aclA = b.subnet(vpc, "10.0.1.0/24")
		snB, rtB, aclB = b.subnet(vpc, "10.0.2.0/24")
		a, _ = b.instance(snA, "10.0.1.10", groupA...)
		bb, _ = b.instance(snB, "10.0.2.20", groupB...)
		return
	}
	for _, tc := range []struct {
		name  string
		build build
		want  []string // codes in order; none means reachable
	}{
		{"open path", func(b *net) Query {
			a, bb, _, _, _, _, _, _ := twoSubnets(b, nil, nil)
			return tcp(a, bb, 5432)
		}, nil},
		{"ingress group mismatch", func(b *net) Query {
			web := b.group(tcpIn(80, "0.0.0.0/0"), egressAll)
			a, bb, _, _, _, _, _, _ := twoSubnets(b, nil, []string{web})
			return tcp(a, bb, 5432)
		}, []string{"ENI_SG_RULES_MISMATCH ingress"}},
		{"egress and ingress groups both block", func(b *net) Query {
			none := b.group()
			a, bb, _, _, _, _, _, _ := twoSubnets(b, []string{none}, []string{none})
			return tcp(a, bb, 5432)
		}, []string{"ENI_SG_RULES_MISMATCH egress", "ENI_SG_RULES_MISMATCH ingress"}},
		{"group referencing the source's group", func(b *net) Query {
			app := b.group(egressAll)
			db := b.group(model.SecurityGroupRule{Protocol: 6, FromPort: 5432, ToPort: 5432, Group: app})
			a, bb, _, _, _, _, _, _ := twoSubnets(b, []string{app}, []string{db})
			return tcp(a, bb, 5432)
		}, nil},
		{"deny before allow by number", func(b *net) Query {
			a, bb, _, _, _, _, _, aclB := twoSubnets(b, nil, nil)
			b.n.NetworkACLs[aclB].Entries = append([]model.ACLEntry{{Number: 50, Protocol: 6, FromPort: 5432, ToPort: 5432, CIDR: pfx("10.0.1.0/24")}}, allowAll()...)
			return tcp(a, bb, 5432)
		}, []string{"SUBNET_ACL_RESTRICTION ingress"}},
		{"missing ephemeral ports break the reply", func(b *net) Query {
			a, bb, _, _, _, _, _, aclB := twoSubnets(b, nil, nil)
			b.n.NetworkACLs[aclB].Entries = []model.ACLEntry{
				{Number: 100, Allow: true, Protocol: 6, FromPort: 5432, ToPort: 5432, CIDR: pfx("10.0.0.0/16")},
				{Number: 100, Egress: true, Allow: true, Protocol: 6, FromPort: 5432, ToPort: 5432, CIDR: pfx("10.0.0.0/16")},
			}
			return tcp(a, bb, 5432)
		}, []string{"SUBNET_ACL_RESTRICTION egress return"}},
		{"ephemeral ports partly allowed", func(b *net) Query {
			a, bb, _, _, _, _, _, aclB := twoSubnets(b, nil, nil)
			b.n.NetworkACLs[aclB].Entries = []model.ACLEntry{
				{Number: 100, Allow: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
				{Number: 100, Egress: true, Allow: true, Protocol: 6, FromPort: 1024, ToPort: 40000, CIDR: pfx("0.0.0.0/0")},
			}
			return tcp(a, bb, 5432)
		}, []string{"SUBNET_ACL_RESTRICTION egress return"}},
		{"an ACL inside one subnet is not checked", func(b *net) Query {
			vpc := b.vpc("10.0.0.0/16")
			sn, _, acl := b.subnet(vpc, "10.0.1.0/24")
			b.n.NetworkACLs[acl].Entries = nil
			a, _ := b.instance(sn, "10.0.1.10")
			c, _ := b.instance(sn, "10.0.1.11")
			return tcp(a, c, 22)
		}, nil},
		{"no route", func(b *net) Query {
			a, _, _, _, _, _, _, _ := twoSubnets(b, nil, nil)
			return Query{Source: a, DestinationIP: addr("192.168.1.1"), Protocol: 6, DestinationPort: 80}
		}, []string{"NO_ROUTE_TO_DESTINATION"}},
		{"blackhole route", func(b *net) Query {
			a, _, _, _, rtA, _, _, _ := twoSubnets(b, nil, nil)
			b.route(rtA, "0.0.0.0/0", "nat-0123456789abcdef0")
			return Query{Source: a, DestinationIP: addr("192.0.2.1"), Protocol: 6, DestinationPort: 80}
		}, []string{"BAD_STATE"}},
		{"gateway not attached", func(b *net) Query {
			a, _, _, _, rtA, _, _, _ := twoSubnets(b, nil, nil)
			igw := b.gateway("")
			b.route(rtA, "0.0.0.0/0", igw)
			return Query{Source: a, Destination: igw, Protocol: 6, DestinationPort: 80}
		}, []string{"IGW_NOT_ATTACHED"}},
		{"no public address", func(b *net) Query {
			a, _, snA, _, rtA, _, _, _ := twoSubnets(b, nil, nil)
			igw := b.gateway(b.n.Subnets[snA].VPC)
			b.route(rtA, "0.0.0.0/0", igw)
			return Query{Source: a, Destination: igw, Protocol: 6, DestinationPort: 80}
		}, []string{"NO_PUBLIC_ADDRESS"}},
		{"internet to a public instance", func(b *net) Query {
			_, bb, _, snB, _, rtB, _, _ := twoSubnets(b, nil, nil)
			igw := b.gateway(b.n.Subnets[snB].VPC)
			b.route(rtB, "0.0.0.0/0", igw)
			e := b.n.Interfaces[b.n.Instances[bb].Interfaces[0]]
			e.PublicIP = addr("198.51.100.7")
			return Query{Source: igw, Destination: bb, Protocol: 6, DestinationPort: 443}
		}, nil},
		{"stopped destination", func(b *net) Query {
			a, bb, _, _, _, _, _, _ := twoSubnets(b, nil, nil)
			b.n.Instances[bb].Running = false
			return tcp(a, bb, 22)
		}, []string{"BAD_STATE"}},
		{"middlebox with the check on", func(b *net) Query {
			vpc := b.vpc("10.0.0.0/16")
			snA, rtA, _ := b.subnet(vpc, "10.0.1.0/24")
			snB, rtB, _ := b.subnet(vpc, "10.0.2.0/24")
			snF, _, _ := b.subnet(vpc, "10.0.3.0/24")
			a, _ := b.instance(snA, "10.0.1.10")
			bb, _ := b.instance(snB, "10.0.2.20")
			fw, _ := b.instance(snF, "10.0.3.30")
			b.route(rtA, "10.0.2.0/24", fw)
			b.route(rtB, "10.0.1.0/24", fw)
			return tcp(a, bb, 80)
		}, []string{"SOURCE_DEST_CHECK ingress", "SOURCE_DEST_CHECK egress", "SOURCE_DEST_CHECK ingress return", "SOURCE_DEST_CHECK egress return"}},
		{"middlebox with the check off", func(b *net) Query {
			vpc := b.vpc("10.0.0.0/16")
			snA, rtA, _ := b.subnet(vpc, "10.0.1.0/24")
			snB, rtB, _ := b.subnet(vpc, "10.0.2.0/24")
			snF, _, _ := b.subnet(vpc, "10.0.3.0/24")
			a, _ := b.instance(snA, "10.0.1.10")
			bb, _ := b.instance(snB, "10.0.2.20")
			fw, fwENI := b.instance(snF, "10.0.3.30")
			b.n.Interfaces[fwENI].SourceDestCheck = false
			b.route(rtA, "10.0.2.0/24", fw)
			b.route(rtB, "10.0.1.0/24", fw)
			return tcp(a, bb, 80)
		}, nil},
		{"peering without transit", func(b *net) Query {
			va, vb, vc := b.vpc("10.0.0.0/16"), b.vpc("10.1.0.0/16"), b.vpc("10.2.0.0/16")
			snA, rtA, _ := b.subnet(va, "10.0.1.0/24")
			snB, rtB, _ := b.subnet(vb, "10.1.1.0/24")
			snC, rtC, _ := b.subnet(vc, "10.2.1.0/24")
			a, _ := b.instance(snA, "10.0.1.10")
			b.instance(snB, "10.1.1.10")
			c, _ := b.instance(snC, "10.2.1.10")
			ab, bc := b.id("pcx"), b.id("pcx")
			b.n.Peerings[ab] = &model.Peering{ID: ab, Requester: va, Accepter: vb}
			b.n.Peerings[bc] = &model.Peering{ID: bc, Requester: vb, Accepter: vc}
			b.route(rtA, "10.2.0.0/16", ab) // A sends C's traffic to B, which must not pass it on
			b.route(rtB, "10.2.0.0/16", bc)
			b.route(rtC, "10.0.0.0/16", bc)
			return tcp(a, c, 22)
		}, []string{"NO_TRANSIT"}},
		{"nat gateway: out only", func(b *net) Query {
			vpc := b.vpc("10.0.0.0/16")
			_, igw, nat := b.publicNAT(vpc)
			priv, rtPriv, _ := b.subnet(vpc, "10.0.2.0/24")
			b.route(rtPriv, "0.0.0.0/0", nat)
			a, _ := b.instance(priv, "10.0.2.10")
			return Query{Source: a, Destination: igw, Protocol: 6, DestinationPort: 443}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newNet()
			q := tc.build(b)
			r := analyze(t, b.n, q)
			if got := codes(r); !slices.Equal(got, tc.want) {
				t.Errorf("codes %q, want %q", got, tc.want)
				for _, e := range r.Explanations {
					t.Logf("  %s %s %s: %s", e.Code, e.Kind, e.ID, e.Message)
				}
				for _, h := range r.Forward {
					t.Logf("  fwd %s %s %s", h.Kind, h.ID, h.Direction)
				}
			}
			if r.Reachable != (len(tc.want) == 0) {
				t.Errorf("reachable %v with codes %v", r.Reachable, codes(r))
			}
		})
	}
}

// TestNatGatewaySeenFrom checks the translations along a path through a NAT gateway: the
// internet sees the gateway's public address, and the reply comes back to the client.
func TestNatGatewaySeenFrom(t *testing.T) {
	b := newNet()
	vpc := b.vpc("10.0.0.0/16")
	pub, rtPub, _ := b.subnet(vpc, "10.0.1.0/24")
	priv, rtPriv, _ := b.subnet(vpc, "10.0.2.0/24")
	igw := b.gateway(vpc)
	b.route(rtPub, "0.0.0.0/0", igw)
	nat := b.natGateway(vpc, pub, "10.0.1.5", "198.51.100.5")
	b.route(rtPriv, "0.0.0.0/0", nat)
	a, _ := b.instance(priv, "10.0.2.10")
	r := analyze(t, b.n, Query{Source: a, Destination: igw, Protocol: 17, DestinationPort: 53})
	if !r.Reachable || r.Target.Src != addr("198.51.100.5") {
		t.Fatalf("reachable %v, the internet sees %s; want true and 198.51.100.5 (%v)", r.Reachable, r.Target.Src, codes(r))
	}
	var kinds []string
	for _, h := range r.Return {
		kinds = append(kinds, h.Kind)
	}
	if !slices.Contains(kinds, "nat-gateway") || r.Return[len(r.Return)-1].ID != b.n.Instances[a].Interfaces[0] {
		t.Errorf("return path %v does not pass the NAT gateway back to the client", kinds)
	}
	// Nothing comes in: the internet cannot open a flow to the gateway's address.
	in := analyze(t, b.n, Query{Source: igw, DestinationIP: addr("198.51.100.5"), Protocol: 6, DestinationPort: 22})
	if in.Reachable {
		t.Errorf("the internet opened a flow through the NAT gateway")
	}
}

// TestAcrossTheInternet checks that two VPCs reach each other's public addresses through
// their internet gateways, seen from the sender's public address, and that an instance
// without one is not answered.
func TestAcrossTheInternet(t *testing.T) {
	b := newNet()
	var insts [2]string
	for i, cidr := range []string{"10.0.0.0/16", "10.1.0.0/16"} {
		vpc := b.vpc(cidr)
		sn, rt, _ := b.subnet(vpc, strings.Replace(cidr, "0.0/16", "1.0/24", 1))
		b.route(rt, "0.0.0.0/0", b.gateway(vpc))
		inst, eni := b.instance(sn, strings.Replace(cidr, "0.0/16", "1.10", 1))
		b.n.Interfaces[eni].PublicIP = addr(fmt.Sprintf("198.51.100.%d", 10+i))
		insts[i] = inst
	}
	r := analyze(t, b.n, Query{Source: insts[0], Destination: insts[1], DestinationIP: addr("198.51.100.11"), Protocol: 6, DestinationPort: 443})
	if !r.Reachable || r.Target.Src != addr("198.51.100.10") || r.Target.Dst != addr("10.1.1.10") {
		t.Errorf("A to B's public address: reachable %v, delivered %v; want seen from 198.51.100.10 at 10.1.1.10 (%v)", r.Reachable, r.Target, codes(r))
	}
	b.n.Interfaces[b.n.Instances[insts[0]].Interfaces[0]].PublicIP = netip.Addr{}
	r = analyze(t, b.n, Query{Source: insts[0], DestinationIP: addr("198.51.100.11"), Protocol: 6, DestinationPort: 443})
	if r.Reachable || !slices.Equal(codes(r), []string{"NO_PUBLIC_ADDRESS"}) {
		t.Errorf("A without a public address: reachable %v, codes %v", r.Reachable, codes(r))
	}
}

// TestGatewayEndpoints checks paths that begin or end at a NAT gateway or a peering.
func TestGatewayEndpoints(t *testing.T) {
	b := newNet()
	va, vb := b.vpc("10.0.0.0/16"), b.vpc("10.1.0.0/16")
	pub, rtPub, _ := b.subnet(va, "10.0.1.0/24")
	priv, rtPriv, _ := b.subnet(va, "10.0.2.0/24")
	snB, rtB, _ := b.subnet(vb, "10.1.1.0/24")
	b.route(rtPub, "0.0.0.0/0", b.gateway(va))
	nat := b.natGateway(va, pub, "10.0.1.5", "198.51.100.5")
	b.route(rtPriv, "0.0.0.0/0", nat)
	pcx := b.id("pcx")
	b.n.Peerings[pcx] = &model.Peering{ID: pcx, Requester: va, Accepter: vb}
	b.route(rtPriv, "10.1.0.0/16", pcx)
	b.route(rtB, "10.0.0.0/16", pcx)
	a, _ := b.instance(priv, "10.0.2.10")
	peer, _ := b.instance(snB, "10.1.1.10")
	for _, tc := range []struct {
		name string
		q    Query
		want bool
	}{
		{"to the NAT gateway", Query{Source: a, Destination: nat, DestinationIP: addr("192.0.2.1"), Protocol: 6, DestinationPort: 443}, true},
		{"to the peering", Query{Source: a, Destination: pcx, DestinationIP: addr("10.1.1.10"), Protocol: 6, DestinationPort: 22}, true},
		{"to the peering, nobody beyond", Query{Source: a, Destination: pcx, DestinationIP: addr("10.1.9.9"), Protocol: 6, DestinationPort: 22}, false},
		{"from the peering", Query{Source: pcx, Destination: a, Protocol: 6, DestinationPort: 22}, true},
		{"from the peering to the other side", Query{Source: pcx, Destination: peer, Protocol: 6, DestinationPort: 22}, true},
		{"from the NAT gateway", Query{Source: nat, Destination: a, Protocol: 6, DestinationPort: 22}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := analyze(t, b.n, tc.q)
			if r.Reachable != tc.want {
				t.Errorf("reachable %v, want %v: %v", r.Reachable, tc.want, codes(r))
				for _, e := range r.Explanations {
					t.Logf("  %s %s: %s", e.Code, e.ID, e.Message)
				}
			}
		})
	}
}

// TestDifferentialRegressions keeps the disagreements the differential test found, each
// fixed in the analyzer, as fixed cases.
func TestDifferentialRegressions(t *testing.T) {
	b := newNet()
	vpc := b.vpc("10.0.0.0/16")
	sn, rt, _ := b.subnet(vpc, "10.0.1.0/24")
	igw := b.gateway(vpc)
	b.route(rt, "0.0.0.0/0", igw)
	closed := b.group(egressAll)
	a, eni := b.instance(sn, "10.0.1.10", closed)
	b.n.Interfaces[eni].PublicIP = addr("198.51.100.14")
	open, _ := b.instance(sn, "10.0.1.11")
	b.n.Interfaces[b.n.Instances[open].Interfaces[0]].PublicIP = addr("198.51.100.15")

	// seed 1795479437136291224: an instance's traffic to its own address never leaves it,
	// so its own groups do not stop it (the kernel delivers it locally).
	if r := analyze(t, b.n, Query{Source: a, Destination: a, Protocol: 17, DestinationPort: 443}); !r.Reachable {
		t.Errorf("to itself: %v", codes(r))
	}
	// seed 1795479607936274938: from the internet, a destination named by its public
	// address is reached there (it was taken for a private address and found to have no
	// public one).
	if r := analyze(t, b.n, Query{Source: igw, Destination: open, DestinationIP: addr("198.51.100.15"), Protocol: 6, DestinationPort: 22}); !r.Reachable {
		t.Errorf("from the internet to a public address: %v", codes(r))
	}

	// seed 1795482854547398455: a route sends a subnet's block to eth1 of the instance
	// whose eth0 has the destination address. The instance takes a packet for any of its
	// addresses on any of its interfaces: it was taken for an appliance that forwards the
	// packet on, out of eth0 and back to eth1 by the route, in a loop.
	b = newNet()
	vpc = b.vpc("10.0.0.0/16")
	snA, rtA, _ := b.subnet(vpc, "10.0.1.0/24")
	snB, rtB, _ := b.subnet(vpc, "10.0.2.0/24")
	client, _ := b.instance(snA, "10.0.1.10")
	multi, _ := b.instance(snB, "10.0.2.10")
	eth1 := b.id("eni")
	b.n.Interfaces[eth1] = &model.Interface{ID: eth1, Subnet: snA, VPC: vpc, Instance: multi, DeviceIndex: 1, PrivateIPs: []netip.Addr{addr("10.0.1.20")}, Groups: []string{b.open}}
	b.n.Instances[multi].Interfaces = append(b.n.Instances[multi].Interfaces, eth1)
	b.route(rtA, "10.0.2.0/24", eth1)
	b.route(rtB, "10.0.2.0/24", eth1)
	r := analyze(t, b.n, Query{Source: client, Destination: multi, DestinationIP: addr("10.0.2.10"), Protocol: 6, DestinationPort: 22})
	if last := r.Forward[len(r.Forward)-1]; !r.Reachable || last.ID != eth1 {
		t.Errorf("to an instance's address through its other interface: %v, arrives at %s", codes(r), last.ID)
	}
}
