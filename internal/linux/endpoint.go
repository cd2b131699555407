package linux

import (
	"fmt"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

// Gateway endpoints deliver their service's prefixes to the router itself (a local
// route), so what an instance sends there never crosses the forward chain. The input and
// output chains give it the same gates, for those destinations alone (the VPC's own
// services, also delivered locally, stay unfiltered):
//
//	chain input (hook input)
//	  ip daddr PREFIX iifname @sdc-links iifname . ip saddr != @sdc4 drop
//	                                               source/destination check: the proxy
//	                                               takes the source for the sender
//	  ip daddr PREFIX iifname vmap @acl-egress     the sender's subnet's egress ACL
//	  ip daddr PREFIX ct state established,related accept
//	  ip daddr PREFIX iifname vmap @egress         the sender's egress gate
//	chain output (hook output)
//	  ip saddr PREFIX oifname vmap @acl-ingress    the answers: the subnet's ingress ACL
//
// A handful of prefixes (two per service): one rule each, no set.
func (r *ruleset) endpointChains(prefixes []netip.Prefix, sdcLinks, sdc4, egress, aclEgress, aclIngress *compiledSet) {
	if len(prefixes) == 0 {
		return
	}
	input := r.baseChain("input", nftables.ChainTypeFilter, nftables.ChainHookInput,
		nftables.ChainPriorityFilter, "type filter hook input priority filter; policy accept;")
	output := r.baseChain("output", nftables.ChainTypeFilter, nftables.ChainHookOutput,
		nftables.ChainPriorityFilter, "type filter hook output priority filter; policy accept;")
	for _, p := range prefixes {
		dst, dstText := prefixMatch(p, true)
		if p.Addr().Is4() {
			r.addRule(input, dstText+" iifname @sdc-links iifname . ip saddr != @sdc4 drop", dst,
				meta(expr.MetaKeyIIFNAME, reg1), lookup(sdcLinks, reg1, false),
				meta(expr.MetaKeyIIFNAME, reg32(0)), ipv4.addr(false, reg32(4)), lookup(sdc4, reg32(0), true),
				verdict(expr.VerdictDrop))
		}
		if aclEgress != nil {
			r.addRule(input, dstText+" iifname vmap @acl-egress", dst, meta(expr.MetaKeyIIFNAME, reg1), vmap(aclEgress, reg1))
		}
		r.addRule(input, dstText+" ct state established,related accept", dst,
			ctState(expr.CtStateBitESTABLISHED|expr.CtStateBitRELATED), verdict(expr.VerdictAccept))
		r.addRule(input, dstText+" iifname vmap @egress", dst, meta(expr.MetaKeyIIFNAME, reg1), vmap(egress, reg1))
		if aclIngress != nil {
			src, srcText := prefixMatch(p, false)
			r.addRule(output, srcText+" oifname vmap @acl-ingress", src, meta(expr.MetaKeyOIFNAME, reg1), vmap(aclIngress, reg1))
		}
	}
}

// prefixMatch matches a packet whose destination (or source) is in p.
func prefixMatch(p netip.Prefix, dst bool) ([]expr.Any, string) {
	p = p.Masked()
	fam := ipv4
	if p.Addr().Is6() {
		fam = ipv6
	}
	dir := "saddr"
	if dst {
		dir = "daddr"
	}
	exprs := append(nfproto(fam), fam.addr(dst, reg1))
	if p.Bits() < p.Addr().BitLen() {
		mask := netip.PrefixFrom(allOnes(fam.width), p.Bits()).Masked().Addr().AsSlice()
		exprs = append(exprs, &expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: uint32(fam.width), Mask: mask, Xor: make([]byte, fam.width)})
	}
	exprs = append(exprs, &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: p.Addr().AsSlice()})
	return exprs, fmt.Sprintf("meta nfproto %s %s %s %s", fam.name, fam.name, dir, p)
}
