package control

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// defaultVpcs lists the caller's default VPCs.
func defaultVpcs(t *testing.T, s *Service, c Caller) []ec2.Vpc {
	t.Helper()
	out, err := s.DescribeVpcs(context.Background(), c, &ec2.DescribeVpcsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("is-default"), Values: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Vpcs
}

func TestDefaultVpcLayout(t *testing.T) {
	for _, tc := range []struct {
		name   string
		region string
		zones  []string
	}{
		{"us-east-1 has six default subnets", "us-east-1", []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"}},
		{"other regions have three", "eu-west-1", []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
		{"eu-north-1 too", "eu-north-1", []string{"eu-north-1a", "eu-north-1b", "eu-north-1c"}},
		{"an opt-in region", "me-south-1", []string{"me-south-1a", "me-south-1b", "me-south-1c"}},
		{"us-west-1 has two", "us-west-1", []string{"us-west-1a", "us-west-1c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestService(t)
			ctx := context.Background()
			c := Caller{Account: testCaller.Account, Region: tc.region}
			if err := s.EnsureDefaultVpc(ctx, c); err != nil {
				t.Fatal(err)
			}
			vpcs := defaultVpcs(t, s, c)
			if len(vpcs) != 1 {
				t.Fatalf("default VPCs = %d, want 1", len(vpcs))
			}
			vpc := vpcs[0]
			if *vpc.CidrBlock != "172.31.0.0/16" || !*vpc.IsDefault {
				t.Errorf("default VPC %+v", vpc)
			}
			attr, err := s.DescribeVpcAttribute(ctx, c, &ec2.DescribeVpcAttributeRequest{VpcId: vpc.VpcId, Attribute: kit.Ptr("enableDnsHostnames")})
			if err != nil || !*attr.EnableDnsHostnames.Value {
				t.Errorf("enableDnsHostnames = %+v, %v", attr, err)
			}
			subnets, err := s.DescribeSubnets(ctx, c, &ec2.DescribeSubnetsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("vpc-id"), Values: []string{*vpc.VpcId}}}})
			if err != nil {
				t.Fatal(err)
			}
			byZone := map[string]ec2.Subnet{}
			for _, sn := range subnets.Subnets {
				byZone[*sn.AvailabilityZone] = sn
			}
			if len(subnets.Subnets) != len(tc.zones) || len(byZone) != len(tc.zones) {
				t.Fatalf("default subnets in %d zones, want %d", len(byZone), len(tc.zones))
			}
			for i, z := range tc.zones {
				sn := byZone[z]
				want := fmt.Sprintf("172.31.%d.0/20", 16*i)
				if wantID := kit.ZonesOf(tc.region)[i].ID; kit.Deref(sn.AvailabilityZoneId) != wantID {
					t.Errorf("zone %s: zone ID %s, want %s", z, kit.Deref(sn.AvailabilityZoneId), wantID)
				}
				if sn.CidrBlock == nil || *sn.CidrBlock != want || !*sn.DefaultForAz || !*sn.MapPublicIpOnLaunch || *sn.AvailableIpAddressCount != 4091 {
					t.Errorf("zone %s: subnet %s default %v public %v, want %s default and public", z, kit.Deref(sn.CidrBlock), kit.Deref(sn.DefaultForAz), kit.Deref(sn.MapPublicIpOnLaunch), want)
				}
			}
			var igw *kit.InternetGatewayRecord
			var main *kit.RouteTableRecord
			err = s.View(ctx, func(tx *kit.Txn) error {
				igws, err := kit.ListAll[kit.InternetGatewayRecord](tx, c.Prefix("igw"))
				if err != nil || len(igws) != 1 {
					return fmt.Errorf("internet gateways %v: %v", igws, err)
				}
				igw = igws[0]
				v, err := kit.GetVpc(tx, c, *vpc.VpcId)
				if err != nil {
					return err
				}
				main, err = kit.Get[kit.RouteTableRecord](tx, c, "rtb", v.MainRouteTable)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if igw.VpcID != *vpc.VpcId {
				t.Errorf("internet gateway attached to %q, want %s", igw.VpcID, *vpc.VpcId)
			}
			found := false
			for _, r := range main.Routes {
				found = found || r.Destination == kit.AnyIPv4 && r.Target == igw.ID && r.Origin == "CreateRoute"
			}
			if !found {
				t.Errorf("main route table has no 0.0.0.0/0 route to %s: %+v", igw.ID, main.Routes)
			}
			acls, err := s.DescribeNetworkAcls(ctx, c, &ec2.DescribeNetworkAclsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("vpc-id"), Values: []string{*vpc.VpcId}}}})
			if err != nil || len(acls.NetworkAcls) != 1 || len(acls.NetworkAcls[0].Associations) != len(tc.zones) {
				t.Errorf("default ACL associations: %+v %v", acls, err)
			}
		})
	}
}

func TestEnsureDefaultVpcOnce(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.EnsureDefaultVpc(ctx, testCaller)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(defaultVpcs(t, s, testCaller)); n != 1 {
		t.Fatalf("default VPCs after concurrent calls = %d, want 1", n)
	}
	// Another account and another region each get their own.
	for _, c := range []Caller{{Account: "210987654321", Region: "us-east-1"}, {Account: testCaller.Account, Region: "us-west-2"}} {
		if err := s.EnsureDefaultVpc(ctx, c); err != nil {
			t.Fatal(err)
		}
		if n := len(defaultVpcs(t, s, c)); n != 1 {
			t.Errorf("%v: default VPCs = %d, want 1", c, n)
		}
	}
	// A fresh Service over the same store (a restart) does not create a second one.
	s2 := New(s.Store, Config{})
	if err := s2.EnsureDefaultVpc(ctx, testCaller); err != nil {
		t.Fatal(err)
	}
	if n := len(defaultVpcs(t, s2, testCaller)); n != 1 {
		t.Errorf("default VPCs after restart = %d, want 1", n)
	}
}

// deleteDefaultVpc deletes the default VPC with its subnets and gateway, as a user would.
func deleteDefaultVpc(t *testing.T, s *Service, c Caller) {
	t.Helper()
	ctx := context.Background()
	vpc := defaultVpcs(t, s, c)[0]
	subnets, err := s.DescribeSubnets(ctx, c, &ec2.DescribeSubnetsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("vpc-id"), Values: []string{*vpc.VpcId}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, sn := range subnets.Subnets {
		if err := s.DeleteSubnet(ctx, c, &ec2.DeleteSubnetRequest{SubnetId: sn.SubnetId}); err != nil {
			t.Fatal(err)
		}
	}
	// Detach and delete the gateway directly: the internet gateway actions live elsewhere.
	err = s.Update(ctx, func(tx *kit.Txn) error {
		igws, err := kit.ListAll[kit.InternetGatewayRecord](tx, c.Prefix("igw"))
		for _, g := range igws {
			tx.Del(c.Key(g.ID))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteVpc(ctx, c, &ec2.DeleteVpcRequest{VpcId: vpc.VpcId}); err != nil {
		t.Fatal(err)
	}
}

func TestDeletedDefaultVpcIsNotRecreated(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	if err := s.EnsureDefaultVpc(ctx, testCaller); err != nil {
		t.Fatal(err)
	}
	vpc := defaultVpcs(t, s, testCaller)[0]
	err := s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: vpc.VpcId})
	wantCode(t, err, "DependencyViolation")
	deleteDefaultVpc(t, s, testCaller)
	for _, svc := range []*Service{s, New(s.Store, Config{})} {
		if err := svc.EnsureDefaultVpc(ctx, testCaller); err != nil {
			t.Fatal(err)
		}
		if n := len(defaultVpcs(t, svc, testCaller)); n != 0 {
			t.Fatalf("default VPC came back after deletion: %d", n)
		}
	}
	attrs, err := s.DescribeAccountAttributes(ctx, testCaller, &ec2.DescribeAccountAttributesRequest{AttributeNames: []string{"default-vpc"}})
	if err != nil || *attrs.AccountAttributes[0].AttributeValues[0].AttributeValue != "none" {
		t.Errorf("default-vpc = %+v, %v", attrs, err)
	}
}

func TestCreateDefaultVpc(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	createVpc(t, s, "172.31.0.0/16") // a non-default VPC with the same block is no obstacle
	steps := []struct {
		name string
		run  func() error
		code string
	}{
		{"creates when none exists", func() error {
			_, err := s.CreateDefaultVpc(ctx, testCaller, &ec2.CreateDefaultVpcRequest{})
			return err
		}, ""},
		{"refuses a second", func() error {
			_, err := s.CreateDefaultVpc(ctx, testCaller, &ec2.CreateDefaultVpcRequest{})
			return err
		}, "DefaultVpcAlreadyExists"},
		{"ensure adds nothing after it", func() error { return s.EnsureDefaultVpc(ctx, testCaller) }, ""},
		{"recreates after deletion", func() error {
			deleteDefaultVpc(t, s, testCaller)
			out, err := s.CreateDefaultVpc(ctx, testCaller, &ec2.CreateDefaultVpcRequest{})
			if err == nil && (!*out.Vpc.IsDefault || *out.Vpc.CidrBlock != "172.31.0.0/16") {
				return fmt.Errorf("created %+v", out.Vpc)
			}
			return err
		}, ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) { wantCode(t, st.run(), st.code) })
	}
	if n := len(defaultVpcs(t, s, testCaller)); n != 1 {
		t.Errorf("default VPCs = %d, want 1", n)
	}
	_, err := s.CreateDefaultVpc(ctx, testCaller, &ec2.CreateDefaultVpcRequest{})
	if err == nil || err.Error() != "DefaultVpcAlreadyExists: A Default VPC already exists for this account in this region." {
		t.Errorf("error = %v", err)
	}
}

func TestCreateDefaultVpcConcurrently(t *testing.T) {
	s := newTestService(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.CreateDefaultVpc(context.Background(), testCaller, &ec2.CreateDefaultVpcRequest{})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			wantCode(t, err, "DefaultVpcAlreadyExists")
		}
	}
	if won != 1 || len(defaultVpcs(t, s, testCaller)) != 1 {
		t.Errorf("%d creations won, want 1", won)
	}
}

func TestCreateDefaultSubnet(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	noDefault := Caller{Account: "210987654321", Region: "us-east-1"}
	if err := s.EnsureDefaultVpc(ctx, testCaller); err != nil {
		t.Fatal(err)
	}
	vpc := defaultVpcs(t, s, testCaller)[0]
	// Free the second /20 and zone b.
	subnets, err := s.DescribeSubnets(ctx, testCaller, &ec2.DescribeSubnetsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("availability-zone"), Values: []string{"us-east-1b"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: subnets.Subnets[0].SubnetId}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		caller Caller
		in     ec2.CreateDefaultSubnetRequest
		cidr   string
		code   string
	}{
		{"zone required", testCaller, ec2.CreateDefaultSubnetRequest{}, "", "MissingParameter"},
		{"zone and zone id together", testCaller, ec2.CreateDefaultSubnetRequest{AvailabilityZone: kit.Ptr("us-east-1b"), AvailabilityZoneId: kit.Ptr("use1-az2")}, "", "InvalidParameterCombination"},
		{"unknown zone", testCaller, ec2.CreateDefaultSubnetRequest{AvailabilityZone: kit.Ptr("us-east-1z")}, "", "InvalidParameterValue"},
		{"no default vpc", noDefault, ec2.CreateDefaultSubnetRequest{AvailabilityZone: kit.Ptr("us-east-1a")}, "", "DefaultVpcDoesNotExist"},
		{"zone already has one", testCaller, ec2.CreateDefaultSubnetRequest{AvailabilityZone: kit.Ptr("us-east-1a")}, "", "DefaultSubnetAlreadyExistsInAvailabilityZone"},
		{"takes the first free /20", testCaller, ec2.CreateDefaultSubnetRequest{AvailabilityZoneId: kit.Ptr("use1-az2")}, "172.31.16.0/20", ""},
		{"zone b has one again", testCaller, ec2.CreateDefaultSubnetRequest{AvailabilityZone: kit.Ptr("us-east-1b")}, "", "DefaultSubnetAlreadyExistsInAvailabilityZone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.CreateDefaultSubnet(ctx, tc.caller, &tc.in)
			wantCode(t, err, tc.code)
			if err != nil {
				return
			}
			sn := out.Subnet
			if *sn.CidrBlock != tc.cidr || !*sn.DefaultForAz || !*sn.MapPublicIpOnLaunch || *sn.VpcId != *vpc.VpcId || *sn.AvailabilityZone != "us-east-1b" {
				t.Errorf("default subnet %s in %s, default %v, public %v", *sn.CidrBlock, *sn.AvailabilityZone, *sn.DefaultForAz, *sn.MapPublicIpOnLaunch)
			}
		})
	}
	// After the six zones' /20s, a new default subnet goes to the next free /20.
	subnets, err = s.DescribeSubnets(ctx, testCaller, &ec2.DescribeSubnetsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("availability-zone"), Values: []string{"us-east-1f"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ModifySubnetAttribute(ctx, testCaller, &ec2.ModifySubnetAttributeRequest{SubnetId: subnets.Subnets[0].SubnetId, MapPublicIpOnLaunch: &ec2.AttributeBooleanValue{Value: kit.Ptr(false)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: subnets.Subnets[0].SubnetId}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: vpc.VpcId, CidrBlock: kit.Ptr("172.31.80.0/20")}); err != nil {
		t.Fatal(err)
	}
	out, err := s.CreateDefaultSubnet(ctx, testCaller, &ec2.CreateDefaultSubnetRequest{AvailabilityZone: kit.Ptr("us-east-1f")})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Subnet.CidrBlock != "172.31.96.0/20" {
		t.Errorf("default subnet %s, want 172.31.96.0/20", *out.Subnet.CidrBlock)
	}
}
