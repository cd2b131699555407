package e2e

import (
	"strings"
	"testing"

	"vpcd/internal/vpcdtest"
)

// TestTerraformResolver applies an outbound Route 53 Resolver endpoint in two subnets, a
// rule forwarding corp.example through it and the rule's association with the VPC,
// checks that a second plan is empty and what the outputs say, then destroys it all.
func TestTerraformResolver(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	out, destroy := terraformApply(t, mirror, "testdata/terraform-resolver", url)
	id, _ := out["endpoint_id"].(string)
	ips, _ := out["endpoint_ips"].([]any)
	rule, _ := out["rule_arn"].(string)
	assoc, _ := out["association_id"].(string)
	if !strings.HasPrefix(id, "rslvr-out-") || len(id) != 27 || len(ips) != 2 || ips[0] != "10.60.1.53" ||
		!strings.HasPrefix(rule, "arn:aws:route53resolver:us-east-1:123456789012:resolver-rule/rslvr-rr-") || !strings.HasPrefix(assoc, "rslvr-rrassoc-") {
		t.Errorf("outputs %+v", out)
	}
	destroy()
}
