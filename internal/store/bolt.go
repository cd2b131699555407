package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var (
	bucketKV   = []byte("kv")
	bucketMeta = []byte("meta")
	keyRev     = []byte("rev")
)

// Embedded is the default store: one bbolt file under the data directory. Each value is
// kept behind the 8-byte revision of the commit that wrote it. bbolt syncs the file before
// a transaction returns, so an acknowledged Commit survives kill -9; concurrent commits are
// batched into one sync.
type Embedded struct {
	db       *bolt.DB
	inflight atomic.Int64 // commits between entry and return

	mu       sync.Mutex
	watchers map[*watcher]struct{}
	closed   bool
	// Commits return from bbolt in any order (those batched into one transaction, and
	// those of back-to-back transactions), but watchers must see revisions in order.
	// delivered is the last revision handed to watchers; pending holds the events of
	// durable commits that wait for an earlier revision's caller to deliver it first.
	delivered int64
	pending   map[int64][]Event
	// history holds the events of the latest delivered revisions, oldest first, so that a
	// watcher can resume from a revision: every event with Rev > histFloor is in it. It
	// lives in memory only: a restart ends every watcher with its process, and what
	// starts again lists first, so history from before the restart would never be asked
	// for; persisting it would add a write to every commit for nothing. At open,
	// histFloor is the stored revision: a watch from earlier gets ErrCompacted.
	history   []Event
	histFloor int64
}

type watcher struct {
	prefix string
	after  int64 // events at or below are not sent: they came before the watch began
	ch     chan Event
	// stop is closed with ch, so that the goroutine waiting on the watcher's context
	// ends when the watcher is dropped or the store closes, not only when ctx ends.
	stop chan struct{}
}

// watchBuffer is how many events a watcher may lag before it is dropped. The history
// keeps as many, so that the events a resuming watcher replays always fit in its buffer.
const (
	watchBuffer = 4096
	historySize = watchBuffer
)

// OpenEmbedded opens (creating if needed) the store file in dir.
func OpenEmbedded(dir string) (*Embedded, error) {
	db, err := bolt.Open(filepath.Join(dir, "vpcd.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", dir, err)
	}
	// Batch commits that arrive within a millisecond of each other share one fsync.
	db.MaxBatchDelay = time.Millisecond
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketKV); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(bucketMeta)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("init store: %w", err)
	}
	var rev int64
	if err := db.View(func(tx *bolt.Tx) error { rev = readRev(tx); return nil }); err != nil {
		db.Close()
		return nil, fmt.Errorf("init store: %w", err)
	}
	return &Embedded{
		db:        db,
		watchers:  map[*watcher]struct{}{},
		delivered: rev,
		pending:   map[int64][]Event{},
		histFloor: rev,
	}, nil
}

// closedErr reports bbolt's error for a closed database as ErrClosed.
func closedErr(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

func decodeValue(key string, raw []byte) KV {
	v := make([]byte, len(raw)-8)
	copy(v, raw[8:])
	return KV{Key: key, Value: v, ModRev: int64(binary.BigEndian.Uint64(raw[:8]))}
}

func (s *Embedded) Get(ctx context.Context, key string) (kv KV, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return KV{}, false, err
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketKV).Get([]byte(key))
		if raw != nil {
			kv, ok = decodeValue(key, raw), true
		}
		return nil
	})
	return kv, ok, closedErr(err)
}

func (s *Embedded) List(ctx context.Context, prefix string) (kvs []KV, rev int64, err error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		rev = readRev(tx)
		c := tx.Bucket(bucketKV).Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			kvs = append(kvs, decodeValue(string(k), v))
		}
		return nil
	})
	return kvs, rev, closedErr(err)
}

// cmpsHold reports whether every compared key is at its expected revision.
func cmpsHold(tx *bolt.Tx, cmps []Cmp) bool {
	kv := tx.Bucket(bucketKV)
	for _, c := range cmps {
		raw := kv.Get([]byte(c.Key))
		var have int64
		if raw != nil {
			have = int64(binary.BigEndian.Uint64(raw[:8]))
		}
		if have != c.ModRev {
			return false
		}
	}
	return true
}

func readRev(tx *bolt.Tx) int64 {
	raw := tx.Bucket(bucketMeta).Get(keyRev)
	if raw == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(raw))
}

func (s *Embedded) Commit(ctx context.Context, cmps []Cmp, ops []Op) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// A stale read fails here, in a read transaction, without taking a place in a batch
	// or a sync; the write transaction compares again.
	if len(cmps) > 0 {
		var ok bool
		err := s.db.View(func(tx *bolt.Tx) error { ok = cmpsHold(tx, cmps); return nil })
		if err != nil {
			return 0, closedErr(err)
		}
		if !ok {
			return 0, ErrConflict
		}
	}
	var rev int64
	var events []Event
	var conflict, solo bool
	// Batch may run the function more than once (when a batched neighbour fails, the
	// batch is rolled back and run again), so each run starts from scratch.
	apply := func(tx *bolt.Tx) error {
		rev, events, conflict = 0, events[:0], false
		if !cmpsHold(tx, cmps) {
			if solo {
				return ErrConflict // rolls back: no sync
			}
			// Inside a batch, report the conflict without failing the transaction: an
			// error would roll back every commit batched with this one and make bbolt
			// run them again. Nothing is written yet.
			conflict = true
			return nil
		}
		kv := tx.Bucket(bucketKV)
		rev = readRev(tx) + 1
		var revBytes [8]byte
		binary.BigEndian.PutUint64(revBytes[:], uint64(rev))
		for _, op := range ops {
			if op.Delete {
				if err := kv.Delete([]byte(op.Key)); err != nil {
					return err
				}
				events = append(events, Event{Rev: rev, Key: op.Key, Delete: true})
				continue
			}
			val := make([]byte, 8+len(op.Value))
			copy(val, revBytes[:])
			copy(val[8:], op.Value)
			if err := kv.Put([]byte(op.Key), val); err != nil {
				return err
			}
			// The event shares val rather than op.Value, which the caller may reuse;
			// bbolt drops its reference to val when the transaction ends.
			events = append(events, Event{Rev: rev, Key: op.Key, Value: val[8:len(val):len(val)]})
		}
		return tx.Bucket(bucketMeta).Put(keyRev, revBytes[:])
	}
	// A lone commit runs at once: bbolt's Batch would first wait MaxBatchDelay for
	// neighbours that are not coming, which is most of a serial commit's latency. Commits
	// that overlap another in flight batch, so that one sync acknowledges many.
	var err error
	if s.inflight.Add(1) == 1 {
		solo = true
		err = s.db.Update(apply)
	} else {
		err = s.db.Batch(apply)
	}
	s.inflight.Add(-1)
	if err == ErrConflict {
		return 0, err
	}
	if err != nil {
		if err = closedErr(err); err == ErrClosed {
			return 0, err
		}
		return 0, fmt.Errorf("commit: %w", err)
	}
	if conflict {
		return 0, ErrConflict
	}
	s.notify(rev, events)
	return rev, nil
}

// notify runs after the commit of rev is durable. It delivers the events of rev and of
// every later revision already waiting, once all earlier revisions are delivered: each
// committed revision has a caller that reaches notify, so none waits forever. A watcher
// registered while a revision waits may receive that revision although it was committed
// before the Watch call; a watcher that listed first skips events at or below the List
// revision.
func (s *Embedded) notify(rev int64, events []Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending[rev] = events
	for {
		events, ok := s.pending[s.delivered+1]
		if !ok {
			return
		}
		delete(s.pending, s.delivered+1)
		s.delivered++
		s.fanOutLocked(events)
		s.rememberLocked(events)
	}
}

// rememberLocked appends a delivered revision's events to the history and forgets the
// oldest revisions, whole, beyond historySize events.
func (s *Embedded) rememberLocked(events []Event) {
	s.history = append(s.history, events...)
	if len(s.history) <= historySize {
		return
	}
	drop := len(s.history) - historySize
	floor := s.history[drop-1].Rev
	for drop < len(s.history) && s.history[drop].Rev == floor {
		drop++
	}
	s.histFloor = floor
	// Reslicing is amortized O(1): when append runs out of capacity, it moves the kept
	// events to a new array and the old one, with the dropped events, is freed.
	s.history = s.history[drop:]
}

func (s *Embedded) fanOutLocked(events []Event) {
watchers:
	for w := range s.watchers {
		for _, e := range events {
			if e.Rev <= w.after || !strings.HasPrefix(e.Key, w.prefix) {
				continue
			}
			select {
			case w.ch <- e:
			default:
				// Too far behind: close it so that its owner lists again.
				s.dropLocked(w)
				continue watchers
			}
		}
	}
}

// dropLocked removes w and closes its channel; s.mu is held, so no send can follow.
func (s *Embedded) dropLocked(w *watcher) {
	delete(s.watchers, w)
	close(w.ch)
	close(w.stop)
}

func (s *Embedded) Watch(ctx context.Context, prefix string, afterRev int64) <-chan Event {
	w := &watcher{prefix: prefix, after: afterRev, ch: make(chan Event, watchBuffer), stop: make(chan struct{})}
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		close(w.ch)
		return w.ch
	case afterRev > 0 && afterRev < s.histFloor:
		s.mu.Unlock()
		w.ch <- Event{Err: ErrCompacted}
		close(w.ch)
		return w.ch
	case afterRev == 0:
		w.after = s.delivered
	}
	// Replay the delivered events after afterRev; those not yet delivered (afterRev can
	// be ahead: List reads revisions that notify has not reached) follow live. The
	// history is no longer than the buffer, so the replay cannot block.
	for _, e := range s.history {
		if e.Rev > w.after && strings.HasPrefix(e.Key, prefix) {
			w.ch <- e
		}
	}
	s.watchers[w] = struct{}{}
	s.mu.Unlock()
	go func() {
		select {
		case <-ctx.Done():
		case <-w.stop:
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.watchers[w]; ok {
			s.dropLocked(w)
		}
	}()
	return w.ch
}

func (s *Embedded) Close() error {
	s.mu.Lock()
	s.closed = true
	for w := range s.watchers {
		s.dropLocked(w)
	}
	s.mu.Unlock()
	return s.db.Close()
}
