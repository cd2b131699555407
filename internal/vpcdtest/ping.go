package vpcdtest

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// Ping sends one ICMP echo request on a raw socket and waits for its reply, in the
// network namespace of the calling thread.
func Ping(dst netip.Addr, deadline time.Time) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMP)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	id := uint16(rand.IntN(65536))
	msg := []byte{8, 0, 0, 0, byte(id >> 8), byte(id), 0, 1, 'v', 'p', 'c', 'd'}
	sum := 0
	for i := 0; i < len(msg); i += 2 {
		sum += int(msg[i])<<8 | int(msg[i+1])
	}
	sum = (sum >> 16) + (sum & 0xffff)
	sum += sum >> 16
	msg[2], msg[3] = byte(^sum>>8), byte(^sum)
	to := &unix.SockaddrInet4{Addr: dst.As4()}
	if err := unix.Sendto(fd, msg, 0, to); err != nil {
		return err
	}
	buf := make([]byte, 1500)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("no echo reply from %s", dst)
		}
		tv := unix.NsecToTimeval(left.Nanoseconds())
		unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		n, from, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return err
		}
		sa, ok := from.(*unix.SockaddrInet4)
		if !ok || n < 28 || netip.AddrFrom4(sa.Addr) != dst {
			continue
		}
		ihl := int(buf[0]&0x0f) * 4
		if n >= ihl+8 && buf[ihl] == 0 && uint16(buf[ihl+4])<<8|uint16(buf[ihl+5]) == id {
			return nil
		}
	}
}
