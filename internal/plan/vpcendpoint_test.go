package plan

import (
	"net/netip"
	"testing"

	"vpcd/internal/model"
)

// TestGatewayEndpointRouteIsDropped: the data plane does not carry gateway endpoints yet,
// so a table's route of a service's prefix list to a vpce- target becomes one blackhole
// per CIDR of the list (what AWS would send to the endpoint never leaves by the default
// route instead), and the table's other routes stay as they were.
func TestGatewayEndpointRouteIsDropped(t *testing.T) {
	n := twoTierNetwork()
	pfx := netip.MustParsePrefix
	n.PrefixLists["pl-00000000000000003"] = []netip.Prefix{pfx("192.0.2.0/26"), pfx("192.0.2.64/26")}
	public := n.RouteTables["rtb-000000000000public"]
	public.Routes = append(public.Routes, model.Route{DestinationPrefixList: "pl-00000000000000003", Target: "vpce-0123456789abcdef0"})

	s := Compute(n, Internet)
	dropped := map[netip.Prefix]bool{}
	toGateway := false
	for _, ns := range s.Namespaces {
		for _, r := range ns.Routes {
			switch {
			case r.Type == RouteBlackhole && r.Dst.Bits() == 26:
				dropped[r.Dst] = true
			case r.Dev == igwLink && r.Dst.Bits() == 0:
				toGateway = true
			}
		}
	}
	if !dropped[pfx("192.0.2.0/26")] || !dropped[pfx("192.0.2.64/26")] {
		t.Errorf("the endpoint's prefix-list routes are not blackholes: %v", dropped)
	}
	if !toGateway {
		t.Error("the table's default route to the internet gateway is gone")
	}
}
