package vpc

import (
	"context"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// CreateInternetGateway creates a detached internet gateway.
func (s *VPC) CreateInternetGateway(ctx context.Context, c kit.Caller, in *ec2.CreateInternetGatewayRequest) (*ec2.CreateInternetGatewayResult, error) {
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "internet-gateway")
	if err != nil {
		return nil, err
	}
	igw := &kit.InternetGatewayRecord{Meta: kit.Meta{ID: kit.NewID("igw"), Owner: c.Account, Tags: tags}}
	err = s.Update(ctx, func(t *kit.Txn) error { return t.Put(c.Key(igw.ID), igw) })
	if err != nil {
		return nil, err
	}
	return &ec2.CreateInternetGatewayResult{InternetGateway: igw.EC2()}, nil
}

// DeleteInternetGateway deletes a detached internet gateway; routes to it stay, as
// blackholes.
func (s *VPC) DeleteInternetGateway(ctx context.Context, c kit.Caller, in *ec2.DeleteInternetGatewayRequest) error {
	if kit.Deref(in.InternetGatewayId) == "" {
		return ec2.ErrMissingParameter("InternetGatewayId")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		igw, err := kit.Get[kit.InternetGatewayRecord](t, c, "igw", *in.InternetGatewayId)
		if err != nil {
			return err
		}
		if igw.VpcID != "" {
			return ec2.ErrDependencyViolation("The internetGateway '%s' has dependencies and cannot be deleted.", igw.ID)
		}
		t.Del(c.Key(igw.ID))
		return nil
	})
}

// AttachInternetGateway attaches a detached gateway to a VPC that has none.
func (s *VPC) AttachInternetGateway(ctx context.Context, c kit.Caller, in *ec2.AttachInternetGatewayRequest) error {
	switch {
	case kit.Deref(in.InternetGatewayId) == "":
		return ec2.ErrMissingParameter("InternetGatewayId")
	case kit.Deref(in.VpcId) == "":
		return ec2.ErrMissingParameter("VpcId")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		igw, err := kit.Get[kit.InternetGatewayRecord](t, c, "igw", *in.InternetGatewayId)
		if err != nil {
			return err
		}
		vpc, err := kit.GetVpc(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		if igw.VpcID != "" {
			return ec2.ErrResourceAlreadyAssociated("resource %s is already attached to network %s", igw.ID, igw.VpcID)
		}
		all, err := kit.ListAll[kit.InternetGatewayRecord](t, c.Prefix("igw"))
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
func putGatewayAndVpc(t *kit.Txn, c kit.Caller, gw kit.Record, vpc *kit.VpcRecord) error {
	if err := kit.BumpChildren(t, c, vpc.ID); err != nil {
		return err
	}
	return t.Put(c.Key(gw.Base().ID), gw)
}

// DetachInternetGateway detaches a gateway from its VPC; the VPC's routes to it become
// blackholes.
func (s *VPC) DetachInternetGateway(ctx context.Context, c kit.Caller, in *ec2.DetachInternetGatewayRequest) error {
	switch {
	case kit.Deref(in.InternetGatewayId) == "":
		return ec2.ErrMissingParameter("InternetGatewayId")
	case kit.Deref(in.VpcId) == "":
		return ec2.ErrMissingParameter("VpcId")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		igw, err := kit.Get[kit.InternetGatewayRecord](t, c, "igw", *in.InternetGatewayId)
		if err != nil {
			return err
		}
		vpc, err := kit.GetVpc(t, c, *in.VpcId)
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
// (its own or an Elastic IP), or a regional NAT gateway of the VPC has one, which AWS
// maps through the internet gateway.
func vpcHasPublicAddresses(t *kit.Txn, c kit.Caller, vpcID string) (bool, error) {
	enis, err := kit.ListAll[kit.NetworkInterfaceRecord](t, c.Prefix("eni"))
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
	// A regional NAT gateway's public addresses are mapped by the gateway too.
	nats, err := kit.ListAll[kit.NatGatewayRecord](t, c.Prefix("nat"))
	if err != nil {
		return false, err
	}
	for _, g := range nats {
		if g.VpcID == vpcID && g.Live() && g.Regional() && len(g.Addresses) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// internetGatewayFilters gives, for each filter DescribeInternetGateways documents, the
// gateway's values.
var internetGatewayFilters = map[string]func(*kit.InternetGatewayRecord) []string{
	"attachment.state": func(g *kit.InternetGatewayRecord) []string {
		if g.VpcID == "" {
			return nil
		}
		return []string{"available"}
	},
	"attachment.vpc-id": func(g *kit.InternetGatewayRecord) []string {
		if g.VpcID == "" {
			return nil
		}
		return []string{g.VpcID}
	},
	"internet-gateway-id": func(g *kit.InternetGatewayRecord) []string { return []string{g.ID} },
	"owner-id":            func(g *kit.InternetGatewayRecord) []string { return []string{g.Owner} },
}

// DescribeInternetGateways lists the caller's internet gateways.
func (s *VPC) DescribeInternetGateways(ctx context.Context, c kit.Caller, in *ec2.DescribeInternetGatewaysRequest) (*ec2.DescribeInternetGatewaysResult, error) {
	igws, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "igw", IDs: in.InternetGatewayIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, internetGatewayFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInternetGatewaysResult{NextToken: next, InternetGateways: []ec2.InternetGateway{}}
	for _, g := range igws {
		out.InternetGateways = append(out.InternetGateways, *g.EC2())
	}
	return out, nil
}
