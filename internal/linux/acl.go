package linux

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"

	"vpcd/internal/plan"
)

// Network ACLs are stateless, so they are checked on every packet, before the forward
// chain accepts tracked flows:
//
//	chain forward
//	  ...
//	  iifname vmap @acl-egress     jumps to SUBNET-egress, the ACL of the subnet left
//	  oifname vmap @acl-ingress    jumps to SUBNET-ingress, the ACL of the subnet entered
//	  ct state established,related accept
//	  ...
//	chain SUBNET-egress / SUBNET-ingress
//	  oifname @SUBNET-links return        (ingress: iifname) traffic inside the subnet
//	  oifname "vx" ip daddr @SUBNET-remote4 return   (ingress: iifname, saddr) the same
//	                                      with the subnet's interfaces on other hosts
//	  ip daddr @acl-exempt4 return        (ingress: saddr) Amazon DNS, metadata
//	  one rule per ACL rule, by number: allow returns, deny drops
//	  drop
//
// A link in no subnet (the internet gateway) is in neither map, so traffic from the
// internet meets only the ingress ACL of the subnet it enters. Unlike security groups,
// an ACL is a list that the first match ends, so its rules stay rules; AWS bounds them
// to 40 a direction.

// aclJumps declares the ACL maps and adds the forward chain's two jumps.
func (r *ruleset) aclJumps(forward *nftables.Chain, f *plan.Firewall) (egress, ingress *compiledSet) {
	if len(f.Subnets) == 0 {
		return nil, nil
	}
	egress = r.addSet("acl-egress", "type ifname : verdict", &nftables.Set{
		KeyType: nftables.TypeIFName, DataType: nftables.TypeVerdict, IsMap: true})
	ingress = r.addSet("acl-ingress", "type ifname : verdict", &nftables.Set{
		KeyType: nftables.TypeIFName, DataType: nftables.TypeVerdict, IsMap: true})
	r.addRule(forward, "iifname vmap @acl-egress", meta(expr.MetaKeyIIFNAME, reg1), vmap(egress, reg1))
	r.addRule(forward, "oifname vmap @acl-ingress", meta(expr.MetaKeyOIFNAME, reg1), vmap(ingress, reg1))
	return egress, ingress
}

// acls fills the maps and chains of the subnets' ACLs.
func (r *ruleset) acls(f *plan.Firewall, egress, ingress *compiledSet) error {
	if len(f.Subnets) == 0 {
		return nil
	}
	subnets := append([]plan.FirewallSubnet(nil), f.Subnets...)
	sort.Slice(subnets, func(i, j int) bool { return subnets[i].Name < subnets[j].Name })
	exempt4 := r.addSet("acl-exempt4", "type ipv4_addr", &nftables.Set{KeyType: nftables.TypeIPAddr})
	exempt6 := r.addSet("acl-exempt6", "type ipv6_addr", &nftables.Set{KeyType: nftables.TypeIP6Addr})
	for _, a := range f.ACLExempt {
		a = a.Unmap()
		s := exempt4
		if a.Is6() {
			s = exempt6
		}
		s.add(nftables.SetElement{Key: a.AsSlice()}, a.String())
	}
	seen := map[string]string{}
	for i, sn := range subnets {
		if sn.Name == "" || strings.ContainsAny(sn.Name, " \"") || i > 0 && sn.Name == subnets[i-1].Name {
			return fmt.Errorf("firewall: bad or repeated subnet %q", sn.Name)
		}
		links := r.addSet(sn.Name+"-links", "type ifname", &nftables.Set{KeyType: nftables.TypeIFName})
		sorted := append([]string(nil), sn.Links...)
		sort.Strings(sorted)
		for _, l := range sorted {
			if err := checkIfname(l); err != nil {
				return err
			}
			if other, ok := seen[l]; ok {
				return fmt.Errorf("firewall: link %s is in subnets %s and %s", l, other, sn.Name)
			}
			seen[l] = sn.Name
			links.add(nftables.SetElement{Key: ifname(l)}, quote(l))
		}
		remote := r.remoteSets(sn)
		for _, d := range []struct {
			dir   string
			vmap  *compiledSet
			rules []plan.ACLRule
			out   bool // leaving the subnet: the peer is the destination
		}{{"egress", egress, sn.Egress, true}, {"ingress", ingress, sn.Ingress, false}} {
			name := sn.Name + "-" + d.dir
			chain := r.chain(name)
			for _, l := range sorted {
				d.vmap.add(nftables.SetElement{Key: ifname(l), VerdictData: &expr.Verdict{Kind: expr.VerdictJump, Chain: name}},
					quote(l)+" : jump "+name)
			}
			other, otherKey, peer := "oifname", expr.MetaKeyOIFNAME, "daddr"
			if !d.out {
				other, otherKey, peer = "iifname", expr.MetaKeyIIFNAME, "saddr"
			}
			r.addRule(chain, fmt.Sprintf("%s @%s return", other, links.set.Name),
				meta(otherKey, reg1), lookup(links, reg1, false), verdict(expr.VerdictReturn))
			r.remoteInSubnet(chain, remote, other, otherKey, peer, d.out)
			for _, fe := range []struct {
				fam family
				set *compiledSet
			}{{ipv4, exempt4}, {ipv6, exempt6}} {
				r.addRule(chain, fmt.Sprintf("meta nfproto %s %s %s @%s return", fe.fam.name, fe.fam.name, peer, fe.set.set.Name),
					nfproto(fe.fam), fe.fam.addr(d.out, reg1), lookup(fe.set, reg1, false), verdict(expr.VerdictReturn))
			}
			for _, rule := range d.rules {
				if err := r.aclRule(chain, rule, d.out); err != nil {
					return fmt.Errorf("firewall: %s of %s: rule %d: %w", d.dir, sn.Name, rule.Number, err)
				}
			}
			r.addRule(chain, rejectText(d.out), rejectExprs(d.out))
		}
	}
	return nil
}

// aclRule compiles one ACL rule: family and peer block, protocol, then the destination
// port range or the ICMP type and code; allow returns to the forward chain, deny drops.
func (r *ruleset) aclRule(chain *nftables.Chain, rule plan.ACLRule, out bool) error {
	if !rule.CIDR.IsValid() {
		return fmt.Errorf("bad block")
	}
	if rule.CIDR.Addr().Is4In6() {
		return fmt.Errorf("block %s: an IPv4-mapped IPv6 block", rule.CIDR)
	}
	cidr := rule.CIDR.Masked()
	fam := ipv4
	if cidr.Addr().Is6() {
		fam = ipv6
	}
	var text []string
	exprs := nfproto(fam)
	text = append(text, "meta nfproto "+fam.name)
	if cidr.Bits() > 0 {
		dir := "saddr"
		if out {
			dir = "daddr"
		}
		text = append(text, fmt.Sprintf("%s %s %s", fam.name, dir, cidr))
		exprs = append(exprs, fam.addr(out, reg1))
		if cidr.Bits() < cidr.Addr().BitLen() {
			mask := netip.PrefixFrom(allOnes(fam.width), cidr.Bits()).Masked().Addr().AsSlice()
			exprs = append(exprs, &expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: uint32(fam.width),
				Mask: mask, Xor: make([]byte, fam.width)})
		}
		exprs = append(exprs, &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: cidr.Addr().AsSlice()})
	}
	l4 := func(p int) {
		name, ok := protoNames[uint64(p)]
		if !ok {
			name = fmt.Sprint(p)
		}
		text = append(text, "meta l4proto "+name)
		exprs = append(exprs, meta(expr.MetaKeyL4PROTO, reg1), &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte{byte(p)}})
	}
	switch p := rule.Protocol; {
	case p == -1:
	case p == 6 || p == 17:
		lo, hi := rule.FromPort, rule.ToPort
		if lo == -1 && hi == -1 {
			lo, hi = 0, 65535
		}
		if lo < 0 || hi > 65535 || lo > hi {
			return fmt.Errorf("bad port range %d-%d", rule.FromPort, rule.ToPort)
		}
		l4(p)
		if lo == hi {
			text = append(text, fmt.Sprintf("th dport %d", lo))
			exprs = append(exprs, transport(2, 2, reg1), &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: be16(lo)})
		} else if lo > 0 || hi < 65535 {
			text = append(text, fmt.Sprintf("th dport %d-%d", lo, hi))
			exprs = append(exprs, transport(2, 2, reg1), &expr.Range{Op: expr.CmpOpEq, Register: reg1, FromData: be16(lo), ToData: be16(hi)})
		}
	case p == 1 || p == 58:
		l4(p)
		// ICMPv6 with an IPv4 block allows every type and code, as AWS documents.
		if p == 58 && fam == ipv4 {
			break
		}
		for i, v := range []int{rule.FromPort, rule.ToPort} {
			if v < -1 || v > 255 {
				return fmt.Errorf("bad ICMP type or code %d", v)
			}
			if v == -1 {
				continue
			}
			field := []string{"type", "code"}[i]
			text = append(text, fmt.Sprintf("%s %s %d", map[int]string{1: "icmp", 58: "icmpv6"}[p], field, v))
			exprs = append(exprs, transport(uint32(i), 1, reg1), &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte{byte(v)}})
		}
	case p >= 0 && p <= 255:
		l4(p)
	default:
		return fmt.Errorf("bad protocol %d", p)
	}
	if !rule.Allow {
		r.addRule(chain, strings.Join(append(text, rejectText(out)), " "), exprs, rejectExprs(out))
		return nil
	}
	r.addRule(chain, strings.Join(append(text, "return"), " "), exprs, verdict(expr.VerdictReturn))
	return nil
}

func allOnes(width int) netip.Addr {
	b := make([]byte, width)
	for i := range b {
		b[i] = 0xff
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func be16(v int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(v)) }

// remoteSets declares the sets of the subnet's interface addresses on other hosts
// (plan.FirewallSubnet.Remote), IPv4 and IPv6; nil for a family without any.
func (r *ruleset) remoteSets(sn plan.FirewallSubnet) [2]*compiledSet {
	var sets [2]*compiledSet
	for _, a := range sn.Remote {
		a = a.Unmap()
		i, suffix, typ, key := 0, "-remote4", "type ipv4_addr", nftables.TypeIPAddr
		if a.Is6() {
			i, suffix, typ, key = 1, "-remote6", "type ipv6_addr", nftables.TypeIP6Addr
		}
		if sets[i] == nil {
			sets[i] = r.addSet(sn.Name+suffix, typ, &nftables.Set{KeyType: key})
		}
		sets[i].add(nftables.SetElement{Key: a.AsSlice()}, a.String())
	}
	return sets
}

// remoteInSubnet lets traffic between the subnet and its interfaces on other hosts,
// through the overlay link, out of the subnet's ACL chain.
func (r *ruleset) remoteInSubnet(chain *nftables.Chain, sets [2]*compiledSet, other string, otherKey expr.MetaKey, peer string, out bool) {
	for i, fam := range []family{ipv4, ipv6} {
		s := sets[i]
		if s == nil {
			continue
		}
		r.addRule(chain, fmt.Sprintf("%s %s meta nfproto %s %s %s @%s return", other, quote(plan.OverlayLink), fam.name, fam.name, peer, s.set.Name),
			meta(otherKey, reg1), &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: ifname(plan.OverlayLink)},
			nfproto(fam), fam.addr(out, reg1), lookup(s, reg1, false), verdict(expr.VerdictReturn))
	}
}
