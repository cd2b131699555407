package linux

import (
	"net/netip"
	"testing"

	"vpcd/internal/plan"
)

// TestLoadBalancerTraffic: a listener of a node at 10.0.1.100:80 passes i1's connections
// to i2's 8080, with i1's address or, without client IP preservation, the node's.
func TestLoadBalancerTraffic(t *testing.T) {
	tb := newTestbed(t)
	v := newVPC(tb)
	all := []plan.Permission{perm(-1, -1, -1, "0.0.0.0/0")}
	backend := []plan.LoadBalancerBackend{{Addr: addr("10.0.2.20"), Port: 8080}}
	v.firewall = &plan.Firewall{
		Interfaces: []plan.FirewallInterface{
			{Link: "r-i1", Addrs: []netip.Addr{addr("10.0.1.10")}, SourceDestCheck: true, Egress: all, Ingress: all},
			{Link: "r-i2", Addrs: []netip.Addr{addr("10.0.2.20")}, SourceDestCheck: true, Egress: all, Ingress: all},
		},
		LoadBalancers: []plan.LoadBalancerListener{
			{Addr: addr("10.0.1.100"), Protocol: 6, Port: 80, Backends: backend},
			{Addr: addr("10.0.1.100"), Protocol: 6, Port: 81, Backends: backend, Source: addr("10.0.1.100")},
			{Addr: addr("10.0.1.100"), Protocol: 6, Port: 82},
			{Addr: addr("10.0.1.100"), Protocol: 6, Port: 83, Backends: backend, Guarded: true, Ingress: []plan.Permission{perm(6, 83, 83, "10.0.1.0/24")}},
			{Addr: addr("10.0.1.100"), Protocol: 6, Port: 84, Backends: backend, Guarded: true, Ingress: []plan.Permission{perm(6, 83, 83, "10.0.1.0/24")}},
		},
	}
	st := v.state()
	// The node's address is on the router's lo, as the planner puts it: the router
	// answers ARP for it.
	router := &st.Namespaces[len(st.Namespaces)-1]
	router.Links = append(router.Links, plan.Link{Name: "lo", Kind: "loopback", Addrs: []netip.Prefix{pfx("127.0.0.1/8"), pfx("10.0.1.100/32")}})
	tb.converge(st, "first apply")
	tb.serve(v.i2, "tcp-serve", "10.0.2.20", "8080")
	if out, ok := tb.probe(v.i1, "tcp-connect", "10.0.1.100", "80", "2"); !ok {
		t.Errorf("through the listener: %s", out)
	}
	if out, ok := tb.probe(v.i1, "tcp-connect", "10.0.1.100", "81", "2"); !ok {
		t.Errorf("through the listener with SNAT: %s", out)
	}
	if out, ok := tb.probe(v.i1, "tcp-connect", "10.0.1.100", "82", "1"); ok {
		t.Errorf("a listener without targets let through: %s", out)
	}
	if out, ok := tb.probe(v.i1, "tcp-connect", "10.0.1.100", "83", "2"); !ok {
		t.Errorf("through a load balancer's group that admits the listener's port: %s", out)
	}
	if out, ok := tb.probe(v.i1, "tcp-connect", "10.0.1.100", "84", "1"); ok {
		t.Errorf("through a load balancer's group that does not admit the port: %s", out)
	}
	if n := tb.apply(st); n != 0 {
		t.Errorf("second apply made %d changes", n)
	}
}
