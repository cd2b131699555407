package vpcsvc

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"vpcd/internal/s3store"
)

// S3 is what the daemon's S3 proxy serves: HTTP on port 80 of Addrs (and HTTPS on 443
// with a self-signed certificate), each request
// forwarded to vpcd's API on its unix socket (api.sock, where vpcd believes the source
// headers it sets) with where it came from. In the internet's namespace, S3's address is
// the internet's own and the source is a public address; in a VPC router's, S3's
// addresses are routed to the router itself only from the subnets whose route table
// has a gateway endpoint's route (plan: RouteLocal), and the source says which endpoint.
//
// DynamoDB is proxied the same way at DynamoDBAddrs: vpcd's listener tells the two
// services apart by the request's signature; the proxy tells them apart by the address
// the client connected to, to pick the endpoint of the right service when a subnet's
// table routes both.
type S3 struct {
	Addrs         []netip.Addr
	DynamoDBAddrs []netip.Addr `json:",omitempty"`
	// Socket is the path of vpcd's API socket.
	Socket string
	// VPC, Account and Region are the VPC the router is of and its owner's account and
	// region, where its endpoints are; "" in the internet.
	VPC, Account, Region string `json:",omitempty"`
	// Endpoints are the VPC's gateway endpoints to S3, each with the blocks of the
	// subnets whose route table routes to it.
	Endpoints []S3Endpoint `json:",omitempty"`
	// TLSCert and TLSKey are the PEM files of the certificate that HTTPS on port 443
	// presents (self-signed, for S3's names); "": no HTTPS.
	TLSCert, TLSKey string `json:",omitempty"`
}

// S3Endpoint is one gateway endpoint and the sources that reach its service through it.
type S3Endpoint struct {
	ID string
	// Service is "dynamodb" for an endpoint to DynamoDB, "" for one to S3.
	Service string `json:",omitempty"`
	Sources []netip.Prefix
}

// s3Proxy is the S3 proxy of the daemon.
type s3Proxy struct {
	log       *slog.Logger
	listeners *listeners
	proxy     *httputil.ReverseProxy

	mu        sync.Mutex
	cfg       *S3
	cert      *tls.Certificate // loaded from certFiles
	certFiles [2]string
}

func newS3Proxy(log *slog.Logger) *s3Proxy {
	p := &s3Proxy{log: log}
	p.proxy = &httputil.ReverseProxy{
		Rewrite: p.rewrite,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", p.config().Socket)
			},
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     time.Minute,
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			log.Error("S3 proxy", "err", err)
			writeS3Error(w, http.StatusServiceUnavailable, "ServiceUnavailable", "Please reduce your request rate.")
		},
	}
	p.listeners = newListeners("s3", log, func(a netip.Addr) (func(), error) {
		l, err := listenTransparent(netip.AddrPortFrom(a, 80))
		if err != nil {
			return nil, err
		}
		tl, err := listenTransparent(netip.AddrPortFrom(a, 443))
		if err != nil {
			l.Close()
			return nil, err
		}
		hs := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
		hs.TLSConfig = &tls.Config{GetCertificate: p.certificate}
		// HTTP/1.1 alone, as S3 speaks it.
		hs.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
		serve := func(serve func() error) {
			if err := serve(); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
				log.Error("S3 proxy", "addr", a, "err", err)
			}
		}
		go serve(func() error { return hs.Serve(l) })
		go serve(func() error { return hs.ServeTLS(tl, "", "") })
		return func() { hs.Close() }, nil
	})
	return p
}

// certificate is what HTTPS presents: the config's, read again when it names other
// files; none fails the handshake.
func (p *s3Proxy) certificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cfg == nil || p.cfg.TLSCert == "" {
		return nil, errors.New("no certificate")
	}
	if p.cert == nil || p.certFiles != [2]string{p.cfg.TLSCert, p.cfg.TLSKey} {
		c, err := tls.LoadX509KeyPair(p.cfg.TLSCert, p.cfg.TLSKey)
		if err != nil {
			return nil, err
		}
		p.cert, p.certFiles = &c, [2]string{p.cfg.TLSCert, p.cfg.TLSKey}
	}
	return p.cert, nil
}

func (p *s3Proxy) config() *S3 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cfg == nil {
		return &S3{}
	}
	return p.cfg
}

// update serves cfg; nil: nothing.
func (p *s3Proxy) update(cfg *S3) {
	p.mu.Lock()
	p.cfg = cfg
	p.mu.Unlock()
	var addrs []netip.Addr
	if cfg != nil && cfg.Socket != "" {
		addrs = append(slices.Clone(cfg.Addrs), cfg.DynamoDBAddrs...)
	}
	p.listeners.set(addrs)
}

// endpoint is the gateway endpoint to service ("" for S3) that src comes through, ""
// for none.
func (c *S3) endpoint(src netip.Addr, service string) string {
	for _, e := range c.Endpoints {
		if e.Service != service {
			continue
		}
		for _, p := range e.Sources {
			if p.Contains(src) {
				return e.ID
			}
		}
	}
	return ""
}

// sourceHeaders are the headers the proxy sets, and takes out of what clients send.
var sourceHeaders = []string{s3store.HeaderSourceIP, s3store.HeaderSourceVPC, s3store.HeaderSourceVPCE, s3store.HeaderSourceAccount, s3store.HeaderSourceRegion}

// service is the service a request is for, by the address it came to: "dynamodb" or
// "" (S3).
func (c *S3) service(r *http.Request) string {
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if local == nil {
		return ""
	}
	if a, err := netip.ParseAddrPort(local.String()); err == nil && slices.Contains(c.DynamoDBAddrs, a.Addr().Unmap()) {
		return "dynamodb"
	}
	return ""
}

func (p *s3Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cfg := p.config()
	service := cfg.service(r)
	deny := func() {
		if service == "dynamodb" {
			writeDynamoDBAccessDenied(w)
			return
		}
		writeS3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied")
	}
	src, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		deny()
		return
	}
	for _, h := range sourceHeaders {
		r.Header.Del(h)
	}
	r.Header.Set(s3store.HeaderSourceIP, src.Addr().Unmap().String())
	if cfg.VPC != "" {
		// Routed here only through an endpoint: a source no endpoint has is one whose
		// table lost the route a moment ago.
		vpce := cfg.endpoint(src.Addr().Unmap(), service)
		if vpce == "" {
			deny()
			return
		}
		r.Header.Set(s3store.HeaderSourceVPC, cfg.VPC)
		r.Header.Set(s3store.HeaderSourceVPCE, vpce)
		r.Header.Set(s3store.HeaderSourceAccount, cfg.Account)
		r.Header.Set(s3store.HeaderSourceRegion, cfg.Region)
	}
	p.proxy.ServeHTTP(w, r)
}

// rewrite sends the request to vpcd over its socket, with the Host the client signed.
func (p *s3Proxy) rewrite(pr *httputil.ProxyRequest) {
	pr.Out.URL.Scheme, pr.Out.URL.Host = "http", "vpcd"
	pr.Out.Host = pr.In.Host
	for _, h := range sourceHeaders {
		pr.Out.Header[h] = pr.In.Header[h]
	}
}

// writeS3Error writes S3's error document.
func writeS3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>" + code + "</Code><Message>" + msg + "</Message></Error>"))
}

// writeDynamoDBAccessDenied is DynamoDB's refusal, in its JSON envelope.
func writeDynamoDBAccessDenied(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(http.StatusBadRequest)
	w.Write([]byte(`{"__type":"com.amazon.coral.service#AccessDeniedException","message":"Access denied"}`))
}

// listenTransparent opens a stream socket bound to addr with IP_TRANSPARENT: in a VPC
// router, S3's address is no address of the namespace, only the destination of a local
// route, and the answers must leave from it.
func listenTransparent(addr netip.AddrPort) (net.Listener, error) {
	lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_IP, unix.IP_TRANSPARENT, 1)
		})
		return errors.Join(err, serr)
	}}
	return lc.Listen(context.Background(), "tcp4", addr.String())
}
