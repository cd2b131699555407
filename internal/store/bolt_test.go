package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"
)

// openTest opens an empty embedded store that is closed when the test ends.
func openTest(t testing.TB) *Embedded {
	t.Helper()
	s, err := OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestEmbedded(t *testing.T) {
	testStore(t, func(t *testing.T) Store { return openTest(t) })
}

// compact forgets the history up to rev, as the history bound does.
func (s *Embedded) compact(t *testing.T, rev int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := 0
	for i < len(s.history) && s.history[i].Rev <= rev {
		i++
	}
	s.history = s.history[i:]
	s.histFloor = max(s.histFloor, rev)
}

// TestWatchHistoryBound checks that the embedded store remembers the latest historySize
// events and answers ErrCompacted for older revisions.
func TestWatchHistoryBound(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ops := make([]Op, (historySize/100+3)*100) // three revisions more than fit
	for i := range ops {
		ops[i] = put(fmt.Sprintf("h/%05d", i), "v")
	}
	commitChunks(t, s, ops) // 100 ops a revision
	last := int64(len(ops) / 100)
	got := waitClosed(t, s.Watch(ctx, "h/", 1))
	if len(got) != 1 || !errors.Is(got[0].Err, ErrCompacted) {
		t.Errorf("watch from revision 1 of %d got %d events, want one with ErrCompacted", last, len(got))
	}
	// The history drops whole revisions: the oldest one kept is complete.
	s.mu.Lock()
	n, floor, capacity := len(s.history), s.histFloor, cap(s.history)
	s.mu.Unlock()
	if capacity > 3*historySize {
		t.Errorf("history's array holds %d events, want at most %d", capacity, 3*historySize)
	}
	ch := s.Watch(ctx, "h/", floor)
	if n > historySize || n < historySize-100 {
		t.Errorf("history holds %d events, want between %d and %d", n, historySize-100, historySize)
	}
	first, _ := next(t, ch)
	if first.Rev != floor+1 || first.Key != fmt.Sprintf("h/%05d", (first.Rev-1)*100) {
		t.Errorf("first replayed event %s, want the first op of revision %d", eventString(0, first), floor+1)
	}
	recent := s.Watch(ctx, "h/", last-1)
	if got := receive(t, 0, recent, 100); got[99] != fmt.Sprintf("%d put h/%05d=v", last, len(ops)-1) {
		t.Errorf("last replayed event %s", got[49])
	}
}

// TestWatchAfterReopen checks that a reopened store, whose history is gone, answers
// ErrCompacted for a revision before the reopen and resumes from the reopen's revision.
func TestWatchAfterReopen(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := OpenEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	commitEach(t, s, put("a", "1"), put("b", "2"))
	s.Close()
	if s, err = OpenEmbedded(dir); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := waitClosed(t, s.Watch(ctx, "", 1))
	if len(got) != 1 || !errors.Is(got[0].Err, ErrCompacted) {
		t.Errorf("watch from before the reopen got %v, want one event with ErrCompacted", got)
	}
	ch := s.Watch(ctx, "", 2)
	commitEach(t, s, put("c", "3"))
	if got := receive(t, 0, ch, 1); got[0] != "3 put c=3" {
		t.Errorf("watch from the reopen's revision got %q, want 3 put c=3", got[0])
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := OpenEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	var rev int64
	for i := range 20 {
		k := fmt.Sprintf("k/%02d", i)
		want[k] = fmt.Sprint(i)
		if rev, err = s.Commit(ctx, nil, []Op{put(k, fmt.Sprint(i)), del("tmp"), put("tmp", "x")}); err != nil {
			t.Fatal(err)
		}
	}
	if rev, err = s.Commit(ctx, nil, []Op{del("tmp")}); err != nil {
		t.Fatal(err)
	}
	before, _, _ := s.List(ctx, "")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = OpenEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after, listRev, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(before, after, kvEqual) {
		t.Errorf("after reopen List = %v, want %v", after, before)
	}
	if got := dump(t, s); !mapsEqual(got, want) {
		t.Errorf("after reopen contents = %v, want %v", got, want)
	}
	if listRev != rev {
		t.Errorf("after reopen rev = %d, want %d", listRev, rev)
	}
	// Revisions continue where they stopped, so saved ModRevs stay comparable.
	next, err := s.Commit(ctx, []Cmp{{Key: "k/00", ModRev: 1}}, []Op{put("k/00", "new")})
	if err != nil || next != rev+1 {
		t.Errorf("first commit after reopen = %d, %v; want %d, nil", next, err, rev+1)
	}
}

func kvEqual(a, b KV) bool {
	return a.Key == b.Key && a.ModRev == b.ModRev && bytes.Equal(a.Value, b.Value)
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
		s.Watch(context.Background(), "", 0)
	}
	// Fill a lagging watcher until it is dropped.
	lag := s.Watch(context.Background(), "lag/", 0)
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
