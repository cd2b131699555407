package analyze

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"vpcd/internal/model"
)

// TestGatewayEndpointPath: a subnet whose table routes S3's prefix list to a gateway
// endpoint reaches S3's address through it, past its group's egress gate and its ACL
// both ways; a subnet without the route does not (no route, as the data plane's
// blackhole default), nor does a group that lets nothing out.
func TestGatewayEndpointPath(t *testing.T) {
	b := newNet()
	vpc := b.vpc("10.0.0.0/16")
	with, rtWith, aclWith := b.subnet(vpc, "10.0.1.0/24")
	without, _, _ := b.subnet(vpc, "10.0.2.0/24")
	pl, vpce := "pl-0000000000000000a", "vpce-0000000000000000b"
	b.n.PrefixLists[pl] = []netip.Prefix{pfx("192.0.2.64/27"), pfx("192.0.2.96/27")}
	b.n.RouteTables[rtWith].Routes = append(b.n.RouteTables[rtWith].Routes, model.Route{DestinationPrefixList: pl, Target: vpce})
	a, _ := b.instance(with, "10.0.1.10")
	c, _ := b.instance(without, "10.0.2.10")
	shut, _ := b.instance(with, "10.0.1.11", b.group())
	s3 := model.S3Addr

	r := analyze(t, b.n, Query{Source: a, DestinationIP: s3, Protocol: 6, DestinationPort: 443})
	if !r.Reachable {
		t.Fatalf("through the endpoint: not reachable: %v", codes(r))
	}
	if !slices.ContainsFunc(r.Forward, func(h Hop) bool { return h.Kind == KindVPCEndpoint && h.ID == vpce }) {
		t.Errorf("the path does not pass %s: %+v", vpce, r.Forward)
	}
	if r := analyze(t, b.n, Query{Source: a, Destination: vpce, DestinationIP: s3, Protocol: 6, DestinationPort: 443}); !r.Reachable {
		t.Errorf("to the endpoint by its ID: not reachable: %v", codes(r))
	}
	if r := analyze(t, b.n, Query{Source: c, DestinationIP: s3, Protocol: 6, DestinationPort: 443}); r.Reachable {
		t.Errorf("a subnet without the endpoint's route reaches S3")
	}
	if r := analyze(t, b.n, Query{Source: shut, DestinationIP: s3, Protocol: 6, DestinationPort: 443}); r.Reachable || !hasCode(r, CodeSecurityGroup) {
		t.Errorf("a closed group: reachable %v, codes %v", r.Reachable, codes(r))
	}
	// An ACL that lets the request out but not the answer in.
	b.n.NetworkACLs[aclWith].Entries = []model.ACLEntry{{Number: 100, Egress: true, Allow: true, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1}}
	if r := analyze(t, b.n, Query{Source: a, DestinationIP: s3, Protocol: 6, DestinationPort: 443}); r.Reachable || !hasCode(r, CodeACL) {
		t.Errorf("an ACL without the answer: reachable %v, codes %v", r.Reachable, codes(r))
	}
}

func hasCode(r *Result, code string) bool {
	return slices.ContainsFunc(codes(r), func(c string) bool { return strings.HasPrefix(c, code) })
}
