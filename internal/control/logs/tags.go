package logs

import (
	"context"
	"maps"
	"strconv"
	"strings"

	cwl "vpcd/internal/aws/logs"
	"vpcd/internal/control/kit"
)

// maxTags is how many tags a log group can have.
const maxTags = 50

// checkTags validates tags to be added to those a group has.
func checkTags(tags, has map[string]string) error {
	for k, v := range tags {
		switch {
		case len(k) < 1 || len(k) > 128:
			return validationError(k, "tags", "Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]")
		case strings.HasPrefix(k, "aws:"):
			return errInvalidParameter("Tag keys beginning with 'aws:' are reserved for system use.")
		case len(v) > 256:
			return validationError(v, "tags", "Map value must satisfy constraint: [Member must have length less than or equal to 256]")
		}
	}
	n := len(has)
	for k := range tags {
		if _, ok := has[k]; !ok {
			n++
		}
	}
	if n > maxTags {
		return errTooManyTags()
	}
	return nil
}

// groupOfARN is the name of the caller's log group an ARN names.
func groupOfARN(c kit.Caller, arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "logs" {
		return "", errInvalidParameter("Invalid resourceArn: %s", arn)
	}
	if parts[5] != "log-group" || parts[3] != c.Region || parts[4] != c.Account {
		return "", errResourceNotFound()
	}
	return strings.TrimSuffix(parts[6], ":*"), nil
}

// TagResource adds or replaces tags of a log group named by its ARN.
func (s *Logs) TagResource(ctx context.Context, c kit.Caller, in *cwl.TagResourceRequest) error {
	name, err := groupOfARN(c, kit.Deref(in.ResourceArn))
	if err != nil {
		return err
	}
	return s.tag(ctx, c, name, in.Tags)
}

// UntagResource removes tags of a log group named by its ARN.
func (s *Logs) UntagResource(ctx context.Context, c kit.Caller, in *cwl.UntagResourceRequest) error {
	name, err := groupOfARN(c, kit.Deref(in.ResourceArn))
	if err != nil {
		return err
	}
	return s.untag(ctx, c, name, in.TagKeys)
}

// ListTagsForResource lists the tags of a log group named by its ARN.
func (s *Logs) ListTagsForResource(ctx context.Context, c kit.Caller, in *cwl.ListTagsForResourceRequest) (*cwl.ListTagsForResourceResponse, error) {
	name, err := groupOfARN(c, kit.Deref(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	tags, err := s.tags(ctx, c, name)
	if err != nil {
		return nil, err
	}
	return &cwl.ListTagsForResourceResponse{Tags: tags}, nil
}

// TagLogGroup is the older TagResource, by the group's name.
func (s *Logs) TagLogGroup(ctx context.Context, c kit.Caller, in *cwl.TagLogGroupRequest) error {
	name := kit.Deref(in.LogGroupName)
	if err := checkGroupName(name, "logGroupName"); err != nil {
		return err
	}
	return s.tag(ctx, c, name, in.Tags)
}

// UntagLogGroup is the older UntagResource, by the group's name.
func (s *Logs) UntagLogGroup(ctx context.Context, c kit.Caller, in *cwl.UntagLogGroupRequest) error {
	name := kit.Deref(in.LogGroupName)
	if err := checkGroupName(name, "logGroupName"); err != nil {
		return err
	}
	return s.untag(ctx, c, name, in.Tags)
}

// ListTagsLogGroup is the older ListTagsForResource, by the group's name.
func (s *Logs) ListTagsLogGroup(ctx context.Context, c kit.Caller, in *cwl.ListTagsLogGroupRequest) (*cwl.ListTagsLogGroupResponse, error) {
	name := kit.Deref(in.LogGroupName)
	if err := checkGroupName(name, "logGroupName"); err != nil {
		return nil, err
	}
	tags, err := s.tags(ctx, c, name)
	if err != nil {
		return nil, err
	}
	return &cwl.ListTagsLogGroupResponse{Tags: tags}, nil
}

func (s *Logs) tag(ctx context.Context, c kit.Caller, name string, tags map[string]string) error {
	return s.updateGroup(ctx, c, name, func(g *groupRecord) error {
		if err := checkTags(tags, g.Tags); err != nil {
			return err
		}
		if g.Tags == nil {
			g.Tags = map[string]string{}
		}
		maps.Copy(g.Tags, tags)
		return nil
	})
}

func (s *Logs) untag(ctx context.Context, c kit.Caller, name string, keys []string) error {
	return s.updateGroup(ctx, c, name, func(g *groupRecord) error {
		for _, k := range keys {
			delete(g.Tags, k)
		}
		return nil
	})
}

func (s *Logs) tags(ctx context.Context, c kit.Caller, name string) (map[string]string, error) {
	var g *groupRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		g, err = getGroup(t, c, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	if g.Tags == nil {
		return map[string]string{}, nil
	}
	return g.Tags, nil
}

func itoa[T int32 | int64 | int](v T) string { return strconv.FormatInt(int64(v), 10) }
