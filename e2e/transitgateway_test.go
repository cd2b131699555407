package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// transitGateway makes a transit gateway with default route table association and
// propagation off: every attachment is associated and propagates as the test says.
func (p *plane) transitGateway() string {
	p.t.Helper()
	out, err := p.ec2.CreateTransitGateway(p.ctx, &ec2sdk.CreateTransitGatewayInput{Options: &types.TransitGatewayRequestOptions{
		DefaultRouteTableAssociation: types.DefaultRouteTableAssociationValueDisable,
		DefaultRouteTablePropagation: types.DefaultRouteTablePropagationValueDisable}})
	p.check("CreateTransitGateway", err)
	return aws.ToString(out.TransitGateway.TransitGatewayId)
}

// instanceSubnet is the subnet of an instance.
func (p *plane) instanceSubnet(id string) string {
	p.t.Helper()
	out, err := p.ec2.DescribeInstances(p.ctx, &ec2sdk.DescribeInstancesInput{InstanceIds: []string{id}})
	p.check("DescribeInstances", err)
	return aws.ToString(out.Reservations[0].Instances[0].SubnetId)
}

// attach attaches a side's VPC to the gateway through its instance's subnet.
func (p *plane) attach(tgw string, s side) string {
	p.t.Helper()
	subnet := p.instanceSubnet(s.inst.ID)
	out, err := p.ec2.CreateTransitGatewayVpcAttachment(p.ctx, &ec2sdk.CreateTransitGatewayVpcAttachmentInput{
		TransitGatewayId: aws.String(tgw), VpcId: aws.String(s.vpc), SubnetIds: []string{subnet}})
	p.check("CreateTransitGatewayVpcAttachment", err)
	return aws.ToString(out.TransitGatewayVpcAttachment.TransitGatewayAttachmentId)
}

// tgwRouteTable makes a route table of the gateway, associated with the attachments of
// assoc and taking the routes that those of prop propagate.
func (p *plane) tgwRouteTable(tgw string, assoc, prop []string) string {
	p.t.Helper()
	out, err := p.ec2.CreateTransitGatewayRouteTable(p.ctx, &ec2sdk.CreateTransitGatewayRouteTableInput{TransitGatewayId: aws.String(tgw)})
	p.check("CreateTransitGatewayRouteTable", err)
	rtb := aws.ToString(out.TransitGatewayRouteTable.TransitGatewayRouteTableId)
	for _, a := range assoc {
		_, err := p.ec2.AssociateTransitGatewayRouteTable(p.ctx, &ec2sdk.AssociateTransitGatewayRouteTableInput{
			TransitGatewayRouteTableId: aws.String(rtb), TransitGatewayAttachmentId: aws.String(a)})
		p.check("AssociateTransitGatewayRouteTable", err)
	}
	for _, a := range prop {
		_, err := p.ec2.EnableTransitGatewayRouteTablePropagation(p.ctx, &ec2sdk.EnableTransitGatewayRouteTablePropagationInput{
			TransitGatewayRouteTableId: aws.String(rtb), TransitGatewayAttachmentId: aws.String(a)})
		p.check("EnableTransitGatewayRouteTablePropagation", err)
	}
	return rtb
}

func (p *plane) routeToTgw(rtb, dst, tgw string) {
	p.t.Helper()
	_, err := p.ec2.CreateRoute(p.ctx, &ec2sdk.CreateRouteInput{RouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(dst), TransitGatewayId: aws.String(tgw)})
	p.check("CreateRoute", err)
}

// pathFound asks Reachability Analyzer whether TCP from instance src reaches instance
// dst on port: the analyzer's answer, to set beside the packets' (one semantics).
func (p *plane) pathFound(src, dst string, port int32) bool {
	p.t.Helper()
	path, err := p.ec2.CreateNetworkInsightsPath(p.ctx, &ec2sdk.CreateNetworkInsightsPathInput{Source: aws.String(src), Destination: aws.String(dst),
		Protocol: types.ProtocolTcp, DestinationPort: aws.Int32(port)})
	p.check("CreateNetworkInsightsPath", err)
	a, err := p.ec2.StartNetworkInsightsAnalysis(p.ctx, &ec2sdk.StartNetworkInsightsAnalysisInput{NetworkInsightsPathId: path.NetworkInsightsPath.NetworkInsightsPathId})
	p.check("StartNetworkInsightsAnalysis", err)
	var found bool
	p.eventually("the analysis succeeds", func() bool {
		out, err := p.ec2.DescribeNetworkInsightsAnalyses(p.ctx, &ec2sdk.DescribeNetworkInsightsAnalysesInput{
			NetworkInsightsAnalysisIds: []string{aws.ToString(a.NetworkInsightsAnalysis.NetworkInsightsAnalysisId)}})
		p.check("DescribeNetworkInsightsAnalyses", err)
		got := out.NetworkInsightsAnalyses[0]
		found = aws.ToBool(got.NetworkPathFound)
		return got.Status == types.AnalysisStatusSucceeded
	})
	return found
}

// tgwSegments is the usual isolated-segments layout: prod, dev and shared VPCs on one
// transit gateway; prod and dev are associated with a "segment" table that takes only
// the shared VPC's routes, shared with a table that takes prod's and dev's. Every VPC
// routes 10.0.0.0/8 to the gateway.
type tgwSegments struct {
	tgw                string
	prod, dev, shared  side
	attProd, attDev    string
	attShared          string
	segment, sharedRtb string
}

func (p *plane) tgwSegments() tgwSegments {
	p.t.Helper()
	var s tgwSegments
	s.tgw = p.transitGateway()
	s.prod, s.dev, s.shared = p.peeringSide("10.1.0.0/16", "10.1.1.0/24"), p.peeringSide("10.2.0.0/16", "10.2.1.0/24"), p.peeringSide("10.3.0.0/16", "10.3.1.0/24")
	s.attProd, s.attDev, s.attShared = p.attach(s.tgw, s.prod), p.attach(s.tgw, s.dev), p.attach(s.tgw, s.shared)
	s.segment = p.tgwRouteTable(s.tgw, []string{s.attProd, s.attDev}, []string{s.attShared})
	s.sharedRtb = p.tgwRouteTable(s.tgw, []string{s.attShared}, []string{s.attProd, s.attDev})
	for _, sd := range []side{s.prod, s.dev, s.shared} {
		p.routeToTgw(sd.main, "10.0.0.0/8", s.tgw)
	}
	return s
}

// TestTransitGateway checks isolated segments through one transit gateway on real
// packets: prod and dev reach shared and back, never each other; a blackhole route drops;
// deleting an attachment stops its traffic.
func TestTransitGateway(t *testing.T) {
	p := startPlane(t)
	s := p.tgwSegments()

	if got := p.passes(tcp(s.prod.inst.ID, s.shared.inst.IP, 8000)); got != s.prod.inst.IP {
		t.Errorf("shared saw %q, want prod's own address %s", got, s.prod.inst.IP)
	}
	p.passes(tcp(s.shared.inst.ID, s.prod.inst.IP, 8000))
	p.passes(tcp(s.dev.inst.ID, s.shared.inst.IP, 8000))
	p.passes(tcp(s.shared.inst.ID, s.dev.inst.IP, 8000))
	p.passes(icmp(s.prod.inst.ID, s.shared.inst.IP))
	p.passes(icmp(s.dev.inst.ID, s.shared.inst.IP))
	// The segment table has no route to the other segment.
	p.dropped(tcp(s.prod.inst.ID, s.dev.inst.IP, 8000))
	p.dropped(tcp(s.dev.inst.ID, s.prod.inst.IP, 8000))
	p.dropped(icmp(s.prod.inst.ID, s.dev.inst.IP))
	// The analyzer agrees.
	if !p.pathFound(s.prod.inst.ID, s.shared.inst.ID, 8000) || !p.pathFound(s.shared.inst.ID, s.dev.inst.ID, 8000) {
		t.Errorf("the analyzer finds no path prod→shared or shared→dev, which the packets take")
	}
	if p.pathFound(s.prod.inst.ID, s.dev.inst.ID, 8000) {
		t.Errorf("the analyzer finds a path prod→dev, where the packets are dropped")
	}

	// A static blackhole in shared's table wins over dev's propagated route.
	_, err := p.ec2.CreateTransitGatewayRoute(p.ctx, &ec2sdk.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(s.sharedRtb),
		DestinationCidrBlock: aws.String(s.dev.inst.IP + "/32"), Blackhole: aws.Bool(true)})
	p.check("CreateTransitGatewayRoute", err)
	p.becomesDropped(tcp(s.shared.inst.ID, s.dev.inst.IP, 8000))
	p.dropped(icmp(s.dev.inst.ID, s.shared.inst.IP)) // the answers have no way back
	p.passes(tcp(s.shared.inst.ID, s.prod.inst.IP, 8000))
	_, err = p.ec2.DeleteTransitGatewayRoute(p.ctx, &ec2sdk.DeleteTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(s.sharedRtb),
		DestinationCidrBlock: aws.String(s.dev.inst.IP + "/32")})
	p.check("DeleteTransitGatewayRoute", err)
	p.passes(tcp(s.shared.inst.ID, s.dev.inst.IP, 8000))

	// Without its attachment, prod's route to the gateway is a blackhole.
	_, err = p.ec2.DeleteTransitGatewayVpcAttachment(p.ctx, &ec2sdk.DeleteTransitGatewayVpcAttachmentInput{TransitGatewayAttachmentId: aws.String(s.attProd)})
	p.check("DeleteTransitGatewayVpcAttachment", err)
	p.becomesDropped(tcp(s.prod.inst.ID, s.shared.inst.IP, 8000))
	p.dropped(tcp(s.shared.inst.ID, s.prod.inst.IP, 8000))
	p.passes(tcp(s.dev.inst.ID, s.shared.inst.IP, 8000))
}
