package linux

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"vpcd/internal/plan"
)

// The network load balancers of a router (plan.LoadBalancerListener) compile to:
//
//	map lb-listeners: meta l4proto . ip daddr . th dport : jump lb-N, one per listener
//	chain lb-prerouting (nat, before the gateways' dnat): vmap @lb-listeners
//	chain lb-N: [jump lb-N-ingress: the load balancer's security groups, a gate as an
//	  interface's (gate.go)] [ct mark set M] dnat ip to jhash ip saddr . ip daddr . th sport . th dport
//	  mod K map @lb-N-targets (K targets), or drop for none
//	chain lb-postrouting (nat): snat ip to ct mark map @lb-snat, for the flows whose
//	  group does not preserve the client's address (M names the node's address)
//	chain lb-input (filter): what reaches a node's own address is only the answers to its
//	  health checks
//	chain lb-output (filter): a health check meets its target's ingress gate
//
// Only a flow's first packet meets the nat chains: conntrack keeps its target for its
// life, so a change of targets (one unhealthy, one draining) sends new flows elsewhere and
// leaves the flows under way where they are.

// lbPriorityNATDest is before the internet gateways' dnat (dstnat), so that a flow to
// an internet-facing node's public address is passed to a target at once: a connection
// gets one destination translation only.
var lbPriorityNATDest = nftables.ChainPriorityRef(*nftables.ChainPriorityNATDest - 1)

// sortedListeners are the listeners in the order their chains are numbered.
func sortedListeners(listeners []plan.LoadBalancerListener) []plan.LoadBalancerListener {
	ls := slices.Clone(listeners)
	slices.SortFunc(ls, func(a, b plan.LoadBalancerListener) int {
		if c := a.Addr.Compare(b.Addr); c != 0 {
			return c
		}
		if a.Protocol != b.Protocol {
			return a.Protocol - b.Protocol
		}
		return a.Port - b.Port
	})
	return ls
}

// A flow's ct mark says what the load balancer did to it: its low 16 bits name the
// address it is SNATed to (in @lb-snat), its high 16 bits the listener chain that passed
// it, when some of that listener's targets admit the node's address (@lb-admitted).
const (
	snatMask     = 0x0000ffff
	listenerMask = 0xffff0000
)

func listenerTag(i int) uint32 { return uint32(i+1) << 16 }

// lbAdmitted, in the forward chain before the receivers' ingress gates, accepts a new
// flow that a listener passed to a target whose groups admit the node's address
// (plan.LoadBalancerListener.Admitted), and drops a flow to be SNATed that goes to any
// other target: the gates see the client's address, SNAT comes after them.
func (r *ruleset) lbAdmitted(forward *nftables.Chain, listeners []plan.LoadBalancerListener) {
	var set *compiledSet
	snat := false
	for i, l := range sortedListeners(listeners) {
		snat = snat || l.Source.IsValid()
		if len(l.Admitted) == 0 {
			continue
		}
		if set == nil {
			set = r.addSet("lb-admitted", "type mark . ipv4_addr . inet_service", &nftables.Set{
				KeyType: nftables.MustConcatSetType(nftables.TypeMark, nftables.TypeIPAddr, nftables.TypeInetService)})
		}
		for _, b := range l.Admitted {
			set.add(nftables.SetElement{Key: concat(binaryutil.NativeEndian.PutUint32(listenerTag(i)), b.Addr.AsSlice(), binaryutil.BigEndian.PutUint16(uint16(b.Port)))},
				fmt.Sprintf("0x%08x . %s . %d", listenerTag(i), b.Addr, b.Port))
		}
	}
	if set != nil {
		r.addRule(forward, fmt.Sprintf("meta nfproto ipv4 ct mark & 0x%08x . ip daddr . th dport @lb-admitted accept", uint32(listenerMask)),
			nfproto(ipv4), &expr.Ct{Register: reg32(0), Key: expr.CtKeyMARK}, maskMark(reg32(0), listenerMask),
			ipv4.addr(true, reg32(1)), transport(2, 2, reg32(2)), lookup(set, reg32(0), false), verdict(expr.VerdictAccept))
	}
	if snat {
		r.addRule(forward, fmt.Sprintf("ct mark & 0x%08x != 0 %s", uint32(snatMask), rejectText(false)),
			&expr.Ct{Register: reg1, Key: expr.CtKeyMARK}, maskMark(reg1, snatMask),
			&expr.Cmp{Op: expr.CmpOpNeq, Register: reg1, Data: binaryutil.NativeEndian.PutUint32(0)}, rejectExprs(false))
	}
}

// maskMark keeps the bits of mask of the mark in reg.
func maskMark(reg, mask uint32) expr.Any {
	return &expr.Bitwise{SourceRegister: reg, DestRegister: reg, Len: 4,
		Mask: binaryutil.NativeEndian.PutUint32(mask), Xor: binaryutil.NativeEndian.PutUint32(0)}
}

func (r *ruleset) loadBalancers(listeners []plan.LoadBalancerListener) error {
	if len(listeners) == 0 {
		return nil
	}
	ls := sortedListeners(listeners)
	dispatch := r.addSet("lb-listeners", "type inet_proto . ipv4_addr . inet_service : verdict", &nftables.Set{
		KeyType:  nftables.MustConcatSetType(nftables.TypeInetProto, nftables.TypeIPAddr, nftables.TypeInetService),
		DataType: nftables.TypeVerdict, IsMap: true})
	pre := r.baseChain("lb-prerouting", nftables.ChainTypeNAT, nftables.ChainHookPrerouting, lbPriorityNATDest,
		"type nat hook prerouting priority dstnat - 1; policy accept;")
	r.addRule(pre, "meta nfproto ipv4 meta l4proto . ip daddr . th dport vmap @lb-listeners",
		nfproto(ipv4), meta(expr.MetaKeyL4PROTO, reg32(0)), ipv4.addr(true, reg32(1)), transport(2, 2, reg32(2)), vmap(dispatch, reg32(0)))
	marks := map[netip.Addr]uint32{}
	var sources []netip.Addr
	nodes := map[netip.Addr]bool{}
	for i, l := range ls {
		if !l.Addr.Is4() || (l.Protocol != unix.IPPROTO_TCP && l.Protocol != unix.IPPROTO_UDP) || l.Port < 1 || l.Port > 65535 {
			return fmt.Errorf("load balancer listener %s %d/%d: an IPv4 address and a TCP or UDP port needed", l.Addr, l.Protocol, l.Port)
		}
		if i > 0 && ls[i-1].Addr == l.Addr && ls[i-1].Protocol == l.Protocol && ls[i-1].Port == l.Port {
			return fmt.Errorf("load balancer listener %s %d/%d listed twice", l.Addr, l.Protocol, l.Port)
		}
		if l.Source.IsValid() {
			nodes[l.Source] = true
		}
		name := "lb-" + strconv.Itoa(i)
		dispatch.add(nftables.SetElement{Key: concat([]byte{byte(l.Protocol)}, l.Addr.AsSlice(), binaryutil.BigEndian.PutUint16(uint16(l.Port))),
			VerdictData: &expr.Verdict{Kind: expr.VerdictJump, Chain: name}},
			fmt.Sprintf("%s . %s . %d : jump %s", protoName(l.Protocol), l.Addr, l.Port, name))
		chain := r.chain(name)
		if l.Guarded {
			gate := r.chain(name + "-ingress")
			if err := r.gate(gate, l.Ingress, false); err != nil {
				return fmt.Errorf("load balancer listener %s %d/%d: %w", l.Addr, l.Protocol, l.Port, err)
			}
			r.addRule(chain, "jump "+gate.Name, &expr.Verdict{Kind: expr.VerdictJump, Chain: gate.Name})
		}
		if len(l.Backends) == 0 {
			r.addRule(chain, "drop", verdict(expr.VerdictDrop))
			continue
		}
		var markText string
		var markExprs []expr.Any
		var m uint32
		if len(l.Admitted) > 0 {
			m = listenerTag(i)
		}
		if l.Source.IsValid() {
			s, ok := marks[l.Source]
			if !ok {
				sources = append(sources, l.Source)
				s = uint32(len(sources))
				marks[l.Source] = s
			}
			m |= s
		}
		if m != 0 {
			markText = fmt.Sprintf("ct mark set 0x%08x ", m)
			markExprs = []expr.Any{
				&expr.Immediate{Register: reg1, Data: binaryutil.NativeEndian.PutUint32(m)},
				&expr.Ct{Register: reg1, Key: expr.CtKeyMARK, SourceRegister: true},
			}
		}
		targets := r.addSet(name+"-targets", "type mark : ipv4_addr . inet_service", &nftables.Set{
			KeyType: nftables.TypeMark, DataType: nftables.MustConcatSetType(nftables.TypeIPAddr, nftables.TypeInetService), IsMap: true})
		for k, b := range l.Backends {
			if !b.Addr.Is4() || b.Port < 1 || b.Port > 65535 {
				return fmt.Errorf("load balancer listener %s %d/%d: bad target %s:%d", l.Addr, l.Protocol, l.Port, b.Addr, b.Port)
			}
			targets.add(nftables.SetElement{Key: binaryutil.NativeEndian.PutUint32(uint32(k)),
				Val: concat(b.Addr.AsSlice(), binaryutil.BigEndian.PutUint16(uint16(b.Port)))},
				fmt.Sprintf("0x%08x : %s . %d", k, b.Addr, b.Port))
		}
		r.addRule(chain, fmt.Sprintf("%sdnat ip to jhash ip saddr . ip daddr . th sport . th dport mod %d map @%s", markText, len(l.Backends), targets.set.Name),
			markExprs,
			ipv4.addr(false, reg32(0)), ipv4.addr(true, reg32(1)), transport(0, 4, reg32(2)),
			&expr.Hash{SourceRegister: reg32(0), DestRegister: reg32(0), Length: 12, Modulus: uint32(len(l.Backends)), Type: expr.HashTypeJenkins},
			&expr.Lookup{SourceRegister: reg32(0), DestRegister: reg1, IsDestRegSet: true, SetName: targets.set.Name, SetID: targets.set.ID},
			&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: reg1, RegProtoMin: reg32(1), Specified: true})
	}
	if len(sources) > 0 {
		snat := r.addSet("lb-snat", "type mark : ipv4_addr", &nftables.Set{KeyType: nftables.TypeMark, DataType: nftables.TypeIPAddr, IsMap: true})
		for i, a := range sources {
			snat.add(nftables.SetElement{Key: binaryutil.NativeEndian.PutUint32(uint32(i + 1)), Val: a.AsSlice()}, fmt.Sprintf("0x%08x : %s", i+1, a))
		}
		post := r.baseChain("lb-postrouting", nftables.ChainTypeNAT, nftables.ChainHookPostrouting, nftables.ChainPriorityNATSource,
			"type nat hook postrouting priority srcnat; policy accept;")
		r.addRule(post, fmt.Sprintf("meta nfproto ipv4 snat ip to ct mark & 0x%08x map @lb-snat", uint32(snatMask)),
			nfproto(ipv4), &expr.Ct{Register: reg1, Key: expr.CtKeyMARK}, maskMark(reg1, snatMask),
			&expr.Lookup{SourceRegister: reg1, DestRegister: reg1, IsDestRegSet: true, SetName: snat.set.Name, SetID: snat.set.ID},
			&expr.NAT{Type: expr.NATTypeSourceNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: reg1})
	}
	r.lbInput(ls)
	return nil
}

// lbInput lets in to a node's private address only what answers its health checks: a
// packet to a port no listener has is dropped, not answered by the router.
func (r *ruleset) lbInput(ls []plan.LoadBalancerListener) {
	set := r.addSet("lb-nodes", "type ipv4_addr", &nftables.Set{KeyType: nftables.TypeIPAddr})
	seen := map[netip.Addr]bool{}
	for _, l := range ls {
		if !seen[l.Addr] {
			seen[l.Addr] = true
			set.add(nftables.SetElement{Key: l.Addr.AsSlice()}, l.Addr.String())
		}
	}
	input := r.baseChain("lb-input", nftables.ChainTypeFilter, nftables.ChainHookInput, nftables.ChainPriorityFilter,
		"type filter hook input priority filter; policy accept;")
	r.addRule(input, "meta nfproto ipv4 ip daddr @lb-nodes ct state established,related accept",
		nfproto(ipv4), ipv4.addr(true, reg1), lookup(set, reg1, false),
		ctState(expr.CtStateBitESTABLISHED|expr.CtStateBitRELATED), verdict(expr.VerdictAccept))
	r.addRule(input, "meta nfproto ipv4 ip daddr @lb-nodes drop",
		nfproto(ipv4), ipv4.addr(true, reg1), lookup(set, reg1, false), verdict(expr.VerdictDrop))
	// A health check meets its target's ingress gate, from the node's address, as AWS's
	// do: a target whose groups do not admit the node fails its checks.
	for _, s := range r.sets {
		if s.set.Name != "ingress" {
			continue
		}
		output := r.baseChain("lb-output", nftables.ChainTypeFilter, nftables.ChainHookOutput, nftables.ChainPriorityFilter,
			"type filter hook output priority filter; policy accept;")
		r.addRule(output, "meta nfproto ipv4 ip saddr @lb-nodes ct state new oifname vmap @ingress",
			nfproto(ipv4), ipv4.addr(false, reg1), lookup(set, reg1, false), ctState(expr.CtStateBitNEW),
			meta(expr.MetaKeyOIFNAME, reg1), vmap(s, reg1))
	}
}

func protoName(p int) string {
	switch p {
	case unix.IPPROTO_TCP:
		return "tcp"
	case unix.IPPROTO_UDP:
		return "udp"
	}
	return strconv.Itoa(p)
}

// DialFrom opens a connection from a local address of the named namespace (a load
// balancer node's, on a router's lo) to a remote address, as a health check does. The
// socket is made on a thread inside the namespace and stays there; the connection is
// then used from any goroutine.
func DialFrom(ctx context.Context, namespace string, local netip.Addr, remote netip.AddrPort, timeout time.Duration) (net.Conn, error) {
	ns, err := openNamespace(namespace)
	if err != nil {
		return nil, err
	}
	defer ns.Close()
	var conn net.Conn
	err = inNamespace(ns, func() error {
		d := net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: local.AsSlice()}}
		var err error
		conn, err = d.DialContext(ctx, "tcp4", remote.String())
		return err
	})
	return conn, err
}
