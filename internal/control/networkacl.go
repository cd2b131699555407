package control

import (
	"context"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"vpcd/internal/ec2"
	"vpcd/internal/model"
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

// model is the ACL as the data plane and the analyzer see it.
func (a *networkACLRecord) model() *model.NetworkACL {
	m := &model.NetworkACL{ID: a.ID, VPC: a.VpcID}
	for _, e := range a.Entries {
		me := model.ACLEntry{Number: int(e.RuleNumber), Egress: e.Egress, Allow: e.Allow,
			Protocol: protocolNumber(e.Protocol), CIDR: e.Cidr, FromPort: -1, ToPort: -1}
		if e.FromPort != nil && e.ToPort != nil {
			me.FromPort, me.ToPort = int(*e.FromPort), int(*e.ToPort)
		}
		if e.IcmpType != nil && e.IcmpCode != nil {
			me.FromPort, me.ToPort = int(*e.IcmpType), int(*e.IcmpCode)
		}
		m.Entries = append(m.Entries, me)
	}
	for _, as := range a.Associations {
		m.Subnets = append(m.Subnets, as.SubnetID)
	}
	return m
}

// The numbers of the final rules, which deny what nothing else matched and cannot be
// changed.
const (
	aclDefaultRule   = 32767
	aclDefaultRuleV6 = 32768
)

// CreateNetworkAcl creates a custom ACL in a VPC. It denies everything until rules are
// added: it has only the final "*" rules, both ways.
func (s *Service) CreateNetworkAcl(ctx context.Context, c Caller, in *ec2.CreateNetworkAclRequest) (*ec2.CreateNetworkAclResult, error) {
	if deref(in.VpcId) == "" {
		return nil, ec2.ErrMissingParameter("VpcId")
	}
	tags, err := tagsOnCreate(in.TagSpecifications, "network-acl")
	if err != nil {
		return nil, err
	}
	var acl *networkACLRecord
	err = s.updateOn(ctx, *in.VpcId, func(t *txn) error {
		vpc, _, err := childOf(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		acl = &networkACLRecord{meta: meta{ID: newID("acl"), Owner: c.Account, Tags: tags}, VpcID: vpc.ID, Entries: []aclEntry{}}
		for _, egress := range []bool{false, true} {
			acl.Entries = append(acl.Entries, aclEntry{RuleNumber: aclDefaultRule, Egress: egress, Protocol: "-1", Cidr: anyIPv4})
			if len(vpc.Ipv6Blocks) > 0 {
				acl.Entries = append(acl.Entries, aclEntry{RuleNumber: aclDefaultRuleV6, Egress: egress, Protocol: "-1", Cidr: anyIPv6})
			}
		}
		return t.put(c.key(acl.ID), acl)
	})
	if err != nil {
		return nil, err
	}
	out := acl.ec2()
	return &ec2.CreateNetworkAclResult{NetworkAcl: &out, ClientToken: in.ClientToken}, nil
}

// DeleteNetworkAcl deletes a custom ACL that no subnet is in.
func (s *Service) DeleteNetworkAcl(ctx context.Context, c Caller, in *ec2.DeleteNetworkAclRequest) error {
	if deref(in.NetworkAclId) == "" {
		return ec2.ErrMissingParameter("NetworkAclId")
	}
	return s.updateOn(ctx, s.parentVpc(ctx, c, *in.NetworkAclId), func(t *txn) error {
		acl, err := get[networkACLRecord](t, c, "acl", *in.NetworkAclId)
		if err != nil {
			return err
		}
		if acl.IsDefault {
			return ec2.ErrInvalidParameterValue("cannot delete default network ACL %s", acl.ID)
		}
		if len(acl.Associations) > 0 {
			return ec2.ErrDependencyViolation("The networkAcl '%s' has dependencies and cannot be deleted.", acl.ID)
		}
		if err := bumpChildren(t, c, acl.VpcID); err != nil {
			return err
		}
		t.del(c.key(acl.ID))
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
func (in aclEntryInput) entry() (aclEntry, error) {
	for name, p := range map[string]*string{"NetworkAclId": in.NetworkAclID, "Protocol": in.Protocol, "RuleAction": in.RuleAction} {
		if p == nil || *p == "" {
			return aclEntry{}, ec2.ErrMissingParameter(name)
		}
	}
	if in.RuleNumber == nil {
		return aclEntry{}, ec2.ErrMissingParameter("RuleNumber")
	}
	if in.Egress == nil {
		return aclEntry{}, ec2.ErrMissingParameter("Egress")
	}
	e := aclEntry{RuleNumber: *in.RuleNumber, Egress: *in.Egress}
	if err := checkRuleNumber(e.RuleNumber); err != nil {
		return aclEntry{}, err
	}
	switch *in.RuleAction {
	case "allow":
		e.Allow = true
	case "deny":
	default:
		return aclEntry{}, ec2.ErrInvalidParameterValue("Invalid value '%s' for ruleAction. It must be 'allow' or 'deny'.", *in.RuleAction)
	}
	proto, ok := aclProtocol(*in.Protocol)
	if !ok {
		return aclEntry{}, ec2.ErrInvalidParameterValue("Invalid value '%s' for protocol. It must be a protocol number between 0 and 255 or -1.", *in.Protocol)
	}
	e.Protocol = strconv.Itoa(proto)
	v4, v6 := deref(in.CidrBlock), deref(in.Ipv6CidrBlock)
	switch {
	case v4 != "" && v6 != "":
		return aclEntry{}, ec2.ErrInvalidParameterCombination("You may specify either an IPv4 CIDR block or an IPv6 CIDR block, but not both.")
	case v4 == "" && v6 == "":
		return aclEntry{}, ec2.ErrMissingParameter("CidrBlock or Ipv6CidrBlock")
	case v4 != "":
		p, err := netip.ParsePrefix(v4)
		if err != nil || !p.Addr().Is4() {
			return aclEntry{}, ec2.ErrInvalidParameterValue("Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", v4)
		}
		e.Cidr = p.Masked()
	default:
		p, err := netip.ParsePrefix(v6)
		if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
			return aclEntry{}, ec2.ErrInvalidParameterValue("Value (%s) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.", v6)
		}
		e.Cidr = p.Masked()
	}
	switch {
	case proto == 6 || proto == 17:
		if in.PortRange == nil || in.PortRange.From == nil || in.PortRange.To == nil {
			return aclEntry{}, ec2.ErrMissingParameter("portRange")
		}
		from, to := *in.PortRange.From, *in.PortRange.To
		if from < 0 || to > 65535 || from > to {
			return aclEntry{}, ec2.ErrInvalidParameterValue("Invalid value for portRange. Must specify a valid fromPort and toPort between 0 and 65535, fromPort no greater than toPort (got %d-%d).", from, to)
		}
		e.FromPort, e.ToPort = &from, &to
	case proto == 1 || proto == 58 && e.Cidr.Addr().Is6():
		if in.Icmp == nil || in.Icmp.Type == nil || in.Icmp.Code == nil {
			return aclEntry{}, ec2.ErrMissingParameter("icmpTypeCode")
		}
		typ, code := *in.Icmp.Type, *in.Icmp.Code
		if typ < -1 || typ > 255 || code < -1 || code > 255 {
			return aclEntry{}, ec2.ErrInvalidParameterValue("Invalid value for icmpTypeCode: type %d, code %d. Each must be between -1 and 255.", typ, code)
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

// findEntry is the index of an entry of one direction, or -1.
func (a *networkACLRecord) findEntry(number int32, egress bool) int {
	for i, e := range a.Entries {
		if e.RuleNumber == number && e.Egress == egress {
			return i
		}
	}
	return -1
}

func errACLEntryNotFound() error {
	return ec2.ErrInvalidNetworkAclEntryNotFound("The specified network ACL entry does not exist.")
}

// CreateNetworkAclEntry adds a numbered rule to one direction of an ACL.
func (s *Service) CreateNetworkAclEntry(ctx context.Context, c Caller, in *ec2.CreateNetworkAclEntryRequest) error {
	e, err := aclEntryInput{in.NetworkAclId, in.CidrBlock, in.Ipv6CidrBlock, in.Protocol, in.RuleAction, in.Egress, in.RuleNumber, in.IcmpTypeCode, in.PortRange}.entry()
	if err != nil {
		return err
	}
	return s.update(ctx, func(t *txn) error {
		acl, err := get[networkACLRecord](t, c, "acl", *in.NetworkAclId)
		if err != nil {
			return err
		}
		if acl.findEntry(e.RuleNumber, e.Egress) >= 0 {
			return ec2.ErrNetworkAclEntryAlreadyExists("The network acl entry identified by %d already exists.", e.RuleNumber)
		}
		n := 0
		for _, x := range acl.Entries {
			if x.Egress == e.Egress && x.RuleNumber < aclDefaultRule {
				n++
			}
		}
		limit, err := s.quotaLimit(t, c, quotaACLRules)
		if err != nil {
			return err
		}
		if n >= limit {
			return ec2.ErrNetworkAclEntryLimitExceeded("The maximum number of entries for the network acl '%s' has been reached.", acl.ID)
		}
		acl.Entries = append(acl.Entries, e)
		sortACLEntries(acl.Entries)
		return t.put(c.key(acl.ID), acl)
	})
}

// sortACLEntries keeps the ingress rules first, then egress, each by number, as AWS lists
// them.
func sortACLEntries(es []aclEntry) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Egress != es[j].Egress {
			return !es[i].Egress
		}
		return es[i].RuleNumber < es[j].RuleNumber
	})
}

// ReplaceNetworkAclEntry replaces an existing rule, keeping its number and direction.
func (s *Service) ReplaceNetworkAclEntry(ctx context.Context, c Caller, in *ec2.ReplaceNetworkAclEntryRequest) error {
	e, err := aclEntryInput{in.NetworkAclId, in.CidrBlock, in.Ipv6CidrBlock, in.Protocol, in.RuleAction, in.Egress, in.RuleNumber, in.IcmpTypeCode, in.PortRange}.entry()
	if err != nil {
		return err
	}
	return s.update(ctx, func(t *txn) error {
		acl, err := get[networkACLRecord](t, c, "acl", *in.NetworkAclId)
		if err != nil {
			return err
		}
		i := acl.findEntry(e.RuleNumber, e.Egress)
		if i < 0 {
			return errACLEntryNotFound()
		}
		acl.Entries[i] = e
		return t.put(c.key(acl.ID), acl)
	})
}

// DeleteNetworkAclEntry removes a rule; the final "*" rules stay.
func (s *Service) DeleteNetworkAclEntry(ctx context.Context, c Caller, in *ec2.DeleteNetworkAclEntryRequest) error {
	if deref(in.NetworkAclId) == "" {
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
	return s.update(ctx, func(t *txn) error {
		acl, err := get[networkACLRecord](t, c, "acl", *in.NetworkAclId)
		if err != nil {
			return err
		}
		i := acl.findEntry(*in.RuleNumber, *in.Egress)
		if i < 0 {
			return errACLEntryNotFound()
		}
		acl.Entries = append(acl.Entries[:i], acl.Entries[i+1:]...)
		return t.put(c.key(acl.ID), acl)
	})
}

// ReplaceNetworkAclAssociation moves a subnet to another ACL of its VPC; the association
// gets a new ID. A subnet is always in exactly one ACL, so there is no disassociation.
func (s *Service) ReplaceNetworkAclAssociation(ctx context.Context, c Caller, in *ec2.ReplaceNetworkAclAssociationRequest) (*ec2.ReplaceNetworkAclAssociationResult, error) {
	assocID := deref(in.AssociationId)
	if assocID == "" {
		return nil, ec2.ErrMissingParameter("AssociationId")
	}
	if deref(in.NetworkAclId) == "" {
		return nil, ec2.ErrMissingParameter("NetworkAclId")
	}
	if !validID(assocID, "aclassoc") {
		return nil, ec2.ErrInvalidAssociationIDMalformed("Invalid id: \"%s\" (expecting \"aclassoc-...\")", assocID)
	}
	newAssoc := newID("aclassoc")
	err := s.update(ctx, func(t *txn) error {
		to, err := get[networkACLRecord](t, c, "acl", *in.NetworkAclId)
		if err != nil {
			return err
		}
		acls, err := listAll[networkACLRecord](t, c.prefix("acl"))
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
				} else if err := t.put(c.key(from.ID), from); err != nil {
					return err
				}
				to.Associations = append(to.Associations, aclAssociation{ID: newAssoc, SubnetID: as.SubnetID})
				return t.put(c.key(to.ID), to)
			}
		}
		return ec2.ErrInvalidAssociationIDNotFound("The association ID '%s' does not exist", assocID)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ReplaceNetworkAclAssociationResult{NewAssociationId: ptr(newAssoc)}, nil
}
