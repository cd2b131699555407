package resolver

import (
	"log/slog"
	"net"
	"net/netip"
	"reflect"
	"testing"

	"github.com/miekg/dns"

	"vpcd/internal/model"
)

// TestForEndpoint: a rule through an outbound endpoint names the endpoint's interfaces
// (Via), whose daemons forward the rules through it; an inbound endpoint's daemon asks
// its VPC's DNS server.
func TestForEndpoint(t *testing.T) {
	n := model.NewNetwork()
	a := netip.MustParseAddr
	n.VPCs["vpc-a"] = &model.VPC{ID: "vpc-a", Region: "us-east-1", CIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}, EnableDnsSupport: true}
	n.VPCs["vpc-b"] = &model.VPC{ID: "vpc-b", Region: "us-east-1", CIDRs: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}, EnableDnsSupport: true}
	for id, e := range map[string]string{"eni-out2": "rslvr-out-1", "eni-out1": "rslvr-out-1", "eni-in": "rslvr-in-1", "eni-i": ""} {
		n.Interfaces[id] = &model.Interface{ID: id, VPC: "vpc-a", PrivateIPs: []netip.Addr{a("10.0.1.53")}, ResolverEndpoint: e}
	}
	n.ResolverRules["rslvr-rr-2"] = &model.ResolverRule{ID: "rslvr-rr-2", Domain: "corp.example", VPCs: []string{"vpc-b"}, Endpoint: "rslvr-out-1",
		Targets: []netip.AddrPort{netip.MustParseAddrPort("10.9.0.1:53")}}
	n.ResolverRules["rslvr-rr-1"] = &model.ResolverRule{ID: "rslvr-rr-1", Domain: "corp.example", VPCs: []string{"vpc-a"}, Endpoint: "rslvr-out-1",
		Targets: []netip.AddrPort{netip.MustParseAddrPort("10.9.0.2:53")}}
	n.ResolverRules["rslvr-rr-3"] = &model.ResolverRule{ID: "rslvr-rr-3", Domain: "lab.corp.example", VPCs: []string{"vpc-a"}}

	got := ForVPC(n, "vpc-a").Rules
	want := []Rule{{Domain: "corp.example", Targets: []string{"10.9.0.2:53"}, Via: []string{"eni-out1", "eni-out2"}}, {Domain: "lab.corp.example"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("vpc-a's rules %+v, want %+v", got, want)
	}
	// Its interfaces are in vpc-a, the rule is vpc-b's: its queries go through them too.
	if got := ForVPC(n, "vpc-b").Rules; len(got) != 1 || len(got[0].Via) != 2 {
		t.Errorf("vpc-b's rules %+v", got)
	}
	// Of the two rules of corp.example, the first by ID forwards.
	if got, want := ForEndpoint(n, "eni-out2"), (&Config{Rules: []Rule{{Domain: "corp.example", Targets: []string{"10.9.0.2:53"}}}}); !reflect.DeepEqual(got, want) {
		t.Errorf("outbound endpoint %+v, want %+v", got, want)
	}
	if got, want := ForEndpoint(n, "eni-in"), (&Config{Upstream: []string{"10.0.0.2:53"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("inbound endpoint %+v, want %+v", got, want)
	}
	if ForEndpoint(n, "eni-i") != nil || ForEndpoint(n, "eni-gone") != nil {
		t.Errorf("an interface of no endpoint has a config")
	}
}

// TestForwardThroughEndpoint: a VPC's resolver asks an outbound endpoint's at its unix
// socket, which forwards over UDP, as a query over UDP from an instance would leave: a
// target that answers UDP alone answers.
func TestForwardThroughEndpoint(t *testing.T) {
	corp := New(slog.Default())
	corp.Update(&Config{Records: []Record{{Name: "db.corp.example", Type: "A", TTL: 60, Values: []string{"192.0.2.53"}}}})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	start(t, &dns.Server{PacketConn: pc, Handler: corp}) // UDP alone

	endpoint := New(slog.Default())
	endpoint.Update(&Config{Rules: []Rule{{Domain: "corp.example", Targets: []string{pc.LocalAddr().String()}}}})
	vpc := New(slog.Default())
	vpc.Update(&Config{Rules: []Rule{{Domain: "corp.example", Targets: []string{serveUnix(t, endpoint)}}}})
	addr := serve(t, vpc)
	for _, tcp := range []bool{false, true} {
		query{qname: "db.corp.example.", qtype: dns.TypeA, tcp: tcp, answer: []string{"db.corp.example. A 192.0.2.53"}}.ask(t, addr)
	}
}
