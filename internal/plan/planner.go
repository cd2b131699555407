package plan

import (
	"net/netip"
	"reflect"
	"slices"
	"sort"
	"strings"

	"vpcd/internal/model"
)

// LocalHost is the ID of the one host vpcd runs on today.
const LocalHost = "local"

// Host is the host a Planner plans for. Every VPC is on the local host today; with several
// hosts, each plans only the namespaces it carries.
type Host struct {
	ID string
	// Internet names the namespace of the simulated internet (Internet by default).
	Internet string
	// Underlay is each live host's underlay address, by host ID, this one's included:
	// the overlay (overlay.go) reaches the interfaces placed on the others through it.
	// Without this host's, there is no overlay.
	Underlay map[string]netip.Addr
	// UnderlayMTU is the underlay's MTU, 1500 when 0: the interfaces' MTU leaves room
	// for VXLAN's 50 bytes unless it is 1550 or more (a jumbo underlay).
	UnderlayMTU int
}

// SetUnderlay tells the planner the live hosts' underlay addresses (Host.Underlay); the
// next PlanAll plans with them.
func (p *Planner) SetUnderlay(underlay map[string]netip.Addr) { p.host.Underlay = underlay }

// Source is the network a Planner reads: the whole of it, and what lets a change be
// planned without a look at the rest. The informer keeps one current from the store
// (control.NetworkBuilder); Index makes one of a model.Network.
type Source interface {
	Network() *model.Network
	// VPC is the VPC's own part of the network: the VPC and its subnets, route tables,
	// attached internet gateways, interfaces, instances, security groups, network ACLs
	// and NAT gateways; nil when nothing of it is known.
	VPC(id string) *model.Network
	// Members are the IDs of the interfaces in a security group, in any order.
	Members(group string) []string
	// Peerings are the IDs of a VPC's active peering connections, in any order.
	Peerings(vpc string) []string
}

// Planner plans one host VPC by VPC and keeps the plan, so that a change re-plans only
// the VPCs it reaches: a VPC's namespaces (its router, instances and NAT gateways) read
// the VPC's own part of the network, the VPCs peered with it and the members of the
// groups its rules name, and nothing else. The simulated internet is put together from
// each VPC's part of it. What Plan and PlanAll lay out is what Compute lays out.
type Planner struct {
	host       Host
	vpcs       map[string]*vpcPlan  // by VPC ID
	namespaces map[string]Namespace // every planned namespace, by name
	numbers    map[string]int       // each peering's number (peeringNumbers), as planned
	// tgwNumbers are each transit gateway attachment's number (tgwAttachmentNumbers), as
	// planned; tgwNames the transit gateways' namespaces planned.
	tgwNumbers  map[string]int
	tgwNames    []string
	tgwInternet *Namespace // the transit gateways' tunnels' links and routes in the internet
	// Which VPCs' plans read a VPC as a peer, or a group's members.
	readsPeer, readsGroup map[string]map[string]bool
	// sites are the customer sites (SetSites), sorted by name, which outlive PlanAll;
	// siteNames the namespaces planned for them.
	sites     []Site
	siteNames []string
	// privateLinks are what each VPC's PrivateLink links were planned from
	// (privateLinkInputs), by VPC.
	privateLinks map[string]string
}

// vpcPlan is one VPC's part of the plan and what it read beyond the VPC's own part.
type vpcPlan struct {
	namespaces []Namespace
	internet   *Namespace // its links and routes in the internet, nil for none
	peers      []string
	groups     []string
}

// NewPlanner returns a planner of an empty host.
func NewPlanner(h Host) *Planner {
	if h.ID == "" {
		h.ID = LocalHost
	}
	if h.Internet == "" {
		h.Internet = Internet
	}
	p := &Planner{host: h}
	p.reset()
	return p
}

func (p *Planner) reset() {
	p.vpcs, p.namespaces, p.numbers = map[string]*vpcPlan{}, map[string]Namespace{}, map[string]int{}
	p.tgwNumbers, p.tgwNames, p.tgwInternet = map[string]int{}, nil, nil
	p.readsPeer, p.readsGroup = map[string]map[string]bool{}, map[string]map[string]bool{}
	p.privateLinks = map[string]string{}
}

// Update is what a plan changed: the namespaces to create or reconcile and those to
// delete, each sorted.
type Update struct {
	Changed, Deleted []string
}

// Empty reports whether the update changes nothing.
func (u Update) Empty() bool { return len(u.Changed)+len(u.Deleted) == 0 }

// PlanAll forgets the plan and plans every VPC of src again. Changed names every planned
// namespace.
func (p *Planner) PlanAll(src Source) Update {
	before := p.namespaces
	p.reset()
	u := p.Plan(src, model.SortedKeys(src.Network().VPCs), nil)
	p.planSites(&u, nil)
	p.diff(&u, nil, p.internet())
	u.Changed = model.SortedKeys(p.namespaces)
	for name := range before {
		if _, ok := p.namespaces[name]; !ok {
			u.Deleted = append(u.Deleted, name)
		}
	}
	sort.Strings(u.Deleted)
	return u
}

// Plan re-plans the VPCs whose part of the network changed, those that read them (their
// peers, the VPCs whose rules name the groups whose members changed) and the peers of
// peerings whose link moved, and returns the namespaces whose plan changed.
func (p *Planner) Plan(src Source, vpcs, groups []string) Update {
	whole := src.Network()
	dirty := map[string]bool{}
	for _, v := range vpcs {
		dirty[v] = true
		for r := range p.readsPeer[v] {
			dirty[r] = true
		}
	}
	for _, g := range groups {
		for r := range p.readsGroup[g] {
			dirty[r] = true
		}
	}
	// A new or gone peering renumbers those after it: their links get other addresses.
	numbers := peeringNumbers(whole.Peerings)
	for id, k := range numbers {
		if old, ok := p.numbers[id]; ok && old != k {
			dirty[whole.Peerings[id].Requester], dirty[whole.Peerings[id].Accepter] = true, true
		}
	}
	p.numbers = numbers
	// So does a new or gone transit gateway attachment.
	tgwNumbers := tgwAttachmentNumbers(whole)
	for id, k := range tgwNumbers {
		if old, ok := p.tgwNumbers[id]; ok && old != k {
			dirty[whole.TransitGateways.Attachments[id].VPC] = true
		}
	}
	p.tgwNumbers = tgwNumbers
	// And a PrivateLink link made, gone or moved re-plans the VPCs at both its ends.
	links := privateLinkInputs(whole)
	for v, k := range links {
		if p.privateLinks[v] != k {
			dirty[v] = true
		}
	}
	for v := range p.privateLinks {
		if _, ok := links[v]; !ok {
			dirty[v] = true
		}
	}
	p.privateLinks = links
	var u Update
	internet := false
	for _, v := range model.SortedKeys(dirty) {
		old := p.vpcs[v]
		now := p.planVPC(src, v)
		p.forget(v, old)
		if now != nil {
			p.vpcs[v] = now
			p.remember(v, now)
		}
		if !reflect.DeepEqual(old.internetPart(), now.internetPart()) {
			internet = true
		}
		p.diff(&u, old.names(), now.all())
	}
	if len(dirty) > 0 && p.planTransitGateways(&u, whole) {
		internet = true
	}
	if internet {
		p.diff(&u, []string{p.host.Internet, ServicesNamespace(p.host.Internet)}, p.internet())
	}
	sort.Strings(u.Changed)
	sort.Strings(u.Deleted)
	return u
}

// diff puts the namespaces now in place of those named before, and notes what changed.
func (p *Planner) diff(u *Update, before []string, now []Namespace) {
	planned := map[string]bool{}
	for _, ns := range now {
		planned[ns.Name] = true
		if old, ok := p.namespaces[ns.Name]; !ok || !reflect.DeepEqual(old, ns) {
			u.Changed = append(u.Changed, ns.Name)
			p.namespaces[ns.Name] = ns
		}
	}
	for _, name := range before {
		if !planned[name] {
			delete(p.namespaces, name)
			u.Deleted = append(u.Deleted, name)
		}
	}
}

func (vp *vpcPlan) internetPart() *Namespace {
	if vp == nil {
		return nil
	}
	return vp.internet
}

func (vp *vpcPlan) all() []Namespace {
	if vp == nil {
		return nil
	}
	return vp.namespaces
}

func (vp *vpcPlan) names() []string {
	var out []string
	for _, ns := range vp.all() {
		out = append(out, ns.Name)
	}
	return out
}

func (p *Planner) forget(vpc string, vp *vpcPlan) {
	delete(p.vpcs, vpc)
	if vp == nil {
		return
	}
	for _, o := range vp.peers {
		delete(p.readsPeer[o], vpc)
	}
	for _, g := range vp.groups {
		delete(p.readsGroup[g], vpc)
		if len(p.readsGroup[g]) == 0 {
			delete(p.readsGroup, g)
		}
	}
}

func (p *Planner) remember(vpc string, vp *vpcPlan) {
	add := func(m map[string]map[string]bool, k string) {
		if m[k] == nil {
			m[k] = map[string]bool{}
		}
		m[k][vpc] = true
	}
	for _, o := range vp.peers {
		add(p.readsPeer, o)
	}
	for _, g := range vp.groups {
		add(p.readsGroup, g)
	}
}

// internet is the simulated internet put together from each VPC's part, in VPC ID order
// as Compute puts it, and the namespace of its AWS services; nothing when no VPC has an
// internet gateway.
func (p *Planner) internet() []Namespace {
	ns := Namespace{Name: p.host.Internet, Sysctls: internetSysctls()}
	for _, v := range model.SortedKeys(p.vpcs) {
		if part := p.vpcs[v].internet; part != nil {
			ns.Links = append(ns.Links, part.Links...)
			ns.Routes = append(ns.Routes, part.Routes...)
		}
	}
	if part := p.tgwInternet; part != nil {
		ns.Links = append(ns.Links, part.Links...)
		ns.Routes = append(ns.Routes, part.Routes...)
	}
	sites(p.sites, &ns)
	if len(ns.Links) == 0 {
		return nil
	}
	host := addServicesHost(&ns)
	return []Namespace{host, ns}
}

// State is the whole plan, as Compute would give it.
func (p *Planner) State() State {
	return p.Namespaces(model.SortedKeys(p.namespaces))
}

// Namespaces are the planned namespaces of the names, and those at the other end of
// their links, sorted: what the realizer needs to reconcile the named ones alone.
func (p *Planner) Namespaces(names []string) State {
	seen := map[string]bool{}
	var st State
	add := func(name string) {
		if ns, ok := p.namespaces[name]; ok && !seen[name] {
			seen[name] = true
			st.Namespaces = append(st.Namespaces, ns)
		}
	}
	for _, name := range names {
		add(name)
		for _, l := range p.namespaces[name].Links {
			add(l.Peer.Namespace)
		}
	}
	sort.Slice(st.Namespaces, func(i, j int) bool { return st.Namespaces[i].Name < st.Namespaces[j].Name })
	return st
}

// planVPC lays out one VPC from what its plan reads, nil when the VPC is gone.
func (p *Planner) planVPC(src Source, id string) *vpcPlan {
	whole, own := src.Network(), src.VPC(id)
	vpc := whole.VPCs[id]
	if vpc == nil || own == nil {
		return nil
	}
	n := p.inputs(src, id, own)
	vp := &vpcPlan{}
	for _, pcx := range n.peeringIDs {
		vp.peers = append(vp.peers, whole.Peerings[pcx].Other(id))
	}
	vp.groups = n.groups
	enis := runningInterfaces(n.Network, id)
	if len(enis) == 0 {
		return vp
	}
	peerings := peeringLinks(n.Network, n.peeringIDs, p.numbers)
	router, instances := computeVPC(n.Network, vpc, enis, peerings, n.GroupAddresses())
	links := privateLinks(whole)
	addPrivateLinkEnds(whole, links, instances)
	internet := &Namespace{Name: p.host.Internet}
	addGateways(n.Network, &router, internet, vpc, enis)
	instances = append(instances, addRegionalNatGateways(n.Network, &router, internet, vpc)...)
	instances = append(instances, addVpnTunnels(n.Network, &router, internet, vpc, enis)...)
	instances = append(instances, addDxVirtualInterfaces(n.Network, &router, vpc, enis)...)
	addLoadBalancers(n.Network, &router, internet, id)
	if len(internet.Links) > 0 {
		vp.internet = internet
	}
	addPeerings(n.Network, &router, id, enis, peerings)
	addTransitGatewayAttachments(n.Network, &router, id, enis)
	addPrivateLinkRouter(whole, links, &router, id)
	vp.namespaces = append(instances, router)
	p.host.keepOwn(n.Network, vp, id)
	return vp
}

// inputs is the part of the network a VPC's plan reads.
type inputs struct {
	*model.Network
	peeringIDs []string // the VPC's, sorted
	groups     []string // whose members its rules name, sorted
}

// inputs gathers what the VPC's plan reads: its own part, the parts of its peers (their
// running interfaces are the far ends of its peering links), the members of the groups
// its rules name and the instances its routes name; the prefix lists and peerings of the
// whole network.
func (p *Planner) inputs(src Source, id string, own *model.Network) inputs {
	whole := src.Network()
	in := inputs{Network: model.NewNetwork()}
	in.PrefixLists, in.Peerings, in.BlockPublicAccess = whole.PrefixLists, whole.Peerings, whole.BlockPublicAccess
	in.VpnConnections = whole.VpnConnections
	in.DxVirtualInterfaces = whole.DxVirtualInterfaces
	in.TransitGateways = whole.TransitGateways
	merge(in.Network, own)
	in.peeringIDs = src.Peerings(id)
	sort.Strings(in.peeringIDs)
	for _, pcx := range in.peeringIDs {
		if other := src.VPC(whole.Peerings[pcx].Other(id)); other != nil {
			merge(in.Network, other)
		}
	}
	groups := map[string]bool{}
	for _, eni := range own.Interfaces {
		for _, g := range eni.Groups {
			sg := whole.SecurityGroups[g]
			if sg == nil {
				continue
			}
			in.SecurityGroups[g] = sg
			for _, r := range sg.Rules {
				if r.Group != "" && r.PrefixList == "" {
					groups[r.Group] = true
				}
			}
		}
	}
	in.groups = model.SortedKeys(groups)
	for _, g := range in.groups {
		for _, e := range src.Members(g) {
			if eni := whole.Interfaces[e]; eni != nil {
				in.Interfaces[e] = eni
			}
		}
	}
	for _, rt := range own.RouteTables {
		for _, r := range rt.Routes {
			if !strings.HasPrefix(r.Target, "i-") {
				continue
			}
			if inst := whole.Instances[r.Target]; inst != nil {
				in.Instances[inst.ID] = inst
				if len(inst.Interfaces) > 0 && whole.Interfaces[inst.Interfaces[0]] != nil {
					in.Interfaces[inst.Interfaces[0]] = whole.Interfaces[inst.Interfaces[0]]
				}
			}
		}
	}
	return in
}

// merge adds the values of a VPC's part to n.
func merge(n, part *model.Network) {
	copyInto(n.VPCs, part.VPCs)
	copyInto(n.Subnets, part.Subnets)
	copyInto(n.RouteTables, part.RouteTables)
	copyInto(n.InternetGateways, part.InternetGateways)
	copyInto(n.Interfaces, part.Interfaces)
	copyInto(n.Instances, part.Instances)
	copyInto(n.SecurityGroups, part.SecurityGroups)
	copyInto(n.NetworkACLs, part.NetworkACLs)
	copyInto(n.NatGateways, part.NatGateways)
	copyInto(n.EgressOnlyInternetGateways, part.EgressOnlyInternetGateways)
	copyInto(n.FlowLogs, part.FlowLogs)
	copyInto(n.ResolverRules, part.ResolverRules)
	copyInto(n.InterfaceEndpoints, part.InterfaceEndpoints)
	copyInto(n.VpnGateways, part.VpnGateways)
	copyInto(n.LoadBalancers, part.LoadBalancers)
	copyInto(n.Listeners, part.Listeners)
	copyInto(n.TargetGroups, part.TargetGroups)
}

func copyInto[V any](dst, src map[string]V) {
	for k, v := range src {
		dst[k] = v
	}
}

// Index is a Source over a network that does not change: its parts and indexes are
// found once, by a look at all of it.
func Index(n *model.Network) Source {
	x := &index{n: n, parts: map[string]*model.Network{}, members: map[string][]string{}, peerings: map[string][]string{}}
	part := func(vpc string) *model.Network {
		if x.parts[vpc] == nil {
			x.parts[vpc] = model.NewNetwork()
		}
		return x.parts[vpc]
	}
	for id, v := range n.VPCs {
		part(id).VPCs[id] = v
	}
	for id, v := range n.Subnets {
		if v.VPC != "" {
			part(v.VPC).Subnets[id] = v
		}
	}
	for id, v := range n.RouteTables {
		part(v.VPC).RouteTables[id] = v
	}
	for id, v := range n.InternetGateways {
		if v.VPC != "" {
			part(v.VPC).InternetGateways[id] = v
		}
	}
	for id, v := range n.Interfaces {
		part(v.VPC).Interfaces[id] = v
		for _, g := range v.Groups {
			if !slices.Contains(x.members[g], id) {
				x.members[g] = append(x.members[g], id)
			}
		}
	}
	for id, v := range n.Instances {
		part(v.VPC).Instances[id] = v
	}
	for id, v := range n.SecurityGroups {
		part(v.VPC).SecurityGroups[id] = v
	}
	for id, v := range n.NetworkACLs {
		part(v.VPC).NetworkACLs[id] = v
	}
	for id, v := range n.NatGateways {
		part(v.VPC).NatGateways[id] = v
	}
	for id, v := range n.EgressOnlyInternetGateways {
		part(v.VPC).EgressOnlyInternetGateways[id] = v
	}
	for id, v := range n.FlowLogs {
		part(v.VPC).FlowLogs[id] = v
	}
	for id, r := range n.ResolverRules {
		for _, vpc := range r.VPCs {
			part(vpc).ResolverRules[id] = r
		}
	}
	for id, e := range n.InterfaceEndpoints {
		part(e.VPC).InterfaceEndpoints[id] = e
	}
	for id, g := range n.VpnGateways {
		if g.VPC != "" {
			part(g.VPC).VpnGateways[id] = g
		}
	}
	for id, lb := range n.LoadBalancers {
		part(lb.VPC).LoadBalancers[id] = lb
	}
	for id, l := range n.Listeners {
		part(l.VPC).Listeners[id] = l
	}
	for id, tg := range n.TargetGroups {
		part(tg.VPC).TargetGroups[id] = tg
	}
	for id, pcx := range n.Peerings {
		x.peerings[pcx.Requester] = append(x.peerings[pcx.Requester], id)
		if pcx.Accepter != pcx.Requester {
			x.peerings[pcx.Accepter] = append(x.peerings[pcx.Accepter], id)
		}
	}
	return x
}

type index struct {
	n                 *model.Network
	parts             map[string]*model.Network
	members, peerings map[string][]string
}

func (x *index) Network() *model.Network       { return x.n }
func (x *index) VPC(id string) *model.Network  { return x.parts[id] }
func (x *index) Members(group string) []string { return x.members[group] }
func (x *index) Peerings(vpc string) []string  { return x.peerings[vpc] }

// planTransitGateways plans the transit gateways' namespaces again: a gateway reads
// every VPC attached to it, so that any re-planned VPC may change it (the diff keeps
// what did not change out of the update). It reports whether their part of the
// internet changed.
func (p *Planner) planTransitGateways(u *Update, whole *model.Network) bool {
	internet := &Namespace{Name: p.host.Internet}
	now := transitGatewayNamespaces(whole, internet)
	if len(internet.Links) == 0 {
		internet = nil
	}
	changed := !reflect.DeepEqual(internet, p.tgwInternet)
	p.tgwInternet = internet
	p.diff(u, p.tgwNames, now)
	p.tgwNames = p.tgwNames[:0]
	for _, ns := range now {
		p.tgwNames = append(p.tgwNames, ns.Name)
	}
	return changed
}
