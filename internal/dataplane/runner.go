package dataplane

import "time"

// runner decides when the data plane syncs, as kube-proxy's BoundedFrequencyRunner does:
// a partial sync (of what changed) once a burst of changes has settled, never two within
// minInterval, and a full sync every resync, which repairs what changed behind vpcd's back,
// and retry after a failed one. It is a pure clock: the loop tells it what happened and
// asks it how long to wait.
type runner struct {
	settle      time.Duration // after the first change, for the rest of its burst
	minInterval time.Duration // between two syncs
	resync      time.Duration // between two full syncs
	retry       time.Duration // from a failed partial sync to a full one

	last     time.Time // of the last sync
	nextFull time.Time
	due      time.Time // of the next partial sync; zero for none
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

// next says what to run now, or how long to wait before asking again.
func (r *runner) next(now time.Time) (full, partial bool, wait time.Duration) {
	if !now.Before(r.nextFull) {
		return true, false, 0
	}
	if !r.due.IsZero() && !now.Before(r.due) {
		return false, true, 0
	}
	wait = r.nextFull.Sub(now)
	if !r.due.IsZero() && r.due.Sub(now) < wait {
		wait = r.due.Sub(now)
	}
	return false, false, wait
}

// ran notes a sync that ended at now: a full one takes the partial one's place too; a
// failed partial one calls for a full one soon, a failed full one for the next in resync,
// as a success does (what failed would most likely fail again at once).
func (r *runner) ran(now time.Time, full bool, err error) {
	r.last, r.due = now, time.Time{}
	switch {
	case full:
		r.nextFull = now.Add(r.resync)
	case err != nil:
		r.nextFull = now.Add(r.retry)
	}
}

// fullNow asks for a full sync at once: the model was read again from scratch.
func (r *runner) fullNow() { r.nextFull = time.Time{} }
