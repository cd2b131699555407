package api_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	dxsdk "github.com/aws/aws-sdk-go-v2/service/directconnect"
	dxtypes "github.com/aws/aws-sdk-go-v2/service/directconnect/types"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go/middleware"

	"vpcd/internal/api"
	"vpcd/internal/vpcdtest"
)

// dxClient is a Direct Connect client of the account whose completed actions rec records.
func dxClient(url string, rec *calls) *dxsdk.Client {
	return dxsdk.New(dxsdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", ""),
		APIOptions:  []func(*middleware.Stack) error{rec.record}})
}

// TestSDKDirectConnect walks Direct Connect through the SDK: a connection at a location,
// a Direct Connect gateway associated with an attached virtual private gateway, private
// and transit virtual interfaces, tags, and everything deleted again. Every operation
// vpcd serves for Direct Connect must complete once.
func TestSDKDirectConnect(t *testing.T) {
	ctx := context.Background()
	srv := vpcdtest.Start(t)
	ec2c := srv.EC2(t, "123456789012")
	rec := &calls{done: map[string]bool{}}
	d := dxClient(srv.URL, rec)

	locs := must[*dxsdk.DescribeLocationsOutput](t, "DescribeLocations")(d.DescribeLocations(ctx, &dxsdk.DescribeLocationsInput{}))
	if len(locs.Locations) == 0 || aws.ToString(locs.Locations[0].LocationCode) != "EqDC2" || len(locs.Locations[0].AvailablePortSpeeds) == 0 {
		t.Fatalf("locations %+v", locs.Locations)
	}
	_, err := d.CreateConnection(ctx, &dxsdk.CreateConnectionInput{Location: aws.String("Nowhere"), Bandwidth: aws.String("1Gbps"), ConnectionName: aws.String("x")})
	var ce *dxtypes.DirectConnectClientException
	if !errors.As(err, &ce) {
		t.Errorf("an unknown location: %v, want DirectConnectClientException", err)
	}
	conn := must[*dxsdk.CreateConnectionOutput](t, "CreateConnection")(d.CreateConnection(ctx, &dxsdk.CreateConnectionInput{Location: aws.String("EqDC2"),
		Bandwidth: aws.String("10Gbps"), ConnectionName: aws.String("primary"), Tags: []dxtypes.Tag{{Key: aws.String("env"), Value: aws.String("test")}}}))
	if !regexp.MustCompile(`^dxcon-[a-z0-9]{8}$`).MatchString(aws.ToString(conn.ConnectionId)) || conn.ConnectionState != dxtypes.ConnectionStateRequested {
		t.Fatalf("connection %+v", conn)
	}
	conns := must[*dxsdk.DescribeConnectionsOutput](t, "DescribeConnections")(d.DescribeConnections(ctx, &dxsdk.DescribeConnectionsInput{ConnectionId: conn.ConnectionId}))
	if len(conns.Connections) != 1 || conns.Connections[0].ConnectionState != dxtypes.ConnectionStateAvailable || aws.ToString(conns.Connections[0].Region) != "us-east-1" {
		t.Fatalf("connections %+v", conns.Connections)
	}
	must[*dxsdk.UpdateConnectionOutput](t, "UpdateConnection")(d.UpdateConnection(ctx, &dxsdk.UpdateConnectionInput{ConnectionId: conn.ConnectionId, ConnectionName: aws.String("renamed")}))

	vpc := must[*ec2sdk.CreateVpcOutput](t, "CreateVpc")(ec2c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.50.0.0/16")})).Vpc.VpcId
	vgw := must[*ec2sdk.CreateVpnGatewayOutput](t, "CreateVpnGateway")(ec2c.CreateVpnGateway(ctx, &ec2sdk.CreateVpnGatewayInput{Type: "ipsec.1"})).VpnGateway.VpnGatewayId
	must[*ec2sdk.AttachVpnGatewayOutput](t, "AttachVpnGateway")(ec2c.AttachVpnGateway(ctx, &ec2sdk.AttachVpnGatewayInput{VpcId: vpc, VpnGatewayId: vgw}))
	vgws := must[*dxsdk.DescribeVirtualGatewaysOutput](t, "DescribeVirtualGateways")(d.DescribeVirtualGateways(ctx, &dxsdk.DescribeVirtualGatewaysInput{}))
	if len(vgws.VirtualGateways) != 1 || aws.ToString(vgws.VirtualGateways[0].VirtualGatewayId) != *vgw {
		t.Errorf("virtual gateways %+v", vgws.VirtualGateways)
	}

	gw := must[*dxsdk.CreateDirectConnectGatewayOutput](t, "CreateDirectConnectGateway")(d.CreateDirectConnectGateway(ctx, &dxsdk.CreateDirectConnectGatewayInput{
		DirectConnectGatewayName: aws.String("dxgw"), AmazonSideAsn: aws.Int64(64513)})).DirectConnectGateway
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(aws.ToString(gw.DirectConnectGatewayId)) ||
		gw.DirectConnectGatewayState != dxtypes.DirectConnectGatewayStatePending || aws.ToInt64(gw.AmazonSideAsn) != 64513 {
		t.Fatalf("gateway %+v", gw)
	}
	gws := must[*dxsdk.DescribeDirectConnectGatewaysOutput](t, "DescribeDirectConnectGateways")(d.DescribeDirectConnectGateways(ctx, &dxsdk.DescribeDirectConnectGatewaysInput{}))
	if len(gws.DirectConnectGateways) != 1 || gws.DirectConnectGateways[0].DirectConnectGatewayState != dxtypes.DirectConnectGatewayStateAvailable {
		t.Errorf("gateways %+v", gws.DirectConnectGateways)
	}
	must[*dxsdk.UpdateDirectConnectGatewayOutput](t, "UpdateDirectConnectGateway")(d.UpdateDirectConnectGateway(ctx, &dxsdk.UpdateDirectConnectGatewayInput{
		DirectConnectGatewayId: gw.DirectConnectGatewayId, NewDirectConnectGatewayName: aws.String("renamed")}))

	assoc := must[*dxsdk.CreateDirectConnectGatewayAssociationOutput](t, "CreateDirectConnectGatewayAssociation")(d.CreateDirectConnectGatewayAssociation(ctx,
		&dxsdk.CreateDirectConnectGatewayAssociationInput{DirectConnectGatewayId: gw.DirectConnectGatewayId, GatewayId: vgw})).DirectConnectGatewayAssociation
	if assoc.AssociationState != dxtypes.DirectConnectGatewayAssociationStateAssociating || assoc.AssociatedGateway.Type != dxtypes.GatewayTypeVirtualPrivateGateway ||
		len(assoc.AllowedPrefixesToDirectConnectGateway) != 1 || aws.ToString(assoc.AllowedPrefixesToDirectConnectGateway[0].Cidr) != "10.50.0.0/16" {
		t.Fatalf("association %+v", assoc)
	}
	assocs := must[*dxsdk.DescribeDirectConnectGatewayAssociationsOutput](t, "DescribeDirectConnectGatewayAssociations")(d.DescribeDirectConnectGatewayAssociations(ctx,
		&dxsdk.DescribeDirectConnectGatewayAssociationsInput{DirectConnectGatewayId: gw.DirectConnectGatewayId}))
	if len(assocs.DirectConnectGatewayAssociations) != 1 || assocs.DirectConnectGatewayAssociations[0].AssociationState != dxtypes.DirectConnectGatewayAssociationStateAssociated {
		t.Errorf("associations %+v", assocs.DirectConnectGatewayAssociations)
	}
	must[*dxsdk.UpdateDirectConnectGatewayAssociationOutput](t, "UpdateDirectConnectGatewayAssociation")(d.UpdateDirectConnectGatewayAssociation(ctx,
		&dxsdk.UpdateDirectConnectGatewayAssociationInput{AssociationId: assoc.AssociationId,
			AddAllowedPrefixesToDirectConnectGateway: []dxtypes.RouteFilterPrefix{{Cidr: aws.String("10.50.0.0/15")}}}))

	vif := must[*dxsdk.CreatePrivateVirtualInterfaceOutput](t, "CreatePrivateVirtualInterface")(d.CreatePrivateVirtualInterface(ctx, &dxsdk.CreatePrivateVirtualInterfaceInput{
		ConnectionId: conn.ConnectionId, NewPrivateVirtualInterface: &dxtypes.NewPrivateVirtualInterface{VirtualInterfaceName: aws.String("private"),
			Vlan: 101, Asn: 65010, DirectConnectGatewayId: gw.DirectConnectGatewayId}}))
	if vif.VirtualInterfaceState != dxtypes.VirtualInterfaceStatePending || aws.ToInt64(vif.AmazonSideAsn) != 64513 || aws.ToInt32(vif.Mtu) != 1500 ||
		!strings.HasPrefix(aws.ToString(vif.AmazonAddress), "169.254.") || len(vif.BgpPeers) != 1 || vif.BgpPeers[0].BgpStatus != dxtypes.BGPStatusDown {
		t.Fatalf("virtual interface %+v", vif)
	}
	transitGW := must[*dxsdk.CreateDirectConnectGatewayOutput](t, "CreateDirectConnectGateway")(d.CreateDirectConnectGateway(ctx, &dxsdk.CreateDirectConnectGatewayInput{
		DirectConnectGatewayName: aws.String("transit")})).DirectConnectGateway
	tvif := must[*dxsdk.CreateTransitVirtualInterfaceOutput](t, "CreateTransitVirtualInterface")(d.CreateTransitVirtualInterface(ctx, &dxsdk.CreateTransitVirtualInterfaceInput{
		ConnectionId: conn.ConnectionId, NewTransitVirtualInterface: &dxtypes.NewTransitVirtualInterface{VirtualInterfaceName: aws.String("transit"),
			Vlan: 102, Asn: 65020, Mtu: aws.Int32(8500), DirectConnectGatewayId: transitGW.DirectConnectGatewayId}})).VirtualInterface
	vifs := must[*dxsdk.DescribeVirtualInterfacesOutput](t, "DescribeVirtualInterfaces")(d.DescribeVirtualInterfaces(ctx, &dxsdk.DescribeVirtualInterfacesInput{ConnectionId: conn.ConnectionId}))
	if len(vifs.VirtualInterfaces) != 2 || vifs.VirtualInterfaces[0].VirtualInterfaceState != dxtypes.VirtualInterfaceStateDown {
		t.Errorf("virtual interfaces %+v", vifs.VirtualInterfaces)
	}
	upd := must[*dxsdk.UpdateVirtualInterfaceAttributesOutput](t, "UpdateVirtualInterfaceAttributes")(d.UpdateVirtualInterfaceAttributes(ctx,
		&dxsdk.UpdateVirtualInterfaceAttributesInput{VirtualInterfaceId: vif.VirtualInterfaceId, Mtu: aws.Int32(9001)}))
	if aws.ToInt32(upd.Mtu) != 9001 {
		t.Errorf("MTU %d after update", aws.ToInt32(upd.Mtu))
	}
	att := must[*dxsdk.DescribeDirectConnectGatewayAttachmentsOutput](t, "DescribeDirectConnectGatewayAttachments")(d.DescribeDirectConnectGatewayAttachments(ctx,
		&dxsdk.DescribeDirectConnectGatewayAttachmentsInput{DirectConnectGatewayId: transitGW.DirectConnectGatewayId}))
	if len(att.DirectConnectGatewayAttachments) != 1 || att.DirectConnectGatewayAttachments[0].AttachmentType != dxtypes.DirectConnectGatewayAttachmentTypeTransitVirtualInterface {
		t.Errorf("attachments %+v", att.DirectConnectGatewayAttachments)
	}

	vifARN := "arn:aws:directconnect:us-east-1:123456789012:dxvif/" + aws.ToString(vif.VirtualInterfaceId)
	must[*dxsdk.TagResourceOutput](t, "TagResource")(d.TagResource(ctx, &dxsdk.TagResourceInput{ResourceArn: aws.String(vifARN),
		Tags: []dxtypes.Tag{{Key: aws.String("Name"), Value: aws.String("vif")}, {Key: aws.String("tmp")}}}))
	must[*dxsdk.UntagResourceOutput](t, "UntagResource")(d.UntagResource(ctx, &dxsdk.UntagResourceInput{ResourceArn: aws.String(vifARN), TagKeys: []string{"tmp"}}))
	tags := must[*dxsdk.DescribeTagsOutput](t, "DescribeTags")(d.DescribeTags(ctx, &dxsdk.DescribeTagsInput{ResourceArns: []string{vifARN}}))
	if len(tags.ResourceTags) != 1 || len(tags.ResourceTags[0].Tags) != 1 || aws.ToString(tags.ResourceTags[0].Tags[0].Key) != "Name" {
		t.Errorf("tags %+v", tags.ResourceTags)
	}
	_, err = d.TagResource(ctx, &dxsdk.TagResourceInput{ResourceArn: aws.String(vifARN), Tags: []dxtypes.Tag{{Key: aws.String("a")}, {Key: aws.String("a")}}})
	var dup *dxtypes.DuplicateTagKeysException
	if !errors.As(err, &dup) {
		t.Errorf("duplicate tag keys: %v", err)
	}

	for _, id := range []*string{vif.VirtualInterfaceId, tvif.VirtualInterfaceId} {
		del := must[*dxsdk.DeleteVirtualInterfaceOutput](t, "DeleteVirtualInterface")(d.DeleteVirtualInterface(ctx, &dxsdk.DeleteVirtualInterfaceInput{VirtualInterfaceId: id}))
		if del.VirtualInterfaceState != dxtypes.VirtualInterfaceStateDeleting {
			t.Errorf("deleted interface state %s", del.VirtualInterfaceState)
		}
	}
	must[*dxsdk.DeleteDirectConnectGatewayAssociationOutput](t, "DeleteDirectConnectGatewayAssociation")(d.DeleteDirectConnectGatewayAssociation(ctx,
		&dxsdk.DeleteDirectConnectGatewayAssociationInput{AssociationId: assoc.AssociationId}))
	for _, id := range []*string{gw.DirectConnectGatewayId, transitGW.DirectConnectGatewayId} {
		must[*dxsdk.DeleteDirectConnectGatewayOutput](t, "DeleteDirectConnectGateway")(d.DeleteDirectConnectGateway(ctx, &dxsdk.DeleteDirectConnectGatewayInput{DirectConnectGatewayId: id}))
	}
	must[*dxsdk.DeleteConnectionOutput](t, "DeleteConnection")(d.DeleteConnection(ctx, &dxsdk.DeleteConnectionInput{ConnectionId: conn.ConnectionId}))
	_, err = d.DescribeConnections(ctx, &dxsdk.DescribeConnectionsInput{ConnectionId: conn.ConnectionId})
	if !errors.As(err, &ce) || !strings.Contains(ce.ErrorMessage(), "Could not find Connection with ID") {
		t.Errorf("a deleted connection: %v", err)
	}

	served := api.New(srv.Service, api.Config{}).ActionsOf("directconnect")
	if len(served) == 0 {
		t.Fatal("no Direct Connect operation served")
	}
	if miss := rec.missing(served); len(miss) > 0 {
		t.Errorf("served Direct Connect operations without a successful SDK round trip in this test: %v", miss)
	}
}
