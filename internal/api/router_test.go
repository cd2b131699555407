package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"vpcd/internal/api"
	"vpcd/internal/aws/servicequotas"
	"vpcd/internal/control"
	"vpcd/internal/ec2"
	"vpcd/internal/vpcdtest"
)

// signedFor is a POST of body signed by account 123456789012 for service in us-east-1.
func signedFor(t *testing.T, base, service, contentType, body string, header map[string]string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", contentType)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	return sign(t, r, service, body)
}

// sign signs r, whose body is body, as account 123456789012 for service in us-east-1.
func sign(t *testing.T, r *http.Request, service, body string) *http.Request {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "123456789012", SecretAccessKey: "secret"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSTSQueryProtocol(t *testing.T) {
	srv := vpcdtest.Start(t)
	const form = "application/x-www-form-urlencoded; charset=utf-8"
	t.Run("GetCallerIdentity", func(t *testing.T) {
		a := send(t, signedFor(t, srv.URL, "sts", form, "Action=GetCallerIdentity&Version=2011-06-15", nil), "", "", "", nil)
		want := `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:root</Arn><UserId>123456789012</UserId></GetCallerIdentityResult><ResponseMetadata><RequestId>` + a.header.Get("x-amzn-RequestId") + `</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
		if a.status != 200 || a.body != want {
			t.Errorf("got %d\n%s\nwant\n%s", a.status, a.body, want)
		}
	})
	for _, tt := range []struct {
		name, body, code, message string
	}{
		{"no action", "Version=2011-06-15", "MissingAction", "The request must contain the parameter Action"},
		{"action STS does not have", "Action=Frobnicate&Version=2011-06-15", "InvalidAction", "Could not find operation Frobnicate for version 2011-06-15"},
		{"action vpcd does not serve", "Action=AssumeRole&Version=2011-06-15&RoleArn=x&RoleSessionName=y", "InvalidAction", "The action AssumeRole is not supported by vpcd yet."},
		{"another version", "Action=GetCallerIdentity&Version=2010-01-01", "InvalidAction", "Could not find operation GetCallerIdentity for version 2010-01-01"},
		{"no version", "Action=GetCallerIdentity", "InvalidAction", "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, signedFor(t, srv.URL, "sts", form, tt.body, nil), "", "", "", nil)
			want := `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>` + tt.code +
				`</Code><Message>` + tt.message + `</Message></Error><RequestId>` + a.header.Get("x-amzn-RequestId") + `</RequestId></ErrorResponse>`
			if a.status != 400 || a.body != want || !strings.HasPrefix(a.header.Get("Content-Type"), "text/xml") {
				t.Errorf("got %d %s\n%s\nwant 400\n%s", a.status, a.header.Get("Content-Type"), a.body, want)
			}
		})
	}
}

// quotaServer serves a stand-in GetServiceQuota, to drive the awsJson codec with a real
// operation of a real model.
func quotaServer(t *testing.T) string {
	t.Helper()
	s := api.New(vpcdtest.Start(t).Service, api.Config{})
	api.Handle(s, "servicequotas", "GetServiceQuota", func(_ context.Context, c control.Caller, in *servicequotas.GetServiceQuotaRequest) (*servicequotas.GetServiceQuotaResponse, error) {
		switch *in.QuotaCode {
		case "L-MISSING":
			return nil, ec2.Errorf("NoSuchResourceException", "The request failed because the specified service does not exist.")
		case "L-DENIED":
			// The model gives AccessDeniedException 400 (no error trait): the model wins.
			return nil, &ec2.Error{Code: "AccessDeniedException", Message: "denied", Status: 403}
		case "L-NOTINMODEL":
			return nil, &ec2.Error{Code: "Throttling", Message: "slow down", Status: 429}
		}
		value := 5.0
		arn := "arn:aws:servicequotas:us-east-1:" + c.Account + ":vpc/" + *in.QuotaCode
		return &servicequotas.GetServiceQuotaResponse{Quota: &servicequotas.ServiceQuota{
			ServiceCode: in.ServiceCode, QuotaCode: in.QuotaCode, QuotaArn: &arn, Value: &value,
		}}, nil
	})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestJSONProtocol(t *testing.T) {
	base := quotaServer(t)
	const ct = "application/x-amz-json-1.1"
	target := func(op string) map[string]string { return map[string]string{"X-Amz-Target": op} }
	for _, tt := range []struct {
		name, body string
		header     map[string]string
		status     int
		want       string // the body, or the error's __type
	}{
		{"success", `{"ServiceCode":"vpc","QuotaCode":"L-F678F1CE"}`, target("ServiceQuotasV20190624.GetServiceQuota"), 200,
			`{"Quota":{"QuotaArn":"arn:aws:servicequotas:us-east-1:123456789012:vpc/L-F678F1CE","QuotaCode":"L-F678F1CE","ServiceCode":"vpc","Value":5.0}}`},
		{"unknown operation", `{}`, target("ServiceQuotasV20190624.Frobnicate"), 400, "UnknownOperationException"},
		{"operation vpcd does not serve", `{}`, target("ServiceQuotasV20190624.ListTagsForResource"), 400, "UnknownOperationException"},
		{"no target", `{}`, nil, 400, "UnknownOperationException"},
		{"another service's target", `{}`, target("AmazonSSM.GetParameter"), 400, "UnknownOperationException"},
		{"not JSON", `{"ServiceCode":`, target("ServiceQuotasV20190624.GetServiceQuota"), 400, "SerializationException"},
		{"wrong type", `{"ServiceCode":5,"QuotaCode":"x"}`, target("ServiceQuotasV20190624.GetServiceQuota"), 400, "SerializationException"},
		{"required member missing", `{"ServiceCode":"vpc"}`, target("ServiceQuotasV20190624.GetServiceQuota"), 400, "ValidationException"},
		{"empty body", ``, target("ServiceQuotasV20190624.GetServiceQuota"), 400, "ValidationException"},
		{"error of the model", `{"ServiceCode":"vpc","QuotaCode":"L-MISSING"}`, target("ServiceQuotasV20190624.GetServiceQuota"), 400, "NoSuchResourceException"},
		{"the model's status wins", `{"ServiceCode":"vpc","QuotaCode":"L-DENIED"}`, target("ServiceQuotasV20190624.GetServiceQuota"), 400, "AccessDeniedException"},
		{"error outside the model keeps its status", `{"ServiceCode":"vpc","QuotaCode":"L-NOTINMODEL"}`, target("ServiceQuotasV20190624.GetServiceQuota"), 429, "Throttling"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, signedFor(t, base, "servicequotas", ct, tt.body, tt.header), "", "", "", nil)
			if a.status != tt.status || a.header.Get("Content-Type") != ct {
				t.Fatalf("got %d %q, want %d %s\n%s", a.status, a.header.Get("Content-Type"), tt.status, ct, a.body)
			}
			if tt.status == 200 {
				if a.body != tt.want {
					t.Errorf("body\n%s\nwant\n%s", a.body, tt.want)
				}
				return
			}
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal([]byte(a.body), &e); err != nil || e.Type != tt.want {
				t.Errorf("error %+v (%v), want __type %s\n%s", e, err, tt.want, a.body)
			}
		})
	}
	// The validation message names the member as AWS does.
	a := send(t, signedFor(t, base, "servicequotas", ct, `{"ServiceCode":"vpc"}`, target("ServiceQuotasV20190624.GetServiceQuota")), "", "", "", nil)
	if !strings.Contains(a.body, "Value null at 'quotaCode' failed to satisfy constraint: Member must not be null") {
		t.Errorf("validation message: %s", a.body)
	}
}

// A service vpcd does not speak is refused as EC2's front end refuses a request scoped
// to another service; an unsigned JSON request answers in its service's envelope.
func TestServiceNotServed(t *testing.T) {
	srv := vpcdtest.Start(t)
	a := send(t, signedFor(t, srv.URL, "dynamodb", "application/x-amz-json-1.0", `{}`, map[string]string{"X-Amz-Target": "DynamoDB_20120810.ListTables"}), "", "", "", nil)
	checkError(t, a, 401, "AuthFailure")
	r, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(`{}`))
	r.Header.Set("X-Amz-Target", "ServiceQuotasV20190624.GetServiceQuota")
	a = send(t, r, "", "", "", nil)
	if a.status != 403 || !strings.Contains(a.body, `"__type":"MissingAuthenticationToken"`) {
		t.Errorf("unsigned JSON request: %d %s", a.status, a.body)
	}
}

// In strict mode STS checks the signature like EC2 and answers failures with the common
// error codes of the query services.
func TestSTSStrict(t *testing.T) {
	base := startStrict(t)
	client := func(key, secret string) *sts.Client {
		return sts.New(sts.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(base), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
		})
	}
	out, err := client("AKIDEXAMPLE", "s3cret").GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(out.Account) != "123456789012" {
		t.Fatalf("identity %+v, %v", out, err)
	}
	_, err = client("AKIDEXAMPLE", "wrong").GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	wantCode(t, "wrong secret", err, "SignatureDoesNotMatch")
	_, err = client("AKIDUNKNOWN", "s3cret").GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	wantCode(t, "unknown key", err, "InvalidClientTokenId")
}

// Registering a handler whose types are not the operation's shapes fails at start.
func TestHandleChecksTheModel(t *testing.T) {
	s := api.New(vpcdtest.Start(t).Service, api.Config{})
	for name, register := range map[string]func(){
		"no such service": func() {
			api.Handle(s, "ssm", "GetParameter", func(context.Context, control.Caller, *sts.GetCallerIdentityInput) (*sts.GetCallerIdentityOutput, error) {
				return nil, nil
			})
		},
		"no such operation": func() {
			api.Handle(s, "servicequotas", "Frobnicate", func(context.Context, control.Caller, *servicequotas.GetServiceQuotaRequest) (*servicequotas.GetServiceQuotaResponse, error) {
				return nil, nil
			})
		},
		"another operation's input": func() {
			api.Handle(s, "servicequotas", "ListServices", func(context.Context, control.Caller, *servicequotas.GetServiceQuotaRequest) (*servicequotas.ListServicesResponse, error) {
				return nil, nil
			})
		},
		"another operation's output": func() {
			api.Handle(s, "servicequotas", "GetServiceQuota", func(context.Context, control.Caller, *servicequotas.GetServiceQuotaRequest) (*servicequotas.ListServicesResponse, error) {
				return nil, nil
			})
		},
		"no output where the model has one": func() {
			api.HandleNoOutput(s, "servicequotas", "GetServiceQuota", func(context.Context, control.Caller, *servicequotas.GetServiceQuotaRequest) error { return nil })
		},
		"an EC2 action's input": func() {
			api.HandleNoOutput(s, "ec2", "DeleteVpc", func(context.Context, control.Caller, *ec2.DeleteSubnetRequest) error { return nil })
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: registered", name)
				}
			}()
			register()
		}()
	}
}

// In strict mode an awsJson request from an unknown key is refused in the JSON envelope.
func TestJSONStrict(t *testing.T) {
	base := startStrict(t)
	a := send(t, signedFor(t, base, "servicequotas", "application/x-amz-json-1.1", `{}`, map[string]string{"X-Amz-Target": "ServiceQuotasV20190624.ListServices"}), "", "", "", nil)
	if a.status != 403 || a.body != `{"__type":"InvalidClientTokenId","message":"The security token included in the request is invalid."}` {
		t.Errorf("got %d %s", a.status, a.body)
	}
}
