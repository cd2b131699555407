package store

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The crash test runs its own test binary as a child that commits until it is killed.
const (
	crashChildEnv = "VPCD_STORE_CRASH_CHILD" // the store directory, set in the child only
	crashWriters  = 6
	crashAcks     = 300 // acknowledgements the parent waits for before kill -9
)

func crashValue(key string) string {
	// Large enough that commits split pages and grow the file while the child dies.
	return key + "|" + strings.Repeat("v", 200)
}

// TestCrashChild is the child's body; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestCrashDurability")
	}
	s, err := OpenEmbedded(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	for g := range crashWriters {
		wg.Go(func() {
			ctx := context.Background()
			for i := 0; ; i++ {
				key := fmt.Sprintf("crash/%d/%06d", g, i)
				ops := []Op{put(key, crashValue(key)), put(fmt.Sprintf("crash/last/%d", g), key)}
				if _, err := s.Commit(ctx, nil, ops); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				// Printed only after Commit returned nil: the parent counts on it.
				// os.Stdout is unbuffered and a short line is one atomic write to the pipe.
				out.Lock()
				fmt.Fprintf(os.Stdout, "ack %s\n", key)
				out.Unlock()
			}
		})
	}
	// The parent kills us long before this; the bound keeps a lost child from living on.
	time.Sleep(time.Minute)
	os.Exit(3)
}

// TestCrashDurability kills a committing process with SIGKILL and checks that every
// commit it acknowledged is in the store when it is opened again.
func TestCrashDurability(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("in the child")
	}
	dir := t.TempDir()
	for round := range 3 {
		acked := crashRound(t, dir)
		s, err := OpenEmbedded(dir)
		if err != nil {
			t.Fatalf("round %d: reopen after kill -9: %v", round, err)
		}
		if err := s.db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		}); err != nil {
			t.Errorf("round %d: bbolt consistency check: %v", round, err)
		}
		_, rev, err := s.List(context.Background(), "none")
		if err != nil {
			t.Fatal(err)
		}
		missing := 0
		for _, key := range acked {
			kv, ok, err := s.Get(context.Background(), key)
			if err != nil {
				t.Fatal(err)
			}
			if !ok || string(kv.Value) != crashValue(key) {
				missing++
				if missing <= 5 {
					t.Errorf("round %d: acknowledged %s: got %q, %v", round, key, kv.Value, ok)
				}
				continue
			}
			if kv.ModRev > rev {
				t.Errorf("round %d: %s has ModRev %d above the store revision %d", round, key, kv.ModRev, rev)
			}
		}
		if missing > 0 {
			t.Errorf("round %d: %d of %d acknowledged keys lost", round, missing, len(acked))
		}
		t.Logf("round %d: %d acknowledged commits survived kill -9; store at rev %d", round, len(acked), rev)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// crashRound runs one child on dir, kills it after crashAcks acknowledgements and returns
// every key it acknowledged, including those read from the pipe after the kill.
func crashRound(t *testing.T, dir string) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Whatever happens below, the child must not outlive the test.
	defer cmd.Process.Kill()

	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	var acked []string
	r := bufio.NewReader(stdout)
	killed := false
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF {
			break // a line cut short by the kill was never acknowledged
		}
		if err != nil {
			t.Fatal(err)
		}
		key, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "ack ")
		if !ok {
			t.Fatalf("child printed %q", line)
		}
		acked = append(acked, key)
		if len(acked) == crashAcks && !killed {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child ended after %d acknowledgements: %v\n%s", len(acked), err, stderr.String())
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die of SIGKILL: %v\n%s", err, stderr.String())
	}
	return acked
}
