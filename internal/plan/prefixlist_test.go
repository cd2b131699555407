package plan

import (
	"net/netip"
	"slices"
	"testing"

	"vpcd/internal/model"
)

// TestPrefixListExpansion checks that a route to a prefix list becomes one kernel route
// per CIDR (a CIDR route of the same destination winning) and that a rule naming a list
// admits its CIDRs, IPv4 and IPv6.
func TestPrefixListExpansion(t *testing.T) {
	n := twoTierNetwork()
	pfx := netip.MustParsePrefix
	n.PrefixLists["pl-00000000000000001"] = []netip.Prefix{pfx("192.0.2.0/24"), pfx("10.0.0.0/16"), pfx("2001:db8::/32")}
	public := n.RouteTables["rtb-000000000000public"]
	public.Routes = append(public.Routes, model.Route{DestinationPrefixList: "pl-00000000000000001", Target: "igw-00000000000000001"})
	web := n.SecurityGroups["sg-00000000000000web"]
	web.Rules = append(web.Rules, model.SecurityGroupRule{Protocol: 6, FromPort: 22, ToPort: 22, PrefixList: "pl-00000000000000001"})

	s := Compute(n, Internet)
	var dsts []netip.Prefix
	var peers [][]netip.Prefix
	for _, ns := range s.Namespaces {
		for _, r := range ns.Routes {
			if r.Dev == igwLink {
				dsts = append(dsts, r.Dst)
			}
		}
		if ns.Firewall == nil {
			continue
		}
		for _, fi := range ns.Firewall.Interfaces {
			for _, p := range fi.Ingress {
				if p.FromPort == 22 {
					peers = append(peers, p.Peers)
				}
			}
		}
	}
	if !slices.Contains(dsts, pfx("192.0.2.0/24")) {
		t.Errorf("routes to the gateway %v lack the prefix list's 192.0.2.0/24", dsts)
	}
	for _, d := range dsts {
		if d == pfx("10.0.0.0/16") {
			t.Errorf("the prefix list's 10.0.0.0/16 took the local route's place: %v", dsts)
		}
	}
	if len(peers) != 1 || !slices.Equal(peers[0], []netip.Prefix{pfx("192.0.2.0/24"), pfx("10.0.0.0/16"), pfx("2001:db8::/32")}) {
		t.Errorf("ssh peers %v, want the list's CIDRs of both families", peers)
	}
}
