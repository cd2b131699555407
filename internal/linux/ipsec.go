package linux

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vishvananda/netlink"

	"vpcd/internal/nat64"
	"vpcd/internal/plan"
)

// ipsecs brings into the namespace its links of kind "ipsec": the TUN that the IKE
// daemon of a VPN tunnel's namespace (charon's kernel-libipsec) made there, moved here
// under the planned name, so that the tunnel is a route-based interface of the router. A
// daemon's TUN is the one of its namespace that is not persistent: in its place a
// persistent TUN of the same name is left, up, since libipsec installs each CHILD_SA's
// route through its TUN by name. Until the daemon has made its TUN there is nothing to
// move; the TUN goes away with the daemon, and the next one's is moved when it is up.
func (a *apply) ipsecs(c *nsConn, ns plan.Namespace) error {
	var errs []error
	for _, l := range ns.Links {
		if l.Kind != "ipsec" {
			continue
		}
		if _, err := c.nl.LinkByName(l.Name); err == nil || !isNotFound(err) {
			errs = append(errs, err)
			continue
		}
		moved, err := a.adoptTUN(c, l)
		if err != nil {
			errs = append(errs, fmt.Errorf("link %s: %w", l.Name, err))
		} else if moved != "" {
			a.changed(ns.Name, "link moved in", "link", l.Name, "from", l.Peer.Namespace+"/"+moved)
		}
	}
	return errors.Join(errs...)
}

// adoptTUN moves the daemon's TUN from the tunnel's namespace into c as l, and returns
// its name there ("" when the daemon has made none).
func (a *apply) adoptTUN(c *nsConn, l plan.Link) (string, error) {
	fd, err := openNamespace(l.Peer.Namespace)
	if err != nil {
		return "", nil // not made yet
	}
	defer fd.Close()
	h, err := netlink.NewHandleAt(fd)
	if err != nil {
		return "", err
	}
	defer h.Close()
	links, err := h.LinkList()
	if err != nil {
		return "", err
	}
	for _, link := range links {
		tun, ok := link.(*netlink.Tuntap)
		if !ok || !tun.NonPersist || !strings.HasPrefix(tun.Attrs().Name, "ipsec") {
			continue
		}
		name := tun.Attrs().Name
		if err := h.LinkSetNsFd(link, int(c.fd)); err != nil {
			return "", fmt.Errorf("move %s: %w", name, err)
		}
		moved, err := c.nl.LinkByName(name)
		if err != nil {
			return "", err
		}
		if err := c.nl.LinkSetName(moved, l.Name); err != nil {
			return "", fmt.Errorf("rename %s: %w", name, err)
		}
		if err := inNamespace(fd, func() error { return nat64.CreateTUN(name) }); err != nil {
			return "", fmt.Errorf("placeholder %s: %w", name, err)
		}
		// Up, or the route through it is refused (network is down).
		placeholder, err := h.LinkByName(name)
		if err == nil {
			err = h.LinkSetUp(placeholder)
		}
		if err != nil {
			return "", fmt.Errorf("placeholder %s: %w", name, err)
		}
		return name, nil
	}
	return "", nil
}
