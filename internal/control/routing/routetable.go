package routing

import (
	"context"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// CreateRouteTable creates a route table in a VPC with a local route for each of its blocks.
func (s *Routing) CreateRouteTable(ctx context.Context, c kit.Caller, in *ec2.CreateRouteTableRequest) (*ec2.CreateRouteTableResult, error) {
	if kit.Deref(in.VpcId) == "" {
		return nil, ec2.ErrMissingParameter("VpcId")
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "route-table")
	if err != nil {
		return nil, err
	}
	var rtb *kit.RouteTableRecord
	err = s.UpdateOn(ctx, *in.VpcId, func(t *kit.Txn) error {
		vpc, _, err := kit.ChildOf(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		rtb = &kit.RouteTableRecord{Meta: kit.Meta{ID: kit.NewID("rtb"), Owner: c.Account, Tags: tags}, VpcID: vpc.ID}
		for _, cidr := range vpc.Cidrs() {
			rtb.Routes = append(rtb.Routes, kit.Route{Destination: cidr, Target: "local", Origin: "CreateRouteTable"})
		}
		return t.Put(c.Key(rtb.ID), rtb)
	})
	if err != nil {
		return nil, err
	}
	out := rtb.EC2(func(kit.Route) string { return "active" }) // local routes only
	return &ec2.CreateRouteTableResult{RouteTable: &out, ClientToken: in.ClientToken}, nil
}

// DeleteRouteTable deletes a route table that is neither main nor associated, nor a
// regional NAT gateway's own (which goes with the gateway).
func (s *Routing) DeleteRouteTable(ctx context.Context, c kit.Caller, in *ec2.DeleteRouteTableRequest) error {
	if kit.Deref(in.RouteTableId) == "" {
		return ec2.ErrMissingParameter("RouteTableId")
	}
	return s.UpdateOn(ctx, s.ParentVpc(ctx, c, *in.RouteTableId), func(t *kit.Txn) error {
		rtb, err := kit.Get[kit.RouteTableRecord](t, c, "rtb", *in.RouteTableId)
		if err != nil {
			return err
		}
		if len(rtb.Associations) > 0 || rtb.NatGateway != "" {
			return ec2.ErrDependencyViolation("The routeTable '%s' has dependencies and cannot be deleted.", rtb.ID)
		}
		// The main table changes with a bump of the children key (see
		// ReplaceRouteTableAssociation), so the peeked VPC is current at commit.
		vpc, _, err := kit.ChildOf(t, c, rtb.VpcID)
		if err != nil {
			return err
		}
		if vpc.MainRouteTable == rtb.ID {
			return ec2.ErrDependencyViolation("The routeTable '%s' has dependencies and cannot be deleted.", rtb.ID)
		}
		t.Del(c.Key(rtb.ID))
		return nil
	})
}

// routeTableFilters gives, for each filter DescribeRouteTables documents, the table's
// values; state answers whether a route is active or a blackhole.
func routeTableFilters(state func(*kit.RouteTableRecord, kit.Route) string) map[string]func(*kit.RouteTableRecord) []string {
	assocs := func(f func(kit.RouteAssociation) string) func(*kit.RouteTableRecord) []string {
		return func(r *kit.RouteTableRecord) []string {
			var out []string
			for _, a := range r.Associations {
				if v := f(a); v != "" {
					out = append(out, v)
				}
			}
			return out
		}
	}
	routes := func(f func(*kit.RouteTableRecord, kit.Route) string) func(*kit.RouteTableRecord) []string {
		return func(r *kit.RouteTableRecord) []string {
			var out []string
			for _, rt := range r.Routes {
				if v := f(r, rt); v != "" {
					out = append(out, v)
				}
			}
			return out
		}
	}
	target := func(member func(ec2.Route) *string) func(*kit.RouteTableRecord) []string {
		return routes(func(_ *kit.RouteTableRecord, r kit.Route) string { return kit.Deref(member(r.EC2(""))) })
	}
	return map[string]func(*kit.RouteTableRecord) []string{
		"association.gateway-id":                 assocs(func(a kit.RouteAssociation) string { return a.GatewayID }),
		"association.route-table-association-id": assocs(func(a kit.RouteAssociation) string { return a.ID }),
		"association.subnet-id":                  assocs(func(a kit.RouteAssociation) string { return a.SubnetID }),
		"association.main":                       assocs(func(a kit.RouteAssociation) string { return kit.BoolString(a.Main) }),
		"association.route-table-id": func(r *kit.RouteTableRecord) []string {
			return assocs(func(kit.RouteAssociation) string { return r.ID })(r)
		},
		"owner-id":                              func(r *kit.RouteTableRecord) []string { return []string{r.Owner} },
		"route-table-id":                        func(r *kit.RouteTableRecord) []string { return []string{r.ID} },
		"vpc-id":                                func(r *kit.RouteTableRecord) []string { return []string{r.VpcID} },
		"route.destination-cidr-block":          target(func(r ec2.Route) *string { return r.DestinationCidrBlock }),
		"route.destination-ipv6-cidr-block":     target(func(r ec2.Route) *string { return r.DestinationIpv6CidrBlock }),
		"route.destination-prefix-list-id":      target(func(r ec2.Route) *string { return r.DestinationPrefixListId }),
		"route.egress-only-internet-gateway-id": target(func(r ec2.Route) *string { return r.EgressOnlyInternetGatewayId }),
		"route.gateway-id":                      target(func(r ec2.Route) *string { return r.GatewayId }),
		"route.instance-id":                     target(func(r ec2.Route) *string { return r.InstanceId }),
		"route.nat-gateway-id":                  target(func(r ec2.Route) *string { return r.NatGatewayId }),
		"route.transit-gateway-id":              target(func(r ec2.Route) *string { return r.TransitGatewayId }),
		"route.vpc-peering-connection-id":       target(func(r ec2.Route) *string { return r.VpcPeeringConnectionId }),
		"route.origin":                          routes(func(_ *kit.RouteTableRecord, r kit.Route) string { return r.Origin }),
		"route.state":                           routes(state),
	}
}

// DescribeRouteTables lists the caller's route tables, each route with its current state.
func (s *Routing) DescribeRouteTables(ctx context.Context, c kit.Caller, in *ec2.DescribeRouteTablesRequest) (*ec2.DescribeRouteTablesResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 5, 100); err != nil {
		return nil, err
	}
	// A route's state depends on its target (a detached gateway makes it a blackhole):
	// read each target once, when a route to it is shown or filtered on.
	var rs *routeStates
	var view *kit.Txn
	_ = s.View(ctx, func(t *kit.Txn) error { rs, view = newRouteStates(t, c), t; return nil })
	state := func(rtb *kit.RouteTableRecord, r kit.Route) string {
		st, err := rs.of(rtb, r)
		if err != nil {
			return "blackhole"
		}
		return st
	}
	tables, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "rtb", IDs: in.RouteTableIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, routeTableFilters(state))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeRouteTablesResult{NextToken: next, RouteTables: []ec2.RouteTable{}}
	for _, rtb := range tables {
		table := rtb.EC2(func(r kit.Route) string { return state(rtb, r) })
		propagated, err := propagatedRoutes(view, c, rtb)
		if err != nil {
			return nil, err
		}
		table.Routes = append(table.Routes, propagated...)
		out.RouteTables = append(out.RouteTables, table)
	}
	return out, nil
}

// AssociateRouteTable associates a route table with a subnet, or with an internet or
// virtual private gateway (an edge association, for ingress routing).
func (s *Routing) AssociateRouteTable(ctx context.Context, c kit.Caller, in *ec2.AssociateRouteTableRequest) (*ec2.AssociateRouteTableResult, error) {
	if kit.Deref(in.RouteTableId) == "" {
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
	assoc := kit.RouteAssociation{ID: kit.NewID("rtbassoc"), SubnetID: kit.Deref(in.SubnetId), GatewayID: kit.Deref(in.GatewayId)}
	err := s.Update(ctx, func(t *kit.Txn) error {
		rtb, err := kit.Get[kit.RouteTableRecord](t, c, "rtb", *in.RouteTableId)
		if err != nil {
			return err
		}
		if assoc.SubnetID != "" {
			sn, err := kit.Get[kit.SubnetRecord](t, c, "subnet", assoc.SubnetID)
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
		if err := t.Guard(c.Prefix("rtb-assoc") + assoc.SubnetID + assoc.GatewayID); err != nil {
			return err
		}
		tables, err := kit.VpcRouteTables(t, c, rtb.VpcID)
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
		return t.Put(c.Key(rtb.ID), rtb)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.AssociateRouteTableResult{AssociationId: kit.Ptr(assoc.ID), AssociationState: &ec2.RouteTableAssociationState{State: kit.Ptr("associated")}}, nil
}

// checkEdgeGateway applies AWS's rules to a gateway association: an internet gateway
// attached to the table's VPC, or a virtual private gateway (which vpcd keeps none of yet).
func checkEdgeGateway(t *kit.Txn, c kit.Caller, rtb *kit.RouteTableRecord, id string) error {
	switch kit.KindOf(id) {
	case "igw":
		igw, err := kit.Get[kit.InternetGatewayRecord](t, c, "igw", id)
		if err != nil {
			return err
		}
		if igw.VpcID != rtb.VpcID {
			return errDifferentNetworks(rtb.ID, id)
		}
		return nil
	case "vgw":
		return kit.NotFound(id)
	}
	return ec2.ErrInvalidParameterValue("invalid value for parameter gatewayId: %s", id)
}

// findAssociation returns the route table that holds the association and its index.
func findAssociation(t *kit.Txn, c kit.Caller, id string) (*kit.RouteTableRecord, int, error) {
	if id == "" {
		return nil, 0, ec2.ErrMissingParameter("AssociationId")
	}
	if err := kit.CheckID(id, "rtbassoc"); err != nil {
		return nil, 0, err
	}
	tables, err := kit.ListAll[kit.RouteTableRecord](t, c.Prefix("rtb"))
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
	return nil, 0, kit.NotFound(id)
}

// DisassociateRouteTable removes an explicit association; the subnet falls back to the
// main route table. The main association itself can only be moved, not removed.
func (s *Routing) DisassociateRouteTable(ctx context.Context, c kit.Caller, in *ec2.DisassociateRouteTableRequest) error {
	return s.Update(ctx, func(t *kit.Txn) error {
		rtb, i, err := findAssociation(t, c, kit.Deref(in.AssociationId))
		if err != nil {
			return err
		}
		if rtb.Associations[i].Main {
			return ec2.ErrInvalidParameterValue("cannot disassociate the main route table association %s", rtb.Associations[i].ID)
		}
		rtb.Associations = append(rtb.Associations[:i], rtb.Associations[i+1:]...)
		return t.Put(c.Key(rtb.ID), rtb)
	})
}

// ReplaceRouteTableAssociation moves an association, the main one included, to another
// route table of the same VPC; the association gets a new ID.
func (s *Routing) ReplaceRouteTableAssociation(ctx context.Context, c kit.Caller, in *ec2.ReplaceRouteTableAssociationRequest) (*ec2.ReplaceRouteTableAssociationResult, error) {
	if kit.Deref(in.RouteTableId) == "" {
		return nil, ec2.ErrMissingParameter("RouteTableId")
	}
	assocID := kit.NewID("rtbassoc")
	err := s.Update(ctx, func(t *kit.Txn) error {
		from, i, err := findAssociation(t, c, kit.Deref(in.AssociationId))
		if err != nil {
			return err
		}
		to, err := kit.Get[kit.RouteTableRecord](t, c, "rtb", *in.RouteTableId)
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
		if err := t.Put(c.Key(from.ID), from); err != nil {
			return err
		}
		if from.ID == to.ID {
			to = from
		}
		a.ID = assocID
		to.Associations = append(to.Associations, a)
		if err := t.Put(c.Key(to.ID), to); err != nil {
			return err
		}
		if !a.Main {
			return nil
		}
		vpc, err := kit.GetVpc(t, c, to.VpcID)
		if err != nil {
			return err
		}
		vpc.MainRouteTable = to.ID
		if err := kit.BumpChildren(t, c, vpc.ID); err != nil {
			return err
		}
		return t.Put(c.Key(vpc.ID), vpc)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ReplaceRouteTableAssociationResult{NewAssociationId: kit.Ptr(assocID), AssociationState: &ec2.RouteTableAssociationState{State: kit.Ptr("associated")}}, nil
}
