"""Interface VPC endpoints with boto3: the keys and values of CreateVpcEndpoint,
DescribeVpcEndpoints and the endpoint's network interfaces as AWS gives them, what
ModifyVpcEndpoint changes, and AWS's error codes."""
import unittest

import botocore.exceptions

import vpcd

EC2 = "com.amazonaws.us-east-1.ec2"

# The keys of an interface endpoint, at least.
ENDPOINT_KEYS = {"VpcEndpointId", "VpcEndpointType", "VpcId", "ServiceName", "State", "PolicyDocument", "RouteTableIds",
                 "SubnetIds", "Groups", "IpAddressType", "DnsOptions", "PrivateDnsEnabled", "RequesterManaged",
                 "NetworkInterfaceIds", "DnsEntries", "CreationTimestamp", "Tags", "OwnerId"}


class InterfaceEndpoints(unittest.TestCase):
    def setUp(self):
        self.ec2 = vpcd.client(vpcd.new_account())
        self.vpc = self.ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
        self.ec2.modify_vpc_attribute(VpcId=self.vpc, EnableDnsHostnames={"Value": True})
        self.subnets = [self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.50.%d.0/24" % i,
                                               AvailabilityZone=zone)["Subnet"]["SubnetId"]
                        for i, zone in enumerate(["us-east-1a", "us-east-1b", "us-east-1a"])]

    def code(self, call, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(**kw)
        return cm.exception.response["Error"]["Code"]

    def test_interface_endpoint(self):
        e = self.ec2.create_vpc_endpoint(VpcId=self.vpc, ServiceName=EC2, VpcEndpointType="Interface",
                                         SubnetIds=self.subnets[:2])["VpcEndpoint"]
        self.assertLessEqual(ENDPOINT_KEYS, set(e))
        self.assertEqual((e["VpcEndpointType"], e["State"], e["PrivateDnsEnabled"], e["RouteTableIds"]),
                         ("Interface", "available", True, []))
        self.assertEqual(e["SubnetIds"], self.subnets[:2])
        self.assertEqual([g["GroupName"] for g in e["Groups"]], ["default"])
        self.assertEqual(e["DnsOptions"]["DnsRecordIpType"], "ipv4")
        names = [d["DnsName"] for d in e["DnsEntries"]]
        self.assertEqual(len(names), 4)
        self.assertTrue(names[0].startswith(e["VpcEndpointId"] + "-"))
        self.assertTrue(names[0].endswith(".ec2.us-east-1.vpce.amazonaws.com"))
        self.assertTrue(names[1].endswith("-us-east-1a.ec2.us-east-1.vpce.amazonaws.com"))
        self.assertEqual(names[3], "ec2.us-east-1.amazonaws.com")
        self.assertEqual(e["DnsEntries"][0]["HostedZoneId"], "Z7HUB22UULQXV")
        described = self.ec2.describe_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"]])["VpcEndpoints"][0]
        self.assertLessEqual(ENDPOINT_KEYS, set(described))
        self.assertEqual(described["NetworkInterfaceIds"], e["NetworkInterfaceIds"])

        enis = self.ec2.describe_network_interfaces(NetworkInterfaceIds=e["NetworkInterfaceIds"])["NetworkInterfaces"]
        for eni in enis:
            self.assertEqual((eni["InterfaceType"], eni["RequesterManaged"], eni["RequesterId"], eni["Status"]),
                             ("vpc_endpoint", True, "727180483921", "in-use"))
            self.assertEqual(eni["Description"], "VPC Endpoint Interface " + e["VpcEndpointId"])
        self.assertEqual(self.code(self.ec2.delete_subnet, SubnetId=self.subnets[0]), "DependencyViolation")

        self.assertEqual(self.code(self.ec2.modify_vpc_endpoint, VpcEndpointId=e["VpcEndpointId"],
                                   AddSubnetIds=[self.subnets[2]]), "DuplicateSubnetsInSameZone")
        self.assertTrue(self.ec2.modify_vpc_endpoint(VpcEndpointId=e["VpcEndpointId"], RemoveSubnetIds=[self.subnets[0]],
                                                     PrivateDnsEnabled=False)["Return"])
        described = self.ec2.describe_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"]])["VpcEndpoints"][0]
        self.assertEqual((described["SubnetIds"], described["PrivateDnsEnabled"], len(described["DnsEntries"])),
                         ([self.subnets[1]], False, 2))

        self.ec2.delete_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"]])
        self.assertEqual(self.code(self.ec2.describe_network_interfaces, NetworkInterfaceIds=e["NetworkInterfaceIds"]),
                         "InvalidNetworkInterfaceID.NotFound")

    def test_errors(self):
        self.assertEqual(self.code(self.ec2.create_vpc_endpoint, VpcId=self.vpc, ServiceName=EC2, VpcEndpointType="Interface",
                                   SubnetIds=[self.subnets[0], self.subnets[2]]), "DuplicateSubnetsInSameZone")
        self.ec2.modify_vpc_attribute(VpcId=self.vpc, EnableDnsHostnames={"Value": False})
        self.assertEqual(self.code(self.ec2.create_vpc_endpoint, VpcId=self.vpc, ServiceName=EC2, VpcEndpointType="Interface"),
                         "InvalidParameter")
        self.assertEqual(self.code(self.ec2.create_vpc_endpoint, VpcId=self.vpc, ServiceName=EC2, VpcEndpointType="Interface",
                                   PrivateDnsEnabled=False, SubnetIds=["subnet-nothex"]), "InvalidSubnetID.Malformed")
        self.assertEqual(self.code(self.ec2.create_vpc_endpoint, VpcId=self.vpc, ServiceName=EC2, VpcEndpointType="Interface",
                                   PrivateDnsEnabled=False, SecurityGroupIds=["sg-0123456789abcdef0"]), "InvalidGroup.NotFound")


if __name__ == "__main__":
    unittest.main()
