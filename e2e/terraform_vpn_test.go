package e2e

import (
	"strings"
	"testing"

	"vpcd/internal/vpcdtest"
)

// TestTerraformVpnGateways applies a customer gateway, a virtual private gateway attached
// to a VPC with route propagation and a static route to it, checks that a second plan is
// empty and what the outputs say, then destroys it all.
func TestTerraformVpnGateways(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	out, destroy := terraformApply(t, mirror, "testdata/terraform-vpn", url)
	cgw, _ := out["customer_gateway_id"].(string)
	vgw, _ := out["vpn_gateway_id"].(string)
	if !strings.HasPrefix(cgw, "cgw-") || !strings.HasPrefix(vgw, "vgw-") || out["vpn_gateway_asn"] != "64620" {
		t.Errorf("outputs %+v", out)
	}
	destroy()
}
