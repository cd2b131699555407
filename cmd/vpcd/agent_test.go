package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"vpcd/internal/store/etcdtest"
	"vpcd/internal/vpcdtest"
)

func TestParseAgent(t *testing.T) {
	base := []string{"--store", "etcd://127.0.0.1:2379", "--host-id", "h1", "--underlay", "192.0.2.1"}
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"the least", base, ""},
		{"zones and capacity", append(base, "--zones", "us-east-1a, us-west-2b", "--capacity-vcpus", "16"), ""},
		{"no store", []string{"--host-id", "h1", "--underlay", "192.0.2.1"}, "--store"},
		{"no host ID", []string{"--store", "etcd://a:1", "--underlay", "192.0.2.1"}, "host ID"},
		{"a bad host ID", append(base, "--host-id", "a/b"), "host ID"},
		{"no underlay", []string{"--store", "etcd://a:1", "--host-id", "h1"}, "--underlay"},
		{"a bad underlay", append(base, "--underlay", "host.example"), "not an address"},
		{"an unknown zone", append(base, "--zones", "us-east-1z"), "not an Availability Zone"},
		{"no zone", append(base, "--zones", ","), "no zone"},
		{"negative capacity", append(base, "--capacity-vcpus", "-1"), "negative capacity"},
		{"a bad data plane mode", append(base, "--data-plane", "on"), "--data-plane"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parseAgent(tc.args)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if f.host.ID != "h1" || len(f.host.Zones) == 0 {
					t.Errorf("host %+v", f.host)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseAgent = %v, want an error with %q", err, tc.wantErr)
			}
		})
	}
}

// startAgent runs `vpcd agent` until it has registered its host, and returns its process,
// killed when the test ends.
func startAgent(t *testing.T, bin string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"agent", "--data-plane", "off", "--data-dir", t.TempDir()}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	registered := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "registered host ") {
				registered <- true
			}
		}
		close(registered)
	}()
	select {
	case ok := <-registered:
		if !ok {
			t.Fatal("vpcd agent exited before registering")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("vpcd agent did not register within 30s")
	}
	return cmd
}

// TestAgentsAndPlacement runs vpcd serve --hosts and two agents on one etcd: instances
// go to the agents' hosts of their zone; when an agent stops, or dies and its lease
// ends, its zone answers InsufficientInstanceCapacity.
func TestAgentsAndPlacement(t *testing.T) {
	bin := vpcdtest.BuildBinary(t)
	store := "etcd://" + strings.TrimPrefix(etcdtest.Start(t), "http://")
	ctx := context.Background()
	url, _ := vpcdtest.StartBinary(t, bin, t.TempDir(), "--store", store, "--hosts")
	a := startAgent(t, bin, "--store", store, "--host-id", "host-a", "--underlay", "192.0.2.1", "--zones", "us-east-1a")
	b := startAgent(t, bin, "--store", store, "--host-id", "host-b", "--underlay", "192.0.2.2", "--zones", "us-east-1b")
	c := vpcdtest.Client(url, "123456789012", "us-east-1")
	vpc, err := c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	subnets := map[string]*string{}
	for i, zone := range []string{"us-east-1a", "us-east-1b"} {
		out, err := c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String([]string{"10.0.1.0/24", "10.0.2.0/24"}[i]), AvailabilityZone: aws.String(zone)})
		if err != nil {
			t.Fatal(err)
		}
		subnets[zone] = out.Subnet.SubnetId
	}
	launch := func(zone string) error {
		_, err := c.RunInstances(ctx, &ec2sdk.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: types.InstanceTypeT2Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: subnets[zone]})
		return err
	}
	// waitCapacityGone waits until the zone answers InsufficientInstanceCapacity.
	waitCapacityGone := func(zone string, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			err := launch(zone)
			var ae smithy.APIError
			if errors.As(err, &ae) && ae.ErrorCode() == "InsufficientInstanceCapacity" {
				return
			}
			if err != nil {
				t.Fatalf("RunInstances in %s: %v", zone, err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still takes instances after %v", zone, within)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	for _, zone := range []string{"us-east-1a", "us-east-1b"} {
		if err := launch(zone); err != nil {
			t.Fatalf("RunInstances in %s: %v", zone, err)
		}
	}
	// host-a stops cleanly: its record goes at once.
	a.Process.Signal(os.Interrupt)
	a.Wait()
	waitCapacityGone("us-east-1a", 2*time.Second)
	// host-b dies: its record goes when its lease ends, five seconds later.
	b.Process.Kill()
	b.Wait()
	waitCapacityGone("us-east-1b", 15*time.Second)
}
