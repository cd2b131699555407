package main

import (
	"slices"
	"strings"
	"testing"
)

func TestEtcdConfig(t *testing.T) {
	tests := []struct {
		name          string
		flags         storeFlags
		wantEndpoints []string
		wantTLS       bool
		wantErr       string
	}{
		{name: "one host", flags: storeFlags{spec: "etcd://10.0.0.1:2379"}, wantEndpoints: []string{"http://10.0.0.1:2379"}},
		{name: "several hosts", flags: storeFlags{spec: "etcd://a:2379, b:2379,[::1]:2379"},
			wantEndpoints: []string{"http://a:2379", "http://b:2379", "http://[::1]:2379"}},
		{name: "http is plain", flags: storeFlags{spec: "http://a:2379"}, wantEndpoints: []string{"http://a:2379"}},
		{name: "etcds turns TLS on", flags: storeFlags{spec: "etcds://a:2379,b:2379"},
			wantEndpoints: []string{"https://a:2379", "https://b:2379"}, wantTLS: true},
		{name: "https turns TLS on", flags: storeFlags{spec: "https://a:2379"}, wantEndpoints: []string{"https://a:2379"}, wantTLS: true},
		{name: "no scheme", flags: storeFlags{spec: "a:2379"}, wantErr: "want bolt or etcd://"},
		{name: "unknown scheme", flags: storeFlags{spec: "redis://a:2379"}, wantErr: "scheme must be"},
		{name: "no port", flags: storeFlags{spec: "etcd://a"}, wantErr: "not HOST:PORT"},
		{name: "empty host list entry", flags: storeFlags{spec: "etcd://a:2379,"}, wantErr: "not HOST:PORT"},
		{name: "a path", flags: storeFlags{spec: "etcd://a:2379/ns"}, wantErr: "not HOST:PORT"},
		{name: "certificates without TLS", flags: storeFlags{spec: "etcd://a:2379", caFile: "ca.pem"}, wantErr: "need an etcds://"},
		{name: "a certificate without its key", flags: storeFlags{spec: "etcds://a:2379", certFile: "c.pem"}, wantErr: "etcd TLS"},
		{name: "a missing CA file", flags: storeFlags{spec: "etcds://a:2379", caFile: "/nonexistent/ca.pem"}, wantErr: "etcd TLS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := etcdConfig(tc.flags)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("etcdConfig = %v, want an error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.Endpoints, tc.wantEndpoints) || (cfg.TLS != nil) != tc.wantTLS {
				t.Errorf("endpoints %q, TLS %v; want %q, %v", cfg.Endpoints, cfg.TLS != nil, tc.wantEndpoints, tc.wantTLS)
			}
		})
	}
}
