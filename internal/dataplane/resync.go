package dataplane

import (
	"context"
	"errors"
	"time"

	"vpcd/internal/linux"
)

// resync is a full sync under way. Its start plans every VPC again; each step then
// reconciles one namespace to the plan as it is at that step, so that a partial sync run
// between two steps is never undone by a plan older than its own; its end syncs the
// instances' files and processes. Reconciling the ~500 namespaces of 500 instances takes
// a second or more: in one piece, every change that came meanwhile waited for all of it.
type resync struct {
	names   []string // to reconcile still, in order
	changes int
	errs    []error
	took    time.Duration // in its own steps, the partial syncs between them not counted
}

// startResync plans every VPC again and lists what the full sync reconciles: first the
// namespaces this vpcd owns that the plan no longer has (deleting one also deletes the
// peers of its veths elsewhere), then every planned namespace.
func (d *Dataplane) startResync() *resync {
	started := time.Now()
	d.planner.SetSites(readSites(d.cfg.DataDir, d.cfg.Logger))
	u := d.planner.PlanAll(d.informer)
	rs := &resync{}
	// Claim the namespaces before making them, so that a crash in between leaks nothing:
	// the next start owns, and so removes or repairs, whatever was made.
	if err := d.registry.add(u.Changed...); err != nil {
		rs.errs = append(rs.errs, err)
		return rs // nothing to reconcile: the full sync ends failed at its first step
	}
	planned := make(map[string]bool, len(u.Changed))
	for _, name := range u.Changed {
		planned[name] = true
	}
	for _, name := range d.registry.list() {
		if !planned[name] {
			rs.names = append(rs.names, name)
		}
	}
	rs.names = append(rs.names, u.Changed...)
	rs.took = time.Since(started)
	return rs
}

// resyncStep reconciles the next namespace of rs and reports whether rs is done.
func (d *Dataplane) resyncStep(ctx context.Context, rs *resync) bool {
	if len(rs.names) == 0 {
		return true
	}
	started := time.Now()
	defer func() { rs.took += time.Since(started) }()
	names := d.withMissingPeers(rs.names[0])
	rs.names = rs.names[1:]
	want := d.planner.Namespaces(names)
	planned := map[string]bool{}
	for _, ns := range want.Namespaces {
		planned[ns.Name] = true
	}
	var claim, gone []string
	for _, name := range names {
		if planned[name] {
			claim = append(claim, name)
		} else {
			gone = append(gone, name)
		}
	}
	if err := d.registry.add(claim...); err != nil {
		rs.errs = append(rs.errs, err)
		return len(rs.names) == 0
	}
	changes, err := d.kernel.ApplyNamespaces(ctx, want, names)
	rs.changes += changes
	if err == nil {
		err = d.registry.remove(gone...)
	}
	if err != nil {
		rs.errs = append(rs.errs, err)
	}
	return len(rs.names) == 0
}

// withMissingPeers is the namespace, with the planned namespaces linked to it that do not
// exist, and those linked to them that do not, and so on: a namespace is made in the same
// step as the namespaces it links to, so that each has its firewall before any link comes
// up (the realizer never makes a namespace only because a link leads to it). After a
// restart on an empty kernel, the first step makes everything.
func (d *Dataplane) withMissingPeers(name string) []string {
	names := []string{name}
	seen := map[string]bool{name: true}
	for i := 0; i < len(names); i++ {
		for _, ns := range d.planner.Namespaces(names[i : i+1]).Namespaces {
			if ns.Name != names[i] {
				continue
			}
			for _, l := range ns.Links {
				if peer := l.Peer.Namespace; !seen[peer] && !linux.HasNamespace(peer) {
					seen[peer] = true
					names = append(names, peer)
				}
			}
		}
	}
	return names
}

// finishResync ends a full sync: the instances' files and processes, the metrics of what
// is realized, and every error of its steps.
func (d *Dataplane) finishResync(ctx context.Context, rs *resync) error {
	started := time.Now()
	if rs.changes > 0 {
		d.cfg.Logger.Info("data plane reconciled", "changes", rs.changes)
	}
	d.syncInstances(ctx, true)
	want := d.planner.State()
	d.cfg.Metrics.SetRealized(len(want.Namespaces), plannedRules(want))
	rs.took += time.Since(started)
	return errors.Join(rs.errs...)
}
