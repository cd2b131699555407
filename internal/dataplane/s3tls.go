package dataplane

import (
	"os"
	"path/filepath"

	"vpcd/internal/control/kit"
	"vpcd/internal/model"
	"vpcd/internal/vpcsvc"
)

// The certificate of S3's HTTPS, self-signed: a client trusts it with its file
// (DATA_DIR/vpcsvc/s3-tls.pem: `aws --ca-bundle`, `curl --cacert`) or checks nothing
// (`--no-verify-ssl`, `curl -k`). One for every S3 proxy, made once and kept.
const (
	s3CertFile = "s3-tls.pem"
	s3KeyFile  = "s3-tls.key"
)

// withTLS gives an S3 proxy's config the certificate, made if missing; without one (it
// could not be made, and the error is logged) the proxy serves HTTP alone.
func (s *vpcServices) withTLS(cfg *vpcsvc.S3) *vpcsvc.S3 {
	if cfg == nil {
		return nil
	}
	cert, key := filepath.Join(s.dir, s3CertFile), filepath.Join(s.dir, s3KeyFile)
	if !s.s3TLS {
		if _, err := os.Stat(cert); err != nil {
			if err := writeS3Certificate(cert, key); err != nil {
				s.log.Error("S3 certificate", "err", err)
				return cfg
			}
		}
		s.s3TLS = true
	}
	cfg.TLSCert, cfg.TLSKey = cert, key
	return cfg
}

// writeS3Certificate makes a self-signed certificate for S3's names in every region
// (s3.amazonaws.com, s3.REGION.amazonaws.com and the buckets under each), DynamoDB's
// (dynamodb.REGION.amazonaws.com) and their addresses. A certificate made before
// DynamoDB was served lacks its names, and is kept.
func writeS3Certificate(certPath, keyPath string) error {
	names := []string{"s3.amazonaws.com", "*.s3.amazonaws.com"}
	for _, r := range kit.DefaultRegions {
		names = append(names, "s3."+r+".amazonaws.com", "*.s3."+r+".amazonaws.com", "dynamodb."+r+".amazonaws.com")
	}
	return vpcsvc.MakeCertificate(certPath, keyPath, names, model.S3Addr, model.DynamoDBAddr)
}
