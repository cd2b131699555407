package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"vpcd/internal/linux"
	"vpcd/internal/plan"
)

// TestACLRoundTrips measures what network ACLs cost per packet: TCP request/response
// round trips per second between two instances in different subnets, through the real
// realizer's nftables table, with allow-all ACLs and with benchRuleCounts rules per direction on the
// server's subnet that the traffic must pass before its allow (the worst case of AWS's
// largest quota). Root only; it prints the figures for RESULTS.md. A benchmark, so that
// the test suite does not spend its 30 seconds:
//
//	go test -run '^$' -bench ACLRoundTrips -benchtime 1x -v ./bench/
func BenchmarkACLRoundTrips(t *testing.B) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces")
	}
	b := make([]byte, 3)
	rand.Read(b)
	prefix := "vpcdb-" + hex.EncodeToString(b) + "-"
	k := linux.New(linux.Config{Owned: func(ns string) bool { return strings.HasPrefix(ns, prefix) }})
	t.Cleanup(func() {
		if err := k.Destroy(context.Background()); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	script, _ := filepath.Abs("testdata/acl_rr.py")
	i1, i2, router := prefix+"i1", prefix+"i2", prefix+"router"
	apply := func(rules int) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := k.Apply(ctx, benchState(i1, i2, router, rules)); err != nil {
			t.Fatal(err)
		}
	}
	apply(0)
	srv := exec.Command("ip", "netns", "exec", i2, "python3", script, "serve", "10.0.2.20", "7000")
	out, _ := srv.StdoutPipe()
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	if line, _ := bufio.NewReader(out).ReadString('\n'); strings.TrimSpace(line) != "ready" {
		t.Fatal("server did not start")
	}
	measure := func() int {
		out, err := exec.Command("ip", "netns", "exec", i1, "python3", script, "run", "10.0.2.20", "7000", "5").CombinedOutput()
		if err != nil {
			t.Fatalf("client: %v: %s", err, out)
		}
		n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		return n
	}
	for round := range 3 {
		for _, rules := range benchRuleCounts {
			apply(rules)
			t.Logf("round %d: %2d ACL rules per direction before the allow: %d round trips/s", round, rules, measure())
		}
	}
}

// benchState is two instances, 10.0.1.10 in subnet a and 10.0.2.20 in subnet b, behind a
// router with open security groups. Subnet a allows all; subnet b has, per direction, n
// deny rules for other blocks before the allow that the traffic matches, so that the
// request meets n+1 rules entering b and the reply n+1 leaving it.
func benchState(i1, i2, router string, n int) plan.State {
	pfx := netip.MustParsePrefix
	open := []plan.Permission{{Protocol: -1, FromPort: -1, ToPort: -1, Peers: []netip.Prefix{pfx("0.0.0.0/0")}}}
	rules := func(n int) []plan.ACLRule {
		var out []plan.ACLRule
		for i := range n {
			out = append(out, plan.ACLRule{Number: 1 + i, Protocol: 6, FromPort: 0, ToPort: 65535,
				CIDR: netip.PrefixFrom(netip.AddrFrom4([4]byte{172, 16, byte(i), 0}), 24)})
		}
		return append(out, plan.ACLRule{Number: 100, Allow: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("10.0.0.0/16")},
			plan.ACLRule{Number: 32767, Protocol: -1, CIDR: pfx("0.0.0.0/0")})
	}
	eni := map[string]string{"proxy_arp": "1", "rp_filter": "0"}
	inst := func(name, link, cidr, gw string) plan.Namespace {
		return plan.Namespace{Name: name,
			Links:  []plan.Link{{Name: "eth0", Kind: "veth", Peer: plan.LinkEnd{Namespace: router, Name: link}, Addrs: []netip.Prefix{pfx(cidr)}}},
			Routes: []plan.Route{{Dst: pfx("0.0.0.0/0"), Type: plan.RouteUnicast, Dev: "eth0", Gateway: netip.MustParseAddr(gw)}}}
	}
	r := plan.Namespace{
		Name:    router,
		Sysctls: map[string]string{"net.ipv4.ip_forward": "1", "net.ipv4.conf.all.rp_filter": "0", "net.ipv4.conf.default.rp_filter": "0"},
		Links: []plan.Link{
			{Name: "r-i1", Kind: "veth", Peer: plan.LinkEnd{Namespace: i1, Name: "eth0"}, Addrs: []netip.Prefix{pfx("10.0.1.1/32")}, Sysctls: eni},
			{Name: "r-i2", Kind: "veth", Peer: plan.LinkEnd{Namespace: i2, Name: "eth0"}, Addrs: []netip.Prefix{pfx("10.0.2.1/32")}, Sysctls: eni},
		},
		Routes: []plan.Route{
			{Table: 100, Dst: pfx("10.0.1.10/32"), Type: plan.RouteUnicast, Dev: "r-i1"},
			{Table: 100, Dst: pfx("10.0.2.20/32"), Type: plan.RouteUnicast, Dev: "r-i2"},
		},
		Rules: []plan.Rule{{Priority: 1000, IIF: "r-i1", Table: 100}, {Priority: 1001, IIF: "r-i2", Table: 100}},
		Firewall: &plan.Firewall{
			Interfaces: []plan.FirewallInterface{
				{Link: "r-i1", Addrs: []netip.Addr{netip.MustParseAddr("10.0.1.10")}, SourceDestCheck: true, Egress: open, Ingress: open},
				{Link: "r-i2", Addrs: []netip.Addr{netip.MustParseAddr("10.0.2.20")}, SourceDestCheck: true, Egress: open, Ingress: open},
			},
			Subnets: []plan.FirewallSubnet{
				{Name: "subnet-a", Links: []string{"r-i1"}, Ingress: rules(0), Egress: rules(0)},
				{Name: "subnet-b", Links: []string{"r-i2"}, Ingress: rules(n), Egress: rules(n)},
			},
		},
	}
	return plan.State{Namespaces: []plan.Namespace{inst(i1, "r-i1", "10.0.1.10/24", "10.0.1.1"), inst(i2, "r-i2", "10.0.2.20/24", "10.0.2.1"), r}}
}

// benchRuleCounts are the ACL sizes measured: none, and 40 per direction, AWS's largest
// quota.
var benchRuleCounts = []int{0, 40}
