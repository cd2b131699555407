package plan

import (
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"vpcd/internal/model"
)

// privateLinkNetwork is resolverNetwork with vpc-…b's inbound interface an endpoint's to
// a service of a load balancer of vpc-…a, whose target is vpc-…a's instance.
func privateLinkNetwork(available bool) *model.Network {
	n := resolverNetwork()
	a, b := "vpc-0000000000000000a", "vpc-0000000000000000b"
	n.Interfaces["eni-000000000000000in"].ResolverEndpoint, n.Interfaces["eni-000000000000000in"].VpcEndpoint = "", "vpce-0000000000000000b"
	n.InterfaceEndpoints["vpce-0000000000000000b"] = &model.InterfaceEndpoint{ID: "vpce-0000000000000000b", VPC: b, Service: "vpce-svc-00000000000000001", Available: available}
	n.EndpointServices["vpce-svc-00000000000000001"] = &model.EndpointService{ID: "vpce-svc-00000000000000001", LoadBalancers: []string{"elblb-0000000000000001"}}
	n.LoadBalancers["elblb-0000000000000001"] = &model.LoadBalancer{ID: "elblb-0000000000000001", VPC: a,
		Nodes: []model.LoadBalancerNode{{Subnet: "subnet-0000000000000000a", Addr: netip.MustParseAddr("10.0.1.20")}}}
	n.TargetGroups["elbtg-0000000000000001"] = &model.TargetGroup{ID: "elbtg-0000000000000001", VPC: a, Protocol: "TCP", Port: 8080, TargetType: "instance",
		PreserveClientIP: true, Targets: []model.Target{{ID: "i-0000000000000000a", Port: 8080, State: model.TargetHealthy}}}
	n.Listeners["elblst-0000000000000001"] = &model.Listener{ID: "elblst-0000000000000001", LoadBalancer: "elblb-0000000000000001", VPC: a,
		Protocol: "TCP", Port: 80, TargetGroup: "elbtg-0000000000000001"}
	sg := n.SecurityGroups["sg-0000000000000000a"]
	sg.Rules = append(sg.Rules, model.SecurityGroupRule{Protocol: 6, FromPort: 8080, ToPort: 8080, CIDR: netip.MustParsePrefix("10.0.0.0/16")})
	return n
}

// TestPrivateLinkLayout: an available endpoint's interface is linked to the router of
// the service's load balancer, its flows to the listener's port passed to the node; the
// router translates them to the node's address and routes the link from every table.
// Pending, the endpoint has no link. The planner lays out what Compute does, and a
// change of the endpoint re-plans the provider's router too.
func TestPrivateLinkLayout(t *testing.T) {
	st := Compute(privateLinkNetwork(true), Internet)
	ns := func(name string) Namespace {
		i := slices.IndexFunc(st.Namespaces, func(ns Namespace) bool { return ns.Name == name })
		if i < 0 {
			t.Fatalf("no namespace %s", name)
		}
		return st.Namespaces[i]
	}
	end, router := ns("vpcd-eni-000000000000000in"), ns("vpcd-vpc-0000000000000000a")
	wantEnd := &PrivateLinkEnd{Link: "pl0", Addr: netip.MustParseAddr("10.1.1.53"), Node: netip.MustParseAddr("10.0.1.20"),
		Source: netip.MustParseAddr("169.254.208.2"), Ports: []PrivateLinkPort{{Protocol: 6, Port: 80}}}
	if !reflect.DeepEqual(end.PrivateLink, wantEnd) {
		t.Errorf("endpoint side %+v, want %+v", end.PrivateLink, wantEnd)
	}
	link := Link{Name: "pl0", Kind: "veth", Peer: LinkEnd{Namespace: router.Name, Name: "l000000000000in"},
		Addrs: []netip.Prefix{netip.MustParsePrefix("169.254.208.2/30")}, Sysctls: map[string]string{"rp_filter": "0"}}
	if !slices.ContainsFunc(end.Links, func(l Link) bool { return reflect.DeepEqual(l, link) }) {
		t.Errorf("endpoint links %+v, want %+v among them", end.Links, link)
	}
	if !slices.Contains(end.Routes, Route{Dst: netip.MustParsePrefix("10.0.1.20/32"), Type: RouteUnicast, Dev: "pl0", Gateway: netip.MustParseAddr("169.254.208.1")}) {
		t.Errorf("endpoint routes %+v: none to the node", end.Routes)
	}
	wantRouter := []PrivateLink{{Link: "l000000000000in", Peer: netip.MustParseAddr("169.254.208.2"), Source: netip.MustParseAddr("10.0.1.20"),
		Admitted: []LoadBalancerBackend{{Addr: netip.MustParseAddr("10.0.1.10"), Port: 8080}}}}
	if !reflect.DeepEqual(router.Firewall.PrivateLinks, wantRouter) {
		t.Errorf("router side %+v, want %+v", router.Firewall.PrivateLinks, wantRouter)
	}
	if !slices.Contains(router.Routes, Route{Table: firstTable, Dst: netip.MustParsePrefix("169.254.208.0/30"), Type: RouteUnicast, Dev: "l000000000000in"}) {
		t.Errorf("router routes %+v: none to the link in the VPC's table", router.Routes)
	}

	pending := Compute(privateLinkNetwork(false), Internet)
	for _, ns := range pending.Namespaces {
		if ns.PrivateLink != nil || (ns.Firewall != nil && len(ns.Firewall.PrivateLinks) > 0) {
			t.Errorf("pending endpoint: %s has a PrivateLink side", ns.Name)
		}
	}

	p := NewPlanner(Host{})
	p.PlanAll(Index(privateLinkNetwork(false)))
	if got := p.State(); !reflect.DeepEqual(got, pending) {
		t.Fatalf("planner, pending:\n%s\nCompute:\n%s", got, pending)
	}
	// Accepted: the consumer's part changes, the provider's router is re-planned too.
	u := p.Plan(Index(privateLinkNetwork(true)), []string{"vpc-0000000000000000b"}, nil)
	if !slices.Contains(u.Changed, router.Name) {
		t.Errorf("accepted: changed %v, not the provider's router", u.Changed)
	}
	for i, got := range p.State().Namespaces {
		if !reflect.DeepEqual(got, st.Namespaces[i]) {
			t.Errorf("planner, available:\n%+v\nCompute:\n%+v", got, st.Namespaces[i])
		}
	}
}
