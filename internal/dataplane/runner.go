package dataplane

import "time"

// runner decides when the data plane syncs, as kube-proxy's BoundedFrequencyRunner does:
// a partial sync (of what changed) once a burst of changes has settled, never two within
// minInterval, and a full sync every resync, which repairs what changed behind vpcd's back,
// and retry after a failed one. A full sync goes in steps, and a partial sync that falls
// due runs between two of them: a change waits for one step of the full sync, never for
// all of it. It is a pure clock: the loop tells it what happened and asks it what to do.
type runner struct {
	settle      time.Duration // after the first change, for the rest of its burst
	minInterval time.Duration // between two partial syncs
	resync      time.Duration // between two full syncs
	retry       time.Duration // from a failed partial sync to a full one

	last     time.Time // end of the last partial sync or full one
	nextFull time.Time
	due      time.Time // of the next partial sync; zero for none
	full     bool      // a full sync is under way
	owed     bool      // a partial sync ran since its last step
	failed   bool      // a partial sync failed while it was
}

// changed notes a change at now: a sync is due once it settles.
func (r *runner) changed(now time.Time) {
	if !r.due.IsZero() {
		return // the burst's sync is set already
	}
	r.due = now.Add(r.settle)
	if earliest := r.last.Add(r.minInterval); r.due.Before(earliest) {
		r.due = earliest
	}
}

// next says what to run now, a partial sync or a step of the full one (starting it when
// none is under way), or how long to wait before asking again. While a change settles,
// the full sync pauses: a step begun then (a router's takes 10-30 ms) would hold the
// partial sync up past its time. It still takes one step after each partial sync, so
// that a stream of changes cannot stop it. A full sync starts only when no change waits:
// it plans everything at its start, and a change it took in would otherwise wait for its
// step rather than its own partial sync.
func (r *runner) next(now time.Time) (full, partial bool, wait time.Duration) {
	if !r.due.IsZero() && !now.Before(r.due) {
		return false, true, 0
	}
	if r.full && (r.due.IsZero() || r.owed) {
		r.owed = false
		return true, false, 0
	}
	if !r.due.IsZero() {
		return false, false, r.due.Sub(now)
	}
	if !now.Before(r.nextFull) {
		r.full = true
		return true, false, 0
	}
	return false, false, r.nextFull.Sub(now)
}

// ran notes a partial sync, or the last step of a full one, that ended at now. A failed
// partial sync calls for a full one soon: after retry, or when the full one under way
// ends (it may have passed the namespaces that failed already). A failed full one waits
// for the next in resync, as a success does (what failed would most likely fail again at
// once).
func (r *runner) ran(now time.Time, full bool, err error) {
	r.last = now
	if !full {
		r.due, r.owed = time.Time{}, r.full
		switch {
		case err != nil && r.full:
			r.failed = true
		case err != nil:
			r.nextFull = now.Add(r.retry)
		}
		return
	}
	r.full = false
	r.nextFull = now.Add(r.resync)
	if r.failed {
		r.nextFull, r.failed = now.Add(r.retry), false
	}
}

// fullNow asks for a full sync at once: the model was read again from scratch. One under
// way starts again.
func (r *runner) fullNow() { r.nextFull = time.Time{} }
