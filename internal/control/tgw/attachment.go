package tgw

import (
	"context"
	"slices"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func errDuplicateAttachment(tgwID, vpcID string) error {
	return ec2.Errorf("DuplicateTransitGatewayAttachment", "%s has non-deleted Transit Gateway Attachments with same VPC ID %s.", tgwID, vpcID)
}

func errDuplicateSubnetsInSameZone() error {
	return ec2.Errorf("DuplicateSubnetsInSameZone", "Duplicate Subnets for same AZ")
}

// vpcOptions reads a VPC attachment's options over the current ones.
func vpcOptions(a *kit.TransitGatewayAttachmentRecord, dns, ipv6, appliance, sgRef *string) error {
	var err error
	for _, opt := range []struct {
		name string
		v    *string
		dst  *bool
	}{
		{"DnsSupport", dns, &a.DNSSupport},
		{"Ipv6Support", ipv6, &a.Ipv6Support},
		{"ApplianceModeSupport", appliance, &a.ApplianceModeSupport},
		{"SecurityGroupReferencingSupport", sgRef, &a.SecurityGroupReferencing},
	} {
		if *opt.dst, err = toggle(opt.name, opt.v, *opt.dst); err != nil {
			return err
		}
	}
	return nil
}

// setSubnets adds and removes an attachment's subnets: subnets of its VPC, one per
// Availability Zone, at least one.
func setSubnets(t *kit.Txn, c kit.Caller, a *kit.TransitGatewayAttachmentRecord, add, remove []string) error {
	for _, id := range remove {
		if !slices.Contains(a.SubnetIDs, id) {
			return ec2.ErrInvalidParameterValue("The subnet %s is not part of the transit gateway attachment %s.", id, a.ID)
		}
		a.SubnetIDs = slices.DeleteFunc(a.SubnetIDs, func(s string) bool { return s == id })
	}
	zones := map[string]bool{}
	for _, id := range a.SubnetIDs {
		sn, err := kit.Get[kit.SubnetRecord](t, c, "subnet", id)
		if err != nil {
			return err
		}
		zones[sn.AvailabilityZone] = true
	}
	for _, id := range add {
		sn, err := kit.Get[kit.SubnetRecord](t, c, "subnet", id)
		if err != nil {
			return err
		}
		if sn.VpcID != a.VpcID {
			return ec2.ErrInvalidParameterValue("The subnet %s does not belong to the VPC %s.", id, a.VpcID)
		}
		if zones[sn.AvailabilityZone] {
			return errDuplicateSubnetsInSameZone()
		}
		zones[sn.AvailabilityZone] = true
		a.SubnetIDs = append(a.SubnetIDs, id)
	}
	if len(a.SubnetIDs) == 0 {
		return ec2.ErrMissingParameter("SubnetIds")
	}
	return nil
}

// CreateTransitGatewayVpcAttachment attaches a VPC to a transit gateway through one
// subnet per zone; the attachment is associated with, and propagates to, the gateway's
// default route tables when the gateway says so.
func (s *TGW) CreateTransitGatewayVpcAttachment(ctx context.Context, c kit.Caller, in *ec2.CreateTransitGatewayVpcAttachmentRequest) (*ec2.CreateTransitGatewayVpcAttachmentResult, error) {
	tgwID, vpcID := kit.Deref(in.TransitGatewayId), kit.Deref(in.VpcId)
	switch {
	case tgwID == "":
		return nil, ec2.ErrMissingParameter("TransitGatewayId")
	case vpcID == "":
		return nil, ec2.ErrMissingParameter("VpcId")
	case len(in.SubnetIds) == 0:
		return nil, ec2.ErrMissingParameter("SubnetIds")
	}
	a := &kit.TransitGatewayAttachmentRecord{Meta: kit.Meta{ID: kit.NewID("tgw-attach"), Owner: c.Account}, TransitGatewayID: tgwID,
		ResourceType: "vpc", ResourceID: vpcID, ResourceOwner: c.Account, VpcID: vpcID, State: "available", CreateTime: time.Now().UTC(),
		DNSSupport: true, SecurityGroupReferencing: true}
	if o := in.Options; o != nil {
		if err := vpcOptions(a, o.DnsSupport, o.Ipv6Support, o.ApplianceModeSupport, o.SecurityGroupReferencingSupport); err != nil {
			return nil, err
		}
	}
	var err error
	if a.Tags, err = kit.TagsOnCreate(in.TagSpecifications, "transit-gateway-attachment"); err != nil {
		return nil, err
	}
	err = s.UpdateOn(ctx, tgwID, func(t *kit.Txn) error {
		g, err := getTransitGateway(t, c, tgwID)
		if err != nil {
			return err
		}
		if _, _, err := kit.ChildOf(t, c, vpcID); err != nil {
			return err
		}
		if g.VpcAttachments[vpcID] != "" {
			return errDuplicateAttachment(tgwID, vpcID)
		}
		if err := setSubnets(t, c, a, in.SubnetIds, nil); err != nil {
			return err
		}
		if g.VpcAttachments == nil {
			g.VpcAttachments = map[string]string{}
		}
		g.VpcAttachments[vpcID] = a.ID
		return addAttachment(t, c, g, a)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateTransitGatewayVpcAttachmentResult{TransitGatewayVpcAttachment: a.EC2VpcAttachment("pending")}, nil
}

// addAttachment writes a new attachment of g, associated with and propagating to g's
// default route tables when g says so.
func addAttachment(t *kit.Txn, c kit.Caller, g *kit.TransitGatewayRecord, a *kit.TransitGatewayAttachmentRecord) error {
	g.Attachments++
	if g.DefaultRouteTableAssoc && g.AssociationDefaultRtb != "" {
		if err := editRouteTable(t, c, g.AssociationDefaultRtb, func(r *kit.TransitGatewayRouteTableRecord) error {
			associate(r, a)
			return nil
		}); err != nil {
			return err
		}
	}
	if g.DefaultRouteTableProp && g.PropagationDefaultRtb != "" {
		if err := editRouteTable(t, c, g.PropagationDefaultRtb, func(r *kit.TransitGatewayRouteTableRecord) error {
			propagate(r, a)
			return nil
		}); err != nil {
			return err
		}
	}
	if err := t.Put(c.Key(g.ID), g); err != nil {
		return err
	}
	return t.Put(c.Key(a.ID), a)
}

// removeAttachment deletes an attachment of its gateways gs (two for a peering): its
// associations, its propagations and the static routes to it go with it.
func removeAttachment(t *kit.Txn, c kit.Caller, a *kit.TransitGatewayAttachmentRecord, gs ...*kit.TransitGatewayRecord) error {
	for _, g := range gs {
		rtbs, err := routeTablesOf(t, c, g.ID)
		if err != nil {
			return err
		}
		for _, r := range rtbs {
			n := len(r.Associations) + len(r.Propagations) + len(r.Routes)
			r.Associations = slices.DeleteFunc(r.Associations, func(l kit.TransitGatewayLink) bool { return l.Attachment == a.ID })
			r.Propagations = slices.DeleteFunc(r.Propagations, func(l kit.TransitGatewayLink) bool { return l.Attachment == a.ID })
			r.Routes = slices.DeleteFunc(r.Routes, func(rt kit.TransitGatewayRoute) bool { return rt.Attachment == a.ID })
			if len(r.Associations)+len(r.Propagations)+len(r.Routes) != n {
				if err := t.Put(c.Key(r.ID), r); err != nil {
					return err
				}
			}
		}
		g.Attachments--
		if err := t.Put(c.Key(g.ID), g); err != nil {
			return err
		}
	}
	// The deleted attachment holds no subnet, association or propagation any more.
	a.Delete(time.Now().UTC())
	a.State, a.SubnetIDs, a.Association, a.PeerAssociation, a.Propagations = "deleted", nil, "", "", nil
	return t.Put(c.Key(a.ID), a)
}

// getVpcAttachment reads a VPC attachment named by a request.
func getVpcAttachment(t *kit.Txn, c kit.Caller, id string) (*kit.TransitGatewayAttachmentRecord, error) {
	if id == "" {
		return nil, ec2.ErrMissingParameter("TransitGatewayAttachmentId")
	}
	a, err := getLive[kit.TransitGatewayAttachmentRecord](t, c, "tgw-attach", id)
	if err == nil && a.ResourceType != "vpc" {
		return nil, kit.NotFound(id)
	}
	return a, err
}

// DeleteTransitGatewayVpcAttachment detaches a VPC. Routes of the VPC's route tables to
// the gateway become blackholes.
func (s *TGW) DeleteTransitGatewayVpcAttachment(ctx context.Context, c kit.Caller, in *ec2.DeleteTransitGatewayVpcAttachmentRequest) (*ec2.DeleteTransitGatewayVpcAttachmentResult, error) {
	id := kit.Deref(in.TransitGatewayAttachmentId)
	var answer *ec2.TransitGatewayVpcAttachment
	err := s.Update(ctx, func(t *kit.Txn) error {
		a, err := getVpcAttachment(t, c, id)
		if err != nil {
			return err
		}
		g, err := getTransitGateway(t, c, a.TransitGatewayID)
		if err != nil {
			return err
		}
		if _, _, err := kit.ChildOf(t, c, a.VpcID); err != nil {
			return err
		}
		answer = a.EC2VpcAttachment("deleting")
		delete(g.VpcAttachments, a.VpcID)
		return removeAttachment(t, c, a, g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteTransitGatewayVpcAttachmentResult{TransitGatewayVpcAttachment: answer}, nil
}

// ModifyTransitGatewayVpcAttachment changes an attachment's subnets and options.
func (s *TGW) ModifyTransitGatewayVpcAttachment(ctx context.Context, c kit.Caller, in *ec2.ModifyTransitGatewayVpcAttachmentRequest) (*ec2.ModifyTransitGatewayVpcAttachmentResult, error) {
	id := kit.Deref(in.TransitGatewayAttachmentId)
	var a *kit.TransitGatewayAttachmentRecord
	err := s.UpdateOn(ctx, id, func(t *kit.Txn) error {
		var err error
		if a, err = getVpcAttachment(t, c, id); err != nil {
			return err
		}
		if o := in.Options; o != nil {
			if err := vpcOptions(a, o.DnsSupport, o.Ipv6Support, o.ApplianceModeSupport, o.SecurityGroupReferencingSupport); err != nil {
				return err
			}
		}
		if len(in.AddSubnetIds)+len(in.RemoveSubnetIds) > 0 {
			if _, _, err := kit.ChildOf(t, c, a.VpcID); err != nil {
				return err
			}
			if err := setSubnets(t, c, a, in.AddSubnetIds, in.RemoveSubnetIds); err != nil {
				return err
			}
		}
		return t.Put(c.Key(a.ID), a)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ModifyTransitGatewayVpcAttachmentResult{TransitGatewayVpcAttachment: a.EC2VpcAttachment("modifying")}, nil
}

var vpcAttachmentFilters = map[string]func(*kit.TransitGatewayAttachmentRecord) []string{
	"state":                         func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.State} },
	"transit-gateway-attachment-id": func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.ID} },
	"transit-gateway-id":            func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.TransitGatewayID} },
	"vpc-id":                        func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.VpcID} },
	// resource-type is not one of the action's filters: it keeps the VPC attachments.
	"resource-type": func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.ResourceType} },
}

// DescribeTransitGatewayVpcAttachments lists the caller's VPC attachments.
func (s *TGW) DescribeTransitGatewayVpcAttachments(ctx context.Context, c kit.Caller, in *ec2.DescribeTransitGatewayVpcAttachmentsRequest) (*ec2.DescribeTransitGatewayVpcAttachmentsResult, error) {
	atts, next, err := s.describeOfType(ctx, c, "vpc", kit.DescribeQuery{IDs: in.TransitGatewayAttachmentIds, Filters: in.Filters,
		MaxResults: in.MaxResults, NextToken: in.NextToken}, vpcAttachmentFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeTransitGatewayVpcAttachmentsResult{TransitGatewayVpcAttachments: []ec2.TransitGatewayVpcAttachment{}, NextToken: next}
	for _, a := range atts {
		out.TransitGatewayVpcAttachments = append(out.TransitGatewayVpcAttachments, *a.EC2VpcAttachment(a.State))
	}
	return out, nil
}

// describeOfType describes the caller's attachments of one resource type (vpc, peering),
// with a resource-type filter that the action itself does not offer.
func (s *TGW) describeOfType(ctx context.Context, c kit.Caller, typ string, q kit.DescribeQuery,
	filters map[string]func(*kit.TransitGatewayAttachmentRecord) []string) ([]*kit.TransitGatewayAttachmentRecord, *string, error) {
	q.Kind = "tgw-attach"
	q.Filters = append(slices.Clone(q.Filters), ec2.Filter{Name: kit.Ptr("resource-type"), Values: []string{typ}})
	atts, next, err := kit.Describe(ctx, s.Kit, c, q, filters)
	return visible(atts), next, err
}

var attachmentFilters = map[string]func(*kit.TransitGatewayAttachmentRecord) []string{
	"association.transit-gateway-route-table-id": func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.Association} },
	"association.state": func(a *kit.TransitGatewayAttachmentRecord) []string {
		if a.Association == "" {
			return nil
		}
		return []string{"associated"}
	},
	"resource-id":                   func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.ResourceID} },
	"resource-owner-id":             func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.ResourceOwner} },
	"resource-type":                 func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.ResourceType} },
	"state":                         func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.State} },
	"transit-gateway-attachment-id": func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.ID} },
	"transit-gateway-id":            func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.TransitGatewayID} },
	"transit-gateway-owner-id":      func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.Owner} },
}

// DescribeTransitGatewayAttachments lists the caller's attachments of every type.
func (s *TGW) DescribeTransitGatewayAttachments(ctx context.Context, c kit.Caller, in *ec2.DescribeTransitGatewayAttachmentsRequest) (*ec2.DescribeTransitGatewayAttachmentsResult, error) {
	atts, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "tgw-attach", IDs: in.TransitGatewayAttachmentIds, Filters: in.Filters,
		MaxResults: in.MaxResults, NextToken: in.NextToken}, attachmentFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeTransitGatewayAttachmentsResult{TransitGatewayAttachments: []ec2.TransitGatewayAttachment{}, NextToken: next}
	for _, a := range visible(atts) {
		out.TransitGatewayAttachments = append(out.TransitGatewayAttachments, a.EC2(a.Owner))
	}
	return out, nil
}
