package linux

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"vpcd/internal/plan"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it); got:\n%s", path, got)
	}
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

// exampleFirewall is a VPC router with two ENIs, an internet gateway and an egress-only
// internet gateway.
func exampleFirewall() *plan.Firewall {
	return &plan.Firewall{
		Interfaces: []plan.FirewallInterface{
			{
				Link: "eni-web", Addrs: []netip.Addr{addr("10.0.1.10"), addr("2600:1f18::10")}, SourceDestCheck: true,
				Egress: []plan.Permission{{Protocol: -1, FromPort: -1, ToPort: -1, Peers: []netip.Prefix{pfx("0.0.0.0/0"), pfx("::/0")}}},
				Ingress: []plan.Permission{
					{Protocol: 6, FromPort: 443, ToPort: 443, Peers: []netip.Prefix{pfx("0.0.0.0/0")}},
					{Protocol: 6, FromPort: 22, ToPort: 22, Peers: []netip.Prefix{pfx("10.0.0.0/16"), pfx("10.0.2.0/24")}},
					{Protocol: 6, FromPort: 0, ToPort: 1024, Peers: []netip.Prefix{pfx("10.0.2.0/24")}},
					{Protocol: 17, FromPort: 53, ToPort: 53, Peers: []netip.Prefix{pfx("10.0.0.0/16")}},
					{Protocol: 1, FromPort: 8, ToPort: -1, Peers: []netip.Prefix{pfx("10.0.0.0/16")}},
					{Protocol: 58, FromPort: -1, ToPort: -1, Peers: []netip.Prefix{pfx("2600:1f18::/56")}},
					{Protocol: 47, FromPort: -1, ToPort: -1, Peers: []netip.Prefix{pfx("10.0.3.7/32")}},
				},
			},
			{
				Link: "eni-db", Addrs: []netip.Addr{addr("10.0.2.20")},
				Ingress: []plan.Permission{{Protocol: 6, FromPort: 5432, ToPort: 5432, Peers: []netip.Prefix{pfx("10.0.1.10/32")}}},
			},
		},
		Subnets: []plan.FirewallSubnet{
			{Name: "subnet-web", Links: []string{"eni-web"},
				Ingress: []plan.ACLRule{
					{Number: 100, Protocol: 6, FromPort: 22, ToPort: 22, CIDR: pfx("203.0.113.0/24")},
					{Number: 110, Allow: true, Protocol: 6, FromPort: 443, ToPort: 443, CIDR: pfx("0.0.0.0/0")},
					{Number: 120, Allow: true, Protocol: 6, FromPort: 1024, ToPort: 65535, CIDR: pfx("10.0.0.0/16")},
					{Number: 130, Allow: true, Protocol: 1, FromPort: 8, ToPort: -1, CIDR: pfx("10.0.0.0/16")},
					{Number: 140, Allow: true, Protocol: 58, FromPort: 128, ToPort: 0, CIDR: pfx("2600:1f18::/56")},
					{Number: 150, Allow: true, Protocol: 47, FromPort: 1, ToPort: 1, CIDR: pfx("10.0.3.7/32")},
					{Number: 32767, Protocol: -1, CIDR: pfx("0.0.0.0/0")},
					{Number: 32768, Protocol: -1, CIDR: pfx("::/0")},
				},
				Egress: []plan.ACLRule{
					{Number: 100, Allow: true, Protocol: -1, CIDR: pfx("0.0.0.0/0")},
					{Number: 32767, Protocol: -1, CIDR: pfx("0.0.0.0/0")},
				}},
			{Name: "subnet-db", Links: []string{"eni-db"},
				Ingress: []plan.ACLRule{{Number: 100, Allow: true, Protocol: 6, FromPort: 5432, ToPort: 5432, CIDR: pfx("10.0.1.0/24")}},
				Egress:  []plan.ACLRule{{Number: 100, Allow: true, Protocol: 6, FromPort: 1024, ToPort: 65535, CIDR: pfx("10.0.1.0/24")}}},
		},
		ACLExempt: []netip.Addr{addr("10.0.0.2"), addr("169.254.169.254")},
		NAT:       []plan.NAT{{Link: "igw", Private: addr("10.0.1.10"), Public: addr("198.51.100.10")}},
		// IPv6 leaves both gateways untranslated; the egress-only one lets in replies only.
		GatewayLinks:    []string{"igw", "eigw"},
		Public:          []plan.GatewayAddr{{Link: "igw", Addr: addr("2600:1f18::10")}, {Link: "eigw", Addr: addr("2600:1f18::10")}},
		EgressOnlyLinks: []string{"eigw"},
	}
}

func TestCompileFirewallGolden(t *testing.T) {
	rs, err := compileFirewall(exampleFirewall())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "firewall.golden", rs.String())
}

// TestGateRulesDoNotGrow checks that permissions become set elements: a gate has as many
// rules with 1000 permissions as with one.
func TestGateRulesDoNotGrow(t *testing.T) {
	gateRules := func(n int) (int, int) {
		fi := plan.FirewallInterface{Link: "eni0", Addrs: []netip.Addr{addr("10.0.0.5")}}
		for i := range n {
			fi.Ingress = append(fi.Ingress, plan.Permission{
				Protocol: []int{6, 17, 1, -1, 50}[i%5], FromPort: i % 250, ToPort: i%250 + i%5,
				Peers: []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24), pfx("fd00::/8")},
			})
		}
		rs, err := compileFirewall(&plan.Firewall{Interfaces: []plan.FirewallInterface{fi}})
		if err != nil {
			t.Fatal(err)
		}
		elems := 0
		for _, s := range rs.sets {
			elems += len(s.elems)
		}
		return rs.rulesIn("eni0-ingress"), elems
	}
	one, _ := gateRules(1)
	many, elems := gateRules(1000)
	if one != many {
		t.Errorf("gate has %d rules with 1 permission, %d with 1000", one, many)
	}
	if elems < 1000 {
		t.Errorf("1000 permissions made only %d set elements", elems)
	}
}

func TestCompileFirewallRefuses(t *testing.T) {
	for name, f := range map[string]*plan.Firewall{
		"link twice": {Interfaces: []plan.FirewallInterface{{Link: "a"}, {Link: "a"}}},
		"long name":  {Interfaces: []plan.FirewallInterface{{Link: "abcdefghijklmnopq"}}},
		"bad ports": {Interfaces: []plan.FirewallInterface{{Link: "a", Egress: []plan.Permission{
			{Protocol: 6, FromPort: 80, ToPort: 22, Peers: []netip.Prefix{pfx("0.0.0.0/0")}}}}}},
		"bad protocol": {Interfaces: []plan.FirewallInterface{{Link: "a", Egress: []plan.Permission{
			{Protocol: 256, Peers: []netip.Prefix{pfx("0.0.0.0/0")}}}}}},
		"link in two subnets": {Subnets: []plan.FirewallSubnet{{Name: "s1", Links: []string{"a"}}, {Name: "s2", Links: []string{"a"}}}},
		"acl bad ports": {Subnets: []plan.FirewallSubnet{{Name: "s1", Links: []string{"a"}, Egress: []plan.ACLRule{
			{Number: 1, Protocol: 6, FromPort: 9, ToPort: 8, CIDR: pfx("0.0.0.0/0")}}}}},
		"acl bad protocol": {Subnets: []plan.FirewallSubnet{{Name: "s1", Links: []string{"a"}, Ingress: []plan.ACLRule{
			{Number: 1, Protocol: 300, CIDR: pfx("0.0.0.0/0")}}}}},
		"nat twice": {NAT: []plan.NAT{{Link: "igw", Private: addr("10.0.0.1"), Public: addr("1.1.1.1")},
			{Link: "igw", Private: addr("10.0.0.2"), Public: addr("1.1.1.1")}}},
	} {
		if _, err := compileFirewall(f); err == nil {
			t.Errorf("%s: compiled, want an error", name)
		}
	}
}

// TestDisjointMatchesBoxes checks the fast decomposition against the obvious answer: a
// point is in some input box exactly when it is in one output box, and output boxes do
// not overlap.
func TestDisjointMatchesBoxes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var boxes []box
		for range 1 + rng.IntN(8) {
			var b box
			for range 3 {
				lo, hi := rng.IntN(16), rng.IntN(16)
				if lo > hi {
					lo, hi = hi, lo
				}
				b = append(b, uintSpan(uint64(lo), uint64(hi), 1))
			}
			boxes = append(boxes, b)
		}
		out := disjoint(boxes)
		in := func(b box, p [3]byte) bool {
			for i, s := range b {
				if bytes.Compare([]byte{p[i]}, s.lo) < 0 || bytes.Compare([]byte{p[i]}, s.hi) > 0 {
					return false
				}
			}
			return true
		}
		for x := range 17 {
			for y := range 17 {
				for z := range 17 {
					p := [3]byte{byte(x), byte(y), byte(z)}
					want := false
					for _, b := range boxes {
						want = want || in(b, p)
					}
					n := 0
					for _, b := range out {
						if in(b, p) {
							n++
						}
					}
					if want && n != 1 || !want && n != 0 {
						t.Fatalf("round %d: point %v is in %d output boxes, in input: %v", round, p, n, want)
					}
				}
			}
		}
	}
}
