package nat64

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// packet6 is an IPv6 packet from src to dst with the transport message body, its
// checksum right.
func packet6(src, dst string, proto byte, hop byte, body []byte) []byte {
	p := make([]byte, 40+len(body))
	binary.BigEndian.PutUint32(p[0:4], 6<<28|0x2a<<20)
	binary.BigEndian.PutUint16(p[4:6], uint16(len(body)))
	p[6], p[7] = proto, hop
	s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
	copy(p[8:24], s[:])
	copy(p[24:40], d[:])
	copy(p[40:], body)
	checksum(p[40:], proto, uint32(sum(p[8:40], uint32(proto)+uint32(len(body)))))
	return p
}

// packet4 is an IPv4 packet from src to dst with the transport message body.
func packet4(src, dst string, proto byte, ttl byte, body []byte) []byte {
	p := make([]byte, 20+len(body))
	p[0], p[1] = 0x45, 0xa8
	binary.BigEndian.PutUint16(p[2:4], uint16(len(p)))
	p[8], p[9] = ttl, proto
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(p[12:16], s[:])
	copy(p[16:20], d[:])
	binary.BigEndian.PutUint16(p[10:12], ^sum(p[:20], 0))
	copy(p[20:], body)
	if proto == protoICMP {
		binary.BigEndian.PutUint16(p[22:24], ^sum(p[20:], 0))
	} else {
		checksum(p[20:], proto, uint32(sum(p[12:20], uint32(proto)+uint32(len(body)))))
	}
	return p
}

func tcpSYN(sport, dport uint16) []byte {
	b := make([]byte, 24)
	binary.BigEndian.PutUint16(b[0:2], sport)
	binary.BigEndian.PutUint16(b[2:4], dport)
	binary.BigEndian.PutUint32(b[4:8], 12345)
	b[12], b[13] = 6<<4, 0x02
	binary.BigEndian.PutUint16(b[14:16], 64240)
	b[20], b[21], b[22], b[23] = 2, 4, 0x05, 0xa0 // MSS 1440
	return b
}

func udpDatagram(sport, dport uint16, data string) []byte {
	b := make([]byte, 8+len(data))
	binary.BigEndian.PutUint16(b[0:2], sport)
	binary.BigEndian.PutUint16(b[2:4], dport)
	binary.BigEndian.PutUint16(b[4:6], uint16(len(b)))
	copy(b[8:], data)
	return b
}

func echo(typ byte, id, seq uint16) []byte {
	b := []byte{typ, 0, 0, 0, 0, 0, 0, 0, 'p', 'i', 'n', 'g', '!'}
	binary.BigEndian.PutUint16(b[4:6], id)
	binary.BigEndian.PutUint16(b[6:8], seq)
	return b
}

// valid4 reports whether an IPv4 packet's header and transport checksums are right.
func valid4(p []byte) bool {
	if sum(p[:20], 0) != 0xffff {
		return false
	}
	body := p[20:]
	if p[9] == protoICMP {
		return sum(body, 0) == 0xffff
	}
	return sum(body, uint32(sum(p[12:20], uint32(p[9])+uint32(len(body))))) == 0xffff
}

func valid6(p []byte) bool {
	body := p[40:]
	return sum(body, uint32(sum(p[8:40], uint32(p[6])+uint32(len(body))))) == 0xffff
}

const (
	client = "2600:1f18:0:1::5"
	server = "192.0.2.1"
	synth  = "64:ff9b::c000:201"
)

// A flow out and its answer back: the addresses, the protocol, the hop limit and the
// traffic class carried over, every checksum right.
func TestTranslateBothWays(t *testing.T) {
	for _, c := range []struct {
		name           string
		proto6, proto4 byte
		out, back      []byte
		typeOut        byte // the IPv4 message's first byte (ICMP type)
		typeBack       byte
	}{
		{"tcp", protoTCP, protoTCP, tcpSYN(40000, 80), tcpSYN(80, 40000), 0x9c, 0},
		{"udp", protoUDP, protoUDP, udpDatagram(40000, 53, "query"), udpDatagram(53, 40000, "answer"), 0x9c, 0},
		{"icmp echo", protoICMPv6, protoICMP, echo(icmpv6EchoRequest, 7, 1), echo(icmpEchoReply, 7, 1), icmpEcho, icmpv6EchoReply},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTranslator(Pool)
			out, ok := tr.To4(packet6(client, synth, c.proto6, 63, c.out), make([]byte, 65536))
			if !ok {
				t.Fatal("To4 dropped the packet")
			}
			src, dst := netip.AddrFrom4([4]byte(out[12:16])), netip.AddrFrom4([4]byte(out[16:20]))
			if !Pool.Contains(src) || dst != netip.MustParseAddr(server) || out[9] != c.proto4 || out[8] != 63 || out[1] != 0x2a || !valid4(out) {
				t.Fatalf("To4: %s -> %s proto %d ttl %d tos %#x valid %v", src, dst, out[9], out[8], out[1], valid4(out))
			}
			if c.proto4 == protoICMP && out[20] != c.typeOut {
				t.Errorf("To4: ICMP type %d, want %d", out[20], c.typeOut)
			}
			back, ok := tr.To6(packet4(server, src.String(), c.proto4, 50, c.back), make([]byte, 65536))
			if !ok {
				t.Fatal("To6 dropped the answer")
			}
			bsrc, bdst := netip.AddrFrom16([16]byte(back[8:24])), netip.AddrFrom16([16]byte(back[24:40]))
			if bsrc != netip.MustParseAddr(synth) || bdst != netip.MustParseAddr(client) || back[6] != c.proto6 || back[7] != 50 || !valid6(back) {
				t.Fatalf("To6: %s -> %s next header %d hop %d valid %v", bsrc, bdst, back[6], back[7], valid6(back))
			}
			if tc := byte(binary.BigEndian.Uint32(back[0:4]) >> 20); tc != 0xa8 {
				t.Errorf("To6: traffic class %#x, want the TOS 0xa8", tc)
			}
			if c.proto6 == protoICMPv6 && back[40] != c.typeBack {
				t.Errorf("To6: ICMPv6 type %d, want %d", back[40], c.typeBack)
			}
		})
	}
}

func TestTranslateDrops(t *testing.T) {
	tr := NewTranslator(Pool)
	buf := make([]byte, 65536)
	for name, p := range map[string][]byte{
		"not to the prefix":        packet6(client, "2001:db8::1", protoTCP, 64, tcpSYN(1, 2)),
		"to the pool":              packet6(client, "64:ff9b::c000:5", protoTCP, 64, tcpSYN(1, 2)),
		"an extension header":      packet6(client, synth, 0, 64, make([]byte, 16)),
		"ICMPv6 other than echo":   packet6(client, synth, protoICMPv6, 64, echo(135, 0, 0)),
		"a short TCP header":       packet6(client, synth, protoTCP, 64, make([]byte, 8)),
		"from a link-local source": packet6("fe80::1", synth, protoTCP, 64, tcpSYN(1, 2)),
	} {
		if _, ok := tr.To4(p, buf); ok {
			t.Errorf("To4 translated a packet %s", name)
		}
	}
	out, _ := tr.To4(packet6(client, synth, protoTCP, 64, tcpSYN(1, 2)), buf)
	mapped := netip.AddrFrom4([4]byte(out[12:16])).String()
	frag := packet4(server, mapped, protoTCP, 64, tcpSYN(2, 1))
	frag[6] = 0x20 // more fragments
	for name, p := range map[string][]byte{
		"to an address no source has": packet4(server, "192.0.0.200", protoTCP, 64, tcpSYN(2, 1)),
		"a fragment":                  frag,
		"ICMP other than echo":        packet4(server, mapped, protoICMP, 64, echo(13, 0, 0)),
		"GRE":                         packet4(server, mapped, 47, 64, make([]byte, 8)),
	} {
		if _, ok := tr.To6(p, make([]byte, 65536)); ok {
			t.Errorf("To6 translated a packet %s", name)
		}
	}
}

// Each source keeps its pool address; with the pool full, a new source takes the one
// that sent nothing for the longest time.
func TestPoolAddresses(t *testing.T) {
	tr := NewTranslator(netip.MustParsePrefix("192.0.0.0/30")) // two addresses
	now := time.Unix(0, 0)
	tr.now = func() time.Time { now = now.Add(time.Second); return now }
	a, b, c := netip.MustParseAddr("2600::a"), netip.MustParseAddr("2600::b"), netip.MustParseAddr("2600::c")
	va, vb := tr.source(a), tr.source(b)
	if va != netip.MustParseAddr("192.0.0.1") || vb != netip.MustParseAddr("192.0.0.2") {
		t.Fatalf("first sources got %s, %s; want 192.0.0.1, 192.0.0.2", va, vb)
	}
	if tr.source(a) != va {
		t.Errorf("a source changed its address")
	}
	if vc := tr.source(c); vc != vb {
		t.Errorf("a third source got %s, want %s of the least recently used", vc, vb)
	}
	if d, ok := tr.destination(vb); !ok || d != c {
		t.Errorf("%s stands for %s, want %s", vb, d, c)
	}
	if tr.source(b) != va {
		t.Errorf("b came back to other than the least recently used address")
	}
}

func TestSynthesize(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":       "64:ff9b::c000:201",
		"10.0.1.5":        "64:ff9b::a00:105",
		"255.255.255.255": "64:ff9b::ffff:ffff",
	} {
		if got := Synthesize(netip.MustParseAddr(in)); got != netip.MustParseAddr(want) || !WellKnownPrefix.Contains(got) {
			t.Errorf("Synthesize(%s) = %s, want %s", in, got, want)
		}
	}
}

// icmpError is an ICMP error of type and code (and next-hop MTU) about the packet quoted.
func icmpError(typ, code byte, mtu uint16, quoted []byte) []byte {
	b := make([]byte, 8+len(quoted))
	b[0], b[1] = typ, code
	binary.BigEndian.PutUint16(b[6:8], mtu)
	copy(b[8:], quoted)
	return b
}

// An ICMP error about a flow out comes back as the ICMPv6 error RFC 7915 maps it to,
// quoting the packet as the client sent it.
func TestTranslateICMPErrors(t *testing.T) {
	tr := NewTranslator(Pool)
	out, _ := tr.To4(packet6(client, synth, protoUDP, 64, udpDatagram(40000, 9, "x")), make([]byte, 65536))
	mapped := netip.AddrFrom4([4]byte(out[12:16])).String()
	sent := append([]byte(nil), out[:28]...) // what an IPv4 router quotes: the header and 8 bytes
	for _, c := range []struct {
		name             string
		typ, code        byte
		mtu              uint16
		wantType, wantCo byte
		wantMTU          uint32
	}{
		{"port unreachable", icmpUnreachable, 3, 0, icmpv6Unreachable, 4, 0},
		{"host unreachable", icmpUnreachable, 1, 0, icmpv6Unreachable, 0, 0},
		{"administratively prohibited", icmpUnreachable, 13, 0, icmpv6Unreachable, 1, 0},
		{"fragmentation needed", icmpUnreachable, icmpFragNeeded, 1400, icmpv6TooBig, 0, 1420},
		{"fragmentation needed below IPv6's minimum", icmpUnreachable, icmpFragNeeded, 576, icmpv6TooBig, 0, 1280},
		{"time exceeded", icmpTimeExceeded, 0, 0, icmpv6TimeExceeded, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			back, ok := tr.To6(packet4("198.51.100.9", mapped, protoICMP, 60, icmpError(c.typ, c.code, c.mtu, sent)), make([]byte, 65536))
			if !ok {
				t.Fatal("dropped")
			}
			body := back[40:]
			if back[6] != protoICMPv6 || body[0] != c.wantType || body[1] != c.wantCo || binary.BigEndian.Uint32(body[4:8]) != c.wantMTU || !valid6(back) {
				t.Fatalf("ICMPv6 %d/%d MTU %d valid %v, want %d/%d MTU %d", body[0], body[1], binary.BigEndian.Uint32(body[4:8]), valid6(back), c.wantType, c.wantCo, c.wantMTU)
			}
			if src := netip.AddrFrom16([16]byte(back[8:24])); src != netip.MustParseAddr("64:ff9b::c633:6409") {
				t.Errorf("from %s, want the router's address in the prefix", src)
			}
			quoted := body[8:]
			qsrc, qdst := netip.AddrFrom16([16]byte(quoted[8:24])), netip.AddrFrom16([16]byte(quoted[24:40]))
			if qsrc != netip.MustParseAddr(client) || qdst != netip.MustParseAddr(synth) || quoted[6] != protoUDP || binary.BigEndian.Uint16(quoted[4:6]) != 9 || len(quoted) != 48 {
				t.Errorf("quoted %s -> %s next header %d length %d (%d bytes), want the client's datagram", qsrc, qdst, quoted[6], binary.BigEndian.Uint16(quoted[4:6]), len(quoted))
			}
		})
	}
	other := append([]byte(nil), sent...)
	copy(other[12:16], []byte{192, 0, 0, 99}) // a pool address no source has
	for name, p := range map[string][]byte{
		"source quench":                    packet4(server, mapped, protoICMP, 60, icmpError(4, 0, 0, sent)),
		"protocol unreachable":             packet4(server, mapped, protoICMP, 60, icmpError(icmpUnreachable, 2, 0, sent)),
		"about a packet of no source":      packet4(server, mapped, protoICMP, 60, icmpError(icmpUnreachable, 3, 0, other)),
		"quoting less than an IPv4 header": packet4(server, mapped, protoICMP, 60, icmpError(icmpUnreachable, 3, 0, sent[:12])),
	} {
		if _, ok := tr.To6(p, make([]byte, 65536)); ok {
			t.Errorf("To6 translated %s", name)
		}
	}
}

// BenchmarkTranslate is one TCP segment of 1,440 bytes out and its answer back.
func BenchmarkTranslate(b *testing.B) {
	tr := NewTranslator(Pool)
	seg := append(tcpSYN(40000, 80), make([]byte, 1440-24)...)
	pkt6 := packet6(client, synth, protoTCP, 64, seg)
	out4, _ := tr.To4(pkt6, make([]byte, 65536))
	pkt4 := packet4(server, netip.AddrFrom4([4]byte(out4[12:16])).String(), protoTCP, 64, seg)
	buf := make([]byte, 65536)
	b.SetBytes(int64(len(pkt6) + len(pkt4)))
	for b.Loop() {
		if _, ok := tr.To4(pkt6, buf); !ok {
			b.Fatal("To4 dropped")
		}
		if _, ok := tr.To6(pkt4, buf); !ok {
			b.Fatal("To6 dropped")
		}
	}
}

// The checksum updated from the addresses alone is the one computed over the whole
// message, on random messages and addresses.
func TestRechecksumAgreesWithChecksum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		proto := []byte{protoTCP, protoUDP}[i%2]
		body := make([]byte, 20+r.IntN(1400))
		for j := range body {
			body[j] = byte(r.Uint32())
		}
		from, to := make([]byte, 32), make([]byte, 8)
		for j := range from {
			from[j] = byte(r.Uint32())
		}
		for j := range to {
			to[j] = byte(r.Uint32())
		}
		checksum(body, proto, uint32(sum(from, uint32(proto)+uint32(len(body)))))
		fast := append([]byte(nil), body...)
		rechecksum(fast, proto, from, to)
		checksum(body, proto, uint32(sum(to, uint32(proto)+uint32(len(body)))))
		if string(fast) != string(body) {
			at, _ := checksumAt(body, proto)
			t.Fatalf("proto %d, %d bytes: updated %#04x, computed %#04x", proto, len(body), fast[at:at+2], body[at:at+2])
		}
	}
}

// A UDP datagram over IPv4 without a checksum gets one over IPv6, where it is required.
func TestTranslateUDPWithoutChecksum(t *testing.T) {
	tr := NewTranslator(Pool)
	out, _ := tr.To4(packet6(client, synth, protoUDP, 64, udpDatagram(40000, 53, "q")), make([]byte, 65536))
	reply := packet4(server, netip.AddrFrom4([4]byte(out[12:16])).String(), protoUDP, 64, udpDatagram(53, 40000, "answer"))
	reply[26], reply[27] = 0, 0
	back, ok := tr.To6(reply, make([]byte, 65536))
	if !ok || !valid6(back) || binary.BigEndian.Uint16(back[46:48]) == 0 {
		t.Errorf("translated %v, checksum %#04x valid %v", ok, back[46:48], ok && valid6(back))
	}
}
