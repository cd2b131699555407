package analyze

import (
	"slices"
	"testing"

	"vpcd/internal/model"
)

// segments is the isolated-segments layout on one transit gateway: prod, dev and shared
// VPCs, each routing 10.0.0.0/8 to the gateway; prod and dev associated with a segment
// table that takes shared's routes, shared with a table that takes prod's and dev's.
type segments struct {
	tgw, segment, shared          string
	attProd, attDev, attShared    string
	prod, dev, sharedInst, closed string
}

func (b *net) segments() segments {
	var s segments
	s.tgw, s.segment, s.shared = b.id("tgw"), b.id("tgw-rtb"), b.id("tgw-rtb")
	tg := &b.n.TransitGateways
	tg.Gateways[s.tgw] = &model.TransitGateway{ID: s.tgw}
	tg.RouteTables[s.segment] = &model.TransitGatewayRouteTable{ID: s.segment, Gateway: s.tgw}
	tg.RouteTables[s.shared] = &model.TransitGatewayRouteTable{ID: s.shared, Gateway: s.tgw}
	side := func(cidr, subnet, ip, rtb, prop string) (att, inst string) {
		vpc := b.vpc(cidr)
		sn, rt, _ := b.subnet(vpc, subnet)
		b.route(rt, "10.0.0.0/8", s.tgw)
		inst, _ = b.instance(sn, ip)
		att = b.id("tgw-attach")
		tg.Attachments[att] = &model.TransitGatewayAttachment{ID: att, Gateway: s.tgw, Type: "vpc", VPC: vpc, Subnets: []string{sn}, RouteTable: rtb, Propagations: []string{prop}}
		return att, inst
	}
	s.attProd, s.prod = side("10.1.0.0/16", "10.1.1.0/24", "10.1.1.10", s.segment, s.shared)
	s.attDev, s.dev = side("10.2.0.0/16", "10.2.1.0/24", "10.2.1.10", s.segment, s.shared)
	s.attShared, s.sharedInst = side("10.3.0.0/16", "10.3.1.0/24", "10.3.1.10", s.shared, s.segment)
	sn := b.n.Instances[s.sharedInst].Subnet
	s.closed, _ = b.instance(sn, "10.3.1.11", b.group(tcpIn(22, "10.0.0.0/8"), egressAll))
	return s
}

// TestTransitGatewayPaths follows paths through a transit gateway as the data plane lays
// it out (plan: a kernel table per route table, chosen by the attachment a packet comes
// in by): prod and dev reach shared and back, never each other; a blackhole route, an
// attachment associated with no table and a VPC that is not attached drop; the shared
// instance's group still decides.
func TestTransitGatewayPaths(t *testing.T) {
	b := newNet()
	s := b.segments()
	q := func(src, dst string, port int) Query {
		return Query{Source: src, Destination: dst, Protocol: 6, DestinationPort: port}
	}
	kinds := func(hops []Hop) []string {
		var out []string
		for _, h := range hops {
			if h.Kind == KindTransitGateway || h.Kind == KindTransitGatewayAttachment || h.Kind == KindTransitGatewayRouteTable {
				out = append(out, h.Kind+" "+h.ID)
			}
		}
		return out
	}
	t.Run("prod to shared through the segment table, back through shared's", func(t *testing.T) {
		r := analyzeFor(t, b.n, q(s.prod, s.sharedInst, 8000), nil)
		want := []string{KindTransitGatewayAttachment + " " + s.attProd, KindTransitGateway + " " + s.tgw,
			KindTransitGatewayRouteTable + " " + s.segment, KindTransitGatewayAttachment + " " + s.attShared}
		if got := kinds(r.Forward); !slices.Equal(got, want) {
			t.Errorf("forward %v, want %v", got, want)
		}
		if got := kinds(r.Return); len(got) != 4 || got[2] != KindTransitGatewayRouteTable+" "+s.shared {
			t.Errorf("return %v, want it through %s", got, s.shared)
		}
	})
	for _, tc := range []struct {
		name string
		q    Query
		want []string
	}{
		{"dev to shared", q(s.dev, s.sharedInst, 8000), nil},
		{"shared to prod", q(s.sharedInst, s.prod, 8000), nil},
		{"prod to dev: the segment table has no route", q(s.prod, s.dev, 8000), []string{CodeNoRoute}},
		{"dev to prod", q(s.dev, s.prod, 8000), []string{CodeNoRoute}},
		{"the receiver's group", q(s.prod, s.closed, 8000), []string{"ENI_SG_RULES_MISMATCH ingress"}},
		{"the receiver's group lets in", q(s.prod, s.closed, 22), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { analyzeFor(t, b.n, tc.q, tc.want) })
	}

	t.Run("a blackhole route wins over a propagated one", func(t *testing.T) {
		rt := b.n.TransitGateways.RouteTables[s.shared]
		rt.Routes = []model.TransitGatewayRoute{{Destination: pfx("10.2.1.10/32"), Blackhole: true}}
		defer func() { rt.Routes = nil }()
		analyzeFor(t, b.n, q(s.sharedInst, s.dev, 8000), []string{CodeBlackhole})
		analyzeFor(t, b.n, q(s.dev, s.sharedInst, 8000), []string{CodeBlackhole + "  return"})
		analyzeFor(t, b.n, q(s.sharedInst, s.prod, 8000), nil)
	})
	t.Run("an attachment associated with no table drops", func(t *testing.T) {
		a := b.n.TransitGateways.Attachments[s.attDev]
		a.RouteTable = ""
		defer func() { a.RouteTable = s.segment }()
		analyzeFor(t, b.n, q(s.dev, s.sharedInst, 8000), []string{CodeNoRoute})
	})
	t.Run("a VPC without its attachment: the route is a blackhole", func(t *testing.T) {
		a := b.n.TransitGateways.Attachments[s.attProd]
		delete(b.n.TransitGateways.Attachments, s.attProd)
		defer func() { b.n.TransitGateways.Attachments[s.attProd] = a }()
		analyzeFor(t, b.n, q(s.prod, s.sharedInst, 8000), []string{CodeBlackhole})
		analyzeFor(t, b.n, q(s.sharedInst, s.prod, 8000), []string{CodeNoRoute})
	})
}

// TestTransitGatewayVpnPaths follows a path into a VPN connection on the gateway: the
// segment table's static route to the VPN attachment ends the path there, through the
// connection's up tunnel, and the answer comes back out of the tunnel, routed by the
// table the VPN attachment is associated with; with no tunnel up the route drops.
func TestTransitGatewayVpnPaths(t *testing.T) {
	b := newNet()
	s := b.segments()
	vpn, att := b.id("vpn"), b.id("tgw-attach")
	c := &model.VpnConnection{ID: vpn, CustomerGateway: addr("203.0.113.50")}
	c.Tunnels[1] = model.VpnTunnel{OutsideIP: addr("198.18.0.2"), Up: true}
	b.n.VpnConnections[vpn] = c
	b.n.TransitGateways.Attachments[att] = &model.TransitGatewayAttachment{ID: att, Gateway: s.tgw, Type: "vpn", VpnConnection: vpn, RouteTable: s.shared}
	seg := b.n.TransitGateways.RouteTables[s.segment]
	seg.Routes = append(seg.Routes, model.TransitGatewayRoute{Destination: pfx("172.20.0.0/24"), Attachment: att})
	rt := b.n.RouteTableOf(b.n.Subnets[b.n.Instances[s.prod].Subnet])
	b.route(rt.ID, "172.20.0.0/24", s.tgw)
	q := Query{Source: s.prod, DestinationIP: addr("172.20.0.1"), Protocol: 6, DestinationPort: 443}
	r := analyzeFor(t, b.n, q, nil)
	if n := len(r.Forward); n < 2 || r.Forward[n-2].ID != att || r.Forward[n-1].Kind != KindVPNConnection || r.Forward[n-1].Tunnel != addr("198.18.0.2") {
		t.Errorf("the path does not end in %s through the up tunnel: %+v", att, r.Forward)
	}
	if !slices.ContainsFunc(r.Return, func(h Hop) bool { return h.Kind == KindTransitGatewayRouteTable && h.ID == s.shared }) {
		t.Errorf("the answer does not come back through %s: %+v", s.shared, r.Return)
	}
	c.Tunnels[1].Up = false
	analyzeFor(t, b.n, q, []string{CodeBlackhole})
}
