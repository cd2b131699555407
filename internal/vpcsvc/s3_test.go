package vpcsvc

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"vpcd/internal/s3store"
)

// The proxy forwards to vpcd's socket with the Host the client signed and the headers
// that say where the request came from, replacing any the client sent; in a VPC, a
// source that no endpoint carries is refused there.
func TestS3ProxyHeaders(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "api.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	api := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := map[string]string{"Host": r.Host, "Path": r.URL.Path}
		for _, h := range sourceHeaders {
			got[h] = r.Header.Get(h)
		}
		json.NewEncoder(w).Encode(got)
	})}
	go api.Serve(l)
	defer api.Close()

	p := newS3Proxy(slog.New(slog.DiscardHandler))
	defer p.update(nil)
	ask := func(cfg *S3, remote string) (int, map[string]string) {
		p.mu.Lock()
		p.cfg = cfg
		p.mu.Unlock()
		r := httptest.NewRequest("GET", "http://bucket.s3.us-east-1.amazonaws.com/key", nil)
		r.RemoteAddr = remote
		r.Header.Set(s3store.HeaderSourceVPCE, "vpce-spoofed")
		w := httptest.NewRecorder()
		p.ServeHTTP(w, r)
		var got map[string]string
		b, _ := io.ReadAll(w.Body)
		json.Unmarshal(b, &got)
		return w.Code, got
	}

	code, got := ask(&S3{Socket: sock}, "198.51.100.7:40000")
	if code != 200 || got["Host"] != "bucket.s3.us-east-1.amazonaws.com" || got["Path"] != "/key" ||
		got[s3store.HeaderSourceIP] != "198.51.100.7" || got[s3store.HeaderSourceVPCE] != "" {
		t.Errorf("from the internet: %d %v", code, got)
	}
	vpc := &S3{Socket: sock, VPC: "vpc-0123456789abcdef0", Account: "111122223333", Region: "us-east-1",
		Endpoints: []S3Endpoint{{ID: "vpce-0123456789abcdef0", Sources: []netip.Prefix{netip.MustParsePrefix("10.0.1.0/24")}}}}
	code, got = ask(vpc, "10.0.1.5:40000")
	if code != 200 || got[s3store.HeaderSourceVPCE] != "vpce-0123456789abcdef0" || got[s3store.HeaderSourceVPC] != vpc.VPC ||
		got[s3store.HeaderSourceAccount] != vpc.Account || got[s3store.HeaderSourceRegion] != "us-east-1" || got[s3store.HeaderSourceIP] != "10.0.1.5" {
		t.Errorf("through the endpoint: %d %v", code, got)
	}
	if code, _ := ask(vpc, "10.0.2.5:40000"); code != http.StatusForbidden {
		t.Errorf("from a subnet without the endpoint: %d, want 403", code)
	}
	// DynamoDB's address takes DynamoDB's endpoint, not S3's of the same subnet.
	ddb := netip.MustParseAddr("192.0.2.130")
	both := *vpc
	both.DynamoDBAddrs = []netip.Addr{ddb}
	both.Endpoints = append(both.Endpoints, S3Endpoint{ID: "vpce-0000000000000ddb0", Service: "dynamodb", Sources: []netip.Prefix{netip.MustParsePrefix("10.0.1.0/24")}})
	p.mu.Lock()
	p.cfg = &both
	p.mu.Unlock()
	r := httptest.NewRequest("POST", "http://dynamodb.us-east-1.amazonaws.com/", nil)
	r.RemoteAddr = "10.0.1.5:40000"
	r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, net.TCPAddrFromAddrPort(netip.AddrPortFrom(ddb, 80))))
	w := httptest.NewRecorder()
	p.ServeHTTP(w, r)
	if got := w.Body.String(); w.Code != 200 || !strings.Contains(got, "vpce-0000000000000ddb0") {
		t.Errorf("DynamoDB through its endpoint: %d %s", w.Code, got)
	}
	if code, got := ask(&both, "10.0.1.5:40000"); code != 200 || got[s3store.HeaderSourceVPCE] != "vpce-0123456789abcdef0" {
		t.Errorf("S3 beside a DynamoDB endpoint: %d %v", code, got)
	}
	p = newS3Proxy(slog.New(slog.DiscardHandler)) // no idle connection to the socket
	if code, _ := ask(&S3{Socket: filepath.Join(t.TempDir(), "none")}, "198.51.100.7:1"); code != http.StatusServiceUnavailable {
		t.Errorf("without vpcd: %d, want 503", code)
	}
}
