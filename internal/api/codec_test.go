package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"

	"vpcd/internal/aws/route53"
	"vpcd/internal/aws/servicequotas"
	"vpcd/internal/aws/sts"
	"vpcd/internal/ec2"
)

func TestErrorEnvelopes(t *testing.T) {
	req := &request{id: "11111111-2222-4333-8444-555555555555"}
	for _, tt := range []struct {
		name     string
		protocol protocol
		err      *ec2.Error
		status   int
		ct, body string
	}{
		{"query, the caller's fault", queryProtocol{desc: &sts.API}, ec2.ErrInvalidActionMessage("a <b> & c"), 400, "text/xml",
			`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>a &lt;b&gt; &amp; c</Message></Error><RequestId>11111111-2222-4333-8444-555555555555</RequestId></ErrorResponse>`},
		{"query, the server's fault", queryProtocol{desc: &sts.API}, ec2.ErrInternal(), 500, "text/xml",
			`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Receiver</Type><Code>InternalError</Code><Message>An internal error has occurred</Message></Error><RequestId>11111111-2222-4333-8444-555555555555</RequestId></ErrorResponse>`},
		{"query, the model's code", queryProtocol{desc: &sts.API}, &ec2.Error{Code: "RegionDisabledException", Message: "off", Status: 403}, 403, "text/xml",
			`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>RegionDisabledException</Code><Message>off</Message></Error><RequestId>11111111-2222-4333-8444-555555555555</RequestId></ErrorResponse>`},
		{"json, status from the model", jsonProtocol{desc: &servicequotas.API}, &ec2.Error{Code: "ServiceException", Message: "x \"y\"", Status: 400}, 500, "application/x-amz-json-1.1",
			`{"__type":"ServiceException","message":"x \"y\""}`},
		{"json, unknown operation without message", jsonProtocol{desc: &servicequotas.API}, ec2.Errorf("UnknownOperationException", ""), 400, "application/x-amz-json-1.1",
			`{"__type":"UnknownOperationException"}`},
		{"json, code outside the model", jsonProtocol{desc: &servicequotas.API}, &ec2.Error{Code: "InvalidClientTokenId", Message: "no", Status: 403}, 403, "application/x-amz-json-1.1",
			`{"__type":"InvalidClientTokenId","message":"no"}`},
		{"ec2, as before", ec2Protocol{}, ec2.ErrInvalidAction("X"), 400, "text/xml;charset=UTF-8",
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Response><Errors><Error><Code>InvalidAction</Code><Message>The action X is not valid for this web service.</Message></Error></Errors><RequestID>11111111-2222-4333-8444-555555555555</RequestID></Response>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tt.protocol.writeError(rec, req, tt.err)
			if rec.Code != tt.status || rec.Header().Get("Content-Type") != tt.ct || rec.Body.String() != tt.body {
				t.Errorf("got %d %q\n%s\nwant %d %q\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String(), tt.status, tt.ct, tt.body)
			}
		})
	}
}

func TestQueryDecode(t *testing.T) {
	params, _ := url.ParseQuery("RoleArn=arn&RoleSessionName=s&DurationSeconds=900&PolicyArns.member.1.arn=a1&PolicyArns.member.2.arn=a2&Tags.member.1.Key=k&Tags.member.1.Value=v&Ignored=1")
	var got sts.AssumeRoleRequest
	if err := (queryProtocol{desc: &sts.API}).decode(&request{params: params}, "AssumeRole", &got); err != nil {
		t.Fatal(err)
	}
	if *got.RoleArn != "arn" || *got.RoleSessionName != "s" || *got.DurationSeconds != 900 ||
		len(got.PolicyArns) != 2 || *got.PolicyArns[1].Arn != "a2" || len(got.Tags) != 1 || *got.Tags[0].Value != "v" {
		t.Errorf("decoded %+v", got)
	}
	for _, tt := range []struct{ params, code, message string }{
		{"RoleSessionName=s", "ValidationError", "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null"},
		{"RoleArn=a&RoleSessionName=s&Tags.member.1.Value=v", "ValidationError", "1 validation error detected: Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null"},
		{"RoleArn=a&RoleSessionName=s&DurationSeconds=x", "InvalidParameterValue", "Value (x) for parameter DurationSeconds is invalid."},
	} {
		params, _ := url.ParseQuery(tt.params)
		err := (queryProtocol{desc: &sts.API}).decode(&request{params: params}, "AssumeRole", &sts.AssumeRoleRequest{})
		var e *ec2.Error
		if !errors.As(err, &e) || e.Code != tt.code || e.Message != tt.message {
			t.Errorf("%s: %v, want %s: %s", tt.params, err, tt.code, tt.message)
		}
	}
}

// decodeErrorIsAWS fails unless err is nil or an AWS client error.
func decodeErrorIsAWS(t *testing.T, err error) {
	var e *ec2.Error
	if err != nil && (!errors.As(err, &e) || e.Status != http.StatusBadRequest) {
		t.Fatalf("decode error %v is not an AWS client error", err)
	}
}

func FuzzQueryDecode(f *testing.F) {
	f.Add("RoleArn=a&RoleSessionName=s&PolicyArns.member.1.arn=x&Tags.member.2.Key=k")
	f.Add("PolicyArns.member.10000.arn=x&DurationSeconds=-1&Tags=")
	f.Add("ProvidedContexts.member.1.ContextAssertion=c&TransitiveTagKeys.member.1=k")
	p := queryProtocol{desc: &sts.API}
	f.Fuzz(func(t *testing.T, s string) {
		params, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		for _, in := range []any{&sts.AssumeRoleRequest{}, &sts.GetFederationTokenRequest{}, &sts.AssumeRoleWithSAMLRequest{}} {
			decodeErrorIsAWS(t, p.decode(&request{params: params}, "", in))
		}
	})
}

func FuzzJSONDecode(f *testing.F) {
	f.Add([]byte(`{"ServiceCode":"vpc","QuotaCode":"L-1"}`))
	f.Add([]byte(`{"GeneratedAt":1700000000.5,"Quotas":[{"Value":1e400}],"ExclusionList":{"a":[{"QuotaCode":"x"}]}}`))
	f.Add([]byte(`{"GeneratedAt":"2024-01-01T00:00:00Z","MetricDimensions":{"k":"v"}}`))
	p := jsonProtocol{desc: &servicequotas.API}
	types := []reflect.Type{
		reflect.TypeFor[servicequotas.GetServiceQuotaRequest](),
		reflect.TypeFor[servicequotas.PutServiceQuotaIncreaseRequestIntoTemplateRequest](),
		reflect.TypeFor[servicequotas.GetQuotaUtilizationReportResponse](),
		reflect.TypeFor[servicequotas.ServiceQuota](),
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, typ := range types {
			decodeErrorIsAWS(t, p.decode(&request{body: body}, "", reflect.New(typ).Interface()))
		}
	})
}

func FuzzRestXMLDecode(f *testing.F) {
	f.Add("GET", "/2013-04-01/hostedzone/Z1", "")
	f.Add("GET", "/2013-04-01/hostedzone?maxitems=x&marker=m", "")
	f.Add("POST", "/2013-04-01/hostedzone/Z1/rrset/", `<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><Action>UPSERT</Action><ResourceRecordSet><Name>a</Name><TTL>-1</TTL></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`)
	p := newRestXMLProtocol(&route53.API, "InvalidInput")
	f.Fuzz(func(t *testing.T, method, target, body string) {
		r, err := http.NewRequest(method, "http://vpcd"+target, nil)
		if err != nil {
			return
		}
		req := &request{http: r, body: []byte(body), params: r.URL.Query()}
		op, err := p.operation(req)
		if err != nil {
			return
		}
		o := p.desc.Operations[op]
		if o.Method != method {
			t.Fatalf("%s %s routed to %s, a %s", method, target, op, o.Method)
		}
		in, ok := route53Inputs[o.Input]
		if !ok {
			return
		}
		decodeErrorIsAWS(t, p.decode(req, op, reflect.New(in).Interface()))
	})
}

// route53Inputs are the inputs FuzzRestXMLDecode decodes into: labels, query strings,
// and a deep body.
var route53Inputs = map[string]reflect.Type{
	"GetHostedZoneRequest":            reflect.TypeFor[route53.GetHostedZoneRequest](),
	"ListHostedZonesRequest":          reflect.TypeFor[route53.ListHostedZonesRequest](),
	"ChangeResourceRecordSetsRequest": reflect.TypeFor[route53.ChangeResourceRecordSetsRequest](),
	"CreateHostedZoneRequest":         reflect.TypeFor[route53.CreateHostedZoneRequest](),
	"ListResourceRecordSetsRequest":   reflect.TypeFor[route53.ListResourceRecordSetsRequest](),
}
