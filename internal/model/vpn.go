package model

import (
	"net/netip"
	"slices"
	"time"
)

// VpnGateway is a virtual private gateway: the VPC's end of its Site-to-Site VPN
// connections. VPC is the VPC it is attached to, "" when detached.
type VpnGateway struct {
	ID, VPC string
}

// VpnConnection is a Site-to-Site VPN connection of a virtual private gateway: two IPsec
// tunnels to one customer gateway, and the customer's networks that static routing sends
// into them.
type VpnConnection struct {
	ID, Gateway      string
	Owner, Region    string
	CustomerGateway  netip.Addr // the customer gateway's public address
	StaticRoutesOnly bool
	Routes           []netip.Prefix // static routes (CreateVpnConnectionRoute)
	Tunnels          [2]VpnTunnel
	// The two ends' BGP autonomous systems, for a connection routed dynamically
	// (!StaticRoutesOnly): the virtual private gateway's Amazon-side ASN and the
	// customer gateway's.
	AmazonSideAsn, CustomerAsn int64
}

// VpnTunnel is one tunnel of a connection: its options as the API keeps them (AWS's
// names: "AES128", "SHA2-256", DH group numbers; empty lists take AWS's defaults, which
// the control plane fills in), and its state as the data plane last reported it.
type VpnTunnel struct {
	OutsideIP        netip.Addr
	InsideCidr       netip.Prefix
	PreSharedKey     string
	IKEVersions      []string // "ikev1", "ikev2"
	Phase1Encryption []string
	Phase1Integrity  []string
	Phase1DHGroups   []int32
	Phase2Encryption []string
	Phase2Integrity  []string
	Phase2DHGroups   []int32
	Phase1Lifetime   time.Duration
	Phase2Lifetime   time.Duration
	RekeyMargin      time.Duration
	RekeyFuzz        int32
	ReplayWindow     int32
	DPDTimeout       time.Duration
	DPDTimeoutAction string // clear, none, restart
	StartupAction    string // add, start
	// Up: the tunnel's IPsec security association is established (telemetry UP).
	Up bool
	// Learned are the routes the customer advertises over the tunnel's BGP session, as
	// the data plane last reported them: none while the session is not established.
	Learned []BgpRoute
}

// BgpRoute is a route learned over BGP, with the attributes AWS chooses a tunnel by.
type BgpRoute struct {
	Prefix    netip.Prefix `json:"prefix"`
	ASPathLen int          `json:"asPathLen,omitempty"`
	MED       uint32       `json:"med,omitempty"`
}

// VgwInsideIP is AWS's end of the tunnel's inside /30: its first host.
func (t *VpnTunnel) VgwInsideIP() netip.Addr { return t.InsideCidr.Masked().Addr().Next() }

// VpnConnectionsOf are the connections of the virtual private gateway attached to vpc,
// in ID order; none when no gateway is attached to it.
func (n *Network) VpnConnectionsOf(vpc string) []*VpnConnection {
	var out []*VpnConnection
	for _, id := range SortedKeys(n.VpnConnections) {
		c := n.VpnConnections[id]
		if g := n.VpnGateways[c.Gateway]; g != nil && g.VPC == vpc && vpc != "" {
			out = append(out, c)
		}
	}
	return out
}

// PreferredTunnel is the tunnel that traffic to the customer takes: the first that is
// up, as AWS prefers one tunnel and fails over to the other; -1 when neither is.
func (c *VpnConnection) PreferredTunnel() int {
	for i := range c.Tunnels {
		if c.Tunnels[i].Up {
			return i
		}
	}
	return -1
}

// Reaches reports whether one of the connection's static routes covers p, or, routed
// by BGP, one of the routes learned over a tunnel that is up.
func (c *VpnConnection) Reaches(p netip.Prefix) bool {
	if c.StaticRoutesOnly {
		return slices.ContainsFunc(c.Routes, func(r netip.Prefix) bool { return r.Overlaps(p) })
	}
	return slices.ContainsFunc(c.LearnedPrefixes(), p.Overlaps)
}

// TunnelTo is the tunnel that traffic to dst takes: routed by BGP, the tunnel of the most
// specific learned prefix that overlaps dst (LearnedTunnel); else, or when none does, the
// preferred tunnel.
func (c *VpnConnection) TunnelTo(dst netip.Prefix) int {
	if !c.StaticRoutesOnly {
		best := netip.Prefix{}
		for _, p := range c.LearnedPrefixes() {
			if p.Overlaps(dst) && (!best.IsValid() || p.Bits() > best.Bits()) {
				best = p
			}
		}
		if best.IsValid() {
			return c.LearnedTunnel(best)
		}
	}
	return c.PreferredTunnel()
}

// LearnedTunnel is the tunnel that traffic to the learned prefix p takes among those
// that are up and learned it over BGP, as AWS chooses between the two
// tunnels: the shortest AS path, then the lowest MED, then the first tunnel; -1 when no
// tunnel that is up learned one.
func (c *VpnConnection) LearnedTunnel(p netip.Prefix) int {
	best, bestRoute := -1, BgpRoute{}
	for i := range c.Tunnels {
		t := &c.Tunnels[i]
		if !t.Up {
			continue
		}
		for _, r := range t.Learned {
			if r.Prefix.Masked() != p {
				continue
			}
			if best < 0 || r.ASPathLen < bestRoute.ASPathLen || r.ASPathLen == bestRoute.ASPathLen && r.MED < bestRoute.MED {
				best, bestRoute = i, r
			}
		}
	}
	return best
}

// LearnedPrefixes are the prefixes learned over the BGP sessions of the connection's
// tunnels that are up, each once, in order.
func (c *VpnConnection) LearnedPrefixes() []netip.Prefix {
	var out []netip.Prefix
	seen := map[netip.Prefix]bool{}
	for i := range c.Tunnels {
		if !c.Tunnels[i].Up {
			continue
		}
		for _, r := range c.Tunnels[i].Learned {
			if p := r.Prefix.Masked(); !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	return out
}
