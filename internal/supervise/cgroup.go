package supervise

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// A cgroup tree is vpcd's subtree of the cgroup v2 hierarchy for one data directory:
// MOUNT/vpcd-HASH, with one child per daemon. It sits at the top of the hierarchy, beside
// (not under) vpcd's own cgroup, so that a service manager stopping vpcd does not stop
// the daemons with it: they outlive vpcd, and the next vpcd finds them by the tree.

// findCgroup2 returns where the cgroup v2 hierarchy is mounted, from mountinfo.
func findCgroup2(mountinfo string) (string, error) {
	f, err := os.Open(mountinfo)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
		fields := strings.Fields(sc.Text())
		for i, f := range fields {
			if f == "-" && i+1 < len(fields) && fields[i+1] == "cgroup2" && len(fields) > 4 {
				return unescapeMount(fields[4]), nil
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New("no cgroup2 mount in " + mountinfo)
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v byte
			ok := true
			for _, c := range s[i+1 : i+4] {
				if c < '0' || c > '7' {
					ok = false
					break
				}
				v = v*8 + byte(c-'0')
			}
			if ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// treeName is the name of the subtree of an owner (a data directory): two vpcd with two
// data directories never share one.
func treeName(owner string) string {
	if abs, err := filepath.Abs(owner); err == nil {
		owner = abs
	}
	sum := sha256.Sum256([]byte(owner))
	return "vpcd-" + hex.EncodeToString(sum[:6])
}

// openTree makes (or finds) the subtree under mount and checks that it is a writable
// cgroup v2 directory that can kill its members.
func openTree(mount, owner string) (string, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(mount, &st); err != nil {
		return "", err
	}
	if st.Type != unix.CGROUP2_SUPER_MAGIC {
		return "", fmt.Errorf("%s is not a cgroup2 file system", mount)
	}
	dir := filepath.Join(mount, treeName(owner))
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "cgroup.kill")); err != nil {
		return "", fmt.Errorf("cgroup.kill: %w (Linux 5.14 or later is needed)", err)
	}
	return dir, nil
}

// listCgroups lists the daemon cgroups of a tree.
func listCgroups(tree string) ([]string, error) {
	entries, err := os.ReadDir(tree)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// populated reports whether a cgroup has a live process; a cgroup that is gone has none.
func populated(cg string) bool {
	raw, err := os.ReadFile(filepath.Join(cg, "cgroup.events"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "populated "); ok {
			return v == "1"
		}
	}
	return false
}

// members lists the processes of a cgroup.
func members(cg string) []int {
	raw, err := os.ReadFile(filepath.Join(cg, "cgroup.procs"))
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(raw)) {
		var pid int
		if _, err := fmt.Sscan(f, &pid); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killCgroup sends SIGKILL to every process of a cgroup, the ones forked meanwhile too.
func killCgroup(cg string) error {
	err := os.WriteFile(filepath.Join(cg, "cgroup.kill"), []byte("1"), 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// waitEmpty returns when a cgroup has no live process, or with ctx's error. It waits on
// cgroup.events, which the kernel marks modified when "populated" changes.
func waitEmpty(ctx context.Context, cg string) error {
	ino, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return err
	}
	defer unix.Close(ino)
	if _, err := unix.InotifyAddWatch(ino, filepath.Join(cg, "cgroup.events"), unix.IN_MODIFY); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil // the cgroup is gone: empty
		}
		return err
	}
	buf := make([]byte, 4096)
	for populated(cg) {
		// Poll in short slices so that the end of ctx is seen without a second fd.
		fds := []unix.PollFd{{Fd: int32(ino), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, 200); err != nil && !errors.Is(err, unix.EINTR) {
			return err
		}
		unix.Read(ino, buf) // drain; the loop re-reads the state itself
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// removeCgroup kills what is left in a cgroup, waits for it to empty and removes it.
func removeCgroup(cg string) error {
	if err := killCgroup(cg); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitEmpty(ctx, cg); err != nil {
		return fmt.Errorf("cgroup %s does not empty: %w", cg, err)
	}
	// A process that has just exited may still hold the cgroup for a moment.
	for {
		err := unix.Rmdir(cg)
		if err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) || ctx.Err() != nil {
			return fmt.Errorf("remove cgroup %s: %w", cg, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
}
