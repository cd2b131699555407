package plan

import (
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"vpcd/internal/model"
)

// regionalNetwork is the two-tier network with a regional NAT gateway instead of the
// zonal one: the private subnet in zone a, a second private subnet in zone b, one Elastic
// IP per zone, and the gateway's own route table to the internet gateway.
func regionalNetwork() *model.Network {
	n := twoTierNetwork()
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	const vpc, nat = "vpc-00000000000000001", "nat-0000000000regional"
	delete(n.NatGateways, "nat-00000000000000001")
	n.Interfaces["eni-0000000000000nat"].NatGateway = ""
	delete(n.Interfaces, "eni-0000000000000nat")
	n.RouteTables["rtb-0000000000000main"].Routes[1].Target = nat
	n.Subnets["subnet-000000000private"].Zone = "us-east-1a"
	n.Subnets["subnet-0000000000public"].Zone = "us-east-1a"
	n.Subnets["subnet-00000000private2"] = &model.Subnet{ID: "subnet-00000000private2", VPC: vpc, Zone: "us-east-1b", CIDR: pfx("10.0.3.0/24")}
	n.Instances["i-00000000000000b"] = &model.Instance{ID: "i-00000000000000b", VPC: vpc, Running: true, Interfaces: []string{"eni-00000000000000b"}}
	n.Interfaces["eni-00000000000000b"] = &model.Interface{ID: "eni-00000000000000b", Subnet: "subnet-00000000private2", VPC: vpc,
		MAC: "0a:00:00:00:00:04", PrivateIPs: []netip.Addr{addr("10.0.3.30")}, Groups: []string{"sg-0000000000000db"}, SourceDestCheck: true, Instance: "i-00000000000000b"}
	n.RouteTables["rtb-0000000000000natr"] = &model.RouteTable{ID: "rtb-0000000000000natr", VPC: vpc,
		Routes: []model.Route{{Destination: pfx("10.0.0.0/16"), Target: "local"}, {Destination: pfx("0.0.0.0/0"), Target: "igw-00000000000000001"}}}
	n.NatGateways[nat] = &model.NatGateway{ID: nat, VPC: vpc, Public: true, Regional: true, RouteTable: "rtb-0000000000000natr",
		Addresses: []model.NatZoneAddress{{Zone: "us-east-1a", Public: addr("198.51.100.40")}, {Zone: "us-east-1b", Public: addr("198.51.100.41")}}}
	return n
}

// TestComputeRegionalNatGateway checks a regional NAT gateway's layout: its namespace on a
// link-local link, the subnets' routes to it, the rule that routes what it sends by its
// route table, its translation by zone, and its addresses at the internet gateway.
func TestComputeRegionalNatGateway(t *testing.T) {
	st := Compute(regionalNetwork(), Internet)
	checkGolden(t, "testdata/regional-nat.golden", st.String())
}

func TestRegionalNatEnds(t *testing.T) {
	for i, want := range map[int][2]string{0: {"169.254.252.1/30", "169.254.252.2/30"}, 1: {"169.254.252.5/30", "169.254.252.6/30"}, 255: {"169.254.255.253/30", "169.254.255.254/30"}} {
		r, f := regionalNatEnds(i)
		if r.String() != want[0] || f.String() != want[1] {
			t.Errorf("link %d: %s and %s, want %v", i, r, f, want)
		}
	}
}

// TestPlannerRegional plans the regional network with the planner, as Compute does, and
// re-plans the VPC when the gateway goes.
func TestPlannerRegional(t *testing.T) {
	n := regionalNetwork()
	p := NewPlanner(Host{})
	p.PlanAll(Index(n))
	if got, want := p.State(), Compute(n, Internet); !reflect.DeepEqual(got, want) {
		t.Fatalf("planner:\n%s\nCompute:\n%s", got, want)
	}
	delete(n.NatGateways, "nat-0000000000regional")
	u := p.Plan(Index(n), []string{"vpc-00000000000000001"}, nil)
	if !slices.Contains(u.Deleted, "vpcd-nat-0000000000regional") {
		t.Errorf("the gateway's namespace was not deleted: %+v", u)
	}
	if got, want := p.State(), Compute(n, Internet); !reflect.DeepEqual(got, want) {
		t.Fatalf("after the gateway went, planner:\n%s\nCompute:\n%s", got, want)
	}
}
