package dataplane

import (
	"net/netip"
	"os"
	"path/filepath"

	"vpcd/internal/model"
	"vpcd/internal/plan"
	"vpcd/internal/resolver"
	"vpcd/internal/supervise"
	"vpcd/internal/vpcsvc"
)

// internetServices names the services daemon of the simulated internet, as a VPC ID
// names a VPC's.
const internetServices = "internet"

// internetDaemon is the simulated internet's resolver: a services daemon in the internet
// namespace whose DNS server answers at the internet's own addresses (plan.InternetHost,
// plan.InternetHost6), port 53, with the public names of every VPC that gives them, each
// resolving to its public address (resolver.ForInternet). It answers at a unix socket
// too, the upstream of every VPC's resolver (internetUpstream): a VPC's instances resolve
// the public names of other VPCs as the internet does, through no route. ok is false
// while the internet namespace is not there.
func (s *vpcServices) internetDaemon(n *model.Network, full bool) (supervise.Spec, bool) {
	if s.internet == "" {
		return supervise.Spec{}, false
	}
	if _, err := os.Stat(filepath.Join("/run/netns", s.internet)); err != nil {
		return supervise.Spec{}, false
	}
	cfg := &vpcsvc.Config{VPC: internetServices, DNS: resolver.ForInternet(n), DNSAddrs: []netip.Addr{plan.InternetHost, plan.InternetHost6},
		DNSSocket: s.internetSocket()}
	return s.daemon(internetServices, s.internet, cfg, full)
}

func (s *vpcServices) internetSocket() string { return filepath.Join(s.dir, internetServices+".sock") }

// internetUpstream is the internet's resolver as the upstream of a VPC's.
func (s *vpcServices) internetUpstream() string { return "unix:" + s.internetSocket() }
