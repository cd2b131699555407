package plan

import (
	"crypto/sha256"
	"net"
	"net/netip"
	"slices"

	"vpcd/internal/model"
)

// The overlay carries a VPC's traffic between the hosts that carry it (vpcd agent): each
// host's router of the VPC has a VXLAN link, OverlayLink, whose VNI is the VPC's, and the
// routes to the VPC's interfaces placed on other hosts go into it. Nothing is learned by
// flooding: the link does not learn, and its forwarding entries (the other hosts'
// routers' MACs at their underlay addresses) and neighbours (each remote interface
// address at the MAC of its host's router) come from the store. A packet between two
// hosts goes router to router: the sending host's router applies the sender's security
// group egress gate and its subnet's egress ACL, the receiving host's router the
// receiver's ingress gate and its subnet's ingress ACL.
//
// One VNI per VPC, not per subnet: a VPC's router routes between all its subnets, so
// the hosts' routers of one VPC form one layer-2 segment of routers, never of instances;
// a VNI per subnet would give each router one VXLAN link per subnet for nothing but
// more forwarding entries, and it would not isolate more, since the routers filter.

// OverlayLink is the VXLAN link of a VPC's router on a host of several.
const OverlayLink = "vx"

// VXLANPort is the UDP port of the overlay, IANA's for VXLAN.
const VXLANPort = 4789

// vxlanOverhead is what VXLAN over IPv4 adds to a frame: outer IPv4, UDP, VXLAN headers
// and the inner Ethernet header.
const vxlanOverhead = 50

// VXLAN is a VXLAN link's tunnel: its VNI, its local underlay address, and the static
// forwarding entries and neighbours of its peers.
type VXLAN struct {
	VNI   uint32
	Local netip.Addr
	// FDB sends each remote router's MAC to its host's underlay address.
	FDB []FDBEntry
	// Neighbours resolve each remote interface address to its host's router's MAC.
	Neighbours []Neighbour
}

// FDBEntry is one static forwarding entry of a VXLAN link.
type FDBEntry struct {
	MAC string
	Dst netip.Addr
}

// Neighbour is one permanent neighbour entry.
type Neighbour struct {
	Addr netip.Addr
	MAC  string
}

// VNI is the VPC's VXLAN network identifier: the one allocated in the store when it was
// created (model.VPC.VNI), or for a VPC stored before, 24 bits from a hash of its ID.
func VNI(n *model.Network, vpc string) uint32 {
	if v := n.VPCs[vpc]; v != nil && v.VNI != 0 {
		return v.VNI
	}
	return hashVNI(vpc)
}

// hashVNI derives a VNI from a VPC ID; two VPCs whose hashes collide share it.
func hashVNI(vpc string) uint32 {
	h := sha256.Sum256([]byte(vpc))
	v := uint32(h[0])<<16 | uint32(h[1])<<8 | uint32(h[2])
	if v == 0 {
		v = 1
	}
	return v
}

// routerMAC is the MAC of a VPC's router's overlay link on a host: locally administered,
// the same wherever it is computed.
func routerMAC(vpc, host string) string {
	h := sha256.Sum256([]byte(vpc + "/" + host))
	h[0] = h[0]&0xfe | 0x02
	return net.HardwareAddr(h[:6]).String()
}

// OverlayMTU is the MTU of the overlay link over an underlay of that MTU (1500 when 0).
func OverlayMTU(underlay int) int {
	if underlay == 0 {
		underlay = 1500
	}
	return underlay - vxlanOverhead
}

// InstanceMTU is the MTU of the interfaces on a host of several: 1500, less what VXLAN
// adds when the underlay is not large enough to carry 1500-byte packets (1450 on a
// 1500-byte underlay).
func InstanceMTU(underlay int) int { return min(1500, OverlayMTU(underlay)) }

// overlay gives the router of a VPC on this host its overlay link, and re-points the
// routes to the interfaces placed on other live hosts into it; elsewhere tells which of
// the router's links lead to namespaces on other hosts. Interfaces whose host is not
// live (or has no underlay address) stay unreachable, their links dropped.
func (h Host) overlay(n *model.Network, router *Namespace, vpc string, elsewhere func(string) bool) {
	if !h.Underlay[h.ID].IsValid() {
		return
	}
	remote := map[string]*model.Interface{} // by router link
	for _, eni := range n.Interfaces {
		if eni.VPC != vpc || eni.Instance == "" {
			continue
		}
		if inst := n.Instances[eni.Instance]; inst != nil && !h.Carries(inst) && h.Underlay[inst.Host].IsValid() {
			remote[eniLink(eni.ID)] = eni
		}
	}
	vx := &VXLAN{VNI: VNI(n, vpc), Local: h.Underlay[h.ID]}
	hostsUsed := map[string]bool{}
	for _, l := range router.Links {
		eni := remote[l.Name]
		if eni == nil || !elsewhere(l.Peer.Namespace) {
			continue
		}
		host := n.Instances[eni.Instance].Host
		hostsUsed[host] = true
		for _, a := range eni.Addrs() {
			vx.Neighbours = append(vx.Neighbours, Neighbour{Addr: a, MAC: routerMAC(vpc, host)})
		}
		if fw := router.Firewall; fw != nil {
			for i := range fw.Subnets {
				if fw.Subnets[i].Name == eni.Subnet {
					fw.Subnets[i].Remote = append(fw.Subnets[i].Remote, eni.Addrs()...)
				}
			}
		}
		for i := range router.Routes {
			if router.Routes[i].Dev == l.Name {
				router.Routes[i].Dev = OverlayLink
			}
		}
	}
	for _, host := range model.SortedKeys(hostsUsed) {
		vx.FDB = append(vx.FDB, FDBEntry{MAC: routerMAC(vpc, host), Dst: h.Underlay[host]})
	}
	slices.SortFunc(vx.Neighbours, func(a, b Neighbour) int { return a.Addr.Compare(b.Addr) })
	if fw := router.Firewall; fw != nil {
		for i := range fw.Subnets {
			slices.SortFunc(fw.Subnets[i].Remote, netip.Addr.Compare)
		}
	}
	router.Links = append(router.Links, Link{Name: OverlayLink, Kind: "vxlan", MAC: routerMAC(vpc, h.ID),
		MTU: OverlayMTU(h.UnderlayMTU), VXLAN: vx, Sysctls: map[string]string{"rp_filter": "0"}})
}

// overlayMTU sets the MTU of the links between the router and the namespaces of its
// interfaces on this host, both ends, to what the overlay carries.
func (h Host) overlayMTU(vp *vpcPlan, router string) {
	mtu := InstanceMTU(h.UnderlayMTU)
	if mtu == 1500 {
		return
	}
	here := map[string]bool{}
	for _, ns := range vp.namespaces {
		here[ns.Name] = ns.Name != router
	}
	for i := range vp.namespaces {
		ns := &vp.namespaces[i]
		for j := range ns.Links {
			l := &ns.Links[j]
			if l.Kind != "veth" {
				continue
			}
			if (ns.Name == router && here[l.Peer.Namespace]) || (ns.Name != router && l.Peer.Namespace == router) {
				l.MTU = mtu
			}
		}
	}
}
