package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"go.etcd.io/etcd/client/pkg/v3/transport"

	"vpcd/internal/store"
)

// storeFlags are serve's flags that choose the store.
type storeFlags struct {
	spec     string // --store: "" or "bolt" for the embedded store, else etcd://HOST:PORT,...
	prefix   string // --etcd-prefix
	caFile   string // --etcd-cacert
	certFile string // --etcd-cert
	keyFile  string // --etcd-key
}

// openStore opens the store the flags name: the embedded one in dataDir by default.
func openStore(ctx context.Context, f storeFlags, dataDir string) (store.Store, error) {
	if f.spec == "" || f.spec == "bolt" {
		if f.caFile != "" || f.certFile != "" || f.keyFile != "" {
			return nil, errors.New("--etcd-cacert, --etcd-cert and --etcd-key need --store etcds://HOST:PORT")
		}
		return store.OpenEmbedded(dataDir)
	}
	cfg, err := etcdConfig(f)
	if err != nil {
		return nil, err
	}
	return store.OpenEtcd(ctx, cfg)
}

// etcdConfig reads --store etcd://HOST:PORT[,HOST:PORT...] (etcds:// or https:// for TLS,
// http:// too) and the TLS files, named as etcd's own clients name them.
func etcdConfig(f storeFlags) (store.EtcdConfig, error) {
	scheme, hosts, ok := strings.Cut(f.spec, "://")
	var useTLS bool
	switch {
	case !ok:
		return store.EtcdConfig{}, fmt.Errorf("--store %q: want bolt or etcd://HOST:PORT[,HOST:PORT...]", f.spec)
	case scheme == "etcd" || scheme == "http":
	case scheme == "etcds" || scheme == "https":
		useTLS = true
	default:
		return store.EtcdConfig{}, fmt.Errorf("--store %q: scheme must be etcd, etcds, http or https", f.spec)
	}
	cfg := store.EtcdConfig{Namespace: f.prefix}
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if _, port, err := net.SplitHostPort(h); err != nil || port == "" || strings.Contains(h, "/") {
			return store.EtcdConfig{}, fmt.Errorf("--store %q: %q is not HOST:PORT", f.spec, h)
		}
		if useTLS {
			cfg.Endpoints = append(cfg.Endpoints, "https://"+h)
		} else {
			cfg.Endpoints = append(cfg.Endpoints, "http://"+h)
		}
	}
	info := transport.TLSInfo{TrustedCAFile: f.caFile, CertFile: f.certFile, KeyFile: f.keyFile}
	switch {
	case !useTLS && (f.caFile != "" || f.certFile != "" || f.keyFile != ""):
		return store.EtcdConfig{}, errors.New("--etcd-cacert, --etcd-cert and --etcd-key need an etcds:// or https:// --store")
	case useTLS:
		tlsCfg, err := info.ClientConfig()
		if err != nil {
			return store.EtcdConfig{}, fmt.Errorf("etcd TLS: %w", err)
		}
		cfg.TLS = tlsCfg
	}
	return cfg, nil
}
