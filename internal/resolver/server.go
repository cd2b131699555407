package resolver

import (
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Server answers DNS queries from its current Config; it is a dns.Handler for a
// dns.Server on UDP and TCP. Until the first Update, and after Update(nil), it answers
// nothing, as the Amazon DNS server of a VPC without DNS support.
type Server struct {
	log   *slog.Logger
	table atomic.Pointer[table]
}

// New returns a server with no configuration.
func New(log *slog.Logger) *Server { return &Server{log: log} }

// Update makes the server answer from c from now on; nil stops it answering.
func (s *Server) Update(c *Config) {
	if c == nil {
		s.table.Store(nil)
		return
	}
	s.table.Store(compile(c, s.log))
}

// The server's EDNS0 buffer size, and the time an upstream has to answer.
const (
	ednsSize        = 1232 // what DNS Flag Day 2020 settled on: no fragments
	upstreamTimeout = 2 * time.Second
)

// ServeDNS answers one query as a recursive resolver does (RA set, AA not): the records
// it knows, NXDOMAIN for a name it does not, and the answer of an upstream when it has one.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	t := s.table.Load()
	if t == nil || r.Response {
		if isStream(w) {
			w.Close()
		}
		return
	}
	_, tcp := w.LocalAddr().(*net.TCPAddr)
	m := s.reply(t, r, remoteAddr(w), isStream(w), tcp)
	if err := w.WriteMsg(m); err != nil {
		s.log.Debug("resolver: answer not sent", "err", err)
	}
}

// remoteAddr is the address a query came from, invalid when unknown (a unix socket).
func remoteAddr(w dns.ResponseWriter) netip.Addr {
	switch a := w.RemoteAddr().(type) {
	case *net.UDPAddr:
		ip, _ := netip.AddrFromSlice(a.IP)
		return ip.Unmap()
	case *net.TCPAddr:
		ip, _ := netip.AddrFromSlice(a.IP)
		return ip.Unmap()
	}
	return netip.Addr{}
}

// newReply is an empty answer to r, as a recursive resolver gives it.
func newReply(r *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(r)
	m.RecursionAvailable = true
	m.Authoritative = false
	if r.IsEdns0() != nil {
		m.SetEdns0(ednsSize, false)
	}
	return m
}

// reply is the answer to a query from src that came over a stream or not, over TCP or
// not: one that came over TCP is forwarded over TCP, any other over UDP first. (One from a
// unix socket was asked by another resolver, which a client asked over UDP, most likely:
// an outbound Resolver endpoint forwards it as such.)
func (s *Server) reply(t *table, r *dns.Msg, src netip.Addr, stream, tcp bool) *dns.Msg {
	m := newReply(r)
	opt := r.IsEdns0()
	switch {
	case r.Opcode != dns.OpcodeQuery:
		m.Rcode = dns.RcodeNotImplemented
	case len(r.Question) != 1:
		m.Rcode = dns.RcodeFormatError
	case opt != nil && opt.Version() != 0:
		m.Rcode = dns.RcodeBadVers
	case r.Question[0].Qclass != dns.ClassINET, r.Question[0].Qtype == dns.TypeAXFR, r.Question[0].Qtype == dns.TypeIXFR:
		m.Rcode = dns.RcodeRefused
	default:
		m = s.resolve(t, r, tcp)
		if r.Question[0].Qtype == dns.TypeAAAA && t.dns64(src) {
			m = s.synthesized(t, r, m, tcp)
		}
	}
	// A UDP answer fits the client's buffer, or is cut with TC set so that it asks again
	// over TCP.
	size := dns.MaxMsgSize
	if !stream {
		size = dns.MinMsgSize
		if opt != nil {
			size = max(int(opt.UDPSize()), dns.MinMsgSize)
		}
	}
	m.Truncate(size)
	return m
}

// resolve answers the one question of r: by the targets of the Resolver rule that decides
// it, else from the table, else by the upstream; tcp forwards over TCP.
func (s *Server) resolve(t *table, r *dns.Msg, tcp bool) *dns.Msg {
	q := r.Question[0]
	if rule := t.rule(q.Name); rule != nil && len(rule.Targets) > 0 {
		return s.forward(rule.Targets, r, tcp)
	}
	m := newReply(r)
	var forward bool
	m.Answer, m.Ns, m.Rcode, forward = t.answer(q.Name, q.Qtype)
	if forward {
		return s.forward(t.upstream, r, tcp)
	}
	return m
}

// forward asks the servers in turn for the query and passes the first answer on.
func (s *Server) forward(servers []string, r *dns.Msg, tcp bool) *dns.Msg {
	for _, up := range servers {
		in, err := exchange(r, up, tcp)
		if err != nil {
			s.log.Debug("resolver: upstream did not answer", "upstream", up, "err", err)
			continue
		}
		in.Id = r.Id
		return in
	}
	m := new(dns.Msg)
	m.SetRcode(r, dns.RcodeServerFailure)
	m.RecursionAvailable = true
	return m
}

// unixPrefix marks an upstream that is a stream socket in the file system: a resolver in
// another network namespace (the internet's, a Resolver endpoint's), reached without a
// route to it.
const unixPrefix = "unix:"

// unixTimeout is the time a resolver behind a unix socket has to answer: longer than
// upstreamTimeout, so that one that forwards in turn (a Resolver endpoint's) answers
// SERVFAIL itself when its own upstream is silent.
const unixTimeout = upstreamTimeout + time.Second

// exchange asks one upstream: over UDP, then TCP when the answer was cut (or at once for
// a query that came over TCP), or over its unix socket.
func exchange(r *dns.Msg, upstream string, tcp bool) (*dns.Msg, error) {
	if path, ok := strings.CutPrefix(upstream, unixPrefix); ok {
		c, err := net.DialTimeout("unix", path, unixTimeout)
		if err != nil {
			return nil, err
		}
		co := &dns.Conn{Conn: c}
		defer co.Close()
		co.SetDeadline(time.Now().Add(unixTimeout))
		if err := co.WriteMsg(r); err != nil {
			return nil, err
		}
		return co.ReadMsg()
	}
	network := "udp"
	if tcp {
		network = "tcp"
	}
	in, _, err := (&dns.Client{Net: network, Timeout: upstreamTimeout}).Exchange(r, upstream)
	if err == nil && in.Truncated && !tcp {
		in, _, err = (&dns.Client{Net: "tcp", Timeout: upstreamTimeout}).Exchange(r, upstream)
	}
	return in, err
}

// isStream reports whether the query came over a stream (TCP, a unix socket), where no
// answer is cut.
func isStream(w dns.ResponseWriter) bool {
	_, udp := w.LocalAddr().(*net.UDPAddr)
	return !udp
}
