package vpcsvc

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mdlayher/netlink"
	"github.com/ti-mo/conntrack"
	"github.com/ti-mo/netfilter"

	"vpcd/internal/linux"
)

// Flow logs capture what passes the VPC router and what it rejects, for the interfaces
// that have a flow log, and write it out once per aggregation interval as FlowRecords,
// one file per interval in the spool directory, which vpcd reads into the flow logs'
// destinations. Accepted traffic is counted by conntrack (the router's
// nf_conntrack_acct): every interval the counters of every flow are read and zeroed, and a
// flow that ends in between reports what it counted last. Rejected packets come one by one
// from NFLOG (linux.RejectLogGroup), logged by the group or ACL that drops them.
//
// Each interval also says, per interface, what AWS's log-status says: NODATA for an
// interface that passed nothing in the interval (once it has passed something since the
// capture started: AWS shows no data of an interface before its first traffic), and
// SKIPDATA for every interface when the capture lost something in the interval (conntrack
// events or NFLOG messages dropped by an overrun of their socket, a dump that failed).

// FlowCapture is what the VPC's flow logs capture.
type FlowCapture struct {
	// Interval is the aggregation interval in seconds: the shortest of the flow logs of
	// the VPC's interfaces (60 or 600).
	Interval int
	// Spool is the directory the records of each interval are written to.
	Spool      string
	Interfaces []FlowInterface
}

// FlowInterface is an interface that a flow log captures.
type FlowInterface struct {
	ID    string       // eni-...
	Link  string       // its veth in the router
	Addrs []netip.Addr // its private addresses, IPv4 and IPv6
}

// FlowRecord is one direction of a flow, at one interface, in one aggregation interval, as
// a flow log records it. Src and Dst are as the interface sees them: its private address,
// never the public one a gateway translates it to.
type FlowRecord struct {
	Interface string
	Direction string // "ingress" or "egress", as the interface sees the packets
	Action    string // "ACCEPT" or "REJECT"
	Protocol  uint8
	Src, Dst  netip.Addr
	SrcPort   uint16 `json:",omitempty"`
	DstPort   uint16 `json:",omitempty"`
	Packets   uint64
	Bytes     uint64
	TCPFlags  uint8 `json:",omitempty"` // the OR of the TCP flags seen
	Start     int64 // Unix seconds
	End       int64
	// LogStatus is "" for a flow (AWS's OK), or NODATA or SKIPDATA: a record of the
	// interface over the whole interval, Start to End, with nothing else.
	LogStatus string `json:",omitempty"`
}

// The log-status of a record that is not a flow's.
const (
	NoData   = "NODATA"
	SkipData = "SKIPDATA"
)

type flowKey struct {
	iface, direction, action string
	proto                    uint8
	src, dst                 netip.Addr
	sport, dport             uint16
}

// flowTable aggregates the records of one interval.
type flowTable struct {
	mu      sync.Mutex
	records map[flowKey]*FlowRecord
}

func (t *flowTable) add(k flowKey, packets, bytes uint64, flags uint8, at time.Time) {
	t.addSpan(k, packets, bytes, flags, at, at)
}

// addSpan adds packets seen from first to last.
func (t *flowTable) addSpan(k flowKey, packets, bytes uint64, flags uint8, first, last time.Time) {
	if packets == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.records == nil {
		t.records = map[flowKey]*FlowRecord{}
	}
	r := t.records[k]
	if r == nil {
		r = &FlowRecord{Interface: k.iface, Direction: k.direction, Action: k.action, Protocol: k.proto,
			Src: k.src, Dst: k.dst, SrcPort: k.sport, DstPort: k.dport, Start: first.Unix()}
		t.records[k] = r
	}
	r.Packets += packets
	r.Bytes += bytes
	r.TCPFlags |= flags
	r.Start = min(r.Start, first.Unix())
	r.End = max(r.End, last.Unix())
}

// take returns the records aggregated so far and starts a new interval.
func (t *flowTable) take() []FlowRecord {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]FlowRecord, 0, len(t.records))
	for _, r := range t.records {
		out = append(out, *r)
	}
	clear(t.records)
	return out
}

// interfaces maps the captured interfaces by link and by address.
type interfaces struct {
	byLink map[string]string
	byAddr map[netip.Addr]string
}

func newInterfaces(list []FlowInterface) *interfaces {
	ifs := &interfaces{byLink: map[string]string{}, byAddr: map[netip.Addr]string{}}
	for _, i := range list {
		ifs.byLink[i.Link] = i.ID
		for _, a := range i.Addrs {
			ifs.byAddr[a] = i.ID
		}
	}
	return ifs
}

// TCP flags as flow logs report them.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10
)

// accepted adds what conntrack counted for one flow. The initiator sees its own address
// and the destination it asked for (TupleOrig); the responder its own address and the
// initiator as it arrives, after a gateway's translation (TupleReply, reversed). Each
// captured side records both directions. New flows are marked SYN (SYN-ACK the other
// way), ended ones FIN: conntrack keeps no flags, only the state they led to.
func (c *capture) accepted(f *conntrack.Flow, isNew, ended bool, at time.Time) {
	ifs := c.ifs()
	if ifs == nil {
		return
	}
	o, r := f.TupleOrig, f.TupleReply
	proto := o.Proto.Protocol
	var fwdFlags, revFlags uint8
	if proto == 6 {
		if isNew {
			fwdFlags, revFlags = tcpSYN, tcpSYN|tcpACK
		}
		if ended {
			fwdFlags, revFlags = fwdFlags|tcpFIN, revFlags|tcpFIN
		}
	}
	fwd, rev := f.CountersOrig, f.CountersReply
	first, last := c.span(f, isNew, ended, at)
	sides := []struct {
		iface          string
		me, peer       netip.Addr
		myPort, theirs uint16
		initiator      bool
	}{
		{ifs.byAddr[o.IP.SourceAddress], o.IP.SourceAddress, o.IP.DestinationAddress, o.Proto.SourcePort, o.Proto.DestinationPort, true},
		{ifs.byAddr[r.IP.SourceAddress], r.IP.SourceAddress, r.IP.DestinationAddress, r.Proto.SourcePort, r.Proto.DestinationPort, false},
	}
	for _, s := range sides {
		if s.iface == "" {
			continue
		}
		// What the interface sent, and what it received.
		sent, got := fwd, rev
		sentFlags, gotFlags := fwdFlags, revFlags
		if !s.initiator {
			sent, got = rev, fwd
			sentFlags, gotFlags = revFlags, fwdFlags
		}
		c.table.addSpan(flowKey{s.iface, "egress", "ACCEPT", proto, s.me, s.peer, s.myPort, s.theirs}, sent.Packets, sent.Bytes, sentFlags, first, last)
		c.table.addSpan(flowKey{s.iface, "ingress", "ACCEPT", proto, s.peer, s.me, s.theirs, s.myPort}, got.Packets, got.Bytes, gotFlags, first, last)
	}
}

// span is when the packets of a flow counted at at passed, as near as conntrack tells:
// AWS's start and end, the first and the last packet within the interval.
//
// The first is the flow's start (nf_conntrack_timestamp) when it began in the interval
// or was never counted before (a flow that expired before the interval's dump, whose
// end comes after it), else the interval's start: conntrack keeps no time of the first
// packet after a counter's reset. The last comes from the flow's timeout, which each
// packet resets to the timeout of the flow's state (nf_conntrack_tcp_timeout_established,
// ..._udp_timeout, ...): what has run of it is the time since the last packet. A flow
// that ended was mostly forgotten on its timeout: its last packet was that long before
// its end (later than that when the kernel reaped it late, or earlier when it was
// deleted before its time: then the interval's start or its own).
func (c *capture) span(f *conntrack.Flow, isNew, ended bool, at time.Time) (first, last time.Time) {
	c.mu.Lock()
	first = c.since
	c.mu.Unlock()
	if first.IsZero() || first.After(at) {
		first = at
	}
	if s := f.Timestamp.Start; !s.IsZero() && s.Before(at) && (isNew || s.After(first)) {
		first = s
	}
	end, idle := at, time.Duration(0)
	if timeout := c.stateTimeout(f); timeout > 0 {
		idle = timeout - time.Duration(f.Timeout)*time.Second
		if ended {
			idle = timeout
			if s := f.Timestamp.Stop; !s.IsZero() && s.Before(at) {
				end = s
			}
		}
	}
	last = end.Add(-max(idle, 0))
	if last.Before(first) {
		last = first
	}
	return first, last
}

// tcpStates name conntrack's TCP states (TCP_CONNTRACK_...) as their timeouts' sysctls do.
var tcpStates = []string{1: "syn_sent", 2: "syn_recv", 3: "established", 4: "fin_wait", 5: "close_wait", 6: "last_ack",
	7: "time_wait", 8: "close", 9: "syn_sent"}

// stateTimeout is the timeout a packet of the flow sets in its state, read from the
// router's sysctls; 0 when not known.
func (c *capture) stateTimeout(f *conntrack.Flow) time.Duration {
	var name string
	switch f.TupleOrig.Proto.Protocol {
	case 6:
		if f.ProtoInfo.TCP == nil || int(f.ProtoInfo.TCP.State) >= len(tcpStates) || tcpStates[f.ProtoInfo.TCP.State] == "" {
			return 0
		}
		name = "tcp_timeout_" + tcpStates[f.ProtoInfo.TCP.State]
	case 17:
		name = "udp_timeout"
		if f.Status.Assured() {
			name = "udp_timeout_stream"
		}
	case 1:
		name = "icmp_timeout"
	case 58:
		name = "icmpv6_timeout"
	default:
		name = "generic_timeout"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.timeouts[name]; ok {
		return d
	}
	var d time.Duration
	if b, err := os.ReadFile("/proc/sys/net/netfilter/nf_conntrack_" + name); err == nil {
		if s, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			d = time.Duration(s) * time.Second
		}
	}
	if c.timeouts == nil {
		c.timeouts = map[string]time.Duration{}
	}
	c.timeouts[name] = d
	return d
}

// packet is what flow logs read of a packet's headers.
type packet struct {
	proto        uint8
	src, dst     netip.Addr
	sport, dport uint16
	length       int
	flags        uint8
}

// parsePacket reads an IPv4 or IPv6 packet's addresses, protocol, ports and TCP flags.
func parsePacket(b []byte) (packet, bool) {
	var p packet
	if len(b) < 1 {
		return p, false
	}
	var l4 []byte
	switch b[0] >> 4 {
	case 4:
		if len(b) < 20 {
			return p, false
		}
		ihl := int(b[0]&0x0f) * 4
		if ihl < 20 || len(b) < ihl {
			return p, false
		}
		p.proto = b[9]
		p.src = netip.AddrFrom4([4]byte(b[12:16]))
		p.dst = netip.AddrFrom4([4]byte(b[16:20]))
		p.length = int(binary.BigEndian.Uint16(b[2:4]))
		l4 = b[ihl:]
	case 6:
		if len(b) < 40 {
			return p, false
		}
		p.proto = b[6] // extension headers are not followed: their protocol stands
		p.src = netip.AddrFrom16([16]byte(b[8:24]))
		p.dst = netip.AddrFrom16([16]byte(b[24:40]))
		p.length = 40 + int(binary.BigEndian.Uint16(b[4:6]))
		l4 = b[40:]
	default:
		return p, false
	}
	switch p.proto {
	case 6, 17, 132:
		if len(l4) >= 4 {
			p.sport, p.dport = binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4])
		}
		if p.proto == 6 && len(l4) >= 14 {
			p.flags = l4[13] & (tcpFIN | tcpSYN | tcpRST | tcpACK | 0x08 | 0x20)
		}
	}
	return p, true
}

// rejected adds a packet that a group or ACL dropped, at the interface the drop's side
// names. A packet rejected on its way in to an interface of the VPC left the sender's
// interface first: that one records it as accepted, as AWS's does.
func (c *capture) rejected(side string, in, out string, p packet, at time.Time) {
	ifs := c.ifs()
	if ifs == nil {
		return
	}
	k := flowKey{direction: "egress", action: "REJECT", proto: p.proto, src: p.src, dst: p.dst, sport: p.sport, dport: p.dport}
	switch side {
	case linux.RejectEgress:
		k.iface = ifs.byLink[in]
	case linux.RejectIngress:
		k.iface, k.direction = ifs.byLink[out], "ingress"
		if sender := ifs.byLink[in]; sender != "" {
			c.table.add(flowKey{sender, "egress", "ACCEPT", p.proto, p.src, p.dst, p.sport, p.dport}, 1, uint64(p.length), p.flags, at)
		}
	}
	if k.iface != "" {
		c.table.add(k, 1, uint64(p.length), p.flags, at)
	}
}

// capture is the flow-log capture of one VPC router.
type capture struct {
	log   *slog.Logger
	table flowTable

	mu     sync.Mutex
	cfg    *FlowCapture
	byName *interfaces
	seen   map[uint32]bool // conntrack IDs of flows already counted in an earlier interval
	since  time.Time       // when the interval began
	active map[string]bool // interfaces that had traffic since the capture started
	lost   bool            // something was lost in the interval: SKIPDATA
	// timeouts are the router's conntrack timeouts by sysctl name
	// (tcp_timeout_established: 5 days), read once.
	timeouts map[string]time.Duration
	stop     chan struct{}
	done     sync.WaitGroup
}

func (c *capture) ifs() *interfaces {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byName
}

// update starts, changes or stops the capture.
func (c *capture) update(cfg *FlowCapture) {
	c.mu.Lock()
	running := c.stop != nil
	c.cfg = cfg
	if cfg != nil {
		c.byName = newInterfaces(cfg.Interfaces)
	} else {
		c.byName = nil
	}
	c.mu.Unlock()
	switch {
	case cfg != nil && !running:
		c.start()
	case cfg == nil && running:
		c.close()
	}
}

func (c *capture) start() {
	c.mu.Lock()
	c.stop = make(chan struct{})
	c.seen = map[uint32]bool{}
	c.since, c.active, c.lost = time.Now(), map[string]bool{}, false
	stop := c.stop
	c.mu.Unlock()
	c.done.Add(3)
	go func() { defer c.done.Done(); c.readRejects(stop) }()
	go func() { defer c.done.Done(); c.readEnds(stop) }()
	go func() { defer c.done.Done(); c.tick(stop) }()
}

// close stops the capture and writes what it has.
func (c *capture) close() {
	c.mu.Lock()
	stop := c.stop
	c.stop = nil
	c.mu.Unlock()
	if stop == nil {
		return
	}
	close(stop)
	c.done.Wait()
}

func (c *capture) interval() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg == nil || c.cfg.Interval <= 0 {
		return time.Minute
	}
	return time.Duration(c.cfg.Interval) * time.Second
}

// tick counts the flows and writes the records at the end of each interval, and once
// more when the capture stops.
func (c *capture) tick(stop chan struct{}) {
	conn, err := conntrack.Dial(nil)
	if err != nil {
		c.log.Error("flow logs: conntrack", "err", err)
		return
	}
	defer conn.Close()
	for {
		select {
		case <-stop:
			c.write(c.count(conn))
			return
		case <-time.After(c.interval()):
			c.write(c.count(conn))
		}
	}
}

// count reads and zeroes the counters of every flow, and returns the end of the
// interval.
func (c *capture) count(conn *conntrack.Conn) time.Time {
	flows, err := conn.Dump(&conntrack.DumpOptions{ZeroCounters: true})
	now := time.Now()
	if err != nil {
		c.skip("read conntrack", err)
		return now
	}
	for i := range flows {
		f := &flows[i]
		c.mu.Lock()
		isNew := !c.seen[f.ID]
		c.seen[f.ID] = true
		c.mu.Unlock()
		c.accepted(f, isNew, false, now)
	}
	return now
}

// skip says that the interval lost records: its interfaces' records say SKIPDATA.
func (c *capture) skip(what string, err error) {
	c.log.Error("flow logs: "+what+": records skipped", "err", err)
	c.mu.Lock()
	c.lost = true
	c.mu.Unlock()
}

// readEnds counts what each flow counted since the last interval when it ends, listening
// again after an error.
func (c *capture) readEnds(stop chan struct{}) {
	for {
		c.listenEnds(stop)
		select {
		case <-stop:
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// eventBuffer is the receive buffer of the conntrack events' socket: a burst of
// connections ending (thousands a second) must not overflow it.
const eventBuffer = 16 << 20

func (c *capture) listenEnds(stop chan struct{}) {
	conn, err := conntrack.Dial(nil)
	if err != nil {
		c.skip("conntrack events", err) // flows that end meanwhile are not counted
		return
	}
	defer conn.Close()
	// An overflow drops events (the flows' last counts): the kernel says so (ENOBUFS),
	// the worker ends, the interval's records say SKIPDATA, and the listening starts
	// again.
	if err := conn.SetReadBuffer(eventBuffer); err != nil {
		c.log.Error("flow logs: conntrack events", "err", err)
	}
	events := make(chan conntrack.Event, 1024)
	errs, err := conn.Listen(events, 1, []netfilter.NetlinkGroup{netfilter.GroupCTDestroy})
	if err != nil {
		c.skip("conntrack events", err)
		return
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-stop:
			conn.Close()
		case <-done:
		}
	}()
	for {
		select {
		case <-stop:
			return
		case err := <-errs:
			if err != nil && !errors.Is(err, net.ErrClosed) {
				c.skip("conntrack events", err)
			}
			return
		case ev := <-events:
			if ev.Type != conntrack.EventDestroy || ev.Flow == nil {
				continue
			}
			c.mu.Lock()
			isNew := !c.seen[ev.Flow.ID]
			delete(c.seen, ev.Flow.ID)
			c.mu.Unlock()
			c.accepted(ev.Flow, isNew, true, time.Now())
		}
	}
}

// NFLOG (nfnetlink_log) messages and attributes, from linux/netfilter/nfnetlink_log.h.
const (
	nflogMsgPacket = 0
	nflogMsgConfig = 1

	nflogCfgCmd  = 1
	nflogCfgMode = 2

	nflogCmdBind = 1

	nflogCopyPacket = 2

	nflogAttrInDev   = 4
	nflogAttrOutDev  = 5
	nflogAttrPayload = 9
	nflogAttrPrefix  = 10
)

// readRejects binds NFLOG's reject group in the router's namespace and records each
// rejected packet.
func (c *capture) readRejects(stop chan struct{}) {
	conn, err := netfilter.Dial(nil)
	if err != nil {
		c.log.Error("flow logs: nflog", "err", err)
		return
	}
	go func() { <-stop; conn.Close() }()
	config := func(attrs ...netfilter.Attribute) error {
		msg, err := netfilter.MarshalNetlink(netfilter.Header{
			SubsystemID: netfilter.NFSubsysULOG, MessageType: nflogMsgConfig,
			Flags: netlink.Request | netlink.Acknowledge, Family: netfilter.ProtoUnspec, ResourceID: linux.RejectLogGroup,
		}, attrs)
		if err != nil {
			return err
		}
		_, err = conn.Query(msg)
		return err
	}
	mode := make([]byte, 6)
	binary.BigEndian.PutUint32(mode, 128) // headers are all a record needs
	mode[4] = nflogCopyPacket
	if err := errors.Join(
		config(netfilter.Attribute{Type: nflogCfgCmd, Data: []byte{nflogCmdBind}}),
		config(netfilter.Attribute{Type: nflogCfgMode, Data: mode}),
	); err != nil {
		select {
		case <-stop:
		default:
			c.log.Error("flow logs: bind nflog group", "group", linux.RejectLogGroup, "err", err)
		}
		return
	}
	names := map[uint32]string{}
	linkName := func(index uint32) string {
		if index == 0 {
			return ""
		}
		if n, ok := names[index]; ok {
			return n
		}
		ifc, err := net.InterfaceByIndex(int(index))
		if err != nil {
			return ""
		}
		names[index] = ifc.Name
		return ifc.Name
	}
	for {
		msgs, err := conn.Receive()
		if err != nil {
			select {
			case <-stop:
				return
			default:
			}
			c.skip("read nflog", err)
			time.Sleep(100 * time.Millisecond) // an overrun: go on with what comes next
			continue
		}
		now := time.Now()
		for _, m := range msgs {
			h, attrs, err := netfilter.UnmarshalNetlink(m)
			if err != nil || h.SubsystemID != netfilter.NFSubsysULOG || h.MessageType != nflogMsgPacket {
				continue
			}
			var prefix string
			var in, out uint32
			var payload []byte
			for _, a := range attrs {
				switch a.Type {
				case nflogAttrPrefix:
					prefix = string(trimNUL(a.Data))
				case nflogAttrInDev:
					in = a.Uint32()
				case nflogAttrOutDev:
					out = a.Uint32()
				case nflogAttrPayload:
					payload = a.Data
				}
			}
			if p, ok := parsePacket(payload); ok {
				c.rejected(prefix, linkName(in), linkName(out), p, now)
			}
		}
	}
}

func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// statuses are the interval's records that are not flows': SKIPDATA for every interface
// when the interval lost records, else NODATA for each interface without a record that
// had traffic before. The interval ends at end, and the next one begins.
func (c *capture) statuses(records []FlowRecord, end time.Time) []FlowRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	from, lost := c.since, c.lost
	c.since, c.lost = end, false
	if c.active == nil {
		c.active = map[string]bool{}
	}
	had := map[string]bool{}
	for _, r := range records {
		had[r.Interface] = true
	}
	var out []FlowRecord
	if c.cfg == nil {
		return nil
	}
	for _, i := range c.cfg.Interfaces {
		status := ""
		switch {
		case lost:
			status = SkipData
		case !had[i.ID] && c.active[i.ID]:
			status = NoData
		}
		if status != "" {
			out = append(out, FlowRecord{Interface: i.ID, Start: from.Unix(), End: end.Unix(), LogStatus: status})
		}
		c.active[i.ID] = c.active[i.ID] || had[i.ID]
	}
	return out
}

// write puts the records of the interval that ends at end in a file of their own in the
// spool directory.
func (c *capture) write(end time.Time) {
	records := c.table.take()
	records = append(records, c.statuses(records, end)...)
	c.mu.Lock()
	var spool string
	if c.cfg != nil {
		spool = c.cfg.Spool
	}
	c.mu.Unlock()
	if len(records) == 0 || spool == "" {
		return
	}
	b, err := json.Marshal(records)
	if err != nil {
		c.log.Error("flow logs", "err", err)
		return
	}
	if err := os.MkdirAll(spool, 0o700); err != nil {
		c.log.Error("flow logs", "err", err)
		return
	}
	name := filepath.Join(spool, strconv.FormatInt(time.Now().UnixNano(), 10)+".json")
	if err := os.WriteFile(name+".tmp", b, 0o600); err != nil {
		c.log.Error("flow logs", "err", err)
		return
	}
	if err := os.Rename(name+".tmp", name); err != nil {
		c.log.Error("flow logs", "err", fmt.Errorf("spool: %w", err))
	}
}
