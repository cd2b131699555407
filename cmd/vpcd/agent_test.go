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

// startAgent runs `vpcd agent`, its data plane off unless args say otherwise, until it has
// registered its host, and returns its process. The process is killed when the test ends
// and, as root, `vpcd cleanup` then removes what its data plane made.
func startAgent(t *testing.T, bin string, args ...string) *exec.Cmd {
	t.Helper()
	dataDir := t.TempDir()
	cmd := exec.Command(bin, append([]string{"agent", "--data-plane", "off", "--data-dir", dataDir, "--internet-netns", vpcdtest.InternetNamespace(dataDir)}, args...)...)
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
		if os.Geteuid() == 0 {
			if out, err := exec.Command(bin, "cleanup", "--data-dir", dataDir).CombinedOutput(); err != nil {
				t.Errorf("vpcd cleanup: %v\n%s", err, out)
			}
		}
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

// TestAgentRealizesItsInstances runs two agents in one zone, one with its data plane on:
// of two instances spread over them, it realizes its own, with the VPC's router, and not
// the other host's.
func TestAgentRealizesItsInstances(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the data plane needs root")
	}
	bin := vpcdtest.BuildBinary(t)
	store := "etcd://" + strings.TrimPrefix(etcdtest.Start(t), "http://")
	ctx := context.Background()
	url, _ := vpcdtest.StartBinary(t, bin, t.TempDir(), "--store", store, "--hosts")
	startAgent(t, bin, "--store", store, "--host-id", "dp-a", "--underlay", "192.0.2.1", "--zones", "us-east-1a", "--data-plane", "auto")
	startAgent(t, bin, "--store", store, "--host-id", "dp-b", "--underlay", "192.0.2.2", "--zones", "us-east-1a")
	c := vpcdtest.Client(url, "123456789012", "us-east-1")
	vpc, err := c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("us-east-1a")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.RunInstances(ctx, &ec2sdk.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: types.InstanceTypeT2Micro,
		MinCount: aws.Int32(2), MaxCount: aws.Int32(2), SubnetId: sn.Subnet.SubnetId})
	if err != nil {
		t.Fatal(err)
	}
	// Spread breaks the tie by host ID: launch index 0 goes to dp-a, 1 to dp-b.
	mine, theirs := aws.ToString(res.Instances[0].InstanceId), aws.ToString(res.Instances[1].InstanceId)
	router := "vpcd-" + aws.ToString(vpc.Vpc.VpcId)
	exists := func(name string) bool {
		_, err := os.Stat("/run/netns/" + name)
		return err == nil
	}
	deadline := time.Now().Add(20 * time.Second)
	for !exists(mine) || !exists(router) {
		if time.Now().After(deadline) {
			t.Fatalf("dp-a has not realized %s and %s within 20s", mine, router)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A full sync has had the time to run too (every 5 s): still nothing of dp-b's.
	time.Sleep(6 * time.Second)
	if exists(theirs) {
		t.Errorf("dp-a realized %s, placed on dp-b", theirs)
	}
	out, err := exec.Command("ip", "-n", mine, "-brief", "link", "show", "eth0").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "UP") {
		t.Errorf("%s's eth0: %v %s", mine, err, out)
	}
}
