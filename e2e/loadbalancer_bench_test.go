package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// connectOnly opens argv[3] TCP connections to argv[1]:argv[2] one after the other and
// prints how many failed.
const connectOnly = `
import socket, sys
failed = 0
for _ in range(int(sys.argv[3])):
    try:
        socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
    except OSError:
        failed += 1
print(failed)
`

// BenchmarkNLB measures a network load balancer on the real data plane, side by side
// with the direct path in the same run: TCP round trips, throughput and connections per
// second from an instance to another of its subnet (direct) and to the load balancer's
// node in that zone (nlb: the router's DNAT to one of two targets by flow hash); then how
// long after a target's server dies no new connection through the load balancer fails
// (its health checks, at AWS's shortest interval and lowest threshold, take it out).
// Root only; it prints the figures for bench/RESULTS.md:
//
//	go test -run '^$' -bench NLB -benchtime 1x -v ./e2e/
func BenchmarkNLB(b *testing.B) {
	p := startPlane(b)
	c := p.elbClient()
	vpc := p.vpc("10.79.0.0/16")
	sub := p.subnetIn(vpc, "10.79.1.0/24", "us-east-1a")
	grp := p.group(vpc, "bench")
	p.allowIn(grp, perm("tcp", 7000, 7000, "10.79.0.0/16"))
	client, t1, t2 := p.launch(sub, []string{grp}), p.launch(sub, []string{grp}), p.launch(sub, []string{grp})
	script, err := filepath.Abs("../bench/testdata/tcp_perf.py")
	if err != nil {
		b.Fatal(err)
	}
	stop1 := p.perfServe(script, t1.ID, "0.0.0.0")
	p.perfServe(script, t2.ID, "0.0.0.0")
	start := time.Now()
	lb := p.networkLoadBalancer(c, vpc, "internal", []string{sub}, 7000, 7000, t1.ID, t2.ID)
	node := lb.nodes[sub]
	p.eventually("both targets healthy", func() bool {
		h := p.health(c, lb.group)
		return h[t1.ID] == "healthy" && h[t2.ID] == "healthy"
	})
	b.Logf("set-up: both targets healthy %v after CreateLoadBalancer", time.Since(start).Round(10*time.Millisecond))
	for round := range 3 {
		for _, mode := range []string{"rr", "stream", "connect"} {
			direct := p.perf(script, mode, client.ID, t2.IP)
			nlb := p.perf(script, mode, client.ID, node)
			b.Logf("round %d %-7s direct: %-14s nlb: %s", round, mode, direct, nlb)
		}
	}

	// Failover: t1's server dies; count from then until a batch of new connections
	// through the load balancer all succeed.
	stop1()
	start = time.Now()
	for {
		if time.Since(start) > time.Minute {
			b.Fatal("connections through the load balancer still fail a minute after a target died")
		}
		out, err := p.exec(client.ID, "python3", "-c", connectOnly, node, "7000", "10").CombinedOutput()
		if err == nil && strings.TrimSpace(string(out)) == "0" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Logf("failover: no new connection fails %v after a target's server died (checks every 5 s, unhealthy after 2 failures)",
		time.Since(start).Round(10*time.Millisecond))
}
