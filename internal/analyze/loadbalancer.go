package analyze

import (
	"fmt"
	"net/netip"
	"slices"

	"vpcd/internal/model"
)

// Kinds of the hops of a network load balancer: the load balancer where a flow to a
// listener of one of its nodes gets its target (the router's DNAT, plan/loadbalancer.go),
// and the group the listener forwards to.
const (
	KindLoadBalancer = "load-balancer"
	KindTargetGroup  = "target-group"
)

// Codes of a flow to a load balancer node that no target takes (vpcd's own: AWS
// documents none for them).
const (
	CodeNoListener = "LOAD_BALANCER_NO_LISTENER" // no listener of the node has the protocol and port
	CodeNoTarget   = "LOAD_BALANCER_NO_TARGET"   // the listener's group has no target the node may send to
)

// lbFlow is a load balancer's translation of the flow under analysis: the node's
// address and listener port, the client's address and ports, and the target's.
type lbFlow struct {
	node, client, target netip.Addr
	port, targetPort     int
	clientPorts          [2]int
	snat                 bool
	guarded              bool // the load balancer has security groups
}

// loadBalancer passes a new flow to a listener of a node on to a target of the
// listener's group: the first backend the node sends to (model.Backends), or the one
// the query names (t.want). ok is false when the flow is no load balancer's; the packet
// is the zero Packet when the load balancer drops it.
func (t *tracer) loadBalancer(p Packet, vpc string) (Packet, bool) {
	n := t.ix.n
	lb, node, ok := n.LoadBalancerNodeAt(p.Dst)
	if !ok || lb.VPC != vpc || node.Addr != p.Dst || (p.Protocol != 6 && p.Protocol != 17) {
		return p, false
	}
	hop := Hop{Kind: KindLoadBalancer, ID: lb.ID, VPC: vpc, Subnet: node.Subnet, Header: p}
	var l *model.Listener
	for _, c := range n.ListenersOf(lb.ID) {
		if c.Port == p.DstPorts[0] && slices.Contains(protocolsOf(c.Protocol), p.Protocol) {
			l = c
		}
	}
	if l == nil || n.TargetGroups[l.TargetGroup] == nil {
		t.hop(hop)
		t.block(Explanation{Code: CodeNoListener, Kind: KindLoadBalancer, ID: lb.ID, VPC: vpc, Address: p.Dst,
			Message: fmt.Sprintf("%s has no %s listener on port %d", lb.ID, protoName(p.Protocol), p.DstPorts[0])})
		return Packet{}, true
	}
	if len(lb.Groups) > 0 && !t.lbAdmits(lb, p) {
		t.block(Explanation{Code: CodeSecurityGroup, Kind: KindLoadBalancer, ID: lb.ID, VPC: vpc, Direction: "ingress", Groups: lb.Groups, Address: p.Src,
			Message: fmt.Sprintf("no inbound rule of %s's security groups lets %s in to port %d", lb.ID, p.Src, p.DstPorts[0])})
	}
	tg := n.TargetGroups[l.TargetGroup]
	backends := n.Backends(lb, node, tg)
	if len(backends) == 0 {
		t.hop(hop)
		t.block(Explanation{Code: CodeNoTarget, Kind: KindTargetGroup, ID: tg.ID, VPC: vpc, Address: p.Dst,
			Message: fmt.Sprintf("%s has no target that the node of %s in zone %s sends to", tg.ID, lb.ID, node.Zone)})
		return Packet{}, true
	}
	b := backends[0]
	for _, c := range backends {
		if c.Addr == t.want || (t.wantInstance != "" && c.Target == t.wantInstance) {
			b = c
			break
		}
	}
	q := p
	q.Dst, q.DstPorts = b.Addr, [2]int{b.Port, b.Port}
	if !tg.PreserveClientIP {
		q.Src = node.Addr
	}
	t.lb = &lbFlow{node: node.Addr, client: p.Src, clientPorts: p.SrcPorts, port: p.DstPorts[0], target: b.Addr, targetPort: b.Port, snat: !tg.PreserveClientIP,
		guarded: len(lb.Groups) > 0}
	t.hop(translated(hop, q))
	t.hop(Hop{Kind: KindTargetGroup, ID: tg.ID, VPC: vpc, Header: q})
	return q, true
}

// lbReply gives the answer of the load balancer's target back the node's address and
// port as its source, and the client's address when the target answered the node.
func (t *tracer) lbReply(p Packet, vpc string) Packet {
	f := t.lb
	if f == nil || p.Src != f.target || p.SrcPorts[0] != f.targetPort {
		return p
	}
	q := p
	q.Src, q.SrcPorts = f.node, [2]int{f.port, f.port}
	if f.snat && p.Dst == f.node {
		q.Dst, q.DstPorts = f.client, f.clientPorts
	}
	lb, _, _ := t.ix.n.LoadBalancerNodeAt(f.node)
	t.hop(translated(Hop{Kind: KindLoadBalancer, ID: lb.ID, VPC: vpc, Header: p}, q))
	return q
}

// lbPeer is the address a target's ingress gate takes a flow from: the node's, when the
// load balancer has security groups and the target's admit the node (model.AdmitsNode),
// else the packet's source (the client's, or the node's after SNAT).
func (t *tracer) lbPeer(p Packet, o *model.Interface) netip.Addr {
	f := t.lb
	if f == nil || !f.guarded || p.Dst != f.target || !o.Owns(p.Dst) {
		return p.Src
	}
	if t.ix.n.AdmitsNode(model.LoadBalancerNode{Addr: f.node}, o, p.Protocol, p.DstPorts[0], t.ix.groups) {
		return f.node
	}
	return p.Src
}

// lbAdmits: an inbound rule of the load balancer's groups lets the client in.
func (t *tracer) lbAdmits(lb *model.LoadBalancer, p Packet) bool {
	for _, g := range lb.Groups {
		sg := t.ix.n.SecurityGroups[g]
		if sg == nil {
			continue
		}
		for _, r := range sg.Rules {
			if !r.Egress && t.ix.n.MatchesIn(r, model.Packet{Protocol: p.Protocol, Peer: p.Src, Port: p.DstPorts[0]}, t.ix.groups) {
				return true
			}
		}
	}
	return false
}

// protocolsOf are the IP protocols of a listener's protocol.
func protocolsOf(p string) []int {
	switch p {
	case "UDP":
		return []int{17}
	case "TCP_UDP":
		return []int{6, 17}
	}
	return []int{6}
}
