package security

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// protocolNames are the protocols AWS stores by name when given by number.
var protocolNames = map[int]string{1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6"}

// parseProtocol is the protocol as AWS stores it: a name in lower case, "-1" for all
// (also given as "all"), or the number of a protocol without a name.
func parseProtocol(p *string) (string, error) {
	if p == nil {
		return "", ec2.ErrMissingParameter("IpProtocol")
	}
	switch l := strings.ToLower(*p); l {
	case "tcp", "udp", "icmp", "icmpv6", "-1":
		return l, nil
	case "all":
		return "-1", nil
	}
	n, err := strconv.Atoi(*p)
	if err != nil || n < -1 || n > 255 {
		return "", ec2.ErrInvalidParameterValue("Invalid value '%s' for IP protocol. Unknown protocol.", *p)
	}
	if n == -1 {
		return "-1", nil
	}
	if name, ok := protocolNames[n]; ok {
		return name, nil
	}
	return strconv.Itoa(n), nil
}

// rulePorts checks the ports of a protocol: a port range for TCP and UDP, the type and
// code for ICMP (-1 for any), nothing (-1) for the others.
func rulePorts(proto string, from, to *int32) (int32, int32, error) {
	switch proto {
	case "tcp", "udp":
		if from == nil || to == nil {
			return 0, 0, ec2.ErrInvalidParameterValue("Invalid value 'null' for portRange. Must specify both from and to ports with TCP/UDP.")
		}
		if *from < 0 || *to < 0 || *from > 65535 || *to > 65535 || *from > *to {
			return 0, 0, ec2.ErrInvalidParameterValue("Invalid TCP/UDP port range")
		}
		return *from, *to, nil
	case "icmp", "icmpv6":
		typ, code := int32(-1), int32(-1)
		if from != nil {
			typ = *from
		}
		if to != nil {
			code = *to
		}
		if typ < -1 || typ > 255 {
			return 0, 0, ec2.ErrInvalidParameterValue("Invalid value '%d' for ICMP type", typ)
		}
		if code < -1 || code > 255 {
			return 0, 0, ec2.ErrInvalidParameterValue("Invalid value '%d' for ICMP code", code)
		}
		return typ, code, nil
	}
	return -1, -1, nil
}

// parseRuleCidr parses a rule's CIDR of the given family. AWS clears host bits.
func parseRuleCidr(s *string, ipv6 bool) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(kit.Deref(s))
	if err != nil || p.Addr().Is6() != ipv6 || p.Addr().Is4In6() || p.Addr().Zone() != "" {
		return netip.Prefix{}, ec2.ErrInvalidParameterValue("CIDR block %s is malformed", kit.Deref(s))
	}
	return p.Masked(), nil
}

func checkRuleDescription(d string) error {
	if !validSGText(d) {
		return ec2.ErrInvalidParameterValue("Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  %s", sgTextChars)
	}
	return nil
}

func errDuplicateRule(r kit.SgRule) error {
	var what string
	switch r.Protocol {
	case "-1":
		what = "ALL"
	case "tcp", "udp":
		what = fmt.Sprintf("%s, from port: %d, to port: %d", strings.ToUpper(r.Protocol), r.FromPort, r.ToPort)
	case "icmp", "icmpv6":
		what = fmt.Sprintf("%s, type: %d, code: %d", strings.ToUpper(r.Protocol), r.FromPort, r.ToPort)
	default:
		what = r.Protocol
	}
	return ec2.ErrInvalidPermissionDuplicate("the specified rule \"peer: %s, %s, ALLOW\" already exists", r.Peer(), what)
}

func errRuleNotFound() error {
	return ec2.ErrInvalidPermissionNotFound("The specified rule does not exist in this security group.")
}

func errRuleIDNotFound(id string) error {
	return ec2.ErrInvalidSecurityGroupRuleIdNotFound("The security group rule ID '%s' does not exist", id)
}

// ruleParser turns permissions into the rules of one group, resolving the groups they
// name in the transaction.
type ruleParser struct {
	t *kit.Txn
	c kit.Caller
	g *kit.SecurityGroupRecord
}

// permissions expands permissions into rules, one per source. A rule given twice is
// AWS's InvalidParameterValue.
func (x *ruleParser) permissions(perms []ec2.IpPermission, egress bool) ([]kit.SgRule, error) {
	var out []kit.SgRule
	seen := map[string]bool{}
	for _, p := range perms {
		rules, err := x.permission(p, egress)
		if err != nil {
			return nil, err
		}
		for _, r := range rules {
			if seen[r.Identity()] {
				return nil, ec2.ErrInvalidParameterValue("The same permission must not appear multiple times")
			}
			seen[r.Identity()] = true
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, ec2.ErrMissingParameter("IpPermissions")
	}
	return out, nil
}

func (x *ruleParser) permission(p ec2.IpPermission, egress bool) ([]kit.SgRule, error) {
	proto, err := parseProtocol(p.IpProtocol)
	if err != nil {
		return nil, err
	}
	from, to, err := rulePorts(proto, p.FromPort, p.ToPort)
	if err != nil {
		return nil, err
	}
	base := kit.SgRule{Egress: egress, Protocol: proto, FromPort: from, ToPort: to}
	var out []kit.SgRule
	add := func(r kit.SgRule, desc *string) error {
		if err := checkRuleDescription(kit.Deref(desc)); err != nil {
			return err
		}
		r.Description = kit.Deref(desc)
		out = append(out, r)
		return nil
	}
	for _, rg := range p.IpRanges {
		r := base
		if r.Cidr, err = parseRuleCidr(rg.CidrIp, false); err != nil {
			return nil, err
		}
		if err := add(r, rg.Description); err != nil {
			return nil, err
		}
	}
	for _, rg := range p.Ipv6Ranges {
		r := base
		if r.Cidr, err = parseRuleCidr(rg.CidrIpv6, true); err != nil {
			return nil, err
		}
		if err := add(r, rg.Description); err != nil {
			return nil, err
		}
	}
	for _, pl := range p.PrefixListIds {
		r := base
		r.PrefixListID = kit.Deref(pl.PrefixListId)
		if _, err := kit.GetPrefixList(x.t, x.c, r.PrefixListID); err != nil {
			return nil, err
		}
		if err := add(r, pl.Description); err != nil {
			return nil, err
		}
	}
	for _, pair := range p.UserIdGroupPairs {
		ref, err := x.referencedGroup(pair, egress)
		if err != nil {
			return nil, err
		}
		r := base
		r.GroupID, r.GroupOwner = ref.ID, ref.Owner
		if err := add(r, pair.Description); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// referencedGroup is the group a rule names: the caller's in the same VPC, one in a VPC
// peered with it, possibly another account's (see peeredGroup), or, in an inbound rule,
// one in a VPC attached with it to a transit gateway that supports security group
// referencing (kit.TransitGatewayReferences).
func (x *ruleParser) referencedGroup(pair ec2.UserIdGroupPair, egress bool) (*kit.SecurityGroupRecord, error) {
	id, name := kit.Deref(pair.GroupId), kit.Deref(pair.GroupName)
	if owner := kit.Deref(pair.UserId); owner != "" && owner != x.c.Account {
		// Another account's group, by ID, in a VPC peered with this one.
		return kit.PeeredGroup(x.t, x.c, x.g.VpcID, kit.Caller{Account: owner, Region: x.c.Region}, id, name)
	}
	var ref *kit.SecurityGroupRecord
	var err error
	switch {
	case id == x.g.ID:
		ref = x.g
	case id != "":
		ref, err = kit.Get[kit.SecurityGroupRecord](x.t, x.c, "sg", id)
	case name != "":
		ref, err = groupByName(x.t, x.c, name)
	default:
		return nil, ec2.ErrMissingParameter("GroupId")
	}
	if err != nil {
		return nil, err
	}
	if ref.VpcID != x.g.VpcID {
		if !egress {
			if ok, err := kit.TransitGatewayReferences(x.t, x.c, x.g.VpcID, ref.VpcID); err != nil || ok {
				return ref, err
			}
		}
		return kit.PeeredGroup(x.t, x.c, x.g.VpcID, x.c, ref.ID, "")
	}
	return ref, nil
}

// legacyPermission is the permission given by the top-level parameters that predate
// IpPermissions.
type legacyPermission struct {
	CidrIp, IpProtocol                *string
	FromPort, ToPort                  *int32
	SourceGroupName, SourceGroupOwner *string
}

// permissions are the legacy parameters as IpPermissions. A source group without a
// protocol grants all of ICMP, TCP and UDP, as AWS documents.
func (l legacyPermission) permissions() ([]ec2.IpPermission, error) {
	if l.SourceGroupName != nil || l.SourceGroupOwner != nil {
		if l.CidrIp != nil {
			return nil, ec2.ErrInvalidParameterCombination("The parameter 'cidrIp' may not be used in combination with 'sourceSecurityGroupName'")
		}
		pair := []ec2.UserIdGroupPair{{GroupName: l.SourceGroupName, UserId: l.SourceGroupOwner}}
		if l.IpProtocol == nil && l.FromPort == nil && l.ToPort == nil {
			return []ec2.IpPermission{
				{IpProtocol: kit.Ptr("icmp"), FromPort: kit.Ptr(int32(-1)), ToPort: kit.Ptr(int32(-1)), UserIdGroupPairs: pair},
				{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(0)), ToPort: kit.Ptr(int32(65535)), UserIdGroupPairs: pair},
				{IpProtocol: kit.Ptr("udp"), FromPort: kit.Ptr(int32(0)), ToPort: kit.Ptr(int32(65535)), UserIdGroupPairs: pair},
			}, nil
		}
		return []ec2.IpPermission{{IpProtocol: l.IpProtocol, FromPort: l.FromPort, ToPort: l.ToPort, UserIdGroupPairs: pair}}, nil
	}
	if l.CidrIp == nil && l.IpProtocol == nil && l.FromPort == nil && l.ToPort == nil {
		return nil, nil
	}
	p := ec2.IpPermission{IpProtocol: l.IpProtocol, FromPort: l.FromPort, ToPort: l.ToPort}
	if l.CidrIp != nil {
		p.IpRanges = []ec2.IpRange{{CidrIp: l.CidrIp}}
	}
	return []ec2.IpPermission{p}, nil
}

// AuthorizeSecurityGroupIngress adds inbound rules to a group.
func (s *Security) AuthorizeSecurityGroupIngress(ctx context.Context, c kit.Caller, in *ec2.AuthorizeSecurityGroupIngressRequest) (*ec2.AuthorizeSecurityGroupIngressResult, error) {
	legacy := legacyPermission{in.CidrIp, in.IpProtocol, in.FromPort, in.ToPort, in.SourceSecurityGroupName, in.SourceSecurityGroupOwnerId}
	rules, err := s.authorize(ctx, c, in.GroupId, in.GroupName, in.IpPermissions, legacy, false, in.TagSpecifications)
	if err != nil {
		return nil, err
	}
	return &ec2.AuthorizeSecurityGroupIngressResult{Return: kit.Ptr(true), SecurityGroupRules: rules}, nil
}

// AuthorizeSecurityGroupEgress adds outbound rules to a group.
func (s *Security) AuthorizeSecurityGroupEgress(ctx context.Context, c kit.Caller, in *ec2.AuthorizeSecurityGroupEgressRequest) (*ec2.AuthorizeSecurityGroupEgressResult, error) {
	if kit.Deref(in.GroupId) == "" {
		return nil, ec2.ErrMissingParameter("GroupId")
	}
	legacy := legacyPermission{in.CidrIp, in.IpProtocol, in.FromPort, in.ToPort, in.SourceSecurityGroupName, in.SourceSecurityGroupOwnerId}
	rules, err := s.authorize(ctx, c, in.GroupId, nil, in.IpPermissions, legacy, true, in.TagSpecifications)
	if err != nil {
		return nil, err
	}
	return &ec2.AuthorizeSecurityGroupEgressResult{Return: kit.Ptr(true), SecurityGroupRules: rules}, nil
}

// authorize adds the rules of one direction, all or none.
func (s *Security) authorize(ctx context.Context, c kit.Caller, groupID, groupName *string, perms []ec2.IpPermission, legacy legacyPermission, egress bool, specs []ec2.TagSpecification) ([]ec2.SecurityGroupRule, error) {
	more, err := legacy.permissions()
	if err != nil {
		return nil, err
	}
	perms = append(slices.Clip(perms), more...)
	tags, err := kit.TagsOnCreate(specs, "security-group-rule")
	if err != nil {
		return nil, err
	}
	var out []ec2.SecurityGroupRule
	err = s.Update(ctx, func(t *kit.Txn) error {
		out = nil
		g, err := targetGroup(t, c, groupID, groupName)
		if err != nil {
			return err
		}
		added, err := (&ruleParser{t, c, g}).permissions(perms, egress)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, r := range g.Rules {
			have[r.Identity()] = true
		}
		for i := range added {
			if have[added[i].Identity()] {
				return errDuplicateRule(added[i])
			}
			added[i].ID = kit.NewID("sgr")
			added[i].Tags = maps.Clone(tags)
		}
		g.Rules = append(g.Rules, added...)
		if err := s.CheckRuleQuota(t, c, g.Rules); err != nil {
			return err
		}
		for _, r := range added {
			out = append(out, r.EC2(g, c.Region))
		}
		return t.Put(c.Key(g.ID), g)
	})
	return out, err
}

// RevokeSecurityGroupIngress removes inbound rules, given as permissions or by rule ID.
func (s *Security) RevokeSecurityGroupIngress(ctx context.Context, c kit.Caller, in *ec2.RevokeSecurityGroupIngressRequest) (*ec2.RevokeSecurityGroupIngressResult, error) {
	legacy := legacyPermission{in.CidrIp, in.IpProtocol, in.FromPort, in.ToPort, in.SourceSecurityGroupName, in.SourceSecurityGroupOwnerId}
	revoked, err := s.revoke(ctx, c, in.GroupId, in.GroupName, in.IpPermissions, legacy, in.SecurityGroupRuleIds, false)
	if err != nil {
		return nil, err
	}
	return &ec2.RevokeSecurityGroupIngressResult{Return: kit.Ptr(true), RevokedSecurityGroupRules: revoked}, nil
}

// RevokeSecurityGroupEgress removes outbound rules, given as permissions or by rule ID.
func (s *Security) RevokeSecurityGroupEgress(ctx context.Context, c kit.Caller, in *ec2.RevokeSecurityGroupEgressRequest) (*ec2.RevokeSecurityGroupEgressResult, error) {
	if kit.Deref(in.GroupId) == "" {
		return nil, ec2.ErrMissingParameter("GroupId")
	}
	legacy := legacyPermission{in.CidrIp, in.IpProtocol, in.FromPort, in.ToPort, in.SourceSecurityGroupName, in.SourceSecurityGroupOwnerId}
	revoked, err := s.revoke(ctx, c, in.GroupId, nil, in.IpPermissions, legacy, in.SecurityGroupRuleIds, true)
	if err != nil {
		return nil, err
	}
	return &ec2.RevokeSecurityGroupEgressResult{Return: kit.Ptr(true), RevokedSecurityGroupRules: revoked}, nil
}

// revoke removes rules of one direction, all or none. Since 2021 AWS answers a
// permission that matches no rule of a VPC group with InvalidPermission.NotFound rather
// than listing it in UnknownIpPermissions.
func (s *Security) revoke(ctx context.Context, c kit.Caller, groupID, groupName *string, perms []ec2.IpPermission, legacy legacyPermission, ruleIDs []string, egress bool) ([]ec2.RevokedSecurityGroupRule, error) {
	more, err := legacy.permissions()
	if err != nil {
		return nil, err
	}
	perms = append(slices.Clip(perms), more...)
	if len(perms) == 0 && len(ruleIDs) == 0 {
		return nil, ec2.ErrMissingParameter("IpPermissions")
	}
	var out []ec2.RevokedSecurityGroupRule
	err = s.Update(ctx, func(t *kit.Txn) error {
		out = nil
		g, err := targetGroup(t, c, groupID, groupName)
		if err != nil {
			return err
		}
		gone := map[string]bool{} // rule IDs
		for _, id := range ruleIDs {
			i, err := ruleIndex(g, id, egress)
			if err != nil {
				return err
			}
			gone[g.Rules[i].ID] = true
		}
		if len(perms) > 0 {
			given, err := (&ruleParser{t, c, g}).permissions(perms, egress)
			if err != nil {
				return err
			}
			for _, r := range given {
				i := slices.IndexFunc(g.Rules, func(o kit.SgRule) bool { return o.Identity() == r.Identity() })
				if i < 0 {
					return errRuleNotFound()
				}
				gone[g.Rules[i].ID] = true
			}
		}
		kept := g.Rules[:0:0]
		for _, r := range g.Rules {
			if gone[r.ID] {
				out = append(out, r.Revoked(g))
			} else {
				kept = append(kept, r)
			}
		}
		g.Rules = kept
		return t.Put(c.Key(g.ID), g)
	})
	return out, err
}

// ruleIndex finds a rule of the group by ID in one direction.
func ruleIndex(g *kit.SecurityGroupRecord, id string, egress bool) (int, error) {
	if !kit.ValidID(id, "sgr") {
		return 0, ec2.ErrInvalidSecurityGroupRuleIdMalformed("The security group rule ID '%s' is malformed", id)
	}
	i := slices.IndexFunc(g.Rules, func(r kit.SgRule) bool { return r.ID == id && r.Egress == egress })
	if i < 0 {
		return 0, errRuleIDNotFound(id)
	}
	return i, nil
}

// ModifySecurityGroupRules replaces rules of a group in place, keeping their IDs and
// directions.
func (s *Security) ModifySecurityGroupRules(ctx context.Context, c kit.Caller, in *ec2.ModifySecurityGroupRulesRequest) (*ec2.ModifySecurityGroupRulesResult, error) {
	if kit.Deref(in.GroupId) == "" {
		return nil, ec2.ErrMissingParameter("GroupId")
	}
	if len(in.SecurityGroupRules) == 0 {
		return nil, ec2.ErrMissingParameter("SecurityGroupRule")
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		g, err := kit.Get[kit.SecurityGroupRecord](t, c, "sg", *in.GroupId)
		if err != nil {
			return err
		}
		x := &ruleParser{t, c, g}
		for _, u := range in.SecurityGroupRules {
			id := kit.Deref(u.SecurityGroupRuleId)
			if id == "" {
				return ec2.ErrMissingParameter("SecurityGroupRuleId")
			}
			i := slices.IndexFunc(g.Rules, func(r kit.SgRule) bool { return r.ID == id })
			if i < 0 {
				return errRuleIDNotFound(id)
			}
			if u.SecurityGroupRule == nil {
				return ec2.ErrMissingParameter("SecurityGroupRule")
			}
			r, err := x.ruleRequest(*u.SecurityGroupRule, g.Rules[i].Egress)
			if err != nil {
				return err
			}
			r.ID, r.Tags = id, g.Rules[i].Tags
			g.Rules[i] = r
		}
		seen := map[string]bool{}
		for _, r := range g.Rules {
			if seen[r.Identity()] {
				return errDuplicateRule(r)
			}
			seen[r.Identity()] = true
		}
		if err := s.CheckRuleQuota(t, c, g.Rules); err != nil {
			return err
		}
		return t.Put(c.Key(g.ID), g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ModifySecurityGroupRulesResult{Return: kit.Ptr(true)}, nil
}

// ruleRequest is the one rule a SecurityGroupRuleRequest describes: exactly one of a
// CIDR, a prefix list or a group.
func (x *ruleParser) ruleRequest(req ec2.SecurityGroupRuleRequest, egress bool) (kit.SgRule, error) {
	p := ec2.IpPermission{IpProtocol: req.IpProtocol, FromPort: req.FromPort, ToPort: req.ToPort}
	n := 0
	if req.CidrIpv4 != nil {
		p.IpRanges, n = []ec2.IpRange{{CidrIp: req.CidrIpv4, Description: req.Description}}, n+1
	}
	if req.CidrIpv6 != nil {
		p.Ipv6Ranges, n = []ec2.Ipv6Range{{CidrIpv6: req.CidrIpv6, Description: req.Description}}, n+1
	}
	if req.PrefixListId != nil {
		p.PrefixListIds, n = []ec2.PrefixListId{{PrefixListId: req.PrefixListId, Description: req.Description}}, n+1
	}
	if req.ReferencedGroupId != nil {
		p.UserIdGroupPairs, n = []ec2.UserIdGroupPair{{GroupId: req.ReferencedGroupId, Description: req.Description}}, n+1
	}
	switch {
	case n == 0:
		return kit.SgRule{}, ec2.ErrMissingParameter("CidrIpv4")
	case n > 1:
		return kit.SgRule{}, ec2.ErrInvalidParameterCombination("Only one of CidrIpv4, CidrIpv6, PrefixListId and ReferencedGroupId may be specified.")
	}
	rules, err := x.permission(p, egress)
	if err != nil {
		return kit.SgRule{}, err
	}
	return rules[0], nil
}

// UpdateSecurityGroupRuleDescriptionsIngress sets the descriptions of inbound rules.
func (s *Security) UpdateSecurityGroupRuleDescriptionsIngress(ctx context.Context, c kit.Caller, in *ec2.UpdateSecurityGroupRuleDescriptionsIngressRequest) (*ec2.UpdateSecurityGroupRuleDescriptionsIngressResult, error) {
	if err := s.updateDescriptions(ctx, c, in.GroupId, in.GroupName, in.IpPermissions, in.SecurityGroupRuleDescriptions, false); err != nil {
		return nil, err
	}
	return &ec2.UpdateSecurityGroupRuleDescriptionsIngressResult{Return: kit.Ptr(true)}, nil
}

// UpdateSecurityGroupRuleDescriptionsEgress sets the descriptions of outbound rules.
func (s *Security) UpdateSecurityGroupRuleDescriptionsEgress(ctx context.Context, c kit.Caller, in *ec2.UpdateSecurityGroupRuleDescriptionsEgressRequest) (*ec2.UpdateSecurityGroupRuleDescriptionsEgressResult, error) {
	if err := s.updateDescriptions(ctx, c, in.GroupId, in.GroupName, in.IpPermissions, in.SecurityGroupRuleDescriptions, true); err != nil {
		return nil, err
	}
	return &ec2.UpdateSecurityGroupRuleDescriptionsEgressResult{Return: kit.Ptr(true)}, nil
}

// updateDescriptions sets rule descriptions, the rules given as permissions (each must
// match a rule; its description is the new one) or by ID.
func (s *Security) updateDescriptions(ctx context.Context, c kit.Caller, groupID, groupName *string, perms []ec2.IpPermission, descs []ec2.SecurityGroupRuleDescription, egress bool) error {
	if len(perms) == 0 && len(descs) == 0 {
		return ec2.ErrMissingParameter("IpPermissions")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		g, err := targetGroup(t, c, groupID, groupName)
		if err != nil {
			return err
		}
		for _, d := range descs {
			i, err := ruleIndex(g, kit.Deref(d.SecurityGroupRuleId), egress)
			if err != nil {
				return err
			}
			if err := checkRuleDescription(kit.Deref(d.Description)); err != nil {
				return err
			}
			g.Rules[i].Description = kit.Deref(d.Description)
		}
		if len(perms) > 0 {
			given, err := (&ruleParser{t, c, g}).permissions(perms, egress)
			if err != nil {
				return err
			}
			for _, r := range given {
				i := slices.IndexFunc(g.Rules, func(o kit.SgRule) bool { return o.Identity() == r.Identity() })
				if i < 0 {
					return errRuleNotFound()
				}
				g.Rules[i].Description = r.Description
			}
		}
		return t.Put(c.Key(g.ID), g)
	})
}

// securityGroupRuleFilters are the filters DescribeSecurityGroupRules documents, besides
// the tag filters every describe takes.
var securityGroupRuleFilters = map[string]func(g *kit.SecurityGroupRecord, r kit.SgRule) []string{
	"group-id":               func(g *kit.SecurityGroupRecord, r kit.SgRule) []string { return []string{g.ID} },
	"security-group-rule-id": func(g *kit.SecurityGroupRecord, r kit.SgRule) []string { return []string{r.ID} },
}

// DescribeSecurityGroupRules lists rules, one entry per rule, by rule ID or filter.
func (s *Security) DescribeSecurityGroupRules(ctx context.Context, c kit.Caller, in *ec2.DescribeSecurityGroupRulesRequest) (*ec2.DescribeSecurityGroupRulesResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 5, 1000); err != nil {
		return nil, err
	}
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return securityGroupRuleFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	wantIDs := map[string]bool{}
	for _, id := range in.SecurityGroupRuleIds {
		wantIDs[id] = true
	}
	var rules []ec2.SecurityGroupRule
	err = s.View(ctx, func(t *kit.Txn) error {
		groups, err := kit.ListAll[kit.SecurityGroupRecord](t, c.Prefix("sg"))
		if err != nil {
			return err
		}
		for _, g := range groups {
			for _, r := range g.Rules {
				if len(in.SecurityGroupRuleIds) > 0 && !wantIDs[r.ID] {
					continue
				}
				delete(wantIDs, r.ID)
				if !match(func(n string) []string { return securityGroupRuleFilters[n](g, r) }, r.Tags) {
					continue
				}
				rules = append(rules, r.EC2(g, c.Region))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range in.SecurityGroupRuleIds {
		if wantIDs[id] {
			return nil, errRuleIDNotFound(id)
		}
	}
	slices.SortFunc(rules, func(a, b ec2.SecurityGroupRule) int {
		return strings.Compare(*a.SecurityGroupRuleId, *b.SecurityGroupRuleId)
	})
	page, next, err := kit.Paginate(rules, in.MaxResults, in.NextToken, func(r ec2.SecurityGroupRule) string { return *r.SecurityGroupRuleId })
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeSecurityGroupRulesResult{SecurityGroupRules: page, NextToken: next}, nil
}
