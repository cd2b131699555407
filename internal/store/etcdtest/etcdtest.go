// Package etcdtest starts a real etcd server inside a test binary, so that the etcd store
// and vpcd servers sharing one etcd are tested without an etcd installed.
package etcdtest

import (
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Start runs a one-member etcd cluster on loopback with a temporary data directory,
// stopped and removed when the test ends, and returns its client URL. It does not fsync:
// tests do not survive crashes, and fsync would make every commit wait for a shared disk.
func Start(tb testing.TB) string {
	tb.Helper()
	return startRetrying(tb, options{})
}

// StartDurable is Start with fsync as in production, for benchmarks.
func StartDurable(tb testing.TB) string {
	tb.Helper()
	return startRetrying(tb, options{fsync: true})
}

type options struct {
	fsync                     bool
	certFile, keyFile, caFile string // TLS on the client port when set
}

func startRetrying(tb testing.TB, opts options) string {
	tb.Helper()
	// The free ports are found by binding and releasing them, so another process may
	// take one in between: try a few times.
	var err error
	for range 3 {
		var e *embed.Etcd
		if e, err = start(tb, opts); err == nil {
			tb.Cleanup(e.Close) // before TempDir's removal, which was registered first
			return e.Config().AdvertiseClientUrls[0].String()
		}
	}
	tb.Fatalf("start etcd: %v", err)
	return ""
}

func start(tb testing.TB, opts options) (*embed.Etcd, error) {
	cfg := embed.NewConfig()
	cfg.Name = "vpcdtest"
	cfg.Dir = tb.TempDir()
	// Its shutdown logs errors about closed listeners; a failure to start is returned.
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.UnsafeNoFsync = !opts.fsync
	client, peer, err := freeURLs()
	if err != nil {
		return nil, err
	}
	if opts.certFile != "" {
		client.Scheme = "https"
		cfg.ClientTLSInfo.CertFile, cfg.ClientTLSInfo.KeyFile = opts.certFile, opts.keyFile
		cfg.ClientTLSInfo.TrustedCAFile, cfg.ClientTLSInfo.ClientCertAuth = opts.caFile, true
	}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, nil
	case err := <-e.Err():
		e.Close()
		return nil, err
	case <-time.After(30 * time.Second):
		e.Close()
		return nil, fmt.Errorf("etcd not ready within 30s")
	}
}

// freeURLs returns two http URLs on loopback ports that were free a moment ago.
func freeURLs() (client, peer url.URL, err error) {
	var urls []url.URL
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return url.URL{}, url.URL{}, err
		}
		defer ln.Close()
		urls = append(urls, url.URL{Scheme: "http", Host: ln.Addr().String()})
	}
	return urls[0], urls[1], nil
}
