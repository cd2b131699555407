package dataplane

import (
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"vpcd/internal/model"
)

func TestResolvConf(t *testing.T) {
	n := model.NewNetwork()
	n.VPCs["vpc-1"] = &model.VPC{ID: "vpc-1", CIDRs: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}, DhcpOptions: "dopt-1"}
	n.DhcpOptions["dopt-1"] = &model.DhcpOptions{ID: "dopt-1", DomainName: []string{"corp.example lab.example"}, DomainNameServers: []string{"AmazonProvidedDNS", "192.0.2.53"}}
	n.Instances["i-1"] = &model.Instance{ID: "i-1", VPC: "vpc-1", Running: true}
	etc, data := t.TempDir(), t.TempDir()
	r := newResolvConfs(etc, data, slog.New(slog.DiscardHandler))
	path := filepath.Join(etc, "i-1", "resolv.conf")
	read := func() string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	r.sync(n, true)
	want := "# DHCP options dopt-1 of vpc-1\nsearch corp.example lab.example\nnameserver 10.1.0.2\nnameserver 192.0.2.53\n"
	if got := read(); got != want {
		t.Errorf("resolv.conf\n%s\nwant\n%s", got, want)
	}
	n.VPCs["vpc-1"].DhcpOptions = "default"
	r.sync(n, true)
	if got := read(); got != "" {
		t.Errorf("resolv.conf without options is %q, want empty", got)
	}
	n.Instances["i-1"].Running = false
	r.sync(n, true)
	if _, err := os.Stat(filepath.Join(etc, "i-1")); !os.IsNotExist(err) {
		t.Errorf("the directory of a stopped instance is still there: %v", err)
	}
}

// An instance in an IPv6-only subnet reads the Amazon DNS server's IPv6 address from
// DHCPv6; one in a dual-stack subnet of the same VPC the IPv4 one.
func TestResolvConfIPv6Only(t *testing.T) {
	n := model.NewNetwork()
	n.VPCs["vpc-1"] = &model.VPC{ID: "vpc-1", CIDRs: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("2600:1f18::/56")}, DhcpOptions: "dopt-1"}
	n.DhcpOptions["dopt-1"] = &model.DhcpOptions{ID: "dopt-1", DomainName: []string{"ec2.internal"}, DomainNameServers: []string{"AmazonProvidedDNS"}}
	n.Subnets["subnet-6"] = &model.Subnet{ID: "subnet-6", VPC: "vpc-1", IPv6CIDR: netip.MustParsePrefix("2600:1f18::/64")}
	n.Subnets["subnet-d"] = &model.Subnet{ID: "subnet-d", VPC: "vpc-1", CIDR: netip.MustParsePrefix("10.1.1.0/24"), IPv6CIDR: netip.MustParsePrefix("2600:1f18:0:1::/64")}
	n.Instances["i-6"] = &model.Instance{ID: "i-6", VPC: "vpc-1", Subnet: "subnet-6", Running: true}
	n.Instances["i-d"] = &model.Instance{ID: "i-d", VPC: "vpc-1", Subnet: "subnet-d", Running: true}
	etc := t.TempDir()
	newResolvConfs(etc, t.TempDir(), slog.New(slog.DiscardHandler)).sync(n, true)
	for id, ns := range map[string]string{"i-6": "fd00:ec2::253", "i-d": "10.1.0.2"} {
		b, err := os.ReadFile(filepath.Join(etc, id, "resolv.conf"))
		if want := "# DHCP options dopt-1 of vpc-1\nsearch ec2.internal\nnameserver " + ns + "\n"; err != nil || string(b) != want {
			t.Errorf("%s: resolv.conf %q %v, want %q", id, b, err, want)
		}
	}
}
