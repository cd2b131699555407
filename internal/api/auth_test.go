package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"vpcd/internal/api"
	"vpcd/internal/control"
	"vpcd/internal/store"
	"vpcd/internal/vpcdtest"
)

var strictKeys = map[string]api.Credential{
	"AKIDEXAMPLE":  {Secret: "s3cret", Account: "123456789012"},
	"210987654321": {Secret: "other", Account: "444455556666"},
}

// startStrict serves the API in strict mode over a store in a temporary directory.
func startStrict(t *testing.T) string {
	t.Helper()
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(api.New(control.New(st, control.Config{}), api.Config{Credentials: strictKeys}))
	t.Cleanup(func() {
		ts.Close()
		st.Close()
	})
	return ts.URL
}

func sdkClient(base, key, secret string) *ec2sdk.Client {
	c := vpcdtest.Client(base, key, "us-east-1")
	return ec2sdk.New(c.Options(), func(o *ec2sdk.Options) {
		o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, nil
		})
	})
}

// In strict mode the SDK's own signatures verify and the key's account acts.
func TestStrictSDK(t *testing.T) {
	ctx := context.Background()
	base := startStrict(t)
	c := sdkClient(base, "AKIDEXAMPLE", "s3cret")
	vpc, err := c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatalf("signed by the SDK: %v", err)
	}
	if got := aws.ToString(vpc.Vpc.OwnerId); got != "123456789012" {
		t.Errorf("OwnerId %s, want the key's account 123456789012", got)
	}
	// A 12-digit key is looked up like any other, not taken as the account.
	d, err := sdkClient(base, "210987654321", "other").DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range d.Vpcs {
		if aws.ToString(v.OwnerId) != "444455556666" {
			t.Errorf("key 210987654321 sees %s's VPC %s", aws.ToString(v.OwnerId), aws.ToString(v.VpcId))
		}
	}

	for _, tt := range []struct {
		name, key, secret, code string
	}{
		{"wrong secret", "AKIDEXAMPLE", "wrong", "SignatureDoesNotMatch"},
		{"unknown key", "AKIDUNKNOWN", "s3cret", "AuthFailure"},
		{"12-digit key not in the file", "123456789012", "secret", "AuthFailure"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sdkClient(base, tt.key, tt.secret).DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{})
			wantCode(t, tt.name, err, tt.code)
		})
	}
}

// signedAt is a form POST signed by the SDK's signer at when.
func signedAt(t *testing.T, base, key, secret, region, body string, when time.Time) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, r, hex.EncodeToString(sum[:]), "ec2", region, when); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestStrictSigV4(t *testing.T) {
	base := startStrict(t)
	const body = "Action=DescribeVpcs&Version=2016-11-15"
	now := time.Now()
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		code   string
	}{
		{"valid", func() *http.Request { return signedAt(t, base, "AKIDEXAMPLE", "s3cret", "us-east-1", body, now) }, 200, ""},
		{"clock 10 minutes behind", func() *http.Request {
			return signedAt(t, base, "AKIDEXAMPLE", "s3cret", "us-east-1", body, now.Add(-10*time.Minute))
		}, 200, ""},
		{"signed 20 minutes ago", func() *http.Request {
			return signedAt(t, base, "AKIDEXAMPLE", "s3cret", "us-east-1", body, now.Add(-20*time.Minute))
		}, 400, "RequestExpired"},
		{"signed 20 minutes ahead", func() *http.Request {
			return signedAt(t, base, "AKIDEXAMPLE", "s3cret", "us-east-1", body, now.Add(20*time.Minute))
		}, 400, "RequestExpired"},
		{"wrong secret", func() *http.Request { return signedAt(t, base, "AKIDEXAMPLE", "nope", "us-east-1", body, now) }, 403, "SignatureDoesNotMatch"},
		{"body changed after signing", func() *http.Request {
			r := signedAt(t, base, "AKIDEXAMPLE", "s3cret", "us-east-1", body, now)
			changed := body + "&DryRun=false"
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(changed)), int64(len(changed))
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"unknown key", func() *http.Request { return signedAt(t, base, "AKIDUNKNOWN", "s3cret", "us-east-1", body, now) }, 401, "AuthFailure"},
		{"region not served", func() *http.Request {
			return signedAt(t, base, "AKIDEXAMPLE", "s3cret", "mars-north-1", body, now)
		}, 401, "AuthFailure"},
		{"unsigned", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 401, "MissingAuthenticationToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, tt.req(), "", "", "", nil)
			if tt.code == "" {
				checkSuccess(t, a, "DescribeVpcs")
				if !strings.Contains(a.body, "<ownerId>123456789012</ownerId>") {
					t.Errorf("not answered as 123456789012:\n%s", a.body)
				}
				return
			}
			checkError(t, a, tt.status, tt.code)
		})
	}
}

// presigned is a GET URL presigned by the SDK's signer.
func presigned(t *testing.T, base, secret, payloadHash string, when time.Time, expires string) *http.Request {
	t.Helper()
	q := url.Values{"Action": {"DescribeVpcs"}, "Version": {"2016-11-15"}, "X-Amz-Expires": {expires}}
	r, err := http.NewRequest(http.MethodGet, base+"/?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: secret}, r, payloadHash, "ec2", "us-east-1", when)
	if err != nil {
		t.Fatal(err)
	}
	out, err := http.NewRequest(http.MethodGet, signed, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStrictPresigned(t *testing.T) {
	base := startStrict(t)
	empty := sha256.Sum256(nil)
	tests := []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"unsigned payload", presigned(t, base, "s3cret", "UNSIGNED-PAYLOAD", time.Now(), "300"), 200, ""},
		{"empty payload hash", presigned(t, base, "s3cret", hex.EncodeToString(empty[:]), time.Now(), "300"), 200, ""},
		{"long-lived URL older than the skew", presigned(t, base, "s3cret", "UNSIGNED-PAYLOAD", time.Now().Add(-time.Hour), "7200"), 200, ""},
		{"expired", presigned(t, base, "s3cret", "UNSIGNED-PAYLOAD", time.Now().Add(-10*time.Minute), "60"), 400, "RequestExpired"},
		{"wrong secret", presigned(t, base, "nope", "UNSIGNED-PAYLOAD", time.Now(), "300"), 403, "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, tt.req, "", "", "", nil)
			if tt.code == "" {
				checkSuccess(t, a, "DescribeVpcs")
				if !strings.Contains(a.body, "<ownerId>123456789012</ownerId>") {
					t.Errorf("not answered as 123456789012:\n%s", a.body)
				}
				return
			}
			checkError(t, a, tt.status, tt.code)
		})
	}
	// A presigned URL's parameters are signed: changing one breaks the signature.
	r := presigned(t, base, "s3cret", "UNSIGNED-PAYLOAD", time.Now(), "300")
	q := r.URL.Query()
	q.Set("Action", "DescribeSubnets")
	r.URL.RawQuery = q.Encode()
	checkError(t, send(t, r, "", "", "", nil), 403, "SignatureDoesNotMatch")
}

func TestLoadCredentials(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	content := "# key secret account\n\n   # indented comment\nAKIDEXAMPLE s3cr3t 111122223333\n  AKID2\tx/y+z   444455556666  \n"
	if err := os.WriteFile(good, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	creds, err := api.LoadCredentials(good)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]api.Credential{
		"AKIDEXAMPLE": {Secret: "s3cr3t", Account: "111122223333"},
		"AKID2":       {Secret: "x/y+z", Account: "444455556666"},
	}
	if len(creds) != len(want) || creds["AKIDEXAMPLE"] != want["AKIDEXAMPLE"] || creds["AKID2"] != want["AKID2"] {
		t.Errorf("got %+v, want %+v", creds, want)
	}

	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("# nothing yet\n"), 0o600)
	if creds, err := api.LoadCredentials(empty); err != nil || len(creds) != 0 {
		t.Errorf("comments only: %v, %v", creds, err)
	}

	for name, content := range map[string]string{
		"two fields":          "AKID s3cr3t\n",
		"four fields":         "AKID s3cr3t 111122223333 extra\n",
		"account letters":     "AKID s3cr3t 11112222333x\n",
		"account too short":   "AKID s3cr3t 11112222333\n",
		"bad line after good": "AKIDEXAMPLE s3cr3t 111122223333\nbroken\n",
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		os.WriteFile(p, []byte(content), 0o600)
		_, err := api.LoadCredentials(p)
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.Contains(err.Error(), p+":") {
			t.Errorf("%s: error %q does not say where", name, err)
		}
	}
	if _, err := api.LoadCredentials(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file: no error")
	}
}

// TestSDKAccountIsolation checks that an account sees and changes only its own resources.
func TestSDKAccountIsolation(t *testing.T) {
	ctx := context.Background()
	srv := vpcdtest.Start(t)
	a, b := srv.EC2(t, "111111111111"), srv.EC2(t, "222222222222")
	vb := must[*ec2sdk.CreateVpcOutput](t, "CreateVpc")(b.CreateVpc(ctx, &ec2sdk.CreateVpcInput{
		CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: tagSpec(types.ResourceTypeVpc, "owner", "b"),
	})).Vpc
	if aws.ToString(vb.OwnerId) != "222222222222" {
		t.Errorf("OwnerId %q", aws.ToString(vb.OwnerId))
	}
	id := aws.ToString(vb.VpcId)

	_, err := a.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{VpcIds: []string{id}})
	wantCode(t, "describe another account's VPC", err, "InvalidVpcID.NotFound")
	_, err = a.DeleteVpc(ctx, &ec2sdk.DeleteVpcInput{VpcId: aws.String(id)})
	wantCode(t, "delete another account's VPC", err, "InvalidVpcID.NotFound")
	_, err = a.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: aws.String(id), CidrBlock: aws.String("10.0.0.0/24")})
	wantCode(t, "subnet in another account's VPC", err, "InvalidVpcID.NotFound")
	_, err = a.CreateTags(ctx, &ec2sdk.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}})
	wantCode(t, "tag another account's VPC", err, "InvalidVpcID.NotFound")

	all := must[*ec2sdk.DescribeVpcsOutput](t, "DescribeVpcs")(a.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{}))
	for _, v := range all.Vpcs {
		if aws.ToString(v.OwnerId) != "111111111111" || aws.ToString(v.VpcId) == id {
			t.Errorf("account 111111111111 sees %+v", v)
		}
	}
	if len(all.Vpcs) != 1 || !aws.ToBool(all.Vpcs[0].IsDefault) {
		t.Errorf("account 111111111111 sees %d VPCs, want only its default VPC", len(all.Vpcs))
	}
	tags := must[*ec2sdk.DescribeTagsOutput](t, "DescribeTags")(a.DescribeTags(ctx, &ec2sdk.DescribeTagsInput{Filters: []types.Filter{filter("key", "owner")}}))
	if len(tags.Tags) != 0 {
		t.Errorf("account 111111111111 sees tags %+v", tags.Tags)
	}

	// Still there for its owner; each region of an account has its own default VPC.
	must[*ec2sdk.DescribeVpcsOutput](t, "DescribeVpcs")(b.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{VpcIds: []string{id}}))
	west := vpcdtest.Client(srv.URL, "222222222222", "us-west-2")
	wv := must[*ec2sdk.DescribeVpcsOutput](t, "DescribeVpcs us-west-2")(west.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{}))
	if len(wv.Vpcs) != 1 || !aws.ToBool(wv.Vpcs[0].IsDefault) {
		t.Errorf("us-west-2 of 222222222222: %+v, want only its default VPC", wv.Vpcs)
	}
	_, err = west.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{VpcIds: []string{id}})
	wantCode(t, "a us-east-1 VPC from us-west-2", err, "InvalidVpcID.NotFound")
}
