package linux

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"vpcd/internal/nat64"
	"vpcd/internal/plan"
)

// end names one side of a veth.
type end struct{ ns, name string }

func (e end) String() string { return e.ns + "/" + e.name }

func endCmp(a, b end) int {
	return cmp.Or(cmp.Compare(a.ns, b.ns), cmp.Compare(a.name, b.name))
}

func isNotFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf) || errors.Is(err, unix.ENODEV) || errors.Is(err, unix.ENOENT)
}

// links deletes the veths that the plan does not declare and creates the pairs that are
// missing or broken (one side gone, or paired with something else), in the namespaces of
// live. A pair is created once, from the side whose namespace (then name) sorts first,
// or from live's side when the other is in linked (there for its links only): that one
// is opened then, and marked relinked.
func (a *apply) links(live, linked []plan.Namespace) {
	declared := map[end]plan.Link{}
	for _, ns := range append(live, linked...) {
		for _, l := range ns.Links {
			switch l.Kind {
			case "veth":
				declared[end{ns.Name, l.Name}] = l
			case "loopback": // every namespace has its lo
			case "tun", "ipsec", "vxlan": // made (or moved in) below, in its namespace alone
			default:
				if a.reconciles(ns.Name) {
					a.fail(ns.Name, fmt.Errorf("link %s: kind %q is not supported", l.Name, l.Kind))
				}
			}
		}
	}
	for _, ns := range live {
		c := a.ns[ns.Name]
		all, err := c.nl.LinkList()
		if err != nil {
			a.fail(ns.Name, fmt.Errorf("list links: %w", err))
			continue
		}
		for _, l := range all {
			if l.Type() != "veth" || hasKey(declared, end{ns.Name, l.Attrs().Name}) {
				continue
			}
			if err := c.nl.LinkDel(l); err != nil && !isNotFound(err) {
				a.fail(ns.Name, fmt.Errorf("delete link %s: %w", l.Attrs().Name, err))
				continue
			}
			a.changed(ns.Name, "link deleted", "link", l.Attrs().Name)
		}
	}
	for _, ns := range live {
		a.fail(ns.Name, a.tuns(a.ns[ns.Name], ns))
		a.fail(ns.Name, a.ipsecs(a.ns[ns.Name], ns))
		a.fail(ns.Name, a.vxlans(a.ns[ns.Name], ns))
	}
	for _, ns := range live {
		for _, l := range ns.Links {
			if l.Kind != "veth" {
				continue
			}
			me, peer := end{ns.Name, l.Name}, end{l.Peer.Namespace, l.Peer.Name}
			pl, ok := declared[peer]
			if !ok || (end{pl.Peer.Namespace, pl.Peer.Name}) != me {
				a.fail(ns.Name, fmt.Errorf("veth %s: peer %s does not declare it back", me, peer))
				continue
			}
			if a.reconciles(peer.ns) {
				if endCmp(peer, me) < 0 {
					continue // the peer's side creates the pair
				}
			} else if a.ns[peer.ns] == nil {
				// When this side's veth leads into the namespace, the pair is left to that
				// namespace's own reconcile (a full sync's step of it checks the pair by
				// name from its side), and it is not opened: a router's reconcile opened
				// every instance of its VPC, most of what it cost.
				if a.leadsTo(me, peer) {
					continue
				}
				// Never made here: a namespace made outside a full reconcile would have
				// links up before its firewall.
				if err := a.openExisting(peer.ns); err != nil {
					a.fail(peer.ns, err)
					continue
				}
			}
			n := a.changes
			a.fail(ns.Name, a.pair(me, peer))
			if n != a.changes && !a.reconciles(peer.ns) {
				if a.relinked == nil {
					a.relinked = map[string]bool{}
				}
				a.relinked[peer.ns] = true
			}
		}
	}
}

// tuns makes the namespace's TUN links that are missing, persistent: a daemon of the
// namespace attaches to each (internal/nat64), and the routes into it stay while the
// daemon restarts.
func (a *apply) tuns(c *nsConn, ns plan.Namespace) error {
	var errs []error
	for _, l := range ns.Links {
		if l.Kind != "tun" {
			continue
		}
		if _, err := c.nl.LinkByName(l.Name); err == nil || !isNotFound(err) {
			errs = append(errs, err)
			continue
		}
		if err := inNamespace(c.fd, func() error { return nat64.CreateTUN(l.Name) }); err != nil {
			errs = append(errs, err)
			continue
		}
		a.changed(ns.Name, "link created", "link", l.Name, "kind", "tun")
	}
	return errors.Join(errs...)
}

// leadsTo reports whether the veth me exists and its other end is in peer's namespace.
func (a *apply) leadsTo(me, peer end) bool {
	if me.ns == peer.ns {
		return false
	}
	l, err := a.ns[me.ns].nl.LinkByName(me.name)
	if err != nil || l.Type() != "veth" || l.Attrs().ParentIndex == 0 || l.Attrs().NetNsID < 0 {
		return false
	}
	fd, err := openNamespace(peer.ns)
	if err != nil {
		return false
	}
	defer fd.Close()
	id, err := a.ns[me.ns].nl.GetNetNsIdByFd(int(fd))
	return err == nil && id == l.Attrs().NetNsID
}

func hasKey[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}

// pair makes sure that the veths me and peer exist and are each other's peer.
func (a *apply) pair(me, peer end) error {
	c, pc := a.ns[me.ns], a.ns[peer.ns]
	la, errA := c.nl.LinkByName(me.name)
	lb, errB := pc.nl.LinkByName(peer.name)
	for _, err := range []error{errA, errB} {
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("veth %s: %w", me, err)
		}
	}
	if errA == nil && errB == nil && la.Type() == "veth" && lb.Type() == "veth" &&
		la.Attrs().ParentIndex == lb.Attrs().Index && lb.Attrs().ParentIndex == la.Attrs().Index {
		return nil
	}
	// Leftovers: one side of a broken pair, or a link of another kind under that name.
	if errA == nil {
		if err := c.nl.LinkDel(la); err != nil && !isNotFound(err) {
			return fmt.Errorf("delete broken link %s: %w", me, err)
		}
		a.changed(me.ns, "link deleted", "link", me.name, "reason", "broken pair")
	}
	if errB == nil {
		if err := pc.nl.LinkDel(lb); err != nil && !isNotFound(err) {
			return fmt.Errorf("delete broken link %s: %w", peer, err)
		}
		a.changed(peer.ns, "link deleted", "link", peer.name, "reason", "broken pair")
	}
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: me.name}, PeerName: peer.name}
	if peer.ns != me.ns {
		veth.PeerNamespace = netlink.NsFd(pc.fd)
	}
	if err := c.nl.LinkAdd(veth); err != nil {
		return fmt.Errorf("create veth %s - %s: %w", me, peer, err)
	}
	a.changed(me.ns, "veth created", "link", me.name, "peer", peer.String())
	return nil
}

// linkState brings lo and every planned link to its MAC, MTU, up state, sysctls and
// addresses. It reads the links and addresses of the namespace in one dump each, and
// sets every link's sysctls from one visit to the namespace: per link, these reads were
// most of what a router with many interfaces costs to reconcile when nothing changed.
func (a *apply) linkState(c *nsConn, ns plan.Namespace) error {
	all, err := c.nl.LinkList()
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	links := make(map[string]netlink.Link, len(all))
	for _, l := range all {
		links[l.Attrs().Name] = l
	}
	var errs []error
	if lo := links["lo"]; lo != nil && lo.Attrs().Flags&net.FlagUp == 0 {
		if err := c.nl.LinkSetUp(lo); err != nil {
			errs = append(errs, fmt.Errorf("set lo up: %w", err))
		} else {
			a.changed(ns.Name, "link up", "link", "lo")
		}
	}
	sysctlErrs := a.linkSysctls(c, ns.Links, links)
	// After the sysctls: one (disable_ipv6) removes addresses.
	addrs, err := c.nl.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("list addresses: %w", err))...)
	}
	c.addrs = map[int][]netlink.Addr{}
	for _, ad := range addrs {
		c.addrs[ad.LinkIndex] = append(c.addrs[ad.LinkIndex], ad)
	}
	settleBy := time.Now().Add(linkSettle)
	for _, l := range ns.Links {
		link := links[l.Name]
		if link == nil {
			continue // the pair could not be created; reported there
		}
		if err := sysctlErrs[l.Name]; err != nil {
			errs = append(errs, fmt.Errorf("link %s: %w", l.Name, err))
			continue
		}
		raised, err := a.link(c, link, l, ns.Guest)
		if err != nil {
			errs = append(errs, fmt.Errorf("link %s: %w", l.Name, err))
		}
		if raised && l.Kind == "veth" {
			a.settle(c, l, settleBy)
		}
	}
	return errors.Join(errs...)
}

// linkSysctls sets the sysctls of the links that exist, from one visit to the namespace,
// and returns the error of each link whose sysctls failed.
func (a *apply) linkSysctls(c *nsConn, want []plan.Link, links map[string]netlink.Link) map[string]error {
	errs := map[string]error{}
	values := map[string]map[string]string{}
	for _, l := range want {
		if len(l.Sysctls) == 0 || links[l.Name] == nil {
			continue
		}
		values[l.Name] = map[string]string{}
		for k, v := range l.Sysctls {
			key, err := linkSysctlKey(l.Name, k)
			if err != nil {
				errs[l.Name] = err
				break
			}
			values[l.Name][key] = v
		}
	}
	if len(values) == 0 {
		return errs
	}
	err := inNamespace(c.fd, func() error {
		for _, l := range want {
			if values[l.Name] == nil || errs[l.Name] != nil {
				continue
			}
			changed, err := setSysctls(values[l.Name])
			for _, kv := range changed {
				a.changed(c.name, "sysctl set", "sysctl", kv)
			}
			if err != nil {
				errs[l.Name] = err
			}
		}
		return nil
	})
	if err != nil {
		for name := range values {
			errs[name] = err
		}
	}
	return errs
}

// link brings one link to its plan and reports whether it raised it.
func (a *apply) link(c *nsConn, link netlink.Link, l plan.Link, guest bool) (bool, error) {
	attrs := link.Attrs()
	if l.MAC != "" {
		mac, err := net.ParseMAC(l.MAC)
		if err != nil {
			return false, fmt.Errorf("MAC %q: %w", l.MAC, err)
		}
		if !bytes.Equal(attrs.HardwareAddr, mac) {
			// Not every driver changes its address while up.
			if attrs.Flags&net.FlagUp != 0 {
				if err := c.nl.LinkSetDown(link); err != nil {
					return false, fmt.Errorf("set down: %w", err)
				}
				attrs.Flags &^= net.FlagUp
			}
			if err := c.nl.LinkSetHardwareAddr(link, mac); err != nil {
				return false, fmt.Errorf("set MAC %s: %w", mac, err)
			}
			a.changed(c.name, "link MAC set", "link", l.Name, "mac", mac.String())
		}
	}
	if l.MTU != 0 && attrs.MTU != l.MTU {
		if err := c.nl.LinkSetMTU(link, l.MTU); err != nil {
			return false, fmt.Errorf("set MTU %d: %w", l.MTU, err)
		}
		a.changed(c.name, "link MTU set", "link", l.Name, "mtu", l.MTU)
		// Below 1280 the kernel drops the link's IPv6 addresses: read them again.
		have, err := c.nl.AddrList(link, netlink.FAMILY_ALL)
		if err != nil {
			return false, fmt.Errorf("list addresses: %w", err)
		}
		c.addrs[attrs.Index] = have
	}
	if err := a.addrs(c, link, l.Addrs, guest); err != nil {
		return false, err
	}
	if attrs.Flags&net.FlagUp != 0 {
		return false, nil
	}
	if err := c.nl.LinkSetUp(link); err != nil {
		return false, fmt.Errorf("set up: %w", err)
	}
	a.changed(c.name, "link up", "link", l.Name)
	return true, nil
}

// linkSettle bounds how long the links of one namespace wait to settle: past a second,
// the neighbour retry that settling spares (retrans_time) would have come anyway.
const linkSettle = time.Second

// settle returns once both ends of a veth that was just raised carry packets, so that the
// routes that follow send nothing into a link that drops it. Raising the second end of a
// pair turns the carrier on at both, but the end raised first transmits only once the
// kernel's linkwatch work, run asynchronously, has activated its queueing discipline (and
// set its operstate UP); until then it drops every packet it sends. Here that is the
// instance's reply to the router's first ARP request for it: the router asks again only
// after a second (retrans_time), so about one launch in eight answered a second late.
// A RTM_GETLINK of one link runs its pending linkwatch work at once (rtnl_getlink calls
// linkwatch_sync_dev; a dump does not), so reading both ends settles them; where the
// kernel does not, the reads poll until both report operstate UP, until deadline. When the
// peer is still down there is no carrier: raising it settles both.
func (a *apply) settle(c *nsConn, l plan.Link, deadline time.Time) {
	pc := a.ns[l.Peer.Namespace]
	if pc == nil {
		return
	}
	for {
		me, err := c.nl.LinkByName(l.Name)
		if err != nil {
			return
		}
		peer, err := pc.nl.LinkByName(l.Peer.Name)
		if err != nil || peer.Attrs().Flags&net.FlagUp == 0 {
			return
		}
		if me.Attrs().OperState == netlink.OperUp && peer.Attrs().OperState == netlink.OperUp {
			return
		}
		if time.Now().After(deadline) {
			a.k.log.Warn("link not up in time", "netns", c.name, "link", l.Name,
				"operstate", me.Attrs().OperState.String(), "peer", l.Peer.Namespace+"/"+l.Peer.Name,
				"peer_operstate", peer.Attrs().OperState.String())
			return
		}
		select {
		case <-a.ctx.Done():
			return
		case <-time.After(time.Millisecond):
		}
	}
}

// addrs adds the missing addresses and removes the others, except IPv6 link-local ones
// that the kernel made, and except in a guest, whose own addresses stay. A link-local
// address that the plan names (the router's fe80::1) is the plan's like any other: added
// without duplicate address detection (nodad), which tells it from the kernel's own when
// the plan no longer names it.
func (a *apply) addrs(c *nsConn, link netlink.Link, want []netip.Prefix, guest bool) error {
	have, err := c.linkAddrs(link)
	if err != nil {
		return fmt.Errorf("list addresses: %w", err)
	}
	wanted := map[netip.Prefix]bool{}
	for _, p := range want {
		wanted[netip.PrefixFrom(p.Addr().Unmap(), p.Bits())] = true
	}
	present := map[netip.Prefix]bool{}
	for _, ad := range have {
		p, ok := ipNetPrefix(ad.IPNet)
		if !ok {
			continue
		}
		if wanted[p] {
			present[p] = true
			continue
		}
		if guest || p.Addr().Is6() && p.Addr().IsLinkLocalUnicast() && ad.Flags&unix.IFA_F_NODAD == 0 {
			continue
		}
		if err := c.nl.AddrDel(link, &ad); err != nil {
			return fmt.Errorf("delete address %s: %w", p, err)
		}
		a.changed(c.name, "address deleted", "link", link.Attrs().Name, "addr", p.String())
	}
	for _, p := range want {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits())
		if present[p] {
			continue
		}
		ad := &netlink.Addr{IPNet: prefixIPNet(p)}
		if p.Addr().Is6() {
			ad.Flags = unix.IFA_F_NODAD // usable at once: the plan owns every address
		}
		if err := c.nl.AddrAdd(link, ad); err != nil {
			return fmt.Errorf("add address %s: %w", p, err)
		}
		present[p] = true
		a.changed(c.name, "address added", "link", link.Attrs().Name, "addr", p.String())
	}
	return nil
}

// linkAddrs are the link's addresses: from the namespace's dump when linkState took one.
func (c *nsConn) linkAddrs(link netlink.Link) ([]netlink.Addr, error) {
	if c.addrs != nil {
		return c.addrs[link.Attrs().Index], nil
	}
	return c.nl.AddrList(link, netlink.FAMILY_ALL)
}

// ipNetPrefix converts an address with its mask, keeping the host bits.
func ipNetPrefix(n *net.IPNet) (netip.Prefix, bool) {
	if n == nil {
		return netip.Prefix{}, false
	}
	addr, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(addr.Unmap(), ones), true
}

func prefixIPNet(p netip.Prefix) *net.IPNet {
	bits := 32
	if p.Addr().Is6() {
		bits = 128
	}
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), bits)}
}
