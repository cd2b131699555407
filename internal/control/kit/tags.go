package kit

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"vpcd/internal/ec2"
)

// Meta is what every stored resource has: its ID, its owner and its tags. Resource
// records embed it.
type Meta struct {
	ID    string            `json:"id"`
	Owner string            `json:"owner"`
	Tags  map[string]string `json:"tags,omitempty"`
}

func (m *Meta) Base() *Meta { return m }

// Record is any stored resource.
type Record interface{ Base() *Meta }

// EC2Tags returns the tags as AWS lists them.
func (m *Meta) EC2Tags() []ec2.Tag {
	keys := make([]string, 0, len(m.Tags))
	for k := range m.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]ec2.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, ec2.Tag{Key: Ptr(k), Value: Ptr(m.Tags[k])})
	}
	return out
}

func Ptr[T any](v T) *T { return &v }

// maxTags is AWS's limit of user tags per resource.
const maxTags = 50

func validateTag(key, value string) error {
	switch {
	case key == "":
		return ec2.ErrInvalidParameterValue("Tag key cannot be empty")
	case len([]rune(key)) > 128:
		return ec2.ErrInvalidParameterValue("Tag key exceeds the maximum length of 128 characters")
	case len([]rune(value)) > 256:
		return ec2.ErrInvalidParameterValue("Tag value exceeds the maximum length of 256 characters")
	case strings.HasPrefix(strings.ToLower(key), "aws:"):
		return ec2.ErrInvalidParameterValue("Tag keys starting with 'aws:' are reserved for internal use")
	}
	return nil
}

// TagsOnCreate returns the tags that TagSpecifications give a new resource of the given
// type, with AWS's errors for another type or a bad tag.
func TagsOnCreate(specs []ec2.TagSpecification, resourceType string) (map[string]string, error) {
	var tags map[string]string
	for _, spec := range specs {
		rt := Deref(spec.ResourceType)
		if rt == "" {
			return nil, ec2.ErrMissingParameter("TagSpecification.ResourceType")
		}
		if rt != resourceType {
			return nil, ec2.ErrInvalidParameterValue("'%s' is not a valid taggable resource type for this operation.", rt)
		}
		for _, tag := range spec.Tags {
			k, v := Deref(tag.Key), Deref(tag.Value)
			if err := validateTag(k, v); err != nil {
				return nil, err
			}
			if tags == nil {
				tags = map[string]string{}
			}
			tags[k] = v
		}
	}
	if len(tags) > maxTags {
		return nil, ec2.ErrTagLimitExceeded("The maximum number of tags for a resource is %d.", maxTags)
	}
	return tags, nil
}

func Deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// CreateTags adds or overwrites tags on resources; all or nothing.
func (s *Kit) CreateTags(ctx context.Context, c Caller, in *ec2.CreateTagsRequest) error {
	if len(in.Resources) == 0 {
		return ec2.ErrMissingParameter("ResourceId")
	}
	if len(in.Tags) == 0 {
		return ec2.ErrMissingParameter("Tag")
	}
	for _, tag := range in.Tags {
		if err := validateTag(Deref(tag.Key), Deref(tag.Value)); err != nil {
			return err
		}
	}
	return s.UpdateOn(ctx, queueKey(in.Resources), func(t *Txn) error {
		for _, id := range in.Resources {
			err := editTags(t, c, id, func(tags map[string]string) {
				for _, tag := range in.Tags {
					tags[Deref(tag.Key)] = Deref(tag.Value)
				}
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteTags removes tags; a tag with a value is removed only when the value matches, and
// no tag at all removes every tag.
func (s *Kit) DeleteTags(ctx context.Context, c Caller, in *ec2.DeleteTagsRequest) error {
	if len(in.Resources) == 0 {
		return ec2.ErrMissingParameter("ResourceId")
	}
	return s.UpdateOn(ctx, queueKey(in.Resources), func(t *Txn) error {
		for _, id := range in.Resources {
			err := editTags(t, c, id, func(tags map[string]string) {
				if len(in.Tags) == 0 {
					clear(tags)
				}
				for _, tag := range in.Tags {
					k := Deref(tag.Key)
					if have, ok := tags[k]; ok && (tag.Value == nil || *tag.Value == have) {
						delete(tags, k)
					}
				}
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// editTags changes the tags of any kind of resource: it rewrites only the "tags" member of
// the stored record, so it needs no knowledge of the record's type.
func editTags(t *Txn, c Caller, id string, edit func(map[string]string)) error {
	if _, ok := taggable(KindOf(id)); !ok {
		return ec2.ErrInvalidID("The ID '%s' is not valid", id)
	}
	var rec map[string]json.RawMessage
	ok, err := t.Get(c.Key(id), &rec)
	if err != nil {
		return err
	}
	if !ok {
		return NotFound(id)
	}
	tags := map[string]string{}
	if raw := rec["tags"]; raw != nil {
		if err := json.Unmarshal(raw, &tags); err != nil {
			return err
		}
	}
	edit(tags)
	if len(tags) > maxTags {
		return ec2.ErrTagLimitExceeded("The maximum number of tags for a resource is %d.", maxTags)
	}
	raw, err := json.Marshal(tags)
	if err != nil {
		return err
	}
	rec["tags"] = raw
	return t.Put(c.Key(id), rec)
}

// tagFilters are the filters DescribeTags accepts.
var tagFilters = map[string]bool{"key": true, "value": true, "resource-id": true, "resource-type": true}

// DescribeTags lists the tags of every resource of the caller in the region.
func (s *Kit) DescribeTags(ctx context.Context, c Caller, in *ec2.DescribeTagsRequest) (*ec2.DescribeTagsResult, error) {
	if err := CheckMaxResults(in.MaxResults, 5, 1000); err != nil {
		return nil, err
	}
	var all []ec2.TagDescription
	err := s.View(ctx, func(t *Txn) error {
		for _, kind := range Kinds() {
			rtype := kind.ResourceType
			if rtype == "" {
				continue
			}
			err := t.List(c.Prefix(kind.Prefix), func(key string, raw []byte) error {
				var m Meta
				if err := json.Unmarshal(raw, &m); err != nil {
					return err
				}
				for _, tag := range m.EC2Tags() {
					all = append(all, ec2.TagDescription{Key: tag.Key, Value: tag.Value, ResourceId: Ptr(m.ID), ResourceType: Ptr(rtype)})
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	match, err := CompileFilters(in.Filters, func(name string) bool { return tagFilters[name] })
	if err != nil {
		return nil, err
	}
	var out []ec2.TagDescription
	for _, d := range all {
		vals := map[string][]string{"key": {*d.Key}, "value": {*d.Value}, "resource-id": {*d.ResourceId}, "resource-type": {*d.ResourceType}}
		if match(func(name string) []string { return vals[name] }, nil) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if *out[i].ResourceId != *out[j].ResourceId {
			return *out[i].ResourceId < *out[j].ResourceId
		}
		return *out[i].Key < *out[j].Key
	})
	page, next, err := Paginate(out, in.MaxResults, in.NextToken, func(d ec2.TagDescription) string { return *d.ResourceId + "\x00" + *d.Key })
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeTagsResult{Tags: page, NextToken: next}, nil
}
