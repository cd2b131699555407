package linux

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Simulated hosts on one machine (vpcd agent --host-netns): each host is a namespace that
// stands for its root namespace, and the underlay that joins them is a bridge in a
// namespace of its own, with a veth to each host carrying the host's underlay address.
// Nothing of it is in the machine's root namespace.

// UnderlayLink is a simulated host's link to the underlay, in its namespace.
const UnderlayLink = "underlay0"

// underlayBridge is the bridge in the underlay's namespace.
const underlayBridge = "br0"

// JoinUnderlay makes the namespace host a simulated host on the underlay of that
// namespace's name, each made when missing: the underlay's bridge, and a veth from the
// host to it with addr on the host's side. mtu is the underlay's (1500 when 0).
func JoinUnderlay(host, underlay string, addr netip.Prefix, mtu int) error {
	if mtu == 0 {
		mtu = 1500
	}
	unlock, err := lockUnderlay(underlay)
	if err != nil {
		return err
	}
	defer unlock()
	for _, name := range []string{host, underlay} {
		if !HasNamespace(name) {
			if err := addNamespace(name); err != nil {
				return fmt.Errorf("create %s: %w", name, err)
			}
		}
	}
	hc, err := openHandle(host)
	if err != nil {
		return err
	}
	defer hc.Close()
	uc, err := openHandle(underlay)
	if err != nil {
		return err
	}
	defer uc.Close()
	br, err := uc.LinkByName(underlayBridge)
	if isNotFound(err) {
		err = uc.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: underlayBridge, MTU: mtu}})
		if err == nil {
			br, err = uc.LinkByName(underlayBridge)
		}
	}
	if err != nil {
		return fmt.Errorf("underlay bridge: %w", err)
	}
	port := hostPort(host)
	if _, err := hc.LinkByName(UnderlayLink); isNotFound(err) {
		ufd, err := openNamespace(underlay)
		if err != nil {
			return err
		}
		defer ufd.Close()
		if old, err := uc.LinkByName(port); err == nil {
			uc.LinkDel(old) // the other end of a host namespace made again
		}
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: UnderlayLink, MTU: mtu}, PeerName: port, PeerNamespace: netlink.NsFd(ufd)}
		if err := hc.LinkAdd(veth); err != nil {
			return fmt.Errorf("underlay veth: %w", err)
		}
	}
	mine, err := hc.LinkByName(UnderlayLink)
	if err != nil {
		return err
	}
	other, err := uc.LinkByName(port)
	if err != nil {
		return err
	}
	if err := uc.LinkSetMaster(other, br); err != nil {
		return fmt.Errorf("underlay port %s: %w", port, err)
	}
	ip := &netlink.Addr{IPNet: &net.IPNet{IP: addr.Addr().AsSlice(), Mask: net.CIDRMask(addr.Bits(), addr.Addr().BitLen())}}
	if err := hc.AddrReplace(mine, ip); err != nil {
		return fmt.Errorf("underlay address: %w", err)
	}
	for _, up := range []struct {
		h *netlink.Handle
		l string
	}{{uc, "lo"}, {uc, underlayBridge}, {uc, port}, {hc, "lo"}, {hc, UnderlayLink}} {
		l, err := up.h.LinkByName(up.l)
		if err == nil {
			err = up.h.LinkSetUp(l)
		}
		if err != nil {
			return fmt.Errorf("set %s up: %w", up.l, err)
		}
	}
	return nil
}

// LeaveUnderlay deletes the simulated host's namespace, and with it its veth to the
// underlay, and the underlay's namespace once no host is on its bridge.
func LeaveUnderlay(host, underlay string) error {
	unlock, err := lockUnderlay(underlay)
	if err != nil {
		return err
	}
	defer unlock()
	if HasNamespace(underlay) {
		uc, err := openHandle(underlay)
		if err != nil {
			return err
		}
		defer uc.Close()
		// Deleted here, not left to the host namespace's teardown, which the kernel
		// finishes later: the last host to leave would still see it.
		if port, err := uc.LinkByName(hostPort(host)); err == nil {
			if err := uc.LinkDel(port); err != nil && !isNotFound(err) {
				return fmt.Errorf("delete underlay port of %s: %w", host, err)
			}
		}
	}
	if HasNamespace(host) {
		if err := delNamespace(host); err != nil {
			return fmt.Errorf("delete %s: %w", host, err)
		}
	}
	if !HasNamespace(underlay) {
		return nil
	}
	uc, err := openHandle(underlay)
	if err != nil {
		return err
	}
	links, err := uc.LinkList()
	uc.Close()
	if err != nil {
		return err
	}
	for _, l := range links {
		if l.Type() == "veth" {
			return nil // another host's
		}
	}
	return delNamespace(underlay)
}

// hostPort is the underlay's end of a host's veth: a name of at most 15 bytes.
func hostPort(host string) string {
	sum := sha256.Sum256([]byte(host))
	return "h" + hex.EncodeToString(sum[:6])
}

func openHandle(name string) (*netlink.Handle, error) {
	fd, err := openNamespace(name)
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	return netlink.NewHandleAt(fd)
}

// lockUnderlay keeps the agents that join and leave one underlay from doing it at once.
func lockUnderlay(underlay string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "vpcd-"+underlay+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, errors.Join(fmt.Errorf("lock underlay %s", underlay), err)
	}
	return func() { f.Close() }, nil
}
