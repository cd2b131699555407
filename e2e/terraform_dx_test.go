package e2e

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"

	"vpcd/internal/vpcdtest"
)

// TestTerraformDirectConnect applies a Direct Connect gateway associated with an attached
// virtual private gateway, a connection and two private virtual interfaces on it (one to
// each gateway), checks that a second plan is empty and what the outputs say, then
// destroys it all.
func TestTerraformDirectConnect(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	out, destroy := terraformApply(t, mirror, "testdata/terraform-dx", url)
	str := func(k string) string { v, _ := out[k].(string); return v }
	prefixes, _ := out["association_prefixes"].([]any)
	amazon, err := netip.ParsePrefix(str("dxgw_vif_amazon_address"))
	switch {
	case !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(str("dx_gateway_id")) || !strings.HasPrefix(str("connection_id"), "dxcon-"):
		t.Errorf("outputs %+v", out)
	case !slices.Equal(prefixes, []any{"10.80.0.0/16"}) || str("association_type") != "virtualPrivateGateway":
		t.Errorf("association: prefixes %v, type %q", prefixes, str("association_type"))
	case str("dxgw_vif_amazon_side_asn") != "64512" || str("vgw_vif_amazon_side_asn") != "64680":
		t.Errorf("Amazon-side ASNs %q and %q", str("dxgw_vif_amazon_side_asn"), str("vgw_vif_amazon_side_asn"))
	case err != nil || amazon.Bits() != 30 || !netip.MustParsePrefix("169.254.0.0/16").Contains(amazon.Addr()):
		t.Errorf("generated Amazon address %q", str("dxgw_vif_amazon_address"))
	case !strings.HasPrefix(str("vgw_vif_arn"), "arn:aws:directconnect:us-east-1:123456789012:dxvif/dxvif-"):
		t.Errorf("interface ARN %q", str("vgw_vif_arn"))
	}
	destroy()
}
