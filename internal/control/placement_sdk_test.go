package control_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"vpcd/internal/api"
	"vpcd/internal/control"
	"vpcd/internal/ec2"
	"vpcd/internal/hosts"
	"vpcd/internal/store"
	"vpcd/internal/store/etcdtest"
	"vpcd/internal/vpcdtest"
)

// TestSDKRunInstancesOnHosts runs the API in multi-host mode on a real etcd, with three
// agents' hosts registered in two zones: RunInstances places the instances on the hosts
// of the subnet's zone, DescribeInstances shows nothing of hosts, a zone without a live
// host answers InsufficientInstanceCapacity, and a host whose lease ends takes no more.
func TestSDKRunInstancesOnHosts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	endpoint := etcdtest.Start(t)
	open := func() *store.Etcd {
		st, err := store.OpenEtcd(ctx, store.EtcdConfig{Endpoints: []string{endpoint}, Namespace: "vpcd/"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	agents := map[string]context.CancelFunc{}
	for _, h := range []hosts.Host{
		{ID: "hypervisor-a1", Underlay: netip.MustParseAddr("192.0.2.11"), Zones: []string{"us-east-1a"}},
		{ID: "hypervisor-a2", Underlay: netip.MustParseAddr("192.0.2.12"), Zones: []string{"us-east-1a"}},
		{ID: "hypervisor-b1", Underlay: netip.MustParseAddr("192.0.2.21"), Zones: []string{"us-east-1b"}},
	} {
		actx, stop := context.WithCancel(ctx)
		agents[h.ID] = stop
		if _, err := hosts.Register(actx, open(), h, 2*time.Second, nil); err != nil {
			t.Fatal(err)
		}
	}
	st := open()
	reg := hosts.Follow(ctx, st, nil)
	waitHosts(t, reg, 3)
	svc := control.New(st, control.Config{Hosts: reg})
	ts := httptest.NewServer(api.New(svc, api.Config{}))
	defer ts.Close()
	c := vpcdtest.Client(ts.URL, "123456789012", "us-east-1")

	vpc, err := c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	subnet := func(cidr, zone string) *string {
		out, err := c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(zone)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Subnet.SubnetId
	}
	subA, subC := subnet("10.0.1.0/24", "us-east-1a"), subnet("10.0.3.0/24", "us-east-1c")
	launch := func(sn *string, n int32) (*ec2sdk.RunInstancesOutput, error) {
		return c.RunInstances(ctx, &ec2sdk.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: types.InstanceTypeT2Micro,
			MinCount: aws.Int32(n), MaxCount: aws.Int32(n), SubnetId: sn})
	}
	res, err := launch(subA, 4)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, i := range res.Instances {
		kv, ok, err := st.Get(ctx, "123456789012/us-east-1/i/"+aws.ToString(i.InstanceId))
		if err != nil || !ok {
			t.Fatalf("instance record: %v %v", ok, err)
		}
		var rec struct{ Host string }
		if err := json.Unmarshal(kv.Value, &rec); err != nil {
			t.Fatal(err)
		}
		counts[rec.Host]++
	}
	if counts["hypervisor-a1"] != 2 || counts["hypervisor-a2"] != 2 {
		t.Errorf("placed %v, want two on each host of us-east-1a", counts)
	}

	described, err := c.DescribeInstances(ctx, &ec2sdk.DescribeInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	shown, err := json.Marshal(described.Reservations)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(shown), "hypervisor") {
		t.Errorf("DescribeInstances shows the hosts: %s", shown)
	}
	for _, r := range described.Reservations {
		for _, i := range r.Instances {
			if i.Placement == nil || aws.ToString(i.Placement.AvailabilityZone) != "us-east-1a" || i.Placement.HostId != nil {
				t.Errorf("placement %+v, want us-east-1a and no host", i.Placement)
			}
		}
	}

	wantCapacity := func(err error) {
		t.Helper()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InsufficientInstanceCapacity" {
			t.Fatalf("RunInstances = %v, want InsufficientInstanceCapacity", err)
		}
		// A server error, as AWS lists it: the SDKs retry it by default.
		var re *awshttp.ResponseError
		if !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
			t.Errorf("RunInstances = %v, want HTTP 500", err)
		}
	}
	_, err = launch(subC, 1)
	wantCapacity(err)

	// us-east-1a's hosts die: their leases end, and the zone takes no more.
	agents["hypervisor-a1"]()
	agents["hypervisor-a2"]()
	waitHosts(t, reg, 1)
	_, err = launch(subA, 1)
	wantCapacity(err)
}

// waitHosts waits until the registry has n live hosts.
func waitHosts(t *testing.T, reg *hosts.Registry, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		changed := reg.Changed()
		if len(reg.Live()) == n {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("%d live hosts, want %d", len(reg.Live()), n)
		}
	}
}

// TestTwoAPIServersShareHostCapacity runs two API servers in multi-host mode on one etcd,
// launching at once onto one host that takes four instances: exactly four launch, since
// each placement compares what it read of the host's count.
func TestTwoAPIServersShareHostCapacity(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	endpoint := etcdtest.Start(t)
	open := func() *store.Etcd {
		st, err := store.OpenEtcd(ctx, store.EtcdConfig{Endpoints: []string{endpoint}, Namespace: "vpcd/"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	h := hosts.Host{ID: "small", Underlay: netip.MustParseAddr("192.0.2.1"), Zones: []string{"us-east-1a"}, CapacityVCPUs: 4}
	if _, err := hosts.Register(ctx, open(), h, 2*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	var servers []*control.Service
	for range 2 {
		st := open()
		reg := hosts.Follow(ctx, st, nil)
		waitHosts(t, reg, 1)
		servers = append(servers, control.New(st, control.Config{Hosts: reg}))
	}
	caller := control.Caller{Account: "123456789012", Region: "us-east-1"}
	vpc, err := servers[0].CreateVpc(ctx, caller, &ec2.CreateVpcRequest{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := servers[0].CreateSubnet(ctx, caller, &ec2.CreateSubnetRequest{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("us-east-1a")})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	launched, refused := 0, 0
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := servers[i%2].RunInstances(ctx, caller, &ec2.RunInstancesRequest{ImageId: aws.String("ami-12345678"), InstanceType: aws.String("t2.micro"),
				MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: sn.Subnet.SubnetId})
			mu.Lock()
			defer mu.Unlock()
			var e *ec2.Error
			switch {
			case err == nil:
				launched++
			case errors.As(err, &e) && e.Code == "InsufficientInstanceCapacity":
				refused++
			default:
				t.Errorf("RunInstances: %v", err)
			}
		}()
	}
	wg.Wait()
	if launched != 4 || refused != 4 {
		t.Errorf("%d launched and %d refused, want 4 and 4", launched, refused)
	}
}
