package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
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
	db *bolt.DB

	mu       sync.Mutex
	watchers map[*watcher]struct{}
	closed   bool
}

type watcher struct {
	prefix string
	ch     chan Event
}

// watchBuffer is how many events a watcher may lag before it is dropped.
const watchBuffer = 4096

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
	return &Embedded{db: db, watchers: map[*watcher]struct{}{}}, nil
}

func decodeValue(key string, raw []byte) KV {
	v := make([]byte, len(raw)-8)
	copy(v, raw[8:])
	return KV{Key: key, Value: v, ModRev: int64(binary.BigEndian.Uint64(raw[:8]))}
}

func (s *Embedded) Get(ctx context.Context, key string) (kv KV, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketKV).Get([]byte(key))
		if raw != nil {
			kv, ok = decodeValue(key, raw), true
		}
		return nil
	})
	return kv, ok, err
}

func (s *Embedded) List(ctx context.Context, prefix string) (kvs []KV, rev int64, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		rev = readRev(tx)
		c := tx.Bucket(bucketKV).Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			kvs = append(kvs, decodeValue(string(k), v))
		}
		return nil
	})
	return kvs, rev, err
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
	var rev int64
	var events []Event
	// Batch may run the function twice when a batched neighbour fails, so it must not
	// keep state from a previous run.
	err := s.db.Batch(func(tx *bolt.Tx) error {
		kv := tx.Bucket(bucketKV)
		for _, c := range cmps {
			raw := kv.Get([]byte(c.Key))
			var have int64
			if raw != nil {
				have = int64(binary.BigEndian.Uint64(raw[:8]))
			}
			if have != c.ModRev {
				return ErrConflict
			}
		}
		rev = readRev(tx) + 1
		events = events[:0]
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
			events = append(events, Event{Rev: rev, Key: op.Key, Value: op.Value})
		}
		return tx.Bucket(bucketMeta).Put(keyRev, revBytes[:])
	})
	if err != nil {
		if err == ErrConflict {
			return 0, err
		}
		return 0, fmt.Errorf("commit: %w", err)
	}
	s.notify(events)
	return rev, nil
}

// notify runs after the commit is durable. Commits batched together notify in any order
// among themselves, but each watcher sees revisions of one key in order because a key's
// writers conflict with each other.
func (s *Embedded) notify(events []Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
watchers:
	for w := range s.watchers {
		for _, e := range events {
			if !strings.HasPrefix(e.Key, w.prefix) {
				continue
			}
			select {
			case w.ch <- e:
			default:
				// Too far behind: close it so that its owner lists again.
				delete(s.watchers, w)
				close(w.ch)
				continue watchers
			}
		}
	}
}

func (s *Embedded) Watch(ctx context.Context, prefix string) <-chan Event {
	w := &watcher{prefix: prefix, ch: make(chan Event, watchBuffer)}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		close(w.ch)
		return w.ch
	}
	s.watchers[w] = struct{}{}
	s.mu.Unlock()
	go func() {
		<-ctx.Done()
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.watchers[w]; ok {
			delete(s.watchers, w)
			close(w.ch)
		}
	}()
	return w.ch
}

func (s *Embedded) Close() error {
	s.mu.Lock()
	s.closed = true
	for w := range s.watchers {
		delete(s.watchers, w)
		close(w.ch)
	}
	s.mu.Unlock()
	return s.db.Close()
}
