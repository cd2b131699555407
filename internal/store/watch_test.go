package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// eventString prints e with its revision relative to base.
func eventString(base int64, e Event) string {
	switch {
	case e.Err != nil:
		return fmt.Sprintf("err %v", e.Err)
	case e.Delete:
		return fmt.Sprintf("%d del %s", e.Rev-base, e.Key)
	}
	return fmt.Sprintf("%d put %s=%s", e.Rev-base, e.Key, e.Value)
}

func testWatch(t *testing.T, open opener) {
	type commit struct {
		cmps []Cmp
		ops  []Op
	}
	cases := []struct {
		name   string
		prefix string
		before []commit // committed before Watch: never delivered
		after  []commit
		want   []string // revisions relative to the store's when the case starts
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
			s := open(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			base := baseRev(t, s)
			for _, c := range tc.before {
				if _, err := s.Commit(ctx, c.cmps, c.ops); err != nil {
					t.Fatal(err)
				}
			}
			ch := s.Watch(ctx, tc.prefix, 0)
			for _, c := range tc.after {
				cmps := slices.Clone(c.cmps)
				for i := range cmps {
					if cmps[i].ModRev != 0 {
						cmps[i].ModRev += base
					}
				}
				s.Commit(ctx, cmps, c.ops) // conflicts are part of some cases
			}
			var got []string
			for range tc.want {
				e, ok := next(t, ch)
				if !ok {
					t.Fatalf("channel closed after %q", got)
				}
				got = append(got, eventString(base, e))
			}
			cancel()
			rest := waitClosed(t, ch)
			for _, e := range rest {
				got = append(got, eventString(base, e))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("events = %q, want %q", got, tc.want)
			}
		})
	}
}

func testWatchClosesWhenContextEnds(t *testing.T, open opener) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	ch := s.Watch(ctx, "", 0)
	cancel()
	waitClosed(t, ch)
	// Commits after the watcher ended must not panic on its closed channel.
	if _, err := s.Commit(context.Background(), nil, []Op{put("a", "1")}); err != nil {
		t.Fatal(err)
	}
}

func testWatchClosesOnClose(t *testing.T, open opener) {
	s := open(t)
	chs := []<-chan Event{s.Watch(context.Background(), "", 0), s.Watch(context.Background(), "x", 0)}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ch := range chs {
		waitClosed(t, ch)
	}
}

// testWatchLagging checks that a watcher that stops reading is closed, not waited for: a
// commit must never block on a slow watcher.
func testWatchLagging(t *testing.T, open opener) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := s.Watch(ctx, "", 0)
	fast := s.Watch(ctx, "", 0)
	ops := make([]Op, 2*watchBuffer)
	for i := range ops {
		ops[i] = put(fmt.Sprintf("k%05d", i), "v")
	}
	// The fast watcher reads while the commits go on: a store may deliver events after
	// Commit returns.
	fastGot := make(chan int)
	go func() {
		n := 0
		defer func() { fastGot <- n }()
		timeout := time.After(30 * time.Second)
		for n < len(ops) {
			select {
			case _, ok := <-fast:
				if !ok {
					return
				}
				n++
			case <-timeout:
				return
			}
		}
	}()
	commitChunks(t, s, ops)
	if n := <-fastGot; n != len(ops) {
		t.Errorf("watcher that kept up got %d events of %d", n, len(ops))
	}
	if got := waitClosed(t, slow); len(got) >= len(ops) {
		t.Errorf("lagging watcher got all %d events, want it closed early", len(got))
	}
}

// testWatchOrderUnderConcurrency checks that a watcher sees revisions in increasing order
// when many goroutines commit at once. Commits that bbolt batches into one transaction, or
// that finish back to back, return to their callers in any order; delivering events from
// the callers in that order once let a watcher see a key's older value after its newer one.
func testWatchOrderUnderConcurrency(t *testing.T, open opener) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base := baseRev(t, s)
	ch := s.Watch(ctx, "o/", 0)
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
	if prev != base+writers*each {
		t.Errorf("last event rev = base+%d, want base+%d", prev-base, writers*each)
	}
	// A cache built from the events must agree with the store.
	for key, e := range last {
		kv, _, _ := s.Get(ctx, key)
		if string(kv.Value) != string(e.Value) || kv.ModRev != e.Rev {
			t.Errorf("%s: last event %s, store has %q at %d", key, eventString(0, e), kv.Value, kv.ModRev)
		}
	}
}

// testWatchValueIsACopy checks that an event does not share memory with the caller's Op:
// resource code reuses its buffers after Commit returns.
func testWatchValueIsACopy(t *testing.T, open opener) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := s.Watch(ctx, "", 0)
	buf := []byte("original")
	if _, err := s.Commit(ctx, nil, []Op{{Key: "a", Value: buf}}); err != nil {
		t.Fatal(err)
	}
	copy(buf, "CHANGED!")
	if e, _ := next(t, ch); string(e.Value) != "original" {
		t.Errorf("event value = %q after the caller reused its buffer, want original", e.Value)
	}
}

// commitChunks commits ops in commits of up to 100, which etcd accepts (it takes at most
// 128 writes per transaction by default).
func commitChunks(t *testing.T, s Store, ops []Op) {
	t.Helper()
	for len(ops) > 0 {
		n := min(len(ops), 100)
		if _, err := s.Commit(context.Background(), nil, ops[:n]); err != nil {
			t.Fatal(err)
		}
		ops = ops[n:]
	}
}

// commitEach commits each op alone and returns the revisions.
func commitEach(t *testing.T, s Store, ops ...Op) []int64 {
	t.Helper()
	var revs []int64
	for _, op := range ops {
		rev, err := s.Commit(context.Background(), nil, []Op{op})
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, rev)
	}
	return revs
}

// receive reads n events and fails the test if the channel closes first.
func receive(t *testing.T, base int64, ch <-chan Event, n int) []string {
	t.Helper()
	var got []string
	for range n {
		e, ok := next(t, ch)
		if !ok {
			t.Fatalf("channel closed after %q", got)
		}
		got = append(got, eventString(base, e))
	}
	return got
}

// testWatchFromRevision checks that a watch from a revision replays every later change
// under its prefix, then continues with live ones: a reader that lists at revision R and
// watches from R misses nothing and sees nothing twice.
func testWatchFromRevision(t *testing.T, open opener) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base := baseRev(t, s)
	commitEach(t, s, put("r/a", "1"), put("x/a", "1"), put("r/b", "2"), del("r/a"))
	_, listRev, err := s.List(ctx, "r/")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		after int64 // relative to base
		want  []string
	}{
		{"from the first commit", 1, []string{"3 put r/b=2", "4 del r/a", "6 put r/c=live"}},
		{"from the middle", 3, []string{"4 del r/a", "6 put r/c=live"}},
		{"from the List revision", listRev - base, []string{"6 put r/c=live"}},
	}
	var chs []<-chan Event
	for _, tc := range cases {
		chs = append(chs, s.Watch(ctx, "r/", base+tc.after))
	}
	commitEach(t, s, put("x/b", "live"), put("r/c", "live"))
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := receive(t, base, chs[i], len(tc.want))
			if !slices.Equal(got, tc.want) {
				t.Errorf("events = %q, want %q", got, tc.want)
			}
		})
	}
	// A watch from a revision not reached yet waits for it.
	ahead := s.Watch(ctx, "r/", base+7)
	commitEach(t, s, put("r/d", "7"), put("r/e", "8"))
	if got := receive(t, base, ahead, 1); got[0] != "8 put r/e=8" {
		t.Errorf("watch after base+7 got %q first, want 8 put r/e=8", got[0])
	}
}

// compacter is implemented, in the tests, by every store: compact forgets the history up
// to rev, as etcd's compaction does, so that watches from before rev fail.
type compacter interface {
	compact(t *testing.T, rev int64)
}

// testWatchCompacted checks that a watch from a forgotten revision ends with ErrCompacted
// and that one from a remembered revision works.
func testWatchCompacted(t *testing.T, open opener) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base := baseRev(t, s)
	revs := commitEach(t, s, put("c/a", "1"), put("c/b", "2"), put("c/c", "3"), put("c/d", "4"))
	s.(compacter).compact(t, revs[2])
	got := waitClosed(t, s.Watch(ctx, "c/", revs[0]))
	if len(got) != 1 || !errors.Is(got[0].Err, ErrCompacted) {
		t.Errorf("watch from a compacted revision got %v, want one event with ErrCompacted", got)
	}
	kept := s.Watch(ctx, "c/", revs[2])
	if got := receive(t, base, kept, 1); got[0] != "4 put c/d=4" {
		t.Errorf("watch from the compaction revision got %q, want 4 put c/d=4", got[0])
	}
	// Watches from now are not affected.
	now := s.Watch(ctx, "c/", 0)
	commitEach(t, s, put("c/e", "5"))
	if got := receive(t, base, now, 1); got[0] != "5 put c/e=5" {
		t.Errorf("watch from now got %q, want 5 put c/e=5", got[0])
	}
}

// testListThenWatch is how a cache follows the store: List at revision R, then watch from
// R, while writers keep committing. Applying the events to the listed keys must give what
// the store holds, with nothing missed and nothing applied twice out of order.
func testListThenWatch(t *testing.T, open opener) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const writers, each = 4, 50
	var wg sync.WaitGroup
	start := make(chan struct{})
	listNow := sync.OnceFunc(func() { close(start) })
	for g := range writers {
		wg.Go(func() {
			defer listNow() // also when a commit fails
			for i := range each {
				if i == each/5 {
					listNow() // the reader lists while commits go on
				}
				ops := []Op{put(fmt.Sprintf("lw/%d", i%7), fmt.Sprintf("%d-%d", g, i))}
				if i%3 == 0 {
					ops = append(ops, del(fmt.Sprintf("lw/%d", (i+g)%7)))
				}
				if _, err := s.Commit(ctx, nil, lastWrites(ops)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	<-start
	kvs, rev, err := s.List(ctx, "lw/")
	if err != nil {
		t.Fatal(err)
	}
	cache := map[string]string{}
	for _, kv := range kvs {
		cache[kv.Key] = string(kv.Value)
	}
	ch := s.Watch(ctx, "lw/", rev)
	wg.Wait()
	want, final, err := s.List(ctx, "lw/")
	if err != nil {
		t.Fatal(err)
	}
	for rev < final {
		e, ok := next(t, ch)
		if !ok || e.Err != nil {
			t.Fatalf("watch ended at revision %d of %d: %v", rev, final, e.Err)
		}
		if e.Rev < rev {
			t.Fatalf("event rev %d after rev %d", e.Rev, rev)
		}
		rev = e.Rev
		if e.Delete {
			delete(cache, e.Key)
		} else {
			cache[e.Key] = string(e.Value)
		}
	}
	wantMap := map[string]string{}
	for _, kv := range want {
		wantMap[kv.Key] = string(kv.Value)
	}
	if !mapsEqual(cache, wantMap) {
		t.Errorf("list + watch = %v, store has %v", cache, wantMap)
	}
}
