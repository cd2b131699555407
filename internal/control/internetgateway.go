package control

import (
	"context"

	"vpcd/internal/ec2"
)

// CreateInternetGateway creates a detached internet gateway.
func (s *Service) CreateInternetGateway(ctx context.Context, c Caller, in *ec2.CreateInternetGatewayRequest) (*ec2.CreateInternetGatewayResult, error) {
	tags, err := tagsOnCreate(in.TagSpecifications, "internet-gateway")
	if err != nil {
		return nil, err
	}
	igw := &internetGatewayRecord{meta: meta{ID: newID("igw"), Owner: c.Account, Tags: tags}}
	err = s.update(ctx, func(t *txn) error { return t.put(c.key(igw.ID), igw) })
	if err != nil {
		return nil, err
	}
	return &ec2.CreateInternetGatewayResult{InternetGateway: igw.ec2()}, nil
}

// DeleteInternetGateway deletes a detached internet gateway; routes to it stay, as
// blackholes.
func (s *Service) DeleteInternetGateway(ctx context.Context, c Caller, in *ec2.DeleteInternetGatewayRequest) error {
	if deref(in.InternetGatewayId) == "" {
		return ec2.ErrMissingParameter("InternetGatewayId")
	}
	return s.update(ctx, func(t *txn) error {
		igw, err := get[internetGatewayRecord](t, c, "igw", *in.InternetGatewayId)
		if err != nil {
			return err
		}
		if igw.VpcID != "" {
			return ec2.ErrDependencyViolation("The internetGateway '%s' has dependencies and cannot be deleted.", igw.ID)
		}
		t.del(c.key(igw.ID))
		return nil
	})
}

// AttachInternetGateway attaches a detached gateway to a VPC that has none.
func (s *Service) AttachInternetGateway(ctx context.Context, c Caller, in *ec2.AttachInternetGatewayRequest) error {
	switch {
	case deref(in.InternetGatewayId) == "":
		return ec2.ErrMissingParameter("InternetGatewayId")
	case deref(in.VpcId) == "":
		return ec2.ErrMissingParameter("VpcId")
	}
	return s.update(ctx, func(t *txn) error {
		igw, err := get[internetGatewayRecord](t, c, "igw", *in.InternetGatewayId)
		if err != nil {
			return err
		}
		vpc, err := getVpc(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		if igw.VpcID != "" {
			return ec2.ErrResourceAlreadyAssociated("resource %s is already attached to network %s", igw.ID, igw.VpcID)
		}
		all, err := listAll[internetGatewayRecord](t, c.prefix("igw"))
		if err != nil {
			return err
		}
		for _, other := range all {
			if other.VpcID == vpc.ID {
				return ec2.ErrInvalidParameterValue("Network %s already has an internet gateway attached", vpc.ID)
			}
		}
		igw.VpcID = vpc.ID
		return putGatewayAndVpc(t, c, igw, vpc)
	})
}

// putGatewayAndVpc writes a gateway whose attachment changed and bumps its VPC's
// children key, so that two attachments to one VPC, or an attachment and DeleteVpc,
// conflict.
func putGatewayAndVpc(t *txn, c Caller, gw record, vpc *vpcRecord) error {
	if err := bumpChildren(t, c, vpc.ID); err != nil {
		return err
	}
	return t.put(c.key(gw.base().ID), gw)
}

// DetachInternetGateway detaches a gateway from its VPC; the VPC's routes to it become
// blackholes.
func (s *Service) DetachInternetGateway(ctx context.Context, c Caller, in *ec2.DetachInternetGatewayRequest) error {
	switch {
	case deref(in.InternetGatewayId) == "":
		return ec2.ErrMissingParameter("InternetGatewayId")
	case deref(in.VpcId) == "":
		return ec2.ErrMissingParameter("VpcId")
	}
	return s.update(ctx, func(t *txn) error {
		igw, err := get[internetGatewayRecord](t, c, "igw", *in.InternetGatewayId)
		if err != nil {
			return err
		}
		vpc, err := getVpc(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		if igw.VpcID != vpc.ID {
			return ec2.ErrGatewayNotAttached("resource %s is not attached to network %s", igw.ID, vpc.ID)
		}
		mapped, err := vpcHasPublicAddresses(t, c, vpc.ID)
		if err != nil {
			return err
		}
		if mapped {
			return ec2.ErrDependencyViolation("Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", vpc.ID)
		}
		igw.VpcID = ""
		return putGatewayAndVpc(t, c, igw, vpc)
	})
}

// vpcHasPublicAddresses reports whether an interface of the VPC has a public address
// (its own or an Elastic IP), which AWS maps through the internet gateway.
func vpcHasPublicAddresses(t *txn, c Caller, vpcID string) (bool, error) {
	enis, err := listAll[networkInterfaceRecord](t, c.prefix("eni"))
	if err != nil {
		return false, err
	}
	for _, e := range enis {
		if e.VpcID != vpcID {
			continue
		}
		for _, ip := range e.PrivateIPs {
			if ip.Association != nil {
				return true, nil
			}
		}
	}
	return false, nil
}

// internetGatewayFilters gives, for each filter DescribeInternetGateways documents, the
// gateway's values.
var internetGatewayFilters = map[string]func(*internetGatewayRecord) []string{
	"attachment.state": func(g *internetGatewayRecord) []string {
		if g.VpcID == "" {
			return nil
		}
		return []string{"available"}
	},
	"attachment.vpc-id": func(g *internetGatewayRecord) []string {
		if g.VpcID == "" {
			return nil
		}
		return []string{g.VpcID}
	},
	"internet-gateway-id": func(g *internetGatewayRecord) []string { return []string{g.ID} },
	"owner-id":            func(g *internetGatewayRecord) []string { return []string{g.Owner} },
}

// DescribeInternetGateways lists the caller's internet gateways.
func (s *Service) DescribeInternetGateways(ctx context.Context, c Caller, in *ec2.DescribeInternetGatewaysRequest) (*ec2.DescribeInternetGatewaysResult, error) {
	igws, next, err := describe(ctx, s, c, describeQuery{Kind: "igw", IDs: in.InternetGatewayIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, internetGatewayFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInternetGatewaysResult{NextToken: next, InternetGateways: []ec2.InternetGateway{}}
	for _, g := range igws {
		out.InternetGateways = append(out.InternetGateways, *g.ec2())
	}
	return out, nil
}

// ec2 is the gateway as AWS shows it: an attached gateway's attachment is "available".
func (g *internetGatewayRecord) ec2() *ec2.InternetGateway {
	out := &ec2.InternetGateway{
		InternetGatewayId: ptr(g.ID),
		OwnerId:           ptr(g.Owner),
		Tags:              g.ec2Tags(),
		Attachments:       []ec2.InternetGatewayAttachment{},
	}
	if g.VpcID != "" {
		out.Attachments = append(out.Attachments, ec2.InternetGatewayAttachment{State: ptr("available"), VpcId: ptr(g.VpcID)})
	}
	return out
}
