package vpcsvc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// APIProxy is what the daemon of an interface VPC endpoint's interface serves: vpcd's
// own API, which answers at a unix socket in the data directory (vpcd's loopback
// listener is out of the namespace's reach), on HTTP port 80 and HTTPS port 443 of the
// interface's addresses. A request keeps its Host header and its signature; the daemon
// says which endpoint and VPC it came through in the X-Vpcd-* headers, after dropping
// any a client sent.
type APIProxy struct {
	Addrs []netip.Addr
	// Socket is the path of vpcd's API socket.
	Socket string
	// CertFile and KeyFile are the PEM files of the certificate HTTPS presents.
	CertFile, KeyFile string
	// Endpoint and VPC are the endpoint's and its VPC's IDs.
	Endpoint, VPC string
}

// Headers the proxy sets on the requests it passes on.
const (
	HeaderVpcEndpoint = "X-Vpcd-Vpc-Endpoint-Id"
	HeaderVpc         = "X-Vpcd-Vpc-Id"
)

// apiProxy serves an APIProxy: one HTTP and one HTTPS server per address.
type apiProxy struct {
	log              *slog.Logger
	plain, encrypted *listeners

	mu      sync.Mutex
	config  *APIProxy
	handler atomic.Pointer[http.Handler]
	cert    atomic.Pointer[tls.Certificate]
}

func newAPIProxy(httpPort, httpsPort int, log *slog.Logger) *apiProxy {
	p := &apiProxy{log: log}
	p.plain = newListeners("api-http", log, func(a netip.Addr) (func(), error) {
		return p.serve(netip.AddrPortFrom(a, uint16(httpPort)), false)
	})
	p.encrypted = newListeners("api-https", log, func(a netip.Addr) (func(), error) {
		return p.serve(netip.AddrPortFrom(a, uint16(httpsPort)), true)
	})
	return p
}

// update serves c, nil for nothing.
func (p *apiProxy) update(c *APIProxy) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var addrs []netip.Addr
	if c != nil && !reflect.DeepEqual(c, p.config) {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			p.log.Error("api proxy: certificate", "err", err)
		} else {
			p.cert.Store(&cert)
		}
		h := p.proxy(c)
		p.handler.Store(&h)
	}
	if c != nil {
		addrs = c.Addrs
	}
	p.config = c
	p.plain.set(addrs)
	if p.cert.Load() == nil {
		addrs = nil // no HTTPS without a certificate: the next update tries again
	}
	p.encrypted.set(addrs)
}

// proxy passes requests to the API socket.
func (p *apiProxy) proxy(c *APIProxy) http.Handler {
	socket := c.Socket
	transport := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	target := &url.URL{Scheme: "http", Host: "vpcd"}
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // the signature covers it
			for name := range r.Out.Header {
				if strings.HasPrefix(http.CanonicalHeaderKey(name), "X-Vpcd-") {
					r.Out.Header.Del(name)
				}
			}
			r.SetXForwarded()
			r.Out.Header.Set(HeaderVpcEndpoint, c.Endpoint)
			r.Out.Header.Set(HeaderVpc, c.VPC)
		},
		Transport: transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			p.log.Error("api proxy", "err", err)
			w.WriteHeader(http.StatusBadGateway)
		},
	}
}

// serve starts a server at addr, HTTPS when encrypted.
func (p *apiProxy) serve(addr netip.AddrPort, encrypted bool) (func(), error) {
	l, err := Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if encrypted {
		l = tls.NewListener(l, &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			if c := p.cert.Load(); c != nil {
				return c, nil
			}
			return nil, errors.New("no certificate")
		}})
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*p.handler.Load()).ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(p.log.Handler(), slog.LevelDebug)}
	go srv.Serve(l)
	return func() { srv.Close() }, nil
}

// MakeCertificate writes a self-signed certificate for names and addrs (and its key) to
// certFile and keyFile, unless both exist already. The endpoints' and S3's HTTPS present
// such certificates: clients either skip verification or trust it (curl --cacert,
// AWS_CA_BUNDLE, aws --ca-bundle).
func MakeCertificate(certFile, keyFile string, names []string, addrs ...netip.Addr) error {
	if _, err := os.Stat(certFile); err == nil {
		if _, err := os.Stat(keyFile); err == nil {
			return nil
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: names[0], Organization: []string{"vpcd"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0), DNSNames: names,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	for _, a := range addrs {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.IP(a.AsSlice()))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(certFile), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}
