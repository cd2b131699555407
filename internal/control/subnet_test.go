package control

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func createSubnet(t *testing.T, s *Service, vpcID, cidr string) *ec2.Subnet {
	t.Helper()
	out, err := s.CreateSubnet(context.Background(), testCaller, &ec2.CreateSubnetRequest{VpcId: kit.Ptr(vpcID), CidrBlock: kit.Ptr(cidr)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Subnet
}

// createIpv6Vpc returns a VPC with 10.0.0.0/16 and an Amazon IPv6 /56.
func createIpv6Vpc(t *testing.T, s *Service) (*ec2.Vpc, netip.Prefix) {
	t.Helper()
	out, err := s.CreateVpc(context.Background(), testCaller, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0/16"), AmazonProvidedIpv6CidrBlock: kit.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Vpc, netip.MustParsePrefix(*out.Vpc.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock)
}

// nth64 is the n-th /64 of a /56.
func nth64(block netip.Prefix, n int) string {
	a := block.Addr().As16()
	a[7] = byte(n)
	return netip.PrefixFrom(netip.AddrFrom16(a), 64).String()
}

func TestCreateSubnetValidation(t *testing.T) {
	s := newTestService(t)
	vpc, v6 := createIpv6Vpc(t, s)
	id := *vpc.VpcId
	createSubnet(t, s, id, "10.0.0.0/24")
	if _, err := s.AssociateVpcCidrBlock(context.Background(), testCaller, &ec2.AssociateVpcCidrBlockRequest{VpcId: vpc.VpcId, CidrBlock: kit.Ptr("10.1.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   ec2.CreateSubnetRequest
		code string
	}{
		{"vpc required", ec2.CreateSubnetRequest{CidrBlock: kit.Ptr("10.0.1.0/24")}, "MissingParameter"},
		{"cidr required", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id)}, "MissingParameter"},
		{"malformed vpc id", ec2.CreateSubnetRequest{VpcId: kit.Ptr("vpc-xyz"), CidrBlock: kit.Ptr("10.0.1.0/24")}, "InvalidVpcID.Malformed"},
		{"unknown vpc", ec2.CreateSubnetRequest{VpcId: kit.Ptr("vpc-0123456789abcdef0"), CidrBlock: kit.Ptr("10.0.1.0/24")}, "InvalidVpcID.NotFound"},
		{"not a cidr", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.1.0")}, "InvalidParameterValue"},
		{"ipv6 is not an ipv4 block", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr(nth64(v6, 1))}, "InvalidParameterValue"},
		{"outside the vpc", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.2.0.0/24")}, "InvalidSubnet.Range"},
		{"larger than the vpc", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.0.0/15")}, "InvalidSubnet.Range"},
		{"smaller than /28", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.1.0/29")}, "InvalidSubnet.Range"},
		{"overlaps another subnet", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.0.128/25")}, "InvalidSubnet.Conflict"},
		{"contains another subnet", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.0.0/20")}, "InvalidSubnet.Conflict"},
		{"zone and zone id together", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.1.0/24"), AvailabilityZone: kit.Ptr("us-east-1a"), AvailabilityZoneId: kit.Ptr("use1-az1")}, "InvalidParameterCombination"},
		{"unknown zone", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.1.0/24"), AvailabilityZone: kit.Ptr("us-east-1z")}, "InvalidParameterValue"},
		{"zone of another region", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.1.0/24"), AvailabilityZone: kit.Ptr("us-west-2a")}, "InvalidParameterValue"},
		{"unknown zone id", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.1.0/24"), AvailabilityZoneId: kit.Ptr("use1-az7")}, "InvalidParameterValue"},
		{"ipv6 not a /64", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.1.0/24"), Ipv6CidrBlock: kit.Ptr(v6.String())}, "InvalidSubnet.Range"},
		{"ipv6 outside the vpc", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.1.0/24"), Ipv6CidrBlock: kit.Ptr("2001:db8::/64")}, "InvalidSubnet.Range"},
		{"ipv6 not a cidr", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.1.0/24"), Ipv6CidrBlock: kit.Ptr("2001:db8::")}, "InvalidParameterValue"},
		{"ipv6-native with an ipv4 block", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.1.0/24"), Ipv6Native: kit.Ptr(true), Ipv6CidrBlock: kit.Ptr(nth64(v6, 9))}, "InvalidParameterCombination"},
		{"ipv6-native without an ipv6 block", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), Ipv6Native: kit.Ptr(true)}, "MissingParameter"},
		{"ipam pool unsupported", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), Ipv4IpamPoolId: kit.Ptr("ipam-pool-0123456789abcdef0"), Ipv4NetmaskLength: kit.Ptr(int32(24))}, "InvalidParameterValue"},
		{"tag spec for another type", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.1.0/24"), TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc")}}}, "InvalidParameterValue"},
		{"largest /16 in the secondary block", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.1.0.0/16")}, ""},
		{"smallest /28", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.1.0/28")}, ""},
		{"non-canonical cidr is masked", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.2.7/24")}, ""},
		{"with an ipv6 /64", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.3.0/24"), Ipv6CidrBlock: kit.Ptr(nth64(v6, 3))}, ""},
		{"ipv6 /64 taken", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.4.0/24"), Ipv6CidrBlock: kit.Ptr(nth64(v6, 3))}, "InvalidSubnet.Conflict"},
		{"ipv6-native", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), Ipv6Native: kit.Ptr(true), Ipv6CidrBlock: kit.Ptr(nth64(v6, 4))}, ""},
		{"by zone id", ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr("10.0.5.0/24"), AvailabilityZoneId: kit.Ptr("use1-az3")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateSubnet(context.Background(), testCaller, &tc.in)
			wantCode(t, err, tc.code)
		})
	}
}

func TestCreateSubnetMessages(t *testing.T) {
	s := newTestService(t)
	id := *createVpc(t, s, "10.0.0.0/16").VpcId
	createSubnet(t, s, id, "10.0.0.0/24")
	for _, tc := range []struct {
		name, cidr, zone, want string
	}{
		{"range", "10.9.0.0/24", "", "InvalidSubnet.Range: The CIDR '10.9.0.0/24' is invalid."},
		{"conflict", "10.0.0.0/25", "", "InvalidSubnet.Conflict: The CIDR '10.0.0.0/25' conflicts with another subnet"},
		{"zone", "10.0.1.0/24", "us-east-1z", "InvalidParameterValue: Value (us-east-1z) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr(tc.cidr)}
			if tc.zone != "" {
				in.AvailabilityZone = kit.Ptr(tc.zone)
			}
			_, err := s.CreateSubnet(context.Background(), testCaller, in)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestCreateSubnetShape(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc, v6 := createIpv6Vpc(t, s)
	out, err := s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{
		VpcId: vpc.VpcId, CidrBlock: kit.Ptr("10.0.1.9/24"), AvailabilityZone: kit.Ptr("us-east-1c"), Ipv6CidrBlock: kit.Ptr(nth64(v6, 1)),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("subnet"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("web")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sn := out.Subnet
	if !kit.ValidID(*sn.SubnetId, "subnet") || len(*sn.SubnetId) != len("subnet-")+17 {
		t.Errorf("subnet ID %s", *sn.SubnetId)
	}
	checks := []struct{ name, got, want string }{
		{"cidr is canonical", *sn.CidrBlock, "10.0.1.0/24"},
		{"arn", *sn.SubnetArn, "arn:aws:ec2:us-east-1:" + testCaller.Account + ":subnet/" + *sn.SubnetId},
		{"zone", *sn.AvailabilityZone, "us-east-1c"},
		{"zone id", *sn.AvailabilityZoneId, "use1-az3"},
		{"available addresses", fmt.Sprint(*sn.AvailableIpAddressCount), "251"},
		{"state", *sn.State, "available"},
		{"owner", *sn.OwnerId, testCaller.Account},
		{"vpc", *sn.VpcId, *vpc.VpcId},
		{"flags", fmt.Sprint(*sn.DefaultForAz, *sn.MapPublicIpOnLaunch, *sn.MapCustomerOwnedIpOnLaunch, *sn.AssignIpv6AddressOnCreation, *sn.Ipv6Native, *sn.EnableDns64), "false false false false false false"},
		{"hostname type", *sn.PrivateDnsNameOptionsOnLaunch.HostnameType, "ip-name"},
		{"ipv6", *sn.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock, nth64(v6, 1)},
		{"ipv6 state", *sn.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlockState.State, "associated"},
		{"tags", *sn.Tags[0].Key + "=" + *sn.Tags[0].Value, "Name=web"},
		{"block public access", *sn.BlockPublicAccessStates.InternetGatewayBlockMode, "off"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	acls, err := s.DescribeNetworkAcls(ctx, testCaller, &ec2.DescribeNetworkAclsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("association.subnet-id"), Values: []string{*sn.SubnetId}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(acls.NetworkAcls) != 1 || !*acls.NetworkAcls[0].IsDefault {
		t.Errorf("subnet is not in the default ACL: %+v", acls.NetworkAcls)
	}
	native, err := s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: vpc.VpcId, Ipv6Native: kit.Ptr(true), Ipv6CidrBlock: kit.Ptr(nth64(v6, 2))})
	if err != nil {
		t.Fatal(err)
	}
	if n := native.Subnet; n.CidrBlock != nil || *n.AvailableIpAddressCount != 0 || !*n.Ipv6Native || *n.PrivateDnsNameOptionsOnLaunch.HostnameType != "resource-name" {
		t.Errorf("ipv6-native subnet %+v", n)
	}
}

func TestCreateSubnetSpreadsOverZones(t *testing.T) {
	s := newTestService(t)
	id := *createVpc(t, s, "10.0.0.0/16").VpcId
	seen := map[string]bool{}
	for i := 0; i < 6; i++ {
		seen[*createSubnet(t, s, id, fmt.Sprintf("10.0.%d.0/24", i)).AvailabilityZone] = true
	}
	if len(seen) != 6 {
		t.Errorf("zones used = %v, want all six", seen)
	}
}

func TestConcurrentOverlappingSubnets(t *testing.T) {
	s := newTestService(t)
	id := *createVpc(t, s, "10.0.0.0/16").VpcId
	for round := 0; round < 5; round++ {
		cidrs := []string{fmt.Sprintf("10.0.%d.0/24", 2*round), fmt.Sprintf("10.0.%d.0/23", 2*round)}
		errs := make([]error, len(cidrs))
		var wg sync.WaitGroup
		for i, cidr := range cidrs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.CreateSubnet(context.Background(), testCaller, &ec2.CreateSubnetRequest{VpcId: kit.Ptr(id), CidrBlock: kit.Ptr(cidr)})
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			wantCode(t, err, "InvalidSubnet.Conflict")
		}
		if won != 1 {
			t.Fatalf("round %d: %d creations won, want exactly 1", round, won)
		}
	}
}

func TestDeleteSubnet(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := createVpc(t, s, "10.0.0.0/16")
	sn := createSubnet(t, s, *vpc.VpcId, "10.0.0.0/24")

	err := s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: vpc.VpcId})
	wantCode(t, err, "DependencyViolation")

	// An explicit route table association goes with the subnet, as in AWS.
	err = s.Update(ctx, func(tx *kit.Txn) error {
		return kit.EditVpcRouteTables(tx, testCaller, *vpc.VpcId, func(rtb *kit.RouteTableRecord) {
			rtb.Associations = append(rtb.Associations, kit.RouteAssociation{ID: kit.NewID("rtbassoc"), SubnetID: *sn.SubnetId})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		id   string
		code string
	}{
		{"id required", "", "MissingParameter"},
		{"malformed id", "subnet-zz", "InvalidSubnetID.Malformed"},
		{"unknown subnet", "subnet-0123456789abcdef0", "InvalidSubnetID.NotFound"},
		{"deletes with its associations", *sn.SubnetId, ""},
		{"already deleted", *sn.SubnetId, "InvalidSubnetID.NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: kit.Ptr(tc.id)}), tc.code)
		})
	}
	err = s.View(ctx, func(tx *kit.Txn) error {
		for _, kind := range []string{"rtb", "acl"} {
			if err := tx.List(testCaller.Prefix(kind), func(key string, raw []byte) error {
				if strings.Contains(string(raw), *sn.SubnetId) {
					t.Errorf("%s still names the deleted subnet: %s", key, raw)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: vpc.VpcId}), "")
}

func TestDeleteSubnetInUse(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	sn := createSubnet(t, s, *createVpc(t, s, "10.0.0.0/16").VpcId, "10.0.0.0/24")
	// A network interface in the subnet, as the ENI code will store it.
	err := s.Update(ctx, func(tx *kit.Txn) error {
		return tx.Put(testCaller.Key("eni-0123456789abcdef0"), map[string]string{"id": "eni-0123456789abcdef0", "subnetId": *sn.SubnetId})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: sn.SubnetId})
	wantCode(t, err, "DependencyViolation")
	if want := "DependencyViolation: The subnet '" + *sn.SubnetId + "' has dependencies and cannot be deleted."; err.Error() != want {
		t.Errorf("message = %s", err)
	}
}

func TestDescribeSubnets(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc, v6 := createIpv6Vpc(t, s)
	other := createVpc(t, s, "10.1.0.0/16")
	a, err := s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{
		VpcId: vpc.VpcId, CidrBlock: kit.Ptr("10.0.0.0/24"), AvailabilityZone: kit.Ptr("us-east-1a"), Ipv6CidrBlock: kit.Ptr(nth64(v6, 0)),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("subnet"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("web-a")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: vpc.VpcId, CidrBlock: kit.Ptr("10.0.1.0/28"), AvailabilityZone: kit.Ptr("us-east-1b")})
	if err != nil {
		t.Fatal(err)
	}
	c := createSubnet(t, s, *other.VpcId, "10.1.0.0/24")
	if err := s.ModifySubnetAttribute(ctx, testCaller, &ec2.ModifySubnetAttributeRequest{SubnetId: b.Subnet.SubnetId, MapPublicIpOnLaunch: &ec2.AttributeBooleanValue{Value: kit.Ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	A, B, C := *a.Subnet.SubnetId, *b.Subnet.SubnetId, *c.SubnetId
	f := func(name string, values ...string) []ec2.Filter {
		return []ec2.Filter{{Name: kit.Ptr(name), Values: values}}
	}
	for _, tc := range []struct {
		name string
		in   ec2.DescribeSubnetsRequest
		want []string
		code string
	}{
		{"all", ec2.DescribeSubnetsRequest{}, []string{A, B, C}, ""},
		{"by id", ec2.DescribeSubnetsRequest{SubnetIds: []string{B}}, []string{B}, ""},
		{"unknown id", ec2.DescribeSubnetsRequest{SubnetIds: []string{"subnet-0123456789abcdef0"}}, nil, "InvalidSubnetID.NotFound"},
		{"malformed id", ec2.DescribeSubnetsRequest{SubnetIds: []string{"sn-1"}}, nil, "InvalidSubnetID.Malformed"},
		{"availability-zone", ec2.DescribeSubnetsRequest{Filters: f("availability-zone", "us-east-1b")}, []string{B}, ""},
		{"availabilityZone alias", ec2.DescribeSubnetsRequest{Filters: f("availabilityZone", "us-east-1b")}, []string{B}, ""},
		{"availability-zone-id", ec2.DescribeSubnetsRequest{Filters: f("availability-zone-id", "use1-az1")}, filterIDs([]string{A, C}, C, *c.AvailabilityZoneId == "use1-az1"), ""},
		{"available-ip-address-count", ec2.DescribeSubnetsRequest{Filters: f("available-ip-address-count", "11")}, []string{B}, ""},
		{"cidr-block", ec2.DescribeSubnetsRequest{Filters: f("cidr-block", "10.0.0.0/24")}, []string{A}, ""},
		{"cidr alias", ec2.DescribeSubnetsRequest{Filters: f("cidr", "10.1.0.0/24")}, []string{C}, ""},
		{"cidrBlock alias", ec2.DescribeSubnetsRequest{Filters: f("cidrBlock", "10.0.1.0/28")}, []string{B}, ""},
		{"default-for-az", ec2.DescribeSubnetsRequest{Filters: f("default-for-az", "true")}, nil, ""},
		{"defaultForAz alias", ec2.DescribeSubnetsRequest{Filters: f("defaultForAz", "false")}, []string{A, B, C}, ""},
		{"ipv6 cidr block", ec2.DescribeSubnetsRequest{Filters: f("ipv6-cidr-block-association.ipv6-cidr-block", nth64(v6, 0))}, []string{A}, ""},
		{"ipv6 association id", ec2.DescribeSubnetsRequest{Filters: f("ipv6-cidr-block-association.association-id", *a.Subnet.Ipv6CidrBlockAssociationSet[0].AssociationId)}, []string{A}, ""},
		{"ipv6 association state", ec2.DescribeSubnetsRequest{Filters: f("ipv6-cidr-block-association.state", "associated")}, []string{A}, ""},
		{"ipv6-native", ec2.DescribeSubnetsRequest{Filters: f("ipv6-native", "false")}, []string{A, B, C}, ""},
		{"map-public-ip-on-launch", ec2.DescribeSubnetsRequest{Filters: f("map-public-ip-on-launch", "true")}, []string{B}, ""},
		{"owner-id", ec2.DescribeSubnetsRequest{Filters: f("owner-id", testCaller.Account)}, []string{A, B, C}, ""},
		{"state", ec2.DescribeSubnetsRequest{Filters: f("state", "pending")}, nil, ""},
		{"subnet-arn", ec2.DescribeSubnetsRequest{Filters: f("subnet-arn", *c.SubnetArn)}, []string{C}, ""},
		{"subnet-id", ec2.DescribeSubnetsRequest{Filters: f("subnet-id", A, C)}, []string{A, C}, ""},
		{"vpc-id", ec2.DescribeSubnetsRequest{Filters: f("vpc-id", *vpc.VpcId)}, []string{A, B}, ""},
		{"tag", ec2.DescribeSubnetsRequest{Filters: f("tag:Name", "web-*")}, []string{A}, ""},
		{"unknown filter", ec2.DescribeSubnetsRequest{Filters: f("colour", "red")}, nil, "InvalidParameterValue"},
		{"ids with max results", ec2.DescribeSubnetsRequest{SubnetIds: []string{A}, MaxResults: kit.Ptr(int32(5))}, nil, "InvalidParameterCombination"},
		{"max results too small", ec2.DescribeSubnetsRequest{MaxResults: kit.Ptr(int32(4))}, nil, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeSubnets(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
			if err != nil {
				return
			}
			got := map[string]bool{}
			for _, sn := range out.Subnets {
				got[*sn.SubnetId] = true
			}
			if len(got) != len(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			for _, id := range tc.want {
				if !got[id] {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// filterIDs drops drop from ids unless keep.
func filterIDs(ids []string, drop string, keep bool) []string {
	if keep {
		return ids
	}
	var out []string
	for _, id := range ids {
		if id != drop {
			out = append(out, id)
		}
	}
	return out
}

func TestDescribeSubnetsPagination(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	id := *createVpc(t, s, "10.0.0.0/16").VpcId
	for i := 0; i < 12; i++ {
		createSubnet(t, s, id, fmt.Sprintf("10.0.%d.0/24", i))
	}
	seen := map[string]bool{}
	var token *string
	pages := 0
	for {
		out, err := s.DescribeSubnets(ctx, testCaller, &ec2.DescribeSubnetsRequest{MaxResults: kit.Ptr(int32(5)), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, sn := range out.Subnets {
			if seen[*sn.SubnetId] {
				t.Fatalf("subnet %s on two pages", *sn.SubnetId)
			}
			seen[*sn.SubnetId] = true
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if pages != 3 || len(seen) != 12 {
		t.Errorf("pages = %d, subnets = %d; want 3 and 12", pages, len(seen))
	}
}

func TestModifySubnetAttribute(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc, v6 := createIpv6Vpc(t, s)
	sn := createSubnet(t, s, *vpc.VpcId, "10.0.0.0/24")
	native, err := s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: vpc.VpcId, Ipv6Native: kit.Ptr(true), Ipv6CidrBlock: kit.Ptr(nth64(v6, 1))})
	if err != nil {
		t.Fatal(err)
	}
	on := &ec2.AttributeBooleanValue{Value: kit.Ptr(true)}
	id := sn.SubnetId
	for _, tc := range []struct {
		name string
		in   ec2.ModifySubnetAttributeRequest
		code string
	}{
		{"subnet required", ec2.ModifySubnetAttributeRequest{MapPublicIpOnLaunch: on}, "MissingParameter"},
		{"no attribute", ec2.ModifySubnetAttributeRequest{SubnetId: id}, "InvalidParameterCombination"},
		{"two attributes", ec2.ModifySubnetAttributeRequest{SubnetId: id, MapPublicIpOnLaunch: on, EnableDns64: on}, "InvalidParameterCombination"},
		{"attribute and hostname type", ec2.ModifySubnetAttributeRequest{SubnetId: id, MapPublicIpOnLaunch: on, PrivateDnsHostnameTypeOnLaunch: kit.Ptr("ip-name")}, "InvalidParameterCombination"},
		{"value required", ec2.ModifySubnetAttributeRequest{SubnetId: id, MapPublicIpOnLaunch: &ec2.AttributeBooleanValue{}}, "MissingParameter"},
		{"bad hostname type", ec2.ModifySubnetAttributeRequest{SubnetId: id, PrivateDnsHostnameTypeOnLaunch: kit.Ptr("dns-name")}, "InvalidParameterValue"},
		{"ip-name on an ipv6-only subnet", ec2.ModifySubnetAttributeRequest{SubnetId: native.Subnet.SubnetId, PrivateDnsHostnameTypeOnLaunch: kit.Ptr("ip-name")}, "InvalidParameterValue"},
		{"customer-owned ip unsupported", ec2.ModifySubnetAttributeRequest{SubnetId: id, MapCustomerOwnedIpOnLaunch: on}, "InvalidParameterCombination"},
		{"unknown subnet", ec2.ModifySubnetAttributeRequest{SubnetId: kit.Ptr("subnet-0123456789abcdef0"), MapPublicIpOnLaunch: on}, "InvalidSubnetID.NotFound"},
		{"map public ip", ec2.ModifySubnetAttributeRequest{SubnetId: id, MapPublicIpOnLaunch: on}, ""},
		{"assign ipv6", ec2.ModifySubnetAttributeRequest{SubnetId: id, AssignIpv6AddressOnCreation: on}, ""},
		{"dns64 without an IPv6 block", ec2.ModifySubnetAttributeRequest{SubnetId: id, EnableDns64: on}, "InvalidParameterValue"},
		{"dns64 off without one", ec2.ModifySubnetAttributeRequest{SubnetId: id, EnableDns64: &ec2.AttributeBooleanValue{Value: kit.Ptr(false)}}, ""},
		{"dns64", ec2.ModifySubnetAttributeRequest{SubnetId: native.Subnet.SubnetId, EnableDns64: on}, ""},
		{"hostname type", ec2.ModifySubnetAttributeRequest{SubnetId: id, PrivateDnsHostnameTypeOnLaunch: kit.Ptr("resource-name")}, ""},
		{"resource name A", ec2.ModifySubnetAttributeRequest{SubnetId: id, EnableResourceNameDnsARecordOnLaunch: on}, ""},
		{"resource name AAAA", ec2.ModifySubnetAttributeRequest{SubnetId: id, EnableResourceNameDnsAAAARecordOnLaunch: on}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, s.ModifySubnetAttribute(ctx, testCaller, &tc.in), tc.code)
		})
	}
	out, err := s.DescribeSubnets(ctx, testCaller, &ec2.DescribeSubnetsRequest{SubnetIds: []string{*id}})
	if err != nil {
		t.Fatal(err)
	}
	got := out.Subnets[0]
	dns := got.PrivateDnsNameOptionsOnLaunch
	if !*got.MapPublicIpOnLaunch || !*got.AssignIpv6AddressOnCreation || *got.EnableDns64 || *dns.HostnameType != "resource-name" || !*dns.EnableResourceNameDnsARecord || !*dns.EnableResourceNameDnsAAAARecord {
		t.Errorf("attributes not all set: %+v %+v", got, dns)
	}
	out, err = s.DescribeSubnets(ctx, testCaller, &ec2.DescribeSubnetsRequest{SubnetIds: []string{*native.Subnet.SubnetId}})
	if err != nil {
		t.Fatal(err)
	}
	if !*out.Subnets[0].EnableDns64 {
		t.Errorf("EnableDns64 of %s not set", *native.Subnet.SubnetId)
	}
}

func TestSubnetCidrBlocks(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc, v6 := createIpv6Vpc(t, s)
	a := createSubnet(t, s, *vpc.VpcId, "10.0.0.0/24")
	b := createSubnet(t, s, *vpc.VpcId, "10.0.1.0/24")
	assoc := func(id *string, cidr string) (*ec2.AssociateSubnetCidrBlockResult, error) {
		return s.AssociateSubnetCidrBlock(ctx, testCaller, &ec2.AssociateSubnetCidrBlockRequest{SubnetId: id, Ipv6CidrBlock: kit.Ptr(cidr)})
	}
	var first *ec2.AssociateSubnetCidrBlockResult
	for _, tc := range []struct {
		name string
		id   *string
		cidr string
		code string
	}{
		{"not a /64", a.SubnetId, v6.String(), "InvalidSubnet.Range"},
		{"outside the vpc", a.SubnetId, "2001:db8::/64", "InvalidSubnet.Range"},
		{"not ipv6", a.SubnetId, "10.0.0.0/24", "InvalidParameterValue"},
		{"unknown subnet", kit.Ptr("subnet-0123456789abcdef0"), nth64(v6, 1), "InvalidSubnetID.NotFound"},
		{"associates", a.SubnetId, nth64(v6, 1), ""},
		{"one block per subnet", a.SubnetId, nth64(v6, 2), "CidrLimitExceeded"},
		{"taken by another subnet", b.SubnetId, nth64(v6, 1), "InvalidSubnet.Conflict"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := assoc(tc.id, tc.cidr)
			wantCode(t, err, tc.code)
			if err == nil {
				first = out
			}
		})
	}
	if first == nil || *first.Ipv6CidrBlockAssociation.Ipv6CidrBlockState.State != "associating" || *first.SubnetId != *a.SubnetId {
		t.Fatalf("association result %+v", first)
	}
	_, err := s.DisassociateSubnetCidrBlock(ctx, testCaller, &ec2.DisassociateSubnetCidrBlockRequest{AssociationId: kit.Ptr("subnet-cidr-assoc-0123456789abcdef0")})
	wantCode(t, err, "InvalidSubnetCidrBlockAssociationID.NotFound")
	out, err := s.DisassociateSubnetCidrBlock(ctx, testCaller, &ec2.DisassociateSubnetCidrBlockRequest{AssociationId: first.Ipv6CidrBlockAssociation.AssociationId})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Ipv6CidrBlockAssociation.Ipv6CidrBlockState.State != "disassociating" || *out.SubnetId != *a.SubnetId {
		t.Errorf("disassociation result %+v", out)
	}
	// The block is free again for another subnet.
	if _, err := assoc(b.SubnetId, nth64(v6, 1)); err != nil {
		t.Fatal(err)
	}
	native, err := s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: vpc.VpcId, Ipv6Native: kit.Ptr(true), Ipv6CidrBlock: kit.Ptr(nth64(v6, 5))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.DisassociateSubnetCidrBlock(ctx, testCaller, &ec2.DisassociateSubnetCidrBlockRequest{AssociationId: native.Subnet.Ipv6CidrBlockAssociationSet[0].AssociationId})
	wantCode(t, err, "OperationNotPermitted")
}
