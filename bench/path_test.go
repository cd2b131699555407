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
	"strings"
	"testing"
	"time"

	"vpcd/internal/linux"
	"vpcd/internal/model"
	"vpcd/internal/plan"
)

// BenchmarkPaths measures TCP round trips, latency, throughput and connections per second
// on the direct path (two subnets of one VPC: one router) beside the path through a VPC
// peering (two routers and the peering link), in the same run, over the real data plane
// laid out by plan.Compute and applied by the realizer. Root only; it prints the figures
// for RESULTS.md:
//
//	go test -run '^$' -bench Paths -benchtime 1x -v ./bench/
func BenchmarkPaths(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: creates network namespaces")
	}
	n, client, direct, peered := pathNetwork()
	want := plan.Compute(n, "vpcd-internet-bench")
	owned := map[string]bool{}
	for _, ns := range want.Namespaces {
		owned[ns.Name] = true
	}
	k := linux.New(linux.Config{Owned: func(ns string) bool { return owned[ns] }})
	b.Cleanup(func() {
		if err := k.Destroy(context.Background()); err != nil {
			b.Errorf("cleanup: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := k.Apply(ctx, want); err != nil {
		b.Fatal(err)
	}
	script, _ := filepath.Abs("testdata/tcp_perf.py")
	for _, srv := range []pathEnd{direct, peered} {
		cmd := exec.Command("ip", "netns", "exec", srv.ns, "python3", script, "serve", "0.0.0.0", "7000")
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		if line, _ := bufio.NewReader(out).ReadString('\n'); strings.TrimSpace(line) != "ready" {
			b.Fatal("server did not start")
		}
	}
	run := func(mode string, dst pathEnd) string {
		out, err := exec.Command("ip", "netns", "exec", client.ns, "python3", script, mode, dst.addr, "7000", "3").CombinedOutput()
		if err != nil {
			b.Fatalf("%s to %s: %v: %s", mode, dst.addr, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for round := range 3 {
		for _, mode := range []string{"rr", "stream", "connect"} {
			b.Logf("round %d %-7s direct: %-12s peering: %s", round, mode, run(mode, direct), run(mode, peered))
		}
	}
}

type pathEnd struct{ ns, addr string }

func randomID(prefix string) string {
	var r [9]byte
	rand.Read(r[:])
	return prefix + "-" + hex.EncodeToString(r[:])[:17]
}

// pathNetwork is VPC A (10.0.0.0/16) with two subnets and VPC B (10.1.0.0/16) peered
// with it, routes both ways, an instance in each subnet, and security groups that let
// everything through, so that only the path differs.
func pathNetwork() (n *model.Network, client, direct, peered pathEnd) {
	n = model.NewNetwork()
	pfx := netip.MustParsePrefix
	vpcA, vpcB, pcx := randomID("vpc"), randomID("vpc"), randomID("pcx")
	open := randomID("sg")
	n.SecurityGroups[open] = &model.SecurityGroup{ID: open, Rules: []model.SecurityGroupRule{
		{Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
		{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
	}}
	n.Peerings[pcx] = &model.Peering{ID: pcx, Requester: vpcA, Accepter: vpcB}
	addVPC := func(vpc, cidr, peerCIDR string) {
		rt := randomID("rtb")
		n.VPCs[vpc] = &model.VPC{ID: vpc, CIDRs: []netip.Prefix{pfx(cidr)}, MainRouteTable: rt}
		n.RouteTables[rt] = &model.RouteTable{ID: rt, VPC: vpc, Routes: []model.Route{
			{Destination: pfx(cidr), Target: "local"}, {Destination: pfx(peerCIDR), Target: pcx},
		}}
	}
	addVPC(vpcA, "10.0.0.0/16", "10.1.0.0/16")
	addVPC(vpcB, "10.1.0.0/16", "10.0.0.0/16")
	addInstance := func(vpc, cidr, ip string) pathEnd {
		sub, inst, eni := randomID("subnet"), randomID("i"), randomID("eni")
		n.Subnets[sub] = &model.Subnet{ID: sub, VPC: vpc, CIDR: pfx(cidr)}
		n.Instances[inst] = &model.Instance{ID: inst, VPC: vpc, Subnet: sub, Running: true, Interfaces: []string{eni}}
		n.Interfaces[eni] = &model.Interface{ID: eni, Subnet: sub, VPC: vpc, PrivateIPs: []netip.Addr{netip.MustParseAddr(ip)},
			Groups: []string{open}, SourceDestCheck: true, Instance: inst}
		return pathEnd{ns: inst, addr: ip}
	}
	client = addInstance(vpcA, "10.0.1.0/24", "10.0.1.10")
	direct = addInstance(vpcA, "10.0.2.0/24", "10.0.2.10")
	peered = addInstance(vpcB, "10.1.1.0/24", "10.1.1.10")
	return n, client, direct, peered
}
