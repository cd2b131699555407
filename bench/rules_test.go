package bench

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"vpcd/internal/model"
	"vpcd/internal/plan"
)

// BenchmarkRules measures what security group rules cost a flow: TCP round trips,
// throughput and new connections per second between two instances in different subnets of
// one VPC, whose server has 1, 100 or 300 rules on its groups (one of them admits the
// client), side by side in the same run with a bare veth pair between two plain namespaces
// (no router, no nftables): the limit of this machine.
//
// The rules are a mix a real workload has: ports from anywhere, all ports from other
// networks, and groups as peers, spread over five groups of at most 60 rules (AWS's
// default quota per group, raised to 300 across five groups). They are compiled into
// nftables sets and verdict maps, so a packet's cost should not grow with their number.
//
// Root only; it prints the figures for RESULTS.md:
//
//	go test -run '^$' -bench Rules -benchtime 1x -v ./bench/
func BenchmarkRules(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: creates network namespaces")
	}
	const internetNS = "vpcd-internet-brules"
	n, client, servers := rulesNetwork()
	want := plan.Compute(n, internetNS)
	layOut(b, want)
	bare := bareVethPair(b)
	for _, srv := range append([]pathEnd{bare.server}, servers...) {
		perfServe(b, srv.ns, "0.0.0.0")
	}
	for round := range 3 {
		for _, mode := range []string{"rr", "stream", "connect"} {
			line := fmt.Sprintf("round %d %-7s bare: %-12s", round, mode, perf(b, mode, bare.client, bare.server))
			for i, srv := range servers {
				line += fmt.Sprintf(" rules=%d: %-12s", rulesCounts[i], perf(b, mode, client, srv))
			}
			b.Log(line)
		}
	}
}

// rulesCounts are the numbers of rules on the servers' groups, in the order of the servers
// rulesNetwork returns.
var rulesCounts = []int{1, 100, 300}

// rulesNetwork is one VPC (10.0.0.0/16) with the client in 10.0.1.0/24 and a server per
// entry of rulesCounts in 10.0.2.0/24, each with that many ingress rules over its groups.
func rulesNetwork() (*model.Network, pathEnd, []pathEnd) {
	n := model.NewNetwork()
	pfx := netip.MustParsePrefix
	vpc, rt := randomID("vpc"), randomID("rtb")
	n.VPCs[vpc] = &model.VPC{ID: vpc, CIDRs: []netip.Prefix{pfx("10.0.0.0/16")}, MainRouteTable: rt}
	n.RouteTables[rt] = &model.RouteTable{ID: rt, VPC: vpc, Routes: []model.Route{{Destination: pfx("10.0.0.0/16"), Target: "local"}}}
	clientSub, serverSub := randomID("subnet"), randomID("subnet")
	n.Subnets[clientSub] = &model.Subnet{ID: clientSub, VPC: vpc, CIDR: pfx("10.0.1.0/24")}
	n.Subnets[serverSub] = &model.Subnet{ID: serverSub, VPC: vpc, CIDR: pfx("10.0.2.0/24")}
	egress := model.SecurityGroupRule{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")}
	clientGroup := randomID("sg")
	n.SecurityGroups[clientGroup] = &model.SecurityGroup{ID: clientGroup, Rules: []model.SecurityGroupRule{egress}}
	// Peer groups that the servers' rules name; each has one member elsewhere in the VPC
	// so that the rules compile to real addresses.
	var peers []string
	for i := range 4 {
		g := randomID("sg")
		n.SecurityGroups[g] = &model.SecurityGroup{ID: g, Rules: []model.SecurityGroupRule{egress}}
		peers = append(peers, g)
		addRulesInstance(n, vpc, clientSub, fmt.Sprintf("10.0.1.%d", 100+i), g)
	}
	client := addRulesInstance(n, vpc, clientSub, "10.0.1.10", clientGroup)
	var servers []pathEnd
	for i, count := range rulesCounts {
		rules := []model.SecurityGroupRule{{Protocol: 6, FromPort: 7000, ToPort: 7000, CIDR: pfx("10.0.1.10/32")}}
		for j := 1; j < count; j++ {
			switch j % 3 {
			case 0: // a port open to anyone
				rules = append(rules, model.SecurityGroupRule{Protocol: 6, FromPort: 8000 + j, ToPort: 8000 + j, CIDR: pfx("0.0.0.0/0")})
			case 1: // every port from another network
				rules = append(rules, model.SecurityGroupRule{Protocol: -1, FromPort: -1, ToPort: -1,
					CIDR: netip.PrefixFrom(netip.AddrFrom4([4]byte{172, 16, byte(j), 0}), 24)})
			default: // a port range from a peer group
				rules = append(rules, model.SecurityGroupRule{Protocol: 6, FromPort: 9000 + j, ToPort: 9100 + j, Group: peers[j%len(peers)]})
			}
		}
		var groups []string
		for len(rules) > 0 {
			take := min(60, len(rules))
			g := randomID("sg")
			n.SecurityGroups[g] = &model.SecurityGroup{ID: g, Rules: append(rules[:take:take], egress)}
			groups = append(groups, g)
			rules = rules[take:]
		}
		servers = append(servers, addRulesInstance(n, vpc, serverSub, fmt.Sprintf("10.0.2.%d", 10+i), groups...))
	}
	return n, client, servers
}

func addRulesInstance(n *model.Network, vpc, subnet, ip string, groups ...string) pathEnd {
	inst, eni := randomID("i"), randomID("eni")
	n.Instances[inst] = &model.Instance{ID: inst, VPC: vpc, Subnet: subnet, Running: true, Interfaces: []string{eni}}
	n.Interfaces[eni] = &model.Interface{ID: eni, Subnet: subnet, VPC: vpc, PrivateIPs: []netip.Addr{netip.MustParseAddr(ip)},
		Groups: groups, SourceDestCheck: true, Instance: inst}
	return pathEnd{ns: inst, addr: ip}
}

// bareVethPair is two plain namespaces joined by one veth pair, 10.99.0.1 and 10.99.0.2:
// the fastest path two namespaces can have on this machine. Both go when the benchmark
// ends.
func bareVethPair(b *testing.B) struct{ client, server pathEnd } {
	client, server := randomID("bare"), randomID("bare")
	b.Cleanup(func() {
		exec.Command("ip", "netns", "del", client).Run()
		exec.Command("ip", "netns", "del", server).Run()
	})
	for _, args := range [][]string{
		{"netns", "add", client},
		{"netns", "add", server},
		{"-n", client, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", server},
		{"-n", client, "addr", "add", "10.99.0.1/30", "dev", "eth0"},
		{"-n", server, "addr", "add", "10.99.0.2/30", "dev", "eth0"},
		{"-n", client, "link", "set", "eth0", "up"},
		{"-n", server, "link", "set", "eth0", "up"},
		{"-n", client, "link", "set", "lo", "up"},
		{"-n", server, "link", "set", "lo", "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			b.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return struct{ client, server pathEnd }{pathEnd{ns: client, addr: "10.99.0.1"}, pathEnd{ns: server, addr: "10.99.0.2"}}
}
