package store

import (
	"context"
	"fmt"
	"math"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// PutLeased writes key, which must be absent, under a lease of ttl that this process keeps
// alive, and returns once the key is written. The key lives as long as the lease: it is
// deleted at once when ctx ends (the lease is revoked), and by etcd ttl after this process
// dies or loses etcd. lost is closed when the lease has ended, for whichever reason: the
// key is gone, or about to be, and the caller writes it again if it still holds. A key
// that exists (another holder's, or this one's from before a restart, not yet expired)
// fails with ErrConflict. This is how an agent says that its host is alive
// (internal/hosts); the embedded store has no leases, since one machine needs none.
func (s *Etcd) PutLeased(ctx context.Context, key string, value []byte, ttl time.Duration) (lost <-chan struct{}, err error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	// etcd counts in seconds and raises a TTL below its minimum (1.5 election timeouts).
	secs := int64(math.Ceil(ttl.Seconds()))
	lease, err := s.cli.Grant(ctx, max(secs, 1))
	if err != nil {
		return nil, fmt.Errorf("grant a lease for %s: %w", key, s.err(err))
	}
	revoke := func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		s.cli.Revoke(rctx, lease.ID) // on failure it expires by itself
	}
	resp, err := s.kv.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(value), clientv3.WithLease(lease.ID))).
		Commit()
	switch {
	case err != nil:
		revoke()
		return nil, fmt.Errorf("put %s under a lease: %w", key, s.err(err))
	case !resp.Succeeded:
		revoke()
		return nil, ErrConflict
	}
	kctx, cancel := context.WithCancel(ctx)
	alive, err := s.cli.KeepAlive(kctx, lease.ID)
	if err != nil {
		cancel()
		revoke()
		return nil, fmt.Errorf("keep the lease of %s alive: %w", key, s.err(err))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cancel()
		// The channel closes when ctx ends, when etcd says the lease is gone, or when
		// no keep-alive got through for the whole TTL.
		for range alive {
		}
		if ctx.Err() != nil && !s.closed.Load() {
			revoke() // a clean stop: the key goes now, not a TTL later
		}
	}()
	return done, nil
}

// Client is the etcd client under the store, for what the store does not offer (tests
// that revoke leases behind an agent's back). Its keys are not in the store's namespace.
func (s *Etcd) Client() *clientv3.Client { return s.cli }
