package e2e

import (
	"context"
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
	out, destroy := terraformApply(t, mirror, "testdata/terraform-flowlogs", url)
	if id, _ := out["vpc_flow_log"].(string); !strings.HasPrefix(id, "fl-") || len(id) != 20 ||
		out["log_group_arn"] != "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vpc/flowlogs" {
		t.Errorf("outputs %+v", out)
	}
	destroy()
}
