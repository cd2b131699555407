package linux

import (
	"net/netip"
	"strings"
	"testing"
)

// A router with gateway endpoints gates what its interfaces send to the endpoints'
// prefixes in the input chain (source/destination check, the egress ACL, then the egress
// gate after tracked flows)
// and the answers in the output chain (the ingress ACL); without endpoints it has
// neither chain.
func TestEndpointChains(t *testing.T) {
	f := exampleFirewall()
	rs, err := compileFirewall(f)
	if err != nil {
		t.Fatal(err)
	}
	if text := rs.String(); strings.Contains(text, "hook input") || strings.Contains(text, "hook output") {
		t.Errorf("a router without endpoints has input or output chains:\n%s", text)
	}
	f.Endpoints = []netip.Prefix{netip.MustParsePrefix("192.0.2.64/27")}
	rs, err = compileFirewall(f)
	if err != nil {
		t.Fatal(err)
	}
	text := rs.String()
	for _, want := range []string{
		"type filter hook input priority filter; policy accept;",
		"meta nfproto ip ip daddr 192.0.2.64/27 iifname @sdc-links iifname . ip saddr != @sdc4 drop",
		"meta nfproto ip ip daddr 192.0.2.64/27 iifname vmap @acl-egress",
		"meta nfproto ip ip daddr 192.0.2.64/27 ct state established,related accept",
		"meta nfproto ip ip daddr 192.0.2.64/27 iifname vmap @egress",
		"type filter hook output priority filter; policy accept;",
		"meta nfproto ip ip saddr 192.0.2.64/27 oifname vmap @acl-ingress",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
}
