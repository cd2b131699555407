"""Transit gateways with boto3: the gateway and its default route table, VPC attachments,
route tables with associations, propagations and static routes, a VPC route to the
gateway; the keys, types and error codes AWS answers."""
import unittest

import botocore.exceptions

import vpcd


class TransitGateways(unittest.TestCase):
    def setUp(self):
        self.ec2 = vpcd.client(vpcd.new_account())

    def code(self, call, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(**kwargs)
        return cm.exception.response["Error"]["Code"]

    def vpc(self, cidr, zones):
        vpc = self.ec2.create_vpc(CidrBlock=cidr)["Vpc"]
        self.addCleanup(self.ec2.delete_vpc, VpcId=vpc["VpcId"])
        subnets = []
        base = cidr.rsplit(".", 2)[0]
        for i, zone in enumerate(zones):
            sn = self.ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="%s.%d.0/24" % (base, i), AvailabilityZone=zone)["Subnet"]
            self.addCleanup(self.ec2.delete_subnet, SubnetId=sn["SubnetId"])
            subnets.append(sn["SubnetId"])
        return vpc["VpcId"], subnets

    def gateway(self, **options):
        tgw = self.ec2.create_transit_gateway(Description="hub", Options=options,
                                              TagSpecifications=[{"ResourceType": "transit-gateway", "Tags": [{"Key": "Name", "Value": "hub"}]}])["TransitGateway"]
        self.addCleanup(self.ec2.delete_transit_gateway, TransitGatewayId=tgw["TransitGatewayId"])
        return tgw

    def test_transit_gateway(self):
        tgw = self.gateway()
        self.assertRegex(tgw["TransitGatewayId"], r"^tgw-[0-9a-f]{17}$")
        self.assertEqual(tgw["State"], "pending")
        self.assertEqual(tgw["TransitGatewayArn"], "arn:aws:ec2:us-east-1:%s:transit-gateway/%s" % (tgw["OwnerId"], tgw["TransitGatewayId"]))
        self.assertEqual(tgw["Tags"], [{"Key": "Name", "Value": "hub"}])
        o = tgw["Options"]
        self.assertEqual((o["AmazonSideAsn"], o["DefaultRouteTableAssociation"], o["DefaultRouteTablePropagation"], o["DnsSupport"],
                          o["VpnEcmpSupport"], o["MulticastSupport"], o["AutoAcceptSharedAttachments"]),
                         (64512, "enable", "enable", "enable", "enable", "disable", "disable"))
        self.assertRegex(o["AssociationDefaultRouteTableId"], r"^tgw-rtb-[0-9a-f]{17}$")
        self.assertEqual(o["PropagationDefaultRouteTableId"], o["AssociationDefaultRouteTableId"])
        got = self.ec2.describe_transit_gateways(TransitGatewayIds=[tgw["TransitGatewayId"]])["TransitGateways"][0]
        self.assertEqual(got["State"], "available")
        rtbs = self.ec2.describe_transit_gateway_route_tables(
            Filters=[{"Name": "transit-gateway-id", "Values": [tgw["TransitGatewayId"]]}])["TransitGatewayRouteTables"]
        self.assertEqual([(r["TransitGatewayRouteTableId"], r["DefaultAssociationRouteTable"], r["Tags"]) for r in rtbs],
                         [(o["AssociationDefaultRouteTableId"], True, [])])
        self.assertEqual(self.code(self.ec2.create_transit_gateway, Options={"AmazonSideAsn": 100}), "InvalidParameterValue")
        self.assertEqual(self.code(self.ec2.describe_transit_gateways, TransitGatewayIds=["tgw-0123456789abcdef0"]), "InvalidTransitGatewayID.NotFound")
        mod = self.ec2.modify_transit_gateway(TransitGatewayId=tgw["TransitGatewayId"], Options={"VpnEcmpSupport": "disable"})["TransitGateway"]
        self.assertEqual(mod["Options"]["VpnEcmpSupport"], "disable")

    def test_attachments_and_routes(self):
        tgw = self.gateway(AmazonSideAsn=64800)
        tgw_id, default = tgw["TransitGatewayId"], tgw["Options"]["AssociationDefaultRouteTableId"]
        vpc_a, (a1, a2, a3) = self.vpc("10.41.0.0/16", ["us-east-1a", "us-east-1b", "us-east-1a"])
        vpc_b, (b1,) = self.vpc("10.42.0.0/16", ["us-east-1a"])
        self.assertEqual(self.code(self.ec2.create_transit_gateway_vpc_attachment, TransitGatewayId=tgw_id, VpcId=vpc_a, SubnetIds=[a1, a3]),
                         "DuplicateSubnetsInSameZone")
        att_a = self.ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw_id, VpcId=vpc_a, SubnetIds=[a1, a2])["TransitGatewayVpcAttachment"]
        self.addCleanup(self.ec2.delete_transit_gateway_vpc_attachment, TransitGatewayAttachmentId=att_a["TransitGatewayAttachmentId"])
        self.assertRegex(att_a["TransitGatewayAttachmentId"], r"^tgw-attach-[0-9a-f]{17}$")
        self.assertEqual((att_a["State"], att_a["SubnetIds"], att_a["Tags"]), ("pending", [a1, a2], []))
        self.assertEqual(att_a["Options"], {"DnsSupport": "enable", "Ipv6Support": "disable", "ApplianceModeSupport": "disable",
                                            "SecurityGroupReferencingSupport": "enable"})
        self.assertEqual(self.code(self.ec2.create_transit_gateway_vpc_attachment, TransitGatewayId=tgw_id, VpcId=vpc_a, SubnetIds=[a3]),
                         "DuplicateTransitGatewayAttachment")
        att_b = self.ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw_id, VpcId=vpc_b, SubnetIds=[b1])["TransitGatewayVpcAttachment"]
        self.addCleanup(self.ec2.delete_transit_gateway_vpc_attachment, TransitGatewayAttachmentId=att_b["TransitGatewayAttachmentId"])
        a_id, b_id = att_a["TransitGatewayAttachmentId"], att_b["TransitGatewayAttachmentId"]

        atts = self.ec2.describe_transit_gateway_attachments(Filters=[{"Name": "transit-gateway-id", "Values": [tgw_id]}])["TransitGatewayAttachments"]
        self.assertEqual(sorted((a["ResourceId"], a["ResourceType"], a["State"], a["Association"]["TransitGatewayRouteTableId"]) for a in atts),
                         sorted([(vpc_a, "vpc", "available", default), (vpc_b, "vpc", "available", default)]))
        routes = self.ec2.search_transit_gateway_routes(TransitGatewayRouteTableId=default,
                                                        Filters=[{"Name": "type", "Values": ["propagated"]}])
        self.assertFalse(routes["AdditionalRoutesAvailable"])
        self.assertEqual([(r["DestinationCidrBlock"], r["State"], r["TransitGatewayAttachments"][0]["ResourceId"]) for r in routes["Routes"]],
                         [("10.41.0.0/16", "active", vpc_a), ("10.42.0.0/16", "active", vpc_b)])

        rtb = self.ec2.create_transit_gateway_route_table(TransitGatewayId=tgw_id)["TransitGatewayRouteTable"]
        self.addCleanup(self.ec2.delete_transit_gateway_route_table, TransitGatewayRouteTableId=rtb["TransitGatewayRouteTableId"])
        rtb_id = rtb["TransitGatewayRouteTableId"]
        self.assertEqual(self.code(self.ec2.associate_transit_gateway_route_table, TransitGatewayRouteTableId=rtb_id, TransitGatewayAttachmentId=a_id),
                         "Resource.AlreadyAssociated")
        self.ec2.disassociate_transit_gateway_route_table(TransitGatewayRouteTableId=default, TransitGatewayAttachmentId=a_id)
        assoc = self.ec2.associate_transit_gateway_route_table(TransitGatewayRouteTableId=rtb_id, TransitGatewayAttachmentId=a_id)["Association"]
        self.addCleanup(self.ec2.disassociate_transit_gateway_route_table, TransitGatewayRouteTableId=rtb_id, TransitGatewayAttachmentId=a_id)
        self.assertEqual((assoc["State"], assoc["ResourceType"]), ("associating", "vpc"))
        self.ec2.enable_transit_gateway_route_table_propagation(TransitGatewayRouteTableId=rtb_id, TransitGatewayAttachmentId=b_id)
        self.assertEqual(self.code(self.ec2.enable_transit_gateway_route_table_propagation, TransitGatewayRouteTableId=rtb_id, TransitGatewayAttachmentId=b_id),
                         "TransitGatewayRouteTablePropagation.Duplicate")
        route = self.ec2.create_transit_gateway_route(TransitGatewayRouteTableId=rtb_id, DestinationCidrBlock="192.168.0.0/16", Blackhole=True)["Route"]
        self.assertEqual((route["Type"], route["State"], route["TransitGatewayAttachments"]), ("static", "blackhole", []))
        self.assertEqual(self.code(self.ec2.create_transit_gateway_route, TransitGatewayRouteTableId=rtb_id, DestinationCidrBlock="192.168.0.0/16",
                                   Blackhole=True), "RouteAlreadyExists")
        found = self.ec2.search_transit_gateway_routes(TransitGatewayRouteTableId=rtb_id,
                                                       Filters=[{"Name": "route-search.longest-prefix-match", "Values": ["10.42.3.4/32"]}])["Routes"]
        self.assertEqual([(r["DestinationCidrBlock"], r["Type"]) for r in found], [("10.42.0.0/16", "propagated")])
        self.ec2.delete_transit_gateway_route(TransitGatewayRouteTableId=rtb_id, DestinationCidrBlock="192.168.0.0/16")
        self.assertEqual(self.ec2.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=rtb_id)["Associations"][0]["State"], "associated")
        self.assertEqual(self.ec2.get_transit_gateway_route_table_propagations(TransitGatewayRouteTableId=rtb_id)
                         ["TransitGatewayRouteTablePropagations"][0]["ResourceId"], vpc_b)
        self.assertEqual(len(self.ec2.get_transit_gateway_attachment_propagations(TransitGatewayAttachmentId=b_id)["TransitGatewayAttachmentPropagations"]), 2)
        self.addCleanup(self.ec2.disable_transit_gateway_route_table_propagation, TransitGatewayRouteTableId=rtb_id, TransitGatewayAttachmentId=b_id)

        vpc_rtb = self.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_b]}])["RouteTables"][0]["RouteTableId"]
        self.ec2.create_route(RouteTableId=vpc_rtb, DestinationCidrBlock="10.41.0.0/16", TransitGatewayId=tgw_id)
        self.addCleanup(self.ec2.delete_route, RouteTableId=vpc_rtb, DestinationCidrBlock="10.41.0.0/16")
        got = [r for r in self.ec2.describe_route_tables(RouteTableIds=[vpc_rtb])["RouteTables"][0]["Routes"] if r.get("TransitGatewayId")]
        self.assertEqual([(r["DestinationCidrBlock"], r["State"], r["Origin"]) for r in got], [("10.41.0.0/16", "active", "CreateRoute")])
        other = self.gateway()
        self.assertEqual(self.code(self.ec2.create_route, RouteTableId=vpc_rtb, DestinationCidrBlock="10.43.0.0/16", TransitGatewayId=other["TransitGatewayId"]),
                         "InvalidTransitGatewayID.NotFound")
        self.assertEqual(self.code(self.ec2.delete_transit_gateway, TransitGatewayId=tgw_id), "IncorrectState")

    def test_peering_and_vpn_attachments(self):
        tgw, peer = self.gateway(), self.gateway()
        account = tgw["OwnerId"]
        self.assertEqual(self.code(self.ec2.create_transit_gateway_peering_attachment, TransitGatewayId=tgw["TransitGatewayId"],
                                   PeerTransitGatewayId=peer["TransitGatewayId"], PeerAccountId="210987654321", PeerRegion="us-east-1"),
                         "InvalidParameterValue")
        p = self.ec2.create_transit_gateway_peering_attachment(TransitGatewayId=tgw["TransitGatewayId"], PeerTransitGatewayId=peer["TransitGatewayId"],
                                                               PeerAccountId=account, PeerRegion="us-east-1")["TransitGatewayPeeringAttachment"]
        self.addCleanup(self.ec2.delete_transit_gateway_peering_attachment, TransitGatewayAttachmentId=p["TransitGatewayAttachmentId"])
        self.assertEqual((p["State"], p["Tags"], p["AccepterTgwInfo"]["TransitGatewayId"], p["RequesterTgwInfo"]["OwnerId"]),
                         ("initiatingRequest", [], peer["TransitGatewayId"], account))
        got = self.ec2.describe_transit_gateway_peering_attachments(TransitGatewayAttachmentIds=[p["TransitGatewayAttachmentId"]])["TransitGatewayPeeringAttachments"][0]
        self.assertEqual((got["State"], got["Status"]["Code"]), ("pendingAcceptance", "pendingAcceptance"))
        self.ec2.accept_transit_gateway_peering_attachment(TransitGatewayAttachmentId=p["TransitGatewayAttachmentId"])
        route = self.ec2.create_transit_gateway_route(TransitGatewayRouteTableId=peer["Options"]["AssociationDefaultRouteTableId"],
                                                      DestinationCidrBlock="10.60.0.0/16", TransitGatewayAttachmentId=p["TransitGatewayAttachmentId"])["Route"]
        self.assertEqual(route["TransitGatewayAttachments"][0]["ResourceType"], "peering")

        cgw = self.ec2.create_customer_gateway(Type="ipsec.1", IpAddress="198.51.100.61", BgpAsn=65061)["CustomerGateway"]
        self.addCleanup(self.ec2.delete_customer_gateway, CustomerGatewayId=cgw["CustomerGatewayId"])
        vpn = self.ec2.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cgw["CustomerGatewayId"], TransitGatewayId=tgw["TransitGatewayId"])["VpnConnection"]
        self.addCleanup(self.ec2.delete_vpn_connection, VpnConnectionId=vpn["VpnConnectionId"])
        self.assertEqual(vpn["TransitGatewayId"], tgw["TransitGatewayId"])
        self.assertNotIn("VpnGatewayId", vpn)
        atts = self.ec2.describe_transit_gateway_attachments(Filters=[{"Name": "resource-id", "Values": [vpn["VpnConnectionId"]]}])["TransitGatewayAttachments"]
        self.assertEqual([(a["ResourceType"], a["State"]) for a in atts], [("vpn", "available")])


if __name__ == "__main__":
    unittest.main()
