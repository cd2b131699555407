package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"vpcd/internal/supervise"
	"vpcd/internal/vpcdtest"
)

// `vpcd cleanup` stops the daemons of a data directory and removes their cgroups, also
// those a vpcd that is gone left behind.
func TestCleanupRemovesDaemons(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: cgroups")
	}
	bin := vpcdtest.BuildBinary(t)
	dataDir := t.TempDir()
	sup, err := supervise.New(supervise.Config{Owner: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	if !sup.Cgroups() {
		t.Skip("no writable cgroup v2")
	}
	t.Cleanup(func() { sup.Destroy() })
	if err := sup.Ensure([]supervise.Spec{{Name: "sleeper", Argv: []string{"sleep", "1000"}, Restart: supervise.RestartAlways}}); err != nil {
		t.Fatal(err)
	}
	var pid int
	for deadline := time.Now().Add(10 * time.Second); pid == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if st := sup.Status(); len(st) == 1 {
			pid = st[0].PID
		}
	}
	if pid == 0 {
		t.Fatalf("the daemon did not start: %+v", sup.Status())
	}
	sup.Close() // the vpcd that started it is gone

	if out, err := exec.Command(bin, "cleanup", "--data-dir", dataDir).CombinedOutput(); err != nil {
		t.Fatalf("vpcd cleanup: %v\n%s", err, out)
	}
	if raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat")); err == nil && !strings.Contains(string(raw), ") Z ") {
		t.Errorf("process %d runs after vpcd cleanup", pid)
	}
	if _, err := os.Stat(sup.Tree()); !os.IsNotExist(err) {
		t.Errorf("cgroup subtree %s left after vpcd cleanup", sup.Tree())
	}
}
