package resolver

import (
	"log/slog"
	"net/netip"
	"testing"

	"github.com/miekg/dns"

	"vpcd/internal/model"
)

// A VPC's Resolver rules send the names of their domain to their targets; a SYSTEM rule
// keeps a subdomain at home, and a more specific private zone answers its own names.
func TestServerResolverRules(t *testing.T) {
	corp := New(slog.Default())
	corp.Update(&Config{Records: []Record{
		{Name: "db.corp.example", Type: "A", TTL: 300, Values: []string{"172.31.0.10"}},
		{Name: "db.lab.corp.example", Type: "A", TTL: 300, Values: []string{"172.31.0.11"}},
		{Name: "www.zone.corp.example", Type: "A", TTL: 300, Values: []string{"172.31.0.12"}},
	}})
	n := testNetwork()
	n.ResolverRules["rslvr-rr-corp"] = &model.ResolverRule{ID: "rslvr-rr-corp", Domain: "corp.example", VPCs: []string{"vpc-b"},
		Targets: []netip.AddrPort{netip.MustParseAddrPort(serve(t, corp))}}
	n.ResolverRules["rslvr-rr-lab"] = &model.ResolverRule{ID: "rslvr-rr-lab", Domain: "lab.corp.example", VPCs: []string{"vpc-b"}}
	c := ForVPC(n, "vpc-b")
	if len(c.Rules) != 2 || c.Rules[0].Domain != "corp.example" || len(c.Rules[1].Targets) != 0 {
		t.Fatalf("rules %+v", c.Rules)
	}
	c.Zones = append(c.Zones, Zone{Name: "zone.corp.example", Records: []Record{{Name: "www.zone.corp.example", Type: "A", TTL: 60, Values: []string{"10.1.0.99"}}}})
	vpc := New(slog.Default())
	vpc.Update(c)
	addr := serve(t, vpc)
	for _, q := range []query{
		{name: "a name under the rule's domain", qname: "DB.corp.example.", qtype: dns.TypeA, answer: []string{"DB.corp.example. A 172.31.0.10"}},
		{name: "over TCP", qname: "db.corp.example.", qtype: dns.TypeA, tcp: true, answer: []string{"db.corp.example. A 172.31.0.10"}},
		{name: "a SYSTEM rule keeps its subdomain here", qname: "db.lab.corp.example.", qtype: dns.TypeA, rcode: dns.RcodeNameError},
		{name: "a more specific private zone answers", qname: "www.zone.corp.example.", qtype: dns.TypeA, answer: []string{"www.zone.corp.example. A 10.1.0.99"}},
		{name: "a name of the VPC is its own", qname: "ip-10-1-0-10.eu-west-1.compute.internal.", qtype: dns.TypeA, answer: []string{"ip-10-1-0-10.eu-west-1.compute.internal. A 10.1.0.10"}},
	} {
		t.Run(q.name, func(t *testing.T) { q.ask(t, addr) })
	}
	if c := ForVPC(n, "vpc-a"); c != nil && len(c.Rules) != 0 {
		t.Errorf("a VPC without associations has rules %+v", c.Rules)
	}
}
