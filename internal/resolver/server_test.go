package resolver

import (
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// serve runs s on loopback over UDP and TCP until the test ends, and returns the address.
func serve(t *testing.T, s *Server) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		t.Fatal(err)
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: s}, {Listener: l, Handler: s}} {
		start(t, srv)
	}
	return pc.LocalAddr().String()
}

// start runs srv until the test ends, from when it serves.
func start(t *testing.T, srv *dns.Server) {
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
}

// serveUnix runs s on a stream socket in the file system until the test ends, and
// returns its upstream form.
func serveUnix(t *testing.T, s *Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dns.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	start(t, &dns.Server{Listener: l, Handler: s})
	return unixPrefix + path
}

// testZones are private hosted zones for the server's tests.
func testZones() []Zone {
	soa := func(zone string) Record {
		return Record{Name: zone, Type: "SOA", TTL: 900, Values: []string{"ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}}
	}
	var big []string
	for i := range 100 {
		big = append(big, fmt.Sprintf("10.0.8.%d", i))
	}
	return []Zone{
		{Name: "corp.example", Records: []Record{
			soa("corp.example."),
			{Name: "www.corp.example", Type: "A", TTL: 300, Values: []string{"10.0.9.9"}},
			{Name: "alias.corp.example.", Type: "CNAME", TTL: 300, Values: []string{"www.corp.example"}},
			{Name: "host.corp.example", Type: "CNAME", TTL: 300, Values: []string{"ip-10-0-1-5.ec2.internal"}},
			{Name: "gone.corp.example", Type: "CNAME", TTL: 300, Values: []string{"nothing.corp.example"}},
			{Name: `\052.wild.corp.example`, Type: "A", TTL: 300, Values: []string{"10.0.9.1"}},
			{Name: "loop1.corp.example", Type: "CNAME", TTL: 300, Values: []string{"loop2.corp.example"}},
			{Name: "loop2.corp.example", Type: "CNAME", TTL: 300, Values: []string{"loop1.corp.example"}},
			{Name: "corp.example", Type: "MX", TTL: 300, Values: []string{"10 mail.corp.example"}},
			{Name: "corp.example", Type: "TXT", TTL: 300, Values: []string{`"v=spf1 -all"`}},
			{Name: "_sip._tcp.corp.example", Type: "SRV", TTL: 300, Values: []string{"1 10 5060 sip.corp.example"}},
			{Name: "big.corp.example", Type: "A", TTL: 300, Values: big},
			{Name: "bad.corp.example", Type: "A", TTL: 300, Values: []string{"not an address"}},
			{Name: "outside.example.org", Type: "A", TTL: 300, Values: []string{"10.0.9.2"}},
		}},
		// Private zones override public names inside the VPC.
		{Name: "compute-1.amazonaws.com", Records: []Record{
			{Name: "ec2-198-51-100-8.compute-1.amazonaws.com", Type: "A", TTL: 60, Values: []string{"10.9.9.9"}},
		}},
		// The most specific zone wins, even without the name.
		{Name: "example.net", Records: []Record{{Name: "a.b.example.net", Type: "A", TTL: 60, Values: []string{"10.0.7.1"}}}},
		{Name: "b.example.net", Records: []Record{soa("b.example.net"), {Name: "c.b.example.net", Type: "A", TTL: 60, Values: []string{"10.0.7.2"}}}},
	}
}

// query is one question to a server and what it must answer.
type query struct {
	name   string
	qname  string
	qtype  uint16
	tcp    bool
	edns   uint16 // the client's EDNS0 buffer size, 0 for no EDNS0
	mod    func(*dns.Msg)
	rcode  int
	answer []string // "owner TYPE rdata" of each answer record
	check  func(t *testing.T, m *dns.Msg)
}

// ask sends a query and checks the reply.
func (q query) ask(t *testing.T, addr string) {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(q.qname, q.qtype)
	if q.edns != 0 {
		m.SetEdns0(q.edns, false)
	}
	if q.mod != nil {
		q.mod(m)
	}
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second, UDPSize: max(q.edns, dns.MinMsgSize)}
	if q.tcp {
		c.Net = "tcp"
	}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rcode != q.rcode {
		t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[q.rcode])
	}
	// miekg/dns's server itself refuses other opcodes than QUERY, before the handler.
	if (!r.RecursionAvailable || r.Authoritative) && r.Opcode == dns.OpcodeQuery {
		t.Errorf("flags ra=%v aa=%v, want a recursive resolver's", r.RecursionAvailable, r.Authoritative)
	}
	if got := answers(r); !slices.Equal(got, q.answer) && (q.answer != nil || q.check == nil) {
		t.Errorf("answer\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(q.answer, "\n"))
	}
	if q.check != nil {
		q.check(t, r)
	}
}

func answers(m *dns.Msg) []string {
	var out []string
	for _, rr := range m.Answer {
		h := rr.Header()
		out = append(out, h.Name+" "+dns.TypeToString[h.Rrtype]+" "+strings.TrimPrefix(rr.String(), h.String()))
	}
	return out
}

func TestServer(t *testing.T) {
	s := New(slog.Default())
	c := ForVPC(testNetwork(), "vpc-a")
	c.Zones = testZones()
	s.Update(c)
	addr := serve(t, s)
	soaIn := func(zone string) func(t *testing.T, m *dns.Msg) {
		return func(t *testing.T, m *dns.Msg) {
			if len(m.Ns) != 1 || m.Ns[0].Header().Name != zone || m.Ns[0].Header().Ttl != 900 {
				t.Errorf("authority %v, want the SOA of %s with the negative TTL", m.Ns, zone)
			}
		}
	}
	const (
		ok  = dns.RcodeSuccess
		nx  = dns.RcodeNameError
		udp = false
		tcp = true
	)
	for _, q := range []query{
		{name: "private name", qname: "ip-10-0-1-5.ec2.internal.", qtype: dns.TypeA, rcode: ok, answer: []string{"ip-10-0-1-5.ec2.internal. A 10.0.1.5"}},
		{name: "private name over TCP", qname: "ip-10-0-1-5.ec2.internal.", qtype: dns.TypeA, tcp: tcp, rcode: ok, answer: []string{"ip-10-0-1-5.ec2.internal. A 10.0.1.5"}},
		{name: "the question's case is kept", qname: "IP-10-0-1-5.EC2.Internal.", qtype: dns.TypeA, rcode: ok, answer: []string{"IP-10-0-1-5.EC2.Internal. A 10.0.1.5"}},
		{name: "no AAAA for an IP name", qname: "ip-10-0-1-5.ec2.internal.", qtype: dns.TypeAAAA, rcode: ok},
		{name: "resource name AAAA", qname: "i-a1.ec2.internal.", qtype: dns.TypeAAAA, rcode: ok, answer: []string{"i-a1.ec2.internal. AAAA 2600:1f18::5"}},
		{name: "PTR", qname: "7.1.0.10.in-addr.arpa.", qtype: dns.TypePTR, rcode: ok, answer: []string{"7.1.0.10.in-addr.arpa. PTR ip-10-0-1-7.ec2.internal."}},
		{name: "peer's public name inside", qname: "ec2-203-0-113-10.eu-west-1.compute.amazonaws.com.", qtype: dns.TypeA, rcode: ok, answer: []string{"ec2-203-0-113-10.eu-west-1.compute.amazonaws.com. A 10.1.0.10"}},
		{name: "an empty non-terminal exists", qname: "ec2.internal.", qtype: dns.TypeA, rcode: ok},
		{name: "an unknown name does not", qname: "www.example.org.", qtype: dns.TypeA, rcode: nx},
		{name: "an unknown instance name does not", qname: "ip-10-0-1-99.ec2.internal.", qtype: dns.TypeA, rcode: nx},
		{name: "private zone", qname: "www.corp.example.", qtype: dns.TypeA, rcode: ok, answer: []string{"www.corp.example. A 10.0.9.9"}},
		{name: "CNAME chased in the zone", qname: "alias.corp.example.", qtype: dns.TypeA, rcode: ok, answer: []string{"alias.corp.example. CNAME www.corp.example.", "www.corp.example. A 10.0.9.9"}},
		{name: "CNAME chased to an instance name", qname: "host.corp.example.", qtype: dns.TypeA, rcode: ok, answer: []string{"host.corp.example. CNAME ip-10-0-1-5.ec2.internal.", "ip-10-0-1-5.ec2.internal. A 10.0.1.5"}},
		{name: "CNAME asked for itself", qname: "alias.corp.example.", qtype: dns.TypeCNAME, rcode: ok, answer: []string{"alias.corp.example. CNAME www.corp.example."}},
		{name: "CNAME to nothing", qname: "gone.corp.example.", qtype: dns.TypeA, rcode: nx, answer: []string{"gone.corp.example. CNAME nothing.corp.example."}, check: soaIn("corp.example.")},
		{name: "CNAME loop", qname: "loop1.corp.example.", qtype: dns.TypeA, rcode: dns.RcodeServerFailure, answer: []string{"loop1.corp.example. CNAME loop2.corp.example.", "loop2.corp.example. CNAME loop1.corp.example."}},
		{name: "wildcard", qname: "x.y.wild.corp.example.", qtype: dns.TypeA, rcode: ok, answer: []string{"x.y.wild.corp.example. A 10.0.9.1"}},
		{name: "wildcard not above its closest encloser", qname: "x.www.corp.example.", qtype: dns.TypeA, rcode: nx},
		{name: "MX", qname: "corp.example.", qtype: dns.TypeMX, rcode: ok, answer: []string{"corp.example. MX 10 mail.corp.example."}},
		{name: "TXT", qname: "corp.example.", qtype: dns.TypeTXT, rcode: ok, answer: []string{`corp.example. TXT "v=spf1 -all"`}},
		{name: "SRV", qname: "_sip._tcp.corp.example.", qtype: dns.TypeSRV, rcode: ok, answer: []string{"_sip._tcp.corp.example. SRV 1 10 5060 sip.corp.example."}},
		{name: "ANY", qname: "corp.example.", qtype: dns.TypeANY, rcode: ok, answer: []string{
			"corp.example. SOA ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400",
			"corp.example. MX 10 mail.corp.example.", `corp.example. TXT "v=spf1 -all"`}},
		{name: "no name in the zone", qname: "nope.corp.example.", qtype: dns.TypeA, rcode: nx, check: soaIn("corp.example.")},
		{name: "no data in the zone", qname: "www.corp.example.", qtype: dns.TypeAAAA, rcode: ok, check: soaIn("corp.example.")},
		{name: "a bad record is left out", qname: "bad.corp.example.", qtype: dns.TypeA, rcode: nx},
		{name: "a record outside its zone is left out", qname: "outside.example.org.", qtype: dns.TypeA, rcode: nx},
		{name: "a private zone overrides a public name", qname: "ec2-198-51-100-8.compute-1.amazonaws.com.", qtype: dns.TypeA, rcode: ok, answer: []string{"ec2-198-51-100-8.compute-1.amazonaws.com. A 10.9.9.9"}},
		{name: "and hides the public names it lacks", qname: "ec2-198-51-100-5.compute-1.amazonaws.com.", qtype: dns.TypeAAAA, rcode: nx},
		{name: "the most specific zone wins", qname: "c.b.example.net.", qtype: dns.TypeA, rcode: ok, answer: []string{"c.b.example.net. A 10.0.7.2"}},
		{name: "even without the name", qname: "a.b.example.net.", qtype: dns.TypeA, rcode: nx, check: soaIn("b.example.net.")},
		{name: "large answer truncated over UDP", qname: "big.corp.example.", qtype: dns.TypeA, rcode: ok, check: func(t *testing.T, m *dns.Msg) {
			if !m.Truncated || len(m.Answer) == 0 || len(m.Answer) >= 100 {
				t.Errorf("truncated %v with %d answers, want TC and what fits 512 bytes", m.Truncated, len(m.Answer))
			}
		}},
		{name: "large answer whole over TCP", qname: "big.corp.example.", qtype: dns.TypeA, tcp: tcp, rcode: ok, check: func(t *testing.T, m *dns.Msg) {
			if m.Truncated || len(m.Answer) != 100 {
				t.Errorf("truncated %v with %d answers, want all 100", m.Truncated, len(m.Answer))
			}
		}},
		{name: "large answer whole in a large EDNS0 buffer", qname: "big.corp.example.", qtype: dns.TypeA, edns: 4096, rcode: ok, check: func(t *testing.T, m *dns.Msg) {
			if m.Truncated || len(m.Answer) != 100 || m.IsEdns0() == nil {
				t.Errorf("truncated %v with %d answers, EDNS0 %v: want all 100 and an OPT", m.Truncated, len(m.Answer), m.IsEdns0())
			}
		}},
		{name: "EDNS0 version 1", qname: "www.corp.example.", qtype: dns.TypeA, edns: 1232, mod: func(m *dns.Msg) { m.IsEdns0().SetVersion(1) }, rcode: dns.RcodeBadVers},
		{name: "class CHAOS", qname: "version.bind.", qtype: dns.TypeTXT, mod: func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS }, rcode: dns.RcodeRefused},
		{name: "zone transfer", qname: "corp.example.", qtype: dns.TypeAXFR, tcp: tcp, rcode: dns.RcodeRefused},
		{name: "update", qname: "corp.example.", qtype: dns.TypeSOA, mod: func(m *dns.Msg) { m.Opcode = dns.OpcodeUpdate }, rcode: dns.RcodeNotImplemented},
	} {
		t.Run(q.name, func(t *testing.T) { q.ask(t, addr) })
	}
}

// Without a configuration the server does not answer, and Update takes effect at once.
func TestServerUpdate(t *testing.T) {
	s := New(slog.Default())
	addr := serve(t, s)
	m := new(dns.Msg)
	m.SetQuestion("ip-10-0-1-5.ec2.internal.", dns.TypeA)
	for _, net := range []string{"udp", "tcp"} {
		if r, _, err := (&dns.Client{Net: net, Timeout: 300 * time.Millisecond}).Exchange(m, addr); err == nil {
			t.Errorf("%s: answered %v without a configuration", net, r)
		}
	}
	s.Update(ForVPC(testNetwork(), "vpc-a"))
	query{qname: "ip-10-0-1-5.ec2.internal.", qtype: dns.TypeA, answer: []string{"ip-10-0-1-5.ec2.internal. A 10.0.1.5"}}.ask(t, addr)
	s.Update(ForVPC(testNetwork(), "vpc-c"))
	query{qname: "ip-10-0-1-5.ec2.internal.", qtype: dns.TypeA, rcode: dns.RcodeNameError}.ask(t, addr)
	s.Update(nil)
	if r, _, err := (&dns.Client{Timeout: 300 * time.Millisecond}).Exchange(m, addr); err == nil {
		t.Errorf("answered %v after Update(nil)", r)
	}
}

// A name the VPC's resolver does not know goes to its upstream; what it knows, it answers
// itself.
func TestServerUpstream(t *testing.T) {
	n := testNetwork()
	upstream := New(slog.Default())
	upstream.Update(&Config{Records: []Record{
		{Name: "www.example.org", Type: "A", TTL: 300, Values: []string{"192.0.2.80"}},
		{Name: "ip-10-1-0-10.eu-west-1.compute.internal", Type: "A", TTL: 300, Values: []string{"192.0.2.81"}},
	}})
	for _, up := range []struct{ name, addr string }{
		{"udp", serve(t, upstream)},
		{"unix", serveUnix(t, upstream)},
		{"the first one answering", "unix:" + filepath.Join(t.TempDir(), "none.sock") + " " + serve(t, upstream)},
	} {
		c := ForVPC(n, "vpc-b")
		c.Upstream = strings.Fields(up.addr)
		vpc := New(slog.Default())
		vpc.Update(c)
		addr := serve(t, vpc)
		for _, q := range []query{
			{name: "a name the upstream knows", qname: "www.example.org.", qtype: dns.TypeA, answer: []string{"www.example.org. A 192.0.2.80"}},
			{name: "over TCP", qname: "www.example.org.", qtype: dns.TypeA, tcp: true, answer: []string{"www.example.org. A 192.0.2.80"}},
			{name: "a name of the VPC is its own", qname: "ip-10-1-0-10.eu-west-1.compute.internal.", qtype: dns.TypeA, answer: []string{"ip-10-1-0-10.eu-west-1.compute.internal. A 10.1.0.10"}},
			{name: "unknown upstream too", qname: "www.example.com.", qtype: dns.TypeA, rcode: dns.RcodeNameError},
		} {
			t.Run(up.name+"/"+q.name, func(t *testing.T) { q.ask(t, addr) })
		}
	}
	c := ForVPC(n, "vpc-b")
	c.Upstream = []string{"unix:" + filepath.Join(t.TempDir(), "none.sock")}
	vpc := New(slog.Default())
	vpc.Update(c)
	query{qname: "www.example.org.", qtype: dns.TypeA, rcode: dns.RcodeServerFailure}.ask(t, serve(t, vpc))
}

// Resolver rules decide before the zones: a FORWARD rule's targets answer its domain (the
// most specific rule wins), a SYSTEM rule under it leaves a name to the resolver, and a
// forwarding rule takes precedence over a private zone of its domain.
func TestServerRules(t *testing.T) {
	corp := New(slog.Default())
	corp.Update(&Config{Records: []Record{
		{Name: "db.corp.example", Type: "A", TTL: 60, Values: []string{"192.0.2.53"}},
		{Name: "db.lab.corp.example", Type: "A", TTL: 60, Values: []string{"192.0.2.54"}},
	}})
	lab := New(slog.Default())
	lab.Update(&Config{Records: []Record{{Name: "db.lab.corp.example", Type: "A", TTL: 60, Values: []string{"198.51.100.54"}}}})
	c := &Config{
		Zones: []Zone{{Name: "corp.example", Records: []Record{
			{Name: "db.corp.example", Type: "A", TTL: 60, Values: []string{"10.0.0.99"}},
			{Name: "local.sys.corp.example", Type: "A", TTL: 60, Values: []string{"10.0.0.98"}},
		}}},
		Rules: []Rule{
			{Domain: "corp.example", Targets: []string{serve(t, corp)}},
			{Domain: "lab.corp.example", Targets: []string{"127.0.0.1:1", serve(t, lab)}},
			{Domain: "sys.corp.example"},
		},
	}
	s := New(slog.Default())
	s.Update(c)
	addr := serve(t, s)
	for _, q := range []query{
		{name: "forwarded over the private zone", qname: "db.corp.example.", qtype: dns.TypeA, answer: []string{"db.corp.example. A 192.0.2.53"}},
		{name: "the most specific rule, its second target", qname: "db.lab.corp.example.", qtype: dns.TypeA, answer: []string{"db.lab.corp.example. A 198.51.100.54"}},
		{name: "a SYSTEM rule leaves it to the zone", qname: "local.sys.corp.example.", qtype: dns.TypeA, answer: []string{"local.sys.corp.example. A 10.0.0.98"}},
		{name: "over TCP", qname: "db.corp.example.", qtype: dns.TypeA, tcp: true, answer: []string{"db.corp.example. A 192.0.2.53"}},
	} {
		t.Run(q.name, func(t *testing.T) { q.ask(t, addr) })
	}
	c.Rules[0].Targets = []string{"127.0.0.1:1"}
	s.Update(c)
	query{qname: "db.corp.example.", qtype: dns.TypeA, rcode: dns.RcodeServerFailure}.ask(t, addr)
}
