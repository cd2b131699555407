package compute

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"
)

// TestPuttyReadsPPK: puttygen (Debian's putty-tools) opens the PPK files CreateKeyPair
// writes, checks their MAC, and turns them back into the same key pair.
func TestPuttyReadsPPK(t *testing.T) {
	if _, err := exec.LookPath("puttygen"); err != nil {
		t.Skip("puttygen is not installed (Debian: apt-get install putty-tools)")
	}
	for _, keyType := range []string{"rsa", "ed25519"} {
		t.Run(keyType, func(t *testing.T) {
			m, err := newKeyMaterial(keyType, "ppk", "talk")
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			ppk, pem := filepath.Join(dir, "k.ppk"), filepath.Join(dir, "k.pem")
			if err := os.WriteFile(ppk, []byte(m.private), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("puttygen", ppk, "-O", "private-openssh-new", "-o", pem).CombinedOutput(); err != nil {
				t.Fatalf("puttygen: %v\n%s\n%s", err, out, m.private)
			}
			raw, err := os.ReadFile(pem)
			if err != nil {
				t.Fatal(err)
			}
			signer, err := ssh.ParsePrivateKey(raw)
			if err != nil {
				t.Fatal(err)
			}
			if got := authorizedKey(signer.PublicKey()); got != m.publicKey {
				t.Errorf("the PPK's key is %s, want %s", got, m.publicKey)
			}
		})
	}
}
