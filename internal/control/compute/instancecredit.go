package compute

import (
	"context"
	"errors"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func checkCPUCredits(instanceType, credits string) error {
	if credits != "standard" && credits != "unlimited" {
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter CpuCredits is invalid. Expected: 'standard', 'unlimited'.", credits)
	}
	if _, ok := kit.DefaultCPUCredits(instanceType); !ok {
		return ec2.ErrInvalidParameterCombination("The instance type %s does not support CPU credits: only burstable performance instances (T2, T3, T3a, T4g) do.", instanceType)
	}
	return nil
}

var creditFilters = map[string]func(*kit.InstanceRecord) []string{
	"instance-id": func(r *kit.InstanceRecord) []string { return []string{r.ID} },
}

// DescribeInstanceCreditSpecifications lists the credit option of the caller's burstable
// instances that are not terminated; the other instances are left out.
func (s *Compute) DescribeInstanceCreditSpecifications(ctx context.Context, c kit.Caller, in *ec2.DescribeInstanceCreditSpecificationsRequest) (*ec2.DescribeInstanceCreditSpecificationsResult, error) {
	insts, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "i", IDs: in.InstanceIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, creditFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInstanceCreditSpecificationsResult{NextToken: next, InstanceCreditSpecifications: []ec2.InstanceCreditSpecification{}}
	for _, r := range insts {
		if credits, ok := r.CpuCredits(); ok && r.State != "terminated" {
			out.InstanceCreditSpecifications = append(out.InstanceCreditSpecifications, ec2.InstanceCreditSpecification{InstanceId: kit.Ptr(r.ID), CpuCredits: kit.Ptr(credits)})
		}
	}
	return out, nil
}

// ModifyInstanceCreditSpecification sets the credit option of burstable instances; each
// instance succeeds or fails on its own, as AWS answers.
func (s *Compute) ModifyInstanceCreditSpecification(ctx context.Context, c kit.Caller, in *ec2.ModifyInstanceCreditSpecificationRequest) (*ec2.ModifyInstanceCreditSpecificationResult, error) {
	if len(in.InstanceCreditSpecifications) == 0 {
		return nil, ec2.ErrMissingParameter("InstanceCreditSpecification")
	}
	out := &ec2.ModifyInstanceCreditSpecificationResult{
		SuccessfulInstanceCreditSpecifications:   []ec2.SuccessfulInstanceCreditSpecificationItem{},
		UnsuccessfulInstanceCreditSpecifications: []ec2.UnsuccessfulInstanceCreditSpecificationItem{},
	}
	for _, spec := range in.InstanceCreditSpecifications {
		id := kit.Deref(spec.InstanceId)
		err := s.Update(ctx, func(t *kit.Txn) error {
			r, err := kit.Get[kit.InstanceRecord](t, c, "i", id)
			if err != nil {
				return err
			}
			if r.State == "terminated" {
				return errIncorrectState(id, "modified")
			}
			if err := checkCPUCredits(r.InstanceType, kit.Deref(spec.CpuCredits)); err != nil {
				return err
			}
			r.CPUCredits = *spec.CpuCredits
			return t.Put(c.Key(r.ID), r)
		})
		var e *ec2.Error
		if errors.As(err, &e) {
			out.UnsuccessfulInstanceCreditSpecifications = append(out.UnsuccessfulInstanceCreditSpecifications, ec2.UnsuccessfulInstanceCreditSpecificationItem{
				InstanceId: kit.Ptr(id), Error: &ec2.UnsuccessfulInstanceCreditSpecificationItemError{Code: kit.Ptr(e.Code), Message: kit.Ptr(e.Message)},
			})
			continue
		}
		if err != nil {
			return nil, err
		}
		out.SuccessfulInstanceCreditSpecifications = append(out.SuccessfulInstanceCreditSpecifications, ec2.SuccessfulInstanceCreditSpecificationItem{InstanceId: kit.Ptr(id)})
	}
	return out, nil
}
