// Package nat64 is the NAT64 of a NAT gateway (RFC 6146, as AWS's NAT gateways do it):
// IPv6 packets to the well-known prefix 64:ff9b::/96 (RFC 6052) leave as IPv4 packets to
// the address the prefix carries, and their answers come back as IPv6.
//
// In the picture (DESIGN.md) it is a daemon of a NAT gateway's namespace, on a TUN link
// that the data plane makes there and routes 64:ff9b::/96 and the pool to. The
// translation itself is stateless (RFC 7915, as TAYGA does it): each IPv6 source gets an
// IPv4 address of a private pool for as long as it sends, and the gateway's nftables
// (internal/linux) translate the pool to the gateway's own address and ports, keeping
// the state of each connection in conntrack, as they do for IPv4.
package nat64

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"time"
)

// WellKnownPrefix is the NAT64 prefix of RFC 6052.
var WellKnownPrefix = netip.MustParsePrefix("64:ff9b::/96")

// Pool is the IPv4 block whose addresses stand for the IPv6 sources inside a NAT
// gateway's namespace: IANA's IETF protocol assignments (192.0.0.0/24), which no VPC
// block and no internet address can be, so that no destination is hidden behind it.
var Pool = netip.MustParsePrefix("192.0.0.0/24")

// Protocol numbers.
const (
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
)

// Translator translates packets between IPv6 and IPv4. It is safe for concurrent use.
type Translator struct {
	pool netip.Prefix
	now  func() time.Time

	mu   sync.Mutex
	by6  map[netip.Addr]*mapping
	by4  map[netip.Addr]*mapping
	next netip.Addr // the pool address tried first for a new source
}

// mapping is the pool address of one IPv6 source.
type mapping struct {
	v6, v4 netip.Addr
	used   time.Time
}

// NewTranslator returns a translator whose IPv6 sources take addresses of pool (its
// first and last addresses left out).
func NewTranslator(pool netip.Prefix) *Translator {
	return &Translator{pool: pool.Masked(), now: time.Now, by6: map[netip.Addr]*mapping{}, by4: map[netip.Addr]*mapping{},
		next: pool.Masked().Addr().Next()}
}

// source is the pool address of the IPv6 source a: its own while it has one, else the
// next free one, else the one whose source sent nothing for the longest time.
func (t *Translator) source(a netip.Addr) netip.Addr {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if m := t.by6[a]; m != nil {
		m.used = now
		return m.v4
	}
	var v4 netip.Addr
	size := 1<<(32-t.pool.Bits()) - 2
	for range size {
		c := t.next
		if t.next = c.Next(); !t.pool.Contains(t.next.Next()) {
			t.next = t.pool.Addr().Next()
		}
		if t.by4[c] == nil {
			v4 = c
			break
		}
	}
	if !v4.IsValid() {
		var old *mapping
		for _, m := range t.by6 {
			if old == nil || m.used.Before(old.used) {
				old = m
			}
		}
		delete(t.by6, old.v6)
		v4 = old.v4
	}
	m := &mapping{v6: a, v4: v4, used: now}
	t.by6[a], t.by4[v4] = m, m
	return v4
}

// destination is the IPv6 address the pool address a stands for.
func (t *Translator) destination(a netip.Addr) (netip.Addr, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.by4[a]
	if m == nil {
		return netip.Addr{}, false
	}
	m.used = t.now()
	return m.v6, true
}

// To4 translates an IPv6 packet to 64:ff9b::/96 into out and returns the IPv4 packet;
// ok is false for a packet it drops: not to the prefix, with extension headers, or of
// another protocol than TCP, UDP and ICMPv6 echo.
func (t *Translator) To4(pkt, out []byte) (_ []byte, ok bool) {
	if len(pkt) < 40 || pkt[0]>>4 != 6 || int(binary.BigEndian.Uint16(pkt[4:6]))+40 > len(pkt) {
		return nil, false
	}
	payload := pkt[40 : 40+int(binary.BigEndian.Uint16(pkt[4:6]))]
	src := netip.AddrFrom16([16]byte(pkt[8:24]))
	dst := netip.AddrFrom16([16]byte(pkt[24:40]))
	if !WellKnownPrefix.Contains(dst) || src.IsLinkLocalUnicast() || len(payload)+20 > 0xffff {
		return nil, false
	}
	dst4 := netip.AddrFrom4([4]byte(pkt[36:40]))
	if t.pool.Contains(dst4) {
		return nil, false
	}
	proto := pkt[6]
	switch proto {
	case protoTCP, protoUDP:
	case protoICMPv6:
		proto = protoICMP
	default:
		return nil, false
	}
	out = out[:20+len(payload)]
	h := out[:20]
	h[0], h[1] = 0x45, pkt[0]<<4|pkt[1]>>4
	binary.BigEndian.PutUint16(h[2:4], uint16(len(out)))
	binary.BigEndian.PutUint32(h[4:8], 0x4000) // no ID, DF: IPv6 is never fragmented on the way
	h[8], h[9] = pkt[7], proto
	h[10], h[11] = 0, 0
	src4 := t.source(src)
	s4, d4 := src4.As4(), dst4.As4()
	copy(h[12:16], s4[:])
	copy(h[16:20], d4[:])
	binary.BigEndian.PutUint16(h[10:12], ^sum(h, 0))
	body := out[20:]
	copy(body, payload)
	if !transport4(body, proto, pkt[8:40], h[12:20]) {
		return nil, false
	}
	return out, true
}

// To6 translates an IPv4 packet to an address of the pool into out and returns the IPv6
// packet; ok is false for a packet it drops: to an address no source has, a fragment, or
// of another protocol than TCP, UDP, ICMP echo and the ICMP errors ICMPv6 has (RFC 7915
// 4.2: unreachable, fragmentation needed as packet too big, time exceeded).
func (t *Translator) To6(pkt, out []byte) (_ []byte, ok bool) {
	if len(pkt) < 20 || pkt[0]>>4 != 4 {
		return nil, false
	}
	ihl := int(pkt[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(pkt[2:4]))
	if ihl < 20 || total < ihl || total > len(pkt) || binary.BigEndian.Uint16(pkt[6:8])&0x3fff != 0 {
		return nil, false // fragments: conntrack reassembles them before they get here
	}
	dst, ok := t.destination(netip.AddrFrom4([4]byte(pkt[16:20])))
	if !ok {
		return nil, false
	}
	payload := pkt[ihl:total]
	proto := pkt[9]
	n := len(payload)
	body := out[40:]
	switch proto {
	case protoTCP, protoUDP:
		copy(body, payload)
	case protoICMP:
		proto = protoICMPv6
		if len(payload) >= 8 && (payload[0] == icmpUnreachable || payload[0] == icmpTimeExceeded) {
			if n, ok = t.icmpError6(payload, body); !ok {
				return nil, false
			}
			break
		}
		copy(body, payload)
		if !echoType(body[:n], to6Echo) {
			return nil, false
		}
	default:
		return nil, false
	}
	out = out[:40+n]
	header6(out[:40], pkt, Synthesize(netip.AddrFrom4([4]byte(pkt[12:16]))), dst, proto, n)
	if proto == protoICMPv6 {
		ok = checksum(out[40:], proto, uint32(sum(out[8:40], uint32(proto)+uint32(n))))
	} else {
		ok = rechecksum(out[40:], proto, pkt[12:20], out[8:40])
	}
	if !ok {
		return nil, false
	}
	return out, true
}

// header6 writes to h the IPv6 header of the IPv4 header v4 (its TOS as the traffic
// class, its TTL as the hop limit), from src to dst, with n bytes of payload.
func header6(h, v4 []byte, src, dst netip.Addr, proto byte, n int) {
	binary.BigEndian.PutUint32(h[0:4], 6<<28|uint32(v4[1])<<20)
	binary.BigEndian.PutUint16(h[4:6], uint16(n))
	h[6], h[7] = proto, v4[8]
	s6, d6 := src.As16(), dst.As16()
	copy(h[8:24], s6[:])
	copy(h[24:40], d6[:])
}

// ICMP error types and codes, and ICMPv6's (RFC 7915 4.2).
const (
	icmpUnreachable    = 3
	icmpTimeExceeded   = 11
	icmpFragNeeded     = 4
	icmpv6Unreachable  = 1
	icmpv6TooBig       = 2
	icmpv6TimeExceeded = 3
	minMTU6            = 1280 // no ICMPv6 error is longer, nor any path MTU shorter
)

// icmpError6 writes to body the ICMPv6 error of the ICMP error msg, the packet it quotes
// translated too (a packet of a source of the pool; its transport checksum as it was, the
// quote being cut short as often as not), and returns its
// length; ok is false for an error without an ICMPv6 counterpart, or about a packet of
// no source.
func (t *Translator) icmpError6(msg, body []byte) (n int, ok bool) {
	var typ, code byte
	var mtu uint32
	switch c := msg[1]; {
	case msg[0] == icmpTimeExceeded:
		typ, code = icmpv6TimeExceeded, c
	case c == 0 || c == 1 || c == 5 || c == 6 || c == 7 || c == 8 || c == 11 || c == 12:
		typ, code = icmpv6Unreachable, 0 // no route
	case c == 3:
		typ, code = icmpv6Unreachable, 4 // port unreachable
	case c == 9 || c == 10 || c == 13:
		typ, code = icmpv6Unreachable, 1 // administratively prohibited
	case c == icmpFragNeeded:
		typ, mtu = icmpv6TooBig, max(uint32(binary.BigEndian.Uint16(msg[6:8]))+20, minMTU6)
	default:
		return 0, false
	}
	inner := msg[8:]
	if len(inner) < 20 || inner[0]>>4 != 4 {
		return 0, false
	}
	ihl := int(inner[0]&0x0f) * 4
	if ihl < 20 || len(inner) < ihl {
		return 0, false
	}
	src, ok := t.destination(netip.AddrFrom4([4]byte(inner[12:16])))
	if !ok {
		return 0, false
	}
	proto := inner[9]
	if proto == protoICMP {
		proto = protoICMPv6
	}
	quoted := inner[ihl:]
	n = min(8+40+len(quoted), minMTU6-40)
	body[0], body[1], body[2], body[3] = typ, code, 0, 0
	binary.BigEndian.PutUint32(body[4:8], mtu)
	header6(body[8:48], inner, src, Synthesize(netip.AddrFrom4([4]byte(inner[16:20]))), proto,
		max(int(binary.BigEndian.Uint16(inner[2:4]))-ihl, 0))
	copy(body[48:n], quoted)
	if proto == protoICMPv6 && n > 48 {
		echoType(body[48:n], to6Echo)
	}
	return n, true
}

// Synthesize is the address of an IPv4 one in the well-known prefix: 64:ff9b::a.b.c.d,
// as DNS64 gives it (internal/resolver).
func Synthesize(a netip.Addr) netip.Addr {
	b := WellKnownPrefix.Addr().As16()
	v4 := a.As4()
	copy(b[12:], v4[:])
	return netip.AddrFrom16(b)
}

// ICMP and ICMPv6 echo types.
const (
	icmpEchoReply     = 0
	icmpEcho          = 8
	icmpv6EchoRequest = 128
	icmpv6EchoReply   = 129
)

// The echo types of one ICMP as the other's.
var (
	to4Echo = map[byte]byte{icmpv6EchoRequest: icmpEcho, icmpv6EchoReply: icmpEchoReply}
	to6Echo = map[byte]byte{icmpEcho: icmpv6EchoRequest, icmpEchoReply: icmpv6EchoReply}
)

// echoType rewrites the type of an ICMP echo message as types says; false for another
// message.
func echoType(body []byte, types map[byte]byte) bool {
	if len(body) < 8 {
		return false
	}
	t, ok := types[body[0]]
	if ok {
		body[0] = t
	}
	return ok
}

// transport4 rewrites the transport header of body for IPv4, whose addresses (source and
// destination) were from and are to: the checksums over the new pseudo-header.
func transport4(body []byte, proto byte, from, to []byte) bool {
	switch proto {
	case protoICMP:
		if !echoType(body, to4Echo) {
			return false
		}
		body[2], body[3] = 0, 0
		binary.BigEndian.PutUint16(body[2:4], ^sum(body, 0))
		return true
	default:
		return rechecksum(body, proto, from, to)
	}
}

// checksumAt is where the checksum of a TCP, UDP or ICMPv6 message is, and the length
// its header needs; ok is false for a message too short.
func checksumAt(body []byte, proto byte) (int, bool) {
	at, need := 2, 8 // ICMPv6
	switch proto {
	case protoTCP:
		at, need = 16, 20
	case protoUDP:
		at = 6
	}
	return at, len(body) >= need
}

// rechecksum updates the checksum of a TCP or UDP message whose pseudo-header's addresses
// went from from to to, from the difference alone (RFC 1624): the length and protocol of
// the pseudo-header stay, and the message is not read again. A UDP datagram without a
// checksum (allowed over IPv4 alone) gets one.
func rechecksum(body []byte, proto byte, from, to []byte) bool {
	at, ok := checksumAt(body, proto)
	if !ok {
		return false
	}
	old := binary.BigEndian.Uint16(body[at : at+2])
	if proto == protoUDP && old == 0 {
		return checksum(body, proto, uint32(sum(to, uint32(proto)+uint32(len(body)))))
	}
	c := uint32(^old) + uint32(^sum(from, 0)) + uint32(sum(to, 0))
	for c>>16 != 0 {
		c = c&0xffff + c>>16
	}
	n := ^uint16(c)
	if n == 0 && proto == protoUDP {
		n = 0xffff
	}
	binary.BigEndian.PutUint16(body[at:at+2], n)
	return true
}

// checksum sets the checksum of a TCP, UDP or ICMPv6 message over the pseudo-header's
// sum.
func checksum(body []byte, proto byte, pseudo uint32) bool {
	at, ok := checksumAt(body, proto)
	if !ok {
		return false
	}
	body[at], body[at+1] = 0, 0
	c := ^sum(body, pseudo)
	if c == 0 && proto == protoUDP {
		c = 0xffff // 0 means none in UDP over IPv4, and is not allowed over IPv6
	}
	binary.BigEndian.PutUint16(body[at:at+2], c)
	return true
}

// sum is the ones' complement sum of b (RFC 1071), folded, started from initial.
func sum(b []byte, initial uint32) uint16 {
	s := uint64(initial)
	for len(b) >= 2 {
		s += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}
