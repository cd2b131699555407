package analyze

import (
	"testing"

	"vpcd/internal/model"
)

// TestDirectConnectPaths: with neither VPN tunnel up, a Direct Connect virtual interface
// of the gateway whose session learned the destination carries a static and a propagated
// route to the gateway, and the answer comes back; the session down, both are blackholes.
func TestDirectConnectPaths(t *testing.T) {
	b := newNet()
	vpc := b.vpc("10.0.0.0/16")
	vgw, _ := b.vpnGateway(vpc, [2]bool{}, "172.16.0.0/16")
	static, rtStatic, _ := b.subnet(vpc, "10.0.1.0/24")
	b.route(rtStatic, "172.16.0.0/16", vgw)
	prop, rtProp, _ := b.subnet(vpc, "10.0.2.0/24")
	b.n.RouteTables[rtProp].PropagatingVgws = []string{vgw}
	a, _ := b.instance(static, "10.0.1.10")
	p, _ := b.instance(prop, "10.0.2.10")
	vif := &model.DxVirtualInterface{ID: "dxvif-abcd1234", Gateway: vgw, AmazonAddress: pfx("169.254.7.1/30"), CustomerAddress: pfx("169.254.7.2/30"),
		Learned: []model.BgpRoute{{Prefix: pfx("172.16.0.0/16")}}}
	b.n.DxVirtualInterfaces[vif.ID] = vif
	q := func(src string) Query {
		return Query{Source: src, DestinationIP: addr("172.16.1.1"), Protocol: 6, DestinationPort: 443}
	}
	for _, src := range []string{a, p} {
		r := analyzeFor(t, b.n, q(src), nil)
		if n := len(r.Forward); n < 2 || r.Forward[n-2].Kind != KindVPNGateway || r.Forward[n-1].Kind != KindDxVirtualInterface || r.Forward[n-1].ID != vif.ID {
			t.Errorf("from %s: the path does not end at %s through %s: %+v", src, vgw, vif.ID, r.Forward)
		}
		if len(r.Return) == 0 || r.Return[0].Kind != KindVPNGateway {
			t.Errorf("from %s: the answer does not come back from %s: %+v", src, vgw, r.Return)
		}
	}
	vif.Learned = nil
	for _, src := range []string{a, p} { // the VPN connection's route, no tunnel up
		analyzeFor(t, b.n, q(src), []string{CodeBlackhole})
	}
}
