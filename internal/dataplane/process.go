package dataplane

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	"vpcd/internal/control"
	"vpcd/internal/model"
)

// processes runs user data: a script (user data starting with "#!") runs once per
// instance, at its first launch, inside the instance's namespace, in its own session so
// that it outlives vpcd (static stability) and can be stopped as a group. Its output is
// the instance's console. What it needs to survive a restart of vpcd lives under
// DATA_DIR/instances/ID: the script, "ran" once started, "pid" while it may run, and
// "console.log".
type processes struct {
	dir  string
	exec string
	log  *slog.Logger

	mu      sync.Mutex
	console map[string]int64 // instance → console size last recorded in the store
}

func newProcesses(dataDir, execPath string, log *slog.Logger) *processes {
	return &processes{dir: filepath.Join(dataDir, "instances"), exec: execPath, log: log, console: map[string]int64{}}
}

func (p *processes) instanceDir(id string) string { return filepath.Join(p.dir, id) }

// sync starts the user data of running instances that have not run it, stops the
// processes of instances that no longer run, and records console output that grew.
func (p *processes) sync(ctx context.Context, n *model.Network, svc *control.Service) {
	for _, id := range model.SortedKeys(n.Instances) {
		inst := n.Instances[id]
		if inst.Running {
			if err := p.start(inst); err != nil {
				p.log.Error("start user data", "instance", id, "err", err)
			}
			p.recordConsole(ctx, inst, svc)
		} else {
			p.stop(id)
		}
	}
	// Instances gone from the store altogether.
	entries, _ := os.ReadDir(p.dir)
	for _, e := range entries {
		if _, ok := n.Instances[e.Name()]; !ok {
			p.stop(e.Name())
			os.RemoveAll(p.instanceDir(e.Name()))
		}
	}
}

func (p *processes) start(inst *model.Instance) error {
	if !bytes.HasPrefix(inst.UserData, []byte("#!")) {
		return nil
	}
	dir := p.instanceDir(inst.ID)
	if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join("/run/netns", inst.ID)); err != nil {
		return nil // the namespace is not there yet; the next reconcile starts it
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	script := filepath.Join(dir, "user-data")
	if err := os.WriteFile(script, inst.UserData, 0o700); err != nil {
		return err
	}
	console, err := os.OpenFile(filepath.Join(dir, "console.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer console.Close()
	cmd := exec.Command(p.exec, "exec", inst.ID, "--", script)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = console, console
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	// Mark it as run before it runs: a crash now must not run it twice.
	if err := os.WriteFile(filepath.Join(dir, "ran"), nil, 0o600); err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o600); err != nil {
		return err
	}
	p.log.Info("user data started", "instance", inst.ID, "pid", cmd.Process.Pid)
	// Reap it when it ends; vpcd does not wait for it otherwise.
	go cmd.Wait()
	return nil
}

// stop ends the process group of an instance's user data, if any.
func (p *processes) stop(id string) {
	pidFile := filepath.Join(p.instanceDir(id), "pid")
	raw, err := os.ReadFile(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if pid, err := strconv.Atoi(string(raw)); err == nil && pid > 1 {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	os.Remove(pidFile)
}

// stopAll ends every process the data plane started.
func (p *processes) stopAll() {
	entries, _ := os.ReadDir(p.dir)
	for _, e := range entries {
		p.stop(e.Name())
	}
}

func (p *processes) recordConsole(ctx context.Context, inst *model.Instance, svc *control.Service) {
	path := filepath.Join(p.instanceDir(inst.ID), "console.log")
	fi, err := os.Stat(path)
	if err != nil {
		return
	}
	p.mu.Lock()
	same := p.console[inst.ID] == fi.Size()
	p.mu.Unlock()
	if same {
		return
	}
	out, err := os.ReadFile(path)
	if err != nil {
		return
	}
	if err := svc.SetConsoleOutput(ctx, control.Caller{Account: inst.Owner, Region: inst.Region}, inst.ID, out); err != nil {
		p.log.Error("record console output", "instance", inst.ID, "err", err)
		return
	}
	p.mu.Lock()
	p.console[inst.ID] = int64(len(out))
	p.mu.Unlock()
}
