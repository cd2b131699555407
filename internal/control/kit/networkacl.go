package kit

import (
	"net/netip"

	"vpcd/internal/ec2"
	"vpcd/internal/model"
)

var (
	AnyIPv4 = netip.MustParsePrefix("0.0.0.0/0")
	AnyIPv6 = netip.MustParsePrefix("::/0")
)

// NewDefaultNetworkACL is the ACL AWS creates with a VPC: rule 100 allows everything both
// ways, and the final rule (*, 32767) denies the rest; with IPv6, rule 101 and 32768 do the
// same for ::/0.
func NewDefaultNetworkACL(c Caller, vpc *VpcRecord) *NetworkACLRecord {
	acl := &NetworkACLRecord{Meta: Meta{ID: NewID("acl"), Owner: c.Account}, VpcID: vpc.ID, IsDefault: true}
	for _, egress := range []bool{false, true} {
		acl.Entries = append(acl.Entries,
			AclEntry{RuleNumber: 100, Egress: egress, Protocol: "-1", Allow: true, Cidr: AnyIPv4},
			AclEntry{RuleNumber: 32767, Egress: egress, Protocol: "-1", Allow: false, Cidr: AnyIPv4})
		if len(vpc.Ipv6Blocks) > 0 {
			acl.Entries = append(acl.Entries,
				AclEntry{RuleNumber: 101, Egress: egress, Protocol: "-1", Allow: true, Cidr: AnyIPv6},
				AclEntry{RuleNumber: 32768, Egress: egress, Protocol: "-1", Allow: false, Cidr: AnyIPv6})
		}
	}
	return acl
}

func V4(p netip.Prefix) string {
	if p.Addr().Is4() {
		return p.String()
	}
	return ""
}

func V6(p netip.Prefix) string {
	if p.IsValid() && p.Addr().Is6() {
		return p.String()
	}
	return ""
}

func RuleAction(allow bool) string {
	if allow {
		return "allow"
	}
	return "deny"
}

func (a *NetworkACLRecord) EC2() ec2.NetworkAcl {
	out := ec2.NetworkAcl{
		NetworkAclId: Ptr(a.ID),
		VpcId:        Ptr(a.VpcID),
		OwnerId:      Ptr(a.Owner),
		IsDefault:    Ptr(a.IsDefault),
		Tags:         a.EC2Tags(),
		Entries:      []ec2.NetworkAclEntry{},
		Associations: []ec2.NetworkAclAssociation{},
	}
	for _, e := range a.Entries {
		entry := ec2.NetworkAclEntry{
			RuleNumber: Ptr(e.RuleNumber),
			Egress:     Ptr(e.Egress),
			Protocol:   Ptr(e.Protocol),
			RuleAction: Ptr(RuleAction(e.Allow)),
		}
		if e.Cidr.Addr().Is4() {
			entry.CidrBlock = Ptr(e.Cidr.String())
		} else {
			entry.Ipv6CidrBlock = Ptr(e.Cidr.String())
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
			NetworkAclAssociationId: Ptr(as.ID), NetworkAclId: Ptr(a.ID), SubnetId: Ptr(as.SubnetID),
		})
	}
	return out
}

// AssociateDefaultACL gives a new subnet its VPC's default ACL, as AWS does.
func AssociateDefaultACL(t *Txn, c Caller, vpc *VpcRecord, subnetID string) error {
	acl, err := Get[NetworkACLRecord](t, c, "acl", vpc.DefaultACL)
	if err != nil {
		return err
	}
	acl.Associations = append(acl.Associations, AclAssociation{ID: NewID("aclassoc"), SubnetID: subnetID})
	return t.Put(c.Key(acl.ID), acl)
}

// DissociateACL removes a deleted subnet from whichever ACL it is in.
func DissociateACL(t *Txn, c Caller, vpcID, subnetID string) error {
	acls, err := ListAll[NetworkACLRecord](t, c.Prefix("acl"))
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
				return t.Put(c.Key(acl.ID), acl)
			}
		}
	}
	return nil
}

// model is the ACL as the data plane and the analyzer see it.
func (a *NetworkACLRecord) model() *model.NetworkACL {
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

// FindEntry is the index of an entry of one direction, or -1.
func (a *NetworkACLRecord) FindEntry(number int32, egress bool) int {
	for i, e := range a.Entries {
		if e.RuleNumber == number && e.Egress == egress {
			return i
		}
	}
	return -1
}
