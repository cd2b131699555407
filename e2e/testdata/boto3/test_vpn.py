"""Site-to-Site VPN's two ends with boto3: customer gateways, virtual private gateways,
their attachment and route propagation, with the keys and types AWS answers."""
import unittest

import botocore.exceptions

import vpcd


class VpnGateways(unittest.TestCase):
    def setUp(self):
        self.ec2 = vpcd.client(vpcd.new_account())

    def code(self, call, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(**kwargs)
        return cm.exception.response["Error"]["Code"]

    def test_customer_gateway(self):
        cgw = self.ec2.create_customer_gateway(Type="ipsec.1", IpAddress="198.51.100.30", BgpAsn=65030)["CustomerGateway"]
        self.addCleanup(self.ec2.delete_customer_gateway, CustomerGatewayId=cgw["CustomerGatewayId"])
        self.assertRegex(cgw["CustomerGatewayId"], r"^cgw-[0-9a-f]{17}$")
        self.assertEqual((cgw["BgpAsn"], cgw["IpAddress"], cgw["State"], cgw["Type"]), ("65030", "198.51.100.30", "available", "ipsec.1"))
        self.assertEqual(cgw["Tags"], [])
        again = self.ec2.create_customer_gateway(Type="ipsec.1", IpAddress="198.51.100.30", BgpAsn=65030)["CustomerGateway"]
        self.assertEqual(again["CustomerGatewayId"], cgw["CustomerGatewayId"], "an identical request answers the gateway that exists")
        got = self.ec2.describe_customer_gateways(Filters=[{"Name": "ip-address", "Values": ["198.51.100.30"]}])["CustomerGateways"]
        self.assertEqual([g["CustomerGatewayId"] for g in got], [cgw["CustomerGatewayId"]])
        self.assertEqual(self.ec2.describe_customer_gateways(Filters=[{"Name": "bgp-asn", "Values": ["1"]}])["CustomerGateways"], [])
        self.assertEqual(self.code(self.ec2.describe_customer_gateways, CustomerGatewayIds=["cgw-0123456789abcdef0"]), "InvalidCustomerGatewayID.NotFound")

    def test_vpn_gateway(self):
        vpc = self.ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]
        self.addCleanup(self.ec2.delete_vpc, VpcId=vpc["VpcId"])
        vgw = self.ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]
        self.addCleanup(self.ec2.delete_vpn_gateway, VpnGatewayId=vgw["VpnGatewayId"])
        self.assertRegex(vgw["VpnGatewayId"], r"^vgw-[0-9a-f]{17}$")
        self.assertEqual((vgw["AmazonSideAsn"], vgw["State"], vgw["VpcAttachments"]), (64512, "available", []))
        self.assertNotIn("AvailabilityZone", vgw)
        att = self.ec2.attach_vpn_gateway(VpnGatewayId=vgw["VpnGatewayId"], VpcId=vpc["VpcId"])["VpcAttachment"]
        self.assertEqual(att, {"State": "attaching", "VpcId": vpc["VpcId"]})
        got = self.ec2.describe_vpn_gateways(VpnGatewayIds=[vgw["VpnGatewayId"]])["VpnGateways"][0]
        self.assertEqual(got["VpcAttachments"], [{"State": "attached", "VpcId": vpc["VpcId"]}])
        self.assertEqual(self.code(self.ec2.delete_vpn_gateway, VpnGatewayId=vgw["VpnGatewayId"]), "IncorrectState")

        rtb = self.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["RouteTables"][0]
        self.ec2.enable_vgw_route_propagation(RouteTableId=rtb["RouteTableId"], GatewayId=vgw["VpnGatewayId"])
        got = self.ec2.describe_route_tables(RouteTableIds=[rtb["RouteTableId"]])["RouteTables"][0]
        self.assertEqual(got["PropagatingVgws"], [{"GatewayId": vgw["VpnGatewayId"]}])
        self.ec2.disable_vgw_route_propagation(RouteTableId=rtb["RouteTableId"], GatewayId=vgw["VpnGatewayId"])

        self.ec2.detach_vpn_gateway(VpnGatewayId=vgw["VpnGatewayId"], VpcId=vpc["VpcId"])
        got = self.ec2.describe_vpn_gateways(VpnGatewayIds=[vgw["VpnGatewayId"]])["VpnGateways"][0]
        self.assertEqual(got["VpcAttachments"], [{"State": "detached", "VpcId": vpc["VpcId"]}])
        self.assertEqual(self.code(self.ec2.detach_vpn_gateway, VpnGatewayId=vgw["VpnGatewayId"], VpcId=vpc["VpcId"]),
                         "InvalidVpnGatewayAttachment.NotFound")


if __name__ == "__main__":
    unittest.main()
