package vpc

import (
	"context"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// CreateEgressOnlyInternetGateway creates an egress-only internet gateway, attached to its
// VPC from the start. A repeated ClientToken returns the gateway it created.
func (s *VPC) CreateEgressOnlyInternetGateway(ctx context.Context, c kit.Caller, in *ec2.CreateEgressOnlyInternetGatewayRequest) (*ec2.CreateEgressOnlyInternetGatewayResult, error) {
	if kit.Deref(in.VpcId) == "" {
		return nil, ec2.ErrMissingParameter("VpcId")
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "egress-only-internet-gateway")
	if err != nil {
		return nil, err
	}
	var gw *kit.EgressOnlyInternetGatewayRecord
	err = s.Update(ctx, func(t *kit.Txn) error {
		vpc, err := kit.GetVpc(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		if token := kit.Deref(in.ClientToken); token != "" {
			all, err := kit.ListAll[kit.EgressOnlyInternetGatewayRecord](t, c.Prefix("eigw"))
			if err != nil {
				return err
			}
			for _, g := range all {
				if g.ClientToken != token {
					continue
				}
				if g.VpcID != vpc.ID {
					return ec2.ErrIdempotentParameterMismatch("The client token you have provided is associated with a resource that is already deleted or has different parameters.")
				}
				gw = g
				return nil
			}
		}
		gw = &kit.EgressOnlyInternetGatewayRecord{Meta: kit.Meta{ID: kit.NewID("eigw"), Owner: c.Account, Tags: tags}, VpcID: vpc.ID, ClientToken: kit.Deref(in.ClientToken)}
		return putGatewayAndVpc(t, c, gw, vpc)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateEgressOnlyInternetGatewayResult{EgressOnlyInternetGateway: gw.EC2(), ClientToken: in.ClientToken}, nil
}

// DeleteEgressOnlyInternetGateway deletes the gateway; routes to it become blackholes.
func (s *VPC) DeleteEgressOnlyInternetGateway(ctx context.Context, c kit.Caller, in *ec2.DeleteEgressOnlyInternetGatewayRequest) (*ec2.DeleteEgressOnlyInternetGatewayResult, error) {
	if kit.Deref(in.EgressOnlyInternetGatewayId) == "" {
		return nil, ec2.ErrMissingParameter("EgressOnlyInternetGatewayId")
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		gw, err := kit.Get[kit.EgressOnlyInternetGatewayRecord](t, c, "eigw", *in.EgressOnlyInternetGatewayId)
		if err != nil {
			return err
		}
		var vpc kit.VpcRecord
		ok, err := t.Peek(c.Key(gw.VpcID), &vpc)
		if err != nil {
			return err
		}
		if ok {
			if err := kit.BumpChildren(t, c, vpc.ID); err != nil {
				return err
			}
		}
		t.Del(c.Key(gw.ID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteEgressOnlyInternetGatewayResult{ReturnCode: kit.Ptr(true)}, nil
}

// egressOnlyFilters: DescribeEgressOnlyInternetGateways documents only the tag filters,
// which every describe takes.
var egressOnlyFilters = map[string]func(*kit.EgressOnlyInternetGatewayRecord) []string{}

// DescribeEgressOnlyInternetGateways lists the caller's egress-only internet gateways.
func (s *VPC) DescribeEgressOnlyInternetGateways(ctx context.Context, c kit.Caller, in *ec2.DescribeEgressOnlyInternetGatewaysRequest) (*ec2.DescribeEgressOnlyInternetGatewaysResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 5, 255); err != nil {
		return nil, err
	}
	gws, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "eigw", IDs: in.EgressOnlyInternetGatewayIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, egressOnlyFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeEgressOnlyInternetGatewaysResult{NextToken: next, EgressOnlyInternetGateways: []ec2.EgressOnlyInternetGateway{}}
	for _, g := range gws {
		out.EgressOnlyInternetGateways = append(out.EgressOnlyInternetGateways, *g.EC2())
	}
	return out, nil
}
