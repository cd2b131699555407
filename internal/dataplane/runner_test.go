package dataplane

import (
	"errors"
	"testing"
	"time"
)

func TestRunner(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	r := &runner{settle: 20 * time.Millisecond, minInterval: 100 * time.Millisecond, resync: 5 * time.Second, retry: time.Second}
	type want struct {
		full, partial bool
		wait          time.Duration
	}
	check := func(ms int, w want) {
		t.Helper()
		full, partial, wait := r.next(at(ms))
		if full != w.full || partial != w.partial || wait != w.wait {
			t.Errorf("at %d ms: full %v partial %v wait %v, want %+v", ms, full, partial, wait, w)
		}
	}
	check(0, want{full: true}) // the first sync is a full one
	r.ran(at(0), true, nil)
	check(0, want{wait: 5 * time.Second})
	r.changed(at(10))
	r.changed(at(15))                            // same burst
	check(15, want{wait: 85 * time.Millisecond}) // not before minInterval after the last sync
	check(100, want{partial: true})
	r.ran(at(100), false, nil)
	r.changed(at(300)) // long after: only the settle time
	check(300, want{wait: 20 * time.Millisecond})
	check(320, want{partial: true})
	r.ran(at(320), false, errors.New("boom"))
	check(320, want{wait: time.Second}) // a failure: a full sync after retry
	check(1320, want{full: true})
	r.ran(at(1320), true, errors.New("boom again"))
	check(1320, want{wait: 5 * time.Second}) // a failed full one waits for the next resync
	check(6320, want{full: true})
	r.fullNow()
	check(6000, want{full: true})
}
