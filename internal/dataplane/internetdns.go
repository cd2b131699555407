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
// resolving to its public address (resolver.ForInternet). ok is false while the internet
// namespace is not there.
func (s *vpcServices) internetDaemon(n *model.Network, full bool) (supervise.Spec, bool) {
	if s.internet == "" {
		return supervise.Spec{}, false
	}
	if _, err := os.Stat(filepath.Join("/run/netns", s.internet)); err != nil {
		return supervise.Spec{}, false
	}
	cfg := &vpcsvc.Config{VPC: internetServices, DNS: resolver.ForInternet(n), DNSAddrs: []netip.Addr{plan.InternetHost, plan.InternetHost6}}
	return s.daemon(internetServices, s.internet, cfg, full)
}
