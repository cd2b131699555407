package flowlog

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"vpcd/internal/model"
)

// Record is a flow ready to be rendered: the flow log it is for, and the flow.
type Record struct {
	FlowLog string
	Flow
}

// Aggregator gathers packets into flows, one per flow log and key, each over a capture
// window that starts with the flow's first packet and lasts the flow log's maximum
// aggregation interval. It is not safe for concurrent use: one goroutine feeds it and
// flushes it.
type Aggregator struct {
	open   map[flowKey]*Flow
	closed []Record // windows that ended while packets kept coming
}

type flowKey struct {
	flowLog string
	Key
}

// NewAggregator returns an empty aggregator.
func NewAggregator() *Aggregator { return &Aggregator{open: map[flowKey]*Flow{}} }

// Records reports whether a flow log of the traffic type records packets of action.
func Records(traffic, action string) bool { return traffic == "ALL" || traffic == action }

// Observe adds a packet to the flows of every flow log of the network that records it:
// those of its interface, the interface's subnet and VPC, whose traffic type takes the
// packet's action.
func (a *Aggregator) Observe(n *model.Network, p Packet) {
	for _, fl := range n.FlowLogsOf(p.Interface) {
		a.Add(fl, p)
	}
}

// Add adds a packet to its flow of one flow log, unless the flow log's traffic type
// leaves it out.
func (a *Aggregator) Add(fl *model.FlowLog, p Packet) {
	if !Records(fl.Traffic, p.Action) {
		return
	}
	k := flowKey{fl.ID, Key{Interface: p.Interface, Direction: p.Direction, Src: p.Src, Dst: p.Dst,
		SrcPort: p.SrcPort, DstPort: p.DstPort, Protocol: p.Protocol, Action: p.Action}}
	f := a.open[k]
	if f != nil && !p.Time.Before(f.windowEnd) {
		a.closed = append(a.closed, Record{FlowLog: fl.ID, Flow: *f})
		f = nil
	}
	if f == nil {
		interval := time.Duration(fl.Interval) * time.Second
		if interval <= 0 {
			interval = 600 * time.Second
		}
		f = &Flow{Key: k.Key, PktSrc: p.PktSrc, PktDst: p.PktDst, First: p.Time, windowEnd: p.Time.Add(interval)}
		a.open[k] = f
	}
	f.Packets += int64(max(1, p.Packets))
	f.Bytes += int64(p.Bytes)
	f.Last = maxTime(f.Last, maxTime(p.Time, p.End))
	if p.Protocol == 6 {
		f.TCPFlags |= TCPFlags(p.TCPFlags)
	}
	if p.TrafficPath != 0 {
		f.TrafficPath = p.TrafficPath
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Flush takes out the flows whose capture window has ended by now, and every flow when
// now is zero (at shutdown), in the order of their flow log, interface and first packet.
func (a *Aggregator) Flush(now time.Time) []Record {
	out := a.closed
	a.closed = nil
	for k, f := range a.open {
		if now.IsZero() || !now.Before(f.windowEnd) {
			out = append(out, Record{FlowLog: k.flowLog, Flow: *f})
			delete(a.open, k)
		}
	}
	slices.SortFunc(out, func(x, y Record) int {
		return cmp.Or(strings.Compare(x.FlowLog, y.FlowLog), strings.Compare(x.Interface, y.Interface), x.First.Compare(y.First),
			cmp.Compare(x.Direction, y.Direction), x.Src.Compare(y.Src), x.Dst.Compare(y.Dst), cmp.Compare(x.SrcPort, y.SrcPort),
			cmp.Compare(x.DstPort, y.DstPort), cmp.Compare(x.Protocol, y.Protocol), strings.Compare(x.Action, y.Action))
	})
	return out
}

// Len is how many flows are open.
func (a *Aggregator) Len() int { return len(a.open) }
