package vpcsvc

import (
	"encoding/binary"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ti-mo/conntrack"

	"vpcd/internal/linux"
)

var (
	addrA   = netip.MustParseAddr("10.0.1.10")
	addrB   = netip.MustParseAddr("10.0.2.20")
	outside = netip.MustParseAddr("198.51.100.7")
	publicA = netip.MustParseAddr("203.0.113.10")
)

func testCapture() *capture {
	c := &capture{log: slog.New(slog.DiscardHandler)}
	c.cfg = &FlowCapture{Interval: 60, Interfaces: []FlowInterface{
		{ID: "eni-a", Link: "va", Addrs: []netip.Addr{addrA}},
		{ID: "eni-b", Link: "vb", Addrs: []netip.Addr{addrB}},
	}}
	c.byName = newInterfaces(c.cfg.Interfaces)
	return c
}

// recordText is a record in a form a test can list.
func recordText(r FlowRecord) string {
	return strings.Join([]string{r.Interface, r.Direction, r.Action, r.Src.String(), r.Dst.String(),
		itoa(int(r.SrcPort)), itoa(int(r.DstPort)), itoa(int(r.Protocol)), itoa(int(r.Packets)), itoa(int(r.Bytes)), itoa(int(r.TCPFlags))}, " ")
}

func itoa(i int) string { return strconv.Itoa(i) }

func records(c *capture) []string {
	var out []string
	for _, r := range c.table.take() {
		out = append(out, recordText(r))
	}
	slices.Sort(out)
	return out
}

func flow(proto uint8, src, dst netip.Addr, sport, dport uint16, rsrc, rdst netip.Addr, orig, reply conntrack.Counter) *conntrack.Flow {
	f := &conntrack.Flow{ID: 1, CountersOrig: orig, CountersReply: reply}
	f.TupleOrig.IP.SourceAddress, f.TupleOrig.IP.DestinationAddress = src, dst
	f.TupleOrig.Proto.Protocol, f.TupleOrig.Proto.SourcePort, f.TupleOrig.Proto.DestinationPort = proto, sport, dport
	f.TupleReply.IP.SourceAddress, f.TupleReply.IP.DestinationAddress = rsrc, rdst
	f.TupleReply.Proto.Protocol, f.TupleReply.Proto.SourcePort, f.TupleReply.Proto.DestinationPort = proto, dport, sport
	return f
}

func TestAcceptedFlowsRecordBothSidesAndDirections(t *testing.T) {
	c := testCapture()
	now := time.Unix(1_700_000_000, 0)
	// A to B inside the VPC: each side records what it sent and what it got.
	c.accepted(flow(6, addrA, addrB, 40000, 5432, addrB, addrA,
		conntrack.Counter{Packets: 5, Bytes: 400}, conntrack.Counter{Packets: 4, Bytes: 3000}), true, false, now)
	want := []string{
		"eni-a egress ACCEPT 10.0.1.10 10.0.2.20 40000 5432 6 5 400 2",
		"eni-a ingress ACCEPT 10.0.2.20 10.0.1.10 5432 40000 6 4 3000 18",
		"eni-b egress ACCEPT 10.0.2.20 10.0.1.10 5432 40000 6 4 3000 18",
		"eni-b ingress ACCEPT 10.0.1.10 10.0.2.20 40000 5432 6 5 400 2",
	}
	if got := records(c); !slices.Equal(got, want) {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// From the internet to A's public address: A sees its private address, and the
	// internet's; a flow that ended is marked FIN, one that did not pass no packet is not.
	c.accepted(flow(17, outside, publicA, 53000, 53, addrA, outside,
		conntrack.Counter{Packets: 1, Bytes: 60}, conntrack.Counter{}), false, true, now)
	want = []string{"eni-a ingress ACCEPT 198.51.100.7 10.0.1.10 53000 53 17 1 60 0"}
	if got := records(c); !slices.Equal(got, want) {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func ipv4UDP(src, dst netip.Addr, sport, dport uint16, payload int) []byte {
	b := make([]byte, 28+payload)
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	b[9] = 17
	copy(b[12:], src.AsSlice())
	copy(b[16:], dst.AsSlice())
	binary.BigEndian.PutUint16(b[20:], sport)
	binary.BigEndian.PutUint16(b[22:], dport)
	return b
}

func ipv6TCP(src, dst netip.Addr, sport, dport uint16, flags byte) []byte {
	b := make([]byte, 60)
	b[0] = 0x60
	binary.BigEndian.PutUint16(b[4:], 20)
	b[6] = 6
	copy(b[8:], src.AsSlice())
	copy(b[24:], dst.AsSlice())
	binary.BigEndian.PutUint16(b[40:], sport)
	binary.BigEndian.PutUint16(b[42:], dport)
	b[53] = flags
	return b
}

func TestParsePacket(t *testing.T) {
	p, ok := parsePacket(ipv4UDP(addrA, addrB, 1234, 53, 12))
	if !ok || p.proto != 17 || p.src != addrA || p.dst != addrB || p.sport != 1234 || p.dport != 53 || p.length != 40 {
		t.Errorf("IPv4 UDP: %+v %v", p, ok)
	}
	a6, b6 := netip.MustParseAddr("2600:1f18::a"), netip.MustParseAddr("2600:1f18::b")
	p, ok = parsePacket(ipv6TCP(a6, b6, 4000, 443, tcpSYN))
	if !ok || p.proto != 6 || p.src != a6 || p.dst != b6 || p.dport != 443 || p.flags != tcpSYN || p.length != 60 {
		t.Errorf("IPv6 TCP: %+v %v", p, ok)
	}
	for _, bad := range [][]byte{nil, {0x45}, {0x4f, 0, 0, 20}, {0x60, 1, 2}, {0x20, 0, 0, 0}} {
		if _, ok := parsePacket(bad); ok {
			t.Errorf("parsed %x", bad)
		}
	}
}

func FuzzParsePacket(f *testing.F) {
	f.Add(ipv4UDP(addrA, addrB, 1, 2, 3))
	f.Add(ipv6TCP(netip.IPv6Loopback(), netip.IPv6Loopback(), 1, 2, 0x12))
	f.Fuzz(func(t *testing.T, b []byte) { parsePacket(b) })
}

func TestRejectedPacketsRecordWhereTheyStop(t *testing.T) {
	c := testCapture()
	now := time.Unix(1_700_000_000, 0)
	// Stopped by A's egress: recorded at A only.
	p, _ := parsePacket(ipv4UDP(addrA, addrB, 1234, 53, 12))
	c.rejected(linux.RejectEgress, "va", "vb", p, now)
	c.rejected(linux.RejectEgress, "va", "vb", p, now)
	// Stopped on its way in to B: B rejects, A sent it.
	p, _ = parsePacket(ipv4UDP(addrA, addrB, 1235, 5432, 0))
	c.rejected(linux.RejectIngress, "va", "vb", p, now)
	// From the internet (the gateway's link is no interface): B only.
	p, _ = parsePacket(ipv4UDP(outside, addrB, 1, 22, 0))
	c.rejected(linux.RejectIngress, "igw", "vb", p, now)
	want := []string{
		"eni-a egress ACCEPT 10.0.1.10 10.0.2.20 1235 5432 17 1 28 0",
		"eni-a egress REJECT 10.0.1.10 10.0.2.20 1234 53 17 2 80 0",
		"eni-b ingress REJECT 10.0.1.10 10.0.2.20 1235 5432 17 1 28 0",
		"eni-b ingress REJECT 198.51.100.7 10.0.2.20 1 22 17 1 28 0",
	}
	if got := records(c); !slices.Equal(got, want) {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// An interval without traffic on an interface that had some says NODATA; one that lost
// records says SKIPDATA for every interface.
func TestIntervalStatuses(t *testing.T) {
	c := testCapture()
	t0 := time.Unix(1_700_000_000, 0)
	c.since = t0
	statuses := func(end time.Time) []string {
		records := c.table.take()
		var out []string
		for _, r := range c.statuses(records, end) {
			out = append(out, r.Interface+" "+r.LogStatus+" "+itoa(int(r.Start))+" "+itoa(int(r.End)))
		}
		return out
	}
	// No interface had traffic yet: nothing, as AWS shows nothing before traffic.
	if got := statuses(t0.Add(time.Minute)); len(got) != 0 {
		t.Errorf("first interval: %v, want none", got)
	}
	c.table.add(flowKey{"eni-a", "egress", "ACCEPT", 17, addrA, addrB, 1, 2}, 1, 40, 0, t0.Add(70*time.Second))
	if got := statuses(t0.Add(2 * time.Minute)); len(got) != 0 {
		t.Errorf("second interval: %v, want none", got)
	}
	want := []string{"eni-a NODATA 1700000120 1700000180"}
	if got := statuses(t0.Add(3 * time.Minute)); !slices.Equal(got, want) {
		t.Errorf("third interval: %v, want %v", got, want)
	}
	c.lost = true
	c.table.add(flowKey{"eni-a", "egress", "ACCEPT", 17, addrA, addrB, 1, 2}, 1, 40, 0, t0.Add(190*time.Second))
	want = []string{"eni-a SKIPDATA 1700000180 1700000240", "eni-b SKIPDATA 1700000180 1700000240"}
	if got := statuses(t0.Add(4 * time.Minute)); !slices.Equal(got, want) {
		t.Errorf("interval with a loss: %v, want %v", got, want)
	}
}

// A record's start is the flow's when it began in the interval, else the interval's; its
// end is the last packet's, told by what has run of the flow's timeout.
func TestFlowSpan(t *testing.T) {
	c := testCapture()
	t0 := time.Unix(1_700_000_000, 0)
	c.since = t0
	c.timeouts = map[string]time.Duration{"tcp_timeout_established": 432000 * time.Second, "udp_timeout": 30 * time.Second}
	at := t0.Add(time.Minute)
	established := func(start time.Time, remaining uint32) *conntrack.Flow {
		f := flow(6, addrA, addrB, 40000, 22, addrB, addrA, conntrack.Counter{Packets: 1}, conntrack.Counter{})
		f.ProtoInfo.TCP = &conntrack.ProtoInfoTCP{State: 3}
		f.Timestamp.Start, f.Timeout = start, remaining
		return f
	}
	udp := flow(17, addrA, addrB, 5000, 53, addrB, addrA, conntrack.Counter{Packets: 1}, conntrack.Counter{})
	udp.Timestamp.Start, udp.Timestamp.Stop = t0.Add(10*time.Second), t0.Add(45*time.Second)
	oldUDP := *udp
	oldUDP.Timestamp.Start, oldUDP.Timestamp.Stop = t0.Add(-20*time.Second), t0.Add(5*time.Second)
	for _, c2 := range []struct {
		name         string
		f            *conntrack.Flow
		isNew, ended bool
		first, last  time.Duration // after t0
	}{
		{"began in the interval, last packet 20 s ago", established(t0.Add(15*time.Second), 432000-20), true, false, 15 * time.Second, 40 * time.Second},
		{"began before, a packet just now", established(t0.Add(-time.Hour), 432000), false, false, 0, time.Minute},
		{"no timestamp, a timeout longer than the state's", established(time.Time{}, 432000+5), true, false, 0, time.Minute},
		{"ended on its timeout", udp, false, true, 10 * time.Second, 15 * time.Second},
		{"expired before the last dump, ended after it", &oldUDP, true, true, -20 * time.Second, -20 * time.Second},
		{"unknown protocol's timeout", flow(47, addrA, addrB, 0, 0, addrB, addrA, conntrack.Counter{Packets: 1}, conntrack.Counter{}), true, false, 0, time.Minute},
	} {
		c.timeouts["generic_timeout"] = 0
		first, last := c.span(c2.f, c2.isNew, c2.ended, at)
		if first != t0.Add(c2.first) || last != t0.Add(c2.last) {
			t.Errorf("%s: %v to %v, want %v to %v", c2.name, first.Sub(t0), last.Sub(t0), c2.first, c2.last)
		}
	}
}
