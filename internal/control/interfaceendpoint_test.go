package control

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

const ec2Service = "com.amazonaws.us-east-1.ec2"

// subnetIn creates a subnet in a zone.
func subnetIn(t *testing.T, s *Service, vpcID, cidr, zone string) string {
	t.Helper()
	out, err := s.CreateSubnet(context.Background(), testCaller, &ec2.CreateSubnetRequest{VpcId: kit.Ptr(vpcID), CidrBlock: kit.Ptr(cidr), AvailabilityZone: kit.Ptr(zone)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.Subnet.SubnetId
}

// dnsVpc is a VPC with DNS hostnames on, as private DNS needs.
func dnsVpc(t *testing.T, s *Service, cidr string) string {
	t.Helper()
	vpc := *createVpc(t, s, cidr).VpcId
	err := s.ModifyVpcAttribute(context.Background(), testCaller, &ec2.ModifyVpcAttributeRequest{VpcId: &vpc, EnableDnsHostnames: &ec2.AttributeBooleanValue{Value: kit.Ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	return vpc
}

func vpceInterfaces(t *testing.T, s *Service, ids []string) []ec2.NetworkInterface {
	t.Helper()
	if len(ids) == 0 {
		return nil
	}
	out, err := s.DescribeNetworkInterfaces(context.Background(), testCaller, &ec2.DescribeNetworkInterfacesRequest{NetworkInterfaceIds: ids})
	if err != nil {
		t.Fatal(err)
	}
	return out.NetworkInterfaces
}

func TestInterfaceEndpoint(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := dnsVpc(t, s, "10.0.0.0/16")
	a := subnetIn(t, s, vpc, "10.0.1.0/24", "us-east-1a")
	b := subnetIn(t, s, vpc, "10.0.2.0/24", "us-east-1b")
	a2 := subnetIn(t, s, vpc, "10.0.3.0/24", "us-east-1a")
	out, err := s.CreateVpcEndpoint(ctx, testCaller, &ec2.CreateVpcEndpointRequest{
		VpcId: kit.Ptr(vpc), ServiceName: kit.Ptr(ec2Service), VpcEndpointType: kit.Ptr("Interface"), SubnetIds: []string{a, b},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := out.VpcEndpoint
	id := *e.VpcEndpointId
	def := defaultGroupOf(t, s, vpc)
	if *e.VpcEndpointType != "Interface" || !*e.PrivateDnsEnabled || !slices.Equal(e.SubnetIds, []string{a, b}) || len(e.NetworkInterfaceIds) != 2 ||
		len(e.Groups) != 1 || *e.Groups[0].GroupId != def || *e.Groups[0].GroupName != "default" || len(e.RouteTableIds) != 0 ||
		kit.Deref(e.DnsOptions.DnsRecordIpType) != "ipv4" {
		t.Fatalf("created %+v", e)
	}
	// DNS entries: the regional name, one per zone, then the private name.
	var names []string
	for _, d := range e.DnsEntries {
		names = append(names, *d.DnsName)
	}
	if len(names) != 4 || !strings.HasPrefix(names[0], id+"-") || !strings.HasSuffix(names[0], ".ec2.us-east-1.vpce.amazonaws.com") ||
		!strings.HasSuffix(names[1], "-us-east-1a.ec2.us-east-1.vpce.amazonaws.com") || names[3] != "ec2.us-east-1.amazonaws.com" ||
		*e.DnsEntries[0].HostedZoneId != "Z7HUB22UULQXV" {
		t.Fatalf("dns entries %v", names)
	}
	enis := vpceInterfaces(t, s, e.NetworkInterfaceIds)
	for _, eni := range enis {
		if *eni.InterfaceType != "vpc_endpoint" || !*eni.RequesterManaged || *eni.RequesterId != "727180483921" || *eni.Description != "VPC Endpoint Interface "+id ||
			*eni.Status != "in-use" || len(eni.Groups) != 1 || *eni.Groups[0].GroupId != def {
			t.Fatalf("interface %+v", eni)
		}
	}

	// One subnet per zone; one endpoint with private DNS per service and VPC.
	_, err = s.ModifyVpcEndpoint(ctx, testCaller, &ec2.ModifyVpcEndpointRequest{VpcEndpointId: &id, AddSubnetIds: []string{a2}})
	wantCode(t, err, "DuplicateSubnetsInSameZone")
	_, err = s.CreateVpcEndpoint(ctx, testCaller, &ec2.CreateVpcEndpointRequest{VpcId: kit.Ptr(vpc), ServiceName: kit.Ptr(ec2Service), VpcEndpointType: kit.Ptr("Interface")})
	wantCode(t, err, "InvalidParameter")
	_, err = s.CreateVpcEndpoint(ctx, testCaller, &ec2.CreateVpcEndpointRequest{VpcId: kit.Ptr(vpc), ServiceName: kit.Ptr(ec2Service), VpcEndpointType: kit.Ptr("Interface"), SubnetIds: []string{a, a2}, PrivateDnsEnabled: kit.Ptr(false)})
	wantCode(t, err, "DuplicateSubnetsInSameZone")

	// The subnets and the group are in use.
	wantCode(t, s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: &a}), "DependencyViolation")
	g := createGroup(t, s, vpc, "endpoint")
	_, err = s.ModifyVpcEndpoint(ctx, testCaller, &ec2.ModifyVpcEndpointRequest{VpcEndpointId: &id, AddSecurityGroupIds: []string{g}, RemoveSecurityGroupIds: []string{def},
		RemoveSubnetIds: []string{a}, PrivateDnsEnabled: kit.Ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteSecurityGroup(ctx, testCaller, &ec2.DeleteSecurityGroupRequest{GroupId: &g})
	wantCode(t, err, "DependencyViolation")
	var many []string
	for i := range 5 {
		many = append(many, createGroup(t, s, vpc, "more-"+strconv.Itoa(i)))
	}
	_, err = s.ModifyVpcEndpoint(ctx, testCaller, &ec2.ModifyVpcEndpointRequest{VpcEndpointId: &id, AddSecurityGroupIds: many})
	wantCode(t, err, "SecurityGroupsPerInterfaceLimitExceeded")
	got := describeEndpoint(t, s, id)
	if !slices.Equal(got.SubnetIds, []string{b}) || len(got.Groups) != 1 || *got.Groups[0].GroupId != g || *got.PrivateDnsEnabled || len(got.DnsEntries) != 2 {
		t.Fatalf("modified %+v", got)
	}
	if enis := vpceInterfaces(t, s, got.NetworkInterfaceIds); len(enis) != 1 || *enis[0].Groups[0].GroupId != g {
		t.Fatalf("interfaces after modify %+v", enis)
	}
	if err := s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: &a}); err != nil {
		t.Fatalf("subnet no longer used: %v", err)
	}
	wantCode(t, s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: &vpc}), "DependencyViolation")

	// Deleting the endpoint deletes its interfaces.
	del, err := s.DeleteVpcEndpoints(ctx, testCaller, &ec2.DeleteVpcEndpointsRequest{VpcEndpointIds: []string{id}})
	if err != nil || len(del.Unsuccessful) != 0 {
		t.Fatalf("delete: %+v, %v", del, err)
	}
	_, err = s.DescribeNetworkInterfaces(ctx, testCaller, &ec2.DescribeNetworkInterfacesRequest{NetworkInterfaceIds: got.NetworkInterfaceIds})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	if _, err := s.DeleteSecurityGroup(ctx, testCaller, &ec2.DeleteSecurityGroupRequest{GroupId: &g}); err != nil {
		t.Fatalf("group no longer used: %v", err)
	}

	// An endpoint without interfaces is in its groups all the same.
	lone, err := s.CreateVpcEndpoint(ctx, testCaller, &ec2.CreateVpcEndpointRequest{VpcId: kit.Ptr(vpc), ServiceName: kit.Ptr("com.amazonaws.us-east-1.kms"),
		VpcEndpointType: kit.Ptr("Interface"), SecurityGroupIds: many[:1]})
	if err != nil || len(lone.VpcEndpoint.NetworkInterfaceIds) != 0 {
		t.Fatalf("endpoint without subnets: %+v, %v", lone, err)
	}
	_, err = s.DeleteSecurityGroup(ctx, testCaller, &ec2.DeleteSecurityGroupRequest{GroupId: &many[0]})
	wantCode(t, err, "DependencyViolation")
}

func TestInterfaceEndpointValidation(t *testing.T) {
	s := newTestService(t)
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId // DNS hostnames off
	other := dnsVpc(t, s, "10.1.0.0/16")
	otherSubnet := subnetIn(t, s, other, "10.1.1.0/24", "us-east-1a")
	otherGroup := createGroup(t, s, other, "x")
	req := func(mod func(*ec2.CreateVpcEndpointRequest)) *ec2.CreateVpcEndpointRequest {
		r := &ec2.CreateVpcEndpointRequest{VpcId: kit.Ptr(vpc), ServiceName: kit.Ptr(ec2Service), VpcEndpointType: kit.Ptr("Interface"), PrivateDnsEnabled: kit.Ptr(false)}
		mod(r)
		return r
	}
	for _, tc := range []struct {
		name string
		req  *ec2.CreateVpcEndpointRequest
		code string
	}{
		{"private dns without dns hostnames", req(func(r *ec2.CreateVpcEndpointRequest) { r.PrivateDnsEnabled = nil }), "InvalidParameter"},
		{"route tables", req(func(r *ec2.CreateVpcEndpointRequest) { r.RouteTableIds = []string{"rtb-12345678"} }), "InvalidParameter"},
		{"malformed subnet", req(func(r *ec2.CreateVpcEndpointRequest) { r.SubnetIds = []string{"subnet-x"} }), "InvalidSubnetID.Malformed"},
		{"unknown subnet", req(func(r *ec2.CreateVpcEndpointRequest) { r.SubnetIds = []string{"subnet-12345678"} }), "InvalidSubnetID.NotFound"},
		{"subnet of another vpc", req(func(r *ec2.CreateVpcEndpointRequest) { r.SubnetIds = []string{otherSubnet} }), "InvalidParameter"},
		{"unknown group", req(func(r *ec2.CreateVpcEndpointRequest) { r.SecurityGroupIds = []string{"sg-12345678"} }), "InvalidGroup.NotFound"},
		{"group of another vpc", req(func(r *ec2.CreateVpcEndpointRequest) { r.SecurityGroupIds = []string{otherGroup} }), "InvalidParameter"},
		{"s3", req(func(r *ec2.CreateVpcEndpointRequest) { r.ServiceName = kit.Ptr(s3Service) }), "UnsupportedOperation"},
		{"dns record type", req(func(r *ec2.CreateVpcEndpointRequest) {
			r.DnsOptions = &ec2.DnsOptionsSpecification{DnsRecordIpType: kit.Ptr("ipv6")}
		}), "InvalidParameter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateVpcEndpoint(context.Background(), testCaller, tc.req)
			wantCode(t, err, tc.code)
		})
	}
	out, err := s.DescribeNetworkInterfaces(context.Background(), testCaller, &ec2.DescribeNetworkInterfacesRequest{})
	if err != nil || len(out.NetworkInterfaces) != 0 {
		t.Fatalf("interfaces after refusals: %+v, %v", out, err)
	}
}

// TestInterfaceEndpointModel: the model knows the endpoint, its names and its
// interfaces, which the data plane carries.
func TestInterfaceEndpointModel(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := dnsVpc(t, s, "10.0.0.0/16")
	a := subnetIn(t, s, vpc, "10.0.1.0/24", "us-east-1a")
	out, err := s.CreateVpcEndpoint(ctx, testCaller, &ec2.CreateVpcEndpointRequest{
		VpcId: kit.Ptr(vpc), ServiceName: kit.Ptr(ec2Service), VpcEndpointType: kit.Ptr("Interface"), SubnetIds: []string{a},
	})
	if err != nil {
		t.Fatal(err)
	}
	n, _, err := s.Network(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, eniID := *out.VpcEndpoint.VpcEndpointId, out.VpcEndpoint.NetworkInterfaceIds[0]
	m := n.InterfaceEndpoints[id]
	eni := n.Interfaces[eniID]
	if m == nil || m.VPC != vpc || !m.Hosted || m.PrivateDNSName != "ec2.us-east-1.amazonaws.com" || m.DNSName != *out.VpcEndpoint.DnsEntries[0].DnsName ||
		m.ZonalNames[eniID] != *out.VpcEndpoint.DnsEntries[1].DnsName {
		t.Fatalf("model %+v", m)
	}
	if eni == nil || eni.VpcEndpoint != id || !n.Carried(eni) {
		t.Fatalf("interface %+v", eni)
	}
}

func defaultGroupOf(t *testing.T, s *Service, vpcID string) string {
	t.Helper()
	out, err := s.DescribeSecurityGroups(context.Background(), testCaller, &ec2.DescribeSecurityGroupsRequest{
		Filters: []ec2.Filter{{Name: kit.Ptr("vpc-id"), Values: []string{vpcID}}, {Name: kit.Ptr("group-name"), Values: []string{"default"}}},
	})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("default group of %s: %+v, %v", vpcID, out, err)
	}
	return *out.SecurityGroups[0].GroupId
}
