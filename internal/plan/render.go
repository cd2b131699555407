package plan

import (
	"fmt"
	"sort"
	"strings"
)

// String prints the state as `ip`-style lines, one object each, so that tests can compare
// a plan with golden text and people can read what the data plane wants.
func (s State) String() string {
	var b strings.Builder
	for _, ns := range s.Namespaces {
		fmt.Fprintf(&b, "netns %s", ns.Name)
		if ns.Guest {
			b.WriteString(" guest")
		}
		b.WriteString("\n")
		for _, k := range sortedKeys(ns.Sysctls) {
			fmt.Fprintf(&b, "  sysctl %s=%s\n", k, ns.Sysctls[k])
		}
		for _, l := range ns.Links {
			fmt.Fprintf(&b, "  link %s %s", l.Name, l.Kind)
			if l.Peer != (LinkEnd{}) {
				fmt.Fprintf(&b, " peer %s/%s", l.Peer.Namespace, l.Peer.Name)
			}
			if l.MAC != "" {
				fmt.Fprintf(&b, " address %s", l.MAC)
			}
			b.WriteString("\n")
			for _, a := range l.Addrs {
				fmt.Fprintf(&b, "  addr %s dev %s\n", a, l.Name)
			}
			for _, k := range sortedKeys(l.Sysctls) {
				fmt.Fprintf(&b, "  sysctl %s.%s=%s\n", l.Name, k, l.Sysctls[k])
			}
		}
		for _, r := range ns.Rules {
			if r.From.IsValid() {
				fmt.Fprintf(&b, "  rule pref %d from %s lookup %d\n", r.Priority, r.From, r.Table)
				continue
			}
			fmt.Fprintf(&b, "  rule pref %d iif %s lookup %d\n", r.Priority, r.IIF, r.Table)
		}
		for _, r := range ns.Routes {
			b.WriteString("  route")
			if r.Type == RouteBlackhole || r.Type == RouteLocal {
				b.WriteString(" " + string(r.Type))
			}
			fmt.Fprintf(&b, " %s", r.Dst)
			if r.Gateway.IsValid() {
				fmt.Fprintf(&b, " via %s", r.Gateway)
			}
			if r.Dev != "" {
				fmt.Fprintf(&b, " dev %s", r.Dev)
			}
			if r.Src.IsValid() {
				fmt.Fprintf(&b, " src %s", r.Src)
			}
			if r.Table != 0 {
				fmt.Fprintf(&b, " table %d", r.Table)
			}
			b.WriteString("\n")
		}
		if f := ns.Firewall; f != nil {
			for _, fi := range f.Interfaces {
				fmt.Fprintf(&b, "  gate %s addrs %v source-dest-check %t\n", fi.Link, fi.Addrs, fi.SourceDestCheck)
				for _, p := range fi.Egress {
					fmt.Fprintf(&b, "    egress %s\n", p)
				}
				for _, p := range fi.Ingress {
					fmt.Fprintf(&b, "    ingress %s\n", p)
				}
			}
			for _, n := range f.NAT {
				fmt.Fprintf(&b, "  nat %s %s <-> %s\n", n.Link, n.Private, n.Public)
			}
			for _, a := range f.Public {
				fmt.Fprintf(&b, "  public %s %s\n", a.Link, a.Addr)
			}
			for _, l := range f.GatewayLinks {
				fmt.Fprintf(&b, "  gateway %s: unmapped sources dropped\n", l)
			}
			for _, l := range f.EgressOnlyLinks {
				fmt.Fprintf(&b, "  egress-only %s: new flows in dropped\n", l)
			}
			if len(f.Endpoints) > 0 {
				fmt.Fprintf(&b, "  gateway endpoints %v: egress gates and ACLs\n", f.Endpoints)
			}
			for _, g := range f.Blocked {
				what := "blocked both ways"
				if g.InboundOnly {
					what = "new flows in blocked"
				}
				fmt.Fprintf(&b, "  block-public-access %s %s: %s\n", g.Link, g.Addr, what)
			}
		}
		if g := ns.NatGateway; g != nil {
			fmt.Fprintf(&b, "  nat-gateway %s snat %s:%d-%d max-per-destination %d\n", g.Link, g.Addr, g.PortMin, g.PortMax, g.MaxPerDestination)
			if len(g.Secondary) > 0 {
				fmt.Fprintf(&b, "    and in turn %v\n", g.Secondary)
			}
			for _, z := range g.Zones {
				fmt.Fprintf(&b, "    zone %s from %v to %v\n", z.Name, z.Sources, z.Addrs)
			}
			if g.NAT64 != "" {
				fmt.Fprintf(&b, "    nat64 %s pool %s\n", g.NAT64, g.NAT64Pool)
			}
		}
	}
	return b.String()
}

func (p Permission) String() string {
	return fmt.Sprintf("proto %d ports %d-%d peers %v", p.Protocol, p.FromPort, p.ToPort, p.Peers)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
