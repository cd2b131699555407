package plan

import (
	"net/netip"
	"testing"

	"vpcd/internal/model"
)

// TestPropagatedBgpRoutes checks the routes a table takes from a connection routed by
// BGP: each prefix learned over a tunnel that is up, into the tunnel AWS prefers for it
// (the shortest AS path, then the lowest MED, then the first tunnel); a tunnel down or
// its session gone takes its routes away, and the other tunnel carries them.
func TestPropagatedBgpRoutes(t *testing.T) {
	lan, dc := netip.MustParsePrefix("172.20.0.0/24"), netip.MustParsePrefix("172.30.0.0/16")
	learned := func(p netip.Prefix, asPath int, med uint32) model.BgpRoute {
		return model.BgpRoute{Prefix: p, ASPathLen: asPath, MED: med}
	}
	for _, tc := range []struct {
		name     string
		up       [2]bool
		routes   [2][]model.BgpRoute
		wantLan  int // the tunnel of lan's route, -2 for no route
		wantDC   int
		wantUsed int // the tunnel of a route table's route to the gateway for lan
	}{
		{"both equal: the first tunnel", [2]bool{true, true}, [2][]model.BgpRoute{{learned(lan, 1, 0), learned(dc, 1, 0)}, {learned(lan, 1, 0), learned(dc, 1, 0)}}, 0, 0, 0},
		{"a shorter AS path wins", [2]bool{true, true}, [2][]model.BgpRoute{{learned(lan, 3, 0)}, {learned(lan, 1, 200)}}, 1, -2, 1},
		{"then a lower MED", [2]bool{true, true}, [2][]model.BgpRoute{{learned(lan, 1, 200), learned(dc, 1, 0)}, {learned(lan, 1, 100), learned(dc, 1, 50)}}, 1, 0, 1},
		{"a tunnel down takes its routes", [2]bool{false, true}, [2][]model.BgpRoute{{learned(lan, 1, 0), learned(dc, 1, 0)}, {learned(lan, 1, 0)}}, 1, -2, 1},
		{"a session down takes its routes", [2]bool{true, true}, [2][]model.BgpRoute{nil, {learned(lan, 1, 0)}}, 1, -2, 1},
		{"nothing learned: no route", [2]bool{true, true}, [2][]model.BgpRoute{}, -2, -2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := vpnNetwork(tc.up[0], tc.up[1])
			c := n.VpnConnections["vpn-00000000000000001"]
			c.StaticRoutesOnly, c.Routes = false, nil
			for i := range c.Tunnels {
				c.Tunnels[i].Learned = tc.routes[i]
			}
			got := map[netip.Prefix]int{}
			for _, r := range PropagatedRoutes(n, n.RouteTables["rtb-0000000000000main"]) {
				got[r.Dst] = r.Tunnel
			}
			for _, want := range []struct {
				p      netip.Prefix
				tunnel int
			}{{lan, tc.wantLan}, {dc, tc.wantDC}} {
				tunnel, ok := got[want.p]
				if !ok {
					tunnel = -2
				}
				if tunnel != want.tunnel {
					t.Errorf("propagated %s: tunnel %d, want %d", want.p, tunnel, want.tunnel)
				}
			}
			if _, i, _ := VgwTunnel(n, "vpc-00000000000000001", "vgw-00000000000000001", lan); i != tc.wantUsed {
				t.Errorf("route to the gateway for %s: tunnel %d, want %d", lan, i, tc.wantUsed)
			}
		})
	}
}
