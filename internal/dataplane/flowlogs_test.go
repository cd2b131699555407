package dataplane

import (
	"testing"

	"vpcd/internal/flowlog"
	"vpcd/internal/model"
	"vpcd/internal/vpcsvc"
)

// A NODATA record of the capture goes to every flow log of its interface, whatever
// traffic they record; a flow only to those that record its action.
func TestFlowRecordsOfStatuses(t *testing.T) {
	n := model.NewNetwork()
	n.Interfaces["eni-a"] = &model.Interface{ID: "eni-a", Subnet: "subnet-1", VPC: "vpc-1"}
	n.FlowLogs["fl-1"] = &model.FlowLog{ID: "fl-1", Resource: "vpc-1", Traffic: "ALL"}
	n.FlowLogs["fl-2"] = &model.FlowLog{ID: "fl-2", Resource: "eni-a", Traffic: "REJECT"}
	got := flowRecords(n, []vpcsvc.FlowRecord{
		{Interface: "eni-a", Start: 100, End: 160, LogStatus: vpcsvc.NoData},
		{Interface: "eni-a", Direction: "egress", Action: "ACCEPT", Protocol: 17, Packets: 1, Bytes: 40, Start: 100, End: 100},
	})
	var ids []string
	for _, r := range got {
		ids = append(ids, r.FlowLog+" "+r.LogStatus)
	}
	if len(got) != 3 || ids[0] != "fl-1 NODATA" || ids[1] != "fl-2 NODATA" || ids[2] != "fl-1 " {
		t.Fatalf("records %q", ids)
	}
	if r := got[0]; r.First.Unix() != 100 || r.Last.Unix() != 160 || r.LogStatus != flowlog.NoData {
		t.Errorf("NODATA record %+v", r)
	}
}
