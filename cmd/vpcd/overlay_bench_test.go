package main

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkOverlay measures, in one run, TCP throughput and round trips between two
// instances on one simulated host and between two on two hosts (through the VXLAN
// overlay, over the underlay bridge). Run it once: go test ./cmd/vpcd/ -run '^$' -bench
// Overlay -benchtime 1x. The metrics: MB/s of one TCP stream for a second, and the
// median and 99th percentile of 2000 one-byte request/response round trips.
func BenchmarkOverlay(b *testing.B) {
	// Launch order spreads them: 0 and 2 on the first host, 1 on the second.
	p := startOverlay(b, 2, 3)
	router := "vpcd-" + p.vpc + "." + p.hostNS[0]
	for i, want := range map[int]bool{1: true, 2: false} {
		out, err := exec.Command("ip", "-n", router, "route", "show", p.addrs[i].String()).CombinedOutput()
		if err != nil || strings.Contains(string(out), "dev vx") != want {
			b.Fatalf("%s's route to %s (through the overlay: %v): %v %s", router, p.ids[i], want, err, out)
		}
	}
	for _, id := range p.ids {
		serveTCP(b, id, 8080)
		serveSink(b, id, 5001)
		serveEcho(b, id, 5002)
	}
	for _, pair := range []struct {
		name string
		to   int
	}{{"same-host", 2}, {"two-hosts", 1}} {
		dst := p.addrs[pair.to]
		eventually(b, "TCP to "+p.ids[pair.to], true, func() error {
			return dialTCP(p.ids[0], netip.AddrPortFrom(dst, 8080), time.Second)
		})
		var mbps float64
		var rtts []time.Duration
		for range b.N {
			var err error
			if mbps, err = throughput(p.ids[0], netip.AddrPortFrom(dst, 5001), time.Second); err != nil {
				b.Fatal(err)
			}
			if rtts, err = roundTrips(p.ids[0], netip.AddrPortFrom(dst, 5002), 2000); err != nil {
				b.Fatal(err)
			}
		}
		slices.Sort(rtts)
		b.ReportMetric(mbps, pair.name+"-MB/s")
		b.ReportMetric(float64(rtts[len(rtts)/2].Microseconds()), pair.name+"-rtt-p50-µs")
		b.ReportMetric(float64(rtts[len(rtts)*99/100].Microseconds()), pair.name+"-rtt-p99-µs")
	}
}

// serveSink reads and drops what every connection to port sends, in the instance.
func serveSink(tb testing.TB, instance string, port int) {
	serveWith(tb, instance, port, func(c net.Conn) { io.Copy(io.Discard, c) })
}

// serveEcho sends back what every connection to port sends, in the instance.
func serveEcho(tb testing.TB, instance string, port int) {
	serveWith(tb, instance, port, func(c net.Conn) { io.Copy(c, c) })
}

// serveWith listens on port in the instance's namespace and hands every connection to
// handle, until the test ends.
func serveWith(tb testing.TB, instance string, port int, handle func(net.Conn)) {
	tb.Helper()
	var l net.Listener
	if err := inNetns(instance, func() (err error) {
		l, err = net.Listen("tcp", fmt.Sprintf(":%d", port))
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
}

// throughput sends from the instance to dst for d and returns MB/s.
func throughput(instance string, dst netip.AddrPort, d time.Duration) (float64, error) {
	var mbps float64
	err := inNetns(instance, func() error {
		c, err := net.DialTimeout("tcp4", dst.String(), time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		buf := make([]byte, 128<<10)
		sent := 0
		start := time.Now()
		for time.Since(start) < d {
			n, err := c.Write(buf)
			sent += n
			if err != nil {
				return err
			}
		}
		mbps = float64(sent) / 1e6 / time.Since(start).Seconds()
		return nil
	})
	return mbps, err
}

// roundTrips sends n one-byte requests from the instance to an echo server at dst, each
// after the last one's answer, and returns each round trip's time.
func roundTrips(instance string, dst netip.AddrPort, n int) ([]time.Duration, error) {
	var out []time.Duration
	err := inNetns(instance, func() error {
		c, err := net.DialTimeout("tcp4", dst.String(), time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		b := []byte{'x'}
		for range n {
			start := time.Now()
			if _, err := c.Write(b); err != nil {
				return err
			}
			if _, err := io.ReadFull(c, b); err != nil {
				return err
			}
			out = append(out, time.Since(start))
		}
		return nil
	})
	return out, err
}
