package e2e

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"vpcd/internal/vpcdtest"
)

// TestTerraformVpnGateways applies a customer gateway, a virtual private gateway attached
// to a VPC with route propagation and a static route to it, and two VPN connections
// between them (one with a static route), checks that a second plan is empty and what
// the outputs say of the tunnels, then destroys it all.
func TestTerraformVpnGateways(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	out, destroy := terraformApply(t, mirror, "testdata/terraform-vpn", url)
	cgw, _ := out["customer_gateway_id"].(string)
	vgw, _ := out["vpn_gateway_id"].(string)
	if !strings.HasPrefix(cgw, "cgw-") || !strings.HasPrefix(vgw, "vgw-") || out["vpn_gateway_asn"] != "64620" {
		t.Errorf("outputs %+v", out)
	}
	str := func(k string) string { v, _ := out[k].(string); return v }
	a1, err1 := netip.ParseAddr(str("vpn_bgp_tunnel1_address"))
	a2, err2 := netip.ParseAddr(str("vpn_bgp_tunnel2_address"))
	inside, err3 := netip.ParsePrefix(str("vpn_bgp_tunnel1_inside_cidr"))
	switch {
	case err1 != nil || err2 != nil || a1 == a2:
		t.Errorf("tunnel addresses %q and %q", str("vpn_bgp_tunnel1_address"), str("vpn_bgp_tunnel2_address"))
	case err3 != nil || inside.Bits() != 30 || !netip.MustParsePrefix("169.254.0.0/16").Contains(inside.Addr()):
		t.Errorf("generated inside CIDR %q", str("vpn_bgp_tunnel1_inside_cidr"))
	case !regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._]{31}$`).MatchString(str("vpn_bgp_tunnel1_preshared_key")):
		t.Errorf("generated key %q", str("vpn_bgp_tunnel1_preshared_key"))
	case str("vpn_bgp_tunnel1_bgp_asn") != "64620" || str("vpn_bgp_tunnel1_cgw_inside_address") != inside.Addr().Next().Next().String():
		t.Errorf("BGP peer: ASN %q, customer inside address %q", str("vpn_bgp_tunnel1_bgp_asn"), str("vpn_bgp_tunnel1_cgw_inside_address"))
	case str("vpn_static_tunnel1_inside_cidr") != "169.254.70.0/30" || str("vpn_static_tunnel1_preshared_key") != "terraform_key.1" ||
		str("vpn_static_tunnel1_vgw_inside_address") != "169.254.70.1":
		t.Errorf("static connection's tunnel 1: %q %q %q", str("vpn_static_tunnel1_inside_cidr"), str("vpn_static_tunnel1_preshared_key"),
			str("vpn_static_tunnel1_vgw_inside_address"))
	}
	destroy()
}
