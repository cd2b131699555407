package flowlog

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	cwl "vpcd/internal/aws/logs"
	"vpcd/internal/control/kit"
	"vpcd/internal/control/logs"
	"vpcd/internal/model"
	"vpcd/internal/store"
)

var (
	t0       = time.Unix(1_780_000_000, 0).UTC()
	a, b     = netip.MustParseAddr("10.0.1.5"), netip.MustParseAddr("10.0.1.6")
	defaults = strings.Fields(strings.NewReplacer("${", "", "}", "").Replace(DefaultFormat))
)

// network is a VPC with one subnet and two interfaces, a's of an instance, and the flow
// logs given.
func network(fls ...*model.FlowLog) *model.Network {
	n := model.NewNetwork()
	n.Interfaces["eni-a"] = &model.Interface{ID: "eni-a", Subnet: "subnet-1", VPC: "vpc-1", Instance: "i-a"}
	n.Interfaces["eni-b"] = &model.Interface{ID: "eni-b", Subnet: "subnet-1", VPC: "vpc-1"}
	for _, fl := range fls {
		n.FlowLogs[fl.ID] = fl
	}
	return n
}

func flowLog(id, resource, traffic string, interval int, format ...string) *model.FlowLog {
	if format == nil {
		format = defaults
	}
	return &model.FlowLog{ID: id, Owner: "123456789012", Region: "us-east-1", Resource: resource, VPC: "vpc-1", Traffic: traffic,
		Interval: interval, Format: format, Destination: "cloud-watch-logs", LogGroup: "/aws/vpc/flowlogs"}
}

// tcp is a packet of a's connection to b's port 22, seen on a's interface.
func tcp(at time.Duration, dir Direction, flags uint8, size int) Packet {
	p := Packet{Time: t0.Add(at), Interface: "eni-a", Direction: dir, Src: a, Dst: b, SrcPort: 40000, DstPort: 22,
		Protocol: 6, Bytes: size, TCPFlags: flags, Action: Accept, TrafficPath: 1}
	if dir == Ingress {
		p.Src, p.Dst, p.SrcPort, p.DstPort, p.TrafficPath = b, a, 22, 40000, 0
	}
	return p
}

func rendered(n *model.Network, recs []Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.FlowLog+": "+Render(n.FlowLogs[r.FlowLog], InterfaceOf(n, r.Interface), r.Flow))
	}
	return out
}

// A TCP connection and a rejected attempt, recorded by a VPC's flow log of all traffic
// in the default format and by a subnet's flow log of rejected traffic in a version 5
// format: one record per direction and action, packets and bytes summed, the TCP flags
// OR-ed as AWS records them.
func TestKnownTrafficPattern(t *testing.T) {
	v5 := []string{"version", "vpc-id", "subnet-id", "instance-id", "interface-id", "type", "pkt-srcaddr", "pkt-dstaddr", "srcport", "dstport",
		"tcp-flags", "flow-direction", "traffic-path", "region", "az-id", "sublocation-type", "pkt-src-aws-service", "action"}
	n := network(flowLog("fl-all", "vpc-1", "ALL", 600), flowLog("fl-rej", "subnet-1", "REJECT", 60, v5...),
		flowLog("fl-tcp", "eni-a", "ACCEPT", 600, "interface-id", "flow-direction", "tcp-flags", "traffic-path"))
	ag := NewAggregator()
	for _, p := range []Packet{
		tcp(0, Egress, SYN, 60),
		tcp(time.Millisecond, Ingress, SYN|ACK, 60),
		tcp(2*time.Millisecond, Egress, ACK, 52),
		tcp(3*time.Millisecond, Egress, PSH|ACK, 200),
		tcp(4*time.Millisecond, Ingress, PSH|ACK, 500),
		tcp(5*time.Second, Egress, FIN|ACK, 52),
		tcp(5*time.Second+time.Millisecond, Ingress, FIN|ACK, 52),
		tcp(5*time.Second+2*time.Millisecond, Egress, ACK, 52),
		{Time: t0.Add(2 * time.Second), Interface: "eni-b", Direction: Ingress, Src: a, Dst: b, SrcPort: 40001, DstPort: 5432,
			Protocol: 17, Bytes: 80, Action: Reject},
		{Time: t0.Add(3 * time.Second), Interface: "eni-b", Direction: Ingress, Src: a, Dst: b, SrcPort: 40001, DstPort: 5432,
			Protocol: 17, Bytes: 80, Action: Reject},
	} {
		ag.Observe(n, p)
	}
	if got := ag.Flush(t0.Add(61 * time.Second)); len(got) != 0 {
		t.Errorf("flushed before any window ended: %v", rendered(n, got))
	}
	// The rejected flow's one-minute window started with its first packet, at 2 s.
	got := rendered(n, ag.Flush(t0.Add(62*time.Second)))
	want := []string{
		"fl-rej: 5 vpc-1 subnet-1 - eni-b IPv4 10.0.1.5 10.0.1.6 40001 5432 0 ingress - us-east-1 - - - REJECT",
	}
	if !slices.Equal(got, want) {
		t.Errorf("after a minute:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got = rendered(n, ag.Flush(t0.Add(11*time.Minute)))
	start, end := "1780000000", "1780000005"
	want = []string{
		"fl-all: 2 123456789012 eni-a 10.0.1.5 10.0.1.6 40000 22 6 5 416 " + start + " " + end + " ACCEPT OK",
		"fl-all: 2 123456789012 eni-a 10.0.1.6 10.0.1.5 22 40000 6 3 612 " + start + " " + end + " ACCEPT OK",
		"fl-all: 2 123456789012 eni-b 10.0.1.5 10.0.1.6 40001 5432 17 2 160 1780000002 1780000003 REJECT OK",
		"fl-tcp: eni-a egress 3 1",
		"fl-tcp: eni-a ingress 19 -",
	}
	if !slices.Equal(got, want) {
		t.Errorf("after eleven minutes:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ag.Len() != 0 {
		t.Errorf("%d flows left open", ag.Len())
	}
}

func TestTCPFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		packets []uint8
		want    uint8
	}{
		{"SYN", []uint8{SYN}, 2},
		{"SYN-ACK", []uint8{SYN | ACK}, 18},
		{"ACK alone is not recorded", []uint8{ACK, PSH | ACK}, 0},
		{"a short connection: SYN-ACK and FIN", []uint8{SYN | ACK, ACK, FIN | ACK}, 19},
		{"SYN and FIN", []uint8{SYN, FIN}, 3},
		{"RST", []uint8{RST | ACK}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got uint8
			for _, f := range tc.packets {
				got |= TCPFlags(f)
			}
			if got != tc.want {
				t.Errorf("tcp-flags %d, want %d", got, tc.want)
			}
		})
	}
}

// A flow's window starts with its first packet and lasts the interval; a packet after
// it starts the flow's next record.
func TestWindowsAndTrafficTypes(t *testing.T) {
	n := network(flowLog("fl-eni", "eni-a", "ACCEPT", 60), flowLog("fl-rej", "eni-a", "REJECT", 60))
	ag := NewAggregator()
	ag.Observe(n, tcp(0, Egress, SYN, 60))
	ag.Observe(n, tcp(30*time.Second, Egress, ACK, 60))
	ag.Observe(n, tcp(61*time.Second, Egress, ACK, 70))
	recs := ag.Flush(time.Time{})
	if len(recs) != 2 || recs[0].FlowLog != "fl-eni" || recs[0].Packets != 2 || recs[0].Bytes != 120 || recs[1].Packets != 1 ||
		!recs[1].First.Equal(t0.Add(61*time.Second)) {
		t.Errorf("records: %+v", recs)
	}
	// Counters of many packets at once (conntrack's) add up the same way.
	counted := tcp(62*time.Second, Egress, ACK, 7000)
	counted.Packets, counted.End = 5, t0.Add(90*time.Second)
	ag.Observe(n, counted)
	recs = ag.Flush(time.Time{})
	if len(recs) != 1 || recs[0].Packets != 5 || recs[0].Bytes != 7000 || !recs[0].Last.Equal(t0.Add(90*time.Second)) {
		t.Errorf("counted packets: %+v", recs)
	}
	if Version([]string{"srcaddr", "az-id"}) != 4 || Version(defaults) != 2 {
		t.Errorf("versions")
	}
	if !Records("ALL", Reject) || Records("ACCEPT", Reject) || !Records("REJECT", Reject) {
		t.Errorf("traffic types")
	}
	if ipv6 := (Flow{Key: Key{Src: netip.MustParseAddr("2600:1f18::5")}}); value("type", n.FlowLogs["fl-eni"], Interface{}, &ipv6) != "IPv6" {
		t.Errorf("type of an IPv6 flow")
	}
}

// The writer appends each interface's records to its own stream of the flow log's
// group, creating both, and leaves out flow logs to S3 and those deleted.
func TestWriterAppendsToCloudWatchLogs(t *testing.T) {
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l := &logs.Logs{Kit: kit.New(st, kit.Config{})}
	s3 := flowLog("fl-s3", "vpc-1", "ALL", 60)
	s3.Destination, s3.LogGroup, s3.Bucket = "s3", "", "bucket"
	n := network(flowLog("fl-all", "vpc-1", "ALL", 60), s3)
	ag := NewAggregator()
	ag.Observe(n, tcp(0, Egress, SYN, 60))
	ag.Observe(n, Packet{Time: t0, Interface: "eni-b", Src: a, Dst: b, Protocol: 1, Bytes: 84, Action: Accept})
	recs := ag.Flush(time.Time{})
	w := &Writer{Logs: l, AZID: func(string) string { return "use1-az1" }}
	ctx := context.Background()
	if err := w.Write(ctx, n, recs); err != nil {
		t.Fatal(err)
	}
	delete(n.FlowLogs, "fl-all")
	if err := w.Write(ctx, n, recs); err != nil {
		t.Fatal(err)
	}
	c := kit.Caller{Account: "123456789012", Region: "us-east-1"}
	streams, err := l.DescribeLogStreams(ctx, c, &cwl.DescribeLogStreamsRequest{LogGroupName: kit.Ptr("/aws/vpc/flowlogs")})
	if err != nil || len(streams.LogStreams) != 2 || *streams.LogStreams[0].LogStreamName != "eni-a-all" {
		t.Fatalf("streams: %+v, %v", streams, err)
	}
	out, err := l.FilterLogEvents(ctx, c, &cwl.FilterLogEventsRequest{LogGroupName: kit.Ptr("/aws/vpc/flowlogs")})
	if err != nil || len(out.Events) != 2 {
		t.Fatalf("events: %+v, %v", out, err)
	}
	if e := out.Events[1]; *e.LogStreamName != "eni-b-all" || *e.Message != "2 123456789012 eni-b 10.0.1.5 10.0.1.6 0 0 1 1 84 1780000000 1780000000 ACCEPT OK" ||
		*e.Timestamp != t0.UnixMilli() {
		t.Errorf("event: %+v", e)
	}
}

// A NODATA or SKIPDATA record has the interval and the interface, "-" for the flow, as
// AWS's examples show them.
func TestStatusRecords(t *testing.T) {
	fl := flowLog("fl-1", "vpc-1", "ALL", 60)
	custom := flowLog("fl-2", "vpc-1", "ALL", 60, "version", "vpc-id", "interface-id", "srcaddr", "tcp-flags", "type", "start", "end", "action", "log-status", "flow-direction")
	n := network(fl, custom)
	for _, c := range []struct {
		fl     *model.FlowLog
		status string
		want   string
	}{
		{fl, NoData, "2 123456789012 eni-a - - - - - - - 1780000000 1780000060 - NODATA"},
		{fl, SkipData, "2 123456789012 eni-a - - - - - - - 1780000000 1780000060 - SKIPDATA"},
		{custom, NoData, "5 vpc-1 eni-a - - - 1780000000 1780000060 - NODATA -"},
	} {
		f := Flow{Key: Key{Interface: "eni-a"}, First: t0, Last: t0.Add(time.Minute), LogStatus: c.status}
		if got := Render(c.fl, InterfaceOf(n, "eni-a"), f); got != c.want {
			t.Errorf("%s record:\n got %s\nwant %s", c.status, got, c.want)
		}
	}
}
