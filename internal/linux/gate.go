package linux

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"vpcd/internal/plan"
)

// A gate's permissions, as boxes per set: the set kinds of one address family.
type gateBoxes struct {
	ports, icmp, proto []box
}

// permissionBoxes sorts permissions into the sets of a gate, per family. Protocol -1 is
// every protocol (0-255) in the proto set; TCP and UDP go to the ports set; ICMP (1, IPv4
// peers) and ICMPv6 (58, IPv6 peers) to the icmp set with -1 meaning any type or code;
// every other protocol to the proto set, whatever its ports.
func permissionBoxes(perms []plan.Permission) (v4, v6 gateBoxes, err error) {
	for _, p := range perms {
		for _, peer := range p.Peers {
			if !peer.IsValid() {
				return v4, v6, fmt.Errorf("permission %d %d-%d: bad peer", p.Protocol, p.FromPort, p.ToPort)
			}
			peer = netip.PrefixFrom(peer.Addr().Unmap(), peer.Bits())
			g, fam := &v4, ipv4
			if peer.Addr().Is6() {
				g, fam = &v6, ipv6
			}
			addr := prefixSpan(peer)
			switch {
			case p.Protocol == -1:
				g.proto = append(g.proto, box{uintSpan(0, 255, 1), addr})
			case p.Protocol == unix.IPPROTO_TCP || p.Protocol == unix.IPPROTO_UDP:
				lo, hi := p.FromPort, p.ToPort
				if lo == -1 && hi == -1 {
					lo, hi = 0, 65535
				}
				if lo < 0 || hi > 65535 || lo > hi {
					return v4, v6, fmt.Errorf("permission %d: bad port range %d-%d", p.Protocol, p.FromPort, p.ToPort)
				}
				g.ports = append(g.ports, box{uintSpan(uint64(p.Protocol), uint64(p.Protocol), 1), uintSpan(uint64(lo), uint64(hi), 2), addr})
			case p.Protocol == int(fam.icmp):
				typ, err := icmpSpan(p.FromPort)
				if err != nil {
					return v4, v6, err
				}
				code, err := icmpSpan(p.ToPort)
				if err != nil {
					return v4, v6, err
				}
				g.icmp = append(g.icmp, box{typ, code, addr})
			case p.Protocol == unix.IPPROTO_ICMP || p.Protocol == unix.IPPROTO_ICMPV6:
				// ICMP toward IPv6 peers (or ICMPv6 toward IPv4) matches no packet.
			case p.Protocol >= 0 && p.Protocol <= 255:
				g.proto = append(g.proto, box{uintSpan(uint64(p.Protocol), uint64(p.Protocol), 1), addr})
			default:
				return v4, v6, fmt.Errorf("permission: bad protocol %d", p.Protocol)
			}
		}
	}
	return v4, v6, nil
}

func icmpSpan(v int) (span, error) {
	switch {
	case v == -1:
		return uintSpan(0, 255, 1), nil
	case v >= 0 && v <= 255:
		return uintSpan(uint64(v), uint64(v), 1), nil
	}
	return span{}, fmt.Errorf("permission: bad ICMP type or code %d", v)
}

// gate fills the chain of one security group gate: a lookup per set that returns on a
// match, then drop. peerIsDst is true for egress (the peer is the destination).
func (r *ruleset) gate(chain *nftables.Chain, perms []plan.Permission, peerIsDst bool) error {
	v4, v6, err := permissionBoxes(perms)
	if err != nil {
		return err
	}
	dir := "saddr"
	if peerIsDst {
		dir = "daddr"
	}
	for _, fg := range []struct {
		fam family
		g   gateBoxes
	}{{ipv4, v4}, {ipv6, v6}} {
		fam, g := fg.fam, fg.g
		suffix := "4"
		addrType, icmpType, icmpCode := nftables.TypeIPAddr, nftables.TypeICMPType, nftables.TypeICMPCode
		if fam == ipv6 {
			suffix = "6"
			addrType, icmpType, icmpCode = nftables.TypeIP6Addr, nftables.TypeICMP6Type, nftables.TypeICMPV6Code
		}
		peer := fam.name + " " + dir

		ports := r.intervalSet(chain.Name+"-ports"+suffix, g.ports,
			[]nftables.SetDatatype{nftables.TypeInetProto, nftables.TypeInetService, addrType},
			[]fieldKind{fieldProto, fieldUint, fieldAddr})
		r.addRule(chain, fmt.Sprintf("meta l4proto . th dport . %s @%s return", peer, ports.set.Name),
			nfproto(fam), meta(expr.MetaKeyL4PROTO, reg32(0)), transport(2, 2, reg32(1)),
			fam.addr(peerIsDst, reg32(2)), lookup(ports, reg32(0), false), verdict(expr.VerdictReturn))

		icmp := r.intervalSet(chain.Name+"-icmp"+suffix, g.icmp,
			[]nftables.SetDatatype{icmpType, icmpCode, addrType},
			[]fieldKind{fieldUint, fieldUint, fieldAddr})
		r.addRule(chain, fmt.Sprintf("%s type . %s code . %s @%s return", fam.icmpTxt, fam.icmpTxt, peer, icmp.set.Name),
			nfproto(fam), meta(expr.MetaKeyL4PROTO, reg1), &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte{fam.icmp}},
			transport(0, 1, reg32(0)), transport(1, 1, reg32(1)),
			fam.addr(peerIsDst, reg32(2)), lookup(icmp, reg32(0), false), verdict(expr.VerdictReturn))

		proto := r.intervalSet(chain.Name+"-proto"+suffix, g.proto,
			[]nftables.SetDatatype{nftables.TypeInetProto, addrType},
			[]fieldKind{fieldProto, fieldAddr})
		r.addRule(chain, fmt.Sprintf("meta l4proto . %s @%s return", peer, proto.set.Name),
			nfproto(fam), meta(expr.MetaKeyL4PROTO, reg32(0)),
			fam.addr(peerIsDst, reg32(1)), lookup(proto, reg32(0), false), verdict(expr.VerdictReturn))
	}
	r.addRule(chain, rejectText(peerIsDst), rejectExprs(peerIsDst))
	return nil
}

type fieldKind int

const (
	fieldUint fieldKind = iota
	fieldProto
	fieldAddr
)

// intervalSet declares a concatenated interval set holding the boxes, made disjoint.
func (r *ruleset) intervalSet(name string, boxes []box, types []nftables.SetDatatype, kinds []fieldKind) *compiledSet {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = t.Name
	}
	s := r.addSet(name, "type "+strings.Join(names, " . ")+"; flags interval", &nftables.Set{
		KeyType:       nftables.MustConcatSetType(types...),
		Interval:      true,
		Concatenation: true,
	})
	for _, b := range disjoint(boxes) {
		var lo, hi [][]byte
		text := make([]string, len(b))
		for i, sp := range b {
			lo, hi = append(lo, sp.lo), append(hi, sp.hi)
			text[i] = spanText(sp, kinds[i])
		}
		s.add(nftables.SetElement{Key: concat(lo...), KeyEnd: concat(hi...)}, strings.Join(text, " . "))
	}
	return s
}

var protoNames = map[uint64]string{1: "icmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp"}

func spanText(s span, kind fieldKind) string {
	if kind == fieldAddr {
		if p, ok := spanPrefix(s); ok {
			return p.String()
		}
		lo, _ := netip.AddrFromSlice(s.lo)
		hi, _ := netip.AddrFromSlice(s.hi)
		return lo.String() + "-" + hi.String()
	}
	lo, hi := beValue(s.lo), beValue(s.hi)
	name := func(v uint64) string {
		if n, ok := protoNames[v]; ok && kind == fieldProto {
			return n
		}
		return strconv.FormatUint(v, 10)
	}
	if lo == hi {
		return name(lo)
	}
	return name(lo) + "-" + name(hi)
}

func beValue(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// nat adds the 1:1 translations of internet gateways: maps from interface . address to
// address, looked up by one dnat rule in prerouting and one snat rule in postrouting per
// family.
func (r *ruleset) nat(forward *nftables.Chain, nats []plan.NAT, gateways []string, public []plan.GatewayAddr) error {
	if len(nats) == 0 && len(gateways) == 0 {
		return nil
	}
	// A gateway lets out only addresses that have a public one or are public themselves
	// (IPv6): anything else leaving through its link is dropped, as AWS drops it, rather
	// than leaking out with a private source. @outN holds both kinds: the snat map's keys
	// and the public addresses.
	natLinks := r.addSet("nat-links", "type ifname", &nftables.Set{KeyType: nftables.TypeIFName})
	seenLink := map[string]bool{}
	links := slices.Clone(gateways)
	for _, n := range nats {
		links = append(links, n.Link)
	}
	for _, l := range links {
		if err := checkIfname(l); err != nil {
			return err
		}
		if !seenLink[l] {
			seenLink[l] = true
			natLinks.add(nftables.SetElement{Key: ifname(l)}, quote(l))
		}
	}
	pre := r.baseChain("prerouting", nftables.ChainTypeNAT, nftables.ChainHookPrerouting,
		nftables.ChainPriorityNATDest, "type nat hook prerouting priority dstnat; policy accept;")
	post := r.baseChain("postrouting", nftables.ChainTypeNAT, nftables.ChainHookPostrouting,
		nftables.ChainPriorityNATSource, "type nat hook postrouting priority srcnat; policy accept;")
	for _, fam := range []family{ipv4, ipv6} {
		suffix, addrType := "4", nftables.TypeIPAddr
		if fam == ipv6 {
			suffix, addrType = "6", nftables.TypeIP6Addr
		}
		decl := "type ifname . " + addrType.Name + " : " + addrType.Name
		keyType := nftables.MustConcatSetType(nftables.TypeIFName, addrType)
		dnat := r.addSet("dnat"+suffix, decl, &nftables.Set{KeyType: keyType, DataType: addrType, IsMap: true})
		snat := r.addSet("snat"+suffix, decl, &nftables.Set{KeyType: keyType, DataType: addrType, IsMap: true})
		out := r.addSet("out"+suffix, "type ifname . "+addrType.Name, &nftables.Set{KeyType: keyType})
		seenPub, seenPriv := map[string]bool{}, map[string]bool{}
		for _, n := range nats {
			priv, pub := n.Private.Unmap(), n.Public.Unmap()
			if !priv.IsValid() || !pub.IsValid() || priv.Is6() != pub.Is6() {
				return fmt.Errorf("nat %s - %s: addresses of one family needed", n.Private, n.Public)
			}
			if err := checkIfname(n.Link); err != nil {
				return err
			}
			if priv.Is4() != (fam == ipv4) {
				continue
			}
			kp, kv := n.Link+" "+pub.String(), n.Link+" "+priv.String()
			if seenPub[kp] || seenPriv[kv] {
				return fmt.Errorf("nat on %s: %s or %s translated twice", n.Link, pub, priv)
			}
			seenPub[kp], seenPriv[kv] = true, true
			dnat.add(nftables.SetElement{Key: concat(ifname(n.Link), pub.AsSlice()), Val: priv.AsSlice()},
				quote(n.Link)+" . "+pub.String()+" : "+priv.String())
			snat.add(nftables.SetElement{Key: concat(ifname(n.Link), priv.AsSlice()), Val: pub.AsSlice()},
				quote(n.Link)+" . "+priv.String()+" : "+pub.String())
			out.add(nftables.SetElement{Key: concat(ifname(n.Link), priv.AsSlice())}, quote(n.Link)+" . "+priv.String())
		}
		for _, p := range public {
			a := p.Addr.Unmap()
			if err := checkIfname(p.Link); err != nil {
				return err
			}
			if !a.IsValid() || a.Is4() != (fam == ipv4) || seenPriv[p.Link+" "+a.String()] {
				continue
			}
			seenPriv[p.Link+" "+a.String()] = true
			out.add(nftables.SetElement{Key: concat(ifname(p.Link), a.AsSlice())}, quote(p.Link)+" . "+a.String())
		}
		r.addRule(forward, fmt.Sprintf("meta nfproto %s oifname @nat-links oifname . %s saddr != @%s drop", fam.name, fam.name, out.set.Name),
			nfproto(fam), meta(expr.MetaKeyOIFNAME, reg1), lookup(natLinks, reg1, false),
			meta(expr.MetaKeyOIFNAME, reg32(0)), fam.addr(false, reg32(4)), lookup(out, reg32(0), true),
			verdict(expr.VerdictDrop))
		r.addRule(pre, fmt.Sprintf("meta nfproto %s dnat %s to iifname . %s daddr map @%s", fam.name, fam.name, fam.name, dnat.set.Name),
			nfproto(fam), meta(expr.MetaKeyIIFNAME, reg32(0)), fam.addr(true, reg32(4)),
			&expr.Lookup{SourceRegister: reg32(0), DestRegister: reg1, IsDestRegSet: true, SetName: dnat.set.Name, SetID: dnat.set.ID},
			&expr.NAT{Type: expr.NATTypeDestNAT, Family: uint32(fam.nfproto), RegAddrMin: reg1})
		r.addRule(post, fmt.Sprintf("meta nfproto %s snat %s to oifname . %s saddr map @%s", fam.name, fam.name, fam.name, snat.set.Name),
			nfproto(fam), meta(expr.MetaKeyOIFNAME, reg32(0)), fam.addr(false, reg32(4)),
			&expr.Lookup{SourceRegister: reg32(0), DestRegister: reg1, IsDestRegSet: true, SetName: snat.set.Name, SetID: snat.set.ID},
			&expr.NAT{Type: expr.NATTypeSourceNAT, Family: uint32(fam.nfproto), RegAddrMin: reg1})
	}
	return nil
}
