package plan

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"vpcd/internal/model"
)

// The transit gateway network: prod (10.1), dev (10.2) and shared (10.3) VPCs, one
// instance each, every main table routing 10.0.0.0/8 to the gateway; prod and dev are
// associated with the segment table, which takes shared's routes; shared with the shared
// table, which takes prod's and dev's and drops 10.2.1.99 (a static blackhole).
const (
	tgwID      = "tgw-00000000000000001"
	tgwSegment = "tgw-rtb-00000000000000001"
	tgwShared  = "tgw-rtb-00000000000000002"
)

func tgwAttachmentID(i int) string { return fmt.Sprintf("tgw-attach-%017x", i+1) }

func tgwNetwork() *model.Network {
	n := model.NewNetwork()
	tg := &n.TransitGateways
	tg.Gateways[tgwID] = &model.TransitGateway{ID: tgwID}
	tg.RouteTables[tgwSegment] = &model.TransitGatewayRouteTable{ID: tgwSegment, Gateway: tgwID}
	tg.RouteTables[tgwShared] = &model.TransitGatewayRouteTable{ID: tgwShared, Gateway: tgwID,
		Routes: []model.TransitGatewayRoute{{Destination: netip.MustParsePrefix("10.2.1.99/32"), Blackhole: true}}}
	for i := range 3 {
		vpc, rtb := vpcID(i), fmt.Sprintf("rtb-%017x", i+1)
		subnet, eni, inst := fmt.Sprintf("subnet-%017x", i+1), fmt.Sprintf("eni-%017x", i+1), instanceID(i+1)
		block := netip.MustParsePrefix(fmt.Sprintf("10.%d.0.0/16", i+1))
		n.VPCs[vpc] = &model.VPC{ID: vpc, CIDRs: []netip.Prefix{block}, MainRouteTable: rtb}
		n.RouteTables[rtb] = &model.RouteTable{ID: rtb, VPC: vpc, Routes: []model.Route{{Destination: block, Target: "local"},
			{Destination: netip.MustParsePrefix("10.0.0.0/8"), Target: tgwID}}}
		n.Subnets[subnet] = &model.Subnet{ID: subnet, VPC: vpc, CIDR: netip.MustParsePrefix(fmt.Sprintf("10.%d.1.0/24", i+1))}
		n.Instances[inst] = &model.Instance{ID: inst, VPC: vpc, Subnet: subnet, Running: true, Interfaces: []string{eni}}
		n.Interfaces[eni] = &model.Interface{ID: eni, VPC: vpc, Subnet: subnet, Instance: inst, SourceDestCheck: true,
			PrivateIPs: []netip.Addr{netip.MustParseAddr(fmt.Sprintf("10.%d.1.10", i+1))}}
		assoc, prop := tgwSegment, tgwShared
		if i == 2 {
			assoc, prop = tgwShared, tgwSegment
		}
		tg.Attachments[tgwAttachmentID(i)] = &model.TransitGatewayAttachment{ID: tgwAttachmentID(i), Gateway: tgwID, Type: "vpc", VPC: vpc,
			Subnets: []string{subnet}, RouteTable: assoc, Propagations: []string{prop}}
	}
	return n
}

// TestComputeTransitGateway checks the gateway's layout: a namespace with a link per
// attachment, a kernel table per route table with the propagated and static routes and
// a blackhole default, a rule per attachment choosing its table; each VPC's route to the
// gateway goes into its attachment's link, and what comes back looks up the local table.
func TestComputeTransitGateway(t *testing.T) {
	st := Compute(tgwNetwork(), Internet)
	checkGolden(t, "testdata/transitgateway.golden", st.String())
	var gw *Namespace
	for i := range st.Namespaces {
		if st.Namespaces[i].Name == TransitGatewayNamespace(tgwID) {
			gw = &st.Namespaces[i]
		}
	}
	if gw == nil {
		t.Fatalf("no namespace %s", TransitGatewayNamespace(tgwID))
	}
	prod, shared := tgwAttachmentLink(tgwAttachmentID(0)), tgwAttachmentLink(tgwAttachmentID(2))
	for _, want := range []Rule{{Priority: eniRulePriority, IIF: prod, Table: firstTable}, {Priority: eniRulePriority, IIF: shared, Table: firstTable + 1}} {
		if !slices.Contains(gw.Rules, want) {
			t.Errorf("no rule %+v in %+v", want, gw.Rules)
		}
	}
	for _, want := range []Route{
		{Table: firstTable, Dst: netip.MustParsePrefix("10.3.0.0/16"), Type: RouteUnicast, Dev: shared, Gateway: netip.MustParseAddr("169.254.192.9")},
		{Table: firstTable, Dst: anyIPv4, Type: RouteBlackhole},
		{Table: firstTable + 1, Dst: netip.MustParsePrefix("10.1.0.0/16"), Type: RouteUnicast, Dev: prod, Gateway: netip.MustParseAddr("169.254.192.1")},
		{Table: firstTable + 1, Dst: netip.MustParsePrefix("10.2.1.99/32"), Type: RouteBlackhole},
	} {
		if !slices.Contains(gw.Routes, want) {
			t.Errorf("no route %+v in %+v", want, gw.Routes)
		}
	}
	if slices.ContainsFunc(gw.Routes, func(r Route) bool { return r.Table == firstTable && r.Dst == netip.MustParsePrefix("10.2.0.0/16") }) {
		t.Errorf("the segment table routes to dev")
	}
}

// TestPlannerTransitGateway plans the network with the planner, as Compute does, and
// re-plans on a change of a gateway route table and on a detached VPC (whose going
// renumbers the links after it).
func TestPlannerTransitGateway(t *testing.T) {
	n := tgwNetwork()
	p := NewPlanner(Host{})
	p.PlanAll(Index(n))
	if got, want := p.State(), Compute(n, Internet); !reflect.DeepEqual(got, want) {
		t.Fatalf("planner and Compute differ:\n%s\n---\n%s", got, want)
	}
	all := []string{vpcID(0), vpcID(1), vpcID(2)}
	n.TransitGateways.RouteTables[tgwShared].Routes = nil
	u := p.Plan(Index(n), all, nil)
	if !slices.Equal(u.Changed, []string{TransitGatewayNamespace(tgwID)}) {
		t.Errorf("a route of the gateway changed %v, want the gateway alone", u.Changed)
	}
	delete(n.TransitGateways.Attachments, tgwAttachmentID(0))
	p.Plan(Index(n), []string{vpcID(0)}, nil)
	if got, want := p.State(), Compute(n, Internet); !reflect.DeepEqual(got, want) {
		t.Fatalf("after detaching prod, planner and Compute differ:\n%s\n---\n%s", got, want)
	}
}

// TestComputeTransitGatewayVpn checks a VPN connection on the gateway: its tunnels' TUNs
// go into the gateway's namespace, where the VPN attachment's rule picks its route
// table, and the shared table's static route to the attachment goes into the up tunnel;
// the planner lays it out as Compute does.
func TestComputeTransitGatewayVpn(t *testing.T) {
	n := tgwNetwork()
	const vpn, att = "vpn-00000000000000001", "tgw-attach-0000000000000000f"
	n.VpnConnections[vpn] = &model.VpnConnection{ID: vpn, CustomerGateway: netip.MustParseAddr("192.0.2.77"), Tunnels: [2]model.VpnTunnel{
		{OutsideIP: netip.MustParseAddr("203.0.113.10"), Up: false}, {OutsideIP: netip.MustParseAddr("198.51.100.10"), Up: true}}}
	n.TransitGateways.Attachments[att] = &model.TransitGatewayAttachment{ID: att, Gateway: tgwID, Type: "vpn", VpnConnection: vpn, RouteTable: tgwShared}
	lan := netip.MustParsePrefix("172.20.0.0/24")
	shared := n.TransitGateways.RouteTables[tgwShared]
	shared.Routes = append(shared.Routes, model.TransitGatewayRoute{Destination: lan, Attachment: att})
	st := Compute(n, Internet)
	var gw *Namespace
	var tunnels []*IPsecTunnel
	for i := range st.Namespaces {
		if ns := &st.Namespaces[i]; ns.Name == TransitGatewayNamespace(tgwID) {
			gw = ns
		} else if ns.IPsec != nil {
			tunnels = append(tunnels, ns.IPsec)
		}
	}
	if gw == nil || len(tunnels) != 2 || tunnels[0].Router != gw.Name {
		t.Fatalf("gateway %v, tunnels %+v", gw != nil, tunnels)
	}
	if !slices.Contains(gw.Rules, Rule{Priority: eniRulePriority, IIF: tunnelLink(vpn, 1), Table: firstTable + 1}) {
		t.Errorf("no rule for tunnel 2 into the shared table: %+v", gw.Rules)
	}
	if !slices.Contains(gw.Routes, Route{Table: firstTable + 1, Dst: lan, Type: RouteUnicast, Dev: tunnelLink(vpn, 1)}) {
		t.Errorf("the route to the VPN does not go into the up tunnel: %+v", gw.Routes)
	}
	p := NewPlanner(Host{})
	p.PlanAll(Index(n))
	if got := p.State(); !reflect.DeepEqual(got, st) {
		t.Fatalf("planner and Compute differ:\n%s\n---\n%s", got, st)
	}
}
