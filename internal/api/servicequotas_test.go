package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"vpcd/internal/vpcdtest"
)

// The aws CLI reads the Elastic IP quota, raises it, and the sixth address is then
// allocated; the request shows in the history.
func TestAWSCLIServiceQuotaIncrease(t *testing.T) {
	srv := vpcdtest.Start(t)
	cli := func(args ...string) string {
		t.Helper()
		out, ok := awsCLI(t, srv.URL, args...)
		if !ok {
			t.Fatalf("%s: %s", strings.Join(args, " "), out)
		}
		return out
	}
	var got struct {
		Quota struct {
			ServiceCode, QuotaCode, QuotaName, QuotaArn string
			Value                                       float64
			Adjustable                                  bool
		}
	}
	out := cli("service-quotas", "get-service-quota", "--service-code", "ec2", "--quota-code", "L-0263D0A3")
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Quota.Value != 5 || got.Quota.QuotaName != "EC2-VPC Elastic IPs" ||
		got.Quota.QuotaArn != "arn:aws:servicequotas:us-east-1:123456789012:ec2/L-0263D0A3" || !got.Quota.Adjustable {
		t.Errorf("get-service-quota: %+v (%v)\n%s", got, err, out)
	}
	for range 5 {
		cli("ec2", "allocate-address")
	}
	out, ok := awsCLI(t, srv.URL, "ec2", "allocate-address")
	if ok || !strings.Contains(out, "(AddressLimitExceeded)") {
		t.Fatalf("sixth address before the increase: %s", out)
	}
	out, ok = awsCLI(t, srv.URL, "service-quotas", "request-service-quota-increase", "--service-code", "ec2", "--quota-code", "L-0263D0A3", "--desired-value", "4")
	if ok || !strings.Contains(out, "(IllegalArgumentException)") {
		t.Errorf("a decrease: %s", out)
	}
	var req struct{ RequestedQuota struct{ Id, Status string } }
	out = cli("service-quotas", "request-service-quota-increase", "--service-code", "ec2", "--quota-code", "L-0263D0A3", "--desired-value", "6")
	if err := json.Unmarshal([]byte(out), &req); err != nil || req.RequestedQuota.Status != "APPROVED" || req.RequestedQuota.Id == "" {
		t.Fatalf("request-service-quota-increase: %+v (%v)\n%s", req, err, out)
	}
	cli("ec2", "allocate-address")
	out = cli("service-quotas", "get-requested-service-quota-change", "--request-id", req.RequestedQuota.Id)
	if !strings.Contains(out, `"DesiredValue": 6.0,`) {
		t.Errorf("get-requested-service-quota-change: %s", out)
	}
	out = cli("service-quotas", "list-requested-service-quota-change-history-by-quota", "--service-code", "ec2", "--quota-code", "L-0263D0A3")
	if !strings.Contains(out, req.RequestedQuota.Id) {
		t.Errorf("history: %s", out)
	}
	out = cli("service-quotas", "list-service-quotas", "--service-code", "vpc")
	if !strings.Contains(out, `"L-F678F1CE"`) || !strings.Contains(out, `"VPCs per Region"`) {
		t.Errorf("list-service-quotas: %s", out)
	}
	out = cli("service-quotas", "list-aws-default-service-quotas", "--service-code", "ec2")
	if !strings.Contains(out, `"L-1216C47A"`) {
		t.Errorf("list-aws-default-service-quotas: %s", out)
	}
	out = cli("service-quotas", "list-services")
	if !strings.Contains(out, `"ServiceCode": "vpc"`) || !strings.Contains(out, `"ServiceCode": "ec2"`) {
		t.Errorf("list-services: %s", out)
	}
	out, ok = awsCLI(t, srv.URL, "service-quotas", "get-service-quota", "--service-code", "ec2", "--quota-code", "L-DEADBEEF")
	if ok || !strings.Contains(out, "(NoSuchResourceException)") {
		t.Errorf("unknown quota: %s", out)
	}
}
