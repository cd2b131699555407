package kit

import (
	"net/netip"

	"vpcd/internal/ec2"
)

// NewMainRouteTable is the route table AWS creates with a VPC: a local route for each of
// its blocks and the main association.
func NewMainRouteTable(c Caller, vpc *VpcRecord) *RouteTableRecord {
	rtb := &RouteTableRecord{
		Meta:         Meta{ID: NewID("rtb"), Owner: c.Account},
		VpcID:        vpc.ID,
		Associations: []RouteAssociation{{ID: NewID("rtbassoc"), Main: true}},
	}
	for _, cidr := range vpc.Cidrs() {
		rtb.Routes = append(rtb.Routes, Route{Destination: cidr, Target: "local", Origin: "CreateRouteTable"})
	}
	return rtb
}

// AddLocalRoutes adds the local route of a new VPC block to every route table of the VPC.
func AddLocalRoutes(t *Txn, c Caller, vpc *VpcRecord, cidr netip.Prefix) error {
	return EditVpcRouteTables(t, c, vpc.ID, func(rtb *RouteTableRecord) {
		rtb.Routes = append(rtb.Routes, Route{Destination: cidr, Target: "local", Origin: "CreateRouteTable"})
	})
}

// RemoveLocalRoutes removes the local route of a block leaving the VPC.
func RemoveLocalRoutes(t *Txn, c Caller, vpc *VpcRecord, cidr netip.Prefix) error {
	return EditVpcRouteTables(t, c, vpc.ID, func(rtb *RouteTableRecord) {
		kept := rtb.Routes[:0]
		for _, r := range rtb.Routes {
			if !(r.Target == "local" && r.Destination == cidr) {
				kept = append(kept, r)
			}
		}
		rtb.Routes = kept
	})
}

func EditVpcRouteTables(t *Txn, c Caller, vpcID string, edit func(*RouteTableRecord)) error {
	tables, err := ListAll[RouteTableRecord](t, c.Prefix("rtb"))
	if err != nil {
		return err
	}
	for _, rtb := range tables {
		if rtb.VpcID != vpcID {
			continue
		}
		edit(rtb)
		if err := t.Put(c.Key(rtb.ID), rtb); err != nil {
			return err
		}
	}
	return nil
}

// CheckCidrAgainstRoutes applies AWS's rule for a new VPC block: it may not be the same as
// or larger than the destination of a route in any of the VPC's route tables.
func CheckCidrAgainstRoutes(t *Txn, c Caller, vpc *VpcRecord, cidr netip.Prefix) error {
	tables, err := ListAll[RouteTableRecord](t, c.Prefix("rtb"))
	if err != nil {
		return err
	}
	for _, rtb := range tables {
		if rtb.VpcID != vpc.ID {
			continue
		}
		for _, r := range rtb.Routes {
			if r.Target != "local" && r.Destination.IsValid() && cidr.Bits() <= r.Destination.Bits() && cidr.Contains(r.Destination.Addr()) {
				return ec2.ErrInvalidVpcRange("The CIDR '%s' conflicts with a route in route table %s.", cidr, rtb.ID)
			}
		}
	}
	return nil
}

func (rtb *RouteTableRecord) EC2(state func(Route) string) ec2.RouteTable {
	out := ec2.RouteTable{
		RouteTableId:    Ptr(rtb.ID),
		VpcId:           Ptr(rtb.VpcID),
		OwnerId:         Ptr(rtb.Owner),
		Tags:            rtb.EC2Tags(),
		PropagatingVgws: []ec2.PropagatingVgw{},
		Routes:          []ec2.Route{},
		Associations:    []ec2.RouteTableAssociation{},
	}
	for _, r := range rtb.Routes {
		out.Routes = append(out.Routes, r.EC2(state(r)))
	}
	for _, a := range rtb.Associations {
		out.Associations = append(out.Associations, a.ec2(rtb.ID))
	}
	for _, g := range rtb.PropagatingVgws {
		out.PropagatingVgws = append(out.PropagatingVgws, ec2.PropagatingVgw{GatewayId: Ptr(g)})
	}
	return out
}

func (a RouteAssociation) ec2(rtbID string) ec2.RouteTableAssociation {
	out := ec2.RouteTableAssociation{
		RouteTableAssociationId: Ptr(a.ID),
		RouteTableId:            Ptr(rtbID),
		Main:                    Ptr(a.Main),
		AssociationState:        &ec2.RouteTableAssociationState{State: Ptr("associated")},
	}
	if a.SubnetID != "" {
		out.SubnetId = Ptr(a.SubnetID)
	}
	if a.GatewayID != "" {
		out.GatewayId = Ptr(a.GatewayID)
	}
	return out
}

// VpcRouteTables is every route table of the VPC.
func VpcRouteTables(t *Txn, c Caller, vpcID string) ([]*RouteTableRecord, error) {
	all, err := ListAll[RouteTableRecord](t, c.Prefix("rtb"))
	if err != nil {
		return nil, err
	}
	var out []*RouteTableRecord
	for _, rtb := range all {
		if rtb.VpcID == vpcID {
			out = append(out, rtb)
		}
	}
	return out, nil
}

// DissociateSubnetRouteTable removes a subnet's explicit route table association, if it
// has one: for DeleteSubnet, in the same transaction.
func DissociateSubnetRouteTable(t *Txn, c Caller, vpcID, subnetID string) error {
	tables, err := VpcRouteTables(t, c, vpcID)
	if err != nil {
		return err
	}
	for _, rtb := range tables {
		for i, a := range rtb.Associations {
			if a.SubnetID == subnetID {
				rtb.Associations = append(rtb.Associations[:i], rtb.Associations[i+1:]...)
				return t.Put(c.Key(rtb.ID), rtb)
			}
		}
	}
	return nil
}
