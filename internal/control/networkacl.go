package control

import (
	"context"
	"net/netip"
	"strconv"

	"vpcd/internal/ec2"
)

var (
	anyIPv4 = netip.MustParsePrefix("0.0.0.0/0")
	anyIPv6 = netip.MustParsePrefix("::/0")
)

// newDefaultNetworkACL is the ACL AWS creates with a VPC: rule 100 allows everything both
// ways, and the final rule (*, 32767) denies the rest; with IPv6, rule 101 and 32768 do the
// same for ::/0.
func newDefaultNetworkACL(c Caller, vpc *vpcRecord) *networkACLRecord {
	acl := &networkACLRecord{meta: meta{ID: newID("acl"), Owner: c.Account}, VpcID: vpc.ID, IsDefault: true}
	for _, egress := range []bool{false, true} {
		acl.Entries = append(acl.Entries,
			aclEntry{RuleNumber: 100, Egress: egress, Protocol: "-1", Allow: true, Cidr: anyIPv4},
			aclEntry{RuleNumber: 32767, Egress: egress, Protocol: "-1", Allow: false, Cidr: anyIPv4})
		if len(vpc.Ipv6Blocks) > 0 {
			acl.Entries = append(acl.Entries,
				aclEntry{RuleNumber: 101, Egress: egress, Protocol: "-1", Allow: true, Cidr: anyIPv6},
				aclEntry{RuleNumber: 32768, Egress: egress, Protocol: "-1", Allow: false, Cidr: anyIPv6})
		}
	}
	return acl
}

var networkACLFilters = map[string]func(a *networkACLRecord) []string{
	"association.association-id": func(a *networkACLRecord) []string {
		return collect(a.Associations, func(x aclAssociation) string { return x.ID })
	},
	"association.network-acl-id": func(a *networkACLRecord) []string {
		return collect(a.Associations, func(x aclAssociation) string { return a.ID })
	},
	"association.subnet-id": func(a *networkACLRecord) []string {
		return collect(a.Associations, func(x aclAssociation) string { return x.SubnetID })
	},
	"default": func(a *networkACLRecord) []string { return []string{boolString(a.IsDefault)} },
	"entry.cidr": func(a *networkACLRecord) []string {
		return aclEntryValues(a, func(e aclEntry) string { return v4(e.Cidr) })
	},
	"entry.ipv6-cidr": func(a *networkACLRecord) []string {
		return aclEntryValues(a, func(e aclEntry) string { return v6(e.Cidr) })
	},
	"entry.icmp.code": func(a *networkACLRecord) []string {
		return aclEntryValues(a, func(e aclEntry) string { return int32String(e.IcmpCode) })
	},
	"entry.icmp.type": func(a *networkACLRecord) []string {
		return aclEntryValues(a, func(e aclEntry) string { return int32String(e.IcmpType) })
	},
	"entry.egress": func(a *networkACLRecord) []string {
		return aclEntryValues(a, func(e aclEntry) string { return boolString(e.Egress) })
	},
	"entry.port-range.from": func(a *networkACLRecord) []string {
		return aclEntryValues(a, func(e aclEntry) string { return int32String(e.FromPort) })
	},
	"entry.port-range.to": func(a *networkACLRecord) []string {
		return aclEntryValues(a, func(e aclEntry) string { return int32String(e.ToPort) })
	},
	"entry.protocol": func(a *networkACLRecord) []string {
		return aclEntryValues(a, func(e aclEntry) string { return e.Protocol })
	},
	"entry.rule-action": func(a *networkACLRecord) []string {
		return aclEntryValues(a, func(e aclEntry) string { return ruleAction(e.Allow) })
	},
	"entry.rule-number": func(a *networkACLRecord) []string {
		return aclEntryValues(a, func(e aclEntry) string { return strconv.Itoa(int(e.RuleNumber)) })
	},
	"network-acl-id": func(a *networkACLRecord) []string { return []string{a.ID} },
	"owner-id":       func(a *networkACLRecord) []string { return []string{a.Owner} },
	"vpc-id":         func(a *networkACLRecord) []string { return []string{a.VpcID} },
}

func aclEntryValues(a *networkACLRecord, f func(aclEntry) string) []string {
	return collect(a.Entries, f)
}

func v4(p netip.Prefix) string {
	if p.Addr().Is4() {
		return p.String()
	}
	return ""
}

func v6(p netip.Prefix) string {
	if p.IsValid() && p.Addr().Is6() {
		return p.String()
	}
	return ""
}

func int32String(p *int32) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(int(*p))
}

func ruleAction(allow bool) string {
	if allow {
		return "allow"
	}
	return "deny"
}

// DescribeNetworkAcls lists the caller's network ACLs.
func (s *Service) DescribeNetworkAcls(ctx context.Context, c Caller, in *ec2.DescribeNetworkAclsRequest) (*ec2.DescribeNetworkAclsResult, error) {
	acls, next, err := describe(ctx, s, c, describeQuery{Kind: "acl", IDs: in.NetworkAclIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken}, networkACLFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeNetworkAclsResult{NextToken: next, NetworkAcls: []ec2.NetworkAcl{}}
	for _, a := range acls {
		out.NetworkAcls = append(out.NetworkAcls, a.ec2())
	}
	return out, nil
}

func (a *networkACLRecord) ec2() ec2.NetworkAcl {
	out := ec2.NetworkAcl{
		NetworkAclId: ptr(a.ID),
		VpcId:        ptr(a.VpcID),
		OwnerId:      ptr(a.Owner),
		IsDefault:    ptr(a.IsDefault),
		Tags:         a.ec2Tags(),
		Entries:      []ec2.NetworkAclEntry{},
		Associations: []ec2.NetworkAclAssociation{},
	}
	for _, e := range a.Entries {
		entry := ec2.NetworkAclEntry{
			RuleNumber: ptr(e.RuleNumber),
			Egress:     ptr(e.Egress),
			Protocol:   ptr(e.Protocol),
			RuleAction: ptr(ruleAction(e.Allow)),
		}
		if e.Cidr.Addr().Is4() {
			entry.CidrBlock = ptr(e.Cidr.String())
		} else {
			entry.Ipv6CidrBlock = ptr(e.Cidr.String())
		}
		if e.IcmpType != nil || e.IcmpCode != nil {
			entry.IcmpTypeCode = &ec2.IcmpTypeCode{Type: e.IcmpType, Code: e.IcmpCode}
		}
		if e.FromPort != nil || e.ToPort != nil {
			entry.PortRange = &ec2.PortRange{From: e.FromPort, To: e.ToPort}
		}
		out.Entries = append(out.Entries, entry)
	}
	for _, as := range a.Associations {
		out.Associations = append(out.Associations, ec2.NetworkAclAssociation{
			NetworkAclAssociationId: ptr(as.ID), NetworkAclId: ptr(a.ID), SubnetId: ptr(as.SubnetID),
		})
	}
	return out
}

// associateDefaultACL gives a new subnet its VPC's default ACL, as AWS does.
func associateDefaultACL(t *txn, c Caller, vpc *vpcRecord, subnetID string) error {
	acl, err := get[networkACLRecord](t, c, "acl", vpc.DefaultACL)
	if err != nil {
		return err
	}
	acl.Associations = append(acl.Associations, aclAssociation{ID: newID("aclassoc"), SubnetID: subnetID})
	return t.put(c.key(acl.ID), acl)
}

// dissociateACL removes a deleted subnet from whichever ACL it is in.
func dissociateACL(t *txn, c Caller, vpcID, subnetID string) error {
	acls, err := listAll[networkACLRecord](t, c.prefix("acl"))
	if err != nil {
		return err
	}
	for _, acl := range acls {
		if acl.VpcID != vpcID {
			continue
		}
		for i, as := range acl.Associations {
			if as.SubnetID == subnetID {
				acl.Associations = append(acl.Associations[:i], acl.Associations[i+1:]...)
				return t.put(c.key(acl.ID), acl)
			}
		}
	}
	return nil
}
