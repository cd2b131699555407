package logs

import (
	"context"
	"fmt"
	"testing"
	"time"

	cwl "vpcd/internal/aws/logs"
	"vpcd/internal/control/kit"
	"vpcd/internal/store"
)

var caller = kit.Caller{Account: "123456789012", Region: "us-east-1"}

// now is the test clock: every test sees the same instant.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newLogs(t *testing.T) *Logs {
	t.Helper()
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	k := kit.New(st, kit.Config{})
	k.Now = func() time.Time { return now }
	return &Logs{Kit: k}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ec2Code(err); got != code || (code == "" && err != nil) {
		t.Fatalf("error = %v, want %q", err, code)
	}
}

var p = kit.Ptr[string]

func ms(d time.Duration) int64 { return now.Add(d).UnixMilli() }

func TestLogGroupLifecycle(t *testing.T) {
	s, ctx := newLogs(t), context.Background()
	wantCode(t, s.CreateLogGroup(ctx, caller, &cwl.CreateLogGroupRequest{LogGroupName: p("/aws/vpc/flowlogs"), Tags: map[string]string{"team": "net"}}), "")
	wantCode(t, s.CreateLogGroup(ctx, caller, &cwl.CreateLogGroupRequest{LogGroupName: p("/aws/vpc/flowlogs")}), "ResourceAlreadyExistsException")
	wantCode(t, s.CreateLogGroup(ctx, caller, &cwl.CreateLogGroupRequest{LogGroupName: p("app")}), "")
	wantCode(t, s.CreateLogGroup(ctx, caller, &cwl.CreateLogGroupRequest{LogGroupName: p("a b")}), "InvalidParameterException")
	wantCode(t, s.CreateLogGroup(ctx, caller, &cwl.CreateLogGroupRequest{LogGroupName: p("x"), LogGroupClass: p("COLD")}), "InvalidParameterException")

	out, err := s.DescribeLogGroups(ctx, caller, &cwl.DescribeLogGroupsRequest{LogGroupNamePrefix: p("/aws/")})
	wantCode(t, err, "")
	if len(out.LogGroups) != 1 || *out.LogGroups[0].Arn != "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vpc/flowlogs:*" ||
		*out.LogGroups[0].LogGroupArn != "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vpc/flowlogs" ||
		*out.LogGroups[0].CreationTime != now.UnixMilli() || *out.LogGroups[0].LogGroupClass != "STANDARD" || out.LogGroups[0].RetentionInDays != nil {
		t.Fatalf("describe by prefix: %+v", out.LogGroups)
	}
	// Pages of one, in name order.
	var names []string
	var token *string
	for {
		out, err := s.DescribeLogGroups(ctx, caller, &cwl.DescribeLogGroupsRequest{Limit: kit.Ptr(int32(1)), NextToken: token})
		wantCode(t, err, "")
		for _, g := range out.LogGroups {
			names = append(names, *g.LogGroupName)
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if fmt.Sprint(names) != "[/aws/vpc/flowlogs app]" {
		t.Errorf("pages: %v", names)
	}
	_, err = s.DescribeLogGroups(ctx, caller, &cwl.DescribeLogGroupsRequest{Limit: kit.Ptr(int32(51))})
	wantCode(t, err, "InvalidParameterException")
	_, err = s.DescribeLogGroups(ctx, caller, &cwl.DescribeLogGroupsRequest{LogGroupNamePrefix: p("a"), LogGroupNamePattern: p("b")})
	wantCode(t, err, "InvalidParameterException")

	// Retention.
	wantCode(t, s.PutRetentionPolicy(ctx, caller, &cwl.PutRetentionPolicyRequest{LogGroupName: p("app"), RetentionInDays: kit.Ptr(int32(2))}), "InvalidParameterException")
	wantCode(t, s.PutRetentionPolicy(ctx, caller, &cwl.PutRetentionPolicyRequest{LogGroupName: p("nothing"), RetentionInDays: kit.Ptr(int32(7))}), "ResourceNotFoundException")
	wantCode(t, s.PutRetentionPolicy(ctx, caller, &cwl.PutRetentionPolicyRequest{LogGroupName: p("app"), RetentionInDays: kit.Ptr(int32(7))}), "")
	out, _ = s.DescribeLogGroups(ctx, caller, &cwl.DescribeLogGroupsRequest{LogGroupNamePrefix: p("app")})
	if kit.Deref(out.LogGroups[0].RetentionInDays) != 7 {
		t.Errorf("retention: %+v", out.LogGroups[0])
	}
	wantCode(t, s.DeleteRetentionPolicy(ctx, caller, &cwl.DeleteRetentionPolicyRequest{LogGroupName: p("app")}), "")
	out, _ = s.DescribeLogGroups(ctx, caller, &cwl.DescribeLogGroupsRequest{LogGroupNamePrefix: p("app")})
	if out.LogGroups[0].RetentionInDays != nil {
		t.Errorf("retention after delete: %+v", out.LogGroups[0])
	}

	// Tags by ARN (with or without :*) and by name.
	arn := "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vpc/flowlogs"
	wantCode(t, s.TagResource(ctx, caller, &cwl.TagResourceRequest{ResourceArn: p(arn), Tags: map[string]string{"env": "test"}}), "")
	wantCode(t, s.UntagLogGroup(ctx, caller, &cwl.UntagLogGroupRequest{LogGroupName: p("/aws/vpc/flowlogs"), Tags: []string{"team"}}), "")
	tags, err := s.ListTagsForResource(ctx, caller, &cwl.ListTagsForResourceRequest{ResourceArn: p(arn + ":*")})
	wantCode(t, err, "")
	if fmt.Sprint(tags.Tags) != "map[env:test]" {
		t.Errorf("tags: %v", tags.Tags)
	}
	_, err = s.ListTagsForResource(ctx, caller, &cwl.ListTagsForResourceRequest{ResourceArn: p("arn:aws:logs:us-east-1:999999999999:log-group:x")})
	wantCode(t, err, "ResourceNotFoundException")
	wantCode(t, s.TagResource(ctx, caller, &cwl.TagResourceRequest{ResourceArn: p(arn), Tags: map[string]string{"aws:x": "y"}}), "InvalidParameterException")

	wantCode(t, s.DeleteLogGroup(ctx, caller, &cwl.DeleteLogGroupRequest{LogGroupName: p("app")}), "")
	wantCode(t, s.DeleteLogGroup(ctx, caller, &cwl.DeleteLogGroupRequest{LogGroupName: p("app")}), "ResourceNotFoundException")
}

func putEvents(t *testing.T, s *Logs, group, stream string, events ...cwl.InputLogEvent) *cwl.PutLogEventsResponse {
	t.Helper()
	out, err := s.PutLogEvents(context.Background(), caller, &cwl.PutLogEventsRequest{LogGroupName: p(group), LogStreamName: p(stream), LogEvents: events})
	wantCode(t, err, "")
	return out
}

func ev(d time.Duration, msg string) cwl.InputLogEvent {
	return cwl.InputLogEvent{Timestamp: kit.Ptr(ms(d)), Message: p(msg)}
}

func messages[E cwl.OutputLogEvent | cwl.FilteredLogEvent](events []E) string {
	var out []string
	for _, e := range events {
		switch e := any(e).(type) {
		case cwl.OutputLogEvent:
			out = append(out, *e.Message)
		case cwl.FilteredLogEvent:
			out = append(out, *e.Message)
		}
	}
	return fmt.Sprint(out)
}

func TestStreamsAndEvents(t *testing.T) {
	s, ctx := newLogs(t), context.Background()
	wantCode(t, s.CreateLogStream(ctx, caller, &cwl.CreateLogStreamRequest{LogGroupName: p("g"), LogStreamName: p("a")}), "ResourceNotFoundException")
	wantCode(t, s.CreateLogGroup(ctx, caller, &cwl.CreateLogGroupRequest{LogGroupName: p("g")}), "")
	for _, name := range []string{"b", "a"} {
		wantCode(t, s.CreateLogStream(ctx, caller, &cwl.CreateLogStreamRequest{LogGroupName: p("g"), LogStreamName: p(name)}), "")
	}
	wantCode(t, s.CreateLogStream(ctx, caller, &cwl.CreateLogStreamRequest{LogGroupName: p("g"), LogStreamName: p("a")}), "ResourceAlreadyExistsException")
	wantCode(t, s.CreateLogStream(ctx, caller, &cwl.CreateLogStreamRequest{LogGroupName: p("g"), LogStreamName: p("a:b")}), "InvalidParameterException")

	_, err := s.PutLogEvents(ctx, caller, &cwl.PutLogEventsRequest{LogGroupName: p("g"), LogStreamName: p("none"), LogEvents: []cwl.InputLogEvent{ev(0, "x")}})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = s.PutLogEvents(ctx, caller, &cwl.PutLogEventsRequest{LogGroupName: p("g"), LogStreamName: p("a"), LogEvents: []cwl.InputLogEvent{ev(0, "x"), ev(-time.Second, "y")}})
	wantCode(t, err, "InvalidParameterException")

	put := putEvents(t, s, "g", "a", ev(-15*24*time.Hour, "too old"), ev(-3*time.Minute, "ERROR one"), ev(-2*time.Minute, "INFO two"), ev(3*time.Hour, "too new"))
	if r := put.RejectedLogEventsInfo; r == nil || kit.Deref(r.TooOldLogEventEndIndex) != 0 || kit.Deref(r.TooNewLogEventStartIndex) != 3 || r.ExpiredLogEventEndIndex != nil {
		t.Errorf("rejected: %+v", r)
	}
	putEvents(t, s, "g", "a", ev(-1*time.Minute, "WARN three"), ev(-1*time.Minute, `ERROR "four" done`))
	putEvents(t, s, "g", "b", ev(-150*time.Second, "ERROR in b"))

	// GetLogEvents: the end by default, the head on request, then onwards by tokens
	// until the forward token stays where it is.
	get := func(in cwl.GetLogEventsRequest) *cwl.GetLogEventsResponse {
		t.Helper()
		in.LogGroupName, in.LogStreamName = p("g"), p("a")
		out, err := s.GetLogEvents(ctx, caller, &in)
		wantCode(t, err, "")
		return out
	}
	if got := messages(get(cwl.GetLogEventsRequest{Limit: kit.Ptr(int32(2))}).Events); got != `[WARN three ERROR "four" done]` {
		t.Errorf("tail: %s", got)
	}
	first := get(cwl.GetLogEventsRequest{Limit: kit.Ptr(int32(2)), StartFromHead: kit.Ptr(true)})
	if got := messages(first.Events); got != "[ERROR one INFO two]" || *first.Events[0].IngestionTime != now.UnixMilli() {
		t.Errorf("head: %s %+v", got, first.Events)
	}
	second := get(cwl.GetLogEventsRequest{Limit: kit.Ptr(int32(2)), NextToken: first.NextForwardToken})
	third := get(cwl.GetLogEventsRequest{Limit: kit.Ptr(int32(2)), NextToken: second.NextForwardToken})
	if messages(second.Events) != `[WARN three ERROR "four" done]` || len(third.Events) != 0 || *third.NextForwardToken != *second.NextForwardToken {
		t.Errorf("forward: %s, then %s (%s vs %s)", messages(second.Events), messages(third.Events), *third.NextForwardToken, *second.NextForwardToken)
	}
	back := get(cwl.GetLogEventsRequest{Limit: kit.Ptr(int32(2)), NextToken: second.NextBackwardToken})
	if messages(back.Events) != "[ERROR one INFO two]" {
		t.Errorf("backward: %s", messages(back.Events))
	}
	if got := messages(get(cwl.GetLogEventsRequest{StartTime: kit.Ptr(ms(-2 * time.Minute)), EndTime: kit.Ptr(ms(-1 * time.Minute))}).Events); got != "[INFO two]" {
		t.Errorf("time range (end exclusive): %s", got)
	}
	_, err = s.GetLogEvents(ctx, caller, &cwl.GetLogEventsRequest{LogGroupName: p("g"), LogStreamName: p("a"), NextToken: p("x/1")})
	wantCode(t, err, "InvalidParameterException")

	// FilterLogEvents across the streams, in timestamp order.
	filter := func(in cwl.FilterLogEventsRequest) *cwl.FilterLogEventsResponse {
		t.Helper()
		in.LogGroupName = p("g")
		out, err := s.FilterLogEvents(ctx, caller, &in)
		wantCode(t, err, "")
		return out
	}
	for _, tc := range []struct{ pattern, want string }{
		{"", `[ERROR one ERROR in b INFO two WARN three ERROR "four" done]`},
		{"ERROR", `[ERROR one ERROR in b ERROR "four" done]`},
		{"ERROR -four", `[ERROR one ERROR in b]`},
		{`"in b"`, `[ERROR in b]`},
		{"?WARN ?INFO", `[INFO two WARN three]`},
		{"%^[EW]%", `[ERROR one ERROR in b WARN three ERROR "four" done]`},
		{"[level, n]", `[ERROR one INFO two WARN three]`},
		{`[level="ERROR", ...]`, `[ERROR one ERROR in b ERROR "four" done]`},
	} {
		if got := messages(filter(cwl.FilterLogEventsRequest{FilterPattern: p(tc.pattern)}).Events); got != tc.want {
			t.Errorf("pattern %q: %s, want %s", tc.pattern, got, tc.want)
		}
	}
	out := filter(cwl.FilterLogEventsRequest{LogStreamNames: []string{"b"}, StartTime: kit.Ptr(ms(-150 * time.Second)), EndTime: kit.Ptr(ms(-150 * time.Second))})
	if messages(out.Events) != "[ERROR in b]" || *out.Events[0].LogStreamName != "b" || len(*out.Events[0].EventId) != 56 {
		t.Errorf("by stream and inclusive time range: %+v", out.Events)
	}
	var all []string
	var token *string
	for {
		page := filter(cwl.FilterLogEventsRequest{Limit: kit.Ptr(int32(2)), NextToken: token})
		for _, e := range page.Events {
			all = append(all, *e.EventId)
		}
		if token = page.NextToken; token == nil {
			break
		}
	}
	if len(all) != 5 || all[0] >= all[4] {
		t.Errorf("pages of events: %v", all)
	}
	_, err = s.FilterLogEvents(ctx, caller, &cwl.FilterLogEventsRequest{LogGroupName: p("g"), LogStreamNames: []string{"a"}, LogStreamNamePrefix: p("a")})
	wantCode(t, err, "InvalidParameterException")

	// DescribeLogStreams by name, and by last event, newest first.
	streams, err := s.DescribeLogStreams(ctx, caller, &cwl.DescribeLogStreamsRequest{LogGroupName: p("g")})
	wantCode(t, err, "")
	if len(streams.LogStreams) != 2 || *streams.LogStreams[0].LogStreamName != "a" || *streams.LogStreams[0].FirstEventTimestamp != ms(-3*time.Minute) ||
		*streams.LogStreams[0].LastEventTimestamp != ms(-time.Minute) || *streams.LogStreams[0].Arn != "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:a" {
		t.Errorf("streams: %+v", streams.LogStreams)
	}
	streams, _ = s.DescribeLogStreams(ctx, caller, &cwl.DescribeLogStreamsRequest{LogGroupIdentifier: p("arn:aws:logs:us-east-1:123456789012:log-group:g:*"), OrderBy: p("LastEventTime"), Descending: kit.Ptr(true), Limit: kit.Ptr(int32(1))})
	if len(streams.LogStreams) != 1 || *streams.LogStreams[0].LogStreamName != "a" || streams.NextToken == nil {
		t.Errorf("by last event: %+v", streams)
	}
	_, err = s.DescribeLogStreams(ctx, caller, &cwl.DescribeLogStreamsRequest{LogGroupName: p("g"), OrderBy: p("LastEventTime"), LogStreamNamePrefix: p("a")})
	wantCode(t, err, "InvalidParameterException")

	// Deleting a stream takes its events with it.
	wantCode(t, s.DeleteLogStream(ctx, caller, &cwl.DeleteLogStreamRequest{LogGroupName: p("g"), LogStreamName: p("b")}), "")
	wantCode(t, s.DeleteLogStream(ctx, caller, &cwl.DeleteLogStreamRequest{LogGroupName: p("g"), LogStreamName: p("b")}), "ResourceNotFoundException")
	if got := messages(filter(cwl.FilterLogEventsRequest{FilterPattern: p(`"in b"`)}).Events); got != "[]" {
		t.Errorf("events of a deleted stream: %s", got)
	}
}

// A retention policy hides events older than it.
func TestRetentionHidesOldEvents(t *testing.T) {
	s, ctx := newLogs(t), context.Background()
	wantCode(t, s.CreateLogGroup(ctx, caller, &cwl.CreateLogGroupRequest{LogGroupName: p("g")}), "")
	wantCode(t, s.CreateLogStream(ctx, caller, &cwl.CreateLogStreamRequest{LogGroupName: p("g"), LogStreamName: p("s")}), "")
	putEvents(t, s, "g", "s", ev(-3*24*time.Hour, "old"), ev(-time.Hour, "new"))
	wantCode(t, s.PutRetentionPolicy(ctx, caller, &cwl.PutRetentionPolicyRequest{LogGroupName: p("g"), RetentionInDays: kit.Ptr(int32(1))}), "")
	out, err := s.FilterLogEvents(ctx, caller, &cwl.FilterLogEventsRequest{LogGroupName: p("g")})
	wantCode(t, err, "")
	if messages(out.Events) != "[new]" {
		t.Errorf("after retention: %s", messages(out.Events))
	}
	put := putEvents(t, s, "g", "s", ev(-2*24*time.Hour, "expired"), ev(0, "kept"))
	if r := put.RejectedLogEventsInfo; r == nil || kit.Deref(r.ExpiredLogEventEndIndex) != 0 {
		t.Errorf("rejected: %+v", r)
	}
}

// Deleting a group removes every key under it, and a group created again with its name
// starts empty.
func TestDeleteGroupClearsItsKeys(t *testing.T) {
	s, ctx := newLogs(t), context.Background()
	for i := range 3 {
		wantCode(t, s.Append(ctx, caller, "/aws/vpc/flowlogs", fmt.Sprintf("eni-%017d", i), []Event{{ms(0), "2 x"}, {ms(-time.Second), "2 y"}}), "")
	}
	out, err := s.FilterLogEvents(ctx, caller, &cwl.FilterLogEventsRequest{LogGroupName: p("/aws/vpc/flowlogs")})
	wantCode(t, err, "")
	if len(out.Events) != 6 || *out.Events[0].Message != "2 y" {
		t.Fatalf("appended: %+v", out.Events)
	}
	groups, _ := s.DescribeLogGroups(ctx, caller, &cwl.DescribeLogGroupsRequest{})
	if len(groups.LogGroups) != 1 || *groups.LogGroups[0].StoredBytes != 6*3 {
		t.Errorf("stored bytes: %+v", groups.LogGroups)
	}
	wantCode(t, s.DeleteLogGroup(ctx, caller, &cwl.DeleteLogGroupRequest{LogGroupName: p("/aws/vpc/flowlogs")}), "")
	kvs, _, err := s.Store.List(ctx, caller.Prefix("logs"))
	if err != nil || len(kvs) != 0 {
		t.Errorf("left after delete: %d keys (%v)", len(kvs), err)
	}
	wantCode(t, s.CreateLogGroup(ctx, caller, &cwl.CreateLogGroupRequest{LogGroupName: p("/aws/vpc/flowlogs")}), "")
	streams, _ := s.DescribeLogStreams(ctx, caller, &cwl.DescribeLogStreamsRequest{LogGroupName: p("/aws/vpc/flowlogs")})
	if len(streams.LogStreams) != 0 {
		t.Errorf("streams of the new group: %+v", streams.LogStreams)
	}
}

// An append writes one new key and the stream's record: the group and earlier batches
// are not rewritten.
func TestAppendWritesOneBatchKey(t *testing.T) {
	s, ctx := newLogs(t), context.Background()
	wantCode(t, s.Append(ctx, caller, "g", "s", []Event{{ms(0), "first"}}), "")
	before, _, _ := s.Store.List(ctx, caller.Prefix("logs"))
	wantCode(t, s.Append(ctx, caller, "g", "s", []Event{{ms(0), "second"}}), "")
	after, _, _ := s.Store.List(ctx, caller.Prefix("logs"))
	if len(after) != len(before)+1 {
		t.Fatalf("keys %d → %d", len(before), len(after))
	}
	revs := map[string]int64{}
	for _, kv := range after {
		revs[kv.Key] = kv.ModRev
	}
	changed := 0
	for _, kv := range before {
		if revs[kv.Key] != kv.ModRev {
			changed++
		}
	}
	if changed != 1 { // the stream's record
		t.Errorf("%d existing keys rewritten", changed)
	}
}
