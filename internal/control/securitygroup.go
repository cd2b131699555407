package control

import (
	"context"
	"strconv"

	"vpcd/internal/ec2"
)

// newDefaultSecurityGroup is the group AWS creates with a VPC: named "default", allowing
// all traffic from members of itself and all traffic out.
func newDefaultSecurityGroup(c Caller, vpc *vpcRecord) *securityGroupRecord {
	id := newID("sg")
	sg := &securityGroupRecord{
		meta:        meta{ID: id, Owner: c.Account},
		VpcID:       vpc.ID,
		Name:        "default",
		Description: "default VPC security group",
		Rules: []sgRule{
			{ID: newID("sgr"), Protocol: "-1", FromPort: -1, ToPort: -1, GroupID: id, GroupOwner: c.Account},
			{ID: newID("sgr"), Egress: true, Protocol: "-1", FromPort: -1, ToPort: -1, Cidr: anyIPv4},
		},
	}
	if len(vpc.Ipv6Blocks) > 0 {
		sg.Rules = append(sg.Rules, sgRule{ID: newID("sgr"), Egress: true, Protocol: "-1", FromPort: -1, ToPort: -1, Cidr: anyIPv6})
	}
	return sg
}

var securityGroupFilters = map[string]func(g *securityGroupRecord) []string{
	"description":                         func(g *securityGroupRecord) []string { return []string{g.Description} },
	"group-id":                            func(g *securityGroupRecord) []string { return []string{g.ID} },
	"group-name":                          func(g *securityGroupRecord) []string { return []string{g.Name} },
	"owner-id":                            func(g *securityGroupRecord) []string { return []string{g.Owner} },
	"vpc-id":                              func(g *securityGroupRecord) []string { return []string{g.VpcID} },
	"egress.ip-permission.cidr":           sgRuleValues(true, func(r sgRule) string { return v4(r.Cidr) }),
	"egress.ip-permission.from-port":      sgRuleValues(true, func(r sgRule) string { return strconv.Itoa(int(r.FromPort)) }),
	"egress.ip-permission.group-id":       sgRuleValues(true, func(r sgRule) string { return r.GroupID }),
	"egress.ip-permission.ipv6-cidr":      sgRuleValues(true, func(r sgRule) string { return v6(r.Cidr) }),
	"egress.ip-permission.prefix-list-id": sgRuleValues(true, func(r sgRule) string { return r.PrefixListID }),
	"egress.ip-permission.protocol":       sgRuleValues(true, func(r sgRule) string { return r.Protocol }),
	"egress.ip-permission.to-port":        sgRuleValues(true, func(r sgRule) string { return strconv.Itoa(int(r.ToPort)) }),
	"egress.ip-permission.user-id":        sgRuleValues(true, func(r sgRule) string { return r.GroupOwner }),
	"ip-permission.cidr":                  sgRuleValues(false, func(r sgRule) string { return v4(r.Cidr) }),
	"ip-permission.from-port":             sgRuleValues(false, func(r sgRule) string { return strconv.Itoa(int(r.FromPort)) }),
	"ip-permission.group-id":              sgRuleValues(false, func(r sgRule) string { return r.GroupID }),
	"ip-permission.ipv6-cidr":             sgRuleValues(false, func(r sgRule) string { return v6(r.Cidr) }),
	"ip-permission.prefix-list-id":        sgRuleValues(false, func(r sgRule) string { return r.PrefixListID }),
	"ip-permission.protocol":              sgRuleValues(false, func(r sgRule) string { return r.Protocol }),
	"ip-permission.to-port":               sgRuleValues(false, func(r sgRule) string { return strconv.Itoa(int(r.ToPort)) }),
	"ip-permission.user-id":               sgRuleValues(false, func(r sgRule) string { return r.GroupOwner }),
}

func sgRuleValues(egress bool, f func(sgRule) string) func(*securityGroupRecord) []string {
	return func(g *securityGroupRecord) []string {
		var out []string
		for _, r := range g.Rules {
			if r.Egress == egress {
				out = append(out, f(r))
			}
		}
		return out
	}
}

// DescribeSecurityGroups lists the caller's security groups, by ID or by name.
func (s *Service) DescribeSecurityGroups(ctx context.Context, c Caller, in *ec2.DescribeSecurityGroupsRequest) (*ec2.DescribeSecurityGroupsResult, error) {
	filters := in.Filters
	if len(in.GroupNames) > 0 {
		filters = append(filters, ec2.Filter{Name: ptr("group-name"), Values: in.GroupNames})
	}
	groups, next, err := describe(ctx, s, c, describeQuery{Kind: "sg", IDs: in.GroupIds, Filters: filters, MaxResults: in.MaxResults, NextToken: in.NextToken}, securityGroupFilters)
	if err != nil {
		return nil, err
	}
	if len(in.GroupNames) > 0 {
		found := map[string]bool{}
		for _, g := range groups {
			found[g.Name] = true
		}
		for _, name := range in.GroupNames {
			if !found[name] {
				return nil, ec2.Errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC '%s'", name, "none")
			}
		}
	}
	out := &ec2.DescribeSecurityGroupsResult{NextToken: next, SecurityGroups: []ec2.SecurityGroup{}}
	for _, g := range groups {
		out.SecurityGroups = append(out.SecurityGroups, g.ec2(c.Region))
	}
	return out, nil
}

func (g *securityGroupRecord) ec2(region string) ec2.SecurityGroup {
	out := ec2.SecurityGroup{
		GroupId:          ptr(g.ID),
		GroupName:        ptr(g.Name),
		Description:      ptr(g.Description),
		OwnerId:          ptr(g.Owner),
		VpcId:            ptr(g.VpcID),
		Tags:             g.ec2Tags(),
		SecurityGroupArn: ptr("arn:aws:ec2:" + region + ":" + g.Owner + ":security-group/" + g.ID),
	}
	for _, r := range g.Rules {
		perm := r.ipPermission()
		if r.Egress {
			out.IpPermissionsEgress = append(out.IpPermissionsEgress, perm)
		} else {
			out.IpPermissions = append(out.IpPermissions, perm)
		}
	}
	return out
}

// ipPermission is the rule as one IpPermission of DescribeSecurityGroups. AWS merges rules
// of the same protocol and ports into one permission; one per rule is equivalent for
// every client and keeps rule IDs one-to-one.
func (r sgRule) ipPermission() ec2.IpPermission {
	p := ec2.IpPermission{IpProtocol: ptr(r.Protocol)}
	if r.Protocol != "-1" {
		p.FromPort, p.ToPort = ptr(r.FromPort), ptr(r.ToPort)
	}
	desc := func() *string {
		if r.Description == "" {
			return nil
		}
		return ptr(r.Description)
	}
	switch {
	case r.GroupID != "":
		p.UserIdGroupPairs = []ec2.UserIdGroupPair{{GroupId: ptr(r.GroupID), UserId: ptr(r.GroupOwner), Description: desc()}}
	case r.PrefixListID != "":
		p.PrefixListIds = []ec2.PrefixListId{{PrefixListId: ptr(r.PrefixListID), Description: desc()}}
	case r.Cidr.Addr().Is4():
		p.IpRanges = []ec2.IpRange{{CidrIp: ptr(r.Cidr.String()), Description: desc()}}
	default:
		p.Ipv6Ranges = []ec2.Ipv6Range{{CidrIpv6: ptr(r.Cidr.String()), Description: desc()}}
	}
	return p
}

var securityGroupRuleFilters = map[string]bool{"group-id": true, "security-group-rule-id": true}

// DescribeSecurityGroupRules lists rules by rule ID or by the group-id filter.
func (s *Service) DescribeSecurityGroupRules(ctx context.Context, c Caller, in *ec2.DescribeSecurityGroupRulesRequest) (*ec2.DescribeSecurityGroupRulesResult, error) {
	if err := checkMaxResults(in.MaxResults, 5, 1000); err != nil {
		return nil, err
	}
	match, err := compileFilters(in.Filters, func(name string) bool { return securityGroupRuleFilters[name] })
	if err != nil {
		return nil, err
	}
	wantIDs := map[string]bool{}
	for _, id := range in.SecurityGroupRuleIds {
		wantIDs[id] = true
	}
	var rules []ec2.SecurityGroupRule
	err = s.view(ctx, func(t *txn) error {
		groups, err := listAll[securityGroupRecord](t, c.prefix("sg"))
		if err != nil {
			return err
		}
		for _, g := range groups {
			for _, r := range g.Rules {
				if len(wantIDs) > 0 && !wantIDs[r.ID] {
					continue
				}
				vals := map[string][]string{"group-id": {g.ID}, "security-group-rule-id": {r.ID}}
				if !match(func(n string) []string { return vals[n] }, nil) {
					continue
				}
				rules = append(rules, r.ec2(g))
				delete(wantIDs, r.ID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for id := range wantIDs {
		return nil, ec2.Errorf("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '%s' does not exist", id)
	}
	page, next, err := paginate(rules, in.MaxResults, in.NextToken, func(r ec2.SecurityGroupRule) string { return *r.SecurityGroupRuleId })
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeSecurityGroupRulesResult{SecurityGroupRules: page, NextToken: next}, nil
}

func (r sgRule) ec2(g *securityGroupRecord) ec2.SecurityGroupRule {
	out := ec2.SecurityGroupRule{
		SecurityGroupRuleId: ptr(r.ID),
		GroupId:             ptr(g.ID),
		GroupOwnerId:        ptr(g.Owner),
		IsEgress:            ptr(r.Egress),
		IpProtocol:          ptr(r.Protocol),
		FromPort:            ptr(r.FromPort),
		ToPort:              ptr(r.ToPort),
		Tags:                []ec2.Tag{},
	}
	if r.Description != "" {
		out.Description = ptr(r.Description)
	}
	switch {
	case r.GroupID != "":
		out.ReferencedGroupInfo = &ec2.ReferencedSecurityGroup{GroupId: ptr(r.GroupID), UserId: ptr(r.GroupOwner)}
	case r.PrefixListID != "":
		out.PrefixListId = ptr(r.PrefixListID)
	case r.Cidr.Addr().Is4():
		out.CidrIpv4 = ptr(r.Cidr.String())
	default:
		out.CidrIpv6 = ptr(r.Cidr.String())
	}
	return out
}
