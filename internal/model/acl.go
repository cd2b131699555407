package model

import (
	"net/netip"
	"sort"
)

// NetworkACL is a subnet firewall: stateless, ordered rules, checked where traffic enters
// a subnet (ingress) and where it leaves it (egress). Every subnet is in exactly one.
type NetworkACL struct {
	ID, VPC string
	Entries []ACLEntry // in any order; Allows goes by number
	Subnets []string   // associated subnets
}

// ACLEntry is one numbered rule of one direction. Protocol is the IANA number, -1 for
// all; for TCP and UDP, FromPort..ToPort bound the packet's destination port; for ICMP
// (1) and ICMPv6 (58) they are the type and the code, -1 for any. Any other protocol
// matches whatever its ports. CIDR is the peer: the destination of egress traffic, the
// source of ingress traffic.
type ACLEntry struct {
	Number           int
	Egress, Allow    bool
	Protocol         int
	CIDR             netip.Prefix
	FromPort, ToPort int
}

// ACLDefaultRule is the number of the final rule ("*") that denies what no rule matched.
const ACLDefaultRule = 32767

// Packet is what an ACL looks at: the protocol, the destination port (TCP, UDP) or the
// ICMP type and code, and the peer address (the destination when leaving the subnet, the
// source when entering it).
type Packet struct {
	Protocol           int
	Port               int
	ICMPType, ICMPCode int
	Peer               netip.Addr
}

// Allows evaluates the rules of one direction from the lowest number up: the first rule
// that matches decides. It returns the verdict and the number of the rule that decided
// (ACLDefaultRule, or the IPv6 "*" rule, when none did).
func (acl *NetworkACL) Allows(egress bool, p Packet) (bool, int) {
	for _, e := range acl.Ordered(egress) {
		if e.Matches(p) {
			return e.Allow, e.Number
		}
	}
	return false, ACLDefaultRule
}

// Ordered is the rules of one direction by number.
func (acl *NetworkACL) Ordered(egress bool) []ACLEntry {
	var out []ACLEntry
	for _, e := range acl.Entries {
		if e.Egress == egress {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// Matches reports whether a packet matches the rule, whatever its action.
func (e ACLEntry) Matches(p Packet) bool {
	peer := p.Peer.Unmap()
	if !e.CIDR.IsValid() || e.CIDR.Addr().Is4() != peer.Is4() || !e.CIDR.Contains(peer) {
		return false
	}
	switch e.Protocol {
	case -1:
		return true
	case 6, 17:
		return p.Protocol == e.Protocol && inRange(p.Port, e.FromPort, e.ToPort)
	case 1, 58:
		if p.Protocol != e.Protocol {
			return false
		}
		// ICMPv6 with an IPv4 block allows every type and code, as AWS documents.
		if e.Protocol == 58 && e.CIDR.Addr().Is4() {
			return true
		}
		return (e.FromPort == -1 || e.FromPort == p.ICMPType) && (e.ToPort == -1 || e.ToPort == p.ICMPCode)
	}
	return p.Protocol == e.Protocol
}

func inRange(v, from, to int) bool {
	if from == -1 && to == -1 {
		return true
	}
	return v >= from && v <= to
}

// ACLOf is the network ACL of a subnet, nil when the network has none for it.
func (n *Network) ACLOf(subnet string) *NetworkACL {
	for _, id := range SortedKeys(n.NetworkACLs) {
		acl := n.NetworkACLs[id]
		for _, s := range acl.Subnets {
			if s == subnet {
				return acl
			}
		}
	}
	return nil
}

// ACLExempt are the addresses that ACLs never filter in a VPC: the Amazon DNS server
// (the base of the VPC's primary block + 2) and the instance metadata service.
func (v *VPC) ACLExempt() []netip.Addr {
	if a := v.DNSServer(); a.IsValid() {
		return []netip.Addr{a, MetadataAddr}
	}
	return []netip.Addr{MetadataAddr}
}
