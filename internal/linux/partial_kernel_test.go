package linux

import (
	"context"
	"testing"
	"time"

	"vpcd/internal/plan"
)

// applyOnly applies the named namespaces of s and returns the number of changes.
func (tb *testbed) applyOnly(s plan.State, names ...string) int {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := tb.k.ApplyNamespaces(ctx, s, names)
	if err != nil {
		tb.t.Fatalf("apply %v: %v", names, err)
	}
	return n
}

// TestApplyNamespaces changes the plan of a VPC in steps, each applied to the namespaces
// it changed alone, and checks after each that a full apply has nothing left to do and
// that the other namespaces were left alone.
func TestApplyNamespaces(t *testing.T) {
	tb := newTestbed(t)
	v := newVPC(tb)
	full := v.state()
	// i2 joins later: first the router and i1 alone.
	without := func(s plan.State) plan.State {
		var out plan.State
		for _, ns := range s.Namespaces {
			if ns.Name == v.i2 {
				continue
			}
			if ns.Name == v.router {
				ns.Links = ns.Links[:1]
				ns.Routes = append(ns.Routes[:2:2], ns.Routes[3:]...)
				ns.Rules = ns.Rules[:1]
			}
			out.Namespaces = append(out.Namespaces, ns)
		}
		return out
	}
	first := without(full)
	tb.converge(first, "router and i1")
	// A foreign namespace of ours that no step names must outlive the steps.
	stray := tb.ns("stray")
	tb.apply(plan.State{Namespaces: append([]plan.Namespace{{Name: stray}}, first.Namespaces...)})

	if n := tb.applyOnly(full, v.router, v.i2); n == 0 {
		t.Errorf("adding i2 changed nothing")
	}
	if !tb.ping(v.i1, "10.0.2.20") {
		t.Errorf("i1 cannot reach the new i2")
	}
	if n := tb.applyOnly(full, v.router, v.i2); n != 0 {
		t.Errorf("second apply of i2 made %d changes", n)
	}
	// The route in i1 leans on its link; a link made again from the router's side (i1
	// not named) brings i1's side back whole.
	tb.must(v.i1, "ip", "link", "del", "eth0")
	if n := tb.applyOnly(full, v.router); n == 0 {
		t.Errorf("the router's apply did not make its link to i1 again")
	}
	if !tb.ping(v.i1, "10.0.2.20") {
		t.Errorf("i1 cannot reach i2 after its link was made again")
	}

	if n := tb.applyOnly(first, v.router, v.i2); n == 0 {
		t.Errorf("removing i2 changed nothing")
	}
	if names, _ := listNamespaces(); contains(names, v.i2) || !contains(names, stray) {
		t.Errorf("after removing i2: namespaces %v", names)
	}
	withStray := plan.State{Namespaces: append([]plan.Namespace{{Name: stray}}, first.Namespaces...)}
	if n := tb.apply(withStray); n != 0 {
		t.Errorf("a full apply after the steps made %d changes", n)
	}
}
