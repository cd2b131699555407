package e2e

// Route 53 Resolver rules on real packets: a VPC's Amazon DNS server forwards a domain,
// from its outbound endpoint's addresses, to a DNS server in a peered VPC.

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
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
	ep, err := r.CreateResolverEndpoint(p.ctx, &r53r.CreateResolverEndpointInput{CreatorRequestId: aws.String("e2e"),
		Direction: r53rtypes.ResolverEndpointDirectionOutbound, SecurityGroupIds: []string{a.group},
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
