package linux

import (
	"net/netip"
	"strings"
	"testing"

	"vpcd/internal/plan"
)

// TestOverlayLink makes a router's VXLAN link from a simulated host's namespace, with its
// forwarding entries, neighbours and a route into it: a second apply changes nothing (the
// entries read back as planned), changed entries are replaced, and a firewall whose
// subnet has remote interfaces reads back as compiled. Leaving the underlay removes the
// hosts' namespaces and, with the last, the underlay's.
func TestOverlayLink(t *testing.T) {
	tb := newTestbed(t)
	// Not the testbed's (tb.ns): its realizer would delete them as not planned.
	host, other, underlay := tb.prefix+"_h1", tb.prefix+"_h2", tb.prefix+"_underlay"
	t.Cleanup(func() {
		for _, h := range []string{host, other} {
			if err := LeaveUnderlay(h, underlay); err != nil {
				t.Errorf("leave %s: %v", h, err)
			}
		}
		for _, ns := range []string{host, other, underlay} {
			if HasNamespace(ns) {
				t.Errorf("%s is left", ns)
			}
		}
	})
	for i, h := range []string{host, other} {
		if err := JoinUnderlay(h, underlay, netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18, 0, byte(i + 1)}), 24), 0); err != nil {
			t.Fatal(err)
		}
	}
	// Joining again changes nothing and fails nothing.
	if err := JoinUnderlay(host, underlay, pfx("198.18.0.1/24"), 0); err != nil {
		t.Fatal(err)
	}
	tb.k.home = host
	v := newVPC(tb)
	v.firewall = testFirewall()
	v.firewall.Subnets = append(v.firewall.Subnets, plan.FirewallSubnet{Name: "s-remote", Links: []string{"r-i1"},
		Remote: []netip.Addr{addr("10.0.1.77"), addr("2600:1f18::77")}})
	vx := &plan.VXLAN{VNI: 42, Local: addr("198.18.0.1"),
		FDB:        []plan.FDBEntry{{MAC: "02:00:00:00:00:02", Dst: addr("198.18.0.2")}},
		Neighbours: []plan.Neighbour{{Addr: addr("10.0.1.77"), MAC: "02:00:00:00:00:02"}}}
	state := func() plan.State {
		s := v.state()
		r := &s.Namespaces[len(s.Namespaces)-1]
		r.Links = append(r.Links, plan.Link{Name: plan.OverlayLink, Kind: "vxlan", MAC: "02:00:00:00:00:01", MTU: 1450, VXLAN: vx,
			Sysctls: map[string]string{"rp_filter": "0"}})
		r.Routes = append(r.Routes, plan.Route{Table: 100, Dst: pfx("10.0.1.77/32"), Type: plan.RouteUnicast, Dev: plan.OverlayLink})
		return s
	}
	tb.converge(state(), "a router with an overlay link")
	if out := tb.must(v.router, "bridge", "fdb", "show", "dev", "vx"); !containsAll(out, "02:00:00:00:00:02", "dst 198.18.0.2", "permanent") {
		t.Errorf("fdb of vx: %s", out)
	}
	if out := tb.must(v.router, "ip", "neigh", "show", "dev", "vx"); !containsAll(out, "10.0.1.77", "02:00:00:00:00:02", "PERMANENT") {
		t.Errorf("neighbours of vx: %s", out)
	}
	// A fresh realizer reads the firewall back: as compiled, nothing to change.
	tb.k = New(Config{Owned: tb.k.owned, Logger: tb.k.log, Home: host})
	if n := tb.apply(state()); n != 0 {
		t.Errorf("a fresh realizer made %d changes", n)
	}
	vx.FDB[0].Dst = addr("198.18.0.3")
	vx.Neighbours[0].MAC = "02:00:00:00:00:03"
	tb.converge(state(), "the remote router moved")
	vx.VNI = 43
	tb.converge(state(), "another VNI")
	tb.converge(v.state(), "the overlay link no longer planned")
	if out, err := tb.sh(v.router, "ip", "link", "show", "vx"); err == nil {
		t.Errorf("vx is still there: %s", out)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
