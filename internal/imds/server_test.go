package imds

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"vpcd/internal/model"
)

var (
	launched = time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	addrA    = "10.0.1.5"
	addrB    = "10.0.1.6"
)

func options() model.MetadataOptions { return model.MetadataOptions{Endpoint: true, HopLimit: 1} }

// testConfig: instance A with two interfaces, a public address, a key, user data and
// its tags served; instance B with none of them and tokens required.
func testConfig() *Config {
	a := &Instance{
		ID: "i-0aaaaaaaaaaaaaaaa", Addresses: []netip.Addr{netip.MustParseAddr(addrA), netip.MustParseAddr("10.0.2.7"), netip.MustParseAddr("2600:1f18::5")},
		Options: options(), AccountID: "123456789012", Region: "us-east-1", AvailabilityZone: "us-east-1a", AvailabilityZoneID: "use1-az1",
		ImageID: "ami-12345678", InstanceType: "t3.micro", Architecture: "x86_64", ReservationID: "r-0aaaaaaaaaaaaaaaa", LaunchIndex: 2,
		LaunchTime: launched, KeyName: "ops", PublicKey: "ssh-ed25519 AAAA ops", UserData: []byte("#!/bin/sh\necho hi\n"),
		Tags: map[string]string{"Name": "web", "team": "blue"},
		Interfaces: []Interface{{
			ID: "eni-0aaaaaaaaaaaaaaaa", MAC: "0a:00:00:00:00:01", OwnerID: "123456789012", LocalHostname: "ip-10-0-1-5.ec2.internal",
			PublicHostname: "ec2-198-51-100-5.compute-1.amazonaws.com",
			LocalIPv4s:     []netip.Addr{netip.MustParseAddr(addrA)}, PublicIPv4s: []netip.Addr{netip.MustParseAddr("198.51.100.5")},
			IPv4Associations: [][2]netip.Addr{{netip.MustParseAddr("198.51.100.5"), netip.MustParseAddr(addrA)}},
			IPv6s:            []netip.Addr{netip.MustParseAddr("2600:1f18::5")},
			GroupIDs:         []string{"sg-0aaaaaaaaaaaaaaaa", "sg-0bbbbbbbbbbbbbbbb"}, GroupNames: []string{"default", "web"},
			SubnetID: "subnet-0aaaaaaaaaaaaaaaa", VPCID: "vpc-0aaaaaaaaaaaaaaaa",
			SubnetIPv4: netip.MustParsePrefix("10.0.1.0/24"), SubnetIPv6: netip.MustParsePrefix("2600:1f18::/64"),
			VPCIPv4: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16"), netip.MustParsePrefix("10.1.0.0/16")},
			VPCIPv6: []netip.Prefix{netip.MustParsePrefix("2600:1f18::/56")},
		}, {
			ID: "eni-0cccccccccccccccc", MAC: "0a:00:00:00:00:02", OwnerID: "123456789012", DeviceNumber: 1, LocalHostname: "ip-10-0-2-7.ec2.internal",
			LocalIPv4s: []netip.Addr{netip.MustParseAddr("10.0.2.7")}, GroupIDs: []string{"sg-0aaaaaaaaaaaaaaaa"}, GroupNames: []string{"default"},
			SubnetID: "subnet-0cccccccccccccccc", VPCID: "vpc-0aaaaaaaaaaaaaaaa", SubnetIPv4: netip.MustParsePrefix("10.0.2.0/24"),
			VPCIPv4: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")},
		}},
	}
	a.Options.Tags, a.Options.IPv6 = true, true
	b := &Instance{
		ID: "i-0bbbbbbbbbbbbbbbb", Addresses: []netip.Addr{netip.MustParseAddr(addrB)}, Options: options(),
		AccountID: "123456789012", Region: "eu-west-1", InstanceType: "t3.micro",
		Interfaces: []Interface{{ID: "eni-0bbbbbbbbbbbbbbbb", MAC: "0a:00:00:00:00:03", LocalIPv4s: []netip.Addr{netip.MustParseAddr(addrB)},
			LocalHostname: "ip-10-0-1-6.eu-west-1.compute.internal"}},
	}
	b.Options.TokensRequired = true
	return &Config{Instances: map[string]*Instance{a.ID: a, b.ID: b}}
}

type answer struct {
	status int
	body   string
	header http.Header
}

func do(s *Server, method, path, src string, header ...string) answer {
	r := httptest.NewRequest(method, path, nil)
	r.RemoteAddr = net.JoinHostPort(src, "40000")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return answer{w.Code, w.Body.String(), w.Header()}
}

func newServer(t *testing.T) *Server {
	s := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Update(testConfig())
	return s
}

func TestTree(t *testing.T) {
	s := newServer(t)
	for _, c := range []struct {
		path, src string
		status    int
		body      string
	}{
		{"/latest/meta-data/", addrA, 200, strings.Join([]string{"ami-id", "ami-launch-index", "ami-manifest-path", "hostname", "instance-action",
			"instance-id", "instance-life-cycle", "instance-type", "ipv6", "local-hostname", "local-ipv4", "mac", "network/", "placement/",
			"public-hostname", "public-ipv4", "public-keys/", "reservation-id", "security-groups", "services/", "tags/"}, "\n")},
		{"/latest/meta-data", addrA, 200, ""}, // the same listing, checked below
		{"/latest/meta-data/ami-id", addrA, 200, "ami-12345678"},
		{"/latest/meta-data/ami-launch-index", addrA, 200, "2"},
		{"/latest/meta-data/hostname", addrA, 200, "ip-10-0-1-5.ec2.internal"},
		{"/latest/meta-data/local-hostname", addrB, 200, "ip-10-0-1-6.eu-west-1.compute.internal"},
		{"/latest/meta-data/instance-id", addrA, 200, "i-0aaaaaaaaaaaaaaaa"},
		{"/latest/meta-data/instance-type", addrA, 200, "t3.micro"},
		{"/latest/meta-data/local-ipv4", "10.0.2.7", 200, addrA}, // any of its addresses is the instance
		{"/latest/meta-data/mac", addrA, 200, "0a:00:00:00:00:01"},
		{"/latest/meta-data/placement/", addrA, 200, "availability-zone\navailability-zone-id\nregion"},
		{"/latest/meta-data/placement/availability-zone", addrA, 200, "us-east-1a"},
		{"/latest/meta-data/placement/availability-zone-id", addrA, 200, "use1-az1"},
		{"/latest/meta-data/placement/region", addrA, 200, "us-east-1"},
		{"/latest/meta-data/public-hostname", addrA, 200, "ec2-198-51-100-5.compute-1.amazonaws.com"},
		{"/latest/meta-data/public-ipv4", addrA, 200, "198.51.100.5"},
		{"/latest/meta-data/public-keys/", addrA, 200, "0=ops"},
		{"/latest/meta-data/public-keys/0/", addrA, 200, "openssh-key"},
		{"/latest/meta-data/public-keys/0/openssh-key", addrA, 200, "ssh-ed25519 AAAA ops"},
		{"/latest/meta-data/reservation-id", addrA, 200, "r-0aaaaaaaaaaaaaaaa"},
		{"/latest/meta-data/security-groups", addrA, 200, "default\nweb"},
		{"/latest/meta-data/services/domain", addrA, 200, "amazonaws.com"},
		{"/latest/meta-data/services/partition", addrA, 200, "aws"},
		{"/latest/meta-data/tags/instance", addrA, 200, "Name\nteam"},
		{"/latest/meta-data/tags/instance/Name", addrA, 200, "web"},
		{"/latest/meta-data/network/interfaces/macs/", addrA, 200, "0a:00:00:00:00:01/\n0a:00:00:00:00:02/"},
		{"/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:01/", addrA, 200, strings.Join([]string{"device-number", "interface-id",
			"ipv4-associations/", "ipv6s", "local-hostname", "local-ipv4s", "mac", "network-card", "owner-id", "public-hostname", "public-ipv4s",
			"security-group-ids", "security-groups", "subnet-id", "subnet-ipv4-cidr-block", "subnet-ipv6-cidr-blocks", "vpc-id",
			"vpc-ipv4-cidr-block", "vpc-ipv4-cidr-blocks", "vpc-ipv6-cidr-blocks"}, "\n")},
		{"/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:01/device-number", addrA, 200, "0"},
		{"/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:02/device-number", addrA, 200, "1"},
		{"/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:01/interface-id", addrA, 200, "eni-0aaaaaaaaaaaaaaaa"},
		{"/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:01/ipv4-associations/198.51.100.5", addrA, 200, addrA},
		{"/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:01/ipv6s", addrA, 200, "2600:1f18::5"},
		{"/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:01/owner-id", addrA, 200, "123456789012"},
		{"/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:01/security-group-ids", addrA, 200, "sg-0aaaaaaaaaaaaaaaa\nsg-0bbbbbbbbbbbbbbbb"},
		{"/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:01/subnet-ipv4-cidr-block", addrA, 200, "10.0.1.0/24"},
		{"/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:01/subnet-ipv6-cidr-blocks", addrA, 200, "2600:1f18::/64"},
		{"/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:01/vpc-ipv4-cidr-block", addrA, 200, "10.0.0.0/16"},
		{"/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:01/vpc-ipv4-cidr-blocks", addrA, 200, "10.0.0.0/16\n10.1.0.0/16"},
		{"/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:01/vpc-ipv6-cidr-blocks", addrA, 200, "2600:1f18::/56"},
		{"/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:02/public-ipv4s", addrA, 404, ""},
		{"/latest/user-data", addrA, 200, "#!/bin/sh\necho hi\n"},
		{"/latest/", addrA, 200, "dynamic\nmeta-data\nuser-data"},
		{"/", addrA, 200, ""},
		{"/2021-07-15/meta-data/instance-id", addrA, 200, "i-0aaaaaaaaaaaaaaaa"},
		{"/latest/dynamic/instance-identity/", addrA, 200, "document"},
		// What AWS answers 404: no role (iam/), no public address, no user data, no tags served.
		{"/latest/meta-data/iam/", addrA, 404, ""},
		{"/latest/meta-data/iam/security-credentials/", addrA, 404, ""},
		{"/latest/meta-data/nope", addrA, 404, ""},
		{"/latest/meta-data/ami-id/more", addrA, 404, ""},
		{"/2000-01-01/meta-data/", addrA, 404, ""},
		{"/latest/meta-data/public-ipv4", addrB, 404, ""},
		{"/latest/meta-data/public-keys/", addrB, 404, ""},
		{"/latest/meta-data/tags/instance", addrB, 404, ""},
		{"/latest/user-data", addrB, 404, ""},
		{"/latest/", addrB, 200, "dynamic\nmeta-data"},
		// Nobody but the VPC's instances.
		{"/latest/meta-data/instance-id", "10.0.1.99", 403, ""},
	} {
		header := []string{}
		if c.src == addrB {
			header = []string{tokenHeader, mustToken(t, s, addrB, "60")}
		}
		got := do(s, "GET", c.path, c.src, header...)
		if got.status != c.status {
			t.Errorf("GET %s from %s: %d %q, want %d", c.path, c.src, got.status, got.body, c.status)
			continue
		}
		if c.status == 200 && c.body != "" && got.body != c.body {
			t.Errorf("GET %s from %s:\n%s\nwant\n%s", c.path, c.src, got.body, c.body)
		}
		if c.status != 200 && !strings.Contains(got.body, "<title>") {
			t.Errorf("GET %s: error body %q, want AWS's page", c.path, got.body)
		}
	}
	if a, b := do(s, "GET", "/latest/meta-data", addrA).body, do(s, "GET", "/latest/meta-data/", addrA).body; a != b {
		t.Errorf("a directory without '/' reads %q, with '/' %q", a, b)
	}
	if root := do(s, "GET", "/", addrA).body; !strings.HasPrefix(root, "1.0\n") || !strings.HasSuffix(root, "\nlatest") {
		t.Errorf("/ lists %q, want the versions from 1.0 to latest", root)
	}
}

func TestIdentityDocument(t *testing.T) {
	s := newServer(t)
	got := do(s, "GET", "/latest/dynamic/instance-identity/document", addrA)
	var doc map[string]any
	if err := json.Unmarshal([]byte(got.body), &doc); err != nil || got.status != 200 {
		t.Fatalf("document %d %q: %v", got.status, got.body, err)
	}
	want := map[string]any{
		"accountId": "123456789012", "architecture": "x86_64", "availabilityZone": "us-east-1a", "billingProducts": nil,
		"devpayProductCodes": nil, "marketplaceProductCodes": nil, "imageId": "ami-12345678", "instanceId": "i-0aaaaaaaaaaaaaaaa",
		"instanceType": "t3.micro", "kernelId": nil, "pendingTime": "2026-12-02T03:00:00Z", "privateIp": addrA, "ramdiskId": nil,
		"region": "us-east-1", "version": "2017-09-30",
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("document %s = %v, want %v", k, doc[k], v)
		}
	}
	if len(doc) != len(want) {
		t.Errorf("document has %d keys, want %d: %s", len(doc), len(want), got.body)
	}
	if !strings.Contains(got.body, `  "accountId" : "123456789012",`) {
		t.Errorf("document not laid out as AWS's:\n%s", got.body)
	}
}

func mustToken(t *testing.T, s *Server, src, ttl string) string {
	t.Helper()
	got := do(s, "PUT", tokenPath, src, tokenTTLHeader, ttl)
	if got.status != 200 || got.body == "" || got.header.Get(tokenTTLHeader) != ttl {
		t.Fatalf("PUT token from %s: %d %q %v", src, got.status, got.body, got.header)
	}
	return got.body
}

func TestTokens(t *testing.T) {
	s := newServer(t)
	var mu sync.Mutex
	now := launched
	s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	const id = "/latest/meta-data/instance-id"

	for _, c := range []struct {
		name   string
		header []string
		status int
	}{
		{"no TTL", nil, 400},
		{"TTL 0", []string{tokenTTLHeader, "0"}, 400},
		{"TTL 21601", []string{tokenTTLHeader, "21601"}, 400},
		{"TTL not a number", []string{tokenTTLHeader, "ten"}, 400},
		{"through a proxy", []string{tokenTTLHeader, "60", "X-Forwarded-For", "203.0.113.9"}, 403},
	} {
		if got := do(s, "PUT", tokenPath, addrA, c.header...); got.status != c.status {
			t.Errorf("PUT token %s: %d, want %d", c.name, got.status, c.status)
		}
	}
	if got := do(s, "GET", tokenPath, addrA, tokenTTLHeader, "60"); got.status != 405 {
		t.Errorf("GET token: %d, want 405", got.status)
	}
	if got := do(s, "PUT", id, addrA); got.status != 405 {
		t.Errorf("PUT %s: %d, want 405", id, got.status)
	}
	mustToken(t, s, addrA, "21600")
	tok := mustToken(t, s, addrA, "60")

	// IMDSv1 and IMDSv2 for an instance that does not require tokens.
	if got := do(s, "GET", id, addrA); got.status != 200 {
		t.Errorf("v1 read: %d", got.status)
	}
	if got := do(s, "GET", id, addrA, tokenHeader, tok); got.status != 200 || got.header.Get(tokenTTLHeader) != "60" {
		t.Errorf("v2 read: %d %v", got.status, got.header)
	}
	if got := do(s, "GET", id, addrA, tokenHeader, "AQAEAbogus"); got.status != 401 {
		t.Errorf("read with a bad token: %d, want 401", got.status)
	}
	// A token is of the instance it was issued to.
	if got := do(s, "GET", id, addrB, tokenHeader, tok); got.status != 401 {
		t.Errorf("read with another instance's token: %d, want 401", got.status)
	}
	// Tokens required: v1 refused, v2 served.
	if got := do(s, "GET", id, addrB); got.status != 401 {
		t.Errorf("v1 read where tokens are required: %d, want 401", got.status)
	}
	tokB := mustToken(t, s, addrB, "10")
	if got := do(s, "GET", id, addrB, tokenHeader, tokB); got.status != 200 || got.body != "i-0bbbbbbbbbbbbbbbb" {
		t.Errorf("v2 read where tokens are required: %d %q", got.status, got.body)
	}

	// Tokens outlive an Update; the options it brings apply at once.
	cfg := testConfig()
	cfg.Instances["i-0aaaaaaaaaaaaaaaa"].Options.TokensRequired = true
	s.Update(cfg)
	if got := do(s, "GET", id, addrA, tokenHeader, tok); got.status != 200 {
		t.Errorf("v2 read after an Update: %d", got.status)
	}
	if got := do(s, "GET", id, addrA); got.status != 401 {
		t.Errorf("v1 read after tokens became required: %d, want 401", got.status)
	}

	advance(30 * time.Second)
	if got := do(s, "GET", id, addrA, tokenHeader, tok); got.status != 200 || got.header.Get(tokenTTLHeader) != "30" {
		t.Errorf("v2 read half-way: %d %v", got.status, got.header)
	}
	advance(30 * time.Second)
	if got := do(s, "GET", id, addrA, tokenHeader, tok); got.status != 401 {
		t.Errorf("read with an expired token: %d, want 401", got.status)
	}

	// The endpoint disabled: nothing answers but 403.
	cfg.Instances["i-0aaaaaaaaaaaaaaaa"].Options.Endpoint = false
	s.Update(cfg)
	if got := do(s, "GET", id, addrA); got.status != 403 {
		t.Errorf("read with the endpoint disabled: %d, want 403", got.status)
	}
	if got := do(s, "PUT", tokenPath, addrA, tokenTTLHeader, "60"); got.status != 403 {
		t.Errorf("token with the endpoint disabled: %d, want 403", got.status)
	}
	// An instance gone takes its tokens along.
	delete(cfg.Instances, "i-0bbbbbbbbbbbbbbbb")
	s.Update(cfg)
	if _, ok := s.checkToken(tokB, "i-0bbbbbbbbbbbbbbbb"); ok {
		t.Error("a gone instance's token is still valid")
	}
}

func TestIPv6Endpoint(t *testing.T) {
	s := newServer(t)
	if got := do(s, "GET", "/latest/meta-data/instance-id", "2600:1f18::5"); got.status != 200 {
		t.Errorf("over IPv6 with HttpProtocolIpv6 enabled: %d", got.status)
	}
	cfg := testConfig()
	cfg.Instances["i-0aaaaaaaaaaaaaaaa"].Options.IPv6 = false
	s.Update(cfg)
	if got := do(s, "GET", "/latest/meta-data/instance-id", "2600:1f18::5"); got.status != 403 {
		t.Errorf("over IPv6 with HttpProtocolIpv6 disabled: %d, want 403", got.status)
	}
}

// TestHopLimit: the answer to a token request leaves with the instance's hop limit as
// its IP TTL, and the connection closes after it.
func TestHopLimit(t *testing.T) {
	s := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	cfg := testConfig()
	in := cfg.Instances["i-0aaaaaaaaaaaaaaaa"]
	in.Addresses = append(in.Addresses, netip.MustParseAddr("127.0.0.1"))
	in.Options.HopLimit = 3
	s.Update(cfg)
	ttls := make(chan int, 4)
	ts := httptest.NewUnstartedServer(s)
	ts.Listener = ttlListener{ts.Listener, ttls}
	ts.Config.ConnContext = ConnContext
	ts.Start()
	defer ts.Close()

	once := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := once.Get(ts.URL + "/latest/meta-data/instance-id")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := <-ttls; got == 3 {
		t.Errorf("a read's connection has TTL %d: only a token's answer takes the hop limit", got)
	}
	req, _ := http.NewRequest("PUT", ts.URL+tokenPath, nil)
	req.Header.Set(tokenTTLHeader, "60")
	resp, err = (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !resp.Close {
		t.Errorf("token: %d, close %v: want 200 and the connection closed after it", resp.StatusCode, resp.Close)
	}
	if got := <-ttls; got != 3 {
		t.Errorf("token's connection has TTL %d, want the hop limit 3", got)
	}
}

// ttlListener's connections say their IP TTL when they close.
type ttlListener struct {
	net.Listener
	ttls chan int
}

func (l ttlListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &ttlConn{TCPConn: c.(*net.TCPConn), ttls: l.ttls}, nil
}

type ttlConn struct {
	*net.TCPConn
	ttls chan int
	once sync.Once
}

func (c *ttlConn) Close() error {
	c.once.Do(func() {
		ttl := -1
		if raw, err := c.SyscallConn(); err == nil {
			raw.Control(func(fd uintptr) { ttl, _ = unix.GetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_TTL) })
		}
		c.ttls <- ttl
	})
	return c.TCPConn.Close()
}

// BenchmarkRead is one IMDSv2 read of a value, the service's work per request without
// the network.
func BenchmarkRead(b *testing.B) {
	s := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Update(testConfig())
	w := httptest.NewRecorder()
	put := httptest.NewRequest("PUT", tokenPath, nil)
	put.RemoteAddr = addrA + ":40000"
	put.Header.Set(tokenTTLHeader, "21600")
	s.ServeHTTP(w, put)
	r := httptest.NewRequest("GET", "/latest/meta-data/network/interfaces/macs/0a:00:00:00:00:01/local-ipv4s", nil)
	r.RemoteAddr = addrA + ":40000"
	r.Header.Set(tokenHeader, w.Body.String())
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
