package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"vpcd/internal/api"
	"vpcd/internal/control"
	"vpcd/internal/ec2"
	"vpcd/internal/store"
	"vpcd/internal/vpcdtest"
)

// answer is one HTTP exchange with vpcd as a client sees it.
type answer struct {
	status int
	header http.Header
	body   string
}

// send signs r with the SDK's SigV4 signer for key in region (unless key is empty) and
// sends it over the network.
func send(t *testing.T, r *http.Request, key, secret, region string, body []byte) answer {
	t.Helper()
	if key != "" {
		sum := sha256.Sum256(body)
		creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "ec2", region, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// postForm sends params as a form POST signed by account in us-east-1, as the SDKs do.
func postForm(t *testing.T, base, account, params string) answer {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(params))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return send(t, r, account, "secret", "us-east-1", []byte(params))
}

type errorEnvelope struct {
	XMLName xml.Name `xml:"Response"`
	Errors  []struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Errors>Error"`
	RequestID string `xml:"RequestID"`
}

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// checkEnvelopeHeaders checks the content type and that the x-amzn-RequestId header
// carries the body's request ID.
func checkEnvelopeHeaders(t *testing.T, a answer, inBody string) {
	t.Helper()
	h := a.header.Get("x-amzn-RequestId")
	if !requestIDPattern.MatchString(h) || h != inBody {
		t.Errorf("request ID header %q, body %q: want the same UUID", h, inBody)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Errorf("Content-Type %q, want text/xml", ct)
	}
}

// checkError checks the whole error envelope: status, one error with its code and a
// message, the request ID in the body and the header.
func checkError(t *testing.T, a answer, status int, code string) errorEnvelope {
	t.Helper()
	var env errorEnvelope
	if err := xml.Unmarshal([]byte(a.body), &env); err != nil {
		t.Fatalf("error body is not the envelope: %v\n%s", err, a.body)
	}
	if a.status != status || len(env.Errors) != 1 || env.Errors[0].Code != code {
		t.Fatalf("got %d %+v, want %d %s\n%s", a.status, env.Errors, status, code, a.body)
	}
	if env.Errors[0].Message == "" {
		t.Errorf("%s has no message", code)
	}
	checkEnvelopeHeaders(t, a, env.RequestID)
	return env
}

// successEnvelope is the root of an action's answer.
type successEnvelope struct {
	XMLName   xml.Name
	RequestID string `xml:"requestId"`
}

func checkSuccess(t *testing.T, a answer, action string) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("%s: status %d\n%s", action, a.status, a.body)
	}
	var env successEnvelope
	if err := xml.Unmarshal([]byte(a.body), &env); err != nil {
		t.Fatalf("%s: %v\n%s", action, err, a.body)
	}
	if env.XMLName.Local != action+"Response" || env.XMLName.Space != "http://ec2.amazonaws.com/doc/2016-11-15/" {
		t.Errorf("root element %v, want %sResponse in the 2016-11-15 namespace", env.XMLName, action)
	}
	if !strings.HasPrefix(a.body, "<?xml") || !strings.Contains(a.body, `<`+action+`Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">`) {
		t.Errorf("answer does not start as EC2's does:\n%.200s", a.body)
	}
	checkEnvelopeHeaders(t, a, env.RequestID)
}

func TestSuccessEnvelope(t *testing.T) {
	srv := vpcdtest.Start(t)
	for _, params := range []string{
		"Action=DescribeTags&Version=2016-11-15",
		"Action=DescribeVpcs&Version=2016-11-15",
		"Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16",
	} {
		q, _ := url.ParseQuery(params)
		checkSuccess(t, postForm(t, srv.URL, "123456789012", params), q.Get("Action"))
	}
}

// An action without an output shape answers <return>true</return>, as EC2 does.
func TestNoOutputAnswersTrue(t *testing.T) {
	srv := vpcdtest.Start(t)
	a := postForm(t, srv.URL, "123456789012", "Action=DescribeVpcs&Version=2016-11-15")
	m := regexp.MustCompile(`<vpcId>(vpc-[0-9a-f]{17})</vpcId>`).FindStringSubmatch(a.body)
	if m == nil {
		t.Fatalf("no default VPC:\n%s", a.body)
	}
	a = postForm(t, srv.URL, "123456789012", "Action=CreateTags&Version=2016-11-15&ResourceId.1="+m[1]+"&Tag.1.Key=Name&Tag.1.Value=x")
	checkSuccess(t, a, "CreateTags")
	if !strings.Contains(a.body, "<return>true</return>") {
		t.Errorf("CreateTags answer:\n%s", a.body)
	}
}

// The Query protocol takes its parameters from the URL as well as from a form body, on
// any path.
func TestGetWithQueryString(t *testing.T) {
	srv := vpcdtest.Start(t)
	for _, path := range []string{"/", "/any/path"} {
		r, _ := http.NewRequest(http.MethodGet, srv.URL+path+"?Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=is-default&Filter.1.Value.1=true", nil)
		a := send(t, r, "123456789012", "secret", "us-east-1", nil)
		checkSuccess(t, a, "DescribeVpcs")
		if !strings.Contains(a.body, "<cidrBlock>172.31.0.0/16</cidrBlock>") || !strings.Contains(a.body, "<isDefault>true</isDefault>") {
			t.Errorf("GET %s: the filter did not apply:\n%s", path, a.body)
		}
	}
	// Parameters split between the URL and the body are one request.
	r, _ := http.NewRequest(http.MethodPost, srv.URL+"/?Action=DescribeVpcs", strings.NewReader("Version=2016-11-15"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	checkSuccess(t, send(t, r, "123456789012", "secret", "us-east-1", []byte("Version=2016-11-15")), "DescribeVpcs")
}

// unservedAction is an action of the EC2 model that vpcd does not serve.
func unservedAction(t *testing.T, served []string) string {
	if !slices.Contains(served, "CreateVpnGateway") && ec2.Operations["CreateVpnGateway"] {
		return "CreateVpnGateway"
	}
	var ops []string
	for op := range ec2.Operations {
		if !slices.Contains(served, op) {
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		t.Skip("every EC2 action is served")
	}
	slices.Sort(ops)
	return ops[0]
}

func TestProtocolErrors(t *testing.T) {
	srv := vpcdtest.Start(t)
	unserved := unservedAction(t, api.New(srv.Service, api.Config{}).Actions())
	tests := []struct {
		name   string
		params string
		status int
		code   string
	}{
		{"no action", "Version=2016-11-15", 400, "MissingAction"},
		{"action EC2 does not have", "Action=Frobnicate&Version=2016-11-15", 400, "InvalidAction"},
		{"action vpcd does not serve", "Action=" + unserved + "&Version=2016-11-15", 400, "UnsupportedOperation"},
		{"no version", "Action=DescribeVpcs", 400, "MissingParameter"},
		{"other version", "Action=DescribeVpcs&Version=2014-10-01", 400, "NoSuchVersion"},
		{"unknown parameter", "Action=DescribeVpcs&Version=2016-11-15&Frobnicate=1", 400, "UnknownParameter"},
		{"missing required parameter", "Action=CreateTags&Version=2016-11-15&Tag.1.Key=a", 400, "MissingParameter"},
		{"not a boolean", "Action=DescribeVpcs&Version=2016-11-15&DryRun=maybe", 400, "InvalidParameterValue"},
		{"dry run", "Action=CreateVpc&Version=2016-11-15&DryRun=true&CidrBlock=10.0.0.0%2F16", 412, "DryRunOperation"},
		{"control plane error", "Action=CreateTags&Version=2016-11-15&ResourceId.1=vpc-0123456789abcdef0&Tag.1.Key=a&Tag.1.Value=b", 400, "InvalidVpcID.NotFound"},
		{"malformed body", "Action=DescribeVpcs&Version=2016-11-15&%zz", 400, "MalformedQueryString"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, postForm(t, srv.URL, "123456789012", tt.params), tt.status, tt.code)
		})
	}
	// A dry run changes nothing.
	a := postForm(t, srv.URL, "123456789012", "Action=DescribeVpcs&Version=2016-11-15")
	if n := strings.Count(a.body, "<vpcId>"); n != 1 {
		t.Errorf("%d VPCs after a dry-run CreateVpc, want the default one only", n)
	}
	// DryRun=false runs the action.
	checkSuccess(t, postForm(t, srv.URL, "123456789012", "Action=DescribeVpcs&Version=2016-11-15&DryRun=false"), "DescribeVpcs")
}

func TestAuthErrorsLenient(t *testing.T) {
	srv := vpcdtest.Start(t)
	const params = "Action=DescribeVpcs&Version=2016-11-15"
	req := func() *http.Request {
		r, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(params))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	t.Run("unsigned", func(t *testing.T) {
		checkError(t, send(t, req(), "", "", "", nil), 401, "MissingAuthenticationToken")
	})
	t.Run("region vpcd does not serve", func(t *testing.T) {
		checkError(t, send(t, req(), "123456789012", "secret", "mars-north-1", []byte(params)), 401, "AuthFailure")
	})
	t.Run("scoped to another service", func(t *testing.T) {
		r := req()
		sum := sha256.Sum256([]byte(params))
		v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "123456789012", SecretAccessKey: "x"}, r, hex.EncodeToString(sum[:]), "s3", "us-east-1", time.Now())
		checkError(t, send(t, r, "", "", "", nil), 401, "AuthFailure")
	})
	t.Run("not SigV4", func(t *testing.T) {
		r := req()
		r.Header.Set("Authorization", "AWS 123456789012:abc")
		checkError(t, send(t, r, "", "", "", nil), 401, "AuthFailure")
	})
	t.Run("any secret will do", func(t *testing.T) {
		checkSuccess(t, send(t, req(), "123456789012", "not-checked", "us-east-1", []byte(params)), "DescribeVpcs")
	})
}

// ownerOfDefaultVpc is the ownerId of the VPCs an access key sees in region.
func ownerOfDefaultVpc(t *testing.T, base, key, region string) string {
	t.Helper()
	r, _ := http.NewRequest(http.MethodGet, base+"/?Action=DescribeVpcs&Version=2016-11-15", nil)
	a := send(t, r, key, "secret", region, nil)
	checkSuccess(t, a, "DescribeVpcs")
	m := regexp.MustCompile(`<ownerId>([0-9]+)</ownerId>`).FindStringSubmatch(a.body)
	if m == nil {
		t.Fatalf("no ownerId:\n%s", a.body)
	}
	return m[1]
}

// Without credentials, a 12-digit access key is the account; any other is the default one.
func TestIdentityLenient(t *testing.T) {
	srv := vpcdtest.Start(t)
	for _, tt := range []struct{ key, region, want string }{
		{"123456789012", "us-east-1", "123456789012"},
		{"210987654321", "us-west-2", "210987654321"},
		{"AKIDEXAMPLE", "us-east-1", "000000000000"},
		{"12345678901", "eu-west-1", "000000000000"},
	} {
		if got := ownerOfDefaultVpc(t, srv.URL, tt.key, tt.region); got != tt.want {
			t.Errorf("key %s in %s acts as %s, want %s", tt.key, tt.region, got, tt.want)
		}
	}
}

func TestDefaultAccountConfigurable(t *testing.T) {
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(api.New(control.New(st, control.Config{}), api.Config{DefaultAccount: "999999999999", Regions: []string{"eu-west-1"}}))
	t.Cleanup(func() {
		ts.Close()
		st.Close()
	})
	if got := ownerOfDefaultVpc(t, ts.URL, "AKIDEXAMPLE", "eu-west-1"); got != "999999999999" {
		t.Errorf("default account %s", got)
	}
	r, _ := http.NewRequest(http.MethodGet, ts.URL+"/?Action=DescribeVpcs&Version=2016-11-15", nil)
	checkError(t, send(t, r, "AKIDEXAMPLE", "secret", "us-east-1", nil), 401, "AuthFailure")
}

func TestBodyTooLarge(t *testing.T) {
	srv := vpcdtest.Start(t)
	body := "Action=DescribeVpcs&Version=2016-11-15&Pad=" + strings.Repeat("x", 1<<20)
	checkError(t, postForm(t, srv.URL, "123456789012", body), http.StatusRequestEntityTooLarge, "RequestEntityTooLarge")
	// Just under the bound is read (and refused for its unknown parameter, not its size).
	body = "Action=DescribeVpcs&Version=2016-11-15&Pad=" + strings.Repeat("x", 1<<19)
	checkError(t, postForm(t, srv.URL, "123456789012", body), 400, "UnknownParameter")
}

// A failure that is not an AWS error (here the store is gone) reaches the client as
// InternalError with status 500; its cause goes to the log with the request ID.
func TestInternalErrorHidesTheCause(t *testing.T) {
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var log vpcdtest.SyncBuffer
	ts := httptest.NewServer(api.New(control.New(st, control.Config{}), api.Config{Logger: slog.New(slog.NewTextHandler(&log, nil))}))
	t.Cleanup(ts.Close)
	checkSuccess(t, postForm(t, ts.URL, "123456789012", "Action=DescribeVpcs&Version=2016-11-15"), "DescribeVpcs")
	st.Close()
	a := postForm(t, ts.URL, "123456789012", "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16")
	env := checkError(t, a, 500, "InternalError")
	if strings.Contains(strings.ToLower(a.body), "closed") || strings.Contains(a.body, "bolt") {
		t.Errorf("the cause reached the client:\n%s", a.body)
	}
	if !strings.Contains(log.String(), env.RequestID) {
		t.Errorf("the request ID %s is not logged:\n%s", env.RequestID, log.String())
	}
}

// TestCallerIdentity: STS's GetCallerIdentity answers the account of the access key.
func TestCallerIdentity(t *testing.T) {
	srv := vpcdtest.Start(t)
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("123456789012", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != "123456789012" || aws.ToString(out.Arn) != "arn:aws:iam::123456789012:root" {
		t.Fatalf("identity %+v", out)
	}
}
