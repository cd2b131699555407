package dataplane

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"vpcd/internal/control"
	"vpcd/internal/model"
	"vpcd/internal/supervise"
)

// processes runs user data: a script (user data starting with "#!") runs once per
// instance, at its first launch, inside the instance's namespace, as a run-once daemon of
// internal/supervise. The daemon's cgroup outlives vpcd with the script (static
// stability), and proves to the next vpcd which processes are the instance's, so that
// they can be stopped with the instance. Its output is the instance's console, recorded
// in the store through the reporter. What it needs to survive a restart of vpcd lives
// under DATA_DIR/instances/ID: the script, "ran" once started, and "console.log".
type processes struct {
	dataDir string
	dir     string
	exec    string
	log     *slog.Logger

	mu      sync.Mutex
	rep     *reporter             // made at the first sync, which has the control plane
	sup     *supervise.Supervisor // nil until made; see supervisor
	console map[string]int64      // instance → console size last recorded in the store
	keys    map[string]string     // instance → the public key written to its authorized_keys
}

func newProcesses(dataDir, execPath string, log *slog.Logger) *processes {
	p := &processes{dataDir: dataDir, dir: filepath.Join(dataDir, "instances"), exec: execPath, log: log, console: map[string]int64{}}
	p.supervisor()
	return p
}

// supervisor returns the supervisor of the data directory's daemons, making it if an
// earlier attempt failed (it then logged why); nil if it cannot be made.
func (p *processes) supervisor() *supervise.Supervisor {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sup != nil {
		return p.sup
	}
	sup, err := supervise.New(supervise.Config{Owner: p.dataDir, Enter: p.enter, Logger: p.log})
	if err != nil {
		p.log.Error("daemon supervisor", "err", err)
		return nil
	}
	p.sup = sup
	return sup
}

// enter runs argv in an instance's namespace through `vpcd exec`, which also shows it
// the instance's /etc/netns files (its resolv.conf) and execs argv in the same process.
func (p *processes) enter(ns string, argv []string) []string {
	return append([]string{p.exec, "exec", ns, "--"}, argv...)
}

func (p *processes) instanceDir(id string) string { return filepath.Join(p.dir, id) }

func userDataDaemon(id string) string { return "user-data." + id }

// sync runs the user data of running instances that have not run it, stops the
// processes of instances that no longer run, and records console output that grew. The
// supervisor runs other daemons beside user data: more are the daemons that Ensure wants
// besides.
func (p *processes) sync(ctx context.Context, n *model.Network, svc *control.Service, more []supervise.Spec) {
	sup := p.supervisor()
	if sup == nil {
		return
	}
	p.mu.Lock()
	if p.rep == nil {
		p.rep = newReporter(svc, p.log)
	}
	p.mu.Unlock()
	var specs []supervise.Spec
	for _, id := range model.SortedKeys(n.Instances) {
		inst := n.Instances[id]
		if !inst.Running {
			continue
		}
		wanted, err := p.prepare(sup, inst)
		if err != nil {
			p.log.Error("start user data", "instance", id, "err", err)
		}
		if wanted {
			specs = append(specs, p.spec(inst.ID))
		}
		if err := p.writeAuthorizedKeys(inst); err != nil {
			p.log.Error("authorized keys", "instance", id, "err", err)
		}
	}
	if err := sup.Ensure(append(specs, more...)); err != nil {
		p.log.Error("daemons", "err", err)
	}
	// Only instances that ran user data have a directory, and so a console: with 500
	// instances running, a stat of each one's console on every sync would cost more than
	// the rest of a partial sync.
	entries, _ := os.ReadDir(p.dir)
	for _, e := range entries {
		inst, ok := n.Instances[e.Name()]
		switch {
		case !ok: // gone from the store altogether: its processes are stopped above
			os.RemoveAll(p.instanceDir(e.Name()))
			p.mu.Lock()
			delete(p.console, e.Name())
			delete(p.keys, e.Name())
			p.mu.Unlock()
		case inst.Running:
			p.recordConsole(ctx, inst)
		}
	}
}

// spec is the run-once daemon of an instance's user data.
func (p *processes) spec(id string) supervise.Spec {
	dir := p.instanceDir(id)
	return supervise.Spec{
		Name:      userDataDaemon(id),
		Namespace: id,
		Argv:      []string{filepath.Join(dir, "user-data")},
		Dir:       dir,
		Output:    filepath.Join(dir, "console.log"),
		Restart:   supervise.RestartNever,
	}
}

// prepare writes a running instance's script and reports whether its daemon is wanted:
// user data that has not run, or that runs (or ran) under the supervisor. User data that
// ran where the supervisor cannot tell (before a restart, without cgroups) is left alone.
func (p *processes) prepare(sup *supervise.Supervisor, inst *model.Instance) (bool, error) {
	if !bytes.HasPrefix(inst.UserData, []byte("#!")) {
		return false, nil
	}
	dir := p.instanceDir(inst.ID)
	if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
		return sup.Has(userDataDaemon(inst.ID)), nil
	}
	if _, err := os.Stat(filepath.Join("/run/netns", inst.ID)); err != nil {
		return false, nil // the namespace is not there yet; the next reconcile starts it
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, err
	}
	if err := os.WriteFile(filepath.Join(dir, "user-data"), inst.UserData, 0o700); err != nil {
		return false, err
	}
	// Mark it as run before it runs: a crash now must not run it twice.
	if err := os.WriteFile(filepath.Join(dir, "ran"), nil, 0o600); err != nil {
		return false, err
	}
	return true, nil
}

// writeAuthorizedKeys keeps the public key of the instance's key pair in its directory
// as authorized_keys, for the metadata service to serve (public-keys/0/openssh-key).
func (p *processes) writeAuthorizedKeys(inst *model.Instance) error {
	if inst.PublicKey == "" {
		return nil
	}
	// Written once per process and key, so that a partial sync reads no file for it.
	p.mu.Lock()
	done := p.keys[inst.ID] == inst.PublicKey
	p.mu.Unlock()
	if done {
		return nil
	}
	path, want := filepath.Join(p.instanceDir(inst.ID), "authorized_keys"), []byte(inst.PublicKey+"\n")
	if have, err := os.ReadFile(path); err != nil || !bytes.Equal(have, want) {
		if err := os.MkdirAll(p.instanceDir(inst.ID), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(path, want, 0o600); err != nil {
			return err
		}
	}
	p.mu.Lock()
	if p.keys == nil {
		p.keys = map[string]string{}
	}
	p.keys[inst.ID] = inst.PublicKey
	p.mu.Unlock()
	return nil
}

// stopAll ends every process the data plane started and removes their cgroups.
func (p *processes) stopAll() {
	sup := p.supervisor()
	if sup == nil {
		return
	}
	if err := sup.Destroy(); err != nil {
		p.log.Error("stop user data", "err", err)
	}
}

// Daemons is the state of the daemons the data plane runs on this host, for metrics.
func (d *Dataplane) Daemons() []supervise.Status {
	sup := d.processes.supervisor()
	if sup == nil {
		return nil
	}
	return sup.Status()
}

// report hands a record to the reporter, once the first sync has made it.
func (p *processes) report(ctx context.Context, rec record) {
	p.mu.Lock()
	rep := p.rep
	p.mu.Unlock()
	if rep != nil {
		rep.report(ctx, rec)
	}
}

// recordConsole reports an instance's console output to the store when it grew.
func (p *processes) recordConsole(ctx context.Context, inst *model.Instance) {
	path := filepath.Join(p.instanceDir(inst.ID), "console.log")
	fi, err := os.Stat(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			p.log.Error("console output", "instance", inst.ID, "err", err)
		}
		return
	}
	p.mu.Lock()
	same := p.console[inst.ID] == fi.Size()
	p.mu.Unlock()
	if same {
		return
	}
	id, caller := inst.ID, control.Caller{Account: inst.Owner, Region: inst.Region}
	p.rep.report(ctx, record{key: "console/" + id, write: func(ctx context.Context, svc *control.Service) error {
		out, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := svc.SetConsoleOutput(ctx, caller, id, out); err != nil {
			return err
		}
		p.mu.Lock()
		p.console[id] = int64(len(out))
		p.mu.Unlock()
		return nil
	}})
}
