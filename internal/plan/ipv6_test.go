package plan

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"vpcd/internal/model"
)

// dualStackNetwork is a VPC with an IPv4 block and an Amazon /56, a public subnet routed
// to an internet gateway for both families and an egress-only subnet whose IPv6 goes out
// through an egress-only internet gateway, one instance in each, both with an IPv4 and an
// IPv6 address; the group admits TCP 80 from anywhere over IPv6 and from the group.
func dualStackNetwork() *model.Network {
	n := model.NewNetwork()
	pfx, addr := netip.MustParsePrefix, netip.MustParseAddr
	const vpc = "vpc-00000000000000006"
	local := []model.Route{{Destination: pfx("10.6.0.0/16"), Target: "local"}, {Destination: pfx("2600:1f18:6:600::/56"), Target: "local"}}
	n.VPCs[vpc] = &model.VPC{ID: vpc, CIDRs: []netip.Prefix{pfx("10.6.0.0/16"), pfx("2600:1f18:6:600::/56")}, MainRouteTable: "rtb-0000000000000main"}
	n.RouteTables["rtb-0000000000000main"] = &model.RouteTable{ID: "rtb-0000000000000main", VPC: vpc,
		Routes: append(append([]model.Route(nil), local...), model.Route{Destination: pfx("::/0"), Target: "eigw-00000000000000006"})}
	n.RouteTables["rtb-000000000000public"] = &model.RouteTable{ID: "rtb-000000000000public", VPC: vpc,
		Routes: append(append([]model.Route(nil), local...),
			model.Route{Destination: pfx("0.0.0.0/0"), Target: "igw-00000000000000006"},
			model.Route{Destination: pfx("::/0"), Target: "igw-00000000000000006"},
			model.Route{Destination: pfx("2001:db8:3::/48"), Target: "eni-00000000000000pub"})}
	n.InternetGateways["igw-00000000000000006"] = &model.InternetGateway{ID: "igw-00000000000000006", VPC: vpc}
	n.EgressOnlyInternetGateways["eigw-00000000000000006"] = &model.EgressOnlyInternetGateway{ID: "eigw-00000000000000006", VPC: vpc}
	n.Subnets["subnet-0000000000public"] = &model.Subnet{ID: "subnet-0000000000public", VPC: vpc, CIDR: pfx("10.6.1.0/24"),
		IPv6CIDR: pfx("2600:1f18:6:601::/64"), RouteTable: "rtb-000000000000public"}
	n.Subnets["subnet-0000000000egress"] = &model.Subnet{ID: "subnet-0000000000egress", VPC: vpc, CIDR: pfx("10.6.2.0/24"),
		IPv6CIDR: pfx("2600:1f18:6:602::/64")}
	n.SecurityGroups["sg-00000000000000web"] = &model.SecurityGroup{ID: "sg-00000000000000web", VPC: vpc, Rules: []model.SecurityGroupRule{
		{Protocol: 6, FromPort: 80, ToPort: 80, CIDR: pfx("::/0")},
		{Protocol: 6, FromPort: 22, ToPort: 22, Group: "sg-00000000000000web"},
		{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
		{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("::/0")},
	}}
	for _, e := range []struct{ name, subnet, v4, v6 string }{
		{"pub", "subnet-0000000000public", "10.6.1.10", "2600:1f18:6:601::10"},
		{"egr", "subnet-0000000000egress", "10.6.2.20", "2600:1f18:6:602::20"},
	} {
		inst, eni := "i-000000000000000"+e.name, "eni-00000000000000"+e.name
		n.Instances[inst] = &model.Instance{ID: inst, VPC: vpc, Running: true, Interfaces: []string{eni}}
		n.Interfaces[eni] = &model.Interface{ID: eni, Subnet: e.subnet, VPC: vpc, PrivateIPs: []netip.Addr{addr(e.v4)},
			IPv6Addresses: []netip.Addr{addr(e.v6)}, Groups: []string{"sg-00000000000000web"}, SourceDestCheck: true, Instance: inst}
	}
	n.NetworkACLs["acl-00000000000default"] = &model.NetworkACL{ID: "acl-00000000000default", VPC: vpc,
		Subnets: []string{"subnet-0000000000public", "subnet-0000000000egress"}, Entries: []model.ACLEntry{
			{Number: 100, Allow: true, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1},
			{Number: 101, Allow: true, Protocol: -1, CIDR: pfx("::/0"), FromPort: -1, ToPort: -1},
			{Number: 100, Egress: true, Allow: true, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1},
			{Number: 101, Egress: true, Allow: true, Protocol: -1, CIDR: pfx("::/0"), FromPort: -1, ToPort: -1},
		}}
	return n
}

func TestComputeDualStackGolden(t *testing.T) {
	st := Compute(dualStackNetwork(), Internet)
	checkGolden(t, "testdata/dual-stack.golden", st.String()+aclText(st))
}

// TestIPv6TargetRoutes checks where an IPv6 route of the dual-stack VPC goes in the kernel,
// and that a target without anything of the destination's family drops it.
func TestIPv6TargetRoutes(t *testing.T) {
	pfx := netip.MustParsePrefix
	n := dualStackNetwork()
	n.NatGateways["nat-00000000000000001"] = &model.NatGateway{ID: "nat-00000000000000001", VPC: "vpc-00000000000000006", Interface: "eni-00000000000000nat"}
	n.Interfaces["eni-00000000000000nat"] = &model.Interface{ID: "eni-00000000000000nat", VPC: "vpc-00000000000000006", Subnet: "subnet-0000000000public",
		PrivateIPs: []netip.Addr{netip.MustParseAddr("10.6.1.5")}, NatGateway: "nat-00000000000000001"}
	n.Interfaces["eni-0000000000only4"] = &model.Interface{ID: "eni-0000000000only4", VPC: "vpc-00000000000000006", Subnet: "subnet-0000000000public",
		PrivateIPs: []netip.Addr{netip.MustParseAddr("10.6.1.6")}, Instance: "i-000000000000000pub"}
	rt := n.RouteTables["rtb-000000000000public"]
	for _, tc := range []struct {
		name, dst, target string
		want              string // dev and via, or "blackhole"
	}{
		{"IPv6 to the internet gateway, no NAT", "::/0", "igw-00000000000000006", "igw via fe80::2"},
		{"IPv4 to the internet gateway", "0.0.0.0/0", "igw-00000000000000006", "igw via 169.254.0.2"},
		{"IPv6 to the egress-only gateway", "::/0", "eigw-00000000000000006", "eigw via fe80::2"},
		{"IPv4 to an egress-only gateway is dropped", "0.0.0.0/0", "eigw-00000000000000006", "blackhole"},
		{"a gone egress-only gateway drops", "::/0", "eigw-00000000000000404", "blackhole"},
		{"IPv6 to an interface goes to its IPv6 address", "2001:db8::/32", "eni-00000000000000pub", "v00000000000pub via 2600:1f18:6:601::10"},
		{"IPv6 to an instance goes to its IPv6 address", "2001:db8::/32", "i-000000000000000egr", "v00000000000egr via 2600:1f18:6:602::20"},
		{"IPv6 to an interface without IPv6 is dropped", "2001:db8::/32", "eni-0000000000only4", "blackhole"},
		{"IPv6 to a NAT gateway goes to its NAT64", "64:ff9b::/96", "nat-00000000000000001", "v00000000000nat via fe80::2"},
		{"the local IPv6 block outside interfaces is dropped", "2600:1f18:6:600::/56", "local", "blackhole"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := targetRoute(n, rt, model.Route{Destination: pfx(tc.dst), Target: tc.target}, 101, nil)
			got := "blackhole"
			if r.Type == RouteUnicast {
				got = r.Dev + " via " + r.Gateway.String()
			}
			if got != tc.want {
				t.Errorf("route %s to %s: %s, want %s", tc.dst, tc.target, got, tc.want)
			}
		})
	}
}

// TestNatGatewayNAT64 checks the layout of a NAT gateway of a dual-stack VPC: IPv6 over
// its link (link-local addresses at both ends, a default route to the router), and the
// TUN link of its NAT64 that 64:ff9b::/96 and the pool are routed into.
func TestNatGatewayNAT64(t *testing.T) {
	n := dualStackNetwork()
	const vpc, nat = "vpc-00000000000000006", "nat-00000000000000001"
	n.NatGateways[nat] = &model.NatGateway{ID: nat, VPC: vpc, Interface: "eni-00000000000000nat"}
	n.Interfaces["eni-00000000000000nat"] = &model.Interface{ID: "eni-00000000000000nat", VPC: vpc, Subnet: "subnet-0000000000public",
		PrivateIPs: []netip.Addr{netip.MustParseAddr("10.6.1.5")}, NatGateway: nat}
	if !NatGatewayNAT64(n, nat) {
		t.Fatal("the NAT gateway of a VPC with IPv6 has no NAT64")
	}
	var ns *Namespace
	st := Compute(n, Internet)
	for i := range st.Namespaces {
		if st.Namespaces[i].Name == NatGatewayNamespace(nat) {
			ns = &st.Namespaces[i]
		}
	}
	if ns == nil {
		t.Fatal("no namespace for the NAT gateway")
	}
	var got []string
	for _, l := range ns.Links {
		got = append(got, fmt.Sprintf("link %s %s %v", l.Kind, l.Name, l.Addrs))
	}
	for _, r := range ns.Routes {
		got = append(got, fmt.Sprintf("route %s dev %s via %v", r.Dst, r.Dev, r.Gateway))
	}
	got = append(got, fmt.Sprintf("nat64 %s pool %s forwarding %s", ns.NatGateway.NAT64, ns.NatGateway.NAT64Pool, ns.Sysctls["net.ipv6.conf.all.forwarding"]))
	want := []string{
		"link tun nat64 []",
		"link veth eth0 [10.6.1.5/24 fe80::2/64]",
		"route 64:ff9b::/96 dev nat64 via invalid IP",
		"route 192.0.0.0/24 dev nat64 via invalid IP",
		"route 0.0.0.0/0 dev eth0 via 10.6.1.1",
		"route ::/0 dev eth0 via fe80::1",
		"nat64 nat64 pool 192.0.0.0/24 forwarding 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("NAT gateway namespace:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestIPv6OnlyInterface checks the layout of an interface in a subnet without an IPv4
// block: its IPv6 address and default route alone, and the router's link-local address
// alone on its side.
func TestIPv6OnlyInterface(t *testing.T) {
	n := dualStackNetwork()
	const vpc = "vpc-00000000000000006"
	n.Subnets["subnet-00000000000only6"] = &model.Subnet{ID: "subnet-00000000000only6", VPC: vpc, IPv6CIDR: netip.MustParsePrefix("2600:1f18:6:603::/64")}
	n.Instances["i-00000000000000only6"] = &model.Instance{ID: "i-00000000000000only6", VPC: vpc, Running: true, Interfaces: []string{"eni-000000000000only6"}}
	n.Interfaces["eni-000000000000only6"] = &model.Interface{ID: "eni-000000000000only6", VPC: vpc, Subnet: "subnet-00000000000only6",
		Instance: "i-00000000000000only6", IPv6Addresses: []netip.Addr{netip.MustParseAddr("2600:1f18:6:603::6")}}
	var got []string
	for _, ns := range Compute(n, Internet).Namespaces {
		for _, l := range ns.Links {
			if l.Name == "eth0" && ns.Name == "i-00000000000000only6" || l.Name == eniLink("eni-000000000000only6") {
				got = append(got, ns.Name+" "+l.Name+" "+fmt.Sprint(l.Addrs))
			}
		}
		if ns.Name == "i-00000000000000only6" {
			for _, r := range ns.Routes {
				got = append(got, "route "+r.Dst.String()+" via "+r.Gateway.String())
			}
		}
	}
	want := []string{
		"i-00000000000000only6 eth0 [2600:1f18:6:603::6/128]",
		"route ::/0 via fe80::1",
		"vpcd-vpc-00000000000000006 v000000000only6 [fe80::1/64]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
