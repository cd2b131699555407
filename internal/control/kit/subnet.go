package kit

import (
	"vpcd/internal/ec2"
)

// reservedSubnetAddresses is how many addresses AWS keeps in every IPv4 subnet: the
// network address, the VPC router, DNS, one for future use and the broadcast address.
const reservedSubnetAddresses = 5

// VpcSubnets lists the subnets of one VPC.
func VpcSubnets(t *Txn, c Caller, vpcID string) ([]*SubnetRecord, error) {
	all, err := ListAll[SubnetRecord](t, c.Prefix("subnet"))
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, sn := range all {
		if sn.VpcID == vpcID {
			out = append(out, sn)
		}
	}
	return out, nil
}

// AvailableAddresses is the subnet's free IPv4 address count as AWS reports it.
func (sn *SubnetRecord) AvailableAddresses() int32 {
	if !sn.Cidr.IsValid() {
		return 0
	}
	n := 1<<(32-sn.Cidr.Bits()) - reservedSubnetAddresses - sn.UsedAddresses
	return int32(max(n, 0))
}

func (sn *SubnetRecord) CidrString() string {
	if !sn.Cidr.IsValid() {
		return ""
	}
	return sn.Cidr.String()
}

func SubnetArn(region, account, id string) string {
	return ARN(region, account, id)
}

func (sn *SubnetRecord) EC2(region string) *ec2.Subnet {
	out := &ec2.Subnet{
		SubnetId:                    Ptr(sn.ID),
		SubnetArn:                   Ptr(SubnetArn(region, sn.Owner, sn.ID)),
		VpcId:                       Ptr(sn.VpcID),
		OwnerId:                     Ptr(sn.Owner),
		State:                       Ptr("available"),
		AvailabilityZone:            Ptr(sn.AvailabilityZone),
		AvailabilityZoneId:          Ptr(sn.AvailabilityZoneID),
		AvailableIpAddressCount:     Ptr(sn.AvailableAddresses()),
		DefaultForAz:                Ptr(sn.DefaultForAz),
		MapPublicIpOnLaunch:         Ptr(sn.MapPublicIPOnLaunch),
		MapCustomerOwnedIpOnLaunch:  Ptr(false),
		AssignIpv6AddressOnCreation: Ptr(sn.AssignIpv6OnCreation),
		Ipv6Native:                  Ptr(sn.Ipv6Native),
		EnableDns64:                 Ptr(sn.EnableDns64),
		Ipv6CidrBlockAssociationSet: []ec2.SubnetIpv6CidrBlockAssociation{},
		PrivateDnsNameOptionsOnLaunch: &ec2.PrivateDnsNameOptionsOnLaunch{
			HostnameType:                    Ptr(sn.HostnameType),
			EnableResourceNameDnsARecord:    Ptr(sn.ResourceNameDnsA),
			EnableResourceNameDnsAAAARecord: Ptr(sn.ResourceNameDnsAAAA),
		},
		Tags:                    sn.EC2Tags(),
		BlockPublicAccessStates: &ec2.BlockPublicAccessStates{InternetGatewayBlockMode: Ptr("off")},
	}
	if sn.Cidr.IsValid() {
		out.CidrBlock = Ptr(sn.Cidr.String())
	}
	for _, b := range sn.Ipv6Blocks {
		out.Ipv6CidrBlockAssociationSet = append(out.Ipv6CidrBlockAssociationSet, b.SubnetIpv6(b.State))
	}
	return out
}

func (a CidrAssociation) SubnetIpv6(state string) ec2.SubnetIpv6CidrBlockAssociation {
	return ec2.SubnetIpv6CidrBlockAssociation{
		AssociationId:        Ptr(a.ID),
		Ipv6CidrBlock:        Ptr(a.Cidr.String()),
		Ipv6CidrBlockState:   &ec2.SubnetCidrBlockState{State: Ptr(state)},
		IpSource:             Ptr("amazon"),
		Ipv6AddressAttribute: Ptr("public"),
	}
}
