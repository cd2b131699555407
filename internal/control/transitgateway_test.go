package control

import (
	"context"
	"strings"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func TestCreateTransitGateway(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	opts := func(mod func(*ec2.TransitGatewayRequestOptions)) *ec2.CreateTransitGatewayRequest {
		o := &ec2.TransitGatewayRequestOptions{}
		mod(o)
		return &ec2.CreateTransitGatewayRequest{Options: o}
	}
	for _, tc := range []struct {
		name string
		in   *ec2.CreateTransitGatewayRequest
		want string
	}{
		{"a public ASN", opts(func(o *ec2.TransitGatewayRequestOptions) { o.AmazonSideAsn = kit.Ptr(int64(7224)) }), "InvalidParameterValue"},
		{"below the 16-bit private range", opts(func(o *ec2.TransitGatewayRequestOptions) { o.AmazonSideAsn = kit.Ptr(int64(64511)) }), "InvalidParameterValue"},
		{"beyond the 32-bit private range", opts(func(o *ec2.TransitGatewayRequestOptions) { o.AmazonSideAsn = kit.Ptr(int64(4294967295)) }), "InvalidParameterValue"},
		{"enable or disable", opts(func(o *ec2.TransitGatewayRequestOptions) { o.DnsSupport = kit.Ptr("on") }), "InvalidParameterValue"},
		{"no multicast", opts(func(o *ec2.TransitGatewayRequestOptions) { o.MulticastSupport = kit.Ptr("enable") }), "InvalidParameterValue"},
		{"a CIDR block smaller than /24", opts(func(o *ec2.TransitGatewayRequestOptions) { o.TransitGatewayCidrBlocks = []string{"10.99.0.0/25"} }), "InvalidParameterValue"},
		{"no link-local CIDR block", opts(func(o *ec2.TransitGatewayRequestOptions) { o.TransitGatewayCidrBlocks = []string{"169.254.0.0/24"} }), "InvalidParameterValue"},
		{"six CIDR blocks", opts(func(o *ec2.TransitGatewayRequestOptions) {
			o.TransitGatewayCidrBlocks = []string{"10.1.0.0/24", "10.2.0.0/24", "10.3.0.0/24", "10.4.0.0/24", "10.5.0.0/24", "10.6.0.0/24"}
		}), "InvalidParameterValue"},
		{"tags of another type", &ec2.CreateTransitGatewayRequest{TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc")}}}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateTransitGateway(ctx, testCaller, tc.in)
			wantCode(t, err, tc.want)
		})
	}

	out, err := s.CreateTransitGateway(ctx, testCaller, &ec2.CreateTransitGatewayRequest{Description: kit.Ptr("hub"),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("transit-gateway"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("hub")}}}}})
	wantCode(t, err, "")
	g := out.TransitGateway
	o := g.Options
	if !kit.ValidID(*g.TransitGatewayId, "tgw") || *g.State != "pending" || *o.AmazonSideAsn != 64512 || *o.DefaultRouteTableAssociation != "enable" ||
		*o.DefaultRouteTablePropagation != "enable" || *o.DnsSupport != "enable" || *o.VpnEcmpSupport != "enable" || *o.MulticastSupport != "disable" ||
		*o.AutoAcceptSharedAttachments != "disable" || o.AssociationDefaultRouteTableId == nil || *o.AssociationDefaultRouteTableId != *o.PropagationDefaultRouteTableId ||
		*g.TransitGatewayArn != "arn:aws:ec2:us-east-1:123456789012:transit-gateway/"+*g.TransitGatewayId || *g.OwnerId != "123456789012" {
		t.Fatalf("created %+v options %+v", g, o)
	}
	if !kit.ValidID(*o.AssociationDefaultRouteTableId, "tgw-rtb") {
		t.Errorf("default route table %s", *o.AssociationDefaultRouteTableId)
	}
	rtbs, err := s.DescribeTransitGatewayRouteTables(ctx, testCaller, &ec2.DescribeTransitGatewayRouteTablesRequest{Filters: []ec2.Filter{
		{Name: kit.Ptr("transit-gateway-id"), Values: []string{*g.TransitGatewayId}}, {Name: kit.Ptr("default-association-route-table"), Values: []string{"true"}}}})
	if err != nil || len(rtbs.TransitGatewayRouteTables) != 1 || *rtbs.TransitGatewayRouteTables[0].TransitGatewayRouteTableId != *o.AssociationDefaultRouteTableId {
		t.Fatalf("default route table: %v %+v", err, rtbs)
	}
	bare, err := s.CreateTransitGateway(ctx, testCaller, opts(func(o *ec2.TransitGatewayRequestOptions) {
		o.DefaultRouteTableAssociation, o.DefaultRouteTablePropagation, o.AmazonSideAsn = kit.Ptr("disable"), kit.Ptr("disable"), kit.Ptr(int64(4200000000))
		o.TransitGatewayCidrBlocks = []string{"10.99.0.0/24", "2001:db8::/64"}
	}))
	wantCode(t, err, "")
	if bo := bare.TransitGateway.Options; bo.AssociationDefaultRouteTableId != nil || bo.PropagationDefaultRouteTableId != nil || *bo.AmazonSideAsn != 4200000000 ||
		len(bo.TransitGatewayCidrBlocks) != 2 {
		t.Errorf("without defaults: %+v", bo)
	}

	desc, err := s.DescribeTransitGateways(ctx, testCaller, &ec2.DescribeTransitGatewaysRequest{Filters: []ec2.Filter{{Name: kit.Ptr("tag:Name"), Values: []string{"hub"}}}})
	if err != nil || len(desc.TransitGateways) != 1 || *desc.TransitGateways[0].State != "available" || *desc.TransitGateways[0].Description != "hub" {
		t.Fatalf("describe by tag: %v %+v", err, desc)
	}
	desc, err = s.DescribeTransitGateways(ctx, testCaller, &ec2.DescribeTransitGatewaysRequest{Filters: []ec2.Filter{{Name: kit.Ptr("options.amazon-side-asn"), Values: []string{"4200000000"}}}})
	if err != nil || len(desc.TransitGateways) != 1 || *desc.TransitGateways[0].TransitGatewayId != *bare.TransitGateway.TransitGatewayId {
		t.Fatalf("describe by ASN: %v %+v", err, desc)
	}
	_, err = s.DescribeTransitGateways(ctx, testCaller, &ec2.DescribeTransitGatewaysRequest{TransitGatewayIds: []string{"tgw-0123456789abcdef0"}})
	wantCode(t, err, "InvalidTransitGatewayID.NotFound")
	_, err = s.DescribeTransitGateways(ctx, testCaller, &ec2.DescribeTransitGatewaysRequest{TransitGatewayIds: []string{"tgw-nope"}})
	wantCode(t, err, "InvalidID")

	mod, err := s.ModifyTransitGateway(ctx, testCaller, &ec2.ModifyTransitGatewayRequest{TransitGatewayId: bare.TransitGateway.TransitGatewayId,
		Description: kit.Ptr("edge"), Options: &ec2.ModifyTransitGatewayOptions{DefaultRouteTableAssociation: kit.Ptr("enable"), VpnEcmpSupport: kit.Ptr("disable"),
			RemoveTransitGatewayCidrBlocks: []string{"2001:db8::/64"}}})
	wantCode(t, err, "")
	if mo := mod.TransitGateway.Options; mo.AssociationDefaultRouteTableId == nil || mo.PropagationDefaultRouteTableId != nil || *mo.VpnEcmpSupport != "disable" ||
		len(mo.TransitGatewayCidrBlocks) != 1 || *mod.TransitGateway.Description != "edge" {
		t.Errorf("modified %+v", mo)
	}

	// The quota: five per account, the two above included.
	for range 3 {
		_, err := s.CreateTransitGateway(ctx, testCaller, &ec2.CreateTransitGatewayRequest{})
		wantCode(t, err, "")
	}
	_, err = s.CreateTransitGateway(ctx, testCaller, &ec2.CreateTransitGatewayRequest{})
	wantCode(t, err, "TransitGatewayLimitExceeded")

	del, err := s.DeleteTransitGateway(ctx, testCaller, &ec2.DeleteTransitGatewayRequest{TransitGatewayId: g.TransitGatewayId})
	wantCode(t, err, "")
	if *del.TransitGateway.State != "deleting" {
		t.Errorf("deleted %+v", del.TransitGateway)
	}
	// Deleted resources stay visible as deleted for a while, as on AWS; to every other
	// action they are gone.
	gone, err := s.DescribeTransitGatewayRouteTables(ctx, testCaller, &ec2.DescribeTransitGatewayRouteTablesRequest{TransitGatewayRouteTableIds: []string{*o.AssociationDefaultRouteTableId}})
	if err != nil || len(gone.TransitGatewayRouteTables) != 1 || *gone.TransitGatewayRouteTables[0].State != "deleted" {
		t.Errorf("the default route table after its gateway: %v %+v", err, gone)
	}
	goneGw, err := s.DescribeTransitGateways(ctx, testCaller, &ec2.DescribeTransitGatewaysRequest{Filters: []ec2.Filter{{Name: kit.Ptr("state"), Values: []string{"deleted"}}}})
	if err != nil || len(goneGw.TransitGateways) != 1 || *goneGw.TransitGateways[0].TransitGatewayId != *g.TransitGatewayId {
		t.Errorf("deleted gateways: %v %+v", err, goneGw)
	}
	_, err = s.DeleteTransitGateway(ctx, testCaller, &ec2.DeleteTransitGatewayRequest{TransitGatewayId: g.TransitGatewayId})
	wantCode(t, err, "InvalidTransitGatewayID.NotFound")
	_, err = s.CreateTransitGatewayRouteTable(ctx, testCaller, &ec2.CreateTransitGatewayRouteTableRequest{TransitGatewayId: g.TransitGatewayId})
	wantCode(t, err, "InvalidTransitGatewayID.NotFound")
	_, err = s.CreateTransitGateway(ctx, testCaller, &ec2.CreateTransitGatewayRequest{})
	wantCode(t, err, "")
}

// tgwFixture is a transit gateway with default route tables and two VPCs, each with
// subnets in two zones.
type tgwFixture struct {
	tgw, defaultRtb string
	vpcA, vpcB      string
	a1, a2, a3, b1  string // a1 and a3 share a zone
}

func newTgwFixture(t *testing.T, s *Service) tgwFixture {
	t.Helper()
	out, err := s.CreateTransitGateway(context.Background(), testCaller, &ec2.CreateTransitGatewayRequest{})
	if err != nil {
		t.Fatal(err)
	}
	f := tgwFixture{tgw: *out.TransitGateway.TransitGatewayId, defaultRtb: *out.TransitGateway.Options.AssociationDefaultRouteTableId}
	f.vpcA, f.vpcB = *createVpc(t, s, "10.1.0.0/16").VpcId, *createVpc(t, s, "10.2.0.0/16").VpcId
	f.a1 = zonedSubnet(t, s, f.vpcA, "10.1.1.0/24", "us-east-1a")
	f.a2 = zonedSubnet(t, s, f.vpcA, "10.1.2.0/24", "us-east-1b")
	f.a3 = zonedSubnet(t, s, f.vpcA, "10.1.3.0/24", "us-east-1a")
	f.b1 = zonedSubnet(t, s, f.vpcB, "10.2.1.0/24", "us-east-1a")
	return f
}

func (f tgwFixture) attach(s *Service, vpc string, subnets ...string) (*ec2.CreateTransitGatewayVpcAttachmentResult, error) {
	return s.CreateTransitGatewayVpcAttachment(context.Background(), testCaller, &ec2.CreateTransitGatewayVpcAttachmentRequest{
		TransitGatewayId: kit.Ptr(f.tgw), VpcId: kit.Ptr(vpc), SubnetIds: subnets})
}

func TestTransitGatewayVpcAttachments(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	f := newTgwFixture(t, s)
	for _, tc := range []struct {
		name    string
		vpc     string
		subnets []string
		want    string
	}{
		{"subnets required", f.vpcA, nil, "MissingParameter"},
		{"one subnet per zone", f.vpcA, []string{f.a1, f.a3}, "DuplicateSubnetsInSameZone"},
		{"subnets of the VPC", f.vpcA, []string{f.b1}, "InvalidParameterValue"},
		{"a subnet that exists", f.vpcA, []string{"subnet-0123456789abcdef0"}, "InvalidSubnetID.NotFound"},
		{"a VPC that exists", "vpc-0123456789abcdef0", []string{f.a1}, "InvalidVpcID.NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.attach(s, tc.vpc, tc.subnets...)
			wantCode(t, err, tc.want)
		})
	}
	_, err := s.CreateTransitGatewayVpcAttachment(ctx, testCaller, &ec2.CreateTransitGatewayVpcAttachmentRequest{TransitGatewayId: kit.Ptr("tgw-0123456789abcdef0"),
		VpcId: kit.Ptr(f.vpcA), SubnetIds: []string{f.a1}})
	wantCode(t, err, "InvalidTransitGatewayID.NotFound")

	out, err := s.CreateTransitGatewayVpcAttachment(ctx, testCaller, &ec2.CreateTransitGatewayVpcAttachmentRequest{TransitGatewayId: kit.Ptr(f.tgw),
		VpcId: kit.Ptr(f.vpcA), SubnetIds: []string{f.a1, f.a2}, Options: &ec2.CreateTransitGatewayVpcAttachmentRequestOptions{ApplianceModeSupport: kit.Ptr("enable")}})
	wantCode(t, err, "")
	att := out.TransitGatewayVpcAttachment
	if !kit.ValidID(*att.TransitGatewayAttachmentId, "tgw-attach") || *att.State != "pending" || *att.Options.ApplianceModeSupport != "enable" ||
		*att.Options.DnsSupport != "enable" || *att.Options.Ipv6Support != "disable" || *att.VpcOwnerId != "123456789012" || len(att.SubnetIds) != 2 {
		t.Fatalf("attachment %+v options %+v", att, att.Options)
	}
	attID := *att.TransitGatewayAttachmentId
	_, err = f.attach(s, f.vpcA, f.a3)
	wantCode(t, err, "DuplicateTransitGatewayAttachment")
	wantCode(t, s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: kit.Ptr(f.a1)}), "DependencyViolation")

	all, err := s.DescribeTransitGatewayAttachments(ctx, testCaller, &ec2.DescribeTransitGatewayAttachmentsRequest{Filters: []ec2.Filter{
		{Name: kit.Ptr("association.transit-gateway-route-table-id"), Values: []string{f.defaultRtb}}}})
	if err != nil || len(all.TransitGatewayAttachments) != 1 || *all.TransitGatewayAttachments[0].ResourceId != f.vpcA ||
		*all.TransitGatewayAttachments[0].ResourceType != "vpc" || *all.TransitGatewayAttachments[0].Association.State != "associated" {
		t.Fatalf("associated with the default table: %v %+v", err, all)
	}
	props, err := s.GetTransitGatewayAttachmentPropagations(ctx, testCaller, &ec2.GetTransitGatewayAttachmentPropagationsRequest{TransitGatewayAttachmentId: kit.Ptr(attID)})
	if err != nil || len(props.TransitGatewayAttachmentPropagations) != 1 || *props.TransitGatewayAttachmentPropagations[0].TransitGatewayRouteTableId != f.defaultRtb {
		t.Fatalf("propagations: %v %+v", err, props)
	}

	mod, err := s.ModifyTransitGatewayVpcAttachment(ctx, testCaller, &ec2.ModifyTransitGatewayVpcAttachmentRequest{TransitGatewayAttachmentId: kit.Ptr(attID),
		AddSubnetIds: []string{f.a3}, RemoveSubnetIds: []string{f.a1}, Options: &ec2.ModifyTransitGatewayVpcAttachmentRequestOptions{DnsSupport: kit.Ptr("disable")}})
	wantCode(t, err, "")
	if m := mod.TransitGatewayVpcAttachment; strings.Join(m.SubnetIds, ",") != f.a2+","+f.a3 || *m.Options.DnsSupport != "disable" {
		t.Errorf("modified %+v", m)
	}
	_, err = s.ModifyTransitGatewayVpcAttachment(ctx, testCaller, &ec2.ModifyTransitGatewayVpcAttachmentRequest{TransitGatewayAttachmentId: kit.Ptr(attID), AddSubnetIds: []string{f.a1}})
	wantCode(t, err, "DuplicateSubnetsInSameZone")

	vpcAtts, err := s.DescribeTransitGatewayVpcAttachments(ctx, testCaller, &ec2.DescribeTransitGatewayVpcAttachmentsRequest{Filters: []ec2.Filter{
		{Name: kit.Ptr("vpc-id"), Values: []string{f.vpcA}}}})
	if err != nil || len(vpcAtts.TransitGatewayVpcAttachments) != 1 || *vpcAtts.TransitGatewayVpcAttachments[0].State != "available" {
		t.Fatalf("describe VPC attachments: %v %+v", err, vpcAtts)
	}
	_, err = s.DeleteTransitGateway(ctx, testCaller, &ec2.DeleteTransitGatewayRequest{TransitGatewayId: kit.Ptr(f.tgw)})
	wantCode(t, err, "IncorrectState")

	del, err := s.DeleteTransitGatewayVpcAttachment(ctx, testCaller, &ec2.DeleteTransitGatewayVpcAttachmentRequest{TransitGatewayAttachmentId: kit.Ptr(attID)})
	wantCode(t, err, "")
	if *del.TransitGatewayVpcAttachment.State != "deleting" {
		t.Errorf("deleted %+v", del.TransitGatewayVpcAttachment)
	}
	gone, err := s.DescribeTransitGatewayVpcAttachments(ctx, testCaller, &ec2.DescribeTransitGatewayVpcAttachmentsRequest{TransitGatewayAttachmentIds: []string{attID}})
	if err != nil || len(gone.TransitGatewayVpcAttachments) != 1 || *gone.TransitGatewayVpcAttachments[0].State != "deleted" {
		t.Errorf("deleted attachment: %v %+v", err, gone)
	}
	_, err = s.DeleteTransitGatewayVpcAttachment(ctx, testCaller, &ec2.DeleteTransitGatewayVpcAttachmentRequest{TransitGatewayAttachmentId: kit.Ptr(attID)})
	wantCode(t, err, "InvalidTransitGatewayAttachmentID.NotFound")
	assocs, err := s.GetTransitGatewayRouteTableAssociations(ctx, testCaller, &ec2.GetTransitGatewayRouteTableAssociationsRequest{TransitGatewayRouteTableId: kit.Ptr(f.defaultRtb)})
	if err != nil || len(assocs.Associations) != 0 {
		t.Errorf("associations left: %v %+v", err, assocs)
	}
	wantCode(t, s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: kit.Ptr(f.a1)}), "")
	_, err = s.DeleteTransitGateway(ctx, testCaller, &ec2.DeleteTransitGatewayRequest{TransitGatewayId: kit.Ptr(f.tgw)})
	wantCode(t, err, "")
}

func TestTransitGatewayRouteTables(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	f := newTgwFixture(t, s)
	a, err := f.attach(s, f.vpcA, f.a1)
	wantCode(t, err, "")
	b, err := f.attach(s, f.vpcB, f.b1)
	wantCode(t, err, "")
	attA, attB := *a.TransitGatewayVpcAttachment.TransitGatewayAttachmentId, *b.TransitGatewayVpcAttachment.TransitGatewayAttachmentId

	search := func(rtb string, filters ...string) []ec2.TransitGatewayRoute {
		t.Helper()
		var fs []ec2.Filter
		for i := 0; i < len(filters); i += 2 {
			fs = append(fs, ec2.Filter{Name: kit.Ptr(filters[i]), Values: []string{filters[i+1]}})
		}
		out, err := s.SearchTransitGatewayRoutes(ctx, testCaller, &ec2.SearchTransitGatewayRoutesRequest{TransitGatewayRouteTableId: kit.Ptr(rtb), Filters: fs})
		if err != nil {
			t.Fatal(err)
		}
		return out.Routes
	}
	show := func(routes []ec2.TransitGatewayRoute) string {
		var parts []string
		for _, r := range routes {
			to := "-"
			if len(r.TransitGatewayAttachments) > 0 {
				to = *r.TransitGatewayAttachments[0].ResourceId
			}
			parts = append(parts, *r.DestinationCidrBlock+" "+*r.Type+" "+*r.State+" "+to)
		}
		return strings.Join(parts, "; ")
	}
	if got, want := show(search(f.defaultRtb, "state", "active")), "10.1.0.0/16 propagated active "+f.vpcA+"; 10.2.0.0/16 propagated active "+f.vpcB; got != want {
		t.Fatalf("propagated routes %q, want %q", got, want)
	}

	rtbOut, err := s.CreateTransitGatewayRouteTable(ctx, testCaller, &ec2.CreateTransitGatewayRouteTableRequest{TransitGatewayId: kit.Ptr(f.tgw)})
	wantCode(t, err, "")
	rtb := *rtbOut.TransitGatewayRouteTable.TransitGatewayRouteTableId
	if *rtbOut.TransitGatewayRouteTable.State != "pending" || *rtbOut.TransitGatewayRouteTable.DefaultAssociationRouteTable {
		t.Errorf("created %+v", rtbOut.TransitGatewayRouteTable)
	}
	_, err = s.AssociateTransitGatewayRouteTable(ctx, testCaller, &ec2.AssociateTransitGatewayRouteTableRequest{TransitGatewayRouteTableId: kit.Ptr(rtb), TransitGatewayAttachmentId: kit.Ptr(attA)})
	wantCode(t, err, "Resource.AlreadyAssociated")
	_, err = s.DisassociateTransitGatewayRouteTable(ctx, testCaller, &ec2.DisassociateTransitGatewayRouteTableRequest{TransitGatewayRouteTableId: kit.Ptr(rtb), TransitGatewayAttachmentId: kit.Ptr(attA)})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	_, err = s.DisassociateTransitGatewayRouteTable(ctx, testCaller, &ec2.DisassociateTransitGatewayRouteTableRequest{TransitGatewayRouteTableId: kit.Ptr(f.defaultRtb), TransitGatewayAttachmentId: kit.Ptr(attA)})
	wantCode(t, err, "")
	assoc, err := s.AssociateTransitGatewayRouteTable(ctx, testCaller, &ec2.AssociateTransitGatewayRouteTableRequest{TransitGatewayRouteTableId: kit.Ptr(rtb), TransitGatewayAttachmentId: kit.Ptr(attA)})
	wantCode(t, err, "")
	if *assoc.Association.State != "associating" || *assoc.Association.ResourceId != f.vpcA {
		t.Errorf("association %+v", assoc.Association)
	}
	_, err = s.EnableTransitGatewayRouteTablePropagation(ctx, testCaller, &ec2.EnableTransitGatewayRouteTablePropagationRequest{TransitGatewayRouteTableId: kit.Ptr(rtb), TransitGatewayAttachmentId: kit.Ptr(attB)})
	wantCode(t, err, "")
	_, err = s.EnableTransitGatewayRouteTablePropagation(ctx, testCaller, &ec2.EnableTransitGatewayRouteTablePropagationRequest{TransitGatewayRouteTableId: kit.Ptr(rtb), TransitGatewayAttachmentId: kit.Ptr(attB)})
	wantCode(t, err, "TransitGatewayRouteTablePropagation.Duplicate")

	route := func(cidr, att string, blackhole bool) error {
		in := &ec2.CreateTransitGatewayRouteRequest{TransitGatewayRouteTableId: kit.Ptr(rtb), DestinationCidrBlock: kit.Ptr(cidr)}
		if att != "" {
			in.TransitGatewayAttachmentId = kit.Ptr(att)
		}
		if blackhole {
			in.Blackhole = kit.Ptr(true)
		}
		_, err := s.CreateTransitGatewayRoute(ctx, testCaller, in)
		return err
	}
	wantCode(t, route("10.2.0.0/16", attA, false), "")
	wantCode(t, route("10.2.0.0/16", attA, false), "RouteAlreadyExists")
	wantCode(t, route("10.2.5.0/24", "", true), "")
	wantCode(t, route("10.3.0.0/16", "", false), "MissingParameter")
	wantCode(t, route("10.3.0.0/16", attA, true), "InvalidParameterCombination")
	wantCode(t, route("10.3.0.0/16", "tgw-attach-0123456789abcdef0", false), "InvalidTransitGatewayAttachmentID.NotFound")
	wantCode(t, route("not-a-cidr", attA, false), "InvalidParameterValue")

	// The static route wins over the propagated one for the same destination.
	if got, want := show(search(rtb, "type", "static")), "10.2.0.0/16 static active "+f.vpcA+"; 10.2.5.0/24 static blackhole -"; got != want {
		t.Errorf("static routes %q, want %q", got, want)
	}
	if got := show(search(rtb, "type", "propagated")); got != "" {
		t.Errorf("propagated routes hidden by the static one: %q", got)
	}
	if got := show(search(rtb, "route-search.longest-prefix-match", "10.2.5.7/32")); got != "10.2.5.0/24 static blackhole -" {
		t.Errorf("longest prefix match %q", got)
	}
	if got := show(search(rtb, "route-search.supernet-of-match", "10.2.5.0/24")); !strings.HasPrefix(got, "10.2.0.0/16") || !strings.Contains(got, "10.2.5.0/24") {
		t.Errorf("supernet-of-match %q", got)
	}
	if got := show(search(rtb, "route-search.subnet-of-match", "10.2.0.0/16", "state", "blackhole")); got != "10.2.5.0/24 static blackhole -" {
		t.Errorf("subnet-of-match %q", got)
	}
	if got := show(search(rtb, "route-search.exact-match", "10.2.0.0/16")); got != "10.2.0.0/16 static active "+f.vpcA {
		t.Errorf("exact match %q", got)
	}
	rep, err := s.ReplaceTransitGatewayRoute(ctx, testCaller, &ec2.ReplaceTransitGatewayRouteRequest{TransitGatewayRouteTableId: kit.Ptr(rtb),
		DestinationCidrBlock: kit.Ptr("10.2.0.0/16"), Blackhole: kit.Ptr(true)})
	wantCode(t, err, "")
	if *rep.Route.State != "blackhole" || len(rep.Route.TransitGatewayAttachments) != 0 {
		t.Errorf("replaced %+v", rep.Route)
	}
	_, err = s.ReplaceTransitGatewayRoute(ctx, testCaller, &ec2.ReplaceTransitGatewayRouteRequest{TransitGatewayRouteTableId: kit.Ptr(rtb),
		DestinationCidrBlock: kit.Ptr("10.9.0.0/16"), Blackhole: kit.Ptr(true)})
	wantCode(t, err, "InvalidRoute.NotFound")
	delRoute, err := s.DeleteTransitGatewayRoute(ctx, testCaller, &ec2.DeleteTransitGatewayRouteRequest{TransitGatewayRouteTableId: kit.Ptr(rtb), DestinationCidrBlock: kit.Ptr("10.2.0.0/16")})
	wantCode(t, err, "")
	if *delRoute.Route.State != "deleted" {
		t.Errorf("deleted route %+v", delRoute.Route)
	}
	if got := show(search(rtb, "route-search.exact-match", "10.2.0.0/16")); got != "10.2.0.0/16 propagated active "+f.vpcB {
		t.Errorf("after deleting the static route %q", got)
	}

	assocs, err := s.GetTransitGatewayRouteTableAssociations(ctx, testCaller, &ec2.GetTransitGatewayRouteTableAssociationsRequest{TransitGatewayRouteTableId: kit.Ptr(rtb),
		Filters: []ec2.Filter{{Name: kit.Ptr("resource-type"), Values: []string{"vpc"}}}})
	if err != nil || len(assocs.Associations) != 1 || *assocs.Associations[0].TransitGatewayAttachmentId != attA {
		t.Errorf("associations %v %+v", err, assocs)
	}
	props, err := s.GetTransitGatewayRouteTablePropagations(ctx, testCaller, &ec2.GetTransitGatewayRouteTablePropagationsRequest{TransitGatewayRouteTableId: kit.Ptr(rtb)})
	if err != nil || len(props.TransitGatewayRouteTablePropagations) != 1 || *props.TransitGatewayRouteTablePropagations[0].ResourceId != f.vpcB {
		t.Errorf("propagations %v %+v", err, props)
	}

	_, err = s.DeleteTransitGatewayRouteTable(ctx, testCaller, &ec2.DeleteTransitGatewayRouteTableRequest{TransitGatewayRouteTableId: kit.Ptr(rtb)})
	wantCode(t, err, "IncorrectState")
	_, err = s.DeleteTransitGatewayRouteTable(ctx, testCaller, &ec2.DeleteTransitGatewayRouteTableRequest{TransitGatewayRouteTableId: kit.Ptr(f.defaultRtb)})
	wantCode(t, err, "IncorrectState")
	_, err = s.DisassociateTransitGatewayRouteTable(ctx, testCaller, &ec2.DisassociateTransitGatewayRouteTableRequest{TransitGatewayRouteTableId: kit.Ptr(rtb), TransitGatewayAttachmentId: kit.Ptr(attA)})
	wantCode(t, err, "")
	_, err = s.DeleteTransitGatewayRouteTable(ctx, testCaller, &ec2.DeleteTransitGatewayRouteTableRequest{TransitGatewayRouteTableId: kit.Ptr(rtb)})
	wantCode(t, err, "")
	attProps, err := s.GetTransitGatewayAttachmentPropagations(ctx, testCaller, &ec2.GetTransitGatewayAttachmentPropagationsRequest{TransitGatewayAttachmentId: kit.Ptr(attB)})
	if err != nil || len(attProps.TransitGatewayAttachmentPropagations) != 1 {
		t.Errorf("attachment propagations after deleting the table: %v %+v", err, attProps)
	}
}

// TestRoutesToTransitGateways: a VPC route may point at a transit gateway attached to
// the VPC; it turns blackhole when the attachment goes.
func TestRoutesToTransitGateways(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	f := newTgwFixture(t, s)
	rtb, err := s.CreateRouteTable(ctx, testCaller, &ec2.CreateRouteTableRequest{VpcId: kit.Ptr(f.vpcA)})
	wantCode(t, err, "")
	rtbID := rtb.RouteTable.RouteTableId
	createRoute := func() error {
		_, err := s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: rtbID, DestinationCidrBlock: kit.Ptr("10.2.0.0/16"), TransitGatewayId: kit.Ptr(f.tgw)})
		return err
	}
	wantCode(t, createRoute(), "InvalidTransitGatewayID.NotFound")
	att, err := f.attach(s, f.vpcA, f.a1)
	wantCode(t, err, "")
	wantCode(t, createRoute(), "")
	state := func() string {
		out, err := s.DescribeRouteTables(ctx, testCaller, &ec2.DescribeRouteTablesRequest{RouteTableIds: []string{*rtbID}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.RouteTables[0].Routes {
			if kit.Deref(r.TransitGatewayId) == f.tgw {
				return *r.State
			}
		}
		return "none"
	}
	if got := state(); got != "active" {
		t.Errorf("route state %s, want active", got)
	}
	_, err = s.DeleteTransitGatewayVpcAttachment(ctx, testCaller, &ec2.DeleteTransitGatewayVpcAttachmentRequest{TransitGatewayAttachmentId: att.TransitGatewayVpcAttachment.TransitGatewayAttachmentId})
	wantCode(t, err, "")
	if got := state(); got != "blackhole" {
		t.Errorf("route state %s after detaching, want blackhole", got)
	}
	wantCode(t, s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{f.tgw, f.defaultRtb}, Tags: []ec2.Tag{{Key: kit.Ptr("env"), Value: kit.Ptr("t")}}}), "")
	tags, err := s.DescribeTags(ctx, testCaller, &ec2.DescribeTagsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("resource-type"), Values: []string{"transit-gateway-route-table"}}}})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].ResourceId != f.defaultRtb {
		t.Errorf("tags %v %+v", err, tags)
	}
}

// TestTransitGatewayVpnAttachments: a VPN connection on a transit gateway is an
// attachment of type vpn, with the gateway's ASN, associated with the default route
// table; deleting the connection deletes the attachment.
func TestTransitGatewayVpnAttachments(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	f := newTgwFixture(t, s)
	cgw, err := s.CreateCustomerGateway(ctx, testCaller, &ec2.CreateCustomerGatewayRequest{Type: kit.Ptr("ipsec.1"), IpAddress: kit.Ptr("198.51.100.90")})
	wantCode(t, err, "")
	create := func(tgw, vgw string) (*ec2.CreateVpnConnectionResult, error) {
		in := &ec2.CreateVpnConnectionRequest{Type: kit.Ptr("ipsec.1"), CustomerGatewayId: cgw.CustomerGateway.CustomerGatewayId}
		if tgw != "" {
			in.TransitGatewayId = kit.Ptr(tgw)
		}
		if vgw != "" {
			in.VpnGatewayId = kit.Ptr(vgw)
		}
		return s.CreateVpnConnection(ctx, testCaller, in)
	}
	_, err = create(f.tgw, "vgw-0123456789abcdef0")
	wantCode(t, err, "InvalidParameterCombination")
	_, err = create("tgw-0123456789abcdef0", "")
	wantCode(t, err, "InvalidTransitGatewayID.NotFound")
	out, err := create(f.tgw, "")
	wantCode(t, err, "")
	v := out.VpnConnection
	if kit.Deref(v.TransitGatewayId) != f.tgw || v.VpnGatewayId != nil {
		t.Fatalf("connection %+v", v)
	}
	atts, err := s.DescribeTransitGatewayAttachments(ctx, testCaller, &ec2.DescribeTransitGatewayAttachmentsRequest{Filters: []ec2.Filter{
		{Name: kit.Ptr("resource-type"), Values: []string{"vpn"}}}})
	if err != nil || len(atts.TransitGatewayAttachments) != 1 || *atts.TransitGatewayAttachments[0].ResourceId != *v.VpnConnectionId ||
		*atts.TransitGatewayAttachments[0].Association.TransitGatewayRouteTableId != f.defaultRtb {
		t.Fatalf("VPN attachment: %v %+v", err, atts)
	}
	byTgw, err := s.DescribeVpnConnections(ctx, testCaller, &ec2.DescribeVpnConnectionsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("transit-gateway-id"), Values: []string{f.tgw}}}})
	if err != nil || len(byTgw.VpnConnections) != 1 {
		t.Errorf("connections by transit gateway: %v %+v", err, byTgw)
	}
	_, err = s.DeleteTransitGateway(ctx, testCaller, &ec2.DeleteTransitGatewayRequest{TransitGatewayId: kit.Ptr(f.tgw)})
	wantCode(t, err, "IncorrectState")
	wantCode(t, s.DeleteVpnConnection(ctx, testCaller, &ec2.DeleteVpnConnectionRequest{VpnConnectionId: v.VpnConnectionId}), "")
	atts, err = s.DescribeTransitGatewayAttachments(ctx, testCaller, &ec2.DescribeTransitGatewayAttachmentsRequest{Filters: []ec2.Filter{
		{Name: kit.Ptr("state"), Values: []string{"deleted"}}}})
	if err != nil || len(atts.TransitGatewayAttachments) != 1 {
		t.Errorf("deleted VPN attachment: %v %+v", err, atts)
	}
	_, err = s.DeleteTransitGateway(ctx, testCaller, &ec2.DeleteTransitGatewayRequest{TransitGatewayId: kit.Ptr(f.tgw)})
	wantCode(t, err, "")
}

// TestTransitGatewayPeering: a peering attachment between two gateways of the account,
// pending until accepted, then routable by static routes from both sides' tables; it
// takes no propagation; rejected or deleted, it is gone from both gateways.
func TestTransitGatewayPeering(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	f := newTgwFixture(t, s)
	other, err := s.CreateTransitGateway(ctx, testCaller, &ec2.CreateTransitGatewayRequest{})
	wantCode(t, err, "")
	peer, peerRtb := *other.TransitGateway.TransitGatewayId, *other.TransitGateway.Options.AssociationDefaultRouteTableId
	create := func(account, region string) (*ec2.CreateTransitGatewayPeeringAttachmentResult, error) {
		return s.CreateTransitGatewayPeeringAttachment(ctx, testCaller, &ec2.CreateTransitGatewayPeeringAttachmentRequest{TransitGatewayId: kit.Ptr(f.tgw),
			PeerTransitGatewayId: kit.Ptr(peer), PeerAccountId: kit.Ptr(account), PeerRegion: kit.Ptr(region)})
	}
	_, err = create("210987654321", "us-east-1")
	wantCode(t, err, "InvalidParameterValue")
	out, err := create(testCaller.Account, testCaller.Region)
	wantCode(t, err, "")
	p := out.TransitGatewayPeeringAttachment
	id := *p.TransitGatewayAttachmentId
	if *p.State != "initiatingRequest" || *p.AccepterTgwInfo.TransitGatewayId != peer || *p.RequesterTgwInfo.TransitGatewayId != f.tgw {
		t.Fatalf("created %+v", p)
	}
	route := func(rtb string) error {
		_, err := s.CreateTransitGatewayRoute(ctx, testCaller, &ec2.CreateTransitGatewayRouteRequest{TransitGatewayRouteTableId: kit.Ptr(rtb),
			DestinationCidrBlock: kit.Ptr("10.200.0.0/16"), TransitGatewayAttachmentId: kit.Ptr(id)})
		return err
	}
	wantCode(t, route(f.defaultRtb), "IncorrectState")
	acc, err := s.AcceptTransitGatewayPeeringAttachment(ctx, testCaller, &ec2.AcceptTransitGatewayPeeringAttachmentRequest{TransitGatewayAttachmentId: kit.Ptr(id)})
	wantCode(t, err, "")
	if *acc.TransitGatewayPeeringAttachment.State != "pending" {
		t.Errorf("accepted %+v", acc.TransitGatewayPeeringAttachment)
	}
	_, err = s.AcceptTransitGatewayPeeringAttachment(ctx, testCaller, &ec2.AcceptTransitGatewayPeeringAttachmentRequest{TransitGatewayAttachmentId: kit.Ptr(id)})
	wantCode(t, err, "IncorrectState")
	wantCode(t, route(f.defaultRtb), "")
	wantCode(t, route(peerRtb), "")
	for _, rtb := range []string{f.defaultRtb, peerRtb} {
		_, err = s.AssociateTransitGatewayRouteTable(ctx, testCaller, &ec2.AssociateTransitGatewayRouteTableRequest{TransitGatewayRouteTableId: kit.Ptr(rtb), TransitGatewayAttachmentId: kit.Ptr(id)})
		wantCode(t, err, "")
	}
	_, err = s.EnableTransitGatewayRouteTablePropagation(ctx, testCaller, &ec2.EnableTransitGatewayRouteTablePropagationRequest{TransitGatewayRouteTableId: kit.Ptr(peerRtb), TransitGatewayAttachmentId: kit.Ptr(id)})
	wantCode(t, err, "InvalidParameterValue")
	desc, err := s.DescribeTransitGatewayPeeringAttachments(ctx, testCaller, &ec2.DescribeTransitGatewayPeeringAttachmentsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("state"), Values: []string{"available"}}}})
	if err != nil || len(desc.TransitGatewayPeeringAttachments) != 1 {
		t.Fatalf("describe: %v %+v", err, desc)
	}
	_, err = s.DeleteTransitGateway(ctx, testCaller, &ec2.DeleteTransitGatewayRequest{TransitGatewayId: kit.Ptr(peer)})
	wantCode(t, err, "IncorrectState")
	_, err = s.DeleteTransitGatewayPeeringAttachment(ctx, testCaller, &ec2.DeleteTransitGatewayPeeringAttachmentRequest{TransitGatewayAttachmentId: kit.Ptr(id)})
	wantCode(t, err, "")
	routes, err := s.SearchTransitGatewayRoutes(ctx, testCaller, &ec2.SearchTransitGatewayRoutesRequest{TransitGatewayRouteTableId: kit.Ptr(peerRtb),
		Filters: []ec2.Filter{{Name: kit.Ptr("type"), Values: []string{"static"}}}})
	if err != nil || len(routes.Routes) != 0 {
		t.Errorf("the peer's routes to the deleted peering: %v %+v", err, routes)
	}

	second, err := create(testCaller.Account, testCaller.Region)
	wantCode(t, err, "")
	rej, err := s.RejectTransitGatewayPeeringAttachment(ctx, testCaller, &ec2.RejectTransitGatewayPeeringAttachmentRequest{TransitGatewayAttachmentId: second.TransitGatewayPeeringAttachment.TransitGatewayAttachmentId})
	wantCode(t, err, "")
	if *rej.TransitGatewayPeeringAttachment.State != "rejecting" {
		t.Errorf("rejected %+v", rej.TransitGatewayPeeringAttachment)
	}
	desc, err = s.DescribeTransitGatewayPeeringAttachments(ctx, testCaller, &ec2.DescribeTransitGatewayPeeringAttachmentsRequest{
		TransitGatewayAttachmentIds: []string{*second.TransitGatewayPeeringAttachment.TransitGatewayAttachmentId}})
	if err != nil || len(desc.TransitGatewayPeeringAttachments) != 1 || *desc.TransitGatewayPeeringAttachments[0].State != "rejected" {
		t.Errorf("rejected peering: %v %+v", err, desc)
	}
	_, err = s.DeleteTransitGateway(ctx, testCaller, &ec2.DeleteTransitGatewayRequest{TransitGatewayId: kit.Ptr(peer)})
	wantCode(t, err, "")
}
