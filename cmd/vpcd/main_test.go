package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"

	"vpcd/internal/vpcdtest"
)

func TestVersion(t *testing.T) {
	out, err := exec.Command(vpcdtest.BuildBinary(t), "version").Output()
	if err != nil || strings.TrimSpace(string(out)) != "vpcd dev" {
		t.Fatalf("vpcd version: %q, %v", out, err)
	}
}

// Bad invocations stop before listening, with a message that says what to do.
func TestServeRefuses(t *testing.T) {
	bin := vpcdtest.BuildBinary(t)
	creds := filepath.Join(t.TempDir(), "credentials")
	os.WriteFile(creds, []byte("AKID secret 111122223333\n"), 0o600)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"non-loopback without strict auth", []string{"--listen", "0.0.0.0:8787"}, "without --auth strict"},
		{"all interfaces without strict auth", []string{"--listen", ":8787"}, "without --auth strict"},
		{"strict without credentials", []string{"--auth", "strict"}, "needs --credentials"},
		{"credentials without strict", []string{"--credentials", creds}, "needs --auth strict"},
		{"unknown auth", []string{"--auth", "none"}, "lenient or strict"},
		{"no region", []string{"--regions", ","}, "no region"},
		{"quota not SERVICE/CODE=VALUE", []string{"--quota", "vpc/L-F678F1CE"}, "SERVICE/CODE=VALUE"},
		{"unknown quota", []string{"--quota", "ec2/L-F678F1CE=5"}, "quota ec2/L-F678F1CE: unknown"},
		{"fractional quota", []string{"--quota", "vpc/L-F678F1CE=1,ec2/L-0263D0A3=2.5"}, "not a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"serve", "--data-dir", t.TempDir()}, tt.args...)...)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), tt.want) {
				t.Fatalf("got %v\n%s\nwant an error containing %q", err, out, tt.want)
			}
		})
	}
}

// SIGTERM shuts vpcd down cleanly, and what it acknowledged is there after a restart.
func TestServeShutdownAndRestart(t *testing.T) {
	bin := vpcdtest.BuildBinary(t)
	data := t.TempDir()
	ctx := context.Background()

	url, cmd := vpcdtest.StartBinary(t, bin, data)
	vpc, err := vpcdtest.Client(url, "123456789012", "us-east-1").CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("vpcd after SIGTERM: %v", err)
	}

	url, _ = vpcdtest.StartBinary(t, bin, data)
	out, err := vpcdtest.Client(url, "123456789012", "us-east-1").DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{VpcIds: []string{*vpc.Vpc.VpcId}})
	if err != nil || len(out.Vpcs) != 1 {
		t.Fatalf("after restart: %v, %+v", err, out)
	}
}

// --quota sets where every account starts: with two VPCs per Region, the default VPC
// and one more fit, and the next is refused as AWS refuses it.
func TestServeQuota(t *testing.T) {
	bin := vpcdtest.BuildBinary(t)
	url, _ := vpcdtest.StartBinary(t, bin, t.TempDir(), "--data-plane", "off", "--quota", "vpc/L-F678F1CE=2", "--quota", "ec2/L-0263D0A3=7")
	ec2c := vpcdtest.Client(url, "123456789012", "us-east-1")
	ctx := context.Background()
	if _, err := ec2c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	_, err := ec2c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.2.0.0/16")})
	if err == nil || !strings.Contains(err.Error(), "VpcLimitExceeded") {
		t.Fatalf("third VPC: %v", err)
	}
}

func TestParseDNSUpstream(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"127.0.0.1", []string{"127.0.0.1:53"}, true},
		{"127.0.0.53:5353, ::1", []string{"127.0.0.53:5353", "[::1]:53"}, true},
		{"[::1]:5300", []string{"[::1]:5300"}, true},
		{"dns.example.com", nil, false},
		{"127.0.0.1:0", nil, false},
		{"127.0.0.1:99999", nil, false},
	} {
		got, err := parseDNSUpstream(c.in)
		if (err == nil) != c.ok || !slices.Equal(got, c.want) {
			t.Errorf("parseDNSUpstream(%q) = %q, %v; want %q, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}
