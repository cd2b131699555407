package linux

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"vpcd/internal/plan"
)

func testNatGateway(limit int) *plan.NatGateway {
	return &plan.NatGateway{Link: "eth0", Addr: addr("10.0.2.5"), PortMin: 1024, PortMax: 65535, MaxPerDestination: limit}
}

func TestCompileNatGatewayGolden(t *testing.T) {
	rs, err := compileNatGateway(testNatGateway(55000))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "natgateway.golden", rs.String())
}

// With NAT64: neighbour discovery in, IPv6 to 64:ff9b::/96 on to the TUN link, and what
// comes out of it a new flow as from the link.
func TestCompileNatGatewayNAT64Golden(t *testing.T) {
	g := testNatGateway(55000)
	g.NAT64, g.NAT64Pool = "nat64", pfx("192.0.0.0/24")
	rs, err := compileNatGateway(g)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "natgateway64.golden", rs.String())
}

func TestCompileNatGatewayRefuses(t *testing.T) {
	for name, g := range map[string]plan.NatGateway{
		"IPv6 address":  {Link: "eth0", Addr: addr("fd00::5"), PortMin: 1024, PortMax: 65535, MaxPerDestination: 1},
		"no link":       {Addr: addr("10.0.2.5"), PortMin: 1024, PortMax: 65535, MaxPerDestination: 1},
		"ports upside":  {Link: "eth0", Addr: addr("10.0.2.5"), PortMin: 2000, PortMax: 1024, MaxPerDestination: 1},
		"no connection": {Link: "eth0", Addr: addr("10.0.2.5"), PortMin: 1024, PortMax: 65535},
		"IPv6 pool":     {Link: "eth0", Addr: addr("10.0.2.5"), PortMin: 1024, PortMax: 65535, MaxPerDestination: 1, NAT64: "nat64", NAT64Pool: pfx("fd00::/64")},
		"bad tun name":  {Link: "eth0", Addr: addr("10.0.2.5"), PortMin: 1024, PortMax: 65535, MaxPerDestination: 1, NAT64: "a-name-too-long-for-linux", NAT64Pool: pfx("192.0.0.0/24")},
	} {
		if _, err := compileNatGateway(&g); err == nil {
			t.Errorf("%s: compiled", name)
		}
	}
	if _, err := compileNamespace(plan.Namespace{Name: "x", NatGateway: testNatGateway(1), Firewall: &plan.Firewall{}}); err == nil {
		t.Error("a namespace with both a NAT gateway and a firewall compiled")
	}
}

// hostBehind makes namespaces of one link to router, its default route via gw.
func hostBehind(router string) func(ns, link, cidr, gw string) plan.Namespace {
	return func(ns, link, cidr, gw string) plan.Namespace {
		return plan.Namespace{Name: ns,
			Links:  []plan.Link{{Name: "eth0", Kind: "veth", Peer: plan.LinkEnd{Namespace: router, Name: link}, Addrs: []netip.Prefix{pfx(cidr)}}},
			Routes: []plan.Route{{Dst: pfx("0.0.0.0/0"), Type: plan.RouteUnicast, Dev: "eth0", Gateway: addr(gw)}}}
	}
}

// routerLink is the router's end of a veth to peer's eth0.
func routerLink(name, peer, cidr string, sysctls map[string]string) plan.Link {
	return plan.Link{Name: name, Kind: "veth", Peer: plan.LinkEnd{Namespace: peer, Name: "eth0"}, Addrs: []netip.Prefix{pfx(cidr)}, Sysctls: sysctls}
}

func natTestSysctls() map[string]string {
	return map[string]string{"net.ipv4.ip_forward": "1", "net.ipv4.conf.all.send_redirects": "0", "net.ipv4.conf.default.send_redirects": "0"}
}

// TestNatGatewayTraffic runs a NAT gateway namespace behind a router, between a client and
// a server: the client's flows leave from the gateway's address with a port in the range,
// nothing opens a flow toward the gateway, and past the limit per destination new flows
// are dropped while known ones go on.
func TestNatGatewayTraffic(t *testing.T) {
	tb := newTestbed(t)
	client, nat, server, router := tb.ns("c"), tb.ns("n"), tb.ns("s"), tb.ns("r")
	eni := map[string]string{"proxy_arp": "1", "rp_filter": "0"}
	host := hostBehind(router)
	gw := host(nat, "r-n", "10.0.2.5/24", "10.0.2.1")
	gw.Sysctls = natTestSysctls()
	gw.NatGateway = testNatGateway(2)
	st := plan.State{Namespaces: []plan.Namespace{
		host(client, "r-c", "10.0.1.10/24", "10.0.1.1"),
		gw,
		host(server, "r-s", "10.0.3.30/24", "10.0.3.1"),
		{
			Name:    router,
			Sysctls: map[string]string{"net.ipv4.ip_forward": "1", "net.ipv4.conf.all.rp_filter": "0", "net.ipv4.conf.default.rp_filter": "0"},
			Links: []plan.Link{
				routerLink("r-c", client, "10.0.1.1/32", eni),
				routerLink("r-n", nat, "10.0.2.1/32", eni),
				routerLink("r-s", server, "10.0.3.1/32", eni),
			},
			// The client's subnet goes everywhere through the gateway; the gateway's
			// subnet reaches everyone directly.
			Routes: []plan.Route{
				{Table: 100, Dst: pfx("0.0.0.0/0"), Type: plan.RouteUnicast, Dev: "r-n", Gateway: addr("10.0.2.5")},
				{Table: 101, Dst: pfx("10.0.1.10/32"), Type: plan.RouteUnicast, Dev: "r-c"},
				{Table: 101, Dst: pfx("10.0.2.5/32"), Type: plan.RouteUnicast, Dev: "r-n"},
				{Table: 101, Dst: pfx("10.0.3.30/32"), Type: plan.RouteUnicast, Dev: "r-s"},
			},
			Rules: []plan.Rule{{Priority: 1000, IIF: "r-c", Table: 100}, {Priority: 1001, IIF: "r-n", Table: 101}, {Priority: 1002, IIF: "r-s", Table: 101}},
		},
	}}
	tb.converge(st, "first apply")
	tb.serve(server, "tcp-serve", "10.0.3.30", "8080", "+port")
	tb.serve(server, "udp-serve", "10.0.3.30", "9000")
	tb.serve(nat, "tcp-serve", "10.0.2.5", "22")

	out, ok := tb.probe(client, "tcp-connect", "10.0.3.30", "8080", "2", "", "999")
	f := strings.Fields(out)
	if !ok || len(f) != 2 || f[0] != "10.0.2.5" {
		t.Fatalf("client to server through the gateway: %q, %v; want seen from 10.0.2.5", out, ok)
	}
	if p, _ := strconv.Atoi(f[1]); p < 1024 {
		t.Errorf("a flow from port 999 left from port %d, want 1024-65535", p)
	}
	if out, ok := tb.probe(server, "tcp-connect", "10.0.2.5", "22", "1"); ok {
		t.Errorf("the server opened a connection to the gateway itself: %q", out)
	}
	if out, ok := tb.probe(server, "tcp-connect", "10.0.1.10", "8080", "1"); ok {
		t.Errorf("the server reached the client: %q", out)
	}
	// Two UDP flows to one destination fit under the limit of 2; a third is dropped, the
	// first goes on.
	for _, sport := range []string{"2001", "2002"} {
		if out, ok := tb.probe(client, "udp-send", "10.0.3.30", "9000", "2", "", sport); !ok || out != "10.0.2.5" {
			t.Errorf("UDP from port %s: %q, %v", sport, out, ok)
		}
	}
	if out, ok := tb.probe(client, "udp-send", "10.0.3.30", "9000", "1", "", "2003"); ok {
		t.Errorf("a third flow to one destination got through a limit of 2: %q", out)
	}
	if out, ok := tb.probe(client, "udp-send", "10.0.3.30", "9000", "2", "", "2001"); !ok {
		t.Errorf("a known flow was dropped at the limit: %q", out)
	}
}

func testRegionalNatGateway() *plan.NatGateway {
	return &plan.NatGateway{Link: "eth0", Addr: addr("169.254.252.2"), PortMin: 1024, PortMax: 65535, MaxPerDestination: 55000,
		Zones: []plan.NatZone{
			{Name: "us-east-1a", Sources: []netip.Prefix{pfx("10.0.1.0/24")}, Addrs: []netip.Addr{addr("198.51.100.10")}},
			{Name: "us-east-1b", Sources: []netip.Prefix{pfx("10.0.2.0/24"), pfx("10.0.3.0/24")}, Addrs: []netip.Addr{addr("198.51.100.20"), addr("198.51.100.21")}},
		}}
}

func TestCompileRegionalNatGatewayGolden(t *testing.T) {
	rs, err := compileNatGateway(testRegionalNatGateway())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "natgateway-regional.golden", rs.String())
	bad := testRegionalNatGateway()
	bad.Zones[0].Addrs = nil
	if _, err := compileNatGateway(bad); err == nil {
		t.Error("a zone without an address compiled")
	}
	bad = testRegionalNatGateway()
	bad.Zones[1].Sources = []netip.Prefix{pfx("fd00::/64")}
	if _, err := compileNatGateway(bad); err == nil {
		t.Error("an IPv6 source compiled")
	}
}

// TestRegionalNatGatewayTraffic runs a regional NAT gateway namespace on a link-local link
// to a router, between clients of two zones and a server: each client's flows leave from
// its zone's address, and the server's answers come back through the gateway.
func TestRegionalNatGatewayTraffic(t *testing.T) {
	tb := newTestbed(t)
	c1, c2, nat, server, router := tb.ns("a"), tb.ns("b"), tb.ns("n"), tb.ns("s"), tb.ns("r")
	eni := map[string]string{"proxy_arp": "1", "rp_filter": "0"}
	host := hostBehind(router)
	gw := host(nat, "r-n", "169.254.252.2/30", "169.254.252.1")
	gw.Sysctls = natTestSysctls()
	gw.NatGateway = testRegionalNatGateway()
	st := plan.State{Namespaces: []plan.Namespace{
		host(c1, "r-a", "10.0.1.10/24", "10.0.1.1"),
		host(c2, "r-b", "10.0.3.30/24", "10.0.3.1"),
		gw,
		host(server, "r-s", "192.0.2.1/24", "192.0.2.254"),
		{
			Name:    router,
			Sysctls: map[string]string{"net.ipv4.ip_forward": "1", "net.ipv4.conf.all.rp_filter": "0", "net.ipv4.conf.default.rp_filter": "0"},
			Links: []plan.Link{
				routerLink("r-a", c1, "10.0.1.1/32", eni),
				routerLink("r-b", c2, "10.0.3.1/32", eni),
				routerLink("r-n", nat, "169.254.252.1/30", nil),
				routerLink("r-s", server, "192.0.2.254/32", eni),
			},
			// The clients' subnets go out through the gateway; what the gateway sends goes
			// to the server or back to the clients; the server's answers to the gateway's
			// addresses go to it.
			Routes: []plan.Route{
				{Table: 100, Dst: pfx("0.0.0.0/0"), Type: plan.RouteUnicast, Dev: "r-n", Gateway: addr("169.254.252.2")},
				{Table: 101, Dst: pfx("10.0.1.10/32"), Type: plan.RouteUnicast, Dev: "r-a"},
				{Table: 101, Dst: pfx("10.0.3.30/32"), Type: plan.RouteUnicast, Dev: "r-b"},
				{Table: 101, Dst: pfx("192.0.2.1/32"), Type: plan.RouteUnicast, Dev: "r-s"},
				{Table: 102, Dst: pfx("198.51.100.0/24"), Type: plan.RouteUnicast, Dev: "r-n", Gateway: addr("169.254.252.2")},
			},
			Rules: []plan.Rule{{Priority: 1000, IIF: "r-a", Table: 100}, {Priority: 1000, IIF: "r-b", Table: 100},
				{Priority: 1000, IIF: "r-n", Table: 101}, {Priority: 1000, IIF: "r-s", Table: 102}},
		},
	}}
	tb.converge(st, "first apply")
	tb.serve(server, "tcp-serve", "192.0.2.1", "8080", "+port")
	if out, ok := tb.probe(c1, "tcp-connect", "192.0.2.1", "8080", "2"); !ok || strings.Fields(out)[0] != "198.51.100.10" {
		t.Errorf("from zone a the server saw %q, %v; want 198.51.100.10", out, ok)
	}
	// Zone b has two addresses: new flows leave from each in turn.
	seen := map[string]bool{}
	for range 4 {
		out, ok := tb.probe(c2, "tcp-connect", "192.0.2.1", "8080", "2")
		if !ok {
			t.Fatalf("from zone b: %q", out)
		}
		seen[strings.Fields(out)[0]] = true
	}
	if len(seen) != 2 || !seen["198.51.100.20"] || !seen["198.51.100.21"] {
		t.Errorf("from zone b the server saw %v, want 198.51.100.20 and .21", seen)
	}
	if out, ok := tb.probe(server, "tcp-connect", "198.51.100.10", "22", "1"); ok {
		t.Errorf("the server opened a connection through the gateway: %q", out)
	}
}

// TestNatGatewayNAT64Link checks the realizer's side of NAT64: the TUN link made once,
// persistent and up, the routes into it, the NAT gateway's ruleset with NAT64 installed,
// and a second apply changing nothing.
func TestNatGatewayNAT64Link(t *testing.T) {
	tb := newTestbed(t)
	nat := tb.ns("n")
	g := testNatGateway(10)
	g.NAT64, g.NAT64Pool = "nat64", pfx("192.0.0.0/24")
	st := plan.State{Namespaces: []plan.Namespace{{
		Name:       nat,
		Sysctls:    map[string]string{"net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "1"},
		Links:      []plan.Link{{Name: "nat64", Kind: "tun"}},
		Routes:     []plan.Route{{Dst: pfx("64:ff9b::/96"), Type: plan.RouteUnicast, Dev: "nat64"}, {Dst: pfx("192.0.0.0/24"), Type: plan.RouteUnicast, Dev: "nat64"}},
		NatGateway: g,
	}}}
	tb.converge(st, "NAT64 link")
	if out := tb.must(nat, "ip", "-d", "link", "show", "nat64"); !strings.Contains(out, "tun") || !strings.Contains(out, "UP") {
		t.Errorf("nat64 link: %s", out)
	}
	if out := tb.must(nat, "ip", "-6", "route", "show", "64:ff9b::/96"); !strings.Contains(out, "dev nat64") {
		t.Errorf("route of 64:ff9b::/96: %q", out)
	}
	if out := tb.must(nat, "ip", "route", "show", "192.0.0.0/24"); !strings.Contains(out, "dev nat64") {
		t.Errorf("route of the pool: %q", out)
	}
}
