package control

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// ipv6Only makes a dual-stack VPC with an IPv6-only subnet on the second /64 of its block;
// unless assign, the subnet's AssignIpv6AddressOnCreation (on by default there) is turned
// off.
func ipv6Only(t *testing.T, s *Service, assign bool) (string, netip.Prefix) {
	t.Helper()
	ctx := context.Background()
	vpc, err := s.CreateVpc(ctx, testCaller, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.6.0.0/16"), AmazonProvidedIpv6CidrBlock: kit.Ptr(true)})
	wantCode(t, err, "")
	block := netip.MustParsePrefix(*vpc.Vpc.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock)
	b := block.Addr().As16()
	b[7] = 1
	sub64 := netip.PrefixFrom(netip.AddrFrom16(b), 64)
	sn, err := s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: vpc.Vpc.VpcId, Ipv6Native: kit.Ptr(true), Ipv6CidrBlock: kit.Ptr(sub64.String())})
	wantCode(t, err, "")
	if !assign {
		err = s.ModifySubnetAttribute(ctx, testCaller, &ec2.ModifySubnetAttributeRequest{SubnetId: sn.Subnet.SubnetId, AssignIpv6AddressOnCreation: &ec2.AttributeBooleanValue{Value: kit.Ptr(false)}})
		wantCode(t, err, "")
	}
	return *sn.Subnet.SubnetId, sub64
}

func nitro(in *ec2.RunInstancesRequest) { in.InstanceType = kit.Ptr("t3.micro") }

func TestRunInstancesIPv6OnlyRules(t *testing.T) {
	s := newTestService(t)
	assigning, _ := ipv6Only(t, s, true)
	for _, tc := range []struct {
		name   string
		subnet string
		mod    func(*ec2.RunInstancesRequest)
		code   string
	}{
		{"xen type", assigning, func(in *ec2.RunInstancesRequest) {}, "InvalidParameterCombination"},
		{"private ipv4 address", assigning, func(in *ec2.RunInstancesRequest) { nitro(in); in.PrivateIpAddress = kit.Ptr("10.6.1.10") }, "InvalidParameterCombination"},
		{"public ipv4 address", "", func(in *ec2.RunInstancesRequest) {
			nitro(in)
			in.NetworkInterfaces = []ec2.InstanceNetworkInterfaceSpecification{{DeviceIndex: kit.Ptr(int32(0)), SubnetId: &assigning, AssociatePublicIpAddress: kit.Ptr(true)}}
		}, "InvalidParameterCombination"},
		{"secondary ipv4 addresses", "", func(in *ec2.RunInstancesRequest) {
			nitro(in)
			in.NetworkInterfaces = []ec2.InstanceNetworkInterfaceSpecification{{DeviceIndex: kit.Ptr(int32(0)), SubnetId: &assigning, SecondaryPrivateIpAddressCount: kit.Ptr(int32(1))}}
		}, "InvalidParameterCombination"},
		{"no ipv6 address", assigning, func(in *ec2.RunInstancesRequest) { nitro(in); in.Ipv6AddressCount = kit.Ptr(int32(0)) }, "InvalidParameterValue"},
		{"nitro type", assigning, nitro, ""},
		{"bare metal", assigning, func(in *ec2.RunInstancesRequest) { in.InstanceType = kit.Ptr("m5.metal") }, ""},
		{"public ipv4 address off", "", func(in *ec2.RunInstancesRequest) {
			nitro(in)
			in.NetworkInterfaces = []ec2.InstanceNetworkInterfaceSpecification{{DeviceIndex: kit.Ptr(int32(0)), SubnetId: &assigning, AssociatePublicIpAddress: kit.Ptr(false)}}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(s, tc.subnet, 1, tc.mod)
			wantCode(t, err, tc.code)
		})
	}
}

func TestRunInstancesIPv6OnlyNeedsAnAddress(t *testing.T) {
	s := newTestService(t)
	subnet, block := ipv6Only(t, s, false)
	_, err := run(s, subnet, 1, nitro)
	wantCode(t, err, "InvalidParameterValue")
	inst := mustRun(t, s, subnet, nitro, func(in *ec2.RunInstancesRequest) { in.Ipv6AddressCount = kit.Ptr(int32(2)) })
	got := describeInstance(t, s, *inst.InstanceId)
	ni := got.NetworkInterfaces[0]
	if len(ni.Ipv6Addresses) != 2 || !block.Contains(netip.MustParseAddr(*ni.Ipv6Addresses[0].Ipv6Address)) {
		t.Errorf("ipv6 addresses %+v, want 2 in %s", ni.Ipv6Addresses, block)
	}
	// The subnet's free IPv4 addresses (none) do not limit how many are launched.
	res, err := run(s, subnet, 3, nitro, func(in *ec2.RunInstancesRequest) { in.Ipv6AddressCount = kit.Ptr(int32(1)) })
	wantCode(t, err, "")
	if len(res.Instances) != 3 {
		t.Errorf("launched %d instances, want 3", len(res.Instances))
	}
}

func TestDescribeIPv6OnlyInstance(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	subnet, block := ipv6Only(t, s, true)
	inst := mustRun(t, s, subnet, nitro)
	got := describeInstance(t, s, *inst.InstanceId)
	for _, in := range []ec2.Instance{inst, got} {
		if in.PrivateIpAddress != nil {
			t.Errorf("PrivateIpAddress = %s, want none", *in.PrivateIpAddress)
		}
		if want := *in.InstanceId + ".ec2.internal"; *in.PrivateDnsName != want {
			t.Errorf("PrivateDnsName = %q, want %q", *in.PrivateDnsName, want)
		}
		if *in.PrivateDnsNameOptions.HostnameType != "resource-name" {
			t.Errorf("hostname type %s", *in.PrivateDnsNameOptions.HostnameType)
		}
		if in.Ipv6Address == nil || !block.Contains(netip.MustParseAddr(*in.Ipv6Address)) {
			t.Errorf("Ipv6Address = %v, want one in %s", in.Ipv6Address, block)
		}
		ni := in.NetworkInterfaces[0]
		if ni.PrivateIpAddress != nil || ni.PrivateIpAddresses == nil || len(ni.PrivateIpAddresses) != 0 {
			t.Errorf("interface IPv4 %v %+v, want none and an empty list", ni.PrivateIpAddress, ni.PrivateIpAddresses)
		}
		if len(ni.Ipv6Addresses) != 1 {
			t.Errorf("interface IPv6 %+v, want one", ni.Ipv6Addresses)
		}
	}
	enis, err := s.DescribeNetworkInterfaces(ctx, testCaller, &ec2.DescribeNetworkInterfacesRequest{NetworkInterfaceIds: []string{*got.NetworkInterfaces[0].NetworkInterfaceId}})
	wantCode(t, err, "")
	e := enis.NetworkInterfaces[0]
	if e.PrivateIpAddress != nil || e.PrivateIpAddresses == nil || len(e.PrivateIpAddresses) != 0 || !*e.Ipv6Native || len(e.Ipv6Addresses) != 1 {
		t.Errorf("interface %+v", e)
	}
	sn, err := s.DescribeSubnets(ctx, testCaller, &ec2.DescribeSubnetsRequest{SubnetIds: []string{subnet}})
	wantCode(t, err, "")
	if n := *sn.Subnets[0].AvailableIpAddressCount; n != 0 {
		t.Errorf("AvailableIpAddressCount = %d, want 0", n)
	}
	_, err = s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: []string{*inst.InstanceId}})
	wantCode(t, err, "")
	_, err = s.StartInstances(ctx, testCaller, &ec2.StartInstancesRequest{InstanceIds: []string{*inst.InstanceId}})
	wantCode(t, err, "")
	_, err = s.TerminateInstances(ctx, testCaller, &ec2.TerminateInstancesRequest{InstanceIds: []string{*inst.InstanceId}})
	wantCode(t, err, "")
}

func TestCreateNetworkInterfaceIPv6Only(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	assigning, _ := ipv6Only(t, s, true)
	for _, tc := range []struct {
		name string
		in   ec2.CreateNetworkInterfaceRequest
		code string
	}{
		{"private ipv4 address", ec2.CreateNetworkInterfaceRequest{PrivateIpAddress: kit.Ptr("10.6.1.10")}, "InvalidParameterCombination"},
		{"secondary ipv4 addresses", ec2.CreateNetworkInterfaceRequest{SecondaryPrivateIpAddressCount: kit.Ptr(int32(1))}, "InvalidParameterCombination"},
		{"no ipv6 address", ec2.CreateNetworkInterfaceRequest{Ipv6AddressCount: kit.Ptr(int32(0))}, "InvalidParameterValue"},
		{"assigned on creation", ec2.CreateNetworkInterfaceRequest{}, ""},
		{"counted", ec2.CreateNetworkInterfaceRequest{Ipv6AddressCount: kit.Ptr(int32(3))}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.SubnetId = &assigning
			out, err := s.CreateNetworkInterface(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
			if err == nil && (out.NetworkInterface.PrivateIpAddress != nil || len(out.NetworkInterface.Ipv6Addresses) == 0 || !*out.NetworkInterface.Ipv6Native) {
				t.Errorf("interface %+v", out.NetworkInterface)
			}
		})
	}
	quiet, _ := ipv6Only(t, s, false)
	_, err := s.CreateNetworkInterface(ctx, testCaller, &ec2.CreateNetworkInterfaceRequest{SubnetId: &quiet})
	wantCode(t, err, "InvalidParameterValue")
}

func TestIPv6UnsupportedType(t *testing.T) {
	s := newTestService(t)
	subnet, _ := dualStack(t, s)
	_, err := run(s, subnet, 1, func(in *ec2.RunInstancesRequest) {
		in.InstanceType = kit.Ptr("m1.small")
		in.Ipv6AddressCount = kit.Ptr(int32(1))
	})
	wantCode(t, err, "UnsupportedOperation")
}

func TestIPv6OnlyInterfacesNeedNitro(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	subnet, _ := ipv6Only(t, s, true)
	inst := mustRun(t, s, subnet, nitro)
	_, err := s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: []string{*inst.InstanceId}})
	wantCode(t, err, "")
	modify := func(typ string) error {
		return s.ModifyInstanceAttribute(ctx, testCaller, &ec2.ModifyInstanceAttributeRequest{InstanceId: inst.InstanceId, InstanceType: &ec2.AttributeValue{Value: kit.Ptr(typ)}})
	}
	wantCode(t, modify("t2.micro"), "InvalidParameterCombination")
	wantCode(t, modify("m5.large"), "")

	// An IPv4 instance of a Xen type in the same zone may not take an IPv6-only interface.
	sn, err := s.DescribeSubnets(ctx, testCaller, &ec2.DescribeSubnetsRequest{SubnetIds: []string{subnet}})
	wantCode(t, err, "")
	v4, err := s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: sn.Subnets[0].VpcId, CidrBlock: kit.Ptr("10.6.2.0/24"), AvailabilityZone: sn.Subnets[0].AvailabilityZone})
	wantCode(t, err, "")
	xen := mustRun(t, s, *v4.Subnet.SubnetId)
	eni, err := s.CreateNetworkInterface(ctx, testCaller, &ec2.CreateNetworkInterfaceRequest{SubnetId: &subnet})
	wantCode(t, err, "")
	_, err = s.AttachNetworkInterface(ctx, testCaller, &ec2.AttachNetworkInterfaceRequest{NetworkInterfaceId: eni.NetworkInterface.NetworkInterfaceId, InstanceId: xen.InstanceId, DeviceIndex: kit.Ptr(int32(1))})
	wantCode(t, err, "InvalidParameterCombination")
}

// TestNetworkInsightsIPv6Only analyzes a path between two instances of an IPv6-only
// subnet, which the analyzer takes at their IPv6 addresses.
func TestNetworkInsightsIPv6Only(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	subnet, sub64 := ipv6Only(t, s, true)
	sn, err := s.DescribeSubnets(ctx, testCaller, &ec2.DescribeSubnetsRequest{SubnetIds: []string{subnet}})
	wantCode(t, err, "")
	g := createGroup(t, s, *sn.Subnets[0].VpcId, "web6")
	v6 := []ec2.Ipv6Range{{CidrIpv6: kit.Ptr(sub64.String())}}
	_, err = ingress(s, g, ec2.IpPermission{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(80)), ToPort: kit.Ptr(int32(80)), Ipv6Ranges: v6})
	wantCode(t, err, "")
	_, err = s.AuthorizeSecurityGroupEgress(ctx, testCaller, &ec2.AuthorizeSecurityGroupEgressRequest{GroupId: &g, IpPermissions: []ec2.IpPermission{{IpProtocol: kit.Ptr("-1"), Ipv6Ranges: v6}}})
	wantCode(t, err, "")
	group := func(in *ec2.RunInstancesRequest) { in.SecurityGroupIds = []string{g} }
	x, y := mustRun(t, s, subnet, nitro, group), mustRun(t, s, subnet, nitro, group)
	for _, tc := range []struct {
		port  int32
		found bool
		codes []string
	}{
		{80, true, nil},
		{22, false, []string{"ENI_SG_RULES_MISMATCH ingress"}},
	} {
		nip, err := createPath(s, &ec2.CreateNetworkInsightsPathRequest{Source: x.InstanceId, Destination: y.InstanceId, Protocol: kit.Ptr("tcp"), DestinationPort: kit.Ptr(tc.port)})
		wantCode(t, err, "")
		a := analyzeOnce(t, s, nip)
		if *a.Status != "succeeded" || *a.NetworkPathFound != tc.found || !slices.Equal(explanationCodes(a), tc.codes) {
			t.Errorf("port %d: status %s, found %v, codes %v; want found %v, codes %v", tc.port, *a.Status, *a.NetworkPathFound, explanationCodes(a), tc.found, tc.codes)
		}
	}
}

func TestPrivateDnsNameOptions(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	subnet, _ := ipv6Only(t, s, true)
	_, err := run(s, subnet, 1, nitro, func(in *ec2.RunInstancesRequest) {
		in.PrivateDnsNameOptions = &ec2.PrivateDnsNameOptionsRequest{HostnameType: kit.Ptr("ip-name")}
	})
	wantCode(t, err, "InvalidParameterValue")
	_, err = run(s, subnet, 1, nitro, func(in *ec2.RunInstancesRequest) {
		in.PrivateDnsNameOptions = &ec2.PrivateDnsNameOptionsRequest{HostnameType: kit.Ptr("id-name")}
	})
	wantCode(t, err, "InvalidParameterValue")
	inst := mustRun(t, s, subnet, nitro, func(in *ec2.RunInstancesRequest) {
		in.PrivateDnsNameOptions = &ec2.PrivateDnsNameOptionsRequest{EnableResourceNameDnsAAAARecord: kit.Ptr(true)}
	})
	opts := describeInstance(t, s, *inst.InstanceId).PrivateDnsNameOptions
	if *opts.HostnameType != "resource-name" || *opts.EnableResourceNameDnsARecord || !*opts.EnableResourceNameDnsAAAARecord {
		t.Errorf("options at launch %+v", opts)
	}

	modify := func(in ec2.ModifyPrivateDnsNameOptionsRequest) error {
		in.InstanceId = inst.InstanceId
		_, err := s.ModifyPrivateDnsNameOptions(ctx, testCaller, &in)
		return err
	}
	wantCode(t, modify(ec2.ModifyPrivateDnsNameOptionsRequest{EnableResourceNameDnsAAAARecord: kit.Ptr(false)}), "")
	if opts := describeInstance(t, s, *inst.InstanceId).PrivateDnsNameOptions; *opts.EnableResourceNameDnsAAAARecord {
		t.Errorf("AAAA record still on: %+v", opts)
	}
	wantCode(t, modify(ec2.ModifyPrivateDnsNameOptionsRequest{PrivateDnsHostnameType: kit.Ptr("ip-name")}), "InvalidParameterValue")

	// In a dual-stack subnet the hostname type may change.
	dual, _ := dualStack(t, s)
	inst = mustRun(t, s, dual)
	wantCode(t, modify(ec2.ModifyPrivateDnsNameOptionsRequest{PrivateDnsHostnameType: kit.Ptr("resource-name")}), "")
	if got, want := *describeInstance(t, s, *inst.InstanceId).PrivateDnsName, *inst.InstanceId+".ec2.internal"; got != want {
		t.Errorf("PrivateDnsName after the change = %s, want %s", got, want)
	}
	_, err = s.ModifyPrivateDnsNameOptions(ctx, testCaller, &ec2.ModifyPrivateDnsNameOptionsRequest{InstanceId: kit.Ptr("i-0123456789abcdef0")})
	wantCode(t, err, "InvalidInstanceID.NotFound")
}

// TestIPv6OnlyInterfacesTakeNoIPv4 checks that what would give an IPv6-only interface an
// IPv4 address is refused with a client error.
func TestIPv6OnlyInterfacesTakeNoIPv4(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	subnet, _ := ipv6Only(t, s, true)
	inst := mustRun(t, s, subnet, nitro)
	eni := inst.NetworkInterfaces[0].NetworkInterfaceId
	_, err := s.AssignPrivateIpAddresses(ctx, testCaller, &ec2.AssignPrivateIpAddressesRequest{NetworkInterfaceId: eni, SecondaryPrivateIpAddressCount: kit.Ptr(int32(1))})
	wantCode(t, err, "InsufficientFreeAddressesInSubnet")
	_, err = s.AssignPrivateIpAddresses(ctx, testCaller, &ec2.AssignPrivateIpAddressesRequest{NetworkInterfaceId: eni, PrivateIpAddresses: []string{"10.6.1.10"}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = s.AssociateAddress(ctx, testCaller, &ec2.AssociateAddressRequest{InstanceId: inst.InstanceId, AllocationId: kit.Ptr("eipalloc-0123456789abcdef0")})
	if err == nil {
		t.Fatal("AssociateAddress to an IPv6-only instance succeeded")
	}
	eip, err := s.AllocateAddress(ctx, testCaller, &ec2.AllocateAddressRequest{Domain: kit.Ptr("vpc")})
	wantCode(t, err, "")
	_, err = s.AssociateAddress(ctx, testCaller, &ec2.AssociateAddressRequest{NetworkInterfaceId: eni, AllocationId: eip.AllocationId})
	var e *ec2.Error
	if !errors.As(err, &e) || e.Status >= 500 {
		t.Errorf("AssociateAddress to an IPv6-only interface: %v, want a client error", err)
	}
}

func TestDescribeInstancesIPv6Filters(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	subnet, _ := ipv6Only(t, s, true)
	inst := mustRun(t, s, subnet, nitro, func(in *ec2.RunInstancesRequest) {
		in.PrivateDnsNameOptions = &ec2.PrivateDnsNameOptionsRequest{EnableResourceNameDnsAAAARecord: kit.Ptr(true)}
	})
	dual, _ := dualStack(t, s)
	other := mustRun(t, s, dual, func(in *ec2.RunInstancesRequest) { in.Ipv6AddressCount = kit.Ptr(int32(1)) })
	v6 := *describeInstance(t, s, *inst.InstanceId).Ipv6Address
	for _, tc := range []struct{ name, value, want string }{
		{"ipv6-address", v6, *inst.InstanceId},
		{"network-interface.ipv6-address", v6, *inst.InstanceId},
		{"network-interface.ipv6-native", "true", *inst.InstanceId},
		{"network-interface.ipv6-native", "false", *other.InstanceId},
		{"private-dns-name-options.enable-resource-name-dns-aaaa-record", "true", *inst.InstanceId},
		{"private-dns-name-options.enable-resource-name-dns-a-record", "false", *inst.InstanceId + " " + *other.InstanceId},
	} {
		out, err := s.DescribeInstances(ctx, testCaller, &ec2.DescribeInstancesRequest{Filters: []ec2.Filter{{Name: kit.Ptr(tc.name), Values: []string{tc.value}}}})
		wantCode(t, err, "")
		var got []string
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				got = append(got, *i.InstanceId)
			}
		}
		slices.Sort(got)
		want := strings.Fields(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s=%s: %v, want %v", tc.name, tc.value, got, want)
		}
	}
}
