package model

// BlockPublicAccess is VPC Block Public Access (BPA) as AWS documents it ("Block public
// access to VPCs and subnets"): an account blocks, per region, the traffic of its VPCs
// through internet gateways and egress-only internet gateways, except for the VPCs and
// subnets it excludes.
type BlockPublicAccess struct {
	// Modes are the accounts' modes by "account/region": BPABidirectional or
	// BPAIngress; absent when off.
	Modes map[string]string
	// Exclusions are the excluded VPCs and subnets by ID: BPAAllowBidirectional or
	// BPAAllowEgress.
	Exclusions map[string]string
}

// AWS's names for the modes and the exclusion modes.
const (
	BPAOff                = "off"
	BPABidirectional      = "block-bidirectional"
	BPAIngress            = "block-ingress"
	BPAAllowBidirectional = "allow-bidirectional"
	BPAAllowEgress        = "allow-egress"
)

// Gateway kinds that BPA tells apart.
const (
	ViaInternetGateway   = "igw"  // an interface's own public address through the internet gateway
	ViaNatGateway        = "nat"  // a public NAT gateway's address through the internet gateway
	ViaEgressOnlyGateway = "eigw" // IPv6 through an egress-only internet gateway
)

// PublicAccess says what BPA lets through a gateway for a subnet: out, connections the
// subnet opens to the internet (their replies included); in, connections the internet
// opens to it. For a NAT gateway, the subnet is the NAT gateway's.
//
//   - off, or an allow-bidirectional exclusion of the subnet or its VPC: both.
//   - block-bidirectional: neither; an allow-egress exclusion lets out through.
//   - block-ingress: nothing in; out only through NAT gateways and egress-only internet
//     gateways, "because these gateways only allow outbound connections to be
//     established". An allow-egress exclusion applies only in bidirectional mode.
//
// A subnet's own exclusion comes before its VPC's.
func (n *Network) PublicAccess(subnet, via string) (out, in bool) {
	b := n.BlockPublicAccess
	sn := n.Subnets[subnet]
	if b == nil || sn == nil {
		return true, true
	}
	vpc := n.VPCs[sn.VPC]
	if vpc == nil {
		return true, true
	}
	mode := b.Modes[vpc.Owner+"/"+vpc.Region]
	if mode == "" || mode == BPAOff {
		return true, true
	}
	excl, ok := b.Exclusions[subnet]
	if !ok {
		excl = b.Exclusions[sn.VPC]
	}
	switch {
	case excl == BPAAllowBidirectional:
		return true, true
	case mode == BPABidirectional:
		return excl == BPAAllowEgress, false
	default: // block-ingress
		return via == ViaNatGateway || via == ViaEgressOnlyGateway, false
	}
}
