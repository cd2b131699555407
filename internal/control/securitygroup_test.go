package control

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func createGroup(t *testing.T, s *Service, vpcID, name string) string {
	t.Helper()
	out, err := s.CreateSecurityGroup(context.Background(), testCaller, &ec2.CreateSecurityGroupRequest{VpcId: kit.Ptr(vpcID), GroupName: kit.Ptr(name), Description: kit.Ptr("test group")})
	if err != nil {
		t.Fatal(err)
	}
	return *out.GroupId
}

func getGroup(t *testing.T, s *Service, id string) ec2.SecurityGroup {
	t.Helper()
	out, err := s.DescribeSecurityGroups(context.Background(), testCaller, &ec2.DescribeSecurityGroupsRequest{GroupIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	return out.SecurityGroups[0]
}

func groupRules(t *testing.T, s *Service, id string) []ec2.SecurityGroupRule {
	t.Helper()
	out, err := s.DescribeSecurityGroupRules(context.Background(), testCaller, &ec2.DescribeSecurityGroupRulesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("group-id"), Values: []string{id}}}})
	if err != nil {
		t.Fatal(err)
	}
	return out.SecurityGroupRules
}

func tcp(from, to int32, cidrs ...string) ec2.IpPermission {
	p := ec2.IpPermission{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(from), ToPort: kit.Ptr(to)}
	for _, c := range cidrs {
		p.IpRanges = append(p.IpRanges, ec2.IpRange{CidrIp: kit.Ptr(c)})
	}
	return p
}

func fromGroup(proto string, from, to int32, group string) ec2.IpPermission {
	return ec2.IpPermission{IpProtocol: kit.Ptr(proto), FromPort: kit.Ptr(from), ToPort: kit.Ptr(to), UserIdGroupPairs: []ec2.UserIdGroupPair{{GroupId: kit.Ptr(group)}}}
}

func ingress(s *Service, group string, perms ...ec2.IpPermission) (*ec2.AuthorizeSecurityGroupIngressResult, error) {
	return s.AuthorizeSecurityGroupIngress(context.Background(), testCaller, &ec2.AuthorizeSecurityGroupIngressRequest{GroupId: kit.Ptr(group), IpPermissions: perms})
}

func TestCreateSecurityGroupValidation(t *testing.T) {
	s := newTestService(t)
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	createGroup(t, s, vpc, "web")
	req := func(name, desc string) ec2.CreateSecurityGroupRequest {
		return ec2.CreateSecurityGroupRequest{VpcId: kit.Ptr(vpc), GroupName: kit.Ptr(name), Description: kit.Ptr(desc)}
	}
	withVpc := func(r ec2.CreateSecurityGroupRequest, id string) ec2.CreateSecurityGroupRequest {
		r.VpcId = kit.Ptr(id)
		return r
	}
	for _, tc := range []struct {
		name string
		in   ec2.CreateSecurityGroupRequest
		code string
	}{
		{"name required", ec2.CreateSecurityGroupRequest{VpcId: kit.Ptr(vpc), Description: kit.Ptr("d")}, "MissingParameter"},
		{"description required", ec2.CreateSecurityGroupRequest{VpcId: kit.Ptr(vpc), GroupName: kit.Ptr("n")}, "MissingParameter"},
		{"name may not start with sg-", req("sg-web", "d"), "InvalidParameterValue"},
		{"name of allowed characters only", req("web's", "d"), "InvalidParameterValue"},
		{"name beyond ascii", req("wéb", "d"), "InvalidParameterValue"},
		{"name up to 255 characters", req(strings.Repeat("n", 256), "d"), "InvalidParameterValue"},
		{"description of allowed characters only", req("n", "it's mine"), "InvalidParameterValue"},
		{"description up to 255 characters", req("n", strings.Repeat("d", 256)), "InvalidParameterValue"},
		{"name unique per vpc", req("web", "d"), "InvalidGroup.Duplicate"},
		{"default is the vpc's own group", req("default", "d"), "InvalidGroup.Duplicate"},
		{"unknown vpc", withVpc(req("n", "d"), "vpc-0123456789abcdef0"), "InvalidVpcID.NotFound"},
		{"malformed vpc", withVpc(req("n", "d"), "vpc-x"), "InvalidVpcID.Malformed"},
		{"no vpc and no default vpc", ec2.CreateSecurityGroupRequest{GroupName: kit.Ptr("n"), Description: kit.Ptr("d")}, "VPCIdNotSpecified"},
		{"tag spec for another type", ec2.CreateSecurityGroupRequest{VpcId: kit.Ptr(vpc), GroupName: kit.Ptr("n"), Description: kit.Ptr("d"), TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc")}}}, "InvalidParameterValue"},
		{"every allowed character", req("a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*", "a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"), ""},
		{"255 characters", req(strings.Repeat("n", 255), strings.Repeat("d", 255)), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateSecurityGroup(context.Background(), testCaller, &tc.in)
			wantCode(t, err, tc.code)
		})
	}
}

func TestCreateSecurityGroup(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	out, err := s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{VpcId: kit.Ptr(vpc), GroupName: kit.Ptr("web"), Description: kit.Ptr("web servers"),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("security-group"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("web")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if !kit.ValidID(*out.GroupId, "sg") || *out.SecurityGroupArn != "arn:aws:ec2:us-east-1:123456789012:security-group/"+*out.GroupId || len(out.Tags) != 1 {
		t.Fatalf("result = %+v", out)
	}
	g := getGroup(t, s, *out.GroupId)
	if len(g.IpPermissions) != 0 || len(g.IpPermissionsEgress) != 1 {
		t.Fatalf("a new group has one egress rule and no ingress: %+v", g)
	}
	e := g.IpPermissionsEgress[0]
	if *e.IpProtocol != "-1" || e.FromPort != nil || len(e.IpRanges) != 1 || *e.IpRanges[0].CidrIp != "0.0.0.0/0" || len(e.Ipv6Ranges) != 0 {
		t.Fatalf("egress = %+v", e)
	}
	// Without a VpcId the group goes to the default VPC.
	if err := s.EnsureDefaultVpc(ctx, testCaller); err != nil {
		t.Fatal(err)
	}
	out, err = s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{GroupName: kit.Ptr("web"), Description: kit.Ptr("d")})
	if err != nil {
		t.Fatal(err)
	}
	if g := getGroup(t, s, *out.GroupId); *g.VpcId == vpc {
		t.Fatal("group not in the default VPC")
	}
	// DeleteVpc refuses a VPC with a group of its own.
	wantCode(t, s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: kit.Ptr(vpc)}), "DependencyViolation")
}

func TestAuthorizeValidation(t *testing.T) {
	s := newTestService(t)
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	other := *createVpc(t, s, "10.1.0.0/16").VpcId
	g := createGroup(t, s, vpc, "a")
	peer := createGroup(t, s, vpc, "b")
	elsewhere := createGroup(t, s, other, "c")
	proto := func(p string, from, to int32) ec2.IpPermission {
		return ec2.IpPermission{IpProtocol: kit.Ptr(p), FromPort: kit.Ptr(from), ToPort: kit.Ptr(to), IpRanges: []ec2.IpRange{{CidrIp: kit.Ptr("10.9.0.0/16")}}}
	}
	for _, tc := range []struct {
		name string
		perm ec2.IpPermission
		code string
	}{
		{"protocol required", ec2.IpPermission{IpRanges: []ec2.IpRange{{CidrIp: kit.Ptr("1.2.3.4/32")}}}, "MissingParameter"},
		{"unknown protocol name", proto("tcpx", 1, 2), "InvalidParameterValue"},
		{"protocol number above 255", proto("256", -1, -1), "InvalidParameterValue"},
		{"tcp needs both ports", ec2.IpPermission{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(22)), IpRanges: []ec2.IpRange{{CidrIp: kit.Ptr("1.2.3.4/32")}}}, "InvalidParameterValue"},
		{"tcp port -1 is not a port", proto("tcp", -1, -1), "InvalidParameterValue"},
		{"tcp port above 65535", proto("tcp", 1, 65536), "InvalidParameterValue"},
		{"udp from above to", proto("udp", 100, 99), "InvalidParameterValue"},
		{"icmp type above 255", proto("icmp", 256, -1), "InvalidParameterValue"},
		{"icmp code below -1", proto("icmp", 8, -2), "InvalidParameterValue"},
		{"malformed cidr", tcp(22, 22, "10.0.0.0/33"), "InvalidParameterValue"},
		{"ipv6 cidr in IpRanges", tcp(22, 22, "2001:db8::/64"), "InvalidParameterValue"},
		{"ipv4 cidr in Ipv6Ranges", ec2.IpPermission{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(1)), ToPort: kit.Ptr(int32(1)), Ipv6Ranges: []ec2.Ipv6Range{{CidrIpv6: kit.Ptr("10.0.0.0/8")}}}, "InvalidParameterValue"},
		{"description of allowed characters only", ec2.IpPermission{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(1)), ToPort: kit.Ptr(int32(1)), IpRanges: []ec2.IpRange{{CidrIp: kit.Ptr("1.0.0.0/8"), Description: kit.Ptr("don't")}}}, "InvalidParameterValue"},
		{"description up to 255 characters", ec2.IpPermission{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(1)), ToPort: kit.Ptr(int32(1)), IpRanges: []ec2.IpRange{{CidrIp: kit.Ptr("1.0.0.0/8"), Description: kit.Ptr(strings.Repeat("x", 256))}}}, "InvalidParameterValue"},
		{"no source", ec2.IpPermission{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(1)), ToPort: kit.Ptr(int32(1))}, "MissingParameter"},
		{"unknown referenced group", fromGroup("tcp", 1, 1, "sg-0123456789abcdef0"), "InvalidGroup.NotFound"},
		{"malformed referenced group", fromGroup("tcp", 1, 1, "sg-zz"), "InvalidGroupId.Malformed"},
		{"referenced group in another vpc", fromGroup("tcp", 1, 1, elsewhere), "InvalidGroup.NotFound"},
		{"referenced group of another account", ec2.IpPermission{IpProtocol: kit.Ptr("-1"), UserIdGroupPairs: []ec2.UserIdGroupPair{{GroupId: kit.Ptr(peer), UserId: kit.Ptr("210987654321")}}}, "InvalidGroup.NotFound"},
		{"referenced group by name outside the default vpc", ec2.IpPermission{IpProtocol: kit.Ptr("-1"), UserIdGroupPairs: []ec2.UserIdGroupPair{{GroupName: kit.Ptr("b")}}}, "VPCIdNotSpecified"},
		{"malformed prefix list", ec2.IpPermission{IpProtocol: kit.Ptr("-1"), PrefixListIds: []ec2.PrefixListId{{PrefixListId: kit.Ptr("pl-x")}}}, "InvalidPrefixListId.Malformed"},
		{"tcp range", proto("tcp", 0, 65535), ""},
		{"icmp any type and code", proto("icmp", -1, -1), ""},
		{"icmpv6 echo", ec2.IpPermission{IpProtocol: kit.Ptr("icmpv6"), FromPort: kit.Ptr(int32(128)), ToPort: kit.Ptr(int32(-1)), Ipv6Ranges: []ec2.Ipv6Range{{CidrIpv6: kit.Ptr("::/0")}}}, ""},
		{"protocol by number", proto("50", 1, 2), ""},
		{"referenced group in the same vpc", fromGroup("tcp", 5432, 5432, peer), ""},
		{"the group itself", fromGroup("tcp", 5433, 5433, g), ""},
		{"unknown prefix list", ec2.IpPermission{IpProtocol: kit.Ptr("-1"), PrefixListIds: []ec2.PrefixListId{{PrefixListId: kit.Ptr("pl-0123456789abcdef0")}}}, "InvalidPrefixListID.NotFound"},
		{"prefix list", ec2.IpPermission{IpProtocol: kit.Ptr("-1"), PrefixListIds: []ec2.PrefixListId{{PrefixListId: kit.Ptr(kit.AwsManagedPrefixLists(testCaller.Region)[1].ID), Description: kit.Ptr("s3")}}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ingress(s, g, tc.perm)
			wantCode(t, err, tc.code)
		})
	}
}

func TestAuthorizeNormalises(t *testing.T) {
	s := newTestService(t)
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	g := createGroup(t, s, vpc, "a")
	for _, tc := range []struct {
		name             string
		perm             ec2.IpPermission
		proto, cidr      string
		fromPort, toPort int32
	}{
		{"protocol names are lower case", tcp(22, 22, "10.0.0.0/8"), "tcp", "10.0.0.0/8", 22, 22},
		{"upper case name", ec2.IpPermission{IpProtocol: kit.Ptr("UDP"), FromPort: kit.Ptr(int32(53)), ToPort: kit.Ptr(int32(53)), IpRanges: []ec2.IpRange{{CidrIp: kit.Ptr("10.0.0.0/8")}}}, "udp", "10.0.0.0/8", 53, 53},
		{"number of a named protocol is the name", ec2.IpPermission{IpProtocol: kit.Ptr("6"), FromPort: kit.Ptr(int32(80)), ToPort: kit.Ptr(int32(80)), IpRanges: []ec2.IpRange{{CidrIp: kit.Ptr("10.0.0.0/8")}}}, "tcp", "10.0.0.0/8", 80, 80},
		{"58 is icmpv6", ec2.IpPermission{IpProtocol: kit.Ptr("58"), FromPort: kit.Ptr(int32(-1)), ToPort: kit.Ptr(int32(-1)), Ipv6Ranges: []ec2.Ipv6Range{{CidrIpv6: kit.Ptr("2001:db8::1/64")}}}, "icmpv6", "2001:db8::/64", -1, -1},
		{"all is -1 and ports are ignored", ec2.IpPermission{IpProtocol: kit.Ptr("all"), FromPort: kit.Ptr(int32(1)), ToPort: kit.Ptr(int32(2)), IpRanges: []ec2.IpRange{{CidrIp: kit.Ptr("10.1.0.0/16")}}}, "-1", "10.1.0.0/16", -1, -1},
		{"host bits are cleared", tcp(443, 443, "10.2.3.4/16"), "tcp", "10.2.0.0/16", 443, 443},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ingress(s, g, tc.perm)
			if err != nil {
				t.Fatal(err)
			}
			r := out.SecurityGroupRules[0]
			cidr := kit.Deref(r.CidrIpv4) + kit.Deref(r.CidrIpv6)
			if *r.IpProtocol != tc.proto || cidr != tc.cidr || *r.FromPort != tc.fromPort || *r.ToPort != tc.toPort || !kit.ValidID(*r.SecurityGroupRuleId, "sgr") || *r.IsEgress {
				t.Fatalf("rule = %s %s %d %d %s", *r.IpProtocol, cidr, *r.FromPort, *r.ToPort, *r.SecurityGroupRuleId)
			}
		})
	}
}

func TestAuthorizeDuplicates(t *testing.T) {
	s := newTestService(t)
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	g := createGroup(t, s, vpc, "a")
	if _, err := ingress(s, g, tcp(22, 22, "0.0.0.0/0")); err != nil {
		t.Fatal(err)
	}
	_, err := ingress(s, g, tcp(22, 22, "0.0.0.0/0"))
	wantCode(t, err, "InvalidPermission.Duplicate")
	if want := `the specified rule "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW" already exists`; err.(*ec2.Error).Message != want {
		t.Fatalf("message = %q", err.(*ec2.Error).Message)
	}
	t.Run("a different description is the same rule", func(t *testing.T) {
		p := tcp(22, 22, "0.0.0.0/0")
		p.IpRanges[0].Description = kit.Ptr("ssh")
		_, err := ingress(s, g, p)
		wantCode(t, err, "InvalidPermission.Duplicate")
	})
	t.Run("the same rule twice in a request", func(t *testing.T) {
		_, err := ingress(s, g, tcp(80, 80, "10.0.0.0/8"), tcp(80, 80, "10.0.0.0/8"))
		wantCode(t, err, "InvalidParameterValue")
	})
	t.Run("all or nothing", func(t *testing.T) {
		_, err := ingress(s, g, tcp(443, 443, "0.0.0.0/0"), tcp(22, 22, "0.0.0.0/0"))
		wantCode(t, err, "InvalidPermission.Duplicate")
		if n := len(groupRules(t, s, g)); n != 2 {
			t.Fatalf("%d rules, want 2: the 443 rule must not be added", n)
		}
	})
	t.Run("all traffic duplicate", func(t *testing.T) {
		_, err := s.AuthorizeSecurityGroupEgress(context.Background(), testCaller, &ec2.AuthorizeSecurityGroupEgressRequest{GroupId: kit.Ptr(g), IpPermissions: []ec2.IpPermission{{IpProtocol: kit.Ptr("-1"), IpRanges: []ec2.IpRange{{CidrIp: kit.Ptr("0.0.0.0/0")}}}}})
		wantCode(t, err, "InvalidPermission.Duplicate")
		if want := `the specified rule "peer: 0.0.0.0/0, ALL, ALLOW" already exists`; err.(*ec2.Error).Message != want {
			t.Fatalf("message = %q", err.(*ec2.Error).Message)
		}
	})
}

func TestRuleQuota(t *testing.T) {
	s := newTestService(t)
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	g := createGroup(t, s, vpc, "a")
	peer := createGroup(t, s, vpc, "b")
	var v4, v6 []ec2.IpPermission
	for i := int32(0); i < 60; i++ {
		v4 = append(v4, tcp(1000+i, 1000+i, "10.0.0.0/8"))
		v6 = append(v6, ec2.IpPermission{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(1000 + i), ToPort: kit.Ptr(1000 + i), Ipv6Ranges: []ec2.Ipv6Range{{CidrIpv6: kit.Ptr("::/0")}}})
	}
	_, err := ingress(s, g, v4...)
	wantCode(t, err, "")
	t.Run("61st ipv4 inbound rule", func(t *testing.T) {
		_, err := ingress(s, g, tcp(1, 1, "10.0.0.0/8"))
		wantCode(t, err, "RulesPerSecurityGroupLimitExceeded")
	})
	t.Run("ipv6 rules are counted apart", func(t *testing.T) {
		_, err := ingress(s, g, v6...)
		wantCode(t, err, "")
	})
	t.Run("outbound rules are counted apart", func(t *testing.T) {
		_, err := s.AuthorizeSecurityGroupEgress(context.Background(), testCaller, &ec2.AuthorizeSecurityGroupEgressRequest{GroupId: kit.Ptr(g), IpPermissions: v4[:59]})
		wantCode(t, err, "")
	})
	t.Run("a group reference counts for ipv4 and ipv6", func(t *testing.T) {
		_, err := s.AuthorizeSecurityGroupEgress(context.Background(), testCaller, &ec2.AuthorizeSecurityGroupEgressRequest{GroupId: kit.Ptr(g), IpPermissions: []ec2.IpPermission{fromGroup("tcp", 1, 1, peer)}})
		wantCode(t, err, "RulesPerSecurityGroupLimitExceeded")
	})
}

func TestDeleteSecurityGroup(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := createVpc(t, s, "10.0.0.0/16")
	a := createGroup(t, s, *vpc.VpcId, "a")
	b := createGroup(t, s, *vpc.VpcId, "b")
	c := createGroup(t, s, *vpc.VpcId, "c")
	if _, err := ingress(s, a, fromGroup("tcp", 22, 22, b), fromGroup("tcp", 23, 23, a)); err != nil {
		t.Fatal(err)
	}
	defaults, _ := s.DescribeSecurityGroups(ctx, testCaller, &ec2.DescribeSecurityGroupsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("group-name"), Values: []string{"default"}}}})
	def := *defaults.SecurityGroups[0].GroupId
	// An interface in group c.
	err := s.Update(ctx, func(t *kit.Txn) error {
		return t.Put(testCaller.Key("eni-0123456789abcdef0"), &kit.NetworkInterfaceRecord{Meta: kit.Meta{ID: "eni-0123456789abcdef0"}, VpcID: *vpc.VpcId, Groups: []string{c}})
	})
	if err != nil {
		t.Fatal(err)
	}
	del := func(id string) error {
		_, err := s.DeleteSecurityGroup(ctx, testCaller, &ec2.DeleteSecurityGroupRequest{GroupId: kit.Ptr(id)})
		return err
	}
	for _, tc := range []struct {
		name, id, code string
	}{
		{"the default group cannot be deleted", def, "CannotDelete"},
		{"a group named by another group's rule", b, "DependencyViolation"},
		{"a group in use by an interface", c, "DependencyViolation"},
		{"unknown group", "sg-0123456789abcdef0", "InvalidGroup.NotFound"},
		{"malformed group", "sg-", "InvalidGroupId.Malformed"},
		{"a group that names itself", a, ""},
		{"once its referrer is gone", b, ""},
		{"already deleted", a, "InvalidGroup.NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, del(tc.id), tc.code)
		})
	}
	err = del(def)
	if want := `the specified group: "` + def + `" name: "default" cannot be deleted by a user`; err.(*ec2.Error).Message != want {
		t.Fatalf("message = %q", err.(*ec2.Error).Message)
	}
	t.Run("by name needs a default vpc", func(t *testing.T) {
		_, err := s.DeleteSecurityGroup(ctx, testCaller, &ec2.DeleteSecurityGroupRequest{GroupName: kit.Ptr("c")})
		wantCode(t, err, "VPCIdNotSpecified")
	})
	t.Run("by name in the default vpc", func(t *testing.T) {
		if err := s.EnsureDefaultVpc(ctx, testCaller); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{GroupName: kit.Ptr("x"), Description: kit.Ptr("d")}); err != nil {
			t.Fatal(err)
		}
		out, err := s.DeleteSecurityGroup(ctx, testCaller, &ec2.DeleteSecurityGroupRequest{GroupName: kit.Ptr("x")})
		if err != nil || !*out.Return || !kit.ValidID(*out.GroupId, "sg") {
			t.Fatalf("%v %+v", err, out)
		}
	})
}

func TestRevoke(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	g := createGroup(t, s, vpc, "a")
	out, err := ingress(s, g, tcp(22, 22, "10.0.0.0/8", "192.168.0.0/16"), tcp(80, 80, "0.0.0.0/0"))
	if err != nil {
		t.Fatal(err)
	}
	var egressID string
	for _, r := range groupRules(t, s, g) {
		if *r.IsEgress {
			egressID = *r.SecurityGroupRuleId
		}
	}
	revoke := func(in ec2.RevokeSecurityGroupIngressRequest) error {
		in.GroupId = kit.Ptr(g)
		_, err := s.RevokeSecurityGroupIngress(ctx, testCaller, &in)
		return err
	}
	for _, tc := range []struct {
		name string
		in   ec2.RevokeSecurityGroupIngressRequest
		code string
	}{
		{"nothing to revoke", ec2.RevokeSecurityGroupIngressRequest{}, "MissingParameter"},
		{"a rule that does not exist", ec2.RevokeSecurityGroupIngressRequest{IpPermissions: []ec2.IpPermission{tcp(23, 23, "10.0.0.0/8")}}, "InvalidPermission.NotFound"},
		{"all or nothing", ec2.RevokeSecurityGroupIngressRequest{IpPermissions: []ec2.IpPermission{tcp(22, 22, "10.0.0.0/8"), tcp(23, 23, "10.0.0.0/8")}}, "InvalidPermission.NotFound"},
		{"an unknown rule id", ec2.RevokeSecurityGroupIngressRequest{SecurityGroupRuleIds: []string{"sgr-0123456789abcdef0"}}, "InvalidSecurityGroupRuleId.NotFound"},
		{"a malformed rule id", ec2.RevokeSecurityGroupIngressRequest{SecurityGroupRuleIds: []string{"sgr-x"}}, "InvalidSecurityGroupRuleId.Malformed"},
		{"an egress rule id on ingress", ec2.RevokeSecurityGroupIngressRequest{SecurityGroupRuleIds: []string{egressID}}, "InvalidSecurityGroupRuleId.NotFound"},
		{"by permission, matching one source of several", ec2.RevokeSecurityGroupIngressRequest{IpPermissions: []ec2.IpPermission{tcp(22, 22, "10.0.0.0/8")}}, ""},
		{"by rule id", ec2.RevokeSecurityGroupIngressRequest{SecurityGroupRuleIds: []string{*out.SecurityGroupRules[2].SecurityGroupRuleId}}, ""},
		{"legacy parameters", ec2.RevokeSecurityGroupIngressRequest{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(22)), ToPort: kit.Ptr(int32(22)), CidrIp: kit.Ptr("192.168.0.0/16")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := revoke(tc.in)
			wantCode(t, err, tc.code)
		})
	}
	if n := len(groupRules(t, s, g)); n != 1 {
		t.Fatalf("%d rules left, want the egress rule", n)
	}
	t.Run("egress by permission", func(t *testing.T) {
		res, err := s.RevokeSecurityGroupEgress(ctx, testCaller, &ec2.RevokeSecurityGroupEgressRequest{GroupId: kit.Ptr(g), IpPermissions: []ec2.IpPermission{{IpProtocol: kit.Ptr("-1"), IpRanges: []ec2.IpRange{{CidrIp: kit.Ptr("0.0.0.0/0")}}}}})
		if err != nil || len(res.RevokedSecurityGroupRules) != 1 || !*res.RevokedSecurityGroupRules[0].IsEgress {
			t.Fatalf("%v %+v", err, res)
		}
	})
}

func TestModifySecurityGroupRules(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	g := createGroup(t, s, vpc, "a")
	peer := createGroup(t, s, vpc, "b")
	out, err := ingress(s, g, tcp(22, 22, "10.0.0.0/8"), tcp(80, 80, "10.0.0.0/8"))
	if err != nil {
		t.Fatal(err)
	}
	ssh, web := *out.SecurityGroupRules[0].SecurityGroupRuleId, *out.SecurityGroupRules[1].SecurityGroupRuleId
	modify := func(id string, r ec2.SecurityGroupRuleRequest) error {
		_, err := s.ModifySecurityGroupRules(ctx, testCaller, &ec2.ModifySecurityGroupRulesRequest{GroupId: kit.Ptr(g), SecurityGroupRules: []ec2.SecurityGroupRuleUpdate{{SecurityGroupRuleId: kit.Ptr(id), SecurityGroupRule: &r}}})
		return err
	}
	tcpRule := func(from, to int32) ec2.SecurityGroupRuleRequest {
		return ec2.SecurityGroupRuleRequest{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(from), ToPort: kit.Ptr(to), CidrIpv4: kit.Ptr("10.0.0.0/8")}
	}
	for _, tc := range []struct {
		name string
		id   string
		rule ec2.SecurityGroupRuleRequest
		code string
	}{
		{"unknown rule", "sgr-0123456789abcdef0", tcpRule(1, 1), "InvalidSecurityGroupRuleId.NotFound"},
		{"a source is required", ssh, ec2.SecurityGroupRuleRequest{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(1)), ToPort: kit.Ptr(int32(1))}, "MissingParameter"},
		{"one source only", ssh, ec2.SecurityGroupRuleRequest{IpProtocol: kit.Ptr("-1"), CidrIpv4: kit.Ptr("1.0.0.0/8"), CidrIpv6: kit.Ptr("::/0")}, "InvalidParameterCombination"},
		{"same validation as authorize", ssh, tcpRule(10, 1), "InvalidParameterValue"},
		{"into a duplicate of another rule", ssh, tcpRule(80, 80), "InvalidPermission.Duplicate"},
		{"new port range", ssh, tcpRule(2222, 2222), ""},
		{"to a group reference", web, ec2.SecurityGroupRuleRequest{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(80)), ToPort: kit.Ptr(int32(80)), ReferencedGroupId: kit.Ptr(peer), Description: kit.Ptr("from b")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, modify(tc.id, tc.rule), tc.code)
		})
	}
	rules := map[string]ec2.SecurityGroupRule{}
	for _, r := range groupRules(t, s, g) {
		rules[*r.SecurityGroupRuleId] = r
	}
	if r := rules[ssh]; *r.FromPort != 2222 {
		t.Fatalf("ssh rule kept its id but not its new port: %+v", r)
	}
	if r := rules[web]; r.ReferencedGroupInfo == nil || *r.ReferencedGroupInfo.GroupId != peer || *r.Description != "from b" {
		t.Fatalf("web rule = %+v", r)
	}
}

func TestUpdateRuleDescriptions(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	g := createGroup(t, s, vpc, "a")
	out, err := ingress(s, g, tcp(22, 22, "10.0.0.0/8"))
	if err != nil {
		t.Fatal(err)
	}
	id := *out.SecurityGroupRules[0].SecurityGroupRuleId
	described := tcp(22, 22, "10.0.0.0/8")
	described.IpRanges[0].Description = kit.Ptr("ssh from corp")
	for _, tc := range []struct {
		name string
		in   ec2.UpdateSecurityGroupRuleDescriptionsIngressRequest
		code string
	}{
		{"a permission that matches no rule", ec2.UpdateSecurityGroupRuleDescriptionsIngressRequest{IpPermissions: []ec2.IpPermission{tcp(23, 23, "10.0.0.0/8")}}, "InvalidPermission.NotFound"},
		{"an unknown rule id", ec2.UpdateSecurityGroupRuleDescriptionsIngressRequest{SecurityGroupRuleDescriptions: []ec2.SecurityGroupRuleDescription{{SecurityGroupRuleId: kit.Ptr("sgr-0123456789abcdef0"), Description: kit.Ptr("x")}}}, "InvalidSecurityGroupRuleId.NotFound"},
		{"a description of allowed characters", ec2.UpdateSecurityGroupRuleDescriptionsIngressRequest{SecurityGroupRuleDescriptions: []ec2.SecurityGroupRuleDescription{{SecurityGroupRuleId: kit.Ptr(id), Description: kit.Ptr("é")}}}, "InvalidParameterValue"},
		{"by rule id", ec2.UpdateSecurityGroupRuleDescriptionsIngressRequest{SecurityGroupRuleDescriptions: []ec2.SecurityGroupRuleDescription{{SecurityGroupRuleId: kit.Ptr(id), Description: kit.Ptr("ssh")}}}, ""},
		{"by permission", ec2.UpdateSecurityGroupRuleDescriptionsIngressRequest{IpPermissions: []ec2.IpPermission{described}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.GroupId = kit.Ptr(g)
			_, err := s.UpdateSecurityGroupRuleDescriptionsIngress(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
		})
	}
	if d := *getGroup(t, s, g).IpPermissions[0].IpRanges[0].Description; d != "ssh from corp" {
		t.Fatalf("description = %q", d)
	}
}

func TestDescribeSecurityGroupsGroupsRulesByProtocolAndPorts(t *testing.T) {
	s := newTestService(t)
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	g := createGroup(t, s, vpc, "a")
	peer := createGroup(t, s, vpc, "b")
	v6 := ec2.IpPermission{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(443)), ToPort: kit.Ptr(int32(443)), Ipv6Ranges: []ec2.Ipv6Range{{CidrIpv6: kit.Ptr("::/0")}}}
	if _, err := ingress(s, g, tcp(443, 443, "10.0.0.0/8", "192.168.0.0/16"), tcp(22, 22, "10.0.0.0/8")); err != nil {
		t.Fatal(err)
	}
	if _, err := ingress(s, g, v6, fromGroup("tcp", 443, 443, peer)); err != nil {
		t.Fatal(err)
	}
	perms := getGroup(t, s, g).IpPermissions
	if len(perms) != 2 {
		t.Fatalf("%d permissions, want one per protocol and port range: %+v", len(perms), perms)
	}
	https := perms[0]
	if *https.FromPort != 443 || len(https.IpRanges) != 2 || len(https.Ipv6Ranges) != 1 || len(https.UserIdGroupPairs) != 1 || *https.UserIdGroupPairs[0].GroupId != peer {
		t.Fatalf("443 permission = %+v", https)
	}
	if *perms[1].FromPort != 22 || len(perms[1].IpRanges) != 1 {
		t.Fatalf("22 permission = %+v", perms[1])
	}
	if n := len(groupRules(t, s, g)); n != 6 {
		t.Fatalf("DescribeSecurityGroupRules lists %d rules, want one per rule (5 ingress, 1 egress)", n)
	}
}

func TestDescribeSecurityGroupRulesFilters(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	g := createGroup(t, s, vpc, "a")
	out, err := s.AuthorizeSecurityGroupIngress(ctx, testCaller, &ec2.AuthorizeSecurityGroupIngressRequest{GroupId: kit.Ptr(g), IpPermissions: []ec2.IpPermission{tcp(22, 22, "10.0.0.0/8")},
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("security-group-rule"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("ssh")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := *out.SecurityGroupRules[0].SecurityGroupRuleId
	if len(out.SecurityGroupRules[0].Tags) != 1 {
		t.Fatalf("created rule has no tags: %+v", out.SecurityGroupRules[0])
	}
	for _, tc := range []struct {
		name    string
		in      ec2.DescribeSecurityGroupRulesRequest
		want    int
		code    string
		wantTag bool
	}{
		{"tag filter", ec2.DescribeSecurityGroupRulesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("tag:Name"), Values: []string{"ssh"}}}}, 1, "", true},
		{"tag-key filter", ec2.DescribeSecurityGroupRulesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("tag-key"), Values: []string{"Name"}}}}, 1, "", true},
		{"rule id filter", ec2.DescribeSecurityGroupRulesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("security-group-rule-id"), Values: []string{id}}}}, 1, "", true},
		{"group id filter", ec2.DescribeSecurityGroupRulesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("group-id"), Values: []string{g}}}}, 2, "", false},
		{"by id", ec2.DescribeSecurityGroupRulesRequest{SecurityGroupRuleIds: []string{id}}, 1, "", true},
		{"unknown id", ec2.DescribeSecurityGroupRulesRequest{SecurityGroupRuleIds: []string{"sgr-0123456789abcdef0"}}, 0, "InvalidSecurityGroupRuleId.NotFound", false},
		{"unknown filter", ec2.DescribeSecurityGroupRulesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("colour"), Values: []string{"x"}}}}, 0, "InvalidParameterValue", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeSecurityGroupRules(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
			if err != nil {
				return
			}
			if len(out.SecurityGroupRules) != tc.want {
				t.Fatalf("%d rules, want %d", len(out.SecurityGroupRules), tc.want)
			}
			if tc.wantTag && len(out.SecurityGroupRules[0].Tags) != 1 {
				t.Fatalf("rule tags = %+v", out.SecurityGroupRules[0].Tags)
			}
		})
	}
}

func TestAuthorizeLegacyParameters(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	if err := s.EnsureDefaultVpc(ctx, testCaller); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"web", "lb"} {
		if _, err := s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{GroupName: kit.Ptr(name), Description: kit.Ptr("d")}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		in   ec2.AuthorizeSecurityGroupIngressRequest
		want int
		code string
	}{
		{"cidr with protocol and ports, group by name", ec2.AuthorizeSecurityGroupIngressRequest{GroupName: kit.Ptr("web"), IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(22)), ToPort: kit.Ptr(int32(22)), CidrIp: kit.Ptr("203.0.113.0/24")}, 1, ""},
		{"a source group alone grants icmp, tcp and udp", ec2.AuthorizeSecurityGroupIngressRequest{GroupName: kit.Ptr("web"), SourceSecurityGroupName: kit.Ptr("lb")}, 3, ""},
		{"a source group and a cidr", ec2.AuthorizeSecurityGroupIngressRequest{GroupName: kit.Ptr("web"), SourceSecurityGroupName: kit.Ptr("lb"), CidrIp: kit.Ptr("10.0.0.0/8")}, 0, "InvalidParameterCombination"},
		{"an unknown group name", ec2.AuthorizeSecurityGroupIngressRequest{GroupName: kit.Ptr("nope"), IpProtocol: kit.Ptr("-1"), CidrIp: kit.Ptr("10.0.0.0/8")}, 0, "InvalidGroup.NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.AuthorizeSecurityGroupIngress(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
			if err == nil && len(out.SecurityGroupRules) != tc.want {
				t.Fatalf("%d rules, want %d", len(out.SecurityGroupRules), tc.want)
			}
		})
	}
	out, err := s.DescribeSecurityGroups(ctx, testCaller, &ec2.DescribeSecurityGroupsRequest{GroupNames: []string{"web"}})
	if err != nil || len(out.SecurityGroups) != 1 || len(out.SecurityGroups[0].IpPermissions) != 4 {
		t.Fatalf("%v %+v", err, out)
	}
}

func TestConcurrentCreateOfOneNameMakesOneGroup(t *testing.T) {
	s := newTestService(t)
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	var wg sync.WaitGroup
	var ok atomic.Int32
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.CreateSecurityGroup(context.Background(), testCaller, &ec2.CreateSecurityGroupRequest{VpcId: kit.Ptr(vpc), GroupName: kit.Ptr("web"), Description: kit.Ptr("d")})
			if err == nil {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := ok.Load(); n != 1 {
		t.Fatalf("%d creations succeeded, want 1", n)
	}
}
