package api_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"vpcd/internal/vpcdtest"
)

// awsCLI runs the aws CLI against base as account 123456789012 and returns what it
// printed and whether it succeeded; the test is skipped without the CLI.
func awsCLI(t *testing.T, base string, args ...string) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	cmd := exec.Command("aws", append([]string{"--endpoint-url", base, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=123456789012", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1")
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// The aws CLI (botocore) reads STS's query answers and errors from vpcd.
func TestAWSCLISTS(t *testing.T) {
	srv := vpcdtest.Start(t)
	out, ok := awsCLI(t, srv.URL, "sts", "get-caller-identity")
	if !ok {
		t.Fatalf("get-caller-identity: %s", out)
	}
	var id struct{ Account, Arn, UserId string }
	if err := json.Unmarshal([]byte(out), &id); err != nil || id.Account != "123456789012" || id.Arn != "arn:aws:iam::123456789012:root" || id.UserId != "123456789012" {
		t.Errorf("identity %+v (%v) from\n%s", id, err, out)
	}
	out, ok = awsCLI(t, srv.URL, "sts", "assume-role", "--role-arn", "arn:aws:iam::123456789012:role/x", "--role-session-name", "session")
	if ok || !strings.Contains(out, "(InvalidAction)") || !strings.Contains(out, "not supported by vpcd yet") {
		t.Errorf("assume-role: %s", out)
	}
}

// The aws CLI reads awsJson answers and errors, with the status and __type botocore
// expects.
func TestAWSCLIServiceQuotas(t *testing.T) {
	base := quotaServer(t)
	out, ok := awsCLI(t, base, "service-quotas", "get-service-quota", "--service-code", "vpc", "--quota-code", "L-F678F1CE")
	if !ok || !strings.Contains(out, `"Value": 5`) || !strings.Contains(out, `"QuotaCode": "L-F678F1CE"`) {
		t.Errorf("get-service-quota: %s", out)
	}
	for _, tt := range []struct{ args, code string }{
		{"get-service-quota --service-code vpc --quota-code L-MISSING", "NoSuchResourceException"},
		{"get-association-for-service-quota-template", "UnknownOperationException"},
	} {
		out, ok := awsCLI(t, base, append([]string{"service-quotas"}, strings.Fields(tt.args)...)...)
		if ok || !strings.Contains(out, "("+tt.code+")") {
			t.Errorf("%s: want %s, got: %s", tt.args, tt.code, out)
		}
	}
}
