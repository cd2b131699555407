package control

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"vpcd/internal/ec2"
)

// sgTextChars are the characters AWS allows in the names and descriptions of VPC security
// groups and in rule descriptions, as its error messages list them.
const sgTextChars = "a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"

// validSGText reports whether s is at most 255 characters of sgTextChars.
func validSGText(s string) bool {
	if len(s) > 255 {
		return false
	}
	for _, r := range s {
		ok := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune(". _-:/()#,@[]+=&;{}!$*", r)
		if !ok {
			return false
		}
	}
	return true
}

func checkGroupName(name string) error {
	switch {
	case strings.HasPrefix(name, "sg-"):
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter GroupName is invalid. Group names may not be in the format sg-*.", name)
	case !validSGText(name):
		return ec2.ErrInvalidParameterValue("Invalid security group name. Valid names are strings less than 256 characters from the following set:  %s", sgTextChars)
	}
	return nil
}

func checkGroupDescription(desc string) error {
	if !validSGText(desc) {
		return ec2.ErrInvalidParameterValue("Invalid security group description. Valid descriptions are strings less than 256 characters from the following set:  %s", sgTextChars)
	}
	return nil
}

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

// CreateSecurityGroup creates a group in a VPC (the default VPC when none is named) with
// one rule: all IPv4 traffic out.
func (s *Service) CreateSecurityGroup(ctx context.Context, c Caller, in *ec2.CreateSecurityGroupRequest) (*ec2.CreateSecurityGroupResult, error) {
	name, desc := deref(in.GroupName), deref(in.Description)
	if name == "" {
		return nil, ec2.ErrMissingParameter("GroupName")
	}
	if desc == "" {
		return nil, ec2.ErrMissingParameter("GroupDescription")
	}
	if err := checkGroupName(name); err != nil {
		return nil, err
	}
	if err := checkGroupDescription(desc); err != nil {
		return nil, err
	}
	tags, err := tagsOnCreate(in.TagSpecifications, "security-group")
	if err != nil {
		return nil, err
	}
	// The region's quota counts the cached groups, kept current from the store's watch.
	sgs, err := loadKind[securityGroupRecord](ctx, s, c.prefix("sg"), securityGroupFilters)
	if err != nil {
		return nil, err
	}
	var g *securityGroupRecord
	// Creations in one VPC queue: they all bump its children key.
	err = s.updateOn(ctx, deref(in.VpcId), func(t *txn) error {
		vpcID := deref(in.VpcId)
		if vpcID == "" {
			d, err := findDefaultVpc(t, c)
			if err != nil {
				return err
			}
			if d == nil {
				return ec2.ErrVPCIdNotSpecified("No default VPC for this user")
			}
			vpcID = d.ID
		}
		// The quota is over the region, so a key guarding it would make every
		// creation in the region conflict. It is checked against the cache, without
		// a compare: concurrent creations in different VPCs may pass it together, by
		// as many groups as there are writers at once (a guess at AWS, whose quotas
		// are not transactional either).
		limit, err := s.quotaLimit(t, c, quotaSecurityGroups)
		if err != nil {
			return err
		}
		if sgs.len()+countNew(t, c.prefix("sg")) >= limit {
			return ec2.ErrSecurityGroupLimitExceeded("The maximum number of security groups has been reached.")
		}
		// The children key (children.go) orders this creation with DeleteVpc and
		// with the other creations in the VPC; the name key makes the duplicate check
		// one read. Two creations of one name conflict on the name key, as both
		// compare it absent.
		vpc, ch, err := childOf(t, c, vpcID)
		if err != nil {
			return err
		}
		if err := indexGroupNames(t, c, vpc.ID, ch); err != nil {
			return err
		}
		var holder string
		has, err := t.get(groupNameKey(c, vpc.ID, name), &holder)
		if err != nil {
			return err
		}
		if has {
			return ec2.ErrInvalidGroupDuplicate("The security group '%s' already exists for VPC '%s'", name, vpc.ID)
		}
		g = &securityGroupRecord{
			meta:        meta{ID: newID("sg"), Owner: c.Account, Tags: tags},
			VpcID:       vpc.ID,
			Name:        name,
			Description: desc,
			Rules:       []sgRule{{ID: newID("sgr"), Egress: true, Protocol: "-1", FromPort: -1, ToPort: -1, Cidr: anyIPv4}},
		}
		if err := t.put(groupNameKey(c, vpc.ID, name), g.ID); err != nil {
			return err
		}
		return t.put(c.key(g.ID), g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateSecurityGroupResult{GroupId: ptr(g.ID), SecurityGroupArn: ptr(g.arn(c.Region)), Tags: g.ec2Tags()}, nil
}

func (g *securityGroupRecord) arn(region string) string {
	return arn(region, g.Owner, g.ID)
}

// DeleteSecurityGroup deletes a group that is neither its VPC's default group, nor named
// by a rule of another group, nor in use.
func (s *Service) DeleteSecurityGroup(ctx context.Context, c Caller, in *ec2.DeleteSecurityGroupRequest) (*ec2.DeleteSecurityGroupResult, error) {
	if deref(in.GroupId) == "" && deref(in.GroupName) == "" {
		return nil, ec2.ErrMissingParameter("GroupId")
	}
	var id string
	err := s.updateOn(ctx, s.parentVpc(ctx, c, deref(in.GroupId)), func(t *txn) error {
		g, err := targetGroup(t, c, in.GroupId, in.GroupName)
		if err != nil {
			return err
		}
		id = g.ID
		// A group's ID names it in the rules of others, and whoever adds such a rule
		// reads this group by key (so the delete below conflicts with it): the list of
		// groups below needs no compare.
		vpc, ch, err := childOf(t, c, g.VpcID)
		if err != nil {
			return err
		}
		if g.ID == vpc.DefaultGroup {
			return ec2.ErrCannotDelete("the specified group: \"%s\" name: \"%s\" cannot be deleted by a user", g.ID, g.Name)
		}
		groups, err := listAll[securityGroupRecord](t, c.prefix("sg"))
		if err != nil {
			return err
		}
		for _, o := range groups {
			if o.ID != g.ID && slices.ContainsFunc(o.Rules, func(r sgRule) bool { return r.GroupID == g.ID }) {
				return errGroupDependency(g.ID)
			}
		}
		inUse, err := groupInUse(t, c, g.ID)
		if err != nil {
			return err
		}
		if inUse {
			return errGroupDependency(g.ID)
		}
		if ch.GroupNames {
			t.del(groupNameKey(c, vpc.ID, g.Name))
		}
		t.del(c.key(g.ID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteSecurityGroupResult{Return: ptr(true), GroupId: ptr(id)}, nil
}

func errGroupDependency(id string) error {
	return ec2.ErrDependencyViolation("resource %s has a dependent object", id)
}

// groupInUse reports whether anything that carries security groups is in the group. It
// is the hook for every such resource; today network interfaces (kind "eni", their
// "groups" member) are the only one. An interface that joins a group rewrites the group,
// so a concurrent deletion conflicts.
func groupInUse(t *txn, c Caller, groupID string) (bool, error) {
	found := false
	err := t.list(c.prefix("eni"), func(key string, raw []byte) error {
		var r struct {
			Groups []string `json:"groups"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		found = found || slices.Contains(r.Groups, groupID)
		return nil
	})
	return found, err
}

// targetGroup is the group an action names by ID or, in the default VPC, by name.
func targetGroup(t *txn, c Caller, id, name *string) (*securityGroupRecord, error) {
	if deref(id) != "" {
		return get[securityGroupRecord](t, c, "sg", *id)
	}
	if deref(name) == "" {
		return nil, ec2.ErrMissingParameter("GroupId")
	}
	return groupByName(t, c, *name)
}

// groupByName finds a group of the default VPC by name: AWS resolves names only there.
func groupByName(t *txn, c Caller, name string) (*securityGroupRecord, error) {
	vpc, err := findDefaultVpc(t, c)
	if err != nil {
		return nil, err
	}
	if vpc == nil {
		return nil, ec2.ErrVPCIdNotSpecified("No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
	}
	groups, err := listAll[securityGroupRecord](t, c.prefix("sg"))
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if g.VpcID == vpc.ID && g.Name == name {
			return g, nil
		}
	}
	return nil, ec2.ErrInvalidGroupNotFound("The security group '%s' does not exist in default VPC '%s'", name, vpc.ID)
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

// DescribeSecurityGroups lists the caller's security groups, by ID or, in the default
// VPC, by name.
func (s *Service) DescribeSecurityGroups(ctx context.Context, c Caller, in *ec2.DescribeSecurityGroupsRequest) (*ec2.DescribeSecurityGroupsResult, error) {
	filters := in.Filters
	defaultVpc := ""
	if len(in.GroupNames) > 0 {
		err := s.view(ctx, func(t *txn) error {
			vpc, err := findDefaultVpc(t, c)
			if err != nil {
				return err
			}
			if vpc == nil {
				return ec2.ErrVPCIdNotSpecified("No default VPC for this user")
			}
			defaultVpc = vpc.ID
			return nil
		})
		if err != nil {
			return nil, err
		}
		filters = append(slices.Clip(filters),
			ec2.Filter{Name: ptr("group-name"), Values: in.GroupNames},
			ec2.Filter{Name: ptr("vpc-id"), Values: []string{defaultVpc}})
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
				return nil, ec2.ErrInvalidGroupNotFound("The security group '%s' does not exist in default VPC '%s'", name, defaultVpc)
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
	return ec2.SecurityGroup{
		GroupId:             ptr(g.ID),
		GroupName:           ptr(g.Name),
		Description:         ptr(g.Description),
		OwnerId:             ptr(g.Owner),
		VpcId:               ptr(g.VpcID),
		Tags:                g.ec2Tags(),
		SecurityGroupArn:    ptr(g.arn(region)),
		IpPermissions:       ipPermissions(g.Rules, false),
		IpPermissionsEgress: ipPermissions(g.Rules, true),
	}
}

// ipPermissions are the rules of one direction as DescribeSecurityGroups shows them: as
// AWS does, the rules of one protocol and port range make one IpPermission that lists
// every source (clients such as Terraform compare these sets). Permissions come in the
// order of their first rule.
func ipPermissions(rules []sgRule, egress bool) []ec2.IpPermission {
	var out []ec2.IpPermission
	index := map[[3]string]int{}
	for _, r := range rules {
		if r.Egress != egress {
			continue
		}
		k := [3]string{r.Protocol, strconv.Itoa(int(r.FromPort)), strconv.Itoa(int(r.ToPort))}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			p := ec2.IpPermission{IpProtocol: ptr(r.Protocol)}
			if r.Protocol != "-1" {
				p.FromPort, p.ToPort = ptr(r.FromPort), ptr(r.ToPort)
			}
			out = append(out, p)
		}
		r.addSource(&out[i])
	}
	return out
}

// addSource adds the rule's source, with its description, to a permission.
func (r sgRule) addSource(p *ec2.IpPermission) {
	var desc *string
	if r.Description != "" {
		desc = ptr(r.Description)
	}
	switch {
	case r.GroupID != "":
		p.UserIdGroupPairs = append(p.UserIdGroupPairs, ec2.UserIdGroupPair{GroupId: ptr(r.GroupID), UserId: ptr(r.GroupOwner), Description: desc})
	case r.PrefixListID != "":
		p.PrefixListIds = append(p.PrefixListIds, ec2.PrefixListId{PrefixListId: ptr(r.PrefixListID), Description: desc})
	case r.Cidr.Addr().Is4():
		p.IpRanges = append(p.IpRanges, ec2.IpRange{CidrIp: ptr(r.Cidr.String()), Description: desc})
	default:
		p.Ipv6Ranges = append(p.Ipv6Ranges, ec2.Ipv6Range{CidrIpv6: ptr(r.Cidr.String()), Description: desc})
	}
}

// indexGroupNames writes the name key of every group of a VPC stored before name keys
// existed, once: the listing needs no compare, as the caller bumped the VPC's children key,
// which every creation and deletion of a group in the VPC bumps.
func indexGroupNames(t *txn, c Caller, vpcID string, ch *vpcChildren) error {
	if ch.GroupNames {
		return nil
	}
	groups, err := listAll[securityGroupRecord](t, c.prefix("sg"))
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g.VpcID == vpcID {
			if err := t.put(groupNameKey(c, vpcID, g.Name), g.ID); err != nil {
				return err
			}
		}
	}
	ch.GroupNames = true
	return t.put(childrenKey(c, vpcID), ch)
}
