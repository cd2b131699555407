"""VPC endpoints with boto3: the keys and types of DescribeVpcEndpointServices,
CreateVpcEndpoint and DescribeVpcEndpoints as AWS gives them for a gateway endpoint, its
route in DescribeRouteTables, and AWS's error codes."""
import datetime
import json
import unittest

import botocore.exceptions

import vpcd

S3 = "com.amazonaws.us-east-1.s3"

# The keys AWS answers for an AWS service, and those a gateway endpoint has at least (vpcd
# also writes the interface endpoints' empty Ipv4Prefixes and Ipv6Prefixes lists).
SERVICE_KEYS = {"ServiceName", "ServiceId", "ServiceType", "ServiceRegion", "AvailabilityZones", "AvailabilityZoneIds",
                "Owner", "BaseEndpointDnsNames", "PrivateDnsNames", "VpcEndpointPolicySupported",
                "AcceptanceRequired", "ManagesVpcEndpoints", "SupportedIpAddressTypes", "Tags"}
ENDPOINT_KEYS = {"VpcEndpointId", "VpcEndpointType", "VpcId", "ServiceName", "State", "PolicyDocument", "RouteTableIds",
                 "SubnetIds", "Groups", "IpAddressType", "PrivateDnsEnabled", "RequesterManaged", "NetworkInterfaceIds",
                 "DnsEntries", "CreationTimestamp", "Tags", "OwnerId"}


class VpcEndpoints(unittest.TestCase):
    def setUp(self):
        self.ec2 = vpcd.client(vpcd.new_account())

    def code(self, call, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(**kw)
        return cm.exception.response["Error"]["Code"]

    def test_services(self):
        out = self.ec2.describe_vpc_endpoint_services(ServiceNames=[S3])
        self.assertEqual(out["ServiceNames"], [S3, S3])
        gateway, interface = out["ServiceDetails"]
        self.assertEqual(set(gateway), SERVICE_KEYS)
        self.assertEqual(gateway["ServiceType"], [{"ServiceType": "Gateway"}])
        self.assertEqual(interface["ServiceType"], [{"ServiceType": "Interface"}])
        self.assertEqual(gateway["Owner"], "amazon")
        self.assertIs(gateway["AcceptanceRequired"], False)
        self.assertEqual(gateway["AvailabilityZones"][0], "us-east-1a")
        self.assertTrue(gateway["ServiceId"].startswith("vpce-svc-"))
        ssm = self.ec2.describe_vpc_endpoint_services(ServiceNames=["com.amazonaws.us-east-1.ssm"])["ServiceDetails"][0]
        self.assertEqual(ssm["PrivateDnsName"], "ssm.us-east-1.amazonaws.com")
        self.assertEqual(ssm["PrivateDnsNames"], [{"PrivateDnsName": "ssm.us-east-1.amazonaws.com"}])
        self.assertEqual(self.code(self.ec2.describe_vpc_endpoint_services, ServiceNames=["com.amazonaws.us-east-1.nope"]),
                         "InvalidServiceName")

    def test_gateway_endpoint(self):
        vpc = self.ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
        rtb = self.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        e = self.ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=S3, RouteTableIds=[rtb],
                                         TagSpecifications=[{"ResourceType": "vpc-endpoint",
                                                             "Tags": [{"Key": "Name", "Value": "s3"}]}])["VpcEndpoint"]
        self.assertLessEqual(ENDPOINT_KEYS, set(e))
        self.assertEqual((e["VpcEndpointType"], e["State"], e["RouteTableIds"]), ("Gateway", "available", [rtb]))
        self.assertIsInstance(e["CreationTimestamp"], datetime.datetime)
        self.assertEqual(json.loads(e["PolicyDocument"])["Statement"][0]["Effect"], "Allow")
        described = self.ec2.describe_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"]])["VpcEndpoints"][0]
        self.assertLessEqual(ENDPOINT_KEYS, set(described))

        pl = self.ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": [S3]}])["PrefixLists"][0]
        routes = self.ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]["Routes"]
        route = [r for r in routes if r.get("GatewayId") == e["VpcEndpointId"]]
        self.assertEqual(route, [{"DestinationPrefixListId": pl["PrefixListId"], "GatewayId": e["VpcEndpointId"],
                                  "Origin": "CreateRoute", "State": "active"}])
        self.assertEqual(self.code(self.ec2.delete_route, RouteTableId=rtb, DestinationPrefixListId=pl["PrefixListId"]),
                         "InvalidParameterValue")
        self.assertEqual(self.code(self.ec2.delete_vpc, VpcId=vpc), "DependencyViolation")

        self.assertTrue(self.ec2.modify_vpc_endpoint(VpcEndpointId=e["VpcEndpointId"], RemoveRouteTableIds=[rtb])["Return"])
        out = self.ec2.delete_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"], "vpce-0123456789abcdef0"])
        self.assertEqual([(u["ResourceId"], u["Error"]["Code"]) for u in out["Unsuccessful"]],
                         [("vpce-0123456789abcdef0", "InvalidVpcEndpointId.NotFound")])
        self.assertEqual(self.code(self.ec2.describe_vpc_endpoints, VpcEndpointIds=[e["VpcEndpointId"]]),
                         "InvalidVpcEndpointId.NotFound")
        self.ec2.delete_route_table(RouteTableId=rtb)
        self.ec2.delete_vpc(VpcId=vpc)

    def test_errors(self):
        vpc = self.ec2.create_vpc(CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]
        self.addCleanup(self.ec2.delete_vpc, VpcId=vpc)
        self.assertEqual(self.code(self.ec2.create_vpc_endpoint, VpcId=vpc, ServiceName="com.amazonaws.us-east-1.nope"),
                         "InvalidServiceName")
        self.assertEqual(self.code(self.ec2.create_vpc_endpoint, VpcId=vpc, ServiceName="com.amazonaws.us-east-1.ec2"),
                         "InvalidParameter")
        self.assertEqual(self.code(self.ec2.create_vpc_endpoint, VpcId=vpc, ServiceName=S3, PolicyDocument="{"),
                         "InvalidPolicyDocument")
        self.assertEqual(self.code(self.ec2.describe_vpc_endpoints, VpcEndpointIds=["vpce-nothex"]),
                         "InvalidVpcEndpointId.Malformed")


if __name__ == "__main__":
    unittest.main()
