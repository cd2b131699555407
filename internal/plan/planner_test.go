package plan

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"vpcd/internal/model"
)

// world describes a network of several VPCs for the planner tests: generate lays it out,
// the steps change it.
type world struct {
	vpcs     []worldVPC
	peerings [][2]int // VPC indexes
}

type worldVPC struct {
	instances []int // instance numbers, unique in the world
	stopped   map[int]bool
	gateway   bool
	refers    int // the VPC whose group the ingress rule names, -1 for a CIDR
	port      int
	// ipv6 gives the VPC an IPv6 block and its instances IPv6 addresses; egressOnly an
	// egress-only internet gateway that its IPv6 default route names.
	ipv6, egressOnly bool
	flowLog          bool // a flow log on the VPC: its router counts flows
}

func vpcID(i int) string      { return fmt.Sprintf("vpc-%017x", i+1) }
func instanceID(k int) string { return fmt.Sprintf("i-%017x", k) }
func groupID(i int) string    { return fmt.Sprintf("sg-%017x", i+1) }
func peeringID(p [2]int) string {
	return fmt.Sprintf("pcx-%08x%09x", p[0]+1, p[1]+1)
}

func (w world) generate() *model.Network {
	n := model.NewNetwork()
	for i, v := range w.vpcs {
		id := vpcID(i)
		cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 0}), 16)
		rtb, subnet, acl := fmt.Sprintf("rtb-%017x", i+1), fmt.Sprintf("subnet-%017x", i+1), fmt.Sprintf("acl-%017x", i+1)
		n.VPCs[id] = &model.VPC{ID: id, CIDRs: []netip.Prefix{cidr}, MainRouteTable: rtb}
		rt := &model.RouteTable{ID: rtb, VPC: id, Routes: []model.Route{{Destination: cidr, Target: "local"}}}
		if v.gateway {
			igw := fmt.Sprintf("igw-%017x", i+1)
			n.InternetGateways[igw] = &model.InternetGateway{ID: igw, VPC: id}
			rt.Routes = append(rt.Routes, model.Route{Destination: netip.MustParsePrefix("0.0.0.0/0"), Target: igw})
		}
		for _, p := range w.peerings {
			if p[0] == i || p[1] == i {
				other := p[0] + p[1] - i
				rt.Routes = append(rt.Routes, model.Route{Destination: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(other), 0, 0}), 16), Target: peeringID(p)})
			}
		}
		n.RouteTables[rtb] = rt
		n.Subnets[subnet] = &model.Subnet{ID: subnet, VPC: id, CIDR: netip.PrefixFrom(cidr.Addr(), 24)}
		var block netip.Prefix
		if v.ipv6 {
			block = netip.PrefixFrom(netip.AddrFrom16([16]byte{0x26, 0, 0x1f, 0x18, 0, 0, byte(i)}), 56)
			n.VPCs[id].CIDRs = append(n.VPCs[id].CIDRs, block)
			n.Subnets[subnet].IPv6CIDR = netip.PrefixFrom(block.Addr(), 64)
			rt.Routes = append(rt.Routes, model.Route{Destination: block, Target: "local"})
			if v.egressOnly {
				eigw := fmt.Sprintf("eigw-%017x", i+1)
				n.EgressOnlyInternetGateways[eigw] = &model.EgressOnlyInternetGateway{ID: eigw, VPC: id}
				rt.Routes = append(rt.Routes, model.Route{Destination: netip.MustParsePrefix("::/0"), Target: eigw})
			} else if v.gateway {
				rt.Routes = append(rt.Routes, model.Route{Destination: netip.MustParsePrefix("::/0"), Target: fmt.Sprintf("igw-%017x", i+1)})
			}
		}
		if v.flowLog {
			fl := fmt.Sprintf("fl-%017x", i+1)
			n.FlowLogs[fl] = &model.FlowLog{ID: fl, Resource: id, VPC: id, Traffic: "ALL", Interval: 600}
		}
		n.NetworkACLs[acl] = &model.NetworkACL{ID: acl, VPC: id, Subnets: []string{subnet}, Entries: []model.ACLEntry{
			{Number: 100, Allow: true, Protocol: -1, CIDR: netip.MustParsePrefix("0.0.0.0/0"), FromPort: -1, ToPort: -1},
			{Number: 100, Egress: true, Allow: true, Protocol: -1, CIDR: netip.MustParsePrefix("0.0.0.0/0"), FromPort: -1, ToPort: -1},
		}}
		rule := model.SecurityGroupRule{Protocol: 6, FromPort: v.port, ToPort: v.port, CIDR: netip.MustParsePrefix("10.0.0.0/8")}
		if v.refers >= 0 {
			rule = model.SecurityGroupRule{Protocol: 6, FromPort: v.port, ToPort: v.port, Group: groupID(v.refers)}
		}
		n.SecurityGroups[groupID(i)] = &model.SecurityGroup{ID: groupID(i), VPC: id, Rules: []model.SecurityGroupRule{
			rule, {Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: netip.MustParsePrefix("0.0.0.0/0")}}}
		for j, k := range v.instances {
			inst, eni := instanceID(k), fmt.Sprintf("eni-%017x", k)
			n.Instances[inst] = &model.Instance{ID: inst, VPC: id, Subnet: subnet, Running: !v.stopped[k], Interfaces: []string{eni}}
			m := &model.Interface{ID: eni, Subnet: subnet, VPC: id, MAC: fmt.Sprintf("0a:00:00:00:%02x:%02x", i, j),
				PrivateIPs: []netip.Addr{netip.AddrFrom4([4]byte{10, byte(i), 0, byte(10 + j)})}, Groups: []string{groupID(i)}, SourceDestCheck: true, Instance: inst}
			if v.gateway {
				m.PublicIP = netip.AddrFrom4([4]byte{198, 51, byte(i), byte(10 + j)})
			}
			if v.ipv6 {
				a := block.Addr().As16()
				a[15] = byte(10 + j)
				m.IPv6Addresses = []netip.Addr{netip.AddrFrom16(a)}
			}
			n.Interfaces[eni] = m
		}
	}
	for _, p := range w.peerings {
		n.Peerings[peeringID(p)] = &model.Peering{ID: peeringID(p), Requester: vpcID(p[0]), Accepter: vpcID(p[1])}
	}
	return n
}

// changes are the VPCs whose part differs between two networks and the groups whose
// members differ: what the informer reports.
func changes(a, b *model.Network) (vpcs, groups []string) {
	x, y := Index(a).(*index), Index(b).(*index)
	for _, id := range model.SortedKeys(mergeSets(x.parts, y.parts)) {
		if !reflect.DeepEqual(x.parts[id], y.parts[id]) {
			vpcs = append(vpcs, id)
		}
	}
	addrs := func(n *model.Network, ids []string) map[string][]netip.Addr {
		out := map[string][]netip.Addr{}
		for _, id := range ids {
			out[id] = n.Interfaces[id].Addrs()
		}
		return out
	}
	for _, g := range model.SortedKeys(mergeSets(x.members, y.members)) {
		if !reflect.DeepEqual(addrs(a, x.members[g]), addrs(b, y.members[g])) {
			groups = append(groups, g)
		}
	}
	return vpcs, groups
}

func mergeSets[V any](a, b map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// step changes the world at random in one way a user could.
func (w *world) step(r *rand.Rand, next *int) string {
	i := r.IntN(len(w.vpcs))
	v := &w.vpcs[i]
	switch r.IntN(10) {
	case 0:
		*next++
		v.instances = append(v.instances, *next)
		return fmt.Sprintf("launch in %d", i)
	case 1:
		if len(v.instances) > 0 {
			v.instances = slices.Delete(v.instances, 0, 1)
		}
		return fmt.Sprintf("terminate in %d", i)
	case 2:
		if len(v.instances) > 0 {
			k := v.instances[r.IntN(len(v.instances))]
			v.stopped[k] = !v.stopped[k]
		}
		return fmt.Sprintf("stop or start in %d", i)
	case 3:
		v.gateway = !v.gateway
		return fmt.Sprintf("gateway of %d", i)
	case 4:
		j := r.IntN(len(w.vpcs))
		p := [2]int{min(i, j), max(i, j)}
		if k := slices.Index(w.peerings, p); k >= 0 {
			w.peerings = slices.Delete(w.peerings, k, k+1)
		} else if i != j {
			w.peerings = append(w.peerings, p)
		}
		return fmt.Sprintf("peering %v", p)
	case 5:
		v.refers = r.IntN(len(w.vpcs)+1) - 1
		return fmt.Sprintf("rule of %d names %d", i, v.refers)
	case 6:
		v.ipv6 = !v.ipv6
		return fmt.Sprintf("IPv6 of %d", i)
	case 7:
		v.egressOnly = !v.egressOnly
		return fmt.Sprintf("egress-only gateway of %d", i)
	case 8:
		v.flowLog = !v.flowLog
		return fmt.Sprintf("flow log of %d", i)
	default:
		v.port++
		return fmt.Sprintf("port of %d", i)
	}
}

// TestPlannerFollowsCompute changes a world step by step and checks after each step that
// the planner, told only what changed, has the plan Compute makes of the whole network,
// and that it names exactly the namespaces whose plan changed.
func TestPlannerFollowsCompute(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		r := rand.New(rand.NewPCG(seed, seed))
		w := world{}
		next := 0
		for i := 0; i < 5; i++ {
			v := worldVPC{stopped: map[int]bool{}, refers: -1, port: 22, gateway: i%2 == 0, ipv6: i%3 == 0}
			for j := 0; j < 2; j++ {
				next++
				v.instances = append(v.instances, next)
			}
			w.vpcs = append(w.vpcs, v)
		}
		w.peerings = [][2]int{{0, 1}}
		n := w.generate()
		p := NewPlanner(Host{})
		p.PlanAll(Index(n))
		if got, want := p.State(), Compute(n, Internet); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: first plan differs from Compute:\n%s\nwant\n%s", seed, got, want)
		}
		for k := 0; k < 30; k++ {
			what := w.step(r, &next)
			m := w.generate()
			vpcs, groups := changes(n, m)
			before := Compute(n, Internet)
			u := p.Plan(Index(m), vpcs, groups)
			want := Compute(m, Internet)
			if got := p.State(); !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d step %d (%s): plan differs from Compute:\n%s\nwant\n%s", seed, k, what, got, want)
			}
			changed, deleted := stateDiff(before, want)
			if !slices.Equal(u.Changed, changed) || !slices.Equal(u.Deleted, deleted) {
				t.Fatalf("seed %d step %d (%s): update %+v, want changed %v deleted %v", seed, k, what, u, changed, deleted)
			}
			n = m
		}
	}
}

// stateDiff names the namespaces of b that are not in a as they are, and those of a
// that b has not.
func stateDiff(a, b State) (changed, deleted []string) {
	byName := map[string]Namespace{}
	for _, ns := range a.Namespaces {
		byName[ns.Name] = ns
	}
	for _, ns := range b.Namespaces {
		if old, ok := byName[ns.Name]; !ok || !reflect.DeepEqual(old, ns) {
			changed = append(changed, ns.Name)
		}
		delete(byName, ns.Name)
	}
	deleted = model.SortedKeys(byName)
	return changed, deleted
}

// TestPlannerTwoTier plans the golden network with the planner.
func TestPlannerTwoTier(t *testing.T) {
	n := twoTierNetwork()
	p := NewPlanner(Host{})
	u := p.PlanAll(Index(n))
	if got, want := p.State(), Compute(n, Internet); !reflect.DeepEqual(got, want) {
		t.Fatalf("planner:\n%s\nCompute:\n%s", got, want)
	}
	if len(u.Changed) != len(p.State().Namespaces) {
		t.Errorf("first plan changed %v", u.Changed)
	}
	if u := p.Plan(Index(n), nil, nil); !u.Empty() {
		t.Errorf("nothing changed, yet %+v", u)
	}
}
