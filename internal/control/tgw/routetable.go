package tgw

import (
	"context"
	"slices"
	"strings"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func errRouteTableLimitExceeded(limit int) error {
	return ec2.Errorf("RouteTableLimitExceeded", "The maximum number of route tables per transit gateway (%d) has been reached.", limit)
}

func errPropagationDuplicate(attachment, rtb string) error {
	return ec2.Errorf("TransitGatewayRouteTablePropagation.Duplicate", "Propagation %s already exists in Transit Gateway Route Table %s.", attachment, rtb)
}

// getRouteTable reads a route table named by a request.
func getRouteTable(t *kit.Txn, c kit.Caller, id string) (*kit.TransitGatewayRouteTableRecord, error) {
	if id == "" {
		return nil, ec2.ErrMissingParameter("TransitGatewayRouteTableId")
	}
	return getLive[kit.TransitGatewayRouteTableRecord](t, c, "tgw-rtb", id)
}

// editRouteTable reads a route table, lets edit change it and writes it.
func editRouteTable(t *kit.Txn, c kit.Caller, id string, edit func(r *kit.TransitGatewayRouteTableRecord) error) error {
	r, err := getRouteTable(t, c, id)
	if err != nil {
		return err
	}
	if err := edit(r); err != nil {
		return err
	}
	return t.Put(c.Key(id), r)
}

func link(a *kit.TransitGatewayAttachmentRecord) kit.TransitGatewayLink {
	return kit.TransitGatewayLink{Attachment: a.ID, ResourceType: a.ResourceType, ResourceID: a.ResourceID}
}

// associate and propagate record a link on both sides; the caller writes the attachment.
func associate(r *kit.TransitGatewayRouteTableRecord, a *kit.TransitGatewayAttachmentRecord) {
	r.Associations = append(r.Associations, link(a))
	*a.AssociationOn(r.TransitGatewayID) = r.ID
}

func propagate(r *kit.TransitGatewayRouteTableRecord, a *kit.TransitGatewayAttachmentRecord) {
	r.Propagations = append(r.Propagations, link(a))
	a.Propagations = append(a.Propagations, r.ID)
}

// CreateTransitGatewayRouteTable adds a route table to a transit gateway.
func (s *TGW) CreateTransitGatewayRouteTable(ctx context.Context, c kit.Caller, in *ec2.CreateTransitGatewayRouteTableRequest) (*ec2.CreateTransitGatewayRouteTableResult, error) {
	tgwID := kit.Deref(in.TransitGatewayId)
	r := &kit.TransitGatewayRouteTableRecord{Meta: kit.Meta{ID: kit.NewID("tgw-rtb"), Owner: c.Account}, TransitGatewayID: tgwID, CreateTime: time.Now().UTC()}
	var err error
	if r.Tags, err = kit.TagsOnCreate(in.TagSpecifications, "transit-gateway-route-table"); err != nil {
		return nil, err
	}
	err = s.UpdateOn(ctx, tgwID, func(t *kit.Txn) error {
		g, err := getTransitGateway(t, c, tgwID)
		if err != nil {
			return err
		}
		rtbs, err := routeTablesOf(t, c, g.ID)
		if err != nil {
			return err
		}
		limit, err := s.QuotaLimit(t, c, kit.QuotaTgwRouteTables)
		if err != nil {
			return err
		}
		if len(rtbs) >= limit {
			return errRouteTableLimitExceeded(limit)
		}
		// The gateway is written so that its deletion, which deletes its tables,
		// conflicts with this creation.
		if err := t.Put(c.Key(g.ID), g); err != nil {
			return err
		}
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateTransitGatewayRouteTableResult{TransitGatewayRouteTable: r.EC2("pending")}, nil
}

// DeleteTransitGatewayRouteTable deletes a route table that is no gateway's default and
// has no association left.
func (s *TGW) DeleteTransitGatewayRouteTable(ctx context.Context, c kit.Caller, in *ec2.DeleteTransitGatewayRouteTableRequest) (*ec2.DeleteTransitGatewayRouteTableResult, error) {
	id := kit.Deref(in.TransitGatewayRouteTableId)
	var answer *ec2.TransitGatewayRouteTable
	err := s.Update(ctx, func(t *kit.Txn) error {
		r, err := getRouteTable(t, c, id)
		if err != nil {
			return err
		}
		switch {
		case r.DefaultAssociation || r.DefaultPropagation:
			return ec2.ErrIncorrectState("Transit Gateway Route Table %s is the default route table of %s and cannot be deleted.", id, r.TransitGatewayID)
		case len(r.Associations) > 0:
			return ec2.ErrIncorrectState("Transit Gateway Route Table %s has associations and cannot be deleted.", id)
		}
		for _, p := range r.Propagations {
			if err := editAttachment(t, c, p.Attachment, func(a *kit.TransitGatewayAttachmentRecord) error {
				a.Propagations = slices.DeleteFunc(a.Propagations, func(rt string) bool { return rt == id })
				return nil
			}); err != nil {
				return err
			}
		}
		answer = r.EC2("deleting")
		r.Delete(time.Now().UTC())
		r.Propagations, r.Routes = nil, nil
		return t.Put(c.Key(id), r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteTransitGatewayRouteTableResult{TransitGatewayRouteTable: answer}, nil
}

// checkUsable: an attachment linked to a route table, or routed to, must be one of the
// table's gateway's, and a peering attachment must have been accepted.
func checkUsable(a *kit.TransitGatewayAttachmentRecord, r *kit.TransitGatewayRouteTableRecord) error {
	switch {
	case !a.OnGateway(r.TransitGatewayID):
		return ec2.ErrInvalidParameterValue("Transit Gateway Attachment %s and Transit Gateway Route Table %s belong to different transit gateways.", a.ID, r.ID)
	case a.State != "available":
		return ec2.ErrIncorrectState("Transit Gateway Attachment %s is in invalid state %s.", a.ID, a.State)
	}
	return nil
}

// editAttachment reads an attachment, lets edit change it and writes it.
func editAttachment(t *kit.Txn, c kit.Caller, id string, edit func(a *kit.TransitGatewayAttachmentRecord) error) error {
	a, err := getLive[kit.TransitGatewayAttachmentRecord](t, c, "tgw-attach", id)
	if err != nil {
		return err
	}
	if err := edit(a); err != nil {
		return err
	}
	return t.Put(c.Key(id), a)
}

var routeTableFilters = map[string]func(*kit.TransitGatewayRouteTableRecord) []string{
	"default-association-route-table": func(r *kit.TransitGatewayRouteTableRecord) []string {
		return []string{kit.BoolString(r.DefaultAssociation)}
	},
	"default-propagation-route-table": func(r *kit.TransitGatewayRouteTableRecord) []string {
		return []string{kit.BoolString(r.DefaultPropagation)}
	},
	"state":                          func(r *kit.TransitGatewayRouteTableRecord) []string { return []string{"available"} },
	"transit-gateway-id":             func(r *kit.TransitGatewayRouteTableRecord) []string { return []string{r.TransitGatewayID} },
	"transit-gateway-route-table-id": func(r *kit.TransitGatewayRouteTableRecord) []string { return []string{r.ID} },
}

// DescribeTransitGatewayRouteTables lists the caller's transit gateway route tables.
func (s *TGW) DescribeTransitGatewayRouteTables(ctx context.Context, c kit.Caller, in *ec2.DescribeTransitGatewayRouteTablesRequest) (*ec2.DescribeTransitGatewayRouteTablesResult, error) {
	rtbs, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "tgw-rtb", IDs: in.TransitGatewayRouteTableIds, Filters: in.Filters,
		MaxResults: in.MaxResults, NextToken: in.NextToken}, routeTableFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeTransitGatewayRouteTablesResult{TransitGatewayRouteTables: []ec2.TransitGatewayRouteTable{}, NextToken: next}
	for _, r := range visible(rtbs) {
		out.TransitGatewayRouteTables = append(out.TransitGatewayRouteTables, *r.EC2("available"))
	}
	return out, nil
}

// linkRequest reads the route table and attachment a request links, of one gateway, and
// lets change edit both; they are written when it returns nil.
func (s *TGW) linkRequest(ctx context.Context, c kit.Caller, rtbID, attachID *string, change func(r *kit.TransitGatewayRouteTableRecord, a *kit.TransitGatewayAttachmentRecord) error) (*kit.TransitGatewayAttachmentRecord, error) {
	if kit.Deref(attachID) == "" {
		return nil, ec2.ErrMissingParameter("TransitGatewayAttachmentId")
	}
	var a *kit.TransitGatewayAttachmentRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		r, err := getRouteTable(t, c, kit.Deref(rtbID))
		if err != nil {
			return err
		}
		if a, err = getLive[kit.TransitGatewayAttachmentRecord](t, c, "tgw-attach", *attachID); err != nil {
			return err
		}
		if err := checkUsable(a, r); err != nil {
			return err
		}
		if err := change(r, a); err != nil {
			return err
		}
		if err := t.Put(c.Key(r.ID), r); err != nil {
			return err
		}
		return t.Put(c.Key(a.ID), a)
	})
	return a, err
}

func hasLink(links []kit.TransitGatewayLink, attachment string) bool {
	return slices.ContainsFunc(links, func(l kit.TransitGatewayLink) bool { return l.Attachment == attachment })
}

func dropLink(links []kit.TransitGatewayLink, attachment string) []kit.TransitGatewayLink {
	return slices.DeleteFunc(links, func(l kit.TransitGatewayLink) bool { return l.Attachment == attachment })
}

// AssociateTransitGatewayRouteTable routes an attachment's traffic by a route table; an
// attachment has one association at most.
func (s *TGW) AssociateTransitGatewayRouteTable(ctx context.Context, c kit.Caller, in *ec2.AssociateTransitGatewayRouteTableRequest) (*ec2.AssociateTransitGatewayRouteTableResult, error) {
	a, err := s.linkRequest(ctx, c, in.TransitGatewayRouteTableId, in.TransitGatewayAttachmentId, func(r *kit.TransitGatewayRouteTableRecord, a *kit.TransitGatewayAttachmentRecord) error {
		if *a.AssociationOn(r.TransitGatewayID) != "" {
			return ec2.ErrResourceAlreadyAssociated("Transit Gateway Attachment %s is already associated to a route table.", a.ID)
		}
		associate(r, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.AssociateTransitGatewayRouteTableResult{Association: association(a, kit.Deref(in.TransitGatewayRouteTableId), "associating")}, nil
}

func association(a *kit.TransitGatewayAttachmentRecord, rtb, state string) *ec2.TransitGatewayAssociation {
	return &ec2.TransitGatewayAssociation{TransitGatewayAttachmentId: kit.Ptr(a.ID), TransitGatewayRouteTableId: kit.Ptr(rtb),
		ResourceId: kit.Ptr(a.ResourceID), ResourceType: kit.Ptr(a.ResourceType), State: kit.Ptr(state)}
}

// DisassociateTransitGatewayRouteTable ends an association.
func (s *TGW) DisassociateTransitGatewayRouteTable(ctx context.Context, c kit.Caller, in *ec2.DisassociateTransitGatewayRouteTableRequest) (*ec2.DisassociateTransitGatewayRouteTableResult, error) {
	a, err := s.linkRequest(ctx, c, in.TransitGatewayRouteTableId, in.TransitGatewayAttachmentId, func(r *kit.TransitGatewayRouteTableRecord, a *kit.TransitGatewayAttachmentRecord) error {
		if *a.AssociationOn(r.TransitGatewayID) != r.ID {
			return ec2.ErrInvalidAssociationIDNotFound("Transit Gateway Attachment %s is not associated with Transit Gateway Route Table %s.", a.ID, r.ID)
		}
		r.Associations = dropLink(r.Associations, a.ID)
		*a.AssociationOn(r.TransitGatewayID) = ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DisassociateTransitGatewayRouteTableResult{Association: association(a, kit.Deref(in.TransitGatewayRouteTableId), "disassociating")}, nil
}

func propagation(a *kit.TransitGatewayAttachmentRecord, rtb, state string) *ec2.TransitGatewayPropagation {
	return &ec2.TransitGatewayPropagation{TransitGatewayAttachmentId: kit.Ptr(a.ID), TransitGatewayRouteTableId: kit.Ptr(rtb),
		ResourceId: kit.Ptr(a.ResourceID), ResourceType: kit.Ptr(a.ResourceType), State: kit.Ptr(state)}
}

// EnableTransitGatewayRouteTablePropagation lets a route table take an attachment's
// routes (a VPC's CIDR blocks).
func (s *TGW) EnableTransitGatewayRouteTablePropagation(ctx context.Context, c kit.Caller, in *ec2.EnableTransitGatewayRouteTablePropagationRequest) (*ec2.EnableTransitGatewayRouteTablePropagationResult, error) {
	if in.TransitGatewayRouteTableAnnouncementId != nil {
		return nil, ec2.ErrInvalidParameterValue("vpcd has no transit gateway route table announcements")
	}
	a, err := s.linkRequest(ctx, c, in.TransitGatewayRouteTableId, in.TransitGatewayAttachmentId, func(r *kit.TransitGatewayRouteTableRecord, a *kit.TransitGatewayAttachmentRecord) error {
		if a.ResourceType == "peering" {
			return ec2.ErrInvalidParameterValue("Transit Gateway Attachment %s is a peering attachment: peering attachments take static routes only.", a.ID)
		}
		if hasLink(r.Propagations, a.ID) {
			return errPropagationDuplicate(a.ID, r.ID)
		}
		propagate(r, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.EnableTransitGatewayRouteTablePropagationResult{Propagation: propagation(a, kit.Deref(in.TransitGatewayRouteTableId), "enabling")}, nil
}

// DisableTransitGatewayRouteTablePropagation stops it.
func (s *TGW) DisableTransitGatewayRouteTablePropagation(ctx context.Context, c kit.Caller, in *ec2.DisableTransitGatewayRouteTablePropagationRequest) (*ec2.DisableTransitGatewayRouteTablePropagationResult, error) {
	a, err := s.linkRequest(ctx, c, in.TransitGatewayRouteTableId, in.TransitGatewayAttachmentId, func(r *kit.TransitGatewayRouteTableRecord, a *kit.TransitGatewayAttachmentRecord) error {
		if !hasLink(r.Propagations, a.ID) {
			return ec2.ErrInvalidParameterValue("Propagation %s does not exist in Transit Gateway Route Table %s.", a.ID, r.ID)
		}
		r.Propagations = dropLink(r.Propagations, a.ID)
		a.Propagations = slices.DeleteFunc(a.Propagations, func(id string) bool { return id == r.ID })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DisableTransitGatewayRouteTablePropagationResult{Propagation: propagation(a, kit.Deref(in.TransitGatewayRouteTableId), "disabling")}, nil
}

var linkFilters = map[string]func(kit.TransitGatewayLink) []string{
	"resource-id":                   func(l kit.TransitGatewayLink) []string { return []string{l.ResourceID} },
	"resource-type":                 func(l kit.TransitGatewayLink) []string { return []string{l.ResourceType} },
	"transit-gateway-attachment-id": func(l kit.TransitGatewayLink) []string { return []string{l.Attachment} },
}

// routeTableLinks answers the Get actions of a route table's associations or
// propagations: the links that pass the filters, one page of them.
func (s *TGW) routeTableLinks(ctx context.Context, c kit.Caller, rtbID *string, filters []ec2.Filter, max *int32, token *string,
	of func(*kit.TransitGatewayRouteTableRecord) []kit.TransitGatewayLink) ([]kit.TransitGatewayLink, *string, error) {
	if err := kit.CheckMaxResults(max, 5, 1000); err != nil {
		return nil, nil, err
	}
	match, err := kit.CompileFilters(filters, func(name string) bool { return linkFilters[name] != nil })
	if err != nil {
		return nil, nil, err
	}
	var r *kit.TransitGatewayRouteTableRecord
	if err := s.View(ctx, func(t *kit.Txn) error {
		r, err = getRouteTable(t, c, kit.Deref(rtbID))
		return err
	}); err != nil {
		return nil, nil, err
	}
	var kept []kit.TransitGatewayLink
	for _, l := range of(r) {
		if match(func(name string) []string { return linkFilters[name](l) }, nil) {
			kept = append(kept, l)
		}
	}
	slices.SortFunc(kept, func(x, y kit.TransitGatewayLink) int { return strings.Compare(x.Attachment, y.Attachment) })
	return kit.Paginate(kept, max, token, func(l kit.TransitGatewayLink) string { return l.Attachment })
}

// GetTransitGatewayRouteTableAssociations lists a route table's associations.
func (s *TGW) GetTransitGatewayRouteTableAssociations(ctx context.Context, c kit.Caller, in *ec2.GetTransitGatewayRouteTableAssociationsRequest) (*ec2.GetTransitGatewayRouteTableAssociationsResult, error) {
	links, next, err := s.routeTableLinks(ctx, c, in.TransitGatewayRouteTableId, in.Filters, in.MaxResults, in.NextToken,
		func(r *kit.TransitGatewayRouteTableRecord) []kit.TransitGatewayLink { return r.Associations })
	if err != nil {
		return nil, err
	}
	out := &ec2.GetTransitGatewayRouteTableAssociationsResult{Associations: []ec2.TransitGatewayRouteTableAssociation{}, NextToken: next}
	for _, l := range links {
		out.Associations = append(out.Associations, ec2.TransitGatewayRouteTableAssociation{TransitGatewayAttachmentId: kit.Ptr(l.Attachment),
			ResourceId: kit.Ptr(l.ResourceID), ResourceType: kit.Ptr(l.ResourceType), State: kit.Ptr("associated")})
	}
	return out, nil
}

// GetTransitGatewayRouteTablePropagations lists the attachments propagating to a route
// table.
func (s *TGW) GetTransitGatewayRouteTablePropagations(ctx context.Context, c kit.Caller, in *ec2.GetTransitGatewayRouteTablePropagationsRequest) (*ec2.GetTransitGatewayRouteTablePropagationsResult, error) {
	links, next, err := s.routeTableLinks(ctx, c, in.TransitGatewayRouteTableId, in.Filters, in.MaxResults, in.NextToken,
		func(r *kit.TransitGatewayRouteTableRecord) []kit.TransitGatewayLink { return r.Propagations })
	if err != nil {
		return nil, err
	}
	out := &ec2.GetTransitGatewayRouteTablePropagationsResult{TransitGatewayRouteTablePropagations: []ec2.TransitGatewayRouteTablePropagation{}, NextToken: next}
	for _, l := range links {
		out.TransitGatewayRouteTablePropagations = append(out.TransitGatewayRouteTablePropagations, ec2.TransitGatewayRouteTablePropagation{
			TransitGatewayAttachmentId: kit.Ptr(l.Attachment), ResourceId: kit.Ptr(l.ResourceID), ResourceType: kit.Ptr(l.ResourceType), State: kit.Ptr("enabled")})
	}
	return out, nil
}

// GetTransitGatewayAttachmentPropagations lists the route tables an attachment
// propagates to.
func (s *TGW) GetTransitGatewayAttachmentPropagations(ctx context.Context, c kit.Caller, in *ec2.GetTransitGatewayAttachmentPropagationsRequest) (*ec2.GetTransitGatewayAttachmentPropagationsResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 5, 1000); err != nil {
		return nil, err
	}
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return name == "transit-gateway-route-table-id" })
	if err != nil {
		return nil, err
	}
	id := kit.Deref(in.TransitGatewayAttachmentId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("TransitGatewayAttachmentId")
	}
	var a *kit.TransitGatewayAttachmentRecord
	if err := s.View(ctx, func(t *kit.Txn) error {
		a, err = getLive[kit.TransitGatewayAttachmentRecord](t, c, "tgw-attach", id)
		return err
	}); err != nil {
		return nil, err
	}
	var kept []string
	for _, rtb := range a.Propagations {
		if match(func(string) []string { return []string{rtb} }, nil) {
			kept = append(kept, rtb)
		}
	}
	slices.Sort(kept)
	page, next, err := kit.Paginate(kept, in.MaxResults, in.NextToken, func(s string) string { return s })
	if err != nil {
		return nil, err
	}
	out := &ec2.GetTransitGatewayAttachmentPropagationsResult{TransitGatewayAttachmentPropagations: []ec2.TransitGatewayAttachmentPropagation{}, NextToken: next}
	for _, rtb := range page {
		out.TransitGatewayAttachmentPropagations = append(out.TransitGatewayAttachmentPropagations,
			ec2.TransitGatewayAttachmentPropagation{TransitGatewayRouteTableId: kit.Ptr(rtb), State: kit.Ptr("enabled")})
	}
	return out, nil
}
