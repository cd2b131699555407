// Package supervise runs the long-lived processes of the data plane (user data today;
// IPsec, BGP, DNS and metadata daemons next) inside network namespaces, restarts them by
// their policy and stops them. It sits beside internal/linux under the data plane: linux
// makes the namespaces, supervise runs what lives in them.
//
// Processes outlive vpcd (static stability): each runs in its own session and in a cgroup
// of its own under vpcd's subtree of the cgroup v2 hierarchy (one subtree per data
// directory). A vpcd that starts again finds them there, proves them its own by the
// cgroup they are in, and stops them with cgroup.kill; it never signals a PID it read
// from a file, which may belong to someone else by then. Processes this vpcd started are
// signalled through a pidfd (SysProcAttr.PidFD) and waited on by os/exec, which on Linux
// waits on a pidfd of its own: a PID that was reused can never be hit. Without a
// writable cgroup v2 the supervisor works with pidfds only (the main process, not what
// it forked), and after a restart leaves the old processes alone.
package supervise

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Spec is a daemon as wanted: what runs, where, and what happens when it ends.
type Spec struct {
	// Name is unique among the daemons of a supervisor and names its cgroup: letters,
	// digits, '-', '_' and '.'.
	Name string
	// Namespace is the network namespace (by its name under /run/netns) the process runs
	// in; empty for vpcd's own.
	Namespace string
	Argv      []string
	// Env is added to vpcd's environment.
	Env []string
	// Dir is the working directory; empty for vpcd's.
	Dir string
	// Output is a file that the process's stdout and stderr append to; empty for none.
	// A file rather than a pipe, so that the process can outlive vpcd.
	Output  string
	Restart Restart
}

// fingerprint changes when anything that the running process was started from changes.
// It is part of the cgroup's name, so that a vpcd that starts again can tell whether an
// old process still matches what is wanted.
func (s Spec) fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%q %q %q %q %q %d", s.Namespace, s.Argv, s.Env, s.Dir, s.Output, s.Restart)
	return hex.EncodeToString(h.Sum(nil)[:4])
}

func (s Spec) validate() error {
	if s.Name == "" || len(s.Name) > 200 || strings.HasPrefix(s.Name, "cgroup.") || strings.Trim(s.Name, ".") == "" {
		return fmt.Errorf("daemon name %q is not valid", s.Name)
	}
	for _, c := range s.Name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("daemon name %q is not valid: %q", s.Name, c)
		}
	}
	if len(s.Argv) == 0 {
		return fmt.Errorf("daemon %s: no command", s.Name)
	}
	return nil
}

// State is where a daemon is in its life.
type State string

const (
	Starting   State = "starting"
	Running    State = "running"
	Restarting State = "restarting" // ended; waiting out the backoff before starting again
	Exited     State = "exited"     // ended and not to be started again
)

// Status is a daemon's state, for metrics and logs.
type Status struct {
	Name  string
	State State
	// PID is the main process of a running daemon this vpcd started; 0 otherwise.
	PID int
	// ExitCode is how the last process ended: -1 for a signal, a failed start, or an
	// end this vpcd did not see.
	ExitCode int
	// Restarts counts the starts after the first, by this vpcd.
	Restarts int
}

// Config is a supervisor's configuration.
type Config struct {
	// Owner names the cgroup subtree: the data directory, so that two vpcd never mix.
	Owner string
	// CgroupMount is where cgroup v2 is mounted; empty to find it in /proc/self/mountinfo.
	CgroupMount string
	// Enter returns the command that runs argv inside a network namespace; the default is
	// `ip netns exec NAMESPACE ARGV...`. It must exec argv in the same process, so that
	// the process the supervisor started is the daemon.
	Enter   func(namespace string, argv []string) []string
	Backoff Backoff
	Logger  *slog.Logger

	clock clock
}

// Supervisor runs daemons. Its methods are safe for concurrent use.
type Supervisor struct {
	cfg  Config
	tree string // the cgroup subtree; empty without cgroups

	ensuring sync.Mutex // one Ensure at a time: each acts on a consistent view

	mu      sync.Mutex
	daemons map[string]*daemon
	closed  bool
}

// New returns the supervisor of cfg.Owner's daemons. With cgroups, it finds the daemons a
// previous vpcd left running, so that Ensure keeps them, or stops those no longer wanted.
func New(cfg Config) (*Supervisor, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Enter == nil {
		cfg.Enter = func(ns string, argv []string) []string {
			return append([]string{"ip", "netns", "exec", ns}, argv...)
		}
	}
	if cfg.clock == nil {
		cfg.clock = realClock{}
	}
	cfg.Backoff = cfg.Backoff.withDefaults()
	s := &Supervisor{cfg: cfg, daemons: map[string]*daemon{}}
	mount := cfg.CgroupMount
	var err error
	if mount == "" {
		mount, err = findCgroup2("/proc/self/mountinfo")
	}
	if err == nil {
		s.tree, err = openTree(mount, cfg.Owner)
	}
	if err != nil {
		cfg.Logger.Warn("daemons without cgroups: pidfds only; after a restart vpcd leaves the processes of the previous one alone", "err", err)
		return s, nil
	}
	names, err := listCgroups(s.tree)
	if err != nil {
		return nil, err
	}
	for _, dir := range names {
		d := s.adopt(dir)
		s.daemons[d.spec.Name] = d
	}
	return s, nil
}

// Cgroups reports whether the daemons run in cgroups (else with pidfds only).
func (s *Supervisor) Cgroups() bool { return s.tree != "" }

// Tree is the cgroup subtree of the daemons; empty without cgroups.
func (s *Supervisor) Tree() string { return s.tree }

// Ensure makes the daemons those of specs: it starts those that are missing, restarts
// those whose spec changed and stops those not in specs. A daemon that is there with the
// same spec is left as it is, also one that ended and is not to be started again.
func (s *Supervisor) Ensure(specs []Spec) error {
	s.ensuring.Lock()
	defer s.ensuring.Unlock()
	var errs []error
	want := map[string]Spec{}
	for _, sp := range specs {
		if err := sp.validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		want[sp.Name] = sp
	}
	s.mu.Lock()
	var stale []*daemon
	for name, d := range s.daemons {
		if sp, ok := want[name]; !ok || sp.fingerprint() != d.fp {
			stale = append(stale, d)
			delete(s.daemons, name)
		}
	}
	s.mu.Unlock()
	for _, d := range stale {
		if err := s.stop(d); err != nil {
			errs = append(errs, err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if err := s.ensure(want[name]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ensure starts sp unless it is there.
func (s *Supervisor) ensure(sp Spec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("supervisor closed")
	}
	if d, ok := s.daemons[sp.Name]; ok {
		if d.adopted {
			d.adopted, d.spec, d.done = false, sp, make(chan struct{})
			go s.run(d, true)
		}
		return nil
	}
	d, err := s.newDaemon(sp)
	if err != nil {
		return err
	}
	s.daemons[sp.Name] = d
	go s.run(d, false)
	return nil
}

// Has reports whether the supervisor knows a daemon: one it started, or one a previous
// vpcd started that it found in its cgroup.
func (s *Supervisor) Has(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.daemons[name]
	return ok
}

// Stop stops a daemon and removes its cgroup; stopping one that is not there is no error.
func (s *Supervisor) Stop(name string) error {
	s.mu.Lock()
	d, ok := s.daemons[name]
	delete(s.daemons, name)
	s.mu.Unlock()
	if !ok {
		return nil
	}
	return s.stop(d)
}

// Destroy stops every daemon and removes the cgroup subtree: what `vpcd cleanup` does.
func (s *Supervisor) Destroy() error {
	err := s.Ensure(nil)
	if s.tree == "" {
		return err
	}
	// Cgroups that are not daemons' (a name that does not parse) go too.
	names, _ := listCgroups(s.tree)
	for _, n := range names {
		err = errors.Join(err, removeCgroup(filepath.Join(s.tree, n)))
	}
	return errors.Join(err, removeCgroup(s.tree))
}

// Close lets go of the daemons without stopping them: they keep running after vpcd
// ends, and the next supervisor of the same owner finds them.
func (s *Supervisor) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, d := range s.daemons {
		d.detach()
	}
}

// Status lists the daemons' states, by name.
func (s *Supervisor) Status() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Status, 0, len(s.daemons))
	for _, name := range slices.Sorted(maps.Keys(s.daemons)) {
		out = append(out, s.daemons[name].status)
	}
	return out
}

// stopTimeout bounds how long a stop waits for the processes to end.
const stopTimeout = 10 * time.Second
