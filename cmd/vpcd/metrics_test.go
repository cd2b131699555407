package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"

	"vpcd/internal/vpcdtest"
)

// A running vpcd serves GET /metrics on the API's listener, in the Prometheus text
// format, and the API still answers beside it.
func TestServeMetrics(t *testing.T) {
	bin := vpcdtest.BuildBinary(t)
	url, _ := vpcdtest.StartBinary(t, bin, t.TempDir(), "--data-plane", "off")
	if _, err := vpcdtest.Client(url, "123456789012", "us-east-1").CreateVpc(context.Background(), &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %s %s\n%s", resp.Status, resp.Header.Get("Content-Type"), body)
	}
	text := string(body)
	for _, family := range []string{
		"vpcd_api_requests_total",
		"vpcd_api_request_duration_seconds",
		"vpcd_store_commit_duration_seconds",
		"vpcd_dataplane_sync_duration_seconds",
		"vpcd_dataplane_namespaces",
		"vpcd_dataplane_rules",
		"vpcd_daemons",
		"go_goroutines",
		"process_resident_memory_bytes",
	} {
		if !strings.Contains(text, "# TYPE "+family+" ") {
			t.Errorf("no family %s", family)
		}
	}
	// CreateVpc (and the default VPC before it) committed.
	if !strings.Contains(text, `vpcd_store_commit_duration_seconds_count{result="ok"}`) {
		t.Error("no commit timed")
	}
	if !strings.Contains(text, `vpcd_api_requests_total{action="CreateVpc",code="OK",service="ec2"} 1`) {
		t.Error("CreateVpc not counted")
	}
	if t.Failed() {
		t.Log(text)
	}
}
