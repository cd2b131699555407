package main

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"

	"vpcd/internal/store/etcdtest"
	"vpcd/internal/vpcdtest"
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

// Two vpcd processes given the same --store etcd:// serve the same resources.
func TestServeOnEtcd(t *testing.T) {
	bin := vpcdtest.BuildBinary(t)
	store := "etcd://" + strings.TrimPrefix(etcdtest.Start(t), "http://")
	ctx := context.Background()
	urlA, _ := vpcdtest.StartBinary(t, bin, t.TempDir(), "--store", store, "--data-plane", "off")
	urlB, _ := vpcdtest.StartBinary(t, bin, t.TempDir(), "--store", store, "--data-plane", "off")
	vpc, err := vpcdtest.Client(urlA, "123456789012", "us-east-1").CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := vpcdtest.Client(urlB, "123456789012", "us-east-1").DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{VpcIds: []string{*vpc.Vpc.VpcId}})
	if err != nil || len(out.Vpcs) != 1 {
		t.Fatalf("the second vpcd describes the first one's VPC: %v, %+v", err, out)
	}

	// A store that does not answer stops vpcd before it listens.
	for _, tc := range []struct{ store, want string }{
		{"etcd://127.0.0.1:1", "open etcd store"},
		{"redis://127.0.0.1:1", "scheme must be"},
	} {
		cmd := exec.Command(bin, "serve", "--data-dir", t.TempDir(), "--data-plane", "off", "--store", tc.store)
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("--store %s: got %v\n%s\nwant an error containing %q", tc.store, err, out, tc.want)
		}
	}
}

// vpcd reaches an etcd that requires TLS client certificates with the --etcd-* files.
func TestServeOnEtcdTLS(t *testing.T) {
	bin := vpcdtest.BuildBinary(t)
	url, files := etcdtest.StartTLS(t)
	store := "etcds://" + strings.TrimPrefix(url, "https://")
	u, _ := vpcdtest.StartBinary(t, bin, t.TempDir(), "--store", store, "--data-plane", "off",
		"--etcd-cacert", files.CA, "--etcd-cert", files.Cert, "--etcd-key", files.Key)
	if _, err := vpcdtest.Client(u, "123456789012", "us-east-1").CreateVpc(context.Background(), &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"without a client certificate", []string{"--store", store, "--etcd-cacert", files.CA}, "open etcd store"},
		{"without TLS", []string{"--store", "etcd://" + strings.TrimPrefix(url, "https://")}, "open etcd store"},
		{"certificates for the embedded store", []string{"--etcd-cacert", files.CA}, "need --store etcds://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"serve", "--data-dir", t.TempDir(), "--data-plane", "off"}, tc.args...)...)
			if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), tc.want) {
				t.Errorf("got %v\n%s\nwant an error containing %q", err, out, tc.want)
			}
		})
	}
}
