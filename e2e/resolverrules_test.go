package e2e

// Route 53 Resolver on real packets: a VPC's Amazon DNS server forwards a domain, from its
// outbound endpoint's addresses, to a DNS server in a peered VPC; a VPC's inbound
// endpoint answers a peered VPC with the VPC's own names. The endpoints' groups apply.

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	r53r "github.com/aws/aws-sdk-go-v2/service/route53resolver"
	r53rtypes "github.com/aws/aws-sdk-go-v2/service/route53resolver/types"

	"vpcd/internal/vpcdtest"
)

// corpDNS answers every A query with 192.0.2.77, over UDP port 53, and prints the
// address each query came from on stderr.
const corpDNS = `
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 53))
print('ready', flush=True)
while True:
    q, peer = s.recvfrom(512)
    print(peer[0], file=sys.stderr, flush=True)
    i = 12
    while q[i]:
        i += 1 + q[i]
    question = q[12:i + 5]
    head = q[:2] + struct.pack('!HHHHH', 0x8180, 1, 1, 0, 0)
    answer = struct.pack('!HHHLH', 0xc00c, 1, 1, 60, 4) + socket.inet_aton('192.0.2.77')
    s.sendto(head + question + answer, peer)
`

func TestResolverRuleForwardsOverPeering(t *testing.T) {
	p := startPlane(t)
	a := p.peeringSide("10.0.0.0/16", "10.0.1.0/24")
	b := p.peeringSide("10.1.0.0/16", "10.1.1.0/24")
	pcx := p.peer(a, b, "", p.ec2)
	p.routeVia(p.ec2, a.main, "10.1.0.0/16", pcx)
	p.routeVia(p.ec2, b.main, "10.0.0.0/16", pcx)
	p.allowIn(b.group, perm("udp", 53, 53, "10.0.0.0/16"))

	server := exec.Command(p.bin, "exec", b.inst.ID, "--", "python3", "-c", corpDNS)
	var asked vpcdtest.SyncBuffer
	server.Stderr = &asked
	out, err := server.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Process.Kill(); server.Wait() })
	ready := make([]byte, 6)
	if _, err := out.Read(ready); err != nil {
		t.Fatalf("the DNS server in %s did not start: %v", b.inst.ID, err)
	}

	r := r53r.New(r53r.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.url),
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", "")})
	subnet := p.subnet(a.vpc, "10.0.2.0/24")
	// The endpoint's own group, with AWS's default egress (all).
	epGroup := p.group(a.vpc, "resolver")
	ep, err := r.CreateResolverEndpoint(p.ctx, &r53r.CreateResolverEndpointInput{CreatorRequestId: aws.String("e2e"),
		Direction: r53rtypes.ResolverEndpointDirectionOutbound, SecurityGroupIds: []string{epGroup},
		IpAddresses: []r53rtypes.IpAddressRequest{{SubnetId: aws.String(subnetOf(p, a.inst.ID)), Ip: aws.String("10.0.1.53")}, {SubnetId: aws.String(subnet), Ip: aws.String("10.0.2.53")}}})
	p.check("CreateResolverEndpoint", err)
	rule, err := r.CreateResolverRule(p.ctx, &r53r.CreateResolverRuleInput{CreatorRequestId: aws.String("e2e"), RuleType: r53rtypes.RuleTypeOptionForward,
		DomainName: aws.String("corp.example"), ResolverEndpointId: ep.ResolverEndpoint.Id,
		TargetIps: []r53rtypes.TargetAddress{{Ip: aws.String(b.inst.IP)}}})
	p.check("CreateResolverRule", err)

	ask := func() string { return p.dns(a.inst.ID, "10.0.0.2", "db.corp.example", "A") }
	// Not associated yet: the VPC's resolver does not know the name.
	p.resolves("db.corp.example before the association", "NXDOMAIN", ask)
	_, err = r.AssociateResolverRule(p.ctx, &r53r.AssociateResolverRuleInput{ResolverRuleId: rule.ResolverRule.Id, VPCId: aws.String(a.vpc)})
	p.check("AssociateResolverRule", err)
	p.resolves("db.corp.example forwarded to the peered VPC's server", "NOERROR 192.0.2.77", ask)
	p.resolves("through 169.254.169.253 too", "NOERROR 192.0.2.77", func() string { return p.dns(a.inst.ID, "169.254.169.253", "www.corp.example", "A") })
	// The queries left from the outbound endpoint's addresses, as AWS's do.
	if from := asked.String(); !strings.Contains(from, "10.0.1.53") && !strings.Contains(from, "10.0.2.53") {
		t.Errorf("the server in the peered VPC was asked from %q, want the endpoint's addresses", from)
	}
	// Other names are the resolver's own.
	p.resolves("a name outside the rule", "NXDOMAIN", func() string { return p.dns(a.inst.ID, "10.0.0.2", "db.corp.example.org", "A") })

	// The queries leave through the endpoint's interfaces: without egress in its group,
	// they go nowhere, and the VPC's resolver answers SERVFAIL (after its upstreams' time,
	// which may outlast the client's).
	_, err = p.ec2.RevokeSecurityGroupEgress(p.ctx, &ec2sdk.RevokeSecurityGroupEgressInput{GroupId: aws.String(epGroup),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	p.check("RevokeSecurityGroupEgress", err)
	fails := func() bool {
		got := ask()
		return got == "SERVFAIL" || got == "error: timed out"
	}
	p.eventually("forwarding fails without the endpoint's egress", fails)
	p.resolves("a name outside the rule still", "NXDOMAIN", func() string { return p.dns(a.inst.ID, "10.0.0.2", "db.corp.example.org", "A") })
	_, err = p.ec2.AuthorizeSecurityGroupEgress(p.ctx, &ec2sdk.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(epGroup),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	p.check("AuthorizeSecurityGroupEgress", err)
	p.resolves("forwarded again with the egress back", "NOERROR 192.0.2.77", ask)
	// Nor do they pass the endpoint's subnets' ACL (the VPC's default) when it denies them.
	acls, err := p.ec2.DescribeNetworkAcls(p.ctx, &ec2sdk.DescribeNetworkAclsInput{Filters: []types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{a.vpc}}, {Name: aws.String("default"), Values: []string{"true"}}}})
	p.check("DescribeNetworkAcls", err)
	_, err = p.ec2.CreateNetworkAclEntry(p.ctx, &ec2sdk.CreateNetworkAclEntryInput{NetworkAclId: acls.NetworkAcls[0].NetworkAclId, RuleNumber: aws.Int32(50),
		Egress: aws.Bool(true), Protocol: aws.String("17"), RuleAction: types.RuleActionDeny, CidrBlock: aws.String("10.1.0.0/16"),
		PortRange: &types.PortRange{From: aws.Int32(53), To: aws.Int32(53)}})
	p.check("CreateNetworkAclEntry", err)
	p.eventually("forwarding fails with the endpoint's subnets' ACL denying DNS out", fails)
}

// TestResolverInboundEndpoint: an instance in a peered VPC asks the inbound endpoint of
// another VPC, at its address, for a name of a private zone associated with that VPC
// alone, and gets that VPC's answer, as long as the endpoint's group lets DNS in.
func TestResolverInboundEndpoint(t *testing.T) {
	p := startPlane(t)
	a := p.peeringSide("10.0.0.0/16", "10.0.1.0/24")
	b := p.peeringSide("10.1.0.0/16", "10.1.1.0/24")
	pcx := p.peer(a, b, "", p.ec2)
	p.routeVia(p.ec2, a.main, "10.1.0.0/16", pcx)
	p.routeVia(p.ec2, b.main, "10.0.0.0/16", pcx)

	zones := r53.New(r53.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.url),
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", "")})
	zone, err := zones.CreateHostedZone(p.ctx, &r53.CreateHostedZoneInput{Name: aws.String("b.internal"), CallerReference: aws.String("e2e"),
		VPC: &r53types.VPC{VPCId: aws.String(b.vpc), VPCRegion: r53types.VPCRegionUsEast1}})
	p.check("CreateHostedZone", err)
	_, err = zones.ChangeResourceRecordSets(p.ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id,
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: aws.String("db.b.internal"), Type: r53types.RRTypeA, TTL: aws.Int64(60), ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("10.1.1.200")}}}}}}})
	p.check("ChangeResourceRecordSets", err)

	r := r53r.New(r53r.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.url),
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", "")})
	epGroup := p.group(b.vpc, "inbound")
	p.allowIn(epGroup, perm("udp", 53, 53, "10.0.0.0/16"), perm("tcp", 53, 53, "10.0.0.0/16"))
	subnet := subnetOf(p, b.inst.ID)
	_, err = r.CreateResolverEndpoint(p.ctx, &r53r.CreateResolverEndpointInput{CreatorRequestId: aws.String("e2e"),
		Direction: r53rtypes.ResolverEndpointDirectionInbound, SecurityGroupIds: []string{epGroup},
		IpAddresses: []r53rtypes.IpAddressRequest{{SubnetId: aws.String(subnet), Ip: aws.String("10.1.1.53")}, {SubnetId: aws.String(subnet), Ip: aws.String("10.1.1.54")}}})
	p.check("CreateResolverEndpoint", err)

	// A's own resolver does not know the zone; B's inbound endpoint answers with B's.
	p.resolves("db.b.internal at A's resolver", "NXDOMAIN", func() string { return p.dns(a.inst.ID, "10.0.0.2", "db.b.internal", "A") })
	for _, ip := range []string{"10.1.1.53", "10.1.1.54"} {
		p.resolves("db.b.internal at the inbound endpoint "+ip, "NOERROR 10.1.1.200", func() string { return p.dns(a.inst.ID, ip, "db.b.internal", "A") })
	}
	p.resolves("over TCP", "NOERROR 10.1.1.200", func() string { return p.dns(a.inst.ID, "10.1.1.53", "db.b.internal", "A", "tcp") })
	p.resolves("B's instance names", "NOERROR "+b.inst.IP, func() string {
		return p.dns(a.inst.ID, "10.1.1.53", "ip-"+dashed(b.inst.IP)+".ec2.internal", "A")
	})

	// Without DNS in the endpoint's group, the query goes unanswered.
	_, err = p.ec2.RevokeSecurityGroupIngress(p.ctx, &ec2sdk.RevokeSecurityGroupIngressInput{GroupId: aws.String(epGroup),
		IpPermissions: []types.IpPermission{perm("udp", 53, 53, "10.0.0.0/16")}})
	p.check("RevokeSecurityGroupIngress", err)
	p.resolves("db.b.internal at the inbound endpoint, DNS not let in", "error: timed out", func() string { return p.dns(a.inst.ID, "10.1.1.53", "db.b.internal", "A") })
	// TCP is still let in.
	p.resolves("over TCP, still let in", "NOERROR 10.1.1.200", func() string { return p.dns(a.inst.ID, "10.1.1.53", "db.b.internal", "A", "tcp") })
}

// subnetOf is an instance's subnet.
func subnetOf(p *plane, id string) string {
	out, err := p.ec2.DescribeInstances(p.ctx, nil)
	p.check("DescribeInstances", err)
	for _, res := range out.Reservations {
		for _, i := range res.Instances {
			if aws.ToString(i.InstanceId) == id {
				return aws.ToString(i.SubnetId)
			}
		}
	}
	p.t.Fatalf("no instance %s", id)
	return ""
}
