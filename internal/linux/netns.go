package linux

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// netnsDir is where `ip netns add` bind-mounts named namespaces; vpcd uses the same place
// so that `ip netns list` and `ip netns exec` see its namespaces.
const netnsDir = "/run/netns"

// inNamespace runs fn on an OS thread that has entered ns, and puts the thread back in
// the namespace it came from. A thread that cannot go back stays locked, so the Go
// runtime ends it instead of reusing it in the wrong namespace.
func inNamespace(ns netns.NsHandle, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("get current netns: %w", err)
			return
		}
		defer orig.Close()
		if err := netns.Set(ns); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter netns: %w", err)
			return
		}
		ferr := fn()
		if err := netns.Set(orig); err != nil {
			errc <- errors.Join(ferr, fmt.Errorf("return to the original netns: %w", err))
			return // the thread stays locked and dies with the goroutine
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// openNamespace returns a handle of the named namespace, or an error wrapping
// fs.ErrNotExist when there is none (or only a stale file left by a crash).
func openNamespace(name string) (netns.NsHandle, error) {
	h, err := netns.GetFromName(name)
	if err != nil {
		return netns.None(), err
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(h), &st); err != nil || st.Type != unix.NSFS_MAGIC {
		h.Close()
		return netns.None(), fmt.Errorf("netns %s: %w (not a namespace mount)", name, fs.ErrNotExist)
	}
	return h, nil
}

// shareNetnsDir makes /run/netns a mount point with shared propagation, as `ip netns add`
// does before its first namespace. Were vpcd to bind namespaces on a plain directory, the
// first `ip netns add` or `ip netns exec` run afterwards would mount the directory over
// itself and hide them.
func shareNetnsDir() error {
	if err := os.MkdirAll(netnsDir, 0o755); err != nil {
		return err
	}
	err := unix.Mount("", netnsDir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("share %s: %w", netnsDir, err)
	}
	// Not a mount point yet: bind it over itself, then share it.
	if err := unix.Mount(netnsDir, netnsDir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", netnsDir, err)
	}
	if err := unix.Mount("", netnsDir, "none", unix.MS_SHARED|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("share %s: %w", netnsDir, err)
	}
	return nil
}

// addNamespace creates the named namespace as `ip netns add` does, replacing a stale file.
func addNamespace(name string) error {
	if err := shareNetnsDir(); err != nil {
		return err
	}
	path := filepath.Join(netnsDir, name)
	if _, err := os.Lstat(path); err == nil {
		_ = unix.Unmount(path, unix.MNT_DETACH)
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("remove stale %s: %w", path, err)
		}
	}
	errc := make(chan error, 1)
	go func() {
		// netns.NewNamed moves the calling thread into the new namespace.
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("get current netns: %w", err)
			return
		}
		defer orig.Close()
		h, err := netns.NewNamed(name)
		if err == nil {
			h.Close()
		}
		if serr := netns.Set(orig); serr != nil {
			errc <- errors.Join(err, fmt.Errorf("return to the original netns: %w", serr))
			return
		}
		runtime.UnlockOSThread()
		errc <- err
	}()
	return <-errc
}

// listNamespaces returns the names under /run/netns, sorted.
func listNamespaces() ([]string, error) {
	entries, err := os.ReadDir(netnsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names, nil
}

// delNamespace removes the bind mount of the named namespace; the kernel destroys the
// namespace, with its links and their veth peers, once nothing holds it.
func delNamespace(name string) error {
	err := netns.DeleteNamed(name)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.EINVAL) {
		if rerr := os.Remove(filepath.Join(netnsDir, name)); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			return rerr
		}
		return nil
	}
	return err
}

// HasNamespace reports whether the named namespace exists: a namespace is bound at
// /run/netns/NAME (a stale file left by a crash is none).
func HasNamespace(name string) bool {
	h, err := openNamespace(name)
	if err != nil {
		return false
	}
	h.Close()
	return true
}
