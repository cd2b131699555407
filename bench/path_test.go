package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vpcd/internal/linux"
	"vpcd/internal/model"
	"vpcd/internal/plan"
)

// BenchmarkPaths measures TCP round trips, latency, throughput and connections per second
// on four paths, in the same run, over the real data plane laid out by plan.Compute and
// applied by the realizer:
//
//   - direct: between two subnets of one VPC (one router);
//   - peering: to a peered VPC (two routers and the peering link);
//   - nat: from a private subnet through a NAT gateway to a server in the simulated
//     internet (the router twice, the gateway's conntrack and SNAT, then the internet
//     gateway's 1:1 NAT);
//   - igw: from an instance with a public address straight out through the internet
//     gateway (1:1 NAT only) to the same internet server.
//
// Root only; it prints the figures for RESULTS.md:
//
//	go test -run '^$' -bench Paths -benchtime 1x -v ./bench/
func BenchmarkPaths(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: creates network namespaces")
	}
	const internetNS = "vpcd-internet-bench"
	n, p := pathNetwork(internetNS)
	want := plan.Compute(n, internetNS)
	for _, ns := range []string{p.client.ns, p.public.ns, p.direct.ns, p.peered.ns, p.internet.ns} {
		if !slices.ContainsFunc(want.Namespaces, func(w plan.Namespace) bool { return w.Name == ns }) {
			b.Fatalf("plan.Compute laid out no namespace %s", ns)
		}
	}
	layOut(b, want)
	perfServe(b, p.direct.ns, "0.0.0.0")
	perfServe(b, p.peered.ns, "0.0.0.0")
	perfServe(b, p.internet.ns, p.internet.addr)
	for round := range 3 {
		for _, mode := range []string{"rr", "stream", "connect"} {
			direct := perf(b, mode, p.client, p.direct)
			peering := perf(b, mode, p.client, p.peered)
			// The client has no public address and the internet gateway link drops
			// unmapped sources: the internet server is reachable only through the NAT
			// gateway, and sees its Elastic IP.
			nat := perf(b, mode, p.client, p.internet)
			igw := perf(b, mode, p.public, p.internet)
			b.Logf("round %d %-7s direct: %-12s peering: %-12s nat: %-12s igw: %s", round, mode, direct, peering, nat, igw)
		}
	}
}

type pathEnd struct{ ns, addr string }

// layOut makes the kernel match want with a realizer that owns want's namespaces, and,
// when the benchmark ends, removes them and checks that none is left. Call it before
// starting anything in the namespaces, so that this cleanup runs last, also when a figure
// fails.
func layOut(b *testing.B, want plan.State) {
	owned := map[string]bool{}
	for _, ns := range want.Namespaces {
		owned[ns.Name] = true
	}
	k := linux.New(linux.Config{Owned: func(ns string) bool { return owned[ns] }})
	b.Cleanup(func() {
		if err := k.Destroy(context.Background()); err != nil {
			b.Errorf("cleanup: %v", err)
		}
		out, err := exec.Command("ip", "netns", "list").Output()
		if err != nil {
			b.Errorf("cleanup: ip netns list: %v", err)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) > 0 && owned[f[0]] {
				b.Errorf("cleanup: namespace %s is left", f[0])
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := k.Apply(ctx, want); err != nil {
		b.Fatal(err)
	}
}

// perfScript is tcp_perf.py, run inside the namespaces.
func perfScript(b *testing.B) string {
	script, err := filepath.Abs("testdata/tcp_perf.py")
	if err != nil {
		b.Fatal(err)
	}
	return script
}

// perfServe runs tcp_perf.py's server on bind, port 7000, in namespace ns until the
// benchmark ends.
func perfServe(b *testing.B, ns, bind string) {
	cmd := exec.Command("ip", "netns", "exec", ns, "python3", perfScript(b), "serve", bind, "7000")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, _ := bufio.NewReader(out).ReadString('\n'); strings.TrimSpace(line) != "ready" {
		b.Fatalf("server in %s did not start", ns)
	}
}

// perf measures one figure of tcp_perf.py (rr, stream or connect) for 3 seconds, from one
// end to a server on the other.
func perf(b *testing.B, mode string, from, to pathEnd) string {
	out, err := exec.Command("ip", "netns", "exec", from.ns, "python3", perfScript(b), mode, to.addr, "7000", "3").CombinedOutput()
	if err != nil {
		b.Fatalf("%s from %s to %s: %v: %s", mode, from.addr, to.addr, err, out)
	}
	return strings.TrimSpace(string(out))
}

func randomID(prefix string) string {
	var r [9]byte
	rand.Read(r[:])
	return prefix + "-" + hex.EncodeToString(r[:])[:17]
}

// pathEnds are the ends of BenchmarkPaths: the client in A's private subnet, the
// instance with a public address in A's public subnet, the servers in A's other subnet and
// in B, and the simulated internet's host.
type pathEnds struct{ client, public, direct, peered, internet pathEnd }

// pathNetwork is VPC A (10.0.0.0/16) and VPC B (10.1.0.0/16) peered with it, routes both
// ways, and security groups that let everything through, so that only the path differs.
// A has an internet gateway; its main route table (the client's subnet, 10.0.1.0/24, and
// the direct server's, 10.0.2.0/24) sends 0.0.0.0/0 to a NAT gateway in the public subnet
// 10.0.3.0/24, whose own table sends 0.0.0.0/0 to the internet gateway. The NAT gateway
// (10.0.3.5, 198.51.100.5) and an instance (10.0.3.10, 198.51.100.10) are in the public
// subnet.
func pathNetwork(internetNS string) (*model.Network, pathEnds) {
	n := model.NewNetwork()
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	vpcA, vpcB, pcx := randomID("vpc"), randomID("vpc"), randomID("pcx")
	igw, nat := randomID("igw"), randomID("nat")
	open := randomID("sg")
	n.SecurityGroups[open] = &model.SecurityGroup{ID: open, Rules: []model.SecurityGroupRule{
		{Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
		{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
	}}
	n.Peerings[pcx] = &model.Peering{ID: pcx, Requester: vpcA, Accepter: vpcB}
	routeTable := func(vpc, cidr, peerCIDR string, more ...model.Route) string {
		rt := randomID("rtb")
		n.RouteTables[rt] = &model.RouteTable{ID: rt, VPC: vpc, Routes: append([]model.Route{
			{Destination: pfx(cidr), Target: "local"}, {Destination: pfx(peerCIDR), Target: pcx},
		}, more...)}
		return rt
	}
	addVPC := func(vpc, cidr, peerCIDR string, more ...model.Route) {
		n.VPCs[vpc] = &model.VPC{ID: vpc, CIDRs: []netip.Prefix{pfx(cidr)}, MainRouteTable: routeTable(vpc, cidr, peerCIDR, more...)}
	}
	addVPC(vpcA, "10.0.0.0/16", "10.1.0.0/16", model.Route{Destination: pfx("0.0.0.0/0"), Target: nat})
	addVPC(vpcB, "10.1.0.0/16", "10.0.0.0/16")
	n.InternetGateways[igw] = &model.InternetGateway{ID: igw, VPC: vpcA}
	addSubnet := func(vpc, cidr, rt string) string {
		sub := randomID("subnet")
		n.Subnets[sub] = &model.Subnet{ID: sub, VPC: vpc, CIDR: pfx(cidr), RouteTable: rt}
		return sub
	}
	addInstance := func(vpc, sub, ip, public string) pathEnd {
		inst, eni := randomID("i"), randomID("eni")
		n.Instances[inst] = &model.Instance{ID: inst, VPC: vpc, Subnet: sub, Running: true, Interfaces: []string{eni}}
		n.Interfaces[eni] = &model.Interface{ID: eni, Subnet: sub, VPC: vpc, PrivateIPs: []netip.Addr{addr(ip)},
			Groups: []string{open}, SourceDestCheck: true, Instance: inst}
		if public != "" {
			n.Interfaces[eni].PublicIP = addr(public)
		}
		return pathEnd{ns: inst, addr: ip}
	}
	publicSubnet := addSubnet(vpcA, "10.0.3.0/24", routeTable(vpcA, "10.0.0.0/16", "10.1.0.0/16",
		model.Route{Destination: pfx("0.0.0.0/0"), Target: igw}))
	natENI := randomID("eni")
	n.NatGateways[nat] = &model.NatGateway{ID: nat, VPC: vpcA, Subnet: publicSubnet, Interface: natENI, Public: true}
	n.Interfaces[natENI] = &model.Interface{ID: natENI, Subnet: publicSubnet, VPC: vpcA, PrivateIPs: []netip.Addr{addr("10.0.3.5")},
		PublicIP: addr("198.51.100.5"), PublicIPs: map[netip.Addr]netip.Addr{addr("10.0.3.5"): addr("198.51.100.5")}, NatGateway: nat}
	var p pathEnds
	p.client = addInstance(vpcA, addSubnet(vpcA, "10.0.1.0/24", ""), "10.0.1.10", "")
	p.direct = addInstance(vpcA, addSubnet(vpcA, "10.0.2.0/24", ""), "10.0.2.10", "")
	p.peered = addInstance(vpcB, addSubnet(vpcB, "10.1.1.0/24", ""), "10.1.1.10", "")
	p.public = addInstance(vpcA, publicSubnet, "10.0.3.10", "198.51.100.10")
	p.internet = pathEnd{ns: internetNS, addr: plan.InternetHost.String()}
	return n, p
}
