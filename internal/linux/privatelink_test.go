package linux

import (
	"strings"
	"testing"

	"vpcd/internal/plan"
)

// An endpoint interface's side: its address's listener ports to the node, from its
// address on the link.
func TestCompilePrivateLinkEndGolden(t *testing.T) {
	rs, err := compilePrivateLinkEnd(&plan.PrivateLinkEnd{Link: "pl0", Addr: addr("10.0.1.53"), Node: addr("10.0.1.20"), Source: addr("169.254.208.2"),
		Ports: []plan.PrivateLinkPort{{Protocol: 17, Port: 53}, {Protocol: 6, Port: 80}, {Protocol: 6, Port: 80}}})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "privatelinkend.golden", rs.String())
	if _, err := compilePrivateLinkEnd(&plan.PrivateLinkEnd{Link: "pl0", Addr: addr("fd00::1"), Node: addr("10.0.1.20"), Source: addr("169.254.208.2")}); err == nil {
		t.Error("an IPv6 address compiled")
	}
}

// The router's side: what comes in on a link passes to the targets that admit the node
// and reaches them from the node's address, before the load balancers' own gates.
func TestCompilePrivateLinksRouter(t *testing.T) {
	rs, err := compileFirewall(&plan.Firewall{PrivateLinks: []plan.PrivateLink{
		{Link: "l000000000000in", Peer: addr("169.254.208.2"), Source: addr("10.0.1.20"), Admitted: []plan.LoadBalancerBackend{{Addr: addr("10.0.1.10"), Port: 8080}}}}})
	if err != nil {
		t.Fatal(err)
	}
	text := rs.String()
	for _, want := range []string{
		`"l000000000000in" . 10.0.1.10 . 8080`,
		"169.254.208.2 : 10.0.1.20",
		"meta nfproto ipv4 iifname . ip daddr . th dport @pl-admitted accept",
		"iifname @pl-links drop",
		"meta nfproto ipv4 snat ip to ip saddr map @pl-snat",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("ruleset lacks %q:\n%s", want, text)
		}
	}
}
