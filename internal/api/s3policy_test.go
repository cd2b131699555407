package api_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"

	"vpcd/internal/api"
	"vpcd/internal/control"
	"vpcd/internal/s3store"
	"vpcd/internal/store"
)

// headerTransport is a VPC's S3 proxy as the API sees it: requests through the data
// plane's socket (or, to check that they are not believed, through TCP) with the
// source headers set.
type headerTransport struct {
	base    http.RoundTripper
	headers map[string]string
}

func (h *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.headers {
		r.Header.Set(k, v)
	}
	return h.base.RoundTrip(r)
}

// An S3 request through a gateway endpoint is refused unless the endpoint's policy
// allows it; every request is refused by an explicit Deny of the bucket's policy, with
// aws:SourceVpce as the proxy says it on the data plane's socket and never as a client
// says it over TCP. The bucket's policy itself stays the owner's to change.
func TestS3EndpointAndBucketPolicies(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	objects, err := s3store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer objects.Close()
	h := api.New(control.New(st, control.Config{}), api.Config{S3: objects})
	tcp := httptest.NewUnstartedServer(h)
	tcp.Config.ConnContext = api.MarkConn
	tcp.Start()
	defer tcp.Close()
	sockPath := filepath.Join(t.TempDir(), api.SocketName)
	sock, err := api.ListenSocket(sockPath)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ConnContext: api.MarkConn}
	go srv.Serve(sock)
	defer srv.Close()

	const account = "111122223333"
	creds := credentials.NewStaticCredentialsProvider(account, "secret", "")
	ec2c := ec2sdk.New(ec2sdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(tcp.URL), Credentials: creds})
	vpc, err := ec2c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := aws.ToString(vpc.Vpc.VpcId)
	readOnly := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::data","arn:aws:s3:::data/*"]}]}`
	ep, err := ec2c.CreateVpcEndpoint(ctx, &ec2sdk.CreateVpcEndpointInput{VpcId: aws.String(vpcID), ServiceName: aws.String("com.amazonaws.us-east-1.s3"),
		PolicyDocument: aws.String(readOnly)})
	if err != nil {
		t.Fatal(err)
	}
	vpce := aws.ToString(ep.VpcEndpoint.VpcEndpointId)
	source := map[string]string{s3store.HeaderSourceVPCE: vpce, s3store.HeaderSourceVPC: vpcID, s3store.HeaderSourceIP: "10.0.1.5",
		s3store.HeaderSourceAccount: account, s3store.HeaderSourceRegion: "us-east-1"}
	client := func(url string, base http.RoundTripper, headers map[string]string) *s3sdk.Client {
		return s3sdk.New(s3sdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true, Credentials: creds,
			HTTPClient: &http.Client{Transport: &headerTransport{base: base, headers: headers}}})
	}
	unix := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sockPath)
	}}
	host := client(tcp.URL, http.DefaultTransport, nil)
	viaEndpoint := client("http://s3.us-east-1.amazonaws.com", unix, source)
	spoofed := client(tcp.URL, http.DefaultTransport, source)

	put := func(c *s3sdk.Client, key string) error {
		_, err := c.PutObject(ctx, &s3sdk.PutObjectInput{Bucket: aws.String("data"), Key: aws.String(key), Body: strings.NewReader("x")})
		return err
	}
	get := func(c *s3sdk.Client, key string) error {
		_, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("data"), Key: aws.String(key)})
		return err
	}
	if _, err := host.CreateBucket(ctx, &s3sdk.CreateBucketInput{Bucket: aws.String("data")}); err != nil {
		t.Fatal(err)
	}
	if err := put(host, "a"); err != nil {
		t.Fatal(err)
	}
	if err := get(viaEndpoint, "a"); err != nil {
		t.Errorf("GetObject through the endpoint that allows it: %v", err)
	}
	if code := s3Code(put(viaEndpoint, "b")); code != "AccessDenied" {
		t.Errorf("PutObject through the read-only endpoint: %q, want AccessDenied", code)
	}
	if _, err := viaEndpoint.ListBuckets(ctx, &s3sdk.ListBucketsInput{}); s3Code(err) != "AccessDenied" {
		t.Errorf("ListBuckets through the read-only endpoint: %v, want AccessDenied", err)
	}
	// The same headers over TCP are the client's: no endpoint policy applies.
	if err := put(spoofed, "b"); err != nil {
		t.Errorf("PutObject from the host with spoofed headers: %v", err)
	}

	_, err = host.GetBucketPolicy(ctx, &s3sdk.GetBucketPolicyInput{Bucket: aws.String("data")})
	if code := s3Code(err); code != "NoSuchBucketPolicy" {
		t.Errorf("GetBucketPolicy of none: %q", code)
	}
	_, err = host.PutBucketPolicy(ctx, &s3sdk.PutBucketPolicyInput{Bucket: aws.String("data"), Policy: aws.String(`{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)})
	if code := s3Code(err); code != "MalformedPolicy" {
		t.Errorf("PutBucketPolicy without Principal: %q, want MalformedPolicy", code)
	}
	_, err = host.PutBucketPolicy(ctx, &s3sdk.PutBucketPolicyInput{Bucket: aws.String("nothing"), Policy: aws.String(readOnly)})
	if code := s3Code(err); code != "NoSuchBucket" {
		t.Errorf("PutBucketPolicy of no bucket: %q, want NoSuchBucket", code)
	}
	onlyOther := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::data","arn:aws:s3:::data/*"],"Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1111111111111111f"}}}]}`
	if _, err := host.PutBucketPolicy(ctx, &s3sdk.PutBucketPolicyInput{Bucket: aws.String("data"), Policy: aws.String(onlyOther)}); err != nil {
		t.Fatal(err)
	}
	if got, err := host.GetBucketPolicy(ctx, &s3sdk.GetBucketPolicyInput{Bucket: aws.String("data")}); err != nil || aws.ToString(got.Policy) != onlyOther {
		t.Errorf("GetBucketPolicy: %v %v", got, err)
	}
	for name, c := range map[string]*s3sdk.Client{"through the endpoint": viaEndpoint, "from the host": host, "with spoofed headers": spoofed} {
		if code := s3Code(get(c, "a")); code != "AccessDenied" {
			t.Errorf("GetObject %s under a bucket policy for another endpoint: %q, want AccessDenied", name, code)
		}
	}
	onlyThis := strings.ReplaceAll(onlyOther, "vpce-1111111111111111f", vpce)
	if _, err := host.PutBucketPolicy(ctx, &s3sdk.PutBucketPolicyInput{Bucket: aws.String("data"), Policy: aws.String(onlyThis)}); err != nil {
		t.Fatal(err)
	}
	if err := get(viaEndpoint, "a"); err != nil {
		t.Errorf("GetObject through the endpoint the bucket policy names: %v", err)
	}
	if code := s3Code(get(spoofed, "a")); code != "AccessDenied" {
		t.Errorf("GetObject over TCP claiming the endpoint: %q, want AccessDenied", code)
	}
	if _, err := host.DeleteBucketPolicy(ctx, &s3sdk.DeleteBucketPolicyInput{Bucket: aws.String("data")}); err != nil {
		t.Fatal(err)
	}
	if err := get(host, "a"); err != nil {
		t.Errorf("GetObject from the host once the policy is gone: %v", err)
	}

	// Anonymous requests get what the bucket's policy allows to anyone, and nothing else.
	anon := func(method, path string) int {
		req, _ := http.NewRequest(method, tcp.URL+path, strings.NewReader("x"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := anon("GET", "/data/a"); got != http.StatusForbidden {
		t.Errorf("anonymous GET of a private bucket: %d, want 403", got)
	}
	public := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}]}`
	if _, err := host.PutBucketPolicy(ctx, &s3sdk.PutBucketPolicyInput{Bucket: aws.String("data"), Policy: aws.String(public)}); err != nil {
		t.Fatal(err)
	}
	if got := anon("GET", "/data/a"); got != http.StatusOK {
		t.Errorf("anonymous GET under a public-read policy: %d, want 200", got)
	}
	if got := anon("PUT", "/data/c"); got != http.StatusForbidden {
		t.Errorf("anonymous PUT under a public-read policy: %d, want 403", got)
	}
	if got := anon("DELETE", "/data?policy"); got != http.StatusForbidden {
		t.Errorf("anonymous DeleteBucketPolicy: %d, want 403", got)
	}
	if err := get(host, "a"); err != nil {
		t.Errorf("GetObject from the host under a public-read policy: %v", err)
	}

	// A deleted endpoint carries nothing: what a proxy still says of it is refused.
	if _, err := ec2c.DeleteVpcEndpoints(ctx, &ec2sdk.DeleteVpcEndpointsInput{VpcEndpointIds: []string{vpce}}); err != nil {
		t.Fatal(err)
	}
	if code := s3Code(get(viaEndpoint, "a")); code != "AccessDenied" {
		t.Errorf("GetObject through a deleted endpoint: %q, want AccessDenied", code)
	}
}
