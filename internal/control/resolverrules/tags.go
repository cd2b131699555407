package resolverrules

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	r53r "vpcd/internal/aws/route53resolver"
	"vpcd/internal/control/kit"
)

// resourceOf is the ID of the caller's endpoint or rule an ARN names.
func resourceOf(c kit.Caller, a string) (string, error) {
	for _, typ := range []string{"resolver-endpoint", "resolver-rule"} {
		if id, ok := strings.CutPrefix(a, arn(c, typ, "")); ok && (kit.ValidID(id, "rslvr-in") || kit.ValidID(id, "rslvr-out") || kit.ValidID(id, "rslvr-rr")) {
			return id, nil
		}
	}
	return "", errARNNotFound(a)
}

// retag changes the tags of the resource an ARN names, keeping the rest of its record.
func (s *ResolverRules) retag(ctx context.Context, c kit.Caller, a string, fn func(map[string]string) error) error {
	id, err := resourceOf(c, a)
	if err != nil {
		return err
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		var raw map[string]json.RawMessage
		ok, err := t.Get(c.Key(id), &raw)
		if err != nil {
			return err
		}
		if !ok {
			return errARNNotFound(a)
		}
		tags := map[string]string{}
		if v, ok := raw["tags"]; ok {
			if err := json.Unmarshal(v, &tags); err != nil {
				return err
			}
		}
		if err := fn(tags); err != nil {
			return err
		}
		if len(tags) > maxTags {
			return errLimitExceeded("[RSLVR-00303] A resource can have up to %d tags.", maxTags)
		}
		delete(raw, "tags")
		if len(tags) > 0 {
			v, err := json.Marshal(tags)
			if err != nil {
				return err
			}
			raw["tags"] = v
		}
		return t.Put(c.Key(id), raw)
	})
}

// TagResource adds or replaces tags of an endpoint or rule.
func (s *ResolverRules) TagResource(ctx context.Context, c kit.Caller, in *r53r.TagResourceRequest) (*r53r.TagResourceResponse, error) {
	add, err := tagsOf(in.Tags)
	if err != nil {
		return nil, err
	}
	err = s.retag(ctx, c, kit.Deref(in.ResourceArn), func(tags map[string]string) error {
		maps.Copy(tags, add)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &r53r.TagResourceResponse{}, nil
}

// UntagResource removes tags of an endpoint or rule by key.
func (s *ResolverRules) UntagResource(ctx context.Context, c kit.Caller, in *r53r.UntagResourceRequest) (*r53r.UntagResourceResponse, error) {
	err := s.retag(ctx, c, kit.Deref(in.ResourceArn), func(tags map[string]string) error {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &r53r.UntagResourceResponse{}, nil
}

// ListTagsForResource lists the tags of an endpoint or rule, by key.
func (s *ResolverRules) ListTagsForResource(ctx context.Context, c kit.Caller, in *r53r.ListTagsForResourceRequest) (*r53r.ListTagsForResourceResponse, error) {
	a := kit.Deref(in.ResourceArn)
	id, err := resourceOf(c, a)
	if err != nil {
		return nil, err
	}
	var m kit.Meta
	err = s.View(ctx, func(t *kit.Txn) error {
		ok, err := t.Get(c.Key(id), &m)
		if err == nil && !ok {
			err = errARNNotFound(a)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	all := []r53r.Tag{}
	for _, k := range slices.Sorted(maps.Keys(m.Tags)) {
		all = append(all, r53r.Tag{Key: kit.Ptr(k), Value: kit.Ptr(m.Tags[k])})
	}
	pg, next, _, err := page(all, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &r53r.ListTagsForResourceResponse{Tags: pg, NextToken: next}, nil
}
