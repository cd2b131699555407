package e2e

// IPv6 on real packets: dual-stack VPCs made through the API, instances that talk over
// IPv6 as their groups say, the simulated internet reached through an internet gateway
// (no translation: an instance's IPv6 address is its public one) and through an
// egress-only internet gateway, which lets no flow in.

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// internetHost6 is the simulated internet's own IPv6 address (plan.InternetHost6).
const internetHost6 = "2001:db8::1"

// dualStackVPC makes a VPC with an IPv4 block and an Amazon-provided IPv6 /56, and returns
// it with its IPv6 block.
func (p *plane) dualStackVPC(cidr string) (string, netip.Prefix) {
	p.t.Helper()
	out, err := p.ec2.CreateVpc(p.ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String(cidr), AmazonProvidedIpv6CidrBlock: aws.Bool(true)})
	p.check("CreateVpc", err)
	vpc := *out.Vpc.VpcId
	d, err := p.ec2.DescribeVpcs(p.ctx, &ec2sdk.DescribeVpcsInput{VpcIds: []string{vpc}})
	p.check("DescribeVpcs", err)
	set := d.Vpcs[0].Ipv6CidrBlockAssociationSet
	if len(set) == 0 {
		p.t.Fatalf("VPC %s has no IPv6 block", vpc)
	}
	return vpc, netip.MustParsePrefix(aws.ToString(set[0].Ipv6CidrBlock))
}

// dualStackSubnet makes a subnet with an IPv4 block and the k-th /64 of the VPC's IPv6
// block, and returns it with its /64.
func (p *plane) dualStackSubnet(vpc, cidr string, block netip.Prefix, k int) (string, netip.Prefix) {
	p.t.Helper()
	a := block.Addr().As16()
	a[7] += byte(k)
	v6 := netip.PrefixFrom(netip.AddrFrom16(a), 64)
	out, err := p.ec2.CreateSubnet(p.ctx, &ec2sdk.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr), Ipv6CidrBlock: aws.String(v6.String())})
	p.check("CreateSubnet", err)
	return *out.Subnet.SubnetId, v6
}

// routeTable6 makes a route table for subnet with ::/0 to target: an internet gateway or
// an egress-only internet gateway.
func (p *plane) routeTable6(vpc, subnet, target string) {
	p.t.Helper()
	out, err := p.ec2.CreateRouteTable(p.ctx, &ec2sdk.CreateRouteTableInput{VpcId: aws.String(vpc)})
	p.check("CreateRouteTable", err)
	rt := out.RouteTable.RouteTableId
	in := &ec2sdk.CreateRouteInput{RouteTableId: rt, DestinationIpv6CidrBlock: aws.String("::/0")}
	if strings.HasPrefix(target, "eigw-") {
		in.EgressOnlyInternetGatewayId = aws.String(target)
	} else {
		in.GatewayId = aws.String(target)
	}
	_, err = p.ec2.CreateRoute(p.ctx, in)
	p.check("CreateRoute", err)
	_, err = p.ec2.AssociateRouteTable(p.ctx, &ec2sdk.AssociateRouteTableInput{RouteTableId: rt, SubnetId: aws.String(subnet)})
	p.check("AssociateRouteTable", err)
}

// webGroup6 makes a group that admits TCP 80 from any IPv6 address and lets every IPv6
// flow out: CreateSecurityGroup's own egress rule is IPv4's alone.
func (p *plane) webGroup6(vpc string) string {
	p.t.Helper()
	g := p.group(vpc, "web6")
	any6 := []types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}
	p.allowIn(g, types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), Ipv6Ranges: any6})
	_, err := p.ec2.AuthorizeSecurityGroupEgress(p.ctx, &ec2sdk.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(g),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), Ipv6Ranges: any6}}})
	p.check("AuthorizeSecurityGroupEgress", err)
	return g
}

// withIPv6 asks for one IPv6 address, as RunInstances' Ipv6AddressCount does.
func withIPv6(in *ec2sdk.RunInstancesInput) { in.Ipv6AddressCount = aws.Int32(1) }

// ipv6Of is the instance's IPv6 address as DescribeInstances gives it, "" for none.
func (p *plane) ipv6Of(id string) string {
	p.t.Helper()
	out, err := p.ec2.DescribeInstances(p.ctx, &ec2sdk.DescribeInstancesInput{InstanceIds: []string{id}})
	p.check("DescribeInstances", err)
	for _, ni := range out.Reservations[0].Instances[0].NetworkInterfaces {
		for _, a := range ni.Ipv6Addresses {
			return aws.ToString(a.Ipv6Address)
		}
	}
	return ""
}

// ipv6Addrs are the IPv6 addresses the API gave the instances (withIPv6).
func (p *plane) ipv6Addrs(insts ...instance) []string {
	p.t.Helper()
	addrs := make([]string, len(insts))
	for k, in := range insts {
		if addrs[k] = p.ipv6Of(in.ID); addrs[k] == "" {
			p.t.Fatalf("%s has no IPv6 address", in.ID)
		}
	}
	return addrs
}

// TestDataplaneIPv6 sends IPv6 between instances of dual-stack subnets, to and from the
// simulated internet through an internet gateway, and out through an egress-only internet
// gateway that refuses what the internet opens.
func TestDataplaneIPv6(t *testing.T) {
	p := startPlane(t)
	vpc, block := p.dualStackVPC("10.20.0.0/16")
	sub, _ := p.dualStackSubnet(vpc, "10.20.1.0/24", block, 1)
	web := p.webGroup6(vpc)
	closed := p.group(vpc, "closed")
	p.routeTable6(vpc, sub, p.attachedGateway(vpc))
	x := p.launch(sub, []string{web}, withIPv6)
	y := p.launch(sub, []string{web}, withIPv6)
	z := p.launch(sub, []string{closed}, withIPv6)

	// A second VPC whose IPv6 goes out through an egress-only internet gateway alone.
	vpc2, block2 := p.dualStackVPC("10.21.0.0/16")
	sub2, _ := p.dualStackSubnet(vpc2, "10.21.1.0/24", block2, 1)
	eg, err := p.ec2.CreateEgressOnlyInternetGateway(p.ctx, &ec2sdk.CreateEgressOnlyInternetGatewayInput{VpcId: aws.String(vpc2)})
	p.check("CreateEgressOnlyInternetGateway", err)
	p.routeTable6(vpc2, sub2, *eg.EgressOnlyInternetGateway.EgressOnlyInternetGatewayId)
	w := p.launch(sub2, []string{p.webGroup6(vpc2)}, withIPv6)

	addrs := p.ipv6Addrs(x, y, z, w)
	x6, y6, z6, w6 := addrs[0], addrs[1], addrs[2], addrs[3]
	for _, where := range []string{y.ID, z.ID, w.ID, "internet"} {
		p.serveOn(where, "tcp-serve", "::", 80)
	}

	if got := p.passes(tcp(x.ID, y6, 80)); got != x6 {
		t.Errorf("%s to %s over IPv6: seen from %q, want %s", x.ID, y.ID, got, x6)
	}
	p.dropped(tcp(x.ID, z6, 80)) // z's group admits nothing
	if got := p.passes(tcp(x.ID, internetHost6, 80)); got != x6 {
		t.Errorf("to the internet through the internet gateway: seen from %q, want %s (IPv6 is not translated)", got, x6)
	}
	if got := p.passes(tcp("internet", y6, 80)); got != internetHost6 {
		t.Errorf("from the internet through the internet gateway: seen from %q, want %s", got, internetHost6)
	}
	if got := p.passes(tcp(w.ID, internetHost6, 80)); got != w6 {
		t.Errorf("out through the egress-only gateway: seen from %q, want %s", got, w6)
	}
	p.dropped(tcp("internet", w6, 80)) // the egress-only gateway lets no flow in
}
