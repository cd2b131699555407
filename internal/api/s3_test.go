package api_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"vpcd/internal/api"
	"vpcd/internal/control"
	"vpcd/internal/s3store"
	"vpcd/internal/store"
)

// startS3 serves the API with an S3 store in dataDir, strict with creds (lenient for
// nil); stop closes both, as vpcd's exit does.
func startS3(t *testing.T, dataDir string, creds map[string]api.Credential) (url string, stop func()) {
	t.Helper()
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	objects, err := s3store.Open(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(api.New(control.New(st, control.Config{}), api.Config{Credentials: creds, S3: objects}))
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			ts.Close()
			objects.Close()
			st.Close()
		}
	}
	t.Cleanup(stop)
	return ts.URL, stop
}

func s3Client(url, key, secret string, pathStyle bool) *s3sdk.Client {
	return s3sdk.New(s3sdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: pathStyle,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
}

func s3Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// The SDK's S3 client creates a bucket, puts, gets and lists objects through vpcd's
// listener, strict authentication checking its signatures; the objects outlive vpcd.
func TestS3SDK(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	url, stop := startS3(t, dataDir, strictKeys)
	c := s3Client(url, "AKIDEXAMPLE", "s3cret", true)

	if _, err := c.CreateBucket(ctx, &s3sdk.CreateBucketInput{Bucket: aws.String("flow-logs")}); err != nil {
		t.Fatal(err)
	}
	// Larger than the 1 MiB bound of the other services' bodies.
	big := bytes.Repeat([]byte("0123456789abcdef"), 128<<10)
	for key, body := range map[string][]byte{"a/one.txt": []byte("one"), "a/two.txt": []byte("two"), "b/big": big} {
		if _, err := c.PutObject(ctx, &s3sdk.PutObjectInput{Bucket: aws.String("flow-logs"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	list, err := c.ListObjectsV2(ctx, &s3sdk.ListObjectsV2Input{Bucket: aws.String("flow-logs"), Prefix: aws.String("a/")})
	if err != nil || len(list.Contents) != 2 || aws.ToString(list.Contents[0].Key) != "a/one.txt" || aws.ToString(list.Contents[1].Key) != "a/two.txt" {
		t.Fatalf("list a/: %+v, %v", list, err)
	}
	buckets, err := c.ListBuckets(ctx, &s3sdk.ListBucketsInput{})
	if err != nil || len(buckets.Buckets) != 1 || aws.ToString(buckets.Buckets[0].Name) != "flow-logs" {
		t.Errorf("buckets: %+v, %v", buckets, err)
	}

	_, err = c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("flow-logs"), Key: aws.String("a/three.txt")})
	var noKey *s3types.NoSuchKey
	if !errors.As(err, &noKey) {
		t.Errorf("missing key: %v", err)
	}
	_, err = c.PutObject(ctx, &s3sdk.PutObjectInput{Bucket: aws.String("nobucket"), Key: aws.String("k"), Body: strings.NewReader("x")})
	if s3Code(err) != "NoSuchBucket" {
		t.Errorf("put to a missing bucket: %v", err)
	}
	_, err = s3Client(url, "AKIDEXAMPLE", "wrong", true).ListBuckets(ctx, &s3sdk.ListBucketsInput{})
	if s3Code(err) != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret: %v", err)
	}
	_, err = s3Client(url, "AKIDUNKNOWN", "s3cret", true).ListBuckets(ctx, &s3sdk.ListBucketsInput{})
	if s3Code(err) != "InvalidAccessKeyId" {
		t.Errorf("unknown key: %v", err)
	}
	resp, err := http.Get(url + "/flow-logs/a/one.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "<Code>AccessDenied</Code>") {
		t.Errorf("anonymous GET: %d %s", resp.StatusCode, b)
	}

	// A restart keeps the objects.
	stop()
	url, _ = startS3(t, dataDir, strictKeys)
	c = s3Client(url, "AKIDEXAMPLE", "s3cret", true)
	got, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("flow-logs"), Key: aws.String("b/big")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if !bytes.Equal(body, big) {
		t.Errorf("after a restart b/big has %d bytes, want %d", len(body), len(big))
	}
}

// Virtual-host style requests (bucket.localhost) name the bucket in the Host.
func TestS3VirtualHost(t *testing.T) {
	ctx := context.Background()
	url, _ := startS3(t, t.TempDir(), strictKeys)
	addr := strings.TrimPrefix(url, "http://")
	_, port, _ := net.SplitHostPort(addr)
	dial := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	c := s3sdk.New(s3sdk.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://localhost:" + port),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "s3cret", ""), HTTPClient: &http.Client{Transport: dial}})
	if _, err := c.CreateBucket(ctx, &s3sdk.CreateBucketInput{Bucket: aws.String("vhost")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3sdk.PutObjectInput{Bucket: aws.String("vhost"), Key: aws.String("dir/k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	list, err := s3Client(url, "AKIDEXAMPLE", "s3cret", true).ListObjectsV2(ctx, &s3sdk.ListObjectsV2Input{Bucket: aws.String("vhost")})
	if err != nil || len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != "dir/k" {
		t.Errorf("path style sees %+v, %v", list, err)
	}
}

// The aws CLI's S3 commands work against vpcd: a bucket, an upload large enough to go in
// parts, a listing and a download.
func TestAWSCLIS3(t *testing.T) {
	url, _ := startS3(t, t.TempDir(), nil)
	file := filepath.Join(t.TempDir(), "big")
	content := bytes.Repeat([]byte("flow log records\n"), 600_000) // 10 MB: above the CLI's 8 MB multipart threshold
	if err := os.WriteFile(file, content, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"s3", "mb", "s3://cli-bucket"},
		{"s3", "cp", file, "s3://cli-bucket/dir/big"},
	} {
		if out, ok := awsCLI(t, url, args...); !ok {
			t.Fatalf("%v: %s", args, out)
		}
	}
	out, ok := awsCLI(t, url, "s3", "ls", "s3://cli-bucket/dir/")
	if !ok || !strings.Contains(out, strconv.Itoa(len(content))+" big") {
		t.Errorf("ls: %s", out)
	}
	down := filepath.Join(t.TempDir(), "down")
	if out, ok := awsCLI(t, url, "s3", "cp", "s3://cli-bucket/dir/big", down); !ok {
		t.Fatalf("download: %s", out)
	}
	if got, _ := os.ReadFile(down); !bytes.Equal(got, content) {
		t.Errorf("downloaded %d bytes, want %d", len(got), len(content))
	}
	if out, ok := awsCLI(t, url, "s3", "cp", "s3://missing-bucket/k", down); ok || !strings.Contains(out, "404") {
		t.Errorf("missing bucket: %s", out)
	}
}
