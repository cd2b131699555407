package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"vpcd/internal/vpcdtest"
)

// side is one VPC of a peering test: a subnet, an instance serving TCP 8000 and the
// VPC's main route table.
type side struct {
	vpc, main string
	inst      instance
	group     string
}

// peeringSide makes a VPC with one instance whose group lets in TCP 8000 and ICMP from
// 10.0.0.0/8, as the account of p.ec2.
func (p *plane) peeringSide(cidr, subnet string) side {
	p.t.Helper()
	vpc := p.vpc(cidr)
	g := p.group(vpc, "open")
	p.allowIn(g, perm("tcp", 8000, 8000, "10.0.0.0/8"), perm("icmp", -1, -1, "10.0.0.0/8"))
	inst := p.launch(p.subnet(vpc, subnet), []string{g})
	p.serve(inst.ID, "tcp-serve", 8000)
	out, err := p.ec2.DescribeRouteTables(p.ctx, &ec2sdk.DescribeRouteTablesInput{Filters: []types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("association.main"), Values: []string{"true"}}}})
	p.check("DescribeRouteTables", err)
	return side{vpc: vpc, main: *out.RouteTables[0].RouteTableId, inst: inst, group: g}
}

// peer requests a peering from a to b (owned by peerOwner, "" for the same account) and
// accepts it as accepter.
func (p *plane) peer(a, b side, peerOwner string, accepter *ec2sdk.Client) string {
	p.t.Helper()
	in := &ec2sdk.CreateVpcPeeringConnectionInput{VpcId: aws.String(a.vpc), PeerVpcId: aws.String(b.vpc)}
	if peerOwner != "" {
		in.PeerOwnerId = aws.String(peerOwner)
	}
	out, err := p.ec2.CreateVpcPeeringConnection(p.ctx, in)
	p.check("CreateVpcPeeringConnection", err)
	pcx := *out.VpcPeeringConnection.VpcPeeringConnectionId
	_, err = accepter.AcceptVpcPeeringConnection(p.ctx, &ec2sdk.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(pcx)})
	p.check("AcceptVpcPeeringConnection", err)
	return pcx
}

func (p *plane) routeVia(cl *ec2sdk.Client, rtb, dst, pcx string) {
	p.t.Helper()
	_, err := cl.CreateRoute(p.ctx, &ec2sdk.CreateRouteInput{RouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(dst), VpcPeeringConnectionId: aws.String(pcx)})
	p.check("CreateRoute", err)
}

// TestPeeringTraffic checks that a peering carries traffic only with routes on both sides,
// and that a group of the peer VPC may be named in a rule.
func TestPeeringTraffic(t *testing.T) {
	p := startPlane(t)
	a, b := p.peeringSide("10.1.0.0/16", "10.1.1.0/24"), p.peeringSide("10.2.0.0/16", "10.2.1.0/24")
	pcx := p.peer(a, b, "", p.ec2)
	p.routeVia(p.ec2, a.main, "10.2.0.0/16", pcx)
	p.routeVia(p.ec2, b.main, "10.1.0.0/16", pcx)
	// B's group names A's group: members of a peer VPC's group.
	p.allowIn(b.group, perm("tcp", 9000, 9000, a.group))
	p.serve(b.inst.ID, "tcp-serve", 9000)

	if got := p.passes(tcp(a.inst.ID, b.inst.IP, 8000)); got != a.inst.IP {
		t.Errorf("B saw %q, want A's own address %s", got, a.inst.IP)
	}
	p.passes(tcp(b.inst.ID, a.inst.IP, 8000))
	p.passes(tcp(a.inst.ID, b.inst.IP, 9000))

	// With a route on one side only, the answers have no way back.
	_, err := p.ec2.DeleteRoute(p.ctx, &ec2sdk.DeleteRouteInput{RouteTableId: aws.String(b.main), DestinationCidrBlock: aws.String("10.1.0.0/16")})
	p.check("DeleteRoute", err)
	p.becomesDropped(tcp(a.inst.ID, b.inst.IP, 8000))
	p.dropped(tcp(b.inst.ID, a.inst.IP, 8000))

	// Deleting the peering turns A's route into a blackhole.
	p.routeVia(p.ec2, b.main, "10.1.0.0/16", pcx)
	p.passes(tcp(a.inst.ID, b.inst.IP, 8000))
	_, err = p.ec2.DeleteVpcPeeringConnection(p.ctx, &ec2sdk.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(pcx)})
	p.check("DeleteVpcPeeringConnection", err)
	p.becomesDropped(tcp(a.inst.ID, b.inst.IP, 8000))
}

// TestPeeringNoTransit peers A–B and B–C with every route and checks that A cannot reach
// C through B.
func TestPeeringNoTransit(t *testing.T) {
	p := startPlane(t)
	a := p.peeringSide("10.1.0.0/16", "10.1.1.0/24")
	b := p.peeringSide("10.2.0.0/16", "10.2.1.0/24")
	c := p.peeringSide("10.3.0.0/16", "10.3.1.0/24")
	ab, bc := p.peer(a, b, "", p.ec2), p.peer(b, c, "", p.ec2)
	p.routeVia(p.ec2, a.main, "10.2.0.0/16", ab)
	p.routeVia(p.ec2, a.main, "10.3.0.0/16", ab) // toward C through B: never carried
	p.routeVia(p.ec2, b.main, "10.1.0.0/16", ab)
	p.routeVia(p.ec2, b.main, "10.3.0.0/16", bc)
	p.routeVia(p.ec2, c.main, "10.2.0.0/16", bc)
	p.routeVia(p.ec2, c.main, "10.1.0.0/16", bc)

	p.passes(tcp(a.inst.ID, b.inst.IP, 8000))
	p.passes(tcp(b.inst.ID, a.inst.IP, 8000))
	p.passes(tcp(b.inst.ID, c.inst.IP, 8000))
	p.passes(tcp(c.inst.ID, b.inst.IP, 8000))
	p.dropped(tcp(a.inst.ID, c.inst.IP, 8000))
	p.dropped(tcp(c.inst.ID, a.inst.IP, 8000))
	p.dropped(icmp(a.inst.ID, c.inst.IP))
}

// TestPeeringCrossAccount has 111111111111 request and 222222222222 accept, each routing
// in its own VPC.
func TestPeeringCrossAccount(t *testing.T) {
	p := startPlane(t)
	requester := vpcdtest.Client(p.url, "111111111111", "us-east-1")
	accepter := vpcdtest.Client(p.url, "222222222222", "us-east-1")
	p.ec2 = requester
	a := p.peeringSide("10.1.0.0/16", "10.1.1.0/24")
	p.ec2 = accepter
	b := p.peeringSide("10.2.0.0/16", "10.2.1.0/24")

	p.ec2 = requester
	pcx := p.peer(a, b, "222222222222", accepter)
	p.routeVia(requester, a.main, "10.2.0.0/16", pcx)
	p.routeVia(accepter, b.main, "10.1.0.0/16", pcx)

	if got := p.passes(tcp(a.inst.ID, b.inst.IP, 8000)); got != a.inst.IP {
		t.Errorf("B saw %q, want %s", got, a.inst.IP)
	}
	p.passes(tcp(b.inst.ID, a.inst.IP, 8000))
}

// TestPeeringAcrossRegions peers a VPC of us-east-1 with one of eu-west-1 (the accepter
// accepts in its own region) and sends traffic both ways.
func TestPeeringAcrossRegions(t *testing.T) {
	p := startPlane(t)
	west := *p
	west.ec2 = vpcdtest.Client(p.url, "123456789012", "eu-west-1")
	a, b := p.peeringSide("10.1.0.0/16", "10.1.1.0/24"), west.peeringSide("10.2.0.0/16", "10.2.1.0/24")
	out, err := p.ec2.CreateVpcPeeringConnection(p.ctx, &ec2sdk.CreateVpcPeeringConnectionInput{VpcId: aws.String(a.vpc), PeerVpcId: aws.String(b.vpc), PeerRegion: aws.String("eu-west-1")})
	p.check("CreateVpcPeeringConnection", err)
	pcx := aws.ToString(out.VpcPeeringConnection.VpcPeeringConnectionId)
	_, err = west.ec2.AcceptVpcPeeringConnection(p.ctx, &ec2sdk.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(pcx)})
	p.check("AcceptVpcPeeringConnection in eu-west-1", err)
	p.routeVia(p.ec2, a.main, "10.2.0.0/16", pcx)
	west.routeVia(west.ec2, b.main, "10.1.0.0/16", pcx)
	if got := p.passes(tcp(a.inst.ID, b.inst.IP, 8000)); got != a.inst.IP {
		t.Errorf("eu-west-1 saw %q, want %s", got, a.inst.IP)
	}
	p.passes(tcp(b.inst.ID, a.inst.IP, 8000))
}
