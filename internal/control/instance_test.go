package control

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// run launches count instances of t2.micro into a subnet.
func run(s *Service, subnetID string, count int32, mod ...func(*ec2.RunInstancesRequest)) (*ec2.Reservation, error) {
	in := &ec2.RunInstancesRequest{ImageId: kit.Ptr("ami-12345678"), InstanceType: kit.Ptr("t2.micro"), MinCount: kit.Ptr(count), MaxCount: kit.Ptr(count)}
	if subnetID != "" {
		in.SubnetId = kit.Ptr(subnetID)
	}
	for _, m := range mod {
		m(in)
	}
	return s.RunInstances(context.Background(), testCaller, in)
}

func mustRun(t *testing.T, s *Service, subnetID string, mod ...func(*ec2.RunInstancesRequest)) ec2.Instance {
	t.Helper()
	res, err := run(s, subnetID, 1, mod...)
	if err != nil {
		t.Fatal(err)
	}
	return res.Instances[0]
}

func describeInstance(t *testing.T, s *Service, id string) ec2.Instance {
	t.Helper()
	out, err := s.DescribeInstances(context.Background(), testCaller, &ec2.DescribeInstancesRequest{InstanceIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("describe %s: %+v", id, out)
	}
	return out.Reservations[0].Instances[0]
}

// vpcWithSubnet makes a VPC 10.0.0.0/16 with a subnet of the given block.
func vpcWithSubnet(t *testing.T, s *Service, cidr string) (vpcID, subnetID string) {
	t.Helper()
	vpc := createVpc(t, s, "10.0.0.0/16")
	sn := createSubnet(t, s, *vpc.VpcId, cidr)
	return *vpc.VpcId, *sn.SubnetId
}

func TestRunInstancesShape(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpcID, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	createKeyPair(t, s, "k")
	res, err := run(s, subnetID, 1, func(in *ec2.RunInstancesRequest) {
		in.KeyName = kit.Ptr("k")
		in.UserData = kit.Ptr(base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho hi\n")))
		in.TagSpecifications = []ec2.TagSpecification{
			{ResourceType: kit.Ptr("instance"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("web")}}},
			{ResourceType: kit.Ptr("volume"), Tags: []ec2.Tag{{Key: kit.Ptr("v"), Value: kit.Ptr("1")}}},
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*res.ReservationId, "r-") || len(*res.ReservationId) != 19 || *res.OwnerId != testCaller.Account {
		t.Errorf("reservation = %+v", res)
	}
	inst := res.Instances[0]
	if *inst.State.Name != "pending" || *inst.State.Code != 0 {
		t.Errorf("RunInstances state = %s", *inst.State.Name)
	}
	if len(*inst.InstanceId) != 19 || *inst.SubnetId != subnetID || *inst.VpcId != vpcID || *inst.PrivateIpAddress != "10.0.1.4" {
		t.Errorf("instance = %s %s %s %s", *inst.InstanceId, *inst.SubnetId, *inst.VpcId, *inst.PrivateIpAddress)
	}
	if *inst.PrivateDnsName != "ip-10-0-1-4.ec2.internal" || inst.PublicIpAddress != nil {
		t.Errorf("names = %s %v", *inst.PrivateDnsName, inst.PublicIpAddress)
	}
	if len(inst.SecurityGroups) != 1 || *inst.SecurityGroups[0].GroupName != "default" {
		t.Errorf("groups = %+v", inst.SecurityGroups)
	}
	got := describeInstance(t, s, *inst.InstanceId)
	if *got.State.Name != "running" || *got.State.Code != 16 || *got.KeyName != "k" || len(got.Tags) != 1 {
		t.Errorf("described = %s %v %v", *got.State.Name, got.KeyName, got.Tags)
	}
	if len(got.NetworkInterfaces) != 1 {
		t.Fatalf("interfaces = %+v", got.NetworkInterfaces)
	}
	ni := got.NetworkInterfaces[0]
	if *ni.Attachment.DeviceIndex != 0 || !*ni.Attachment.DeleteOnTermination || *ni.Attachment.Status != "attached" || *ni.Status != "in-use" {
		t.Errorf("attachment = %+v", ni.Attachment)
	}
	if !strings.HasPrefix(*ni.MacAddress, "0a:") || len(*ni.MacAddress) != 17 || !*ni.SourceDestCheck {
		t.Errorf("interface = %s %v", *ni.MacAddress, *ni.SourceDestCheck)
	}
	attr, err := s.DescribeInstanceAttribute(ctx, testCaller, &ec2.DescribeInstanceAttributeRequest{InstanceId: inst.InstanceId, Attribute: kit.Ptr("userData")})
	if err != nil || *attr.UserData.Value != base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho hi\n")) {
		t.Errorf("user data = %v %+v", err, attr)
	}
	enis, err := s.DescribeNetworkInterfaces(ctx, testCaller, &ec2.DescribeNetworkInterfacesRequest{
		Filters: []ec2.Filter{{Name: kit.Ptr("attachment.instance-id"), Values: []string{*inst.InstanceId}}},
	})
	if err != nil || len(enis.NetworkInterfaces) != 1 {
		t.Fatalf("enis = %v %+v", err, enis)
	}
	e := enis.NetworkInterfaces[0]
	if *e.InterfaceType != "interface" || *e.RequesterManaged || *e.AvailabilityZone != *got.Placement.AvailabilityZone ||
		len(e.PrivateIpAddresses) != 1 || !*e.PrivateIpAddresses[0].Primary || *e.Attachment.InstanceOwnerId != testCaller.Account {
		t.Errorf("eni = %+v", e)
	}
	sn, err := s.DescribeSubnets(ctx, testCaller, &ec2.DescribeSubnetsRequest{SubnetIds: []string{subnetID}})
	if err != nil || *sn.Subnets[0].AvailableIpAddressCount != 256-5-1 {
		t.Errorf("available = %v %d", err, *sn.Subnets[0].AvailableIpAddressCount)
	}
}

func TestRunInstancesValidation(t *testing.T) {
	s := newTestService(t)
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	other := createVpc(t, s, "10.1.0.0/16")
	otherGroups, err := s.DescribeSecurityGroups(context.Background(), testCaller, &ec2.DescribeSecurityGroupsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("vpc-id"), Values: []string{*other.VpcId}}}})
	if err != nil {
		t.Fatal(err)
	}
	foreignGroup := *otherGroups.SecurityGroups[0].GroupId
	big := base64.StdEncoding.EncodeToString(make([]byte, 16*1024+1))
	for _, tc := range []struct {
		name string
		mod  func(*ec2.RunInstancesRequest)
		code string
	}{
		{"image required", func(in *ec2.RunInstancesRequest) { in.ImageId = nil }, "MissingParameter"},
		{"min count required", func(in *ec2.RunInstancesRequest) { in.MinCount = nil }, "MissingParameter"},
		{"min count positive", func(in *ec2.RunInstancesRequest) { in.MinCount = kit.Ptr(int32(0)) }, "InvalidParameterValue"},
		{"max not below min", func(in *ec2.RunInstancesRequest) { in.MinCount, in.MaxCount = kit.Ptr(int32(3)), kit.Ptr(int32(2)) }, "InvalidParameterValue"},
		{"unknown instance type", func(in *ec2.RunInstancesRequest) { in.InstanceType = kit.Ptr("t9.huge") }, "InvalidParameterValue"},
		{"user data not base64", func(in *ec2.RunInstancesRequest) { in.UserData = kit.Ptr("%%%") }, "InvalidParameterValue"},
		{"user data over 16 KB", func(in *ec2.RunInstancesRequest) { in.UserData = kit.Ptr(big) }, "InvalidParameterValue"},
		{"subnet not found", func(in *ec2.RunInstancesRequest) { in.SubnetId = kit.Ptr("subnet-12345678") }, "InvalidSubnetID.NotFound"},
		{"group not found", func(in *ec2.RunInstancesRequest) { in.SecurityGroupIds = []string{"sg-12345678"} }, "InvalidGroup.NotFound"},
		{"group malformed", func(in *ec2.RunInstancesRequest) { in.SecurityGroupIds = []string{"nope"} }, "InvalidGroupId.Malformed"},
		{"group of another vpc", func(in *ec2.RunInstancesRequest) { in.SecurityGroupIds = []string{foreignGroup} }, "InvalidParameter"},
		{"more than five groups", func(in *ec2.RunInstancesRequest) {
			in.SecurityGroupIds = []string{"sg-00000001", "sg-00000002", "sg-00000003", "sg-00000004", "sg-00000005", "sg-00000006"}
		}, "SecurityGroupsPerInterfaceLimitExceeded"},
		{"group names with a subnet", func(in *ec2.RunInstancesRequest) { in.SecurityGroups = []string{"default"} }, "InvalidParameterCombination"},
		{"interfaces with an instance subnet", func(in *ec2.RunInstancesRequest) {
			in.NetworkInterfaces = []ec2.InstanceNetworkInterfaceSpecification{{DeviceIndex: kit.Ptr(int32(0)), SubnetId: kit.Ptr(subnetID)}}
		}, "InvalidParameterCombination"},
		{"public address only on device 0", func(in *ec2.RunInstancesRequest) {
			in.SubnetId = nil
			in.NetworkInterfaces = []ec2.InstanceNetworkInterfaceSpecification{
				{DeviceIndex: kit.Ptr(int32(0)), SubnetId: kit.Ptr(subnetID)},
				{DeviceIndex: kit.Ptr(int32(1)), SubnetId: kit.Ptr(subnetID), AssociatePublicIpAddress: kit.Ptr(true)},
			}
		}, "InvalidParameterCombination"},
		{"too many secondary addresses for the type", func(in *ec2.RunInstancesRequest) {
			in.SubnetId = nil
			in.NetworkInterfaces = []ec2.InstanceNetworkInterfaceSpecification{{DeviceIndex: kit.Ptr(int32(0)), SubnetId: kit.Ptr(subnetID), SecondaryPrivateIpAddressCount: kit.Ptr(int32(2))}}
		}, "PrivateIpAddressLimitExceeded"},
		{"zone other than the subnet's", func(in *ec2.RunInstancesRequest) {
			in.Placement = &ec2.Placement{AvailabilityZone: kit.Ptr("us-east-1f")}
		}, "InvalidParameterValue"},
		{"unknown zone", func(in *ec2.RunInstancesRequest) {
			in.Placement = &ec2.Placement{AvailabilityZone: kit.Ptr("us-east-1z")}
		}, "InvalidParameterValue"},
		{"tags for another resource type", func(in *ec2.RunInstancesRequest) {
			in.TagSpecifications = []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc"), Tags: []ec2.Tag{{Key: kit.Ptr("a"), Value: kit.Ptr("b")}}}}
		}, "InvalidParameterValue"},
		{"private address with several instances", func(in *ec2.RunInstancesRequest) {
			in.PrivateIpAddress, in.MaxCount = kit.Ptr("10.0.1.50"), kit.Ptr(int32(2))
		}, "InvalidParameterCombination"},
		{"no default vpc", func(in *ec2.RunInstancesRequest) { in.SubnetId = nil }, "VPCIdNotSpecified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(s, subnetID, 1, tc.mod)
			wantCode(t, err, tc.code)
		})
	}
}

func TestPrivateAddressAllocation(t *testing.T) {
	s := newTestService(t)
	_, subnetID := vpcWithSubnet(t, s, "10.0.0.0/28")
	first := mustRun(t, s, subnetID)
	if *first.PrivateIpAddress != "10.0.0.4" {
		t.Errorf("first address = %s, want 10.0.0.4 (the first four are reserved)", *first.PrivateIpAddress)
	}
	for _, tc := range []struct {
		name, addr, code string
	}{
		{"network address is reserved", "10.0.0.0", "InvalidParameterValue"},
		{"router address is reserved", "10.0.0.1", "InvalidParameterValue"},
		{"dns address is reserved", "10.0.0.2", "InvalidParameterValue"},
		{"future address is reserved", "10.0.0.3", "InvalidParameterValue"},
		{"broadcast address is reserved", "10.0.0.15", "InvalidParameterValue"},
		{"outside the subnet", "10.0.1.5", "InvalidParameterValue"},
		{"not an address", "10.0.0", "InvalidParameterValue"},
		{"in use", "10.0.0.4", "InvalidIPAddress.InUse"},
		{"free address", "10.0.0.9", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := run(s, subnetID, 1, func(in *ec2.RunInstancesRequest) { in.PrivateIpAddress = kit.Ptr(tc.addr) })
			wantCode(t, err, tc.code)
			if err == nil && *res.Instances[0].PrivateIpAddress != tc.addr {
				t.Errorf("address = %s", *res.Instances[0].PrivateIpAddress)
			}
		})
	}
	// A /28 has 16 - 5 = 11 addresses; two are taken.
	res, err := run(s, subnetID, 9)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{"10.0.0.4": true, "10.0.0.9": true}
	for _, inst := range res.Instances {
		if seen[*inst.PrivateIpAddress] {
			t.Errorf("address %s handed out twice", *inst.PrivateIpAddress)
		}
		seen[*inst.PrivateIpAddress] = true
	}
	_, err = run(s, subnetID, 1)
	wantCode(t, err, "InsufficientFreeAddressesInSubnet")
}

func TestRunInstancesMinMaxCount(t *testing.T) {
	s := newTestService(t)
	_, subnetID := vpcWithSubnet(t, s, "10.0.0.0/28")
	res, err := run(s, subnetID, 1, func(in *ec2.RunInstancesRequest) { in.MinCount, in.MaxCount = kit.Ptr(int32(2)), kit.Ptr(int32(20)) })
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Instances) != 11 {
		t.Errorf("launched %d, want the 11 the subnet has room for", len(res.Instances))
	}
	for i, inst := range res.Instances {
		if *inst.AmiLaunchIndex != int32(i) {
			t.Errorf("launch index %d = %d", i, *inst.AmiLaunchIndex)
		}
	}
}

// TestInstanceLimit: the quota counts vCPUs. The default type (m1.small) has one.
func TestInstanceLimit(t *testing.T) {
	s := newTestService(t)
	s.QuotaStart = map[string]float64{kit.QuotaStandardVcpus.Key(): 5}
	_, subnetID := vpcWithSubnet(t, s, "10.0.0.0/24")
	if _, err := run(s, subnetID, 5); err != nil {
		t.Fatal(err)
	}
	_, err := run(s, subnetID, 1)
	wantCode(t, err, "VcpuLimitExceeded")
}

func TestConcurrentLaunchesNeverShareAnAddress(t *testing.T) {
	s := newTestService(t)
	_, subnetID := vpcWithSubnet(t, s, "10.0.0.0/28")
	var wg sync.WaitGroup
	var mu sync.Mutex
	addrs := map[string]int{}
	launched := 0
	for range 14 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := run(s, subnetID, 1)
			if err != nil {
				var e *ec2.Error
				if !errorsAs(err, &e) || e.Code != "InsufficientFreeAddressesInSubnet" {
					t.Errorf("launch: %v", err)
				}
				return
			}
			mu.Lock()
			defer mu.Unlock()
			launched++
			addrs[*res.Instances[0].PrivateIpAddress]++
		}()
	}
	wg.Wait()
	if launched != 11 || len(addrs) != 11 {
		t.Errorf("launched %d with %d distinct addresses, want 11 and 11", launched, len(addrs))
	}
	sn, err := s.DescribeSubnets(context.Background(), testCaller, &ec2.DescribeSubnetsRequest{SubnetIds: []string{subnetID}})
	if err != nil || *sn.Subnets[0].AvailableIpAddressCount != 0 {
		t.Errorf("available = %v %+v", err, sn)
	}
}

func TestInstanceStateMachine(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	id := *mustRun(t, s, subnetID).InstanceId
	ids := []string{id}
	change := func(out []ec2.InstanceStateChange, err error) string {
		t.Helper()
		if err != nil {
			return err.(*ec2.Error).Code
		}
		return *out[0].PreviousState.Name + ">" + *out[0].CurrentState.Name
	}
	stop := func() string {
		out, err := s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: ids})
		if err != nil {
			return change(nil, err)
		}
		return change(out.StoppingInstances, nil)
	}
	start := func() string {
		out, err := s.StartInstances(ctx, testCaller, &ec2.StartInstancesRequest{InstanceIds: ids})
		if err != nil {
			return change(nil, err)
		}
		return change(out.StartingInstances, nil)
	}
	terminate := func() string {
		out, err := s.TerminateInstances(ctx, testCaller, &ec2.TerminateInstancesRequest{InstanceIds: ids})
		if err != nil {
			return change(nil, err)
		}
		return change(out.TerminatingInstances, nil)
	}
	reboot := func() string {
		if err := s.RebootInstances(ctx, testCaller, &ec2.RebootInstancesRequest{InstanceIds: ids}); err != nil {
			return change(nil, err)
		}
		return "ok"
	}
	for _, step := range []struct {
		name   string
		do     func() string
		want   string
		stored string
	}{
		{"start a running instance changes nothing", start, "running>running", "running"},
		{"reboot a running instance", reboot, "ok", "running"},
		{"stop a running instance", stop, "running>stopping", "stopped"},
		{"stop a stopped instance changes nothing", stop, "stopped>stopped", "stopped"},
		{"reboot a stopped instance", reboot, "IncorrectInstanceState", "stopped"},
		{"start a stopped instance", start, "stopped>pending", "running"},
		{"terminate a running instance", terminate, "running>shutting-down", "terminated"},
		{"terminate a terminated instance changes nothing", terminate, "terminated>terminated", "terminated"},
		{"start a terminated instance", start, "IncorrectInstanceState", "terminated"},
		{"stop a terminated instance", stop, "IncorrectInstanceState", "terminated"},
	} {
		if got := step.do(); got != step.want {
			t.Errorf("%s: %s, want %s", step.name, got, step.want)
		}
		if got := *describeInstance(t, s, id).State.Name; got != step.stored {
			t.Errorf("%s: stored state %s, want %s", step.name, got, step.stored)
		}
	}
	got := describeInstance(t, s, id)
	if got.SubnetId != nil || got.PrivateIpAddress != nil || len(got.NetworkInterfaces) != 0 || *got.StateReason.Code != "Client.UserInitiatedShutdown" {
		t.Errorf("terminated instance = %+v", got)
	}
	_, err := s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: []string{"i-12345678"}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
	_, err = s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: []string{"x-1"}})
	wantCode(t, err, "InvalidInstanceID.Malformed")
}

func TestStopProtection(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	id := mustRun(t, s, subnetID, func(in *ec2.RunInstancesRequest) { in.DisableApiTermination = kit.Ptr(true) }).InstanceId
	_, err := s.TerminateInstances(ctx, testCaller, &ec2.TerminateInstancesRequest{InstanceIds: []string{*id}})
	wantCode(t, err, "OperationNotPermitted")
	err = s.ModifyInstanceAttribute(ctx, testCaller, &ec2.ModifyInstanceAttributeRequest{InstanceId: id, DisableApiTermination: &ec2.AttributeBooleanValue{Value: kit.Ptr(false)}})
	wantCode(t, err, "")
	_, err = s.TerminateInstances(ctx, testCaller, &ec2.TerminateInstancesRequest{InstanceIds: []string{*id}})
	wantCode(t, err, "")
}

func TestPublicAddressReleasedOnStopAndNewOnStart(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpcID, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	err := s.ModifyVpcAttribute(ctx, testCaller, &ec2.ModifyVpcAttributeRequest{VpcId: &vpcID, EnableDnsHostnames: &ec2.AttributeBooleanValue{Value: kit.Ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	id := *mustRun(t, s, "", func(in *ec2.RunInstancesRequest) {
		in.SubnetId = nil
		in.NetworkInterfaces = []ec2.InstanceNetworkInterfaceSpecification{{DeviceIndex: kit.Ptr(int32(0)), SubnetId: &subnetID, AssociatePublicIpAddress: kit.Ptr(true)}}
	}).InstanceId
	first := describeInstance(t, s, id)
	if first.PublicIpAddress == nil || !strings.HasPrefix(*first.PublicIpAddress, "198.51.100.") && !strings.HasPrefix(*first.PublicIpAddress, "203.0.113.") {
		t.Fatalf("public address = %v", first.PublicIpAddress)
	}
	wantDNS := "ec2-" + strings.ReplaceAll(*first.PublicIpAddress, ".", "-") + ".compute-1.amazonaws.com"
	if *first.PublicDnsName != wantDNS || *first.NetworkInterfaces[0].Association.IpOwnerId != "amazon" {
		t.Errorf("public name = %s, want %s", *first.PublicDnsName, wantDNS)
	}
	byIP, err := s.DescribeInstances(ctx, testCaller, &ec2.DescribeInstancesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("ip-address"), Values: []string{*first.PublicIpAddress}}}})
	if err != nil || len(byIP.Reservations) != 1 {
		t.Errorf("ip-address filter: %v %+v", err, byIP)
	}
	if _, err := s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	stopped := describeInstance(t, s, id)
	if stopped.PublicIpAddress != nil || *stopped.PublicDnsName != "" {
		t.Errorf("stopped instance kept %v", stopped.PublicIpAddress)
	}
	kv, found, err := s.Store.Get(ctx, kit.PublicIPKey(testCaller.Region, mustAddr(*first.PublicIpAddress)))
	if err != nil || found {
		t.Errorf("released address still held: %v %v", kv, err)
	}
	if _, err := s.StartInstances(ctx, testCaller, &ec2.StartInstancesRequest{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if started := describeInstance(t, s, id); started.PublicIpAddress == nil {
		t.Errorf("started instance has no public address")
	}
}

func TestDefaultVpcLaunch(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	if err := s.EnsureDefaultVpc(ctx, testCaller); err != nil {
		t.Fatal(err)
	}
	inst := mustRun(t, s, "", func(in *ec2.RunInstancesRequest) { in.SecurityGroups = []string{"default"} })
	got := describeInstance(t, s, *inst.InstanceId)
	if *got.Placement.AvailabilityZone != "us-east-1a" || !strings.HasPrefix(*got.PrivateIpAddress, "172.31.") {
		t.Errorf("default launch = %s %s", *got.Placement.AvailabilityZone, *got.PrivateIpAddress)
	}
	if got.PublicIpAddress == nil || *got.PublicDnsName == "" {
		t.Errorf("default subnets map public addresses: %v", got.PublicIpAddress)
	}
	inB := mustRun(t, s, "", func(in *ec2.RunInstancesRequest) {
		in.Placement = &ec2.Placement{AvailabilityZone: kit.Ptr("us-east-1b")}
	})
	if *inB.Placement.AvailabilityZone != "us-east-1b" {
		t.Errorf("placement = %s", *inB.Placement.AvailabilityZone)
	}
	_, err := run(s, "", 1, func(in *ec2.RunInstancesRequest) { in.SecurityGroups = []string{"nope"} })
	wantCode(t, err, "InvalidGroup.NotFound")
}

func TestDeleteSubnetWithInstance(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	id := *mustRun(t, s, subnetID).InstanceId
	err := s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: &subnetID})
	wantCode(t, err, "DependencyViolation")
	if _, err := s.TerminateInstances(ctx, testCaller, &ec2.TerminateInstancesRequest{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	err = s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: &subnetID})
	wantCode(t, err, "")
}

func TestTerminatedInstancesVisibleForAnHour(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	now := time.Now()
	s.Now = func() time.Time { return now }
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	id := *mustRun(t, s, subnetID).InstanceId
	if _, err := s.TerminateInstances(ctx, testCaller, &ec2.TerminateInstancesRequest{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(59 * time.Minute)
	if got := describeInstance(t, s, id); *got.State.Name != "terminated" {
		t.Errorf("state = %s", *got.State.Name)
	}
	now = now.Add(2 * time.Minute)
	_, err := s.DescribeInstances(ctx, testCaller, &ec2.DescribeInstancesRequest{InstanceIds: []string{id}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
	out, err := s.DescribeInstances(ctx, testCaller, &ec2.DescribeInstancesRequest{})
	if err != nil || len(out.Reservations) != 0 {
		t.Errorf("still listed: %v %+v", err, out)
	}
}

func TestDescribeInstancesFilters(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpcID, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	res, err := run(s, subnetID, 2, func(in *ec2.RunInstancesRequest) {
		in.TagSpecifications = []ec2.TagSpecification{{ResourceType: kit.Ptr("instance"), Tags: []ec2.Tag{{Key: kit.Ptr("team"), Value: kit.Ptr("a")}}}}
	})
	if err != nil {
		t.Fatal(err)
	}
	a, b := res.Instances[0], res.Instances[1]
	c := mustRun(t, s, subnetID, func(in *ec2.RunInstancesRequest) {
		in.InstanceType = kit.Ptr("t3.small")
		in.ImageId = kit.Ptr("ami-abcdef01")
	})
	if _, err := s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: []string{*c.InstanceId}}); err != nil {
		t.Fatal(err)
	}
	all := []string{*a.InstanceId, *b.InstanceId, *c.InstanceId}
	group := *a.SecurityGroups[0].GroupId
	for _, tc := range []struct {
		name   string
		filter ec2.Filter
		want   []string
	}{
		{"instance-id", ec2.Filter{Name: kit.Ptr("instance-id"), Values: []string{*b.InstanceId}}, []string{*b.InstanceId}},
		{"instance-state-name", ec2.Filter{Name: kit.Ptr("instance-state-name"), Values: []string{"stopped"}}, []string{*c.InstanceId}},
		{"instance-state-code", ec2.Filter{Name: kit.Ptr("instance-state-code"), Values: []string{"16"}}, all[:2]},
		{"instance-type", ec2.Filter{Name: kit.Ptr("instance-type"), Values: []string{"t3.small"}}, []string{*c.InstanceId}},
		{"image-id", ec2.Filter{Name: kit.Ptr("image-id"), Values: []string{"ami-1234*"}}, all[:2]},
		{"subnet-id", ec2.Filter{Name: kit.Ptr("subnet-id"), Values: []string{subnetID}}, all},
		{"vpc-id", ec2.Filter{Name: kit.Ptr("vpc-id"), Values: []string{vpcID}}, all},
		{"private-ip-address", ec2.Filter{Name: kit.Ptr("private-ip-address"), Values: []string{*a.PrivateIpAddress}}, []string{*a.InstanceId}},
		{"private-dns-name", ec2.Filter{Name: kit.Ptr("private-dns-name"), Values: []string{*b.PrivateDnsName}}, []string{*b.InstanceId}},
		{"availability-zone", ec2.Filter{Name: kit.Ptr("availability-zone"), Values: []string{*a.Placement.AvailabilityZone}}, all},
		{"network-interface id", ec2.Filter{Name: kit.Ptr("network-interface.network-interface-id"), Values: []string{*a.NetworkInterfaces[0].NetworkInterfaceId}}, []string{*a.InstanceId}},
		{"instance.group-id", ec2.Filter{Name: kit.Ptr("instance.group-id"), Values: []string{group}}, all},
		{"instance.group-name", ec2.Filter{Name: kit.Ptr("instance.group-name"), Values: []string{"default"}}, all},
		{"reservation-id", ec2.Filter{Name: kit.Ptr("reservation-id"), Values: []string{*res.ReservationId}}, all[:2]},
		{"owner-id", ec2.Filter{Name: kit.Ptr("owner-id"), Values: []string{testCaller.Account}}, all},
		{"tag", ec2.Filter{Name: kit.Ptr("tag:team"), Values: []string{"a"}}, all[:2]},
		{"no match", ec2.Filter{Name: kit.Ptr("ip-address"), Values: []string{"203.0.113.9"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeInstances(ctx, testCaller, &ec2.DescribeInstancesRequest{Filters: []ec2.Filter{tc.filter}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range out.Reservations {
				for _, inst := range r.Instances {
					got = append(got, *inst.InstanceId)
				}
			}
			if !sameSet(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	_, err = s.DescribeInstances(ctx, testCaller, &ec2.DescribeInstancesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("bogus"), Values: []string{"x"}}}})
	wantCode(t, err, "InvalidParameterValue")
	out, err := s.DescribeInstances(ctx, testCaller, &ec2.DescribeInstancesRequest{})
	if err != nil || len(out.Reservations) != 2 || len(out.Reservations[0].Instances)+len(out.Reservations[1].Instances) != 3 {
		t.Errorf("reservations = %v %+v", err, out)
	}
	page, err := s.DescribeInstances(ctx, testCaller, &ec2.DescribeInstancesRequest{MaxResults: kit.Ptr(int32(5))})
	if err != nil || page.NextToken != nil {
		t.Errorf("page = %v %+v", err, page)
	}
}

func TestModifyInstanceAttribute(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	other := createVpc(t, s, "10.9.0.0/16")
	groups, err := s.DescribeSecurityGroups(ctx, testCaller, &ec2.DescribeSecurityGroupsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("vpc-id"), Values: []string{*other.VpcId}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := mustRun(t, s, subnetID).InstanceId
	for _, tc := range []struct {
		name string
		in   ec2.ModifyInstanceAttributeRequest
		code string
	}{
		{"instance type while running", ec2.ModifyInstanceAttributeRequest{InstanceType: &ec2.AttributeValue{Value: kit.Ptr("t3.micro")}}, "IncorrectInstanceState"},
		{"user data while running", ec2.ModifyInstanceAttributeRequest{UserData: &ec2.BlobAttributeValue{Value: []byte("x")}}, "IncorrectInstanceState"},
		{"two attributes", ec2.ModifyInstanceAttributeRequest{SourceDestCheck: &ec2.AttributeBooleanValue{Value: kit.Ptr(false)}, EbsOptimized: &ec2.AttributeBooleanValue{Value: kit.Ptr(true)}}, "InvalidParameterCombination"},
		{"group of another vpc", ec2.ModifyInstanceAttributeRequest{Groups: []string{*groups.SecurityGroups[0].GroupId}}, "InvalidParameter"},
		{"unknown group", ec2.ModifyInstanceAttributeRequest{Groups: []string{"sg-12345678"}}, "InvalidGroup.NotFound"},
		{"unknown attribute", ec2.ModifyInstanceAttributeRequest{Attribute: kit.Ptr("color"), Value: kit.Ptr("red")}, "InvalidParameterValue"},
		{"source dest check", ec2.ModifyInstanceAttributeRequest{SourceDestCheck: &ec2.AttributeBooleanValue{Value: kit.Ptr(false)}}, ""},
		{"source dest check as attribute and value", ec2.ModifyInstanceAttributeRequest{Attribute: kit.Ptr("sourceDestCheck"), Value: kit.Ptr("false")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.InstanceId = id
			wantCode(t, s.ModifyInstanceAttribute(ctx, testCaller, &tc.in), tc.code)
		})
	}
	if got := describeInstance(t, s, *id); *got.SourceDestCheck {
		t.Errorf("source/dest check still on")
	}
	if _, err := s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: []string{*id}}); err != nil {
		t.Fatal(err)
	}
	err = s.ModifyInstanceAttribute(ctx, testCaller, &ec2.ModifyInstanceAttributeRequest{InstanceId: id, InstanceType: &ec2.AttributeValue{Value: kit.Ptr("t3.micro")}})
	wantCode(t, err, "")
	attr, err := s.DescribeInstanceAttribute(ctx, testCaller, &ec2.DescribeInstanceAttributeRequest{InstanceId: id, Attribute: kit.Ptr("instanceType")})
	if err != nil || *attr.InstanceType.Value != "t3.micro" {
		t.Errorf("instance type = %v %+v", err, attr)
	}
	_, err = s.DescribeInstanceAttribute(ctx, testCaller, &ec2.DescribeInstanceAttributeRequest{InstanceId: id, Attribute: kit.Ptr("color")})
	wantCode(t, err, "InvalidParameterValue")
}

func TestDescribeInstanceStatus(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	a := *mustRun(t, s, subnetID).InstanceId
	b := *mustRun(t, s, subnetID).InstanceId
	if _, err := s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: []string{b}}); err != nil {
		t.Fatal(err)
	}
	out, err := s.DescribeInstanceStatus(ctx, testCaller, &ec2.DescribeInstanceStatusRequest{})
	if err != nil || len(out.InstanceStatuses) != 1 || *out.InstanceStatuses[0].InstanceId != a || *out.InstanceStatuses[0].InstanceStatus.Status != "ok" {
		t.Fatalf("running only: %v %+v", err, out)
	}
	out, err = s.DescribeInstanceStatus(ctx, testCaller, &ec2.DescribeInstanceStatusRequest{IncludeAllInstances: kit.Ptr(true)})
	if err != nil || len(out.InstanceStatuses) != 2 {
		t.Fatalf("all: %v %+v", err, out)
	}
}

func TestGetConsoleOutput(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	id := mustRun(t, s, subnetID).InstanceId
	out, err := s.GetConsoleOutput(ctx, testCaller, &ec2.GetConsoleOutputRequest{InstanceId: id})
	if err != nil || out.Output != nil || out.Timestamp == nil {
		t.Errorf("empty console: %v %+v", err, out)
	}
	_, err = s.GetConsoleOutput(ctx, testCaller, &ec2.GetConsoleOutputRequest{InstanceId: kit.Ptr("i-12345678")})
	wantCode(t, err, "InvalidInstanceID.NotFound")
}

func TestRunInstancesClientToken(t *testing.T) {
	s := newTestService(t)
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	token := func(in *ec2.RunInstancesRequest) { in.ClientToken = kit.Ptr("tok-1") }
	first, err := run(s, subnetID, 1, token)
	if err != nil {
		t.Fatal(err)
	}
	again, err := run(s, subnetID, 1, token)
	if err != nil {
		t.Fatal(err)
	}
	if *first.ReservationId != *again.ReservationId || *first.Instances[0].InstanceId != *again.Instances[0].InstanceId {
		t.Errorf("a repeated token launched again: %s %s", *first.ReservationId, *again.ReservationId)
	}
	out, err := s.DescribeInstances(context.Background(), testCaller, &ec2.DescribeInstancesRequest{})
	if err != nil || len(out.Reservations) != 1 {
		t.Errorf("reservations = %v %d", err, len(out.Reservations))
	}
}
