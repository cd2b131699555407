package linux

import (
	"strings"
	"testing"

	"vpcd/internal/plan"
)

// TestFirewallClampMSS checks that a router with VPN tunnel links clamps the MSS of TCP
// SYNs through them, both ways, before anything else of the forward chain, and that a
// router without any has no such rule.
func TestFirewallClampMSS(t *testing.T) {
	f := exampleFirewall()
	f.ClampLinks = []string{"t0000000000012", "t0000000000011"}
	rs, err := compileFirewall(f)
	if err != nil {
		t.Fatal(err)
	}
	text := rs.String()
	for _, want := range []string{
		"set clamp-links {", `"t0000000000011"`, `"t0000000000012"`,
		"iifname @clamp-links tcp flags syn tcp option maxseg size > 1360 tcp option maxseg size set 1360",
		"oifname @clamp-links tcp flags syn tcp option maxseg size > 1360 tcp option maxseg size set 1360",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("ruleset lacks %q:\n%s", want, text)
		}
	}
	if strings.Index(text, "clamp-links tcp") > strings.Index(text, "ct state invalid drop") {
		t.Errorf("the clamp comes after the first verdict")
	}
	rs, err = compileFirewall(exampleFirewall())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(rs.String(), "clamp") {
		t.Errorf("a router without tunnels clamps")
	}
	if plan.ClampMSS != plan.TunnelMTU-40 {
		t.Errorf("ClampMSS %d is not the tunnel's MTU %d less 40", plan.ClampMSS, plan.TunnelMTU)
	}
}
