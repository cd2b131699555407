package e2e

import (
	"path/filepath"
	"testing"
)

// BenchmarkTransitGateway measures a transit gateway on the real data plane, side by side
// with a direct path and a peering in the same run: TCP round trips, throughput and
// connections per second from an instance of VPC A to another of A (direct), to one of
// VPC B over a peering (A's router, B's router) and to one of VPC C through a transit
// gateway (A's router, the gateway's namespace and its route table's policy rule, C's
// router). Root only; it prints the figures for bench/RESULTS.md:
//
//	go test -run '^$' -bench TransitGateway -benchtime 1x -v ./e2e/
func BenchmarkTransitGateway(b *testing.B) {
	p := startPlane(b)
	bench := func(cidr, subnet string) side {
		s := p.peeringSide(cidr, subnet)
		p.allowIn(s.group, perm("tcp", 7000, 7000, "10.0.0.0/8"))
		return s
	}
	a, b1, c := bench("10.81.0.0/16", "10.81.1.0/24"), bench("10.82.0.0/16", "10.82.1.0/24"), bench("10.83.0.0/16", "10.83.1.0/24")
	client := a.inst
	direct := p.launch(p.instanceSubnet(client.ID), []string{a.group})

	pcx := p.peer(a, b1, "", p.ec2)
	p.routeVia(p.ec2, a.main, "10.82.0.0/16", pcx)
	p.routeVia(p.ec2, b1.main, "10.81.0.0/16", pcx)
	tgw := p.transitGateway()
	attA, attC := p.attach(tgw, a), p.attach(tgw, c)
	p.tgwRouteTable(tgw, []string{attA, attC}, []string{attA, attC})
	p.routeToTgw(a.main, "10.83.0.0/16", tgw)
	p.routeToTgw(c.main, "10.81.0.0/16", tgw)

	script, err := filepath.Abs("../bench/testdata/tcp_perf.py")
	if err != nil {
		b.Fatal(err)
	}
	for _, srv := range []instance{direct, b1.inst, c.inst} {
		p.perfServe(script, srv.ID, "0.0.0.0")
	}
	p.passes(tcp(client.ID, b1.inst.IP, 8000))
	p.passes(tcp(client.ID, c.inst.IP, 8000))
	for round := range 3 {
		for _, mode := range []string{"rr", "stream", "connect"} {
			d := p.perf(script, mode, client.ID, direct.IP)
			peering := p.perf(script, mode, client.ID, b1.inst.IP)
			transit := p.perf(script, mode, client.ID, c.inst.IP)
			b.Logf("round %d %-7s direct: %-14s peering: %-14s tgw: %s", round, mode, d, peering, transit)
		}
	}
}
