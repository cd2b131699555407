package api

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
)

// SocketName is the unix socket in the data directory where vpcd serves its API to the
// daemons of the data plane (internal/vpcsvc): they run inside network namespaces, where
// vpcd's loopback listener is out of reach but the file system is not.
const SocketName = "api.sock"

// ListenSocket listens on the unix socket at path, replacing one a previous vpcd left.
// Only root may connect: what comes through it is vpcd's own daemons speaking for the
// instances of a VPC (FromDataPlane).
func ListenSocket(path string) (net.Listener, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

type dataPlaneKey struct{}

// MarkConn is the http.Server's ConnContext: it marks the requests that arrive through
// the data plane's unix socket, whose headers vpcd's daemons set and may be trusted.
func MarkConn(ctx context.Context, c net.Conn) context.Context {
	if _, ok := c.(*net.UnixConn); ok {
		return context.WithValue(ctx, dataPlaneKey{}, true)
	}
	return ctx
}

// FromDataPlane tells whether r came through the data plane's unix socket.
func FromDataPlane(r *http.Request) bool {
	v, _ := r.Context().Value(dataPlaneKey{}).(bool)
	return v
}
