package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwlsdk "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"vpcd/internal/store"
	"vpcd/internal/store/etcdtest"
	"vpcd/internal/vpcdtest"
)

func logsClient(url string) *cwlsdk.Client {
	return cwlsdk.New(cwlsdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", "")})
}

// The SDK creates a log group and a stream, puts events and reads them back with
// GetLogEvents and FilterLogEvents; its typed errors come back for a missing group and
// a duplicate one.
func TestSDKCloudWatchLogs(t *testing.T) { sdkCloudWatchLogs(t, vpcdtest.Start(t)) }

// TestSDKCloudWatchLogsOnEtcd runs the same with the API's store on a real etcd.
func TestSDKCloudWatchLogsOnEtcd(t *testing.T) {
	st, err := store.OpenEtcd(context.Background(), store.EtcdConfig{Endpoints: []string{etcdtest.Start(t)}, Namespace: "vpcd/"})
	if err != nil {
		t.Fatal(err)
	}
	sdkCloudWatchLogs(t, vpcdtest.StartOn(t, st))
}

func sdkCloudWatchLogs(t *testing.T, srv *vpcdtest.Server) {
	ctx := context.Background()
	c := logsClient(srv.URL)
	group := "/aws/vpc/flowlogs"
	if _, err := c.CreateLogGroup(ctx, &cwlsdk.CreateLogGroupInput{LogGroupName: aws.String(group), Tags: map[string]string{"team": "net"}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateLogGroup(ctx, &cwlsdk.CreateLogGroupInput{LogGroupName: aws.String(group)})
	var exists *cwltypes.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Errorf("duplicate group: %v", err)
	}
	if _, err := c.PutRetentionPolicy(ctx, &cwlsdk.PutRetentionPolicyInput{LogGroupName: aws.String(group), RetentionInDays: aws.Int32(14)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLogStream(ctx, &cwlsdk.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String("eni-0123456789abcdef0-all")}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	_, err = c.PutLogEvents(ctx, &cwlsdk.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String("eni-0123456789abcdef0-all"),
		LogEvents: []cwltypes.InputLogEvent{
			{Timestamp: aws.Int64(now - 2000), Message: aws.String("2 123456789012 eni-0123456789abcdef0 10.0.1.5 10.0.1.6 40000 22 6 3 180 1 2 ACCEPT OK")},
			{Timestamp: aws.Int64(now - 1000), Message: aws.String("2 123456789012 eni-0123456789abcdef0 10.0.1.5 10.0.1.6 40001 5432 6 1 60 1 2 REJECT OK")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	groups, err := c.DescribeLogGroups(ctx, &cwlsdk.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/vpc")})
	if err != nil || len(groups.LogGroups) != 1 || aws.ToInt32(groups.LogGroups[0].RetentionInDays) != 14 || groups.LogGroups[0].LogGroupClass != cwltypes.LogGroupClassStandard {
		t.Fatalf("DescribeLogGroups: %+v, %v", groups, err)
	}
	tags, err := c.ListTagsForResource(ctx, &cwlsdk.ListTagsForResourceInput{ResourceArn: groups.LogGroups[0].LogGroupArn})
	if err != nil || tags.Tags["team"] != "net" {
		t.Errorf("ListTagsForResource: %+v, %v", tags, err)
	}
	got, err := c.GetLogEvents(ctx, &cwlsdk.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String("eni-0123456789abcdef0-all"), StartFromHead: aws.Bool(true)})
	if err != nil || len(got.Events) != 2 || aws.ToInt64(got.Events[0].Timestamp) != now-2000 {
		t.Fatalf("GetLogEvents: %+v, %v", got, err)
	}
	filtered, err := c.FilterLogEvents(ctx, &cwlsdk.FilterLogEventsInput{LogGroupName: aws.String(group),
		FilterPattern: aws.String("[version, account, eni, source, destination, srcport, destport, protocol, packets, bytes, start, end, action=REJECT, status]")})
	if err != nil || len(filtered.Events) != 1 || !strings.Contains(aws.ToString(filtered.Events[0].Message), " 5432 ") {
		t.Fatalf("FilterLogEvents: %+v, %v", filtered, err)
	}
	_, err = c.GetLogEvents(ctx, &cwlsdk.GetLogEventsInput{LogGroupName: aws.String("missing"), LogStreamName: aws.String("s")})
	var notFound *cwltypes.ResourceNotFoundException
	if !errors.As(err, &notFound) || !strings.Contains(err.Error(), "The specified log group does not exist.") {
		t.Errorf("missing group: %v", err)
	}
	// More streams than one transaction deletes (etcd takes 128 operations).
	for i := range 110 {
		if _, err := c.CreateLogStream(ctx, &cwlsdk.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String("s" + strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteLogGroup(ctx, &cwlsdk.DeleteLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLogGroup(ctx, &cwlsdk.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	streams, err := c.DescribeLogStreams(ctx, &cwlsdk.DescribeLogStreamsInput{LogGroupName: aws.String(group)})
	if err != nil || len(streams.LogStreams) != 0 {
		t.Errorf("streams of a group created again: %+v, %v", streams, err)
	}
}

// The aws CLI lists log groups and searches events with filter-log-events, paging
// through them as it does on AWS.
func TestAWSCLICloudWatchLogs(t *testing.T) {
	srv := vpcdtest.Start(t)
	cli := mustCLI(t, srv.URL, "logs")
	cli("create-log-group", "--log-group-name", "app")
	cli("create-log-stream", "--log-group-name", "app", "--log-stream-name", "web")
	now := time.Now().UnixMilli()
	var events []string
	for i := range 5 {
		events = append(events, "timestamp="+strconv.FormatInt(now+int64(i), 10)+",message=request "+strconv.Itoa(i)+" ERROR")
	}
	cli(append([]string{"put-log-events", "--log-group-name", "app", "--log-stream-name", "web", "--log-events"}, events...)...)
	out := cli("describe-log-groups")
	if !strings.Contains(out, `"logGroupName": "app"`) || !strings.Contains(out, `"arn": "arn:aws:logs:us-east-1:123456789012:log-group:app:*"`) {
		t.Errorf("describe-log-groups: %s", out)
	}
	// --page-size 2 makes the CLI follow nextToken through three pages.
	out = cli("filter-log-events", "--log-group-name", "app", "--filter-pattern", "ERROR", "--page-size", "2")
	var got struct {
		Events []struct{ Message, LogStreamName string }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got.Events) != 5 || got.Events[4].Message != "request 4 ERROR" || got.Events[0].LogStreamName != "web" {
		t.Errorf("filter-log-events: %+v (%v)\n%s", got, err, out)
	}
	out, ok := awsCLI(t, srv.URL, "logs", "delete-log-group", "--log-group-name", "nothing")
	if ok || !strings.Contains(out, "(ResourceNotFoundException)") {
		t.Errorf("delete of a missing group: %s", out)
	}
}

// The aws CLI creates a flow log of a VPC, finds it with a filter and deletes it; an
// unknown ID comes back in Unsuccessful.
func TestAWSCLIFlowLogs(t *testing.T) {
	srv := vpcdtest.Start(t)
	cli := mustCLI(t, srv.URL, "ec2")
	var vpc struct{ Vpc struct{ VpcId string } }
	if err := json.Unmarshal([]byte(cli("create-vpc", "--cidr-block", "10.60.0.0/16")), &vpc); err != nil {
		t.Fatal(err)
	}
	var created struct{ FlowLogIds []string }
	out := cli("create-flow-logs", "--resource-type", "VPC", "--resource-ids", vpc.Vpc.VpcId, "--traffic-type", "REJECT",
		"--log-group-name", "flows", "--deliver-logs-permission-arn", "arn:aws:iam::123456789012:role/flow-logs",
		"--log-format", "${version} ${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${action} ${tcp-flags}")
	if err := json.Unmarshal([]byte(out), &created); err != nil || len(created.FlowLogIds) != 1 {
		t.Fatalf("create-flow-logs: %s", out)
	}
	out = cli("describe-flow-logs", "--filter", "Name=resource-id,Values="+vpc.Vpc.VpcId)
	if !strings.Contains(out, created.FlowLogIds[0]) || !strings.Contains(out, `"TrafficType": "REJECT"`) || !strings.Contains(out, `"LogGroupName": "flows"`) {
		t.Errorf("describe-flow-logs: %s", out)
	}
	out = cli("delete-flow-logs", "--flow-log-ids", created.FlowLogIds[0], "fl-0123456789abcdef0")
	if !strings.Contains(out, `"Code": "InvalidFlowLogId.NotFound"`) || strings.Contains(out, created.FlowLogIds[0]) {
		t.Errorf("delete-flow-logs: %s", out)
	}
}

// mustCLI runs aws SERVICE ARGS... against base and fails the test when it fails.
func mustCLI(t *testing.T, base, service string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		out, ok := awsCLI(t, base, append([]string{service}, args...)...)
		if !ok {
			t.Fatalf("%s %s: %s", service, strings.Join(args, " "), out)
		}
		return out
	}
}
