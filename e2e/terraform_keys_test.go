package e2e

import (
	"testing"

	"vpcd/internal/vpcdtest"
)

// TestTerraformKeyPairAndLaunchTemplate applies an imported key pair, a launch template
// that names it and an instance launched from the template, checks that a second plan is
// empty and what the instance took from the template, then destroys it all.
func TestTerraformKeyPairAndLaunchTemplate(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	out, destroy := terraformApply(t, mirror, "testdata/terraform-keys", url)
	if out["instance_key_name"] != "deployer" || out["instance_type"] != "t3.micro" ||
		out["fingerprint"] != "NYS8si+OMb2C/89VOIr3vozn0ucJa5hIOIO9w2a/Nic=" {
		t.Errorf("outputs %+v", out)
	}
	destroy()
}
