package store

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// next receives one event or fails the test after a deadline.
func next(t *testing.T, ch <-chan Event) (Event, bool) {
	t.Helper()
	select {
	case e, ok := <-ch:
		return e, ok
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
		return Event{}, false
	}
}

// waitClosed drains ch and fails the test unless it closes before a deadline.
func waitClosed(t *testing.T, ch <-chan Event) []Event {
	t.Helper()
	var got []Event
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return got
			}
			got = append(got, e)
		case <-deadline:
			t.Fatal("watch channel not closed within 5s")
		}
	}
}

func eventString(e Event) string {
	if e.Delete {
		return fmt.Sprintf("%d del %s", e.Rev, e.Key)
	}
	return fmt.Sprintf("%d put %s=%s", e.Rev, e.Key, e.Value)
}

func TestWatch(t *testing.T) {
	type commit struct {
		cmps []Cmp
		ops  []Op
	}
	cases := []struct {
		name    string
		prefix  string
		before  []commit // committed before Watch: never delivered
		after   []commit
		want    []string
		wantLen int // events expected; defaults to len(want)
	}{
		{
			name:   "later commits in order",
			prefix: "w/",
			after: []commit{
				{ops: []Op{put("w/a", "1")}},
				{ops: []Op{put("w/b", "2")}},
				{ops: []Op{put("w/a", "3")}},
			},
			want: []string{"1 put w/a=1", "2 put w/b=2", "3 put w/a=3"},
		},
		{
			name:   "earlier commits are not delivered",
			prefix: "w/",
			before: []commit{{ops: []Op{put("w/a", "old")}}},
			after:  []commit{{ops: []Op{put("w/a", "new")}}},
			want:   []string{"2 put w/a=new"},
		},
		{
			name:   "other prefixes are filtered out",
			prefix: "w/",
			after: []commit{
				{ops: []Op{put("x/a", "1")}},
				{ops: []Op{put("w", "2"), put("w/b", "3"), put("wx", "4")}},
				{ops: []Op{del("x/a")}},
				{ops: []Op{put("w/c", "5")}},
			},
			want: []string{"2 put w/b=3", "4 put w/c=5"},
		},
		{
			name:   "one commit's ops share a revision in op order",
			prefix: "w/",
			before: []commit{{ops: []Op{put("w/a", "1")}}},
			after: []commit{
				{ops: []Op{put("w/z", "2"), del("w/a"), put("w/m", "3")}},
			},
			want: []string{"2 put w/z=2", "2 del w/a", "2 put w/m=3"},
		},
		{
			name:   "conflicts deliver nothing",
			prefix: "",
			after: []commit{
				{cmps: []Cmp{{Key: "a", ModRev: 5}}, ops: []Op{put("a", "no")}},
				{ops: []Op{put("a", "yes")}},
			},
			want: []string{"1 put a=yes"},
		},
		{
			name:   "empty prefix sees everything",
			prefix: "",
			after: []commit{
				{ops: []Op{put("a", "1")}},
				{ops: []Op{put("z/z", "2"), del("a")}},
			},
			want: []string{"1 put a=1", "2 put z/z=2", "2 del a"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			for _, c := range tc.before {
				if _, err := s.Commit(ctx, c.cmps, c.ops); err != nil {
					t.Fatal(err)
				}
			}
			ch := s.Watch(ctx, tc.prefix)
			for _, c := range tc.after {
				s.Commit(ctx, c.cmps, c.ops) // conflicts are part of some cases
			}
			var got []string
			for range tc.want {
				e, ok := next(t, ch)
				if !ok {
					t.Fatalf("channel closed after %q", got)
				}
				got = append(got, eventString(e))
			}
			cancel()
			rest := waitClosed(t, ch)
			for _, e := range rest {
				got = append(got, eventString(e))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("events = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWatchClosesWhenContextEnds(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	ch := s.Watch(ctx, "")
	cancel()
	waitClosed(t, ch)
	// Commits after the watcher ended must not panic on its closed channel.
	if _, err := s.Commit(context.Background(), nil, []Op{put("a", "1")}); err != nil {
		t.Fatal(err)
	}
}

func TestWatchClosesOnClose(t *testing.T) {
	s := openTest(t)
	chs := []<-chan Event{s.Watch(context.Background(), ""), s.Watch(context.Background(), "x")}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ch := range chs {
		waitClosed(t, ch)
	}
}

// TestWatchLagging checks that a watcher that stops reading is closed, not waited for: a
// commit must never block on a slow watcher.
func TestWatchLagging(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	slow := s.Watch(ctx, "")
	fast := s.Watch(ctx, "")
	ops := make([]Op, watchBuffer+1)
	for i := range ops {
		ops[i] = put(fmt.Sprintf("k%05d", i), "v")
	}
	if _, err := s.Commit(ctx, nil, ops[:watchBuffer/2]); err != nil {
		t.Fatal(err)
	}
	for range watchBuffer / 2 {
		next(t, fast)
	}
	if _, err := s.Commit(ctx, nil, ops[watchBuffer/2:]); err != nil {
		t.Fatal(err)
	}
	if got := waitClosed(t, slow); len(got) > watchBuffer {
		t.Errorf("lagging watcher got %d events, more than its buffer of %d", len(got), watchBuffer)
	}
	for range len(ops) - watchBuffer/2 {
		if _, ok := next(t, fast); !ok {
			t.Fatal("watcher that kept up was closed")
		}
	}
}

// TestWatchOrderUnderConcurrency checks that a watcher sees revisions in increasing order
// when many goroutines commit at once. Commits that bbolt batches into one transaction, or
// that finish back to back, return to their callers in any order; delivering events from
// the callers in that order once let a watcher see a key's older value after its newer one.
func TestWatchOrderUnderConcurrency(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := s.Watch(ctx, "o/")
	const writers, each = 8, 40
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				// Blind writes of one shared key and of a key per writer.
				ops := []Op{put("o/shared", fmt.Sprintf("%d-%d", g, i)), put(fmt.Sprintf("o/%d", g), fmt.Sprint(i))}
				if _, err := s.Commit(ctx, nil, ops); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	last := map[string]Event{}
	var prev int64
	for range writers * each * 2 {
		e, ok := next(t, ch)
		if !ok {
			t.Fatal("watch closed early")
		}
		if e.Rev < prev {
			t.Fatalf("event rev %d after rev %d", e.Rev, prev)
		}
		prev = e.Rev
		last[e.Key] = e
	}
	if prev != writers*each {
		t.Errorf("last event rev = %d, want %d", prev, writers*each)
	}
	// A cache built from the events must agree with the store.
	for key, e := range last {
		kv, _, _ := s.Get(ctx, key)
		if string(kv.Value) != string(e.Value) || kv.ModRev != e.Rev {
			t.Errorf("%s: last event %s, store has %q at %d", key, eventString(e), kv.Value, kv.ModRev)
		}
	}
}

// TestWatchValueIsACopy checks that an event does not share memory with the caller's Op:
// resource code reuses its buffers after Commit returns.
func TestWatchValueIsACopy(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := s.Watch(ctx, "")
	buf := []byte("original")
	if _, err := s.Commit(ctx, nil, []Op{{Key: "a", Value: buf}}); err != nil {
		t.Fatal(err)
	}
	copy(buf, "CHANGED!")
	if e, _ := next(t, ch); string(e.Value) != "original" {
		t.Errorf("event value = %q after the caller reused its buffer, want original", e.Value)
	}
}

// TestWatchGoroutinesEnd checks that a watcher's goroutine ends when the store closes or
// the watcher is dropped, even if its context never ends.
func TestWatchGoroutinesEnd(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		s.Watch(context.Background(), "")
	}
	// Fill a lagging watcher until it is dropped.
	lag := s.Watch(context.Background(), "lag/")
	ops := make([]Op, watchBuffer+1)
	for i := range ops {
		ops[i] = put(fmt.Sprintf("lag/%05d", i), "v")
	}
	if _, err := s.Commit(context.Background(), nil, ops); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, lag)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after Close, %d before Open", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
