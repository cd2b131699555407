// Package dataplane keeps this host's kernel in step with the store: on every change (and
// every few seconds, to repair what someone changed behind vpcd's back) it reads the
// network from the control plane, lays it out with internal/plan and has internal/linux
// make the kernel match. It also runs each instance's user data in the instance's
// namespace, as cloud-init would, and records its console output.
//
// The kernel state it makes outlives vpcd: instances keep talking while vpcd is stopped or
// restarting, and on start the reconcile picks up where the kernel is.
package dataplane

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"vpcd/internal/control"
	"vpcd/internal/linux"
	"vpcd/internal/plan"
	"vpcd/internal/store"
)

// Config is the data plane's configuration, set by main.
type Config struct {
	// DataDir holds the registry of namespaces this vpcd made and the instances' user data
	// and console logs.
	DataDir string
	// InternetNamespace names the simulated internet (plan.Internet by default); two vpcd
	// on one host need different ones.
	InternetNamespace string
	// Exec is the vpcd binary, run as `vpcd exec INSTANCE -- SCRIPT` to start user data.
	Exec string
	// Resync is how often the kernel is reconciled without a change in the store.
	Resync time.Duration
	Logger *slog.Logger
}

// Dataplane reconciles the kernel to the store.
type Dataplane struct {
	cfg       Config
	svc       *control.Service
	st        store.Store
	kernel    *linux.Kernel
	registry  *registry
	processes *processes
	resolv    *resolvConfs
}

// New returns the data plane of svc, whose store is st.
func New(svc *control.Service, st store.Store, cfg Config) (*Dataplane, error) {
	if cfg.InternetNamespace == "" {
		cfg.InternetNamespace = plan.Internet
	}
	if cfg.Resync == 0 {
		cfg.Resync = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	reg, err := openRegistry(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	d := &Dataplane{cfg: cfg, svc: svc, st: st, registry: reg}
	d.kernel = linux.New(linux.Config{Owned: reg.has, Logger: cfg.Logger})
	d.processes = newProcesses(cfg.DataDir, cfg.Exec, cfg.Logger)
	d.resolv = newResolvConfs("/etc/netns", cfg.DataDir, cfg.Logger)
	return d, nil
}

// Run reconciles until ctx ends: at once, after each change in the store, and every
// Resync.
func (d *Dataplane) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		watch := d.st.Watch(ctx, "", 0)
		if err := d.Reconcile(ctx); err != nil {
			d.cfg.Logger.Error("data plane reconcile", "err", err)
		}
		if !d.wait(ctx, watch) {
			continue // the watcher fell behind: watch again and reconcile everything
		}
	}
	return nil
}

// wait returns after a change that matters, a resync period or the end of ctx; false
// when the watch ended and must be started again.
func (d *Dataplane) wait(ctx context.Context, watch <-chan store.Event) bool {
	timer := time.NewTimer(d.cfg.Resync)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return true
		case <-timer.C:
			d.reconcileOrLog(ctx)
			timer.Reset(d.cfg.Resync)
		case ev, ok := <-watch:
			if !ok {
				return false
			}
			if strings.Contains(ev.Key, "/console/") {
				continue // our own console writes change nothing in the kernel
			}
			// Let a burst of writes (a RunInstances of many) settle into one reconcile.
			settle := time.After(20 * time.Millisecond)
		drain:
			for {
				select {
				case _, ok := <-watch:
					if !ok {
						return false
					}
				case <-settle:
					break drain
				}
			}
			d.reconcileOrLog(ctx)
			timer.Reset(d.cfg.Resync)
		}
	}
}

func (d *Dataplane) reconcileOrLog(ctx context.Context) {
	if err := d.Reconcile(ctx); err != nil {
		d.cfg.Logger.Error("data plane reconcile", "err", err)
	}
}

// Reconcile makes the kernel match the store once, then starts and stops instance
// processes and records their console output.
func (d *Dataplane) Reconcile(ctx context.Context) error {
	n, _, err := d.svc.Network(ctx)
	if err != nil {
		return fmt.Errorf("read network: %w", err)
	}
	want := plan.Compute(n, d.cfg.InternetNamespace)
	names := make([]string, 0, len(want.Namespaces))
	for _, ns := range want.Namespaces {
		names = append(names, ns.Name)
	}
	// Claim the namespaces before making them, so that a crash in between leaks nothing:
	// the next start owns, and so removes or repairs, whatever was made.
	if err := d.registry.add(names...); err != nil {
		return err
	}
	changes, applyErr := d.kernel.Apply(ctx, want)
	if changes > 0 {
		d.cfg.Logger.Info("data plane reconciled", "changes", changes)
	}
	if applyErr == nil {
		if err := d.registry.keepOnly(names); err != nil {
			return err
		}
	}
	d.resolv.sync(n) // before user data starts, so that it sees its resolv.conf
	d.processes.sync(ctx, n, d.svc)
	return applyErr
}

// Cleanup removes everything the data plane made on this host: the processes it started
// and the namespaces in its registry.
func (d *Dataplane) Cleanup(ctx context.Context) error {
	d.processes.stopAll()
	d.resolv.removeAll()
	names := d.registry.list()
	if len(names) == 0 {
		return nil
	}
	if err := d.kernel.Destroy(ctx, names...); err != nil {
		return err
	}
	return d.registry.keepOnly(nil)
}
