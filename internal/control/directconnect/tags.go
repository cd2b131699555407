package directconnect

import (
	"context"
	"encoding/json"
	"maps"
	"strings"

	dx "vpcd/internal/aws/directconnect"
	"vpcd/internal/control/kit"
)

// resourceKey is the store key of the caller's connection, virtual interface or Direct
// Connect gateway that an ARN names.
func resourceKey(c kit.Caller, arn string) (string, bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:directconnect:")
	if !ok {
		return "", false
	}
	parts := strings.SplitN(rest, ":", 3)
	if len(parts) != 3 || parts[1] != c.Account {
		return "", false
	}
	typ, id, _ := strings.Cut(parts[2], "/")
	switch {
	case typ == "dx-gateway" && parts[0] == "" && id != "" && !strings.Contains(id, "/"):
		return GatewayKey(c.Account, id), true
	case (typ == "dxcon" || typ == "dxvif") && parts[0] == c.Region && validID(id, typ):
		return c.Key(id), true
	}
	return "", false
}

func errResourceNotFound(arn string) error {
	return errClient("Resource %s does not exist or is not owned by this account in this region.", arn)
}

// retag changes the tags of the resource an ARN names, keeping the rest of its record.
func (s *DirectConnect) retag(ctx context.Context, c kit.Caller, arn string, fn func(map[string]string)) error {
	key, ok := resourceKey(c, arn)
	if !ok {
		return errResourceNotFound(arn)
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		var raw map[string]json.RawMessage
		ok, err := t.Get(key, &raw)
		if err != nil {
			return err
		}
		if !ok {
			return errResourceNotFound(arn)
		}
		tags := map[string]string{}
		if v, ok := raw["tags"]; ok {
			if err := json.Unmarshal(v, &tags); err != nil {
				return err
			}
		}
		fn(tags)
		if len(tags) > maxTags {
			return errTooManyTags()
		}
		delete(raw, "tags")
		if len(tags) > 0 {
			v, err := json.Marshal(tags)
			if err != nil {
				return err
			}
			raw["tags"] = v
		}
		return t.Put(key, raw)
	})
}

// TagResource adds or replaces tags of a connection, virtual interface or gateway.
func (s *DirectConnect) TagResource(ctx context.Context, c kit.Caller, in *dx.TagResourceRequest) (*dx.TagResourceResponse, error) {
	add, err := tagsOf(in.Tags)
	if err != nil {
		return nil, err
	}
	if err := s.retag(ctx, c, kit.Deref(in.ResourceArn), func(tags map[string]string) { maps.Copy(tags, add) }); err != nil {
		return nil, err
	}
	return &dx.TagResourceResponse{}, nil
}

// UntagResource removes tags by key.
func (s *DirectConnect) UntagResource(ctx context.Context, c kit.Caller, in *dx.UntagResourceRequest) (*dx.UntagResourceResponse, error) {
	err := s.retag(ctx, c, kit.Deref(in.ResourceArn), func(tags map[string]string) {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
	})
	if err != nil {
		return nil, err
	}
	return &dx.UntagResourceResponse{}, nil
}

// DescribeTags lists the tags of each resource named.
func (s *DirectConnect) DescribeTags(ctx context.Context, c kit.Caller, in *dx.DescribeTagsRequest) (*dx.DescribeTagsResponse, error) {
	if len(in.ResourceArns) > 20 {
		return nil, errClient("At most 20 resource ARNs may be given.")
	}
	out := &dx.DescribeTagsResponse{ResourceTags: []dx.ResourceTag{}}
	err := s.View(ctx, func(t *kit.Txn) error {
		out.ResourceTags = out.ResourceTags[:0]
		for _, arn := range in.ResourceArns {
			key, ok := resourceKey(c, arn)
			if !ok {
				return errResourceNotFound(arn)
			}
			var m kit.Meta
			found, err := t.Get(key, &m)
			if err != nil {
				return err
			}
			if !found {
				return errResourceNotFound(arn)
			}
			out.ResourceTags = append(out.ResourceTags, dx.ResourceTag{ResourceArn: kit.Ptr(arn), Tags: tagList(m.Tags)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
