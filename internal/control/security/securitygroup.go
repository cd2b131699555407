package security

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"vpcd/internal/control/kit"
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

// CreateSecurityGroup creates a group in a VPC (the default VPC when none is named) with
// one rule: all IPv4 traffic out.
func (s *Security) CreateSecurityGroup(ctx context.Context, c kit.Caller, in *ec2.CreateSecurityGroupRequest) (*ec2.CreateSecurityGroupResult, error) {
	name, desc := kit.Deref(in.GroupName), kit.Deref(in.Description)
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
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "security-group")
	if err != nil {
		return nil, err
	}
	// The region's quota counts the cached groups, kept current from the store's watch.
	sgs, err := kit.LoadKind[kit.SecurityGroupRecord](ctx, s.Kit, c.Prefix("sg"), securityGroupFilters)
	if err != nil {
		return nil, err
	}
	var g *kit.SecurityGroupRecord
	// Creations in one VPC queue: they all bump its children key.
	err = s.UpdateOn(ctx, kit.Deref(in.VpcId), func(t *kit.Txn) error {
		vpcID := kit.Deref(in.VpcId)
		if vpcID == "" {
			d, err := kit.FindDefaultVpc(t, c)
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
		limit, err := s.QuotaLimit(t, c, kit.QuotaSecurityGroups)
		if err != nil {
			return err
		}
		if sgs.Len()+kit.CountNew(t, c.Prefix("sg")) >= limit {
			return ec2.ErrSecurityGroupLimitExceeded("The maximum number of security groups has been reached.")
		}
		// The children key (children.go) orders this creation with DeleteVpc and
		// with the other creations in the VPC; the name key makes the duplicate check
		// one read. Two creations of one name conflict on the name key, as both
		// compare it absent.
		vpc, ch, err := kit.ChildOf(t, c, vpcID)
		if err != nil {
			return err
		}
		if err := indexGroupNames(t, c, vpc.ID, ch); err != nil {
			return err
		}
		var holder string
		has, err := t.Get(kit.GroupNameKey(c, vpc.ID, name), &holder)
		if err != nil {
			return err
		}
		if has {
			return ec2.ErrInvalidGroupDuplicate("The security group '%s' already exists for VPC '%s'", name, vpc.ID)
		}
		g = &kit.SecurityGroupRecord{
			Meta:        kit.Meta{ID: kit.NewID("sg"), Owner: c.Account, Tags: tags},
			VpcID:       vpc.ID,
			Name:        name,
			Description: desc,
			Rules:       []kit.SgRule{{ID: kit.NewID("sgr"), Egress: true, Protocol: "-1", FromPort: -1, ToPort: -1, Cidr: kit.AnyIPv4}},
		}
		if err := t.Put(kit.GroupNameKey(c, vpc.ID, name), g.ID); err != nil {
			return err
		}
		return t.Put(c.Key(g.ID), g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateSecurityGroupResult{GroupId: kit.Ptr(g.ID), SecurityGroupArn: kit.Ptr(g.ARN(c.Region)), Tags: g.EC2Tags()}, nil
}

// DeleteSecurityGroup deletes a group that is neither its VPC's default group, nor named
// by a rule of another group, nor in use.
func (s *Security) DeleteSecurityGroup(ctx context.Context, c kit.Caller, in *ec2.DeleteSecurityGroupRequest) (*ec2.DeleteSecurityGroupResult, error) {
	if kit.Deref(in.GroupId) == "" && kit.Deref(in.GroupName) == "" {
		return nil, ec2.ErrMissingParameter("GroupId")
	}
	var id string
	err := s.UpdateOn(ctx, s.ParentVpc(ctx, c, kit.Deref(in.GroupId)), func(t *kit.Txn) error {
		g, err := targetGroup(t, c, in.GroupId, in.GroupName)
		if err != nil {
			return err
		}
		id = g.ID
		// A group's ID names it in the rules of others, and whoever adds such a rule
		// reads this group by key (so the delete below conflicts with it): the list of
		// groups below needs no compare.
		vpc, ch, err := kit.ChildOf(t, c, g.VpcID)
		if err != nil {
			return err
		}
		if g.ID == vpc.DefaultGroup {
			return ec2.ErrCannotDelete("the specified group: \"%s\" name: \"%s\" cannot be deleted by a user", g.ID, g.Name)
		}
		groups, err := kit.ListAll[kit.SecurityGroupRecord](t, c.Prefix("sg"))
		if err != nil {
			return err
		}
		for _, o := range groups {
			if o.ID != g.ID && slices.ContainsFunc(o.Rules, func(r kit.SgRule) bool { return r.GroupID == g.ID }) {
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
			t.Del(kit.GroupNameKey(c, vpc.ID, g.Name))
		}
		t.Del(c.Key(g.ID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteSecurityGroupResult{Return: kit.Ptr(true), GroupId: kit.Ptr(id)}, nil
}

func errGroupDependency(id string) error {
	return ec2.ErrDependencyViolation("resource %s has a dependent object", id)
}

// groupInUse reports whether anything that carries security groups is in the group. It
// is the hook for every such resource: network interfaces (kind "eni") and interface
// VPC endpoints (kind "vpce", also without an interface), by their "groups" member. One
// that joins a group rewrites the group, so a concurrent deletion conflicts.
func groupInUse(t *kit.Txn, c kit.Caller, groupID string) (bool, error) {
	found := false
	for _, kind := range []string{"eni", "vpce"} {
		err := t.List(c.Prefix(kind), func(key string, raw []byte) error {
			var r struct {
				Groups []string `json:"groups"`
			}
			if err := json.Unmarshal(raw, &r); err != nil {
				return err
			}
			found = found || slices.Contains(r.Groups, groupID)
			return nil
		})
		if err != nil || found {
			return found, err
		}
	}
	return false, nil
}

// targetGroup is the group an action names by ID or, in the default VPC, by name.
func targetGroup(t *kit.Txn, c kit.Caller, id, name *string) (*kit.SecurityGroupRecord, error) {
	if kit.Deref(id) != "" {
		return kit.Get[kit.SecurityGroupRecord](t, c, "sg", *id)
	}
	if kit.Deref(name) == "" {
		return nil, ec2.ErrMissingParameter("GroupId")
	}
	return groupByName(t, c, *name)
}

// groupByName finds a group of the default VPC by name: AWS resolves names only there.
func groupByName(t *kit.Txn, c kit.Caller, name string) (*kit.SecurityGroupRecord, error) {
	vpc, err := kit.FindDefaultVpc(t, c)
	if err != nil {
		return nil, err
	}
	if vpc == nil {
		return nil, ec2.ErrVPCIdNotSpecified("No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
	}
	groups, err := kit.ListAll[kit.SecurityGroupRecord](t, c.Prefix("sg"))
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

var securityGroupFilters = map[string]func(g *kit.SecurityGroupRecord) []string{
	"description":                         func(g *kit.SecurityGroupRecord) []string { return []string{g.Description} },
	"group-id":                            func(g *kit.SecurityGroupRecord) []string { return []string{g.ID} },
	"group-name":                          func(g *kit.SecurityGroupRecord) []string { return []string{g.Name} },
	"owner-id":                            func(g *kit.SecurityGroupRecord) []string { return []string{g.Owner} },
	"vpc-id":                              func(g *kit.SecurityGroupRecord) []string { return []string{g.VpcID} },
	"egress.ip-permission.cidr":           sgRuleValues(true, func(r kit.SgRule) string { return kit.V4(r.Cidr) }),
	"egress.ip-permission.from-port":      sgRuleValues(true, func(r kit.SgRule) string { return strconv.Itoa(int(r.FromPort)) }),
	"egress.ip-permission.group-id":       sgRuleValues(true, func(r kit.SgRule) string { return r.GroupID }),
	"egress.ip-permission.ipv6-cidr":      sgRuleValues(true, func(r kit.SgRule) string { return kit.V6(r.Cidr) }),
	"egress.ip-permission.prefix-list-id": sgRuleValues(true, func(r kit.SgRule) string { return r.PrefixListID }),
	"egress.ip-permission.protocol":       sgRuleValues(true, func(r kit.SgRule) string { return r.Protocol }),
	"egress.ip-permission.to-port":        sgRuleValues(true, func(r kit.SgRule) string { return strconv.Itoa(int(r.ToPort)) }),
	"egress.ip-permission.user-id":        sgRuleValues(true, func(r kit.SgRule) string { return r.GroupOwner }),
	"ip-permission.cidr":                  sgRuleValues(false, func(r kit.SgRule) string { return kit.V4(r.Cidr) }),
	"ip-permission.from-port":             sgRuleValues(false, func(r kit.SgRule) string { return strconv.Itoa(int(r.FromPort)) }),
	"ip-permission.group-id":              sgRuleValues(false, func(r kit.SgRule) string { return r.GroupID }),
	"ip-permission.ipv6-cidr":             sgRuleValues(false, func(r kit.SgRule) string { return kit.V6(r.Cidr) }),
	"ip-permission.prefix-list-id":        sgRuleValues(false, func(r kit.SgRule) string { return r.PrefixListID }),
	"ip-permission.protocol":              sgRuleValues(false, func(r kit.SgRule) string { return r.Protocol }),
	"ip-permission.to-port":               sgRuleValues(false, func(r kit.SgRule) string { return strconv.Itoa(int(r.ToPort)) }),
	"ip-permission.user-id":               sgRuleValues(false, func(r kit.SgRule) string { return r.GroupOwner }),
}

func sgRuleValues(egress bool, f func(kit.SgRule) string) func(*kit.SecurityGroupRecord) []string {
	return func(g *kit.SecurityGroupRecord) []string {
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
func (s *Security) DescribeSecurityGroups(ctx context.Context, c kit.Caller, in *ec2.DescribeSecurityGroupsRequest) (*ec2.DescribeSecurityGroupsResult, error) {
	filters := in.Filters
	defaultVpc := ""
	if len(in.GroupNames) > 0 {
		err := s.View(ctx, func(t *kit.Txn) error {
			vpc, err := kit.FindDefaultVpc(t, c)
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
			ec2.Filter{Name: kit.Ptr("group-name"), Values: in.GroupNames},
			ec2.Filter{Name: kit.Ptr("vpc-id"), Values: []string{defaultVpc}})
	}
	groups, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "sg", IDs: in.GroupIds, Filters: filters, MaxResults: in.MaxResults, NextToken: in.NextToken}, securityGroupFilters)
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
		out.SecurityGroups = append(out.SecurityGroups, g.EC2(c.Region))
	}
	return out, nil
}

// indexGroupNames writes the name key of every group of a VPC stored before name keys
// existed, once: the listing needs no compare, as the caller bumped the VPC's children key,
// which every creation and deletion of a group in the VPC bumps.
func indexGroupNames(t *kit.Txn, c kit.Caller, vpcID string, ch *kit.VpcChildren) error {
	if ch.GroupNames {
		return nil
	}
	groups, err := kit.ListAll[kit.SecurityGroupRecord](t, c.Prefix("sg"))
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g.VpcID == vpcID {
			if err := t.Put(kit.GroupNameKey(c, vpcID, g.Name), g.ID); err != nil {
				return err
			}
		}
	}
	ch.GroupNames = true
	return t.Put(kit.ChildrenKey(c, vpcID), ch)
}
