package analyze

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"vpcd/internal/model"
)

// scopeNet is the network of the scope tests, with names for its resources:
//
//   - VPC "main" 10.0.0.0/16 with an internet gateway "igw";
//   - subnet "public" 10.0.1.0/24 routing 0.0.0.0/0 to igw, with "web" (10.0.1.10,
//     public 198.51.100.10, tcp 22 and 80 open to all) and "bastion" (10.0.1.20, no
//     public address, all open);
//   - subnet "private" 10.0.2.0/24 routing 0.0.0.0/0 to the NAT gateway "nat" (10.0.1.5 in
//     the public subnet), with "app" (10.0.2.10, public 198.51.100.30 but no route to the
//     gateway, all open) and "db" (10.0.2.20, tcp 5432 from 10.0.0.0/16 only);
//   - VPC "peer" 10.1.0.0/16 peered with main by "pcx", with "far" (10.1.1.10, all
//     open), and routes both ways.
type scopeNet struct {
	*net
	names map[string]string // resource name → ID
	ids   map[string]string // ID → name
}

func newScopeNet() *scopeNet {
	b := &scopeNet{net: newNet(), names: map[string]string{}, ids: map[string]string{}}
	name := func(n, id string) string {
		b.names[n], b.ids[id] = id, n
		return id
	}
	main := name("main", b.vpc("10.0.0.0/16"))
	pub, rtPub, _ := b.subnet(main, "10.0.1.0/24")
	priv, rtPriv, _ := b.subnet(main, "10.0.2.0/24")
	name("public", pub)
	name("private", priv)
	igw := name("igw", b.gateway(main))
	b.route(rtPub, "0.0.0.0/0", igw)
	nat, natENI := name("nat", b.id("nat")), b.id("eni")
	b.n.NatGateways[nat] = &model.NatGateway{ID: nat, VPC: main, Subnet: pub, Interface: natENI, Public: true}
	b.n.Interfaces[natENI] = &model.Interface{ID: natENI, Subnet: pub, VPC: main, PrivateIPs: []netip.Addr{addr("10.0.1.5")}, PublicIP: addr("198.51.100.5"), NatGateway: nat}
	b.route(rtPriv, "0.0.0.0/0", nat)

	webGroup := name("web-sg", b.group(tcpIn(22, "0.0.0.0/0"), tcpIn(80, "0.0.0.0/0"), egressAll))
	dbGroup := name("db-sg", b.group(tcpIn(5432, "10.0.0.0/16"), egressAll))
	b.eni("web", pub, "10.0.1.10", webGroup)
	b.n.Interfaces[b.names["web"]].PublicIP = addr("198.51.100.10")
	b.eni("bastion", pub, "10.0.1.20")
	b.eni("app", priv, "10.0.2.10")
	b.n.Interfaces[b.names["app"]].PublicIP = addr("198.51.100.30")
	b.eni("db", priv, "10.0.2.20", dbGroup)

	peer := name("peer", b.vpc("10.1.0.0/16"))
	far, rtFar, _ := b.subnet(peer, "10.1.1.0/24")
	b.eni("far", far, "10.1.1.10")
	pcx := name("pcx", b.id("pcx"))
	b.n.Peerings[pcx] = &model.Peering{ID: pcx, Requester: main, Accepter: peer}
	b.route(rtPub, "10.1.0.0/16", pcx)
	b.route(rtPriv, "10.1.0.0/16", pcx)
	b.route(rtFar, "10.0.0.0/16", pcx)
	return b
}

// eni adds an instance with one interface, and names the interface.
func (b *scopeNet) eni(name, subnet, ip string, groups ...string) {
	inst, eni := b.instance(subnet, ip, groups...)
	b.names[name], b.ids[eni] = eni, name
	b.names[name+"-instance"] = inst
}

// resources names resources by their test names.
func (b *scopeNet) resources(names ...string) *ResourceStatement {
	rs := &ResourceStatement{}
	for _, n := range names {
		id, ok := b.names[n]
		if !ok {
			panic("no resource " + n)
		}
		rs.Resources = append(rs.Resources, id)
	}
	return rs
}

func types(ts ...string) *ResourceStatement { return &ResourceStatement{ResourceTypes: ts} }

// findings are "source -> destination proto/port" for each finding, by test names.
func (b *scopeNet) findings(r *ScopeResult) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, fmt.Sprintf("%s -> %s %s/%d", b.ids[f.Source], b.ids[f.Destination], protoName(f.Protocol), f.DestinationPort))
	}
	return out
}

func TestScopeFindings(t *testing.T) {
	internet := PathStatement{Resources: types(TypeInternetGateway)}
	interfaces := PathStatement{Resources: types(TypeNetworkInterface)}
	for _, tc := range []struct {
		name  string
		scope func(b *scopeNet) Scope
		want  []string
	}{
		{"internet to every interface: only the public one with a route back", func(b *scopeNet) Scope {
			return Scope{Match: []ScopePath{{Source: internet, Destination: interfaces}}}
		}, []string{"igw -> web tcp/22"}},
		{"a subnet as destination: its interfaces", func(b *scopeNet) Scope {
			return Scope{Match: []ScopePath{{Source: PathStatement{Resources: b.resources("bastion")}, Destination: PathStatement{Resources: b.resources("private")}}}}
		}, []string{"bastion -> app tcp/0", "bastion -> db tcp/5432"}},
		{"a port the scope names", func(b *scopeNet) Scope {
			dst := PathStatement{Resources: b.resources("private"), Header: &PacketHeaderStatement{DestinationPorts: []PortRange{{5432, 5432}}}}
			return Scope{Match: []ScopePath{{Source: PathStatement{Resources: b.resources("bastion")}, Destination: dst}}}
		}, []string{"bastion -> app tcp/5432", "bastion -> db tcp/5432"}},
		{"udp only", func(b *scopeNet) Scope {
			return Scope{Match: []ScopePath{{Source: internet, Destination: PathStatement{Resources: interfaces.Resources, Header: &PacketHeaderStatement{Protocols: []int{17}}}}}}
		}, nil},
		{"an exclude path removes a port, the next one is found", func(b *scopeNet) Scope {
			ssh := PathStatement{Header: &PacketHeaderStatement{DestinationPorts: []PortRange{{22, 22}}}}
			return Scope{Match: []ScopePath{{Source: internet, Destination: interfaces}}, Exclude: []ScopePath{{Destination: ssh}}}
		}, []string{"igw -> web tcp/80"}},
		{"an exclude path removes the finding", func(b *scopeNet) Scope {
			return Scope{Match: []ScopePath{{Source: internet, Destination: interfaces}},
				Exclude: []ScopePath{{Destination: PathStatement{Resources: b.resources("web-sg")}}}}
		}, nil},
		{"the internet's sources narrowed to a range the group admits", func(b *scopeNet) Scope {
			src := PathStatement{Resources: internet.Resources, Header: &PacketHeaderStatement{SourceAddresses: []netip.Prefix{pfx("203.0.113.0/24")}}}
			return Scope{Match: []ScopePath{{Source: src, Destination: PathStatement{Resources: b.resources("web")}}}}
		}, []string{"igw -> web tcp/22"}},
		{"a destination address that is none of the interface's", func(b *scopeNet) Scope {
			dst := PathStatement{Resources: b.resources("web"), Header: &PacketHeaderStatement{DestinationAddresses: []netip.Prefix{pfx("10.9.0.0/16")}}}
			return Scope{Match: []ScopePath{{Source: internet, Destination: dst}}}
		}, nil},
		{"the public address names the destination", func(b *scopeNet) Scope {
			dst := PathStatement{Resources: b.resources("web"), Header: &PacketHeaderStatement{DestinationAddresses: []netip.Prefix{pfx("198.51.100.10/32")}}}
			return Scope{Match: []ScopePath{{Source: internet, Destination: dst}}}
		}, []string{"igw -> web tcp/22"}},
		{"to the internet through a NAT gateway", func(b *scopeNet) Scope {
			return Scope{Match: []ScopePath{{Source: interfaces, Destination: internet, Through: []ResourceStatement{*types(TypeNatGateway)}}}}
		}, []string{"app -> igw tcp/0", "db -> igw tcp/0"}},
		{"to the internet not through a NAT gateway", func(b *scopeNet) Scope {
			return Scope{Match: []ScopePath{{Source: interfaces, Destination: internet}},
				Exclude: []ScopePath{{Through: []ResourceStatement{*b.resources("nat")}}}}
		}, []string{"web -> igw tcp/0"}},
		{"through the peering", func(b *scopeNet) Scope {
			return Scope{Match: []ScopePath{{Source: PathStatement{Resources: b.resources("far")}, Destination: PathStatement{Resources: b.resources("main")},
				Through: []ResourceStatement{*types(TypePeering)}}}}
		}, []string{"far -> bastion tcp/0", "far -> app tcp/0", "far -> web tcp/22"}},
		{"a VPC names its interfaces", func(b *scopeNet) Scope {
			return Scope{Match: []ScopePath{{Source: PathStatement{Resources: b.resources("peer")}, Destination: PathStatement{Resources: b.resources("main")},
				Through: []ResourceStatement{*b.resources("pcx")}}},
				Exclude: []ScopePath{{Destination: PathStatement{Resources: b.resources("private")}}}}
		}, []string{"far -> bastion tcp/0", "far -> web tcp/22"}},
		{"an instance names its interface, a stopped one none", func(b *scopeNet) Scope {
			b.n.Instances[b.names["db-instance"]].Running = false
			return Scope{Match: []ScopePath{{Source: PathStatement{Resources: b.resources("bastion-instance")}, Destination: PathStatement{Resources: b.resources("app-instance", "db-instance")}}}}
		}, []string{"bastion -> app tcp/0"}},
		{"another account's resources are not looked at", func(b *scopeNet) Scope {
			b.n.VPCs[b.names["main"]].Owner = "111111111111"
			return Scope{Account: "222222222222", Match: []ScopePath{{Source: internet, Destination: interfaces}}}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newScopeNet()
			r := AnalyzeScope(b.n, tc.scope(b))
			got := b.findings(r)
			// Findings come by source then destination ID; compare as sets of names.
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("findings %q, want %q", got, want)
			}
			for _, f := range r.Findings {
				if len(f.Forward) == 0 || f.Forward[0].ID != f.Source && b.ids[f.Forward[0].ID] != b.ids[f.Source] {
					t.Errorf("the path of %s -> %s starts at %+v", b.ids[f.Source], b.ids[f.Destination], f.Forward)
				}
			}
		})
	}
}

// TestScopeFindingPath checks what a finding from the internet says: its components
// from the gateway to the interface, the packet as sent (to the public address).
func TestScopeFindingPath(t *testing.T) {
	b := newScopeNet()
	r := AnalyzeScope(b.n, Scope{Match: []ScopePath{{Source: PathStatement{Resources: types(TypeInternetGateway)}, Destination: PathStatement{Resources: b.resources("web")}}}})
	if len(r.Findings) != 1 {
		t.Fatalf("findings %q", b.findings(r))
	}
	f := r.Findings[0]
	var kinds []string
	for _, h := range f.Forward {
		kinds = append(kinds, h.Kind)
	}
	if want := []string{"internet-gateway", "network-acl", "security-group", "network-interface"}; !slices.Equal(kinds, want) {
		t.Errorf("components %v, want %v", kinds, want)
	}
	if f.DestIP != addr("198.51.100.10") || f.SourceIP != internetHost || f.DestinationPort != 22 {
		t.Errorf("packet %s -> %s:%d", f.SourceIP, f.DestIP, f.DestinationPort)
	}
	if r.AnalyzedInterfaces != 1 {
		t.Errorf("analyzed %d interfaces, want 1", r.AnalyzedInterfaces)
	}
}

// TestScopeSourceRange checks that a group open to one range of the internet only is
// found from that range.
func TestScopeSourceRange(t *testing.T) {
	b := newScopeNet()
	web := b.n.Interfaces[b.names["web"]]
	web.Groups = []string{b.group(tcpIn(443, "203.0.113.0/24"), egressAll)}
	r := AnalyzeScope(b.n, Scope{Match: []ScopePath{{Source: PathStatement{Resources: types(TypeInternetGateway)}, Destination: PathStatement{Resources: b.resources("web")}}}})
	if len(r.Findings) != 1 || r.Findings[0].SourceIP != addr("203.0.113.1") || r.Findings[0].DestinationPort != 443 {
		t.Fatalf("findings %q %+v", b.findings(r), r.Findings)
	}
}

func TestCandidatePorts(t *testing.T) {
	b := newScopeNet()
	if got, want := CandidatePorts(b.n, 0, 65535), []int{0, 22, 23, 80, 81, 5432, 5433}; !slices.Equal(got, want) {
		t.Errorf("CandidatePorts %v, want %v", got, want)
	}
	if got, want := CandidatePorts(b.n, 80, 100), []int{80, 81}; !slices.Equal(got, want) {
		t.Errorf("CandidatePorts 80-100 %v, want %v", got, want)
	}
}

// bigScopeNet is a VPC of n interfaces in 10 subnets, half of them public, each with a
// group of a few ports open to the internet and the VPC's default-like group that admits
// its own members.
func bigScopeNet(n int) (*model.Network, string) {
	b := newNet()
	vpc := b.vpc("10.0.0.0/8")
	igw := b.gateway(vpc)
	self := b.id("sg")
	b.n.SecurityGroups[self] = &model.SecurityGroup{ID: self, Rules: []model.SecurityGroupRule{{Protocol: -1, FromPort: -1, ToPort: -1, Group: self}, egressAll}}
	var subnets []string
	for i := range 10 {
		sn, rt, _ := b.subnet(vpc, fmt.Sprintf("10.%d.0.0/16", i))
		b.route(rt, "0.0.0.0/0", igw)
		subnets = append(subnets, sn)
	}
	var groups []string
	for i := range 20 {
		groups = append(groups, b.group(tcpIn(1000+i, "0.0.0.0/0"), tcpIn(443, "198.51.100.0/24"), egressAll))
	}
	for i := range n {
		sn := subnets[i%10]
		_, eni := b.instance(sn, fmt.Sprintf("10.%d.%d.%d", i%10, i/250, i%250+4), self, groups[i%20])
		if i%2 == 0 {
			b.n.Interfaces[eni].PublicIP = netip.AddrFrom4([4]byte{203, 0, byte(i / 250), byte(i%250 + 1)})
		}
	}
	return b.n, igw
}

// TestScopeThousandInterfaces is the benchmark target: the internet to each of 1,000
// interfaces in seconds.
func TestScopeThousandInterfaces(t *testing.T) {
	n, _ := bigScopeNet(1000)
	start := time.Now()
	r := AnalyzeScope(n, Scope{Match: []ScopePath{{Source: PathStatement{Resources: types(TypeInternetGateway)}, Destination: PathStatement{Resources: types(TypeNetworkInterface)}}}})
	took := time.Since(start)
	if len(r.Findings) != 500 || r.AnalyzedInterfaces != 1000 {
		t.Errorf("%d findings over %d interfaces, want 500 over 1000", len(r.Findings), r.AnalyzedInterfaces)
	}
	t.Logf("internet to 1,000 interfaces: %d findings in %v", len(r.Findings), took)
	if took > 10*time.Second {
		t.Errorf("took %v", took)
	}
}

func BenchmarkScopeInternetToInterfaces(b *testing.B) {
	n, _ := bigScopeNet(1000)
	s := Scope{Match: []ScopePath{{Source: PathStatement{Resources: types(TypeInternetGateway)}, Destination: PathStatement{Resources: types(TypeNetworkInterface)}}}}
	for b.Loop() {
		AnalyzeScope(n, s)
	}
}
