package dataplane

import (
	"os"
	"path/filepath"

	"vpcd/internal/model"
	"vpcd/internal/plan"
	"vpcd/internal/resolver"
	"vpcd/internal/supervise"
	"vpcd/internal/vpcsvc"
)

// endpointDaemons are the DNS daemons of the Route 53 Resolver endpoints' interfaces: a
// services daemon in each interface's namespace (plan.ResolverEndpointNamespace), whose
// resolver is resolver.ForEndpoint's. An inbound endpoint's answers at the interface's
// addresses, port 53, UDP and TCP, what its VPC's DNS server answers; an outbound
// endpoint's answers at a unix socket (endpointSocket) the VPC resolvers whose rules
// forward through it (endpointVia), and forwards from the interface's address. A
// daemon runs while its interface's namespace is here; the IDs of those written are
// marked in here.
func (s *vpcServices) endpointDaemons(n *model.Network, full bool, here map[string]bool) []supervise.Spec {
	var specs []supervise.Spec
	for _, eni := range laidOut(n, func(eni *model.Interface) bool { return eni.ResolverEndpoint != "" }) {
		id, ns := eni.ID, plan.ServiceInterfaceNamespace(eni.ID)
		dns := resolver.ForEndpoint(n, id)
		if dns == nil {
			continue
		}
		here[id] = true
		cfg := &vpcsvc.Config{VPC: eni.VPC, DNS: dns}
		if eni.ResolverInbound() {
			cfg.DNSAddrs = eni.PrivateIPs
		} else {
			cfg.DNSSocket = s.endpointSocket(id)
		}
		if spec, ok := s.daemon(id, ns, cfg, full); ok {
			specs = append(specs, spec)
		}
	}
	return specs
}

// laidOut are the interfaces that keep takes and whose namespace
// (plan.ServiceInterfaceNamespace) is laid out here, in ID order.
func laidOut(n *model.Network, keep func(*model.Interface) bool) []*model.Interface {
	var out []*model.Interface
	for _, id := range model.SortedKeys(n.Interfaces) {
		eni := n.Interfaces[id]
		if !keep(eni) {
			continue
		}
		if _, err := os.Stat(filepath.Join("/run/netns", plan.ServiceInterfaceNamespace(id))); err != nil {
			continue // not laid out (yet)
		}
		out = append(out, eni)
	}
	return out
}

// endpointSocket is where the daemon of an outbound endpoint's interface answers.
func (s *vpcServices) endpointSocket(eni string) string { return filepath.Join(s.dir, eni+".sock") }

// endpointVia makes the rules of a VPC's resolver that forward through an outbound
// endpoint ask the daemons of its interfaces, in turn, instead of the targets
// themselves: the queries leave from the endpoint's addresses, through its groups, its
// subnets' ACLs and route tables, as AWS's do.
func (s *vpcServices) endpointVia(c *resolver.Config) {
	if c == nil {
		return
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		if len(r.Via) == 0 {
			continue
		}
		r.Targets = nil
		for _, eni := range r.Via {
			r.Targets = append(r.Targets, "unix:"+s.endpointSocket(eni))
		}
		r.Via = nil
	}
}
