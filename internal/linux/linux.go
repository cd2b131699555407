// Package linux is the realizer, the bottom box of the picture in DESIGN.md: it makes the
// kernel of this host match a plan.State. It creates and deletes the named network
// namespaces that vpcd owns, and inside each one sets sysctls, veth pairs, addresses,
// routes, policy rules and one nftables table ("inet vpcd") compiled from the plan's
// firewall. Apply is an idempotent reconcile: it reads what the kernel has, changes only
// what differs, and so also repairs drift (a deleted route, link, rule or namespace, a
// flipped sysctl). It talks to the kernel through netlink (vishvananda/netlink and
// google/nftables) and /proc/sys, never by running ip or nft, and never touches the root
// namespace (but to make the overlay's VXLAN links there, or in Config.Home, and move
// them out at once: overlay.go) or any namespace that Config.Owned does not claim.
package linux

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"vpcd/internal/plan"
)

// Config says what the realizer may touch and where it logs.
type Config struct {
	// Owned reports whether vpcd owns the namespace of that name: Apply deletes owned
	// namespaces that are not in the plan, and never creates, changes or deletes any other.
	Owned func(namespace string) bool
	// Logger receives one line per change made to the kernel; nil discards them.
	Logger *slog.Logger
	// Home names the namespace that is the host's root, where VXLAN links are made
	// (vpcd agent --host-netns); "" is the namespace vpcd runs in.
	Home string
}

// Kernel reconciles the kernel of this host to plan states. Its methods may be called from
// several goroutines; they run one at a time.
type Kernel struct {
	owned func(string) bool
	log   *slog.Logger
	home  string
	mu    sync.Mutex
	// rulesets are the namespaces' rulesets as last read back, by namespace name.
	rulesets map[string]rulesetCheck
}

// New returns a realizer. Without Config.Owned it owns no namespace and Apply refuses
// every plan that names one.
func New(cfg Config) *Kernel {
	k := &Kernel{owned: cfg.Owned, log: cfg.Logger, home: cfg.Home, rulesets: map[string]rulesetCheck{}}
	if k.owned == nil {
		k.owned = func(string) bool { return false }
	}
	if k.log == nil {
		k.log = slog.New(slog.DiscardHandler)
	}
	return k
}

// Apply makes the kernel match want and returns the number of changes it made: 0 when the
// kernel already matched. It goes on after an error in one namespace or object and returns
// all errors joined, so that one bad piece does not hold back the rest.
func (k *Kernel) Apply(ctx context.Context, want plan.State) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.check(want); err != nil {
		return 0, err
	}
	a := &apply{k: k, ctx: ctx, ns: map[string]*nsConn{}}
	defer a.close()
	a.run(want)
	return a.changes, errors.Join(a.errs...)
}

// ApplyNamespaces makes only the named namespaces match want and leaves the others as they
// are: a named namespace that want holds is created or reconciled, one it does not hold is
// deleted (when owned). want must also hold the namespaces at the other end of the named
// ones' links, which declare those links back; such a namespace is changed only when a
// link to it had to be made again, and then only its side of that link (addresses,
// routes and rules that lean on it). It returns the number of changes and every error, as
// Apply does.
func (k *Kernel) ApplyNamespaces(ctx context.Context, want plan.State, names []string) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.check(want); err != nil {
		return 0, err
	}
	only := map[string]bool{}
	for _, n := range names {
		only[n] = true
	}
	a := &apply{k: k, ctx: ctx, ns: map[string]*nsConn{}, only: only}
	defer a.close()
	a.run(want)
	return a.changes, errors.Join(a.errs...)
}

// Destroy deletes the named namespaces, or every owned namespace when no name is given
// (vpcd cleanup). Names that are not owned are refused; names that do not exist are fine.
func (k *Kernel) Destroy(ctx context.Context, names ...string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(names) == 0 {
		all, err := listNamespaces()
		if err != nil {
			return err
		}
		for _, n := range all {
			if k.owned(n) {
				names = append(names, n)
			}
		}
	}
	var errs []error
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !k.owned(n) {
			errs = append(errs, fmt.Errorf("netns %s is not owned by vpcd", n))
			continue
		}
		delete(k.rulesets, n)
		if err := delNamespace(n); err != nil {
			errs = append(errs, fmt.Errorf("delete netns %s: %w", n, err))
			continue
		}
		k.log.Info("netns deleted", "netns", n)
	}
	return errors.Join(errs...)
}

// check refuses plans that would touch namespaces vpcd does not own, or are ambiguous.
func (k *Kernel) check(want plan.State) error {
	seen := map[string]bool{}
	for _, ns := range want.Namespaces {
		if !k.owned(ns.Name) {
			return fmt.Errorf("plan names netns %q, which vpcd does not own", ns.Name)
		}
		if seen[ns.Name] {
			return fmt.Errorf("plan names netns %q twice", ns.Name)
		}
		seen[ns.Name] = true
	}
	return nil
}

// apply is one run of Apply: the open namespaces, the count of changes, the errors.
type apply struct {
	k       *Kernel
	ctx     context.Context
	ns      map[string]*nsConn
	changes int
	errs    []error
	// only, when set, are the namespaces to reconcile (ApplyNamespaces); the others in
	// the plan are there for their links.
	only map[string]bool
	// relinked are the namespaces outside only where a veth was made again: their side
	// of it is reconciled too.
	relinked map[string]bool
}

// reconciles reports whether this run reconciles the namespace.
func (a *apply) reconciles(name string) bool { return a.only == nil || a.only[name] }

// nsConn is an open namespace with a netlink handle inside it.
type nsConn struct {
	name string
	fd   netns.NsHandle
	ino  uint64 // the namespace's inode, which tells it from one made again under its name
	nl   *netlink.Handle
	// addrs are the addresses of each link, by index, from one dump; nil until taken.
	addrs map[int][]netlink.Addr
}

func (a *apply) close() {
	for _, c := range a.ns {
		c.nl.Close()
		c.fd.Close()
	}
}

// changed counts and logs one change to the kernel.
func (a *apply) changed(ns, what string, args ...any) {
	a.changes++
	a.k.log.Info(what, append([]any{"netns", ns}, args...)...)
}

func (a *apply) fail(ns string, err error) {
	if err != nil {
		a.errs = append(a.errs, fmt.Errorf("netns %s: %w", ns, err))
	}
}

func (a *apply) run(want plan.State) {
	wanted := map[string]bool{}
	for _, ns := range want.Namespaces {
		wanted[ns.Name] = true
	}
	// Namespaces first: deleting one also deletes the peers of its veths elsewhere.
	existing, err := a.existing()
	if err != nil {
		a.errs = append(a.errs, err)
		return
	}
	for _, name := range existing {
		if wanted[name] || !a.k.owned(name) || !a.reconciles(name) {
			continue
		}
		delete(a.k.rulesets, name)
		if err := delNamespace(name); err != nil {
			a.fail(name, fmt.Errorf("delete: %w", err))
			continue
		}
		a.changed(name, "netns deleted")
	}
	var live, linked []plan.Namespace
	for _, ns := range want.Namespaces {
		if err := a.ctx.Err(); err != nil {
			a.errs = append(a.errs, err)
			return
		}
		if !a.reconciles(ns.Name) {
			linked = append(linked, ns)
			continue
		}
		if err := a.open(ns.Name); err != nil {
			a.fail(ns.Name, err)
			continue
		}
		live = append(live, ns)
	}
	// The firewall goes in before links come up, so no packet passes unfiltered; the links
	// of a namespace whose firewall failed are left as they are.
	unfiltered := map[string]bool{}
	for _, ns := range live {
		c := a.ns[ns.Name]
		a.fail(ns.Name, inNamespace(c.fd, func() error {
			changed, err := setSysctls(ns.Sysctls)
			for _, kv := range changed {
				a.changed(ns.Name, "sysctl set", "sysctl", kv)
			}
			return err
		}))
		if err := a.firewall(c, ns); err != nil {
			a.fail(ns.Name, err)
			unfiltered[ns.Name] = true
		}
	}
	a.links(live, linked)
	// Every link is up (and settled) before any namespace gets its routes: a packet routed
	// into a link whose other end is still down starts a neighbour resolution that is
	// lost, and retried only a second later.
	all := append(live, linked...)
	for _, step := range []func(*nsConn, plan.Namespace) error{a.linkState, a.routesAndRules} {
		for _, ns := range all {
			if err := a.ctx.Err(); err != nil {
				a.errs = append(a.errs, err)
				return
			}
			if unfiltered[ns.Name] || !a.reconciles(ns.Name) && !a.relinked[ns.Name] {
				continue
			}
			a.fail(ns.Name, step(a.ns[ns.Name], ns))
		}
	}
}

func (a *apply) routesAndRules(c *nsConn, ns plan.Namespace) error {
	return errors.Join(a.overlayEntries(c, ns), a.routes(c, ns), a.rules(c, ns))
}

// existing are the namespaces that this run may delete: all of them, or those named.
func (a *apply) existing() ([]string, error) {
	if a.only == nil {
		return listNamespaces()
	}
	var out []string
	for name := range a.only {
		if _, err := os.Stat(filepath.Join(netnsDir, name)); err == nil {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// open opens the namespace, creating it when it is missing.
func (a *apply) open(name string) error {
	if a.openExisting(name) == nil {
		return nil
	}
	if err := addNamespace(name); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	a.changed(name, "netns created")
	return a.openExisting(name)
}

// openExisting opens the namespace, an error when it is missing.
func (a *apply) openExisting(name string) error {
	fd, err := openNamespace(name)
	if err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(fd), &st); err != nil {
		fd.Close()
		return fmt.Errorf("stat: %w", err)
	}
	h, err := netlink.NewHandleAt(fd)
	if err != nil {
		fd.Close()
		return fmt.Errorf("netlink handle: %w", err)
	}
	a.ns[name] = &nsConn{name: name, fd: fd, ino: st.Ino, nl: h}
	return nil
}
