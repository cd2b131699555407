package model

import (
	"net/netip"
	"slices"
	"testing"
)

func dualStack() *Network {
	n := NewNetwork()
	n.VPCs["vpc-1"] = &VPC{ID: "vpc-1", CIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16"), netip.MustParsePrefix("2600:1f18::/56")}}
	n.InternetGateways["igw-1"] = &InternetGateway{ID: "igw-1", VPC: "vpc-1"}
	n.InternetGateways["igw-detached"] = &InternetGateway{ID: "igw-detached"}
	n.EgressOnlyInternetGateways["eigw-1"] = &EgressOnlyInternetGateway{ID: "eigw-1", VPC: "vpc-1"}
	n.EgressOnlyInternetGateways["eigw-other"] = &EgressOnlyInternetGateway{ID: "eigw-other", VPC: "vpc-2"}
	n.Interfaces["eni-1"] = &Interface{ID: "eni-1", VPC: "vpc-1", Groups: []string{"sg-1"},
		PrivateIPs:    []netip.Addr{netip.MustParseAddr("10.0.1.10")},
		IPv6Addresses: []netip.Addr{netip.MustParseAddr("2600:1f18::10")},
		PublicIP:      netip.MustParseAddr("198.51.100.10")}
	n.Interfaces["eni-2"] = &Interface{ID: "eni-2", VPC: "vpc-1", Groups: []string{"sg-1"},
		PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.20")}}
	return n
}

func TestInternetTarget(t *testing.T) {
	n := dualStack()
	for _, tc := range []struct {
		target         string
		ok, egressOnly bool
	}{
		{"igw-1", true, false},
		{"igw-detached", false, false},
		{"eigw-1", true, true},
		{"eigw-other", false, true},
		{"eigw-gone", false, true},
		{"nat-1", false, false},
	} {
		ok, eo := n.InternetTarget("vpc-1", tc.target)
		if ok != tc.ok || ok && eo != tc.egressOnly {
			t.Errorf("InternetTarget(vpc-1, %s) = %v, %v; want %v, %v", tc.target, ok, eo, tc.ok, tc.egressOnly)
		}
	}
}

func TestInternetSource(t *testing.T) {
	n := dualStack()
	eni := n.Interfaces["eni-1"]
	a := netip.MustParseAddr
	for _, tc := range []struct {
		name       string
		src        string
		egressOnly bool
		want       string // "" when the gateway drops it
	}{
		{"IPv6 leaves an internet gateway as it is", "2600:1f18::10", false, "2600:1f18::10"},
		{"IPv6 leaves an egress-only gateway as it is", "2600:1f18::10", true, "2600:1f18::10"},
		{"an IPv6 address the interface does not have is dropped", "2600:1f18::99", false, ""},
		{"IPv4 is mapped to its public address", "10.0.1.10", false, "198.51.100.10"},
		{"IPv4 never leaves an egress-only gateway", "10.0.1.10", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := n.InternetSource(eni, a(tc.src), tc.egressOnly)
			if tc.want == "" {
				if ok {
					t.Fatalf("got %s, want dropped", got)
				}
				return
			}
			if !ok || got != a(tc.want) {
				t.Fatalf("got %s %v, want %s", got, ok, tc.want)
			}
		})
	}
}

func TestIPv6Entry(t *testing.T) {
	n := dualStack()
	if g, newFlows := n.IPv6Entry("vpc-1"); g != "igw-1" || !newFlows {
		t.Errorf("with an internet gateway: %s %v, want igw-1 true", g, newFlows)
	}
	delete(n.InternetGateways, "igw-1")
	if g, newFlows := n.IPv6Entry("vpc-1"); g != "eigw-1" || newFlows {
		t.Errorf("egress-only: %s %v, want eigw-1 false", g, newFlows)
	}
	if g, _ := n.IPv6Entry("vpc-3"); g != "" {
		t.Errorf("no gateway: %s", g)
	}
}

func TestMembersHaveBothFamilies(t *testing.T) {
	n := dualStack()
	want := []netip.Addr{netip.MustParseAddr("10.0.1.10"), netip.MustParseAddr("2600:1f18::10"), netip.MustParseAddr("10.0.1.20")}
	if got := n.Members("sg-1"); !slices.Equal(got, want) {
		t.Errorf("Members = %v, want %v", got, want)
	}
	if got := n.GroupAddresses()["sg-1"]; !slices.Equal(got, want) {
		t.Errorf("GroupAddresses = %v, want %v", got, want)
	}
	r := SecurityGroupRule{Protocol: 6, FromPort: 22, ToPort: 22, Group: "sg-1"}
	p := Packet{Protocol: 6, Port: 22, Peer: netip.MustParseAddr("2600:1f18::10")}
	if !n.Matches(r, p) || !n.MatchesIn(r, p, n.GroupAddresses()) {
		t.Error("a group rule does not admit a member's IPv6 address")
	}
}
