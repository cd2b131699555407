package dataplane

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"vpcd/internal/model"
)

// TestAuthorizedKeys: an instance launched with a key pair has its public key in its
// directory, rewritten only when it differs; one without has no file.
func TestAuthorizedKeys(t *testing.T) {
	dir := t.TempDir()
	p := newProcesses(dir, "vpcd", slog.New(slog.DiscardHandler))
	t.Cleanup(p.stopAll) // the supervisor's cgroup
	keyed := &model.Instance{ID: "i-0123456789abcdef0", PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEQDfjFU0/v0NgAYZNphaqXa/pLeuuu+j4pb9mXK155h bob"}
	for range 2 {
		if err := p.writeAuthorizedKeys(keyed); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "instances", keyed.ID, "authorized_keys")
	b, err := os.ReadFile(path)
	if err != nil || string(b) != keyed.PublicKey+"\n" {
		t.Errorf("authorized_keys = %q, %v", b, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("authorized_keys mode: %v, %v", fi, err)
	}
	bare := &model.Instance{ID: "i-0fedcba9876543210"}
	if err := p.writeAuthorizedKeys(bare); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "instances", bare.ID)); !os.IsNotExist(err) {
		t.Errorf("an instance without a key pair has a directory: %v", err)
	}
}
