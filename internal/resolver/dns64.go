package resolver

import (
	"net"
	"net/netip"

	"github.com/miekg/dns"

	"vpcd/internal/nat64"
)

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
func (s *Server) synthesized(t *table, r, m *dns.Msg, tcp bool) *dns.Msg {
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
	a := s.resolve(t, q, tcp)
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
		answer = append(answer, &dns.AAAA{Hdr: hdr, AAAA: net.IP(nat64.Synthesize(v4).AsSlice())})
		found = true
	}
	if !found {
		return m
	}
	out := m.Copy()
	out.Answer, out.Ns, out.Truncated = answer, nil, a.Truncated
	return out
}
