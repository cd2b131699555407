package elb

import (
	"context"
	"maps"

	"vpcd/internal/aws/elbv2"
	"vpcd/internal/control/kit"
)

// tagged is a load balancer, target group or listener as the tag actions read it: its
// record, for its tags, and how to write it back.
type tagged struct {
	meta *kit.Meta
	put  func(t *kit.Txn) error
}

// getTagged reads the resource of an ARN of any of the three kinds.
func getTagged(t *kit.Txn, c kit.Caller, arn string) (tagged, error) {
	p, _ := parseARN(c, arn)
	switch p.kind {
	case "elbtg":
		tg, err := getTargetGroup(t, c, arn)
		if err != nil {
			return tagged{}, err
		}
		return tagged{&tg.Meta, func(t *kit.Txn) error { return t.Put(c.Key(tg.ID), tg) }}, nil
	case "elblst":
		l, err := getListener(t, c, arn)
		if err != nil {
			return tagged{}, err
		}
		return tagged{&l.Meta, func(t *kit.Txn) error { return t.Put(c.Key(l.ID), l) }}, nil
	}
	lb, err := getLoadBalancer(t, c, arn)
	if err != nil {
		return tagged{}, err
	}
	return tagged{&lb.Meta, func(t *kit.Txn) error { return t.Put(c.Key(lb.ID), lb) }}, nil
}

func checkARNCount(arns []string) error {
	if len(arns) > maxARNsPerTagAction {
		return errValidation("1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to %d", maxARNsPerTagAction)
	}
	return nil
}

// retag changes the tags of each resource with fn.
func (s *ELB) retag(ctx context.Context, c kit.Caller, arns []string, fn func(have map[string]string) (map[string]string, error)) error {
	if err := checkARNCount(arns); err != nil {
		return err
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		for _, arn := range arns {
			r, err := getTagged(t, c, arn)
			if err != nil {
				return err
			}
			if r.meta.Tags, err = fn(r.meta.Tags); err != nil {
				return err
			}
			if err := r.put(t); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddTags adds tags to load balancers, target groups and listeners, or changes their
// values.
func (s *ELB) AddTags(ctx context.Context, c kit.Caller, in *elbv2.AddTagsInput) (*elbv2.AddTagsOutput, error) {
	err := s.retag(ctx, c, in.ResourceArns, func(have map[string]string) (map[string]string, error) { return tagsOf(have, in.Tags) })
	if err != nil {
		return nil, err
	}
	return &elbv2.AddTagsOutput{}, nil
}

// RemoveTags removes tags, by key.
func (s *ELB) RemoveTags(ctx context.Context, c kit.Caller, in *elbv2.RemoveTagsInput) (*elbv2.RemoveTagsOutput, error) {
	err := s.retag(ctx, c, in.ResourceArns, func(have map[string]string) (map[string]string, error) {
		out := maps.Clone(have)
		for _, k := range in.TagKeys {
			delete(out, k)
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.RemoveTagsOutput{}, nil
}

// DescribeTags lists the tags of each resource.
func (s *ELB) DescribeTags(ctx context.Context, c kit.Caller, in *elbv2.DescribeTagsInput) (*elbv2.DescribeTagsOutput, error) {
	if err := checkARNCount(in.ResourceArns); err != nil {
		return nil, err
	}
	out := &elbv2.DescribeTagsOutput{TagDescriptions: []elbv2.TagDescription{}}
	err := s.View(ctx, func(t *kit.Txn) error {
		out.TagDescriptions = out.TagDescriptions[:0]
		for _, arn := range in.ResourceArns {
			r, err := getTagged(t, c, arn)
			if err != nil {
				return err
			}
			out.TagDescriptions = append(out.TagDescriptions, elbv2.TagDescription{ResourceArn: kit.Ptr(arn), Tags: tagShapes(r.meta.Tags)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
