package plan

import (
	"net/netip"
	"testing"

	"vpcd/internal/model"
)

// TestGatewayEndpointRouteIsLocal: a table's route of a service's prefix list to a
// gateway endpoint becomes one local route per CIDR of the list, in that table alone,
// delivered to the router where the VPC's services daemon answers the service; the
// table's other routes stay as they were, and another table's subnets still leave by
// their default route. The internet's own AWS services answer at their addresses.
func TestGatewayEndpointRouteIsLocal(t *testing.T) {
	n := twoTierNetwork()
	pfx := netip.MustParsePrefix
	n.PrefixLists["pl-00000000000000003"] = []netip.Prefix{pfx("192.0.2.64/27"), pfx("192.0.2.96/27")}
	public := n.RouteTables["rtb-000000000000public"]
	public.Routes = append(public.Routes, model.Route{DestinationPrefixList: "pl-00000000000000003", Target: "vpce-0123456789abcdef0"})

	s := Compute(n, Internet)
	local := map[netip.Prefix]int{}
	toGateway := false
	internetHasS3 := false
	for _, ns := range s.Namespaces {
		for _, r := range ns.Routes {
			switch {
			case r.Type == RouteLocal && r.Dev == "lo":
				local[r.Dst] = r.Table
			case r.Dev == igwLink && r.Dst.Bits() == 0:
				toGateway = true
			}
		}
		for _, l := range ns.Links {
			for _, a := range l.Addrs {
				internetHasS3 = internetHasS3 || ns.Name == ServicesNamespace(Internet) && a.Addr() == model.S3Addr
			}
		}
	}
	if len(local) != 2 || local[pfx("192.0.2.64/27")] == 0 || local[pfx("192.0.2.64/27")] != local[pfx("192.0.2.96/27")] {
		t.Errorf("the endpoint's prefix-list routes are not local routes of one table: %v", local)
	}
	if !toGateway {
		t.Error("the table's default route to the internet gateway is gone")
	}
	if !internetHasS3 {
		t.Errorf("the internet's services have no address %s for S3", model.S3Addr)
	}
}
