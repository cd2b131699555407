package model

// FlowLog is a flow log as the data plane needs it: which traffic of which resource it
// records, how often, in which format and where the records go. Resource is a VPC,
// subnet or network interface ID; VPC is the VPC that resource is in, so that the flow
// log belongs to that VPC's part of the network.
type FlowLog struct {
	ID, Owner, Region string
	Resource          string
	VPC               string
	Traffic           string   // ACCEPT, REJECT or ALL
	Interval          int      // the maximum aggregation interval in seconds: 60 or 600
	Format            []string // the record's field names, in order ("version", "srcaddr", ...)
	Destination       string   // "cloud-watch-logs" or "s3"
	LogGroup          string   // cloud-watch-logs: the log group's name
	Bucket, Prefix    string   // s3: the bucket and the key prefix ("" for none)
	// s3: Hive-compatible prefixes (aws-account-id=…/year=…/) and a folder per hour.
	HivePartitions, PerHour bool
}

// Covers reports whether the flow log records the traffic of an interface in subnet
// and vpc.
func (f *FlowLog) Covers(eni, subnet, vpc string) bool {
	return f.Resource == eni || f.Resource == subnet || f.Resource == vpc
}

// FlowLogsOf are the flow logs that record an interface's traffic, in ID order.
func (n *Network) FlowLogsOf(eni string) []*FlowLog {
	e := n.Interfaces[eni]
	if e == nil {
		return nil
	}
	var out []*FlowLog
	for _, id := range SortedKeys(n.FlowLogs) {
		if f := n.FlowLogs[id]; f.Covers(eni, e.Subnet, e.VPC) {
			out = append(out, f)
		}
	}
	return out
}

// VPCHasFlowLogs reports whether a flow log records any traffic of the VPC.
func (n *Network) VPCHasFlowLogs(vpc string) bool {
	for _, f := range n.FlowLogs {
		if f.VPC == vpc {
			return true
		}
	}
	return false
}
