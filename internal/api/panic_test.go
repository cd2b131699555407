package api

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"vpcd/internal/control"
	"vpcd/internal/ec2"
	"vpcd/internal/store"
)

// TestPanicIsInternalError checks that a panic inside an action reaches the client as
// InternalError with status 500, its cause only in the log.
func TestPanicIsInternalError(t *testing.T) {
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logged bytes.Buffer
	s := New(control.New(st, control.Config{}), Config{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	boom := func(context.Context, control.Caller, *ec2.DescribeVpcsRequest) (*ec2.DescribeVpcsResult, error) {
		panic("secret cause")
	}
	Handle(s, "ec2", "DescribeVpcs", boom)

	req := httptest.NewRequest("POST", "/", strings.NewReader("Action=DescribeVpcs&Version=2016-11-15"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=123456789012/20261123/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)

	body := rec.Body.String()
	if rec.Code != http.StatusInternalServerError || !strings.Contains(body, "<Code>InternalError</Code>") {
		t.Fatalf("status %d, body %s", rec.Code, body)
	}
	if strings.Contains(body, "secret cause") {
		t.Fatalf("the cause leaked to the client: %s", body)
	}
	if !strings.Contains(logged.String(), "secret cause") {
		t.Fatalf("the cause is not in the log: %s", logged.String())
	}
}
