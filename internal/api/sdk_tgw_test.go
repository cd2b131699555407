package api_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// sdkTransitGateways walks the transit gateway actions through the SDK: a gateway with
// its default route table, two attached VPCs, a route table of its own with an
// association, a propagation and static routes, a VPC route to the gateway, and the
// teardown.
func sdkTransitGateways(t *testing.T, c *ec2sdk.Client) {
	ctx := context.Background()
	gw := must[*ec2sdk.CreateTransitGatewayOutput](t, "CreateTransitGateway")(c.CreateTransitGateway(ctx, &ec2sdk.CreateTransitGatewayInput{
		Description: aws.String("hub"), Options: &types.TransitGatewayRequestOptions{AmazonSideAsn: aws.Int64(64700)},
		TagSpecifications: tagSpec(types.ResourceTypeTransitGateway, "Name", "hub")}))
	tgwID := checkID(t, "tgw", gw.TransitGateway.TransitGatewayId)
	defaultRtb := aws.ToString(gw.TransitGateway.Options.AssociationDefaultRouteTableId)
	gws := must[*ec2sdk.DescribeTransitGatewaysOutput](t, "DescribeTransitGateways")(c.DescribeTransitGateways(ctx, &ec2sdk.DescribeTransitGatewaysInput{
		TransitGatewayIds: []string{tgwID}}))
	if len(gws.TransitGateways) != 1 || gws.TransitGateways[0].State != types.TransitGatewayStateAvailable ||
		aws.ToInt64(gws.TransitGateways[0].Options.AmazonSideAsn) != 64700 || tagMap(gws.TransitGateways[0].Tags)["Name"] != "hub" {
		t.Errorf("DescribeTransitGateways %+v", gws.TransitGateways)
	}
	mod := must[*ec2sdk.ModifyTransitGatewayOutput](t, "ModifyTransitGateway")(c.ModifyTransitGateway(ctx, &ec2sdk.ModifyTransitGatewayInput{
		TransitGatewayId: aws.String(tgwID), Options: &types.ModifyTransitGatewayOptions{DnsSupport: types.DnsSupportValueDisable}}))
	if mod.TransitGateway.Options.DnsSupport != types.DnsSupportValueDisable {
		t.Errorf("ModifyTransitGateway %+v", mod.TransitGateway.Options)
	}

	attach := func(cidr string) (vpcID, attID string) {
		vpc := must[*ec2sdk.CreateVpcOutput](t, "CreateVpc")(c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String(cidr)}))
		sn := must[*ec2sdk.CreateSubnetOutput](t, "CreateSubnet")(c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: vpc.Vpc.CidrBlock}))
		att := must[*ec2sdk.CreateTransitGatewayVpcAttachmentOutput](t, "CreateTransitGatewayVpcAttachment")(c.CreateTransitGatewayVpcAttachment(ctx,
			&ec2sdk.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: aws.String(tgwID), VpcId: vpc.Vpc.VpcId, SubnetIds: []string{aws.ToString(sn.Subnet.SubnetId)}}))
		return aws.ToString(vpc.Vpc.VpcId), checkID(t, "tgw-attach", att.TransitGatewayVpcAttachment.TransitGatewayAttachmentId)
	}
	vpcA, attA := attach("10.81.0.0/24")
	vpcB, attB := attach("10.82.0.0/24")
	vatts := must[*ec2sdk.DescribeTransitGatewayVpcAttachmentsOutput](t, "DescribeTransitGatewayVpcAttachments")(c.DescribeTransitGatewayVpcAttachments(ctx,
		&ec2sdk.DescribeTransitGatewayVpcAttachmentsInput{Filters: []types.Filter{filter("transit-gateway-id", tgwID)}}))
	if len(vatts.TransitGatewayVpcAttachments) != 2 || vatts.TransitGatewayVpcAttachments[0].State != types.TransitGatewayAttachmentStateAvailable {
		t.Errorf("DescribeTransitGatewayVpcAttachments %+v", vatts.TransitGatewayVpcAttachments)
	}
	must[*ec2sdk.ModifyTransitGatewayVpcAttachmentOutput](t, "ModifyTransitGatewayVpcAttachment")(c.ModifyTransitGatewayVpcAttachment(ctx,
		&ec2sdk.ModifyTransitGatewayVpcAttachmentInput{TransitGatewayAttachmentId: aws.String(attA),
			Options: &types.ModifyTransitGatewayVpcAttachmentRequestOptions{ApplianceModeSupport: types.ApplianceModeSupportValueEnable}}))
	atts := must[*ec2sdk.DescribeTransitGatewayAttachmentsOutput](t, "DescribeTransitGatewayAttachments")(c.DescribeTransitGatewayAttachments(ctx,
		&ec2sdk.DescribeTransitGatewayAttachmentsInput{TransitGatewayAttachmentIds: []string{attA}}))
	if len(atts.TransitGatewayAttachments) != 1 || aws.ToString(atts.TransitGatewayAttachments[0].ResourceId) != vpcA ||
		aws.ToString(atts.TransitGatewayAttachments[0].Association.TransitGatewayRouteTableId) != defaultRtb {
		t.Errorf("DescribeTransitGatewayAttachments %+v", atts.TransitGatewayAttachments)
	}

	rtb := must[*ec2sdk.CreateTransitGatewayRouteTableOutput](t, "CreateTransitGatewayRouteTable")(c.CreateTransitGatewayRouteTable(ctx,
		&ec2sdk.CreateTransitGatewayRouteTableInput{TransitGatewayId: aws.String(tgwID)}))
	rtbID := checkID(t, "tgw-rtb", rtb.TransitGatewayRouteTable.TransitGatewayRouteTableId)
	must[*ec2sdk.DisassociateTransitGatewayRouteTableOutput](t, "DisassociateTransitGatewayRouteTable")(c.DisassociateTransitGatewayRouteTable(ctx,
		&ec2sdk.DisassociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(defaultRtb), TransitGatewayAttachmentId: aws.String(attA)}))
	must[*ec2sdk.AssociateTransitGatewayRouteTableOutput](t, "AssociateTransitGatewayRouteTable")(c.AssociateTransitGatewayRouteTable(ctx,
		&ec2sdk.AssociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(rtbID), TransitGatewayAttachmentId: aws.String(attA)}))
	must[*ec2sdk.EnableTransitGatewayRouteTablePropagationOutput](t, "EnableTransitGatewayRouteTablePropagation")(c.EnableTransitGatewayRouteTablePropagation(ctx,
		&ec2sdk.EnableTransitGatewayRouteTablePropagationInput{TransitGatewayRouteTableId: aws.String(rtbID), TransitGatewayAttachmentId: aws.String(attB)}))
	must[*ec2sdk.CreateTransitGatewayRouteOutput](t, "CreateTransitGatewayRoute")(c.CreateTransitGatewayRoute(ctx, &ec2sdk.CreateTransitGatewayRouteInput{
		TransitGatewayRouteTableId: aws.String(rtbID), DestinationCidrBlock: aws.String("0.0.0.0/0"), TransitGatewayAttachmentId: aws.String(attB)}))
	must[*ec2sdk.ReplaceTransitGatewayRouteOutput](t, "ReplaceTransitGatewayRoute")(c.ReplaceTransitGatewayRoute(ctx, &ec2sdk.ReplaceTransitGatewayRouteInput{
		TransitGatewayRouteTableId: aws.String(rtbID), DestinationCidrBlock: aws.String("0.0.0.0/0"), Blackhole: aws.Bool(true)}))
	routes := must[*ec2sdk.SearchTransitGatewayRoutesOutput](t, "SearchTransitGatewayRoutes")(c.SearchTransitGatewayRoutes(ctx, &ec2sdk.SearchTransitGatewayRoutesInput{
		TransitGatewayRouteTableId: aws.String(rtbID), Filters: []types.Filter{filter("type", "static", "propagated")}}))
	if len(routes.Routes) != 2 || routes.Routes[0].State != types.TransitGatewayRouteStateBlackhole || aws.ToString(routes.Routes[1].DestinationCidrBlock) != "10.82.0.0/24" ||
		routes.Routes[1].Type != types.TransitGatewayRouteTypePropagated || aws.ToString(routes.Routes[1].TransitGatewayAttachments[0].ResourceId) != vpcB {
		t.Errorf("SearchTransitGatewayRoutes %+v", routes.Routes)
	}
	assocs := must[*ec2sdk.GetTransitGatewayRouteTableAssociationsOutput](t, "GetTransitGatewayRouteTableAssociations")(c.GetTransitGatewayRouteTableAssociations(ctx,
		&ec2sdk.GetTransitGatewayRouteTableAssociationsInput{TransitGatewayRouteTableId: aws.String(rtbID)}))
	props := must[*ec2sdk.GetTransitGatewayRouteTablePropagationsOutput](t, "GetTransitGatewayRouteTablePropagations")(c.GetTransitGatewayRouteTablePropagations(ctx,
		&ec2sdk.GetTransitGatewayRouteTablePropagationsInput{TransitGatewayRouteTableId: aws.String(rtbID)}))
	attProps := must[*ec2sdk.GetTransitGatewayAttachmentPropagationsOutput](t, "GetTransitGatewayAttachmentPropagations")(c.GetTransitGatewayAttachmentPropagations(ctx,
		&ec2sdk.GetTransitGatewayAttachmentPropagationsInput{TransitGatewayAttachmentId: aws.String(attB)}))
	if len(assocs.Associations) != 1 || len(props.TransitGatewayRouteTablePropagations) != 1 || len(attProps.TransitGatewayAttachmentPropagations) != 2 {
		t.Errorf("associations %+v, propagations %+v, attachment propagations %+v", assocs.Associations, props.TransitGatewayRouteTablePropagations,
			attProps.TransitGatewayAttachmentPropagations)
	}
	rtbs := must[*ec2sdk.DescribeTransitGatewayRouteTablesOutput](t, "DescribeTransitGatewayRouteTables")(c.DescribeTransitGatewayRouteTables(ctx,
		&ec2sdk.DescribeTransitGatewayRouteTablesInput{Filters: []types.Filter{filter("transit-gateway-id", tgwID)}}))
	if len(rtbs.TransitGatewayRouteTables) != 2 {
		t.Errorf("DescribeTransitGatewayRouteTables %+v", rtbs.TransitGatewayRouteTables)
	}

	vpcRtbs := must[*ec2sdk.DescribeRouteTablesOutput](t, "DescribeRouteTables")(c.DescribeRouteTables(ctx, &ec2sdk.DescribeRouteTablesInput{
		Filters: []types.Filter{filter("vpc-id", vpcA)}}))
	must[*ec2sdk.CreateRouteOutput](t, "CreateRoute")(c.CreateRoute(ctx, &ec2sdk.CreateRouteInput{RouteTableId: vpcRtbs.RouteTables[0].RouteTableId,
		DestinationCidrBlock: aws.String("10.82.0.0/24"), TransitGatewayId: aws.String(tgwID)}))
	vpcRtbs = must[*ec2sdk.DescribeRouteTablesOutput](t, "DescribeRouteTables")(c.DescribeRouteTables(ctx, &ec2sdk.DescribeRouteTablesInput{
		Filters: []types.Filter{filter("route.transit-gateway-id", tgwID)}}))
	if len(vpcRtbs.RouteTables) != 1 {
		t.Errorf("route tables with a route to %s: %+v", tgwID, vpcRtbs.RouteTables)
	}
	must[*ec2sdk.DeleteRouteOutput](t, "DeleteRoute")(c.DeleteRoute(ctx, &ec2sdk.DeleteRouteInput{RouteTableId: vpcRtbs.RouteTables[0].RouteTableId,
		DestinationCidrBlock: aws.String("10.82.0.0/24")}))

	must[*ec2sdk.DeleteTransitGatewayRouteOutput](t, "DeleteTransitGatewayRoute")(c.DeleteTransitGatewayRoute(ctx, &ec2sdk.DeleteTransitGatewayRouteInput{
		TransitGatewayRouteTableId: aws.String(rtbID), DestinationCidrBlock: aws.String("0.0.0.0/0")}))
	must[*ec2sdk.DisableTransitGatewayRouteTablePropagationOutput](t, "DisableTransitGatewayRouteTablePropagation")(c.DisableTransitGatewayRouteTablePropagation(ctx,
		&ec2sdk.DisableTransitGatewayRouteTablePropagationInput{TransitGatewayRouteTableId: aws.String(rtbID), TransitGatewayAttachmentId: aws.String(attB)}))
	must[*ec2sdk.DisassociateTransitGatewayRouteTableOutput](t, "DisassociateTransitGatewayRouteTable")(c.DisassociateTransitGatewayRouteTable(ctx,
		&ec2sdk.DisassociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(rtbID), TransitGatewayAttachmentId: aws.String(attA)}))
	must[*ec2sdk.DeleteTransitGatewayRouteTableOutput](t, "DeleteTransitGatewayRouteTable")(c.DeleteTransitGatewayRouteTable(ctx,
		&ec2sdk.DeleteTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(rtbID)}))
	for _, att := range []string{attA, attB} {
		must[*ec2sdk.DeleteTransitGatewayVpcAttachmentOutput](t, "DeleteTransitGatewayVpcAttachment")(c.DeleteTransitGatewayVpcAttachment(ctx,
			&ec2sdk.DeleteTransitGatewayVpcAttachmentInput{TransitGatewayAttachmentId: aws.String(att)}))
	}

	// A peering with a second gateway of the account: requested, rejected, requested
	// again, accepted, deleted.
	peer := must[*ec2sdk.CreateTransitGatewayOutput](t, "CreateTransitGateway")(c.CreateTransitGateway(ctx, &ec2sdk.CreateTransitGatewayInput{}))
	peerID := aws.ToString(peer.TransitGateway.TransitGatewayId)
	request := func() string {
		out := must[*ec2sdk.CreateTransitGatewayPeeringAttachmentOutput](t, "CreateTransitGatewayPeeringAttachment")(c.CreateTransitGatewayPeeringAttachment(ctx,
			&ec2sdk.CreateTransitGatewayPeeringAttachmentInput{TransitGatewayId: aws.String(tgwID), PeerTransitGatewayId: aws.String(peerID),
				PeerAccountId: aws.String("123456789012"), PeerRegion: aws.String("us-east-1")}))
		return checkID(t, "tgw-attach", out.TransitGatewayPeeringAttachment.TransitGatewayAttachmentId)
	}
	must[*ec2sdk.RejectTransitGatewayPeeringAttachmentOutput](t, "RejectTransitGatewayPeeringAttachment")(c.RejectTransitGatewayPeeringAttachment(ctx,
		&ec2sdk.RejectTransitGatewayPeeringAttachmentInput{TransitGatewayAttachmentId: aws.String(request())}))
	peering := request()
	must[*ec2sdk.AcceptTransitGatewayPeeringAttachmentOutput](t, "AcceptTransitGatewayPeeringAttachment")(c.AcceptTransitGatewayPeeringAttachment(ctx,
		&ec2sdk.AcceptTransitGatewayPeeringAttachmentInput{TransitGatewayAttachmentId: aws.String(peering)}))
	peerings := must[*ec2sdk.DescribeTransitGatewayPeeringAttachmentsOutput](t, "DescribeTransitGatewayPeeringAttachments")(c.DescribeTransitGatewayPeeringAttachments(ctx,
		&ec2sdk.DescribeTransitGatewayPeeringAttachmentsInput{TransitGatewayAttachmentIds: []string{peering}}))
	if len(peerings.TransitGatewayPeeringAttachments) != 1 || peerings.TransitGatewayPeeringAttachments[0].State != types.TransitGatewayAttachmentStateAvailable ||
		aws.ToString(peerings.TransitGatewayPeeringAttachments[0].AccepterTgwInfo.TransitGatewayId) != peerID {
		t.Errorf("DescribeTransitGatewayPeeringAttachments %+v", peerings.TransitGatewayPeeringAttachments)
	}
	must[*ec2sdk.DeleteTransitGatewayPeeringAttachmentOutput](t, "DeleteTransitGatewayPeeringAttachment")(c.DeleteTransitGatewayPeeringAttachment(ctx,
		&ec2sdk.DeleteTransitGatewayPeeringAttachmentInput{TransitGatewayAttachmentId: aws.String(peering)}))
	for _, id := range []string{tgwID, peerID} {
		must[*ec2sdk.DeleteTransitGatewayOutput](t, "DeleteTransitGateway")(c.DeleteTransitGateway(ctx, &ec2sdk.DeleteTransitGatewayInput{TransitGatewayId: aws.String(id)}))
	}
}
