package vpcsvc

import (
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/miekg/dns"

	"vpcd/internal/resolver"
)

// The DNS service answers at the addresses of its config over UDP and TCP, changes its
// answers without a new socket, and stops answering when DNS support goes off.
func TestDNSServiceFollowsConfig(t *testing.T) {
	s := newDNSService(15353, slog.New(slog.DiscardHandler))
	defer s.update(nil, nil, "")
	loopback := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	config := func(addr string) *resolver.Config {
		return &resolver.Config{Records: []resolver.Record{{Name: "ip-10-0-1-5.ec2.internal", Type: "A", TTL: 60, Values: []string{addr}}}}
	}
	ask := func(network string) (string, error) {
		m := new(dns.Msg)
		m.SetQuestion("ip-10-0-1-5.ec2.internal.", dns.TypeA)
		r, _, err := (&dns.Client{Net: network, Timeout: 300 * time.Millisecond}).Exchange(m, "127.0.0.1:15353")
		if err != nil {
			return "", err
		}
		if len(r.Answer) != 1 {
			return "", nil
		}
		return r.Answer[0].(*dns.A).A.String(), nil
	}
	socket := filepath.Join(t.TempDir(), "dns.sock")
	opens, open := 0, s.listeners.open
	s.listeners.open = func(a netip.Addr) (func(), error) { opens++; return open(a) }
	s.update(config("10.0.1.5"), loopback, socket)
	for _, network := range []string{"udp", "tcp"} {
		if got, err := ask(network); got != "10.0.1.5" {
			t.Errorf("%s: answer %q, %v; want 10.0.1.5", network, got, err)
		}
	}
	s.update(config("10.0.1.6"), loopback, socket)
	if got, err := ask("udp"); got != "10.0.1.6" {
		t.Errorf("after an update: answer %q, %v; want 10.0.1.6", got, err)
	}
	if opens != 1 {
		t.Errorf("the address was opened %d times; an update of the answers must keep its sockets", opens)
	}
	c := &dns.Client{Net: "tcp", Timeout: 300 * time.Millisecond}
	conn, err := net.Dial("unix", socket)
	if err != nil {
		t.Fatalf("the unix socket: %v", err)
	}
	m := new(dns.Msg)
	m.SetQuestion("ip-10-0-1-5.ec2.internal.", dns.TypeA)
	if r, _, err := c.ExchangeWithConn(m, &dns.Conn{Conn: conn}); err != nil || len(r.Answer) != 1 {
		t.Errorf("the unix socket answers %v, %v", r, err)
	}
	conn.Close()
	s.update(nil, loopback, socket)
	if _, err := os.Stat(socket); !os.IsNotExist(err) {
		t.Errorf("the unix socket is still there with DNS support off: %v", err)
	}
	for _, network := range []string{"udp", "tcp"} {
		if got, err := ask(network); err == nil {
			t.Errorf("%s: answered %q with DNS support off", network, got)
		}
	}
}
