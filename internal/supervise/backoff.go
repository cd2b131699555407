package supervise

import "time"

// Restart says when a daemon whose process ended is started again.
type Restart int

const (
	// RestartNever runs the process once: user data, a one-shot setup.
	RestartNever Restart = iota
	// RestartOnFailure starts it again when it failed: a non-zero exit, a signal, or a
	// start that did not happen.
	RestartOnFailure
	// RestartAlways starts it again whenever it ends.
	RestartAlways
)

func (r Restart) String() string {
	switch r {
	case RestartNever:
		return "never"
	case RestartOnFailure:
		return "on-failure"
	case RestartAlways:
		return "always"
	}
	return "unknown"
}

// again reports whether a process that ended with code (-1: killed by a signal, not
// started, or unknown) is started again.
func (r Restart) again(code int) bool {
	switch r {
	case RestartAlways:
		return true
	case RestartOnFailure:
		return code != 0
	}
	return false
}

// Backoff spaces the restarts of a daemon that keeps failing: Min after the first end,
// doubling up to Max. A process that ran for Stable or longer counts as healthy, and its
// next restart waits Min again.
type Backoff struct {
	Min, Max, Stable time.Duration
}

// withDefaults fills what is unset: 1 s doubling to 30 s, reset by 30 s of running.
func (b Backoff) withDefaults() Backoff {
	if b.Min <= 0 {
		b.Min = time.Second
	}
	if b.Max < b.Min {
		b.Max = max(30*time.Second, b.Min)
	}
	if b.Stable <= 0 {
		b.Stable = b.Max
	}
	return b
}

// delay is the wait before the restart that follows failures ends in a row (1 for the
// first).
func (b Backoff) delay(failures int) time.Duration {
	d := b.Min
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// clock is time, replaced by a fake one in tests.
type clock interface {
	Now() time.Time
	After(time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
