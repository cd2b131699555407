package e2e

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestTransitGatewayVPN runs a static Site-to-Site VPN that ends on a transit gateway
// instead of a virtual private gateway: the tunnels' TUNs are in the gateway's namespace,
// the gateway's route table sends the site's LAN into the VPN attachment by a static
// route and the VPC's block to its attachment by propagation; an instance reaches the
// site and the site the instance, through the VPC's route to the gateway.
func TestTransitGatewayVPN(t *testing.T) {
	requireStrongSwan(t)
	p := startPlane(t)
	const vpcCIDR, lan = "10.1.0.0/16", "172.20.0.0/24"
	s := p.peeringSide(vpcCIDR, "10.1.1.0/24")
	p.allowIn(s.group, perm("tcp", 8000, 8000, "172.16.0.0/12"))
	tgw := p.transitGateway()
	att := p.attach(tgw, s)

	cgw, err := p.ec2.CreateCustomerGateway(p.ctx, &ec2sdk.CreateCustomerGatewayInput{Type: types.GatewayTypeIpsec1, PublicIp: aws.String("192.0.2.77"), BgpAsn: aws.Int32(65000)})
	p.check("CreateCustomerGateway", err)
	out, err := p.ec2.CreateVpnConnection(p.ctx, &ec2sdk.CreateVpnConnectionInput{Type: aws.String("ipsec.1"), CustomerGatewayId: cgw.CustomerGateway.CustomerGatewayId,
		TransitGatewayId: aws.String(tgw), Options: &types.VpnConnectionOptionsSpecification{StaticRoutesOnly: aws.Bool(true)}})
	p.check("CreateVpnConnection", err)
	vpn := aws.ToString(out.VpnConnection.VpnConnectionId)
	t.Cleanup(func() {
		p.ec2.DeleteVpnConnection(p.ctx, &ec2sdk.DeleteVpnConnectionInput{VpnConnectionId: aws.String(vpn)})
	})
	atts, err := p.ec2.DescribeTransitGatewayAttachments(p.ctx, &ec2sdk.DescribeTransitGatewayAttachmentsInput{Filters: []types.Filter{
		{Name: aws.String("resource-id"), Values: []string{vpn}}}})
	p.check("DescribeTransitGatewayAttachments", err)
	if len(atts.TransitGatewayAttachments) != 1 {
		t.Fatalf("the VPN's attachments: %+v", atts.TransitGatewayAttachments)
	}
	vpnAtt := aws.ToString(atts.TransitGatewayAttachments[0].TransitGatewayAttachmentId)
	rtb := p.tgwRouteTable(tgw, []string{att, vpnAtt}, []string{att})
	_, err = p.ec2.CreateTransitGatewayRoute(p.ctx, &ec2sdk.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtb),
		DestinationCidrBlock: aws.String(lan), TransitGatewayAttachmentId: aws.String(vpnAtt)})
	p.check("CreateTransitGatewayRoute", err)
	p.routeToTgw(s.main, lan, tgw)

	site := p.addSite("branch", "192.0.2.77", lan, false)
	site.runStrongSwan(vpn, lan, vpcCIDR, "2")
	took := p.within(tunnelWait, "both tunnels UP", func() bool { return slices.Equal(p.telemetry(vpn), []string{"UP", "UP"}) })
	t.Logf("both tunnels up in %v", took)
	t.Cleanup(func() {
		if t.Failed() {
			ns := "vpcd-" + tgw
			out, _ := exec.Command("sh", "-c", "ip -n "+ns+" route show table all; ip -n "+ns+" -s link; ip -n "+ns+" rule; ip -n vpcd-site-branch route show table all").CombinedOutput()
			t.Logf("gateway and site:\n%s", out)
		}
	})
	p.serveOn("site:branch", "tcp-serve", "172.20.0.1", 8080, "branch")
	if got := p.passes(tcp(s.inst.ID, "172.20.0.1", 8080)); !strings.Contains(got, s.inst.IP) {
		t.Errorf("the site saw %q, want the instance's own address %s", got, s.inst.IP)
	}
	p.passes(flow{from: "site:branch", proto: "tcp", dst: s.inst.IP, port: 8000, src: "172.20.0.1"})
}
