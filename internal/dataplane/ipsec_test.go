package dataplane

import (
	"net"
	"path/filepath"
	"testing"

	"github.com/strongswan/govici/vici"
)

// A daemon whose VICI socket is missing, or is a file nothing listens on, is gone (its
// tunnel is down at once); one that answers is not.
func TestTunnelDaemonGone(t *testing.T) {
	dir := t.TempDir()
	_, err := vici.NewSession(vici.WithAddr("unix", filepath.Join(dir, "missing")))
	if !gone(err) {
		t.Errorf("missing socket: %v is not gone", err)
	}
	stale := filepath.Join(dir, "stale")
	ln, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	_, err = vici.NewSession(vici.WithAddr("unix", stale))
	if !gone(err) {
		t.Errorf("socket nothing listens on: %v is not gone", err)
	}
	live := filepath.Join(dir, "live")
	if ln, err = net.Listen("unix", live); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if s, err := vici.NewSession(vici.WithAddr("unix", live)); err != nil || gone(err) {
		t.Errorf("listening socket: %v", err)
	} else {
		s.Close()
	}
}
