package e2e

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// BenchmarkVPN measures a Site-to-Site VPN on the real data plane, side by side with a
// direct path in the same run: TCP round trips, throughput and connections per second
// from an instance to another instance of its VPC (direct) and to the LAN of a customer
// site through the tunnels (vpn: the VPC router, tunnel 1's TUN, charon's libipsec in user
// space, ESP in UDP over the simulated internet, the site's charon); how long both
// tunnels take to come up once the site loads its configuration; how long traffic takes
// to flow again after tunnel 1's daemon on vpcd's side is killed. Root and strongSwan
// only; it prints the figures for bench/RESULTS.md:
//
//	go test -run '^$' -bench VPN -benchtime 1x -v ./e2e/
func BenchmarkVPN(b *testing.B) {
	requireStrongSwan(b)
	p := startPlane(b)
	const vpcCIDR, lan = "10.78.0.0/16", "172.20.0.0/24"
	vpc := p.vpc(vpcCIDR)
	sub := p.subnet(vpc, "10.78.1.0/24")
	grp := p.group(vpc, "bench")
	p.allowIn(grp, perm("tcp", 7000, 7000, "172.16.0.0/12"), perm("tcp", 7000, 7000, vpcCIDR))
	vgwOut, err := p.ec2.CreateVpnGateway(p.ctx, &ec2sdk.CreateVpnGatewayInput{Type: types.GatewayTypeIpsec1})
	p.check("CreateVpnGateway", err)
	vgw := aws.ToString(vgwOut.VpnGateway.VpnGatewayId)
	_, err = p.ec2.AttachVpnGateway(p.ctx, &ec2sdk.AttachVpnGatewayInput{VpnGatewayId: aws.String(vgw), VpcId: aws.String(vpc)})
	p.check("AttachVpnGateway", err)
	b.Cleanup(func() {
		p.ec2.DetachVpnGateway(p.ctx, &ec2sdk.DetachVpnGatewayInput{VpnGatewayId: aws.String(vgw), VpcId: aws.String(vpc)})
		p.ec2.DeleteVpnGateway(p.ctx, &ec2sdk.DeleteVpnGatewayInput{VpnGatewayId: aws.String(vgw)})
	})
	p.routeTable(vpc, sub, lan, toGateway(vgw))
	client := p.launch(sub, []string{grp})
	server := p.launch(sub, []string{grp})

	vpn := p.vpnConnection(vgw, "192.0.2.77", lan)
	site := p.addSite("bench", "192.0.2.77", lan, false)
	site.runStrongSwan(vpn, lan, vpcCIDR, "2")
	up := p.within(tunnelWait, "both tunnels UP", func() bool { return slices.Equal(p.telemetry(vpn), []string{"UP", "UP"}) })
	b.Logf("tunnel set-up: both tunnels UP %v after the site loaded its configuration", up)

	script, err := filepath.Abs("../bench/testdata/tcp_perf.py")
	if err != nil {
		b.Fatal(err)
	}
	p.perfServe(script, server.ID, "0.0.0.0")
	p.perfServe(script, "site:bench", "172.20.0.1")
	for round := range 3 {
		for _, mode := range []string{"rr", "stream", "connect"} {
			direct := p.perf(script, mode, client.ID, server.IP)
			tunnel := p.perf(script, mode, client.ID, "172.20.0.1")
			b.Logf("round %d %-7s direct: %-14s vpn: %s", round, mode, direct, tunnel)
		}
	}

	// Failover: tunnel 1's daemon dies on vpcd's side; how long until a connection
	// through the VPN succeeds again (vpcd sees the tunnel down and routes into tunnel 2;
	// the site's DPD moves its side).
	pids, _ := exec.Command("ip", "netns", "pids", "vpcd-"+vpn+"-1").Output()
	if len(strings.Fields(string(pids))) == 0 {
		b.Fatal("no daemon in tunnel 1's namespace")
	}
	start := time.Now()
	for _, pid := range strings.Fields(string(pids)) {
		exec.Command("kill", "-9", pid).Run()
	}
	// A connection that fails right after the kill proves the old path is gone only
	// when it fails; count from the kill until one succeeds.
	for {
		if time.Since(start) > tunnelWait {
			b.Fatal("no connection through the VPN within", tunnelWait, "of the kill")
		}
		out, err := exec.Command(p.bin, "exec", client.ID, "--", "python3", script, "connect", "172.20.0.1", "7000", "0.2").CombinedOutput()
		if err == nil && !strings.HasPrefix(strings.TrimSpace(string(out)), "0 ") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Logf("failover: a connection through the VPN succeeds again %v after tunnel 1's daemon was killed", time.Since(start).Round(10*time.Millisecond))
}

// perfServe runs tcp_perf.py's server on bind, port 7000, in an instance or site
// ("site:NAME") until the benchmark ends, or until stop.
func (p *plane) perfServe(script, where, bind string) (stop func()) {
	p.t.Helper()
	cmd := exec.Command(p.bin, "exec", where, "--", "python3", script, "serve", bind, "7000")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	var once sync.Once
	stop = func() { once.Do(func() { cmd.Process.Kill(); cmd.Wait() }) }
	p.t.Cleanup(stop)
	if line, _ := bufio.NewReader(out).ReadString('\n'); strings.TrimSpace(line) != "ready" {
		p.t.Fatalf("tcp_perf.py server in %s did not start", where)
	}
	return stop
}

// perf measures one figure of tcp_perf.py (rr, stream or connect) for 3 seconds from an
// instance to a server at addr.
func (p *plane) perf(script, mode, from, addr string) string {
	p.t.Helper()
	out, err := exec.Command(p.bin, "exec", from, "--", "python3", script, mode, addr, "7000", "3").CombinedOutput()
	if err != nil {
		p.t.Fatalf("%s from %s to %s: %v: %s", mode, from, addr, err, out)
	}
	return strings.TrimSpace(string(out))
}
