package model

import (
	"net/netip"
	"slices"
	"testing"
)

func TestLookupLongestPrefix(t *testing.T) {
	rt := &RouteTable{Routes: []Route{
		{Destination: netip.MustParsePrefix("10.0.0.0/16"), Target: "local"},
		{Destination: netip.MustParsePrefix("0.0.0.0/0"), Target: "igw-1"},
		{Destination: netip.MustParsePrefix("10.0.5.0/24"), Target: "eni-firewall"},
		{Destination: netip.MustParsePrefix("192.168.0.0/16"), Target: "pcx-1"},
	}}
	for _, tc := range []struct {
		name, dst, want string
	}{
		{"inside the VPC goes local", "10.0.1.10", "local"},
		{"a more specific route than local wins", "10.0.5.7", "eni-firewall"},
		{"outside everything takes the default", "8.8.8.8", "igw-1"},
		{"a peered range", "192.168.3.4", "pcx-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := rt.Lookup(netip.MustParseAddr(tc.dst))
			if !ok || r.Target != tc.want {
				t.Fatalf("Lookup(%s) = %v %v, want %s", tc.dst, r, ok, tc.want)
			}
		})
	}
	empty := &RouteTable{}
	if _, ok := empty.Lookup(netip.MustParseAddr("10.0.0.1")); ok {
		t.Fatal("an empty table has no route")
	}
}

func TestRouteTableOf(t *testing.T) {
	n := NewNetwork()
	n.VPCs["vpc-1"] = &VPC{ID: "vpc-1", MainRouteTable: "rtb-main"}
	n.RouteTables["rtb-main"] = &RouteTable{ID: "rtb-main"}
	n.RouteTables["rtb-custom"] = &RouteTable{ID: "rtb-custom"}
	if got := n.RouteTableOf(&Subnet{VPC: "vpc-1"}); got.ID != "rtb-main" {
		t.Errorf("a subnet without association uses the main table, got %s", got.ID)
	}
	if got := n.RouteTableOf(&Subnet{VPC: "vpc-1", RouteTable: "rtb-custom"}); got.ID != "rtb-custom" {
		t.Errorf("an associated subnet uses its table, got %s", got.ID)
	}
}

func TestPeersResolveGroupMembers(t *testing.T) {
	n := NewNetwork()
	a, b := netip.MustParseAddr("10.0.1.4"), netip.MustParseAddr("10.0.1.5")
	n.Interfaces["eni-a"] = &Interface{ID: "eni-a", PrivateIPs: []netip.Addr{a}, Groups: []string{"sg-web"}}
	n.Interfaces["eni-b"] = &Interface{ID: "eni-b", PrivateIPs: []netip.Addr{b}, Groups: []string{"sg-db"}}
	got := n.Peers(SecurityGroupRule{Group: "sg-web"})
	if !slices.Equal(got, []netip.Prefix{netip.PrefixFrom(a, 32)}) {
		t.Fatalf("members of sg-web = %v", got)
	}
	n.Interfaces["eni-b"].Groups = append(n.Interfaces["eni-b"].Groups, "sg-web")
	if got := n.Peers(SecurityGroupRule{Group: "sg-web"}); len(got) != 2 {
		t.Fatalf("a new member is a peer at once: %v", got)
	}
	cidr := netip.MustParsePrefix("0.0.0.0/0")
	if got := n.Peers(SecurityGroupRule{CIDR: cidr}); !slices.Equal(got, []netip.Prefix{cidr}) {
		t.Fatalf("a CIDR rule's peer is its CIDR: %v", got)
	}
}
