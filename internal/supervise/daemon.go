package supervise

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// daemon is one supervised daemon. Its run goroutine is its owner; the fields below the
// line are guarded by the supervisor's mutex.
type daemon struct {
	spec   Spec
	fp     string
	cg     string // its cgroup; empty without cgroups
	ctx    context.Context
	cancel context.CancelFunc

	// ---
	adopted bool          // found in the cgroup tree and not yet claimed by Ensure
	killing bool          // stop, not detach: the end of ctx kills the processes
	done    chan struct{} // closed when run returns
	pidfd   int           // of the running main process this vpcd started; -1 if none
	status  Status
}

func (s *Supervisor) cgroupOf(name, fp string) string {
	if s.tree == "" {
		return ""
	}
	return filepath.Join(s.tree, name+"."+fp)
}

// newDaemon makes the daemon of sp and its cgroup. The cgroup is made before the process
// starts, so that a vpcd that crashes in between finds that the daemon may have run.
func (s *Supervisor) newDaemon(sp Spec) (*daemon, error) {
	d := &daemon{spec: sp, fp: sp.fingerprint(), pidfd: -1, done: make(chan struct{})}
	d.cg = s.cgroupOf(sp.Name, d.fp)
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.status = Status{Name: sp.Name, State: Starting, ExitCode: -1}
	if d.cg != "" {
		if err := os.Mkdir(d.cg, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("daemon %s: %w", sp.Name, err)
		}
	}
	return d, nil
}

// adopt is a daemon found in the cgroup tree: started by a previous vpcd. Its spec is
// known once Ensure asks for it.
func (s *Supervisor) adopt(dir string) *daemon {
	name, fp := dir, ""
	if i := strings.LastIndexByte(dir, '.'); i > 0 {
		name, fp = dir[:i], dir[i+1:]
	}
	d := &daemon{spec: Spec{Name: name}, fp: fp, cg: filepath.Join(s.tree, dir), adopted: true, pidfd: -1, done: make(chan struct{})}
	close(d.done) // no run goroutine until Ensure claims it
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.status = Status{Name: name, State: Exited, ExitCode: -1}
	if populated(d.cg) {
		d.status.State = Running
	}
	s.cfg.Logger.Info("daemon found from a previous vpcd", "daemon", name, "state", d.status.State)
	return d
}

// run is the daemon's life: start, wait, and start again by the restart policy with a
// growing backoff, until it is stopped or detached. A claimed adopted daemon begins by
// waiting for the processes of the previous vpcd to end.
func (s *Supervisor) run(d *daemon, adopted bool) {
	defer close(d.done)
	failures := 0
	for {
		code, ran := -1, time.Duration(0)
		if adopted {
			adopted = false
			if err := waitEmpty(d.ctx, d.cg); err != nil {
				return
			}
		} else {
			began := s.cfg.clock.Now()
			code = s.runOnce(d)
			ran = s.cfg.clock.Now().Sub(began)
		}
		if d.ctx.Err() != nil {
			return
		}
		if !d.spec.Restart.again(code) {
			s.setState(d, Exited, code)
			s.cfg.Logger.Info("daemon ended", "daemon", d.spec.Name, "code", code)
			return
		}
		if ran >= s.cfg.Backoff.Stable {
			failures = 0
		}
		failures++
		delay := s.cfg.Backoff.delay(failures)
		s.setState(d, Restarting, code)
		s.cfg.Logger.Warn("daemon ended; restarting", "daemon", d.spec.Name, "code", code, "in", delay)
		// What the ended process left behind (children it forked) goes before the next
		// one starts, as a service manager does, and so does the cgroup: start makes a
		// new one. A process cloned into a cgroup that was once killed through
		// cgroup.kill is killed at birth on some kernels (6.18 here), so a cgroup is
		// never reused after a kill.
		if d.cg != "" {
			if err := removeCgroup(d.cg); err != nil {
				s.cfg.Logger.Error("daemon: clear cgroup", "daemon", d.spec.Name, "err", err)
			}
		}
		select {
		case <-d.ctx.Done():
			return
		case <-s.cfg.clock.After(delay):
		}
		s.mu.Lock()
		d.status.Restarts++
		s.mu.Unlock()
	}
}

// runOnce starts the process and waits for it to end; it returns its exit code, -1 for a
// signal or a failed start.
func (s *Supervisor) runOnce(d *daemon) int {
	cmd, pidfd, err := s.start(d)
	if err != nil {
		s.cfg.Logger.Error("daemon did not start", "daemon", d.spec.Name, "err", err)
		return -1
	}
	s.mu.Lock()
	d.pidfd = pidfd
	d.status.State, d.status.PID = Running, cmd.Process.Pid
	s.mu.Unlock()
	s.cfg.Logger.Info("daemon started", "daemon", d.spec.Name, "pid", cmd.Process.Pid, "netns", d.spec.Namespace)
	ended := make(chan struct{})
	go func() { // ends with the process
		select {
		case <-ended:
		case <-d.ctx.Done():
			s.mu.Lock()
			if d.killing {
				s.kill(d)
			}
			s.mu.Unlock()
		}
	}()
	cmd.Wait()
	close(ended)
	s.mu.Lock()
	unix.Close(d.pidfd)
	d.pidfd, d.status.PID = -1, 0
	s.mu.Unlock()
	return cmd.ProcessState.ExitCode()
}

// start starts the daemon's process: in its own session, so that it outlives vpcd; in
// its cgroup from the first instruction (CLONE_INTO_CGROUP), so that nothing it forks
// escapes; with a pidfd to signal it by.
func (s *Supervisor) start(d *daemon) (*exec.Cmd, int, error) {
	argv := d.spec.Argv
	if d.spec.Namespace != "" {
		argv = s.cfg.Enter(d.spec.Namespace, argv)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), d.spec.Env...)
	cmd.Dir = d.spec.Dir
	if d.spec.Output != "" {
		out, err := os.OpenFile(d.spec.Output, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, -1, err
		}
		defer out.Close()
		cmd.Stdout, cmd.Stderr = out, out
	}
	pidfd := -1
	attr := &syscall.SysProcAttr{Setsid: true, PidFD: &pidfd}
	if d.cg != "" {
		// The cgroup may have gone (a cleanup meanwhile): make it again.
		if err := os.Mkdir(d.cg, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, -1, err
		}
		dir, err := os.Open(d.cg)
		if err != nil {
			return nil, -1, err
		}
		defer dir.Close()
		attr.UseCgroupFD, attr.CgroupFD = true, int(dir.Fd())
	}
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		return nil, -1, err
	}
	return cmd, pidfd, nil
}

// kill sends SIGKILL to the daemon's processes: the whole cgroup, or without cgroups the
// main process through its pidfd. The caller holds s.mu.
func (s *Supervisor) kill(d *daemon) {
	if d.cg != "" {
		if err := killCgroup(d.cg); err != nil {
			s.cfg.Logger.Error("kill daemon", "daemon", d.spec.Name, "err", err)
		}
		return
	}
	if d.pidfd >= 0 {
		unix.PidfdSendSignal(d.pidfd, unix.SIGKILL, nil, 0)
	}
}

// stop kills the daemon's processes, waits for its run goroutine and removes its cgroup.
func (s *Supervisor) stop(d *daemon) error {
	s.mu.Lock()
	d.killing = true
	s.kill(d)
	done := d.done
	s.mu.Unlock()
	d.cancel()
	select {
	case <-done:
	case <-time.After(stopTimeout):
		return fmt.Errorf("daemon %s does not end", d.spec.Name)
	}
	if d.cg != "" {
		if err := removeCgroup(d.cg); err != nil {
			return err
		}
	}
	s.cfg.Logger.Info("daemon stopped", "daemon", d.spec.Name)
	return nil
}

// detach lets go of the daemon without stopping its processes. The caller holds s.mu.
func (d *daemon) detach() { d.cancel() }

func (s *Supervisor) setState(d *daemon, st State, code int) {
	s.mu.Lock()
	d.status.State, d.status.ExitCode = st, code
	s.mu.Unlock()
}
