package plan

import (
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"vpcd/internal/model"
)

// vpnNetwork is the two-tier network with a virtual private gateway attached and one
// static VPN connection to 172.20.0.0/24: the public subnet's table routes it to the
// gateway, the main table propagates the gateway's routes.
func vpnNetwork(up1, up2 bool) *model.Network {
	n := twoTierNetwork()
	const vpc, vgw, vpn = "vpc-00000000000000001", "vgw-00000000000000001", "vpn-00000000000000001"
	lan := netip.MustParsePrefix("172.20.0.0/24")
	n.VpnGateways[vgw] = &model.VpnGateway{ID: vgw, VPC: vpc}
	n.VpnConnections[vpn] = &model.VpnConnection{ID: vpn, Gateway: vgw, CustomerGateway: netip.MustParseAddr("192.0.2.77"), StaticRoutesOnly: true,
		Routes: []netip.Prefix{lan}, Tunnels: [2]model.VpnTunnel{
			{OutsideIP: netip.MustParseAddr("203.0.113.10"), InsideCidr: netip.MustParsePrefix("169.254.10.0/30"), PreSharedKey: "k1", Up: up1},
			{OutsideIP: netip.MustParseAddr("198.51.100.10"), InsideCidr: netip.MustParsePrefix("169.254.11.0/30"), PreSharedKey: "k2", Up: up2}}}
	pub := n.RouteTables["rtb-000000000000public"]
	pub.Routes = append(slices.Clone(pub.Routes), model.Route{Destination: lan, Target: vgw})
	n.RouteTables["rtb-0000000000000main"].PropagatingVgws = []string{vgw}
	return n
}

// routeTo is the route of a kernel table to dst in the VPC's router.
func routeTo(st State, table int, dst string) (Route, bool) {
	for _, ns := range st.Namespaces {
		if ns.Name != RouterNamespace("vpc-00000000000000001") {
			continue
		}
		for _, r := range ns.Routes {
			if r.Table == table && r.Dst == netip.MustParsePrefix(dst) {
				return r, true
			}
		}
	}
	return Route{}, false
}

// TestComputeVpnTunnels checks the tunnels' layout: a namespace per tunnel at its outside
// address with the IKE daemon's tunnel, the tunnels' links in the router delivering to
// the local table and clamped, and the routes to the gateway, static and propagated, into
// the preferred tunnel that is up, or dropped while none is.
func TestComputeVpnTunnels(t *testing.T) {
	st := Compute(vpnNetwork(false, true), Internet)
	checkGolden(t, "testdata/vpn.golden", st.String())
	var tunnels []*IPsecTunnel
	for _, ns := range st.Namespaces {
		if ns.IPsec != nil {
			tunnels = append(tunnels, ns.IPsec)
		}
	}
	if len(tunnels) != 2 || tunnels[0].Local != netip.MustParseAddr("203.0.113.10") || tunnels[0].Remote != netip.MustParseAddr("192.0.2.77") ||
		tunnels[1].Link != tunnelLink("vpn-00000000000000001", 1) || tunnels[1].Router != "vpcd-vpc-00000000000000001" {
		t.Fatalf("tunnels %+v", tunnels)
	}
	for _, c := range []struct {
		name     string
		up1, up2 bool
		want     Route
	}{
		{"tunnel 1 preferred", true, true, Route{Type: RouteUnicast, Dev: tunnelLink("vpn-00000000000000001", 0)}},
		{"fails over to tunnel 2", false, true, Route{Type: RouteUnicast, Dev: tunnelLink("vpn-00000000000000001", 1)}},
		{"dropped while both are down", false, false, Route{Type: RouteBlackhole}},
	} {
		st := Compute(vpnNetwork(c.up1, c.up2), Internet)
		for _, table := range []int{firstTable, firstTable + 1} { // main (propagated), public (static)
			r, ok := routeTo(st, table, "172.20.0.0/24")
			if !ok || r.Type != c.want.Type || r.Dev != c.want.Dev {
				t.Errorf("%s: table %d: route %+v (found %v), want %s %s", c.name, table, r, ok, c.want.Type, c.want.Dev)
			}
		}
	}
}

// TestPropagatedRoutesYield checks that a table's own route to a destination wins over
// the propagated one, and that none is propagated into the VPC's own block.
func TestPropagatedRoutesYield(t *testing.T) {
	n := vpnNetwork(true, true)
	c := n.VpnConnections["vpn-00000000000000001"]
	c.Routes = append(c.Routes, netip.MustParsePrefix("10.0.5.0/24"), netip.MustParsePrefix("172.30.0.0/16"))
	main := n.RouteTables["rtb-0000000000000main"]
	main.Routes = append(main.Routes, model.Route{Destination: netip.MustParsePrefix("172.30.0.0/16"), Target: "igw-00000000000000001"})
	got := propagatedRoutes(n, main, 7)
	want := []Route{{Table: 7, Dst: netip.MustParsePrefix("172.20.0.0/24"), Type: RouteUnicast, Dev: tunnelLink("vpn-00000000000000001", 0)}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("propagated %+v, want %+v", got, want)
	}
}

// TestPlannerVpn plans the VPN network with the planner, as Compute does, and re-plans
// the VPC when a tunnel goes down.
func TestPlannerVpn(t *testing.T) {
	p := NewPlanner(Host{})
	p.PlanAll(Index(vpnNetwork(true, true)))
	if got, want := p.State(), Compute(vpnNetwork(true, true), Internet); !reflect.DeepEqual(got, want) {
		t.Fatalf("planner and Compute differ:\n%s\n---\n%s", got.String(), want.String())
	}
	n := vpnNetwork(false, true)
	u := p.Plan(Index(n), []string{"vpc-00000000000000001"}, nil)
	if !slices.Contains(u.Changed, "vpcd-vpc-00000000000000001") {
		t.Errorf("a tunnel going down changed %v, want the router", u.Changed)
	}
	if got, want := p.State(), Compute(n, Internet); !reflect.DeepEqual(got, want) {
		t.Fatalf("after the change, planner and Compute differ")
	}
}

// TestSites checks the sites' layout: one on the internet at its address, one behind a
// NAT that masquerades it, both guests with their LAN address on lo, and the planner
// keeping them across PlanAll.
func TestSites(t *testing.T) {
	p := NewPlanner(Host{})
	u := p.SetSites([]Site{{Name: "branch", PublicIP: netip.MustParseAddr("192.0.2.77"), LAN: netip.MustParsePrefix("172.20.0.0/24")},
		{Name: "home", PublicIP: netip.MustParseAddr("192.0.2.88"), BehindNAT: true}})
	want := []string{"vpcd-internet", "vpcd-site-branch", "vpcd-site-home", "vpcd-sitenat-home"}
	if !reflect.DeepEqual(u.Changed, want) {
		t.Fatalf("changed %v, want %v", u.Changed, want)
	}
	checkGolden(t, "testdata/sites.golden", p.State().String())
	p.PlanAll(Index(twoTierNetwork()))
	for _, name := range want {
		if len(p.Namespaces([]string{name}).Namespaces) == 0 {
			t.Errorf("%s is gone after PlanAll", name)
		}
	}
	if u := p.SetSites(nil); !slices.Equal(u.Deleted, []string{"vpcd-site-branch", "vpcd-site-home", "vpcd-sitenat-home"}) {
		t.Errorf("deleted %v, want the sites' namespaces", u.Deleted)
	}
	for _, name := range []string{"vpcd-site-x", "vpcd-sitenat-x", "vpcd-vpn-00000000000000001-1"} {
		if !Owned(name) {
			t.Errorf("%s is not owned", name)
		}
	}
}
