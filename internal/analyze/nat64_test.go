package analyze

import (
	"net/netip"
	"slices"
	"testing"

	"vpcd/internal/model"
)

// only6 adds an IPv6-only subnet (block) with its own route table and ACL (both
// families allowed) and an instance at ip6 in it, returning the instance and the table.
func (b *net) only6(vpc, block, ip6 string, groups ...string) (inst, rt string) {
	sn, rt, acl := b.subnet(vpc, "10.255.255.0/24")
	b.n.Subnets[sn].CIDR = netip.Prefix{}
	a := b.n.NetworkACLs[acl]
	a.Entries = append(a.Entries,
		model.ACLEntry{Number: 101, Allow: true, Protocol: -1, CIDR: pfx("::/0"), FromPort: -1, ToPort: -1},
		model.ACLEntry{Number: 101, Egress: true, Allow: true, Protocol: -1, CIDR: pfx("::/0"), FromPort: -1, ToPort: -1})
	inst, eni := b.instance6(sn, "10.255.255.10", ip6, groups...)
	b.n.Subnets[sn].IPv6CIDR = pfx(block)
	b.n.Interfaces[eni].PrivateIPs = nil
	return inst, rt
}

// analyzeFor answers q and stops the test unless its codes are want.
func analyzeFor(t *testing.T, n *model.Network, q Query, want []string) *Result {
	t.Helper()
	r := analyze(t, n, q)
	if got := codes(r); !slices.Equal(got, want) {
		t.Fatalf("codes %v, want %v; explanations %+v", got, want, r.Explanations)
	}
	return r
}

// TestNAT64Paths asks IPv6 questions that a subnet's routes send to a NAT gateway, as the
// data plane carries them (internal/nat64, plan.NatGatewayNAT64): to 64:ff9b::/96 they
// leave the gateway as IPv4 to the address in the prefix, from its address (its Elastic
// IP past the internet gateway), and their replies come back as IPv6; other IPv6
// destinations are dropped in the gateway. Routes to a virtual private gateway that is
// not attached (with no tunnel up then), IPv6 ones to one (VPN connections carry IPv4)
// and routes to a transit gateway are dropped, as the plan lays them out as blackholes
// (gateway VPC endpoints: TestGatewayEndpointPath; VPN tunnels: TestVPNPaths).
func TestNAT64Paths(t *testing.T) {
	b := newNet()
	open6 := b.group(model.SecurityGroupRule{Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("::/0")},
		model.SecurityGroupRule{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("::/0")},
		model.SecurityGroupRule{Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")}, egressAll)
	fromDS := b.group(tcpIn(22, "10.0.2.0/24"), egressAll)

	vpc := b.vpc("10.0.0.0/16")
	pub, igw, nat := b.publicNAT(vpc)
	ds, rtDS, _ := b.subnet(vpc, "10.0.2.0/24")
	host, hostENI := b.instance(pub, "10.0.1.10")
	b.n.Interfaces[hostENI].PublicIP = addr("198.51.100.10")
	guarded, _ := b.instance(pub, "10.0.1.11", fromDS)
	b.dualStack(vpc, "2600:1f18:0:100::/56")
	d, _ := b.instance6(ds, "10.0.2.10", "2600:1f18:0:102::d", open6)
	x, rtX := b.only6(vpc, "2600:1f18:0:103::/64", "2600:1f18:0:103::10", open6)
	y, _ := b.only6(vpc, "2600:1f18:0:104::/64", "2600:1f18:0:104::10", open6)
	b.route(rtX, "64:ff9b::/96", nat)
	b.route(rtX, "2001:db8::/32", nat)
	b.route(rtDS, "64:ff9b::/96", nat)

	vgw, vpce, pl, tgw := b.id("vgw"), b.id("vpce"), b.id("pl"), b.id("tgw")
	b.n.PrefixLists[pl] = []netip.Prefix{pfx("52.216.0.0/15"), pfx("3.5.0.0/19")}
	b.route(rtDS, "172.16.0.0/16", vgw)
	b.n.RouteTables[rtDS].Routes = append(b.n.RouteTables[rtDS].Routes, model.Route{DestinationPrefixList: pl, Target: vpce})
	b.route(rtX, "fd00:1::/48", vgw)
	b.route(rtDS, "192.168.0.0/16", tgw)

	q := func(src, dst, dstIP string, proto, port int) Query {
		return Query{Source: src, Destination: dst, DestinationIP: addr(dstIP), Protocol: proto, DestinationPort: port}
	}
	for _, tc := range []struct {
		name     string
		q        Query
		want     []string // codes; none means reachable
		src, dst string   // the header as delivered, when reachable
	}{
		{"an IPv6-only subnet to the internet through NAT64 and the internet gateway",
			q(x, "", "64:ff9b::198.51.100.77", 6, 443), nil, "198.51.100.5", "198.51.100.77"},
		{"the same, the internet gateway named", q(x, igw, "64:ff9b::c633:644d", 6, 443), nil, "198.51.100.5", "198.51.100.77"},
		{"ICMPv6 echo leaves as ICMP echo", q(x, "", "64:ff9b::198.51.100.77", 58, 0), nil, "198.51.100.5", "198.51.100.77"},
		{"UDP from a dual-stack subnet", q(d, "", "64:ff9b::198.51.100.77", 17, 53), nil, "198.51.100.5", "198.51.100.77"},
		{"to an IPv4 instance of the VPC, from the gateway's private address",
			q(x, "", "64:ff9b::10.0.1.10", 6, 22), nil, "10.0.1.5", "10.0.1.10"},
		{"the instance named", q(x, host, "64:ff9b::10.0.1.10", 6, 22), nil, "10.0.1.5", "10.0.1.10"},
		{"to an instance's public address, out and in again through the internet gateway",
			q(x, "", "64:ff9b::198.51.100.10", 6, 22), nil, "198.51.100.5", "10.0.1.10"},
		{"the IPv4 side's groups see the gateway's address",
			q(x, guarded, "64:ff9b::10.0.1.11", 6, 22), []string{"ENI_SG_RULES_MISMATCH ingress"}, "", ""},
		{"a private address the VPC does not have is lost on the internet",
			q(x, "", "64:ff9b::10.9.9.9", 6, 22), []string{CodeNoRoute}, "", ""},
		{"no route to 64:ff9b::/96", q(y, "", "64:ff9b::198.51.100.77", 6, 443), []string{CodeNoRoute}, "", ""},
		{"IPv6 outside 64:ff9b::/96 is dropped in the gateway", q(x, "", "2001:db8::1", 6, 443), []string{CodeNAT64Prefix}, "", ""},
		{"the NAT64's own pool is no destination", q(x, "", "64:ff9b::192.0.0.9", 6, 443), []string{CodeNAT64Prefix}, "", ""},
		{"a route to a virtual private gateway not attached", q(d, "", "172.16.0.1", 6, 443), []string{CodeBlackhole}, "", ""},
		{"an IPv6 route to a virtual private gateway", q(x, "", "fd00:1::1", 6, 443), []string{CodeBlackhole}, "", ""},
		{"a route to a transit gateway", q(d, "", "192.168.1.1", 6, 443), []string{CodeBlackhole}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := analyzeFor(t, b.n, tc.q, tc.want)
			if tc.want != nil {
				return
			}
			if r.Target.Src != addr(tc.src) || r.Target.Dst != addr(tc.dst) {
				t.Errorf("delivered %s, want %s -> %s", r.Target, tc.src, tc.dst)
			}
			if r.Source.Dst != tc.q.DestinationIP || !r.Source.Src.Is6() {
				t.Errorf("sent %s, want IPv6 to %s", r.Source, tc.q.DestinationIP)
			}
			i := slices.IndexFunc(r.Forward, func(h Hop) bool { return h.Kind == "nat-gateway" })
			if i < 0 || r.Forward[i].Translated == nil || !r.Forward[i].Header.Dst.Is6() || !r.Forward[i].Translated.Dst.Is4() {
				t.Fatalf("no NAT64 hop on the way: %+v", r.Forward)
			}
			if tc.q.Protocol == 58 && (r.Target.Protocol != 1 || r.Target.ICMPType != 8) {
				t.Errorf("delivered %s, want an ICMP echo request", r.Target)
			}
			// The reply comes back through the gateway as IPv6 from the address asked.
			j := slices.IndexFunc(r.Return, func(h Hop) bool { return h.Kind == "nat-gateway" })
			if j < 0 || r.Return[j].Translated == nil {
				t.Fatalf("no NAT64 hop on the way back: %+v", r.Return)
			}
			back := *r.Return[j].Translated
			if back.Src != tc.q.DestinationIP || back.Dst != r.Source.Src || (tc.q.Protocol == 58 && (back.Protocol != 58 || back.ICMPType != 129)) {
				t.Errorf("the reply leaves the gateway as %s", back)
			}
		})
	}
	r := analyze(t, b.n, q(x, "", "2001:db8::1", 6, 443))
	if e := r.Explanations[0]; e.ID != nat || e.Address != addr("2001:db8::1") {
		t.Errorf("outside the prefix: explained at %s %s, want %s", e.ID, e.Address, nat)
	}
}

// TestRegionalNatGateway follows flows through a regional NAT gateway as plan lays it
// out: no subnet, each flow leaving from the public address of its source's zone and
// routed on by the gateway's own route table to the internet gateway, which lets it out
// as it is; only replies come back in; IPv6 is dropped.
func TestRegionalNatGateway(t *testing.T) {
	b := newNet()
	vpc := b.vpc("10.0.0.0/16")
	igw := b.gateway(vpc)
	snA, rtA, _ := b.subnet(vpc, "10.0.1.0/24")
	snB, rtB, _ := b.subnet(vpc, "10.0.2.0/24")
	b.n.Subnets[snA].Zone, b.n.Subnets[snB].Zone = "us-east-1a", "us-east-1b"
	b.dualStack(vpc, "2600:1f18:0:100::/56")
	a, _ := b.instance(snA, "10.0.1.10")
	c, eniC := b.instance(snB, "10.0.2.10")
	b.n.Interfaces[eniC].IPv6Addresses = []netip.Addr{addr("2600:1f18:0:102::c")}
	b.n.SecurityGroups[b.open].Rules = append(b.n.SecurityGroups[b.open].Rules,
		model.SecurityGroupRule{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("::/0")})

	nat, rtN, bare, rtBare := b.id("nat"), b.id("rtb"), b.id("nat"), b.id("rtb")
	b.n.RouteTables[rtN] = &model.RouteTable{ID: rtN, VPC: vpc, Routes: []model.Route{{Destination: pfx("10.0.0.0/16"), Target: "local"}}}
	b.route(rtN, "0.0.0.0/0", igw)
	b.n.RouteTables[rtBare] = &model.RouteTable{ID: rtBare, VPC: vpc, Routes: []model.Route{{Destination: pfx("10.0.0.0/16"), Target: "local"}}}
	b.n.NatGateways[nat] = &model.NatGateway{ID: nat, VPC: vpc, Regional: true, Public: true, RouteTable: rtN, Addresses: []model.NatZoneAddress{
		{Zone: "us-east-1a", Public: addr("198.51.100.20")}, {Zone: "us-east-1b", Public: addr("198.51.100.21")}}}
	b.n.NatGateways[bare] = &model.NatGateway{ID: bare, VPC: vpc, Regional: true, Public: true, RouteTable: rtBare, Addresses: []model.NatZoneAddress{
		{Zone: "us-east-1a", Public: addr("198.51.100.30")}}}
	b.route(rtA, "0.0.0.0/0", nat)
	b.route(rtB, "0.0.0.0/0", nat)
	b.route(rtB, "64:ff9b::/96", nat)
	b.route(rtA, "203.0.113.0/24", bare)

	for _, tc := range []struct {
		name string
		q    Query
		want []string // codes; none means reachable
		src  string   // the source the destination sees, when reachable
	}{
		{"zone a leaves from zone a's address", Query{Source: a, Destination: igw, Protocol: 6, DestinationPort: 443}, nil, "198.51.100.20"},
		{"zone b leaves from zone b's address", Query{Source: c, Destination: igw, Protocol: 17, DestinationPort: 53}, nil, "198.51.100.21"},
		{"ICMP echo", Query{Source: a, DestinationIP: addr("192.0.2.1"), Protocol: 1}, nil, "198.51.100.20"},
		{"to the gateway itself", Query{Source: a, Destination: nat, DestinationIP: addr("192.0.2.1"), Protocol: 6, DestinationPort: 443}, nil, "10.0.1.10"},
		{"nothing opens in from the internet", Query{Source: igw, DestinationIP: addr("198.51.100.21"), Protocol: 6, DestinationPort: 22},
			[]string{CodeNatInbound}, ""},
		{"a gateway whose table has no route on", Query{Source: a, DestinationIP: addr("203.0.113.9"), Protocol: 6, DestinationPort: 443},
			[]string{CodeNoRoute}, ""},
		{"IPv6 to a regional gateway is dropped", Query{Source: c, DestinationIP: addr("64:ff9b::192.0.2.1"), Protocol: 6, DestinationPort: 443},
			[]string{CodeBlackhole}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := analyzeFor(t, b.n, tc.q, tc.want)
			if tc.want != nil {
				return
			}
			if r.Target.Src != addr(tc.src) {
				t.Errorf("delivered %s, want from %s", r.Target, tc.src)
			}
			if i := slices.IndexFunc(r.Forward, func(h Hop) bool { return h.Kind == "nat-gateway" && h.ID == nat }); i < 0 {
				t.Errorf("the path does not pass %s: %+v", nat, r.Forward)
			}
			if len(r.Return) == 0 {
				t.Error("no return path")
			}
		})
	}
}
