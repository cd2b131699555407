package control

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestDescribeNetworkInterfacesFilters(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpcID, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	a := mustRun(t, s, subnetID, func(in *ec2.RunInstancesRequest) {
		in.SubnetId = nil
		in.InstanceType = kit.Ptr("t3.medium")
		in.NetworkInterfaces = []ec2.InstanceNetworkInterfaceSpecification{
			{DeviceIndex: kit.Ptr(int32(0)), SubnetId: &subnetID, SecondaryPrivateIpAddressCount: kit.Ptr(int32(2)), Description: kit.Ptr("front")},
			{DeviceIndex: kit.Ptr(int32(1)), SubnetId: &subnetID, DeleteOnTermination: kit.Ptr(false)},
		}
	})
	if len(a.NetworkInterfaces) != 2 {
		t.Fatalf("interfaces = %+v", a.NetworkInterfaces)
	}
	front := a.NetworkInterfaces[0]
	if len(front.PrivateIpAddresses) != 3 || *front.Description != "front" {
		t.Errorf("front = %+v", front)
	}
	b := mustRun(t, s, subnetID)
	eniA, eniB := *front.NetworkInterfaceId, *b.NetworkInterfaces[0].NetworkInterfaceId
	second := *a.NetworkInterfaces[1].NetworkInterfaceId
	for _, tc := range []struct {
		name   string
		filter ec2.Filter
		want   []string
	}{
		{"network-interface-id", ec2.Filter{Name: kit.Ptr("network-interface-id"), Values: []string{eniB}}, []string{eniB}},
		{"subnet-id", ec2.Filter{Name: kit.Ptr("subnet-id"), Values: []string{subnetID}}, []string{eniA, second, eniB}},
		{"vpc-id", ec2.Filter{Name: kit.Ptr("vpc-id"), Values: []string{vpcID}}, []string{eniA, second, eniB}},
		{"attachment.instance-id", ec2.Filter{Name: kit.Ptr("attachment.instance-id"), Values: []string{*a.InstanceId}}, []string{eniA, second}},
		{"attachment.device-index", ec2.Filter{Name: kit.Ptr("attachment.device-index"), Values: []string{"1"}}, []string{second}},
		{"addresses.private-ip-address", ec2.Filter{Name: kit.Ptr("addresses.private-ip-address"), Values: []string{*front.PrivateIpAddresses[2].PrivateIpAddress}}, []string{eniA}},
		{"private-ip-address is the primary", ec2.Filter{Name: kit.Ptr("private-ip-address"), Values: []string{*front.PrivateIpAddresses[2].PrivateIpAddress}}, nil},
		{"description", ec2.Filter{Name: kit.Ptr("description"), Values: []string{"fr*"}}, []string{eniA}},
		{"status", ec2.Filter{Name: kit.Ptr("status"), Values: []string{"in-use"}}, []string{eniA, second, eniB}},
		{"mac-address", ec2.Filter{Name: kit.Ptr("mac-address"), Values: []string{*front.MacAddress}}, []string{eniA}},
		{"group-name", ec2.Filter{Name: kit.Ptr("group-name"), Values: []string{"default"}}, []string{eniA, second, eniB}},
		{"interface-type", ec2.Filter{Name: kit.Ptr("interface-type"), Values: []string{"interface"}}, []string{eniA, second, eniB}},
		{"source-dest-check", ec2.Filter{Name: kit.Ptr("source-dest-check"), Values: []string{"false"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeNetworkInterfaces(ctx, testCaller, &ec2.DescribeNetworkInterfacesRequest{Filters: []ec2.Filter{tc.filter}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range out.NetworkInterfaces {
				got = append(got, *e.NetworkInterfaceId)
			}
			if !sameSet(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	_, err := s.DescribeNetworkInterfaces(ctx, testCaller, &ec2.DescribeNetworkInterfacesRequest{NetworkInterfaceIds: []string{"eni-12345678"}})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	_, err = s.DescribeNetworkInterfaces(ctx, testCaller, &ec2.DescribeNetworkInterfacesRequest{NetworkInterfaceIds: []string{"eni-x"}})
	wantCode(t, err, "InvalidNetworkInterfaceId.Malformed")

	// Termination deletes the interfaces marked delete-on-termination and detaches the others.
	if _, err := s.TerminateInstances(ctx, testCaller, &ec2.TerminateInstancesRequest{InstanceIds: []string{*a.InstanceId}}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DescribeNetworkInterfaces(ctx, testCaller, &ec2.DescribeNetworkInterfacesRequest{NetworkInterfaceIds: []string{eniA}})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	out, err := s.DescribeNetworkInterfaces(ctx, testCaller, &ec2.DescribeNetworkInterfacesRequest{NetworkInterfaceIds: []string{second}})
	if err != nil || *out.NetworkInterfaces[0].Status != "available" || out.NetworkInterfaces[0].Attachment != nil {
		t.Errorf("kept interface = %v %+v", err, out)
	}
	sn, err := s.DescribeSubnets(ctx, testCaller, &ec2.DescribeSubnetsRequest{SubnetIds: []string{subnetID}})
	if err != nil || *sn.Subnets[0].AvailableIpAddressCount != 256-5-2 {
		t.Errorf("available = %v %d, want the kept interface's and b's addresses used", err, *sn.Subnets[0].AvailableIpAddressCount)
	}
}

func TestAllocatorSkipsReservedAddresses(t *testing.T) {
	for _, tc := range []struct {
		name string
		cidr string
		want []string
	}{
		{"a /28 starts at +4 and stops before broadcast", "10.0.0.16/28", []string{"10.0.0.20", "10.0.0.21", "10.0.0.22", "10.0.0.23", "10.0.0.24", "10.0.0.25", "10.0.0.26", "10.0.0.27", "10.0.0.28", "10.0.0.29", "10.0.0.30"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sn := &kit.SubnetRecord{Meta: kit.Meta{ID: "subnet-1"}, Cidr: netip.MustParsePrefix(tc.cidr)}
			a := &kit.SubnetAllocator{Sn: sn, Used: map[netip.Addr]bool{}}
			var got []string
			for {
				addr, err := a.Next()
				if err != nil {
					wantCode(t, err, "InsufficientFreeAddressesInSubnet")
					break
				}
				got = append(got, addr.String())
			}
			if !equalStrings(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPublicAddressesUniqueAcrossAccounts(t *testing.T) {
	st := newTestService(t).Store
	s := New(st, Config{PublicIPv4Pool: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/30")}})
	ctx := context.Background()
	seen := map[string]bool{}
	for i, account := range []string{"111111111111", "222222222222", "333333333333"} {
		c := Caller{Account: account, Region: "us-east-1"}
		if err := s.EnsureDefaultVpc(ctx, c); err != nil {
			t.Fatal(err)
		}
		res, err := s.RunInstances(ctx, c, &ec2.RunInstancesRequest{ImageId: kit.Ptr("ami-12345678"), MinCount: kit.Ptr(int32(1)), MaxCount: kit.Ptr(int32(1))})
		if i == 2 {
			// The /30 has two addresses besides its network and broadcast addresses.
			wantCode(t, err, "InsufficientAddressCapacity")
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.DescribeInstances(ctx, c, &ec2.DescribeInstancesRequest{InstanceIds: []string{*res.Instances[0].InstanceId}})
		if err != nil {
			t.Fatal(err)
		}
		ip := out.Reservations[0].Instances[0].PublicIpAddress
		if ip == nil || seen[*ip] || (*ip != "198.51.100.1" && *ip != "198.51.100.2") {
			t.Fatalf("account %s got public address %v (seen %v)", account, ip, seen)
		}
		seen[*ip] = true
	}
}

func availableAddresses(t *testing.T, s *Service, subnetID string) int32 {
	t.Helper()
	sn, err := s.DescribeSubnets(context.Background(), testCaller, &ec2.DescribeSubnetsRequest{SubnetIds: []string{subnetID}})
	if err != nil {
		t.Fatal(err)
	}
	return *sn.Subnets[0].AvailableIpAddressCount
}

func TestNetworkInterfaceLifecycle(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpcID, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	free := availableAddresses(t, s, subnetID)
	created, err := s.CreateNetworkInterface(ctx, testCaller, &ec2.CreateNetworkInterfaceRequest{
		SubnetId: &subnetID, Description: kit.Ptr("spare"), PrivateIpAddress: kit.Ptr("10.0.1.50"), SecondaryPrivateIpAddressCount: kit.Ptr(int32(2)),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("network-interface"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("spare")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ni := created.NetworkInterface
	eniID := *ni.NetworkInterfaceId
	if *ni.PrivateIpAddress != "10.0.1.50" || len(ni.PrivateIpAddresses) != 3 || len(ni.Groups) != 1 || *ni.Groups[0].GroupName != "default" ||
		*ni.VpcId != vpcID || ni.Attachment != nil || *ni.Description != "spare" || len(ni.TagSet) != 1 {
		t.Errorf("CreateNetworkInterface = %+v", ni)
	}
	if got := availableAddresses(t, s, subnetID); got != free-3 {
		t.Errorf("available %d, want %d", got, free-3)
	}
	for _, tc := range []struct {
		name string
		in   ec2.CreateNetworkInterfaceRequest
		code string
	}{
		{"address in use", ec2.CreateNetworkInterfaceRequest{SubnetId: &subnetID, PrivateIpAddress: kit.Ptr("10.0.1.50")}, "InvalidIPAddress.InUse"},
		{"address outside the subnet", ec2.CreateNetworkInterfaceRequest{SubnetId: &subnetID, PrivateIpAddress: kit.Ptr("10.0.2.5")}, "InvalidParameterValue"},
		{"unknown subnet", ec2.CreateNetworkInterfaceRequest{SubnetId: kit.Ptr("subnet-0123456789abcdef0")}, "InvalidSubnetID.NotFound"},
		{"unknown group", ec2.CreateNetworkInterfaceRequest{SubnetId: &subnetID, Groups: []string{"sg-0123456789abcdef0"}}, "InvalidGroup.NotFound"},
		{"two primaries", ec2.CreateNetworkInterfaceRequest{SubnetId: &subnetID, PrivateIpAddresses: []ec2.PrivateIpAddressSpecification{
			{PrivateIpAddress: kit.Ptr("10.0.1.60"), Primary: kit.Ptr(true)}, {PrivateIpAddress: kit.Ptr("10.0.1.61"), Primary: kit.Ptr(true)}}}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateNetworkInterface(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
		})
	}

	small := func(in *ec2.RunInstancesRequest) { in.InstanceType = kit.Ptr("m1.small") } // two interfaces, four addresses each
	a := mustRun(t, s, subnetID, small)
	b := mustRun(t, s, subnetID, small)
	mac := *ni.MacAddress
	att, err := s.AttachNetworkInterface(ctx, testCaller, &ec2.AttachNetworkInterfaceRequest{NetworkInterfaceId: &eniID, InstanceId: a.InstanceId, DeviceIndex: kit.Ptr(int32(1))})
	if err != nil || !kit.ValidID(*att.AttachmentId, "eni-attach") {
		t.Fatalf("AttachNetworkInterface = %+v, %v", att, err)
	}
	inst := describeInstance(t, s, *a.InstanceId)
	if len(inst.NetworkInterfaces) != 2 || *inst.NetworkInterfaces[1].NetworkInterfaceId != eniID || *inst.NetworkInterfaces[1].Attachment.DeviceIndex != 1 {
		t.Errorf("instance interfaces %+v", inst.NetworkInterfaces)
	}
	err = s.DeleteNetworkInterface(ctx, testCaller, &ec2.DeleteNetworkInterfaceRequest{NetworkInterfaceId: &eniID})
	wantCode(t, err, "InvalidNetworkInterface.InUse")
	_, err = s.AttachNetworkInterface(ctx, testCaller, &ec2.AttachNetworkInterfaceRequest{NetworkInterfaceId: &eniID, InstanceId: b.InstanceId, DeviceIndex: kit.Ptr(int32(1))})
	wantCode(t, err, "InvalidNetworkInterface.InUse")

	other, err := s.CreateNetworkInterface(ctx, testCaller, &ec2.CreateNetworkInterfaceRequest{SubnetId: &subnetID})
	if err != nil {
		t.Fatal(err)
	}
	otherID := *other.NetworkInterface.NetworkInterfaceId
	_, err = s.AttachNetworkInterface(ctx, testCaller, &ec2.AttachNetworkInterfaceRequest{NetworkInterfaceId: &otherID, InstanceId: a.InstanceId, DeviceIndex: kit.Ptr(int32(1))})
	wantCode(t, err, "InvalidParameterValue")
	_, err = s.AttachNetworkInterface(ctx, testCaller, &ec2.AttachNetworkInterfaceRequest{NetworkInterfaceId: &otherID, InstanceId: a.InstanceId, DeviceIndex: kit.Ptr(int32(2))})
	wantCode(t, err, "AttachmentLimitExceeded")

	// Four addresses per m1.small interface: the spare has three.
	_, err = s.AssignPrivateIpAddresses(ctx, testCaller, &ec2.AssignPrivateIpAddressesRequest{NetworkInterfaceId: &eniID, SecondaryPrivateIpAddressCount: kit.Ptr(int32(2))})
	wantCode(t, err, "PrivateIpAddressLimitExceeded")
	// Reassignment takes a secondary address of another interface.
	if _, err := s.AssignPrivateIpAddresses(ctx, testCaller, &ec2.AssignPrivateIpAddressesRequest{NetworkInterfaceId: &otherID, SecondaryPrivateIpAddressCount: kit.Ptr(int32(1))}); err != nil {
		t.Fatal(err)
	}
	desc, _ := s.DescribeNetworkInterfaces(ctx, testCaller, &ec2.DescribeNetworkInterfacesRequest{NetworkInterfaceIds: []string{otherID}})
	moving := *desc.NetworkInterfaces[0].PrivateIpAddresses[1].PrivateIpAddress
	_, err = s.AssignPrivateIpAddresses(ctx, testCaller, &ec2.AssignPrivateIpAddressesRequest{NetworkInterfaceId: &eniID, PrivateIpAddresses: []string{moving}})
	wantCode(t, err, "InvalidIPAddress.InUse")
	assigned, err := s.AssignPrivateIpAddresses(ctx, testCaller, &ec2.AssignPrivateIpAddressesRequest{NetworkInterfaceId: &eniID, PrivateIpAddresses: []string{moving}, AllowReassignment: kit.Ptr(true)})
	if err != nil || len(assigned.AssignedPrivateIpAddresses) != 1 || *assigned.AssignedPrivateIpAddresses[0].PrivateIpAddress != moving {
		t.Fatalf("AssignPrivateIpAddresses with reassignment = %+v, %v", assigned, err)
	}
	desc, _ = s.DescribeNetworkInterfaces(ctx, testCaller, &ec2.DescribeNetworkInterfacesRequest{NetworkInterfaceIds: []string{otherID}})
	if len(desc.NetworkInterfaces[0].PrivateIpAddresses) != 1 {
		t.Errorf("the other interface keeps %+v", desc.NetworkInterfaces[0].PrivateIpAddresses)
	}
	err = s.UnassignPrivateIpAddresses(ctx, testCaller, &ec2.UnassignPrivateIpAddressesRequest{NetworkInterfaceId: &eniID, PrivateIpAddresses: []string{"10.0.1.50"}})
	wantCode(t, err, "InvalidParameterValue")
	err = s.UnassignPrivateIpAddresses(ctx, testCaller, &ec2.UnassignPrivateIpAddressesRequest{NetworkInterfaceId: &eniID, PrivateIpAddresses: []string{"10.0.1.99"}})
	wantCode(t, err, "InvalidParameterValue")
	if err := s.UnassignPrivateIpAddresses(ctx, testCaller, &ec2.UnassignPrivateIpAddressesRequest{NetworkInterfaceId: &eniID, PrivateIpAddresses: []string{moving}}); err != nil {
		t.Fatal(err)
	}

	// Attributes.
	if err := s.ModifyNetworkInterfaceAttribute(ctx, testCaller, &ec2.ModifyNetworkInterfaceAttributeRequest{NetworkInterfaceId: &eniID, Description: &ec2.AttributeValue{Value: kit.Ptr("moved")}}); err != nil {
		t.Fatal(err)
	}
	if err := s.ModifyNetworkInterfaceAttribute(ctx, testCaller, &ec2.ModifyNetworkInterfaceAttributeRequest{NetworkInterfaceId: &eniID, SourceDestCheck: &ec2.AttributeBooleanValue{Value: kit.Ptr(false)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.ModifyNetworkInterfaceAttribute(ctx, testCaller, &ec2.ModifyNetworkInterfaceAttributeRequest{NetworkInterfaceId: &eniID,
		Attachment: &ec2.NetworkInterfaceAttachmentChanges{AttachmentId: att.AttachmentId, DeleteOnTermination: kit.Ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	err = s.ModifyNetworkInterfaceAttribute(ctx, testCaller, &ec2.ModifyNetworkInterfaceAttributeRequest{NetworkInterfaceId: &eniID, Groups: []string{"sg-0123456789abcdef0"}})
	wantCode(t, err, "InvalidGroup.NotFound")
	for attr, check := range map[string]func(*ec2.DescribeNetworkInterfaceAttributeResult) bool{
		"description":     func(r *ec2.DescribeNetworkInterfaceAttributeResult) bool { return *r.Description.Value == "moved" },
		"sourceDestCheck": func(r *ec2.DescribeNetworkInterfaceAttributeResult) bool { return !*r.SourceDestCheck.Value },
		"attachment":      func(r *ec2.DescribeNetworkInterfaceAttributeResult) bool { return *r.Attachment.DeleteOnTermination },
		"groupSet":        func(r *ec2.DescribeNetworkInterfaceAttributeResult) bool { return len(r.Groups) == 1 },
	} {
		r, err := s.DescribeNetworkInterfaceAttribute(ctx, testCaller, &ec2.DescribeNetworkInterfaceAttributeRequest{NetworkInterfaceId: &eniID, Attribute: kit.Ptr(attr)})
		if err != nil || !check(r) {
			t.Errorf("attribute %s = %+v, %v", attr, r, err)
		}
	}
	_, err = s.DescribeNetworkInterfaceAttribute(ctx, testCaller, &ec2.DescribeNetworkInterfaceAttributeRequest{NetworkInterfaceId: &eniID, Attribute: kit.Ptr("nope")})
	wantCode(t, err, "InvalidParameterValue")
	if err := s.ResetNetworkInterfaceAttribute(ctx, testCaller, &ec2.ResetNetworkInterfaceAttributeRequest{NetworkInterfaceId: &eniID, SourceDestCheck: kit.Ptr("true")}); err != nil {
		t.Fatal(err)
	}

	// Detach and move to b: same addresses and MAC.
	err = s.DetachNetworkInterface(ctx, testCaller, &ec2.DetachNetworkInterfaceRequest{AttachmentId: a.NetworkInterfaces[0].Attachment.AttachmentId})
	wantCode(t, err, "OperationNotPermitted")
	err = s.DetachNetworkInterface(ctx, testCaller, &ec2.DetachNetworkInterfaceRequest{AttachmentId: kit.Ptr("eni-attach-0123456789abcdef0")})
	wantCode(t, err, "InvalidAttachmentID.NotFound")
	if err := s.DetachNetworkInterface(ctx, testCaller, &ec2.DetachNetworkInterfaceRequest{AttachmentId: att.AttachmentId}); err != nil {
		t.Fatal(err)
	}
	if got := describeInstance(t, s, *a.InstanceId); len(got.NetworkInterfaces) != 1 {
		t.Errorf("a after detach %+v", got.NetworkInterfaces)
	}
	if _, err := s.AttachNetworkInterface(ctx, testCaller, &ec2.AttachNetworkInterfaceRequest{NetworkInterfaceId: &eniID, InstanceId: b.InstanceId, DeviceIndex: kit.Ptr(int32(1))}); err != nil {
		t.Fatal(err)
	}
	moved := describeInstance(t, s, *b.InstanceId).NetworkInterfaces[1]
	if *moved.NetworkInterfaceId != eniID || *moved.MacAddress != mac || *moved.PrivateIpAddress != "10.0.1.50" || len(moved.PrivateIpAddresses) != 3 || *moved.SourceDestCheck != true {
		t.Errorf("moved interface %+v", moved)
	}
	n, _, err := s.Network(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m := n.Interfaces[eniID]; m.Instance != *b.InstanceId || m.DeviceIndex != 1 {
		t.Errorf("model interface %+v", m)
	}

	// Delete once detached: its addresses go back to the subnet.
	if err := s.DeleteNetworkInterface(ctx, testCaller, &ec2.DeleteNetworkInterfaceRequest{NetworkInterfaceId: &otherID}); err != nil {
		t.Fatal(err)
	}
	err = s.DeleteNetworkInterface(ctx, testCaller, &ec2.DeleteNetworkInterfaceRequest{NetworkInterfaceId: &otherID})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	if got := availableAddresses(t, s, subnetID); got != free-3-2 {
		t.Errorf("available %d, want %d (the spare's three and the instances' two)", got, free-5)
	}
}
