package e2e

// Flow logs to S3: the records reach a bucket on vpcd's own S3 as AWS's gzip files, and
// the aws CLI reads them back.

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestFlowLogRecordsToS3(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	var p *plane
	awsCLI := func(args ...string) (string, error) {
		cmd := exec.Command("aws", append([]string{"--endpoint-url", p.url}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=123456789012", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
			"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return "", &cliError{args: args, err: err, stderr: stderr.String()}
		}
		return string(out), nil
	}
	// The bucket is made before the flow log, as AWS wants; the plane starts vpcd first.
	p, server, client := flowLogTraffic(t, &ec2sdk.CreateFlowLogsInput{
		LogDestinationType: types.LogDestinationTypeS3, LogDestination: aws.String("arn:aws:s3:::vpc-flow-bucket/flows"),
	}, func(pl *plane) {
		p = pl
		if out, err := awsCLI("s3", "mb", "s3://vpc-flow-bucket"); err != nil {
			t.Fatalf("%v", err)
		} else {
			t.Log(strings.TrimSpace(out))
		}
	})

	key := regexp.MustCompile(`^flows/AWSLogs/123456789012/vpcflowlogs/us-east-1/\d{4}/\d{2}/\d{2}/123456789012_vpcflowlogs_us-east-1_fl-[0-9a-f]{17}_\d{8}T\d{4}Z_[0-9a-f]{8}\.log\.gz$`)
	header := "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
	var lines []string
	read := map[string]bool{}
	deadline := time.Now().Add(2*time.Minute + 20*time.Second + converge) // an interval and a window
	for !flowRecordsComplete(of(lines, server.ENI)) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Second)
		out, err := awsCLI("s3api", "list-objects-v2", "--bucket", "vpc-flow-bucket", "--query", "Contents[].Key", "--output", "text")
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range strings.Fields(out) {
			if k == "None" || read[k] {
				continue
			}
			read[k] = true
			if !key.MatchString(k) {
				t.Errorf("object key %s is not a flow log file's", k)
			}
			gz, err := awsCLI("s3", "cp", "s3://vpc-flow-bucket/"+k, "-")
			if err != nil {
				t.Fatal(err)
			}
			zr, err := gzip.NewReader(strings.NewReader(gz))
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			b, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			file := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			if file[0] != header {
				t.Errorf("%s: header %q", k, file[0])
			}
			t.Logf("%s:\n%s", k, b)
			lines = append(lines, file[1:]...)
		}
	}
	// A file holds the records of every interface the flow log covers.
	checkFlowRecords(t, of(lines, server.ENI), server, client, "s3://vpc-flow-bucket/flows/")
	checkSenderRecords(t, of(lines, client.ENI), server, client)

	// A flow log to a bucket that does not exist is refused per resource, as AWS does.
	vpc, err := p.ec2.DescribeFlowLogs(p.ctx, &ec2sdk.DescribeFlowLogsInput{})
	p.check("DescribeFlowLogs", err)
	if len(vpc.FlowLogs) != 1 || aws.ToString(vpc.FlowLogs[0].DeliverLogsStatus) != "SUCCESS" {
		t.Fatalf("flow logs: %+v", vpc.FlowLogs)
	}
	out, err := p.ec2.CreateFlowLogs(p.ctx, &ec2sdk.CreateFlowLogsInput{ResourceType: types.FlowLogsResourceTypeVpc,
		ResourceIds: []string{aws.ToString(vpc.FlowLogs[0].ResourceId)}, TrafficType: types.TrafficTypeReject,
		LogDestinationType: types.LogDestinationTypeS3, LogDestination: aws.String("arn:aws:s3:::no-such-flow-bucket")})
	p.check("CreateFlowLogs", err)
	if len(out.Unsuccessful) != 1 || aws.ToString(out.Unsuccessful[0].Error.Code) != "400" ||
		aws.ToString(out.Unsuccessful[0].Error.Message) != "LogDestination: no-such-flow-bucket does not exist." {
		t.Errorf("flow log to a missing bucket: %+v", out)
	}
}

// of are the records of one interface (the third field) among lines.
func of(lines []string, eni string) []string {
	var out []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 2 && f[2] == eni {
			out = append(out, l)
		}
	}
	return out
}

type cliError struct {
	args   []string
	err    error
	stderr string
}

func (e *cliError) Error() string {
	return "aws " + strings.Join(e.args, " ") + ": " + e.err.Error() + "\n" + e.stderr
}
