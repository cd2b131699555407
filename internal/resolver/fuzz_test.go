package resolver

import (
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/miekg/dns"
)

// recorder is a dns.ResponseWriter that keeps what the handler writes.
type recorder struct {
	local net.Addr
	msg   *dns.Msg
}

func (r *recorder) LocalAddr() net.Addr         { return r.local }
func (r *recorder) RemoteAddr() net.Addr        { return &net.UDPAddr{IP: net.IPv4(10, 0, 1, 5), Port: 53000} }
func (r *recorder) WriteMsg(m *dns.Msg) error   { r.msg = m; return nil }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) Close() error                { return nil }
func (r *recorder) TsigStatus() error           { return nil }
func (r *recorder) TsigTimersOnly(bool)         {}
func (r *recorder) Hijack()                     {}

// Whatever query arrives, the server never panics, and what it answers packs into a
// message within the size the transport allows.
func FuzzServeDNS(f *testing.F) {
	for _, q := range []struct {
		name  string
		qtype uint16
	}{
		{"ip-10-0-1-5.ec2.internal.", dns.TypeA},
		{"I-A1.ec2.internal.", dns.TypeAAAA},
		{"alias.corp.example.", dns.TypeA},
		{"loop1.corp.example.", dns.TypeA},
		{"x.wild.corp.example.", dns.TypeANY},
		{"big.corp.example.", dns.TypeA},
		{"5.1.0.10.in-addr.arpa.", dns.TypePTR},
		{".", dns.TypeNS},
	} {
		m := new(dns.Msg)
		m.SetQuestion(q.name, q.qtype)
		m.SetEdns0(4096, true)
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
	}
	s := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	c := ForVPC(testNetwork(), "vpc-a")
	c.Zones = testZones()
	s.Update(c)
	f.Fuzz(func(t *testing.T, b []byte, tcp bool) {
		req := new(dns.Msg)
		if req.Unpack(b) != nil {
			return
		}
		w := &recorder{local: &net.UDPAddr{IP: net.IPv4(169, 254, 169, 253), Port: 53}}
		limit := dns.MaxMsgSize
		if tcp {
			w.local = &net.TCPAddr{IP: net.IPv4(169, 254, 169, 253), Port: 53}
		} else if opt := req.IsEdns0(); opt != nil {
			limit = max(int(opt.UDPSize()), dns.MinMsgSize)
		} else {
			limit = dns.MinMsgSize
		}
		s.ServeDNS(w, req)
		if w.msg == nil {
			if !req.Response {
				t.Fatalf("no answer to %v", req)
			}
			return
		}
		out, err := w.msg.Pack()
		if err != nil {
			t.Fatalf("answer %v does not pack: %v", w.msg, err)
		}
		if len(out) > limit {
			t.Fatalf("answer of %d bytes over the limit of %d", len(out), limit)
		}
	})
}
