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
	check(5, want{full: true}) // its steps go on
	r.changed(at(5))
	check(10, want{wait: 15 * time.Millisecond}) // and pause while the change settles
	check(25, want{partial: true})               // then the partial sync runs between two steps
	r.ran(at(30), false, nil)
	r.changed(at(31))
	check(31, want{full: true}) // one step after each partial sync: changes cannot stop the full one
	check(35, want{wait: 95 * time.Millisecond})
	check(130, want{partial: true})
	r.ran(at(130), false, nil)
	check(130, want{full: true})
	check(135, want{full: true})
	r.ran(at(140), true, nil) // its last step
	check(140, want{wait: 5 * time.Second})
	r.changed(at(150))
	r.changed(at(155))                            // same burst
	check(155, want{wait: 85 * time.Millisecond}) // not before minInterval after the last sync
	check(240, want{partial: true})
	r.ran(at(240), false, nil)
	r.changed(at(400)) // long after: only the settle time
	check(400, want{wait: 20 * time.Millisecond})
	check(420, want{partial: true})
	r.ran(at(420), false, errors.New("boom"))
	check(420, want{wait: time.Second}) // a failure: a full sync after retry
	check(1420, want{full: true})
	r.changed(at(1430))
	check(1450, want{partial: true})
	r.ran(at(1450), false, errors.New("boom during the full one"))
	check(1450, want{full: true}) // the full one goes on
	r.ran(at(1500), true, nil)
	check(1500, want{wait: time.Second}) // and another follows after retry: it may have passed what failed
	check(2500, want{full: true})
	r.ran(at(2500), true, errors.New("boom again"))
	check(2500, want{wait: 5 * time.Second}) // a failed full one waits for the next resync
	r.changed(at(7490))
	check(7500, want{wait: 10 * time.Millisecond}) // a full one waits for the change's partial sync
	check(7510, want{partial: true})
	r.ran(at(7510), false, nil)
	check(7510, want{full: true})
	r.ran(at(7600), true, nil)
	r.fullNow()
	check(7600, want{full: true})
}
