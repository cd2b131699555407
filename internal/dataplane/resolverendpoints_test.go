package dataplane

import (
	"log/slog"
	"path/filepath"
	"reflect"
	"testing"

	"vpcd/internal/resolver"
)

// TestEndpointVia: a rule through an outbound endpoint asks the sockets of its
// interfaces' daemons, in turn; a SYSTEM rule stays.
func TestEndpointVia(t *testing.T) {
	s := newVPCServices("/data", "/bin/vpcd", slog.Default())
	c := &resolver.Config{Rules: []resolver.Rule{
		{Domain: "corp.example", Targets: []string{"10.1.1.4:53"}, Via: []string{"eni-1", "eni-2"}},
		{Domain: "lab.corp.example"},
	}}
	s.endpointVia(c)
	dir := filepath.Join("/data", "vpcsvc")
	want := []resolver.Rule{
		{Domain: "corp.example", Targets: []string{"unix:" + filepath.Join(dir, "eni-1.sock"), "unix:" + filepath.Join(dir, "eni-2.sock")}},
		{Domain: "lab.corp.example"},
	}
	if !reflect.DeepEqual(c.Rules, want) {
		t.Errorf("rules %+v, want %+v", c.Rules, want)
	}
	s.endpointVia(nil) // no DNS: nothing to do
}
