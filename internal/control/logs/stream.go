package logs

import (
	"cmp"
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"

	cwl "vpcd/internal/aws/logs"
	"vpcd/internal/control/kit"
)

// CreateLogStream creates an empty stream in a group.
func (s *Logs) CreateLogStream(ctx context.Context, c kit.Caller, in *cwl.CreateLogStreamRequest) error {
	group, name := kit.Deref(in.LogGroupName), kit.Deref(in.LogStreamName)
	if err := checkGroupName(group, "logGroupName"); err != nil {
		return err
	}
	if err := checkStreamName(name); err != nil {
		return err
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		g, err := getGroup(t, c, group)
		if err != nil {
			return err
		}
		var old streamRecord
		ok, err := t.Get(streamKey(c, g.ID, name), &old)
		if err != nil {
			return err
		}
		if ok {
			return errStreamExists()
		}
		return t.Put(streamKey(c, g.ID, name), s.newStream(name))
	})
}

func (s *Logs) newStream(name string) *streamRecord {
	return &streamRecord{ID: kit.NewID("ls"), Name: name, Created: s.Now().UnixMilli()}
}

// DeleteLogStream deletes a stream and its events.
func (s *Logs) DeleteLogStream(ctx context.Context, c kit.Caller, in *cwl.DeleteLogStreamRequest) error {
	group, name := kit.Deref(in.LogGroupName), kit.Deref(in.LogStreamName)
	if err := checkGroupName(group, "logGroupName"); err != nil {
		return err
	}
	if err := checkStreamName(name); err != nil {
		return err
	}
	var st *streamRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		g, err := getGroup(t, c, group)
		if err != nil {
			return err
		}
		if st, err = getStream(t, c, g, name); err != nil {
			return err
		}
		t.Del(streamKey(c, g.ID, name))
		return nil
	})
	if err != nil {
		return err
	}
	s.clearPrefix(ctx, batchPrefix(c, st.ID))
	return nil
}

// DescribeLogStreams lists a group's streams by name or by their last event.
func (s *Logs) DescribeLogStreams(ctx context.Context, c kit.Caller, in *cwl.DescribeLogStreamsRequest) (*cwl.DescribeLogStreamsResponse, error) {
	group, err := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	limit, err := checkLimit(in.Limit, 50)
	if err != nil {
		return nil, err
	}
	order := cmp.Or(kit.Deref(in.OrderBy), "LogStreamName")
	if order != "LogStreamName" && order != "LastEventTime" {
		return nil, validationError(order, "orderBy", "Member must satisfy enum value set: [LogStreamName, LastEventTime]")
	}
	prefix := kit.Deref(in.LogStreamNamePrefix)
	if order == "LastEventTime" && in.LogStreamNamePrefix != nil {
		return nil, errInvalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
	}
	var streams []*streamRecord
	err = s.View(ctx, func(t *kit.Txn) error {
		g, err := getGroup(t, c, group)
		if err != nil {
			return err
		}
		streams, err = kit.ListAll[streamRecord](t, streamPrefix(c, g.ID))
		return err
	})
	if err != nil {
		return nil, err
	}
	streams = slices.DeleteFunc(streams, func(st *streamRecord) bool { return !strings.HasPrefix(st.Name, prefix) })
	slices.SortFunc(streams, func(a, b *streamRecord) int {
		if order == "LastEventTime" {
			if c := cmp.Compare(a.LastEvent, b.LastEvent); c != 0 {
				return c
			}
		}
		return strings.Compare(a.Name, b.Name)
	})
	if kit.Deref(in.Descending) {
		slices.Reverse(streams)
	}
	page, next, err := pageAt(streams, limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &cwl.DescribeLogStreamsResponse{NextToken: next, LogStreams: []cwl.LogStream{}}
	for _, st := range page {
		out.LogStreams = append(out.LogStreams, st.shape(c, group))
	}
	return out, nil
}

func (st *streamRecord) shape(c kit.Caller, group string) cwl.LogStream {
	out := cwl.LogStream{Arn: kit.Ptr(streamARN(c, group, st.Name)), LogStreamName: kit.Ptr(st.Name),
		CreationTime: kit.Ptr(st.Created), StoredBytes: kit.Ptr(int64(0))}
	if st.Seq > 0 {
		out.FirstEventTimestamp, out.LastEventTimestamp = kit.Ptr(st.FirstEvent), kit.Ptr(st.LastEvent)
		out.LastIngestionTime = kit.Ptr(st.LastIngestion)
		out.UploadSequenceToken = kit.Ptr(sequenceToken(st.Seq))
	}
	return out
}

// pageAt is one page of items from the offset a token holds.
func pageAt[T any](items []T, limit int, token *string) ([]T, *string, error) {
	start := 0
	if token != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*token)
		n, convErr := strconv.Atoi(string(raw))
		if err != nil || convErr != nil || n < 0 {
			return nil, nil, errInvalidParameter("The specified nextToken is invalid.")
		}
		start = min(n, len(items))
	}
	end := min(start+limit, len(items))
	if end == len(items) {
		return items[start:end], nil, nil
	}
	return items[start:end], kit.Ptr(base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))), nil
}
