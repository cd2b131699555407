package plan

import (
	"net/netip"
	"reflect"
	"testing"

	"vpcd/internal/model"
)

// resolverNetwork is two peered VPCs: A with an instance, B with an inbound and an
// outbound Route 53 Resolver endpoint of one interface each (AWS gives an endpoint two
// at least; one is enough for the plan), whose group admits DNS from A, and whose
// subnet's ACL is the default one.
func resolverNetwork() *model.Network {
	n := model.NewNetwork()
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	for _, v := range []struct{ vpc, cidr, subnet, rtb string }{
		{"vpc-0000000000000000a", "10.0.0.0/16", "10.0.1.0/24", "10.1.0.0/16"},
		{"vpc-0000000000000000b", "10.1.0.0/16", "10.1.1.0/24", "10.0.0.0/16"},
	} {
		rt := "rtb-" + v.vpc[4:]
		n.VPCs[v.vpc] = &model.VPC{ID: v.vpc, CIDRs: []netip.Prefix{pfx(v.cidr)}, MainRouteTable: rt, EnableDnsSupport: true}
		n.RouteTables[rt] = &model.RouteTable{ID: rt, VPC: v.vpc, Routes: []model.Route{
			{Destination: pfx(v.cidr), Target: "local"}, {Destination: pfx(v.rtb), Target: "pcx-00000000000000001"}}}
		n.Subnets["subnet-"+v.vpc[4:]] = &model.Subnet{ID: "subnet-" + v.vpc[4:], VPC: v.vpc, CIDR: pfx(v.subnet)}
	}
	n.Peerings["pcx-00000000000000001"] = &model.Peering{ID: "pcx-00000000000000001", Requester: "vpc-0000000000000000a", Accepter: "vpc-0000000000000000b"}
	n.SecurityGroups["sg-0000000000000000a"] = &model.SecurityGroup{ID: "sg-0000000000000000a", VPC: "vpc-0000000000000000a", Rules: []model.SecurityGroupRule{
		{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")}}}
	n.SecurityGroups["sg-0000000000000dns"] = &model.SecurityGroup{ID: "sg-0000000000000dns", VPC: "vpc-0000000000000000b", Rules: []model.SecurityGroupRule{
		{Protocol: 17, FromPort: 53, ToPort: 53, CIDR: pfx("10.0.0.0/16")},
		{Protocol: 6, FromPort: 53, ToPort: 53, CIDR: pfx("10.0.0.0/16")},
		{Egress: true, Protocol: 17, FromPort: 53, ToPort: 53, CIDR: pfx("10.0.0.0/16")}}}
	n.Instances["i-0000000000000000a"] = &model.Instance{ID: "i-0000000000000000a", VPC: "vpc-0000000000000000a", Running: true, Interfaces: []string{"eni-0000000000000000a"}}
	n.Interfaces["eni-0000000000000000a"] = &model.Interface{ID: "eni-0000000000000000a", Subnet: "subnet-0000000000000000a", VPC: "vpc-0000000000000000a",
		MAC: "0a:00:00:00:00:0a", PrivateIPs: []netip.Addr{addr("10.0.1.10")}, Groups: []string{"sg-0000000000000000a"}, SourceDestCheck: true, Instance: "i-0000000000000000a"}
	n.Interfaces["eni-000000000000000in"] = &model.Interface{ID: "eni-000000000000000in", Subnet: "subnet-0000000000000000b", VPC: "vpc-0000000000000000b",
		MAC: "0a:00:00:00:00:0b", PrivateIPs: []netip.Addr{addr("10.1.1.53")}, Groups: []string{"sg-0000000000000dns"}, SourceDestCheck: true,
		ResolverEndpoint: "rslvr-in-0000000000000000b"}
	n.Interfaces["eni-00000000000000out"] = &model.Interface{ID: "eni-00000000000000out", Subnet: "subnet-0000000000000000b", VPC: "vpc-0000000000000000b",
		MAC: "0a:00:00:00:00:0c", PrivateIPs: []netip.Addr{addr("10.1.1.54")}, Groups: []string{"sg-0000000000000dns"}, SourceDestCheck: true,
		ResolverEndpoint: "rslvr-out-0000000000000000b"}
	n.NetworkACLs["acl-0000000000000000b"] = &model.NetworkACL{ID: "acl-0000000000000000b", VPC: "vpc-0000000000000000b",
		Subnets: []string{"subnet-0000000000000000b"}, Entries: []model.ACLEntry{
			{Number: 100, Allow: true, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1},
			{Number: 32767, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1},
			{Number: 100, Egress: true, Allow: true, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1},
			{Number: 32767, Egress: true, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1},
		}}
	return n
}

// TestResolverEndpointsGolden: each interface of a Resolver endpoint is a namespace of
// its own, linked to its VPC's router as an instance's interface is (its groups and its
// subnet's ACL on the router's side, anti-spoofing, the subnet's route table), and the
// peer admits its address over the peering; the router has no address of it.
func TestResolverEndpointsGolden(t *testing.T) {
	st := Compute(resolverNetwork(), Internet)
	checkGolden(t, "testdata/resolver-endpoints.golden", st.String()+aclText(st))
}

// TestPlannerResolverEndpoints: the planner lays them out as Compute does, and an
// endpoint's interface alone is enough for its VPC to have a router.
func TestPlannerResolverEndpoints(t *testing.T) {
	n := resolverNetwork()
	p := NewPlanner(Host{})
	p.PlanAll(Index(n))
	if got, want := p.State(), Compute(n, Internet); !reflect.DeepEqual(got, want) {
		t.Fatalf("planner:\n%s\nCompute:\n%s", got, want)
	}
	delete(n.Instances, "i-0000000000000000a")
	delete(n.Interfaces, "eni-0000000000000000a")
	var names []string
	for _, ns := range Compute(n, Internet).Namespaces {
		names = append(names, ns.Name)
	}
	want := []string{"vpcd-eni-000000000000000in", "vpcd-eni-00000000000000out", "vpcd-vpc-0000000000000000b"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("namespaces %v, want %v", names, want)
	}
}
