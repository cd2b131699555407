package control

import (
	"context"
	"errors"
	"strings"

	"vpcd/internal/ec2"
)

// CPU credits of burstable performance instances (T2, T3, T3a, T4g). vpcd runs no CPU
// accounting: the option is kept and answered, as the AWS provider reads it for every
// burstable instance. T2 instances launch with standard credits, the later generations
// with unlimited, as AWS's defaults are.

// defaultCPUCredits reports whether instances of the type earn CPU credits, and their default
// credit option.
func defaultCPUCredits(instanceType string) (string, bool) {
	family, _, _ := strings.Cut(instanceType, ".")
	switch family {
	case "t2":
		return "standard", true
	case "t3", "t3a", "t4g":
		return "unlimited", true
	}
	return "", false
}

// cpuCredits is an instance's credit option: the one it was given, else its type's default.
func (r *instanceRecord) cpuCredits() (string, bool) {
	def, ok := defaultCPUCredits(r.InstanceType)
	if !ok {
		return "", false
	}
	if r.CPUCredits != "" {
		return r.CPUCredits, true
	}
	return def, true
}

func checkCPUCredits(instanceType, credits string) error {
	if credits != "standard" && credits != "unlimited" {
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter CpuCredits is invalid. Expected: 'standard', 'unlimited'.", credits)
	}
	if _, ok := defaultCPUCredits(instanceType); !ok {
		return ec2.ErrInvalidParameterCombination("The instance type %s does not support CPU credits: only burstable performance instances (T2, T3, T3a, T4g) do.", instanceType)
	}
	return nil
}

var creditFilters = map[string]func(*instanceRecord) []string{
	"instance-id": func(r *instanceRecord) []string { return []string{r.ID} },
}

// DescribeInstanceCreditSpecifications lists the credit option of the caller's burstable
// instances that are not terminated; the other instances are left out.
func (s *Service) DescribeInstanceCreditSpecifications(ctx context.Context, c Caller, in *ec2.DescribeInstanceCreditSpecificationsRequest) (*ec2.DescribeInstanceCreditSpecificationsResult, error) {
	insts, next, err := describe(ctx, s, c, describeQuery{Kind: "i", IDs: in.InstanceIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, creditFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInstanceCreditSpecificationsResult{NextToken: next, InstanceCreditSpecifications: []ec2.InstanceCreditSpecification{}}
	for _, r := range insts {
		if credits, ok := r.cpuCredits(); ok && r.State != "terminated" {
			out.InstanceCreditSpecifications = append(out.InstanceCreditSpecifications, ec2.InstanceCreditSpecification{InstanceId: ptr(r.ID), CpuCredits: ptr(credits)})
		}
	}
	return out, nil
}

// ModifyInstanceCreditSpecification sets the credit option of burstable instances; each
// instance succeeds or fails on its own, as AWS answers.
func (s *Service) ModifyInstanceCreditSpecification(ctx context.Context, c Caller, in *ec2.ModifyInstanceCreditSpecificationRequest) (*ec2.ModifyInstanceCreditSpecificationResult, error) {
	if len(in.InstanceCreditSpecifications) == 0 {
		return nil, ec2.ErrMissingParameter("InstanceCreditSpecification")
	}
	out := &ec2.ModifyInstanceCreditSpecificationResult{
		SuccessfulInstanceCreditSpecifications:   []ec2.SuccessfulInstanceCreditSpecificationItem{},
		UnsuccessfulInstanceCreditSpecifications: []ec2.UnsuccessfulInstanceCreditSpecificationItem{},
	}
	for _, spec := range in.InstanceCreditSpecifications {
		id := deref(spec.InstanceId)
		err := s.update(ctx, func(t *txn) error {
			r, err := get[instanceRecord](t, c, "i", id)
			if err != nil {
				return err
			}
			if r.State == "terminated" {
				return errIncorrectState(id, "modified")
			}
			if err := checkCPUCredits(r.InstanceType, deref(spec.CpuCredits)); err != nil {
				return err
			}
			r.CPUCredits = *spec.CpuCredits
			return t.put(c.key(r.ID), r)
		})
		var e *ec2.Error
		if errors.As(err, &e) {
			out.UnsuccessfulInstanceCreditSpecifications = append(out.UnsuccessfulInstanceCreditSpecifications, ec2.UnsuccessfulInstanceCreditSpecificationItem{
				InstanceId: ptr(id), Error: &ec2.UnsuccessfulInstanceCreditSpecificationItemError{Code: ptr(e.Code), Message: ptr(e.Message)},
			})
			continue
		}
		if err != nil {
			return nil, err
		}
		out.SuccessfulInstanceCreditSpecifications = append(out.SuccessfulInstanceCreditSpecifications, ec2.SuccessfulInstanceCreditSpecificationItem{InstanceId: ptr(id)})
	}
	return out, nil
}
