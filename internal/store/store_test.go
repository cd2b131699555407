package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// opener opens an empty store that is closed when the test ends. Stores of one opener may
// share a backend (etcd namespaces on one server) but never keys.
type opener func(t *testing.T) Store

// testStore is the conformance suite every Store passes. Its subtests run one after the
// other: revisions are checked relative to the store's revision when a subtest starts,
// which on a shared etcd moves with every subtest's commits.
func testStore(t *testing.T, open opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, opener)
	}{
		{"Commit", testCommit},
		{"Get", testGet},
		{"GetReturnsACopy", testGetReturnsACopy},
		{"List", testList},
		{"RevisionsIncrease", testRevisionsIncrease},
		{"Closed", testClosed},
		{"CanceledContext", testCanceledContext},
		{"Watch", testWatch},
		{"WatchFromRevision", testWatchFromRevision},
		{"WatchCompacted", testWatchCompacted},
		{"WatchClosesWhenContextEnds", testWatchClosesWhenContextEnds},
		{"WatchClosesOnClose", testWatchClosesOnClose},
		{"WatchLagging", testWatchLagging},
		{"WatchOrderUnderConcurrency", testWatchOrderUnderConcurrency},
		{"WatchValueIsACopy", testWatchValueIsACopy},
		{"ListThenWatch", testListThenWatch},
		{"NoLostUpdate", testNoLostUpdate},
		{"ConflictAmongConcurrentWriters", testConflictAmongConcurrentWriters},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// baseRev is the store's revision before a test's first commit: the test's n-th
// successful commit gets revision baseRev+n.
func baseRev(t testing.TB, s Store) int64 {
	t.Helper()
	_, rev, err := s.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

// dump returns every key and value in the store.
func dump(t testing.TB, s Store) map[string]string {
	t.Helper()
	kvs, _, err := s.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, kv := range kvs {
		m[kv.Key] = string(kv.Value)
	}
	return m
}

func put(key, value string) Op { return Op{Key: key, Value: []byte(value)} }
func del(key string) Op        { return Op{Key: key, Delete: true} }

func testCommit(t *testing.T, open opener) {
	type step struct {
		cmps    []Cmp
		ops     []Op
		wantRev int64 // the n-th commit of the case; 0 when the step fails
		wantErr error // nil, ErrConflict, or errAny for any other error
		anyRev  bool  // a commit that changes nothing: the revision may stay
	}
	errAny := errors.New("any error")
	// The n-th successful commit gets revision base+n, so the cases name revisions by n.
	seed := step{ops: []Op{put("a", "1"), put("b", "2")}, wantRev: 1}
	cases := []struct {
		name  string
		steps []step
		want  map[string]string
	}{
		{
			name:  "blind put without cmps",
			steps: []step{{ops: []Op{put("a", "1")}, wantRev: 1}},
			want:  map[string]string{"a": "1"},
		},
		{
			name: "cmp at 0 holds for an absent key",
			steps: []step{
				{cmps: []Cmp{{Key: "a", ModRev: 0}}, ops: []Op{put("a", "1")}, wantRev: 1},
			},
			want: map[string]string{"a": "1"},
		},
		{
			name: "cmp at 0 conflicts with a present key",
			steps: []step{
				seed,
				{cmps: []Cmp{{Key: "a", ModRev: 0}}, ops: []Op{put("a", "x")}, wantErr: ErrConflict},
			},
			want: map[string]string{"a": "1", "b": "2"},
		},
		{
			name: "cmp at the current revision holds",
			steps: []step{
				seed,
				{cmps: []Cmp{{Key: "a", ModRev: 1}}, ops: []Op{put("a", "x")}, wantRev: 2},
			},
			want: map[string]string{"a": "x", "b": "2"},
		},
		{
			name: "cmp at a stale revision conflicts",
			steps: []step{
				seed,
				{ops: []Op{put("a", "y")}, wantRev: 2},
				{cmps: []Cmp{{Key: "a", ModRev: 1}}, ops: []Op{put("a", "x")}, wantErr: ErrConflict},
			},
			want: map[string]string{"a": "y", "b": "2"},
		},
		{
			name: "cmp at a revision conflicts for an absent key",
			steps: []step{
				seed,
				{cmps: []Cmp{{Key: "c", ModRev: 1}}, ops: []Op{put("c", "x")}, wantErr: ErrConflict},
			},
			want: map[string]string{"a": "1", "b": "2"},
		},
		{
			name: "one failing cmp among several writes nothing",
			steps: []step{
				seed,
				{
					cmps:    []Cmp{{Key: "a", ModRev: 1}, {Key: "c", ModRev: 0}, {Key: "b", ModRev: 0}},
					ops:     []Op{put("a", "x"), put("c", "3"), del("b")},
					wantErr: ErrConflict,
				},
			},
			want: map[string]string{"a": "1", "b": "2"},
		},
		{
			name: "a conflict does not consume a revision",
			steps: []step{
				seed,
				{cmps: []Cmp{{Key: "a", ModRev: 7}}, ops: []Op{put("a", "x")}, wantErr: ErrConflict},
				{ops: []Op{put("c", "3")}, wantRev: 2},
			},
			want: map[string]string{"a": "1", "b": "2", "c": "3"},
		},
		{
			name: "an invalid op fails the whole commit",
			steps: []step{
				seed,
				{ops: []Op{put("c", "3"), put("", "empty key")}, wantErr: errAny},
				{ops: []Op{put("d", "4")}, wantRev: 2},
			},
			want: map[string]string{"a": "1", "b": "2", "d": "4"},
		},
		{
			name: "delete removes the key",
			steps: []step{
				seed,
				{cmps: []Cmp{{Key: "a", ModRev: 1}}, ops: []Op{del("a")}, wantRev: 2},
			},
			want: map[string]string{"b": "2"},
		},
		{
			name: "deleting an absent key succeeds",
			steps: []step{
				{ops: []Op{del("nothing")}, anyRev: true},
			},
			want: map[string]string{},
		},
		{
			name: "a deleted key compares as absent",
			steps: []step{
				seed,
				{ops: []Op{del("a")}, wantRev: 2},
				{cmps: []Cmp{{Key: "a", ModRev: 1}}, ops: []Op{put("a", "x")}, wantErr: ErrConflict},
				{cmps: []Cmp{{Key: "a", ModRev: 0}}, ops: []Op{put("a", "x")}, wantRev: 3},
			},
			want: map[string]string{"a": "x", "b": "2"},
		},
		{
			name: "ops apply in order within a commit",
			steps: []step{
				{ops: []Op{put("a", "1"), del("a"), put("b", "1"), put("b", "2")}, wantRev: 1},
			},
			want: map[string]string{"b": "2"},
		},
		{
			name: "a commit with only cmps succeeds when they hold",
			steps: []step{
				seed,
				{cmps: []Cmp{{Key: "a", ModRev: 1}}, anyRev: true},
				{cmps: []Cmp{{Key: "a", ModRev: 7}}, wantErr: ErrConflict},
			},
			want: map[string]string{"a": "1", "b": "2"},
		},
		{
			name: "the last write of a key in a commit wins",
			steps: []step{
				seed,
				{ops: []Op{put("a", "x"), del("b"), put("a", "y"), put("b", "3"), del("a")}, wantRev: 2},
			},
			want: map[string]string{"b": "3"},
		},
		{
			name: "an empty value is kept, not deleted",
			steps: []step{
				{ops: []Op{{Key: "a"}}, wantRev: 1},
			},
			want: map[string]string{"a": ""},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			ctx := context.Background()
			base := baseRev(t, s)
			for i, st := range tc.steps {
				cmps := slices.Clone(st.cmps)
				for j := range cmps {
					if cmps[j].ModRev != 0 {
						cmps[j].ModRev += base
					}
				}
				rev, err := s.Commit(ctx, cmps, st.ops)
				switch {
				case st.wantErr == errAny && err == nil:
					t.Fatalf("step %d: Commit succeeded, want an error", i)
				case st.wantErr == errAny:
					if errors.Is(err, ErrConflict) {
						t.Fatalf("step %d: Commit = %v, want an error other than a conflict", i, err)
					}
				case !errors.Is(err, st.wantErr):
					t.Fatalf("step %d: Commit error = %v, want %v", i, err, st.wantErr)
				}
				switch {
				case st.anyRev && err == nil && rev < base:
					t.Fatalf("step %d: Commit rev = %d, before the store's %d", i, rev, base)
				case st.anyRev:
				case err == nil && rev != base+st.wantRev, err != nil && rev != 0:
					t.Fatalf("step %d: Commit rev = base+%d, want base+%d", i, rev-base, st.wantRev)
				}
			}
			if got := dump(t, s); !mapsEqual(got, tc.want) {
				t.Errorf("contents = %v, want %v", got, tc.want)
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func testGet(t *testing.T, open opener) {
	s := open(t)
	ctx := context.Background()
	base := baseRev(t, s)
	if _, err := s.Commit(ctx, nil, []Op{put("a", "1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, nil, []Op{put("b", "2"), del("gone")}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		key    string
		wantOK bool
		want   KV
	}{
		{key: "a", wantOK: true, want: KV{Key: "a", Value: []byte("1"), ModRev: base + 1}},
		{key: "b", wantOK: true, want: KV{Key: "b", Value: []byte("2"), ModRev: base + 2}},
		{key: "gone"},
		{key: "never"},
		{key: "a0"},
		{key: ""},
	}
	for _, tc := range cases {
		kv, ok, err := s.Get(ctx, tc.key)
		if err != nil {
			t.Fatalf("Get(%q): %v", tc.key, err)
		}
		if ok != tc.wantOK || kv.Key != tc.want.Key || !bytes.Equal(kv.Value, tc.want.Value) || kv.ModRev != tc.want.ModRev {
			t.Errorf("Get(%q) = %+v, %v; want %+v, %v", tc.key, kv, ok, tc.want, tc.wantOK)
		}
	}
}

// testGetReturnsACopy checks that a caller may keep and modify a returned value: bbolt's
// values live in the memory map and are only valid inside the transaction.
func testGetReturnsACopy(t *testing.T, open opener) {
	s := open(t)
	ctx := context.Background()
	if _, err := s.Commit(ctx, nil, []Op{put("a", "abc")}); err != nil {
		t.Fatal(err)
	}
	kv, _, _ := s.Get(ctx, "a")
	kv.Value[0] = 'X'
	kvs, _, _ := s.List(ctx, "a")
	kvs[0].Value[1] = 'Y'
	if kv, _, _ := s.Get(ctx, "a"); string(kv.Value) != "abc" {
		t.Errorf("stored value = %q after modifying a returned copy, want abc", kv.Value)
	}
}

func testList(t *testing.T, open opener) {
	s := open(t)
	ctx := context.Background()
	base := baseRev(t, s)
	keys := []string{"a", "a/x", "a/y/z", "ab", "abc", "ab\xff", "ac", "b", "\xff\xff"}
	// Write in reverse so that key order cannot come from insertion order.
	for _, k := range slices.Backward(keys) {
		if _, err := s.Commit(ctx, nil, []Op{put(k, "v:"+k)}); err != nil {
			t.Fatal(err)
		}
	}
	wantRev := base + int64(len(keys))
	cases := []struct {
		prefix string
		want   []string
	}{
		{prefix: "", want: keys},
		{prefix: "a", want: []string{"a", "a/x", "a/y/z", "ab", "abc", "ab\xff", "ac"}},
		{prefix: "a/", want: []string{"a/x", "a/y/z"}},
		{prefix: "ab", want: []string{"ab", "abc", "ab\xff"}},
		{prefix: "ab\xff", want: []string{"ab\xff"}},
		{prefix: "abc", want: []string{"abc"}},
		{prefix: "abcd", want: nil},
		{prefix: "aa", want: nil},
		{prefix: "b", want: []string{"b"}},
		{prefix: "c", want: nil},
		{prefix: "\xff", want: []string{"\xff\xff"}},
		{prefix: "\xff\xff\xff", want: nil},
	}
	for _, tc := range cases {
		kvs, rev, err := s.List(ctx, tc.prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", tc.prefix, err)
		}
		var got []string
		for _, kv := range kvs {
			got = append(got, kv.Key)
			if string(kv.Value) != "v:"+kv.Key {
				t.Errorf("List(%q): %q has value %q", tc.prefix, kv.Key, kv.Value)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("List(%q) = %q, want %q", tc.prefix, got, tc.want)
		}
		if rev != wantRev {
			t.Errorf("List(%q) rev = %d, want %d", tc.prefix, rev, wantRev)
		}
	}
}

func testRevisionsIncrease(t *testing.T, open opener) {
	s := open(t)
	ctx := context.Background()
	var last int64
	for i := range 30 {
		key := fmt.Sprintf("k%d", i%4)
		rev, err := s.Commit(ctx, nil, []Op{put(key, "v")})
		if err != nil {
			t.Fatal(err)
		}
		if rev <= last {
			t.Fatalf("commit %d: rev %d after %d", i, rev, last)
		}
		last = rev
		kv, _, _ := s.Get(ctx, key)
		if kv.ModRev != rev {
			t.Fatalf("commit %d: Get ModRev = %d, want %d", i, kv.ModRev, rev)
		}
		if _, listRev, _ := s.List(ctx, "none"); listRev != rev {
			t.Fatalf("commit %d: List rev = %d, want %d", i, listRev, rev)
		}
	}
}

func testClosed(t *testing.T, open opener) {
	s := open(t)
	ctx := context.Background()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if _, _, err := s.Get(ctx, "a"); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close = %v, want ErrClosed", err)
	}
	if _, _, err := s.List(ctx, "a"); !errors.Is(err, ErrClosed) {
		t.Errorf("List after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Commit(ctx, nil, []Op{put("a", "1")}); !errors.Is(err, ErrClosed) {
		t.Errorf("Commit after Close = %v, want ErrClosed", err)
	}
	ch := s.Watch(ctx, "", 0)
	select {
	case _, ok := <-ch:
		if ok {
			t.Error("Watch after Close delivered an event")
		}
	case <-time.After(5 * time.Second):
		t.Error("Watch after Close returned an open channel")
	}
}

func testCanceledContext(t *testing.T, open opener) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Commit(ctx, nil, []Op{put("a", "1")}); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit = %v, want context.Canceled", err)
	}
	if _, _, err := s.Get(ctx, "a"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get = %v, want context.Canceled", err)
	}
	if _, _, err := s.List(ctx, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("List = %v, want context.Canceled", err)
	}
	if got := dump(t, s); len(got) != 0 {
		t.Errorf("contents = %v, want empty", got)
	}
}
