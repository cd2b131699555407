package linux

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"vpcd/internal/plan"
)

// The overlay's VXLAN links (plan.VXLAN) are made in the host's root namespace
// (Config.Home), whose underlay they send on, and moved into the router's namespace: a
// VXLAN link's UDP socket stays in the namespace it was made in. In the router they get
// their static forwarding entries and neighbours; what the plan does not name there is
// deleted, so nothing learned or left over stays.

// vxlans makes the namespace's VXLAN links that are missing or unlike the plan, and
// deletes those it does not plan (but in a guest's, whose own they are).
func (a *apply) vxlans(c *nsConn, ns plan.Namespace) error {
	var errs []error
	all, err := c.nl.LinkList()
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	for _, have := range all {
		if ns.Guest || have.Type() != "vxlan" || slices.ContainsFunc(ns.Links, func(l plan.Link) bool { return l.Name == have.Attrs().Name && l.Kind == "vxlan" }) {
			continue
		}
		if err := c.nl.LinkDel(have); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("delete link %s: %w", have.Attrs().Name, err))
			continue
		}
		a.changed(ns.Name, "link deleted", "link", have.Attrs().Name, "reason", "not planned")
	}
	for _, l := range ns.Links {
		if l.Kind != "vxlan" || l.VXLAN == nil {
			continue
		}
		have, err := c.nl.LinkByName(l.Name)
		if err == nil {
			if vx, ok := have.(*netlink.Vxlan); ok && vx.VxlanId == int(l.VXLAN.VNI) && vx.SrcAddr.Equal(net.IP(l.VXLAN.Local.AsSlice())) &&
				vx.Port == plan.VXLANPort && !vx.Learning {
				continue
			}
			if err := c.nl.LinkDel(have); err != nil && !isNotFound(err) {
				errs = append(errs, fmt.Errorf("delete link %s: %w", l.Name, err))
				continue
			}
			a.changed(ns.Name, "link deleted", "link", l.Name, "reason", "not the planned vxlan")
		} else if !isNotFound(err) {
			errs = append(errs, err)
			continue
		}
		if err := a.makeVXLAN(c, ns.Name, l); err != nil {
			errs = append(errs, fmt.Errorf("vxlan %s: %w", l.Name, err))
			continue
		}
		a.changed(ns.Name, "link created", "link", l.Name, "kind", "vxlan", "vni", l.VXLAN.VNI)
	}
	return errors.Join(errs...)
}

// makeVXLAN makes the link in the home namespace under a name of its own there (each
// router's is "vx"), moves it into c's namespace and names it there.
func (a *apply) makeVXLAN(c *nsConn, nsName string, l plan.Link) error {
	home, err := a.k.homeHandle()
	if err != nil {
		return err
	}
	defer home.Close()
	sum := sha256.Sum256([]byte(nsName))
	tmp := "vx" + hex.EncodeToString(sum[:6])
	if old, err := home.LinkByName(tmp); err == nil {
		home.LinkDel(old) // a leftover of a move that failed
	}
	vx := &netlink.Vxlan{LinkAttrs: netlink.LinkAttrs{Name: tmp, MTU: l.MTU}, VxlanId: int(l.VXLAN.VNI),
		SrcAddr: net.IP(l.VXLAN.Local.AsSlice()), Port: plan.VXLANPort, Learning: false}
	if err := home.LinkAdd(vx); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	made, err := home.LinkByName(tmp)
	if err == nil {
		err = home.LinkSetNsFd(made, int(c.fd))
	}
	if err != nil {
		if made != nil {
			home.LinkDel(made)
		}
		return fmt.Errorf("move: %w", err)
	}
	moved, err := c.nl.LinkByName(tmp)
	if err == nil {
		err = c.nl.LinkSetName(moved, l.Name)
	}
	return err
}

// homeHandle is a netlink handle in the host's root namespace.
func (k *Kernel) homeHandle() (*netlink.Handle, error) {
	if k.home == "" {
		return netlink.NewHandle()
	}
	fd, err := openNamespace(k.home)
	if err != nil {
		return nil, fmt.Errorf("host namespace %s: %w", k.home, err)
	}
	defer fd.Close()
	return netlink.NewHandleAt(fd)
}

// overlayEntries makes the forwarding entries and neighbours of the namespace's VXLAN
// links those of the plan, all permanent.
func (a *apply) overlayEntries(c *nsConn, ns plan.Namespace) error {
	var errs []error
	for _, l := range ns.Links {
		if l.Kind != "vxlan" || l.VXLAN == nil {
			continue
		}
		link, err := c.nl.LinkByName(l.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("link %s: %w", l.Name, err))
			continue
		}
		errs = append(errs, a.fdb(c, ns.Name, link, l.VXLAN.FDB), a.neighbours(c, ns.Name, link, l.VXLAN.Neighbours))
	}
	return errors.Join(errs...)
}

func (a *apply) fdb(c *nsConn, nsName string, link netlink.Link, want []plan.FDBEntry) error {
	have, err := c.nl.NeighList(link.Attrs().Index, unix.AF_BRIDGE)
	if err != nil {
		return fmt.Errorf("list fdb: %w", err)
	}
	wanted := map[string]netip.Addr{}
	for _, e := range want {
		wanted[e.MAC] = e.Dst
	}
	found := map[string]bool{}
	var errs []error
	for _, n := range have {
		dst, _ := netip.AddrFromSlice(n.IP)
		mac := n.HardwareAddr.String()
		if w, ok := wanted[mac]; ok && w == dst.Unmap() && n.State&netlink.NUD_PERMANENT != 0 {
			found[mac] = true
			continue
		}
		if n.Flags&netlink.NTF_SELF == 0 {
			continue
		}
		if err := c.nl.NeighDel(&n); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("delete fdb %s: %w", mac, err))
			continue
		}
		a.changed(nsName, "fdb entry deleted", "link", link.Attrs().Name, "mac", mac, "dst", dst)
	}
	for _, e := range want {
		if found[e.MAC] {
			continue
		}
		mac, err := net.ParseMAC(e.MAC)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n := &netlink.Neigh{LinkIndex: link.Attrs().Index, Family: unix.AF_BRIDGE, Flags: netlink.NTF_SELF,
			State: netlink.NUD_PERMANENT, HardwareAddr: mac, IP: net.IP(e.Dst.AsSlice())}
		if err := c.nl.NeighSet(n); err != nil {
			errs = append(errs, fmt.Errorf("fdb %s dst %s: %w", e.MAC, e.Dst, err))
			continue
		}
		a.changed(nsName, "fdb entry set", "link", link.Attrs().Name, "mac", e.MAC, "dst", e.Dst)
	}
	return errors.Join(errs...)
}

func (a *apply) neighbours(c *nsConn, nsName string, link netlink.Link, want []plan.Neighbour) error {
	have, err := c.nl.NeighList(link.Attrs().Index, netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("list neighbours: %w", err)
	}
	wanted := map[netip.Addr]string{}
	for _, n := range want {
		wanted[n.Addr] = n.MAC
	}
	found := map[netip.Addr]bool{}
	var errs []error
	for _, n := range have {
		if n.Family == unix.AF_BRIDGE {
			continue
		}
		addr, ok := netip.AddrFromSlice(n.IP)
		if !ok {
			continue
		}
		addr = addr.Unmap()
		if n.State&netlink.NUD_NOARP != 0 || addr.IsMulticast() || addr.IsLinkLocalUnicast() {
			continue // the kernel's own
		}
		if mac, ok := wanted[addr]; ok && n.State&netlink.NUD_PERMANENT != 0 && mac == n.HardwareAddr.String() {
			found[addr] = true
			continue
		}
		if err := c.nl.NeighDel(&n); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("delete neighbour %s: %w", addr, err))
			continue
		}
		a.changed(nsName, "neighbour deleted", "link", link.Attrs().Name, "addr", addr)
	}
	for _, w := range want {
		if found[w.Addr] {
			continue
		}
		mac, err := net.ParseMAC(w.MAC)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		family := netlink.FAMILY_V4
		if w.Addr.Is6() {
			family = netlink.FAMILY_V6
		}
		n := &netlink.Neigh{LinkIndex: link.Attrs().Index, Family: family, State: netlink.NUD_PERMANENT,
			HardwareAddr: mac, IP: net.IP(w.Addr.AsSlice())}
		if err := c.nl.NeighSet(n); err != nil {
			errs = append(errs, fmt.Errorf("neighbour %s: %w", w.Addr, err))
			continue
		}
		a.changed(nsName, "neighbour set", "link", link.Attrs().Name, "addr", w.Addr, "mac", w.MAC)
	}
	return errors.Join(errs...)
}
