package control

import (
	"net/netip"

	"vpcd/internal/ec2"
)

// newMainRouteTable is the route table AWS creates with a VPC: a local route for each of
// its blocks and the main association.
func newMainRouteTable(c Caller, vpc *vpcRecord) *routeTableRecord {
	rtb := &routeTableRecord{
		meta:         meta{ID: newID("rtb"), Owner: c.Account},
		VpcID:        vpc.ID,
		Associations: []routeAssociation{{ID: newID("rtbassoc"), Main: true}},
	}
	for _, cidr := range vpc.cidrs() {
		rtb.Routes = append(rtb.Routes, route{Destination: cidr, Target: "local", Origin: "CreateRouteTable"})
	}
	return rtb
}

// addLocalRoutes adds the local route of a new VPC block to every route table of the VPC.
func addLocalRoutes(t *txn, c Caller, vpc *vpcRecord, cidr netip.Prefix) error {
	return editVpcRouteTables(t, c, vpc.ID, func(rtb *routeTableRecord) {
		rtb.Routes = append(rtb.Routes, route{Destination: cidr, Target: "local", Origin: "CreateRouteTable"})
	})
}

// removeLocalRoutes removes the local route of a block leaving the VPC.
func removeLocalRoutes(t *txn, c Caller, vpc *vpcRecord, cidr netip.Prefix) error {
	return editVpcRouteTables(t, c, vpc.ID, func(rtb *routeTableRecord) {
		kept := rtb.Routes[:0]
		for _, r := range rtb.Routes {
			if !(r.Target == "local" && r.Destination == cidr) {
				kept = append(kept, r)
			}
		}
		rtb.Routes = kept
	})
}

func editVpcRouteTables(t *txn, c Caller, vpcID string, edit func(*routeTableRecord)) error {
	tables, err := listAll[routeTableRecord](t, c.prefix("rtb"))
	if err != nil {
		return err
	}
	for _, rtb := range tables {
		if rtb.VpcID != vpcID {
			continue
		}
		edit(rtb)
		if err := t.put(c.key(rtb.ID), rtb); err != nil {
			return err
		}
	}
	return nil
}

// checkCidrAgainstRoutes applies AWS's rule for a new VPC block: it may not be the same as
// or larger than the destination of a route in any of the VPC's route tables.
func checkCidrAgainstRoutes(t *txn, c Caller, vpc *vpcRecord, cidr netip.Prefix) error {
	tables, err := listAll[routeTableRecord](t, c.prefix("rtb"))
	if err != nil {
		return err
	}
	for _, rtb := range tables {
		if rtb.VpcID != vpc.ID {
			continue
		}
		for _, r := range rtb.Routes {
			if r.Target != "local" && r.Destination.IsValid() && cidr.Bits() <= r.Destination.Bits() && cidr.Contains(r.Destination.Addr()) {
				return ec2.Errorf("InvalidVpc.Range", "The CIDR '%s' conflicts with a route in route table %s.", cidr, rtb.ID)
			}
		}
	}
	return nil
}
