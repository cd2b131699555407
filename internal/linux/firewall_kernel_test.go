package linux

import (
	"net/netip"
	"testing"

	"github.com/google/nftables"
	"github.com/vishvananda/netns"

	"vpcd/internal/plan"
)

func perm(proto, from, to int, peers ...string) plan.Permission {
	p := plan.Permission{Protocol: proto, FromPort: from, ToPort: to}
	for _, s := range peers {
		p.Peers = append(p.Peers, pfx(s))
	}
	return p
}

// testFirewall: i1 may send TCP 8080, 8081, UDP 9000, 9001 and ICMP echo to subnet 2 and TCP
// 7000 anywhere; i2 accepts TCP 8080, 8082, UDP 9000 and ICMP echo from the VPC and sends
// nothing of its own. i1 accepts TCP 8080 from anywhere and is 198.51.100.10 beyond igw.
func testFirewall() *plan.Firewall {
	return &plan.Firewall{
		Interfaces: []plan.FirewallInterface{
			{
				Link: "r-i1", Addrs: []netip.Addr{addr("10.0.1.10")}, SourceDestCheck: true,
				Egress: []plan.Permission{
					perm(6, 8080, 8081, "10.0.2.0/24"),
					perm(17, 9000, 9001, "10.0.2.0/24"),
					perm(1, 8, -1, "10.0.2.0/24"),
					perm(6, 7000, 7000, "0.0.0.0/0"),
				},
				Ingress: []plan.Permission{perm(6, 8080, 8080, "0.0.0.0/0")},
			},
			{
				Link: "r-i2", Addrs: []netip.Addr{addr("10.0.2.20")}, SourceDestCheck: true,
				Ingress: []plan.Permission{
					perm(6, 8080, 8080, "10.0.1.0/24"),
					perm(6, 8082, 8082, "10.0.1.0/24"),
					perm(17, 9000, 9000, "10.0.0.0/16"),
					perm(1, 8, -1, "10.0.1.0/24"),
				},
			},
		},
		NAT: []plan.NAT{{Link: "igw", Private: addr("10.0.1.10"), Public: addr("198.51.100.10")}},
	}
}

func TestFirewallTraffic(t *testing.T) {
	tb := newTestbed(t)
	v := newVPC(tb)
	v.internet = tb.ns("internet")
	v.i1Extra = true
	v.firewall = testFirewall()
	tb.converge(v.state(), "first apply")

	tb.serve(v.i2, "tcp-serve", "10.0.2.20", "8080")
	tb.serve(v.i2, "tcp-serve", "10.0.2.20", "8081")
	tb.serve(v.i2, "tcp-serve", "10.0.2.20", "8082")
	tb.serve(v.i2, "udp-serve", "10.0.2.20", "9000")
	tb.serve(v.i2, "udp-serve", "10.0.2.20", "9001")
	tb.serve(v.i1, "tcp-serve", "10.0.1.10", "8080")
	tb.serve(v.internet, "tcp-serve", "203.0.113.1", "7000")

	check := func(name string, want bool, ns string, args ...string) string {
		t.Helper()
		out, ok := tb.probe(ns, args...)
		if ok != want {
			t.Errorf("%s: got through %v, want %v (%s)", name, ok, want, out)
		}
		return out
	}
	check("tcp allowed by egress and ingress, reply by state", true, v.i1, "tcp-connect", "10.0.2.20", "8080", "2")
	check("tcp denied by ingress only", false, v.i1, "tcp-connect", "10.0.2.20", "8081", "1")
	check("tcp denied by egress only", false, v.i1, "tcp-connect", "10.0.2.20", "8082", "1")
	check("tcp from a sender without egress permissions", false, v.i2, "tcp-connect", "10.0.1.10", "8080", "1")
	check("udp allowed", true, v.i1, "udp-send", "10.0.2.20", "9000", "2")
	check("udp denied by ingress", false, v.i1, "udp-send", "10.0.2.20", "9001", "1")
	if !tb.ping(v.i1, "10.0.2.20") {
		t.Errorf("icmp echo allowed by type 8: no reply")
	}
	if tb.ping(v.i2, "10.0.1.10") {
		t.Errorf("icmp echo from i2, which may send nothing, got a reply")
	}
	check("spoofed source with source/dest check", false, v.i1, "udp-send", "10.0.2.20", "9000", "1", "10.0.1.99")

	// 1:1 NAT: the internet sees the public address, and the public address reaches i1.
	if out := check("to the internet", true, v.i1, "tcp-connect", "203.0.113.1", "7000", "2"); out != "198.51.100.10" {
		t.Errorf("the internet saw %q, want 198.51.100.10", out)
	}
	if out := check("from the internet to the public address", true, v.internet, "tcp-connect", "198.51.100.10", "8080", "2"); out != "203.0.113.1" {
		t.Errorf("i1 saw %q, want 203.0.113.1", out)
	}

	// Source/dest check off: the same spoofed datagram goes through.
	v.firewall.Interfaces[0].SourceDestCheck = false
	tb.converge(v.state(), "source/dest check off")
	check("spoofed source without source/dest check", true, v.i1, "udp-send", "10.0.2.20", "9000", "2", "10.0.1.99")

	// A permission goes: new connections stop.
	v.firewall.Interfaces[1].Ingress = v.firewall.Interfaces[1].Ingress[1:]
	tb.converge(v.state(), "permission removed")
	check("tcp after its ingress permission went", false, v.i1, "tcp-connect", "10.0.2.20", "8080", "1")

	// Someone deletes the table: the next apply puts it back.
	deleteTable(t, v.router)
	check("tcp without a firewall", true, v.i1, "tcp-connect", "10.0.2.20", "8080", "2")
	tb.converge(v.state(), "table deleted")
	check("tcp after the firewall came back", false, v.i1, "tcp-connect", "10.0.2.20", "8080", "1")

	// The firewall leaves the plan: the table goes.
	v.firewall = nil
	tb.converge(v.state(), "firewall removed")
	check("tcp with no firewall in the plan", true, v.i1, "tcp-connect", "10.0.2.20", "8081", "2")
}

func deleteTable(t *testing.T, ns string) {
	t.Helper()
	nft(t, ns, func(conn *nftables.Conn) {
		conn.DelTable(&nftables.Table{Name: tableName, Family: nftables.TableFamilyINet})
	})
}

// TestFirewallDriftAfterCheck changes a ruleset that an apply has read back and found
// right: the apply that follows, which reads back only rulesets whose generation moved,
// must still see the change and repair it, and a change to another table alone must not
// make it replace its own.
func TestFirewallDriftAfterCheck(t *testing.T) {
	tb := newTestbed(t)
	v := newVPC(tb)
	v.firewall = testFirewall()
	if n := tb.apply(v.state()); n == 0 {
		t.Fatalf("the first apply made no change")
	}
	// What an apply installed itself, alone in its generation, the next need not read back.
	if !trusted(t, tb.k, v.router) {
		t.Errorf("the ruleset that the first apply installed is to be read back")
	}
	if n := tb.apply(v.state()); n != 0 {
		t.Errorf("the second apply made %d changes", n)
	}

	nft(t, v.router, func(conn *nftables.Conn) {
		table := &nftables.Table{Name: tableName, Family: nftables.TableFamilyINet}
		rules, err := conn.GetRules(table, &nftables.Chain{Name: "forward", Table: table})
		if err != nil || len(rules) == 0 {
			t.Fatalf("rules of chain forward: %d, %v", len(rules), err)
		}
		conn.DelRule(rules[len(rules)-1])
	})
	tb.converge(v.state(), "a rule deleted")

	other := &nftables.Table{Name: "other", Family: nftables.TableFamilyINet}
	nft(t, v.router, func(conn *nftables.Conn) { conn.AddTable(other) })
	if n := tb.apply(v.state()); n != 0 {
		t.Errorf("a table of someone else's made the apply change %d things", n)
	}
	nft(t, v.router, func(conn *nftables.Conn) { conn.DelTable(other) })
}

// trusted reports whether k remembers the namespace's ruleset as right at the generation
// that the namespace is at.
func trusted(t *testing.T, k *Kernel, ns string) bool {
	t.Helper()
	h, err := netns.GetFromName(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	gen, err := generation(&nsConn{name: ns, fd: h})
	if err != nil {
		t.Fatal(err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	last, ok := k.rulesets[ns]
	return ok && last.gen == gen
}

// nft runs a batch of nftables changes in the namespace.
func nft(t *testing.T, ns string, batch func(*nftables.Conn)) {
	t.Helper()
	h, err := netns.GetFromName(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	conn, err := nftables.New(nftables.WithNetNSFd(int(h)))
	if err != nil {
		t.Fatal(err)
	}
	batch(conn)
	if err := conn.Flush(); err != nil {
		t.Fatal(err)
	}
}
