package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"

	"vpcd/internal/vpcdtest"
)

// TestTerraformFlowLogs applies a CloudWatch Logs group and flow logs of a VPC (to the
// group), a subnet (to S3, custom format, into a bucket made first) and an interface, checks that a second plan is
// empty and what the outputs say, then destroys it all.
func TestTerraformFlowLogs(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	// The subnet's flow log goes to a bucket that must exist, as AWS wants.
	s3 := s3sdk.New(s3sdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", "")})
	if _, err := s3.CreateBucket(context.Background(), &s3sdk.CreateBucketInput{Bucket: aws.String("flow-bucket")}); err != nil {
		t.Fatal(err)
	}
	dir := copyDir(t, "testdata/terraform-flowlogs")
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
	if id, _ := out["vpc_flow_log"].Value.(string); !strings.HasPrefix(id, "fl-") || len(id) != 20 ||
		out["log_group_arn"].Value != "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vpc/flowlogs" {
		t.Errorf("outputs %+v", out)
	}
	terraform(t, dir, mirror, append([]string{"destroy", "-auto-approve", "-input=false", "-no-color"}, vars...)...)
}
