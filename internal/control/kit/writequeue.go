package kit

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// writeQueues serialises, within this process, the writers of one key (a resource, or a
// parent whose children key they all bump), and commits those that queued up meanwhile
// together in one transaction: 16 clients tagging one VPC then cost one commit per
// round instead of 16 commits of which 15 conflict. Writers of different keys do not
// wait for each other; their commits still share the store's batches.
type writeQueues struct {
	mu    sync.Mutex
	byKey map[string]*writeQueue
	// rounds and written count the rounds run and the writers in them, for benchmarks.
	Rounds, Written atomic.Int64
}

type writeQueue struct {
	waiting []*queuedWrite
}

type queuedWrite struct {
	ctx  context.Context
	fn   func(t *Txn) error
	err  error
	lead bool          // set before done is closed: this writer runs the next round
	done chan struct{} // closed when err is set or lead is
}

// maxCombined bounds the writers committed in one transaction, so that the transaction
// stays well under etcd's default limit of 128 operations (a security group creation
// writes 3 keys, one of them shared).
const maxCombined = 16

// UpdateOn is update for a writer of key: it waits for the writers of key ahead of it
// and commits with those queued meanwhile. An empty key queues nothing.
func (s *Kit) UpdateOn(ctx context.Context, key string, fn func(t *Txn) error) error {
	if key == "" {
		return s.Update(ctx, fn)
	}
	q := &s.Queues
	w := &queuedWrite{ctx: ctx, fn: fn, done: make(chan struct{})}
	q.mu.Lock()
	if q.byKey == nil {
		q.byKey = map[string]*writeQueue{}
	}
	wq := q.byKey[key]
	if wq == nil {
		// No writer of key runs: this one leads.
		wq = &writeQueue{}
		q.byKey[key] = wq
		w.lead = true
	}
	wq.waiting = append(wq.waiting, w)
	q.mu.Unlock()
	if !w.lead {
		// A writer that gives up while queued would leave the leader a dead entry;
		// it waits for its round, where its own fn returns ctx's error at once.
		<-w.done
		if !w.lead {
			return w.err
		}
	}
	s.leadWrites(key, wq)
	return w.err
}

// leadWrites runs one round of key's queue: the writers waiting (the leader first), up
// to maxCombined, in one transaction. Then it hands the lead to the first writer still
// waiting, or removes the queue.
func (s *Kit) leadWrites(key string, wq *writeQueue) {
	q := &s.Queues
	// A leader that finds itself alone most often follows a round whose writers are
	// about to come back with their next write: giving them the processor first makes
	// the round theirs too, rather than one commit for one writer.
	q.mu.Lock()
	alone := len(wq.waiting) == 1
	q.mu.Unlock()
	if alone {
		runtime.Gosched()
	}
	q.mu.Lock()
	n := min(len(wq.waiting), maxCombined)
	round := wq.waiting[:n:n]
	wq.waiting = wq.waiting[n:]
	q.mu.Unlock()

	fns := make([]func(t *Txn) error, len(round))
	var deadline time.Time
	for i, w := range round {
		fns[i] = func(t *Txn) (err error) {
			// The fn of another request runs on this goroutine: its panic is its
			// own error (the API turns it into InternalError), not this leader's,
			// and the round goes on.
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic in a queued write: %v\n%s", r, debug.Stack())
				}
			}()
			if err := w.ctx.Err(); err != nil {
				return err
			}
			return w.fn(t)
		}
		if d, ok := w.ctx.Deadline(); ok && d.After(deadline) {
			deadline = d
		}
	}
	// The round outlives a writer whose request ends: the others still need the commit.
	// It ends at the latest deadline among them.
	ctx := context.WithoutCancel(round[0].ctx)
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	errs := s.runBatch(ctx, fns)
	q.Rounds.Add(1)
	q.Written.Add(int64(len(round)))

	q.mu.Lock()
	var next *queuedWrite
	if len(wq.waiting) > 0 {
		next = wq.waiting[0]
		next.lead = true
	} else {
		delete(q.byKey, key)
	}
	q.mu.Unlock()
	for i, w := range round {
		w.err = errs[i]
		if i > 0 {
			close(w.done)
		}
	}
	if next != nil {
		close(next.done)
	}
}

// queueKey is the queue of a writer of several resources: writers of the same set queue
// together (a single resource is by far the common case); writers of overlapping sets
// conflict in the store and retry.
func queueKey(ids []string) string {
	if len(ids) == 1 {
		return ids[0]
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	return strings.Join(slices.Compact(sorted), ",")
}
