package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"vpcd/internal/store"
)

// txn is one optimistic transaction: it remembers the revision of every key it reads and
// buffers its writes; commit succeeds only if no read key changed meanwhile. A new key
// under a prefix is not seen as a conflict by a list, so code that depends on "no sibling
// was added" (a subnet that must not overlap another) also writes the parent (the VPC),
// which makes concurrent writers of the same parent conflict.
type txn struct {
	ctx    context.Context
	st     store.Store
	cache  *cache
	reads  map[string]int64
	writes map[string][]byte // nil value: delete
}

// maxAttempts bounds the retries of a transaction that keeps conflicting.
const maxAttempts = 50

// update runs fn in a transaction and commits it, running fn again on a conflict.
func (s *Service) update(ctx context.Context, fn func(t *txn) error) error {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		t := &txn{ctx: ctx, st: s.st, cache: &s.cache, reads: map[string]int64{}, writes: map[string][]byte{}}
		if err := fn(t); err != nil {
			return err
		}
		err := t.commit()
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		return err
	}
	return fmt.Errorf("transaction kept conflicting after %d attempts", maxAttempts)
}

// view runs fn over a read-only transaction.
func (s *Service) view(ctx context.Context, fn func(t *txn) error) error {
	t := &txn{ctx: ctx, st: s.st, cache: &s.cache, reads: map[string]int64{}, writes: map[string][]byte{}}
	return fn(t)
}

// get reads key into v and reports whether it exists; the transaction's own writes win.
func (t *txn) get(key string, v any) (bool, error) {
	if raw, ok := t.writes[key]; ok {
		if raw == nil {
			return false, nil
		}
		return true, json.Unmarshal(raw, v)
	}
	kv, ok, err := t.st.Get(t.ctx, key)
	if err != nil {
		return false, err
	}
	if _, seen := t.reads[key]; !seen {
		t.reads[key] = kv.ModRev // 0 when absent: commit then requires it still absent
	}
	if !ok {
		return false, nil
	}
	return true, json.Unmarshal(kv.Value, v)
}

// list calls fn with the raw value of every key under prefix, including this
// transaction's writes, in key order.
func (t *txn) list(prefix string, fn func(key string, raw []byte) error) error {
	kvs, _, err := t.st.List(t.ctx, prefix)
	if err != nil {
		return err
	}
	merged := map[string][]byte{}
	for _, kv := range kvs {
		merged[kv.Key] = kv.Value
		if _, seen := t.reads[kv.Key]; !seen {
			t.reads[kv.Key] = kv.ModRev
		}
	}
	for k, v := range t.writes {
		if strings.HasPrefix(k, prefix) {
			if v == nil {
				delete(merged, k)
			} else {
				merged[k] = v
			}
		}
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := fn(k, merged[k]); err != nil {
			return err
		}
	}
	return nil
}

// listAll decodes every record under prefix into a new T each.
func listAll[T any](t *txn, prefix string) ([]*T, error) {
	var out []*T
	err := t.list(prefix, func(key string, raw []byte) error {
		v := new(T)
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

func (t *txn) put(key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	t.writes[key] = raw
	return nil
}

func (t *txn) del(key string) { t.writes[key] = nil }

func (t *txn) commit() error {
	if len(t.writes) == 0 {
		return nil
	}
	cmps := make([]store.Cmp, 0, len(t.reads))
	for k, rev := range t.reads {
		cmps = append(cmps, store.Cmp{Key: k, ModRev: rev})
	}
	ops := make([]store.Op, 0, len(t.writes))
	for k, v := range t.writes {
		ops = append(ops, store.Op{Key: k, Value: v, Delete: v == nil})
	}
	rev, err := t.st.Commit(t.ctx, cmps, ops)
	if err != nil {
		return err
	}
	t.cache.apply(rev, t.writes)
	return nil
}
