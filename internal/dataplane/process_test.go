package dataplane

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vpcd/internal/control"
	"vpcd/internal/model"
	"vpcd/internal/store"
	"vpcd/internal/supervise"
)

// TestUserDataLifecycle runs an instance's user data in a throwaway namespace as the data
// plane does, across a restart of vpcd, and stops it with the instance: the script runs
// once, its output reaches the store through the reporter, and what it started is
// stopped with its cgroup.
func TestUserDataLifecycle(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: makes a network namespace and cgroups")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip not installed")
	}
	b := make([]byte, 9)
	rand.Read(b)
	id := "i-" + hex.EncodeToString(b)[:17]
	if out, err := exec.Command("ip", "netns", "add", id).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v\n%s", err, out)
	}
	dataDir := t.TempDir()
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	// `vpcd exec ID -- ARGV` as a script: the same namespace, by ip netns exec.
	shim := filepath.Join(t.TempDir(), "vpcd")
	if err := os.WriteFile(shim, []byte("#!/bin/sh\nns=$2; shift 3; exec ip netns exec \"$ns\" \"$@\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		newProcesses(dataDir, shim, log).stopAll()
		exec.Command("ip", "netns", "del", id).Run()
	})
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := control.New(st, control.Config{})
	ctx := context.Background()

	script := "#!/bin/sh\necho hello-from-user-data\nsleep 1000 &\n"
	inst := &model.Instance{ID: id, Owner: "123456789012", Region: "us-east-1", Running: true, UserData: []byte(script)}
	n := &model.Network{Instances: map[string]*model.Instance{id: inst}}
	p := newProcesses(dataDir, shim, log)
	p.sync(ctx, n, svc, nil)
	st0 := daemonStatus(t, p, id)
	if st0.State == "" {
		t.Fatal("no user data daemon")
	}
	eventually(t, "console output in the store", func() bool {
		p.sync(ctx, n, svc, nil)
		kv, ok, err := st.Get(ctx, "123456789012/us-east-1/console/"+id)
		return err == nil && ok && strings.Contains(string(kv.Value), "hello-from-user-data")
	})
	eventually(t, "user data ended", func() bool { return daemonStatus(t, p, id).State == supervise.Exited })

	// vpcd restarts: the new one knows the daemon, does not run it again and keeps what
	// it started.
	p = newProcesses(dataDir, shim, log)
	p.sync(ctx, n, svc, nil)
	if !p.supervisor().Has(userDataDaemon(id)) {
		t.Fatal("after a restart the user data daemon is unknown")
	}
	raw, _ := os.ReadFile(filepath.Join(dataDir, "instances", id, "console.log"))
	if c := strings.Count(string(raw), "hello-from-user-data"); c != 1 {
		t.Errorf("user data ran %d times, want once", c)
	}
	sleeper := background(t, id)
	if sleeper == "" {
		t.Fatal("the server the user data started is not running")
	}

	// The instance stops: what its user data started stops with it.
	inst.Running = false
	p.sync(ctx, n, svc, nil)
	if p.supervisor().Has(userDataDaemon(id)) {
		t.Error("the daemon of a stopped instance is still there")
	}
	if running(sleeper) {
		t.Errorf("process %s of the stopped instance still runs", sleeper)
	}
	// Started again, the instance does not run its user data again (AWS runs it at the
	// first launch only).
	inst.Running = true
	p.sync(ctx, n, svc, nil)
	if p.supervisor().Has(userDataDaemon(id)) {
		t.Error("user data runs again at the second start")
	}
}

func daemonStatus(t *testing.T, p *processes, id string) supervise.Status {
	t.Helper()
	for _, st := range p.supervisor().Status() {
		if st.Name == userDataDaemon(id) {
			return st
		}
	}
	return supervise.Status{}
}

// background is the PID of a process in the instance's namespace, by `ip netns pids`.
func background(t *testing.T, ns string) string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// running reports whether a process runs: it is there and not a zombie waiting for init
// to reap it.
func running(pid string) bool {
	raw, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return false
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] != 'Z'
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("%s: not after 10s", what)
}
