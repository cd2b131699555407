package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"slices"
	"sort"
)

// Site is a customer site, a local test and demo fixture (`vpcd site add`): a namespace on
// the simulated internet at a public address, directly or behind a NAT namespace that
// masquerades it to that address, with an address of its LAN on its lo (this kernel has
// no dummy links), where what customers run (strongSwan, FRR) runs.
type Site struct {
	Name      string       `json:"name"`
	PublicIP  netip.Addr   `json:"publicIp"`
	LAN       netip.Prefix `json:"lan"`
	BehindNAT bool         `json:"behindNat,omitempty"`
}

// sitePrefix begins the names of the sites' namespaces: "vpcd-site-NAME", and
// "vpcd-sitenat-NAME" for the NAT in front of one.
const sitePrefix = routerPrefix + "site"

// SiteNamespace is the namespace of a site.
func SiteNamespace(name string) string { return sitePrefix + "-" + name }

// siteNATNamespace is the namespace of the NAT in front of a site.
func siteNATNamespace(name string) string { return sitePrefix + "nat-" + name }

// siteInternetLink is the internet's link to a site (or its NAT): "s" and a hash of the
// name, within the kernel's 15 characters.
func siteInternetLink(name string) string {
	h := sha256.Sum256([]byte(name))
	return "s" + hex.EncodeToString(h[:7])
}

// The link between a site behind NAT and its NAT, from the shared address space.
var (
	siteNATInside = netip.MustParsePrefix("100.64.0.1/30")
	siteInside    = netip.MustParsePrefix("100.64.0.2/30")
)

// LANAddr is the site's own address on its LAN: the LAN's first host.
func (s Site) LANAddr() netip.Addr { return s.LAN.Masked().Addr().Next() }

// sites lays out the sites and their part of the internet.
func sites(all []Site, internet *Namespace) []Namespace {
	var out []Namespace
	for _, s := range all {
		name, far := SiteNamespace(s.Name), siteInternetLink(s.Name)
		var site Namespace
		if !s.BehindNAT {
			site = edgeNamespace(name, s.PublicIP, internet, far)
		} else {
			nat := edgeNamespace(siteNATNamespace(s.Name), s.PublicIP, internet, far)
			nat.Sysctls = natSysctls()
			nat.Links = append(nat.Links, Link{Name: "site", Kind: "veth", Peer: LinkEnd{Namespace: name, Name: "eth0"}, Addrs: []netip.Prefix{siteNATInside}})
			nat.NatGateway = &NatGateway{Link: "eth0", Inside: "site", Addr: s.PublicIP, PortMin: natPortMin, PortMax: natPortMax, MaxPerDestination: natMaxPerDestination}
			out = append(out, nat)
			site = Namespace{Name: name, Sysctls: map[string]string{"net.ipv4.ip_forward": "1"}}
			site.Links = append(site.Links,
				Link{Name: "lo", Kind: "loopback", Addrs: slices.Clone(loopbackAddrs)},
				Link{Name: "eth0", Kind: "veth", Peer: LinkEnd{Namespace: nat.Name, Name: "site"}, Addrs: []netip.Prefix{siteInside}})
			site.Routes = append(site.Routes, Route{Dst: anyIPv4, Type: RouteUnicast, Dev: "eth0", Gateway: siteNATInside.Addr()})
		}
		// The customer's host: what runs there (strongSwan's routing rule and table, say)
		// adds routes and rules of its own, which stay.
		site.Guest = true
		if s.LAN.IsValid() {
			site.Links[0].Addrs = append(site.Links[0].Addrs, netip.PrefixFrom(s.LANAddr(), 32))
		}
		out = append(out, site)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SetSites makes the sites those planned, and returns what that changed.
func (p *Planner) SetSites(all []Site) Update {
	all = slices.Clone(all)
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	var u Update
	if slices.Equal(all, p.sites) {
		return u
	}
	before := p.siteNames
	p.sites = all
	p.planSites(&u, before)
	p.diff(&u, []string{p.host.Internet}, p.internet())
	sort.Strings(u.Changed)
	sort.Strings(u.Deleted)
	return u
}

// planSites puts the sites' namespaces in place of those named before.
func (p *Planner) planSites(u *Update, before []string) {
	now := sites(p.sites, &Namespace{Name: p.host.Internet})
	p.siteNames = nil
	for _, ns := range now {
		p.siteNames = append(p.siteNames, ns.Name)
	}
	p.diff(u, before, now)
}
