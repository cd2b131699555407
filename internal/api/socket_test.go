package api

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// Requests through the unix socket are marked as the data plane's; those through TCP are
// not, whatever headers they carry. A socket left by a previous vpcd is replaced.
func TestSocketMarksDataPlane(t *testing.T) {
	path := filepath.Join(t.TempDir(), SocketName)
	if err := os.WriteFile(path, nil, 0o600); err != nil { // a stale file
		t.Fatal(err)
	}
	sock, err := ListenSocket(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", fi, err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if FromDataPlane(r) {
			io.WriteString(w, "dataplane")
		} else {
			io.WriteString(w, "outside")
		}
	})
	tcp := httptest.NewUnstartedServer(h)
	tcp.Config.ConnContext = MarkConn
	tcp.Start()
	defer tcp.Close()
	srv := &http.Server{Handler: h, ConnContext: MarkConn}
	go srv.Serve(sock)
	defer srv.Close()

	get := func(c *http.Client, url string) string {
		t.Helper()
		resp, err := c.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	unix := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", path)
	}}}
	if got := get(unix, "http://vpcd/"); got != "dataplane" {
		t.Errorf("through the socket: %s", got)
	}
	if got := get(http.DefaultClient, tcp.URL); got != "outside" {
		t.Errorf("through TCP: %s", got)
	}
}
