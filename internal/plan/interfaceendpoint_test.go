package plan

import (
	"reflect"
	"testing"
)

// TestInterfaceEndpointInterfaces: an interface VPC endpoint's interface is laid out as
// a Resolver endpoint's is (its own namespace, linked to the router through its groups,
// its subnet's ACL and route table), also when nothing else of its VPC runs.
func TestInterfaceEndpointInterfaces(t *testing.T) {
	want := Compute(resolverNetwork(), Internet)
	n := resolverNetwork()
	for _, id := range []string{"eni-000000000000000in", "eni-00000000000000out"} {
		n.Interfaces[id].ResolverEndpoint, n.Interfaces[id].VpcEndpoint = "", "vpce-0000000000000000b"
	}
	if got := Compute(n, Internet); !reflect.DeepEqual(got, want) {
		t.Fatalf("interface endpoint:\n%s\nResolver endpoint:\n%s", got, want)
	}
	p := NewPlanner(Host{})
	p.PlanAll(Index(n))
	if got := p.State(); !reflect.DeepEqual(got, want) {
		t.Fatalf("planner:\n%s\nCompute:\n%s", got, want)
	}
}
