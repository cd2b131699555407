package api_test

import (
	"context"
	"net/netip"
	"regexp"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	r53r "github.com/aws/aws-sdk-go-v2/service/route53resolver"
	r53rtypes "github.com/aws/aws-sdk-go-v2/service/route53resolver/types"

	"vpcd/internal/vpcdtest"
)

func resolverClient(url string) *r53r.Client {
	return r53r.New(r53r.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", "")})
}

// The SDK creates an outbound endpoint in two subnets, a rule forwarding corp.example
// through it and an association with the VPC: the endpoint's addresses are interfaces
// EC2 shows, the rule reaches the data plane's model, and each dependency refuses to go
// before what uses it, with the model's errors.
func TestSDKRoute53Resolver(t *testing.T) {
	ctx := context.Background()
	srv := vpcdtest.Start(t)
	ec2c := srv.EC2(t, "123456789012")
	r := resolverClient(srv.URL)

	vpc := must[*ec2sdk.CreateVpcOutput](t, "CreateVpc")(ec2c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})).Vpc.VpcId
	var subnets []string
	for i, cidr := range []string{"10.0.1.0/24", "10.0.2.0/24"} {
		out := must[*ec2sdk.CreateSubnetOutput](t, "CreateSubnet")(ec2c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: vpc, CidrBlock: aws.String(cidr),
			AvailabilityZone: aws.String([]string{"us-east-1a", "us-east-1b"}[i])}))
		subnets = append(subnets, *out.Subnet.SubnetId)
	}
	sg := must[*ec2sdk.CreateSecurityGroupOutput](t, "CreateSecurityGroup")(ec2c.CreateSecurityGroup(ctx, &ec2sdk.CreateSecurityGroupInput{
		VpcId: vpc, GroupName: aws.String("dns"), Description: aws.String("dns")})).GroupId

	_, err := r.CreateResolverEndpoint(ctx, &r53r.CreateResolverEndpointInput{CreatorRequestId: aws.String("one"), Direction: r53rtypes.ResolverEndpointDirectionOutbound,
		SecurityGroupIds: []string{*sg}, IpAddresses: []r53rtypes.IpAddressRequest{{SubnetId: &subnets[0]}}})
	wantCode(t, "one address", err, "InvalidRequestException")

	create := &r53r.CreateResolverEndpointInput{CreatorRequestId: aws.String("out-1"), Direction: r53rtypes.ResolverEndpointDirectionOutbound,
		Name: aws.String("out"), SecurityGroupIds: []string{*sg},
		IpAddresses: []r53rtypes.IpAddressRequest{{SubnetId: &subnets[0], Ip: aws.String("10.0.1.53")}, {SubnetId: &subnets[1]}},
		Tags:        []r53rtypes.Tag{{Key: aws.String("team"), Value: aws.String("net")}}}
	ep := must[*r53r.CreateResolverEndpointOutput](t, "CreateResolverEndpoint")(r.CreateResolverEndpoint(ctx, create)).ResolverEndpoint
	if !regexp.MustCompile(`^rslvr-out-[0-9a-f]{17}$`).MatchString(*ep.Id) || ep.Status != r53rtypes.ResolverEndpointStatusCreating ||
		*ep.HostVPCId != *vpc || *ep.IpAddressCount != 2 || *ep.Arn != "arn:aws:route53resolver:us-east-1:123456789012:resolver-endpoint/"+*ep.Id {
		t.Errorf("created endpoint %+v", ep)
	}
	again := must[*r53r.CreateResolverEndpointOutput](t, "CreateResolverEndpoint again")(r.CreateResolverEndpoint(ctx, create)).ResolverEndpoint
	if *again.Id != *ep.Id {
		t.Errorf("a repeated CreatorRequestId made %s, want %s", *again.Id, *ep.Id)
	}
	got := must[*r53r.GetResolverEndpointOutput](t, "GetResolverEndpoint")(r.GetResolverEndpoint(ctx, &r53r.GetResolverEndpointInput{ResolverEndpointId: ep.Id}))
	if got.ResolverEndpoint.Status != r53rtypes.ResolverEndpointStatusOperational {
		t.Errorf("endpoint status %s, want OPERATIONAL", got.ResolverEndpoint.Status)
	}
	ips := must[*r53r.ListResolverEndpointIpAddressesOutput](t, "ListResolverEndpointIpAddresses")(r.ListResolverEndpointIpAddresses(ctx,
		&r53r.ListResolverEndpointIpAddressesInput{ResolverEndpointId: ep.Id})).IpAddresses
	if len(ips) != 2 || *ips[0].Ip != "10.0.1.53" || *ips[1].SubnetId != subnets[1] {
		t.Errorf("endpoint addresses %+v", ips)
	}
	enis := must[*ec2sdk.DescribeNetworkInterfacesOutput](t, "DescribeNetworkInterfaces")(ec2c.DescribeNetworkInterfaces(ctx, &ec2sdk.DescribeNetworkInterfacesInput{
		Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{*vpc}}}})).NetworkInterfaces
	if len(enis) != 2 || !*enis[0].RequesterManaged || enis[0].Groups[0].GroupId == nil || *enis[0].Groups[0].GroupId != *sg {
		t.Errorf("the endpoint's interfaces: %+v", enis)
	}
	_, err = ec2c.DeleteSecurityGroup(ctx, &ec2sdk.DeleteSecurityGroupInput{GroupId: sg})
	wantCode(t, "delete the endpoint's group", err, "DependencyViolation")

	rules := must[*r53r.ListResolverRulesOutput](t, "ListResolverRules")(r.ListResolverRules(ctx, &r53r.ListResolverRulesInput{})).ResolverRules
	if len(rules) != 1 || *rules[0].Id != "rslvr-autodefined-rr-internet-resolver" || rules[0].RuleType != r53rtypes.RuleTypeOptionRecursive || *rules[0].DomainName != "." {
		t.Errorf("rules of a new account: %+v", rules)
	}
	_, err = r.CreateResolverRule(ctx, &r53r.CreateResolverRuleInput{CreatorRequestId: aws.String("r0"), RuleType: r53rtypes.RuleTypeOptionForward,
		DomainName: aws.String("corp.example"), ResolverEndpointId: ep.Id})
	wantCode(t, "forward rule without targets", err, "InvalidRequestException")
	rule := must[*r53r.CreateResolverRuleOutput](t, "CreateResolverRule")(r.CreateResolverRule(ctx, &r53r.CreateResolverRuleInput{CreatorRequestId: aws.String("r1"),
		RuleType: r53rtypes.RuleTypeOptionForward, DomainName: aws.String("Corp.Example"), ResolverEndpointId: ep.Id, Name: aws.String("corp"),
		TargetIps: []r53rtypes.TargetAddress{{Ip: aws.String("192.0.2.10")}, {Ip: aws.String("192.0.2.11"), Port: aws.Int32(5353)}}})).ResolverRule
	if !regexp.MustCompile(`^rslvr-rr-[0-9a-f]{17}$`).MatchString(*rule.Id) || *rule.DomainName != "corp.example." || *rule.TargetIps[0].Port != 53 {
		t.Errorf("created rule %+v", rule)
	}
	assoc := must[*r53r.AssociateResolverRuleOutput](t, "AssociateResolverRule")(r.AssociateResolverRule(ctx, &r53r.AssociateResolverRuleInput{
		ResolverRuleId: rule.Id, VPCId: vpc})).ResolverRuleAssociation
	if !regexp.MustCompile(`^rslvr-rrassoc-[0-9a-f]{17}$`).MatchString(*assoc.Id) || assoc.Status != r53rtypes.ResolverRuleAssociationStatusCreating {
		t.Errorf("association %+v", assoc)
	}
	ga := must[*r53r.GetResolverRuleAssociationOutput](t, "GetResolverRuleAssociation")(r.GetResolverRuleAssociation(ctx,
		&r53r.GetResolverRuleAssociationInput{ResolverRuleAssociationId: assoc.Id})).ResolverRuleAssociation
	if ga.Status != r53rtypes.ResolverRuleAssociationStatusComplete || *ga.VPCId != *vpc {
		t.Errorf("association read back %+v", ga)
	}
	other := must[*r53r.CreateResolverRuleOutput](t, "CreateResolverRule")(r.CreateResolverRule(ctx, &r53r.CreateResolverRuleInput{CreatorRequestId: aws.String("r2"),
		RuleType: r53rtypes.RuleTypeOptionSystem, DomainName: aws.String("corp.example.")})).ResolverRule
	var ids []string
	for p := r53r.NewListResolverRulesPaginator(r, &r53r.ListResolverRulesInput{MaxResults: aws.Int32(1)}); p.HasMorePages(); {
		pg := must[*r53r.ListResolverRulesOutput](t, "ListResolverRules page")(p.NextPage(ctx))
		for _, x := range pg.ResolverRules {
			ids = append(ids, *x.Id)
		}
	}
	if len(ids) != 3 || ids[0] != "rslvr-autodefined-rr-internet-resolver" {
		t.Errorf("rules one a page: %v", ids)
	}
	_, err = r.AssociateResolverRule(ctx, &r53r.AssociateResolverRuleInput{ResolverRuleId: other.Id, VPCId: vpc})
	wantCode(t, "a second rule of the domain", err, "InvalidRequestException")

	n, _, err := srv.Service.Network(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := n.ResolverRuleFor(*vpc, "www.corp.example.")
	if m == nil || m.ID != *rule.Id || !slices.Equal(m.VPCs, []string{*vpc}) || m.Endpoint != *ep.Id ||
		!slices.Equal(m.Targets, []netip.AddrPort{netip.MustParseAddrPort("192.0.2.10:53"), netip.MustParseAddrPort("192.0.2.11:5353")}) {
		t.Errorf("the model's rule for www.corp.example: %+v", m)
	}
	// The endpoint's interfaces are in the model, as the endpoint's.
	var addrs []netip.Addr
	for _, eni := range n.Interfaces {
		if eni.ResolverEndpoint == *ep.Id && eni.VPC == *vpc {
			addrs = append(addrs, eni.PrivateIPs...)
		}
	}
	if len(addrs) != 2 || !slices.Contains(addrs, netip.MustParseAddr("10.0.1.53")) {
		t.Errorf("the endpoint's interfaces in the model have %v", addrs)
	}
	if n.ResolverRuleFor(*vpc, "example.com.") != nil {
		t.Errorf("a rule for example.com")
	}

	_, err = r.DeleteResolverRule(ctx, &r53r.DeleteResolverRuleInput{ResolverRuleId: rule.Id})
	wantCode(t, "delete an associated rule", err, "ResourceInUseException")
	_, err = r.DeleteResolverEndpoint(ctx, &r53r.DeleteResolverEndpointInput{ResolverEndpointId: ep.Id})
	wantCode(t, "delete an endpoint in use", err, "InvalidRequestException")
	_, err = r.GetResolverRule(ctx, &r53r.GetResolverRuleInput{ResolverRuleId: aws.String("rslvr-rr-0123456789abcdef0")})
	wantCode(t, "get a missing rule", err, "ResourceNotFoundException")

	arn := *ep.Arn
	must[*r53r.TagResourceOutput](t, "TagResource")(r.TagResource(ctx, &r53r.TagResourceInput{ResourceArn: &arn, Tags: []r53rtypes.Tag{{Key: aws.String("env"), Value: aws.String("test")}}}))
	must[*r53r.UntagResourceOutput](t, "UntagResource")(r.UntagResource(ctx, &r53r.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"team"}}))
	tags := must[*r53r.ListTagsForResourceOutput](t, "ListTagsForResource")(r.ListTagsForResource(ctx, &r53r.ListTagsForResourceInput{ResourceArn: &arn})).Tags
	if len(tags) != 1 || *tags[0].Key != "env" {
		t.Errorf("tags %+v", tags)
	}

	must[*r53r.DisassociateResolverRuleOutput](t, "DisassociateResolverRule")(r.DisassociateResolverRule(ctx, &r53r.DisassociateResolverRuleInput{ResolverRuleId: rule.Id, VPCId: vpc}))
	if n, _, _ := srv.Service.Network(ctx); len(n.ResolverRules) != 0 {
		t.Errorf("rules in the model after the disassociation: %+v", n.ResolverRules)
	}
	for _, id := range []*string{rule.Id, other.Id} {
		must[*r53r.DeleteResolverRuleOutput](t, "DeleteResolverRule")(r.DeleteResolverRule(ctx, &r53r.DeleteResolverRuleInput{ResolverRuleId: id}))
	}
	must[*r53r.DeleteResolverEndpointOutput](t, "DeleteResolverEndpoint")(r.DeleteResolverEndpoint(ctx, &r53r.DeleteResolverEndpointInput{ResolverEndpointId: ep.Id}))
	enis = must[*ec2sdk.DescribeNetworkInterfacesOutput](t, "DescribeNetworkInterfaces")(ec2c.DescribeNetworkInterfaces(ctx, &ec2sdk.DescribeNetworkInterfacesInput{
		Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{*vpc}}}})).NetworkInterfaces
	if len(enis) != 0 {
		t.Errorf("interfaces left after the endpoint's deletion: %d", len(enis))
	}
	for _, sn := range subnets {
		must[*ec2sdk.DeleteSubnetOutput](t, "DeleteSubnet")(ec2c.DeleteSubnet(ctx, &ec2sdk.DeleteSubnetInput{SubnetId: &sn}))
	}
}
