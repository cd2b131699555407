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

    def test_vpn_connection(self):
        cgw = self.ec2.create_customer_gateway(Type="ipsec.1", IpAddress="198.51.100.31", BgpAsn=65031)["CustomerGateway"]
        self.addCleanup(self.ec2.delete_customer_gateway, CustomerGatewayId=cgw["CustomerGatewayId"])
        vgw = self.ec2.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=64631)["VpnGateway"]
        self.addCleanup(self.ec2.delete_vpn_gateway, VpnGatewayId=vgw["VpnGatewayId"])
        self.assertEqual(self.code(self.ec2.create_vpn_connection, Type="ipsec.1", CustomerGatewayId=cgw["CustomerGatewayId"],
                                   VpnGatewayId=vgw["VpnGatewayId"], Options={"TunnelOptions": [{"PreSharedKey": "0badkey.x"}]}),
                         "InvalidParameterValue")
        vpn = self.ec2.create_vpn_connection(
            Type="ipsec.1", CustomerGatewayId=cgw["CustomerGatewayId"], VpnGatewayId=vgw["VpnGatewayId"],
            Options={"StaticRoutesOnly": True, "TunnelOptions": [{"TunnelInsideCidr": "169.254.31.0/30", "PreSharedKey": "boto3_key.1"}]},
            TagSpecifications=[{"ResourceType": "vpn-connection", "Tags": [{"Key": "Name", "Value": "site"}]}])["VpnConnection"]
        deleted = []
        self.addCleanup(lambda: deleted or self.ec2.delete_vpn_connection(VpnConnectionId=vpn["VpnConnectionId"]))
        self.assertRegex(vpn["VpnConnectionId"], r"^vpn-[0-9a-f]{17}$")
        self.assertEqual((vpn["State"], vpn["Type"], vpn["Category"]), ("available", "ipsec.1", "VPN"))
        self.assertEqual(vpn["Tags"], [{"Key": "Name", "Value": "site"}])
        opts = vpn["Options"]
        self.assertEqual((opts["StaticRoutesOnly"], opts["LocalIpv4NetworkCidr"], opts["RemoteIpv4NetworkCidr"], opts["TunnelInsideIpVersion"]),
                         (True, "0.0.0.0/0", "0.0.0.0/0", "ipv4"))
        t1, t2 = opts["TunnelOptions"]
        self.assertEqual((t1["TunnelInsideCidr"], t1["PreSharedKey"], t1["DpdTimeoutSeconds"], t1["Phase1LifetimeSeconds"]),
                         ("169.254.31.0/30", "boto3_key.1", 30, 28800))
        self.assertEqual((t1.get("IkeVersions", []), t1["RekeyMarginTimeSeconds"]), ([], 540), "AWS shows only the lists that were set")
        self.assertRegex(t2["TunnelInsideCidr"], r"^169\.254\.\d+\.\d+/30$")
        self.assertRegex(t2["PreSharedKey"], r"^[A-Za-z][A-Za-z0-9._]{31}$")
        self.assertEqual([(t["OutsideIpAddress"], t["Status"], t["AcceptedRouteCount"]) for t in vpn["VgwTelemetry"]],
                         [(t1["OutsideIpAddress"], "DOWN", 0), (t2["OutsideIpAddress"], "DOWN", 0)])
        self.assertIn("<pre_shared_key>boto3_key.1</pre_shared_key>", vpn["CustomerGatewayConfiguration"])
        self.assertIn("<ip_address>169.254.31.2</ip_address>", vpn["CustomerGatewayConfiguration"])

        self.ec2.create_vpn_connection_route(VpnConnectionId=vpn["VpnConnectionId"], DestinationCidrBlock="192.168.31.0/24")
        got = self.ec2.describe_vpn_connections(Filters=[{"Name": "route.destination-cidr-block", "Values": ["192.168.31.0/24"]}])["VpnConnections"]
        self.assertEqual([v["VpnConnectionId"] for v in got], [vpn["VpnConnectionId"]])
        self.assertEqual(got[0]["Routes"], [{"DestinationCidrBlock": "192.168.31.0/24", "Source": "Static", "State": "available"}])
        self.ec2.delete_vpn_connection_route(VpnConnectionId=vpn["VpnConnectionId"], DestinationCidrBlock="192.168.31.0/24")
        self.assertEqual(self.code(self.ec2.delete_vpn_gateway, VpnGatewayId=vgw["VpnGatewayId"]), "IncorrectState")

        devices = self.ec2.get_vpn_connection_device_types()["VpnConnectionDeviceTypes"]
        strongswan = [d for d in devices if d["Vendor"] == "Strongswan"][0]
        sample = self.ec2.get_vpn_connection_device_sample_configuration(
            VpnConnectionId=vpn["VpnConnectionId"], VpnConnectionDeviceTypeId=strongswan["VpnConnectionDeviceTypeId"],
            InternetKeyExchangeVersion="ikev2")["VpnConnectionDeviceSampleConfiguration"]
        self.assertIn(t1["OutsideIpAddress"], sample)
        self.assertIn("keyexchange=ikev2", sample)

        self.ec2.delete_vpn_connection(VpnConnectionId=vpn["VpnConnectionId"])
        deleted.append(True)
        self.assertEqual(self.code(self.ec2.describe_vpn_connections, VpnConnectionIds=[vpn["VpnConnectionId"]]), "InvalidVpnConnectionID.NotFound")


if __name__ == "__main__":
    unittest.main()
