package dataplane

import (
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
