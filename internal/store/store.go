// Package store is vpcd's source of truth: a small transactional key-value store with
// revisions and watch. Resource code in internal/control reads keys with their revisions and
// commits writes that succeed only if those revisions are unchanged (optimistic
// transactions), which is what etcd offers too. Two stores implement it: Embedded, one
// bbolt file for a single vpcd, and Etcd, a cluster that several vpcd API servers share.
// The conformance suite in store_test.go (testStore) runs against both.
package store

import (
	"context"
	"errors"
)

// ErrConflict is returned by Commit when a compared key changed since it was read.
var ErrConflict = errors.New("store: conflict")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("store: closed")

// ErrCompacted is the Err of the last event of a watch that asked for revisions the store
// no longer remembers: the reader must List again and watch from the List's revision.
var ErrCompacted = errors.New("store: revision compacted")

// KV is a key with its value and the revision of the commit that last wrote it.
type KV struct {
	Key    string
	Value  []byte
	ModRev int64
}

// Cmp requires that Key was last written at ModRev; ModRev 0 requires that Key is absent.
type Cmp struct {
	Key    string
	ModRev int64
}

// Op writes Value at Key, or deletes Key when Delete is set.
type Op struct {
	Key    string
	Value  []byte
	Delete bool
}

// Event is one change seen by a watcher. An event with Err set is the watch's last: it
// carries no change.
type Event struct {
	Rev    int64
	Key    string
	Value  []byte // nil for a delete
	Delete bool
	Err    error // ErrCompacted
}

// Store is the boundary between resource code and storage. Every method is safe for
// concurrent use. Commit is atomic and durable: when it returns nil, the write survives a
// crash of the process or the machine.
type Store interface {
	// Get returns the key, or ok false when it is absent.
	Get(ctx context.Context, key string) (kv KV, ok bool, err error)
	// List returns every key with the prefix, in key order, and the store's revision.
	List(ctx context.Context, prefix string) ([]KV, int64, error)
	// Commit applies ops atomically if every Cmp holds, else returns ErrConflict.
	// It returns the new revision (a commit that changes nothing, without ops or only
	// deleting absent keys, may leave the revision as it was). When one commit writes a key twice, the last op wins, and a watcher may see
	// only that one.
	Commit(ctx context.Context, cmps []Cmp, ops []Op) (int64, error)
	// Watch sends changes under prefix, in revision order, until ctx ends; then the
	// channel is closed. With afterRev 0 it sends those committed after the call; with
	// afterRev > 0, every change with Rev > afterRev, then live ones, so that a reader
	// that listed at revision R and watches from R misses nothing. When the store no
	// longer has the changes after afterRev, the watch sends one event whose Err is
	// ErrCompacted and closes. A watcher that falls far behind (thousands of unread
	// events) is also closed early, without an Err event. Either way, the reader must
	// List again and watch from the List's revision.
	Watch(ctx context.Context, prefix string, afterRev int64) <-chan Event
	Close() error
}
