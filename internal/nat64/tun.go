package nat64

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"golang.org/x/sys/unix"
)

// CreateTUN makes the TUN link name in the calling thread's network namespace, persistent
// (it stays without a reader, as the data plane's other links do), unless it is there.
func CreateTUN(name string) error {
	f, err := openTUN(name)
	if err != nil {
		return err
	}
	defer f.Close()
	conn, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ioErr error
	if err := conn.Control(func(fd uintptr) { ioErr = unix.IoctlSetInt(int(fd), unix.TUNSETPERSIST, 1) }); err != nil {
		return err
	}
	if ioErr != nil {
		return fmt.Errorf("TUN %s: persist: %w", name, ioErr)
	}
	return nil
}

// openTUN attaches to the TUN link name, making it if it is not there: packets without
// the packet information header.
func openTUN(name string) (*os.File, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("TUN %s: %w", name, err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("TUN %s: %w", name, err)
	}
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("TUN %s: attach: %w", name, err)
	}
	// Non-blocking before os.NewFile, so that reads wait in the runtime's poller and
	// Close ends them.
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("TUN %s: %w", name, err)
	}
	return os.NewFile(uintptr(fd), name), nil
}

// Run translates the packets of the TUN link name until ctx ends: what the namespace
// routes into it (64:ff9b::/96, and the pool) comes back out of it translated.
func Run(ctx context.Context, name string, log *slog.Logger) error {
	f, err := openTUN(name)
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		f.Close()
	}()
	log.Info("nat64: translating", "link", name, "prefix", WellKnownPrefix, "pool", Pool)
	t := NewTranslator(Pool)
	in, out := make([]byte, 1<<16), make([]byte, 1<<16+40)
	for {
		n, err := f.Read(in)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, os.ErrClosed) {
				return nil
			}
			return fmt.Errorf("TUN %s: read: %w", name, err)
		}
		var p []byte
		var ok bool
		switch in[0] >> 4 {
		case 6:
			p, ok = t.To4(in[:n], out)
		case 4:
			p, ok = t.To6(in[:n], out)
		}
		if !ok {
			continue
		}
		if _, err := f.Write(p); err != nil {
			log.Debug("nat64: packet not written", "err", err)
		}
	}
}
