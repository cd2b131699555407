package e2e

// Instances of IPv6-only subnets on real packets: no IPv4 address at all, IPv6 between
// them, to the simulated internet through an internet gateway and an egress-only one, and
// a group rule on an IPv6 CIDR that admits the subnet and no one else.

import (
	"net/netip"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ipv6OnlySubnet makes an IPv6-only subnet on the k-th /64 of the VPC's IPv6 block.
func (p *plane) ipv6OnlySubnet(vpc string, block netip.Prefix, k int) (string, netip.Prefix) {
	p.t.Helper()
	a := block.Addr().As16()
	a[7] += byte(k)
	v6 := netip.PrefixFrom(netip.AddrFrom16(a), 64)
	out, err := p.ec2.CreateSubnet(p.ctx, &ec2sdk.CreateSubnetInput{VpcId: aws.String(vpc), Ipv6Native: aws.Bool(true), Ipv6CidrBlock: aws.String(v6.String())})
	p.check("CreateSubnet", err)
	return *out.Subnet.SubnetId, v6
}

// TestDataplaneIPv6Only launches Nitro instances into IPv6-only subnets (the subnet gives
// each its IPv6 address) and checks what reaches them.
func TestDataplaneIPv6Only(t *testing.T) {
	p := startPlane(t)
	vpc, block := p.dualStackVPC("10.22.0.0/16")
	sub, sub64 := p.ipv6OnlySubnet(vpc, block, 1)
	p.routeTable6(vpc, sub, p.attachedGateway(vpc))
	// The subnet's own /64 alone may reach port 80.
	local := p.group(vpc, "local6")
	p.allowIn(local, types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
		Ipv6Ranges: []types.Ipv6Range{{CidrIpv6: aws.String(sub64.String())}}})
	_, err := p.ec2.AuthorizeSecurityGroupEgress(p.ctx, &ec2sdk.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(local),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), Ipv6Ranges: []types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}}}})
	p.check("AuthorizeSecurityGroupEgress", err)
	x := p.launch(sub, []string{local}, withMetadata(types.InstanceMetadataOptionsRequest{HttpProtocolIpv6: types.InstanceMetadataProtocolStateEnabled}))
	y := p.launch(sub, []string{local}, func(in *ec2sdk.RunInstancesInput) {
		in.PrivateDnsNameOptions = &types.PrivateDnsNameOptionsRequest{EnableResourceNameDnsAAAARecord: aws.Bool(true)}
	})

	// A second IPv6-only subnet of the VPC, and one of another VPC whose IPv6 goes out
	// through an egress-only gateway alone (with the first VPC's internet gateway, the
	// internet would reach it through that).
	sub2, _ := p.ipv6OnlySubnet(vpc, block, 2)
	v := p.launch(sub2, []string{p.webGroup6(vpc)})
	vpc2, block2 := p.dualStackVPC("10.23.0.0/16")
	sub3, _ := p.ipv6OnlySubnet(vpc2, block2, 1)
	eg, err := p.ec2.CreateEgressOnlyInternetGateway(p.ctx, &ec2sdk.CreateEgressOnlyInternetGatewayInput{VpcId: aws.String(vpc2)})
	p.check("CreateEgressOnlyInternetGateway", err)
	p.routeTable6(vpc2, sub3, *eg.EgressOnlyInternetGateway.EgressOnlyInternetGatewayId)
	w := p.launch(sub3, []string{p.webGroup6(vpc2)})

	for _, in := range []instance{x, y, v, w} {
		if in.IP != "" || in.PublicIP != "" {
			t.Errorf("%s has IPv4 addresses %q %q in an IPv6-only subnet", in.ID, in.IP, in.PublicIP)
		}
	}
	addrs := p.ipv6Addrs(x, y, v, w)
	x6, y6, v6, w6 := addrs[0], addrs[1], addrs[2], addrs[3]
	if !sub64.Contains(netip.MustParseAddr(x6)) {
		t.Errorf("%s: %s is outside the subnet's %s", x.ID, x6, sub64)
	}
	d, err := p.ec2.DescribeInstances(p.ctx, &ec2sdk.DescribeInstancesInput{InstanceIds: []string{x.ID}})
	p.check("DescribeInstances", err)
	name := x.ID + ".ec2.internal"
	if got := d.Reservations[0].Instances[0]; aws.ToString(got.PrivateDnsName) != name || aws.ToString(got.Ipv6Address) != x6 {
		t.Errorf("%s: PrivateDnsName %q, Ipv6Address %q; want %s, %s", x.ID, aws.ToString(got.PrivateDnsName), aws.ToString(got.Ipv6Address), name, x6)
	}
	// The instance metadata service answers over IPv6, the instance's only way to it.
	const metadata6 = "http://[fd00:ec2::254]/latest/meta-data/"
	p.eventually("IMDS over IPv6 answers "+x.ID, func() bool {
		code, body := curl(t, x.ID, "-g", metadata6+"ipv6")
		return code == 200 && body == x6
	})
	if code, body := curl(t, x.ID, "-g", metadata6+"local-hostname"); code != 200 || body != name {
		t.Errorf("local-hostname: %d %q, want %s", code, body, name)
	}
	if code, body := curl(t, x.ID, "-g", metadata6+"local-ipv4"); code != 404 {
		t.Errorf("local-ipv4 of an IPv6-only instance: %d %q, want 404", code, body)
	}
	// The Amazon DNS server, at its IPv6 address, answers y's resource name with its
	// IPv6 address.
	yName := y.ID + ".ec2.internal"
	p.resolves("AAAA of "+yName, "NOERROR "+y6, func() string { return p.dns(x.ID, "fd00:ec2::253", yName, "AAAA") })
	// The system resolver asks it there too: DHCPv6 gives an IPv6-only instance
	// fd00:ec2::253, and the search domain finds the short name.
	p.resolves("getaddrinfo "+y.ID, y6, func() string { return p.addrinfo(x.ID, y.ID, "AF_INET6") })

	for _, where := range []string{y.ID, v.ID, w.ID, "internet"} {
		p.serveOn(where, "tcp-serve", "::", 80)
	}

	if got := p.passes(tcp(x.ID, y6, 80)); got != x6 {
		t.Errorf("%s to %s in the IPv6-only subnet: seen from %q, want %s", x.ID, y.ID, got, x6)
	}
	if got := p.passes(tcp(x.ID, v6, 80)); got != x6 {
		t.Errorf("%s to %s across the VPC's IPv6-only subnets: seen from %q, want %s", x.ID, v.ID, got, x6)
	}
	if got := p.passes(tcp(x.ID, internetHost6, 80)); got != x6 {
		t.Errorf("to the internet through the internet gateway: seen from %q, want %s", got, x6)
	}
	p.dropped(tcp("internet", y6, 80)) // the gateway routes it; y's rule admits only the subnet's /64
	p.dropped(tcp(v.ID, y6, 80))       // nor the VPC's other /64
	if got := p.passes(tcp(w.ID, internetHost6, 80)); got != w6 {
		t.Errorf("out through the egress-only gateway: seen from %q, want %s", got, w6)
	}
	p.dropped(tcp("internet", w6, 80)) // the egress-only gateway lets no flow in
}
