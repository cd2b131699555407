package resolver

import (
	"log/slog"
	"net/netip"
	"slices"
	"testing"

	"github.com/miekg/dns"

	"vpcd/internal/model"
)

// TestInterfaceEndpointNames: inside the endpoint's VPC, its regional name resolves to
// every interface, a zonal name to its zone's, and with private DNS the service's name
// to every interface while nothing else under it exists; elsewhere none of them does.
func TestInterfaceEndpointNames(t *testing.T) {
	n := testNetwork()
	for id, a := range map[string]string{"eni-e1": "10.0.1.20", "eni-e2": "10.0.2.20"} {
		n.Interfaces[id] = &model.Interface{ID: id, VPC: "vpc-a", VpcEndpoint: "vpce-1", PrivateIPs: []netip.Addr{netip.MustParseAddr(a)}}
	}
	regional := "vpce-1-abcdefgh.ec2.us-east-1.vpce.amazonaws.com"
	n.InterfaceEndpoints["vpce-1"] = &model.InterfaceEndpoint{ID: "vpce-1", VPC: "vpc-a", DNSName: regional,
		ZonalNames:     map[string]string{"eni-e1": "vpce-1-abcdefgh-us-east-1a.ec2.us-east-1.vpce.amazonaws.com", "eni-e2": "vpce-1-abcdefgh-us-east-1b.ec2.us-east-1.vpce.amazonaws.com"},
		PrivateDNSName: "ec2.us-east-1.amazonaws.com"}
	n.InterfaceEndpoints["vpce-2"] = &model.InterfaceEndpoint{ID: "vpce-2", VPC: "vpc-a", DNSName: "vpce-2-x.dkr.ecr.us-east-1.vpce.amazonaws.com", PrivateDNSName: "*.dkr.ecr.us-east-1.amazonaws.com"}
	n.Interfaces["eni-e3"] = &model.Interface{ID: "eni-e3", VPC: "vpc-a", VpcEndpoint: "vpce-2", PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.30")}}
	table := compile(ForVPC(n, "vpc-a"), slog.New(slog.DiscardHandler))
	both := []string{"10.0.1.20", "10.0.2.20"}
	for _, tc := range []struct {
		name  string
		want  []string
		rcode int
	}{
		{regional, both, dns.RcodeSuccess},
		{"vpce-1-abcdefgh-us-east-1b.ec2.us-east-1.vpce.amazonaws.com", []string{"10.0.2.20"}, dns.RcodeSuccess},
		{"EC2.us-east-1.amazonaws.com", both, dns.RcodeSuccess},
		{"other.ec2.us-east-1.amazonaws.com", nil, dns.RcodeNameError},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com", []string{"10.0.1.30"}, dns.RcodeSuccess},
		{"dkr.ecr.us-east-1.amazonaws.com", []string{"10.0.1.30"}, dns.RcodeSuccess},
		{"sts.us-east-1.amazonaws.com", nil, dns.RcodeNameError},
	} {
		ans, _, rcode, _ := table.answer(dns.Fqdn(tc.name), dns.TypeA)
		var got []string
		for _, rr := range ans {
			got = append(got, rr.(*dns.A).A.String())
		}
		slices.Sort(got)
		if rcode != tc.rcode || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v (rcode %d), want %v (rcode %d)", tc.name, got, rcode, tc.want, tc.rcode)
		}
	}
	// Private DNS is of the endpoint's VPC only; the endpoint's own names are public, as
	// AWS's.
	other := compile(ForVPC(n, "vpc-b"), slog.New(slog.DiscardHandler))
	if ans, _, _, _ := other.answer(dns.Fqdn("ec2.us-east-1.amazonaws.com"), dns.TypeA); len(ans) != 0 {
		t.Errorf("vpc-b resolves ec2.us-east-1.amazonaws.com: %v", ans)
	}
	if got := lookup(ForInternet(n), regional, "A"); !slices.Equal(got, both) {
		t.Errorf("the internet resolves %s to %v, want %v", regional, got, both)
	}
}
