package kit

import "testing"

// TestResolverEndpointOfInterface: the model knows an endpoint's interface by the
// description and requester Route 53 Resolver gives it, and no other.
func TestResolverEndpointOfInterface(t *testing.T) {
	own := NetworkInterfaceRecord{Description: ResolverInterfaceDescription("rslvr-in-0123456789abcdef0", "rni-0123456789abcdef0"),
		RequesterManaged: true, RequesterID: ResolverRequester}
	if got := own.ResolverEndpoint(); got != "rslvr-in-0123456789abcdef0" {
		t.Errorf("endpoint %q", got)
	}
	if m := own.model(); m.ResolverEndpoint != "rslvr-in-0123456789abcdef0" || !m.ResolverInbound() {
		t.Errorf("model %+v", m)
	}
	for name, e := range map[string]NetworkInterfaceRecord{
		"the caller's, described alike": {Description: own.Description},
		"another service's":             {Description: own.Description, RequesterManaged: true, RequesterID: "amazon-elb"},
		"another description":           {Description: "ELB app/x", RequesterManaged: true, RequesterID: ResolverRequester},
	} {
		if got := e.ResolverEndpoint(); got != "" {
			t.Errorf("%s: endpoint %q", name, got)
		}
	}
}
