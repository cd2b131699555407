package control

import (
	"context"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func TestBlockPublicAccessOptions(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	got, err := s.DescribeVpcBlockPublicAccessOptions(ctx, testCaller, &ec2.DescribeVpcBlockPublicAccessOptionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	o := got.VpcBlockPublicAccessOptions
	if *o.InternetGatewayBlockMode != "off" || *o.State != "default-state" || *o.AwsAccountId != testCaller.Account || *o.AwsRegion != testCaller.Region || *o.ExclusionsAllowed != "allowed" {
		t.Errorf("default options: %+v", o)
	}
	for _, tc := range []struct {
		mode, code string
	}{
		{"", "MissingParameter"},
		{"block-everything", "InvalidParameterValue"},
	} {
		_, err := s.ModifyVpcBlockPublicAccessOptions(ctx, testCaller, &ec2.ModifyVpcBlockPublicAccessOptionsRequest{InternetGatewayBlockMode: &tc.mode})
		wantCode(t, err, tc.code)
	}
	mod, err := s.ModifyVpcBlockPublicAccessOptions(ctx, testCaller, &ec2.ModifyVpcBlockPublicAccessOptionsRequest{InternetGatewayBlockMode: kit.Ptr("block-ingress")})
	if err != nil {
		t.Fatal(err)
	}
	if *mod.VpcBlockPublicAccessOptions.State != "update-in-progress" || *mod.VpcBlockPublicAccessOptions.InternetGatewayBlockMode != "block-ingress" {
		t.Errorf("modify answers %+v", mod.VpcBlockPublicAccessOptions)
	}
	got, _ = s.DescribeVpcBlockPublicAccessOptions(ctx, testCaller, &ec2.DescribeVpcBlockPublicAccessOptionsRequest{})
	if o := got.VpcBlockPublicAccessOptions; *o.InternetGatewayBlockMode != "block-ingress" || *o.State != "update-complete" || o.LastUpdateTimestamp == nil {
		t.Errorf("after modify: %+v", o)
	}
	// Another region keeps its own mode.
	other := Caller{Account: testCaller.Account, Region: "eu-west-1"}
	got, _ = s.DescribeVpcBlockPublicAccessOptions(ctx, other, &ec2.DescribeVpcBlockPublicAccessOptionsRequest{})
	if *got.VpcBlockPublicAccessOptions.InternetGatewayBlockMode != "off" {
		t.Errorf("eu-west-1 took us-east-1's mode")
	}
	n, _, err := s.Network(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m := n.BlockPublicAccess.Modes[testCaller.Account+"/"+testCaller.Region]; m != "block-ingress" {
		t.Errorf("the model has mode %q", m)
	}
}

func TestBlockPublicAccessExclusions(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	subnet := *createSubnet(t, s, vpc, "10.0.1.0/24").SubnetId
	create := func(vpcID, subnetID, mode string) (*ec2.VpcBlockPublicAccessExclusion, error) {
		in := &ec2.CreateVpcBlockPublicAccessExclusionRequest{InternetGatewayExclusionMode: &mode,
			TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc-block-public-access-exclusion"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("x")}}}}}
		if vpcID != "" {
			in.VpcId = &vpcID
		}
		if subnetID != "" {
			in.SubnetId = &subnetID
		}
		out, err := s.CreateVpcBlockPublicAccessExclusion(ctx, testCaller, in)
		if err != nil {
			return nil, err
		}
		return out.VpcBlockPublicAccessExclusion, nil
	}
	for _, tc := range []struct {
		name, vpc, subnet, mode, code string
	}{
		{"no mode", vpc, "", "", "MissingParameter"},
		{"bad mode", vpc, "", "allow-all", "InvalidParameterValue"},
		{"neither", "", "", "allow-egress", "MissingParameter"},
		{"both", vpc, subnet, "allow-egress", "InvalidParameterCombination"},
		{"unknown VPC", "vpc-0123456789abcdef0", "", "allow-egress", "InvalidVpcID.NotFound"},
		{"malformed subnet", "", "subnet-x", "allow-egress", "InvalidSubnetID.Malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := create(tc.vpc, tc.subnet, tc.mode)
			wantCode(t, err, tc.code)
		})
	}
	e, err := create(vpc, "", "allow-egress")
	if err != nil {
		t.Fatal(err)
	}
	if *e.State != "create-in-progress" || *e.ResourceArn != "arn:aws:ec2:us-east-1:123456789012:vpc/"+vpc || len(e.Tags) != 1 || e.CreationTimestamp == nil {
		t.Errorf("created %+v", e)
	}
	_, err = create(vpc, "", "allow-bidirectional")
	wantCode(t, err, "InvalidParameterValue")
	es, err := create("", subnet, "allow-bidirectional")
	if err != nil {
		t.Fatal(err)
	}
	desc, err := s.DescribeVpcBlockPublicAccessExclusions(ctx, testCaller, &ec2.DescribeVpcBlockPublicAccessExclusionsRequest{ExclusionIds: []string{*e.ExclusionId}})
	if err != nil {
		t.Fatal(err)
	}
	if len(desc.VpcBlockPublicAccessExclusions) != 1 || *desc.VpcBlockPublicAccessExclusions[0].State != "create-complete" {
		t.Errorf("described %+v", desc.VpcBlockPublicAccessExclusions)
	}
	desc, _ = s.DescribeVpcBlockPublicAccessExclusions(ctx, testCaller, &ec2.DescribeVpcBlockPublicAccessExclusionsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("internet-gateway-exclusion-mode"), Values: []string{"allow-bidirectional"}}}})
	if len(desc.VpcBlockPublicAccessExclusions) != 1 || *desc.VpcBlockPublicAccessExclusions[0].ExclusionId != *es.ExclusionId {
		t.Errorf("filtered by mode: %+v", desc.VpcBlockPublicAccessExclusions)
	}
	n, _, _ := s.Network(ctx)
	if n.BlockPublicAccess.Exclusions[vpc] != "allow-egress" || n.BlockPublicAccess.Exclusions[subnet] != "allow-bidirectional" {
		t.Errorf("the model has exclusions %v", n.BlockPublicAccess.Exclusions)
	}

	mod, err := s.ModifyVpcBlockPublicAccessExclusion(ctx, testCaller, &ec2.ModifyVpcBlockPublicAccessExclusionRequest{ExclusionId: e.ExclusionId, InternetGatewayExclusionMode: kit.Ptr("allow-bidirectional")})
	if err != nil || *mod.VpcBlockPublicAccessExclusion.State != "update-in-progress" {
		t.Fatalf("modify: %+v, %v", mod, err)
	}
	if _, err := s.DeleteVpcBlockPublicAccessExclusion(ctx, testCaller, &ec2.DeleteVpcBlockPublicAccessExclusionRequest{ExclusionId: es.ExclusionId}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteVpcBlockPublicAccessExclusion(ctx, testCaller, &ec2.DeleteVpcBlockPublicAccessExclusionRequest{ExclusionId: es.ExclusionId})
	wantCode(t, err, "InvalidVpcBlockPublicAccessExclusionId.NotFound")
	_, err = s.DescribeVpcBlockPublicAccessExclusions(ctx, testCaller, &ec2.DescribeVpcBlockPublicAccessExclusionsRequest{ExclusionIds: []string{"vpcbpa-x"}})
	wantCode(t, err, "InvalidParameterValue")
	n, _, _ = s.Network(ctx)
	if n.BlockPublicAccess.Exclusions[vpc] != "allow-bidirectional" || n.BlockPublicAccess.Exclusions[subnet] != "" {
		t.Errorf("the model has exclusions %v after modify and delete", n.BlockPublicAccess.Exclusions)
	}
	tags, err := s.DescribeTags(ctx, testCaller, &ec2.DescribeTagsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("resource-type"), Values: []string{"vpc-block-public-access-exclusion"}}}})
	if err != nil || len(tags.Tags) != 1 {
		t.Errorf("DescribeTags of exclusions: %+v, %v", tags, err)
	}
}

// TestBlockPublicAccessStates: DescribeVpcs and DescribeSubnets show the mode that applies
// to each, after exclusions.
func TestBlockPublicAccessStates(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	a, b := *createSubnet(t, s, vpc, "10.0.1.0/24").SubnetId, *createSubnet(t, s, vpc, "10.0.2.0/24").SubnetId
	states := func() (string, map[string]string) {
		t.Helper()
		vs, err := s.DescribeVpcs(ctx, testCaller, &ec2.DescribeVpcsRequest{VpcIds: []string{vpc}})
		wantCode(t, err, "")
		ss, err := s.DescribeSubnets(ctx, testCaller, &ec2.DescribeSubnetsRequest{SubnetIds: []string{a, b}})
		wantCode(t, err, "")
		subs := map[string]string{}
		for _, sn := range ss.Subnets {
			subs[*sn.SubnetId] = *sn.BlockPublicAccessStates.InternetGatewayBlockMode
		}
		return *vs.Vpcs[0].BlockPublicAccessStates.InternetGatewayBlockMode, subs
	}
	if v, subs := states(); v != "off" || subs[a] != "off" {
		t.Errorf("before: %s %v", v, subs)
	}
	_, err := s.ModifyVpcBlockPublicAccessOptions(ctx, testCaller, &ec2.ModifyVpcBlockPublicAccessOptionsRequest{InternetGatewayBlockMode: kit.Ptr("block-bidirectional")})
	wantCode(t, err, "")
	_, err = s.CreateVpcBlockPublicAccessExclusion(ctx, testCaller, &ec2.CreateVpcBlockPublicAccessExclusionRequest{SubnetId: &a, InternetGatewayExclusionMode: kit.Ptr("allow-egress")})
	wantCode(t, err, "")
	if v, subs := states(); v != "block-bidirectional" || subs[a] != "block-ingress" || subs[b] != "block-bidirectional" {
		t.Errorf("bidirectional with an allow-egress subnet: VPC %s, subnets %v", v, subs)
	}
}
