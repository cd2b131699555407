package analyze

import (
	"net/netip"
	"slices"
	"testing"

	"vpcd/internal/model"
)

// dualStack gives a VPC of the builder an IPv6 block with its local route in every table
// of the VPC and ::/0 both ways in every ACL of the VPC.
func (b *net) dualStack(vpc, block string) {
	v := b.n.VPCs[vpc]
	v.CIDRs = append(v.CIDRs, pfx(block))
	for _, rt := range b.n.RouteTables {
		if rt.VPC == vpc {
			rt.Routes = append(rt.Routes, model.Route{Destination: pfx(block), Target: "local"})
		}
	}
	for _, acl := range b.n.NetworkACLs {
		if acl.VPC == vpc {
			acl.Entries = append(acl.Entries,
				model.ACLEntry{Number: 101, Allow: true, Protocol: -1, CIDR: pfx("::/0"), FromPort: -1, ToPort: -1},
				model.ACLEntry{Number: 101, Egress: true, Allow: true, Protocol: -1, CIDR: pfx("::/0"), FromPort: -1, ToPort: -1})
		}
	}
}

// instance6 adds an instance with an IPv4 and an IPv6 address, its subnet's IPv6 block
// set from the address.
func (b *net) instance6(subnet, ip, ip6 string, groups ...string) (inst, eni string) {
	inst, eni = b.instance(subnet, ip, groups...)
	b.n.Interfaces[eni].IPv6Addresses = []netip.Addr{addr(ip6)}
	b.n.Subnets[subnet].IPv6CIDR = netip.PrefixFrom(addr(ip6), 64).Masked()
	return inst, eni
}

// TestIPv6Paths asks IPv6 questions of a dual-stack VPC with an internet gateway and one
// with an egress-only internet gateway, as the data plane carries them (see
// internal/linux TestIPv6Traffic): groups and ACLs of both families, no translation at
// the internet gateway, new flows stopped at the egress-only gateway.
func TestIPv6Paths(t *testing.T) {
	b := newNet()
	web := b.group(model.SecurityGroupRule{Protocol: 6, FromPort: 80, ToPort: 80, CIDR: pfx("::/0")},
		model.SecurityGroupRule{Protocol: 58, FromPort: -1, ToPort: -1, CIDR: pfx("2600:1f18::/40")},
		egressAll, model.SecurityGroupRule{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("::/0")})
	only4 := b.group(tcpIn(80, "0.0.0.0/0"), egressAll)

	vpc1 := b.vpc("10.0.0.0/16")
	sn1, rt1, _ := b.subnet(vpc1, "10.0.1.0/24")
	sn1b, _, _ := b.subnet(vpc1, "10.0.2.0/24")
	b.dualStack(vpc1, "2600:1f18:0:100::/56")
	igw := b.gateway(vpc1)
	b.route(rt1, "::/0", igw)
	a, _ := b.instance6(sn1, "10.0.1.10", "2600:1f18:0:101::a", web)
	c, _ := b.instance6(sn1b, "10.0.2.20", "2600:1f18:0:102::c", web)
	d, _ := b.instance6(sn1b, "10.0.2.21", "2600:1f18:0:102::d", only4)

	vpc2 := b.vpc("10.1.0.0/16")
	sn2, rt2, _ := b.subnet(vpc2, "10.1.1.0/24")
	b.dualStack(vpc2, "2600:1f18:0:200::/56")
	eigw := b.id("eigw")
	b.n.EgressOnlyInternetGateways[eigw] = &model.EgressOnlyInternetGateway{ID: eigw, VPC: vpc2}
	b.route(rt2, "::/0", eigw)
	b.route(rt2, "0.0.0.0/0", eigw)
	e, _ := b.instance6(sn2, "10.1.1.10", "2600:1f18:0:201::e", web)

	tcp6 := func(src, dst string, dstIP string) Query {
		q := Query{Source: src, Destination: dst, Protocol: 6, DestinationPort: 80}
		if dstIP != "" {
			q.DestinationIP = addr(dstIP)
		}
		return q
	}
	for _, tc := range []struct {
		name     string
		q        Query
		want     []string // codes; none means reachable
		src, dst string   // the header as sent and as delivered, when reachable
	}{
		{"between subnets over IPv6, the source's address follows the destination's family",
			tcp6(a, c, "2600:1f18:0:102::c"), nil, "2600:1f18:0:101::a", "2600:1f18:0:102::c"},
		{"a group that admits only IPv4 stops IPv6",
			tcp6(a, d, "2600:1f18:0:102::d"), []string{"ENI_SG_RULES_MISMATCH ingress"}, "", ""},
		{"the same group admits IPv4", tcp6(a, d, ""), nil, "10.0.1.10", "10.0.2.21"},
		{"ICMPv6 echo where the group admits it",
			Query{Source: a, Destination: c, DestinationIP: addr("2600:1f18:0:102::c"), Protocol: 58}, nil, "2600:1f18:0:101::a", "2600:1f18:0:102::c"},
		{"out through the internet gateway, untranslated",
			tcp6(a, igw, "2001:db8::1"), nil, "2600:1f18:0:101::a", "2001:db8::1"},
		{"in from the internet through the internet gateway",
			tcp6(igw, a, "2600:1f18:0:101::a"), nil, "2001:db8::1", "2600:1f18:0:101::a"},
		{"no IPv6 route to the internet from the other subnet",
			tcp6(c, igw, "2001:db8::1"), []string{"NO_ROUTE_TO_DESTINATION"}, "", ""},
		{"out through the egress-only gateway, and the reply back",
			tcp6(e, eigw, "2001:db8::1"), nil, "2600:1f18:0:201::e", "2001:db8::1"},
		{"to any IPv6 address on the internet",
			tcp6(e, "", "2001:db8::1"), nil, "2600:1f18:0:201::e", "2001:db8::1"},
		{"no flow opens in through the egress-only gateway",
			tcp6(eigw, e, "2600:1f18:0:201::e"), []string{CodeEgressOnly}, "", ""},
		{"the internet gateway of another VPC does not lead to it",
			tcp6(igw, e, "2600:1f18:0:201::e"), []string{"NO_PUBLIC_ADDRESS"}, "", ""},
		{"IPv4 to an egress-only gateway is dropped",
			tcp6(e, eigw, "192.0.2.1"), []string{"BLACKHOLE_ROUTE"}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := analyze(t, b.n, tc.q)
			if got := codes(r); !slices.Equal(got, tc.want) {
				t.Fatalf("codes %v, want %v; explanations %+v", got, tc.want, r.Explanations)
			}
			if tc.want == nil && (r.Source.Src != addr(tc.src) || r.Target.Dst != addr(tc.dst)) {
				t.Errorf("sent %s, delivered %s; want %s -> %s", r.Source, r.Target, tc.src, tc.dst)
			}
			for _, h := range r.Forward {
				if h.Kind == KindInternet && h.Translated != nil && h.Header.Src.Is6() {
					t.Errorf("%s translated IPv6: %s -> %s", h.ID, h.Header, *h.Translated)
				}
			}
		})
	}
}

func TestIPv6QueriesRefused(t *testing.T) {
	b := newNet()
	vpc := b.vpc("10.0.0.0/16")
	sn, _, _ := b.subnet(vpc, "10.0.1.0/24")
	b.dualStack(vpc, "2600:1f18:0:100::/56")
	a, _ := b.instance6(sn, "10.0.1.10", "2600:1f18:0:101::a")
	for name, q := range map[string]Query{
		"mixed families":      {Source: a, SourceIP: addr("10.0.1.10"), DestinationIP: addr("2600:1f18:0:101::b"), Protocol: 6, DestinationPort: 80},
		"ICMP toward IPv6":    {Source: a, DestinationIP: addr("2600:1f18:0:101::b"), Protocol: 1},
		"ICMPv6 toward IPv4":  {Source: a, DestinationIP: addr("10.0.1.11"), Protocol: 58},
		"an IPv4-mapped IPv6": {Source: a, SourceIP: addr("::ffff:10.0.1.10"), DestinationIP: addr("::ffff:10.0.1.11"), Protocol: 6, DestinationPort: 80},
	} {
		if _, err := Analyze(b.n, q); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestIPv6OnlySubnet asks about an instance with an IPv6 address alone, in a subnet
// without an IPv4 block: reached over IPv6, asked about by default at that address, and
// refused a question in IPv4.
func TestIPv6OnlySubnet(t *testing.T) {
	b := newNet()
	vpc := b.vpc("10.0.0.0/16")
	sn, _, _ := b.subnet(vpc, "10.0.1.0/24")
	only6, _, _ := b.subnet(vpc, "10.0.2.0/24")
	b.dualStack(vpc, "2600:1f18:0:100::/56")
	open6 := b.group(model.SecurityGroupRule{Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("::/0")},
		model.SecurityGroupRule{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("::/0")})
	a, _ := b.instance6(sn, "10.0.1.10", "2600:1f18:0:101::a", open6)
	v6, eni := b.instance6(only6, "10.0.2.20", "2600:1f18:0:102::b", open6)
	b.n.Subnets[only6].CIDR = netip.Prefix{}
	b.n.Interfaces[eni].PrivateIPs = nil
	r := analyze(t, b.n, Query{Source: a, Destination: v6, Protocol: 6, DestinationPort: 22})
	if !r.Reachable || r.Target.Dst != addr("2600:1f18:0:102::b") || r.Source.Src != addr("2600:1f18:0:101::a") {
		t.Errorf("to the IPv6-only instance: reachable %v, %s -> %s; explanations %+v", r.Reachable, r.Source, r.Target, r.Explanations)
	}
	if _, err := Analyze(b.n, Query{Source: v6, DestinationIP: addr("10.0.1.10"), Protocol: 6, DestinationPort: 22}); err == nil {
		t.Error("an IPv4 question from an instance without IPv4: no error")
	}
}
