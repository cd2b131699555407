package vpc

import (
	"context"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/model"
)

// VPC Block Public Access (BPA): an account's mode per region and the VPCs and subnets it
// excludes. The data plane enforces them at the internet gateways and egress-only
// internet gateways (model.PublicAccess says what passes), and the analyzer explains
// them. Changes apply within milliseconds: an answer shows the change in progress
// (update-in-progress, create-in-progress), a later describe shows it complete.

// maxBPAExclusions is AWS's quota of exclusions per account and region.
const maxBPAExclusions = 50

// bpaOptions is the caller's mode in the region; off when never set.
func bpaOptions(t *kit.Txn, c kit.Caller) (*kit.BPAOptionsRecord, bool, error) {
	var o kit.BPAOptionsRecord
	ok, err := t.Get(kit.BPAOptionsKey(c), &o)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		o.Mode = model.BPAOff
	}
	return &o, ok, nil
}

func bpaOptionsEC2(c kit.Caller, o *kit.BPAOptionsRecord, set bool, state string) *ec2.VpcBlockPublicAccessOptions {
	out := &ec2.VpcBlockPublicAccessOptions{
		AwsAccountId: kit.Ptr(c.Account), AwsRegion: kit.Ptr(c.Region),
		InternetGatewayBlockMode: kit.Ptr(o.Mode), ExclusionsAllowed: kit.Ptr("allowed"), ManagedBy: kit.Ptr("account"),
		State: kit.Ptr("default-state"),
	}
	if set {
		out.State, out.LastUpdateTimestamp = kit.Ptr(state), kit.Ptr(o.Updated)
	}
	return out
}

// DescribeVpcBlockPublicAccessOptions shows the caller's mode in the region.
func (s *VPC) DescribeVpcBlockPublicAccessOptions(ctx context.Context, c kit.Caller, in *ec2.DescribeVpcBlockPublicAccessOptionsRequest) (*ec2.DescribeVpcBlockPublicAccessOptionsResult, error) {
	var out *ec2.VpcBlockPublicAccessOptions
	err := s.View(ctx, func(t *kit.Txn) error {
		o, set, err := bpaOptions(t, c)
		out = bpaOptionsEC2(c, o, set, "update-complete")
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeVpcBlockPublicAccessOptionsResult{VpcBlockPublicAccessOptions: out}, nil
}

// ModifyVpcBlockPublicAccessOptions sets the caller's mode in the region.
func (s *VPC) ModifyVpcBlockPublicAccessOptions(ctx context.Context, c kit.Caller, in *ec2.ModifyVpcBlockPublicAccessOptionsRequest) (*ec2.ModifyVpcBlockPublicAccessOptionsResult, error) {
	mode := kit.Deref(in.InternetGatewayBlockMode)
	switch mode {
	case "":
		return nil, ec2.ErrMissingParameter("InternetGatewayBlockMode")
	case model.BPAOff, model.BPABidirectional, model.BPAIngress:
	default:
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter InternetGatewayBlockMode is invalid. Valid values are: off, block-bidirectional, block-ingress", mode)
	}
	o := &kit.BPAOptionsRecord{Meta: kit.Meta{ID: "options", Owner: c.Account}, Mode: mode, Updated: s.Now().UTC()}
	err := s.Update(ctx, func(t *kit.Txn) error {
		return t.Put(kit.BPAOptionsKey(c), o)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ModifyVpcBlockPublicAccessOptionsResult{VpcBlockPublicAccessOptions: bpaOptionsEC2(c, o, true, "update-in-progress")}, nil
}

// CreateVpcBlockPublicAccessExclusion excludes one VPC or one subnet of the caller, also
// while the mode is off, so that nothing breaks when it is turned on.
func (s *VPC) CreateVpcBlockPublicAccessExclusion(ctx context.Context, c kit.Caller, in *ec2.CreateVpcBlockPublicAccessExclusionRequest) (*ec2.CreateVpcBlockPublicAccessExclusionResult, error) {
	mode := kit.Deref(in.InternetGatewayExclusionMode)
	if err := checkExclusionMode(mode); err != nil {
		return nil, err
	}
	vpcID, subnetID := kit.Deref(in.VpcId), kit.Deref(in.SubnetId)
	switch {
	case vpcID == "" && subnetID == "":
		return nil, ec2.ErrMissingParameter("Either VpcId or SubnetId")
	case vpcID != "" && subnetID != "":
		return nil, ec2.ErrInvalidParameterCombination("Only one of VpcId and SubnetId can be specified.")
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "vpc-block-public-access-exclusion")
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	e := &kit.BPAExclusionRecord{Meta: kit.Meta{ID: kit.NewID("vpcbpa-exclude"), Owner: c.Account, Tags: tags}, Mode: mode, Created: now, Updated: now}
	err = s.Update(ctx, func(t *kit.Txn) error {
		if vpcID != "" {
			vpc, err := kit.GetVpc(t, c, vpcID)
			if err != nil {
				return err
			}
			e.VpcID = vpc.ID
		} else {
			sn, err := kit.Get[kit.SubnetRecord](t, c, "subnet", subnetID)
			if err != nil {
				return err
			}
			e.SubnetID = sn.ID
		}
		all, err := kit.ListAll[kit.BPAExclusionRecord](t, c.Prefix("vpcbpa"))
		if err != nil {
			return err
		}
		for _, other := range all {
			if other.VpcID == e.VpcID && other.SubnetID == e.SubnetID {
				return ec2.ErrInvalidParameterValue("An exclusion already exists for resource %s: %s.", e.VpcID+e.SubnetID, other.ID)
			}
		}
		if len(all) >= maxBPAExclusions {
			return ec2.ErrResourceLimitExceeded("You have reached the maximum number of VPC Block Public Access exclusions (%d) for this Region.", maxBPAExclusions)
		}
		return t.Put(c.Key(e.ID), e)
	})
	if err != nil {
		return nil, err
	}
	out := e.EC2(c, "create-in-progress")
	return &ec2.CreateVpcBlockPublicAccessExclusionResult{VpcBlockPublicAccessExclusion: &out}, nil
}

func checkExclusionMode(mode string) error {
	switch mode {
	case "":
		return ec2.ErrMissingParameter("InternetGatewayExclusionMode")
	case model.BPAAllowBidirectional, model.BPAAllowEgress:
		return nil
	}
	return ec2.ErrInvalidParameterValue("Value (%s) for parameter InternetGatewayExclusionMode is invalid. Valid values are: allow-bidirectional, allow-egress", mode)
}

// ModifyVpcBlockPublicAccessExclusion changes an exclusion's mode.
func (s *VPC) ModifyVpcBlockPublicAccessExclusion(ctx context.Context, c kit.Caller, in *ec2.ModifyVpcBlockPublicAccessExclusionRequest) (*ec2.ModifyVpcBlockPublicAccessExclusionResult, error) {
	if kit.Deref(in.ExclusionId) == "" {
		return nil, ec2.ErrMissingParameter("ExclusionId")
	}
	mode := kit.Deref(in.InternetGatewayExclusionMode)
	if err := checkExclusionMode(mode); err != nil {
		return nil, err
	}
	var e *kit.BPAExclusionRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if e, err = kit.Get[kit.BPAExclusionRecord](t, c, "vpcbpa", *in.ExclusionId); err != nil {
			return err
		}
		e.Mode, e.Updated, e.Updating = mode, s.Now().UTC(), true
		return t.Put(c.Key(e.ID), e)
	})
	if err != nil {
		return nil, err
	}
	out := e.EC2(c, "update-in-progress")
	return &ec2.ModifyVpcBlockPublicAccessExclusionResult{VpcBlockPublicAccessExclusion: &out}, nil
}

// DeleteVpcBlockPublicAccessExclusion deletes an exclusion; the account's mode applies to
// the VPC or subnet again.
func (s *VPC) DeleteVpcBlockPublicAccessExclusion(ctx context.Context, c kit.Caller, in *ec2.DeleteVpcBlockPublicAccessExclusionRequest) (*ec2.DeleteVpcBlockPublicAccessExclusionResult, error) {
	if kit.Deref(in.ExclusionId) == "" {
		return nil, ec2.ErrMissingParameter("ExclusionId")
	}
	var e *kit.BPAExclusionRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if e, err = kit.Get[kit.BPAExclusionRecord](t, c, "vpcbpa", *in.ExclusionId); err != nil {
			return err
		}
		t.Del(c.Key(e.ID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.Updated = s.Now().UTC()
	out := e.EC2(c, "delete-in-progress")
	out.DeletionTimestamp = kit.Ptr(e.Updated)
	return &ec2.DeleteVpcBlockPublicAccessExclusionResult{VpcBlockPublicAccessExclusion: &out}, nil
}

// bpaExclusionFilters are DescribeVpcBlockPublicAccessExclusions' filters; tag filters
// come with every describe.
func bpaExclusionFilters(c kit.Caller) map[string]func(*kit.BPAExclusionRecord) []string {
	return map[string]func(*kit.BPAExclusionRecord) []string{
		"resource-arn":                    func(e *kit.BPAExclusionRecord) []string { return []string{*e.EC2(c, "").ResourceArn} },
		"internet-gateway-exclusion-mode": func(e *kit.BPAExclusionRecord) []string { return []string{e.Mode} },
		"state":                           func(e *kit.BPAExclusionRecord) []string { return []string{exclusionState(e)} },
		"exclusion-id":                    func(e *kit.BPAExclusionRecord) []string { return []string{e.ID} },
	}
}

// exclusionState is a stored exclusion's state once its change has taken effect.
func exclusionState(e *kit.BPAExclusionRecord) string {
	if e.Updating {
		return "update-complete"
	}
	return "create-complete"
}

// DescribeVpcBlockPublicAccessExclusions lists the caller's exclusions in the region.
func (s *VPC) DescribeVpcBlockPublicAccessExclusions(ctx context.Context, c kit.Caller, in *ec2.DescribeVpcBlockPublicAccessExclusionsRequest) (*ec2.DescribeVpcBlockPublicAccessExclusionsResult, error) {
	es, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "vpcbpa", IDs: in.ExclusionIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, bpaExclusionFilters(c))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcBlockPublicAccessExclusionsResult{NextToken: next, VpcBlockPublicAccessExclusions: []ec2.VpcBlockPublicAccessExclusion{}}
	for _, e := range es {
		out.VpcBlockPublicAccessExclusions = append(out.VpcBlockPublicAccessExclusions, e.EC2(c, exclusionState(e)))
	}
	return out, nil
}
