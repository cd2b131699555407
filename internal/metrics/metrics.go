// Package metrics is what vpcd tells Prometheus: the API's requests, the store's commits,
// the data plane's syncs and what they realized, and the daemons it supervises. main
// makes one Metrics and passes it down; the parts call its methods, and GET /metrics
// serves its registry in the Prometheus text format. Nothing here is package-global:
// two vpcd in one process (tests) have two registries.
package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"vpcd/internal/supervise"
)

// Sync kinds: a full sync re-reads and re-applies everything (at start, on a timer,
// after a failure); a partial one applies what a change reached.
const (
	Full    = "full"
	Partial = "partial"
)

// Metrics is vpcd's registry and the metrics in it. Its methods are safe for concurrent
// use; a nil *Metrics records nothing, so that code and tests without metrics need no
// check.
type Metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	requestSeconds  *prometheus.HistogramVec
	commitSeconds   *prometheus.HistogramVec
	syncSeconds     *prometheus.HistogramVec
	namespaces      prometheus.Gauge
	rules           prometheus.Gauge
	daemonsMu       sync.Mutex
	daemons         func() []supervise.Status
	daemonStateDesc *prometheus.Desc
}

// New returns the metrics of one vpcd, in a registry of their own with the Go runtime's
// and the process's.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vpcd_api_requests_total",
		Help: "API requests answered, by service, action and error code (OK for a success).",
	}, []string{"service", "action", "code"})
	m.requestSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "vpcd_api_request_duration_seconds",
		Help:    "Time to answer an API request, by service and action.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5 ms to 16 s
	}, []string{"service", "action"})
	m.commitSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "vpcd_store_commit_duration_seconds",
		Help:    "Time of a store commit, by result (ok, conflict, error).",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16), // 0.1 ms to 3 s
	}, []string{"result"})
	m.syncSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "vpcd_dataplane_sync_duration_seconds",
		Help:    "Time of a data plane sync (the kernel made to match the store), by kind (full, partial) and result (ok, error); its count is the number of syncs.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 16), // 1 ms to 30 s
	}, []string{"kind", "result"})
	m.namespaces = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "vpcd_dataplane_namespaces",
		Help: "Network namespaces the data plane has realized on this host.",
	})
	m.rules = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "vpcd_dataplane_rules",
		Help: "nftables rules the data plane has realized on this host.",
	})
	m.daemonStateDesc = prometheus.NewDesc("vpcd_daemons",
		"Daemons the data plane supervises on this host, by state (starting, running, restarting, exited).",
		[]string{"state"}, nil)
	// The known label values start at zero, so that a rate over them is defined before
	// the first event.
	for _, result := range []string{"ok", "conflict", "error"} {
		m.commitSeconds.WithLabelValues(result)
	}
	for _, kind := range []string{Full, Partial} {
		for _, result := range []string{"ok", "error"} {
			m.syncSeconds.WithLabelValues(kind, result)
		}
	}
	m.reg.MustRegister(m.requests, m.requestSeconds, m.commitSeconds, m.syncSeconds, m.namespaces, m.rules,
		daemonCollector{m},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format, for GET /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Beside serves GET /metrics and hands every other request to next as it came. Not a
// ServeMux: a mux cleans paths and redirects ("//a" to "/a"), which an API whose paths
// carry names (S3 object keys) must not see.
func (m *Metrics) Beside(next http.Handler) http.Handler {
	metrics := m.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/metrics" {
			metrics.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Registry is the registry, for a part that defines metrics of its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveRequest records one API request: the service (ec2, sts, ...), the action as the
// router knows it ("" for one it does not serve, so that clients cannot grow the label
// set), the AWS error code ("" for a success) and how long the answer took.
func (m *Metrics) ObserveRequest(service, action, code string, d time.Duration) {
	if m == nil {
		return
	}
	if action == "" {
		action = "unknown"
	}
	if code == "" {
		code = "OK"
	}
	m.requests.WithLabelValues(service, action, code).Inc()
	m.requestSeconds.WithLabelValues(service, action).Observe(d.Seconds())
}

// ObserveSync records one data plane sync: Full or Partial, how long it took and whether
// it failed.
func (m *Metrics) ObserveSync(kind string, d time.Duration, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.syncSeconds.WithLabelValues(kind, result).Observe(d.Seconds())
}

// SetRealized records what the data plane has realized after a sync: namespaces and
// nftables rules on this host.
func (m *Metrics) SetRealized(namespaces, rules int) {
	if m == nil {
		return
	}
	m.namespaces.Set(float64(namespaces))
	m.rules.Set(float64(rules))
}

// WatchDaemons gives the function that lists the supervised daemons; it is called at
// each scrape.
func (m *Metrics) WatchDaemons(list func() []supervise.Status) {
	if m == nil {
		return
	}
	m.daemonsMu.Lock()
	m.daemons = list
	m.daemonsMu.Unlock()
}

// daemonCollector counts the daemons by state at scrape time, from the supervisor's own
// view, so that the numbers never drift from it.
type daemonCollector struct{ m *Metrics }

func (c daemonCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.m.daemonStateDesc }

func (c daemonCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.daemonsMu.Lock()
	list := c.m.daemons
	c.m.daemonsMu.Unlock()
	count := map[supervise.State]int{}
	if list != nil {
		for _, st := range list() {
			count[st.State]++
		}
	}
	for _, s := range []supervise.State{supervise.Starting, supervise.Running, supervise.Restarting, supervise.Exited} {
		ch <- prometheus.MustNewConstMetric(c.m.daemonStateDesc, prometheus.GaugeValue, float64(count[s]), string(s))
	}
}
