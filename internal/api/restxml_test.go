package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"vpcd/internal/api"
	"vpcd/internal/aws/route53"
	"vpcd/internal/control"
	"vpcd/internal/ec2"
	"vpcd/internal/vpcdtest"
)

// zoneServer serves stand-ins for three Route 53 operations, to drive the restXml codec
// with a real model: a path label, an XML body with a 201 and a Location header, and
// query-string members.
func zoneServer(t *testing.T) string {
	t.Helper()
	s := api.New(vpcdtest.Start(t).Service, api.Config{})
	zone := func(id, name string) *route53.HostedZone {
		ref := "ref"
		return &route53.HostedZone{Id: &id, Name: &name, CallerReference: &ref}
	}
	api.Handle(s, "route53", "GetHostedZone", func(_ context.Context, _ control.Caller, in *route53.GetHostedZoneRequest) (*route53.GetHostedZoneResponse, error) {
		if *in.Id != "Z1" {
			return nil, ec2.Errorf("NoSuchHostedZone", "No hosted zone found with ID: %s", *in.Id)
		}
		return &route53.GetHostedZoneResponse{HostedZone: zone("/hostedzone/Z1", "example.com.")}, nil
	})
	api.Handle(s, "route53", "CreateHostedZone", func(_ context.Context, _ control.Caller, in *route53.CreateHostedZoneRequest) (*route53.CreateHostedZoneResponse, error) {
		id, status, loc := "/change/C1", "PENDING", "https://route53.amazonaws.com/2013-04-01/hostedzone/Z2"
		at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		return &route53.CreateHostedZoneResponse{
			HostedZone:    zone("/hostedzone/Z2", *in.Name),
			ChangeInfo:    &route53.ChangeInfo{Id: &id, Status: &status, SubmittedAt: &at},
			DelegationSet: &route53.DelegationSet{NameServers: []string{"ns-1.vpcd.internal"}},
			Location:      &loc,
		}, nil
	})
	api.Handle(s, "route53", "ListHostedZones", func(_ context.Context, _ control.Caller, in *route53.ListHostedZonesRequest) (*route53.ListHostedZonesResponse, error) {
		truncated, marker := false, ""
		return &route53.ListHostedZonesResponse{HostedZones: []route53.HostedZone{*zone("/hostedzone/Z1", "example.com.")}, IsTruncated: &truncated, Marker: &marker, MaxItems: in.MaxItems}, nil
	})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL
}

// An empty list with a wrapper element is sent as the empty wrapper (encoding/xml writes
// the parents of a nil slice); clients read it as an empty list.
func TestRestXMLProtocol(t *testing.T) {
	base := zoneServer(t)
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		want                     string // in the body
	}{
		{"label", "GET", "/2013-04-01/hostedzone/Z1", "", 200, `<GetHostedZoneResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><HostedZone><CallerReference>ref</CallerReference><Id>/hostedzone/Z1</Id><Name>example.com.</Name></HostedZone><VPCs></VPCs></GetHostedZoneResponse>`},
		{"error of the model", "GET", "/2013-04-01/hostedzone/Z9", "", 404, `<Code>NoSuchHostedZone</Code><Message>No hosted zone found with ID: Z9</Message>`},
		{"query string", "GET", "/2013-04-01/hostedzone?maxitems=7", "", 200, `<MaxItems>7</MaxItems>`},
		{"body, 201", "POST", "/2013-04-01/hostedzone", `<CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>a.example.</Name><CallerReference>r</CallerReference></CreateHostedZoneRequest>`, 201, `<Name>a.example.</Name>`},
		{"required member missing", "POST", "/2013-04-01/hostedzone", `<CreateHostedZoneRequest><Name>a.example.</Name></CreateHostedZoneRequest>`, 400, `<Code>InvalidInput</Code><Message>1 validation error detected: Value null at &#39;callerReference&#39;`},
		{"not XML", "POST", "/2013-04-01/hostedzone", `<CreateHostedZoneRequest>`, 400, `<Code>InvalidInput</Code>`},
		{"no such path", "GET", "/2013-04-01/nothing", "", 404, `<Code>UnknownOperationException</Code>`},
		{"operation vpcd does not serve", "DELETE", "/2013-04-01/healthcheck/H1", "", 404, `<Code>UnknownOperationException</Code><Message>The operation DeleteHealthCheck is not supported by vpcd yet.</Message>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
			a := send(t, sign(t, r, "route53", tt.body), "", "", "", nil)
			if a.status != tt.status || !strings.Contains(a.body, tt.want) {
				t.Errorf("got %d\n%s\nwant %d with\n%s", a.status, a.body, tt.status, tt.want)
			}
		})
	}
}

// The aws CLI (botocore's restXml parser) reads Route 53 answers and errors from vpcd.
func TestAWSCLIRoute53(t *testing.T) {
	base := zoneServer(t)
	out, ok := awsCLI(t, base, "route53", "get-hosted-zone", "--id", "Z1")
	if !ok || !strings.Contains(out, `"Name": "example.com."`) {
		t.Errorf("get-hosted-zone: %s", out)
	}
	out, ok = awsCLI(t, base, "route53", "create-hosted-zone", "--name", "a.example.", "--caller-reference", "r1")
	if !ok || !strings.Contains(out, `"Location": "https://route53.amazonaws.com/2013-04-01/hostedzone/Z2"`) || !strings.Contains(out, `"SubmittedAt": "2026-12-01T00:00:00`) {
		t.Errorf("create-hosted-zone: %s", out)
	}
	out, ok = awsCLI(t, base, "route53", "get-hosted-zone", "--id", "Z9")
	if ok || !strings.Contains(out, "(NoSuchHostedZone)") {
		t.Errorf("get-hosted-zone Z9: %s", out)
	}
}
