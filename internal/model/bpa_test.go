package model

import (
	"net/netip"
	"testing"
)

func TestPublicAccess(t *testing.T) {
	n := NewNetwork()
	n.VPCs["vpc-1"] = &VPC{ID: "vpc-1", Owner: "111", Region: "us-east-1"}
	n.Subnets["subnet-a"] = &Subnet{ID: "subnet-a", VPC: "vpc-1", CIDR: netip.MustParsePrefix("10.0.1.0/24")}
	type access struct{ out, in bool }
	for _, tc := range []struct {
		name       string
		mode       string
		exclusions map[string]string
		via        string
		want       access
	}{
		{"off", "", nil, ViaInternetGateway, access{true, true}},
		{"off explicitly", BPAOff, nil, ViaInternetGateway, access{true, true}},
		{"bidirectional", BPABidirectional, nil, ViaInternetGateway, access{false, false}},
		{"bidirectional, NAT gateway", BPABidirectional, nil, ViaNatGateway, access{false, false}},
		{"bidirectional, egress-only gateway", BPABidirectional, nil, ViaEgressOnlyGateway, access{false, false}},
		{"bidirectional, subnet allows both", BPABidirectional, map[string]string{"subnet-a": BPAAllowBidirectional}, ViaInternetGateway, access{true, true}},
		{"bidirectional, VPC allows egress", BPABidirectional, map[string]string{"vpc-1": BPAAllowEgress}, ViaInternetGateway, access{true, false}},
		{"bidirectional, subnet's exclusion before its VPC's", BPABidirectional, map[string]string{"vpc-1": BPAAllowBidirectional, "subnet-a": BPAAllowEgress}, ViaInternetGateway, access{true, false}},
		{"ingress", BPAIngress, nil, ViaInternetGateway, access{false, false}},
		{"ingress, NAT gateway", BPAIngress, nil, ViaNatGateway, access{true, false}},
		{"ingress, egress-only gateway", BPAIngress, nil, ViaEgressOnlyGateway, access{true, false}},
		{"ingress, allow-egress applies only to bidirectional", BPAIngress, map[string]string{"subnet-a": BPAAllowEgress}, ViaInternetGateway, access{false, false}},
		{"ingress, VPC allows both", BPAIngress, map[string]string{"vpc-1": BPAAllowBidirectional}, ViaInternetGateway, access{true, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n.BlockPublicAccess = &BlockPublicAccess{Modes: map[string]string{}, Exclusions: tc.exclusions}
			if tc.mode != "" {
				n.BlockPublicAccess.Modes["111/us-east-1"] = tc.mode
			}
			out, in := n.PublicAccess("subnet-a", tc.via)
			if got := (access{out, in}); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	// Another account's or region's mode does not apply.
	n.BlockPublicAccess = &BlockPublicAccess{Modes: map[string]string{"111/eu-west-1": BPABidirectional, "222/us-east-1": BPABidirectional}}
	if out, in := n.PublicAccess("subnet-a", ViaInternetGateway); !out || !in {
		t.Errorf("another region's or account's mode blocked the subnet")
	}
}
