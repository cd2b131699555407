package hosts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"vpcd/internal/store"
)

// DefaultTTL is how long a host stays registered after its agent stops answering: short,
// so that placement stops choosing a dead host within seconds, and long enough for
// keep-alives to ride out a busy moment (they go every third of it).
const DefaultTTL = 5 * time.Second

// Leaser writes a key that lives only as long as its writer keeps it alive: store.Etcd.
type Leaser interface {
	PutLeased(ctx context.Context, key string, value []byte, ttl time.Duration) (lost <-chan struct{}, err error)
}

// Registration is a host kept registered by Register.
type Registration struct {
	done chan struct{}
}

// Done is closed when the registration has ended with Register's ctx.
func (r *Registration) Done() <-chan struct{} { return r.done }

// Register writes h under a lease of ttl, returns once it is written, and keeps it so
// until ctx ends, when the record is deleted. When the lease is lost (etcd out of reach
// for longer than ttl, or the lease revoked behind the agent's back), h is registered
// again as soon as etcd answers. A record of the same ID that exists at the start may be
// this host's own from before a restart, whose lease has not expired yet: Register waits
// for it to go, and fails when it outlives two TTLs, held by another live agent.
func Register(ctx context.Context, l Leaser, h Host, ttl time.Duration, log *slog.Logger) (*Registration, error) {
	if err := h.Check(); err != nil {
		return nil, err
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	value, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	put := func() (<-chan struct{}, error) { return l.PutLeased(ctx, Key(h.ID), value, ttl) }
	deadline := time.Now().Add(2*ttl + time.Second)
	lost, err := put()
	for errors.Is(err, store.ErrConflict) && time.Now().Before(deadline) {
		log.Info("host registration: waiting for the previous record to expire", "host", h.ID)
		if !sleep(ctx, ttl/4) {
			return nil, ctx.Err()
		}
		lost, err = put()
	}
	switch {
	case errors.Is(err, store.ErrConflict):
		return nil, fmt.Errorf("host %s is registered by another live agent", h.ID)
	case err != nil:
		return nil, fmt.Errorf("register host %s: %w", h.ID, err)
	}
	r := &Registration{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for {
			select {
			case <-ctx.Done():
				<-lost // the lease is revoked: the record is gone
				return
			case <-lost:
				if ctx.Err() != nil {
					return // stopped: the lease ended with ctx
				}
			}
			log.Warn("host registration lost: registering again", "host", h.ID)
			for lost = nil; lost == nil; {
				if lost, err = put(); err != nil {
					if ctx.Err() != nil {
						return
					}
					log.Warn("host registration", "host", h.ID, "err", err)
					lost = nil
					if !sleep(ctx, ttl/4) {
						return
					}
				}
			}
			log.Info("host registered again", "host", h.ID)
		}
	}()
	return r, nil
}

// sleep waits d and reports whether ctx is still going.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
