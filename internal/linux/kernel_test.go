package linux

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"vpcd/internal/plan"
)

// testbed is a realizer that owns the namespaces of one test, named prefix-*, and removes
// them when the test ends, also when it fails.
type testbed struct {
	t      *testing.T
	prefix string
	k      *Kernel
}

func newTestbed(t *testing.T) *testbed {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces")
	}
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	prefix := "vpcdt-" + hex.EncodeToString(b)
	tb := &testbed{t: t, prefix: prefix}
	tb.k = New(Config{
		Owned:  func(ns string) bool { return strings.HasPrefix(ns, prefix+"-") },
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	t.Cleanup(func() {
		if err := tb.k.Destroy(context.Background()); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		names, _ := listNamespaces()
		for _, n := range names {
			if strings.HasPrefix(n, prefix) {
				t.Errorf("namespace %s left behind", n)
			}
		}
	})
	return tb
}

func (tb *testbed) ns(name string) string { return tb.prefix + "-" + name }

// apply applies the state and fails the test on error; it returns the number of changes.
func (tb *testbed) apply(s plan.State) int {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := tb.k.Apply(ctx, s)
	if err != nil {
		tb.t.Fatalf("apply: %v", err)
	}
	return n
}

// converge applies s, expects changes, then applies again and expects none.
func (tb *testbed) converge(s plan.State, what string) {
	tb.t.Helper()
	if n := tb.apply(s); n == 0 {
		tb.t.Errorf("%s: apply made no change", what)
	}
	if n := tb.apply(s); n != 0 {
		tb.t.Errorf("%s: second apply made %d changes, want 0", what, n)
	}
}

// sh runs a command inside a namespace of the test.
func (tb *testbed) sh(ns string, args ...string) (string, error) {
	out, err := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (tb *testbed) must(ns string, args ...string) string {
	tb.t.Helper()
	out, err := tb.sh(ns, args...)
	if err != nil {
		tb.t.Fatalf("%s: %s: %v: %s", ns, strings.Join(args, " "), err, out)
	}
	return out
}

var python = sync.OnceValue(func() string {
	// Resolve pyenv's shim once: the real interpreter starts faster.
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		return "python3"
	}
	return strings.TrimSpace(string(out))
})

func probePath(t *testing.T) string {
	p, err := filepath.Abs("testdata/probe.py")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// probe runs testdata/probe.py in a namespace and reports whether the exchange succeeded,
// with what it printed.
func (tb *testbed) probe(ns string, args ...string) (string, bool) {
	out, err := tb.sh(ns, append([]string{python(), probePath(tb.t)}, args...)...)
	return out, err == nil
}

// serve starts a probe server in a namespace until the test ends.
func (tb *testbed) serve(ns string, args ...string) {
	tb.t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns, python(), probePath(tb.t)}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- strings.TrimSpace(line) == "ready"
	}()
	select {
	case ok := <-ready:
		if !ok {
			tb.t.Fatalf("server %v in %s did not start", args, ns)
		}
	case <-time.After(10 * time.Second):
		tb.t.Fatalf("server %v in %s: no ready line", args, ns)
	}
}

func (tb *testbed) ping(ns, dst string) bool {
	_, ok := tb.probe(ns, "ping", dst, "1")
	return ok
}

// vpc is the test topology: instances on two subnets behind a router namespace that
// routes per input interface (table 100), answers ARP for the subnet routers, and,
// optionally, an internet namespace behind an internet gateway link.
type vpc struct {
	tb       *testbed
	i1, i2   string // instance namespaces
	router   string
	internet string // "" for none
	firewall *plan.Firewall
	// i1Extra is a second address of i1 that its ENI does not own (for spoofing).
	i1Extra bool
}

func newVPC(tb *testbed) *vpc {
	return &vpc{tb: tb, i1: tb.ns("i1"), i2: tb.ns("i2"), router: tb.ns("router")}
}

func instance(name, router, routerLink string, addrs []netip.Prefix, gw string) plan.Namespace {
	return plan.Namespace{
		Name: name,
		Links: []plan.Link{{
			Name: "eth0", Kind: "veth", Peer: plan.LinkEnd{Namespace: router, Name: routerLink},
			MAC: "0a:00:00:00:00:" + routerLink[len(routerLink)-1:] + "1", MTU: 9001, Addrs: addrs,
		}},
		Routes: []plan.Route{{Dst: pfx("0.0.0.0/0"), Type: plan.RouteUnicast, Dev: "eth0", Gateway: addr(gw)}},
	}
}

func (v *vpc) state() plan.State {
	i1Addrs := []netip.Prefix{pfx("10.0.1.10/24")}
	if v.i1Extra {
		i1Addrs = append(i1Addrs, pfx("10.0.1.99/24"))
	}
	eni := map[string]string{"proxy_arp": "1", "rp_filter": "0"}
	router := plan.Namespace{
		Name: v.router,
		Sysctls: map[string]string{
			"net.ipv4.ip_forward":             "1",
			"net.ipv4.conf.all.rp_filter":     "0",
			"net.ipv4.conf.default.rp_filter": "0",
		},
		Links: []plan.Link{
			{Name: "r-i1", Kind: "veth", Peer: plan.LinkEnd{Namespace: v.i1, Name: "eth0"}, MTU: 9001,
				Addrs: []netip.Prefix{pfx("10.0.1.1/32")}, Sysctls: eni},
			{Name: "r-i2", Kind: "veth", Peer: plan.LinkEnd{Namespace: v.i2, Name: "eth0"}, MTU: 9001,
				Addrs: []netip.Prefix{pfx("10.0.2.1/32")}, Sysctls: eni},
		},
		Routes: []plan.Route{
			{Table: 100, Dst: pfx("10.0.1.10/32"), Type: plan.RouteUnicast, Dev: "r-i1"},
			{Table: 100, Dst: pfx("10.0.1.99/32"), Type: plan.RouteUnicast, Dev: "r-i1"},
			{Table: 100, Dst: pfx("10.0.2.20/32"), Type: plan.RouteUnicast, Dev: "r-i2"},
			{Table: 100, Dst: pfx("10.9.0.0/16"), Type: plan.RouteBlackhole},
		},
		Rules: []plan.Rule{
			{Priority: 1000, IIF: "r-i1", Table: 100},
			{Priority: 1001, IIF: "r-i2", Table: 100},
		},
		Firewall: v.firewall,
	}
	s := plan.State{}
	if v.internet != "" {
		router.Links = append(router.Links, plan.Link{Name: "igw", Kind: "veth",
			Peer: plan.LinkEnd{Namespace: v.internet, Name: "eth0"}, Addrs: []netip.Prefix{pfx("203.0.113.254/24")},
			Sysctls: map[string]string{"rp_filter": "0"}})
		router.Routes = append(router.Routes, plan.Route{Table: 100, Dst: pfx("0.0.0.0/0"), Type: plan.RouteUnicast, Dev: "igw"})
		router.Rules = append(router.Rules, plan.Rule{Priority: 1002, IIF: "igw", Table: 100})
		s.Namespaces = append(s.Namespaces, plan.Namespace{
			Name: v.internet,
			Links: []plan.Link{{Name: "eth0", Kind: "veth", Peer: plan.LinkEnd{Namespace: v.router, Name: "igw"},
				Addrs: []netip.Prefix{pfx("203.0.113.1/24")}}},
			Routes: []plan.Route{{Dst: pfx("198.51.100.0/24"), Type: plan.RouteUnicast, Dev: "eth0", Gateway: addr("203.0.113.254")}},
		})
	}
	s.Namespaces = append(s.Namespaces,
		instance(v.i1, v.router, "r-i1", i1Addrs, "10.0.1.1"),
		instance(v.i2, v.router, "r-i2", []netip.Prefix{pfx("10.0.2.20/24")}, "10.0.2.1"),
		router)
	return s
}

// TestSysctlPerNamespace checks the premise of setSysctls: a thread inside a namespace
// writes that namespace's /proc/sys/net, and the host's stays as it was.
func TestSysctlPerNamespace(t *testing.T) {
	tb := newTestbed(t)
	host, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	if err != nil {
		t.Fatal(err)
	}
	want := "1"
	if strings.TrimSpace(string(host)) == "1" {
		want = "0"
	}
	ns := tb.ns("a")
	tb.converge(plan.State{Namespaces: []plan.Namespace{{Name: ns, Sysctls: map[string]string{"net.ipv4.ip_forward": want}}}}, "sysctl")
	if got := tb.must(ns, "cat", "/proc/sys/net/ipv4/ip_forward"); got != want {
		t.Errorf("ip_forward in the namespace is %s, want %s", got, want)
	}
	after, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	if string(after) != string(host) {
		t.Errorf("host ip_forward changed from %q to %q", host, after)
	}
}

func TestRoutingAndDrift(t *testing.T) {
	tb := newTestbed(t)
	v := newVPC(tb)
	tb.converge(v.state(), "first apply")
	reach := func(when string) {
		t.Helper()
		if !tb.ping(v.i1, "10.0.2.20") {
			t.Errorf("%s: i1 cannot ping i2", when)
		}
		if !tb.ping(v.i2, "10.0.1.10") {
			t.Errorf("%s: i2 cannot ping i1", when)
		}
	}
	reach("after apply")
	if got := tb.must(v.i1, "cat", "/sys/class/net/eth0/address"); got != "0a:00:00:00:00:11" {
		t.Errorf("i1 eth0 MAC %s", got)
	}
	if got := tb.must(v.router, "cat", "/proc/sys/net/ipv4/conf/r-i1/proxy_arp"); got != "1" {
		t.Errorf("proxy_arp on r-i1 is %s", got)
	}

	for _, c := range []struct {
		name string
		ns   string
		cmd  []string
	}{
		{"route deleted", v.router, []string{"ip", "route", "del", "10.0.2.20/32", "table", "100"}},
		{"route changed", v.router, []string{"ip", "route", "replace", "10.0.2.20/32", "dev", "r-i1", "table", "100"}},
		{"extra route", v.router, []string{"ip", "route", "add", "10.0.7.0/24", "dev", "r-i1", "table", "100"}},
		{"default route deleted", v.i1, []string{"ip", "route", "del", "default"}},
		{"rule deleted", v.router, []string{"ip", "rule", "del", "pref", "1001"}},
		{"extra rule", v.router, []string{"ip", "rule", "add", "pref", "1500", "iif", "r-i1", "table", "200"}},
		{"address deleted", v.i2, []string{"ip", "addr", "del", "10.0.2.20/24", "dev", "eth0"}},
		{"extra address", v.i2, []string{"ip", "addr", "add", "10.0.2.77/24", "dev", "eth0"}},
		{"link down", v.router, []string{"ip", "link", "set", "r-i2", "down"}},
		{"MTU changed", v.router, []string{"ip", "link", "set", "r-i2", "mtu", "1500"}},
		{"link deleted", v.i1, []string{"ip", "link", "del", "eth0"}},
		{"extra veth", v.router, []string{"ip", "link", "add", "stray0", "type", "veth", "peer", "name", "stray1"}},
		{"sysctl flipped", v.router, []string{"sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward"}},
		{"link sysctl flipped", v.router, []string{"sh", "-c", "echo 0 > /proc/sys/net/ipv4/conf/r-i1/proxy_arp"}},
	} {
		tb.must(c.ns, c.cmd...)
		tb.converge(v.state(), c.name)
		reach(c.name)
	}

	// A whole namespace goes: the next apply makes it again, with its veth pair.
	if out, err := exec.Command("ip", "netns", "del", v.i2).CombinedOutput(); err != nil {
		t.Fatalf("ip netns del: %v: %s", err, out)
	}
	tb.converge(v.state(), "namespace deleted")
	reach("namespace deleted")

	// An instance leaves the plan: its namespace and the router's side of its link go.
	s := v.state()
	s.Namespaces = s.Namespaces[1:] // i1
	router := &s.Namespaces[len(s.Namespaces)-1]
	router.Links = router.Links[1:]
	router.Routes = router.Routes[2:]
	router.Rules = router.Rules[1:]
	tb.converge(s, "instance removed")
	if names, _ := listNamespaces(); contains(names, v.i1) {
		t.Errorf("namespace %s still exists", v.i1)
	}
	if _, err := tb.sh(v.router, "ip", "link", "show", "r-i1"); err == nil {
		t.Errorf("router still has r-i1")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestApplyRefusesForeignNamespace(t *testing.T) {
	k := New(Config{Owned: func(ns string) bool { return strings.HasPrefix(ns, "vpcdt-") }})
	_, err := k.Apply(context.Background(), plan.State{Namespaces: []plan.Namespace{{Name: "somebody-else"}}})
	if err == nil {
		t.Fatal("apply of a namespace that is not owned succeeded")
	}
	if err := k.Destroy(context.Background(), "somebody-else"); err == nil {
		t.Fatal("destroy of a namespace that is not owned succeeded")
	}
}
