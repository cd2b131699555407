package bench

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"vpcd/internal/model"
	"vpcd/internal/plan"
	"vpcd/internal/vpcdtest"
	"vpcd/internal/vpcsvc"
)

// BenchmarkFlowLogs measures what a flow log costs the traffic it records: TCP round
// trips, throughput and new connections per second between two instances in different
// subnets, side by side in the same run in two VPCs that differ only in that the second
// has a flow log on both interfaces: its router counts every flow in conntrack
// (nf_conntrack_acct and _timestamp) and the VPC's services daemon (`vpcd vpcsvc`, as the
// data plane runs it) captures, logging rejected packets through NFLOG and reading and
// zeroing conntrack's counters each interval. When the daemon stops it spools what it
// counted, which shows it captured the flows that were measured.
//
// Root only; it prints the figures for RESULTS.md:
//
//	go test -run '^$' -bench FlowLogs -benchtime 1x -v ./bench/
func BenchmarkFlowLogs(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: creates network namespaces")
	}
	n := model.NewNetwork()
	off := flowLogsVPC(n, "10.0")
	on := flowLogsVPC(n, "10.1")
	fl := randomID("fl")
	n.FlowLogs[fl] = &model.FlowLog{ID: fl, Resource: on.vpc, VPC: on.vpc, Traffic: "ALL", Interval: 60, Destination: "cloud-watch-logs"}
	layOut(b, plan.Compute(n, "vpcd-internet-bflow"))
	for _, v := range []flowVPC{off, on} {
		perfServe(b, v.server.ns, "0.0.0.0")
	}

	spool := b.TempDir()
	var ifaces []vpcsvc.FlowInterface
	for _, id := range model.SortedKeys(n.Interfaces) {
		if eni := n.Interfaces[id]; eni.VPC == on.vpc {
			ifaces = append(ifaces, vpcsvc.FlowInterface{ID: id, Link: plan.InterfaceLink(id), Addrs: eni.Addrs()})
		}
	}
	cfg, err := (&vpcsvc.Config{VPC: on.vpc, Flows: &vpcsvc.FlowCapture{Interval: 60, Spool: spool, Interfaces: ifaces}}).Marshal()
	if err != nil {
		b.Fatal(err)
	}
	cfgPath := filepath.Join(b.TempDir(), "vpc.json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		b.Fatal(err)
	}
	daemon := exec.Command("ip", "netns", "exec", plan.RouterNamespace(on.vpc), vpcdtest.BuildBinary(b), "vpcsvc", cfgPath)
	daemon.Stderr = os.Stderr
	if err := daemon.Start(); err != nil {
		b.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			daemon.Process.Signal(syscall.SIGTERM)
			daemon.Wait()
		}
	}
	b.Cleanup(stop)
	time.Sleep(time.Second) // its NFLOG bind and first dump

	for round := range 3 {
		for _, mode := range []string{"rr", "stream", "connect"} {
			b.Logf("round %d %-7s off: %-12s on: %-12s", round, mode,
				perf(b, mode, off.client, off.server), perf(b, mode, on.client, on.server))
		}
	}
	stop()
	files, _ := filepath.Glob(filepath.Join(spool, "*.json"))
	var records []vpcsvc.FlowRecord
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		var some []vpcsvc.FlowRecord
		if err := json.Unmarshal(raw, &some); err != nil {
			b.Fatal(err)
		}
		records = append(records, some...)
	}
	var packets uint64
	for _, r := range records {
		packets += r.Packets
	}
	if len(records) == 0 {
		b.Fatal("the capture spooled no record of the measured traffic")
	}
	b.Logf("captured: %d records, %d packets", len(records), packets)
}

// flowVPC is one VPC of BenchmarkFlowLogs: a client and a server in two subnets.
type flowVPC struct {
	vpc            string
	client, server pathEnd
}

// flowLogsVPC adds a VPC of PREFIX.0.0/16 whose groups let everything through.
func flowLogsVPC(n *model.Network, prefix string) flowVPC {
	pfx := netip.MustParsePrefix
	vpc, rt := randomID("vpc"), randomID("rtb")
	n.VPCs[vpc] = &model.VPC{ID: vpc, CIDRs: []netip.Prefix{pfx(prefix + ".0.0/16")}, MainRouteTable: rt}
	n.RouteTables[rt] = &model.RouteTable{ID: rt, VPC: vpc, Routes: []model.Route{{Destination: pfx(prefix + ".0.0/16"), Target: "local"}}}
	clientSub, serverSub := randomID("subnet"), randomID("subnet")
	n.Subnets[clientSub] = &model.Subnet{ID: clientSub, VPC: vpc, CIDR: pfx(prefix + ".1.0/24")}
	n.Subnets[serverSub] = &model.Subnet{ID: serverSub, VPC: vpc, CIDR: pfx(prefix + ".2.0/24")}
	open := randomID("sg")
	n.SecurityGroups[open] = &model.SecurityGroup{ID: open, VPC: vpc, Rules: []model.SecurityGroupRule{
		{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
		{Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
	}}
	return flowVPC{vpc: vpc,
		client: addRulesInstance(n, vpc, clientSub, fmt.Sprintf("%s.1.10", prefix), open),
		server: addRulesInstance(n, vpc, serverSub, fmt.Sprintf("%s.2.10", prefix), open)}
}
