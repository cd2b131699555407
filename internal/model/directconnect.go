package model

import "net/netip"

// DxVirtualInterface is a private virtual interface of Direct Connect as the data plane
// carries it: a cross-connect between the virtual private gateway's side (the VPC's
// router) and the customer's router at the connection's location, with one eBGP session
// over the interface's addresses.
type DxVirtualInterface struct {
	ID            string
	Owner, Region string
	Connection    string
	Vlan          int32
	// Gateway is the virtual private gateway the interface reaches: its own, or the one
	// associated with its Direct Connect gateway.
	Gateway string
	// DxGateway is the Direct Connect gateway the interface is on; "": none.
	DxGateway string
	// The two ends: the Amazon side's ASN (the virtual private gateway's, or the Direct
	// Connect gateway's) and address, the customer's.
	AmazonSideAsn, CustomerAsn     int64
	AmazonAddress, CustomerAddress netip.Prefix
	AuthKey                        string
	// AllowedPrefixes are what the session advertises, for an interface on a Direct
	// Connect gateway: the association's allowed prefixes; nil, the VPC's CIDR blocks.
	AllowedPrefixes []netip.Prefix
	// Learned are the routes the customer advertises over the session, as the data plane
	// last reported them: nil while the session is not established.
	Learned []BgpRoute
}

// Up reports whether the interface's BGP session is established, as last reported.
func (v *DxVirtualInterface) Up() bool { return v.Learned != nil }

// DxVirtualInterfacesOf are the private virtual interfaces that reach the virtual private
// gateway attached to vpc, in ID order; none when no gateway is attached to it.
func (n *Network) DxVirtualInterfacesOf(vpc string) []*DxVirtualInterface {
	var out []*DxVirtualInterface
	for _, id := range SortedKeys(n.DxVirtualInterfaces) {
		v := n.DxVirtualInterfaces[id]
		if g := n.VpnGateways[v.Gateway]; g != nil && g.VPC == vpc && vpc != "" {
			out = append(out, v)
		}
	}
	return out
}
