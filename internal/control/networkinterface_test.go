package control

import (
	"context"
	"errors"
	"net/netip"
	"testing"

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
		in.InstanceType = ptr("t3.medium")
		in.NetworkInterfaces = []ec2.InstanceNetworkInterfaceSpecification{
			{DeviceIndex: ptr(int32(0)), SubnetId: &subnetID, SecondaryPrivateIpAddressCount: ptr(int32(2)), Description: ptr("front")},
			{DeviceIndex: ptr(int32(1)), SubnetId: &subnetID, DeleteOnTermination: ptr(false)},
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
		{"network-interface-id", ec2.Filter{Name: ptr("network-interface-id"), Values: []string{eniB}}, []string{eniB}},
		{"subnet-id", ec2.Filter{Name: ptr("subnet-id"), Values: []string{subnetID}}, []string{eniA, second, eniB}},
		{"vpc-id", ec2.Filter{Name: ptr("vpc-id"), Values: []string{vpcID}}, []string{eniA, second, eniB}},
		{"attachment.instance-id", ec2.Filter{Name: ptr("attachment.instance-id"), Values: []string{*a.InstanceId}}, []string{eniA, second}},
		{"attachment.device-index", ec2.Filter{Name: ptr("attachment.device-index"), Values: []string{"1"}}, []string{second}},
		{"addresses.private-ip-address", ec2.Filter{Name: ptr("addresses.private-ip-address"), Values: []string{*front.PrivateIpAddresses[2].PrivateIpAddress}}, []string{eniA}},
		{"private-ip-address is the primary", ec2.Filter{Name: ptr("private-ip-address"), Values: []string{*front.PrivateIpAddresses[2].PrivateIpAddress}}, nil},
		{"description", ec2.Filter{Name: ptr("description"), Values: []string{"fr*"}}, []string{eniA}},
		{"status", ec2.Filter{Name: ptr("status"), Values: []string{"in-use"}}, []string{eniA, second, eniB}},
		{"mac-address", ec2.Filter{Name: ptr("mac-address"), Values: []string{*front.MacAddress}}, []string{eniA}},
		{"group-name", ec2.Filter{Name: ptr("group-name"), Values: []string{"default"}}, []string{eniA, second, eniB}},
		{"interface-type", ec2.Filter{Name: ptr("interface-type"), Values: []string{"interface"}}, []string{eniA, second, eniB}},
		{"source-dest-check", ec2.Filter{Name: ptr("source-dest-check"), Values: []string{"false"}}, nil},
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
	wantCode(t, err, "InvalidNetworkInterfaceID.Malformed")

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
			sn := &subnetRecord{meta: meta{ID: "subnet-1"}, Cidr: netip.MustParsePrefix(tc.cidr)}
			a := &subnetAllocator{sn: sn, used: map[netip.Addr]bool{}}
			var got []string
			for {
				addr, err := a.next()
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
	st := newTestService(t).st
	s := New(st, Config{PublicIPv4Pool: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/30")}})
	ctx := context.Background()
	seen := map[string]bool{}
	for i, account := range []string{"111111111111", "222222222222", "333333333333"} {
		c := Caller{Account: account, Region: "us-east-1"}
		if err := s.EnsureDefaultVpc(ctx, c); err != nil {
			t.Fatal(err)
		}
		res, err := s.RunInstances(ctx, c, &ec2.RunInstancesRequest{ImageId: ptr("ami-1"), MinCount: ptr(int32(1)), MaxCount: ptr(int32(1))})
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
