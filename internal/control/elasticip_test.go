package control

import (
	"context"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func allocate(t *testing.T, s *Service) *ec2.AllocateAddressResult {
	t.Helper()
	out, err := s.AllocateAddress(context.Background(), testCaller, &ec2.AllocateAddressRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func describeAddress(t *testing.T, s *Service, allocID string) ec2.Address {
	t.Helper()
	out, err := s.DescribeAddresses(context.Background(), testCaller, &ec2.DescribeAddressesRequest{AllocationIds: []string{allocID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Addresses) != 1 {
		t.Fatalf("DescribeAddresses %s: %+v", allocID, out.Addresses)
	}
	return out.Addresses[0]
}

func TestAllocateAddressQuota(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	seen := map[string]bool{}
	for range int(kit.QuotaElasticIPs.Default) {
		a := allocate(t, s)
		if !kit.ValidID(*a.AllocationId, "eipalloc") || *a.Domain != "vpc" || *a.PublicIpv4Pool != "amazon" || seen[*a.PublicIp] {
			t.Errorf("AllocateAddress = %+v", a)
		}
		seen[*a.PublicIp] = true
	}
	_, err := s.AllocateAddress(ctx, testCaller, &ec2.AllocateAddressRequest{})
	wantCode(t, err, "AddressLimitExceeded")
	// Another account has its own quota and never gets the same addresses.
	other := Caller{Account: "210987654321", Region: "us-east-1"}
	b, err := s.AllocateAddress(ctx, other, &ec2.AllocateAddressRequest{})
	if err != nil || seen[*b.PublicIp] {
		t.Errorf("other account: %+v, %v", b, err)
	}
	_, err = s.AllocateAddress(ctx, testCaller, &ec2.AllocateAddressRequest{Domain: kit.Ptr("standard")})
	wantCode(t, err, "InvalidParameterValue")
}

func TestAllocateAddressRequests(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	a, err := s.AllocateAddress(ctx, testCaller, &ec2.AllocateAddressRequest{Address: kit.Ptr("203.0.113.77"),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("elastic-ip"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("x")}}}}})
	if err != nil || *a.PublicIp != "203.0.113.77" {
		t.Fatalf("AllocateAddress 203.0.113.77 = %+v, %v", a, err)
	}
	_, err = s.AllocateAddress(ctx, Caller{Account: "210987654321", Region: "us-east-1"}, &ec2.AllocateAddressRequest{Address: kit.Ptr("203.0.113.77")})
	wantCode(t, err, "InvalidAddress.NotFound")
	_, err = s.AllocateAddress(ctx, testCaller, &ec2.AllocateAddressRequest{Address: kit.Ptr("8.8.8.8")})
	wantCode(t, err, "InvalidAddress.NotFound")
	_, err = s.AllocateAddress(ctx, testCaller, &ec2.AllocateAddressRequest{TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc")}}})
	wantCode(t, err, "InvalidParameterValue")

	if got := describeAddress(t, s, *a.AllocationId); got.Tags[0].Value == nil || *got.Tags[0].Value != "x" || got.AssociationId != nil {
		t.Errorf("DescribeAddresses = %+v", got)
	}
	_, err = s.DescribeAddresses(ctx, testCaller, &ec2.DescribeAddressesRequest{AllocationIds: []string{"eipalloc-0123456789abcdef0"}})
	wantCode(t, err, "InvalidAllocationID.NotFound")
	// EC2 answers an allocation ID of the wrong form as one that does not exist.
	_, err = s.DescribeAddresses(ctx, testCaller, &ec2.DescribeAddressesRequest{AllocationIds: []string{"eipalloc-x"}})
	wantCode(t, err, "InvalidAllocationID.NotFound")
	if want := "The allocation ID 'eipalloc-x' does not exist"; err == nil || err.(*ec2.Error).Message != want {
		t.Errorf("malformed allocation ID: %v, want message %q", err, want)
	}
	_, err = s.DescribeAddresses(ctx, testCaller, &ec2.DescribeAddressesRequest{PublicIps: []string{"203.0.113.78"}})
	wantCode(t, err, "InvalidAddress.NotFound")
	_, err = s.DescribeAddresses(ctx, testCaller, &ec2.DescribeAddressesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("nope"), Values: []string{"x"}}}})
	wantCode(t, err, "InvalidParameterValue")

	if err := s.ReleaseAddress(ctx, testCaller, &ec2.ReleaseAddressRequest{AllocationId: a.AllocationId}); err != nil {
		t.Fatal(err)
	}
	err = s.ReleaseAddress(ctx, testCaller, &ec2.ReleaseAddressRequest{AllocationId: a.AllocationId})
	wantCode(t, err, "InvalidAllocationID.NotFound")
	// A released address is free again, for any account.
	if _, err := s.AllocateAddress(ctx, Caller{Account: "210987654321", Region: "us-east-1"}, &ec2.AllocateAddressRequest{Address: kit.Ptr("203.0.113.77")}); err != nil {
		t.Errorf("allocate a released address: %v", err)
	}
}

func TestAssociateAddress(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpcID, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	a := mustRun(t, s, subnetID, func(in *ec2.RunInstancesRequest) {
		in.SubnetId = nil
		in.NetworkInterfaces = []ec2.InstanceNetworkInterfaceSpecification{{DeviceIndex: kit.Ptr(int32(0)), SubnetId: &subnetID, AssociatePublicIpAddress: kit.Ptr(true)}}
	})
	b := mustRun(t, s, subnetID)
	eip := allocate(t, s)
	associate := func(mod func(in *ec2.AssociateAddressRequest)) (*ec2.AssociateAddressResult, error) {
		in := &ec2.AssociateAddressRequest{AllocationId: eip.AllocationId}
		mod(in)
		return s.AssociateAddress(ctx, testCaller, in)
	}

	_, err := associate(func(in *ec2.AssociateAddressRequest) { in.InstanceId = a.InstanceId })
	wantCode(t, err, "Gateway.NotAttached")
	attachIgw(t, s, createIgw(t, s), vpcID)
	_, err = associate(func(in *ec2.AssociateAddressRequest) {})
	wantCode(t, err, "MissingParameter")
	_, err = associate(func(in *ec2.AssociateAddressRequest) {
		in.AllocationId = kit.Ptr("eipalloc-0123456789abcdef0")
		in.InstanceId = a.InstanceId
	})
	wantCode(t, err, "InvalidAllocationID.NotFound")
	_, err = associate(func(in *ec2.AssociateAddressRequest) {
		in.InstanceId = a.InstanceId
		in.PrivateIpAddress = kit.Ptr("10.0.1.200")
	})
	wantCode(t, err, "InvalidParameterValue")

	autoIP := *describeInstance(t, s, *a.InstanceId).PublicIpAddress
	first, err := associate(func(in *ec2.AssociateAddressRequest) { in.InstanceId = a.InstanceId })
	if err != nil || !kit.ValidID(*first.AssociationId, "eipassoc") {
		t.Fatalf("AssociateAddress = %+v, %v", first, err)
	}
	inst := describeInstance(t, s, *a.InstanceId)
	if *inst.PublicIpAddress != *eip.PublicIp {
		t.Errorf("public address %s, want the Elastic IP %s", *inst.PublicIpAddress, *eip.PublicIp)
	}
	as := inst.NetworkInterfaces[0].Association
	if as == nil || *as.IpOwnerId != testCaller.Account || *as.PublicIp != *eip.PublicIp {
		t.Errorf("interface association %+v", as)
	}
	// The auto-assigned address went back to the pool.
	var holder kit.PublicIPHolder
	if err := s.View(ctx, func(t *kit.Txn) error {
		found, err := t.Get("public/us-east-1/"+autoIP, &holder)
		if found {
			err = ec2.Errorf("Leak", "%s still held", autoIP)
		}
		return err
	}); err != nil {
		t.Error(err)
	}
	got := describeAddress(t, s, *eip.AllocationId)
	if kit.Deref(got.AssociationId) != *first.AssociationId || kit.Deref(got.InstanceId) != *a.InstanceId || kit.Deref(got.PrivateIpAddress) != *a.PrivateIpAddress ||
		kit.Deref(got.NetworkInterfaceOwnerId) != testCaller.Account {
		t.Errorf("DescribeAddresses after associate %+v", got)
	}
	for _, f := range []string{"association-id", "instance-id", "network-interface-id", "private-ip-address", "public-ip", "allocation-id", "domain"} {
		want := map[string]string{"association-id": *first.AssociationId, "instance-id": *a.InstanceId, "network-interface-id": *a.NetworkInterfaces[0].NetworkInterfaceId,
			"private-ip-address": *a.PrivateIpAddress, "public-ip": *eip.PublicIp, "allocation-id": *eip.AllocationId, "domain": "vpc"}[f]
		out, err := s.DescribeAddresses(ctx, testCaller, &ec2.DescribeAddressesRequest{Filters: []ec2.Filter{{Name: kit.Ptr(f), Values: []string{want}}}})
		if err != nil || len(out.Addresses) != 1 {
			t.Errorf("filter %s=%s: %+v, %v", f, want, out, err)
		}
	}

	_, err = associate(func(in *ec2.AssociateAddressRequest) { in.InstanceId = b.InstanceId })
	wantCode(t, err, "Resource.AlreadyAssociated")
	err = s.ReleaseAddress(ctx, testCaller, &ec2.ReleaseAddressRequest{AllocationId: eip.AllocationId})
	wantCode(t, err, "InvalidIPAddress.InUse")

	// Stopping keeps an Elastic IP.
	if _, err := s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: []string{*a.InstanceId}}); err != nil {
		t.Fatal(err)
	}
	if got := kit.Deref(describeInstance(t, s, *a.InstanceId).PublicIpAddress); got != *eip.PublicIp {
		t.Errorf("stopped instance public address %q, want %s", got, *eip.PublicIp)
	}

	second, err := associate(func(in *ec2.AssociateAddressRequest) {
		in.InstanceId = b.InstanceId
		in.AllowReassociation = kit.Ptr(true)
	})
	if err != nil || *second.AssociationId == *first.AssociationId {
		t.Fatalf("reassociate: %+v, %v", second, err)
	}
	if got := describeInstance(t, s, *a.InstanceId).PublicIpAddress; got != nil {
		t.Errorf("A keeps public address %s after the Elastic IP moved", *got)
	}
	if got := kit.Deref(describeInstance(t, s, *b.InstanceId).PublicIpAddress); got != *eip.PublicIp {
		t.Errorf("B public address %q, want %s", got, *eip.PublicIp)
	}

	err = s.DisassociateAddress(ctx, testCaller, &ec2.DisassociateAddressRequest{AssociationId: first.AssociationId})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	err = s.DisassociateAddress(ctx, testCaller, &ec2.DisassociateAddressRequest{AssociationId: kit.Ptr("eipassoc-x")})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	if err := s.DisassociateAddress(ctx, testCaller, &ec2.DisassociateAddressRequest{AssociationId: second.AssociationId}); err != nil {
		t.Fatal(err)
	}
	if got := describeAddress(t, s, *eip.AllocationId); got.AssociationId != nil || got.InstanceId != nil {
		t.Errorf("after disassociate %+v", got)
	}
	if got := describeInstance(t, s, *b.InstanceId).PublicIpAddress; got != nil {
		t.Errorf("B keeps public address %s", *got)
	}
	// A terminated instance whose interface goes with it leaves the Elastic IP unassociated.
	if _, err := associate(func(in *ec2.AssociateAddressRequest) { in.InstanceId = b.InstanceId }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TerminateInstances(ctx, testCaller, &ec2.TerminateInstancesRequest{InstanceIds: []string{*b.InstanceId}}); err != nil {
		t.Fatal(err)
	}
	if got := describeAddress(t, s, *eip.AllocationId); got.AssociationId != nil {
		t.Errorf("after terminate %+v", got)
	}
	if err := s.ReleaseAddress(ctx, testCaller, &ec2.ReleaseAddressRequest{AllocationId: eip.AllocationId}); err != nil {
		t.Fatal(err)
	}
}

func TestAssociateAddressSecondaryAddress(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpcID, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	attachIgw(t, s, createIgw(t, s), vpcID)
	a := mustRun(t, s, subnetID, func(in *ec2.RunInstancesRequest) {
		in.SubnetId = nil
		in.InstanceType = kit.Ptr("t3.medium")
		in.NetworkInterfaces = []ec2.InstanceNetworkInterfaceSpecification{
			{DeviceIndex: kit.Ptr(int32(0)), SubnetId: &subnetID, SecondaryPrivateIpAddressCount: kit.Ptr(int32(1))},
			{DeviceIndex: kit.Ptr(int32(1)), SubnetId: &subnetID},
		}
	})
	eip := allocate(t, s)
	_, err := s.AssociateAddress(ctx, testCaller, &ec2.AssociateAddressRequest{AllocationId: eip.AllocationId, InstanceId: a.InstanceId})
	wantCode(t, err, "InvalidInstanceID")
	eni := a.NetworkInterfaces[0]
	secondary := *eni.PrivateIpAddresses[1].PrivateIpAddress
	if _, err := s.AssociateAddress(ctx, testCaller, &ec2.AssociateAddressRequest{AllocationId: eip.AllocationId, NetworkInterfaceId: eni.NetworkInterfaceId, PrivateIpAddress: &secondary}); err != nil {
		t.Fatal(err)
	}
	n, _, err := s.Network(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := n.Interfaces[*eni.NetworkInterfaceId]
	if got := m.PublicIPs[mustAddr(secondary)]; got.String() != *eip.PublicIp || m.PublicIP.IsValid() {
		t.Errorf("model interface %+v, want %s on %s only", m, *eip.PublicIp, secondary)
	}
	// Unassigning the address ends the association.
	if err := s.UnassignPrivateIpAddresses(ctx, testCaller, &ec2.UnassignPrivateIpAddressesRequest{NetworkInterfaceId: eni.NetworkInterfaceId, PrivateIpAddresses: []string{secondary}}); err != nil {
		t.Fatal(err)
	}
	if got := describeAddress(t, s, *eip.AllocationId); got.AssociationId != nil {
		t.Errorf("after unassign %+v", got)
	}
}

// TestDescribeAddressesAttribute: the domain-name attribute of each Elastic IP, with no
// reverse DNS record (vpcd sets none), as the AWS provider reads it for every aws_eip.
func TestDescribeAddressesAttribute(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	a, b := allocate(t, s), allocate(t, s)
	out, err := s.DescribeAddressesAttribute(ctx, testCaller, &ec2.DescribeAddressesAttributeRequest{AllocationIds: []string{*b.AllocationId}, Attribute: kit.Ptr("domain-name")})
	if err != nil || len(out.Addresses) != 1 {
		t.Fatalf("DescribeAddressesAttribute %s = %+v, %v", *b.AllocationId, out, err)
	}
	if got := out.Addresses[0]; kit.Deref(got.AllocationId) != *b.AllocationId || kit.Deref(got.PublicIp) != *b.PublicIp || got.PtrRecord != nil || got.PtrRecordUpdate != nil {
		t.Errorf("DescribeAddressesAttribute = %+v, want %s %s without a PTR record", got, *b.AllocationId, *b.PublicIp)
	}
	all, err := s.DescribeAddressesAttribute(ctx, testCaller, &ec2.DescribeAddressesAttributeRequest{Attribute: kit.Ptr("domain-name")})
	if err != nil || len(all.Addresses) != 2 || all.NextToken != nil {
		t.Fatalf("DescribeAddressesAttribute of all = %+v, %v", all, err)
	}
	page, err := s.DescribeAddressesAttribute(ctx, testCaller, &ec2.DescribeAddressesAttributeRequest{MaxResults: kit.Ptr(int32(1))})
	if err != nil || len(page.Addresses) != 1 || page.NextToken == nil {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	rest, err := s.DescribeAddressesAttribute(ctx, testCaller, &ec2.DescribeAddressesAttributeRequest{MaxResults: kit.Ptr(int32(1)), NextToken: page.NextToken})
	if err != nil || len(rest.Addresses) != 1 || kit.Deref(rest.Addresses[0].AllocationId) == kit.Deref(page.Addresses[0].AllocationId) {
		t.Fatalf("second page = %+v, %v", rest, err)
	}
	_, err = s.DescribeAddressesAttribute(ctx, testCaller, &ec2.DescribeAddressesAttributeRequest{AllocationIds: []string{"eipalloc-0123456789abcdef0"}})
	wantCode(t, err, "InvalidAllocationID.NotFound")
	_, err = s.DescribeAddressesAttribute(ctx, testCaller, &ec2.DescribeAddressesAttributeRequest{AllocationIds: []string{"eipalloc-x"}})
	wantCode(t, err, "InvalidAllocationID.NotFound")
	_, err = s.DescribeAddressesAttribute(ctx, testCaller, &ec2.DescribeAddressesAttributeRequest{Attribute: kit.Ptr("ptr-record")})
	wantCode(t, err, "InvalidParameterValue")
	// Another account's addresses are not the caller's.
	other := Caller{Account: "210987654321", Region: "us-east-1"}
	_, err = s.DescribeAddressesAttribute(ctx, other, &ec2.DescribeAddressesAttributeRequest{AllocationIds: []string{*a.AllocationId}})
	wantCode(t, err, "InvalidAllocationID.NotFound")
}
