package model

import (
	"net/netip"
	"slices"
	"testing"
)

// lbNetwork: instances i-a1, i-a2 in zone a, i-b1 in zone b, i-x stopped; a load
// balancer with a node in each zone.
func lbNetwork() (*Network, *LoadBalancer) {
	n := NewNetwork()
	n.Subnets["subnet-a"] = &Subnet{ID: "subnet-a", VPC: "vpc-1", Zone: "a", CIDR: netip.MustParsePrefix("10.0.1.0/24")}
	n.Subnets["subnet-b"] = &Subnet{ID: "subnet-b", VPC: "vpc-1", Zone: "b", CIDR: netip.MustParsePrefix("10.0.2.0/24")}
	for _, i := range []struct {
		id, zone, addr string
		running        bool
	}{{"i-a1", "a", "10.0.1.10", true}, {"i-a2", "a", "10.0.1.11", true}, {"i-b1", "b", "10.0.2.10", true}, {"i-x", "a", "10.0.1.12", false}} {
		n.Instances[i.id] = &Instance{ID: i.id, VPC: "vpc-1", Running: i.running, AvailabilityZone: i.zone, Interfaces: []string{"eni-" + i.id}}
		n.Interfaces["eni-"+i.id] = &Interface{ID: "eni-" + i.id, VPC: "vpc-1", PrivateIPs: []netip.Addr{netip.MustParseAddr(i.addr)}}
	}
	lb := &LoadBalancer{ID: "elblb-1", VPC: "vpc-1", Nodes: []LoadBalancerNode{
		{Zone: "a", Subnet: "subnet-a", Addr: netip.MustParseAddr("10.0.1.100")},
		{Zone: "b", Subnet: "subnet-b", Addr: netip.MustParseAddr("10.0.2.100")}}}
	n.LoadBalancers[lb.ID] = lb
	return n, lb
}

func TestBackends(t *testing.T) {
	group := func(crossZone string, targets ...Target) *TargetGroup {
		return &TargetGroup{ID: "elbtg-1", VPC: "vpc-1", TargetType: "instance", CrossZone: crossZone, Targets: targets}
	}
	target := func(id, state string) Target { return Target{ID: id, Port: 80, State: state} }
	for _, c := range []struct {
		name    string
		lbCross bool
		tg      *TargetGroup
		node    int
		want    []string
	}{
		{"healthy targets of the node's zone only", false,
			group("", target("i-a1", TargetHealthy), target("i-a2", TargetHealthy), target("i-b1", TargetHealthy)), 0, []string{"i-a1", "i-a2"}},
		{"cross-zone on the load balancer", true,
			group("", target("i-a1", TargetHealthy), target("i-b1", TargetHealthy)), 0, []string{"i-a1", "i-b1"}},
		{"the group's cross-zone setting wins", true,
			group("false", target("i-a1", TargetHealthy), target("i-b1", TargetHealthy)), 1, []string{"i-b1"}},
		{"an unhealthy or initial target gets no new flows while one is healthy", false,
			group("", target("i-a1", TargetUnhealthy), target("i-a2", TargetHealthy), target("i-b1", TargetInitial)), 0, []string{"i-a2"}},
		{"none healthy: fail open to all", false,
			group("", target("i-a1", TargetUnhealthy), target("i-a2", TargetInitial)), 0, []string{"i-a1", "i-a2"}},
		{"a draining target takes no new flows, even failing open", false,
			group("", target("i-a1", TargetDraining), target("i-a2", TargetUnhealthy)), 0, []string{"i-a2"}},
		{"a stopped instance is no backend", false,
			group("", target("i-x", TargetHealthy), target("i-a1", TargetUnhealthy)), 0, []string{"i-a1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, lb := lbNetwork()
			lb.CrossZone = c.lbCross
			var got []string
			for _, b := range n.Backends(lb, lb.Nodes[c.node], c.tg) {
				got = append(got, b.Target)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("backends %v, want %v", got, c.want)
			}
		})
	}
}

func TestTargetAddrOfAnIPTarget(t *testing.T) {
	n, _ := lbNetwork()
	tg := &TargetGroup{VPC: "vpc-1", TargetType: "ip"}
	a, zone, ok := n.TargetAddr(tg, Target{ID: "10.0.2.55", Port: 80})
	if !ok || a != netip.MustParseAddr("10.0.2.55") || zone != "b" {
		t.Errorf("ip target: %v %q %v", a, zone, ok)
	}
}
