package hosts

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"vpcd/internal/store"
)

// Registry is the live hosts, kept current from the store's watch, so that an API server
// reads them at every RunInstances without a round trip to etcd. It is derived state: a
// listing, then the watch from the listing's revision; when the watch ends (compacted,
// fallen behind, etcd gone), it lists again.
type Registry struct {
	log     *slog.Logger
	mu      sync.RWMutex
	hosts   map[string]Host
	changed chan struct{} // closed at the next change, then replaced
	synced  chan struct{} // closed after the first listing
}

// Follow returns the registry of st's live hosts, followed until ctx ends.
func Follow(ctx context.Context, st store.Store, log *slog.Logger) *Registry {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Registry{log: log, hosts: map[string]Host{}, changed: make(chan struct{}), synced: make(chan struct{})}
	go r.follow(ctx, st)
	return r
}

// WaitSynced waits for the first listing, so that an empty registry means no live host
// rather than not read yet.
func (r *Registry) WaitSynced(ctx context.Context) error {
	select {
	case <-r.synced:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Live returns the live hosts, sorted by ID.
func (r *Registry) Live() []Host {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Host, 0, len(r.hosts))
	for _, h := range r.hosts {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Get returns the live host of that ID.
func (r *Registry) Get(id string) (Host, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	h, ok := r.hosts[id]
	return h, ok
}

// Changed is closed at the next change of the live hosts: a reader waits on it, then
// reads Live and Changed again.
func (r *Registry) Changed() <-chan struct{} {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.changed
}

func (r *Registry) follow(ctx context.Context, st store.Store) {
	first := true
	for ctx.Err() == nil {
		kvs, rev, err := st.List(ctx, Prefix)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("hosts: list the live hosts", "err", err)
			}
			sleep(ctx, time.Second)
			continue
		}
		all := map[string]Host{}
		for _, kv := range kvs {
			if h, ok := r.decode(kv.Key, kv.Value); ok {
				all[h.ID] = h
			}
		}
		r.set(func(m map[string]Host) { clear(m); copyHosts(m, all) })
		if first {
			close(r.synced)
			first = false
		}
		for ev := range st.Watch(ctx, Prefix, rev) {
			if ev.Err != nil {
				break
			}
			id := strings.TrimPrefix(ev.Key, Prefix)
			if ev.Delete {
				r.set(func(m map[string]Host) { delete(m, id) })
			} else if h, ok := r.decode(ev.Key, ev.Value); ok {
				r.set(func(m map[string]Host) { m[h.ID] = h })
			}
		}
		// The watch ended: list again, not in a tight loop while etcd has no leader.
		sleep(ctx, 100*time.Millisecond)
	}
}

func copyHosts(dst, src map[string]Host) {
	for k, v := range src {
		dst[k] = v
	}
}

// decode reads a host record, logging one that does not read as one.
func (r *Registry) decode(key string, value []byte) (Host, bool) {
	h, err := decodeHost(value)
	if err != nil || Key(h.ID) != key {
		r.log.Warn("hosts: ignoring a malformed host record", "key", key, "err", err)
		return Host{}, false
	}
	return h, true
}

// set changes the hosts under the lock and wakes the readers of Changed.
func (r *Registry) set(change func(map[string]Host)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	change(r.hosts)
	close(r.changed)
	r.changed = make(chan struct{})
}
