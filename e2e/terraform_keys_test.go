package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"vpcd/internal/vpcdtest"
)

// TestTerraformKeyPairAndLaunchTemplate applies an imported key pair, a launch template
// that names it and an instance launched from the template, checks that a second plan is
// empty and what the instance took from the template, then destroys it all.
func TestTerraformKeyPairAndLaunchTemplate(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	dir := copyDir(t, "testdata/terraform-keys")
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
	if out["instance_key_name"].Value != "deployer" || out["instance_type"].Value != "t3.micro" ||
		out["fingerprint"].Value != "NYS8si+OMb2C/89VOIr3vozn0ucJa5hIOIO9w2a/Nic=" {
		t.Errorf("outputs %+v", out)
	}
	terraform(t, dir, mirror, append([]string{"destroy", "-auto-approve", "-input=false", "-no-color"}, vars...)...)
}
