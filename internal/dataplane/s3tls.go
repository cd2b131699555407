package dataplane

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

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
// (s3.amazonaws.com, s3.REGION.amazonaws.com and the buckets under each) and its address.
func writeS3Certificate(certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	names := []string{"s3.amazonaws.com", "*.s3.amazonaws.com"}
	for _, r := range kit.DefaultRegions {
		names = append(names, "s3."+r+".amazonaws.com", "*.s3."+r+".amazonaws.com")
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "s3.amazonaws.com", Organization: []string{"vpcd"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
		DNSNames: names, IPAddresses: []net.IP{net.IP(model.S3Addr.AsSlice())},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(certPath), 0o700); err != nil {
		return err
	}
	// The key first: the certificate's file is what says both are there.
	if err := writeReplacing(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})); err != nil {
		return err
	}
	return writeReplacing(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
