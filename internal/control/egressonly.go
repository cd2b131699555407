package control

import (
	"context"

	"vpcd/internal/ec2"
)

// CreateEgressOnlyInternetGateway creates an egress-only internet gateway, attached to its
// VPC from the start. A repeated ClientToken returns the gateway it created.
func (s *Service) CreateEgressOnlyInternetGateway(ctx context.Context, c Caller, in *ec2.CreateEgressOnlyInternetGatewayRequest) (*ec2.CreateEgressOnlyInternetGatewayResult, error) {
	if deref(in.VpcId) == "" {
		return nil, ec2.ErrMissingParameter("VpcId")
	}
	tags, err := tagsOnCreate(in.TagSpecifications, "egress-only-internet-gateway")
	if err != nil {
		return nil, err
	}
	var gw *egressOnlyInternetGatewayRecord
	err = s.update(ctx, func(t *txn) error {
		vpc, err := getVpc(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		if token := deref(in.ClientToken); token != "" {
			all, err := listAll[egressOnlyInternetGatewayRecord](t, c.prefix("eigw"))
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
		gw = &egressOnlyInternetGatewayRecord{meta: meta{ID: newID("eigw"), Owner: c.Account, Tags: tags}, VpcID: vpc.ID, ClientToken: deref(in.ClientToken)}
		return putGatewayAndVpc(t, c, gw, vpc)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateEgressOnlyInternetGatewayResult{EgressOnlyInternetGateway: gw.ec2(), ClientToken: in.ClientToken}, nil
}

// DeleteEgressOnlyInternetGateway deletes the gateway; routes to it become blackholes.
func (s *Service) DeleteEgressOnlyInternetGateway(ctx context.Context, c Caller, in *ec2.DeleteEgressOnlyInternetGatewayRequest) (*ec2.DeleteEgressOnlyInternetGatewayResult, error) {
	if deref(in.EgressOnlyInternetGatewayId) == "" {
		return nil, ec2.ErrMissingParameter("EgressOnlyInternetGatewayId")
	}
	err := s.update(ctx, func(t *txn) error {
		gw, err := get[egressOnlyInternetGatewayRecord](t, c, "eigw", *in.EgressOnlyInternetGatewayId)
		if err != nil {
			return err
		}
		var vpc vpcRecord
		ok, err := t.peek(c.key(gw.VpcID), &vpc)
		if err != nil {
			return err
		}
		if ok {
			if err := bumpChildren(t, c, vpc.ID); err != nil {
				return err
			}
		}
		t.del(c.key(gw.ID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteEgressOnlyInternetGatewayResult{ReturnCode: ptr(true)}, nil
}

// egressOnlyFilters: DescribeEgressOnlyInternetGateways documents only the tag filters,
// which every describe takes.
var egressOnlyFilters = map[string]func(*egressOnlyInternetGatewayRecord) []string{}

// DescribeEgressOnlyInternetGateways lists the caller's egress-only internet gateways.
func (s *Service) DescribeEgressOnlyInternetGateways(ctx context.Context, c Caller, in *ec2.DescribeEgressOnlyInternetGatewaysRequest) (*ec2.DescribeEgressOnlyInternetGatewaysResult, error) {
	if err := checkMaxResults(in.MaxResults, 5, 255); err != nil {
		return nil, err
	}
	gws, next, err := describe(ctx, s, c, describeQuery{Kind: "eigw", IDs: in.EgressOnlyInternetGatewayIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, egressOnlyFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeEgressOnlyInternetGatewaysResult{NextToken: next, EgressOnlyInternetGateways: []ec2.EgressOnlyInternetGateway{}}
	for _, g := range gws {
		out.EgressOnlyInternetGateways = append(out.EgressOnlyInternetGateways, *g.ec2())
	}
	return out, nil
}

func (g *egressOnlyInternetGatewayRecord) ec2() *ec2.EgressOnlyInternetGateway {
	return &ec2.EgressOnlyInternetGateway{
		EgressOnlyInternetGatewayId: ptr(g.ID),
		Tags:                        g.ec2Tags(),
		Attachments:                 []ec2.InternetGatewayAttachment{{State: ptr("attached"), VpcId: ptr(g.VpcID)}},
	}
}
