package kit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"time"

	"vpcd/internal/ec2"
	"vpcd/internal/store"
)

// Txn is one optimistic transaction: it remembers the revision of every key it reads by
// key and buffers its writes; commit succeeds only if no read key changed meanwhile.
//
// A listing proves nothing at commit time: a key added under the prefix after the list
// (a phantom) is not among the keys read, and comparing every listed key would make any
// two writers that list the same kind conflict, and make transactions larger than etcd's
// 128 operations. So list records no compare, and an invariant over a set of records is
// guarded by a key that every writer of the set reads and writes:
//
//   - a uniqueness key per name (securitygroup.go: one per VPC and group name), which a
//     second creator of the same name finds present, or conflicts on when both create it;
//   - a parent's children key (children.go), which every creation, deletion or
//     reshaping of a VPC's children bumps, so that checks over the siblings (CIDR
//     overlap, per-VPC quotas, "no child left" for DeleteVpc) conflict with a
//     concurrent change of the siblings without comparing each of them;
//   - a guard key (txn.guard) for a set no record holds: the route tables that may hold
//     a subnet's association, the NAT gateways of a zone (quota), the peerings of a pair
//     of VPCs;
//   - the record itself, for references: whoever adds a reference to X reads X by key,
//     and whoever deletes X writes it, so the two conflict;
//   - a record found by a listing and then written is compared (see list), so that
//     modifying it is never a lost update.
//
// Left as listings without a guard, as they were phantoms before too: the lookups of
// ClientToken (a client does not send one token twice at once) and the region-wide
// quotas of security groups and instances (a guard would make every creation in the
// region conflict; they may be passed by the number of concurrent creators).
//
// Writers of the same key are queued in this process (see updateOn) so that they do not
// even conflict; writers in other processes (another API server on the same store)
// conflict, and retry with a jittered backoff until the request's deadline.
type Txn struct {
	ctx    context.Context
	st     store.Store
	cache  *cache
	reads  map[string]int64
	listed map[string]int64  // revisions seen by list; compared only for the keys written
	writes map[string][]byte // nil value: delete
}

func (s *Kit) newTxn(ctx context.Context) *Txn {
	return &Txn{ctx: ctx, st: s.Store, cache: &s.Cache, reads: map[string]int64{}, listed: map[string]int64{}, writes: map[string][]byte{}}
}

// defaultWriteTimeout bounds the retries of a request that came without a deadline.
const defaultWriteTimeout = 30 * time.Second

// ErrStillConflicting is what a client sees when its write kept conflicting until its
// deadline: AWS's code for a temporary failure (HTTP 503), which the SDKs retry.
var ErrStillConflicting = &ec2.Error{Code: "ServiceUnavailable", Message: "The request has failed due to a temporary failure of the server.", Status: http.StatusServiceUnavailable}

// Update runs fn in a transaction and commits it, running fn again on a conflict after a
// jittered backoff, until the request's deadline.
func (s *Kit) Update(ctx context.Context, fn func(t *Txn) error) error {
	errs := s.runBatch(ctx, []func(t *Txn) error{fn})
	return errs[0]
}

// runBatch runs fns one after the other in one transaction and commits it; each fn sees
// the writes of those before it, as if they ran in sequence. A fn that fails leaves no
// write (its writes are rolled back to those before it) and gets its error; the others
// share the commit. On a conflict every fn runs again, after a backoff, until ctx's
// deadline (or defaultWriteTimeout).
func (s *Kit) runBatch(ctx context.Context, fns []func(t *Txn) error) []error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultWriteTimeout)
		defer cancel()
	}
	errs := make([]error, len(fns))
	backoff := minBackoff
	conflicted := false
	// A deadline met after a conflict (in a read, or in the commit) is the conflict's
	// doing: the client sees errStillConflicting rather than an internal error.
	defer func() {
		for i, err := range errs {
			if conflicted && errors.Is(err, context.DeadlineExceeded) {
				errs[i] = ErrStillConflicting
			}
		}
	}()
	for {
		t := s.newTxn(ctx)
		for i, fn := range fns {
			saved := maps.Clone(t.writes)
			errs[i] = fn(t)
			if errs[i] != nil {
				t.writes = saved
			}
		}
		err := t.commit()
		if err == nil {
			return errs
		}
		if !errors.Is(err, store.ErrConflict) {
			for i := range errs {
				if errs[i] == nil {
					errs[i] = err
				}
			}
			return errs
		}
		conflicted = true
		// Sleep a random time in [backoff/2, backoff): writers that conflicted together
		// do not come back together.
		d := backoff/2 + rand.N(backoff/2)
		select {
		case <-ctx.Done():
			for i := range errs {
				errs[i] = ErrStillConflicting
			}
			return errs
		case <-time.After(d):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// The backoff between attempts of a conflicting transaction doubles from minBackoff to
// maxBackoff: a commit takes 0.4-2 ms on the embedded store, so the first retries come
// after about one commit, and a long queue of writers in other processes is polled every
// ~10 ms.
const (
	minBackoff = 200 * time.Microsecond
	maxBackoff = 20 * time.Millisecond
)

// View runs fn over a read-only transaction.
func (s *Kit) View(ctx context.Context, fn func(t *Txn) error) error {
	return fn(s.newTxn(ctx))
}

// Get reads key into v and reports whether it exists; the transaction's own writes win.
// The commit requires the key unchanged (or still absent).
func (t *Txn) Get(key string, v any) (bool, error) { return t.read(key, v, t.reads) }

// Peek reads key into v like get, but the commit compares the key only if the
// transaction writes it (as for a listed key, see list). It is for a record whose changes
// the caller guards by another key: a child creation peeks at its VPC (whose deletion and
// CIDR changes bump the children key the creation reads), so that tagging the VPC does
// not conflict with creating in it.
func (t *Txn) Peek(key string, v any) (bool, error) { return t.read(key, v, t.listed) }

// read reads key into v and records its revision in revs, unless already recorded.
func (t *Txn) read(key string, v any, revs map[string]int64) (bool, error) {
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
	if _, seen := revs[key]; !seen {
		revs[key] = kv.ModRev // 0 when absent: commit then requires it still absent
	}
	if !ok {
		return false, nil
	}
	return true, json.Unmarshal(kv.Value, v)
}

// List calls fn with the raw value of every key under prefix, including this
// transaction's writes, in key order. It records no compare for what it lists (see txn):
// an invariant that depends on the listing must read a key that guards it. A listed
// record that the transaction then writes is compared as if read by key, so that a
// record found by a listing and modified is not a lost update.
func (t *Txn) List(prefix string, fn func(key string, raw []byte) error) error {
	kvs, _, err := t.st.List(t.ctx, prefix)
	if err != nil {
		return err
	}
	merged := map[string][]byte{}
	for _, kv := range kvs {
		merged[kv.Key] = kv.Value
		if _, seen := t.listed[kv.Key]; !seen {
			t.listed[kv.Key] = kv.ModRev
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

// ListAll decodes every record under prefix into a new T each.
func ListAll[T any](t *Txn, prefix string) ([]*T, error) {
	var out []*T
	err := t.List(prefix, func(key string, raw []byte) error {
		v := new(T)
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

func (t *Txn) Put(key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	t.writes[key] = raw
	return nil
}

func (t *Txn) Del(key string) { t.writes[key] = nil }

func (t *Txn) commit() error {
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
		if _, read := t.reads[k]; !read {
			if rev, ok := t.listed[k]; ok {
				cmps = append(cmps, store.Cmp{Key: k, ModRev: rev})
			}
		}
	}
	rev, err := t.st.Commit(t.ctx, cmps, ops)
	if err != nil {
		return err
	}
	t.cache.apply(rev, t.writes)
	return nil
}

// CountNew is how many keys under prefix the transaction creates or rewrites: the records
// a count taken outside the transaction (a cache) does not hold yet.
func CountNew(t *Txn, prefix string) int {
	n := 0
	for k, v := range t.writes {
		if v != nil && strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

// Guard reads and bumps a version key: two transactions that guard the same key
// conflict, whatever else they read. It stands for a set that no single key holds (the
// route tables that may hold a subnet's association), where comparing the set would miss
// its new members. The key needs no initial value: absent is version 0, so records
// stored before a guard existed need nothing.
func (t *Txn) Guard(key string) error {
	var version int64
	if _, err := t.Get(key, &version); err != nil {
		return err
	}
	return t.Put(key, version+1)
}
