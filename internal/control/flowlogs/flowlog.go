// Package flowlogs answers EC2's flow-log actions: CreateFlowLogs, DescribeFlowLogs and
// DeleteFlowLogs on VPCs, subnets and network interfaces, with AWS's validation of
// destinations, aggregation intervals and custom formats. A flow log enters the data
// plane's model through its kind (kit.FlowLogRecord, model.FlowLog); its records are made
// by internal/flowlog and delivered to CloudWatch Logs (control/logs) and to S3
// (s3store), and the data plane records how a delivery went (SetDeliveryError).
package flowlogs

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/flowlog"
)

// FlowLogs answers the actions of the family over the shared kit.
type FlowLogs struct {
	*kit.Kit
	// Buckets tells which S3 buckets exist, for flow logs to S3; nil takes every bucket
	// for one.
	Buckets interface {
		HasBucket(name string) (bool, error)
	}
}

// DeliveryAccessError is DeliverLogsErrorMessage of a flow log whose destination cannot
// take its records: an S3 bucket deleted since the flow log was made.
const DeliveryAccessError = "Access error"

func errInvalidParameter(format string, args ...any) error {
	return ec2.Errorf("InvalidParameter", format, args...)
}

func errFlowLogExists() error {
	return ec2.Errorf("FlowLogAlreadyExists", "Error. There is an existing Flow Log with the same configuration and log destination.")
}

// request is CreateFlowLogs' input, validated: what every flow log it creates shares.
type request struct {
	resourceKind string // vpc, subnet or eni
	traffic      string
	destType     string
	destination  string // the ARN DescribeFlowLogs shows
	logGroup     string
	role         string
	crossRole    string
	format       string
	interval     int32
	options      *kit.FlowLogDestinationOptions
	bucket       string // s3: the destination's bucket
	tags         map[string]string
}

// resourceKinds are the resource types vpcd records traffic of, by their ID's kind.
var resourceKinds = map[string]string{"VPC": "vpc", "Subnet": "subnet", "NetworkInterface": "eni"}

func parseRequest(c kit.Caller, in *ec2.CreateFlowLogsRequest) (*request, error) {
	rt := kit.Deref(in.ResourceType)
	kind, ok := resourceKinds[rt]
	switch {
	case rt == "":
		return nil, ec2.ErrMissingParameter("ResourceType")
	case len(in.ResourceIds) == 0:
		return nil, ec2.ErrMissingParameter("ResourceId")
	case !ok && slices.Contains([]string{"TransitGateway", "TransitGatewayAttachment", "RegionalNatGateway"}, rt):
		return nil, ec2.ErrInvalidParameterValue("Flow logs of resource type %s are not supported by vpcd yet.", rt)
	case !ok:
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter ResourceType is invalid. Valid values: VPC, Subnet, NetworkInterface, TransitGateway, TransitGatewayAttachment, RegionalNatGateway", rt)
	case len(in.ResourceIds) > 1000:
		return nil, ec2.ErrInvalidParameterValue("The maximum number of resource IDs is 1000.")
	}
	r := &request{resourceKind: kind, traffic: kit.Deref(in.TrafficType), role: kit.Deref(in.DeliverLogsPermissionArn),
		crossRole: kit.Deref(in.DeliverCrossAccountRole), format: flowlog.DefaultFormat, interval: 600}
	switch r.traffic {
	case "":
		return nil, ec2.ErrMissingParameter("TrafficType")
	case "ACCEPT", "REJECT", "ALL":
	default:
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter TrafficType is invalid. Valid values: ACCEPT, REJECT, ALL", r.traffic)
	}
	if in.MaxAggregationInterval != nil {
		if r.interval = *in.MaxAggregationInterval; r.interval != 60 && r.interval != 600 {
			return nil, errInvalidParameter("Invalid Flow Log Max Aggregation Interval")
		}
	}
	if in.LogFormat != nil {
		if err := checkFormat(*in.LogFormat); err != nil {
			return nil, err
		}
		r.format = *in.LogFormat
	}
	if err := r.destinationOf(c, in); err != nil {
		return nil, err
	}
	var err error
	r.tags, err = kit.TagsOnCreate(in.TagSpecifications, "vpc-flow-log")
	return r, err
}

// checkFormat validates a custom format: one or more ${field} of the documented fields,
// separated by spaces.
func checkFormat(format string) error {
	words := strings.Fields(format)
	if len(words) == 0 {
		return errInvalidParameter("LogFormat must contain at least one field.")
	}
	var unknown []string
	for _, w := range words {
		name, ok := strings.CutPrefix(w, "${")
		name, closed := strings.CutSuffix(name, "}")
		if !ok || !closed {
			return errInvalidParameter("Invalid LogFormat: %s is not of the form ${field-name}.", w)
		}
		if _, known := flowlog.Fields[name]; !known {
			unknown = append(unknown, w)
		}
	}
	if len(unknown) > 0 {
		return errInvalidParameter("Unknown fields provided: %s.", strings.Join(unknown, ", "))
	}
	return nil
}

// destinationOf validates where the flow logs deliver.
func (r *request) destinationOf(c kit.Caller, in *ec2.CreateFlowLogsRequest) error {
	r.destType = kit.Deref(in.LogDestinationType)
	if r.destType == "" {
		r.destType = "cloud-watch-logs"
	}
	dest := kit.Deref(in.LogDestination)
	group := kit.Deref(in.LogGroupName)
	switch r.destType {
	case "cloud-watch-logs":
		switch {
		case group != "" && dest != "":
			return errInvalidParameter("Please only provide LogGroupName or only provide LogDestination.")
		case group == "" && dest == "":
			return errInvalidParameter("LogDestination can't be empty if LogGroupName is not provided.")
		case r.role == "":
			return errInvalidParameter("DeliverLogsPermissionArn can't be empty if LogDestinationType is cloud-watch-logs.")
		case dest != "":
			// arn:aws:logs:REGION:ACCOUNT:log-group:NAME
			parts := strings.SplitN(dest, ":", 7)
			if len(parts) != 7 || parts[0] != "arn" || parts[2] != "logs" || parts[5] != "log-group" || parts[6] == "" {
				return errInvalidParameter("LogDestination: %s is not a valid CloudWatch Logs log group ARN.", dest)
			}
			r.logGroup, r.destination = strings.TrimSuffix(parts[6], ":*"), strings.TrimSuffix(dest, ":*")
		default:
			r.logGroup = group
			r.destination = "arn:aws:logs:" + c.Region + ":" + c.Account + ":log-group:" + group
		}
	case "s3":
		switch {
		case group != "":
			return errInvalidParameter("LogDestination type must be cloud-watch-logs if LogGroupName is provided.")
		case dest == "":
			return errInvalidParameter("LogDestination can't be empty if LogDestinationType is s3.")
		}
		bucket, _, _ := strings.Cut(strings.TrimPrefix(dest, "arn:aws:s3:::"), "/")
		if !strings.HasPrefix(dest, "arn:aws:s3:::") || bucket == "" {
			return errInvalidParameter("LogDestination: %s is not a valid S3 ARN.", dest)
		}
		r.destination = dest
		r.options = &kit.FlowLogDestinationOptions{FileFormat: "plain-text"}
		if o := in.DestinationOptions; o != nil {
			r.options.FileFormat = cmpOr(kit.Deref(o.FileFormat), "plain-text")
			if f := r.options.FileFormat; f != "plain-text" && f != "parquet" {
				return ec2.ErrInvalidParameterValue("Value (%s) for parameter FileFormat is invalid. Valid values: plain-text, parquet", f)
			}
			r.options.HiveCompatiblePartitions, r.options.PerHourPartition = kit.Deref(o.HiveCompatiblePartitions), kit.Deref(o.PerHourPartition)
		}
		if r.options.FileFormat == "parquet" {
			return ec2.ErrInvalidParameterValue("Flow log files in parquet are not supported by vpcd yet: use plain-text.")
		}
		r.bucket = bucket
	case "kinesis-data-firehose":
		if group != "" {
			return errInvalidParameter("LogDestination type must be cloud-watch-logs if LogGroupName is provided.")
		}
		if !strings.HasPrefix(dest, "arn:aws:firehose:") {
			return errInvalidParameter("LogDestination can't be empty if LogDestinationType is kinesis-data-firehose.")
		}
		r.destination = dest
	default:
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter LogDestinationType is invalid. Valid values: cloud-watch-logs, s3, kinesis-data-firehose", r.destType)
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// CreateFlowLogs creates a flow log for each resource. A resource that does not exist,
// or that already has a flow log of the same traffic to the same destination, is
// answered in Unsuccessful, and the others are created. A repeated ClientToken answers
// the flow logs it created.
func (s *FlowLogs) CreateFlowLogs(ctx context.Context, c kit.Caller, in *ec2.CreateFlowLogsRequest) (*ec2.CreateFlowLogsResult, error) {
	r, err := parseRequest(c, in)
	if err != nil {
		return nil, err
	}
	if r.bucket != "" && s.Buckets != nil {
		ok, err := s.Buckets.HasBucket(r.bucket)
		if err != nil {
			return nil, err
		}
		if !ok {
			// AWS answers each resource in Unsuccessful, with an HTTP status for a code.
			out := &ec2.CreateFlowLogsResult{ClientToken: in.ClientToken, FlowLogIds: []string{}, Unsuccessful: []ec2.UnsuccessfulItem{}}
			for _, id := range in.ResourceIds {
				out.Unsuccessful = append(out.Unsuccessful, kit.UnsuccessfulItem(id, "400", "LogDestination: "+r.bucket+" does not exist."))
			}
			return out, nil
		}
	}
	token := kit.Deref(in.ClientToken)
	out := &ec2.CreateFlowLogsResult{ClientToken: in.ClientToken, FlowLogIds: []string{}, Unsuccessful: []ec2.UnsuccessfulItem{}}
	err = s.Update(ctx, func(t *kit.Txn) error {
		out.FlowLogIds, out.Unsuccessful = []string{}, []ec2.UnsuccessfulItem{}
		existing, err := kit.ListAll[kit.FlowLogRecord](t, c.Prefix("fl"))
		if err != nil {
			return err
		}
		if token != "" {
			for _, f := range existing {
				if f.ClientToken == token {
					out.FlowLogIds = append(out.FlowLogIds, f.ID)
				}
			}
			if len(out.FlowLogIds) > 0 {
				return nil
			}
		}
		for _, id := range in.ResourceIds {
			f, err := s.create(t, c, r, id, existing)
			if e, ok := err.(*ec2.Error); ok {
				out.Unsuccessful = append(out.Unsuccessful, kit.UnsuccessfulItem(id, e.Code, e.Message))
				continue
			}
			if err != nil {
				return err
			}
			f.ClientToken = token
			if err := t.Put(c.Key(f.ID), f); err != nil {
				return err
			}
			existing = append(existing, f)
			out.FlowLogIds = append(out.FlowLogIds, f.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// create makes the flow log of one resource, or says why it cannot.
func (s *FlowLogs) create(t *kit.Txn, c kit.Caller, r *request, resource string, existing []*kit.FlowLogRecord) (*kit.FlowLogRecord, error) {
	if err := kit.CheckID(resource, r.resourceKind); err != nil {
		return nil, err
	}
	vpc, err := vpcOf(t, c, resource)
	if err != nil {
		return nil, err
	}
	// Two creators of a flow log of the same resource conflict, so that the check for a
	// duplicate below holds.
	if err := t.Guard(c.Prefix("fl-resource") + resource); err != nil {
		return nil, err
	}
	for _, f := range existing {
		if f.ResourceID == resource && f.TrafficType == r.traffic && f.DestinationType == r.destType && f.Destination == r.destination {
			return nil, errFlowLogExists()
		}
	}
	return &kit.FlowLogRecord{
		Meta:       kit.Meta{ID: kit.NewID("fl"), Owner: c.Account, Tags: r.tags},
		ResourceID: resource, VpcID: vpc, TrafficType: r.traffic, DestinationType: r.destType, Destination: r.destination,
		LogGroupName: r.logGroup, DeliverLogsRole: r.role, CrossAccountRole: r.crossRole, LogFormat: r.format, Interval: r.interval,
		DestinationOption: r.options, Created: s.Now().UTC().Truncate(1e6),
	}, nil
}

// vpcOf is the VPC of a VPC, subnet or interface the caller has, read without a
// compare: its VPC never changes, and its deletion leaves the flow log behind, as AWS
// deletes flow logs with their resource only in its own time.
func vpcOf(t *kit.Txn, c kit.Caller, id string) (string, error) {
	var rec struct {
		ID    string `json:"id"`
		VpcID string `json:"vpcId"`
	}
	ok, err := t.Peek(c.Key(id), &rec)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", kit.NotFound(id)
	}
	if kit.KindOf(id) == "vpc" {
		return rec.ID, nil
	}
	return rec.VpcID, nil
}

// flowLogFilters are DescribeFlowLogs' filters.
var flowLogFilters = map[string]func(*kit.FlowLogRecord) []string{
	"deliver-log-status":   func(f *kit.FlowLogRecord) []string { return []string{f.DeliverLogsStatus()} },
	"log-destination-type": func(f *kit.FlowLogRecord) []string { return []string{f.DestinationType} },
	"flow-log-id":          func(f *kit.FlowLogRecord) []string { return []string{f.ID} },
	"log-group-name":       func(f *kit.FlowLogRecord) []string { return []string{f.LogGroupName} },
	"resource-id":          func(f *kit.FlowLogRecord) []string { return []string{f.ResourceID} },
	"traffic-type":         func(f *kit.FlowLogRecord) []string { return []string{f.TrafficType} },
}

// DescribeFlowLogs lists the caller's flow logs. IDs that name nothing are left out of
// the answer rather than refused, as AWS answers them.
func (s *FlowLogs) DescribeFlowLogs(ctx context.Context, c kit.Caller, in *ec2.DescribeFlowLogsRequest) (*ec2.DescribeFlowLogsResult, error) {
	filters := in.Filter
	if len(in.FlowLogIds) > 0 {
		filters = append(slices.Clone(filters), ec2.Filter{Name: kit.Ptr("flow-log-id"), Values: in.FlowLogIds})
	}
	fls, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "fl", Filters: filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 1}, flowLogFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeFlowLogsResult{NextToken: next, FlowLogs: []ec2.FlowLog{}}
	for _, f := range fls {
		out.FlowLogs = append(out.FlowLogs, *f.EC2())
	}
	return out, nil
}

// SetDeliveryError records how a flow log's last delivery went: failure is
// DeliverLogsErrorMessage, "" for a success. A flow log no longer there is left alone.
func (s *FlowLogs) SetDeliveryError(ctx context.Context, c kit.Caller, id, failure string) error {
	same := false // read first: a delivery that goes as the last one writes nothing
	if err := s.View(ctx, func(t *kit.Txn) error {
		var f kit.FlowLogRecord
		ok, err := t.Get(c.Key(id), &f)
		same = !ok || f.DeliveryError == failure
		return err
	}); err != nil || same {
		return err
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		var f kit.FlowLogRecord
		ok, err := t.Get(c.Key(id), &f)
		if err != nil || !ok || f.DeliveryError == failure {
			return err
		}
		f.DeliveryError = failure
		return t.Put(c.Key(id), &f)
	})
}

// DeleteFlowLogs deletes flow logs; an ID that names none of the caller's is answered in
// Unsuccessful, and the others are deleted.
func (s *FlowLogs) DeleteFlowLogs(ctx context.Context, c kit.Caller, in *ec2.DeleteFlowLogsRequest) (*ec2.DeleteFlowLogsResult, error) {
	if len(in.FlowLogIds) == 0 {
		return nil, ec2.ErrMissingParameter("FlowLogId")
	}
	if len(in.FlowLogIds) > 1000 {
		return nil, ec2.ErrInvalidParameterValue("The maximum number of flow log IDs is 1000.")
	}
	out := &ec2.DeleteFlowLogsResult{Unsuccessful: []ec2.UnsuccessfulItem{}}
	err := s.Update(ctx, func(t *kit.Txn) error {
		out.Unsuccessful = []ec2.UnsuccessfulItem{}
		for _, id := range slices.Compact(slices.Sorted(slices.Values(in.FlowLogIds))) {
			var f kit.FlowLogRecord
			ok := false
			if kit.ValidID(id, "fl") {
				var err error
				if ok, err = t.Get(c.Key(id), &f); err != nil {
					return err
				}
			}
			if !ok {
				k := kit.Lookup("fl")
				out.Unsuccessful = append(out.Unsuccessful, kit.UnsuccessfulItem(id, k.NotFound, fmt.Sprintf(k.NotFoundMessage, id)))
				continue
			}
			t.Del(c.Key(id))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
