package plan

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"vpcd/internal/model"
)

// A private virtual interface of Direct Connect is a cross-connect: a veth from the VPC's
// router (the virtual private gateway's side, with the interface's Amazon address) to the
// customer's router at the connection's location, a namespace of its own per interface
// (DxNamespace, with the customer address), where the customer runs its BGP speaker. No
// namespace stands for the Direct Connect location between them: it would only forward.
// This kernel has no 802.1Q (VLAN links are refused), so the VLAN names the customer's
// link (vlanN) and tags nothing. What comes in over the link is delivered to the VPC's own
// interfaces only (the local table), as from a VPN tunnel; routes to the customer are the
// routes learned over BGP, propagated as a VPN connection's are (PropagatedRoutes).

// DxNamespace is the customer's router of a virtual interface.
func DxNamespace(vif string) string { return routerPrefix + vif + namespaceSuffix }

// dxLink is the router's link of a virtual interface: "x" and its ID's digits.
func dxLink(vif string) string { return "x" + strings.TrimPrefix(vif, "dxvif-") }

// DxLink is the router's link of a virtual interface.
func DxLink(vif string) string { return dxLink(vif) }

// DxCustomerLink is the customer's link of a virtual interface: "vlan" and its VLAN.
func DxCustomerLink(v *model.DxVirtualInterface) string { return "vlan" + strconv.Itoa(int(v.Vlan)) }

// addDxVirtualInterfaces lays out the cross-connects of the virtual interfaces that reach
// the VPC's virtual private gateway, and returns the customers' routers.
func addDxVirtualInterfaces(n *model.Network, router *Namespace, vpc *model.VPC, enis []*model.Interface) []Namespace {
	var out []Namespace
	for _, v := range n.DxVirtualInterfacesOf(vpc.ID) {
		if !v.AmazonAddress.Addr().Is4() || !v.CustomerAddress.Addr().Is4() {
			continue
		}
		name, link, far := DxNamespace(v.ID), dxLink(v.ID), DxCustomerLink(v)
		// The customer's host: what runs there (its BGP speaker, the addresses of its LAN)
		// adds routes and addresses of its own, which stay.
		out = append(out, Namespace{Name: name, Guest: true, Sysctls: map[string]string{"net.ipv4.ip_forward": "1"}, Links: []Link{
			{Name: "lo", Kind: "loopback", Addrs: slices.Clone(loopbackAddrs)},
			{Name: far, Kind: "veth", Peer: LinkEnd{Namespace: router.Name, Name: link}, Addrs: []netip.Prefix{v.CustomerAddress}},
		}})
		router.Links = append(router.Links, Link{Name: link, Kind: "veth", Peer: LinkEnd{Namespace: name, Name: far}, Addrs: []netip.Prefix{v.AmazonAddress}})
		router.Rules = append(router.Rules, Rule{Priority: eniRulePriority - 1, IIF: link, Table: localTable})
		addLocalTable(router, enis)
	}
	return out
}

// DxVirtualInterfaceTo is the virtual interface that the gateway vgw attached to vpc sends
// traffic to dst over: the first (in ID order) whose session is up and learned a prefix
// that overlaps dst, as the gateway prefers routes learned over Direct Connect to a VPN
// connection's; nil when none did, and a VPN connection carries it (VgwTunnel).
func DxVirtualInterfaceTo(n *model.Network, vpc, vgw string, dst netip.Prefix) *model.DxVirtualInterface {
	for _, v := range n.DxVirtualInterfacesOf(vpc) {
		if v.Gateway == vgw && slices.ContainsFunc(v.Learned, func(r model.BgpRoute) bool { return r.Prefix.Overlaps(dst) }) {
			return v
		}
	}
	return nil
}
