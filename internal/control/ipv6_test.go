package control

import (
	"context"
	"net/netip"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// dualStack makes a VPC with an Amazon-provided IPv6 block and a subnet with the first /64
// of it; it returns the subnet and its /64.
func dualStack(t *testing.T, s *Service) (string, netip.Prefix) {
	t.Helper()
	ctx := context.Background()
	vpc, err := s.CreateVpc(ctx, testCaller, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.6.0.0/16"), AmazonProvidedIpv6CidrBlock: kit.Ptr(true)})
	wantCode(t, err, "")
	block := netip.MustParsePrefix(*vpc.Vpc.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock)
	sub64 := netip.PrefixFrom(block.Addr(), 64)
	sn, err := s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: vpc.Vpc.VpcId, CidrBlock: kit.Ptr("10.6.1.0/24"), Ipv6CidrBlock: kit.Ptr(sub64.String())})
	wantCode(t, err, "")
	return *sn.Subnet.SubnetId, sub64
}

func TestIPv6Addresses(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	subnet, block := dualStack(t, s)
	inBlock := func(t *testing.T, addrs []string, n int) {
		t.Helper()
		if len(addrs) != n {
			t.Fatalf("got %d IPv6 addresses %v, want %d", len(addrs), addrs, n)
		}
		for _, a := range addrs {
			if !block.Contains(netip.MustParseAddr(a)) {
				t.Errorf("%s is outside the subnet's %s", a, block)
			}
		}
	}

	inst := mustRun(t, s, subnet, func(in *ec2.RunInstancesRequest) { in.Ipv6AddressCount = kit.Ptr(int32(2)) })
	got := describeInstance(t, s, *inst.InstanceId)
	var addrs []string
	for _, a := range got.NetworkInterfaces[0].Ipv6Addresses {
		addrs = append(addrs, *a.Ipv6Address)
	}
	inBlock(t, addrs, 2)

	eni, err := s.CreateNetworkInterface(ctx, testCaller, &ec2.CreateNetworkInterfaceRequest{SubnetId: &subnet, Ipv6Addresses: []ec2.InstanceIpv6Address{{Ipv6Address: &addrs[0]}}})
	wantCode(t, err, "InvalidIPAddress.InUse")
	named := netip.AddrFrom16(block.Addr().As16())
	named = named.Next().Next().Next().Next().Next() // ::5, past the four AWS keeps
	eni, err = s.CreateNetworkInterface(ctx, testCaller, &ec2.CreateNetworkInterfaceRequest{SubnetId: &subnet, Ipv6Addresses: []ec2.InstanceIpv6Address{{Ipv6Address: kit.Ptr(named.String())}}})
	wantCode(t, err, "")
	if len(eni.NetworkInterface.Ipv6Addresses) != 1 || *eni.NetworkInterface.Ipv6Addresses[0].Ipv6Address != named.String() {
		t.Errorf("named address: %+v", eni.NetworkInterface.Ipv6Addresses)
	}
	for _, tc := range []struct {
		name string
		in   ec2.CreateNetworkInterfaceRequest
		code string
	}{
		{"reserved address", ec2.CreateNetworkInterfaceRequest{Ipv6Addresses: []ec2.InstanceIpv6Address{{Ipv6Address: kit.Ptr(block.Addr().Next().String())}}}, "InvalidParameterValue"},
		{"outside the block", ec2.CreateNetworkInterfaceRequest{Ipv6Addresses: []ec2.InstanceIpv6Address{{Ipv6Address: kit.Ptr("2001:db8::5")}}}, "InvalidParameterValue"},
		{"count and names", ec2.CreateNetworkInterfaceRequest{Ipv6AddressCount: kit.Ptr(int32(1)), Ipv6Addresses: []ec2.InstanceIpv6Address{{Ipv6Address: kit.Ptr(named.Next().String())}}}, "InvalidParameterCombination"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.SubnetId = &subnet
			_, err := s.CreateNetworkInterface(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
		})
	}

	assigned, err := s.AssignIpv6Addresses(ctx, testCaller, &ec2.AssignIpv6AddressesRequest{NetworkInterfaceId: eni.NetworkInterface.NetworkInterfaceId, Ipv6AddressCount: kit.Ptr(int32(2))})
	wantCode(t, err, "")
	inBlock(t, assigned.AssignedIpv6Addresses, 2)
	un, err := s.UnassignIpv6Addresses(ctx, testCaller, &ec2.UnassignIpv6AddressesRequest{NetworkInterfaceId: eni.NetworkInterface.NetworkInterfaceId, Ipv6Addresses: []string{named.String()}})
	wantCode(t, err, "")
	if len(un.UnassignedIpv6Addresses) != 1 {
		t.Errorf("unassigned %v", un.UnassignedIpv6Addresses)
	}
	_, err = s.UnassignIpv6Addresses(ctx, testCaller, &ec2.UnassignIpv6AddressesRequest{NetworkInterfaceId: eni.NetworkInterface.NetworkInterfaceId, Ipv6Addresses: []string{named.String()}})
	wantCode(t, err, "InvalidParameterValue")

	// A subnet that assigns addresses on creation gives every new interface one.
	err = s.ModifySubnetAttribute(ctx, testCaller, &ec2.ModifySubnetAttributeRequest{SubnetId: &subnet, AssignIpv6AddressOnCreation: &ec2.AttributeBooleanValue{Value: kit.Ptr(true)}})
	wantCode(t, err, "")
	auto, err := s.CreateNetworkInterface(ctx, testCaller, &ec2.CreateNetworkInterfaceRequest{SubnetId: &subnet})
	wantCode(t, err, "")
	if len(auto.NetworkInterface.Ipv6Addresses) != 1 {
		t.Errorf("assign-on-creation gave %v", auto.NetworkInterface.Ipv6Addresses)
	}

	// No IPv6 block, no IPv6 address.
	_, plain := vpcWithSubnet(t, s, "10.0.1.0/24")
	_, err = run(s, plain, 1, func(in *ec2.RunInstancesRequest) { in.Ipv6AddressCount = kit.Ptr(int32(1)) })
	wantCode(t, err, "InvalidParameterValue")
}
