package dataplane

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"vpcd/internal/control"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/flowlog"
	"vpcd/internal/model"
	"vpcd/internal/s3store"
	"vpcd/internal/store"
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

// A window's spooled files go to S3 as one file per flow log, named after the window;
// a flow log whose bucket is gone has its records dropped and shows FAILED, until a
// delivery goes again.
func TestDeliverS3Window(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := control.New(st, control.Config{})
	objects, err := s3store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer objects.Close()
	c := control.Caller{Account: "123456789012", Region: "us-east-1"}
	vpc, err := svc.CreateVpc(ctx, c, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	fls, err := svc.CreateFlowLogs(ctx, c, &ec2.CreateFlowLogsRequest{ResourceType: kit.Ptr("VPC"), ResourceIds: []string{*vpc.Vpc.VpcId},
		TrafficType: kit.Ptr("ALL"), LogDestinationType: kit.Ptr("s3"), LogDestination: kit.Ptr("arn:aws:s3:::flows")})
	if err != nil || len(fls.FlowLogIds) != 1 {
		t.Fatalf("CreateFlowLogs: %v %+v", err, fls)
	}
	id := fls.FlowLogIds[0]
	n := model.NewNetwork()
	n.Interfaces["eni-a"] = &model.Interface{ID: "eni-a", Subnet: "subnet-1", VPC: *vpc.Vpc.VpcId}
	n.FlowLogs[id] = &model.FlowLog{ID: id, Owner: c.Account, Region: c.Region, Resource: *vpc.Vpc.VpcId, Traffic: "ALL",
		Format: []string{"interface-id", "start", "log-status"}, Destination: "s3", Bucket: "flows"}
	d := &Dataplane{cfg: Config{S3: objects, Logger: slog.New(slog.DiscardHandler)}}
	window := time.Date(2026, 12, 2, 6, 15, 0, 0, time.UTC)
	spool := func() string {
		dir := t.TempDir()
		for i, r := range []vpcsvc.FlowRecord{
			{Interface: "eni-a", Start: window.Unix(), End: window.Unix() + 60, LogStatus: vpcsvc.NoData},
			{Interface: "eni-a", Start: window.Unix() + 60, End: window.Unix() + 120, LogStatus: vpcsvc.NoData},
		} {
			b, _ := json.Marshal([]vpcsvc.FlowRecord{r})
			os.WriteFile(filepath.Join(dir, strconv.Itoa(i)+".json"), b, 0o600)
		}
		return dir
	}
	status := func() string {
		out, err := svc.DescribeFlowLogs(ctx, c, &ec2.DescribeFlowLogsRequest{FlowLogIds: []string{id}})
		if err != nil || len(out.FlowLogs) != 1 {
			t.Fatalf("DescribeFlowLogs: %v", err)
		}
		return *out.FlowLogs[0].DeliverLogsStatus + " " + kit.Deref(out.FlowLogs[0].DeliverLogsErrorMessage)
	}

	dir := spool()
	if err := d.deliverS3(ctx, svc, n, dir, window); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the window's directory is left after a delivery to a missing bucket: %v", err)
	}
	if got := status(); got != "FAILED Access error" {
		t.Errorf("after a delivery to a missing bucket: %q", got)
	}

	req := httptest.NewRequest("PUT", "/flows", nil)
	rec := httptest.NewRecorder()
	objects.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("create bucket: %d %s", rec.Code, rec.Body)
	}
	if err := d.deliverS3(ctx, svc, n, spool(), window); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != "SUCCESS " {
		t.Errorf("after a delivery: %q", got)
	}
	key := "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/12/02/123456789012_vpcflowlogs_us-east-1_" + id + "_20261202T0615Z_"
	rec = httptest.NewRecorder()
	objects.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/flows?list-type=2", nil))
	if n := strings.Count(rec.Body.String(), key); n != 1 {
		t.Errorf("%d files %s…, want 1:\n%s", n, key, rec.Body)
	}
}

// A spooled file waits for S3 in the directory of the window its interval ended in.
func TestSpoolS3(t *testing.T) {
	dir := t.TempDir()
	end := time.Date(2026, 12, 2, 6, 17, 42, 0, time.UTC)
	path := filepath.Join(dir, strconv.FormatInt(end.UnixNano(), 10)+".json")
	os.WriteFile(path, []byte("[]"), 0o600)
	if err := spoolS3(path, flowlog.S3Window); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "s3", strconv.FormatInt(time.Date(2026, 12, 2, 6, 15, 0, 0, time.UTC).Unix(), 10), filepath.Base(path))
	if _, err := os.Stat(want); err != nil {
		t.Error(err)
	}
}
