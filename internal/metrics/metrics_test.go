package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"vpcd/internal/store"
	"vpcd/internal/supervise"
)

// scrape gets the text a Prometheus server would.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("scrape: %s, %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

func TestScrape(t *testing.T) {
	m := New()
	m.ObserveRequest("ec2", "CreateVpc", "", 3*time.Millisecond)
	m.ObserveRequest("ec2", "CreateVpc", "VpcLimitExceeded", time.Millisecond)
	m.ObserveRequest("ec2", "", "InvalidAction", time.Millisecond)
	m.ObserveSync(Full, 20*time.Millisecond, nil)
	m.ObserveSync(Partial, 2*time.Millisecond, errors.New("boom"))
	m.SetRealized(7, 120)
	m.WatchDaemons(func() []supervise.Status {
		return []supervise.Status{{Name: "a", State: supervise.Running}, {Name: "b", State: supervise.Running}, {Name: "c", State: supervise.Restarting}}
	})
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	timed := m.Store(st)
	ctx := context.Background()
	if _, err := timed.Commit(ctx, nil, []store.Op{{Key: "k", Value: []byte("v")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := timed.Commit(ctx, []store.Cmp{{Key: "k", ModRev: 12345}}, nil); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("commit against a stale revision: %v, want a conflict", err)
	}
	if kv, ok, err := timed.Get(ctx, "k"); err != nil || !ok || string(kv.Value) != "v" {
		t.Fatalf("Get through the timed store: %v %v %v", kv, ok, err)
	}

	text := scrape(t, m)
	for _, want := range []string{
		`vpcd_api_requests_total{action="CreateVpc",code="OK",service="ec2"} 1`,
		`vpcd_api_requests_total{action="CreateVpc",code="VpcLimitExceeded",service="ec2"} 1`,
		`vpcd_api_requests_total{action="unknown",code="InvalidAction",service="ec2"} 1`,
		`vpcd_api_request_duration_seconds_count{action="CreateVpc",service="ec2"} 2`,
		`vpcd_store_commit_duration_seconds_count{result="ok"} 1`,
		`vpcd_store_commit_duration_seconds_count{result="conflict"} 1`,
		`vpcd_dataplane_sync_duration_seconds_count{kind="full",result="ok"} 1`,
		`vpcd_dataplane_sync_duration_seconds_count{kind="partial",result="error"} 1`,
		`vpcd_dataplane_namespaces 7`,
		`vpcd_dataplane_rules 120`,
		`vpcd_daemons{state="running"} 2`,
		`vpcd_daemons{state="restarting"} 1`,
		`vpcd_daemons{state="exited"} 0`,
		`go_goroutines `,
	} {
		if !strings.Contains(text, want+"\n") && !strings.Contains(text, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

// A nil *Metrics records nothing and does not panic: parts built without metrics.
func TestNilMetrics(t *testing.T) {
	var m *Metrics
	m.ObserveRequest("ec2", "CreateVpc", "", time.Millisecond)
	m.ObserveSync(Full, time.Millisecond, nil)
	m.SetRealized(1, 1)
	m.WatchDaemons(nil)
	if m.Store(nil) != nil {
		t.Error("a nil Metrics wraps the store")
	}
}
