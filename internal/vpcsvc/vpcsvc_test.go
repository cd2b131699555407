package vpcsvc

import (
	"context"
	"encoding/binary"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// query sends an NTP client request to addr and returns the answer and the local times
// around it.
func query(t *testing.T, addr string) (answer []byte, sent, got time.Time) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := make([]byte, ntpPacketLen)
	req[0] = 4<<3 | ntpModeClient
	req[2] = 6
	sent = time.Now()
	binary.BigEndian.PutUint64(req[40:], ntpTime(sent))
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no answer from %s: %v", addr, err)
	}
	return buf[:n], sent, time.Now()
}

func fromNTP(v uint64) time.Time {
	secs := int64(v>>32) - ntpEpochOffset
	return time.Unix(secs, int64((v&0xffffffff)*1e9>>32))
}

func TestTimeSyncAnswers(t *testing.T) {
	pc, err := ListenPacket("udp", netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go serveTime(pc, slog.New(slog.DiscardHandler))

	out, sent, got := query(t, pc.LocalAddr().String())
	if len(out) != ntpPacketLen {
		t.Fatalf("answer is %d bytes, want %d", len(out), ntpPacketLen)
	}
	if mode, version := out[0]&7, out[0]>>3&7; mode != ntpModeServer || version != 4 {
		t.Errorf("mode %d version %d, want server (4) and the client's version 4", mode, version)
	}
	if out[0]>>6 != 0 || out[1] != ntpStratum || out[2] != 6 {
		t.Errorf("leap %d stratum %d poll %d, want 0, %d and the client's 6", out[0]>>6, out[1], out[2], ntpStratum)
	}
	if origin := binary.BigEndian.Uint64(out[24:]); origin != ntpTime(sent) {
		t.Errorf("origin %x is not the client's transmit time %x", origin, ntpTime(sent))
	}
	slack := time.Millisecond
	for _, f := range []struct {
		name string
		at   int
	}{{"receive", 32}, {"transmit", 40}} {
		ts := fromNTP(binary.BigEndian.Uint64(out[f.at:]))
		if ts.Before(sent.Add(-slack)) || ts.After(got.Add(slack)) {
			t.Errorf("%s time %v is not between %v and %v", f.name, ts, sent, got)
		}
	}
}

func TestTimeSyncIgnoresWhatIsNoRequest(t *testing.T) {
	for _, req := range [][]byte{nil, make([]byte, 47), append([]byte{4<<3 | ntpModeServer}, make([]byte, 47)...)} {
		if _, ok := ntpAnswer(req, time.Now(), time.Now()); ok {
			t.Errorf("answered %x", req)
		}
	}
}

// The daemon opens the sockets its config names and follows the file as it is replaced.
func TestRunFollowsConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vpc.json")
	write := func(cfg *Config) {
		b, err := cfg.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	// A free port on loopback: the daemon serves port 123, which needs root; the test
	// serves time on another.
	write(&Config{VPC: "vpc-1"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	d := make(chan *daemon, 1)
	testDaemon = func(x *daemon) { x.time = timeSync(12300, slog.New(slog.DiscardHandler)); d <- x }
	defer func() { testDaemon = nil }()
	go func() { done <- Run(ctx, path, slog.New(slog.DiscardHandler)) }()
	<-d
	write(&Config{VPC: "vpc-1", TimeSync: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	deadline := time.Now().Add(3 * time.Second)
	for {
		c, err := net.Dial("udp", "127.0.0.1:12300")
		if err == nil {
			req := make([]byte, ntpPacketLen)
			req[0] = 4<<3 | ntpModeClient
			c.Write(req)
			c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			_, err = c.Read(make([]byte, 64))
			c.Close()
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon does not answer at the address of its new config: %v", err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
