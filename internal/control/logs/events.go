package logs

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	cwl "vpcd/internal/aws/logs"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// The limits of PutLogEvents, as AWS documents them.
const (
	maxBatchEvents = 10_000
	maxBatchBytes  = 1_048_576 // the messages in UTF-8 and 26 bytes for each event
	eventOverhead  = 26
	maxEventBytes  = 1_048_576 - eventOverhead
	maxPast        = 14 * 24 * time.Hour
	maxFuture      = 2 * time.Hour
	maxPageEvents  = 10_000 // GetLogEvents' and FilterLogEvents' limit
)

// PutLogEvents appends a batch to a stream. The batch must be in chronological order;
// the 24-hour span that older documentation set is no longer in AWS's. Events too old (14 days, or older than the
// group's retention) or too new (2 hours ahead) are left out and named in the answer;
// the rest are stored. The sequence token is ignored, as AWS now ignores it.
func (s *Logs) PutLogEvents(ctx context.Context, c kit.Caller, in *cwl.PutLogEventsRequest) (*cwl.PutLogEventsResponse, error) {
	group, name := kit.Deref(in.LogGroupName), kit.Deref(in.LogStreamName)
	if err := checkGroupName(group, "logGroupName"); err != nil {
		return nil, err
	}
	if err := checkStreamName(name); err != nil {
		return nil, err
	}
	events, err := checkBatch(in.LogEvents)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var rejected *cwl.RejectedLogEventsInfo
	var seq int64
	err = s.Update(ctx, func(t *kit.Txn) error {
		var g groupRecord
		ok, err := t.Peek(groupKey(c, group), &g)
		if err != nil {
			return err
		}
		if !ok {
			return errGroupNotFound()
		}
		st, err := getStream(t, c, &g, name)
		if err != nil {
			return err
		}
		var kept []event
		kept, rejected = admit(events, now, g.RetentionInDays)
		if err := putBatch(t, c, &g, st, kept, now); err != nil {
			return err
		}
		seq = st.Seq
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &cwl.PutLogEventsResponse{NextSequenceToken: kit.Ptr(sequenceToken(seq + 1)), RejectedLogEventsInfo: rejected}, nil
}

// checkBatch validates a batch as PutLogEvents does and returns its events.
func checkBatch(in []cwl.InputLogEvent) ([]event, error) {
	if len(in) < 1 || len(in) > maxBatchEvents {
		return nil, validationError(fmt.Sprint(len(in))+" events", "logEvents", "Member must have length less than or equal to 10000")
	}
	size := 0
	out := make([]event, len(in))
	for i, e := range in {
		msg, ts := kit.Deref(e.Message), kit.Deref(e.Timestamp)
		if len(msg) > maxEventBytes {
			return nil, errInvalidParameter("Log event too large: %d bytes exceeds limit of %d", len(msg)+eventOverhead, maxBatchBytes)
		}
		if len(msg) == 0 {
			return nil, validationError("", "logEvents."+strconv.Itoa(i+1)+".member.message", "Member must have length greater than or equal to 1")
		}
		if i > 0 && ts < out[i-1].Timestamp {
			return nil, errInvalidParameter("Log events in a single PutLogEvents request must be in chronological order.")
		}
		size += len(msg) + eventOverhead
		out[i] = event{Timestamp: ts, Message: msg}
	}
	if size > maxBatchBytes {
		return nil, errInvalidParameter("Upload too large: %d bytes exceeds limit of %d", size, maxBatchBytes)
	}
	return out, nil
}

// admit keeps the events of a chronological batch that are neither too old nor too new
// and says which were left out, by the indexes AWS answers.
func admit(events []event, now time.Time, retentionDays int32) ([]event, *cwl.RejectedLogEventsInfo) {
	tooOld := now.Add(-maxPast).UnixMilli()
	expired := int64(0)
	if retentionDays > 0 {
		expired = now.Add(-time.Duration(retentionDays) * 24 * time.Hour).UnixMilli()
	}
	tooNew := now.Add(maxFuture).UnixMilli()
	var info cwl.RejectedLogEventsInfo
	rejected := false
	start, end := 0, len(events)
	for i, e := range events {
		if e.Timestamp < expired {
			info.ExpiredLogEventEndIndex, rejected, start = kit.Ptr(int32(i)), true, i+1
		}
		if e.Timestamp < tooOld {
			info.TooOldLogEventEndIndex, rejected, start = kit.Ptr(int32(i)), true, i+1
		}
	}
	for i := len(events) - 1; i >= start; i-- {
		if events[i].Timestamp > tooNew {
			info.TooNewLogEventStartIndex, rejected, end = kit.Ptr(int32(i)), true, i
		}
	}
	if !rejected {
		return events, nil
	}
	return events[start:end], &info
}

// putBatch stores events as the stream's next batch and updates the stream's record.
func putBatch(t *kit.Txn, c kit.Caller, g *groupRecord, st *streamRecord, events []event, now time.Time) error {
	if len(events) == 0 {
		return nil
	}
	st.Seq++
	lo := slices.MinFunc(events, func(a, b event) int { return cmp.Compare(a.Timestamp, b.Timestamp) }).Timestamp
	hi := slices.MaxFunc(events, func(a, b event) int { return cmp.Compare(a.Timestamp, b.Timestamp) }).Timestamp
	if st.FirstEvent == 0 || lo < st.FirstEvent {
		st.FirstEvent = lo
	}
	st.LastEvent = max(st.LastEvent, hi)
	st.LastIngestion = now.UnixMilli()
	for _, e := range events {
		st.StoredBytes += int64(len(e.Message))
	}
	if err := t.Put(batchPrefix(c, st.ID)+fmt.Sprintf("%016x", st.Seq), batchRecord{Ingestion: now.UnixMilli(), Events: events}); err != nil {
		return err
	}
	return t.Put(streamKey(c, g.ID, st.Name), st)
}

// sequenceToken is a token of the form AWS gives, which it no longer checks.
func sequenceToken(seq int64) string { return fmt.Sprintf("%056d", seq) }

// Event is one event appended by vpcd itself (flow-log records): the time it is about in
// milliseconds, and its message.
type Event struct {
	Timestamp int64
	Message   string
}

// Append writes events to a stream of a group, creating the group and the stream when
// they are missing, as a flow log's delivery does. The events need not be in order; the
// retention and age limits of PutLogEvents do not apply.
func (s *Logs) Append(ctx context.Context, c kit.Caller, group, stream string, events []Event) error {
	if err := checkGroupName(group, "logGroupName"); err != nil {
		return err
	}
	if err := checkStreamName(stream); err != nil {
		return err
	}
	if len(events) == 0 {
		return nil
	}
	batch := make([]event, len(events))
	for i, e := range events {
		batch[i] = event(e)
	}
	slices.SortStableFunc(batch, func(a, b event) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	now := s.Now()
	return s.Update(ctx, func(t *kit.Txn) error {
		g := &groupRecord{}
		ok, err := t.Get(groupKey(c, group), g)
		if err != nil {
			return err
		}
		if !ok {
			g = &groupRecord{ID: kit.NewID("lg"), Name: group, Class: "STANDARD", Created: now.UnixMilli()}
			if err := t.Put(groupKey(c, group), g); err != nil {
				return err
			}
		}
		st, err := getStream(t, c, g, stream)
		if ec2Code(err) == "ResourceNotFoundException" {
			st, err = s.newStream(stream), nil
		}
		if err != nil {
			return err
		}
		return putBatch(t, c, g, st, batch, now)
	})
}

func ec2Code(err error) string {
	if e, ok := err.(*ec2.Error); ok {
		return e.Code
	}
	return ""
}

// stored is one stored event with where it is: its stream and its place in the
// stream's batches, which make its ID.
type stored struct {
	event
	ingestion int64
	stream    *streamRecord
	seq       int64
	index     int
}

// id is the event's ID, 56 digits as AWS gives them: the timestamp, the stream and the
// event's place in it.
func (e *stored) id() string {
	sid, _ := strconv.ParseUint(strings.TrimPrefix(e.stream.ID, "ls-")[:16], 16, 64)
	return fmt.Sprintf("%020d%020d%010d%06d", e.Timestamp, sid, e.seq, e.index)
}

// readStream is every event of a stream that the group still keeps, in timestamp order
// (ties in the order they were put).
func readStream(t *kit.Txn, c kit.Caller, g *groupRecord, st *streamRecord, now time.Time) ([]stored, error) {
	var out []stored
	expired := int64(-1 << 63)
	if g.RetentionInDays > 0 {
		expired = now.Add(-time.Duration(g.RetentionInDays) * 24 * time.Hour).UnixMilli()
	}
	prefix := batchPrefix(c, st.ID)
	err := t.List(prefix, func(key string, raw []byte) error {
		var b batchRecord
		if err := json.Unmarshal(raw, &b); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		seq, _ := strconv.ParseInt(strings.TrimPrefix(key, prefix), 16, 64)
		for i, e := range b.Events {
			if e.Timestamp >= expired {
				out = append(out, stored{event: e, ingestion: b.Ingestion, stream: st, seq: seq, index: i})
			}
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b stored) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	return out, err
}

// GetLogEvents reads a stream's events in a time range: from its end by default, from
// its head with startFromHead, and onwards in either direction with the tokens it gives.
func (s *Logs) GetLogEvents(ctx context.Context, c kit.Caller, in *cwl.GetLogEventsRequest) (*cwl.GetLogEventsResponse, error) {
	group, limit, err := readArgs(in.LogGroupName, in.LogGroupIdentifier, in.Limit)
	if err != nil {
		return nil, err
	}
	var events []stored
	err = s.View(ctx, func(t *kit.Txn) error {
		g, err := getGroup(t, c, group)
		if err != nil {
			return err
		}
		st, err := getStream(t, c, g, kit.Deref(in.LogStreamName))
		if err != nil {
			return err
		}
		events, err = readStream(t, c, g, st, s.Now())
		return err
	})
	if err != nil {
		return nil, err
	}
	// startTime is inclusive, endTime exclusive.
	events = slices.DeleteFunc(events, func(e stored) bool {
		return (in.StartTime != nil && e.Timestamp < *in.StartTime) || (in.EndTime != nil && e.Timestamp >= *in.EndTime)
	})
	var start, end int
	switch tok := kit.Deref(in.NextToken); {
	case tok != "":
		dir, pos, err := parseEventToken(tok, len(events))
		if err != nil {
			return nil, err
		}
		if dir == 'f' {
			start, end = pos, min(pos+limit, len(events))
		} else {
			start, end = max(0, pos-limit), pos
		}
	case kit.Deref(in.StartFromHead):
		start, end = 0, min(limit, len(events))
	default:
		start, end = max(0, len(events)-limit), len(events)
	}
	out := &cwl.GetLogEventsResponse{Events: []cwl.OutputLogEvent{},
		NextForwardToken: kit.Ptr(fmt.Sprintf("f/%056d", end)), NextBackwardToken: kit.Ptr(fmt.Sprintf("b/%056d", start))}
	for _, e := range events[start:end] {
		out.Events = append(out.Events, cwl.OutputLogEvent{Timestamp: kit.Ptr(e.Timestamp), Message: kit.Ptr(e.Message), IngestionTime: kit.Ptr(e.ingestion)})
	}
	return out, nil
}

// readArgs are the group and the page size of a read of events.
func readArgs(name, identifier *string, limit *int32) (string, int, error) {
	group, err := groupName(name, identifier)
	if err != nil {
		return "", 0, err
	}
	n, err := checkLimit(limit, maxPageEvents)
	return group, n, err
}

// parseEventToken reads a token of GetLogEvents: its direction and position.
func parseEventToken(tok string, n int) (byte, int, error) {
	bad := errInvalidParameter("The specified nextToken is invalid.")
	if len(tok) < 3 || (tok[0] != 'f' && tok[0] != 'b') || tok[1] != '/' {
		return 0, 0, bad
	}
	pos, err := strconv.Atoi(tok[2:])
	if err != nil || pos < 0 {
		return 0, 0, bad
	}
	return tok[0], min(pos, n), nil
}

// FilterLogEvents searches the events of a group's streams, all or those named or of a
// prefix, for a filter pattern (see pattern.go), in timestamp order across the streams.
func (s *Logs) FilterLogEvents(ctx context.Context, c kit.Caller, in *cwl.FilterLogEventsRequest) (*cwl.FilterLogEventsResponse, error) {
	group, limit, err := readArgs(in.LogGroupName, in.LogGroupIdentifier, in.Limit)
	if err != nil {
		return nil, err
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != nil {
		return nil, errInvalidParameter("Cannot specify both logStreamNames and logStreamNamePrefix.")
	}
	match, err := parsePattern(kit.Deref(in.FilterPattern))
	if err != nil {
		return nil, err
	}
	var events []stored
	var searched []cwl.SearchedLogStream
	err = s.View(ctx, func(t *kit.Txn) error {
		g, err := getGroup(t, c, group)
		if err != nil {
			return err
		}
		streams, err := kit.ListAll[streamRecord](t, streamPrefix(c, g.ID))
		if err != nil {
			return err
		}
		now := s.Now()
		for _, st := range streams {
			if (len(in.LogStreamNames) > 0 && !slices.Contains(in.LogStreamNames, st.Name)) || !strings.HasPrefix(st.Name, kit.Deref(in.LogStreamNamePrefix)) {
				continue
			}
			evs, err := readStream(t, c, g, st, now)
			if err != nil {
				return err
			}
			events = append(events, evs...)
			searched = append(searched, cwl.SearchedLogStream{LogStreamName: kit.Ptr(st.Name), SearchedCompletely: kit.Ptr(true)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// startTime and endTime are both inclusive.
	events = slices.DeleteFunc(events, func(e stored) bool {
		return (in.StartTime != nil && e.Timestamp < *in.StartTime) || (in.EndTime != nil && e.Timestamp > *in.EndTime) || !match(e.Message)
	})
	slices.SortStableFunc(events, func(a, b stored) int {
		return cmp.Or(cmp.Compare(a.Timestamp, b.Timestamp), strings.Compare(a.stream.Name, b.stream.Name))
	})
	page, next, err := pageAt(events, limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &cwl.FilterLogEventsResponse{NextToken: next, Events: []cwl.FilteredLogEvent{}, SearchedLogStreams: searched}
	for _, e := range page {
		out.Events = append(out.Events, cwl.FilteredLogEvent{EventId: kit.Ptr(e.id()), LogStreamName: kit.Ptr(e.stream.Name),
			Timestamp: kit.Ptr(e.Timestamp), Message: kit.Ptr(e.Message), IngestionTime: kit.Ptr(e.ingestion)})
	}
	return out, nil
}
