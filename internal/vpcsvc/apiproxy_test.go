package vpcsvc

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// freePort is a TCP port of 127.0.0.1 that nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestAPIProxy: a request on either port reaches the API socket with its Host, its
// body and the endpoint's headers, and not with a client's own X-Vpcd-* headers.
func TestAPIProxy(t *testing.T) {
	dir := t.TempDir()
	socket := filepath.Join(dir, "api.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	api := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		io.WriteString(w, strings.Join([]string{r.Host, r.Header.Get(HeaderVpcEndpoint), r.Header.Get(HeaderVpc), r.Header.Get("X-Vpcd-Other"), string(body)}, "|"))
	})}
	go api.Serve(l)
	defer api.Close()
	cert, key := filepath.Join(dir, "tls", "cert.pem"), filepath.Join(dir, "tls", "key.pem")
	if err := MakeCertificate(cert, key, []string{"*.us-east-1.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	httpPort, httpsPort := freePort(t), freePort(t)
	p := newAPIProxy(httpPort, httpsPort, slog.New(slog.DiscardHandler))
	p.update(&APIProxy{Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, Socket: socket, CertFile: cert, KeyFile: key, Endpoint: "vpce-1", VPC: "vpc-1"})
	defer p.update(nil)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for _, url := range []string{"http://127.0.0.1:" + strconv.Itoa(httpPort) + "/", "https://127.0.0.1:" + strconv.Itoa(httpsPort) + "/"} {
		req, _ := http.NewRequest("POST", url, strings.NewReader("Action=DescribeVpcs"))
		req.Host = "ec2.us-east-1.amazonaws.com"
		req.Header.Set(HeaderVpcEndpoint, "vpce-spoofed")
		req.Header.Set("X-Vpcd-Other", "spoofed")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := "ec2.us-east-1.amazonaws.com|vpce-1|vpc-1||Action=DescribeVpcs"; string(got) != want {
			t.Errorf("%s: %q, want %q", url, got, want)
		}
	}
	// Without a config nothing listens.
	p.update(nil)
	if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(httpPort)); err == nil {
		c.Close()
		t.Error("port 80 still open without a config")
	}
}
