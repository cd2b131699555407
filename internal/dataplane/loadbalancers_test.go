package dataplane

import (
	"net/netip"
	"testing"

	"vpcd/internal/model"
)

func TestCodeMatches(t *testing.T) {
	for _, c := range []struct {
		matcher string
		code    int
		want    bool
	}{
		{"200-399", 200, true}, {"200-399", 399, true}, {"200-399", 404, false},
		{"200,202", 202, true}, {"200,202", 201, false}, {"", 302, true}, {"", 500, false},
	} {
		if got := codeMatches(c.matcher, c.code); got != c.want {
			t.Errorf("codeMatches(%q, %d) = %v", c.matcher, c.code, got)
		}
	}
}

// TestWantedHealthChecks: every target of a group a listener uses is checked, from the
// node of its zone, on its own port or the check's; a draining target is not, nor are
// the targets of a group no listener uses.
func TestWantedHealthChecks(t *testing.T) {
	n := model.NewNetwork()
	n.Subnets["subnet-b"] = &model.Subnet{ID: "subnet-b", VPC: "vpc-1", Zone: "b", CIDR: netip.MustParsePrefix("10.0.2.0/24")}
	n.LoadBalancers["elblb-1"] = &model.LoadBalancer{ID: "elblb-1", VPC: "vpc-1", Nodes: []model.LoadBalancerNode{
		{Zone: "a", Addr: netip.MustParseAddr("10.0.1.100")}, {Zone: "b", Addr: netip.MustParseAddr("10.0.2.100")}}}
	n.Listeners["elblst-1"] = &model.Listener{ID: "elblst-1", LoadBalancer: "elblb-1", VPC: "vpc-1", Protocol: "TCP", Port: 80, TargetGroup: "elbtg-1"}
	n.TargetGroups["elbtg-1"] = &model.TargetGroup{ID: "elbtg-1", VPC: "vpc-1", TargetType: "ip", Owner: "123456789012", Region: "us-east-1",
		Health:  model.HealthCheck{Protocol: "TCP", Port: "traffic-port"},
		Targets: []model.Target{{ID: "10.0.2.5", Port: 8080, State: model.TargetHealthy}, {ID: "10.0.2.6", Port: 8080, State: model.TargetDraining}}}
	n.TargetGroups["elbtg-2"] = &model.TargetGroup{ID: "elbtg-2", VPC: "vpc-1", TargetType: "ip", Targets: []model.Target{{ID: "10.0.2.7", Port: 80}}}
	got := wantedHealthChecks(n)
	if len(got) != 1 {
		t.Fatalf("checks %+v", got)
	}
	spec := got[healthKey{"elbtg-1", "10.0.2.5", 8080}]
	if spec.from != netip.MustParseAddr("10.0.2.100") || spec.to != netip.MustParseAddrPort("10.0.2.5:8080") ||
		spec.namespace != "vpcd-vpc-1" || spec.caller.Account != "123456789012" {
		t.Errorf("check %+v", spec)
	}
	n.TargetGroups["elbtg-1"].Health.Port = "9000"
	if spec := wantedHealthChecks(n)[healthKey{"elbtg-1", "10.0.2.5", 8080}]; spec.to.Port() != 9000 {
		t.Errorf("check on the group's port: %+v", spec)
	}
}
