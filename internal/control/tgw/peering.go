package tgw

import (
	"context"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// Peering attachments join two transit gateways of the caller in its region (vpcd keeps
// each account and region apart, so a peer in another account or region is refused). One
// attachment, one ID, is an attachment of both gateways: the requester's (TransitGatewayID)
// and the accepter's (PeerTransitGatewayID), pendingAcceptance until accepted. It routes
// by static routes only, and is associated on each side by that side's owner.

func peeringEC2(a *kit.TransitGatewayAttachmentRecord, region, state string) *ec2.TransitGatewayPeeringAttachment {
	if a.State != "rejected" {
		state = a.StateOr(state)
	}
	return &ec2.TransitGatewayPeeringAttachment{TransitGatewayAttachmentId: kit.Ptr(a.ID), State: kit.Ptr(state), CreationTime: kit.Ptr(a.CreateTime),
		Status:           &ec2.PeeringAttachmentStatus{Code: kit.Ptr(state), Message: kit.Ptr(peeringMessages[state])},
		RequesterTgwInfo: &ec2.PeeringTgwInfo{TransitGatewayId: kit.Ptr(a.TransitGatewayID), OwnerId: kit.Ptr(a.Owner), Region: kit.Ptr(region)},
		AccepterTgwInfo:  &ec2.PeeringTgwInfo{TransitGatewayId: kit.Ptr(a.PeerTransitGatewayID), OwnerId: kit.Ptr(a.ResourceOwner), Region: kit.Ptr(region)},
		Options:          &ec2.TransitGatewayPeeringAttachmentOptions{DynamicRouting: kit.Ptr("disable")}, Tags: a.EC2Tags()}
}

var peeringMessages = map[string]string{
	"initiatingRequest": "Initiating request", "pendingAcceptance": "Pending Acceptance", "pending": "Pending", "available": "Available",
	"rejecting": "Rejecting", "rejected": "Rejected", "deleting": "Deleting", "deleted": "Deleted",
}

// CreateTransitGatewayPeeringAttachment requests a peering between two of the caller's
// transit gateways.
func (s *TGW) CreateTransitGatewayPeeringAttachment(ctx context.Context, c kit.Caller, in *ec2.CreateTransitGatewayPeeringAttachmentRequest) (*ec2.CreateTransitGatewayPeeringAttachmentResult, error) {
	tgwID, peerID := kit.Deref(in.TransitGatewayId), kit.Deref(in.PeerTransitGatewayId)
	switch {
	case peerID == "":
		return nil, ec2.ErrMissingParameter("PeerTransitGatewayId")
	case kit.Deref(in.PeerAccountId) == "":
		return nil, ec2.ErrMissingParameter("PeerAccountId")
	case kit.Deref(in.PeerRegion) == "":
		return nil, ec2.ErrMissingParameter("PeerRegion")
	case *in.PeerAccountId != c.Account || *in.PeerRegion != c.Region:
		return nil, ec2.ErrInvalidParameterValue("vpcd peers transit gateways of one account in one region: the peer must be in account %s and region %s.", c.Account, c.Region)
	case tgwID == peerID:
		return nil, ec2.ErrInvalidParameterValue("A transit gateway cannot peer with itself.")
	}
	if in.Options != nil {
		on, err := toggle("DynamicRouting", in.Options.DynamicRouting, false)
		if err != nil {
			return nil, err
		}
		if on {
			return nil, ec2.ErrInvalidParameterValue("DynamicRouting is not supported by vpcd: peering attachments take static routes only.")
		}
	}
	a := &kit.TransitGatewayAttachmentRecord{Meta: kit.Meta{ID: kit.NewID("tgw-attach"), Owner: c.Account}, TransitGatewayID: tgwID,
		ResourceType: "peering", ResourceID: peerID, ResourceOwner: c.Account, PeerTransitGatewayID: peerID, State: "pendingAcceptance",
		CreateTime: time.Now().UTC()}
	var err error
	if a.Tags, err = kit.TagsOnCreate(in.TagSpecifications, "transit-gateway-attachment"); err != nil {
		return nil, err
	}
	err = s.Update(ctx, func(t *kit.Txn) error {
		g, err := getTransitGateway(t, c, tgwID)
		if err != nil {
			return err
		}
		peer, err := getTransitGateway(t, c, peerID)
		if err != nil {
			return err
		}
		g.Attachments++
		peer.Attachments++
		if err := t.Put(c.Key(g.ID), g); err != nil {
			return err
		}
		if err := t.Put(c.Key(peer.ID), peer); err != nil {
			return err
		}
		return t.Put(c.Key(a.ID), a)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateTransitGatewayPeeringAttachmentResult{TransitGatewayPeeringAttachment: peeringEC2(a, c.Region, "initiatingRequest")}, nil
}

// updatePeering reads a peering attachment and both its gateways and lets change act;
// the answer shows the attachment in state.
func (s *TGW) updatePeering(ctx context.Context, c kit.Caller, id *string, state string,
	change func(t *kit.Txn, a *kit.TransitGatewayAttachmentRecord, gs []*kit.TransitGatewayRecord) error) (*ec2.TransitGatewayPeeringAttachment, error) {
	var answer *ec2.TransitGatewayPeeringAttachment
	err := s.Update(ctx, func(t *kit.Txn) error {
		a, err := getPeering(t, c, kit.Deref(id))
		if err != nil {
			return err
		}
		var gs []*kit.TransitGatewayRecord
		for _, gid := range []string{a.TransitGatewayID, a.PeerTransitGatewayID} {
			g, err := getTransitGateway(t, c, gid)
			if err != nil {
				return err
			}
			gs = append(gs, g)
		}
		answer = peeringEC2(a, c.Region, state)
		return change(t, a, gs)
	})
	return answer, err
}

func getPeering(t *kit.Txn, c kit.Caller, id string) (*kit.TransitGatewayAttachmentRecord, error) {
	if id == "" {
		return nil, ec2.ErrMissingParameter("TransitGatewayAttachmentId")
	}
	a, err := getLive[kit.TransitGatewayAttachmentRecord](t, c, "tgw-attach", id)
	if err == nil && a.ResourceType != "peering" {
		return nil, kit.NotFound(id)
	}
	return a, err
}

func errPeeringState(a *kit.TransitGatewayAttachmentRecord) error {
	return ec2.ErrIncorrectState("Transit Gateway Attachment %s is in invalid state %s.", a.ID, a.State)
}

// AcceptTransitGatewayPeeringAttachment accepts a pending peering.
func (s *TGW) AcceptTransitGatewayPeeringAttachment(ctx context.Context, c kit.Caller, in *ec2.AcceptTransitGatewayPeeringAttachmentRequest) (*ec2.AcceptTransitGatewayPeeringAttachmentResult, error) {
	out, err := s.updatePeering(ctx, c, in.TransitGatewayAttachmentId, "pending", func(t *kit.Txn, a *kit.TransitGatewayAttachmentRecord, _ []*kit.TransitGatewayRecord) error {
		if a.State != "pendingAcceptance" {
			return errPeeringState(a)
		}
		a.State = "available"
		return t.Put(c.Key(a.ID), a)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.AcceptTransitGatewayPeeringAttachmentResult{TransitGatewayPeeringAttachment: out}, nil
}

// RejectTransitGatewayPeeringAttachment rejects a pending peering: it stays visible as
// rejected, and is no attachment of its gateways any more.
func (s *TGW) RejectTransitGatewayPeeringAttachment(ctx context.Context, c kit.Caller, in *ec2.RejectTransitGatewayPeeringAttachmentRequest) (*ec2.RejectTransitGatewayPeeringAttachmentResult, error) {
	out, err := s.updatePeering(ctx, c, in.TransitGatewayAttachmentId, "rejecting", func(t *kit.Txn, a *kit.TransitGatewayAttachmentRecord, gs []*kit.TransitGatewayRecord) error {
		if a.State != "pendingAcceptance" {
			return errPeeringState(a)
		}
		if err := removeAttachment(t, c, a, gs...); err != nil {
			return err
		}
		a.State = "rejected"
		return t.Put(c.Key(a.ID), a)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.RejectTransitGatewayPeeringAttachmentResult{TransitGatewayPeeringAttachment: out}, nil
}

// DeleteTransitGatewayPeeringAttachment deletes a peering, from either side.
func (s *TGW) DeleteTransitGatewayPeeringAttachment(ctx context.Context, c kit.Caller, in *ec2.DeleteTransitGatewayPeeringAttachmentRequest) (*ec2.DeleteTransitGatewayPeeringAttachmentResult, error) {
	out, err := s.updatePeering(ctx, c, in.TransitGatewayAttachmentId, "deleting", func(t *kit.Txn, a *kit.TransitGatewayAttachmentRecord, gs []*kit.TransitGatewayRecord) error {
		return removeAttachment(t, c, a, gs...)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteTransitGatewayPeeringAttachmentResult{TransitGatewayPeeringAttachment: out}, nil
}

var peeringFilters = map[string]func(*kit.TransitGatewayAttachmentRecord) []string{
	"transit-gateway-attachment-id": func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.ID} },
	"local-owner-id":                func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.Owner} },
	"remote-owner-id":               func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.ResourceOwner} },
	"state":                         func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.State} },
	"transit-gateway-id":            func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.TransitGatewayID} },
	// resource-type is not one of the action's filters: it keeps the peering attachments.
	"resource-type": func(a *kit.TransitGatewayAttachmentRecord) []string { return []string{a.ResourceType} },
}

// DescribeTransitGatewayPeeringAttachments lists the caller's peering attachments.
func (s *TGW) DescribeTransitGatewayPeeringAttachments(ctx context.Context, c kit.Caller, in *ec2.DescribeTransitGatewayPeeringAttachmentsRequest) (*ec2.DescribeTransitGatewayPeeringAttachmentsResult, error) {
	atts, next, err := s.describeOfType(ctx, c, "peering", kit.DescribeQuery{IDs: in.TransitGatewayAttachmentIds, Filters: in.Filters,
		MaxResults: in.MaxResults, NextToken: in.NextToken}, peeringFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeTransitGatewayPeeringAttachmentsResult{TransitGatewayPeeringAttachments: []ec2.TransitGatewayPeeringAttachment{}, NextToken: next}
	for _, a := range atts {
		out.TransitGatewayPeeringAttachments = append(out.TransitGatewayPeeringAttachments, *peeringEC2(a, c.Region, a.State))
	}
	return out, nil
}
