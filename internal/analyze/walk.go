package analyze

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"vpcd/internal/model"
	"vpcd/internal/nat64"
	"vpcd/internal/plan"
)

// entry is how a packet comes into a VPC's router: sent by an interface, in from the
// internet through the VPC's gateway, over a peering, from a regional NAT gateway, or out
// of a VPN tunnel of the VPC's virtual private gateway.
type entry struct {
	vpc string
	eni *model.Interface
	igw string
	pcx string
	nat string // a regional NAT gateway
	vgw string
	tgw string // the transit gateway attachment it came in by
}

// target is where the router sends a packet: an interface (an instance's, an appliance's
// or a NAT gateway's), the internet gateway, a peering, a regional NAT gateway, the
// service of a gateway endpoint, or a VPN tunnel of a virtual private gateway.
type target struct {
	kind string // "eni", "igw", "pcx", "rnat", "vpce", "vgw", "tgw"
	id   string
	eni  *model.Interface
	att  string // the VPC's attachment to a "tgw" target
	// The VPN connection and its tunnel that a "vgw" target sends into.
	vpn    *model.VpnConnection
	tunnel int
	// Or the Direct Connect virtual interface (vpn nil).
	vif *model.DxVirtualInterface
}

func (t *tracer) fromInterface(p Packet, e *model.Interface) arrival {
	return t.walk(p, entry{vpc: e.VPC, eni: e})
}

// fromInternet follows a packet from the internet: the internet routes a public address
// to the VPC whose interface has it, through that VPC's gateway (for IPv6, the one
// model.IPv6Entry names, which may be an egress-only internet gateway).
func (t *tracer) fromInternet(p Packet, igw string) arrival {
	if g := t.ix.regional[p.Dst]; g != nil && t.ix.igw[g.VPC] == igw {
		return t.walk(p, entry{vpc: g.VPC, igw: igw})
	}
	e := t.ix.public[p.Dst]
	if e == nil || t.ix.gatewayFor(e.VPC, p.Dst) != igw {
		t.block(Explanation{Code: CodeNoPublicAddress, Kind: KindInternet, ID: igw, Address: p.Dst,
			Message: fmt.Sprintf("no interface behind %s has the public address %s", igw, p.Dst)})
		return arrival{}
	}
	return t.walk(p, entry{vpc: e.VPC, igw: igw})
}

// fromVgw follows a packet from the customer's network out of a VPN tunnel of the
// virtual private gateway into the VPC it is attached to; nothing comes out of a gateway
// with no tunnel up (plan: a tunnel's link exists only while its daemon runs; what comes
// out of it is delivered to the VPC's own interfaces only).
func (t *tracer) fromVgw(p Packet, vgw string) arrival {
	g := t.ix.n.VpnGateways[vgw]
	if g == nil || g.VPC == "" {
		t.block(Explanation{Code: CodeBadState, Kind: KindVPNGateway, ID: vgw, Message: vgw + " is not attached to a VPC"})
		return arrival{}
	}
	up := slices.ContainsFunc(t.ix.n.VpnConnectionsOf(g.VPC), func(c *model.VpnConnection) bool { return c.PreferredTunnel() >= 0 }) ||
		slices.ContainsFunc(t.ix.n.DxVirtualInterfacesOf(g.VPC), (*model.DxVirtualInterface).Up)
	if !up {
		t.block(Explanation{Code: CodeBadState, Kind: KindVPNGateway, ID: vgw, VPC: g.VPC, Message: "no tunnel of " + vgw + "'s VPN connections is up"})
		return arrival{}
	}
	t.hop(Hop{Kind: KindVPNGateway, ID: vgw, VPC: g.VPC, Header: p})
	return t.walk(p, entry{vpc: g.VPC, vgw: vgw})
}

// gatewayFor is the gateway through which the internet reaches an address of the VPC:
// its internet gateway for a public IPv4 address, model.IPv6Entry's for IPv6.
func (ix *Index) gatewayFor(vpc string, a netip.Addr) string {
	if a.Is6() {
		return ix.entry6[vpc]
	}
	return ix.igw[vpc]
}

// translated is the hop of a gateway: with the header after it when it changed one.
func translated(h Hop, q Packet) Hop {
	if q != h.Header {
		h.Translated = &q
	}
	return h
}

// walk follows a packet through VPC routers until it is delivered to an interface that
// has its destination, leaves for the internet, or is dropped.
func (t *tracer) walk(p Packet, in entry) arrival {
	n := t.ix.n
	for range maxHops {
		vpc := n.VPCs[in.vpc]
		if vpc == nil {
			t.block(Explanation{Code: CodeBadState, Kind: "vpc", ID: in.vpc, Message: "the VPC does not exist"})
			return arrival{}
		}
		var out target
		switch {
		case in.eni != nil:
			e := in.eni
			if e.SourceDestCheck && !e.Owns(p.Src) {
				t.block(Explanation{Code: CodeSourceDestCheck, Kind: KindInterface, ID: e.ID, VPC: e.VPC, Subnet: e.Subnet, Direction: "egress", Address: p.Src,
					Message: fmt.Sprintf("%s sends from %s, which is not its own, with source/destination check on", e.ID, p.Src)})
			}
			// A load balancer's node translates in the router, before its routes
			// (loadbalancer.go).
			if t.reply {
				p = t.lbReply(p, in.vpc)
			} else if q, ok := t.loadBalancer(p, in.vpc); ok {
				if !q.Dst.IsValid() {
					return arrival{}
				}
				p = q
			}
			var rh *Hop
			out, rh = t.route(p, e)
			if out.kind == "" {
				if rh != nil {
					t.hop(*rh)
				}
				return arrival{}
			}
			// In the order AWS lists a path: the sender's group, its subnet's ACL, the
			// route, then the receiving side.
			if !t.reply {
				t.gates(p, in, target{})
			}
			t.acls(p, vpc, in, out, true)
			t.hop(*rh)
		case in.nat != "":
			// What a regional NAT gateway sends is routed by its own route table.
			rt := n.RouteTables[n.NatGateways[in.nat].RouteTable]
			if rt == nil {
				t.block(Explanation{Code: CodeNoRoute, Kind: "nat-gateway", ID: in.nat, VPC: in.vpc, Address: p.Dst, Message: in.nat + " has no route table"})
				return arrival{}
			}
			var rh *Hop
			out, rh = t.routeBy(p, rt, "", in.vpc)
			t.hop(*rh)
			if out.kind == "" {
				return arrival{}
			}
		case in.igw != "" && t.ix.regional[p.Dst] != nil && t.ix.regional[p.Dst].VPC == in.vpc:
			// A regional NAT gateway's public address: the internet gateway routes it to
			// the gateway as it is.
			t.hop(Hop{Kind: KindInternet, ID: in.igw, VPC: in.vpc, Header: p})
			out = target{kind: "rnat", id: t.ix.regional[p.Dst].ID}
		case in.igw != "":
			e := t.ix.public[p.Dst]
			priv := privateOf(e, p.Dst)
			if e == nil || e.VPC != in.vpc || !priv.IsValid() {
				t.block(Explanation{Code: CodeNoPublicAddress, Kind: KindInternet, ID: in.igw, VPC: in.vpc, Address: p.Dst,
					Message: fmt.Sprintf("%s has no interface with the public address %s", in.igw, p.Dst)})
				return arrival{}
			}
			q := p
			q.Dst = priv
			t.hop(translated(Hop{Kind: KindInternet, ID: in.igw, VPC: in.vpc, Header: p}, q))
			if _, egressOnly := t.ix.n.InternetTarget(in.vpc, in.igw); egressOnly && !t.reply {
				t.block(Explanation{Code: CodeEgressOnly, Kind: KindInternet, ID: in.igw, VPC: in.vpc, Address: p.Src,
					Message: fmt.Sprintf("%s lets in only the replies of flows that went out through it", in.igw)})
				return arrival{}
			}
			if !t.publicAccess(e, in.igw, true) {
				return arrival{}
			}
			p = q
			out = t.local(p, in)
		case in.pcx != "":
			other := t.ix.peerings[in.pcx].Other(in.vpc)
			if t.ix.byAddr[other][p.Src] == nil {
				t.block(Explanation{Code: CodeNoTransit, Kind: "vpc-peering-connection", ID: in.pcx, VPC: in.vpc, Address: p.Src,
					Message: fmt.Sprintf("%s carries only addresses of %s's interfaces, not %s", in.pcx, other, p.Src)})
				return arrival{}
			}
			out = t.local(p, in)
		case in.vgw != "", in.tgw != "":
			// What comes out of a tunnel or a transit gateway is delivered to the VPC's
			// own interfaces only (plan: the link looks up the local table).
			out = t.local(p, in)
		}
		if out.kind == "" {
			return arrival{}
		}
		t.acls(p, vpc, in, out, false)
		if !t.reply {
			t.gates(p, entry{}, out)
		}
		switch out.kind {
		case "igw":
			e := t.ix.byAddr[in.vpc][p.Src]
			var pub netip.Addr
			// A regional NAT gateway's public addresses leave as they are.
			regional := in.nat != "" && t.ix.regional[p.Src] != nil && t.ix.regional[p.Src].ID == in.nat
			switch {
			case regional:
				pub = p.Src
			case e != nil:
				_, egressOnly := t.ix.n.InternetTarget(in.vpc, out.id)
				pub, _ = t.ix.n.InternetSource(e, p.Src, egressOnly)
			}
			if !regional && (!pub.IsValid() || t.ix.public[pub] != e) {
				t.block(Explanation{Code: CodeNoPublicAddress, Kind: KindInternet, ID: out.id, VPC: in.vpc, Address: p.Src,
					Message: fmt.Sprintf("%s has no public address for %s: the internet gateway drops what it sends", out.id, p.Src)})
				return arrival{}
			}
			if !regional && !t.publicAccess(e, out.id, false) {
				return arrival{}
			}
			q := p
			q.Src = pub
			t.hop(translated(Hop{Kind: KindInternet, ID: out.id, VPC: in.vpc, Header: p}, q))
			// The internet delivers a public address of this host to its VPC's gateway.
			if d := t.ix.public[q.Dst]; d != nil {
				p, in = q, entry{vpc: d.VPC, igw: t.ix.gatewayFor(d.VPC, q.Dst)}
				continue
			}
			return arrival{kind: KindInternet, id: out.id, pkt: q}
		case "rnat":
			g := t.ix.n.NatGateways[out.id]
			if out.id == t.stopAt {
				t.hop(Hop{Kind: "nat-gateway", ID: out.id, VPC: in.vpc, Header: p})
				return arrival{kind: "nat-gateway", id: out.id, vpc: in.vpc, pkt: p}
			}
			q, ok := t.regionalNat(p, g)
			if !ok {
				return arrival{}
			}
			p, in = q, entry{vpc: g.VPC, nat: g.ID}
			continue
		case "vpce":
			// The service behind the gateway endpoint has the address: the path ends
			// there, and the answer comes back from it to the sender (in.eni).
			t.hop(Hop{Kind: KindVPCEndpoint, ID: out.id, VPC: in.vpc, Header: p})
			return arrival{kind: KindVPCEndpoint, id: out.id, vpc: in.vpc, eni: in.eni, pkt: p}
		case "vgw":
			// The tunnel carries the packet to the customer's network, which has the
			// address: the path ends at the gateway, and the answer comes back out of the
			// tunnel into the VPC.
			t.hop(Hop{Kind: KindVPNGateway, ID: out.id, VPC: in.vpc, Header: p})
			if out.vif != nil {
				t.hop(Hop{Kind: KindDxVirtualInterface, ID: out.vif.ID, VPC: in.vpc, Header: p})
			} else {
				t.hop(Hop{Kind: KindVPNConnection, ID: out.vpn.ID, VPC: in.vpc, Tunnel: out.vpn.Tunnels[out.tunnel].OutsideIP, Header: p})
			}
			return arrival{kind: KindVPNGateway, id: out.id, vpc: in.vpc, eni: in.eni, pkt: p}
		case "tgw":
			next, end, ok := t.transitGateway(p, in.vpc, out)
			if !ok {
				return arrival{}
			}
			if end.kind != "" {
				// Into a VPN tunnel: the customer's network has the address, and the
				// answer comes back out of the tunnel into the gateway.
				end.eni = in.eni
				return end
			}
			in = next
			continue
		case "pcx":
			if out.id == t.stopAt {
				t.hop(Hop{Kind: "vpc-peering-connection", ID: out.id, VPC: in.vpc, Header: p})
				return arrival{kind: "vpc-peering-connection", id: out.id, vpc: in.vpc, pkt: p}
			}
			other := t.ix.peerings[out.id].Other(in.vpc)
			if t.ix.byAddr[other][p.Dst] == nil {
				t.block(Explanation{Code: CodeNoTransit, Kind: "vpc-peering-connection", ID: out.id, VPC: in.vpc, Address: p.Dst,
					Message: fmt.Sprintf("%s reaches only the interfaces of %s, and %s is none of them", out.id, other, p.Dst)})
				return arrival{}
			}
			t.hop(Hop{Kind: "vpc-peering-connection", ID: out.id, VPC: in.vpc, Header: p})
			in = entry{vpc: other, pcx: out.id}
			continue
		}
		o := out.eni
		if o.SourceDestCheck && !o.Owns(p.Dst) {
			t.block(Explanation{Code: CodeSourceDestCheck, Kind: KindInterface, ID: o.ID, VPC: o.VPC, Subnet: o.Subnet, Direction: "ingress", Address: p.Dst,
				Message: fmt.Sprintf("%s receives for %s, which is not its own, with source/destination check on", o.ID, p.Dst)})
		}
		if o.NatGateway != "" && o.NatGateway == t.stopAt {
			t.hop(Hop{Kind: "nat-gateway", ID: o.NatGateway, VPC: o.VPC, Subnet: o.Subnet, Header: p})
			return arrival{kind: "nat-gateway", id: o.NatGateway, eni: o, pkt: p}
		}
		if o.NatGateway != "" {
			q, ok := t.natGateway(p, o)
			if !ok {
				return arrival{}
			}
			p, in = q, entry{vpc: o.VPC, eni: o}
			continue
		}
		t.hop(Hop{Kind: KindInterface, ID: o.ID, VPC: o.VPC, Subnet: o.Subnet, Header: p})
		// An instance takes a packet for any of its addresses, whichever of its interfaces
		// it comes in on (the weak host model of its OS): it is the destination then, not
		// an appliance on the way.
		if own := t.ix.ownAddress(o, p.Dst); own != nil {
			return arrival{kind: KindInterface, id: own.ID, eni: own, pkt: p}
		}
		// An appliance (a firewall, a NAT instance) forwards what it receives for others,
		// by its own routes: out of the interface on the destination's subnet, else the
		// primary one.
		in = entry{vpc: o.VPC, eni: t.ix.applianceInterface(o, p.Dst)}
	}
	t.block(Explanation{Code: CodeRoutingLoop, Kind: "vpc", ID: in.vpc, Address: p.Dst,
		Message: fmt.Sprintf("the packet passed %d routers without arriving", maxHops)})
	return arrival{}
}

// natGateway follows a packet through a NAT gateway: a new flow from another address
// leaves from the gateway's address (its port kept when in 1024-65535), a reply to one
// of its flows goes back to the client; nothing else gets through.
//
// An IPv6 packet goes to the gateway's NAT64 (internal/nat64): one to 64:ff9b::/96 leaves
// as IPv4 to the address in the prefix's low 32 bits, from the gateway's address as its
// IPv4 flows do (ICMPv6 echo as ICMP echo), and its reply comes back as IPv6 from the
// address in the prefix; any other IPv6 destination is dropped in the gateway.
func (t *tracer) natGateway(p Packet, o *model.Interface) (Packet, bool) {
	addr := o.PrivateIPs[0]
	q := p
	switch {
	case p.Dst.Is6() && !t.reply && !nat64.WellKnownPrefix.Contains(p.Dst):
		t.block(Explanation{Code: CodeNAT64Prefix, Kind: "nat-gateway", ID: o.NatGateway, VPC: o.VPC, Subnet: o.Subnet, Address: p.Dst,
			Message: fmt.Sprintf("%s translates only IPv6 to %s (NAT64), and drops what goes to %s", o.NatGateway, nat64.WellKnownPrefix, p.Dst)})
		return p, false
	case p.Dst.Is6() && !t.reply && nat64.Pool.Contains(embedded4(p.Dst)):
		t.block(Explanation{Code: CodeNAT64Prefix, Kind: "nat-gateway", ID: o.NatGateway, VPC: o.VPC, Subnet: o.Subnet, Address: p.Dst,
			Message: fmt.Sprintf("%s's NAT64 does not translate to %s, an address of its own pool %s", o.NatGateway, embedded4(p.Dst), nat64.Pool)})
		return p, false
	case p.Dst == addr:
		ent, ok := t.nat[o.NatGateway]
		if !t.reply || !ok {
			t.block(Explanation{Code: CodeNatInbound, Kind: "nat-gateway", ID: o.NatGateway, VPC: o.VPC, Subnet: o.Subnet, Address: p.Src,
				Message: fmt.Sprintf("%s admits only the replies of flows it translated", o.NatGateway)})
			return p, false
		}
		q.Dst, q.DstPorts = ent.src, ent.ports
		if ent.src.Is6() {
			// Back through the NAT64: from the IPv4 source's address in the prefix.
			q.Src = nat64.Synthesize(p.Src)
			q.Protocol, q.ICMPType = translatedProtocol(p.Protocol, p.ICMPType)
		}
	case t.reply || slices.Contains(o.PrivateIPs, p.Src):
		t.block(Explanation{Code: CodeNatInbound, Kind: "nat-gateway", ID: o.NatGateway, VPC: o.VPC, Subnet: o.Subnet, Address: p.Src,
			Message: fmt.Sprintf("%s has no flow this packet belongs to", o.NatGateway)})
		return p, false
	default:
		t.nat[o.NatGateway] = natEntry{src: p.Src, ports: p.SrcPorts}
		q.Src = addr
		if p.Dst.Is6() {
			q.Dst = embedded4(p.Dst)
			q.Protocol, q.ICMPType = translatedProtocol(p.Protocol, p.ICMPType)
		}
		if p.Protocol == 6 || p.Protocol == 17 {
			if p.SrcPorts[0] < 1024 {
				q.SrcPorts = [2]int{1024, 65535}
			}
		}
	}
	t.hop(Hop{Kind: "nat-gateway", ID: o.NatGateway, VPC: o.VPC, Subnet: o.Subnet, Header: p, Translated: &q})
	return q, true
}

// embedded4 is the IPv4 address in the low 32 bits of an IPv6 one (RFC 6052's /96).
func embedded4(a netip.Addr) netip.Addr {
	b := a.As16()
	return netip.AddrFrom4([4]byte(b[12:]))
}

// translatedProtocol is the protocol and ICMP type of a packet after NAT64 (RFC 7915):
// ICMPv6 echo as ICMP echo and back; TCP and UDP as they are.
func translatedProtocol(protocol, icmpType int) (int, int) {
	switch {
	case protocol == 58 && icmpType == 128:
		return 1, 8
	case protocol == 58 && icmpType == 129:
		return 1, 0
	case protocol == 1 && icmpType == 8:
		return 58, 128
	case protocol == 1 && icmpType == 0:
		return 58, 129
	}
	return protocol, icmpType
}

// regionalNat follows a packet through a regional NAT gateway (plan's layout): a new flow
// leaves from the public address of its source's zone (the first zone's for a source in
// no zone's subnet), its port kept when in 1024-65535; a reply to one of its flows goes
// back to the client; nothing else gets through.
func (t *tracer) regionalNat(p Packet, g *model.NatGateway) (Packet, bool) {
	q := p
	switch {
	case t.ix.regional[p.Dst] == g:
		ent, ok := t.nat[g.ID]
		if !t.reply || !ok {
			t.block(Explanation{Code: CodeNatInbound, Kind: "nat-gateway", ID: g.ID, VPC: g.VPC, Address: p.Src,
				Message: fmt.Sprintf("%s admits only the replies of flows it translated", g.ID)})
			return p, false
		}
		q.Dst, q.DstPorts = ent.src, ent.ports
	case t.reply:
		t.block(Explanation{Code: CodeNatInbound, Kind: "nat-gateway", ID: g.ID, VPC: g.VPC, Address: p.Src,
			Message: fmt.Sprintf("%s has no flow this packet belongs to", g.ID)})
		return p, false
	default:
		pub := t.ix.zoneAddress(g, p.Src)
		if !pub.IsValid() {
			t.block(Explanation{Code: CodeNoPublicAddress, Kind: "nat-gateway", ID: g.ID, VPC: g.VPC, Address: p.Src,
				Message: fmt.Sprintf("%s has no public address to translate %s to", g.ID, p.Src)})
			return p, false
		}
		t.nat[g.ID] = natEntry{src: p.Src, ports: p.SrcPorts}
		q.Src = pub
		if (p.Protocol == 6 || p.Protocol == 17) && p.SrcPorts[0] < 1024 {
			q.SrcPorts = [2]int{1024, 65535}
		}
	}
	t.hop(Hop{Kind: "nat-gateway", ID: g.ID, VPC: g.VPC, Header: p, Translated: &q})
	return q, true
}

// zoneAddress is the public address a regional NAT gateway gives a flow from src: the
// first of the zone of src's subnet, else the gateway's first; invalid for none.
func (ix *Index) zoneAddress(g *model.NatGateway, src netip.Addr) netip.Addr {
	if len(g.Addresses) == 0 {
		return netip.Addr{}
	}
	for _, id := range model.SortedKeys(ix.n.Subnets) {
		if sn := ix.n.Subnets[id]; sn.VPC == g.VPC && sn.CIDR.Contains(src) {
			for _, a := range g.Addresses {
				if a.Zone == sn.Zone {
					return a.Public
				}
			}
		}
	}
	return g.Addresses[0].Public
}

// applianceInterface is the interface an instance forwards a packet out of.
func (ix *Index) applianceInterface(o *model.Interface, dst netip.Addr) *model.Interface {
	inst := ix.n.Instances[o.Instance]
	if inst == nil {
		return o
	}
	var primary *model.Interface
	for _, id := range inst.Interfaces {
		e := ix.n.Interfaces[id]
		if e == nil || !ix.n.Carried(e) {
			continue
		}
		if sn := ix.n.Subnets[e.Subnet]; sn != nil && (sn.CIDR.Contains(dst) || sn.IPv6CIDR.Contains(dst)) {
			return e
		}
		if e.DeviceIndex == 0 {
			primary = e
		}
	}
	if primary == nil {
		return o
	}
	return primary
}

// route is where the route table of the sender's subnet sends a packet. An address of
// an interface of the VPC that the table sends to local is delivered to it (a more
// specific route to a middlebox wins over local); anything else takes the longest prefix.
func (t *tracer) route(p Packet, e *model.Interface) (target, *Hop) {
	rt := t.ix.n.RouteTableOf(t.ix.n.Subnets[e.Subnet])
	if rt == nil {
		t.block(Explanation{Code: CodeNoRoute, Kind: "subnet", ID: e.Subnet, VPC: e.VPC, Address: p.Dst, Message: "the subnet has no route table"})
		return target{}, nil
	}
	return t.routeBy(p, rt, e.Subnet, e.VPC)
}

// routeBy is where a route table sends a packet from subnet (or from a regional NAT
// gateway, subnet ""), in vpc. Its routes are its own and those it takes from the virtual
// private gateways it propagates (plan.PropagatedRoutes, which leaves out those of a
// destination it has a route to or within the VPC): the longest prefix wins, and of one
// prefix, the table's own route.
func (t *tracer) routeBy(p Packet, rt *model.RouteTable, subnet, vpc string) (target, *Hop) {
	n := t.ix.n
	if d := t.ix.byAddr[vpc][p.Dst]; d != nil {
		if best, ok := rt.Lookup(p.Dst); ok && best.Target == "local" {
			return target{kind: "eni", id: d.ID, eni: d}, &Hop{Kind: "route-table", ID: rt.ID, VPC: rt.VPC, Subnet: subnet, Route: &best, Header: p}
		}
	}
	routes := n.EffectiveRoutes(rt)
	static := len(routes)
	propagated := plan.PropagatedRoutes(n, rt)
	for _, pr := range propagated {
		routes = append(routes, model.Route{Destination: pr.Dst, Target: pr.Gateway})
	}
	var best model.Route
	found, from := false, -1
	for i, r := range routes {
		if r.Destination.IsValid() && r.Destination.Contains(p.Dst) && (!found || r.Destination.Bits() > best.Destination.Bits()) {
			best, found, from = r, true, i
		}
	}
	if !found {
		t.block(Explanation{Code: CodeNoRoute, Kind: "route-table", ID: rt.ID, VPC: rt.VPC, Subnet: subnet, Address: p.Dst,
			Message: fmt.Sprintf("%s has no route to %s", rt.ID, p.Dst)})
		return target{}, &Hop{Kind: "route-table", ID: rt.ID, VPC: rt.VPC, Subnet: subnet, Header: p}
	}
	h := &Hop{Kind: "route-table", ID: rt.ID, VPC: rt.VPC, Subnet: subnet, Route: &best, Header: p}
	var out target
	var code, why string
	if from >= static {
		out, code, why = propagatedTarget(propagated[from-static])
	} else {
		out, code, why = t.resolveTarget(rt, best)
	}
	if out.kind == "" {
		t.block(Explanation{Code: code, Kind: "route-table", ID: rt.ID, VPC: rt.VPC, Subnet: subnet, Route: &best, Address: p.Dst, Message: why})
	}
	return out, h
}

// resolveTarget is what a route's target is now, as plan.targetRoute lays it out, or the
// code and reason it drops the packet. A target without anything of the route's address
// family (IPv4 to an egress-only gateway, IPv6 to a NAT gateway without NAT64 or to an
// interface without an IPv6 address) drops it, as the plan has no next hop for it; so do
// A transit gateway's route leads into the VPC's attachment to it. A gateway endpoint's
// route leads to its service; a virtual private gateway's to the tunnel plan.VgwTunnel
// picks.
func (t *tracer) resolveTarget(rt *model.RouteTable, r model.Route) (target, string, string) {
	n := t.ix.n
	is6 := r.Destination.Addr().Is6()
	switch id := r.Target; {
	case id == "local":
		return target{}, CodeNoRoute, fmt.Sprintf("no interface of %s has the address", rt.VPC)
	case strings.HasPrefix(id, "igw-"):
		g := n.InternetGateways[id]
		if g == nil {
			return target{}, CodeBlackhole, id + " does not exist"
		}
		if g.VPC != rt.VPC {
			return target{}, CodeIGWNotAttached, id + " is not attached to " + rt.VPC
		}
		return target{kind: "igw", id: id}, "", ""
	case strings.HasPrefix(id, "eigw-"):
		if ok, _ := n.InternetTarget(rt.VPC, id); !ok {
			return target{}, CodeBlackhole, id + " is not an egress-only internet gateway of " + rt.VPC
		}
		if !is6 {
			return target{}, CodeBlackhole, id + " carries IPv6 only"
		}
		return target{kind: "igw", id: id}, "", ""
	case strings.HasPrefix(id, "eni-"):
		e := n.Interfaces[id]
		if e == nil || e.VPC != rt.VPC || !e.FirstAddr(is6).IsValid() {
			return target{}, CodeBlackhole, id + " does not exist in " + rt.VPC + " or has no address of the destination's family"
		}
		if !n.Carried(e) {
			return target{}, CodeBadState, id + " is not attached to a running instance"
		}
		return target{kind: "eni", id: id, eni: e}, "", ""
	case strings.HasPrefix(id, "i-"):
		inst := n.Instances[id]
		if inst == nil || len(inst.Interfaces) == 0 {
			return target{}, CodeBlackhole, id + " does not exist"
		}
		if !inst.Running {
			return target{}, CodeBadState, id + " is not running"
		}
		if e := n.Interfaces[inst.Interfaces[0]]; e != nil && e.FirstAddr(is6).IsValid() {
			return target{kind: "eni", id: e.ID, eni: e}, "", ""
		}
		return target{}, CodeBlackhole, id + " has no interface with an address of the destination's family"
	case strings.HasPrefix(id, "nat-"):
		g := n.NatGateways[id]
		if g == nil {
			return target{}, CodeBadState, id + " is not available"
		}
		if g.Regional && g.VPC == rt.VPC && !is6 {
			return target{kind: "rnat", id: id}, "", ""
		}
		if g.Regional {
			return target{}, CodeBlackhole, id + " is not in " + rt.VPC + " or the destination is IPv6, which a regional NAT gateway does not translate"
		}
		e := n.Interfaces[g.Interface]
		if g.VPC != rt.VPC || e == nil || len(e.PrivateIPs) == 0 || n.Subnets[e.Subnet] == nil {
			return target{}, CodeBlackhole, id + " is not in " + rt.VPC
		}
		if is6 && !plan.NatGatewayNAT64(n, id) {
			return target{}, CodeBlackhole, id + " has no NAT64 for IPv6: " + g.VPC + " has no IPv6 block"
		}
		return target{kind: "eni", id: e.ID, eni: e}, "", ""
	case strings.HasPrefix(id, "pcx-"):
		if p := t.ix.peerings[id]; p != nil && p.Other(rt.VPC) != "" {
			return target{kind: "pcx", id: id}, "", ""
		}
		return target{}, CodeBlackhole, id + " is not an active peering of " + rt.VPC + " with running interfaces on both sides"
	case strings.HasPrefix(id, "vgw-"):
		if g := n.VpnGateways[id]; g == nil || g.VPC != rt.VPC {
			return target{}, CodeBlackhole, id + " is not a virtual private gateway attached to " + rt.VPC
		}
		if is6 {
			return target{}, CodeBlackhole, id + "'s VPN connections carry IPv4 only"
		}
		if v := plan.DxVirtualInterfaceTo(n, rt.VPC, id, r.Destination); v != nil {
			return target{kind: "vgw", id: id, vif: v}, "", ""
		}
		c, i, ok := plan.VgwTunnel(n, rt.VPC, id, r.Destination)
		if !ok {
			return target{}, CodeBlackhole, "no tunnel of " + id + "'s VPN connections is up"
		}
		return target{kind: "vgw", id: id, vpn: c, tunnel: i}, "", ""
	case strings.HasPrefix(id, "vpce-") && r.DestinationPrefixList != "" && !is6:
		// A gateway endpoint: the router delivers its service's prefixes to the service
		// (plan: RouteLocal), as AWS hands them to S3 or DynamoDB.
		return target{kind: "vpce", id: id}, "", ""
	case model.IsTransitGateway(id):
		return transitGatewayTarget(n, rt.VPC, id, is6)
	case strings.HasPrefix(id, "vpce-"):
		return target{}, CodeBlackhole, id + " is a VPC endpoint: only the IPv4 prefix list of a gateway endpoint's service leads to it"
	}
	return target{}, CodeBlackhole, r.Target + " does not carry traffic here"
}

// propagatedTarget is where a route propagated from a virtual private gateway sends a
// packet: over the Direct Connect virtual interface that learned it, into the preferred
// tunnel of the connection whose static route it is, or nowhere while neither of its
// tunnels is up.
func propagatedTarget(pr plan.PropagatedRoute) (target, string, string) {
	if pr.Vif != nil {
		return target{kind: "vgw", id: pr.Gateway, vif: pr.Vif}, "", ""
	}
	if pr.Tunnel < 0 {
		return target{}, CodeBlackhole, "no tunnel of " + pr.Gateway + "'s VPN connection " + pr.Connection.ID + ", whose route the table propagates, is up"
	}
	return target{kind: "vgw", id: pr.Gateway, vpn: pr.Connection, tunnel: pr.Tunnel}, "", ""
}

// local is where what comes in from a gateway or a peering goes: only to the VPC's own
// interfaces, never on (no transit).
func (t *tracer) local(p Packet, in entry) target {
	d := t.ix.byAddr[in.vpc][p.Dst]
	if d == nil {
		id, kind := in.igw, KindInternet
		switch {
		case in.pcx != "":
			id, kind = in.pcx, "vpc-peering-connection"
		case in.vgw != "":
			id, kind = in.vgw, KindVPNGateway
		case in.tgw != "":
			id, kind = in.tgw, KindTransitGatewayAttachment
		}
		t.block(Explanation{Code: CodeNoTransit, Kind: kind, ID: id, VPC: in.vpc, Address: p.Dst,
			Message: fmt.Sprintf("what comes in through %s reaches only the interfaces of %s, and %s is none of them", id, in.vpc, p.Dst)})
		return target{}
	}
	return target{kind: "eni", id: d.ID, eni: d}
}

// acls checks the network ACLs a packet crosses in a router: the egress ACL of the subnet
// it leaves and the ingress ACL of the subnet it enters, none between two links of one
// subnet, none for the VPC's DNS server or the metadata service.
//
// The two halves are checked apart so that the path lists them on each side of the route:
// egress says which half this call checks, with out only telling whether the packet
// stays in the subnet.
func (t *tracer) acls(p Packet, vpc *model.VPC, in entry, out target, egress bool) {
	var from, to string
	if in.eni != nil {
		from = in.eni.Subnet
	}
	if out.eni != nil {
		to = out.eni.Subnet
	}
	if from == to {
		return
	}
	for _, a := range vpc.ACLExempt() {
		if p.Src == a || p.Dst == a {
			return
		}
	}
	if egress && from != "" {
		t.acl(p, from, true, p.Dst)
	}
	if !egress && to != "" {
		t.acl(p, to, false, p.Src)
	}
}

func (t *tracer) acl(p Packet, subnet string, egress bool, peer netip.Addr) {
	acl := t.ix.aclOf[subnet]
	if acl == nil {
		return
	}
	allow, rule := aclVerdict(acl, egress, p, peer)
	h := Hop{Kind: "network-acl", ID: acl.ID, VPC: acl.VPC, Subnet: subnet, Direction: direction(egress), ACLRule: rule, Header: p}
	t.hop(h)
	if !allow {
		t.block(Explanation{Code: CodeACL, Kind: "network-acl", ID: acl.ID, VPC: acl.VPC, Subnet: subnet, Direction: direction(egress), ACLRule: rule, Address: peer,
			Message: fmt.Sprintf("%s of %s denies %s %s", acl.ID, subnet, direction(egress), p)})
	}
}

// aclVerdict evaluates an ACL for a packet whose destination ports may be a range (the
// client's side of a reply): it allows only when it allows every port of the range, and
// names the rule that decided (the denying one, if any). The verdict changes only where a
// rule's range begins or ends, so those ports are enough to try.
func aclVerdict(acl *model.NetworkACL, egress bool, p Packet, peer netip.Addr) (bool, *model.ACLEntry) {
	mp := model.Packet{Protocol: p.Protocol, ICMPType: p.ICMPType, ICMPCode: p.ICMPCode, Peer: peer}
	ports := []int{0}
	rules := acl.Ordered(egress)
	if p.Protocol == 6 || p.Protocol == 17 {
		lo, hi := p.DstPorts[0], p.DstPorts[1]
		ports = []int{lo}
		for _, e := range rules {
			for _, b := range []int{e.FromPort, e.ToPort + 1} {
				if b > lo && b <= hi {
					ports = append(ports, b)
				}
			}
		}
	}
	var decided *model.ACLEntry
	for _, port := range ports {
		mp.Port = port
		var rule *model.ACLEntry
		for i := range rules {
			if rules[i].Matches(mp) {
				rule = &rules[i]
				break
			}
		}
		if rule == nil {
			return false, &model.ACLEntry{Number: model.ACLDefaultRule, Egress: egress, Protocol: -1, FromPort: -1, ToPort: -1}
		}
		if !rule.Allow {
			return false, rule
		}
		if decided == nil {
			decided = rule
		}
	}
	return true, decided
}

// gates checks the security groups of a new flow: the egress gate of the interface that
// sends it and the ingress gate of the one that receives it. A NAT gateway, the internet
// gateway and a peering have none.
func (t *tracer) gates(p Packet, in entry, out target) {
	if e := in.eni; e != nil && e.NatGateway == "" {
		t.gate(p, e, true, p.Dst)
	}
	if o := out.eni; o != nil && o.NatGateway == "" {
		t.gate(p, o, false, t.lbPeer(p, o))
	}
}

func (t *tracer) gate(p Packet, e *model.Interface, egress bool, peer netip.Addr) {
	n := t.ix.n
	mp := model.Packet{Protocol: p.Protocol, Port: p.DstPorts[0], ICMPType: p.ICMPType, ICMPCode: p.ICMPCode, Peer: peer}
	for _, gid := range e.Groups {
		g := n.SecurityGroups[gid]
		if g == nil {
			continue
		}
		for i := range g.Rules {
			r := g.Rules[i]
			if r.Egress == egress && n.MatchesIn(r, mp, t.ix.groups) {
				t.hop(Hop{Kind: "security-group", ID: gid, VPC: e.VPC, Subnet: e.Subnet, Direction: direction(egress), SGRule: &r, Header: p})
				return
			}
		}
	}
	t.block(Explanation{Code: CodeSecurityGroup, Kind: KindInterface, ID: e.ID, VPC: e.VPC, Subnet: e.Subnet, Direction: direction(egress),
		Groups: e.Groups, Address: peer, Message: fmt.Sprintf("no %s rule of %v on %s allows %s", direction(egress), e.Groups, e.ID, p)})
}

// privateOf is the private address an interface maps a public one to; an IPv6 address
// of the interface is its own public address.
func privateOf(e *model.Interface, pub netip.Addr) netip.Addr {
	if e == nil {
		return netip.Addr{}
	}
	if pub.Is6() && e.Owns(pub) {
		return pub
	}
	for _, m := range e.PublicMappings() {
		if m.Public == pub {
			return m.Private
		}
	}
	return netip.Addr{}
}

// publicOf is the public address of an interface's private one; an IPv6 address is its
// own.
func publicOf(e *model.Interface, priv netip.Addr) netip.Addr {
	if e == nil {
		return netip.Addr{}
	}
	if priv.Is6() && e.Owns(priv) {
		return priv
	}
	for _, m := range e.PublicMappings() {
		if m.Private == priv {
			return m.Public
		}
	}
	return netip.Addr{}
}

// publicAccess checks VPC Block Public Access for a packet of interface e through a
// gateway, coming in from the internet or going out to it. What the flow needs depends on
// who opened it: a packet in needs the subnet's inbound access unless it answers a flow
// the interface opened (then its outbound access), and the other way round.
func (t *tracer) publicAccess(e *model.Interface, gateway string, inbound bool) bool {
	n := t.ix.n
	via := model.ViaInternetGateway
	if _, egressOnly := n.InternetTarget(e.VPC, gateway); egressOnly {
		via = model.ViaEgressOnlyGateway
	} else if e.NatGateway != "" {
		via = model.ViaNatGateway
	}
	out, in := n.PublicAccess(e.Subnet, via)
	openedOutside := inbound != t.reply
	if (openedOutside && in) || (!openedOutside && out) {
		return true
	}
	dir := "to"
	if openedOutside {
		dir = "from"
	}
	t.block(Explanation{Code: CodeBlockPublicAccess, Kind: KindInternet, ID: gateway, VPC: e.VPC, Subnet: e.Subnet,
		Message: fmt.Sprintf("VPC Block Public Access blocks connections %s the internet for %s through %s", dir, e.Subnet, gateway)})
	return false
}

// fromEndpoint is the answer of a gateway endpoint's service to the interface that asked
// (end.eni): the router sends it straight back, past the ingress ACL of the interface's
// subnet (the sender's groups let answers in, as connection tracking does).
func (t *tracer) fromEndpoint(p Packet, end arrival) arrival {
	e := end.eni
	if e == nil {
		return arrival{}
	}
	t.hop(Hop{Kind: KindVPCEndpoint, ID: end.id, VPC: end.vpc, Header: p})
	t.acl(p, e.Subnet, false, p.Src)
	t.hop(Hop{Kind: KindInterface, ID: e.ID, VPC: e.VPC, Subnet: e.Subnet, Header: p})
	return arrival{kind: KindInterface, id: e.ID, eni: e, pkt: p}
}
