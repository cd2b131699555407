"""Regional NAT gateways through boto3: CreateNatGateway with AvailabilityMode regional
and DescribeNatGateways give AWS's regional shape (no subnet, a route table, addresses by
zone with no private address), and bad combinations get AWS's error codes."""
import unittest

import botocore.exceptions

import vpcd


class RegionalNatGateway(unittest.TestCase):
    def setUp(self):
        self.ec2 = vpcd.client(vpcd.new_account())
        self.vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=self.vpc)
        self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")

    def code(self, call, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(**kw)
        return cm.exception.response["Error"]["Code"]

    def test_manual_shape(self):
        a = self.ec2.allocate_address(Domain="vpc")
        b = self.ec2.allocate_address(Domain="vpc")
        g = self.ec2.create_nat_gateway(
            VpcId=self.vpc, AvailabilityMode="regional",
            AvailabilityZoneAddresses=[
                {"AvailabilityZone": "us-east-1a", "AllocationIds": [a["AllocationId"]]},
                {"AvailabilityZoneId": "use1-az2", "AllocationIds": [b["AllocationId"]]},
            ])["NatGateway"]
        d = self.ec2.describe_nat_gateways(NatGatewayIds=[g["NatGatewayId"]])["NatGateways"][0]
        self.assertEqual(d["AvailabilityMode"], "regional")
        self.assertEqual(d["VpcId"], self.vpc)
        self.assertNotIn("SubnetId", d)
        self.assertTrue(d["RouteTableId"].startswith("rtb-"))
        self.assertEqual(d["AutoProvisionZones"], "disabled")
        self.assertEqual([(x["AvailabilityZone"], x["PublicIp"]) for x in d["NatGatewayAddresses"]],
                         [("us-east-1a", a["PublicIp"]), ("us-east-1b", b["PublicIp"])])
        for x in d["NatGatewayAddresses"]:
            self.assertNotIn("PrivateIp", x)
            self.assertNotIn("NetworkInterfaceId", x)
            self.assertTrue(x["AssociationId"].startswith("eipassoc-"))
            self.assertEqual(x["AvailabilityZoneId"][:5], "use1-")
        rt = self.ec2.describe_route_tables(RouteTableIds=[d["RouteTableId"]])["RouteTables"][0]
        self.assertIn("0.0.0.0/0", [r.get("DestinationCidrBlock") for r in rt["Routes"]])
        self.ec2.delete_nat_gateway(NatGatewayId=g["NatGatewayId"])

    def test_automatic_and_zonal_mode(self):
        g = self.ec2.create_nat_gateway(VpcId=self.vpc, AvailabilityMode="regional")["NatGateway"]
        self.assertEqual(g["AutoProvisionZones"], "enabled")
        self.assertEqual([x["AvailabilityZone"] for x in g["NatGatewayAddresses"]], ["us-east-1a"])
        self.assertNotIn("AllocationId", g["NatGatewayAddresses"][0])
        # A zonal gateway says so.
        sn = self.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [self.vpc]}])["Subnets"][0]["SubnetId"]
        z = self.ec2.create_nat_gateway(SubnetId=sn, ConnectivityType="private")["NatGateway"]
        self.assertEqual(z["AvailabilityMode"], "zonal")
        self.assertNotIn("RouteTableId", z)

    def test_errors(self):
        self.assertEqual(self.code(self.ec2.create_nat_gateway, AvailabilityMode="regional"), "MissingParameter")
        self.assertEqual(self.code(self.ec2.create_nat_gateway, AvailabilityMode="regional", VpcId=self.vpc,
                                   ConnectivityType="private"), "InvalidParameterCombination")
        sn = self.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [self.vpc]}])["Subnets"][0]["SubnetId"]
        self.assertEqual(self.code(self.ec2.create_nat_gateway, AvailabilityMode="regional", VpcId=self.vpc,
                                   SubnetId=sn), "InvalidParameterCombination")
        self.assertEqual(self.code(self.ec2.create_nat_gateway, AvailabilityMode="regional", VpcId="vpc-0123456789abcdef0"),
                         "InvalidVpcID.NotFound")


if __name__ == "__main__":
    unittest.main()
