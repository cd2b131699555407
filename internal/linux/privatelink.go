package linux

import (
	"fmt"
	"slices"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"vpcd/internal/plan"
)

// An endpoint interface's side of a PrivateLink link (plan.PrivateLinkEnd), table inet
// vpcd of its namespace:
//
//	chain prerouting (nat): ip daddr ADDR meta l4proto . th dport @ports dnat ip to NODE
//	chain postrouting (nat): oifname LINK snat ip to SOURCE
//
// Whatever else reaches the interface meets no listener: a TCP connection is reset.
func compilePrivateLinkEnd(p *plan.PrivateLinkEnd) (*ruleset, error) {
	if err := checkIfname(p.Link); err != nil {
		return nil, err
	}
	if !p.Addr.Is4() || !p.Node.Is4() || !p.Source.Is4() {
		return nil, fmt.Errorf("privatelink: %s, %s, %s: IPv4 addresses needed", p.Addr, p.Node, p.Source)
	}
	r := &ruleset{table: &nftables.Table{Name: tableName, Family: nftables.TableFamilyINet}, heads: map[string]string{}}
	ports := r.addSet("ports", "type inet_proto . inet_service", &nftables.Set{
		KeyType: nftables.MustConcatSetType(nftables.TypeInetProto, nftables.TypeInetService)})
	sorted := slices.Clone(p.Ports)
	slices.SortFunc(sorted, func(a, b plan.PrivateLinkPort) int {
		if a.Protocol != b.Protocol {
			return a.Protocol - b.Protocol
		}
		return a.Port - b.Port
	})
	for _, pp := range slices.Compact(sorted) {
		if (pp.Protocol != unix.IPPROTO_TCP && pp.Protocol != unix.IPPROTO_UDP) || pp.Port < 1 || pp.Port > 65535 {
			return nil, fmt.Errorf("privatelink: bad port %d/%d", pp.Protocol, pp.Port)
		}
		ports.add(nftables.SetElement{Key: concat([]byte{byte(pp.Protocol)}, binaryutil.BigEndian.PutUint16(uint16(pp.Port)))},
			fmt.Sprintf("%s . %d", protoName(pp.Protocol), pp.Port))
	}
	pre := r.baseChain("prerouting", nftables.ChainTypeNAT, nftables.ChainHookPrerouting, nftables.ChainPriorityNATDest,
		"type nat hook prerouting priority dstnat; policy accept;")
	post := r.baseChain("postrouting", nftables.ChainTypeNAT, nftables.ChainHookPostrouting, nftables.ChainPriorityNATSource,
		"type nat hook postrouting priority srcnat; policy accept;")
	r.addRule(pre, fmt.Sprintf("meta nfproto ipv4 ip daddr %s meta l4proto . th dport @ports dnat ip to %s", p.Addr, p.Node),
		nfproto(ipv4), ipv4.addr(true, reg1), &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: p.Addr.AsSlice()},
		meta(expr.MetaKeyL4PROTO, reg32(0)), transport(2, 2, reg32(1)), lookup(ports, reg32(0), false),
		&expr.Immediate{Register: reg1, Data: p.Node.AsSlice()},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: reg1})
	r.addRule(post, fmt.Sprintf("meta nfproto ipv4 oifname %s snat ip to %s", quote(p.Link), p.Source),
		nfproto(ipv4), meta(expr.MetaKeyOIFNAME, reg1), &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: ifname(p.Link)},
		&expr.Immediate{Register: reg1, Data: p.Source.AsSlice()},
		&expr.NAT{Type: expr.NATTypeSourceNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: reg1})
	return r, nil
}

// The router's side of the PrivateLink links (plan.PrivateLink), in its firewall:
//
//	forward, before the load balancers' and the receivers' gates:
//	  iifname . ip daddr . th dport @pl-admitted accept   (a target that admits the node)
//	  iifname @pl-links drop
//	chain pl-postrouting (nat, before lb-postrouting): snat ip to ip saddr map @pl-snat
//	  (the far end's address, the flow's source until then, to the node's address)
func (r *ruleset) privateLinks(forward *nftables.Chain, links []plan.PrivateLink) error {
	if len(links) == 0 {
		return nil
	}
	ls := slices.Clone(links)
	slices.SortFunc(ls, func(a, b plan.PrivateLink) int {
		if a.Link < b.Link {
			return -1
		}
		if a.Link > b.Link {
			return 1
		}
		return 0
	})
	names := r.addSet("pl-links", "type ifname", &nftables.Set{KeyType: nftables.TypeIFName})
	admitted := r.addSet("pl-admitted", "type ifname . ipv4_addr . inet_service", &nftables.Set{
		KeyType: nftables.MustConcatSetType(nftables.TypeIFName, nftables.TypeIPAddr, nftables.TypeInetService)})
	snat := r.addSet("pl-snat", "type ipv4_addr : ipv4_addr", &nftables.Set{KeyType: nftables.TypeIPAddr, DataType: nftables.TypeIPAddr, IsMap: true})
	for _, l := range ls {
		if err := checkIfname(l.Link); err != nil {
			return err
		}
		if !l.Source.Is4() || !l.Peer.Is4() {
			return fmt.Errorf("privatelink %s: %s, %s: IPv4 addresses needed", l.Link, l.Peer, l.Source)
		}
		names.add(nftables.SetElement{Key: ifname(l.Link)}, quote(l.Link))
		snat.add(nftables.SetElement{Key: l.Peer.AsSlice(), Val: l.Source.AsSlice()}, l.Peer.String()+" : "+l.Source.String())
		for _, b := range l.Admitted {
			if !b.Addr.Is4() || b.Port < 1 || b.Port > 65535 {
				return fmt.Errorf("privatelink %s: bad target %s:%d", l.Link, b.Addr, b.Port)
			}
			admitted.add(nftables.SetElement{Key: concat(ifname(l.Link), b.Addr.AsSlice(), binaryutil.BigEndian.PutUint16(uint16(b.Port)))},
				fmt.Sprintf("%s . %s . %d", quote(l.Link), b.Addr, b.Port))
		}
	}
	r.addRule(forward, "meta nfproto ipv4 iifname . ip daddr . th dport @pl-admitted accept",
		nfproto(ipv4), meta(expr.MetaKeyIIFNAME, reg32(0)), ipv4.addr(true, reg32(4)), transport(2, 2, reg32(5)),
		lookup(admitted, reg32(0), false), verdict(expr.VerdictAccept))
	r.addRule(forward, "iifname @pl-links drop", meta(expr.MetaKeyIIFNAME, reg1), lookup(names, reg1, false), verdict(expr.VerdictDrop))
	post := r.baseChain("pl-postrouting", nftables.ChainTypeNAT, nftables.ChainHookPostrouting, nftables.ChainPriorityRef(*nftables.ChainPriorityNATSource-1),
		"type nat hook postrouting priority srcnat - 1; policy accept;")
	r.addRule(post, "meta nfproto ipv4 snat ip to ip saddr map @pl-snat",
		nfproto(ipv4), ipv4.addr(false, reg1),
		&expr.Lookup{SourceRegister: reg1, DestRegister: reg1, IsDestRegSet: true, SetName: snat.set.Name, SetID: snat.set.ID},
		&expr.NAT{Type: expr.NATTypeSourceNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: reg1})
	return nil
}
