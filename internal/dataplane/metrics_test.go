package dataplane

import (
	"testing"

	"vpcd/internal/plan"
)

// plannedRules counts security group permissions and ACL entries, and namespaces without
// a firewall (instances, the internet) count none.
func TestPlannedRules(t *testing.T) {
	s := plan.State{Namespaces: []plan.Namespace{
		{Name: "i-1"},
		{Name: "vpcd-vpc-1", Firewall: &plan.Firewall{
			Interfaces: []plan.FirewallInterface{{Ingress: make([]plan.Permission, 2), Egress: make([]plan.Permission, 1)}},
			Subnets:    []plan.FirewallSubnet{{Ingress: make([]plan.ACLRule, 3), Egress: make([]plan.ACLRule, 1)}},
		}},
		{Name: "vpcd-internet"},
	}}
	if got := plannedRules(s); got != 7 {
		t.Errorf("plannedRules = %d, want 7", got)
	}
}
