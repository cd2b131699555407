package linux

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"vpcd/internal/plan"
)

// routeKey identifies a route in a namespace: one route per table and destination.
type routeKey struct {
	table int
	dst   netip.Prefix
}

// routes makes every table the plan uses, and main, hold exactly the planned routes, next
// to the ones the kernel makes itself (proto kernel: connected subnets, IPv6 link-local);
// the local table is never read or written.
func (a *apply) routes(c *nsConn, ns plan.Namespace) error {
	links, err := c.nl.LinkList()
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	index := map[string]int{}
	for _, l := range links {
		index[l.Attrs().Name] = l.Attrs().Index
	}
	want := map[routeKey]plan.Route{}
	tables := []int{unix.RT_TABLE_MAIN}
	for _, r := range ns.Routes {
		t := r.Table
		if t == 0 {
			t = unix.RT_TABLE_MAIN
		}
		if t == unix.RT_TABLE_LOCAL || t == unix.RT_TABLE_DEFAULT {
			return fmt.Errorf("route %s: table %d is the kernel's", r.Dst, t)
		}
		r.Table, r.Dst = t, r.Dst.Masked()
		want[routeKey{t, r.Dst}] = r
		if !slices.Contains(tables, t) {
			tables = append(tables, t)
		}
	}
	var errs []error
	seen := map[routeKey]bool{}
	for _, family := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		for _, t := range tables {
			have, err := c.nl.RouteListFiltered(family, &netlink.Route{Table: t}, netlink.RT_FILTER_TABLE)
			if err != nil {
				errs = append(errs, fmt.Errorf("list routes of table %d: %w", t, err))
				continue
			}
			for _, r := range have {
				if r.Protocol == unix.RTPROT_KERNEL || r.Table != t {
					continue
				}
				key := routeKey{t, routeDst(r, family)}
				w, ok := want[key]
				if ok && !seen[key] && routeMatches(r, w, index) {
					seen[key] = true
					continue
				}
				if ok && !seen[key] {
					continue // replaced below
				}
				if ns.Guest {
					continue // the instance's own route
				}
				if err := c.nl.RouteDel(&r); err != nil && !errors.Is(err, unix.ESRCH) {
					errs = append(errs, fmt.Errorf("delete route %s table %d: %w", key.dst, t, err))
					continue
				}
				a.changed(c.name, "route deleted", "table", t, "dst", key.dst.String())
			}
		}
	}
	for _, r := range ns.Routes {
		t := r.Table
		if t == 0 {
			t = unix.RT_TABLE_MAIN
		}
		key := routeKey{t, r.Dst.Masked()}
		if seen[key] {
			continue
		}
		seen[key] = true
		if _, ok := index[r.Dev]; !ok && isIPsecLink(ns, r.Dev) {
			// A VPN tunnel whose daemon has not made its TUN yet (or is restarting): the
			// route comes with the TUN, when the tunnel is reported up again.
			continue
		}
		nr, err := kernelRoute(want[key], index)
		if err == nil {
			err = c.nl.RouteReplace(nr)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("route %s table %d: %w", key.dst, t, err))
			continue
		}
		a.changed(c.name, "route set", "table", t, "dst", key.dst.String(), "dev", r.Dev, "via", r.Gateway)
	}
	return errors.Join(errs...)
}

// routeDst is the destination of a listed route; netlink leaves it nil for a default route.
func routeDst(r netlink.Route, family int) netip.Prefix {
	if p, ok := ipNetPrefix(r.Dst); ok {
		return p.Masked()
	}
	if family == netlink.FAMILY_V6 {
		return netip.PrefixFrom(netip.IPv6Unspecified(), 0)
	}
	return netip.PrefixFrom(netip.IPv4Unspecified(), 0)
}

func routeMatches(r netlink.Route, w plan.Route, index map[string]int) bool {
	switch w.Type {
	case plan.RouteBlackhole:
		return r.Type == unix.RTN_BLACKHOLE
	case plan.RouteUnicast, "":
		if r.Type != unix.RTN_UNICAST || r.LinkIndex != index[w.Dev] || len(r.MultiPath) > 0 {
			return false
		}
		if src, _ := netip.AddrFromSlice(r.Src); w.Src.IsValid() != (r.Src != nil) || w.Src.IsValid() && src.Unmap() != w.Src {
			return false
		}
		if !w.Gateway.IsValid() {
			return r.Gw == nil
		}
		gw, ok := netip.AddrFromSlice(r.Gw)
		return ok && gw.Unmap() == w.Gateway.Unmap() && r.Flags&int(netlink.FLAG_ONLINK) != 0
	}
	return false
}

func kernelRoute(w plan.Route, index map[string]int) (*netlink.Route, error) {
	r := &netlink.Route{Table: w.Table, Dst: prefixIPNet(w.Dst)}
	switch w.Type {
	case plan.RouteBlackhole:
		r.Type = unix.RTN_BLACKHOLE
		return r, nil
	case plan.RouteUnicast, "":
		idx, ok := index[w.Dev]
		if !ok {
			return nil, fmt.Errorf("no link %q", w.Dev)
		}
		r.Type, r.LinkIndex = unix.RTN_UNICAST, idx
		if w.Src.IsValid() {
			r.Src = net.IP(w.Src.AsSlice())
		}
		if w.Gateway.IsValid() {
			r.Gw = net.IP(w.Gateway.AsSlice())
			r.Flags = int(netlink.FLAG_ONLINK)
		} else {
			r.Scope = netlink.SCOPE_LINK
		}
		return r, nil
	}
	return nil, fmt.Errorf("route type %q is not supported", w.Type)
}

// rules makes the policy rules with a priority in vpcd's range exactly the planned ones,
// each for IPv4 and IPv6; the kernel's default rules are outside that range. A guest's
// own rules stay.
func (a *apply) rules(c *nsConn, ns plan.Namespace) error {
	var errs []error
	for _, family := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		have, err := c.nl.RuleListFiltered(family, nil, 0)
		if err != nil {
			errs = append(errs, fmt.Errorf("list rules: %w", err))
			continue
		}
		present := map[plan.Rule]bool{}
		for _, r := range have {
			if r.Priority < plan.RulePriorityMin || r.Priority > plan.RulePriorityMax {
				continue
			}
			key := plan.Rule{Priority: r.Priority, IIF: r.IifName, Table: r.Table}
			if r.Src != nil {
				key.From, _ = ipNetPrefix(r.Src)
			}
			if !present[key] && ruleIsPlain(r) && slices.Contains(ns.Rules, key) {
				present[key] = true
				continue
			}
			if ns.Guest {
				continue // the guest's own rule
			}
			if err := c.nl.RuleDel(&r); err != nil {
				errs = append(errs, fmt.Errorf("delete rule %d: %w", r.Priority, err))
				continue
			}
			a.changed(c.name, "rule deleted", "family", family, "priority", r.Priority, "iif", r.IifName, "table", r.Table)
		}
		for _, w := range ns.Rules {
			if present[w] || w.From.IsValid() && w.From.Addr().Is4() != (family == netlink.FAMILY_V4) {
				continue
			}
			if w.Priority < plan.RulePriorityMin || w.Priority > plan.RulePriorityMax {
				errs = append(errs, fmt.Errorf("rule priority %d is outside %d-%d", w.Priority, plan.RulePriorityMin, plan.RulePriorityMax))
				continue
			}
			r := netlink.NewRule()
			r.Family, r.Priority, r.IifName, r.Table = family, w.Priority, w.IIF, w.Table
			if w.From.IsValid() {
				r.Src = prefixIPNet(w.From)
			}
			if err := c.nl.RuleAdd(r); err != nil {
				errs = append(errs, fmt.Errorf("add rule %d: %w", w.Priority, err))
				continue
			}
			present[w] = true
			a.changed(c.name, "rule added", "family", family, "priority", w.Priority, "iif", w.IIF, "table", w.Table)
		}
	}
	return errors.Join(errs...)
}

// ruleIsPlain reports whether a listed rule selects on nothing but its input interface
// or its source, the kinds vpcd makes.
func ruleIsPlain(r netlink.Rule) bool {
	return r.Dst == nil && r.OifName == "" && r.Mark == 0 && (r.Mask == nil || *r.Mask == 0) &&
		!r.Invert && r.Dport == nil && r.Sport == nil && r.IPProto == 0 && r.UIDRange == nil &&
		r.Tos == 0 && (r.Goto == -1 || r.Goto == 0)
}

// isIPsecLink reports whether the namespace plans dev as a VPN tunnel's link.
func isIPsecLink(ns plan.Namespace, dev string) bool {
	for _, l := range ns.Links {
		if l.Name == dev && l.Kind == "ipsec" {
			return true
		}
	}
	return false
}
