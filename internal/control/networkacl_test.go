package control

import (
	"context"
	"net/netip"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/model"
)

func createNetworkACL(t *testing.T, s *Service, vpcID string) *ec2.NetworkAcl {
	t.Helper()
	out, err := s.CreateNetworkAcl(context.Background(), testCaller, &ec2.CreateNetworkAclRequest{VpcId: kit.Ptr(vpcID),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("network-acl"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("web")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return out.NetworkAcl
}

func describeACL(t *testing.T, s *Service, id string) ec2.NetworkAcl {
	t.Helper()
	out, err := s.DescribeNetworkAcls(context.Background(), testCaller, &ec2.DescribeNetworkAclsRequest{NetworkAclIds: []string{id}})
	if err != nil || len(out.NetworkAcls) != 1 {
		t.Fatalf("describe %s: %v %+v", id, err, out)
	}
	return out.NetworkAcls[0]
}

func entryReq(acl string, number int32, egress bool, proto, action, cidr string) *ec2.CreateNetworkAclEntryRequest {
	return &ec2.CreateNetworkAclEntryRequest{NetworkAclId: kit.Ptr(acl), RuleNumber: kit.Ptr(number), Egress: kit.Ptr(egress),
		Protocol: kit.Ptr(proto), RuleAction: kit.Ptr(action), CidrBlock: kit.Ptr(cidr)}
}

func TestCreateNetworkACLDeniesEverything(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	acl := createNetworkACL(t, s, vpc)
	if *acl.IsDefault || len(acl.Associations) != 0 || len(acl.Tags) != 1 {
		t.Errorf("new ACL: %+v", acl)
	}
	if len(acl.Entries) != 2 {
		t.Fatalf("entries %+v, want the two * rules", acl.Entries)
	}
	for _, e := range acl.Entries {
		if *e.RuleNumber != 32767 || *e.RuleAction != "deny" || *e.Protocol != "-1" || *e.CidrBlock != "0.0.0.0/0" {
			t.Errorf("entry %+v", e)
		}
	}
	v6, err := s.CreateVpc(ctx, testCaller, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.1.0.0/16"), AmazonProvidedIpv6CidrBlock: kit.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if acl6 := createNetworkACL(t, s, *v6.Vpc.VpcId); len(acl6.Entries) != 4 {
		t.Errorf("IPv6 VPC: entries %+v, want 32767 and 32768 both ways", acl6.Entries)
	}
	_, err = s.CreateNetworkAcl(ctx, testCaller, &ec2.CreateNetworkAclRequest{VpcId: kit.Ptr("vpc-0123456789abcdef0")})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = s.CreateNetworkAcl(ctx, testCaller, &ec2.CreateNetworkAclRequest{VpcId: kit.Ptr(vpc),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc"), Tags: []ec2.Tag{{Key: kit.Ptr("a"), Value: kit.Ptr("b")}}}}})
	wantCode(t, err, "InvalidParameterValue")
}

func TestNetworkACLEntries(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	acl := *createNetworkACL(t, s, vpc).NetworkAclId

	ok := entryReq(acl, 100, false, "tcp", "allow", "10.0.0.0/16")
	ok.PortRange = &ec2.PortRange{From: kit.Ptr(int32(80)), To: kit.Ptr(int32(443))}
	wantCode(t, s.CreateNetworkAclEntry(ctx, testCaller, ok), "")
	wantCode(t, s.CreateNetworkAclEntry(ctx, testCaller, ok), "NetworkAclEntryAlreadyExists")
	egress := *ok
	egress.Egress = kit.Ptr(true)
	wantCode(t, s.CreateNetworkAclEntry(ctx, testCaller, &egress), "") // same number, other direction
	icmp := entryReq(acl, 90, false, "1", "deny", "10.0.9.0/24")
	icmp.IcmpTypeCode = &ec2.IcmpTypeCode{Type: kit.Ptr(int32(8)), Code: kit.Ptr(int32(-1))}
	wantCode(t, s.CreateNetworkAclEntry(ctx, testCaller, icmp), "")

	got := describeACL(t, s, acl)
	if len(got.Entries) != 5 {
		t.Fatalf("entries: %+v", got.Entries)
	}
	first := got.Entries[0]
	if *first.RuleNumber != 90 || *first.Protocol != "1" || *first.IcmpTypeCode.Type != 8 || first.PortRange != nil {
		t.Errorf("first ingress entry %+v", first)
	}
	if e := got.Entries[1]; *e.Protocol != "6" || *e.PortRange.From != 80 || *e.PortRange.To != 443 {
		t.Errorf("protocol names are stored as numbers: %+v", e)
	}

	for _, tc := range []struct {
		name string
		edit func(*ec2.CreateNetworkAclEntryRequest)
		code string
	}{
		{"rule number 0", func(r *ec2.CreateNetworkAclEntryRequest) { r.RuleNumber = kit.Ptr(int32(0)) }, "InvalidParameterValue"},
		{"the * rule", func(r *ec2.CreateNetworkAclEntryRequest) { r.RuleNumber = kit.Ptr(int32(32767)) }, "InvalidParameterValue"},
		{"bad action", func(r *ec2.CreateNetworkAclEntryRequest) { r.RuleAction = kit.Ptr("maybe") }, "InvalidParameterValue"},
		{"bad protocol", func(r *ec2.CreateNetworkAclEntryRequest) { r.Protocol = kit.Ptr("300") }, "InvalidParameterValue"},
		{"tcp without ports", func(r *ec2.CreateNetworkAclEntryRequest) { r.PortRange = nil }, "MissingParameter"},
		{"ports reversed", func(r *ec2.CreateNetworkAclEntryRequest) {
			r.PortRange = &ec2.PortRange{From: kit.Ptr(int32(90)), To: kit.Ptr(int32(80))}
		}, "InvalidParameterValue"},
		{"icmp without type", func(r *ec2.CreateNetworkAclEntryRequest) { r.Protocol = kit.Ptr("icmp") }, "MissingParameter"},
		{"no block", func(r *ec2.CreateNetworkAclEntryRequest) { r.CidrBlock = nil }, "MissingParameter"},
		{"both blocks", func(r *ec2.CreateNetworkAclEntryRequest) { r.Ipv6CidrBlock = kit.Ptr("::/0") }, "InvalidParameterCombination"},
		{"bad block", func(r *ec2.CreateNetworkAclEntryRequest) { r.CidrBlock = kit.Ptr("10.0.0.0/33") }, "InvalidParameterValue"},
		{"unknown ACL", func(r *ec2.CreateNetworkAclEntryRequest) { r.NetworkAclId = kit.Ptr("acl-0123456789abcdef0") }, "InvalidNetworkAclID.NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := entryReq(acl, 200, false, "tcp", "allow", "0.0.0.0/0")
			r.PortRange = &ec2.PortRange{From: kit.Ptr(int32(22)), To: kit.Ptr(int32(22))}
			tc.edit(r)
			wantCode(t, s.CreateNetworkAclEntry(ctx, testCaller, r), tc.code)
		})
	}

	// Other protocols and -1 ignore ports.
	wantCode(t, s.CreateNetworkAclEntry(ctx, testCaller, entryReq(acl, 300, false, "all", "allow", "0.0.0.0/0")), "")
	wantCode(t, s.ReplaceNetworkAclEntry(ctx, testCaller, &ec2.ReplaceNetworkAclEntryRequest{NetworkAclId: kit.Ptr(acl), RuleNumber: kit.Ptr(int32(300)),
		Egress: kit.Ptr(false), Protocol: kit.Ptr("47"), RuleAction: kit.Ptr("deny"), Ipv6CidrBlock: kit.Ptr("2600:1f18::/56")}), "")
	wantCode(t, s.ReplaceNetworkAclEntry(ctx, testCaller, &ec2.ReplaceNetworkAclEntryRequest{NetworkAclId: kit.Ptr(acl), RuleNumber: kit.Ptr(int32(301)),
		Egress: kit.Ptr(false), Protocol: kit.Ptr("-1"), RuleAction: kit.Ptr("deny"), CidrBlock: kit.Ptr("0.0.0.0/0")}), "InvalidNetworkAclEntry.NotFound")
	got = describeACL(t, s, acl)
	for _, e := range got.Entries {
		if *e.RuleNumber == 300 && (*e.Protocol != "47" || *e.Ipv6CidrBlock != "2600:1f18::/56" || *e.RuleAction != "deny") {
			t.Errorf("replaced entry %+v", e)
		}
	}

	del := func(n int32, egress bool) error {
		return s.DeleteNetworkAclEntry(ctx, testCaller, &ec2.DeleteNetworkAclEntryRequest{NetworkAclId: kit.Ptr(acl), RuleNumber: kit.Ptr(n), Egress: kit.Ptr(egress)})
	}
	wantCode(t, del(100, true), "")
	wantCode(t, del(100, true), "InvalidNetworkAclEntry.NotFound")
	wantCode(t, del(32767, true), "InvalidParameterValue")

	// The quota of rules per direction.
	for n := int32(1); n <= 20; n++ {
		err := s.CreateNetworkAclEntry(ctx, testCaller, entryReq(acl, 1000+n, true, "-1", "allow", "0.0.0.0/0"))
		if n <= 20 {
			wantCode(t, err, "")
		}
	}
	wantCode(t, s.CreateNetworkAclEntry(ctx, testCaller, entryReq(acl, 2000, true, "-1", "allow", "0.0.0.0/0")), "NetworkAclEntryLimitExceeded")

	// The filters see the entries.
	out, err := s.DescribeNetworkAcls(ctx, testCaller, &ec2.DescribeNetworkAclsRequest{Filters: []ec2.Filter{
		{Name: kit.Ptr("entry.rule-number"), Values: []string{"90"}}, {Name: kit.Ptr("entry.protocol"), Values: []string{"1"}}}})
	if err != nil || len(out.NetworkAcls) != 1 || *out.NetworkAcls[0].NetworkAclId != acl {
		t.Errorf("filter by entry: %v %+v", err, out)
	}
}

func TestNetworkACLAssociationAndDelete(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	other := *createVpc(t, s, "10.1.0.0/16").VpcId
	sn := *createSubnet(t, s, vpc, "10.0.1.0/24").SubnetId
	acl := *createNetworkACL(t, s, vpc).NetworkAclId
	otherACL := *createNetworkACL(t, s, other).NetworkAclId

	def, err := s.DescribeNetworkAcls(ctx, testCaller, &ec2.DescribeNetworkAclsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("association.subnet-id"), Values: []string{sn}}}})
	if err != nil || len(def.NetworkAcls) != 1 {
		t.Fatalf("default ACL of the subnet: %v %+v", err, def)
	}
	defaultACL := *def.NetworkAcls[0].NetworkAclId
	assoc := *def.NetworkAcls[0].Associations[0].NetworkAclAssociationId

	replace := func(assoc, to string) (string, error) {
		out, err := s.ReplaceNetworkAclAssociation(ctx, testCaller, &ec2.ReplaceNetworkAclAssociationRequest{AssociationId: kit.Ptr(assoc), NetworkAclId: kit.Ptr(to)})
		if err != nil {
			return "", err
		}
		return *out.NewAssociationId, nil
	}
	_, err = replace(assoc, otherACL)
	wantCode(t, err, "InvalidParameterValue")
	_, err = replace("aclassoc-0123456789abcdef0", acl)
	wantCode(t, err, "InvalidAssociationID.NotFound")
	_, err = replace("rtbassoc-0123456789abcdef0", acl)
	wantCode(t, err, "InvalidAssociationID.NotFound")
	moved, err := replace(assoc, acl)
	wantCode(t, err, "")
	if moved == assoc || !kit.ValidID(moved, "aclassoc") {
		t.Errorf("new association ID %q", moved)
	}
	if a := describeACL(t, s, acl); len(a.Associations) != 1 || *a.Associations[0].SubnetId != sn || *a.Associations[0].NetworkAclAssociationId != moved {
		t.Errorf("custom ACL associations %+v", a.Associations)
	}
	if a := describeACL(t, s, defaultACL); len(a.Associations) != 0 {
		t.Errorf("default ACL still has %+v", a.Associations)
	}

	// The model sees the subnet in its new ACL.
	n, _, err := s.Network(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.ACLOf(sn); got == nil || got.ID != acl {
		t.Errorf("model: ACLOf(subnet) = %+v, want %s", got, acl)
	} else if allow, rule := got.Allows(false, model.Packet{Protocol: 6, Port: 22, Peer: netip.MustParseAddr("10.0.2.5")}); allow || rule != 32767 {
		t.Errorf("model: new ACL answers %v by %d, want deny by 32767", allow, rule)
	}

	del := func(id string) error {
		return s.DeleteNetworkAcl(ctx, testCaller, &ec2.DeleteNetworkAclRequest{NetworkAclId: kit.Ptr(id)})
	}
	wantCode(t, del(acl), "DependencyViolation")
	wantCode(t, del(defaultACL), "InvalidParameterValue")
	wantCode(t, s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: kit.Ptr(other)}), "DependencyViolation")
	back, err := replace(moved, defaultACL)
	wantCode(t, err, "")
	wantCode(t, del(acl), "")
	wantCode(t, del(acl), "InvalidNetworkAclID.NotFound")
	wantCode(t, del(otherACL), "")
	wantCode(t, s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: kit.Ptr(other)}), "")

	// Deleting the subnet takes its association away.
	wantCode(t, s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: kit.Ptr(sn)}), "")
	if a := describeACL(t, s, defaultACL); len(a.Associations) != 0 {
		t.Errorf("association %s of a deleted subnet remains: %+v", back, a.Associations)
	}
}
