package kit

import (
	"strings"
	"time"

	"vpcd/internal/ec2"
	"vpcd/internal/model"
)

// FlowLogRecord is a flow log (kind "fl") of a VPC, subnet or network interface.
type FlowLogRecord struct {
	Meta
	ResourceID      string `json:"resourceId"`
	VpcID           string `json:"vpcId"` // the VPC the resource is in
	TrafficType     string `json:"trafficType"`
	DestinationType string `json:"destinationType"` // cloud-watch-logs, s3 or kinesis-data-firehose
	// Destination is the destination's ARN: the log group's (without ":*"), the bucket's
	// with its prefix, or the delivery stream's.
	Destination       string                     `json:"destination"`
	LogGroupName      string                     `json:"logGroupName,omitempty"`
	DeliverLogsRole   string                     `json:"deliverLogsRole,omitempty"`
	CrossAccountRole  string                     `json:"crossAccountRole,omitempty"`
	LogFormat         string                     `json:"logFormat"`
	Interval          int32                      `json:"interval"`
	DestinationOption *FlowLogDestinationOptions `json:"destinationOptions,omitempty"` // s3
	Created           time.Time                  `json:"created"`
	ClientToken       string                     `json:"clientToken,omitempty"`
	// DeliveryError is why the last delivery failed (DeliverLogsErrorMessage, with
	// DeliverLogsStatus FAILED); "" after a success.
	DeliveryError string `json:"deliveryError,omitempty"`
}

// DeliverLogsStatus is the flow log's DeliverLogsStatus: SUCCESS or FAILED.
func (f *FlowLogRecord) DeliverLogsStatus() string {
	if f.DeliveryError != "" {
		return "FAILED"
	}
	return "SUCCESS"
}

// FlowLogDestinationOptions are how an S3 flow log writes its objects.
type FlowLogDestinationOptions struct {
	FileFormat               string `json:"fileFormat"` // plain-text or parquet
	HiveCompatiblePartitions bool   `json:"hiveCompatiblePartitions,omitempty"`
	PerHourPartition         bool   `json:"perHourPartition,omitempty"`
}

// EC2 is the flow log as DescribeFlowLogs shows it: always active, its deliveries
// successful unless the last one failed.
func (f *FlowLogRecord) EC2() *ec2.FlowLog {
	out := &ec2.FlowLog{
		FlowLogId: Ptr(f.ID), CreationTime: Ptr(f.Created), ResourceId: Ptr(f.ResourceID), TrafficType: Ptr(f.TrafficType),
		FlowLogStatus: Ptr("ACTIVE"), DeliverLogsStatus: Ptr(f.DeliverLogsStatus()), LogDestinationType: Ptr(f.DestinationType),
		LogDestination: Ptr(f.Destination), LogFormat: Ptr(f.LogFormat), MaxAggregationInterval: Ptr(f.Interval), Tags: f.EC2Tags(),
	}
	if f.DeliveryError != "" {
		out.DeliverLogsErrorMessage = Ptr(f.DeliveryError)
	}
	if f.LogGroupName != "" {
		out.LogGroupName = Ptr(f.LogGroupName)
	}
	if f.DeliverLogsRole != "" {
		out.DeliverLogsPermissionArn = Ptr(f.DeliverLogsRole)
	}
	if f.CrossAccountRole != "" {
		out.DeliverCrossAccountRole = Ptr(f.CrossAccountRole)
	}
	if o := f.DestinationOption; o != nil {
		out.DestinationOptions = &ec2.DestinationOptionsResponse{FileFormat: Ptr(o.FileFormat),
			HiveCompatiblePartitions: Ptr(o.HiveCompatiblePartitions), PerHourPartition: Ptr(o.PerHourPartition)}
	}
	return out
}

// FlowLogFields are the field names of a log format, "${version} ${srcaddr}" → version,
// srcaddr, in order.
func FlowLogFields(format string) []string {
	var out []string
	for _, w := range strings.Fields(format) {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(w, "${"), "}"))
	}
	return out
}

func flowLogModel(region string, f *FlowLogRecord) any {
	m := &model.FlowLog{ID: f.ID, Owner: f.Owner, Region: region, Resource: f.ResourceID, VPC: f.VpcID, Traffic: f.TrafficType,
		Interval: int(f.Interval), Format: FlowLogFields(f.LogFormat), Destination: f.DestinationType, LogGroup: f.LogGroupName}
	if f.DestinationType == "s3" {
		// arn:aws:s3:::bucket/prefix/
		path := strings.TrimPrefix(f.Destination, "arn:aws:s3:::")
		m.Bucket, m.Prefix, _ = strings.Cut(path, "/")
		if o := f.DestinationOption; o != nil {
			m.HivePartitions, m.PerHour = o.HiveCompatiblePartitions, o.PerHourPartition
		}
	}
	return m
}
