package e2e

import (
	"encoding/json"
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
	dir := copyDir(t, "testdata/terraform-resolver")
	vars := []string{"-var", "endpoint=" + url}
	terraform(t, dir, mirror, "init", "-input=false", "-no-color")
	terraform(t, dir, mirror, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, vars...)...)
	plan := terraform(t, dir, mirror, append([]string{"plan", "-detailed-exitcode", "-input=false", "-no-color"}, vars...)...)
	if !strings.Contains(plan, "No changes.") {
		t.Fatalf("second plan is not empty:\n%s", plan)
	}
	var out map[string]struct{ Value any }
	if err := json.Unmarshal([]byte(terraform(t, dir, mirror, "output", "-json")), &out); err != nil {
		t.Fatal(err)
	}
	id, _ := out["endpoint_id"].Value.(string)
	ips, _ := out["endpoint_ips"].Value.([]any)
	rule, _ := out["rule_arn"].Value.(string)
	assoc, _ := out["association_id"].Value.(string)
	if !strings.HasPrefix(id, "rslvr-out-") || len(id) != 27 || len(ips) != 2 || ips[0] != "10.60.1.53" ||
		!strings.HasPrefix(rule, "arn:aws:route53resolver:us-east-1:123456789012:resolver-rule/rslvr-rr-") || !strings.HasPrefix(assoc, "rslvr-rrassoc-") {
		t.Errorf("outputs %+v", out)
	}
	terraform(t, dir, mirror, append([]string{"destroy", "-auto-approve", "-input=false", "-no-color"}, vars...)...)
}
