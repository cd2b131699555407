package control

import (
	"context"
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
				return ec2.ErrInvalidVpcRange("The CIDR '%s' conflicts with a route in route table %s.", cidr, rtb.ID)
			}
		}
	}
	return nil
}

// CreateRouteTable creates a route table in a VPC with a local route for each of its blocks.
func (s *Service) CreateRouteTable(ctx context.Context, c Caller, in *ec2.CreateRouteTableRequest) (*ec2.CreateRouteTableResult, error) {
	if deref(in.VpcId) == "" {
		return nil, ec2.ErrMissingParameter("VpcId")
	}
	tags, err := tagsOnCreate(in.TagSpecifications, "route-table")
	if err != nil {
		return nil, err
	}
	var rtb *routeTableRecord
	err = s.updateOn(ctx, *in.VpcId, func(t *txn) error {
		vpc, _, err := childOf(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		rtb = &routeTableRecord{meta: meta{ID: newID("rtb"), Owner: c.Account, Tags: tags}, VpcID: vpc.ID}
		for _, cidr := range vpc.cidrs() {
			rtb.Routes = append(rtb.Routes, route{Destination: cidr, Target: "local", Origin: "CreateRouteTable"})
		}
		return t.put(c.key(rtb.ID), rtb)
	})
	if err != nil {
		return nil, err
	}
	out := rtb.ec2(func(route) string { return "active" }) // local routes only
	return &ec2.CreateRouteTableResult{RouteTable: &out, ClientToken: in.ClientToken}, nil
}

// DeleteRouteTable deletes a route table that is neither main nor associated.
func (s *Service) DeleteRouteTable(ctx context.Context, c Caller, in *ec2.DeleteRouteTableRequest) error {
	if deref(in.RouteTableId) == "" {
		return ec2.ErrMissingParameter("RouteTableId")
	}
	return s.updateOn(ctx, s.parentVpc(ctx, c, *in.RouteTableId), func(t *txn) error {
		rtb, err := get[routeTableRecord](t, c, "rtb", *in.RouteTableId)
		if err != nil {
			return err
		}
		if len(rtb.Associations) > 0 {
			return ec2.ErrDependencyViolation("The routeTable '%s' has dependencies and cannot be deleted.", rtb.ID)
		}
		// The main table changes with a bump of the children key (see
		// ReplaceRouteTableAssociation), so the peeked VPC is current at commit.
		vpc, _, err := childOf(t, c, rtb.VpcID)
		if err != nil {
			return err
		}
		if vpc.MainRouteTable == rtb.ID {
			return ec2.ErrDependencyViolation("The routeTable '%s' has dependencies and cannot be deleted.", rtb.ID)
		}
		t.del(c.key(rtb.ID))
		return nil
	})
}

// routeTableFilters gives, for each filter DescribeRouteTables documents, the table's
// values; state answers whether a route is active or a blackhole.
func routeTableFilters(state func(*routeTableRecord, route) string) map[string]func(*routeTableRecord) []string {
	assocs := func(f func(routeAssociation) string) func(*routeTableRecord) []string {
		return func(r *routeTableRecord) []string {
			var out []string
			for _, a := range r.Associations {
				if v := f(a); v != "" {
					out = append(out, v)
				}
			}
			return out
		}
	}
	routes := func(f func(*routeTableRecord, route) string) func(*routeTableRecord) []string {
		return func(r *routeTableRecord) []string {
			var out []string
			for _, rt := range r.Routes {
				if v := f(r, rt); v != "" {
					out = append(out, v)
				}
			}
			return out
		}
	}
	target := func(member func(ec2.Route) *string) func(*routeTableRecord) []string {
		return routes(func(_ *routeTableRecord, r route) string { return deref(member(r.ec2(""))) })
	}
	return map[string]func(*routeTableRecord) []string{
		"association.gateway-id":                 assocs(func(a routeAssociation) string { return a.GatewayID }),
		"association.route-table-association-id": assocs(func(a routeAssociation) string { return a.ID }),
		"association.subnet-id":                  assocs(func(a routeAssociation) string { return a.SubnetID }),
		"association.main":                       assocs(func(a routeAssociation) string { return boolString(a.Main) }),
		"association.route-table-id": func(r *routeTableRecord) []string {
			return assocs(func(routeAssociation) string { return r.ID })(r)
		},
		"owner-id":                              func(r *routeTableRecord) []string { return []string{r.Owner} },
		"route-table-id":                        func(r *routeTableRecord) []string { return []string{r.ID} },
		"vpc-id":                                func(r *routeTableRecord) []string { return []string{r.VpcID} },
		"route.destination-cidr-block":          target(func(r ec2.Route) *string { return r.DestinationCidrBlock }),
		"route.destination-ipv6-cidr-block":     target(func(r ec2.Route) *string { return r.DestinationIpv6CidrBlock }),
		"route.destination-prefix-list-id":      target(func(r ec2.Route) *string { return r.DestinationPrefixListId }),
		"route.egress-only-internet-gateway-id": target(func(r ec2.Route) *string { return r.EgressOnlyInternetGatewayId }),
		"route.gateway-id":                      target(func(r ec2.Route) *string { return r.GatewayId }),
		"route.instance-id":                     target(func(r ec2.Route) *string { return r.InstanceId }),
		"route.nat-gateway-id":                  target(func(r ec2.Route) *string { return r.NatGatewayId }),
		"route.transit-gateway-id":              target(func(r ec2.Route) *string { return r.TransitGatewayId }),
		"route.vpc-peering-connection-id":       target(func(r ec2.Route) *string { return r.VpcPeeringConnectionId }),
		"route.origin":                          routes(func(_ *routeTableRecord, r route) string { return r.Origin }),
		"route.state":                           routes(state),
	}
}

// DescribeRouteTables lists the caller's route tables, each route with its current state.
func (s *Service) DescribeRouteTables(ctx context.Context, c Caller, in *ec2.DescribeRouteTablesRequest) (*ec2.DescribeRouteTablesResult, error) {
	if err := checkMaxResults(in.MaxResults, 5, 100); err != nil {
		return nil, err
	}
	// A route's state depends on its target (a detached gateway makes it a blackhole):
	// read each target once, when a route to it is shown or filtered on.
	var rs *routeStates
	_ = s.view(ctx, func(t *txn) error { rs = newRouteStates(t, c); return nil })
	state := func(rtb *routeTableRecord, r route) string {
		st, err := rs.of(rtb, r)
		if err != nil {
			return "blackhole"
		}
		return st
	}
	tables, next, err := describe(ctx, s, c, describeQuery{Kind: "rtb", IDs: in.RouteTableIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, routeTableFilters(state))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeRouteTablesResult{NextToken: next, RouteTables: []ec2.RouteTable{}}
	for _, rtb := range tables {
		out.RouteTables = append(out.RouteTables, rtb.ec2(func(r route) string { return state(rtb, r) }))
	}
	return out, nil
}

func (rtb *routeTableRecord) ec2(state func(route) string) ec2.RouteTable {
	out := ec2.RouteTable{
		RouteTableId:    ptr(rtb.ID),
		VpcId:           ptr(rtb.VpcID),
		OwnerId:         ptr(rtb.Owner),
		Tags:            rtb.ec2Tags(),
		PropagatingVgws: []ec2.PropagatingVgw{},
		Routes:          []ec2.Route{},
		Associations:    []ec2.RouteTableAssociation{},
	}
	for _, r := range rtb.Routes {
		out.Routes = append(out.Routes, r.ec2(state(r)))
	}
	for _, a := range rtb.Associations {
		out.Associations = append(out.Associations, a.ec2(rtb.ID))
	}
	return out
}

func (a routeAssociation) ec2(rtbID string) ec2.RouteTableAssociation {
	out := ec2.RouteTableAssociation{
		RouteTableAssociationId: ptr(a.ID),
		RouteTableId:            ptr(rtbID),
		Main:                    ptr(a.Main),
		AssociationState:        &ec2.RouteTableAssociationState{State: ptr("associated")},
	}
	if a.SubnetID != "" {
		out.SubnetId = ptr(a.SubnetID)
	}
	if a.GatewayID != "" {
		out.GatewayId = ptr(a.GatewayID)
	}
	return out
}

// vpcRouteTables is every route table of the VPC.
func vpcRouteTables(t *txn, c Caller, vpcID string) ([]*routeTableRecord, error) {
	all, err := listAll[routeTableRecord](t, c.prefix("rtb"))
	if err != nil {
		return nil, err
	}
	var out []*routeTableRecord
	for _, rtb := range all {
		if rtb.VpcID == vpcID {
			out = append(out, rtb)
		}
	}
	return out, nil
}

// AssociateRouteTable associates a route table with a subnet, or with an internet or
// virtual private gateway (an edge association, for ingress routing).
func (s *Service) AssociateRouteTable(ctx context.Context, c Caller, in *ec2.AssociateRouteTableRequest) (*ec2.AssociateRouteTableResult, error) {
	if deref(in.RouteTableId) == "" {
		return nil, ec2.ErrMissingParameter("RouteTableId")
	}
	switch {
	case in.SubnetId != nil && in.GatewayId != nil:
		return nil, ec2.ErrInvalidParameterCombination("The parameter subnetId cannot be used with the parameter gatewayId")
	case in.SubnetId == nil && in.GatewayId == nil:
		return nil, ec2.ErrMissingParameter("subnetId or gatewayId")
	case in.PublicIpv4Pool != nil:
		return nil, ec2.ErrInvalidParameterValue("Public IPv4 pools are not supported")
	}
	assoc := routeAssociation{ID: newID("rtbassoc"), SubnetID: deref(in.SubnetId), GatewayID: deref(in.GatewayId)}
	err := s.update(ctx, func(t *txn) error {
		rtb, err := get[routeTableRecord](t, c, "rtb", *in.RouteTableId)
		if err != nil {
			return err
		}
		if assoc.SubnetID != "" {
			sn, err := get[subnetRecord](t, c, "subnet", assoc.SubnetID)
			if err != nil {
				return err
			}
			if sn.VpcID != rtb.VpcID {
				return ec2.ErrInvalidParameterValue("Route table %s and subnet %s belong to different networks", rtb.ID, sn.ID)
			}
		} else if err := checkEdgeGateway(t, c, rtb, assoc.GatewayID); err != nil {
			return err
		}
		// Whether another table holds the subnet or gateway is a listing: the
		// association key of the subnet or gateway guards it, so that two
		// associations of one subnet conflict.
		if err := t.guard(c.prefix("rtb-assoc") + assoc.SubnetID + assoc.GatewayID); err != nil {
			return err
		}
		tables, err := vpcRouteTables(t, c, rtb.VpcID)
		if err != nil {
			return err
		}
		for _, other := range tables {
			for _, a := range other.Associations {
				if assoc.SubnetID != "" && a.SubnetID == assoc.SubnetID || assoc.GatewayID != "" && a.GatewayID == assoc.GatewayID {
					return ec2.ErrResourceAlreadyAssociated("the specified association for route table %s conflicts with an existing association", rtb.ID)
				}
			}
		}
		rtb.Associations = append(rtb.Associations, assoc)
		return t.put(c.key(rtb.ID), rtb)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.AssociateRouteTableResult{AssociationId: ptr(assoc.ID), AssociationState: &ec2.RouteTableAssociationState{State: ptr("associated")}}, nil
}

// checkEdgeGateway applies AWS's rules to a gateway association: an internet gateway
// attached to the table's VPC, or a virtual private gateway (which vpcd keeps none of yet).
func checkEdgeGateway(t *txn, c Caller, rtb *routeTableRecord, id string) error {
	switch kindOf(id) {
	case "igw":
		igw, err := get[internetGatewayRecord](t, c, "igw", id)
		if err != nil {
			return err
		}
		if igw.VpcID != rtb.VpcID {
			return errDifferentNetworks(rtb.ID, id)
		}
		return nil
	case "vgw":
		return notFound(id)
	}
	return ec2.ErrInvalidParameterValue("invalid value for parameter gatewayId: %s", id)
}

// findAssociation returns the route table that holds the association and its index.
func findAssociation(t *txn, c Caller, id string) (*routeTableRecord, int, error) {
	if id == "" {
		return nil, 0, ec2.ErrMissingParameter("AssociationId")
	}
	if err := checkID(id, "rtbassoc"); err != nil {
		return nil, 0, err
	}
	tables, err := listAll[routeTableRecord](t, c.prefix("rtb"))
	if err != nil {
		return nil, 0, err
	}
	for _, rtb := range tables {
		for i, a := range rtb.Associations {
			if a.ID == id {
				return rtb, i, nil
			}
		}
	}
	return nil, 0, notFound(id)
}

// DisassociateRouteTable removes an explicit association; the subnet falls back to the
// main route table. The main association itself can only be moved, not removed.
func (s *Service) DisassociateRouteTable(ctx context.Context, c Caller, in *ec2.DisassociateRouteTableRequest) error {
	return s.update(ctx, func(t *txn) error {
		rtb, i, err := findAssociation(t, c, deref(in.AssociationId))
		if err != nil {
			return err
		}
		if rtb.Associations[i].Main {
			return ec2.ErrInvalidParameterValue("cannot disassociate the main route table association %s", rtb.Associations[i].ID)
		}
		rtb.Associations = append(rtb.Associations[:i], rtb.Associations[i+1:]...)
		return t.put(c.key(rtb.ID), rtb)
	})
}

// ReplaceRouteTableAssociation moves an association, the main one included, to another
// route table of the same VPC; the association gets a new ID.
func (s *Service) ReplaceRouteTableAssociation(ctx context.Context, c Caller, in *ec2.ReplaceRouteTableAssociationRequest) (*ec2.ReplaceRouteTableAssociationResult, error) {
	if deref(in.RouteTableId) == "" {
		return nil, ec2.ErrMissingParameter("RouteTableId")
	}
	assocID := newID("rtbassoc")
	err := s.update(ctx, func(t *txn) error {
		from, i, err := findAssociation(t, c, deref(in.AssociationId))
		if err != nil {
			return err
		}
		to, err := get[routeTableRecord](t, c, "rtb", *in.RouteTableId)
		if err != nil {
			return err
		}
		a := from.Associations[i]
		if to.VpcID != from.VpcID {
			other := a.SubnetID
			if other == "" {
				other = a.GatewayID
			}
			if other == "" {
				other = from.VpcID
			}
			return ec2.ErrInvalidParameterValue("Route table %s and subnet %s belong to different networks", to.ID, other)
		}
		if a.GatewayID != "" {
			if err := checkEdgeGateway(t, c, to, a.GatewayID); err != nil {
				return err
			}
		}
		from.Associations = append(from.Associations[:i], from.Associations[i+1:]...)
		if err := t.put(c.key(from.ID), from); err != nil {
			return err
		}
		if from.ID == to.ID {
			to = from
		}
		a.ID = assocID
		to.Associations = append(to.Associations, a)
		if err := t.put(c.key(to.ID), to); err != nil {
			return err
		}
		if !a.Main {
			return nil
		}
		vpc, err := getVpc(t, c, to.VpcID)
		if err != nil {
			return err
		}
		vpc.MainRouteTable = to.ID
		if err := bumpChildren(t, c, vpc.ID); err != nil {
			return err
		}
		return t.put(c.key(vpc.ID), vpc)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ReplaceRouteTableAssociationResult{NewAssociationId: ptr(assocID), AssociationState: &ec2.RouteTableAssociationState{State: ptr("associated")}}, nil
}

// dissociateSubnetRouteTable removes a subnet's explicit route table association, if it
// has one: for DeleteSubnet, in the same transaction.
func dissociateSubnetRouteTable(t *txn, c Caller, vpcID, subnetID string) error {
	tables, err := vpcRouteTables(t, c, vpcID)
	if err != nil {
		return err
	}
	for _, rtb := range tables {
		for i, a := range rtb.Associations {
			if a.SubnetID == subnetID {
				rtb.Associations = append(rtb.Associations[:i], rtb.Associations[i+1:]...)
				return t.put(c.key(rtb.ID), rtb)
			}
		}
	}
	return nil
}
