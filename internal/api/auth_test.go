package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
)

var strictCredentials = map[string]Credential{
	"AKIDEXAMPLE":  {Secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Account: "111122223333"},
	"123456789012": {Secret: "other", Account: "444455556666"},
}

// signedPost is a form POST signed by the AWS SDK for Go v2 signer, as the SDKs send it.
func signedPost(t *testing.T, key, secret, region string, when time.Time, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8787/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("User-Agent", "aws-sdk-go-v2/test")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "ec2", region, when); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestStrictSigV4(t *testing.T) {
	const body = "Action=DescribeRegions&Version=2016-11-15"
	now := time.Now()
	tests := []struct {
		name        string
		req         func(t *testing.T) *http.Request
		status      int
		code        string
		wantAccount string
	}{
		{
			name: "valid signature picks the key's account",
			req: func(t *testing.T) *http.Request {
				return signedPost(t, "AKIDEXAMPLE", strictCredentials["AKIDEXAMPLE"].Secret, "us-east-1", now, body)
			},
			status:      200,
			wantAccount: "111122223333",
		},
		{
			name: "12-digit key maps through the file, not to itself",
			req: func(t *testing.T) *http.Request {
				return signedPost(t, "123456789012", "other", "us-east-1", now, body)
			},
			status:      200,
			wantAccount: "444455556666",
		},
		{
			name: "clock 10 minutes behind is within the skew",
			req: func(t *testing.T) *http.Request {
				return signedPost(t, "AKIDEXAMPLE", strictCredentials["AKIDEXAMPLE"].Secret, "us-east-1", now.Add(-10*time.Minute), body)
			},
			status:      200,
			wantAccount: "111122223333",
		},
		{
			name: "wrong secret",
			req: func(t *testing.T) *http.Request {
				return signedPost(t, "AKIDEXAMPLE", "not-the-secret", "us-east-1", now, body)
			},
			status: 403, code: "SignatureDoesNotMatch",
		},
		{
			name: "body changed after signing",
			req: func(t *testing.T) *http.Request {
				r := signedPost(t, "AKIDEXAMPLE", strictCredentials["AKIDEXAMPLE"].Secret, "us-east-1", now, "Action=DescribeRegions&Version=2016-11-15&DryRun=false")
				r.Body = http.NoBody
				r.ContentLength = 0
				return r
			},
			status: 403, code: "SignatureDoesNotMatch",
		},
		{
			name: "date 20 minutes old",
			req: func(t *testing.T) *http.Request {
				return signedPost(t, "AKIDEXAMPLE", strictCredentials["AKIDEXAMPLE"].Secret, "us-east-1", now.Add(-20*time.Minute), body)
			},
			status: 400, code: "RequestExpired",
		},
		{
			name: "date 20 minutes ahead",
			req: func(t *testing.T) *http.Request {
				return signedPost(t, "AKIDEXAMPLE", strictCredentials["AKIDEXAMPLE"].Secret, "us-east-1", now.Add(20*time.Minute), body)
			},
			status: 400, code: "RequestExpired",
		},
		{
			name: "unknown access key",
			req: func(t *testing.T) *http.Request {
				return signedPost(t, "AKIDUNKNOWN", "whatever", "us-east-1", now, body)
			},
			status: 401, code: "AuthFailure",
		},
		{
			name: "unsigned",
			req: func(t *testing.T) *http.Request {
				return httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8787/", strings.NewReader(body))
			},
			status: 401, code: "MissingAuthenticationToken",
		},
		{
			name: "region not served",
			req: func(t *testing.T) *http.Request {
				return signedPost(t, "AKIDEXAMPLE", strictCredentials["AKIDEXAMPLE"].Secret, "mars-north-1", now, body)
			},
			status: 401, code: "AuthFailure",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testServer(t, Config{Credentials: strictCredentials})
			got := recordCaller(s)
			w := httptest.NewRecorder()
			s.ServeHTTP(w, tt.req(t))
			if tt.code != "" {
				checkError(t, w, tt.status, tt.code)
				return
			}
			if w.Code != tt.status {
				t.Fatalf("status %d\n%s", w.Code, w.Body)
			}
			if got.Account != tt.wantAccount || got.Region != "us-east-1" {
				t.Errorf("caller %+v, want account %s in us-east-1", *got, tt.wantAccount)
			}
		})
	}
}

func TestStrictPresigned(t *testing.T) {
	secret := strictCredentials["AKIDEXAMPLE"].Secret
	presign := func(t *testing.T, secret, payloadHash string, when time.Time, expires string) *http.Request {
		q := url.Values{"Action": {"DescribeRegions"}, "Version": {"2016-11-15"}, "X-Amz-Expires": {expires}}
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8787/?"+q.Encode(), nil)
		creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: secret}
		signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, payloadHash, "ec2", "us-east-1", when)
		if err != nil {
			t.Fatal(err)
		}
		return httptest.NewRequest(http.MethodGet, signed, nil)
	}
	empty := sha256.Sum256(nil)
	tests := []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"unsigned payload", presign(t, secret, "UNSIGNED-PAYLOAD", time.Now(), "300"), 200, ""},
		{"empty payload hash", presign(t, secret, hex.EncodeToString(empty[:]), time.Now(), "300"), 200, ""},
		{"long-lived URL older than the skew", presign(t, secret, "UNSIGNED-PAYLOAD", time.Now().Add(-time.Hour), "7200"), 200, ""},
		{"expired", presign(t, secret, "UNSIGNED-PAYLOAD", time.Now().Add(-10*time.Minute), "60"), 400, "RequestExpired"},
		{"wrong secret", presign(t, "nope", "UNSIGNED-PAYLOAD", time.Now(), "300"), 403, "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testServer(t, Config{Credentials: strictCredentials})
			got := recordCaller(s)
			w := httptest.NewRecorder()
			s.ServeHTTP(w, tt.req)
			if tt.code != "" {
				checkError(t, w, tt.status, tt.code)
				return
			}
			if w.Code != tt.status || got.Account != "111122223333" {
				t.Fatalf("status %d, caller %+v\n%s", w.Code, *got, w.Body)
			}
		})
	}
}

func TestLoadCredentials(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("# key secret account\n\nAKIDEXAMPLE s3cr3t 111122223333\n  AKID2 x/y+z 444455556666  \n"), 0o600)
	creds, err := LoadCredentials(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 2 || creds["AKID2"] != (Credential{Secret: "x/y+z", Account: "444455556666"}) {
		t.Errorf("got %+v", creds)
	}
	for name, content := range map[string]string{
		"two fields":      "AKID s3cr3t\n",
		"account letters": "AKID s3cr3t 11112222333x\n",
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		os.WriteFile(p, []byte(content), 0o600)
		if _, err := LoadCredentials(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
