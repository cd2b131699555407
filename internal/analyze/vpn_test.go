package analyze

import (
	"net/netip"
	"slices"
	"testing"

	"vpcd/internal/model"
)

// vpnGateway attaches a new virtual private gateway to vpc with one connection whose
// static routes are routes and whose tunnels are up as up says.
func (b *net) vpnGateway(vpc string, up [2]bool, routes ...string) (vgw, vpn string) {
	vgw, vpn = b.id("vgw"), b.id("vpn")
	b.n.VpnGateways[vgw] = &model.VpnGateway{ID: vgw, VPC: vpc}
	c := &model.VpnConnection{ID: vpn, Gateway: vgw, CustomerGateway: addr("203.0.113.50"), StaticRoutesOnly: true}
	for _, r := range routes {
		c.Routes = append(c.Routes, pfx(r))
	}
	for i := range c.Tunnels {
		c.Tunnels[i] = model.VpnTunnel{OutsideIP: netip.AddrFrom4([4]byte{198, 18, 0, byte(i + 1)}), Up: up[i]}
	}
	b.n.VpnConnections[vpn] = c
	return vgw, vpn
}

// TestVPNPaths asks questions that a subnet's routes send to a virtual private gateway,
// as the data plane carries them (plan.VgwTunnel, plan.PropagatedRoutes): a static or
// propagated route to a gateway with an up tunnel ends the path at the gateway, through
// the connection's up tunnel, and the answer comes back out of it; with no tunnel up the
// route is a blackhole. Of one prefix the table's own route wins over a propagated one,
// the longest prefix wins whichever it is, and the VPC's own addresses stay local.
func TestVPNPaths(t *testing.T) {
	b := newNet()
	vpc := b.vpc("10.0.0.0/16")
	igw := b.gateway(vpc)
	vgw, vpn := b.vpnGateway(vpc, [2]bool{false, true}, "172.16.0.0/16", "192.168.0.0/16", "198.51.100.0/24", "10.0.0.0/8")
	static, rtStatic, _ := b.subnet(vpc, "10.0.1.0/24")
	b.route(rtStatic, "172.16.0.0/16", vgw)
	prop, rtProp, _ := b.subnet(vpc, "10.0.2.0/24")
	b.n.RouteTables[rtProp].PropagatingVgws = []string{vgw}
	b.route(rtProp, "192.168.0.0/16", igw)
	b.route(rtProp, "0.0.0.0/0", igw)
	noACL, rtNoACL, aclNoACL := b.subnet(vpc, "10.0.3.0/24")
	b.route(rtNoACL, "172.16.0.0/16", vgw)
	b.n.NetworkACLs[aclNoACL].Entries = allowAll()[1:] // the answer is not let in

	a, _ := b.instance(static, "10.0.1.10")
	shut, _ := b.instance(static, "10.0.1.11", b.group(tcpIn(22, "0.0.0.0/0")))
	p, pENI := b.instance(prop, "10.0.2.10")
	b.n.Interfaces[pENI].PublicIP = addr("198.51.100.200")
	c, _ := b.instance(noACL, "10.0.3.10")

	// Another VPC, whose gateway's connection has no tunnel up.
	down := b.vpc("10.1.0.0/16")
	vgwDown, _ := b.vpnGateway(down, [2]bool{}, "172.16.0.0/16", "192.168.0.0/16")
	dStatic, rtDStatic, _ := b.subnet(down, "10.1.1.0/24")
	b.route(rtDStatic, "172.16.0.0/16", vgwDown)
	dProp, rtDProp, _ := b.subnet(down, "10.1.2.0/24")
	b.n.RouteTables[rtDProp].PropagatingVgws = []string{vgwDown}
	d, _ := b.instance(dStatic, "10.1.1.10")
	e, _ := b.instance(dProp, "10.1.2.10")

	q := func(src, dst, dstIP string) Query {
		return Query{Source: src, Destination: dst, DestinationIP: addr(dstIP), Protocol: 6, DestinationPort: 443}
	}
	for _, tc := range []struct {
		name string
		q    Query
		want []string // codes; none means reachable through vgw
	}{
		{"a static route to the gateway, a tunnel up", q(a, "", "172.16.1.1"), nil},
		{"the gateway named", q(a, vgw, "172.16.1.1"), nil},
		{"a propagated route", q(p, "", "172.16.1.1"), nil},
		{"a longer propagated prefix wins over the default route", q(p, "", "198.51.100.7"), nil},
		{"the group lets nothing out", q(shut, "", "172.16.1.1"), []string{"ENI_SG_RULES_MISMATCH egress"}},
		{"the subnet's ACL does not let the answer in", q(c, "", "172.16.1.1"), []string{"SUBNET_ACL_RESTRICTION ingress return"}},
		{"no route in a table that does not propagate", q(a, "", "192.168.1.1"), []string{CodeNoRoute}},
		{"neither tunnel up, a static route", q(d, "", "172.16.1.1"), []string{CodeBlackhole}},
		{"neither tunnel up, the gateway named", q(d, vgwDown, "172.16.1.1"), []string{CodeBlackhole}},
		{"neither tunnel up, a propagated route", q(e, "", "192.168.1.1"), []string{CodeBlackhole}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := analyzeFor(t, b.n, tc.q, tc.want)
			if tc.want != nil {
				return
			}
			if r.Target.Dst != tc.q.DestinationIP {
				t.Errorf("delivered %s, want it to %s", r.Target, tc.q.DestinationIP)
			}
			kinds := func(hops []Hop) []string {
				var out []string
				for _, h := range hops {
					out = append(out, h.Kind+" "+h.ID)
				}
				return out
			}
			fw := kinds(r.Forward)
			if n := len(fw); n < 2 || fw[n-2] != KindVPNGateway+" "+vgw || fw[n-1] != KindVPNConnection+" "+vpn {
				t.Errorf("the path does not end at %s through %s: %v", vgw, vpn, fw)
			}
			if h := r.Forward[len(r.Forward)-1]; h.Tunnel != addr("198.18.0.2") {
				t.Errorf("through tunnel %s, want the up one, 198.18.0.2", h.Tunnel)
			}
			back := kinds(r.Return)
			if len(back) < 3 || back[0] != KindVPNGateway+" "+vgw || !slices.ContainsFunc(r.Return, func(h Hop) bool { return h.Kind == "network-acl" && h.Direction == "ingress" }) {
				t.Errorf("the answer does not come back from %s through the subnet's ACL: %v", vgw, back)
			}
		})
	}

	t.Run("the table's own route wins over a propagated one of the same prefix", func(t *testing.T) {
		r := analyze(t, b.n, q(p, "", "192.168.1.1"))
		if r.Reachable || slices.ContainsFunc(r.Forward, func(h Hop) bool { return h.Kind == KindVPNGateway }) {
			t.Fatalf("reachable %v through the VPN: %+v", r.Reachable, r.Forward)
		}
		if i := slices.IndexFunc(r.Forward, func(h Hop) bool { return h.Kind == "route-table" }); i < 0 || r.Forward[i].Route.Target != igw {
			t.Errorf("the route taken is not the table's own to %s: %+v", igw, r.Forward)
		}
	})
	t.Run("the VPC's own addresses stay local", func(t *testing.T) {
		r := analyzeFor(t, b.n, q(p, a, "10.0.1.10"), nil)
		if i := slices.IndexFunc(r.Forward, func(h Hop) bool { return h.Kind == "route-table" }); i < 0 || r.Forward[i].Route.Target != "local" {
			t.Errorf("the route taken is not local: %+v", r.Forward)
		}
		r = analyzeFor(t, b.n, q(p, "", "10.0.9.9"), []string{CodeNoRoute})
		if slices.ContainsFunc(r.Forward, func(h Hop) bool { return h.Kind == KindVPNGateway }) {
			t.Errorf("an address of the VPC went to the VPN: %+v", r.Forward)
		}
	})
	t.Run("a virtual private gateway that does not exist is no destination", func(t *testing.T) {
		if _, err := Analyze(b.n, q(a, "vgw-0123456789abcdef0", "172.16.1.1")); err == nil {
			t.Errorf("no error")
		}
	})
	t.Run("a path does not start at a gateway endpoint", func(t *testing.T) {
		if _, err := Analyze(b.n, Query{Source: "vpce-0000000000000000b", SourceIP: addr("172.16.1.1"), Destination: a, Protocol: 6, DestinationPort: 22}); err == nil {
			t.Errorf("no error")
		}
	})
	t.Run("a path from a virtual private gateway needs a source address", func(t *testing.T) {
		if _, err := Analyze(b.n, Query{Source: vgw, Destination: a, Protocol: 6, DestinationPort: 22}); err == nil {
			t.Errorf("no error")
		}
	})
}

// TestVPNPathsIn asks questions from the customer's network, out of a VPN tunnel of a
// virtual private gateway: the packet reaches only the VPC's own interfaces, past their
// subnets' ACLs and their groups, and the answer must be routed back to the gateway.
func TestVPNPathsIn(t *testing.T) {
	b := newNet()
	vpc := b.vpc("10.0.0.0/16")
	vgw, vpn := b.vpnGateway(vpc, [2]bool{true, true}, "172.16.0.0/16", "192.168.0.0/16")
	static, rtStatic, _ := b.subnet(vpc, "10.0.1.0/24")
	b.route(rtStatic, "172.16.0.0/16", vgw)
	prop, rtProp, _ := b.subnet(vpc, "10.0.2.0/24")
	b.n.RouteTables[rtProp].PropagatingVgws = []string{vgw}
	a, _ := b.instance(static, "10.0.1.10")
	ssh, _ := b.instance(static, "10.0.1.11", b.group(tcpIn(22, "172.16.0.0/16")))
	p, _ := b.instance(prop, "10.0.2.10")
	down := b.vpc("10.1.0.0/16")
	vgwDown, _ := b.vpnGateway(down, [2]bool{}, "172.16.0.0/16")
	dsn, _, _ := b.subnet(down, "10.1.1.0/24")
	d, _ := b.instance(dsn, "10.1.1.10")

	q := func(src, srcIP, dst string, port int) Query {
		return Query{Source: src, SourceIP: addr(srcIP), Destination: dst, Protocol: 6, DestinationPort: port}
	}
	for _, tc := range []struct {
		name string
		q    Query
		want []string
	}{
		{"to an instance whose table routes the customer to the gateway", q(vgw, "172.16.1.1", a, 22), nil},
		{"to an instance whose table propagates the gateway", q(vgw, "192.168.1.1", p, 22), nil},
		{"the group lets in", q(vgw, "172.16.1.1", ssh, 22), nil},
		{"the group does not let in", q(vgw, "172.16.1.1", ssh, 443), []string{"ENI_SG_RULES_MISMATCH ingress"}},
		{"the answer has no route back", q(vgw, "192.168.1.1", a, 22), []string{CodeNoRoute + "  return"}},
		{"no tunnel up", q(vgwDown, "172.16.1.1", d, 22), []string{CodeBadState}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := analyzeFor(t, b.n, tc.q, tc.want)
			if tc.want != nil {
				return
			}
			if len(r.Forward) == 0 || r.Forward[0].Kind != KindVPNGateway || r.Forward[0].ID != vgw {
				t.Errorf("the path does not start at %s: %+v", vgw, r.Forward)
			}
			if n := len(r.Return); n < 2 || r.Return[n-2].ID != vgw || r.Return[n-1].ID != vpn {
				t.Errorf("the answer does not go back through %s and %s: %+v", vgw, vpn, r.Return)
			}
		})
	}
	if _, err := Analyze(b.n, q(vgw, "172.16.1.1", "", 22)); err == nil {
		t.Errorf("a path from a virtual private gateway to no address: no error")
	}
}
