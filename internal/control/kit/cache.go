package kit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"

	"vpcd/internal/ec2"
	"vpcd/internal/store"
)

// cache keeps the decoded records of each (account, region, kind) that has been described,
// with an index of the filters that pick few records, so that a Describe with a filter
// costs the same among 100 or 100,000 resources. It is derived state: loaded from the
// store on first use, then kept current from the store's watch (follow), so that API
// servers sharing one store agree. A commit of this process is also applied at once,
// before the commit returns (see txn.commit), so that a client reads its own writes
// without waiting for the watch; the watch's copy of it, and any event older than what a
// record already holds, is then ignored by revision. Records in it are shared and never
// modified.
type cache struct {
	Mu        sync.Mutex
	Kinds     map[string]*cachedKind // by store prefix: "account/region/kind/"
	following bool                   // the watch runs (see follow)
}

type cachedKind struct {
	Mu      sync.RWMutex
	decode  func([]byte) (Record, error)
	indexed map[string]func(Record) []string
	recs    map[string]cachedRecord // by ID; nil until loaded
	listed  int64                   // the store's revision when the kind was listed: older events are in the listing
	deleted map[string]int64        // ID → revision of its delete, so a late older write cannot revive it
	index   map[string]map[string]map[string]struct{}
}

type cachedRecord struct {
	rev int64
	rec Record
}

// indexedFilter reports whether a filter is worth an index: the IDs of the resource and of
// its relations, which pick one or a few records. Names like owner-id or state would hold
// every record under one value and are left to the scan.
func indexedFilter(name string) bool {
	return strings.HasSuffix(name, "-id") && name != "owner-id"
}

// kindOfPrefix is "subnet" for "123456789012/us-east-1/subnet/".
func kindOfPrefix(prefix string) string {
	parts := strings.Split(prefix, "/")
	return parts[len(parts)-2]
}

// LoadKind returns the cached kind of prefix, reading it from the store the first time.
// The index keeps the filter functions of the first call: those of indexed names must be
// pure functions of the record.
func LoadKind[R any, P interface {
	*R
	Record
}](ctx context.Context, s *Kit, prefix string, filters map[string]func(*R) []string) (*cachedKind, error) {
	s.Cache.Mu.Lock()
	if s.Cache.Kinds == nil {
		s.Cache.Kinds = map[string]*cachedKind{}
	}
	if !s.Cache.following {
		// The watch starts before the first listing, so that no change after a
		// listing is missed.
		s.Cache.following = true
		go s.Cache.follow(s.Store, watchStore(s.Store))
	}
	k := s.Cache.Kinds[prefix]
	if k == nil {
		k = &cachedKind{
			decode: func(raw []byte) (Record, error) {
				r := P(new(R))
				return r, json.Unmarshal(raw, r)
			},
			indexed: map[string]func(Record) []string{},
		}
		for name, f := range filters {
			if indexedFilter(name) {
				k.indexed[name] = func(r Record) []string { return f(r.(P)) }
			}
		}
		s.Cache.Kinds[prefix] = k
	}
	s.Cache.Mu.Unlock()

	k.Mu.Lock()
	defer k.Mu.Unlock()
	if k.recs != nil {
		return k, nil
	}
	if err := k.load(ctx, s.Store, prefix); err != nil {
		return nil, err
	}
	return k, nil
}

// load lists the kind from the store; k.mu is held, which orders the load with commits
// and events that apply to this kind: one the list missed applies after it.
func (k *cachedKind) load(ctx context.Context, st store.Store, prefix string) error {
	kvs, rev, err := st.List(ctx, prefix)
	if err != nil {
		return err
	}
	k.listed = rev
	k.recs = make(map[string]cachedRecord, len(kvs))
	k.deleted = map[string]int64{}
	k.index = map[string]map[string]map[string]struct{}{}
	for _, kv := range kvs {
		rec, err := k.decode(kv.Value)
		if err != nil {
			return fmt.Errorf("decode %s: %w", kv.Key, err)
		}
		k.put(cachedRecord{rev: kv.ModRev, rec: rec})
	}
	return nil
}

// put adds or replaces a record; k.mu is held.
func (k *cachedKind) put(cr cachedRecord) {
	id := cr.rec.Base().ID
	if old, ok := k.recs[id]; ok {
		k.unindex(old.rec)
	}
	k.recs[id] = cr
	k.walkIndex(cr.rec, func(name, value string) {
		byValue := k.index[name]
		if byValue == nil {
			byValue = map[string]map[string]struct{}{}
			k.index[name] = byValue
		}
		ids := byValue[value]
		if ids == nil {
			ids = map[string]struct{}{}
			byValue[value] = ids
		}
		ids[id] = struct{}{}
	})
}

func (k *cachedKind) unindex(rec Record) {
	id := rec.Base().ID
	k.walkIndex(rec, func(name, value string) {
		if ids := k.index[name][value]; ids != nil {
			delete(ids, id)
			if len(ids) == 0 {
				delete(k.index[name], value)
			}
		}
	})
}

func (k *cachedKind) walkIndex(rec Record, fn func(name, value string)) {
	for name, f := range k.indexed {
		for _, v := range f(rec) {
			fn(name, v)
		}
	}
	for key, v := range rec.Base().Tags {
		fn("tag:"+key, v)
	}
}

// apply brings the cache up to a commit of this process.
func (c *cache) apply(rev int64, writes map[string][]byte) {
	c.Mu.Lock()
	kinds := c.Kinds
	c.Mu.Unlock()
	if kinds == nil {
		return
	}
	for key, raw := range writes {
		i := strings.LastIndexByte(key, '/')
		c.Mu.Lock()
		k := kinds[key[:i+1]]
		c.Mu.Unlock()
		if k == nil {
			continue
		}
		k.apply(rev, key[i+1:], raw)
	}
}

func (k *cachedKind) apply(rev int64, id string, raw []byte) {
	k.Mu.Lock()
	defer k.Mu.Unlock()
	if k.recs == nil || rev <= k.listed {
		return // not loaded yet, or older than the listing: the listing has it
	}
	if old, ok := k.recs[id]; ok && old.rev >= rev {
		return
	}
	if del, ok := k.deleted[id]; ok && del >= rev {
		return
	}
	if raw == nil {
		if old, ok := k.recs[id]; ok {
			k.unindex(old.rec)
			delete(k.recs, id)
		}
		k.deleted[id] = rev
		return
	}
	rec, err := k.decode(raw)
	if err != nil {
		// The store holds what we just encoded; a decode failure is a bug. Drop the
		// record so that readers do not see a stale one.
		if old, ok := k.recs[id]; ok {
			k.unindex(old.rec)
			delete(k.recs, id)
		}
		return
	}
	k.put(cachedRecord{rev: rev, rec: rec})
}

// Get is the record with the ID, if the kind holds it.
func (k *cachedKind) Get(id string) (Record, bool) {
	k.Mu.RLock()
	defer k.Mu.RUnlock()
	cr, ok := k.recs[id]
	return cr.rec, ok
}

// Len is how many records the kind holds.
func (k *cachedKind) Len() int {
	k.Mu.RLock()
	defer k.Mu.RUnlock()
	return len(k.recs)
}

// watchStore is where the cache watches the store: every key, from now on. It is the
// one call of Watch in the cache.
func watchStore(st store.Store) <-chan store.Event {
	return st.Watch(context.Background(), "", 0)
}

// follow applies the store's changes to the loaded kinds, for as long as the store is
// open: the store closes the watch when it closes. A watch the store drops (this cache
// fell too far behind) is started again, and every loaded kind is listed again, since
// events were lost.
func (c *cache) follow(st store.Store, events <-chan store.Event) {
	for {
		for e := range events {
			if e.Err != nil {
				break // the history is gone (compacted): the channel closes, list again
			}
			i := strings.LastIndexByte(e.Key, '/')
			c.Mu.Lock()
			k := c.Kinds[e.Key[:i+1]]
			c.Mu.Unlock()
			if k == nil {
				continue
			}
			var raw []byte
			if !e.Delete {
				raw = e.Value
			}
			k.apply(e.Rev, e.Key[i+1:], raw)
		}
		if _, _, err := st.Get(context.Background(), ""); errors.Is(err, store.ErrClosed) {
			return
		}
		events = watchStore(st)
		c.Mu.Lock()
		kinds := maps.Clone(c.Kinds)
		c.Mu.Unlock()
		for prefix, k := range kinds {
			k.Mu.Lock()
			if k.recs != nil {
				if err := k.load(context.Background(), st, prefix); err != nil {
					// The store is closing; a later use lists again.
					k.recs, k.index, k.deleted = nil, nil, nil
				}
			}
			k.Mu.Unlock()
		}
	}
}

// Query returns the records that pass the filters, in ID order. When a filter on an
// indexed name has no wildcard, only the records the index gives for its values are
// checked; otherwise every record is.
func (k *cachedKind) Query(filters []ec2.Filter, pass func(Record) bool) []Record {
	k.Mu.RLock()
	defer k.Mu.RUnlock()
	var candidates map[string]struct{}
	narrowed := false
	for _, f := range filters {
		name := Deref(f.Name)
		if _, ok := k.indexed[name]; !ok && !strings.HasPrefix(name, "tag:") {
			continue
		}
		if hasWildcard(f.Values) {
			continue
		}
		set := map[string]struct{}{}
		for _, v := range f.Values {
			for id := range k.index[name][v] {
				set[id] = struct{}{}
			}
		}
		if !narrowed || len(set) < len(candidates) {
			candidates, narrowed = set, true
		}
	}
	var out []Record
	if narrowed {
		for id := range candidates {
			if r := k.recs[id].rec; pass(r) {
				out = append(out, r)
			}
		}
	} else {
		for _, cr := range k.recs {
			if pass(cr.rec) {
				out = append(out, cr.rec)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Base().ID < out[j].Base().ID })
	return out
}

func hasWildcard(values []string) bool {
	for _, v := range values {
		if strings.ContainsAny(v, `*?\`) {
			return true
		}
	}
	return false
}
