package imds

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"

	"vpcd/internal/model"
)

func TestForVPC(t *testing.T) {
	a := netip.MustParseAddr
	n := model.NewNetwork()
	n.VPCs["vpc-1"] = &model.VPC{ID: "vpc-1", Region: "eu-west-1", CIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16"), netip.MustParsePrefix("2600::/56")}, EnableDnsHostnames: true}
	n.VPCs["vpc-2"] = &model.VPC{ID: "vpc-2", Region: "eu-west-1"}
	n.Subnets["subnet-1"] = &model.Subnet{ID: "subnet-1", VPC: "vpc-1", CIDR: netip.MustParsePrefix("10.0.1.0/24"), IPv6CIDR: netip.MustParsePrefix("2600::/64")}
	n.SecurityGroups["sg-1"] = &model.SecurityGroup{ID: "sg-1", VPC: "vpc-1", Name: "web"}
	n.Interfaces["eni-1"] = &model.Interface{ID: "eni-1", Subnet: "subnet-1", VPC: "vpc-1", MAC: "0a:00:00:00:00:01",
		PrivateIPs: []netip.Addr{a("10.0.1.5"), a("10.0.1.6")}, IPv6Addresses: []netip.Addr{a("2600::5")}, PublicIP: a("198.51.100.5"),
		PublicIPs: map[netip.Addr]netip.Addr{a("10.0.1.6"): a("198.51.100.6")}, Groups: []string{"sg-1"}, Instance: "i-1"}
	n.Interfaces["eni-2"] = &model.Interface{ID: "eni-2", Subnet: "subnet-1", VPC: "vpc-1", MAC: "0a:00:00:00:00:02",
		PrivateIPs: []netip.Addr{a("10.0.1.7")}, Instance: "i-1", DeviceIndex: 1}
	opts := model.MetadataOptions{Endpoint: true, HopLimit: 2}
	n.Instances["i-1"] = &model.Instance{ID: "i-1", VPC: "vpc-1", Subnet: "subnet-1", Owner: "123456789012", Region: "eu-west-1", Running: true,
		Interfaces: []string{"eni-1", "eni-2"}, ImageID: "ami-1", PrivateDNSName: "i-1.eu-west-1.compute.internal", Metadata: opts}
	n.Instances["i-stopped"] = &model.Instance{ID: "i-stopped", VPC: "vpc-1"}
	n.Instances["i-other"] = &model.Instance{ID: "i-other", VPC: "vpc-2", Running: true}

	if ForVPC(n, "vpc-nope") != nil {
		t.Error("a VPC the network does not have has a config")
	}
	cfg := ForVPC(n, "vpc-1")
	if len(cfg.Instances) != 1 {
		t.Fatalf("instances %v, want only i-1, the running one of vpc-1", cfg.Instances)
	}
	in := cfg.Instances["i-1"]
	if want := []netip.Addr{a("10.0.1.5"), a("10.0.1.6"), a("2600::5"), a("10.0.1.7")}; !reflect.DeepEqual(in.Addresses, want) {
		t.Errorf("addresses %v, want %v", in.Addresses, want)
	}
	if in.Options != opts || in.AccountID != "123456789012" || in.ImageID != "ami-1" || len(in.Interfaces) != 2 {
		t.Errorf("instance %+v", in)
	}
	e := in.Interfaces[0]
	want := Interface{ID: "eni-1", MAC: "0a:00:00:00:00:01", OwnerID: "123456789012", LocalHostname: "i-1.eu-west-1.compute.internal",
		PublicHostname: "ec2-198-51-100-5.eu-west-1.compute.amazonaws.com",
		LocalIPv4s:     []netip.Addr{a("10.0.1.5"), a("10.0.1.6")}, PublicIPv4s: []netip.Addr{a("198.51.100.5"), a("198.51.100.6")},
		IPv4Associations: [][2]netip.Addr{{a("198.51.100.5"), a("10.0.1.5")}, {a("198.51.100.6"), a("10.0.1.6")}},
		IPv6s:            []netip.Addr{a("2600::5")}, GroupIDs: []string{"sg-1"}, GroupNames: []string{"web"}, SubnetID: "subnet-1", VPCID: "vpc-1",
		SubnetIPv4: netip.MustParsePrefix("10.0.1.0/24"), SubnetIPv6: netip.MustParsePrefix("2600::/64"),
		VPCIPv4: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}, VPCIPv6: []netip.Prefix{netip.MustParsePrefix("2600::/56")}}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("primary interface\n%+v\nwant\n%+v", e, want)
	}
	if got := in.Interfaces[1].LocalHostname; got != "ip-10-0-1-7.eu-west-1.compute.internal" {
		t.Errorf("second interface's hostname %q", got)
	}
	n.VPCs["vpc-1"].EnableDnsHostnames = false
	if got := ForVPC(n, "vpc-1").Instances["i-1"].Interfaces[0].PublicHostname; got != "" {
		t.Errorf("public hostname %q without enableDnsHostnames", got)
	}
}

// TestConfigJSON: the config goes to the services daemon as JSON and serves the same.
func TestConfigJSON(t *testing.T) {
	raw, err := json.Marshal(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	var back Config
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	for id, in := range testConfig().Instances {
		if got, want := back.Instances[id].tree(), in.tree(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s serves another tree after JSON", id)
		}
		if !reflect.DeepEqual(back.Instances[id].Addresses, in.Addresses) || back.Instances[id].Options != in.Options {
			t.Errorf("%s: addresses or options changed through JSON", id)
		}
	}
}
