package linux

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"vpcd/internal/plan"
)

// The firewall of a namespace is one nftables table, inet vpcd:
//
//	chain forward (hook forward, policy accept)
//	  VPN tunnels: TCP SYNs in or out through @clamp-links get an MSS of at most
//	  plan.ClampMSS
//	  ct state invalid drop
//	  source/destination check: for links in @sdc-links, iifname . saddr and
//	  oifname . daddr must be in @sdc4 / @sdc6, else drop (tracked flows too)
//	  network ACLs, stateless: iifname vmap @acl-egress, oifname vmap @acl-ingress
//	  (see acl.go)
//	  VPC Block Public Access: oifname . saddr and iifname . daddr in @bpa-closed4/6 drop
//	  ct state established,related accept
//	  iifname @egress-only-links drop   new flows from an egress-only internet gateway
//	  VPC Block Public Access: iifname . daddr in @bpa-inbound4/6 drop (new flows in)
//	  iifname vmap @egress    jumps to LINK-egress, the gate of the sending ENI
//	  oifname vmap @ingress   jumps to LINK-ingress, the gate of the receiving ENI
//	chain LINK-egress / LINK-ingress
//	  one rule per kind of permission set (ports, icmp, other protocols; IPv4, IPv6),
//	  each a single lookup that returns on a match; then drop
//	chain prerouting / postrouting (nat): dnat and snat through maps keyed by
//	  interface . address, for the 1:1 NAT of internet gateways
//
// Every permission becomes set elements, never rules, so the rules a packet meets do not
// grow with the number of permissions or interfaces. A gate returns on a match and drops
// otherwise, so the egress and ingress gates are checked independently.

const (
	tableName = "vpcd"
	// nftables registers: reg1 is a 16-byte register; reg32(0) is the first 4-byte one,
	// into which concatenations are loaded field after field.
	reg1 = 1
)

func reg32(i uint32) uint32 { return 8 + i }

// Flow logs (internal/vpcsvc) learn of the packets that a security group or a network ACL
// rejects through NFLOG: each such drop logs the packet to RejectLogGroup first, with a
// prefix that says at which interface AWS records the rejection: RejectEgress for the one
// the packet came in from (the sender's, or its subnet's ACL on the way out),
// RejectIngress for the one it was to leave by (the receiver's). Packets that no listener
// reads cost the kernel nothing but the check.
const (
	RejectLogGroup = 7
	RejectEgress   = "egress"
	RejectIngress  = "ingress"
)

func rejectPrefix(egress bool) string {
	if egress {
		return RejectEgress
	}
	return RejectIngress
}

func rejectText(egress bool) string {
	return fmt.Sprintf("log prefix %q group %d drop", rejectPrefix(egress), RejectLogGroup)
}

// rejectExprs logs the packet to RejectLogGroup and drops it.
func rejectExprs(egress bool) []expr.Any {
	return []expr.Any{
		&expr.Log{Key: 1<<unix.NFTA_LOG_GROUP | 1<<unix.NFTA_LOG_PREFIX, Group: RejectLogGroup, Data: []byte(rejectPrefix(egress))},
		verdict(expr.VerdictDrop),
	}
}

// ruleset is a compiled firewall: the google/nftables objects of table inet vpcd, in the
// order they are added, with nft's text syntax alongside for golden tests and logs.
type ruleset struct {
	table  *nftables.Table
	chains []*nftables.Chain
	sets   []*compiledSet
	rules  []compiledRule
	// policy and hook lines of base chains, by chain name, for the text.
	heads map[string]string
}

type compiledSet struct {
	set   *nftables.Set
	elems []nftables.SetElement
	decl  string   // "type ifname . ipv4_addr; flags interval"
	text  []string // one line per element
}

type compiledRule struct {
	chain *nftables.Chain
	exprs []expr.Any
	text  string
}

// String is the ruleset in the syntax of `nft list table inet vpcd`.
func (r *ruleset) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "table inet %s {\n", tableName)
	for _, s := range r.sets {
		kind := "set"
		if s.set.IsMap {
			kind = "map"
		}
		fmt.Fprintf(&sb, "\t%s %s {\n\t\t%s\n", kind, s.set.Name, s.decl)
		if len(s.text) > 0 {
			sb.WriteString("\t\telements = {\n")
			for _, e := range s.text {
				fmt.Fprintf(&sb, "\t\t\t%s,\n", e)
			}
			sb.WriteString("\t\t}\n")
		}
		sb.WriteString("\t}\n")
	}
	for _, c := range r.chains {
		fmt.Fprintf(&sb, "\tchain %s {\n", c.Name)
		if h := r.heads[c.Name]; h != "" {
			fmt.Fprintf(&sb, "\t\t%s\n", h)
		}
		for _, rule := range r.rules {
			if rule.chain == c {
				fmt.Fprintf(&sb, "\t\t%s\n", rule.text)
			}
		}
		sb.WriteString("\t}\n")
	}
	sb.WriteString("}\n")
	return sb.String()
}

// fingerprint names this ruleset; it is kept in the comment of the first rule so that
// Apply can tell whether the kernel already has it.
func (r *ruleset) fingerprint() string {
	sum := sha256.Sum256([]byte(r.String()))
	return "vpcd " + hex.EncodeToString(sum[:12])
}

// rulesIn counts the rules of a chain.
func (r *ruleset) rulesIn(chain string) int {
	n := 0
	for _, rule := range r.rules {
		if rule.chain.Name == chain {
			n++
		}
	}
	return n
}

// compileFirewall turns a plan's firewall into the ruleset of table inet vpcd. It is a
// pure function: the kernel is not involved until the ruleset is flushed.
func compileFirewall(f *plan.Firewall) (*ruleset, error) {
	r := &ruleset{
		table: &nftables.Table{Name: tableName, Family: nftables.TableFamilyINet},
		heads: map[string]string{},
	}
	ifaces := append([]plan.FirewallInterface(nil), f.Interfaces...)
	sort.Slice(ifaces, func(i, j int) bool { return ifaces[i].Link < ifaces[j].Link })
	for i := 1; i < len(ifaces); i++ {
		if ifaces[i].Link == ifaces[i-1].Link {
			return nil, fmt.Errorf("firewall: link %s listed twice", ifaces[i].Link)
		}
	}
	for _, fi := range ifaces {
		if err := checkIfname(fi.Link); err != nil {
			return nil, err
		}
	}

	forward := r.baseChain("forward", nftables.ChainTypeFilter, nftables.ChainHookForward,
		nftables.ChainPriorityFilter, "type filter hook forward priority filter; policy accept;")

	// Source/destination check.
	sdcLinks := r.addSet("sdc-links", "type ifname", &nftables.Set{KeyType: nftables.TypeIFName})
	sdc4 := r.addSet("sdc4", "type ifname . ipv4_addr", &nftables.Set{
		KeyType: nftables.MustConcatSetType(nftables.TypeIFName, nftables.TypeIPAddr)})
	sdc6 := r.addSet("sdc6", "type ifname . ipv6_addr", &nftables.Set{
		KeyType: nftables.MustConcatSetType(nftables.TypeIFName, nftables.TypeIP6Addr)})
	for _, fi := range ifaces {
		if !fi.SourceDestCheck {
			continue
		}
		sdcLinks.add(nftables.SetElement{Key: ifname(fi.Link)}, quote(fi.Link))
		addrs := append([]netip.Addr(nil), fi.Addrs...)
		sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
		for _, a := range addrs {
			a = a.Unmap()
			s := sdc4
			if a.Is6() {
				s = sdc6
			}
			s.add(nftables.SetElement{Key: concat(ifname(fi.Link), a.AsSlice())}, quote(fi.Link)+" . "+a.String())
		}
	}
	egress := r.addSet("egress", "type ifname : verdict", &nftables.Set{
		KeyType: nftables.TypeIFName, DataType: nftables.TypeVerdict, IsMap: true})
	ingress := r.addSet("ingress", "type ifname : verdict", &nftables.Set{
		KeyType: nftables.TypeIFName, DataType: nftables.TypeVerdict, IsMap: true})

	r.clampMSS(forward, f.ClampLinks)
	r.addRule(forward, "ct state invalid drop", ctState(expr.CtStateBitINVALID), verdict(expr.VerdictDrop))
	for _, fam := range []family{ipv4, ipv6} {
		set := sdc4
		if fam == ipv6 {
			set = sdc6
		}
		r.addRule(forward,
			fmt.Sprintf("meta nfproto %s iifname @sdc-links iifname . %s saddr != @%s drop", fam.name, fam.name, set.set.Name),
			nfproto(fam), meta(expr.MetaKeyIIFNAME, reg1), lookup(sdcLinks, reg1, false),
			meta(expr.MetaKeyIIFNAME, reg32(0)), fam.addr(false, reg32(4)), lookup(set, reg32(0), true),
			verdict(expr.VerdictDrop))
		r.addRule(forward,
			fmt.Sprintf("meta nfproto %s oifname @sdc-links oifname . %s daddr != @%s drop", fam.name, fam.name, set.set.Name),
			nfproto(fam), meta(expr.MetaKeyOIFNAME, reg1), lookup(sdcLinks, reg1, false),
			meta(expr.MetaKeyOIFNAME, reg32(0)), fam.addr(true, reg32(4)), lookup(set, reg32(0), true),
			verdict(expr.VerdictDrop))
	}
	aclEgress, aclIngress := r.aclJumps(forward, f)
	closed, inbound, err := r.blockSets(f.Blocked)
	if err != nil {
		return nil, err
	}
	r.blockRules(forward, closed, false)
	r.addRule(forward, "ct state established,related accept",
		ctState(expr.CtStateBitESTABLISHED|expr.CtStateBitRELATED), verdict(expr.VerdictAccept))
	if err := r.egressOnly(forward, f.EgressOnlyLinks); err != nil {
		return nil, err
	}
	r.blockRules(forward, inbound, true)
	r.addRule(forward, "iifname vmap @egress", meta(expr.MetaKeyIIFNAME, reg1), vmap(egress, reg1))
	if err := r.privateLinks(forward, f.PrivateLinks); err != nil {
		return nil, err
	}
	r.lbAdmitted(forward, f.LoadBalancers)
	r.addRule(forward, "oifname vmap @ingress", meta(expr.MetaKeyOIFNAME, reg1), vmap(ingress, reg1))

	for _, fi := range ifaces {
		for _, g := range []struct {
			dir       string
			vmap      *compiledSet
			perms     []plan.Permission
			peerIsDst bool
		}{{"egress", egress, fi.Egress, true}, {"ingress", ingress, fi.Ingress, false}} {
			name := fi.Link + "-" + g.dir
			chain := r.chain(name)
			g.vmap.add(nftables.SetElement{Key: ifname(fi.Link), VerdictData: &expr.Verdict{Kind: expr.VerdictJump, Chain: name}},
				quote(fi.Link)+" : jump "+name)
			if err := r.gate(chain, g.perms, g.peerIsDst); err != nil {
				return nil, fmt.Errorf("firewall: %s of %s: %w", g.dir, fi.Link, err)
			}
		}
	}
	if err := r.acls(f, aclEgress, aclIngress); err != nil {
		return nil, err
	}
	r.endpointChains(f.Endpoints, sdcLinks, sdc4, egress, aclEgress, aclIngress)
	if err := r.nat(forward, f.NAT, f.GatewayLinks, f.Public); err != nil {
		return nil, err
	}
	if err := r.loadBalancers(f.LoadBalancers); err != nil {
		return nil, err
	}
	return r, nil
}

// blockSets are VPC Block Public Access's sets, by family: closed holds the link .
// address pairs whose traffic stops both ways, inbound those whose new flows in stop.
func (r *ruleset) blockSets(blocks []plan.GatewayBlock) (closed, inbound [2]*compiledSet, err error) {
	if len(blocks) == 0 {
		return closed, inbound, nil
	}
	for i, fam := range []struct{ suffix, decl string }{{"4", "ipv4_addr"}, {"6", "ipv6_addr"}} {
		typ := nftables.TypeIPAddr
		if i == 1 {
			typ = nftables.TypeIP6Addr
		}
		closed[i] = r.addSet("bpa-closed"+fam.suffix, "type ifname . "+fam.decl, &nftables.Set{KeyType: nftables.MustConcatSetType(nftables.TypeIFName, typ)})
		inbound[i] = r.addSet("bpa-inbound"+fam.suffix, "type ifname . "+fam.decl, &nftables.Set{KeyType: nftables.MustConcatSetType(nftables.TypeIFName, typ)})
	}
	sorted := slices.Clone(blocks)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Link != sorted[j].Link {
			return sorted[i].Link < sorted[j].Link
		}
		return sorted[i].Addr.Less(sorted[j].Addr)
	})
	sorted = slices.Compact(sorted)
	for _, b := range sorted {
		if err := checkIfname(b.Link); err != nil {
			return closed, inbound, err
		}
		a := b.Addr.Unmap()
		i := 0
		if a.Is6() {
			i = 1
		}
		set := closed[i]
		if b.InboundOnly {
			set = inbound[i]
		}
		set.add(nftables.SetElement{Key: concat(ifname(b.Link), a.AsSlice())}, quote(b.Link)+" . "+a.String())
	}
	return closed, inbound, nil
}

// blockRules drops, per family, what enters a gateway link from a set's address (unless
// inboundOnly) and what comes out of the link to one: before the accept of tracked flows
// for the closed sets, so that nothing passes, and after it for the inbound ones, so that
// replies do.
func (r *ruleset) blockRules(forward *nftables.Chain, sets [2]*compiledSet, inboundOnly bool) {
	for i, fam := range []family{ipv4, ipv6} {
		set := sets[i]
		if set == nil {
			continue
		}
		if !inboundOnly {
			r.addRule(forward, fmt.Sprintf("meta nfproto %s oifname . %s saddr @%s drop", fam.name, fam.name, set.set.Name),
				nfproto(fam), meta(expr.MetaKeyOIFNAME, reg32(0)), fam.addr(false, reg32(4)), lookup(set, reg32(0), false),
				verdict(expr.VerdictDrop))
		}
		r.addRule(forward, fmt.Sprintf("meta nfproto %s iifname . %s daddr @%s drop", fam.name, fam.name, set.set.Name),
			nfproto(fam), meta(expr.MetaKeyIIFNAME, reg32(0)), fam.addr(true, reg32(4)), lookup(set, reg32(0), false),
			verdict(expr.VerdictDrop))
	}
}

// egressOnly drops what comes in through an egress-only internet gateway's link unless
// it belongs to a flow that went out (accepted just before): the gateway is stateful,
// and a flow the internet opens stops there.
func (r *ruleset) egressOnly(forward *nftables.Chain, links []string) error {
	if len(links) == 0 {
		return nil
	}
	set := r.addSet("egress-only-links", "type ifname", &nftables.Set{KeyType: nftables.TypeIFName})
	for _, l := range slices.Compact(slices.Sorted(slices.Values(links))) {
		if err := checkIfname(l); err != nil {
			return err
		}
		set.add(nftables.SetElement{Key: ifname(l)}, quote(l))
	}
	r.addRule(forward, "iifname @egress-only-links drop", meta(expr.MetaKeyIIFNAME, reg1), lookup(set, reg1, false), verdict(expr.VerdictDrop))
	return nil
}

func (r *ruleset) baseChain(name string, typ nftables.ChainType, hook *nftables.ChainHook, prio *nftables.ChainPriority, head string) *nftables.Chain {
	accept := nftables.ChainPolicyAccept
	c := &nftables.Chain{Name: name, Table: r.table, Type: typ, Hooknum: hook, Priority: prio, Policy: &accept}
	r.chains = append(r.chains, c)
	r.heads[name] = head
	return c
}

func (r *ruleset) chain(name string) *nftables.Chain {
	c := &nftables.Chain{Name: name, Table: r.table}
	r.chains = append(r.chains, c)
	return c
}

// addSet declares a named set; its ID is its place in the batch, so that rules can refer
// to it before the kernel has seen it.
func (r *ruleset) addSet(name, decl string, s *nftables.Set) *compiledSet {
	s.Table, s.Name, s.ID = r.table, name, uint32(len(r.sets)+1)
	cs := &compiledSet{set: s, decl: decl}
	r.sets = append(r.sets, cs)
	return cs
}

func (s *compiledSet) add(e nftables.SetElement, text string) {
	s.elems = append(s.elems, e)
	s.text = append(s.text, text)
}

func (r *ruleset) addRule(c *nftables.Chain, text string, exprs ...any) {
	var flat []expr.Any
	for _, e := range exprs {
		switch e := e.(type) {
		case expr.Any:
			flat = append(flat, e)
		case []expr.Any:
			flat = append(flat, e...)
		default:
			panic(fmt.Sprintf("addRule: %T is not an expression", e))
		}
	}
	r.rules = append(r.rules, compiledRule{chain: c, exprs: flat, text: text})
}

func checkIfname(name string) error {
	if name == "" || len(name) >= unix.IFNAMSIZ {
		return fmt.Errorf("firewall: bad interface name %q", name)
	}
	return nil
}

// ifname is an interface name as nftables keys it: IFNAMSIZ bytes, zero padded.
func ifname(name string) []byte {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return b
}

func quote(s string) string { return `"` + s + `"` }

// concat joins the fields of a concatenated key, each padded to a 4-byte register.
func concat(fields ...[]byte) []byte {
	var out []byte
	for _, f := range fields {
		out = append(out, f...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

// family is IPv4 or IPv6 as the rules of the inet table tell them apart.
type family struct {
	name    string // "ip", "ip6"
	nfproto byte
	icmp    byte // the ICMP protocol number of the family
	icmpTxt string
	width   int // address bytes
	saddr   uint32
	daddr   uint32
}

var (
	ipv4 = family{"ip", unix.NFPROTO_IPV4, unix.IPPROTO_ICMP, "icmp", 4, 12, 16}
	ipv6 = family{"ip6", unix.NFPROTO_IPV6, unix.IPPROTO_ICMPV6, "icmpv6", 16, 8, 24}
)

func (f family) addr(dst bool, reg uint32) expr.Any {
	off := f.saddr
	if dst {
		off = f.daddr
	}
	return &expr.Payload{DestRegister: reg, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: uint32(f.width)}
}

func nfproto(f family) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: reg1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte{f.nfproto}},
	}
}

func meta(key expr.MetaKey, reg uint32) expr.Any {
	return &expr.Meta{Key: key, Register: reg}
}

func transport(off, n, reg uint32) expr.Any {
	return &expr.Payload{DestRegister: reg, Base: expr.PayloadBaseTransportHeader, Offset: off, Len: n}
}

func ctState(bits uint32) []expr.Any {
	return []expr.Any{
		&expr.Ct{Register: reg1, Key: expr.CtKeySTATE},
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(bits), Xor: binaryutil.NativeEndian.PutUint32(0)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: reg1, Data: binaryutil.NativeEndian.PutUint32(0)},
	}
}

func lookup(s *compiledSet, reg uint32, invert bool) expr.Any {
	return &expr.Lookup{SourceRegister: reg, SetName: s.set.Name, SetID: s.set.ID, Invert: invert}
}

func vmap(s *compiledSet, reg uint32) expr.Any {
	return &expr.Lookup{SourceRegister: reg, SetName: s.set.Name, SetID: s.set.ID, DestRegister: 0, IsDestRegSet: true}
}

func verdict(k expr.VerdictKind) expr.Any { return &expr.Verdict{Kind: k} }

// clampMSS lowers the MSS of TCP SYNs (and SYN-ACKs) that enter or leave through the
// links to plan.ClampMSS, when they offer more: a VPN tunnel carries smaller packets than
// the links around it.
func (r *ruleset) clampMSS(forward *nftables.Chain, links []string) {
	if len(links) == 0 {
		return
	}
	set := r.addSet("clamp-links", "type ifname", &nftables.Set{KeyType: nftables.TypeIFName})
	for _, l := range slices.Sorted(slices.Values(links)) {
		set.add(nftables.SetElement{Key: ifname(l)}, quote(l))
	}
	mss := binaryutil.BigEndian.PutUint16(plan.ClampMSS)
	syn := []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: reg1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte{unix.IPPROTO_TCP}},
		&expr.Payload{DestRegister: reg1, Base: expr.PayloadBaseTransportHeader, Offset: 13, Len: 1},
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 1, Mask: []byte{0x02}, Xor: []byte{0}},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: reg1, Data: []byte{0}},
	}
	clamp := []expr.Any{
		&expr.Exthdr{DestRegister: reg1, Type: 2, Offset: 2, Len: 2, Op: expr.ExthdrOpTcpopt},
		&expr.Cmp{Op: expr.CmpOpGt, Register: reg1, Data: mss},
		&expr.Immediate{Register: reg1, Data: mss},
		&expr.Exthdr{SourceRegister: reg1, Type: 2, Offset: 2, Len: 2, Op: expr.ExthdrOpTcpopt},
	}
	for _, dir := range []struct {
		name string
		key  expr.MetaKey
	}{{"iifname", expr.MetaKeyIIFNAME}, {"oifname", expr.MetaKeyOIFNAME}} {
		r.addRule(forward, fmt.Sprintf("%s @clamp-links tcp flags syn tcp option maxseg size > %d tcp option maxseg size set %d", dir.name, plan.ClampMSS, plan.ClampMSS),
			meta(dir.key, reg1), lookup(set, reg1, false), syn, clamp)
	}
}
