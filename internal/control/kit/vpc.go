package kit

import (
	"net/netip"
	"sort"

	"vpcd/internal/ec2"
)

// GetVpc reads a VPC of the caller, with AWS's errors for a malformed or unknown ID.
func GetVpc(t *Txn, c Caller, id string) (*VpcRecord, error) {
	if err := CheckID(id, "vpc"); err != nil {
		return nil, err
	}
	var v VpcRecord
	ok, err := t.Get(c.Key(id), &v)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, NotFound(id)
	}
	return &v, nil
}

func (v *VpcRecord) EC2() *ec2.Vpc {
	out := &ec2.Vpc{
		VpcId:           Ptr(v.ID),
		OwnerId:         Ptr(v.Owner),
		State:           Ptr("available"),
		CidrBlock:       Ptr(v.CidrBlocks[0].Cidr.String()),
		DhcpOptionsId:   Ptr(v.DhcpOptionsID),
		InstanceTenancy: Ptr(v.InstanceTenancy),
		IsDefault:       Ptr(v.IsDefault),
		Tags:            v.EC2Tags(),
		BlockPublicAccessStates: &ec2.BlockPublicAccessStates{
			InternetGatewayBlockMode: Ptr("off"),
		},
	}
	for _, b := range v.CidrBlocks {
		out.CidrBlockAssociationSet = append(out.CidrBlockAssociationSet, ec2.VpcCidrBlockAssociation{
			AssociationId:  Ptr(b.ID),
			CidrBlock:      Ptr(b.Cidr.String()),
			CidrBlockState: &ec2.VpcCidrBlockState{State: Ptr(b.State)},
		})
	}
	for _, b := range v.Ipv6Blocks {
		out.Ipv6CidrBlockAssociationSet = append(out.Ipv6CidrBlockAssociationSet, ec2.VpcIpv6CidrBlockAssociation{
			AssociationId:      Ptr(b.ID),
			Ipv6CidrBlock:      Ptr(b.Cidr.String()),
			Ipv6CidrBlockState: &ec2.VpcCidrBlockState{State: Ptr(b.State)},
			Ipv6Pool:           Ptr(b.Ipv6Pool),
			NetworkBorderGroup: Ptr(b.NetworkBorderGroup),
		})
	}
	return out
}

func Collect[T any](items []T, f func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = f(it)
	}
	return out
}

func BoolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// vpcCidrs is every block of the VPC, IPv4 then IPv6.
func (v *VpcRecord) Cidrs() []netip.Prefix {
	var out []netip.Prefix
	for _, b := range v.CidrBlocks {
		out = append(out, b.Cidr)
	}
	for _, b := range v.Ipv6Blocks {
		out = append(out, b.Cidr)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Addr().Is4() && !out[j].Addr().Is4() })
	return out
}
