package compute

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"

	"golang.org/x/crypto/ssh"

	"vpcd/internal/ec2"
)

// The key material of key pairs, as EC2 makes and reads it. What EC2 documents ("Verify
// the fingerprint of your key pair"): a pair it creates is RSA 2048 (the private key as
// PEM PKCS#1) or ED25519 (OpenSSH's private key format); an RSA pair it creates has the
// SHA-1 of the PKCS#8 DER private key as fingerprint, an imported RSA key the MD5 of the
// DER public key (SubjectPublicKeyInfo), and an ED25519 key either way the base64 SHA-256
// of the SSH public key, padded with '=' (which ssh-keygen leaves out).

// rsaKeyBits is the size of the RSA keys CreateKeyPair makes.
const rsaKeyBits = 2048

// keyMaterial is a new key pair: the private key as CreateKeyPair answers it, and what
// vpcd keeps of it.
type keyMaterial struct {
	private     string // PEM or PPK
	publicKey   string // "ssh-rsa AAAA…", without comment
	fingerprint string
}

// newKeyMaterial makes a key pair of the type ("rsa" or "ed25519") with the private key
// in the format ("pem" or "ppk"); comment names the key in a PPK file.
func newKeyMaterial(keyType, format, comment string) (*keyMaterial, error) {
	var signer any
	var pemBlock *pem.Block
	var fingerprint string
	switch keyType {
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, rsaKeyBits)
		if err != nil {
			return nil, err
		}
		pkcs8, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, err
		}
		sum := sha1.Sum(pkcs8)
		signer, fingerprint = k, colonHex(sum[:])
		pemBlock = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
	case "ed25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		if pemBlock, err = ssh.MarshalPrivateKey(k, ""); err != nil {
			return nil, err
		}
		signer = k
	}
	pub, err := ssh.NewPublicKey(publicOf(signer))
	if err != nil {
		return nil, err
	}
	if fingerprint == "" {
		fingerprint = sha256Fingerprint(pub)
	}
	m := &keyMaterial{publicKey: authorizedKey(pub), fingerprint: fingerprint}
	if format == "ppk" {
		m.private = puttyKey(signer, pub, comment)
	} else {
		m.private = strings.TrimSuffix(string(pem.EncodeToMemory(pemBlock)), "\n")
	}
	return m, nil
}

func publicOf(k any) any {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return &k.PublicKey
	case ed25519.PrivateKey:
		return k.Public()
	}
	return nil
}

// importedKey is a public key given to ImportKeyPair.
type importedKey struct {
	keyType     string // rsa or ed25519
	publicKey   string
	fingerprint string
}

func errKeyFormat() error {
	return ec2.ErrInvalidKeyPairFormat("Key is not in valid OpenSSH public key format")
}

// parseImportedKey reads a public key in the formats ImportKeyPair takes: OpenSSH's
// ("ssh-rsa AAAA… comment"), base64 DER, PEM, and SSH2 (RFC 4716). EC2 takes RSA keys
// (of 1024 to 4096 bits, as its guide lists them) and ED25519 keys.
func parseImportedKey(material []byte) (*importedKey, error) {
	pub, err := parsePublicKey(bytes.TrimSpace(material))
	if err != nil {
		return nil, errKeyFormat()
	}
	out := &importedKey{publicKey: authorizedKey(pub)}
	switch k := pub.(ssh.CryptoPublicKey).CryptoPublicKey().(type) {
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < 1024 || n > 4096 {
			return nil, errKeyFormat()
		}
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return nil, errKeyFormat()
		}
		sum := md5.Sum(der)
		out.keyType, out.fingerprint = "rsa", colonHex(sum[:])
	case ed25519.PublicKey:
		out.keyType, out.fingerprint = "ed25519", sha256Fingerprint(pub)
	default:
		return nil, errKeyFormat()
	}
	return out, nil
}

func parsePublicKey(b []byte) (ssh.PublicKey, error) {
	switch {
	case bytes.HasPrefix(b, []byte("---- BEGIN SSH2 PUBLIC KEY ----")):
		return parseRFC4716(string(b))
	case bytes.HasPrefix(b, []byte("-----BEGIN ")):
		block, _ := pem.Decode(b)
		if block == nil {
			return nil, fmt.Errorf("bad PEM")
		}
		return parseDER(block.Bytes)
	case bytes.HasPrefix(b, []byte("ssh-")):
		pub, _, _, _, err := ssh.ParseAuthorizedKey(b)
		return pub, err
	}
	if pub, err := parseDER(b); err == nil {
		return pub, nil
	}
	der, err := base64.StdEncoding.DecodeString(string(b))
	if err != nil {
		return nil, err
	}
	return parseDER(der)
}

// parseDER reads a DER public key: SubjectPublicKeyInfo, or PKCS#1 for RSA.
func parseDER(der []byte) (ssh.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		rk, err2 := x509.ParsePKCS1PublicKey(der)
		if err2 != nil {
			return nil, err
		}
		k = rk
	}
	return ssh.NewPublicKey(k)
}

// parseRFC4716 reads the SSH2 public key file format: header lines ("Comment: …", a
// trailing '\' continues one) then the base64 of the SSH public key.
func parseRFC4716(s string) (ssh.PublicKey, error) {
	var body strings.Builder
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	continued := false
	for _, line := range lines[1:] {
		line = strings.TrimSpace(line)
		switch {
		case line == "---- END SSH2 PUBLIC KEY ----":
			blob, err := base64.StdEncoding.DecodeString(body.String())
			if err != nil {
				return nil, err
			}
			return ssh.ParsePublicKey(blob)
		case continued:
			continued = strings.HasSuffix(line, `\`)
		case strings.Contains(line, ":"):
			continued = strings.HasSuffix(line, `\`)
		default:
			body.WriteString(line)
		}
	}
	return nil, fmt.Errorf("no end line")
}

// authorizedKey is the public key as a line of authorized_keys, without comment.
func authorizedKey(pub ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

func sha256Fingerprint(pub ssh.PublicKey) string {
	sum := sha256.Sum256(pub.Marshal())
	return base64.StdEncoding.EncodeToString(sum[:])
}

func colonHex(b []byte) string {
	h := hex.EncodeToString(b)
	parts := make([]string, 0, len(b))
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

// puttyKey is a private key as PuTTY's key file (PPK version 2, unencrypted), which
// PuTTY and WinSCP read: the public and private blobs in base64 lines of 64 characters,
// and an HMAC-SHA-1 over both under the key SHA-1("putty-private-key-file-mac-key"). The
// private blob of an RSA key is d, p, q and q⁻¹ mod p; of an ED25519 key, its seed.
func puttyKey(k any, pub ssh.PublicKey, comment string) string {
	var priv []byte
	switch k := k.(type) {
	case *rsa.PrivateKey:
		k.Precompute()
		priv = ssh.Marshal(struct{ D, P, Q, Iqmp *big.Int }{k.D, k.Primes[0], k.Primes[1], k.Precomputed.Qinv})
	case ed25519.PrivateKey:
		priv = ssh.Marshal(struct{ Seed []byte }{k.Seed()})
	}
	algo, pubBlob := pub.Type(), pub.Marshal()
	macKey := sha1.Sum([]byte("putty-private-key-file-mac-key"))
	mac := hmac.New(sha1.New, macKey[:])
	mac.Write(ssh.Marshal(struct {
		Algo, Enc, Comment string
		Pub, Priv          []byte
	}{algo, "none", comment, pubBlob, priv}))
	var b strings.Builder
	fmt.Fprintf(&b, "PuTTY-User-Key-File-2: %s\nEncryption: none\nComment: %s\n", algo, comment)
	writeLines := func(name string, blob []byte) {
		s := base64.StdEncoding.EncodeToString(blob)
		fmt.Fprintf(&b, "%s-Lines: %d\n", name, (len(s)+63)/64)
		for len(s) > 64 {
			b.WriteString(s[:64] + "\n")
			s = s[64:]
		}
		b.WriteString(s + "\n")
	}
	writeLines("Public", pubBlob)
	writeLines("Private", priv)
	fmt.Fprintf(&b, "Private-MAC: %x", mac.Sum(nil))
	return b.String()
}
