package vpcsvc

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"vpcd/internal/imds"
)

// metadata serves the instance metadata service (internal/imds) over HTTP on port 80 of
// each of its addresses; one handler for all, so that tokens outlive a change of them.
type metadata struct {
	srv       *imds.Server
	listeners *listeners
}

func newMetadata(log *slog.Logger) *metadata {
	m := &metadata{srv: imds.New(log)}
	m.listeners = newListeners("instance metadata", log, func(a netip.Addr) (func(), error) {
		l, err := Listen("tcp", netip.AddrPortFrom(a, 80))
		if err != nil {
			return nil, err
		}
		hs := &http.Server{Handler: m.srv, ConnContext: imds.ConnContext, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
		go func() {
			if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
				log.Error("instance metadata", "addr", a, "err", err)
			}
		}()
		return func() { hs.Close() }, nil
	})
	return m
}

// update serves cfg at addrs.
func (m *metadata) update(cfg *imds.Config, addrs []netip.Addr) {
	m.srv.Update(cfg)
	m.listeners.set(addrs)
}
