package linux

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"vpcd/internal/nat64"
	"vpcd/internal/plan"
)

// The ruleset of a NAT gateway's namespace, table inet vpcd:
//
//	set conns: ipv4_addr . inet_proto . inet_service, dynamic, a connection count per
//	  destination
//	chain forward (hook forward, policy drop)
//	  ct state invalid drop; ct state established,related accept
//	  only new flows that come in on the link (or the Inside link) from another address and
//	  go out on it again:
//	  a TCP one must open with a SYN, else it is reset; past the limit per destination, dropped
//	chain input (hook input, policy drop): replies only
//	chain postrouting (nat): snat to the gateway's address with a port in the range; with
//	  secondary addresses, to each in turn (numgen inc over map @addresses); a regional
//	  gateway's by source block to its zone's address(es) (map @zoneN when several), and
//	  anything else to the first zone's
//
// With NAT64, IPv6 to 64:ff9b::/96 that comes in on the link goes on to the NAT64's TUN
// link, and what comes out of that as IPv4 (from the pool) is a new flow as above, out
// on the link; the input chain lets IPv6 neighbour discovery in, which conntrack does
// not track.
func compileNatGateway(g *plan.NatGateway) (*ruleset, error) {
	if err := checkIfname(g.Link); err != nil {
		return nil, err
	}
	if !g.Addr.Is4() {
		return nil, fmt.Errorf("nat gateway: address %s is not IPv4", g.Addr)
	}
	if g.PortMin < 1 || g.PortMax > 65535 || g.PortMin > g.PortMax {
		return nil, fmt.Errorf("nat gateway: bad port range %d-%d", g.PortMin, g.PortMax)
	}
	if g.MaxPerDestination < 1 {
		return nil, fmt.Errorf("nat gateway: bad connection limit %d", g.MaxPerDestination)
	}
	r := &ruleset{table: &nftables.Table{Name: tableName, Family: nftables.TableFamilyINet}, heads: map[string]string{}}
	conns := r.addSet("conns", "type ipv4_addr . inet_proto . inet_service; flags dynamic", &nftables.Set{
		KeyType:       nftables.MustConcatSetType(nftables.TypeIPAddr, nftables.TypeInetProto, nftables.TypeInetService),
		Concatenation: true, Dynamic: true,
	})
	forward := r.baseChain("forward", nftables.ChainTypeFilter, nftables.ChainHookForward,
		nftables.ChainPriorityFilter, "type filter hook forward priority filter; policy drop;")
	input := r.baseChain("input", nftables.ChainTypeFilter, nftables.ChainHookInput,
		nftables.ChainPriorityFilter, "type filter hook input priority filter; policy drop;")
	post := r.baseChain("postrouting", nftables.ChainTypeNAT, nftables.ChainHookPostrouting,
		nftables.ChainPriorityNATSource, "type nat hook postrouting priority srcnat; policy accept;")
	drop := nftables.ChainPolicyDrop
	forward.Policy, input.Policy = &drop, &drop

	link := quote(g.Link)
	addr := g.Addr.AsSlice()
	if g.NAT64 != "" {
		if err := checkIfname(g.NAT64); err != nil {
			return nil, err
		}
		if !g.NAT64Pool.Addr().Is4() {
			return nil, fmt.Errorf("nat gateway: NAT64 pool %s is not IPv4", g.NAT64Pool)
		}
		for _, typ := range []struct {
			name string
			num  byte
		}{{"nd-neighbor-solicit", 135}, {"nd-neighbor-advert", 136}} {
			r.addRule(input, fmt.Sprintf("meta nfproto ipv6 iifname %s meta l4proto ipv6-icmp icmpv6 type %s accept", quote(g.Link), typ.name),
				nfproto(ipv6), meta(expr.MetaKeyIIFNAME, reg1), &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: ifname(g.Link)},
				l4proto(unix.IPPROTO_ICMPV6), transport(0, 1, reg1), &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte{typ.num}},
				verdict(expr.VerdictAccept))
		}
	}
	for _, c := range []*nftables.Chain{forward, input} {
		r.addRule(c, "ct state invalid drop", ctState(expr.CtStateBitINVALID), verdict(expr.VerdictDrop))
		r.addRule(c, "ct state established,related accept",
			ctState(expr.CtStateBitESTABLISHED|expr.CtStateBitRELATED), verdict(expr.VerdictAccept))
	}
	// What is left in forward is a new flow: from another address on the link, or from
	// the NAT64 (which takes IPv6 to its prefix), out on the link.
	if g.NAT64 != "" {
		prefix := nat64.WellKnownPrefix.Addr().AsSlice()[:nat64.WellKnownPrefix.Bits()/8]
		r.addRule(forward, fmt.Sprintf("meta nfproto ipv6 iifname %s oifname %s ip6 daddr %s accept", quote(g.Link), quote(g.NAT64), nat64.WellKnownPrefix),
			nfproto(ipv6),
			meta(expr.MetaKeyIIFNAME, reg1), &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: ifname(g.Link)},
			meta(expr.MetaKeyOIFNAME, reg1), &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: ifname(g.NAT64)},
			&expr.Payload{DestRegister: reg1, Base: expr.PayloadBaseNetworkHeader, Offset: ipv6.daddr, Len: uint32(len(prefix))},
			&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: prefix},
			verdict(expr.VerdictAccept))
	}
	if g.Inside != "" {
		if err := checkIfname(g.Inside); err != nil {
			return nil, err
		}
	}
	for _, in := range []string{g.Link, g.NAT64, g.Inside} {
		if in != "" {
			newFlows(r, forward, conns, g, in)
		}
	}

	ports := func(p int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(p)) }
	snat := func(match []expr.Any, text string, pick []expr.Any, to string) {
		r.addRule(post, fmt.Sprintf("meta nfproto ipv4 oifname %s %s snat ip to %s:%d-%d", link, text, to, g.PortMin, g.PortMax),
			nfproto(ipv4), meta(expr.MetaKeyOIFNAME, reg1), &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: ifname(g.Link)},
			match, pick,
			&expr.Immediate{Register: reg32(1), Data: ports(g.PortMin)},
			&expr.Immediate{Register: reg32(2), Data: ports(g.PortMax)},
			&expr.NAT{Type: expr.NATTypeSourceNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: reg32(0), RegAddrMax: reg32(0),
				RegProtoMin: reg32(1), RegProtoMax: reg32(2), Specified: true})
	}
	notOwn := []expr.Any{ipv4.addr(false, reg1), &expr.Cmp{Op: expr.CmpOpNeq, Register: reg1, Data: addr}}
	if len(g.Zones) > 0 {
		return r, regionalSnat(r, g, snat, notOwn)
	}
	// The address: the gateway's own, or with secondary addresses each in turn.
	pick, to, err := pickAddress(r, "addresses", append([]netip.Addr{g.Addr}, g.Secondary...))
	if err != nil {
		return nil, err
	}
	snat(notOwn, "ip saddr != "+g.Addr.String(), pick, to)
	return r, nil
}

// regionalSnat translates a regional gateway's flows by their source: from a zone's
// blocks to its addresses, from anywhere else to the first zone's.
func regionalSnat(r *ruleset, g *plan.NatGateway, snat func(match []expr.Any, text string, pick []expr.Any, to string), notOwn []expr.Any) error {
	if len(g.Secondary) > 0 {
		return fmt.Errorf("nat gateway: a regional gateway has no secondary addresses")
	}
	picks := make([][]expr.Any, len(g.Zones))
	tos := make([]string, len(g.Zones))
	for i, z := range g.Zones {
		if len(z.Addrs) == 0 {
			return fmt.Errorf("nat gateway: zone %s has no address", z.Name)
		}
		var err error
		if picks[i], tos[i], err = pickAddress(r, "zone"+fmt.Sprint(i), z.Addrs); err != nil {
			return err
		}
		for _, p := range z.Sources {
			if !p.Addr().Is4() {
				return fmt.Errorf("nat gateway: source %s of zone %s is not IPv4", p, z.Name)
			}
			p = p.Masked()
			mask := net.CIDRMask(p.Bits(), 32)
			snat([]expr.Any{ipv4.addr(false, reg1),
				&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4, Mask: mask, Xor: make([]byte, 4)},
				&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: p.Addr().AsSlice()},
			}, "ip saddr "+p.String(), picks[i], tos[i])
		}
	}
	snat(notOwn, "ip saddr != "+g.Addr.String(), picks[0], tos[0])
	return nil
}

// pickAddress loads into reg32(0) the address a new flow leaves from: the one address, or
// with several each in turn, by a map (named name) from a counter (numgen) to them. It
// returns the expressions and their nft text.
func pickAddress(r *ruleset, name string, addrs []netip.Addr) ([]expr.Any, string, error) {
	for _, a := range addrs {
		if !a.Is4() {
			return nil, "", fmt.Errorf("nat gateway: address %s is not IPv4", a)
		}
	}
	if len(addrs) == 1 {
		return []expr.Any{&expr.Immediate{Register: reg32(0), Data: addrs[0].AsSlice()}}, addrs[0].String(), nil
	}
	m := r.addSet(name, "type integer : ipv4_addr", &nftables.Set{KeyType: nftables.TypeInteger, DataType: nftables.TypeIPAddr, IsMap: true})
	for i, a := range addrs {
		m.add(nftables.SetElement{Key: binaryutil.NativeEndian.PutUint32(uint32(i)), Val: a.AsSlice()}, fmt.Sprintf("%d : %s", i, a))
	}
	return []expr.Any{
		&expr.Numgen{Register: reg32(0), Modulus: uint32(len(addrs)), Type: unix.NFT_NG_INCREMENTAL},
		&expr.Lookup{SourceRegister: reg32(0), DestRegister: reg32(0), IsDestRegSet: true, SetName: m.set.Name, SetID: m.set.ID},
	}, fmt.Sprintf("numgen inc mod %d map @%s", len(addrs), name), nil
}

// newFlows are the rules of the forward chain that accept a new flow coming in on in, from
// another address than the gateway's, and out on its link: a TCP one opens with a SYN,
// and each destination has at most the gateway's limit of flows.
func newFlows(r *ruleset, forward *nftables.Chain, conns *compiledSet, g *plan.NatGateway, in string) {
	addr := g.Addr.AsSlice()
	fromOthers := []expr.Any{
		nfproto(ipv4)[0], nfproto(ipv4)[1],
		meta(expr.MetaKeyIIFNAME, reg1), &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: ifname(in)},
		meta(expr.MetaKeyOIFNAME, reg1), &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: ifname(g.Link)},
		ipv4.addr(false, reg1), &expr.Cmp{Op: expr.CmpOpNeq, Register: reg1, Data: addr},
	}
	through := fmt.Sprintf("meta nfproto ipv4 iifname %s oifname %s ip saddr != %s", quote(in), quote(g.Link), g.Addr)
	const synMask = 0x01 | 0x02 | 0x04 | 0x10 // fin, syn, rst, ack
	r.addRule(forward, through+" meta l4proto tcp tcp flags & (fin|syn|rst|ack) != syn reject with tcp reset",
		fromOthers, l4proto(unix.IPPROTO_TCP),
		transport(13, 1, reg1),
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 1, Mask: []byte{synMask}, Xor: []byte{0}},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: reg1, Data: []byte{0x02}},
		&expr.Reject{Type: unix.NFT_REJECT_TCP_RST})
	for _, proto := range []struct {
		name string
		num  byte
	}{{"tcp", unix.IPPROTO_TCP}, {"udp", unix.IPPROTO_UDP}} {
		r.addRule(forward, fmt.Sprintf("%s meta l4proto %s add @conns { ip daddr . meta l4proto . th dport ct count over %d } drop", through, proto.name, g.MaxPerDestination),
			fromOthers, l4proto(proto.num),
			ipv4.addr(true, reg32(0)), meta(expr.MetaKeyL4PROTO, reg32(1)), transport(2, 2, reg32(2)),
			&expr.Dynset{SrcRegKey: reg32(0), SetName: conns.set.Name, SetID: conns.set.ID, Operation: unix.NFT_DYNSET_OP_ADD,
				Exprs: []expr.Any{&expr.Connlimit{Count: uint32(g.MaxPerDestination), Flags: expr.NFT_CONNLIMIT_F_INV}}},
			verdict(expr.VerdictDrop))
	}
	r.addRule(forward, through+" accept", fromOthers, verdict(expr.VerdictAccept))
}

func l4proto(p byte) []expr.Any {
	return []expr.Any{
		meta(expr.MetaKeyL4PROTO, reg1),
		&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte{p}},
	}
}
