package dataplane

import (
	"context"
	"log/slog"
	"sync"

	"vpcd/internal/control"
)

// reporter is the one way back from the host to the store: what the data plane's daemons
// learn (console output, VPN tunnels' states, the routes their BGP sessions learn) is
// written by its one goroutine, through the control plane. Records are kept by key and
// only the latest of a key is written, so a slow store never holds a reconcile up and a
// burst of output is one write.
type reporter struct {
	svc *control.Service
	log *slog.Logger

	mu      sync.Mutex
	pending map[string]record
	order   []string // keys in the order they were first reported
	running bool
	wake    chan struct{}
}

// record is one fact to write: write does it, and says whether it succeeded.
type record struct {
	key   string
	write func(ctx context.Context, svc *control.Service) error
}

func newReporter(svc *control.Service, log *slog.Logger) *reporter {
	return &reporter{svc: svc, log: log, pending: map[string]record{}, wake: make(chan struct{}, 1)}
}

// report queues a record, replacing one of the same key not yet written, and makes sure
// the writer runs until ctx ends.
func (r *reporter) report(ctx context.Context, rec record) {
	r.mu.Lock()
	if _, ok := r.pending[rec.key]; !ok {
		r.order = append(r.order, rec.key)
	}
	r.pending[rec.key] = rec
	start := !r.running
	r.running = true
	r.mu.Unlock()
	if start {
		go r.run(ctx)
	}
	select {
	case r.wake <- struct{}{}:
	default: // already woken
	}
}

// run writes the pending records until there are none and ctx ends; what it has not
// written when ctx ends waits for the next report.
func (r *reporter) run(ctx context.Context) {
	for {
		r.mu.Lock()
		if ctx.Err() != nil {
			r.running = false
			r.mu.Unlock()
			return
		}
		var rec record
		ok := len(r.order) > 0
		if ok {
			rec = r.pending[r.order[0]]
			delete(r.pending, r.order[0])
			r.order = r.order[1:]
		}
		r.mu.Unlock()
		if ok {
			if err := rec.write(ctx, r.svc); err != nil {
				r.log.Error("report to the store", "key", rec.key, "err", err)
			}
			continue
		}
		select {
		case <-ctx.Done():
		case <-r.wake:
		}
	}
}
