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

// Reaches reports whether one of the connection's static routes covers p.
func (c *VpnConnection) Reaches(p netip.Prefix) bool {
	return slices.ContainsFunc(c.Routes, func(r netip.Prefix) bool { return r.Overlaps(p) })
}
