package model

import (
	"net/netip"
	"slices"
	"strings"
)

// The internet's side of a VPC: which gateway a route to the internet names, what leaves
// through it with which source, and what the internet may send back in. IPv4 goes through
// an internet gateway's 1:1 NAT (PublicMappings); IPv6 addresses are public as they are
// and leave through an internet gateway or an egress-only internet gateway untranslated.

// AttachedInternetGateway is the internet gateway attached to the VPC (the first by ID),
// "" for none.
func (n *Network) AttachedInternetGateway(vpc string) string {
	for _, id := range SortedKeys(n.InternetGateways) {
		if n.InternetGateways[id].VPC == vpc {
			return id
		}
	}
	return ""
}

// EgressOnlyGateway is the VPC's egress-only internet gateway (the first by ID), "" for
// none.
func (n *Network) EgressOnlyGateway(vpc string) string {
	for _, id := range SortedKeys(n.EgressOnlyInternetGateways) {
		if n.EgressOnlyInternetGateways[id].VPC == vpc {
			return id
		}
	}
	return ""
}

// InternetTarget reports whether a route target of the VPC leads to the internet through
// a gateway that is there: an internet gateway attached to the VPC, or one of the VPC's
// egress-only internet gateways. egressOnly tells the second kind.
func (n *Network) InternetTarget(vpc, target string) (ok, egressOnly bool) {
	switch {
	case strings.HasPrefix(target, "igw-"):
		g := n.InternetGateways[target]
		return g != nil && g.VPC == vpc, false
	case strings.HasPrefix(target, "eigw-"):
		g := n.EgressOnlyInternetGateways[target]
		return g != nil && g.VPC == vpc, true
	}
	return false, false
}

// InternetSource is the source address that a packet of eni from src has beyond a
// gateway (InternetTarget) on its way to the internet, and whether the gateway lets it
// out at all. An internet gateway maps an IPv4 address that has a public one and passes
// the interface's IPv6 addresses as they are; an egress-only gateway passes IPv6 alone.
func (n *Network) InternetSource(eni *Interface, src netip.Addr, egressOnly bool) (netip.Addr, bool) {
	src = src.Unmap()
	if src.Is6() {
		return src, slices.Contains(eni.IPv6Addresses, src)
	}
	if egressOnly {
		return netip.Addr{}, false
	}
	for _, m := range eni.PublicMappings() {
		if m.Private == src {
			return m.Public, true
		}
	}
	return netip.Addr{}, false
}

// IPv6Entry is the gateway through which the internet reaches the VPC's IPv6 blocks: its
// internet gateway, else its egress-only internet gateway; "" when neither is there.
// newFlows says whether a flow the internet opens gets in: through an internet gateway
// it does (the security groups and ACLs decide then), through an egress-only gateway only
// the replies of flows the VPC opened come back.
func (n *Network) IPv6Entry(vpc string) (gateway string, newFlows bool) {
	if g := n.AttachedInternetGateway(vpc); g != "" {
		return g, true
	}
	if g := n.EgressOnlyGateway(vpc); g != "" {
		return g, false
	}
	return "", false
}

// IPv6Blocks are the VPC's IPv6 CIDR blocks.
func (v *VPC) IPv6Blocks() []netip.Prefix {
	var out []netip.Prefix
	for _, c := range v.CIDRs {
		if c.Addr().Is6() {
			out = append(out, c)
		}
	}
	return out
}
