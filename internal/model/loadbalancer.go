package model

import (
	"net/netip"
	"slices"
	"time"
)

// LoadBalancer is a network load balancer (Elastic Load Balancing v2): a node in each of
// its zones, whose address is its requester-managed interface's there, that passes each
// new flow to one listener's port on to a target of the listener's target group. The
// flow keeps its target for its life; which target a new flow gets is a hash of its
// five-tuple among the targets that may take new flows.
type LoadBalancer struct {
	ID, VPC string
	Nodes   []LoadBalancerNode // in zone order
	// CrossZone is load_balancing.cross_zone.enabled: a node sends to the targets of
	// every zone, not only of its own (off by default for network load balancers).
	CrossZone bool
	Groups    []string // its security groups, none for a load balancer created without
}

// LoadBalancerNode is a load balancer's node in one zone.
type LoadBalancerNode struct {
	Zone, Subnet, Interface string
	Addr                    netip.Addr // the interface's private IPv4 address
	Public                  netip.Addr // an internet-facing load balancer's, else invalid
}

// Listener is a load balancer's listener: new flows of Protocol (TCP, UDP, TCP_UDP; TLS
// is refused by the API) to Port of a node go to TargetGroup.
type Listener struct {
	ID, LoadBalancer, VPC string
	Protocol              string
	Port                  int
	TargetGroup           string
}

// TargetGroup is a target group: its targets, their health as its health checks found
// it, and what decides how flows reach them.
type TargetGroup struct {
	ID, VPC    string
	Owner      string // its account
	Region     string
	Protocol   string // TCP, UDP, TCP_UDP, TLS
	Port       int
	TargetType string // instance or ip
	// PreserveClientIP is preserve_client_ip.enabled: the target sees the client's
	// address; otherwise the flow reaches it from the node's address.
	PreserveClientIP bool
	// CrossZone is the group's load_balancing.cross_zone.enabled: "true", "false", or ""
	// for the load balancer's setting.
	CrossZone string
	Health    HealthCheck
	Targets   []Target
}

// HealthCheck is a target group's health check: Protocol TCP (a connection), HTTP or
// HTTPS (a GET of Path whose status is in Matcher, "200-399" or "200,202"), to Port
// ("traffic-port": the target's own), every Interval; a target becomes healthy after
// Healthy checks in a row succeed and unhealthy after Unhealthy fail.
type HealthCheck struct {
	Protocol, Port, Path, Matcher string
	Interval, Timeout             time.Duration
	Healthy, Unhealthy            int
}

// The states of a target (DescribeTargetHealth's TargetHealth.State).
const (
	TargetInitial   = "initial"
	TargetHealthy   = "healthy"
	TargetUnhealthy = "unhealthy"
	TargetDraining  = "draining"
	TargetUnused    = "unused"
)

// Target is a registered target: an instance ID or an IP address, its port, and its state.
type Target struct {
	ID    string
	Port  int
	Zone  string // an ip target's zone as registered ("all" for outside the VPC), else ""
	State string // TargetInitial, TargetHealthy, TargetUnhealthy or TargetDraining
}

// Backend is where a node sends a new flow: a target's address and port.
type Backend struct {
	Target string // its ID
	Addr   netip.Addr
	Port   int
	Zone   string
}

// TargetAddr is the address and zone a target is reached at: an instance's primary
// private address and its subnet's zone, or an ip target's own address and the zone of
// the subnet that holds it; ok is false for an instance that is not running.
func (n *Network) TargetAddr(tg *TargetGroup, t Target) (netip.Addr, string, bool) {
	if tg.TargetType == "instance" {
		inst := n.Instances[t.ID]
		if inst == nil || !inst.Running || len(inst.Interfaces) == 0 {
			return netip.Addr{}, "", false
		}
		eni := n.Interfaces[inst.Interfaces[0]]
		if eni == nil || len(eni.PrivateIPs) == 0 {
			return netip.Addr{}, "", false
		}
		return eni.PrivateIPs[0], inst.AvailabilityZone, true
	}
	a, err := netip.ParseAddr(t.ID)
	if err != nil {
		return netip.Addr{}, "", false
	}
	zone := t.Zone
	for _, id := range SortedKeys(n.Subnets) {
		if s := n.Subnets[id]; s.VPC == tg.VPC && s.CIDR.Contains(a) {
			zone = s.Zone
		}
	}
	return a, zone, true
}

// CrossZone reports whether a load balancer's nodes send a group's flows to every zone.
func (tg *TargetGroup) crossZone(lb *LoadBalancer) bool {
	switch tg.CrossZone {
	case "true":
		return true
	case "false":
		return false
	}
	return lb.CrossZone
}

// Backends are the targets to which a node of lb sends new flows of a group, in target
// order: those that can be reached (a running instance, an address) and are not draining,
// of the node's zone unless cross-zone load balancing is on. Of them, the healthy ones
// take new flows; when none is, the node fails open and sends to all of them, as AWS's
// does when every target is unhealthy.
func (n *Network) Backends(lb *LoadBalancer, node LoadBalancerNode, tg *TargetGroup) []Backend {
	cross := tg.crossZone(lb)
	var all, healthy []Backend
	for _, t := range tg.Targets {
		// Only a healthy target takes new flows; with none healthy, every target does
		// (fail open), those not checked yet too.
		if t.State == TargetDraining {
			continue
		}
		addr, zone, ok := n.TargetAddr(tg, t)
		if !ok || (!cross && zone != node.Zone && zone != "all") {
			continue
		}
		b := Backend{Target: t.ID, Addr: addr, Port: t.Port, Zone: zone}
		all = append(all, b)
		if t.State == TargetHealthy {
			healthy = append(healthy, b)
		}
	}
	if len(healthy) > 0 {
		return healthy
	}
	return all
}

// LoadBalancerNodeAt is the load balancer node whose private or public address a is.
func (n *Network) LoadBalancerNodeAt(a netip.Addr) (*LoadBalancer, LoadBalancerNode, bool) {
	for _, id := range SortedKeys(n.LoadBalancers) {
		lb := n.LoadBalancers[id]
		if i := slices.IndexFunc(lb.Nodes, func(nd LoadBalancerNode) bool { return nd.Addr == a || nd.Public == a }); i >= 0 {
			return lb, lb.Nodes[i], true
		}
	}
	return nil, LoadBalancerNode{}, false
}

// ListenersOf are a load balancer's listeners, by port.
func (n *Network) ListenersOf(lb string) []*Listener {
	var out []*Listener
	for _, id := range SortedKeys(n.Listeners) {
		if l := n.Listeners[id]; l.LoadBalancer == lb {
			out = append(out, l)
		}
	}
	slices.SortStableFunc(out, func(a, b *Listener) int { return a.Port - b.Port })
	return out
}

// GroupsAdmit reports whether a rule of the groups of one direction lets a new flow
// through, the members of groups named by rules taken from members (GroupAddresses).
func (n *Network) GroupsAdmit(groups []string, egress bool, p Packet, members map[string][]netip.Addr) bool {
	for _, gid := range groups {
		if g := n.SecurityGroups[gid]; g != nil {
			for _, r := range g.Rules {
				if r.Egress == egress && n.MatchesIn(r, p, members) {
					return true
				}
			}
		}
	}
	return false
}

// AdmitsNode reports whether a target's security groups let in a flow of the protocol
// to its port from a load balancer node's address. A target sees that address when its
// group does not preserve the client's; and, of a load balancer with security groups, a
// target whose groups admit the node (by a rule that names the load balancer's group, or
// a CIDR) takes its flows whatever the client's address, as AWS documents ("even if you
// enable client IP preservation").
func (n *Network) AdmitsNode(node LoadBalancerNode, target *Interface, protocol, port int, members map[string][]netip.Addr) bool {
	return target != nil && n.GroupsAdmit(target.Groups, false, Packet{Protocol: protocol, Port: port, Peer: node.Addr}, members)
}
