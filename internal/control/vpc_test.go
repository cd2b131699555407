package control

import (
	"context"
	"errors"
	"sync"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/store"
)

func newTestService(t *testing.T) *Service {
	t.Helper()
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st, Config{})
}

var testCaller = Caller{Account: "123456789012", Region: "us-east-1"}

// wantCode fails unless err is the AWS error with the code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *ec2.Error
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if e.Status < 400 || e.Status >= 500 {
		t.Fatalf("status = %d for %s", e.Status, code)
	}
}

func createVpc(t *testing.T, s *Service, cidr string) *ec2.Vpc {
	t.Helper()
	out, err := s.CreateVpc(context.Background(), testCaller, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr(cidr)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Vpc
}

func TestCreateVpcValidation(t *testing.T) {
	s := newTestService(t)
	for _, tc := range []struct {
		name string
		in   ec2.CreateVpcRequest
		code string
	}{
		{"cidr required", ec2.CreateVpcRequest{}, "MissingParameter"},
		{"not a cidr", ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0")}, "InvalidParameterValue"},
		{"ipv6 is not a vpc ipv4 block", ec2.CreateVpcRequest{CidrBlock: kit.Ptr("2001:db8::/56")}, "InvalidParameterValue"},
		{"larger than /16", ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0/15")}, "InvalidVpc.Range"},
		{"smaller than /28", ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0/29")}, "InvalidVpc.Range"},
		{"loopback range", ec2.CreateVpcRequest{CidrBlock: kit.Ptr("127.0.0.0/16")}, "InvalidVpc.Range"},
		{"link-local range", ec2.CreateVpcRequest{CidrBlock: kit.Ptr("169.254.0.0/16")}, "InvalidVpc.Range"},
		{"multicast range", ec2.CreateVpcRequest{CidrBlock: kit.Ptr("224.0.0.0/16")}, "InvalidVpc.Range"},
		{"bad tenancy", ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0/16"), InstanceTenancy: kit.Ptr("host")}, "InvalidParameterValue"},
		{"tag spec for another type", ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0/16"), TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("subnet")}}}, "InvalidParameterValue"},
		{"reserved tag key", ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0/16"), TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc"), Tags: []ec2.Tag{{Key: kit.Ptr("aws:x"), Value: kit.Ptr("y")}}}}}, "InvalidParameterValue"},
		{"smallest /28", ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0/28")}, ""},
		{"public range", ec2.CreateVpcRequest{CidrBlock: kit.Ptr("8.8.0.0/16")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateVpc(context.Background(), testCaller, &tc.in)
			wantCode(t, err, tc.code)
		})
	}
}

func TestCreateVpcDefaults(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	out, err := s.CreateVpc(ctx, testCaller, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.1.2.3/16"), AmazonProvidedIpv6CidrBlock: kit.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	vpc := out.Vpc
	if *vpc.CidrBlock != "10.1.0.0/16" {
		t.Errorf("cidr not canonical: %s", *vpc.CidrBlock)
	}
	if len(*vpc.VpcId) != len("vpc-")+17 || *vpc.State != "available" || *vpc.IsDefault || *vpc.InstanceTenancy != "default" {
		t.Errorf("vpc = %+v", vpc)
	}
	if len(vpc.Ipv6CidrBlockAssociationSet) != 1 || vpc.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock == nil {
		t.Fatalf("no ipv6 block: %+v", vpc.Ipv6CidrBlockAssociationSet)
	}
	byVpc := []ec2.Filter{{Name: kit.Ptr("vpc-id"), Values: []string{*vpc.VpcId}}}
	acls, err := s.DescribeNetworkAcls(ctx, testCaller, &ec2.DescribeNetworkAclsRequest{Filters: byVpc})
	if err != nil || len(acls.NetworkAcls) != 1 || !*acls.NetworkAcls[0].IsDefault || len(acls.NetworkAcls[0].Entries) != 8 {
		t.Fatalf("default acl: %v %+v", err, acls)
	}
	groups, err := s.DescribeSecurityGroups(ctx, testCaller, &ec2.DescribeSecurityGroupsRequest{Filters: byVpc})
	if err != nil || len(groups.SecurityGroups) != 1 || *groups.SecurityGroups[0].GroupName != "default" {
		t.Fatalf("default group: %v %+v", err, groups)
	}
	g := groups.SecurityGroups[0]
	if len(g.IpPermissions) != 1 || *g.IpPermissions[0].UserIdGroupPairs[0].GroupId != *g.GroupId || len(g.IpPermissionsEgress) != 1 || len(g.IpPermissionsEgress[0].Ipv6Ranges) != 1 {
		t.Fatalf("default group rules: %+v", g)
	}
	rules, err := s.DescribeSecurityGroupRules(ctx, testCaller, &ec2.DescribeSecurityGroupRulesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("group-id"), Values: []string{*g.GroupId}}}})
	if err != nil || len(rules.SecurityGroupRules) != 3 {
		t.Fatalf("rules: %v %+v", err, rules)
	}
	attr, err := s.DescribeVpcAttribute(ctx, testCaller, &ec2.DescribeVpcAttributeRequest{VpcId: vpc.VpcId, Attribute: kit.Ptr("enableDnsSupport")})
	if err != nil || !*attr.EnableDnsSupport.Value {
		t.Fatalf("dns support: %v %+v", err, attr)
	}
}

func TestVpcAttributes(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := createVpc(t, s, "10.0.0.0/16")
	on := &ec2.AttributeBooleanValue{Value: kit.Ptr(true)}
	off := &ec2.AttributeBooleanValue{Value: kit.Ptr(false)}
	for _, tc := range []struct {
		name string
		in   ec2.ModifyVpcAttributeRequest
		code string
	}{
		{"one attribute at a time", ec2.ModifyVpcAttributeRequest{VpcId: vpc.VpcId, EnableDnsHostnames: on, EnableDnsSupport: on}, "InvalidParameterCombination"},
		{"no attribute", ec2.ModifyVpcAttributeRequest{VpcId: vpc.VpcId}, "InvalidParameterCombination"},
		{"unknown vpc", ec2.ModifyVpcAttributeRequest{VpcId: kit.Ptr("vpc-0123456789abcdef0"), EnableDnsHostnames: on}, "InvalidVpcID.NotFound"},
		{"malformed vpc", ec2.ModifyVpcAttributeRequest{VpcId: kit.Ptr("vpcx"), EnableDnsHostnames: on}, "InvalidVpcID.Malformed"},
		{"enable hostnames", ec2.ModifyVpcAttributeRequest{VpcId: vpc.VpcId, EnableDnsHostnames: on}, ""},
		{"hostnames need dns support", ec2.ModifyVpcAttributeRequest{VpcId: vpc.VpcId, EnableDnsSupport: off}, "InvalidParameterCombination"},
		{"usage metrics", ec2.ModifyVpcAttributeRequest{VpcId: vpc.VpcId, EnableNetworkAddressUsageMetrics: on}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, s.ModifyVpcAttribute(ctx, testCaller, &tc.in), tc.code)
		})
	}
	attr, err := s.DescribeVpcAttribute(ctx, testCaller, &ec2.DescribeVpcAttributeRequest{VpcId: vpc.VpcId, Attribute: kit.Ptr("enableDnsHostnames")})
	if err != nil || !*attr.EnableDnsHostnames.Value {
		t.Fatalf("hostnames: %v %+v", err, attr)
	}
	_, err = s.DescribeVpcAttribute(ctx, testCaller, &ec2.DescribeVpcAttributeRequest{VpcId: vpc.VpcId, Attribute: kit.Ptr("bogus")})
	wantCode(t, err, "InvalidParameterValue")
}

func TestVpcCidrBlocks(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := createVpc(t, s, "10.0.0.0/16")
	assoc := func(cidr string) (*ec2.AssociateVpcCidrBlockResult, error) {
		return s.AssociateVpcCidrBlock(ctx, testCaller, &ec2.AssociateVpcCidrBlockRequest{VpcId: vpc.VpcId, CidrBlock: kit.Ptr(cidr)})
	}
	for _, tc := range []struct{ name, cidr, code string }{
		{"overlaps the primary", "10.0.128.0/17", "InvalidVpc.Range"},
		{"another rfc1918 range is restricted", "192.168.0.0/16", "InvalidVpc.Range"},
		{"too large", "10.0.0.0/8", "InvalidVpc.Range"},
		{"same private range", "10.1.0.0/16", ""},
		{"shared address space", "100.64.0.0/16", ""},
		{"public range", "8.8.0.0/24", ""},
		{"fourth", "10.2.0.0/16", ""},
		{"quota of five", "10.3.0.0/16", "CidrLimitExceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := assoc(tc.cidr)
			wantCode(t, err, tc.code)
		})
	}
	got, _ := s.DescribeVpcs(ctx, testCaller, &ec2.DescribeVpcsRequest{VpcIds: []string{*vpc.VpcId}})
	blocks := got.Vpcs[0].CidrBlockAssociationSet
	if len(blocks) != 5 {
		t.Fatalf("blocks = %d", len(blocks))
	}
	_, err := s.DisassociateVpcCidrBlock(ctx, testCaller, &ec2.DisassociateVpcCidrBlockRequest{AssociationId: blocks[0].AssociationId})
	wantCode(t, err, "OperationNotPermitted")
	_, err = s.DisassociateVpcCidrBlock(ctx, testCaller, &ec2.DisassociateVpcCidrBlockRequest{AssociationId: kit.Ptr("vpc-cidr-assoc-0123456789abcdef0")})
	wantCode(t, err, "InvalidVpcCidrBlockAssociationID.NotFound")
	_, err = s.DisassociateVpcCidrBlock(ctx, testCaller, &ec2.DisassociateVpcCidrBlockRequest{AssociationId: blocks[1].AssociationId})
	wantCode(t, err, "")
	v6, err := s.AssociateVpcCidrBlock(ctx, testCaller, &ec2.AssociateVpcCidrBlockRequest{VpcId: vpc.VpcId, AmazonProvidedIpv6CidrBlock: kit.Ptr(true)})
	if err != nil || v6.Ipv6CidrBlockAssociation == nil {
		t.Fatalf("ipv6: %v", err)
	}
}

func TestDescribeVpcs(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	a := createVpc(t, s, "10.0.0.0/16")
	createVpc(t, s, "10.1.0.0/16")
	if err := s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{*a.VpcId}, Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("web-prod")}}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   ec2.DescribeVpcsRequest
		want int
		code string
	}{
		{"all", ec2.DescribeVpcsRequest{}, 2, ""},
		{"by id", ec2.DescribeVpcsRequest{VpcIds: []string{*a.VpcId}}, 1, ""},
		{"unknown id", ec2.DescribeVpcsRequest{VpcIds: []string{"vpc-0123456789abcdef0"}}, 0, "InvalidVpcID.NotFound"},
		{"malformed id", ec2.DescribeVpcsRequest{VpcIds: []string{"vpc-xyz"}}, 0, "InvalidVpcID.Malformed"},
		{"cidr filter", ec2.DescribeVpcsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("cidr"), Values: []string{"10.1.0.0/16"}}}}, 1, ""},
		{"tag filter", ec2.DescribeVpcsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("tag:Name"), Values: []string{"web-prod"}}}}, 1, ""},
		{"tag wildcard", ec2.DescribeVpcsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("tag:Name"), Values: []string{"web-*"}}}}, 1, ""},
		{"tag-key", ec2.DescribeVpcsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("tag-key"), Values: []string{"Name"}}}}, 1, ""},
		{"values are ORed", ec2.DescribeVpcsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("cidr"), Values: []string{"10.1.0.0/16", "10.0.0.0/16"}}}}, 2, ""},
		{"filters are ANDed", ec2.DescribeVpcsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("cidr"), Values: []string{"10.1.0.0/16"}}, {Name: kit.Ptr("tag-key"), Values: []string{"Name"}}}}, 0, ""},
		{"unknown filter", ec2.DescribeVpcsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("colour"), Values: []string{"red"}}}}, 0, "InvalidParameterValue"},
		{"max results too small", ec2.DescribeVpcsRequest{MaxResults: kit.Ptr(int32(4))}, 0, "InvalidParameterValue"},
		{"ids with max results", ec2.DescribeVpcsRequest{VpcIds: []string{*a.VpcId}, MaxResults: kit.Ptr(int32(5))}, 0, "InvalidParameterCombination"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeVpcs(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
			if err == nil && len(out.Vpcs) != tc.want {
				t.Fatalf("got %d vpcs, want %d", len(out.Vpcs), tc.want)
			}
		})
	}
	other := Caller{Account: "210987654321", Region: "us-east-1"}
	_, err := s.DescribeVpcs(ctx, other, &ec2.DescribeVpcsRequest{VpcIds: []string{*a.VpcId}})
	wantCode(t, err, "InvalidVpcID.NotFound")
}

func TestDescribeVpcsPagination(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	for i := 0; i < 12; i++ {
		createVpc(t, s, "10.0.0.0/16")
	}
	seen := map[string]bool{}
	var token *string
	for pages := 0; ; pages++ {
		out, err := s.DescribeVpcs(ctx, testCaller, &ec2.DescribeVpcsRequest{MaxResults: kit.Ptr(int32(5)), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.Vpcs {
			seen[*v.VpcId] = true
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
		if pages > 5 {
			t.Fatal("too many pages")
		}
	}
	if len(seen) != 12 {
		t.Fatalf("saw %d vpcs, want 12", len(seen))
	}
}

func TestDeleteVpc(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := createVpc(t, s, "10.0.0.0/16")
	wantCode(t, s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: kit.Ptr("vpc-0123456789abcdef0")}), "InvalidVpcID.NotFound")
	wantCode(t, s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: vpc.VpcId}), "")
	wantCode(t, s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: vpc.VpcId}), "InvalidVpcID.NotFound")
	acls, _ := s.DescribeNetworkAcls(ctx, testCaller, &ec2.DescribeNetworkAclsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("vpc-id"), Values: []string{*vpc.VpcId}}}})
	if len(acls.NetworkAcls) != 0 {
		t.Fatal("default ACL left behind")
	}
}

func TestTags(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := createVpc(t, s, "10.0.0.0/16")
	tag := func(k, v string) ec2.Tag { return ec2.Tag{Key: kit.Ptr(k), Value: kit.Ptr(v)} }
	wantCode(t, s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{"vpc-0123456789abcdef0"}, Tags: []ec2.Tag{tag("a", "b")}}), "InvalidVpcID.NotFound")
	wantCode(t, s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{*vpc.VpcId}}), "MissingParameter")
	wantCode(t, s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{*vpc.VpcId}, Tags: []ec2.Tag{tag("aws:x", "b")}}), "InvalidParameterValue")
	wantCode(t, s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{*vpc.VpcId}, Tags: []ec2.Tag{tag("a", "1"), tag("b", "2"), tag("c", "3")}}), "")
	wantCode(t, s.DeleteTags(ctx, testCaller, &ec2.DeleteTagsRequest{Resources: []string{*vpc.VpcId}, Tags: []ec2.Tag{{Key: kit.Ptr("a"), Value: kit.Ptr("not-1")}, {Key: kit.Ptr("b")}}}), "")
	out, err := s.DescribeTags(ctx, testCaller, &ec2.DescribeTagsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("resource-id"), Values: []string{*vpc.VpcId}}}})
	if err != nil || len(out.Tags) != 2 || *out.Tags[0].Key != "a" || *out.Tags[1].Key != "c" || *out.Tags[0].ResourceType != "vpc" {
		t.Fatalf("tags: %v %+v", err, out)
	}
	many := make([]ec2.Tag, 0, 51)
	for i := 0; i < 51; i++ {
		many = append(many, tag(string(rune('A'+i%26))+string(rune('a'+i/26)), "v"))
	}
	wantCode(t, s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{*vpc.VpcId}, Tags: many}), "TagLimitExceeded")
}

func TestConcurrentTagWritesAreNotLost(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := createVpc(t, s, "10.0.0.0/16")
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			k := string(rune('a' + i))
			if err := s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{*vpc.VpcId}, Tags: []ec2.Tag{{Key: &k, Value: &k}}}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	out, _ := s.DescribeVpcs(ctx, testCaller, &ec2.DescribeVpcsRequest{VpcIds: []string{*vpc.VpcId}})
	if n := len(out.Vpcs[0].Tags); n != 20 {
		t.Fatalf("%d tags survived, want 20", n)
	}
}

// TestDeleteVpcRemovesFlowLogs: "flow logs for deleted VPCs are eventually automatically
// removed" (DeleteVpc); another VPC's stay.
func TestDeleteVpcRemovesFlowLogs(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	gone, kept := *createVpc(t, s, "10.0.0.0/16").VpcId, *createVpc(t, s, "10.1.0.0/16").VpcId
	out, err := s.CreateFlowLogs(ctx, testCaller, &ec2.CreateFlowLogsRequest{ResourceType: kit.Ptr("VPC"), ResourceIds: []string{gone, kept},
		TrafficType: kit.Ptr("ALL"), LogGroupName: kit.Ptr("/aws/vpc/flowlogs"), DeliverLogsPermissionArn: kit.Ptr(flowRole)})
	if err != nil || len(out.FlowLogIds) != 2 {
		t.Fatalf("CreateFlowLogs: %v %+v", err, out)
	}
	wantCode(t, s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: &gone}), "")
	logs, err := s.DescribeFlowLogs(ctx, testCaller, &ec2.DescribeFlowLogsRequest{})
	if err != nil || len(logs.FlowLogs) != 1 || *logs.FlowLogs[0].ResourceId != kept {
		t.Fatalf("flow logs after DeleteVpc: %v %+v", err, logs)
	}
}
