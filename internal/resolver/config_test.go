package resolver

import (
	"net/netip"
	"slices"
	"testing"

	"vpcd/internal/model"
)

// testNetwork is three VPCs with DNS support, two giving public names, and a fourth
// without DNS support:
//   - vpc-a (us-east-1): i-a1 at 10.0.1.5 (+ 10.0.1.6) with public 198.51.100.5 and IPv6,
//     hostname type resource-name with A and AAAA; i-a2 at 10.0.1.7 with an Elastic IP
//     on its secondary address 10.0.1.8, ip-name;
//   - vpc-b (eu-west-1): i-b1 at 10.1.0.10, public 203.0.113.10; peered with vpc-a,
//     its side allowing DNS resolution from vpc-a;
//   - vpc-c (us-east-1): public 198.51.100.9, DNS hostnames off;
//   - vpc-d: DNS support off.
func testNetwork() *model.Network {
	n := model.NewNetwork()
	a := netip.MustParseAddr
	vpc := func(id, region string, support, hostnames bool) {
		n.VPCs[id] = &model.VPC{ID: id, Region: region, EnableDnsSupport: support, EnableDnsHostnames: hostnames}
	}
	vpc("vpc-a", "us-east-1", true, true)
	vpc("vpc-b", "eu-west-1", true, true)
	vpc("vpc-c", "us-east-1", true, false)
	vpc("vpc-d", "us-east-1", false, false)
	eni := func(id, vpc, inst string, private []string, public map[string]string, ipv6 ...string) {
		e := &model.Interface{ID: id, VPC: vpc, Instance: inst, PublicIPs: map[netip.Addr]netip.Addr{}}
		for _, p := range private {
			e.PrivateIPs = append(e.PrivateIPs, a(p))
		}
		for priv, pub := range public {
			e.PublicIPs[a(priv)] = a(pub)
		}
		for _, p := range ipv6 {
			e.IPv6Addresses = append(e.IPv6Addresses, a(p))
		}
		n.Interfaces[id] = e
	}
	eni("eni-a1", "vpc-a", "i-a1", []string{"10.0.1.5", "10.0.1.6"}, map[string]string{"10.0.1.5": "198.51.100.5"}, "2600:1f18::5")
	eni("eni-a2", "vpc-a", "i-a2", []string{"10.0.1.7", "10.0.1.8"}, map[string]string{"10.0.1.8": "198.51.100.8"})
	eni("eni-b1", "vpc-b", "i-b1", []string{"10.1.0.10"}, map[string]string{"10.1.0.10": "203.0.113.10"})
	eni("eni-c1", "vpc-c", "i-c1", []string{"10.2.0.5"}, map[string]string{"10.2.0.5": "198.51.100.9"})
	eni("eni-d1", "vpc-d", "i-d1", []string{"10.3.0.5"}, nil)
	inst := func(id, vpc, eni string, opts model.PrivateDNSNameOptions) {
		n.Instances[id] = &model.Instance{ID: id, VPC: vpc, Running: true, Interfaces: []string{eni}, PrivateDNSNameOptions: opts}
	}
	inst("i-a1", "vpc-a", "eni-a1", model.PrivateDNSNameOptions{HostnameType: "resource-name", ResourceNameDNSA: true, ResourceNameDNSAAAA: true})
	inst("i-a2", "vpc-a", "eni-a2", model.PrivateDNSNameOptions{HostnameType: "ip-name"})
	inst("i-b1", "vpc-b", "eni-b1", model.PrivateDNSNameOptions{HostnameType: "ip-name", ResourceNameDNSA: true})
	inst("i-gone", "vpc-a", "eni-gone", model.PrivateDNSNameOptions{ResourceNameDNSA: true}) // terminated: no interface
	n.Peerings["pcx-ab"] = &model.Peering{ID: "pcx-ab", Requester: "vpc-a", Accepter: "vpc-b", AccepterDNS: true}
	return n
}

// lookup is the values of a record set of c, nil for none.
func lookup(c *Config, name, typ string) []string {
	for _, r := range c.Records {
		if r.Name == name && r.Type == typ {
			return r.Values
		}
	}
	return nil
}

func TestForVPCAndForInternet(t *testing.T) {
	n := testNetwork()
	inA, inB, inC, internet := ForVPC(n, "vpc-a"), ForVPC(n, "vpc-b"), ForVPC(n, "vpc-c"), ForInternet(n)
	for _, tc := range []struct {
		name   string
		config *Config
		owner  string
		typ    string
		want   []string
	}{
		{"ip name of each private address", inA, "ip-10-0-1-6.ec2.internal", "A", []string{"10.0.1.6"}},
		{"ip name answers A whatever the hostname type", inA, "ip-10-0-1-5.ec2.internal", "A", []string{"10.0.1.5"}},
		{"ip name elsewhere than us-east-1", inB, "ip-10-1-0-10.eu-west-1.compute.internal", "A", []string{"10.1.0.10"}},
		{"ip names of the VPC only", inA, "ip-10-1-0-10.eu-west-1.compute.internal", "A", nil},
		{"PTR of a private address", inA, "5.1.0.10.in-addr.arpa", "PTR", []string{"ip-10-0-1-5.ec2.internal"}},
		{"resource name A", inA, "i-a1.ec2.internal", "A", []string{"10.0.1.5"}},
		{"resource name AAAA", inA, "i-a1.ec2.internal", "AAAA", []string{"2600:1f18::5"}},
		{"PTR of the resource name's IPv6 address", inA, "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.1.f.1.0.0.6.2.ip6.arpa", "PTR", []string{"i-a1.ec2.internal"}},
		{"resource name without its options", inA, "i-a2.ec2.internal", "A", nil},
		{"resource name of an ip-name instance with A on", inB, "i-b1.eu-west-1.compute.internal", "A", []string{"10.1.0.10"}},
		{"no resource name without an interface", inA, "i-gone.ec2.internal", "A", nil},
		{"public name inside is the private address", inA, "ec2-198-51-100-5.compute-1.amazonaws.com", "A", []string{"10.0.1.5"}},
		{"public name of an Elastic IP on a secondary address", inA, "ec2-198-51-100-8.compute-1.amazonaws.com", "A", []string{"10.0.1.8"}},
		{"public name across a peering that allows it", inA, "ec2-203-0-113-10.eu-west-1.compute.amazonaws.com", "A", []string{"10.1.0.10"}},
		{"public name across a peering that does not", inB, "ec2-198-51-100-5.compute-1.amazonaws.com", "A", nil},
		{"no public name without DNS hostnames", inC, "ec2-198-51-100-9.compute-1.amazonaws.com", "A", nil},
		{"private name still without DNS hostnames", inC, "ip-10-2-0-5.ec2.internal", "A", []string{"10.2.0.5"}},
		{"public name from the internet", internet, "ec2-198-51-100-5.compute-1.amazonaws.com", "A", []string{"198.51.100.5"}},
		{"public name in another region from the internet", internet, "ec2-203-0-113-10.eu-west-1.compute.amazonaws.com", "A", []string{"203.0.113.10"}},
		{"PTR of a public address from the internet", internet, "5.100.51.198.in-addr.arpa", "PTR", []string{"ec2-198-51-100-5.compute-1.amazonaws.com"}},
		{"no public name of a VPC without DNS hostnames from the internet", internet, "ec2-198-51-100-9.compute-1.amazonaws.com", "A", nil},
		{"no private names on the internet", internet, "ip-10-0-1-5.ec2.internal", "A", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := lookup(tc.config, tc.owner, tc.typ); !slices.Equal(got, tc.want) {
				t.Errorf("%s %s = %v, want %v", tc.owner, tc.typ, got, tc.want)
			}
		})
	}
	if ForVPC(n, "vpc-d") != nil {
		t.Error("a VPC without DNS support has a resolver")
	}
	if ForVPC(n, "vpc-0123456789abcdef0") != nil {
		t.Error("an unknown VPC has a resolver")
	}
	if inA.Domain != "ec2.internal" || inB.Domain != "eu-west-1.compute.internal" || internet.Domain != "" {
		t.Errorf("domains %q %q %q", inA.Domain, inB.Domain, internet.Domain)
	}
}
