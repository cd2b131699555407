package api

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"vpcd/internal/control"
	"vpcd/internal/ec2"
	"vpcd/internal/store"
)

// testServer is the handler over a real embedded store in a temporary directory.
func testServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return New(control.New(st, control.Config{}), cfg)
}

// lenientAuth is a well-formed SigV4 header that lenient mode accepts without checking.
func lenientAuth(accessKey, region string) string {
	return "AWS4-HMAC-SHA256 Credential=" + accessKey + "/20260101/" + region + "/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd"
}

// post sends a form POST of params signed (leniently) with accessKey in us-east-1.
func post(h http.Handler, accessKey, params string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8787/", strings.NewReader(params))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("Authorization", lenientAuth(accessKey, "us-east-1"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

type errorEnvelope struct {
	XMLName xml.Name `xml:"Response"`
	Errors  []struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Errors>Error"`
	RequestID string `xml:"RequestID"`
}

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// checkError checks the whole error envelope: status, code, content type, and the same
// request ID in the body and the header.
func checkError(t *testing.T, w *httptest.ResponseRecorder, status int, code string) errorEnvelope {
	t.Helper()
	var env errorEnvelope
	if err := xml.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatalf("error body is not the envelope: %v\n%s", err, w.Body)
	}
	if w.Code != status || len(env.Errors) != 1 || env.Errors[0].Code != code {
		t.Fatalf("got %d %+v, want %d %s\n%s", w.Code, env.Errors, status, code, w.Body)
	}
	if env.Errors[0].Message == "" {
		t.Errorf("%s has no message", code)
	}
	checkRequestID(t, w, env.RequestID)
	return env
}

func checkRequestID(t *testing.T, w *httptest.ResponseRecorder, inBody string) {
	t.Helper()
	h := w.Header().Get("x-amzn-RequestId")
	if !requestIDPattern.MatchString(h) || h != inBody {
		t.Errorf("request ID header %q, body %q: want the same UUID-like ID", h, inBody)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/xml;charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestSuccessEnvelope(t *testing.T) {
	s := testServer(t, Config{})
	w := post(s, "123456789012", "Action=DescribeTags&Version=2016-11-15")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d\n%s", w.Code, w.Body)
	}
	var env struct {
		XMLName   xml.Name
		RequestID string `xml:"requestId"`
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatal(err)
	}
	if env.XMLName.Local != "DescribeTagsResponse" || env.XMLName.Space != ec2.XMLNamespace {
		t.Errorf("root element %v, want DescribeTagsResponse in %s", env.XMLName, ec2.XMLNamespace)
	}
	if !strings.HasPrefix(w.Body.String(), "<?xml") {
		t.Errorf("no XML declaration:\n%s", w.Body)
	}
	checkRequestID(t, w, env.RequestID)
}

func TestGetWithQueryString(t *testing.T) {
	s := testServer(t, Config{})
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8787/any/path?Action=DescribeTags&Version=2016-11-15", nil)
	r.Header.Set("Authorization", lenientAuth("123456789012", "us-east-1"))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "<DescribeTagsResponse") {
		t.Fatalf("got %d\n%s", w.Code, w.Body)
	}
}

// unservedAction is an action of the EC2 model that the control plane does not serve.
func unservedAction(t *testing.T, s *Server) string {
	ops := make([]string, 0, len(ec2.Operations))
	for op := range ec2.Operations {
		if _, ok := s.actions[op]; !ok {
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
	s := testServer(t, Config{})
	tests := []struct {
		name   string
		params string
		status int
		code   string
	}{
		{"no action", "Version=2016-11-15", 400, "MissingAction"},
		{"action EC2 does not have", "Action=Frobnicate&Version=2016-11-15", 400, "InvalidAction"},
		{"action vpcd does not serve", "Action=" + unservedAction(t, s) + "&Version=2016-11-15", 400, "UnsupportedOperation"},
		{"no version", "Action=DescribeTags", 400, "MissingParameter"},
		{"other version", "Action=DescribeTags&Version=2014-10-01", 400, "NoSuchVersion"},
		{"unknown parameter", "Action=DescribeTags&Version=2016-11-15&Frobnicate=1", 400, "UnknownParameter"},
		{"missing required parameter", "Action=CreateTags&Version=2016-11-15&Tag.1.Key=a", 400, "MissingParameter"},
		{"dry run", "Action=CreateTags&Version=2016-11-15&DryRun=true&ResourceId.1=vpc-0123456789abcdef0&Tag.1.Key=a&Tag.1.Value=b", 412, "DryRunOperation"},
		{"control plane error", "Action=CreateTags&Version=2016-11-15&ResourceId.1=vpc-0123456789abcdef0&Tag.1.Key=a&Tag.1.Value=b", 400, "InvalidVpcID.NotFound"},
		{"malformed body", "Action=DescribeTags&Version=2016-11-15&%zz", 400, "MalformedQueryString"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, post(s, "123456789012", tt.params), tt.status, tt.code)
		})
	}
}

func TestDryRunFalseRuns(t *testing.T) {
	s := testServer(t, Config{})
	w := post(s, "123456789012", "Action=DescribeTags&Version=2016-11-15&DryRun=false")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d\n%s", w.Code, w.Body)
	}
}

func TestBodyTooLarge(t *testing.T) {
	s := testServer(t, Config{})
	body := "Action=DescribeTags&Version=2016-11-15&Pad=" + strings.Repeat("x", maxBody)
	checkError(t, post(s, "123456789012", body), http.StatusRequestEntityTooLarge, "RequestEntityTooLarge")
}

// serveFake replaces the action name with fn, which has an action's signature, so that a
// test sees what the handler passes to the control plane and how it treats what comes back.
func serveFake(s *Server, name string, fn any) {
	v := reflect.ValueOf(fn)
	s.actions[name] = action{method: v, input: v.Type().In(2).Elem(), output: v.Type().NumOut() == 2}
}

// recordCaller makes DescribeRegions report who called.
func recordCaller(s *Server) *control.Caller {
	var got control.Caller
	serveFake(s, "DescribeRegions", func(_ context.Context, c control.Caller, _ *ec2.DescribeRegionsRequest) (*ec2.DescribeRegionsResult, error) {
		got = c
		return &ec2.DescribeRegionsResult{}, nil
	})
	return &got
}

func TestIdentityLenient(t *testing.T) {
	tests := []struct {
		name, accessKey, region string
		want                    control.Caller
	}{
		{"12-digit key is the account", "123456789012", "us-east-1", control.Caller{Account: "123456789012", Region: "us-east-1"}},
		{"other key is the default account", "AKIDEXAMPLE", "us-east-1", control.Caller{Account: "000000000000", Region: "us-east-1"}},
		{"11 digits is not an account", "12345678901", "eu-west-1", control.Caller{Account: "000000000000", Region: "eu-west-1"}},
		{"region from the scope", "210987654321", "us-west-2", control.Caller{Account: "210987654321", Region: "us-west-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testServer(t, Config{})
			got := recordCaller(s)
			r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8787/", strings.NewReader("Action=DescribeRegions&Version=2016-11-15"))
			r.Header.Set("Authorization", lenientAuth(tt.accessKey, tt.region))
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d\n%s", w.Code, w.Body)
			}
			if *got != tt.want {
				t.Errorf("caller %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestDefaultAccountConfigurable(t *testing.T) {
	s := testServer(t, Config{DefaultAccount: "999999999999"})
	got := recordCaller(s)
	if w := post(s, "AKIDEXAMPLE", "Action=DescribeRegions&Version=2016-11-15"); w.Code != http.StatusOK {
		t.Fatalf("status %d\n%s", w.Code, w.Body)
	}
	if got.Account != "999999999999" {
		t.Errorf("account %s", got.Account)
	}
}

func TestAuthErrorsLenient(t *testing.T) {
	s := testServer(t, Config{Regions: []string{"us-east-1"}})
	tests := []struct {
		name   string
		auth   string
		status int
		code   string
	}{
		{"unsigned", "", 401, "MissingAuthenticationToken"},
		{"region not served", lenientAuth("123456789012", "eu-west-1"), 401, "AuthFailure"},
		{"other service", strings.Replace(lenientAuth("123456789012", "us-east-1"), "/ec2/", "/s3/", 1), 401, "AuthFailure"},
		{"not SigV4", "AWS 123456789012:abc", 401, "AuthFailure"},
		{"no credential", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00", 401, "AuthFailure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8787/", strings.NewReader("Action=DescribeTags&Version=2016-11-15"))
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			checkError(t, w, tt.status, tt.code)
		})
	}
}

func TestPresignedLenient(t *testing.T) {
	s := testServer(t, Config{})
	got := recordCaller(s)
	q := url.Values{
		"Action": {"DescribeRegions"}, "Version": {"2016-11-15"},
		"X-Amz-Algorithm": {"AWS4-HMAC-SHA256"}, "X-Amz-Credential": {"123456789012/20260101/us-west-1/ec2/aws4_request"},
		"X-Amz-Date": {"20260101T000000Z"}, "X-Amz-Expires": {"300"}, "X-Amz-SignedHeaders": {"host"}, "X-Amz-Signature": {"00"},
	}
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8787/?"+q.Encode(), nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d\n%s", w.Code, w.Body)
	}
	if want := (control.Caller{Account: "123456789012", Region: "us-west-1"}); *got != want {
		t.Errorf("caller %+v, want %+v", *got, want)
	}
}

// A panic or an error that is not an AWS error reaches the client as InternalError, and
// its cause only the log.
func TestInternalErrorsHideTheCause(t *testing.T) {
	tests := []struct {
		name string
		fn   any
	}{
		{"panic", func(context.Context, control.Caller, *ec2.DescribeRegionsRequest) (*ec2.DescribeRegionsResult, error) {
			panic("secret cause")
		}},
		{"plain error", func(context.Context, control.Caller, *ec2.DescribeRegionsRequest) (*ec2.DescribeRegionsResult, error) {
			return nil, errors.New("secret cause")
		}},
		{"plain error without output", func(context.Context, control.Caller, *ec2.DescribeRegionsRequest) error {
			return errors.New("secret cause")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log strings.Builder
			s := testServer(t, Config{Logger: slog.New(slog.NewTextHandler(&log, nil))})
			serveFake(s, "DescribeRegions", tt.fn)
			w := post(s, "123456789012", "Action=DescribeRegions&Version=2016-11-15")
			env := checkError(t, w, 500, "InternalError")
			if strings.Contains(w.Body.String(), "secret cause") {
				t.Errorf("the cause reached the client:\n%s", w.Body)
			}
			if !strings.Contains(log.String(), "secret cause") || !strings.Contains(log.String(), env.RequestID) {
				t.Errorf("the cause and request ID are not logged:\n%s", log.String())
			}
		})
	}
}

// A wrapped AWS error keeps its code: control may add context with %w.
func TestWrappedAWSError(t *testing.T) {
	s := testServer(t, Config{})
	serveFake(s, "DescribeRegions", func(context.Context, control.Caller, *ec2.DescribeRegionsRequest) (*ec2.DescribeRegionsResult, error) {
		return nil, errors.Join(errors.New("context"), ec2.Errorf("InvalidParameterValue", "bad"))
	})
	checkError(t, post(s, "123456789012", "Action=DescribeRegions&Version=2016-11-15"), 400, "InvalidParameterValue")
}

func TestNoOutputAnswersTrue(t *testing.T) {
	s := testServer(t, Config{})
	serveFake(s, "DescribeRegions", func(context.Context, control.Caller, *ec2.DescribeRegionsRequest) error { return nil })
	w := post(s, "123456789012", "Action=DescribeRegions&Version=2016-11-15")
	if w.Code != 200 || !strings.Contains(w.Body.String(), "<return>true</return>") {
		t.Fatalf("got %d\n%s", w.Code, w.Body)
	}
}

// Every action the control plane serves decodes its request shape without panicking.
func TestServedActionsDecode(t *testing.T) {
	s := testServer(t, Config{})
	if len(s.Actions()) == 0 {
		t.Fatal("no action served")
	}
	for _, name := range s.Actions() {
		if !ec2.Operations[name] {
			t.Errorf("%s is served but not an EC2 action", name)
		}
	}
}
