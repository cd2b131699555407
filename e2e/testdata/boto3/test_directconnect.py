"""Direct Connect with boto3: locations, a connection, a Direct Connect gateway associated
with an attached virtual private gateway, a private virtual interface and tags, with the
keys and types AWS answers and Direct Connect's error codes."""
import os
import unittest

import boto3
import botocore.config
import botocore.exceptions

import vpcd


def dx_client(account, region="us-east-1"):
    return boto3.client(
        "directconnect",
        endpoint_url=os.environ["VPCD_URL"],
        region_name=region,
        aws_access_key_id=account,
        aws_secret_access_key="x",
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


class DirectConnect(unittest.TestCase):
    def setUp(self):
        account = vpcd.new_account()
        self.account = account
        self.ec2 = vpcd.client(account)
        self.dx = dx_client(account)

    def error(self, call, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(**kwargs)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    def test_empty_account(self):
        self.assertEqual(self.dx.describe_connections()["connections"], [])
        self.assertEqual(self.dx.describe_direct_connect_gateways()["directConnectGateways"], [])
        self.assertEqual(self.dx.describe_virtual_interfaces()["virtualInterfaces"], [])
        self.assertEqual(self.dx.describe_virtual_gateways()["virtualGateways"], [])
        self.assertEqual(self.dx.describe_direct_connect_gateway_associations()["directConnectGatewayAssociations"], [])
        locations = self.dx.describe_locations()["locations"]
        self.assertIn("EqDC2", [l["locationCode"] for l in locations])
        for l in locations:
            self.assertEqual(l["region"], "us-east-1")
            self.assertIn("10Gbps", l["availablePortSpeeds"])

    def test_connection(self):
        code, msg = self.error(self.dx.create_connection, location="EqDC2", bandwidth="3Gbps", connectionName="x")
        self.assertEqual(code, "DirectConnectClientException")
        conn = self.dx.create_connection(location="EqDC2", bandwidth="1Gbps", connectionName="primary",
                                         tags=[{"key": "env", "value": "test"}])
        self.assertRegex(conn["connectionId"], r"^dxcon-[a-z0-9]{8}$")
        self.assertEqual((conn["connectionState"], conn["region"], conn["location"], conn["bandwidth"], conn["ownerAccount"]),
                         ("requested", "us-east-1", "EqDC2", "1Gbps", self.account))
        self.assertEqual(conn["tags"], [{"key": "env", "value": "test"}])
        self.assertIs(conn["jumboFrameCapable"], True)
        got = self.dx.describe_connections(connectionId=conn["connectionId"])["connections"]
        self.assertEqual([c["connectionState"] for c in got], ["available"])
        self.dx.delete_connection(connectionId=conn["connectionId"])
        code, msg = self.error(self.dx.describe_connections, connectionId=conn["connectionId"])
        self.assertEqual(code, "DirectConnectClientException")
        self.assertIn("Could not find Connection with ID " + conn["connectionId"], msg)

    def test_gateway_association_and_virtual_interface(self):
        vpc = self.ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]
        self.addCleanup(self.ec2.delete_vpc, VpcId=vpc["VpcId"])
        vgw = self.ec2.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=64700)["VpnGateway"]["VpnGatewayId"]
        self.addCleanup(self.ec2.delete_vpn_gateway, VpnGatewayId=vgw)
        gw = self.dx.create_direct_connect_gateway(directConnectGatewayName="dxgw")["directConnectGateway"]
        self.assertEqual((gw["amazonSideAsn"], gw["directConnectGatewayState"], gw["ownerAccount"]), (64512, "pending", self.account))
        code, msg = self.error(self.dx.create_direct_connect_gateway_association, directConnectGatewayId=gw["directConnectGatewayId"], gatewayId=vgw)
        self.assertEqual(code, "DirectConnectClientException")  # the VGW is not attached
        self.ec2.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=vpc["VpcId"])
        self.addCleanup(self.ec2.detach_vpn_gateway, VpnGatewayId=vgw, VpcId=vpc["VpcId"])
        assoc = self.dx.create_direct_connect_gateway_association(directConnectGatewayId=gw["directConnectGatewayId"], gatewayId=vgw)["directConnectGatewayAssociation"]
        self.assertEqual(assoc["associationState"], "associating")
        self.assertEqual(assoc["associatedGateway"], {"id": vgw, "type": "virtualPrivateGateway", "ownerAccount": self.account, "region": "us-east-1"})
        self.assertEqual(assoc["allowedPrefixesToDirectConnectGateway"], [{"cidr": "10.60.0.0/16"}])
        got = self.dx.describe_direct_connect_gateway_associations(associationId=assoc["associationId"])["directConnectGatewayAssociations"]
        self.assertEqual([a["associationState"] for a in got], ["associated"])

        conn = self.dx.create_connection(location="CSVA1", bandwidth="10Gbps", connectionName="c")["connectionId"]
        vif = self.dx.create_private_virtual_interface(connectionId=conn, newPrivateVirtualInterface={
            "virtualInterfaceName": "vif", "vlan": 300, "asn": 65300, "directConnectGatewayId": gw["directConnectGatewayId"]})
        self.assertEqual((vif["virtualInterfaceState"], vif["virtualInterfaceType"], vif["vlan"], vif["asn"], vif["amazonSideAsn"], vif["mtu"], vif["addressFamily"]),
                         ("pending", "private", 300, 65300, 64512, 1500, "ipv4"))
        self.assertRegex(vif["amazonAddress"], r"^169\.254\.\d+\.\d+/30$")
        self.assertEqual(vif["bgpPeers"][0]["bgpStatus"], "down")
        self.assertNotIn("virtualGatewayId", vif)
        code, _ = self.error(self.dx.create_private_virtual_interface, connectionId=conn, newPrivateVirtualInterface={
            "virtualInterfaceName": "dup", "vlan": 300, "asn": 65300, "virtualGatewayId": vgw})
        self.assertEqual(code, "DirectConnectClientException")
        att = self.dx.describe_direct_connect_gateway_attachments(directConnectGatewayId=gw["directConnectGatewayId"])["directConnectGatewayAttachments"]
        self.assertEqual([(a["virtualInterfaceId"], a["attachmentState"], a["attachmentType"]) for a in att],
                         [(vif["virtualInterfaceId"], "attached", "PrivateVirtualInterface")])

        arn = "arn:aws:directconnect:us-east-1:%s:dxvif/%s" % (self.account, vif["virtualInterfaceId"])
        self.dx.tag_resource(resourceArn=arn, tags=[{"key": "Name", "value": "vif"}])
        tags = self.dx.describe_tags(resourceArns=[arn])["resourceTags"]
        self.assertEqual(tags, [{"resourceArn": arn, "tags": [{"key": "Name", "value": "vif"}]}])
        code, _ = self.error(self.dx.tag_resource, resourceArn=arn, tags=[{"key": "a"}, {"key": "a"}])
        self.assertEqual(code, "DuplicateTagKeysException")

        code, _ = self.error(self.dx.delete_direct_connect_gateway, directConnectGatewayId=gw["directConnectGatewayId"])
        self.assertEqual(code, "DirectConnectClientException")
        self.assertEqual(self.dx.delete_virtual_interface(virtualInterfaceId=vif["virtualInterfaceId"])["virtualInterfaceState"], "deleting")
        self.assertEqual(self.dx.describe_virtual_interfaces(virtualInterfaceId=vif["virtualInterfaceId"])["virtualInterfaces"], [])
        self.dx.delete_connection(connectionId=conn)
        gone = self.dx.delete_direct_connect_gateway_association(associationId=assoc["associationId"])["directConnectGatewayAssociation"]
        self.assertEqual(gone["associationState"], "disassociating")
        self.dx.delete_direct_connect_gateway(directConnectGatewayId=gw["directConnectGatewayId"])
        self.assertEqual(self.dx.describe_direct_connect_gateways(directConnectGatewayId=gw["directConnectGatewayId"])["directConnectGateways"], [])


if __name__ == "__main__":
    unittest.main()
