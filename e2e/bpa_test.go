package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestBlockPublicAccessTraffic turns VPC Block Public Access through its modes and
// exclusions and checks real packets at the internet gateway: an instance with a public
// address, out and in, and a private instance behind a NAT gateway.
func TestBlockPublicAccessTraffic(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	public, private := p.subnet(vpc, "10.0.1.0/24"), p.subnet(vpc, "10.0.2.0/24")
	igw := p.attachedGateway(vpc)
	p.routeTable(vpc, public, "0.0.0.0/0", toGateway(igw))
	alloc, err := p.ec2.AllocateAddress(p.ctx, &ec2sdk.AllocateAddressInput{})
	p.check("AllocateAddress", err)
	nat := p.natGateway(public, aws.ToString(alloc.AllocationId))
	p.routeTable(vpc, private, "0.0.0.0/0", func(in *ec2sdk.CreateRouteInput) { in.NatGatewayId = nat.NatGatewayId })
	open := p.group(vpc, "open-8080")
	p.allowIn(open, perm("tcp", 8080, 8080, "0.0.0.0/0"))
	web := p.launch(public, []string{open}, withPublicIP(true))
	app := p.launch(private, []string{open}, withPublicIP(false))
	p.serve("internet", "tcp-serve", 80)
	p.serve(web.ID, "tcp-serve", 8080)

	webOut, webIn, appOut := tcp(web.ID, internetHost, 80), tcp("internet", web.PublicIP, 8080), tcp(app.ID, internetHost, 80)
	p.passes(webOut)
	p.passes(webIn)
	p.passes(appOut)

	mode := func(m string) {
		t.Helper()
		_, err := p.ec2.ModifyVpcBlockPublicAccessOptions(p.ctx, &ec2sdk.ModifyVpcBlockPublicAccessOptionsInput{InternetGatewayBlockMode: types.InternetGatewayBlockMode(m)})
		p.check("ModifyVpcBlockPublicAccessOptions "+m, err)
	}
	exclude := func(in *ec2sdk.CreateVpcBlockPublicAccessExclusionInput) string {
		t.Helper()
		out, err := p.ec2.CreateVpcBlockPublicAccessExclusion(p.ctx, in)
		p.check("CreateVpcBlockPublicAccessExclusion", err)
		return aws.ToString(out.VpcBlockPublicAccessExclusion.ExclusionId)
	}
	unexclude := func(id string) {
		t.Helper()
		_, err := p.ec2.DeleteVpcBlockPublicAccessExclusion(p.ctx, &ec2sdk.DeleteVpcBlockPublicAccessExclusionInput{ExclusionId: aws.String(id)})
		p.check("DeleteVpcBlockPublicAccessExclusion", err)
	}

	t.Run("bidirectional blocks everything", func(t *testing.T) {
		mode("block-bidirectional")
		p.becomesDropped(webOut)
		p.dropped(webIn)
		p.dropped(appOut)
	})
	t.Run("an allow-egress exclusion of the public subnet lets out, not in", func(t *testing.T) {
		id := exclude(&ec2sdk.CreateVpcBlockPublicAccessExclusionInput{SubnetId: aws.String(public), InternetGatewayExclusionMode: types.InternetGatewayExclusionModeAllowEgress})
		p.passes(webOut)
		p.passes(appOut) // the NAT gateway is in the public subnet
		p.dropped(webIn)
		unexclude(id)
		p.becomesDropped(webOut)
	})
	t.Run("ingress lets out only through the NAT gateway", func(t *testing.T) {
		mode("block-ingress")
		p.passes(appOut)
		p.dropped(webOut)
		p.dropped(webIn)
	})
	t.Run("an allow-bidirectional exclusion of the VPC opens it again", func(t *testing.T) {
		exclude(&ec2sdk.CreateVpcBlockPublicAccessExclusionInput{VpcId: aws.String(vpc), InternetGatewayExclusionMode: types.InternetGatewayExclusionModeAllowBidirectional})
		p.passes(webIn)
		p.passes(webOut)
	})
	t.Run("off", func(t *testing.T) {
		mode("off")
		p.passes(webIn)
		p.passes(appOut)
	})
}
