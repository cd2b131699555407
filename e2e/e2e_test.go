// Package e2e drives a live vpcd binary with the real clients users have: the aws CLI and
// Terraform with the AWS provider. Each test starts its own vpcd on a loopback port with
// its own data directory and skips, with the reason, when the client is not installed.
package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"vpcd/internal/vpcdtest"
)

func TestAWSCLIVpcTalk(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir())
	cmd := exec.Command("bash", "testdata/vpc-talk.sh")
	cmd.Env = append(os.Environ(), "VPCD_URL="+url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("vpc-talk.sh: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "vpc talk: ok") {
		t.Fatalf("script did not finish:\n%s", out)
	}
}

// providerMirror finds the AWS provider this machine kind ships as a filesystem mirror.
func providerMirror(t *testing.T) string {
	for _, dir := range []string{"/opt/tf-plugins", "/usr/share/terraform/plugins", "/root/.terraform.d/plugins"} {
		if _, err := os.Stat(filepath.Join(dir, "registry.terraform.io/hashicorp/aws/5.100.0")); err == nil {
			return dir
		}
	}
	out, _ := exec.Command("find", "/", "-xdev", "-type", "d", "-path", "*registry.terraform.io/hashicorp/aws/5.100.0", "-print", "-quit").Output()
	if p := strings.TrimSpace(string(out)); p != "" {
		return strings.TrimSuffix(p, "/registry.terraform.io/hashicorp/aws/5.100.0")
	}
	return ""
}

// terraform runs terraform in dir with a CLI config that installs the provider from the
// mirror only, so that nothing is fetched from the network.
func terraform(t *testing.T, dir, mirror string, args ...string) string {
	t.Helper()
	rc := filepath.Join(dir, ".terraformrc")
	conf := "provider_installation {\n  filesystem_mirror {\n    path    = \"" + mirror + "\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }\n  direct {\n    exclude = [\"registry.terraform.io/hashicorp/aws\"]\n  }\n}\n"
	if err := os.WriteFile(rc, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("terraform", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_LOG=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// terraformApply applies the configuration of testdata directory src against vpcd at
// url (the variable "endpoint"), fails unless a second plan is empty, and returns the
// outputs' values; destroy tears it all down.
func terraformApply(t *testing.T, mirror, src, url string) (outputs map[string]any, destroy func()) {
	t.Helper()
	dir := copyDir(t, src)
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
	outputs = map[string]any{}
	for k, v := range out {
		outputs[k] = v.Value
	}
	return outputs, func() {
		terraform(t, dir, mirror, append([]string{"destroy", "-auto-approve", "-input=false", "-no-color"}, vars...)...)
	}
}

// copyDir copies the files of a testdata configuration into a fresh directory.
func copyDir(t *testing.T, src string) string {
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// requireTerraform skips the test, saying why, unless terraform and the AWS provider's
// filesystem mirror are on this machine; it returns the mirror.
func requireTerraform(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform not installed")
	}
	mirror := providerMirror(t)
	if mirror == "" {
		t.Skip("the AWS provider 5.100.0 filesystem mirror is not on this machine")
	}
	return mirror
}

func TestTerraformVpcLayout(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir())
	dir := copyDir(t, "testdata/terraform")
	vars := []string{"-var", "endpoint=" + url}
	terraform(t, dir, mirror, "init", "-input=false", "-no-color")
	terraform(t, dir, mirror, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, vars...)...)
	plan := terraform(t, dir, mirror, append([]string{"plan", "-detailed-exitcode", "-input=false", "-no-color"}, vars...)...)
	if !strings.Contains(plan, "No changes.") {
		t.Fatalf("second plan is not empty:\n%s", plan)
	}
	terraform(t, dir, mirror, append([]string{"destroy", "-auto-approve", "-input=false", "-no-color"}, vars...)...)

	// Destroy leaves only what the account had before: the default VPC, which
	// aws_default_vpc does not delete.
	cmd := exec.Command("aws", "--endpoint-url", url, "ec2", "describe-vpcs", "--query", "Vpcs[].IsDefault", "--output", "text")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=123456789012", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("describe-vpcs: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "True" {
		t.Fatalf("after destroy, VPCs left (IsDefault of each): %q", got)
	}
}

// probeScript sends and answers the test traffic inside namespaces (python3 only); the
// realizer's tests use the same one.
const probeScript = "../internal/linux/testdata/probe.py"
