package linux

import (
	"net/netip"
	"testing"

	"vpcd/internal/plan"
)

func aclRule(number int, allow bool, proto, from, to int, cidr string) plan.ACLRule {
	return plan.ACLRule{Number: number, Allow: allow, Protocol: proto, FromPort: from, ToPort: to, CIDR: pfx(cidr)}
}

var (
	aclAllowAll = []plan.ACLRule{aclRule(100, true, -1, -1, -1, "0.0.0.0/0"), aclRule(32767, false, -1, -1, -1, "0.0.0.0/0")}
	aclDenyAll  = []plan.ACLRule{aclRule(32767, false, -1, -1, -1, "0.0.0.0/0")}
)

// aclVPC is the test VPC with a third instance, i3 (10.0.1.30), in i1's subnet, security
// groups that let everything through, and the ACLs of subnet a (i1, i3) and b (i2).
func aclVPC(tb *testbed, a, b plan.FirewallSubnet) (*vpc, func() plan.State) {
	v := newVPC(tb)
	i3 := tb.ns("i3")
	open := []plan.Permission{perm(-1, -1, -1, "0.0.0.0/0")}
	a.Name, a.Links = "subnet-a", []string{"r-i1", "r-i3"}
	b.Name, b.Links = "subnet-b", []string{"r-i2"}
	v.firewall = &plan.Firewall{
		Interfaces: []plan.FirewallInterface{
			{Link: "r-i1", Addrs: []netip.Addr{addr("10.0.1.10")}, Egress: open, Ingress: open},
			{Link: "r-i2", Addrs: []netip.Addr{addr("10.0.2.20")}, Egress: open, Ingress: open},
			{Link: "r-i3", Addrs: []netip.Addr{addr("10.0.1.30")}, Egress: open, Ingress: open},
		},
		Subnets:   []plan.FirewallSubnet{a, b},
		ACLExempt: []netip.Addr{addr("10.0.0.2"), addr("169.254.169.254")},
	}
	return v, func() plan.State {
		s := v.state()
		router := &s.Namespaces[len(s.Namespaces)-1]
		router.Links = append(router.Links, plan.Link{Name: "r-i3", Kind: "veth", Peer: plan.LinkEnd{Namespace: i3, Name: "eth0"}, MTU: 9001,
			Addrs: []netip.Prefix{pfx("10.0.1.1/32")}, Sysctls: map[string]string{"proxy_arp": "1", "rp_filter": "0"}})
		router.Routes = append(router.Routes, plan.Route{Table: 100, Dst: pfx("10.0.1.30/32"), Type: plan.RouteUnicast, Dev: "r-i3"})
		router.Rules = append(router.Rules, plan.Rule{Priority: 1003, IIF: "r-i3", Table: 100})
		s.Namespaces = append(s.Namespaces, instance(i3, v.router, "r-i3", []netip.Prefix{pfx("10.0.1.30/24")}, "10.0.1.1"))
		return s
	}
}

// TestACLTraffic sends real packets through compiled ACLs: first match by number,
// statelessness (replies need their own rule), and no ACL inside a subnet.
func TestACLTraffic(t *testing.T) {
	tb := newTestbed(t)
	b := plan.FirewallSubnet{
		Ingress: []plan.ACLRule{
			aclRule(100, false, 6, 8080, 8080, "10.0.1.10/32"),
			aclRule(110, true, 6, 8080, 8081, "10.0.0.0/16"),
			aclRule(120, true, 1, 8, -1, "10.0.0.0/16"),
			aclRule(32767, false, -1, -1, -1, "0.0.0.0/0"),
		},
		Egress: []plan.ACLRule{
			aclRule(100, true, 6, 1024, 65535, "10.0.0.0/16"),
			aclRule(110, true, 1, 0, -1, "10.0.0.0/16"),
			aclRule(32767, false, -1, -1, -1, "0.0.0.0/0"),
		},
	}
	v, state := aclVPC(tb, plan.FirewallSubnet{Ingress: aclAllowAll, Egress: aclAllowAll}, b)
	i3 := tb.ns("i3")
	tb.converge(state(), "first apply")
	tb.serve(v.i2, "tcp-serve", "10.0.2.20", "8080")
	tb.serve(v.i2, "tcp-serve", "10.0.2.20", "8081")
	tb.serve(v.i2, "tcp-serve", "10.0.2.20", "8082")
	tb.serve(i3, "tcp-serve", "10.0.1.30", "9000")

	check := func(name string, want bool, ns string, args ...string) {
		t.Helper()
		if out, ok := tb.probe(ns, args...); ok != want {
			t.Errorf("%s: got through %v, want %v (%s)", name, ok, want, out)
		}
	}
	check("deny 100 before allow 110", false, v.i1, "tcp-connect", "10.0.2.20", "8080", "1")
	check("allow 110 for another port", true, v.i1, "tcp-connect", "10.0.2.20", "8081", "2")
	check("allow 110 for another source", true, i3, "tcp-connect", "10.0.2.20", "8080", "2")
	check("no rule: the * rule denies", false, v.i1, "tcp-connect", "10.0.2.20", "8082", "1")
	if !tb.ping(v.i1, "10.0.2.20") {
		t.Errorf("icmp echo allowed in by 120 and its reply out by 110: no reply")
	}

	// Stateless: without the ephemeral ports outbound, the replies are dropped.
	v.firewall.Subnets[1].Egress = []plan.ACLRule{aclRule(100, true, 6, 80, 80, "10.0.0.0/16")}
	tb.converge(state(), "ephemeral ports removed")
	check("reply without an egress rule for it", false, v.i1, "tcp-connect", "10.0.2.20", "8081", "1")

	// Deny everything on subnet a: traffic inside it still flows, traffic out does not.
	v.firewall.Subnets[0].Ingress, v.firewall.Subnets[0].Egress = aclDenyAll, aclDenyAll
	v.firewall.Subnets[1].Egress = b.Egress
	tb.converge(state(), "subnet a denies all")
	check("inside the subnet", true, v.i1, "tcp-connect", "10.0.1.30", "9000", "2")
	check("leaving the subnet", false, v.i1, "tcp-connect", "10.0.2.20", "8081", "1")
	check("entering the subnet", false, v.i2, "tcp-connect", "10.0.1.30", "9000", "1")

	// Back to allow all: the same flows pass again.
	v.firewall.Subnets[0].Ingress, v.firewall.Subnets[0].Egress = aclAllowAll, aclAllowAll
	tb.converge(state(), "subnet a allows all")
	check("leaving the subnet again", true, v.i1, "tcp-connect", "10.0.2.20", "8081", "2")
}
