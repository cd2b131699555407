package security

import (
	"context"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

var networkACLFilters = map[string]func(a *kit.NetworkACLRecord) []string{
	"association.association-id": func(a *kit.NetworkACLRecord) []string {
		return kit.Collect(a.Associations, func(x kit.AclAssociation) string { return x.ID })
	},
	"association.network-acl-id": func(a *kit.NetworkACLRecord) []string {
		return kit.Collect(a.Associations, func(x kit.AclAssociation) string { return a.ID })
	},
	"association.subnet-id": func(a *kit.NetworkACLRecord) []string {
		return kit.Collect(a.Associations, func(x kit.AclAssociation) string { return x.SubnetID })
	},
	"default": func(a *kit.NetworkACLRecord) []string { return []string{kit.BoolString(a.IsDefault)} },
	"entry.cidr": func(a *kit.NetworkACLRecord) []string {
		return aclEntryValues(a, func(e kit.AclEntry) string { return kit.V4(e.Cidr) })
	},
	"entry.ipv6-cidr": func(a *kit.NetworkACLRecord) []string {
		return aclEntryValues(a, func(e kit.AclEntry) string { return kit.V6(e.Cidr) })
	},
	"entry.icmp.code": func(a *kit.NetworkACLRecord) []string {
		return aclEntryValues(a, func(e kit.AclEntry) string { return int32String(e.IcmpCode) })
	},
	"entry.icmp.type": func(a *kit.NetworkACLRecord) []string {
		return aclEntryValues(a, func(e kit.AclEntry) string { return int32String(e.IcmpType) })
	},
	"entry.egress": func(a *kit.NetworkACLRecord) []string {
		return aclEntryValues(a, func(e kit.AclEntry) string { return kit.BoolString(e.Egress) })
	},
	"entry.port-range.from": func(a *kit.NetworkACLRecord) []string {
		return aclEntryValues(a, func(e kit.AclEntry) string { return int32String(e.FromPort) })
	},
	"entry.port-range.to": func(a *kit.NetworkACLRecord) []string {
		return aclEntryValues(a, func(e kit.AclEntry) string { return int32String(e.ToPort) })
	},
	"entry.protocol": func(a *kit.NetworkACLRecord) []string {
		return aclEntryValues(a, func(e kit.AclEntry) string { return e.Protocol })
	},
	"entry.rule-action": func(a *kit.NetworkACLRecord) []string {
		return aclEntryValues(a, func(e kit.AclEntry) string { return kit.RuleAction(e.Allow) })
	},
	"entry.rule-number": func(a *kit.NetworkACLRecord) []string {
		return aclEntryValues(a, func(e kit.AclEntry) string { return strconv.Itoa(int(e.RuleNumber)) })
	},
	"network-acl-id": func(a *kit.NetworkACLRecord) []string { return []string{a.ID} },
	"owner-id":       func(a *kit.NetworkACLRecord) []string { return []string{a.Owner} },
	"vpc-id":         func(a *kit.NetworkACLRecord) []string { return []string{a.VpcID} },
}

func aclEntryValues(a *kit.NetworkACLRecord, f func(kit.AclEntry) string) []string {
	return kit.Collect(a.Entries, f)
}

func int32String(p *int32) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(int(*p))
}

// DescribeNetworkAcls lists the caller's network ACLs.
func (s *Security) DescribeNetworkAcls(ctx context.Context, c kit.Caller, in *ec2.DescribeNetworkAclsRequest) (*ec2.DescribeNetworkAclsResult, error) {
	acls, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "acl", IDs: in.NetworkAclIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken}, networkACLFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeNetworkAclsResult{NextToken: next, NetworkAcls: []ec2.NetworkAcl{}}
	for _, a := range acls {
		out.NetworkAcls = append(out.NetworkAcls, a.EC2())
	}
	return out, nil
}

// The numbers of the final rules, which deny what nothing else matched and cannot be
// changed.
const (
	aclDefaultRule   = 32767
	aclDefaultRuleV6 = 32768
)

// CreateNetworkAcl creates a custom ACL in a VPC. It denies everything until rules are
// added: it has only the final "*" rules, both ways.
func (s *Security) CreateNetworkAcl(ctx context.Context, c kit.Caller, in *ec2.CreateNetworkAclRequest) (*ec2.CreateNetworkAclResult, error) {
	if kit.Deref(in.VpcId) == "" {
		return nil, ec2.ErrMissingParameter("VpcId")
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "network-acl")
	if err != nil {
		return nil, err
	}
	var acl *kit.NetworkACLRecord
	err = s.UpdateOn(ctx, *in.VpcId, func(t *kit.Txn) error {
		vpc, _, err := kit.ChildOf(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		acl = &kit.NetworkACLRecord{Meta: kit.Meta{ID: kit.NewID("acl"), Owner: c.Account, Tags: tags}, VpcID: vpc.ID, Entries: []kit.AclEntry{}}
		for _, egress := range []bool{false, true} {
			acl.Entries = append(acl.Entries, kit.AclEntry{RuleNumber: aclDefaultRule, Egress: egress, Protocol: "-1", Cidr: kit.AnyIPv4})
			if len(vpc.Ipv6Blocks) > 0 {
				acl.Entries = append(acl.Entries, kit.AclEntry{RuleNumber: aclDefaultRuleV6, Egress: egress, Protocol: "-1", Cidr: kit.AnyIPv6})
			}
		}
		return t.Put(c.Key(acl.ID), acl)
	})
	if err != nil {
		return nil, err
	}
	out := acl.EC2()
	return &ec2.CreateNetworkAclResult{NetworkAcl: &out, ClientToken: in.ClientToken}, nil
}

// DeleteNetworkAcl deletes a custom ACL that no subnet is in.
func (s *Security) DeleteNetworkAcl(ctx context.Context, c kit.Caller, in *ec2.DeleteNetworkAclRequest) error {
	if kit.Deref(in.NetworkAclId) == "" {
		return ec2.ErrMissingParameter("NetworkAclId")
	}
	return s.UpdateOn(ctx, s.ParentVpc(ctx, c, *in.NetworkAclId), func(t *kit.Txn) error {
		acl, err := kit.Get[kit.NetworkACLRecord](t, c, "acl", *in.NetworkAclId)
		if err != nil {
			return err
		}
		if acl.IsDefault {
			return ec2.ErrInvalidParameterValue("cannot delete default network ACL %s", acl.ID)
		}
		if len(acl.Associations) > 0 {
			return ec2.ErrDependencyViolation("The networkAcl '%s' has dependencies and cannot be deleted.", acl.ID)
		}
		if err := kit.BumpChildren(t, c, acl.VpcID); err != nil {
			return err
		}
		t.Del(c.Key(acl.ID))
		return nil
	})
}

// aclEntryInput is the part that CreateNetworkAclEntry and ReplaceNetworkAclEntry share.
type aclEntryInput struct {
	NetworkAclID, CidrBlock, Ipv6CidrBlock, Protocol, RuleAction *string
	Egress                                                       *bool
	RuleNumber                                                   *int32
	Icmp                                                         *ec2.IcmpTypeCode
	PortRange                                                    *ec2.PortRange
}

// entry validates the rule as AWS does and returns its stored form: the protocol as a
// number, the ports only for TCP and UDP, the type and code only for ICMP.
func (in aclEntryInput) entry() (kit.AclEntry, error) {
	for name, p := range map[string]*string{"NetworkAclId": in.NetworkAclID, "Protocol": in.Protocol, "RuleAction": in.RuleAction} {
		if p == nil || *p == "" {
			return kit.AclEntry{}, ec2.ErrMissingParameter(name)
		}
	}
	if in.RuleNumber == nil {
		return kit.AclEntry{}, ec2.ErrMissingParameter("RuleNumber")
	}
	if in.Egress == nil {
		return kit.AclEntry{}, ec2.ErrMissingParameter("Egress")
	}
	e := kit.AclEntry{RuleNumber: *in.RuleNumber, Egress: *in.Egress}
	if err := checkRuleNumber(e.RuleNumber); err != nil {
		return kit.AclEntry{}, err
	}
	switch *in.RuleAction {
	case "allow":
		e.Allow = true
	case "deny":
	default:
		return kit.AclEntry{}, ec2.ErrInvalidParameterValue("Invalid value '%s' for ruleAction. It must be 'allow' or 'deny'.", *in.RuleAction)
	}
	proto, ok := aclProtocol(*in.Protocol)
	if !ok {
		return kit.AclEntry{}, ec2.ErrInvalidParameterValue("Invalid value '%s' for protocol. It must be a protocol number between 0 and 255 or -1.", *in.Protocol)
	}
	e.Protocol = strconv.Itoa(proto)
	v4, v6 := kit.Deref(in.CidrBlock), kit.Deref(in.Ipv6CidrBlock)
	switch {
	case v4 != "" && v6 != "":
		return kit.AclEntry{}, ec2.ErrInvalidParameterCombination("You may specify either an IPv4 CIDR block or an IPv6 CIDR block, but not both.")
	case v4 == "" && v6 == "":
		return kit.AclEntry{}, ec2.ErrMissingParameter("CidrBlock or Ipv6CidrBlock")
	case v4 != "":
		p, err := netip.ParsePrefix(v4)
		if err != nil || !p.Addr().Is4() {
			return kit.AclEntry{}, ec2.ErrInvalidParameterValue("Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", v4)
		}
		e.Cidr = p.Masked()
	default:
		p, err := netip.ParsePrefix(v6)
		if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
			return kit.AclEntry{}, ec2.ErrInvalidParameterValue("Value (%s) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.", v6)
		}
		e.Cidr = p.Masked()
	}
	switch {
	case proto == 6 || proto == 17:
		if in.PortRange == nil || in.PortRange.From == nil || in.PortRange.To == nil {
			return kit.AclEntry{}, ec2.ErrMissingParameter("portRange")
		}
		from, to := *in.PortRange.From, *in.PortRange.To
		if from < 0 || to > 65535 || from > to {
			return kit.AclEntry{}, ec2.ErrInvalidParameterValue("Invalid value for portRange. Must specify a valid fromPort and toPort between 0 and 65535, fromPort no greater than toPort (got %d-%d).", from, to)
		}
		e.FromPort, e.ToPort = &from, &to
	case proto == 1 || proto == 58 && e.Cidr.Addr().Is6():
		if in.Icmp == nil || in.Icmp.Type == nil || in.Icmp.Code == nil {
			return kit.AclEntry{}, ec2.ErrMissingParameter("icmpTypeCode")
		}
		typ, code := *in.Icmp.Type, *in.Icmp.Code
		if typ < -1 || typ > 255 || code < -1 || code > 255 {
			return kit.AclEntry{}, ec2.ErrInvalidParameterValue("Invalid value for icmpTypeCode: type %d, code %d. Each must be between -1 and 255.", typ, code)
		}
		e.IcmpType, e.IcmpCode = &typ, &code
	}
	return e, nil
}

// checkRuleNumber refuses the numbers that users cannot use: the final rules' and beyond.
func checkRuleNumber(n int32) error {
	if n < 1 || n > aclDefaultRule-1 {
		return ec2.ErrInvalidParameterValue("Invalid value '%d' for ruleNumber. It must be between 1 and 32766.", n)
	}
	return nil
}

// aclProtocol reads an entry's protocol: -1, a number from 0 to 255, or a name the CLI
// and the API accept (tcp, udp, icmp, icmpv6, all).
func aclProtocol(p string) (int, bool) {
	switch strings.ToLower(p) {
	case "tcp":
		return 6, true
	case "udp":
		return 17, true
	case "icmp":
		return 1, true
	case "icmpv6":
		return 58, true
	case "all", "-1":
		return -1, true
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 255 {
		return 0, false
	}
	return n, true
}

// errACLAssociationNotFound answers an association ID that names no subnet's ACL
// association, and one not of the form aclassoc-…: EC2 answers a malformed ID of its older
// association kinds as one that does not exist (see kit.Kind.MalformedIsNotFound).
func errACLAssociationNotFound(id string) error {
	return ec2.ErrInvalidAssociationIDNotFound("The association ID '%s' does not exist", id)
}

func errACLEntryNotFound() error {
	return ec2.ErrInvalidNetworkAclEntryNotFound("The specified network ACL entry does not exist.")
}

// CreateNetworkAclEntry adds a numbered rule to one direction of an ACL.
func (s *Security) CreateNetworkAclEntry(ctx context.Context, c kit.Caller, in *ec2.CreateNetworkAclEntryRequest) error {
	e, err := aclEntryInput{in.NetworkAclId, in.CidrBlock, in.Ipv6CidrBlock, in.Protocol, in.RuleAction, in.Egress, in.RuleNumber, in.IcmpTypeCode, in.PortRange}.entry()
	if err != nil {
		return err
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		acl, err := kit.Get[kit.NetworkACLRecord](t, c, "acl", *in.NetworkAclId)
		if err != nil {
			return err
		}
		if acl.FindEntry(e.RuleNumber, e.Egress) >= 0 {
			return ec2.ErrNetworkAclEntryAlreadyExists("The network acl entry identified by %d already exists.", e.RuleNumber)
		}
		n := 0
		for _, x := range acl.Entries {
			if x.Egress == e.Egress && x.RuleNumber < aclDefaultRule {
				n++
			}
		}
		limit, err := s.QuotaLimit(t, c, kit.QuotaACLRules)
		if err != nil {
			return err
		}
		if n >= limit {
			return ec2.ErrNetworkAclEntryLimitExceeded("The maximum number of entries for the network acl '%s' has been reached.", acl.ID)
		}
		acl.Entries = append(acl.Entries, e)
		sortACLEntries(acl.Entries)
		return t.Put(c.Key(acl.ID), acl)
	})
}

// sortACLEntries keeps the ingress rules first, then egress, each by number, as AWS lists
// them.
func sortACLEntries(es []kit.AclEntry) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Egress != es[j].Egress {
			return !es[i].Egress
		}
		return es[i].RuleNumber < es[j].RuleNumber
	})
}

// ReplaceNetworkAclEntry replaces an existing rule, keeping its number and direction.
func (s *Security) ReplaceNetworkAclEntry(ctx context.Context, c kit.Caller, in *ec2.ReplaceNetworkAclEntryRequest) error {
	e, err := aclEntryInput{in.NetworkAclId, in.CidrBlock, in.Ipv6CidrBlock, in.Protocol, in.RuleAction, in.Egress, in.RuleNumber, in.IcmpTypeCode, in.PortRange}.entry()
	if err != nil {
		return err
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		acl, err := kit.Get[kit.NetworkACLRecord](t, c, "acl", *in.NetworkAclId)
		if err != nil {
			return err
		}
		i := acl.FindEntry(e.RuleNumber, e.Egress)
		if i < 0 {
			return errACLEntryNotFound()
		}
		acl.Entries[i] = e
		return t.Put(c.Key(acl.ID), acl)
	})
}

// DeleteNetworkAclEntry removes a rule; the final "*" rules stay.
func (s *Security) DeleteNetworkAclEntry(ctx context.Context, c kit.Caller, in *ec2.DeleteNetworkAclEntryRequest) error {
	if kit.Deref(in.NetworkAclId) == "" {
		return ec2.ErrMissingParameter("NetworkAclId")
	}
	if in.RuleNumber == nil {
		return ec2.ErrMissingParameter("RuleNumber")
	}
	if in.Egress == nil {
		return ec2.ErrMissingParameter("Egress")
	}
	if err := checkRuleNumber(*in.RuleNumber); err != nil {
		return err
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		acl, err := kit.Get[kit.NetworkACLRecord](t, c, "acl", *in.NetworkAclId)
		if err != nil {
			return err
		}
		i := acl.FindEntry(*in.RuleNumber, *in.Egress)
		if i < 0 {
			return errACLEntryNotFound()
		}
		acl.Entries = append(acl.Entries[:i], acl.Entries[i+1:]...)
		return t.Put(c.Key(acl.ID), acl)
	})
}

// ReplaceNetworkAclAssociation moves a subnet to another ACL of its VPC; the association
// gets a new ID. A subnet is always in exactly one ACL, so there is no disassociation.
func (s *Security) ReplaceNetworkAclAssociation(ctx context.Context, c kit.Caller, in *ec2.ReplaceNetworkAclAssociationRequest) (*ec2.ReplaceNetworkAclAssociationResult, error) {
	assocID := kit.Deref(in.AssociationId)
	if assocID == "" {
		return nil, ec2.ErrMissingParameter("AssociationId")
	}
	if kit.Deref(in.NetworkAclId) == "" {
		return nil, ec2.ErrMissingParameter("NetworkAclId")
	}
	if !kit.ValidID(assocID, "aclassoc") {
		return nil, errACLAssociationNotFound(assocID)
	}
	newAssoc := kit.NewID("aclassoc")
	err := s.Update(ctx, func(t *kit.Txn) error {
		to, err := kit.Get[kit.NetworkACLRecord](t, c, "acl", *in.NetworkAclId)
		if err != nil {
			return err
		}
		acls, err := kit.ListAll[kit.NetworkACLRecord](t, c.Prefix("acl"))
		if err != nil {
			return err
		}
		for _, from := range acls {
			for i, as := range from.Associations {
				if as.ID != assocID {
					continue
				}
				if from.VpcID != to.VpcID {
					return ec2.ErrInvalidParameterValue("Network ACL %s and subnet %s belong to different networks", to.ID, as.SubnetID)
				}
				from.Associations = append(from.Associations[:i], from.Associations[i+1:]...)
				if from.ID == to.ID {
					to = from
				} else if err := t.Put(c.Key(from.ID), from); err != nil {
					return err
				}
				to.Associations = append(to.Associations, kit.AclAssociation{ID: newAssoc, SubnetID: as.SubnetID})
				return t.Put(c.Key(to.ID), to)
			}
		}
		return errACLAssociationNotFound(assocID)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ReplaceNetworkAclAssociationResult{NewAssociationId: kit.Ptr(newAssoc)}, nil
}
