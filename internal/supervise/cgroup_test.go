package supervise

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests below run real processes in a throwaway network namespace and in real
// cgroups: they need root and cgroup v2, and remove what they made when they end.

// cgroupTestbed is an owner (a data directory) and a namespace of one test.
type cgroupTestbed struct {
	t     *testing.T
	owner string
	netns string
}

func newCgroupTestbed(t *testing.T) *cgroupTestbed {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: makes network namespaces and cgroups")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip not installed")
	}
	mount, err := findCgroup2("/proc/self/mountinfo")
	if err != nil {
		t.Skipf("no cgroup v2: %v", err)
	}
	b := make([]byte, 3)
	rand.Read(b)
	tb := &cgroupTestbed{t: t, owner: t.TempDir(), netns: "vpcdsup-" + hex.EncodeToString(b)}
	if out, err := exec.Command("ip", "netns", "add", tb.netns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v\n%s", err, out)
	}
	tree := filepath.Join(mount, treeName(tb.owner))
	t.Cleanup(func() {
		// Whatever the test did, nothing stays: the subtree and the namespace go.
		s, err := New(Config{Owner: tb.owner})
		if err == nil {
			err = s.Destroy()
		}
		if err != nil {
			t.Errorf("destroy: %v", err)
		}
		if _, err := os.Stat(tree); !os.IsNotExist(err) {
			t.Errorf("cgroup subtree %s left behind", tree)
		}
		if out, err := exec.Command("ip", "netns", "del", tb.netns).CombinedOutput(); err != nil {
			t.Errorf("ip netns del: %v\n%s", err, out)
		}
	})
	return tb
}

// supervisor is a new supervisor of the testbed's owner, as a vpcd that starts is.
func (tb *cgroupTestbed) supervisor() *Supervisor {
	tb.t.Helper()
	s, err := New(Config{Owner: tb.owner, Logger: slog.New(slog.NewTextHandler(tb.t.Output(), nil)),
		Backoff: Backoff{Min: 20 * time.Millisecond, Max: 100 * time.Millisecond}})
	if err != nil {
		tb.t.Fatal(err)
	}
	if !s.Cgroups() {
		tb.t.Fatal("no cgroups as root with cgroup v2 mounted")
	}
	return s
}

func (tb *cgroupTestbed) ensure(s *Supervisor, specs ...Spec) {
	tb.t.Helper()
	if err := s.Ensure(specs); err != nil {
		tb.t.Fatal(err)
	}
}

// cgroupOf is the cgroup a process is in, relative to the cgroup v2 mount.
func cgroupOf(t *testing.T, pid int) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cgroup"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			return p
		}
	}
	t.Fatalf("process %d is in no cgroup v2", pid)
	return ""
}

// inNetns reports whether a process comes to run in the named network namespace: it
// enters it through `ip netns exec` a moment after it started.
func inNetns(t *testing.T, pid int, netns string) bool {
	t.Helper()
	var want syscall.Stat_t
	if err := syscall.Stat(filepath.Join("/run/netns", netns), &want); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var got syscall.Stat_t
		if err := syscall.Stat(filepath.Join("/proc", strconv.Itoa(pid), "ns", "net"), &got); err != nil {
			return false
		}
		if got.Ino == want.Ino && got.Dev == want.Dev {
			return true
		}
	}
	return false
}

func TestDaemonRestartsAfterKill(t *testing.T) {
	tb := newCgroupTestbed(t)
	s := tb.supervisor()
	tb.ensure(s, Spec{Name: "sleeper", Namespace: tb.netns, Argv: []string{"sleep", "1000"}, Restart: RestartAlways})
	first := waitStatus(t, s, "sleeper", func(st Status) bool { return st.State == Running })
	if !inNetns(t, first.PID, tb.netns) {
		t.Errorf("process %d is not in namespace %s", first.PID, tb.netns)
	}
	cg := s.cgroupOf("sleeper", s.daemons["sleeper"].fp)
	if got := cgroupOf(t, first.PID); !strings.HasSuffix(cg, got) {
		t.Errorf("process %d is in cgroup %s, want %s", first.PID, got, cg)
	}
	syscall.Kill(first.PID, syscall.SIGKILL)
	second := waitStatus(t, s, "sleeper", func(st Status) bool { return st.State == Running && st.PID != first.PID })
	if second.Restarts != 1 {
		t.Errorf("restarts %d after one kill, want 1", second.Restarts)
	}
	if !inNetns(t, second.PID, tb.netns) {
		t.Errorf("the restarted process %d is not in namespace %s", second.PID, tb.netns)
	}
	if err := s.Stop("sleeper"); err != nil {
		t.Fatal(err)
	}
	if alive(second.PID) {
		t.Errorf("process %d runs after Stop", second.PID)
	}
	if _, err := os.Stat(cg); !os.IsNotExist(err) {
		t.Errorf("cgroup %s is still there after Stop", cg)
	}
}

// A run-once daemon that forked a server and ended: the server keeps running (user data
// that starts a service), and Stop ends it with the cgroup.
func TestStopEndsWhatTheDaemonForked(t *testing.T) {
	tb := newCgroupTestbed(t)
	s := tb.supervisor()
	pidFile := filepath.Join(t.TempDir(), "child")
	tb.ensure(s, Spec{Name: "forks", Namespace: tb.netns, Argv: []string{"sh", "-c", "sleep 1000 & echo $! > " + pidFile}})
	waitStatus(t, s, "forks", func(st Status) bool { return st.State == Exited && st.ExitCode == 0 })
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	child, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	cg := s.cgroupOf("forks", s.daemons["forks"].fp)
	if !alive(child) || !slices.Contains(members(cg), child) {
		t.Fatalf("the forked process %d is not running in %s", child, cg)
	}
	tb.ensure(s) // no longer wanted
	if alive(child) {
		t.Errorf("the forked process %d runs after the daemon was stopped", child)
	}
	if _, err := os.Stat(cg); !os.IsNotExist(err) {
		t.Errorf("cgroup %s is still there", cg)
	}
}

// A vpcd that starts again finds the daemons of the previous one by their cgroups: it
// keeps those still wanted (and restarts them by their policy), and stops the others.
func TestNewSupervisorFindsOldDaemons(t *testing.T) {
	tb := newCgroupTestbed(t)
	old := tb.supervisor()
	keep := Spec{Name: "keep", Namespace: tb.netns, Argv: []string{"sleep", "1000"}, Restart: RestartAlways}
	drop := Spec{Name: "drop", Namespace: tb.netns, Argv: []string{"sleep", "1001"}, Restart: RestartAlways}
	tb.ensure(old, keep, drop)
	kept := waitStatus(t, old, "keep", func(st Status) bool { return st.State == Running }).PID
	dropped := waitStatus(t, old, "drop", func(st Status) bool { return st.State == Running }).PID
	old.Close() // vpcd stops; the daemons stay

	s := tb.supervisor()
	if !s.Has("keep") || !s.Has("drop") {
		t.Fatalf("the new supervisor does not find the old daemons: %+v", s.Status())
	}
	tb.ensure(s, keep)
	if !alive(kept) {
		t.Fatalf("the wanted daemon (process %d) was stopped", kept)
	}
	if alive(dropped) {
		t.Errorf("the unwanted daemon (process %d) still runs", dropped)
	}
	// The old process of a kept daemon still restarts by its policy when it ends.
	syscall.Kill(kept, syscall.SIGKILL)
	again := waitStatus(t, s, "keep", func(st Status) bool { return st.State == Running && st.PID != 0 }).PID
	if !inNetns(t, again, tb.netns) {
		t.Errorf("the restarted process %d is not in %s", again, tb.netns)
	}
	// A changed spec replaces the process.
	changed := keep
	changed.Argv = []string{"sleep", "1002"}
	tb.ensure(s, changed)
	if alive(again) {
		t.Errorf("process %d of the old spec still runs", again)
	}
	waitStatus(t, s, "keep", func(st Status) bool { return st.State == Running && st.PID != 0 })
	s.Close()

	// A third start that wants nothing stops everything.
	last := tb.supervisor()
	tb.ensure(last)
	if st := last.Status(); len(st) != 0 {
		t.Errorf("daemons left: %+v", st)
	}
}

// A run-once daemon that ran before vpcd restarted does not run again.
func TestRunOnceSurvivesRestart(t *testing.T) {
	tb := newCgroupTestbed(t)
	out := filepath.Join(t.TempDir(), "out")
	once := Spec{Name: "once", Namespace: tb.netns, Argv: []string{"sh", "-c", "echo ran"}, Output: out}
	s := tb.supervisor()
	tb.ensure(s, once)
	waitStatus(t, s, "once", func(st Status) bool { return st.State == Exited })
	s.Close()
	s = tb.supervisor()
	tb.ensure(s, once)
	st := waitStatus(t, s, "once", func(st Status) bool { return st.State == Exited })
	if st.ExitCode != -1 {
		t.Errorf("exit code %d of a run before the restart, want -1 (not seen)", st.ExitCode)
	}
	if raw, _ := os.ReadFile(out); string(raw) != "ran\n" {
		t.Errorf("output %q, want one run", raw)
	}
}
