package store

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// increment adds one to the counter at key with a read-modify-write transaction, retrying
// on conflict the way internal/control does.
func increment(ctx context.Context, s Store, key string) (conflicts int, err error) {
	for {
		kv, _, err := s.Get(ctx, key)
		if err != nil {
			return conflicts, err
		}
		n := 0
		if kv.ModRev != 0 {
			if n, err = strconv.Atoi(string(kv.Value)); err != nil {
				return conflicts, err
			}
		}
		_, err = s.Commit(ctx, []Cmp{{Key: key, ModRev: kv.ModRev}}, []Op{put(key, strconv.Itoa(n+1))})
		if errors.Is(err, ErrConflict) {
			conflicts++
			continue
		}
		return conflicts, err
	}
}

// testNoLostUpdate runs concurrent read-modify-write increments of one counter: with
// compare-on-ModRev and retry, every increment lands exactly once.
func testNoLostUpdate(t *testing.T, open opener) {
	workers, each := 16, 200
	if testing.Short() {
		each = 20
	}
	s := open(t)
	ctx := context.Background()
	base := baseRev(t, s)
	var conflicts atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				c, err := increment(ctx, s, "counter")
				conflicts.Add(int64(c))
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	kv, _, err := s.Get(ctx, "counter")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(kv.Value), strconv.Itoa(workers*each); got != want {
		t.Errorf("counter = %s, want %s", got, want)
	}
	// Every successful commit wrote the counter, so its ModRev counts them.
	if kv.ModRev != base+int64(workers*each) {
		t.Errorf("counter ModRev = base+%d, want base+%d", kv.ModRev-base, workers*each)
	}
	t.Logf("%d increments, %d conflicts retried", workers*each, conflicts.Load())
}

// testConflictAmongConcurrentWriters checks that of many writers comparing the same
// revision exactly one wins, and that a loser writes nothing. In the embedded store, it is
// a commit that conflicts inside a bbolt batch and must not disturb the commits batched
// with it.
func testConflictAmongConcurrentWriters(t *testing.T, open opener) {
	s := open(t)
	ctx := context.Background()
	base := baseRev(t, s)
	if _, err := s.Commit(ctx, nil, []Op{put("hot", "0")}); err != nil {
		t.Fatal(err)
	}
	const n = 32
	var wins, losses atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			// All compare the same revision: exactly one may win. Each also writes its
			// own key, which must exist exactly when the commit succeeded.
			_, err := s.Commit(ctx, []Cmp{{Key: "hot", ModRev: base + 1}},
				[]Op{put("hot", strconv.Itoa(i)), put("own/"+strconv.Itoa(i), "x")})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, ErrConflict):
				losses.Add(1)
			default:
				t.Error(err)
			}
			_, ok, _ := s.Get(ctx, "own/"+strconv.Itoa(i))
			if ok != (err == nil) {
				t.Errorf("writer %d: commit error %v but own key present = %v", i, err, ok)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || losses.Load() != n-1 {
		t.Errorf("%d wins and %d conflicts, want 1 and %d", wins.Load(), losses.Load(), n-1)
	}
	if _, rev, _ := s.List(ctx, ""); rev != base+2 {
		t.Errorf("store rev = base+%d, want base+2", rev-base)
	}
}
