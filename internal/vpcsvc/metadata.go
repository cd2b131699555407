package vpcsvc

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"vpcd/internal/imds"
)

// metadata serves the instance metadata service (internal/imds) over HTTP on port 80 of
// each of its addresses; one handler for all, so that tokens outlive a change of them.
type metadata struct {
	srv *imds.Server
	log *slog.Logger

	mu   sync.Mutex
	open map[netip.Addr]*http.Server
}

func newMetadata(log *slog.Logger) *metadata {
	return &metadata{srv: imds.New(log), log: log, open: map[netip.Addr]*http.Server{}}
}

// update serves cfg at addrs: it opens the servers of the addresses that have none and
// closes the others. One that cannot be opened is tried again at the next update.
func (m *metadata) update(cfg *imds.Config, addrs []netip.Addr) {
	m.srv.Update(cfg)
	m.mu.Lock()
	defer m.mu.Unlock()
	want := map[netip.Addr]bool{}
	for _, a := range addrs {
		want[a] = true
		if m.open[a] != nil {
			continue
		}
		l, err := Listen("tcp", netip.AddrPortFrom(a, 80))
		if err != nil {
			m.log.Error("listen", "addr", a, "port", 80, "err", err)
			continue
		}
		hs := &http.Server{Handler: m.srv, ConnContext: imds.ConnContext, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
		m.open[a] = hs
		go func() {
			if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
				m.log.Error("instance metadata", "addr", a, "err", err)
			}
		}()
	}
	for a, hs := range m.open {
		if !want[a] {
			hs.Close()
			delete(m.open, a)
		}
	}
}
