package e2e

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
)

// BenchmarkVPNBGPRoutes measures how fast routes learned over BGP reach the VPC: a site
// (strongSwan and FRR's bgpd, as TestVPNBGP's) advertises 1, 100 and 1,000 prefixes at
// once over both tunnels; the figures are the time until VgwTelemetry counts them all
// (taken in: vpcd's speaker, its state file, the store) and until all are routes in the
// VPC router's kernel (propagated: the planner and the kernel), and the time until all
// are gone again once withdrawn. AWS accepts at most 100 routes per session and drops a
// session that gets more, a quota it never raises: vpcd runs here with the limit lifted
// (--bgp-max-prefixes -1, for benchmarks only) so that the 1,000 case measures the
// pipeline rather than the quota. Root, strongSwan and FRR only:
//
//	go test -run '^$' -bench VPNBGPRoutes -benchtime 1x -v ./e2e/
func BenchmarkVPNBGPRoutes(b *testing.B) {
	requireStrongSwan(b)
	requireFRR(b)
	p := startPlane(b, "--bgp-max-prefixes", "-1")
	const vpcCIDR, lan, asn = "10.80.0.0/16", "172.22.0.0/24", 65080
	vpc := p.vpc(vpcCIDR)
	sub := p.subnet(vpc, "10.80.1.0/24")
	vgw := p.vpnGateway(vpc)
	p.launch(sub, []string{p.group(vpc, "bench")}) // the VPC's router comes with its first instance
	vpn := p.dynamicVpnConnection(vgw, "192.0.2.91", asn)
	site := p.addSite("bgpbench", "192.0.2.91", lan, false)
	site.runStrongSwan(vpn, lan, vpcCIDR, "2", "bgp")
	site.runFRR(vpn, lan)
	p.within(tunnelWait, "both tunnels UP (IPsec and BGP)", func() bool { return slices.Equal(p.telemetry(vpn), []string{"UP", "UP"}) })
	router := routerNamespace(vpc)
	link := "t" + vpn[len(vpn)-13:]
	b.Logf("the prefix limit is lifted (--bgp-max-prefixes -1): AWS accepts 100 routes per session and resets it above")
	for _, n := range []int{1, 100, 1000} {
		var prefixes []string
		for i := range n {
			prefixes = append(prefixes, fmt.Sprintf("172.%d.%d.0/24", 24+i/256, i%256))
		}
		want := n + 1 // and the site's LAN
		start := time.Now()
		site.networks(asn, prefixes, true)
		var takenIn, propagated time.Duration
		p.within(2*time.Minute, fmt.Sprintf("%d routes in the VPC router's kernel", want), func() bool {
			if takenIn == 0 && p.acceptedRoutes(vpn) >= want {
				takenIn = time.Since(start)
			}
			if kernelRoutes(b, router, link) >= want {
				propagated = time.Since(start)
				return true
			}
			return false
		})
		if takenIn == 0 {
			takenIn = propagated
		}
		start = time.Now()
		site.networks(asn, prefixes, false)
		p.within(2*time.Minute, "withdrawn routes gone from the kernel", func() bool { return kernelRoutes(b, router, link) == 1 })
		withdrawn := time.Since(start)
		b.Logf("%5d prefixes: taken in (telemetry) %-8v  in the kernel %-8v (%.0f routes/s)  withdrawn %-8v (%.0f routes/s)",
			n, takenIn.Round(time.Millisecond), propagated.Round(time.Millisecond), float64(n)/propagated.Seconds(),
			withdrawn.Round(time.Millisecond), float64(n)/withdrawn.Seconds())
	}
}

// networks advertises (or withdraws) prefixes from the site's bgpd in one vtysh call.
func (s *site) networks(asn int, prefixes []string, on bool) {
	cmds := []string{"configure terminal", fmt.Sprintf("router bgp %d", asn), "address-family ipv4 unicast"}
	for _, p := range prefixes {
		if on {
			cmds = append(cmds, "network "+p)
		} else {
			cmds = append(cmds, "no network "+p)
		}
	}
	s.vtysh(cmds...)
}

// acceptedRoutes is the most routes a tunnel of the connection accepts (VgwTelemetry).
func (p *plane) acceptedRoutes(vpn string) int {
	out, err := p.ec2.DescribeVpnConnections(p.ctx, &ec2sdk.DescribeVpnConnectionsInput{VpnConnectionIds: []string{vpn}})
	p.check("DescribeVpnConnections", err)
	n := 0
	for _, tel := range out.VpnConnections[0].VgwTelemetry {
		n = max(n, int(aws.ToInt32(tel.AcceptedRouteCount)))
	}
	return n
}

// kernelRoutes counts the routes of the router's tables into the connection's tunnels
// (links starting with link), the tunnels' own /30s aside.
func kernelRoutes(b testing.TB, router, link string) int {
	out, err := exec.Command("ip", "-n", router, "-4", "route", "show", "table", "all").Output()
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "dev "+link) && !strings.Contains(line, "proto kernel") {
			n++
		}
	}
	return n
}
