package control

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func createKeyPair(t *testing.T, s *Service, name string, mod ...func(*ec2.CreateKeyPairRequest)) *ec2.KeyPair {
	t.Helper()
	in := &ec2.CreateKeyPairRequest{KeyName: kit.Ptr(name)}
	for _, m := range mod {
		m(in)
	}
	out, err := s.CreateKeyPair(context.Background(), testCaller, in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readKeyFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/keypair/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func colonHex(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02x", c)
	}
	return strings.Join(parts, ":")
}

// TestCreateKeyPairFingerprints: the private key comes as AWS gives it, and the
// fingerprint is what AWS's guide says to compute from it.
func TestCreateKeyPairFingerprints(t *testing.T) {
	s := newTestService(t)
	rsaPair := createKeyPair(t, s, "rsa-key")
	if !kit.ValidID(*rsaPair.KeyPairId, "key") || *rsaPair.KeyName != "rsa-key" {
		t.Errorf("CreateKeyPair = %+v", rsaPair)
	}
	block, _ := pem.Decode([]byte(*rsaPair.KeyMaterial))
	if block == nil || block.Type != "RSA PRIVATE KEY" {
		t.Fatalf("RSA key material is not PEM PKCS#1: %.40q", *rsaPair.KeyMaterial)
	}
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil || k.N.BitLen() != 2048 {
		t.Fatalf("RSA key: %v", err)
	}
	// openssl pkcs8 -in key.pem -inform PEM -outform DER -topk8 -nocrypt | openssl sha1 -c
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(k)
	sum := sha1.Sum(pkcs8)
	if want := colonHex(sum[:]); *rsaPair.KeyFingerprint != want {
		t.Errorf("RSA fingerprint = %s, want %s", *rsaPair.KeyFingerprint, want)
	}

	edPair := createKeyPair(t, s, "ed-key", func(in *ec2.CreateKeyPairRequest) { in.KeyType = kit.Ptr("ed25519") })
	priv, err := ssh.ParseRawPrivateKey([]byte(*edPair.KeyMaterial))
	if err != nil || !strings.HasPrefix(*edPair.KeyMaterial, "-----BEGIN OPENSSH PRIVATE KEY-----") {
		t.Fatalf("ED25519 key material: %v", err)
	}
	signer, _ := ssh.NewSignerFromKey(priv)
	edSum := sha256.Sum256(signer.PublicKey().Marshal())
	if want := base64.StdEncoding.EncodeToString(edSum[:]); *edPair.KeyFingerprint != want || !strings.HasSuffix(want, "=") {
		t.Errorf("ED25519 fingerprint = %s, want %s", *edPair.KeyFingerprint, want)
	}

	ppk := createKeyPair(t, s, "ppk-key", func(in *ec2.CreateKeyPairRequest) { in.KeyFormat = kit.Ptr("ppk") })
	if !strings.HasPrefix(*ppk.KeyMaterial, "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: ppk-key\n") || !strings.Contains(*ppk.KeyMaterial, "\nPrivate-MAC: ") {
		t.Errorf("PPK key material = %.80q", *ppk.KeyMaterial)
	}

	got, err := s.DescribeKeyPairs(context.Background(), testCaller, &ec2.DescribeKeyPairsRequest{KeyNames: []string{"ed-key"}, IncludePublicKey: kit.Ptr(true)})
	if err != nil || len(got.KeyPairs) != 1 {
		t.Fatalf("DescribeKeyPairs = %+v, %v", got, err)
	}
	info := got.KeyPairs[0]
	wantPub := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))) + " ed-key"
	if *info.KeyType != "ed25519" || *info.KeyFingerprint != *edPair.KeyFingerprint || *info.PublicKey != wantPub || info.CreateTime == nil || info.Tags == nil {
		t.Errorf("DescribeKeyPairs = %+v", info)
	}
}

func TestCreateKeyPairValidation(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	createKeyPair(t, s, "taken")
	for _, c := range []struct {
		name string
		in   ec2.CreateKeyPairRequest
		code string
	}{
		{"no name", ec2.CreateKeyPairRequest{}, "MissingParameter"},
		{"name taken", ec2.CreateKeyPairRequest{KeyName: kit.Ptr("taken")}, "InvalidKeyPair.Duplicate"},
		{"name too long", ec2.CreateKeyPairRequest{KeyName: kit.Ptr(strings.Repeat("k", 256))}, "InvalidParameterValue"},
		{"name beyond ASCII", ec2.CreateKeyPairRequest{KeyName: kit.Ptr("clé")}, "InvalidParameterValue"},
		{"key type", ec2.CreateKeyPairRequest{KeyName: kit.Ptr("a"), KeyType: kit.Ptr("dsa")}, "InvalidParameterValue"},
		{"key format", ec2.CreateKeyPairRequest{KeyName: kit.Ptr("a"), KeyFormat: kit.Ptr("der")}, "InvalidParameterValue"},
		{"tag type", ec2.CreateKeyPairRequest{KeyName: kit.Ptr("a"), TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc")}}}, "InvalidParameterValue"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateKeyPair(ctx, testCaller, &c.in)
			wantCode(t, err, c.code)
		})
	}
	// Names are per account and Region.
	other := Caller{Account: "210987654321", Region: "us-east-1"}
	if _, err := s.CreateKeyPair(ctx, other, &ec2.CreateKeyPairRequest{KeyName: kit.Ptr("taken")}); err != nil {
		t.Errorf("another account's key of the same name: %v", err)
	}
}

// TestImportKeyPairFormats: every format AWS takes gives the same key and AWS's
// fingerprint (the RSA one as `openssl pkey -pubin -outform DER | openssl md5 -c` and
// the ED25519 one as ssh-keygen -l prints it, padded).
func TestImportKeyPairFormats(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	const rsaFingerprint = "c8:d0:c8:46:60:ea:00:24:79:4f:30:aa:81:8c:d8:84"
	const edFingerprint = "NYS8si+OMb2C/89VOIr3vozn0ucJa5hIOIO9w2a/Nic="
	der := readKeyFile(t, "rsa.der")
	for _, c := range []struct {
		file, material string
		keyType, fp    string
	}{
		{file: "rsa.pub", keyType: "rsa", fp: rsaFingerprint},
		{file: "rsa.pem", keyType: "rsa", fp: rsaFingerprint},
		{file: "rsa.rfc4716", keyType: "rsa", fp: rsaFingerprint},
		{file: "rsa.der", keyType: "rsa", fp: rsaFingerprint},
		{file: "rsa.der.b64", material: base64.StdEncoding.EncodeToString(der), keyType: "rsa", fp: rsaFingerprint},
		{file: "ed25519.pub", keyType: "ed25519", fp: edFingerprint},
		{file: "ed25519.rfc4716", keyType: "ed25519", fp: edFingerprint},
	} {
		t.Run(c.file, func(t *testing.T) {
			material := []byte(c.material)
			if c.material == "" {
				material = readKeyFile(t, c.file)
			}
			out, err := s.ImportKeyPair(ctx, testCaller, &ec2.ImportKeyPairRequest{KeyName: kit.Ptr(c.file), PublicKeyMaterial: material})
			if err != nil {
				t.Fatal(err)
			}
			if *out.KeyFingerprint != c.fp || *out.KeyName != c.file || !kit.ValidID(*out.KeyPairId, "key") {
				t.Errorf("ImportKeyPair = %+v", out)
			}
			got, err := s.DescribeKeyPairs(ctx, testCaller, &ec2.DescribeKeyPairsRequest{KeyPairIds: []string{*out.KeyPairId}})
			if err != nil || len(got.KeyPairs) != 1 || *got.KeyPairs[0].KeyType != c.keyType || got.KeyPairs[0].PublicKey != nil {
				t.Errorf("DescribeKeyPairs = %+v, %v", got, err)
			}
		})
	}
	for _, c := range []struct {
		name     string
		material []byte
		code     string
	}{
		{"ECDSA", readKeyFile(t, "ecdsa.pub"), "InvalidKeyPair.Format"},
		{"garbage", []byte("ssh-rsa not-a-key"), "InvalidKeyPair.Format"},
		{"private key", []byte(*createKeyPair(t, s, "made").KeyMaterial), "InvalidKeyPair.Format"},
		{"none", nil, "MissingParameter"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.ImportKeyPair(ctx, testCaller, &ec2.ImportKeyPairRequest{KeyName: kit.Ptr(c.name), PublicKeyMaterial: c.material})
			wantCode(t, err, c.code)
		})
	}
	_, err := s.ImportKeyPair(ctx, testCaller, &ec2.ImportKeyPairRequest{KeyName: kit.Ptr("made"), PublicKeyMaterial: readKeyFile(t, "rsa.pub")})
	wantCode(t, err, "InvalidKeyPair.Duplicate")
}

func TestDescribeAndDeleteKeyPairs(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	a := createKeyPair(t, s, "alpha", func(in *ec2.CreateKeyPairRequest) {
		in.TagSpecifications = []ec2.TagSpecification{{ResourceType: kit.Ptr("key-pair"), Tags: []ec2.Tag{{Key: kit.Ptr("team"), Value: kit.Ptr("web")}}}}
	})
	b := createKeyPair(t, s, "beta*", func(in *ec2.CreateKeyPairRequest) { in.KeyType = kit.Ptr("ed25519") })
	names := func(in *ec2.DescribeKeyPairsRequest) string {
		t.Helper()
		out, err := s.DescribeKeyPairs(ctx, testCaller, in)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, k := range out.KeyPairs {
			n = append(n, *k.KeyName)
		}
		slices.Sort(n)
		return strings.Join(n, ",")
	}
	filter := func(name, value string) []ec2.Filter {
		return []ec2.Filter{{Name: kit.Ptr(name), Values: []string{value}}}
	}
	for _, c := range []struct {
		name string
		in   ec2.DescribeKeyPairsRequest
		want string
	}{
		{"all", ec2.DescribeKeyPairsRequest{}, "alpha,beta*"},
		{"by name, a wildcard character taken as itself", ec2.DescribeKeyPairsRequest{KeyNames: []string{"beta*"}}, "beta*"},
		{"by ID", ec2.DescribeKeyPairsRequest{KeyPairIds: []string{*a.KeyPairId}}, "alpha"},
		{"key-name with a wildcard", ec2.DescribeKeyPairsRequest{Filters: filter("key-name", "al*")}, "alpha"},
		{"fingerprint", ec2.DescribeKeyPairsRequest{Filters: filter("fingerprint", *b.KeyFingerprint)}, "beta*"},
		{"key-pair-id", ec2.DescribeKeyPairsRequest{Filters: filter("key-pair-id", *b.KeyPairId)}, "beta*"},
		{"key-type", ec2.DescribeKeyPairsRequest{Filters: filter("key-type", "rsa")}, "alpha"},
		{"tag", ec2.DescribeKeyPairsRequest{Filters: filter("tag:team", "web")}, "alpha"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := names(&c.in); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
	_, err := s.DescribeKeyPairs(ctx, testCaller, &ec2.DescribeKeyPairsRequest{KeyNames: []string{"alpha", "gamma"}})
	wantCode(t, err, "InvalidKeyPair.NotFound")
	_, err = s.DescribeKeyPairs(ctx, testCaller, &ec2.DescribeKeyPairsRequest{KeyPairIds: []string{"key-0123456789abcdef0"}})
	wantCode(t, err, "InvalidKeyPair.NotFound")
	_, err = s.DescribeKeyPairs(ctx, testCaller, &ec2.DescribeKeyPairsRequest{Filters: filter("owner-id", "x")})
	wantCode(t, err, "InvalidParameterValue")
	tags, err := s.DescribeTags(ctx, testCaller, &ec2.DescribeTagsRequest{Filters: filter("resource-type", "key-pair")})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].ResourceId != *a.KeyPairId {
		t.Errorf("DescribeTags key-pair = %+v, %v", tags, err)
	}

	// DeleteKeyPair by name or ID; a key pair that is not there is no error.
	del, err := s.DeleteKeyPair(ctx, testCaller, &ec2.DeleteKeyPairRequest{KeyName: kit.Ptr("alpha")})
	if err != nil || !*del.Return || *del.KeyPairId != *a.KeyPairId {
		t.Errorf("DeleteKeyPair alpha = %+v, %v", del, err)
	}
	del, err = s.DeleteKeyPair(ctx, testCaller, &ec2.DeleteKeyPairRequest{KeyPairId: b.KeyPairId})
	if err != nil || *del.KeyPairId != *b.KeyPairId {
		t.Errorf("DeleteKeyPair by ID = %+v, %v", del, err)
	}
	del, err = s.DeleteKeyPair(ctx, testCaller, &ec2.DeleteKeyPairRequest{KeyName: kit.Ptr("alpha")})
	if err != nil || !*del.Return || del.KeyPairId != nil {
		t.Errorf("DeleteKeyPair again = %+v, %v", del, err)
	}
	_, err = s.DeleteKeyPair(ctx, testCaller, &ec2.DeleteKeyPairRequest{})
	wantCode(t, err, "MissingParameter")
	if got := names(&ec2.DescribeKeyPairsRequest{}); got != "" {
		t.Errorf("after delete: %s", got)
	}
	// The name is free again.
	createKeyPair(t, s, "alpha")
}

// TestRunInstancesWithKeyPair: an instance keeps the key pair's name and public key,
// also after the key pair is deleted; an unknown name is InvalidKeyPair.NotFound.
func TestRunInstancesWithKeyPair(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, subnet := vpcWithSubnet(t, s, "10.0.1.0/24")
	_, err := run(s, subnet, 1, func(in *ec2.RunInstancesRequest) { in.KeyName = kit.Ptr("nope") })
	wantCode(t, err, "InvalidKeyPair.NotFound")
	imported, err := s.ImportKeyPair(ctx, testCaller, &ec2.ImportKeyPairRequest{KeyName: kit.Ptr("mine"), PublicKeyMaterial: readKeyFile(t, "ed25519.pub")})
	if err != nil {
		t.Fatal(err)
	}
	inst := mustRun(t, s, subnet, func(in *ec2.RunInstancesRequest) { in.KeyName = imported.KeyName })
	if _, err := s.DeleteKeyPair(ctx, testCaller, &ec2.DeleteKeyPairRequest{KeyName: kit.Ptr("mine")}); err != nil {
		t.Fatal(err)
	}
	if got := describeInstance(t, s, *inst.InstanceId); kit.Deref(got.KeyName) != "mine" {
		t.Errorf("DescribeInstances KeyName = %v", got.KeyName)
	}
	var rec *kit.InstanceRecord
	s.View(ctx, func(tx *kit.Txn) error {
		rec, err = kit.Get[kit.InstanceRecord](tx, testCaller, "i", *inst.InstanceId)
		return err
	})
	pub, _, _, _, perr := ssh.ParseAuthorizedKey([]byte(rec.PublicKey))
	want, _, _, _, _ := ssh.ParseAuthorizedKey(readKeyFile(t, "ed25519.pub"))
	if perr != nil || string(pub.Marshal()) != string(want.Marshal()) || !strings.HasSuffix(rec.PublicKey, " mine") {
		t.Errorf("instance public key = %q, %v", rec.PublicKey, perr)
	}
}
