package kit

import (
	"fmt"

	"vpcd/internal/ec2"
)

// Identity is what makes two rules the same rule: direction, protocol, ports and source.
// The description is not part of it.
func (r SgRule) Identity() string {
	return fmt.Sprintf("%t/%s/%d/%d/%s/%s/%s", r.Egress, r.Protocol, r.FromPort, r.ToPort, V4(r.Cidr)+V6(r.Cidr), r.PrefixListID, r.GroupID)
}

// Peer is the rule's source or destination as AWS's messages name it.
func (r SgRule) Peer() string {
	switch {
	case r.GroupID != "":
		return r.GroupID
	case r.PrefixListID != "":
		return r.PrefixListID
	}
	return r.Cidr.String()
}

// CheckRuleQuota applies the rules-per-group quota. A rule that names a group counts
// once for IPv4 and once for IPv6, one that names a prefix list as many times as the
// list's MaxEntries in its family, as AWS counts them.
func (s *Kit) CheckRuleQuota(t *Txn, c Caller, rules []SgRule) error {
	limit, err := s.QuotaLimit(t, c, quotaRulesPerGroup)
	if err != nil {
		return err
	}
	var count [2][2]int // [egress][ipv6]
	for _, r := range rules {
		e := 0
		if r.Egress {
			e = 1
		}
		switch {
		case r.Cidr.IsValid() && r.Cidr.Addr().Is4():
			count[e][0]++
		case r.Cidr.IsValid():
			count[e][1]++
		case r.PrefixListID != "":
			n, family, err := prefixListRuleWeight(t, c, r.PrefixListID)
			if err != nil {
				return err
			}
			count[e][family] += n
		default:
			count[e][0]++
			count[e][1]++
		}
	}
	for _, c := range count {
		if c[0] > limit || c[1] > limit {
			return ec2.ErrRulesPerSecurityGroupLimitExceeded("The maximum number of rules per security group has been reached.")
		}
	}
	return nil
}

func CmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (r SgRule) EC2(g *SecurityGroupRecord, region string) ec2.SecurityGroupRule {
	out := ec2.SecurityGroupRule{
		SecurityGroupRuleId:  Ptr(r.ID),
		SecurityGroupRuleArn: Ptr("arn:aws:ec2:" + region + ":" + g.Owner + ":security-group-rule/" + r.ID),
		GroupId:              Ptr(g.ID),
		GroupOwnerId:         Ptr(g.Owner),
		IsEgress:             Ptr(r.Egress),
		IpProtocol:           Ptr(r.Protocol),
		FromPort:             Ptr(r.FromPort),
		ToPort:               Ptr(r.ToPort),
		Tags:                 (&Meta{Tags: r.Tags}).EC2Tags(),
	}
	if r.Description != "" {
		out.Description = Ptr(r.Description)
	}
	switch {
	case r.GroupID != "":
		out.ReferencedGroupInfo = &ec2.ReferencedSecurityGroup{GroupId: Ptr(r.GroupID), UserId: Ptr(r.GroupOwner)}
	case r.PrefixListID != "":
		out.PrefixListId = Ptr(r.PrefixListID)
	case r.Cidr.Addr().Is4():
		out.CidrIpv4 = Ptr(r.Cidr.String())
	default:
		out.CidrIpv6 = Ptr(r.Cidr.String())
	}
	return out
}

func (r SgRule) Revoked(g *SecurityGroupRecord) ec2.RevokedSecurityGroupRule {
	e := r.EC2(g, "")
	return ec2.RevokedSecurityGroupRule{
		SecurityGroupRuleId: e.SecurityGroupRuleId,
		GroupId:             e.GroupId,
		IsEgress:            e.IsEgress,
		IpProtocol:          e.IpProtocol,
		FromPort:            e.FromPort,
		ToPort:              e.ToPort,
		CidrIpv4:            e.CidrIpv4,
		CidrIpv6:            e.CidrIpv6,
		PrefixListId:        e.PrefixListId,
		ReferencedGroupId:   r.refID(),
		Description:         e.Description,
	}
}

func (r SgRule) refID() *string {
	if r.GroupID == "" {
		return nil
	}
	return Ptr(r.GroupID)
}
