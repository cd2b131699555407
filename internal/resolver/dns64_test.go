package resolver

import (
	"log/slog"
	"net/netip"
	"testing"

	"github.com/miekg/dns"

	"vpcd/internal/model"
)

// A query for AAAA from a subnet with DNS64 gets AAAA records in 64:ff9b::/96 for a name
// with A records and none of AAAA, whoever answers the name; everything else is answered
// as without DNS64, and so is every query from elsewhere.
func TestServerDNS64(t *testing.T) {
	upstream := New(slog.Default())
	upstream.Update(&Config{Records: []Record{
		{Name: "v4only.example.org", Type: "A", TTL: 300, Values: []string{"192.0.2.80", "192.0.2.81"}},
		{Name: "dual.example.org", Type: "A", TTL: 300, Values: []string{"192.0.2.82"}},
		{Name: "dual.example.org", Type: "AAAA", TTL: 300, Values: []string{"2001:db8::82"}},
		{Name: "www.example.org", Type: "CNAME", TTL: 300, Values: []string{"v4only.example.org"}},
		{Name: "text.example.org", Type: "TXT", TTL: 300, Values: []string{`"no address"`}},
	}})
	forwarded := New(slog.Default())
	forwarded.Update(&Config{Records: []Record{{Name: "db.corp.example", Type: "A", TTL: 60, Values: []string{"192.0.2.53"}}}})
	base := func() *Config {
		c := ForVPC(testNetwork(), "vpc-a")
		c.Zones = testZones()
		c.Upstream = []string{serve(t, upstream)}
		c.Rules = []Rule{{Domain: "fwd.example", Targets: []string{serveUnix(t, forwarded)}}}
		return c
	}
	with := base()
	with.DNS64 = []netip.Prefix{netip.MustParsePrefix("10.0.1.0/24"), netip.MustParsePrefix("127.0.0.0/8")}
	s := New(slog.Default())
	s.Update(with)
	addr := serve(t, s)
	const ok, nx = dns.RcodeSuccess, dns.RcodeNameError
	for _, q := range []query{
		{name: "an instance's IP name", qname: "ip-10-0-1-5.ec2.internal.", qtype: dns.TypeAAAA, rcode: ok,
			answer: []string{"ip-10-0-1-5.ec2.internal. AAAA 64:ff9b::a00:105"}},
		{name: "its A record stays", qname: "ip-10-0-1-5.ec2.internal.", qtype: dns.TypeA, rcode: ok,
			answer: []string{"ip-10-0-1-5.ec2.internal. A 10.0.1.5"}},
		{name: "a real AAAA record wins", qname: "i-a1.ec2.internal.", qtype: dns.TypeAAAA, rcode: ok,
			answer: []string{"i-a1.ec2.internal. AAAA 2600:1f18::5"}},
		{name: "a private zone's name, with the TTL of its A record", qname: "www.corp.example.", qtype: dns.TypeAAAA, rcode: ok,
			check: func(t *testing.T, m *dns.Msg) {
				if len(m.Answer) != 1 || m.Answer[0].Header().Ttl != 300 || len(m.Ns) != 0 {
					t.Errorf("answer %v, authority %v; want one AAAA with TTL 300 and no SOA", m.Answer, m.Ns)
				}
			},
			answer: []string{"www.corp.example. AAAA 64:ff9b::a00:909"}},
		{name: "a CNAME chain in a private zone", qname: "alias.corp.example.", qtype: dns.TypeAAAA, rcode: ok,
			answer: []string{"alias.corp.example. CNAME www.corp.example.", "www.corp.example. AAAA 64:ff9b::a00:909"}},
		{name: "a name that does not exist", qname: "nope.corp.example.", qtype: dns.TypeAAAA, rcode: nx},
		{name: "the upstream's name", qname: "v4only.example.org.", qtype: dns.TypeAAAA, rcode: ok,
			answer: []string{"v4only.example.org. AAAA 64:ff9b::c000:250", "v4only.example.org. AAAA 64:ff9b::c000:251"}},
		{name: "the upstream's name over TCP", qname: "v4only.example.org.", qtype: dns.TypeAAAA, tcp: true, rcode: ok,
			answer: []string{"v4only.example.org. AAAA 64:ff9b::c000:250", "v4only.example.org. AAAA 64:ff9b::c000:251"}},
		{name: "the upstream's CNAME", qname: "www.example.org.", qtype: dns.TypeAAAA, rcode: ok,
			answer: []string{"www.example.org. CNAME v4only.example.org.", "v4only.example.org. AAAA 64:ff9b::c000:250", "v4only.example.org. AAAA 64:ff9b::c000:251"}},
		{name: "the upstream's AAAA wins", qname: "dual.example.org.", qtype: dns.TypeAAAA, rcode: ok,
			answer: []string{"dual.example.org. AAAA 2001:db8::82"}},
		{name: "no address at all", qname: "text.example.org.", qtype: dns.TypeAAAA, rcode: ok},
		{name: "unknown upstream", qname: "none.example.org.", qtype: dns.TypeAAAA, rcode: nx},
		{name: "a forwarding rule's answer", qname: "db.fwd.example.", qtype: dns.TypeAAAA, rcode: nx},
	} {
		t.Run(q.name, func(t *testing.T) { q.ask(t, addr) })
	}
	forwarded.Update(&Config{Records: []Record{{Name: "db.fwd.example", Type: "A", TTL: 60, Values: []string{"192.0.2.53"}}}})
	query{qname: "db.fwd.example.", qtype: dns.TypeAAAA, rcode: ok, answer: []string{"db.fwd.example. AAAA 64:ff9b::c000:235"}}.ask(t, addr)

	// From a source outside the DNS64 subnets: no synthesis.
	without := base()
	without.DNS64 = []netip.Prefix{netip.MustParsePrefix("10.0.1.0/24"), netip.MustParsePrefix("2600:1f18::/64")}
	s.Update(without)
	query{qname: "v4only.example.org.", qtype: dns.TypeAAAA, rcode: ok}.ask(t, addr)
	query{qname: "ip-10-0-1-5.ec2.internal.", qtype: dns.TypeAAAA, rcode: ok}.ask(t, addr)
}

// ForVPC lists the IPv4 and IPv6 blocks of the VPC's subnets with EnableDns64.
func TestForVPCDNS64(t *testing.T) {
	n := testNetwork()
	n.Subnets = map[string]*model.Subnet{
		"subnet-1": {ID: "subnet-1", VPC: "vpc-a", CIDR: netip.MustParsePrefix("10.0.1.0/24"), IPv6CIDR: netip.MustParsePrefix("2600:1f18::/64"), EnableDns64: true},
		"subnet-2": {ID: "subnet-2", VPC: "vpc-a", CIDR: netip.MustParsePrefix("10.0.2.0/24")},
		"subnet-3": {ID: "subnet-3", VPC: "vpc-a", IPv6CIDR: netip.MustParsePrefix("2600:1f18:0:3::/64"), EnableDns64: true},
		"subnet-4": {ID: "subnet-4", VPC: "vpc-b", CIDR: netip.MustParsePrefix("10.1.0.0/24"), EnableDns64: true},
	}
	got := ForVPC(n, "vpc-a").DNS64
	want := []netip.Prefix{netip.MustParsePrefix("10.0.1.0/24"), netip.MustParsePrefix("2600:1f18::/64"), netip.MustParsePrefix("2600:1f18:0:3::/64")}
	if len(got) != len(want) {
		t.Fatalf("DNS64 %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("DNS64 %v, want %v", got, want)
		}
	}
}
