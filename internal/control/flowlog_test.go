package control

import (
	"context"
	"slices"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/flowlog"
)

const flowRole = "arn:aws:iam::123456789012:role/flow-logs"

func TestCreateFlowLogsValidation(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	cwl := func(mod func(in *ec2.CreateFlowLogsRequest)) *ec2.CreateFlowLogsRequest {
		in := &ec2.CreateFlowLogsRequest{ResourceType: kit.Ptr("VPC"), ResourceIds: []string{vpc}, TrafficType: kit.Ptr("ALL"),
			LogGroupName: kit.Ptr("flows"), DeliverLogsPermissionArn: kit.Ptr(flowRole)}
		mod(in)
		return in
	}
	for _, tc := range []struct {
		name string
		in   *ec2.CreateFlowLogsRequest
		want string
	}{
		{"unknown resource type", cwl(func(in *ec2.CreateFlowLogsRequest) { in.ResourceType = kit.Ptr("Instance") }), "InvalidParameterValue"},
		{"traffic type required", cwl(func(in *ec2.CreateFlowLogsRequest) { in.TrafficType = nil }), "MissingParameter"},
		{"unknown traffic type", cwl(func(in *ec2.CreateFlowLogsRequest) { in.TrafficType = kit.Ptr("SOME") }), "InvalidParameterValue"},
		{"interval of 60 or 600 only", cwl(func(in *ec2.CreateFlowLogsRequest) { in.MaxAggregationInterval = kit.Ptr(int32(300)) }), "InvalidParameter"},
		{"role required for CloudWatch Logs", cwl(func(in *ec2.CreateFlowLogsRequest) { in.DeliverLogsPermissionArn = nil }), "InvalidParameter"},
		{"group and destination both", cwl(func(in *ec2.CreateFlowLogsRequest) {
			in.LogDestination = kit.Ptr("arn:aws:logs:us-east-1:123456789012:log-group:flows")
		}), "InvalidParameter"},
		{"neither group nor destination", cwl(func(in *ec2.CreateFlowLogsRequest) { in.LogGroupName = nil }), "InvalidParameter"},
		{"not a log group ARN", cwl(func(in *ec2.CreateFlowLogsRequest) {
			in.LogGroupName, in.LogDestination = nil, kit.Ptr("arn:aws:s3:::bucket")
		}), "InvalidParameter"},
		{"group name with S3", cwl(func(in *ec2.CreateFlowLogsRequest) { in.LogDestinationType = kit.Ptr("s3") }), "InvalidParameter"},
		{"S3 without a bucket", cwl(func(in *ec2.CreateFlowLogsRequest) { in.LogDestinationType, in.LogGroupName = kit.Ptr("s3"), nil }), "InvalidParameter"},
		{"unknown destination type", cwl(func(in *ec2.CreateFlowLogsRequest) { in.LogDestinationType = kit.Ptr("ftp") }), "InvalidParameterValue"},
		{"unknown field in format", cwl(func(in *ec2.CreateFlowLogsRequest) { in.LogFormat = kit.Ptr("${version} ${colour}") }), "InvalidParameter"},
		{"format not of fields", cwl(func(in *ec2.CreateFlowLogsRequest) { in.LogFormat = kit.Ptr("version srcaddr") }), "InvalidParameter"},
		{"empty format", cwl(func(in *ec2.CreateFlowLogsRequest) { in.LogFormat = kit.Ptr(" ") }), "InvalidParameter"},
		{"malformed VPC ID", cwl(func(in *ec2.CreateFlowLogsRequest) { in.ResourceType = kit.Ptr("Subnet") }), ""},
		{"tags of another type", cwl(func(in *ec2.CreateFlowLogsRequest) {
			in.TagSpecifications = []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc"), Tags: []ec2.Tag{{Key: kit.Ptr("a"), Value: kit.Ptr("b")}}}}
		}), "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.CreateFlowLogs(ctx, testCaller, tc.in)
			wantCode(t, err, tc.want)
			if err == nil && (len(out.FlowLogIds) != 0 || len(out.Unsuccessful) != 1) {
				t.Errorf("created %v, unsuccessful %+v", out.FlowLogIds, out.Unsuccessful)
			}
		})
	}
}

func unsuccessfulCodes(items []ec2.UnsuccessfulItem) []string {
	var out []string
	for _, u := range items {
		out = append(out, *u.ResourceId+" "+*u.Error.Code)
	}
	return out
}

func TestFlowLogLifecycle(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	subnet := *createSubnet(t, s, vpc, "10.0.1.0/24").SubnetId
	missing := "vpc-0123456789abcdef0"

	out, err := s.CreateFlowLogs(ctx, testCaller, &ec2.CreateFlowLogsRequest{ResourceType: kit.Ptr("VPC"), ResourceIds: []string{vpc, missing},
		TrafficType: kit.Ptr("ALL"), LogGroupName: kit.Ptr("/aws/vpc/flowlogs"), DeliverLogsPermissionArn: kit.Ptr(flowRole),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc-flow-log"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("all")}}}}})
	wantCode(t, err, "")
	if len(out.FlowLogIds) != 1 || !kit.ValidID(out.FlowLogIds[0], "fl") || len(out.FlowLogIds[0]) != 20 ||
		!slices.Equal(unsuccessfulCodes(out.Unsuccessful), []string{missing + " InvalidVpcID.NotFound"}) {
		t.Fatalf("create: %+v", out)
	}
	vpcLog := out.FlowLogIds[0]
	// The same traffic of the same VPC to the same group is a duplicate; to S3 it is not.
	out, err = s.CreateFlowLogs(ctx, testCaller, &ec2.CreateFlowLogsRequest{ResourceType: kit.Ptr("VPC"), ResourceIds: []string{vpc},
		TrafficType: kit.Ptr("ALL"), LogDestination: kit.Ptr("arn:aws:logs:us-east-1:123456789012:log-group:/aws/vpc/flowlogs:*"), DeliverLogsPermissionArn: kit.Ptr(flowRole)})
	wantCode(t, err, "")
	if len(out.FlowLogIds) != 0 || !slices.Equal(unsuccessfulCodes(out.Unsuccessful), []string{vpc + " FlowLogAlreadyExists"}) {
		t.Fatalf("duplicate: %+v", out)
	}
	out, err = s.CreateFlowLogs(ctx, testCaller, &ec2.CreateFlowLogsRequest{ResourceType: kit.Ptr("Subnet"), ResourceIds: []string{subnet},
		TrafficType: kit.Ptr("REJECT"), LogDestinationType: kit.Ptr("s3"), LogDestination: kit.Ptr("arn:aws:s3:::flow-bucket/vpcd/"),
		MaxAggregationInterval: kit.Ptr(int32(60)), LogFormat: kit.Ptr("${version} ${vpc-id} ${subnet-id} ${srcaddr} ${dstaddr} ${action} ${tcp-flags}"),
		ClientToken: kit.Ptr("token-1")})
	wantCode(t, err, "")
	if len(out.FlowLogIds) != 1 || len(out.Unsuccessful) != 0 {
		t.Fatalf("S3: %+v", out)
	}
	subnetLog := out.FlowLogIds[0]
	again, err := s.CreateFlowLogs(ctx, testCaller, &ec2.CreateFlowLogsRequest{ResourceType: kit.Ptr("Subnet"), ResourceIds: []string{subnet},
		TrafficType: kit.Ptr("REJECT"), LogDestinationType: kit.Ptr("s3"), LogDestination: kit.Ptr("arn:aws:s3:::flow-bucket/vpcd/"), ClientToken: kit.Ptr("token-1")})
	if err != nil || !slices.Equal(again.FlowLogIds, []string{subnetLog}) {
		t.Fatalf("same client token: %+v, %v", again, err)
	}

	// Describe: as AWS shows them, by ID (an unknown one left out) and by filter.
	desc, err := s.DescribeFlowLogs(ctx, testCaller, &ec2.DescribeFlowLogsRequest{FlowLogIds: []string{vpcLog, "fl-0123456789abcdef0"}})
	wantCode(t, err, "")
	if len(desc.FlowLogs) != 1 {
		t.Fatalf("by ID: %+v", desc.FlowLogs)
	}
	f := desc.FlowLogs[0]
	if *f.ResourceId != vpc || *f.TrafficType != "ALL" || *f.LogDestinationType != "cloud-watch-logs" || *f.LogGroupName != "/aws/vpc/flowlogs" ||
		*f.LogDestination != "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vpc/flowlogs" || *f.LogFormat != flowlog.DefaultFormat ||
		*f.MaxAggregationInterval != 600 || *f.DeliverLogsPermissionArn != flowRole || *f.FlowLogStatus != "ACTIVE" ||
		*f.DeliverLogsStatus != "SUCCESS" || f.DestinationOptions != nil || len(f.Tags) != 1 || f.CreationTime == nil {
		t.Errorf("flow log: %+v", f)
	}
	for _, tc := range []struct {
		name, value string
		want        []string
	}{
		{"resource-id", subnet, []string{subnetLog}},
		{"traffic-type", "REJECT", []string{subnetLog}},
		{"log-destination-type", "cloud-watch-logs", []string{vpcLog}},
		{"log-group-name", "/aws/vpc/flowlogs", []string{vpcLog}},
		{"deliver-log-status", "SUCCESS", []string{vpcLog, subnetLog}},
		{"tag:Name", "all", []string{vpcLog}},
	} {
		desc, err := s.DescribeFlowLogs(ctx, testCaller, &ec2.DescribeFlowLogsRequest{Filter: []ec2.Filter{{Name: kit.Ptr(tc.name), Values: []string{tc.value}}}})
		wantCode(t, err, "")
		var got []string
		for _, f := range desc.FlowLogs {
			got = append(got, *f.FlowLogId)
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(tc.want))
		if !slices.Equal(got, want) {
			t.Errorf("filter %s=%s: %v, want %v", tc.name, tc.value, got, want)
		}
	}
	desc, _ = s.DescribeFlowLogs(ctx, testCaller, &ec2.DescribeFlowLogsRequest{FlowLogIds: []string{subnetLog}})
	if o := desc.FlowLogs[0].DestinationOptions; o == nil || *o.FileFormat != "plain-text" || *desc.FlowLogs[0].MaxAggregationInterval != 60 {
		t.Errorf("S3 flow log: %+v", desc.FlowLogs[0])
	}

	// The flow logs are in the data plane's model, in their VPC's part.
	n, _, err := s.Network(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := n.FlowLogs[subnetLog]
	if m == nil || m.VPC != vpc || m.Resource != subnet || m.Traffic != "REJECT" || m.Interval != 60 || m.Destination != "s3" ||
		m.Bucket != "flow-bucket" || m.Prefix != "vpcd/" || !slices.Equal(m.Format, []string{"version", "vpc-id", "subnet-id", "srcaddr", "dstaddr", "action", "tcp-flags"}) {
		t.Errorf("model: %+v", m)
	}
	if m := n.FlowLogs[vpcLog]; m == nil || m.LogGroup != "/aws/vpc/flowlogs" || m.Owner != testCaller.Account || m.Region != testCaller.Region || len(m.Format) != 14 {
		t.Errorf("model: %+v", m)
	}

	// Tags through CreateTags, as Terraform changes them.
	wantCode(t, s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{subnetLog}, Tags: []ec2.Tag{{Key: kit.Ptr("env"), Value: kit.Ptr("test")}}}), "")
	desc, _ = s.DescribeFlowLogs(ctx, testCaller, &ec2.DescribeFlowLogsRequest{Filter: []ec2.Filter{{Name: kit.Ptr("tag:env"), Values: []string{"test"}}}})
	if len(desc.FlowLogs) != 1 {
		t.Errorf("tagged: %+v", desc.FlowLogs)
	}

	del, err := s.DeleteFlowLogs(ctx, testCaller, &ec2.DeleteFlowLogsRequest{FlowLogIds: []string{vpcLog, "fl-0123456789abcdef0"}})
	wantCode(t, err, "")
	if !slices.Equal(unsuccessfulCodes(del.Unsuccessful), []string{"fl-0123456789abcdef0 InvalidFlowLogId.NotFound"}) ||
		*del.Unsuccessful[0].Error.Message != "These flow log ids in the input list are not found: [TotalCount: 1] fl-0123456789abcdef0" {
		t.Errorf("delete: %+v", del.Unsuccessful)
	}
	desc, _ = s.DescribeFlowLogs(ctx, testCaller, &ec2.DescribeFlowLogsRequest{})
	if len(desc.FlowLogs) != 1 || *desc.FlowLogs[0].FlowLogId != subnetLog {
		t.Errorf("after delete: %+v", desc.FlowLogs)
	}
	n, _, _ = s.Network(ctx)
	if n.FlowLogs[vpcLog] != nil {
		t.Errorf("deleted flow log still in the model")
	}
}

type buckets map[string]bool

func (b buckets) HasBucket(name string) (bool, error) { return b[name], nil }

// A flow log to a bucket that does not exist is answered in Unsuccessful, as AWS answers
// it (code 400); parquet files are refused; a delivery that failed shows in
// DescribeFlowLogs as FAILED with its message, until one succeeds.
func TestFlowLogsToS3Destination(t *testing.T) {
	s := newTestService(t)
	s.FlowLogs.Buckets = buckets{"flows": true}
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	toS3 := func(bucket, format string) *ec2.CreateFlowLogsRequest {
		return &ec2.CreateFlowLogsRequest{ResourceType: kit.Ptr("VPC"), ResourceIds: []string{vpc}, TrafficType: kit.Ptr("ALL"),
			LogDestinationType: kit.Ptr("s3"), LogDestination: kit.Ptr("arn:aws:s3:::" + bucket + "/vpc"),
			DestinationOptions: &ec2.DestinationOptionsRequest{FileFormat: kit.Ptr(format)}}
	}
	out, err := s.CreateFlowLogs(ctx, testCaller, toS3("missing", "plain-text"))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.FlowLogIds) != 0 || len(out.Unsuccessful) != 1 || *out.Unsuccessful[0].Error.Code != "400" ||
		*out.Unsuccessful[0].Error.Message != "LogDestination: missing does not exist." || *out.Unsuccessful[0].ResourceId != vpc {
		t.Errorf("to a missing bucket: created %v, unsuccessful %+v", out.FlowLogIds, out.Unsuccessful)
	}
	_, err = s.CreateFlowLogs(ctx, testCaller, toS3("flows", "parquet"))
	wantCode(t, err, "InvalidParameterValue")

	out, err = s.CreateFlowLogs(ctx, testCaller, toS3("flows", "plain-text"))
	if err != nil || len(out.FlowLogIds) != 1 {
		t.Fatalf("create: %v, %+v", err, out)
	}
	id := out.FlowLogIds[0]
	status := func(filter string) (string, string, int) {
		t.Helper()
		d, err := s.DescribeFlowLogs(ctx, testCaller, &ec2.DescribeFlowLogsRequest{FlowLogIds: []string{id}})
		if err != nil || len(d.FlowLogs) != 1 {
			t.Fatalf("describe: %v, %+v", err, d)
		}
		f, err := s.DescribeFlowLogs(ctx, testCaller, &ec2.DescribeFlowLogsRequest{Filter: []ec2.Filter{{Name: kit.Ptr("deliver-log-status"), Values: []string{filter}}}})
		if err != nil {
			t.Fatal(err)
		}
		return *d.FlowLogs[0].DeliverLogsStatus, kit.Deref(d.FlowLogs[0].DeliverLogsErrorMessage), len(f.FlowLogs)
	}
	if st, msg, n := status("SUCCESS"); st != "SUCCESS" || msg != "" || n != 1 {
		t.Errorf("new flow log: %s %q, %d by filter", st, msg, n)
	}
	if err := s.SetDeliveryError(ctx, testCaller, id, "Access error"); err != nil {
		t.Fatal(err)
	}
	if st, msg, n := status("FAILED"); st != "FAILED" || msg != "Access error" || n != 1 {
		t.Errorf("after a failed delivery: %s %q, %d by filter", st, msg, n)
	}
	if err := s.SetDeliveryError(ctx, testCaller, id, ""); err != nil {
		t.Fatal(err)
	}
	if st, msg, _ := status("SUCCESS"); st != "SUCCESS" || msg != "" {
		t.Errorf("after a delivery: %s %q", st, msg)
	}
}
