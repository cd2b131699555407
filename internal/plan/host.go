package plan

import (
	"slices"

	"vpcd/internal/model"
)

// Carries reports whether the host carries the instance: on the local host (one machine)
// every instance; on one of several hosts, those placed on it (model.Instance.Host).
func (h Host) Carries(inst *model.Instance) bool {
	return h.ID == LocalHost || inst.Host == h.ID
}

// carriesVPC reports whether the host carries a running instance of the VPC: only then
// does it need the VPC's router.
func (h Host) carriesVPC(n *model.Network, vpc string) bool {
	for _, inst := range n.Instances {
		if inst.VPC == vpc && inst.Running && h.Carries(inst) {
			return true
		}
	}
	return false
}

// keepOwn cuts a VPC's plan down to what lives on this host when vpcd spans several:
// nothing when it carries no instance of the VPC; else the namespaces of its own
// instances and the VPC's router, without the router's links to the instances placed
// elsewhere and to the routers of peered VPCs it does not carry, nor the rules, routes
// and security group gates of those links. What the router would need to reach them
// (the overlay) is not planned yet. The gateways' namespaces (NAT gateways, endpoints'
// interfaces, VPN tunnels, the internet) stay on every host that carries the VPC, until
// gateways are placed too. On the local host it keeps everything.
func (h Host) keepOwn(n *model.Network, vp *vpcPlan, vpc string) {
	if h.ID == LocalHost || vp == nil {
		return
	}
	if !h.carriesVPC(n, vpc) {
		vp.namespaces, vp.internet = nil, nil
		return
	}
	elsewhere := func(name string) bool {
		if inst := n.Instances[name]; inst != nil {
			return !h.Carries(inst)
		}
		if other, ok := vpcOfRouter(name); ok && other != vpc {
			return !h.carriesVPC(n, other)
		}
		return false
	}
	router := RouterNamespace(vpc)
	vp.namespaces = slices.DeleteFunc(vp.namespaces, func(ns Namespace) bool { return elsewhere(ns.Name) })
	for i := range vp.namespaces {
		if vp.namespaces[i].Name == router {
			dropLinks(&vp.namespaces[i], elsewhere)
		}
	}
}

// vpcOfRouter is the VPC whose router the namespace is.
func vpcOfRouter(name string) (string, bool) {
	if len(name) <= len(routerPrefix) || name[:len(routerPrefix)] != routerPrefix {
		return "", false
	}
	id := name[len(routerPrefix):]
	return id, model.ValidID(id, "vpc")
}

// dropLinks takes out of a namespace its links to the namespaces that gone names, and
// what leans on them.
func dropLinks(ns *Namespace, gone func(string) bool) {
	dropped := map[string]bool{}
	ns.Links = slices.DeleteFunc(ns.Links, func(l Link) bool {
		if l.Peer.Namespace != "" && gone(l.Peer.Namespace) {
			dropped[l.Name] = true
			return true
		}
		return false
	})
	if len(dropped) == 0 {
		return
	}
	ns.Rules = slices.DeleteFunc(ns.Rules, func(r Rule) bool { return dropped[r.IIF] })
	ns.Routes = slices.DeleteFunc(ns.Routes, func(r Route) bool { return dropped[r.Dev] })
	if fw := ns.Firewall; fw != nil {
		fw.Interfaces = slices.DeleteFunc(fw.Interfaces, func(i FirewallInterface) bool { return dropped[i.Link] })
		for i := range fw.Subnets {
			fw.Subnets[i].Links = slices.DeleteFunc(fw.Subnets[i].Links, func(l string) bool { return dropped[l] })
		}
	}
}
