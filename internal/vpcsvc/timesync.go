package vpcsvc

import (
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"time"
)

// The Amazon Time Sync Service answers NTP (RFC 5905) client requests with the host's
// clock: a server of stratum 3 whose own source is the host.

const (
	ntpPacketLen  = 48
	ntpModeClient = 3
	ntpModeServer = 4
	ntpStratum    = 3
)

// ntpEpochOffset is the seconds from NTP's era 0 (1900) to Unix's epoch.
const ntpEpochOffset = 2208988800

func ntpTime(t time.Time) uint64 {
	secs := uint64(t.Unix() + ntpEpochOffset)
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return secs<<32 | frac
}

// ntpAnswer is the server's answer to req, received at recv and sent at now; ok is false
// for what is not a client request.
func ntpAnswer(req []byte, recv, now time.Time) ([]byte, bool) {
	if len(req) < ntpPacketLen || req[0]&7 != ntpModeClient {
		return nil, false
	}
	version := req[0] >> 3 & 7
	out := make([]byte, ntpPacketLen)
	out[0] = version<<3 | ntpModeServer // leap indicator 0: no warning
	out[1] = ntpStratum
	out[2] = req[2]                                 // the client's poll interval
	out[3] = 0xec                                   // precision: 2^-20 s, about a microsecond
	binary.BigEndian.PutUint32(out[4:], 1<<16/1000) // root delay: 1 ms
	binary.BigEndian.PutUint32(out[8:], 1<<16/1000) // root dispersion: 1 ms
	copy(out[12:16], []byte{169, 254, 169, 123})    // reference ID: its source
	binary.BigEndian.PutUint64(out[16:], ntpTime(now.Add(-time.Minute).Truncate(time.Minute)))
	copy(out[24:32], req[40:48]) // origin: the client's transmit time
	binary.BigEndian.PutUint64(out[32:], ntpTime(recv))
	binary.BigEndian.PutUint64(out[40:], ntpTime(now))
	return out, true
}

// serveTime answers NTP on pc until it is closed.
func serveTime(pc net.PacketConn, log *slog.Logger) {
	buf := make([]byte, 512)
	for {
		n, from, err := pc.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			log.Error("time sync", "err", err)
			continue
		}
		recv := time.Now()
		if out, ok := ntpAnswer(buf[:n], recv, time.Now()); ok {
			pc.WriteTo(out, from)
		}
	}
}
