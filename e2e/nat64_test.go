package e2e

// DNS64 and NAT64 on real packets: an instance of an IPv6-only subnet with EnableDns64
// resolves a name that has only an A record to 64:ff9b::/96 + its IPv4 address, and
// reaches IPv4-only hosts there through a public NAT gateway, which its route table
// sends 64:ff9b::/96 to; those on the internet see the gateway's Elastic IP, those of
// the VPC its private address.

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// nat64Of is the address of an IPv4 one in the well-known NAT64 prefix.
func nat64Of(v4 string) string {
	b := netip.MustParseAddr("64:ff9b::").As16()
	a := netip.MustParseAddr(v4).As4()
	copy(b[12:], a[:])
	return netip.AddrFrom16(b).String()
}

// udpRefused sends a datagram from a connected socket inside the instance and tells
// what came back: "answer", "refused" (an ICMP port unreachable) or "timeout".
func (p *plane) udpRefused(where, dst string, port int) string {
	const script = `import socket, sys
s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((sys.argv[1], int(sys.argv[2])))
s.send(b'probe')
try:
    s.recv(256)
    print('answer')
except ConnectionRefusedError:
    print('refused')
except socket.timeout:
    print('timeout')`
	out, err := p.exec(where, "python3", "-c", script, dst, strconv.Itoa(port)).CombinedOutput()
	if err != nil {
		return "error: " + strings.TrimSpace(string(out))
	}
	return strings.TrimSpace(string(out))
}

func TestNAT64(t *testing.T) {
	p := startPlane(t)
	vpc, block := p.dualStackVPC("10.30.0.0/16")
	public := p.subnet(vpc, "10.30.1.0/24")
	p.routeTable(vpc, public, "0.0.0.0/0", toGateway(p.attachedGateway(vpc)))
	alloc, err := p.ec2.AllocateAddress(p.ctx, &ec2sdk.AllocateAddressInput{})
	p.check("AllocateAddress", err)
	eip := aws.ToString(alloc.PublicIp)
	t.Cleanup(func() { p.ec2.ReleaseAddress(p.ctx, &ec2sdk.ReleaseAddressInput{AllocationId: alloc.AllocationId}) })
	gw := p.natGateway(public, aws.ToString(alloc.AllocationId))
	nat, natIP := aws.ToString(gw.NatGatewayId), aws.ToString(gw.NatGatewayAddresses[0].PrivateIp)

	sub6, _ := p.ipv6OnlySubnet(vpc, block, 2)
	rt := p.routeTable(vpc, sub6, "", func(in *ec2sdk.CreateRouteInput) {
		in.DestinationCidrBlock, in.DestinationIpv6CidrBlock, in.NatGatewayId = nil, aws.String("64:ff9b::/96"), aws.String(nat)
	})
	x := p.launch(sub6, []string{p.webGroup6(vpc)})

	// An IPv4-only server with a public name, in another VPC: the internet's resolver
	// knows the name, with an A record alone.
	other := p.vpc("10.31.0.0/16")
	_, err = p.ec2.ModifyVpcAttribute(p.ctx, &ec2sdk.ModifyVpcAttributeInput{VpcId: aws.String(other), EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	p.check("ModifyVpcAttribute", err)
	otherSub := p.subnet(other, "10.31.1.0/24")
	p.routeTable(other, otherSub, "0.0.0.0/0", toGateway(p.attachedGateway(other)))
	web := p.group(other, "web")
	p.allowIn(web, perm("tcp", 8080, 8080, "0.0.0.0/0"))
	server := p.launch(otherSub, []string{web}, withPublicIP(true))
	serverName := "ec2-" + strings.ReplaceAll(server.PublicIP, ".", "-") + ".compute-1.amazonaws.com"
	p.serve(server.ID, "tcp-serve", 8080)
	p.serve("internet", "tcp-serve", 80)
	p.serve("internet", "udp-serve", 5300)

	// Without DNS64 the name has no AAAA record; with it, one in 64:ff9b::/96.
	p.resolves("A of "+serverName, "NOERROR "+server.PublicIP, func() string { return p.dns(x.ID, "fd00:ec2::253", serverName, "A") })
	if got := p.dns(x.ID, "fd00:ec2::253", serverName, "AAAA"); got != "NOERROR" {
		t.Errorf("AAAA of %s without DNS64: %q, want NOERROR and no record", serverName, got)
	}
	_, err = p.ec2.ModifySubnetAttribute(p.ctx, &ec2sdk.ModifySubnetAttributeInput{SubnetId: aws.String(sub6), EnableDns64: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	p.check("ModifySubnetAttribute EnableDns64", err)
	d, err := p.ec2.DescribeSubnets(p.ctx, &ec2sdk.DescribeSubnetsInput{SubnetIds: []string{sub6}})
	p.check("DescribeSubnets", err)
	if !aws.ToBool(d.Subnets[0].EnableDns64) {
		t.Errorf("DescribeSubnets: EnableDns64 false after ModifySubnetAttribute")
	}
	synth := nat64Of(server.PublicIP)
	p.resolves("AAAA of "+serverName+" with DNS64", "NOERROR "+synth, func() string { return p.dns(x.ID, "fd00:ec2::253", serverName, "AAAA") })
	// Over TCP too.
	p.resolves("AAAA of "+serverName+" over TCP", "NOERROR "+synth, func() string { return p.dns(x.ID, "fd00:ec2::253", serverName, "AAAA", "tcp") })

	// NAT64: the IPv4-only hosts see the gateway's Elastic IP.
	if got := strings.Fields(p.passes(tcp(x.ID, synth, 8080))); len(got) == 0 || got[0] != eip {
		t.Errorf("the server in the other VPC saw %v through NAT64, want the Elastic IP %s", got, eip)
	}
	if got := strings.Fields(p.passes(tcp(x.ID, nat64Of(internetHost), 80))); len(got) == 0 || got[0] != eip {
		t.Errorf("the internet saw %v through NAT64, want the Elastic IP %s", got, eip)
	}
	if got := p.passes(udp(x.ID, nat64Of(internetHost), 5300)); got != eip {
		t.Errorf("UDP: the internet saw %q through NAT64, want %s", got, eip)
	}

	// An ICMP error comes back as its ICMPv6 counterpart: a datagram to a closed port of
	// the internet is refused.
	p.resolves("UDP to a closed port through NAT64", "refused", func() string { return p.udpRefused(x.ID, nat64Of(internetHost), 5301) })

	// An IPv4 address of the VPC itself, as AWS's NAT64 reaches one: from the gateway's
	// private address.
	inside := p.group(vpc, "inside")
	p.allowIn(inside, perm("tcp", 8080, 8080, "10.30.0.0/16"))
	local := p.launch(public, []string{inside}, withPublicIP(false))
	p.serve(local.ID, "tcp-serve", 8080)
	if got := strings.Fields(p.passes(tcp(x.ID, nat64Of(local.IP), 8080))); len(got) == 0 || got[0] != natIP {
		t.Errorf("%s in the VPC saw %v through NAT64, want the gateway's private address %s", local.ID, got, natIP)
	}

	// Without the route, nothing gets through.
	_, err = p.ec2.DeleteRoute(p.ctx, &ec2sdk.DeleteRouteInput{RouteTableId: aws.String(rt), DestinationIpv6CidrBlock: aws.String("64:ff9b::/96")})
	p.check("DeleteRoute", err)
	p.becomesDropped(tcp(x.ID, nat64Of(internetHost), 80))
}
