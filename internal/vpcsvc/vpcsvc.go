// Package vpcsvc is the daemon that serves a VPC's own services to its instances: the
// Amazon Time Sync Service today, the Amazon DNS server and instance metadata as they come
// (internal/resolver, internal/imds). One runs per VPC, inside the VPC router's namespace,
// started by the data plane as a supervised daemon (`vpcd vpcsvc CONFIG`), so that it
// outlives vpcd as the namespaces do: instances keep resolving names and reading their
// metadata while vpcd restarts.
//
// The services answer at the addresses that the planner puts on the router's dummy link
// (model.VPC.ServiceAddrs); a packet to them is delivered to the router, not forwarded,
// so that no ACL or security group filters it, as in AWS. The source address of a request
// says which instance asks: it is unique in the VPC, and the router drops spoofed ones.
//
// The same daemon runs in the namespace of each interface of a Route 53 Resolver endpoint
// (its DNS server) and of an interface VPC endpoint to a service vpcd serves (apiproxy.go:
// vpcd's own API, over HTTP and HTTPS).
//
// What the services answer is in a JSON file that the data plane rewrites (by rename) when
// it changes; the daemon reads it again within a poll interval and hands it to each
// service, whose sockets and state (tokens, caches) stay.
package vpcsvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"vpcd/internal/imds"
	"vpcd/internal/resolver"
)

// Config is what one VPC's daemon serves.
type Config struct {
	VPC string
	// TimeSync are the addresses at which the Amazon Time Sync Service answers NTP
	// (169.254.169.123, and fd00:ec2::123 in a VPC with IPv6).
	TimeSync []netip.Addr `json:",omitempty"`
	// Metadata is what the instance metadata service serves (nil: nothing), at
	// MetadataAddrs (169.254.169.254, and fd00:ec2::254 in a VPC with IPv6).
	Metadata      *imds.Config `json:",omitempty"`
	MetadataAddrs []netip.Addr `json:",omitempty"`
	// Flows is the capture of the VPC's flow logs; nil when no interface has one.
	Flows *FlowCapture `json:",omitempty"`
	// DNS is what the Amazon DNS server answers at DNSAddrs (the VPC's base + 2,
	// 169.254.169.253, fd00:ec2::253); nil (enableDnsSupport off): nothing answers there.
	DNS      *resolver.Config `json:",omitempty"`
	DNSAddrs []netip.Addr     `json:",omitempty"`
	// DNSSocket is a unix socket where the DNS server answers too, for the resolvers of
	// other namespaces (the internet's, for the VPCs'); "" for none.
	DNSSocket string `json:",omitempty"`
	// API is vpcd's API as an interface VPC endpoint's interface serves it (apiproxy.go);
	// nil: nothing answers on ports 80 and 443.
	API *APIProxy `json:",omitempty"`
}

// Marshal is the config as the daemon reads it.
func (c *Config) Marshal() ([]byte, error) { return json.MarshalIndent(c, "", "\t") }

// poll is how often the daemon looks for a new config: a change in the store reaches the
// instances' services within it.
const poll = 200 * time.Millisecond

// Run serves the config in path until ctx ends. The file must exist when it starts.
func Run(ctx context.Context, path string, log *slog.Logger) error {
	d := &daemon{log: log, time: timeSync(123, log), metadata: newMetadata(log), flows: &capture{log: log}, dns: newDNSService(53, log),
		api: newAPIProxy(80, 443, log)}
	if testDaemon != nil {
		testDaemon(d)
	}
	defer d.close()
	var last fileStamp
	for {
		stamp, err := stat(path)
		switch {
		case err != nil:
			log.Error("read config", "err", err)
		case stamp != last:
			cfg, err := load(path)
			if err != nil {
				log.Error("read config", "err", err)
				break
			}
			last = stamp
			d.update(cfg)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
	}
}

// testDaemon, when set by a test, sees the daemon before it serves.
var testDaemon func(*daemon)

// daemon holds the services of one VPC.
type daemon struct {
	log      *slog.Logger
	time     *listeners
	metadata *metadata
	flows    *capture
	dns      *dnsService
	api      *apiProxy
}

func (d *daemon) update(cfg *Config) {
	d.time.set(cfg.TimeSync)
	d.metadata.update(cfg.Metadata, cfg.MetadataAddrs)
	d.flows.update(cfg.Flows)
	d.dns.update(cfg.DNS, cfg.DNSAddrs, cfg.DNSSocket)
	d.api.update(cfg.API)
}

func (d *daemon) close() {
	d.time.set(nil)
	d.metadata.update(nil, nil)
	d.flows.close()
	d.dns.update(nil, nil, "")
	d.api.update(nil)
}

// fileStamp tells one version of the config file from the next: it is replaced by rename,
// so a new version is a new inode.
type fileStamp struct {
	ino   uint64
	mtime time.Time
	size  int64
}

func stat(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	var ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = st.Ino
	}
	return fileStamp{ino: ino, mtime: fi.ModTime(), size: fi.Size()}, nil
}

func load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg Config
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &cfg, nil
}

// listeners keep a service's servers, one per address: open starts the server of an
// address and returns what stops it. An address that stays keeps its server (and its
// sockets); one that goes is stopped; one that failed to open is tried at the next set.
type listeners struct {
	name string
	log  *slog.Logger
	open func(netip.Addr) (stop func(), err error)

	mu    sync.Mutex
	stops map[netip.Addr]func()
}

func newListeners(name string, log *slog.Logger, open func(netip.Addr) (func(), error)) *listeners {
	return &listeners{name: name, log: log, open: open, stops: map[netip.Addr]func(){}}
}

// set serves addrs, and them alone.
func (l *listeners) set(addrs []netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	want := map[netip.Addr]bool{}
	for _, a := range addrs {
		want[a] = true
		if l.stops[a] != nil {
			continue
		}
		stop, err := l.open(a)
		if err != nil {
			l.log.Error("listen", "service", l.name, "addr", a, "err", err)
			continue
		}
		l.stops[a] = stop
	}
	for a, stop := range l.stops {
		if !want[a] {
			stop()
			delete(l.stops, a)
		}
	}
}

// timeSync is the Amazon Time Sync Service on UDP port 123 of each address.
func timeSync(port int, log *slog.Logger) *listeners {
	return newListeners("time", log, func(a netip.Addr) (func(), error) {
		pc, err := ListenPacket("udp", netip.AddrPortFrom(a, uint16(port)))
		if err != nil {
			return nil, err
		}
		go serveTime(pc, log)
		return func() { pc.Close() }, nil
	})
}

// listenConfig binds with IP_FREEBIND: an address that the planner has just put on the
// dummy link may not be usable yet (IPv6's duplicate address detection), and the socket
// must not wait for it.
var listenConfig = net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		if network == "udp6" || network == "tcp6" {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_IPV6, unix.IPV6_FREEBIND, 1)
		} else {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_IP, unix.IP_FREEBIND, 1)
		}
	})
	return errors.Join(err, serr)
}}

// ListenPacket opens a datagram socket bound to addr, usable before addr is.
func ListenPacket(network string, addr netip.AddrPort) (net.PacketConn, error) {
	return listenConfig.ListenPacket(context.Background(), network, addr.String())
}

// Listen opens a stream socket bound to addr, usable before addr is.
func Listen(network string, addr netip.AddrPort) (net.Listener, error) {
	return listenConfig.Listen(context.Background(), network, addr.String())
}
