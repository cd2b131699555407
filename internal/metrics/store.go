package metrics

import (
	"context"
	"errors"
	"time"

	"vpcd/internal/store"
)

// Store returns st with its commits timed: every other method is st's own.
func (m *Metrics) Store(st store.Store) store.Store {
	if m == nil {
		return st
	}
	return timedStore{Store: st, m: m}
}

type timedStore struct {
	store.Store
	m *Metrics
}

func (s timedStore) Commit(ctx context.Context, cmps []store.Cmp, ops []store.Op) (int64, error) {
	start := time.Now()
	rev, err := s.Store.Commit(ctx, cmps, ops)
	result := "ok"
	switch {
	case errors.Is(err, store.ErrConflict):
		result = "conflict"
	case err != nil:
		result = "error"
	}
	s.m.commitSeconds.WithLabelValues(result).Observe(time.Since(start).Seconds())
	return rev, err
}
