package dataplane

import (
	"path/filepath"

	"vpcd/internal/control/kit"
	"vpcd/internal/model"
	"vpcd/internal/plan"
	"vpcd/internal/supervise"
	"vpcd/internal/vpcsvc"
)

// interfaceEndpointDaemons are the daemons of the interface VPC endpoints' interfaces
// to the AWS services vpcd serves (model.InterfaceEndpoint.Hosted): a services daemon in
// each interface's namespace (plan.ServiceInterfaceNamespace) that passes what reaches
// the interface on ports 80 and 443 (HTTPS with the certificate endpointCertificate
// makes) to vpcd's API socket. The packets reach the interface through its groups, its
// subnet's ACL and route table, as to any interface. An endpoint to another service has
// its interfaces and no daemon: a connection to them is refused (reset). A daemon runs
// while its interface's namespace is here; the IDs of those written are marked in here.
func (s *vpcServices) interfaceEndpointDaemons(n *model.Network, full bool, here map[string]bool) []supervise.Spec {
	var specs []supervise.Spec
	var cert, key string
	hosted := func(eni *model.Interface) bool {
		e := n.InterfaceEndpoints[eni.VpcEndpoint]
		return e != nil && e.Hosted && s.dataDir != ""
	}
	for _, eni := range laidOut(n, hosted) {
		id, e := eni.ID, n.InterfaceEndpoints[eni.VpcEndpoint]
		if cert == "" {
			var err error
			if cert, key, err = s.endpointCertificate(); err != nil {
				s.log.Error("interface endpoints: certificate", "err", err)
				return nil
			}
		}
		here[id] = true
		cfg := &vpcsvc.Config{VPC: eni.VPC, API: &vpcsvc.APIProxy{Addrs: eni.PrivateIPs, Socket: s.apiSocket(),
			CertFile: cert, KeyFile: key, Endpoint: e.ID, VPC: eni.VPC}}
		if spec, ok := s.daemon(id, plan.ServiceInterfaceNamespace(id), cfg, full); ok {
			specs = append(specs, spec)
		}
	}
	return specs
}

// endpointCertificate is the self-signed certificate that the interface endpoints'
// HTTPS presents, made once and kept in the data directory (DATA_DIR/endpoint-tls/):
// for every region's service names (*.REGION.amazonaws.com) and endpoint names
// (*.REGION.vpce.amazonaws.com). A client skips verification (aws --no-verify-ssl,
// curl -k) or trusts the file (AWS_CA_BUNDLE, curl --cacert).
func (s *vpcServices) endpointCertificate() (cert, key string, err error) {
	dir := filepath.Join(s.dataDir, "endpoint-tls")
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if s.endpointTLS {
		return cert, key, nil
	}
	names := []string{"amazonaws.com", "*.amazonaws.com"}
	for _, r := range kit.CommercialRegions {
		names = append(names, "*."+r.Name+".amazonaws.com", "*."+r.Name+".vpce.amazonaws.com")
	}
	if err := vpcsvc.MakeCertificate(cert, key, names); err != nil {
		return "", "", err
	}
	s.endpointTLS = true
	return cert, key, nil
}
