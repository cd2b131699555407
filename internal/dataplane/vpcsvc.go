package dataplane

import (
	"bytes"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"vpcd/internal/api"
	"vpcd/internal/imds"
	"vpcd/internal/model"
	"vpcd/internal/plan"
	"vpcd/internal/resolver"
	"vpcd/internal/supervise"
	"vpcd/internal/vpcsvc"
)

// vpcServices runs the daemon of each VPC's own services (internal/vpcsvc: the Amazon DNS
// server, instance metadata, time) inside the VPC's router namespace, while the router is
// on this host, with the config it serves in DATA_DIR/vpcsvc/VPC_ID.json. The daemon
// follows its file, so that a change reaches it without a restart; like every daemon of
// internal/supervise, it outlives vpcd.
type vpcServices struct {
	// dataDir is the data directory, where vpcd's API socket is; dir is this service's
	// directory in it.
	dataDir string
	dir     string
	exec    string
	log     *slog.Logger
	// internet is the simulated internet's namespace, where the internet's resolver runs
	// (internetdns.go); "" for none.
	internet string
	// upstream are the DNS servers (host:port) that answer the internet's resolver the
	// names it does not know; none: such a name does not exist.
	upstream []string
	// written is what each VPC's file was last written with: a sync writes only what
	// changed.
	written map[string][]byte
	// s3TLS: the S3 proxies' certificate is there (s3tls.go); endpointTLS: the interface
	// endpoints' is (interfaceendpoints.go). Each is made, or found, once.
	s3TLS, endpointTLS bool
}

func newVPCServices(dataDir, execPath string, log *slog.Logger) *vpcServices {
	return &vpcServices{dataDir: dataDir, dir: filepath.Join(dataDir, "vpcsvc"), exec: execPath, log: log, written: map[string][]byte{}}
}

// apiSocket is vpcd's API on its unix socket, where the S3 and API proxies send their
// requests.
func (s *vpcServices) apiSocket() string { return filepath.Join(s.dataDir, api.SocketName) }

func vpcServicesDaemon(vpc string) string { return "vpcsvc." + vpc }

// spool is the directory a VPC's daemon writes its flow records to.
func (s *vpcServices) spool(vpc string) string { return filepath.Join(s.dir, "flows", vpc) }

// config is what the services of a VPC answer.
func vpcServicesConfig(n *model.Network, vpc *model.VPC) *vpcsvc.Config {
	cfg := &vpcsvc.Config{VPC: vpc.ID, TimeSync: []netip.Addr{model.TimeSyncAddr}}
	if len(vpc.IPv6Blocks()) > 0 {
		cfg.TimeSync = append(cfg.TimeSync, model.TimeSyncAddr6)
	}
	cfg.Metadata, cfg.MetadataAddrs = imds.ForVPC(n, vpc.ID), []netip.Addr{model.MetadataAddr}
	if len(vpc.IPv6Blocks()) > 0 {
		cfg.MetadataAddrs = append(cfg.MetadataAddrs, model.MetadataAddr6)
	}
	if cfg.DNS = resolver.ForVPC(n, vpc.ID); cfg.DNS != nil {
		cfg.DNSAddrs = vpc.DNSServers()
	}
	return cfg
}

// sync writes the config of every VPC whose router namespace is here, and of every
// Resolver endpoint's and interface VPC endpoint's interface whose namespace is, and
// returns the daemons wanted: one per such VPC and interface. A full sync writes every file again if it differs,
// which repairs one changed by hand.
func (s *vpcServices) sync(n *model.Network, full bool) []supervise.Spec {
	if s.exec == "" {
		return nil
	}
	var specs []supervise.Spec
	here := map[string]bool{}
	internet, hasInternet := s.internetDaemon(n, full)
	upstream, hasUpstream := s.upstreamDaemon(full)
	aws, hasAWS := s.awsDaemon(full)
	for _, d := range []struct {
		id   string
		spec supervise.Spec
		ok   bool
	}{{internetServices, internet, hasInternet}, {upstreamServices, upstream, hasUpstream}, {awsServices, aws, hasAWS}} {
		if d.ok {
			here[d.id] = true
			specs = append(specs, d.spec)
		}
	}
	vpcUpstream := s.vpcUpstream(hasInternet, hasUpstream)
	subnets := subnetsByVPC(n)
	for _, id := range model.SortedKeys(n.VPCs) {
		ns := plan.RouterNamespace(id)
		if _, err := os.Stat(filepath.Join("/run/netns", ns)); err != nil {
			continue // no router here (yet): the reconcile that makes it comes first
		}
		here[id] = true
		cfg := vpcServicesConfig(n, n.VPCs[id])
		cfg.Flows = flowCapture(n, id, s.spool(id))
		cfg.S3 = s.withTLS(s3Endpoints(n, n.VPCs[id], subnets[id], s.apiSocket()))
		if cfg.DNS != nil && vpcUpstream != "" {
			cfg.DNS.Upstream = []string{vpcUpstream}
		}
		s.endpointVia(cfg.DNS)
		if spec, ok := s.daemon(id, ns, cfg, full); ok {
			specs = append(specs, spec)
		}
	}
	specs = append(specs, s.endpointDaemons(n, full, here)...)
	specs = append(specs, s.interfaceEndpointDaemons(n, full, here)...)
	for id := range s.written {
		if !here[id] {
			delete(s.written, id)
			os.Remove(filepath.Join(s.dir, id+".json"))
		}
	}
	return specs
}

// daemon writes the config of the services daemon id (a VPC ID) in the namespace ns, and
// is its spec; ok is false when the config could not be written.
func (s *vpcServices) daemon(id, ns string, cfg *vpcsvc.Config, full bool) (spec supervise.Spec, ok bool) {
	b, err := cfg.Marshal()
	if err != nil {
		s.log.Error("VPC services", "vpc", id, "err", err)
		return spec, false
	}
	path := filepath.Join(s.dir, id+".json")
	if have, ok := s.written[id]; full || !ok || !bytes.Equal(have, b) {
		if err := writeReplacing(path, b); err != nil {
			s.log.Error("VPC services", "vpc", id, "err", err)
			delete(s.written, id)
			return spec, false
		}
		s.written[id] = b
	}
	return supervise.Spec{
		Name:      vpcServicesDaemon(id),
		Namespace: ns,
		Argv:      []string{s.exec, "vpcsvc", path},
		Output:    filepath.Join(s.dir, id+".log"),
		Restart:   supervise.RestartAlways,
	}, true
}

// writeReplacing writes a file by rename: a reader sees the old content or the new one.
func writeReplacing(path string, b []byte) error {
	if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, b) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// removeAll deletes the configs and logs of every VPC's services.
func (s *vpcServices) removeAll() {
	os.RemoveAll(s.dir)
	clear(s.written)
	s.s3TLS, s.endpointTLS = false, false
}

// subnetsByVPC are the subnets of each VPC, in ID order: one pass over the network's
// subnets for a sync of every VPC.
func subnetsByVPC(n *model.Network) map[string][]*model.Subnet {
	out := map[string][]*model.Subnet{}
	for _, id := range model.SortedKeys(n.Subnets) {
		sn := n.Subnets[id]
		out[sn.VPC] = append(out[sn.VPC], sn)
	}
	return out
}

// s3Endpoints is the S3 and DynamoDB proxy of a VPC's router: each service through each
// of the VPC's gateway endpoints to it (its prefix list says which), for the subnets (the VPC's, subnetsByVPC) whose route table routes a prefix
// list to it (the planner delivers those routes to the router); nil when no subnet has one.
func s3Endpoints(n *model.Network, vpc *model.VPC, subnets []*model.Subnet, socket string) *vpcsvc.S3 {
	sources := map[string][]netip.Prefix{}
	services := map[string]string{} // the endpoint's service: "dynamodb", or "" for S3
	for _, sn := range subnets {
		if sn.VPC != vpc.ID || !sn.CIDR.IsValid() {
			continue
		}
		rt := n.RouteTableOf(sn)
		if rt == nil {
			continue
		}
		for _, r := range rt.Routes {
			if r.DestinationPrefixList != "" && strings.HasPrefix(r.Target, "vpce-") && !slices.Contains(sources[r.Target], sn.CIDR) {
				sources[r.Target] = append(sources[r.Target], sn.CIDR)
				if slices.ContainsFunc(n.PrefixLists[r.DestinationPrefixList], func(p netip.Prefix) bool { return p.Contains(model.DynamoDBAddr) }) {
					services[r.Target] = "dynamodb"
				}
			}
		}
	}
	if len(sources) == 0 {
		return nil
	}
	cfg := &vpcsvc.S3{Addrs: []netip.Addr{model.S3Addr}, DynamoDBAddrs: []netip.Addr{model.DynamoDBAddr}, Socket: socket, VPC: vpc.ID, Account: vpc.Owner, Region: vpc.Region}
	for _, id := range model.SortedKeys(sources) {
		cfg.Endpoints = append(cfg.Endpoints, vpcsvc.S3Endpoint{ID: id, Service: services[id], Sources: sources[id]})
	}
	return cfg
}
