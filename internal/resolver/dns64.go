package resolver

import (
	"net"
	"net/netip"

	"github.com/miekg/dns"
)

// WellKnownPrefix is the NAT64 prefix of RFC 6052 (64:ff9b::/96) that DNS64 synthesizes
// AAAA records in and a NAT gateway translates from.
var WellKnownPrefix = netip.MustParsePrefix("64:ff9b::/96")

// Synthesize is the IPv6 address of an IPv4 one in the well-known prefix:
// 64:ff9b::a.b.c.d.
func Synthesize(a netip.Addr) netip.Addr {
	b := WellKnownPrefix.Addr().As16()
	v4 := a.As4()
	copy(b[12:], v4[:])
	return netip.AddrFrom16(b)
}

// dns64 reports whether a query from src gets DNS64.
func (t *table) dns64(src netip.Addr) bool {
	src = src.Unmap()
	for _, p := range t.dns64From {
		if p.Contains(src) {
			return true
		}
	}
	return false
}

// synthesized is the answer m to the AAAA query r, with AAAA records made from the A
// records of the name when m has none (RFC 6147 5.1): an answer of no data (NOERROR and
// no AAAA record) takes the answer to the same question for A, its CNAME records as they
// are and each A record as the AAAA record of its address in the well-known prefix. An
// answer with AAAA records, or one of another code (NXDOMAIN, SERVFAIL), stays as it is;
// so does m when the name has no A records either.
func (s *Server) synthesized(t *table, r, m *dns.Msg, stream bool) *dns.Msg {
	if m.Rcode != dns.RcodeSuccess || m.Truncated {
		return m
	}
	for _, rr := range m.Answer {
		if rr.Header().Rrtype == dns.TypeAAAA {
			return m
		}
	}
	q := r.Copy()
	q.Question[0].Qtype = dns.TypeA
	a := s.resolve(t, q, stream)
	if a.Rcode != dns.RcodeSuccess {
		return m
	}
	var answer []dns.RR
	found := false
	for _, rr := range a.Answer {
		rec, ok := rr.(*dns.A)
		if !ok {
			answer = append(answer, rr)
			continue
		}
		v4, ok := netip.AddrFromSlice(rec.A.To4())
		if !ok {
			continue
		}
		hdr := rec.Hdr
		hdr.Rrtype = dns.TypeAAAA
		answer = append(answer, &dns.AAAA{Hdr: hdr, AAAA: net.IP(Synthesize(v4).AsSlice())})
		found = true
	}
	if !found {
		return m
	}
	out := m.Copy()
	out.Answer, out.Ns, out.Truncated = answer, nil, a.Truncated
	return out
}
