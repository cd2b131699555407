package dataplane

import (
	"net/netip"

	"vpcd/internal/model"
	"vpcd/internal/plan"
)

// share is the network as this host's instances' files and processes see it: on one
// machine all of it; on one of several hosts, the same without the instances placed on
// other hosts, whose user data, console and resolv.conf are their hosts' business. (The
// VPCs' daemons run where their router's namespace is, which the planner decides.)
func (d *Dataplane) share(n *model.Network) *model.Network {
	h := plan.Host{ID: d.cfg.Host}
	if h.ID == "" || h.ID == plan.LocalHost {
		return n
	}
	out := *n
	out.Instances = make(map[string]*model.Instance, len(n.Instances))
	for id, inst := range n.Instances {
		if h.Carries(inst) {
			out.Instances[id] = inst
		}
	}
	return &out
}

// hostsChanged is closed when the live hosts change; nil (never) without Config.Hosts.
func (d *Dataplane) hostsChanged() <-chan struct{} {
	if d.cfg.Hosts == nil {
		return nil
	}
	return d.hostsNext
}

// followHosts gives the planner the live hosts' underlay addresses, for the next full
// sync, and notes the change to wait for next. A host that goes takes the routes to its
// instances with it; one that comes back brings them back.
func (d *Dataplane) followHosts() {
	if d.cfg.Hosts == nil {
		return
	}
	d.hostsNext = d.cfg.Hosts.Changed()
	underlay := map[string]netip.Addr{}
	for _, h := range d.cfg.Hosts.Live() {
		underlay[h.ID] = h.Underlay
	}
	d.planner.SetUnderlay(underlay)
}
