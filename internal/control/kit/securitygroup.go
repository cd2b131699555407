package kit

import (
	"strconv"

	"vpcd/internal/ec2"
)

// NewDefaultSecurityGroup is the group AWS creates with a VPC: named "default", allowing
// all traffic from members of itself and all traffic out.
func NewDefaultSecurityGroup(c Caller, vpc *VpcRecord) *SecurityGroupRecord {
	id := NewID("sg")
	sg := &SecurityGroupRecord{
		Meta:        Meta{ID: id, Owner: c.Account},
		VpcID:       vpc.ID,
		Name:        "default",
		Description: "default VPC security group",
		Rules: []SgRule{
			{ID: NewID("sgr"), Protocol: "-1", FromPort: -1, ToPort: -1, GroupID: id, GroupOwner: c.Account},
			{ID: NewID("sgr"), Egress: true, Protocol: "-1", FromPort: -1, ToPort: -1, Cidr: AnyIPv4},
		},
	}
	if len(vpc.Ipv6Blocks) > 0 {
		sg.Rules = append(sg.Rules, SgRule{ID: NewID("sgr"), Egress: true, Protocol: "-1", FromPort: -1, ToPort: -1, Cidr: AnyIPv6})
	}
	return sg
}

func (g *SecurityGroupRecord) ARN(region string) string {
	return ARN(region, g.Owner, g.ID)
}

func (g *SecurityGroupRecord) EC2(region string) ec2.SecurityGroup {
	return ec2.SecurityGroup{
		GroupId:             Ptr(g.ID),
		GroupName:           Ptr(g.Name),
		Description:         Ptr(g.Description),
		OwnerId:             Ptr(g.Owner),
		VpcId:               Ptr(g.VpcID),
		Tags:                g.EC2Tags(),
		SecurityGroupArn:    Ptr(g.ARN(region)),
		IpPermissions:       ipPermissions(g.Rules, false),
		IpPermissionsEgress: ipPermissions(g.Rules, true),
	}
}

// ipPermissions are the rules of one direction as DescribeSecurityGroups shows them: as
// AWS does, the rules of one protocol and port range make one IpPermission that lists
// every source (clients such as Terraform compare these sets). Permissions come in the
// order of their first rule.
func ipPermissions(rules []SgRule, egress bool) []ec2.IpPermission {
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
			p := ec2.IpPermission{IpProtocol: Ptr(r.Protocol)}
			if r.Protocol != "-1" {
				p.FromPort, p.ToPort = Ptr(r.FromPort), Ptr(r.ToPort)
			}
			out = append(out, p)
		}
		r.addSource(&out[i])
	}
	return out
}

// addSource adds the rule's source, with its description, to a permission.
func (r SgRule) addSource(p *ec2.IpPermission) {
	var desc *string
	if r.Description != "" {
		desc = Ptr(r.Description)
	}
	switch {
	case r.GroupID != "":
		p.UserIdGroupPairs = append(p.UserIdGroupPairs, ec2.UserIdGroupPair{GroupId: Ptr(r.GroupID), UserId: Ptr(r.GroupOwner), Description: desc})
	case r.PrefixListID != "":
		p.PrefixListIds = append(p.PrefixListIds, ec2.PrefixListId{PrefixListId: Ptr(r.PrefixListID), Description: desc})
	case r.Cidr.Addr().Is4():
		p.IpRanges = append(p.IpRanges, ec2.IpRange{CidrIp: Ptr(r.Cidr.String()), Description: desc})
	default:
		p.Ipv6Ranges = append(p.Ipv6Ranges, ec2.Ipv6Range{CidrIpv6: Ptr(r.Cidr.String()), Description: desc})
	}
}
