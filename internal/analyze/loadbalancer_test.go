package analyze

import (
	"slices"
	"testing"

	"vpcd/internal/model"
)

// TestLoadBalancerPath: a path to a network load balancer's node passes the load
// balancer and its target group and ends at a healthy target, seen from the client's
// address (client IP preservation) or the node's; it stops at a port no listener has, at
// the load balancer's security groups, and at the target's.
func TestLoadBalancerPath(t *testing.T) {
	b := newNet()
	vpc := b.vpc("10.0.0.0/16")
	sub, _, _ := b.subnet(vpc, "10.0.1.0/24")
	client, _ := b.instance(sub, "10.0.1.10")
	t1, _ := b.instance(sub, "10.0.1.20")
	t2, _ := b.instance(sub, "10.0.1.21", b.group(tcpIn(8080, "10.0.1.200/32"), egressAll))
	lb, tg := b.id("elblb"), b.id("elbtg")
	b.n.LoadBalancers[lb] = &model.LoadBalancer{ID: lb, VPC: vpc, Nodes: []model.LoadBalancerNode{{Subnet: sub, Addr: addr("10.0.1.200")}}}
	b.n.Listeners["elblst-1"] = &model.Listener{ID: "elblst-1", LoadBalancer: lb, VPC: vpc, Protocol: "TCP", Port: 80, TargetGroup: tg}
	b.n.TargetGroups[tg] = &model.TargetGroup{ID: tg, VPC: vpc, Protocol: "TCP", TargetType: "instance", PreserveClientIP: true,
		Targets: []model.Target{{ID: t1, Port: 8080, State: model.TargetHealthy}, {ID: t2, Port: 8080, State: model.TargetHealthy}}}
	node := addr("10.0.1.200")

	r := analyze(t, b.n, Query{Source: client, DestinationIP: node, Protocol: 6, DestinationPort: 80})
	if !r.Reachable || r.Target.Dst != addr("10.0.1.20") || r.Target.Src != addr("10.0.1.10") || r.Target.DstPorts[0] != 8080 {
		t.Fatalf("through the load balancer: reachable %v %v, delivered %v", r.Reachable, codes(r), r.Target)
	}
	for _, kind := range []string{KindLoadBalancer, KindTargetGroup} {
		if !slices.ContainsFunc(r.Forward, func(h Hop) bool { return h.Kind == kind }) {
			t.Errorf("no %s hop: %+v", kind, r.Forward)
		}
	}
	if !slices.ContainsFunc(r.Return, func(h Hop) bool { return h.Kind == KindLoadBalancer && h.Translated != nil && h.Translated.Src == node }) {
		t.Errorf("the answer does not come back from the node: %+v", r.Return)
	}
	// t2's group admits the node's address only: with the client's address preserved it
	// is closed; without, open.
	if r := analyze(t, b.n, Query{Source: client, Destination: t2, DestinationIP: node, Protocol: 6, DestinationPort: 80}); r.Reachable || !hasCode(r, CodeSecurityGroup) {
		t.Errorf("to t2 with the client's address: reachable %v %v", r.Reachable, codes(r))
	}
	b.n.TargetGroups[tg].PreserveClientIP = false
	if r := analyze(t, b.n, Query{Source: client, Destination: t2, DestinationIP: node, Protocol: 6, DestinationPort: 80}); !r.Reachable || r.Target.Src != node {
		t.Errorf("to t2 from the node's address: reachable %v %v, delivered %v", r.Reachable, codes(r), r.Target)
	}
	// An unhealthy target is passed over while another is healthy.
	b.n.TargetGroups[tg].Targets[0].State = model.TargetUnhealthy
	if r := analyze(t, b.n, Query{Source: client, DestinationIP: node, Protocol: 6, DestinationPort: 80}); !r.Reachable || r.Target.Dst != addr("10.0.1.21") {
		t.Errorf("past an unhealthy target: reachable %v %v, delivered %v", r.Reachable, codes(r), r.Target)
	}
	if r := analyze(t, b.n, Query{Source: client, DestinationIP: node, Protocol: 6, DestinationPort: 81}); r.Reachable || !hasCode(r, CodeNoListener) {
		t.Errorf("a port without a listener: reachable %v %v", r.Reachable, codes(r))
	}
	// With groups on the load balancer, t2's group that admits the node admits the
	// client's flows through it, its address preserved.
	b.n.TargetGroups[tg].PreserveClientIP = true
	b.n.LoadBalancers[lb].Groups = []string{b.group(tcpIn(80, "10.0.0.0/16"))}
	if r := analyze(t, b.n, Query{Source: client, Destination: t2, DestinationIP: node, Protocol: 6, DestinationPort: 80}); !r.Reachable || r.Target.Src != addr("10.0.1.10") {
		t.Errorf("to t2 through a load balancer with groups: reachable %v %v, delivered %v", r.Reachable, codes(r), r.Target)
	}
	b.n.LoadBalancers[lb].Groups = []string{b.group(tcpIn(80, "10.9.0.0/16"))}
	if r := analyze(t, b.n, Query{Source: client, DestinationIP: node, Protocol: 6, DestinationPort: 80}); r.Reachable || !hasCode(r, CodeSecurityGroup) {
		t.Errorf("the load balancer's group does not admit the client: reachable %v %v", r.Reachable, codes(r))
	}
}
