// Package flowlog turns the packets the data plane observes into AWS VPC flow-log
// records: it aggregates packets per flow log, interface, direction, 5-tuple and action
// over the flow log's aggregation interval (aggregate.go), renders each flow in the flow
// log's format as AWS documents the fields (record.go), and delivers the records to
// CloudWatch Logs, one log stream per interface (writer.go), and to S3, a gzip file per
// flow log and 5-minute window (s3.go). A record that is not a flow's says NODATA or
// SKIPDATA of its interface over an interval (Flow.LogStatus).
//
// It is pure but for the writer: Packet is a plain value, so that whatever observes
// packets (NFLOG in the VPC router namespaces) feeds it without this package knowing how.
package flowlog

import (
	"net/netip"
	"time"
)

// Direction is which way a packet crossed the interface it is recorded on.
type Direction uint8

const (
	Ingress Direction = iota // into the interface (toward its instance)
	Egress                   // out of the interface
)

func (d Direction) String() string {
	if d == Egress {
		return "egress"
	}
	return "ingress"
}

// The actions of a record.
const (
	Accept = "ACCEPT"
	Reject = "REJECT" // a security group or network ACL dropped the packet
)

// TCP flags as the TCP header carries them.
const (
	FIN uint8 = 0x01
	SYN uint8 = 0x02
	RST uint8 = 0x04
	PSH uint8 = 0x08
	ACK uint8 = 0x10
)

// Packet is one packet seen on an interface, or several of one flow counted together
// (conntrack's counters: Packets of them, Bytes in all, from Time to End). Src and Dst
// are the addresses as the interface sees them; PktSrc and PktDst the packet's own when
// they differ (a NAT gateway's interface), zero otherwise.
//
// The router's capture (vpcsvc.FlowRecord) maps one to one: Time and End from Start and
// End, Direction from "ingress"/"egress", the rest by name.
type Packet struct {
	Time             time.Time
	End              time.Time // the last of the packets counted; zero: Time
	Packets          int       // how many packets this is; 0 is one
	Interface        string    // eni-…
	Direction        Direction
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16 // 0 for protocols without ports
	Protocol         uint8  // IANA number: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6
	Bytes            int    // the IP packets' length, in all
	TCPFlags         uint8  // the TCP header's flags byte (of several packets: OR-ed)
	Action           string // Accept or Reject
	PktSrc, PktDst   netip.Addr
	// TrafficPath is AWS's traffic-path code of egress traffic (1 within the VPC, 2
	// internet or gateway endpoint, 3 virtual private gateway, 4 intra-region peering,
	// 5 inter-region peering, 6 local gateway, 7 gateway endpoint (Nitro), 8 internet
	// gateway (Nitro)); 0 when unknown.
	TrafficPath int
}

// The log-status of a record that is not a flow's, as AWS writes them.
const (
	NoData   = "NODATA"   // the interface passed no traffic in the interval
	SkipData = "SKIPDATA" // records of the interface were skipped in the interval
)

// Key is what makes packets one flow in a record: the interface, the direction, the
// 5-tuple and the action.
type Key struct {
	Interface        string
	Direction        Direction
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Protocol         uint8
	Action           string
}

// Flow is the packets of one key within one capture window.
type Flow struct {
	Key
	PktSrc, PktDst netip.Addr
	Packets, Bytes int64
	First, Last    time.Time // the first and last packet
	TCPFlags       uint8     // the record's tcp-flags: see TCPFlags
	TrafficPath    int
	// LogStatus is "" for a flow (OK), or NoData or SkipData: a record of the interface
	// alone over an aggregation interval, First to Last, whose flow fields are "-".
	LogStatus string
	windowEnd time.Time // First plus the interval: no packet of a later time joins
}

// TCPFlags is a packet's contribution to a record's tcp-flags: FIN, SYN and RST as
// they are, and ACK only with SYN (SYN-ACK is 18), as AWS records them; the flags of a
// flow's packets are OR-ed.
func TCPFlags(f uint8) uint8 {
	out := f & (FIN | SYN | RST)
	if f&SYN != 0 && f&ACK != 0 {
		out |= ACK
	}
	return out
}
