package vpcsvc

import (
	"log/slog"
	"net"
	"net/netip"
	"os"
	"reflect"
	"sync"

	"github.com/miekg/dns"

	"vpcd/internal/resolver"
)

// dnsService is the VPC's Amazon DNS server (internal/resolver) on UDP and TCP port 53
// of each of its addresses. A new config changes its answers at once; the sockets of the
// addresses that stay are kept.
type dnsService struct {
	port      int
	log       *slog.Logger
	handler   *resolver.Server
	listeners *listeners

	mu     sync.Mutex
	socket string // the path of the unix socket served, "" for none
	unix   *dns.Server
	config *resolver.Config // what the handler answers from
}

func newDNSService(port int, log *slog.Logger) *dnsService {
	s := &dnsService{port: port, log: log, handler: resolver.New(log)}
	s.listeners = newListeners("dns", log, func(a netip.Addr) (func(), error) {
		servers, err := s.open(netip.AddrPortFrom(a, uint16(s.port)))
		if err != nil {
			return nil, err
		}
		return func() {
			for _, srv := range servers {
				srv.Shutdown()
			}
		}, nil
	})
	return s
}

// update serves c at addrs, and at the unix socket path socket when it is not ""; a nil
// c (enableDnsSupport off) closes every socket, so that nothing answers.
func (s *dnsService) update(c *resolver.Config, addrs []netip.Addr, socket string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The config file changes for the other services too: compile the answers only
	// when they changed.
	if c == nil || !reflect.DeepEqual(c, s.config) {
		s.handler.Update(c)
		s.config = c
	}
	if c == nil {
		addrs, socket = nil, ""
	}
	s.serveUnix(socket)
	s.listeners.set(addrs)
}

// open starts a DNS server on UDP and one on TCP at addr.
func (s *dnsService) open(addr netip.AddrPort) ([]*dns.Server, error) {
	pc, err := ListenPacket("udp", addr)
	if err != nil {
		return nil, err
	}
	l, err := Listen("tcp", addr)
	if err != nil {
		pc.Close()
		return nil, err
	}
	servers := []*dns.Server{{PacketConn: pc, Handler: s.handler}, {Listener: l, Handler: s.handler}}
	for i, srv := range servers {
		if err := start(srv); err != nil {
			for _, started := range servers[:i] {
				started.Shutdown()
			}
			pc.Close()
			l.Close()
			return nil, err
		}
	}
	return servers, nil
}

// serveUnix serves the unix socket at path ("" for none) instead of the one served.
func (s *dnsService) serveUnix(path string) {
	if path == s.socket {
		return
	}
	if s.unix != nil {
		s.unix.Shutdown()
		s.unix = nil
	}
	s.socket = ""
	if path == "" {
		return
	}
	os.Remove(path) // left by a daemon that was killed
	l, err := net.Listen("unix", path)
	if err != nil {
		s.log.Error("listen", "path", path, "err", err)
		return
	}
	srv := &dns.Server{Listener: l, Handler: s.handler}
	if err := start(srv); err != nil {
		l.Close()
		s.log.Error("serve", "path", path, "err", err)
		return
	}
	s.unix, s.socket = srv, path
}

// start serves srv in its own goroutine and returns once it serves, so that a Shutdown
// after it ends the goroutine.
func start(srv *dns.Server) error {
	started, failed := make(chan struct{}), make(chan error, 1)
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { failed <- srv.ActivateAndServe() }()
	select {
	case <-started:
		return nil
	case err := <-failed:
		return err
	}
}
