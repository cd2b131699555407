package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"vpcd/internal/api"
	"vpcd/internal/aws/servicequotas"
	"vpcd/internal/control"
	"vpcd/internal/vpcdtest"
)

// BenchmarkRouter measures one request through the router in process (no network, no
// signature check: lenient auth), per protocol, with handlers that do no work, so that
// the figure is the router's and the codec's cost.
func BenchmarkRouter(b *testing.B) {
	s := api.New(vpcdtest.Start(b).Service, api.Config{})
	api.Handle(s, "servicequotas", "GetServiceQuota", func(_ context.Context, _ control.Caller, in *servicequotas.GetServiceQuotaRequest) (*servicequotas.GetServiceQuotaResponse, error) {
		return &servicequotas.GetServiceQuotaResponse{Quota: &servicequotas.ServiceQuota{ServiceCode: in.ServiceCode, QuotaCode: in.QuotaCode}}, nil
	})
	auth := func(service string) string {
		return "AWS4-HMAC-SHA256 Credential=123456789012/20261123/us-east-1/" + service + "/aws4_request, SignedHeaders=host, Signature=00"
	}
	for _, bc := range []struct {
		name, service, body string
		header              map[string]string
	}{
		{"ec2 InvalidAction", "ec2", "Action=Frobnicate&Version=2016-11-15", nil},
		{"sts GetCallerIdentity", "sts", "Action=GetCallerIdentity&Version=2011-06-15", nil},
		{"json GetServiceQuota", "servicequotas", `{"ServiceCode":"vpc","QuotaCode":"L-F678F1CE"}`, map[string]string{"X-Amz-Target": "ServiceQuotasV20190624.GetServiceQuota"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(bc.body))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Authorization", auth(bc.service))
				for k, v := range bc.header {
					r.Header.Set(k, v)
				}
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				if w.Code >= 500 {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}
