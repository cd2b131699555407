package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"vpcd/internal/vpcdtest"
)

// TestTerraformVolumes applies an instance (with its root volume), an aws_ebs_volume
// and an aws_volume_attachment, checks that a second plan is empty and that the aws CLI
// sees both volumes attached, grows the data volume in place, then destroys: the root
// volume goes with the instance and the data volume after its detachment.
func TestTerraformVolumes(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	dir := copyDir(t, "testdata/terraform-volumes")
	vars := []string{"-var", "endpoint=" + url}
	terraform(t, dir, mirror, "init", "-input=false", "-no-color")
	terraform(t, dir, mirror, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, vars...)...)
	plan := terraform(t, dir, mirror, append([]string{"plan", "-detailed-exitcode", "-input=false", "-no-color"}, vars...)...)
	if !strings.Contains(plan, "No changes.") {
		t.Fatalf("second plan is not empty:\n%s", plan)
	}
	var out map[string]struct{ Value string }
	if err := json.Unmarshal([]byte(terraform(t, dir, mirror, "output", "-json")), &out); err != nil {
		t.Fatal(err)
	}
	volumes := func() string {
		t.Helper()
		cmd := exec.Command("aws", "--endpoint-url", url, "ec2", "describe-volumes", "--query",
			"sort_by(Volumes,&Size)[].[Size,VolumeType,State,Attachments[0].Device,Attachments[0].InstanceId]", "--output", "text")
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=123456789012", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null")
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("describe-volumes: %v\n%s", err, b)
		}
		return strings.Join(strings.Fields(string(b)), " ")
	}
	inst := out["instance_id"].Value
	want := "8 gp3 in-use /dev/xvda " + inst + " 20 gp3 in-use /dev/sdh " + inst
	if got := volumes(); got != want {
		t.Errorf("volumes after apply: %q, want %q", got, want)
	}
	// Growing the data volume is a ModifyVolume, in place.
	grow := append(vars, "-var", "data_size=30")
	terraform(t, dir, mirror, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, grow...)...)
	want = strings.Replace(want, "20 gp3", "30 gp3", 1)
	if got := volumes(); got != want {
		t.Errorf("volumes after growing the data volume: %q, want %q", got, want)
	}
	terraform(t, dir, mirror, append([]string{"destroy", "-auto-approve", "-input=false", "-no-color"}, vars...)...)
	if got := volumes(); got != "" {
		t.Errorf("volumes left after destroy: %q", got)
	}
}
