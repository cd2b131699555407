package plan

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

	"vpcd/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// twoTierNetwork is a VPC with a public subnet (route to an attached internet gateway)
// and a private one that goes out through a NAT gateway, a web instance with a public
// address and a database instance that admits the web group on 5432.
func twoTierNetwork() *model.Network {
	n := model.NewNetwork()
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	n.VPCs["vpc-00000000000000001"] = &model.VPC{ID: "vpc-00000000000000001", CIDRs: []netip.Prefix{pfx("10.0.0.0/16")}, MainRouteTable: "rtb-0000000000000main"}
	n.RouteTables["rtb-0000000000000main"] = &model.RouteTable{ID: "rtb-0000000000000main", VPC: "vpc-00000000000000001",
		Routes: []model.Route{{Destination: pfx("10.0.0.0/16"), Target: "local"}, {Destination: pfx("0.0.0.0/0"), Target: "nat-00000000000000001"}}}
	// The private subnet goes out through a NAT gateway in the public one.
	n.NatGateways["nat-00000000000000001"] = &model.NatGateway{ID: "nat-00000000000000001", VPC: "vpc-00000000000000001",
		Subnet: "subnet-0000000000public", Interface: "eni-0000000000000nat", Public: true}
	n.Interfaces["eni-0000000000000nat"] = &model.Interface{ID: "eni-0000000000000nat", Subnet: "subnet-0000000000public", VPC: "vpc-00000000000000001",
		MAC: "0a:00:00:00:00:03", PrivateIPs: []netip.Addr{addr("10.0.1.5")}, PublicIP: addr("198.51.100.5"),
		PublicIPs: map[netip.Addr]netip.Addr{addr("10.0.1.5"): addr("198.51.100.5")}, NatGateway: "nat-00000000000000001"}
	n.RouteTables["rtb-000000000000public"] = &model.RouteTable{ID: "rtb-000000000000public", VPC: "vpc-00000000000000001",
		Routes: []model.Route{{Destination: pfx("10.0.0.0/16"), Target: "local"}, {Destination: pfx("0.0.0.0/0"), Target: "igw-00000000000000001"}}}
	n.InternetGateways["igw-00000000000000001"] = &model.InternetGateway{ID: "igw-00000000000000001", VPC: "vpc-00000000000000001"}
	n.Subnets["subnet-0000000000public"] = &model.Subnet{ID: "subnet-0000000000public", VPC: "vpc-00000000000000001", CIDR: pfx("10.0.1.0/24"), RouteTable: "rtb-000000000000public"}
	n.Subnets["subnet-000000000private"] = &model.Subnet{ID: "subnet-000000000private", VPC: "vpc-00000000000000001", CIDR: pfx("10.0.2.0/24")}
	n.SecurityGroups["sg-00000000000000web"] = &model.SecurityGroup{ID: "sg-00000000000000web", VPC: "vpc-00000000000000001", Rules: []model.SecurityGroupRule{
		{Protocol: 6, FromPort: 80, ToPort: 80, CIDR: pfx("0.0.0.0/0")},
		{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
	}}
	n.SecurityGroups["sg-0000000000000db"] = &model.SecurityGroup{ID: "sg-0000000000000db", VPC: "vpc-00000000000000001", Rules: []model.SecurityGroupRule{
		{Protocol: 6, FromPort: 5432, ToPort: 5432, Group: "sg-00000000000000web"},
	}}
	n.Instances["i-0000000000000web"] = &model.Instance{ID: "i-0000000000000web", VPC: "vpc-00000000000000001", Running: true, Interfaces: []string{"eni-0000000000000web"}}
	n.Instances["i-00000000000000db"] = &model.Instance{ID: "i-00000000000000db", VPC: "vpc-00000000000000001", Running: true, Interfaces: []string{"eni-00000000000000db"}}
	n.Instances["i-000000000stopped"] = &model.Instance{ID: "i-000000000stopped", VPC: "vpc-00000000000000001", Running: false, Interfaces: []string{"eni-000000000stopped"}}
	n.Interfaces["eni-0000000000000web"] = &model.Interface{ID: "eni-0000000000000web", Subnet: "subnet-0000000000public", VPC: "vpc-00000000000000001",
		MAC: "0a:00:00:00:00:01", PrivateIPs: []netip.Addr{addr("10.0.1.10"), addr("10.0.1.11")}, PublicIP: addr("198.51.100.10"),
		PublicIPs: map[netip.Addr]netip.Addr{addr("10.0.1.10"): addr("198.51.100.10"), addr("10.0.1.11"): addr("203.0.113.11")}, Groups: []string{"sg-00000000000000web"}, SourceDestCheck: true, Instance: "i-0000000000000web"}
	n.Interfaces["eni-00000000000000db"] = &model.Interface{ID: "eni-00000000000000db", Subnet: "subnet-000000000private", VPC: "vpc-00000000000000001",
		MAC: "0a:00:00:00:00:02", PrivateIPs: []netip.Addr{addr("10.0.2.20")}, Groups: []string{"sg-0000000000000db"}, SourceDestCheck: true, Instance: "i-00000000000000db"}
	n.Interfaces["eni-000000000stopped"] = &model.Interface{ID: "eni-000000000stopped", Subnet: "subnet-000000000private", VPC: "vpc-00000000000000001",
		PrivateIPs: []netip.Addr{addr("10.0.2.30")}, Groups: []string{"sg-0000000000000db"}, Instance: "i-000000000stopped"}
	// The public subnet keeps the default ACL; the private one admits PostgreSQL from the
	// public subnet and answers on its ephemeral ports, with a deny numbered first.
	n.NetworkACLs["acl-00000000000default"] = &model.NetworkACL{ID: "acl-00000000000default", VPC: "vpc-00000000000000001",
		Subnets: []string{"subnet-0000000000public"}, Entries: []model.ACLEntry{
			{Number: 100, Allow: true, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1},
			{Number: 32767, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1},
			{Number: 100, Egress: true, Allow: true, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1},
			{Number: 32767, Egress: true, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1},
		}}
	n.NetworkACLs["acl-00000000000private"] = &model.NetworkACL{ID: "acl-00000000000private", VPC: "vpc-00000000000000001",
		Subnets: []string{"subnet-000000000private"}, Entries: []model.ACLEntry{
			{Number: 32767, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1},
			{Number: 110, Allow: true, Protocol: 6, CIDR: pfx("10.0.1.0/24"), FromPort: 5432, ToPort: 5432},
			{Number: 100, Protocol: 6, CIDR: pfx("10.0.1.66/32"), FromPort: 0, ToPort: 65535},
			{Number: 120, Allow: true, Protocol: 1, CIDR: pfx("10.0.0.0/16"), FromPort: 8, ToPort: -1},
			{Number: 100, Egress: true, Allow: true, Protocol: 6, CIDR: pfx("10.0.1.0/24"), FromPort: 1024, ToPort: 65535},
			{Number: 32767, Egress: true, Protocol: -1, CIDR: pfx("0.0.0.0/0"), FromPort: -1, ToPort: -1},
		}}
	return n
}

// aclText prints the ACLs of every firewall of the plan, in the order of the golden file.
func aclText(s State) string {
	var b strings.Builder
	for _, ns := range s.Namespaces {
		if ns.Firewall == nil || len(ns.Firewall.Subnets) == 0 {
			continue
		}
		fmt.Fprintf(&b, "acls of %s exempt %v\n", ns.Name, ns.Firewall.ACLExempt)
		for _, sn := range ns.Firewall.Subnets {
			fmt.Fprintf(&b, "  acl %s links %v\n", sn.Name, sn.Links)
			for _, dir := range []struct {
				name  string
				rules []ACLRule
			}{{"ingress", sn.Ingress}, {"egress", sn.Egress}} {
				for _, r := range dir.rules {
					action := "deny"
					if r.Allow {
						action = "allow"
					}
					fmt.Fprintf(&b, "    %s %d %s proto %d ports %d-%d %s\n", dir.name, r.Number, action, r.Protocol, r.FromPort, r.ToPort, r.CIDR)
				}
			}
		}
	}
	return b.String()
}

func TestComputeGolden(t *testing.T) {
	st := Compute(twoTierNetwork(), Internet)
	checkGolden(t, "testdata/two-tier.golden", st.String()+aclText(st))
}

// checkGolden compares a plan's text with a golden file, which -update rewrites.
func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("plan differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
}

func TestOwned(t *testing.T) {
	for name, want := range map[string]bool{
		"i-0123456789abcdef0":        true,
		"i-01234567":                 true,
		"vpcd-vpc-0123456789abcdef0": true,
		"vpcd-nat-0123456789abcdef0": true,
		"vpcd-eni-0123456789abcdef0": true,
		"vpcd-internet":              true,
		"i-xyz":                      false,
		"docker0":                    false,
		"vpcd-other":                 false,
	} {
		if got := Owned(name); got != want {
			t.Errorf("Owned(%q) = %v, want %v", name, got, want)
		}
	}
}
