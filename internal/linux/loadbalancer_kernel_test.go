package linux

import (
	"net/netip"
	"testing"

	"vpcd/internal/plan"
)

// TestLoadBalancerTraffic: listeners of a node at 10.0.1.100 pass i1's connections to
// i2's 8080, whose group admits the node's address only: with i1's address a flow gets
// through only when the load balancer has groups and i2's admit the node (Admitted);
// without client IP preservation, from the node's address, it does when i2's group admits
// the node (the planner says so in Admitted).
func TestLoadBalancerTraffic(t *testing.T) {
	tb := newTestbed(t)
	v := newVPC(tb)
	all := []plan.Permission{perm(-1, -1, -1, "0.0.0.0/0")}
	backend := []plan.LoadBalancerBackend{{Addr: addr("10.0.2.20"), Port: 8080}}
	node := addr("10.0.1.100")
	guard := []plan.Permission{perm(6, 83, 86, "10.0.1.0/24")}
	v.firewall = &plan.Firewall{
		Interfaces: []plan.FirewallInterface{
			{Link: "r-i1", Addrs: []netip.Addr{addr("10.0.1.10")}, SourceDestCheck: true, Egress: all, Ingress: all},
			{Link: "r-i2", Addrs: []netip.Addr{addr("10.0.2.20")}, SourceDestCheck: true, Egress: all, Ingress: []plan.Permission{perm(6, 8080, 8080, "10.0.1.100/32")}},
		},
		LoadBalancers: []plan.LoadBalancerListener{
			{Addr: node, Protocol: 6, Port: 80, Backends: backend},
			{Addr: node, Protocol: 6, Port: 81, Backends: backend, Source: node, Admitted: backend},
			{Addr: node, Protocol: 6, Port: 87, Backends: backend, Source: node},
			{Addr: node, Protocol: 6, Port: 82},
			{Addr: node, Protocol: 6, Port: 83, Backends: backend, Guarded: true, Ingress: guard, Admitted: backend},
			{Addr: node, Protocol: 6, Port: 84, Backends: backend, Guarded: true, Ingress: []plan.Permission{perm(6, 83, 83, "10.0.1.0/24")}, Admitted: backend},
			{Addr: node, Protocol: 6, Port: 85, Backends: backend, Guarded: true, Ingress: guard},
			{Addr: node, Protocol: 6, Port: 86, Backends: backend, Guarded: true, Ingress: guard, Admitted: backend, Source: node},
		},
	}
	st := v.state()
	// The node's address is on the router's lo, as the planner puts it: the router
	// answers ARP for it.
	router := &st.Namespaces[len(st.Namespaces)-1]
	router.Links = append(router.Links, plan.Link{Name: "lo", Kind: "loopback", Addrs: []netip.Prefix{pfx("127.0.0.1/8"), pfx("10.0.1.100/32")}})
	tb.converge(st, "first apply")
	tb.serve(v.i2, "tcp-serve", "10.0.2.20", "8080")
	for _, c := range []struct {
		name, port string
		want       bool
	}{
		{"client's address, which the target's group does not admit", "80", false},
		{"the node's address (SNAT)", "81", true},
		{"a listener without targets", "82", false},
		{"a guarded load balancer whose target admits the node", "83", true},
		{"a guarded load balancer whose group does not admit the port", "84", false},
		{"a guarded load balancer whose target does not admit the node", "85", false},
		{"a guarded load balancer, SNAT", "86", true},
		{"SNAT to a target whose group does not admit the node", "87", false},
	} {
		wait := "1"
		if c.want {
			wait = "2"
		}
		if out, ok := tb.probe(v.i1, "tcp-connect", "10.0.1.100", c.port, wait); ok != c.want {
			t.Errorf("%s: got through %v, want %v (%s)", c.name, ok, c.want, out)
		}
	}
	if n := tb.apply(st); n != 0 {
		t.Errorf("second apply made %d changes", n)
	}
}
