package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"vpcd/internal/vpcdtest"
)

// TestBoto3 runs the boto3 suite of testdata/boto3 (unittest, one account per test)
// against a vpcd binary serving the API only: empty describes keep their list keys, new
// resources their empty lists, and every commercial region answers with its zones.
func TestBoto3(t *testing.T) {
	python := ""
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import boto3").Run() == nil {
			python = p
			break
		}
	}
	if python == "" {
		t.Skip("boto3 is not installed for python3 (Debian: apt-get install python3-boto3)")
	}
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "testdata/boto3/run.py", "-v")
	cmd.Env = append(os.Environ(), "VPCD_URL="+url, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	t.Logf("boto3 suite: %s", lines[len(lines)-1])
	if err != nil || !strings.HasSuffix(lines[len(lines)-1], " 0 failed") {
		t.Fatalf("boto3 suite: %v\n%s", err, out)
	}
}
