// Package informer keeps the model of the network current from the store, the "informer"
// box of DESIGN.md: it lists the store once, at a revision, then applies the store's watch
// events after that revision, and says which VPCs each event changed (and which security
// groups' members), so that the data plane re-plans only those. A change the model does
// not see (a tag, a description, console output) changes nothing.
//
// It is not safe for concurrent use: one goroutine (the data plane's loop) owns it, reads
// Events and calls Apply, and reads the model between calls.
package informer

import (
	"context"
	"fmt"

	"vpcd/internal/control"
	"vpcd/internal/model"
	"vpcd/internal/store"
)

// Informer is the model of one store, as of Revision.
type Informer struct {
	st     store.Store
	b      *control.NetworkBuilder
	listed int64 // the listing's revision: events up to it are in the model already
	rev    int64
	events <-chan store.Event
	cancel context.CancelFunc
}

// New returns an informer of st; List fills it.
func New(st store.Store) *Informer {
	return &Informer{st: st, b: control.NewNetworkBuilder()}
}

// Changes is what events did to the model since the caller last emptied it: the VPCs
// whose part changed and the security groups whose members changed. After List, anything
// may have changed: the caller plans everything.
type Changes struct {
	VPCs   map[string]bool
	Groups map[string]bool
}

// Empty reports whether nothing changed.
func (c *Changes) Empty() bool { return len(c.VPCs) == 0 && len(c.Groups) == 0 }

func (c *Changes) add(nc control.NetworkChange) {
	for _, v := range nc.VPCs {
		if c.VPCs == nil {
			c.VPCs = map[string]bool{}
		}
		c.VPCs[v] = true
	}
	for _, g := range nc.Groups {
		if c.Groups == nil {
			c.Groups = map[string]bool{}
		}
		c.Groups[g] = true
	}
}

// List reads the store whole and watches it from the listing's revision on: the model is
// then as of that revision, and the watch's events bring it forward with nothing missed
// between the two. The watch ends with ctx, or at the next List.
func (i *Informer) List(ctx context.Context) error {
	if i.cancel != nil {
		i.cancel()
	}
	kvs, rev, err := i.st.List(ctx, "")
	if err != nil {
		return fmt.Errorf("list the store: %w", err)
	}
	b := control.NewNetworkBuilder()
	for _, kv := range kvs {
		if _, err := b.Put(kv.Key, kv.Value); err != nil {
			return err
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	i.b, i.listed, i.rev, i.events, i.cancel = b, rev, rev, i.st.Watch(wctx, "", rev), cancel
	return nil
}

// Events are the store's changes for Apply. The channel closes when the store drops a
// watcher that fell behind, after an event whose Err says the store no longer has the
// history it needed (compacted), or when ctx ends: then List again.
func (i *Informer) Events() <-chan store.Event { return i.events }

// Apply brings the model forward by one event of Events and adds what it changed to c.
func (i *Informer) Apply(ev store.Event, c *Changes) error {
	if ev.Err != nil {
		return fmt.Errorf("watch from revision %d: %w", i.rev, ev.Err)
	}
	if ev.Rev <= i.listed {
		return nil // in the listing already
	}
	i.rev = ev.Rev
	if ev.Delete {
		c.add(i.b.Delete(ev.Key))
		return nil
	}
	nc, err := i.b.Put(ev.Key, ev.Value)
	if err != nil {
		return err
	}
	c.add(nc)
	return nil
}

// Revision is the store revision the model is at.
func (i *Informer) Revision() int64 { return i.rev }

// The model, and what plan.Source asks of it; read-only for the caller, and only between
// calls of List and Apply.

func (i *Informer) Network() *model.Network       { return i.b.Network() }
func (i *Informer) VPC(id string) *model.Network  { return i.b.VPC(id) }
func (i *Informer) Members(group string) []string { return i.b.Members(group) }
func (i *Informer) Peerings(vpc string) []string  { return i.b.Peerings(vpc) }
