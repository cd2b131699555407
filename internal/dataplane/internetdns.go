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
// names a VPC's; upstreamServices the one that asks the upstream servers of
// `vpcd serve --dns-upstream` for the internet's resolver.
const (
	internetServices = "internet"
	upstreamServices = "upstream"
	// awsServices names the daemon of the AWS services the internet hosts.
	awsServices = "internet-aws"
)

// internetDaemon is the simulated internet's resolver: a services daemon in the internet
// namespace whose DNS server answers at the internet's own addresses (plan.InternetHost,
// plan.InternetHost6), port 53, with the public names of every VPC that gives them, each
// resolving to its public address (resolver.ForInternet). It answers at a unix socket
// too, the upstream of every VPC's resolver (internetUpstream): a VPC's instances resolve
// the public names of other VPCs as the internet does, through no route. A name it does
// not know is NXDOMAIN, or, with upstream servers (s.upstream), theirs: the internet
// namespace reaches no server outside it, so the upstream daemon, in vpcd's own
// namespace, asks them for it over a unix socket (upstreamDaemon). ok is false while the
// internet namespace is not there.
func (s *vpcServices) internetDaemon(n *model.Network, full bool) (supervise.Spec, bool) {
	if s.internet == "" {
		return supervise.Spec{}, false
	}
	if _, err := os.Stat(filepath.Join("/run/netns", s.internet)); err != nil {
		return supervise.Spec{}, false
	}
	cfg := &vpcsvc.Config{VPC: internetServices, DNS: resolver.ForInternet(n), DNSAddrs: []netip.Addr{plan.InternetHost, plan.InternetHost6},
		DNSSocket: s.socket(internetServices)}
	if len(s.upstream) > 0 {
		cfg.DNS.Upstream = []string{"unix:" + s.socket(upstreamServices)}
	}
	return s.daemon(internetServices, s.internet, cfg, full)
}

// awsDaemon is the services daemon of the AWS services that the internet hosts, in
// their namespace behind it (plan.ServicesNamespace): S3 at model.S3Addr and DynamoDB at
// model.DynamoDBAddr, ports 80 and 443, for whatever reaches the internet (instances with a public address, NAT
// gateways). ok is false while that namespace is not there.
func (s *vpcServices) awsDaemon(full bool) (supervise.Spec, bool) {
	if s.internet == "" {
		return supervise.Spec{}, false
	}
	ns := plan.ServicesNamespace(s.internet)
	if _, err := os.Stat(filepath.Join("/run/netns", ns)); err != nil {
		return supervise.Spec{}, false
	}
	cfg := &vpcsvc.Config{VPC: awsServices, S3: s.withTLS(&vpcsvc.S3{Addrs: []netip.Addr{model.S3Addr}, DynamoDBAddrs: []netip.Addr{model.DynamoDBAddr}, Socket: s.apiSocket()})}
	return s.daemon(awsServices, ns, cfg, full)
}

// upstreamDaemon is the services daemon that relays to the upstream servers what the
// internet's resolver (or, while there is no internet, a VPC's) does not know: it runs
// in vpcd's namespace, answers only at its unix socket and knows no name of its own. ok
// is false without upstream servers.
func (s *vpcServices) upstreamDaemon(full bool) (supervise.Spec, bool) {
	if len(s.upstream) == 0 {
		return supervise.Spec{}, false
	}
	cfg := &vpcsvc.Config{VPC: upstreamServices, DNS: &resolver.Config{Upstream: s.upstream}, DNSSocket: s.socket(upstreamServices)}
	return s.daemon(upstreamServices, "", cfg, full)
}

// socket is where the DNS server of the services daemon id answers other resolvers.
func (s *vpcServices) socket(id string) string { return filepath.Join(s.dir, id+".sock") }

// vpcUpstream is the upstream of a VPC's resolver: the internet's, else the upstream
// daemon; "" for none.
func (s *vpcServices) vpcUpstream(hasInternet, hasUpstream bool) string {
	switch {
	case hasInternet:
		return "unix:" + s.socket(internetServices)
	case hasUpstream:
		return "unix:" + s.socket(upstreamServices)
	}
	return ""
}
