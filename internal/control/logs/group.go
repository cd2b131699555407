package logs

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"

	cwl "vpcd/internal/aws/logs"
	"vpcd/internal/control/kit"
)

// retentionDays are the values PutRetentionPolicy takes.
var retentionDays = []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// CreateLogGroup creates an empty log group.
func (s *Logs) CreateLogGroup(ctx context.Context, c kit.Caller, in *cwl.CreateLogGroupRequest) error {
	name := kit.Deref(in.LogGroupName)
	if err := checkGroupName(name, "logGroupName"); err != nil {
		return err
	}
	class := kit.Deref(in.LogGroupClass)
	if class == "" {
		class = "STANDARD"
	}
	if !slices.Contains([]string{"STANDARD", "INFREQUENT_ACCESS", "DELIVERY"}, class) {
		return validationError(class, "logGroupClass", "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]")
	}
	if err := checkTags(in.Tags, nil); err != nil {
		return err
	}
	g := &groupRecord{ID: kit.NewID("lg"), Name: name, Created: s.Now().UnixMilli(), Class: class, KmsKeyID: kit.Deref(in.KmsKeyId),
		DeletionProtection: kit.Deref(in.DeletionProtectionEnabled), Tags: in.Tags}
	return s.Update(ctx, func(t *kit.Txn) error {
		var old groupRecord
		ok, err := t.Get(groupKey(c, name), &old)
		if err != nil {
			return err
		}
		if ok {
			return errGroupExists()
		}
		return t.Put(groupKey(c, name), g)
	})
}

// DeleteLogGroup deletes a log group with its streams and events.
func (s *Logs) DeleteLogGroup(ctx context.Context, c kit.Caller, in *cwl.DeleteLogGroupRequest) error {
	name := kit.Deref(in.LogGroupName)
	if err := checkGroupName(name, "logGroupName"); err != nil {
		return err
	}
	var g *groupRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if g, err = getGroup(t, c, name); err != nil {
			return err
		}
		if g.DeletionProtection {
			return errDeletionProtected(name)
		}
		t.Del(groupKey(c, name))
		return nil
	})
	if err != nil {
		return err
	}
	s.clearGroup(ctx, c, g.ID)
	return nil
}

// clearBatch is how many keys one transaction of clear deletes: well under etcd's 128
// operations.
const clearBatch = 100

// clearGroup removes the streams and events of a deleted group. They are invisible from
// the moment the group is deleted (nothing finds them but by its ID), so a failure here
// leaves only unreachable keys behind.
func (s *Logs) clearGroup(ctx context.Context, c kit.Caller, groupID string) {
	var streams []*streamRecord
	s.View(ctx, func(t *kit.Txn) error {
		var err error
		streams, err = kit.ListAll[streamRecord](t, streamPrefix(c, groupID))
		return err
	})
	for _, st := range streams {
		s.clearPrefix(ctx, batchPrefix(c, st.ID))
	}
	s.clearPrefix(ctx, streamPrefix(c, groupID))
}

// clearPrefix deletes every key under prefix, clearBatch keys a transaction.
func (s *Logs) clearPrefix(ctx context.Context, prefix string) {
	kvs, _, err := s.Store.List(ctx, prefix)
	if err != nil {
		return
	}
	for len(kvs) > 0 {
		n := min(len(kvs), clearBatch)
		chunk := kvs[:n]
		kvs = kvs[n:]
		s.Update(ctx, func(t *kit.Txn) error {
			for _, kv := range chunk {
				t.Del(kv.Key)
			}
			return nil
		})
	}
}

// DescribeLogGroups lists the caller's log groups in name order, 50 a page by default.
func (s *Logs) DescribeLogGroups(ctx context.Context, c kit.Caller, in *cwl.DescribeLogGroupsRequest) (*cwl.DescribeLogGroupsResponse, error) {
	limit, err := checkLimit(in.Limit, 50)
	if err != nil {
		return nil, err
	}
	prefix, pattern := kit.Deref(in.LogGroupNamePrefix), kit.Deref(in.LogGroupNamePattern)
	if in.LogGroupNamePrefix != nil && in.LogGroupNamePattern != nil {
		return nil, errInvalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	if len(in.LogGroupIdentifiers) > 0 && (in.LogGroupNamePrefix != nil || in.LogGroupNamePattern != nil) {
		return nil, errInvalidParameter("LogGroupIdentifiers and LogGroupNamePrefix/LogGroupNamePattern are mutually exclusive parameters.")
	}
	if in.LogGroupNamePrefix != nil {
		if err := checkGroupName(prefix, "logGroupNamePrefix"); err != nil {
			return nil, err
		}
	}
	var idents []string
	for _, id := range in.LogGroupIdentifiers {
		name, err := groupName(nil, &id)
		if err != nil {
			return nil, err
		}
		idents = append(idents, name)
	}
	var groups []*groupRecord
	err = s.View(ctx, func(t *kit.Txn) error {
		var err error
		groups, err = kit.ListAll[groupRecord](t, c.Prefix("logs")+"group/")
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(groups, func(a, b *groupRecord) int { return strings.Compare(a.Name, b.Name) })
	var kept []*groupRecord
	for _, g := range groups {
		switch {
		case !strings.HasPrefix(g.Name, prefix):
		case pattern != "" && !strings.Contains(strings.ToLower(g.Name), strings.ToLower(pattern)):
		case len(idents) > 0 && !slices.Contains(idents, g.Name):
		case in.LogGroupClass != nil && g.Class != *in.LogGroupClass:
		default:
			kept = append(kept, g)
		}
	}
	page, next, err := pageAfter(kept, limit, in.NextToken, func(g *groupRecord) string { return g.Name })
	if err != nil {
		return nil, err
	}
	out := &cwl.DescribeLogGroupsResponse{NextToken: next, LogGroups: []cwl.LogGroup{}}
	err = s.View(ctx, func(t *kit.Txn) error {
		for _, g := range page {
			lg := g.shape(c)
			// A group's stored bytes are its streams' (whose own AWS no longer reports).
			streams, err := kit.ListAll[streamRecord](t, streamPrefix(c, g.ID))
			if err != nil {
				return err
			}
			for _, st := range streams {
				*lg.StoredBytes += st.StoredBytes
			}
			out.LogGroups = append(out.LogGroups, lg)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// shape is the group as DescribeLogGroups shows it.
func (g *groupRecord) shape(c kit.Caller) cwl.LogGroup {
	out := cwl.LogGroup{
		Arn: kit.Ptr(groupARN(c, g.Name) + ":*"), LogGroupArn: kit.Ptr(groupARN(c, g.Name)), LogGroupName: kit.Ptr(g.Name),
		CreationTime: kit.Ptr(g.Created), MetricFilterCount: kit.Ptr(int32(0)), StoredBytes: kit.Ptr(int64(0)),
		LogGroupClass: kit.Ptr(g.Class), DeletionProtectionEnabled: kit.Ptr(g.DeletionProtection),
	}
	if g.RetentionInDays != 0 {
		out.RetentionInDays = kit.Ptr(g.RetentionInDays)
	}
	if g.KmsKeyID != "" {
		out.KmsKeyId = kit.Ptr(g.KmsKeyID)
	}
	return out
}

// checkLimit is a request's limit, def when it gives none; CloudWatch Logs takes 1 to def.
func checkLimit(limit *int32, def int32) (int, error) {
	if limit == nil {
		return int(def), nil
	}
	switch {
	case *limit < 1:
		return 0, validationError(itoa(*limit), "limit", "Member must have value greater than or equal to 1")
	case *limit > def:
		return 0, validationError(itoa(*limit), "limit", "Member must have value less than or equal to "+itoa(def))
	}
	return int(*limit), nil
}

// pageAfter is one page of items, sorted by key: those after the key the token holds.
// The next token is the last key of the page, nil on the last page.
func pageAfter[T any](items []T, limit int, token *string, key func(T) string) ([]T, *string, error) {
	start := 0
	if token != nil {
		after, err := base64.RawURLEncoding.DecodeString(*token)
		if err != nil || *token == "" {
			return nil, nil, errInvalidParameter("The specified nextToken is invalid.")
		}
		start = len(items)
		for i, it := range items {
			if key(it) > string(after) {
				start = i
				break
			}
		}
	}
	end := min(start+limit, len(items))
	page := items[start:end]
	if end == len(items) {
		return page, nil, nil
	}
	return page, kit.Ptr(base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1])))), nil
}

// PutRetentionPolicy sets how long the group keeps events.
func (s *Logs) PutRetentionPolicy(ctx context.Context, c kit.Caller, in *cwl.PutRetentionPolicyRequest) error {
	name := kit.Deref(in.LogGroupName)
	if err := checkGroupName(name, "logGroupName"); err != nil {
		return err
	}
	days := kit.Deref(in.RetentionInDays)
	if !slices.Contains(retentionDays, days) {
		return validationError(itoa(days), "retentionInDays", "Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]")
	}
	return s.updateGroup(ctx, c, name, func(g *groupRecord) error {
		g.RetentionInDays = days
		return nil
	})
}

// DeleteRetentionPolicy makes the group keep events forever.
func (s *Logs) DeleteRetentionPolicy(ctx context.Context, c kit.Caller, in *cwl.DeleteRetentionPolicyRequest) error {
	name := kit.Deref(in.LogGroupName)
	if err := checkGroupName(name, "logGroupName"); err != nil {
		return err
	}
	return s.updateGroup(ctx, c, name, func(g *groupRecord) error {
		g.RetentionInDays = 0
		return nil
	})
}

// updateGroup changes a group's record in a transaction.
func (s *Logs) updateGroup(ctx context.Context, c kit.Caller, name string, fn func(g *groupRecord) error) error {
	return s.Update(ctx, func(t *kit.Txn) error {
		g, err := getGroup(t, c, name)
		if err != nil {
			return err
		}
		if err := fn(g); err != nil {
			return err
		}
		return t.Put(groupKey(c, name), g)
	})
}
