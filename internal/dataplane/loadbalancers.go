package dataplane

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"vpcd/internal/control"
	"vpcd/internal/linux"
	"vpcd/internal/model"
	"vpcd/internal/plan"
)

// The health checks of network load balancers' target groups. Each target of a group
// that a listener uses is checked by a goroutine of its own, from the address of a node
// of the load balancer (the one in the target's zone, else the first), every interval of
// the group's check: a TCP connection, or an HTTP(S) GET whose status must match. A
// verdict that changes (healthy after Healthy successes in a row, unhealthy after
// Unhealthy failures) goes to the store through the reporter; the model follows and the
// planner takes an unhealthy target out of the router's maps.
//
// A goroutine that makes its socket on a thread inside the router's namespace (where
// the nodes' addresses are, see plan/loadbalancer.go), rather than a daemon supervised
// in a namespace of its own: a check is one connection, the verdicts go to the store
// through the reporter that is already here, and nothing is left to run or to clean up
// when vpcd stops; a restarted vpcd checks again from the verdicts in the store.

// healthKey names one check: a target (ID and port) of a group.
type healthKey struct {
	group, target string
	port          int
}

// healthSpec is what a check does; a change restarts it.
type healthSpec struct {
	caller    control.Caller
	namespace string
	from      netip.Addr
	to        netip.AddrPort
	check     model.HealthCheck
}

type healthCheck struct {
	spec   healthSpec
	cancel context.CancelFunc
}

// healthChecks runs the checks that the network asks for.
type healthChecks struct {
	log    *slog.Logger
	report func(context.Context, record)
	mu     sync.Mutex
	checks map[healthKey]*healthCheck
}

func newHealthChecks(log *slog.Logger, report func(context.Context, record)) *healthChecks {
	return &healthChecks{log: log, report: report, checks: map[healthKey]*healthCheck{}}
}

// wanted are the checks of every target of the groups that listeners use.
func wantedHealthChecks(n *model.Network) map[healthKey]healthSpec {
	out := map[healthKey]healthSpec{}
	for _, lid := range model.SortedKeys(n.Listeners) {
		l := n.Listeners[lid]
		lb, tg := n.LoadBalancers[l.LoadBalancer], n.TargetGroups[l.TargetGroup]
		if lb == nil || tg == nil || len(lb.Nodes) == 0 {
			continue
		}
		for _, t := range tg.Targets {
			if t.State == model.TargetDraining {
				continue
			}
			addr, zone, ok := n.TargetAddr(tg, t)
			if !ok || !addr.Is4() {
				continue
			}
			node := lb.Nodes[0]
			for _, nd := range lb.Nodes {
				if nd.Zone == zone {
					node = nd
				}
			}
			port := t.Port
			if p, err := strconv.Atoi(tg.Health.Port); err == nil {
				port = p
			}
			out[healthKey{tg.ID, t.ID, t.Port}] = healthSpec{
				caller: control.Caller{Account: tg.Owner, Region: tg.Region}, namespace: plan.RouterNamespace(tg.VPC),
				from: node.Addr, to: netip.AddrPortFrom(addr, uint16(port)), check: tg.Health,
			}
		}
	}
	return out
}

// sync starts the checks the network asks for and stops the others; a check starts from
// the target's state in the network.
func (h *healthChecks) sync(ctx context.Context, n *model.Network) {
	want := wantedHealthChecks(n)
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, c := range h.checks {
		if spec, ok := want[k]; !ok || spec != c.spec {
			c.cancel()
			delete(h.checks, k)
		}
	}
	for k, spec := range want {
		if h.checks[k] != nil {
			continue
		}
		state := model.TargetInitial
		if tg := n.TargetGroups[k.group]; tg != nil {
			for _, t := range tg.Targets {
				if t.ID == k.target && t.Port == k.port {
					state = t.State
				}
			}
		}
		cctx, cancel := context.WithCancel(ctx)
		h.checks[k] = &healthCheck{spec: spec, cancel: cancel}
		go h.run(cctx, k, spec, state)
	}
}

// stopAll ends every check.
func (h *healthChecks) stopAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, c := range h.checks {
		c.cancel()
		delete(h.checks, k)
	}
}

// run checks one target every interval until ctx ends, and reports each new verdict.
func (h *healthChecks) run(ctx context.Context, k healthKey, spec healthSpec, state string) {
	interval := max(spec.check.Interval, time.Second)
	timeout := min(max(spec.check.Timeout, time.Second), interval)
	ok, failed := 0, 0
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		timer.Reset(interval)
		err := probe(ctx, spec, timeout)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			ok, failed = ok+1, 0
		} else {
			ok, failed = 0, failed+1
		}
		verdict := ""
		switch {
		case ok >= spec.check.Healthy && state != model.TargetHealthy:
			verdict = model.TargetHealthy
		case failed >= spec.check.Unhealthy && state != model.TargetUnhealthy:
			verdict = model.TargetUnhealthy
			h.log.Info("load balancer target unhealthy", "group", k.group, "target", k.target, "port", k.port, "err", err)
		}
		if verdict == "" {
			continue
		}
		state = verdict
		reason := ""
		if verdict == model.TargetUnhealthy {
			reason = "Target.FailedHealthChecks"
		}
		h.report(ctx, record{key: fmt.Sprintf("health/%s/%s/%d", k.group, k.target, k.port), write: func(ctx context.Context, svc *control.Service) error {
			return svc.ELB.SetTargetHealth(ctx, spec.caller, k.group, k.target, int32(k.port), verdict, reason)
		}})
	}
}

// probe is one health check: a connection, and for HTTP and HTTPS a GET of the path
// whose status the matcher takes.
func probe(ctx context.Context, spec healthSpec, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := linux.DialFrom(ctx, spec.namespace, spec.from, spec.to, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	switch spec.check.Protocol {
	case "HTTP", "HTTPS":
	default:
		return nil
	}
	if spec.check.Protocol == "HTTPS" {
		tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true}) // AWS does not check targets' certificates
		if err := tc.HandshakeContext(ctx); err != nil {
			return err
		}
		conn = tc
	}
	path := spec.check.Path
	if path == "" {
		path = "/"
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ELB-HealthChecker/2.0\r\nConnection: close\r\n\r\n", path, spec.to)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if !codeMatches(spec.check.Matcher, resp.StatusCode) {
		return fmt.Errorf("status %d not in %s", resp.StatusCode, spec.check.Matcher)
	}
	return nil
}

// codeMatches reports whether an HTTP status is in a matcher: codes and ranges
// separated by commas ("200", "200,202", "200-399").
func codeMatches(matcher string, code int) bool {
	if matcher == "" {
		matcher = "200-399"
	}
	for _, part := range strings.Split(matcher, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		l, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		h := l
		if isRange {
			if h, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		if code >= l && code <= h {
			return true
		}
	}
	return false
}
