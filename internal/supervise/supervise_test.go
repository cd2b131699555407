package supervise

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	b := Backoff{}.withDefaults()
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i, w := range want {
		if got := b.delay(i + 1); got != w*time.Second {
			t.Errorf("delay after %d failures = %v, want %v", i+1, got, w*time.Second)
		}
	}
	if got := b.delay(1000); got != 30*time.Second {
		t.Errorf("delay after 1000 failures = %v, want the cap", got)
	}
}

func TestRestartPolicy(t *testing.T) {
	for _, tc := range []struct {
		r    Restart
		code int
		want bool
	}{
		{RestartNever, 0, false},
		{RestartNever, 1, false},
		{RestartNever, -1, false},
		{RestartOnFailure, 0, false},
		{RestartOnFailure, 1, true},
		{RestartOnFailure, -1, true}, // a signal, a failed start, or an end not seen
		{RestartAlways, 0, true},
		{RestartAlways, 2, true},
	} {
		if got := tc.r.again(tc.code); got != tc.want {
			t.Errorf("%v after exit %d: again = %v, want %v", tc.r, tc.code, got, tc.want)
		}
	}
}

func TestSpecValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"user-data.i-0123456789abcdef0", true},
		{"charon_vpn-1", true},
		{"", false},
		{"a/b", false},
		{"..", false},
		{"cgroup.procs", false},
		{"with space", false},
	} {
		err := Spec{Name: tc.name, Argv: []string{"true"}}.validate()
		if (err == nil) != tc.ok {
			t.Errorf("validate(%q) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	if err := (Spec{Name: "x"}).validate(); err == nil {
		t.Error("a spec without a command is valid")
	}
}

func TestFingerprint(t *testing.T) {
	a := Spec{Name: "d", Namespace: "ns", Argv: []string{"sleep", "1"}}
	b := a
	b.Argv = []string{"sleep 1"}
	c := a
	c.Restart = RestartAlways
	if a.fingerprint() == b.fingerprint() || a.fingerprint() == c.fingerprint() {
		t.Error("different specs have the same fingerprint")
	}
	d := a
	d.Name = "e"
	if a.fingerprint() != d.fingerprint() {
		t.Error("the name changes the fingerprint; it is already in the cgroup's name")
	}
}

func TestFindCgroup2(t *testing.T) {
	info := `30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
40 30 0:37 / /sys/fs/cgroup/uni\040fied rw,relatime shared:9 - cgroup2 cgroup2 rw
`
	path := filepath.Join(t.TempDir(), "mountinfo")
	if err := os.WriteFile(path, []byte(info), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := findCgroup2(path)
	if err != nil || got != "/sys/fs/cgroup/uni fied" {
		t.Errorf("findCgroup2 = %q, %v", got, err)
	}
	if err := os.WriteFile(path, []byte(info[:strings.Index(info, "40 ")]), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := findCgroup2(path); err == nil {
		t.Error("found a cgroup2 mount where there is none")
	}
}

func TestTreeName(t *testing.T) {
	if treeName("/var/lib/vpcd") == treeName("/var/lib/vpcd2") {
		t.Error("two data directories share a subtree")
	}
	if treeName("/var/lib/vpcd") != treeName("/var/lib/vpcd/") {
		t.Error("one data directory has two subtrees")
	}
}

// fakeClock stands still unless told to step, and hands each wait to the test.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	step  time.Duration // added at each Now
	waits chan time.Duration
}

func newFakeClock(step time.Duration) *fakeClock {
	return &fakeClock{now: time.Unix(1e9, 0), step: step, waits: make(chan time.Duration, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(c.step)
	return c.now
}

// After fires at once: the test reads the delays asked for, not the time spent.
func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	select {
	case c.waits <- d:
	default: // the test has read what it needed
	}
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return ch
}

// pidfdSupervisor is a supervisor without cgroups (its mount is not cgroup2), on a fake
// clock: it runs without root.
func pidfdSupervisor(t *testing.T, clk *fakeClock) *Supervisor {
	t.Helper()
	s, err := New(Config{Owner: t.TempDir(), CgroupMount: t.TempDir(), Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if s.Cgroups() {
		t.Fatal("cgroups in a temporary directory")
	}
	t.Cleanup(func() {
		if err := s.Destroy(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func nextWait(t *testing.T, clk *fakeClock) time.Duration {
	t.Helper()
	select {
	case d := <-clk.waits:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no restart was scheduled")
		return 0
	}
}

func TestBackoffGrowsWhileFailing(t *testing.T) {
	clk := newFakeClock(0)
	s := pidfdSupervisor(t, clk)
	if err := s.Ensure([]Spec{{Name: "fails", Argv: []string{"sh", "-c", "exit 1"}, Restart: RestartOnFailure}}); err != nil {
		t.Fatal(err)
	}
	var got []time.Duration
	for range 7 {
		got = append(got, nextWait(t, clk))
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i := range want {
		want[i] *= time.Second
	}
	if !slices.Equal(got, want) {
		t.Errorf("restart delays %v, want %v", got, want)
	}
}

func TestBackoffResetsAfterStableRun(t *testing.T) {
	clk := newFakeClock(time.Minute) // every run looks a minute long: healthy
	s := pidfdSupervisor(t, clk)
	if err := s.Ensure([]Spec{{Name: "flaps", Argv: []string{"true"}, Restart: RestartAlways}}); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if d := nextWait(t, clk); d != time.Second {
			t.Fatalf("restart after a stable run waits %v, want 1s", d)
		}
	}
}

func TestNeverRestartsAndReportsCode(t *testing.T) {
	clk := newFakeClock(0)
	s := pidfdSupervisor(t, clk)
	out := filepath.Join(t.TempDir(), "out")
	spec := Spec{Name: "once", Argv: []string{"sh", "-c", "echo ran; exit 3"}, Output: out}
	if err := s.Ensure([]Spec{spec}); err != nil {
		t.Fatal(err)
	}
	st := waitStatus(t, s, "once", func(st Status) bool { return st.State == Exited })
	if st.ExitCode != 3 || st.Restarts != 0 {
		t.Errorf("status %+v, want exited with 3 and no restart", st)
	}
	if err := s.Ensure([]Spec{spec}); err != nil { // the same spec again: nothing to do
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(out); string(raw) != "ran\n" {
		t.Errorf("output %q, want one run", raw)
	}
	if len(clk.waits) != 0 {
		t.Error("a restart was scheduled for a run-once daemon")
	}
}

func TestOnFailureStopsAtSuccess(t *testing.T) {
	clk := newFakeClock(0)
	s := pidfdSupervisor(t, clk)
	mark := filepath.Join(t.TempDir(), "mark")
	// Fails the first time, succeeds the second.
	script := "if [ -e " + mark + " ]; then exit 0; fi; touch " + mark + "; exit 1"
	if err := s.Ensure([]Spec{{Name: "retry", Argv: []string{"sh", "-c", script}, Restart: RestartOnFailure}}); err != nil {
		t.Fatal(err)
	}
	nextWait(t, clk)
	st := waitStatus(t, s, "retry", func(st Status) bool { return st.State == Exited })
	if st.ExitCode != 0 || st.Restarts != 1 {
		t.Errorf("status %+v, want exited with 0 after one restart", st)
	}
}

func TestStopWithPidfd(t *testing.T) {
	s := pidfdSupervisor(t, newFakeClock(0))
	if err := s.Ensure([]Spec{{Name: "sleeper", Argv: []string{"sleep", "1000"}, Restart: RestartAlways}}); err != nil {
		t.Fatal(err)
	}
	pid := waitStatus(t, s, "sleeper", func(st Status) bool { return st.State == Running }).PID
	if err := s.Stop("sleeper"); err != nil {
		t.Fatal(err)
	}
	if alive(pid) {
		t.Errorf("process %d runs after Stop", pid)
	}
	if s.Has("sleeper") {
		t.Error("the supervisor still has the stopped daemon")
	}
}

// waitStatus waits for a daemon's status to satisfy ok and returns it.
func waitStatus(t *testing.T, s *Supervisor, name string, ok func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last Status
	for time.Now().Before(deadline) {
		for _, st := range s.Status() {
			if st.Name == name {
				last = st
				if ok(st) {
					return st
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("daemon %s: status %+v after 10s", name, last)
	return last
}

// alive reports whether a process runs (a zombie does not).
func alive(pid int) bool {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	// pid (comm) STATE ...
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] != 'Z'
}

// Without cgroups, a vpcd that starts again cannot prove which processes are its own:
// it leaves those of the previous one alone rather than signal a PID it guessed.
func TestWithoutCgroupsRestartLeavesOldProcessesAlone(t *testing.T) {
	owner, mount := t.TempDir(), t.TempDir()
	old, err := New(Config{Owner: owner, CgroupMount: mount})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Ensure([]Spec{{Name: "sleeper", Argv: []string{"sleep", "1000"}, Restart: RestartAlways}}); err != nil {
		t.Fatal(err)
	}
	pid := waitStatus(t, old, "sleeper", func(st Status) bool { return st.State == Running }).PID
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	old.Close()

	s, err := New(Config{Owner: owner, CgroupMount: mount})
	if err != nil {
		t.Fatal(err)
	}
	if s.Has("sleeper") {
		t.Error("a supervisor without cgroups claims a process of the previous one")
	}
	if err := s.Destroy(); err != nil {
		t.Fatal(err)
	}
	if !alive(pid) {
		t.Errorf("process %d of the previous vpcd was signalled", pid)
	}
}
