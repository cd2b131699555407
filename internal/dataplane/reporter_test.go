package dataplane

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"vpcd/internal/control"
)

// The reporter writes the latest record of each key, in the order keys were first
// reported, one at a time: a burst while a write is under way is one write per key.
func TestReporterKeepsTheLatestPerKey(t *testing.T) {
	r := newReporter(nil, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var wrote []string
	done := make(chan struct{}, 10)
	release := make(chan struct{})
	rec := func(key, value string, block bool) record {
		return record{key: key, write: func(context.Context, *control.Service) error {
			if block {
				<-release
			}
			mu.Lock()
			wrote = append(wrote, key+"="+value)
			mu.Unlock()
			done <- struct{}{}
			return nil
		}}
	}
	r.report(ctx, rec("console/a", "1", true)) // holds the writer
	// Wait until the writer has taken it, so that what follows queues behind it.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		r.mu.Lock()
		taken := len(r.pending) == 0
		r.mu.Unlock()
		if taken {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the writer does not run")
		}
	}
	r.report(ctx, rec("console/b", "1", false))
	r.report(ctx, rec("console/a", "2", false))
	r.report(ctx, rec("console/b", "2", false))
	close(release)
	for range 3 {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("records not written")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"console/a=1", "console/b=2", "console/a=2"}; !slices.Equal(wrote, want) {
		t.Errorf("wrote %v, want %v", wrote, want)
	}
}
