"""A user's walk through a VPC with boto3, checking the keys and types of each answer as
AWS gives them: lists present (empty when they have no item), optional members absent."""
import datetime
import unittest

import vpcd


class Walk(unittest.TestCase):
    def setUp(self):
        self.ec2 = vpcd.client(vpcd.new_account())
        self.vpc = self.ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]
        self.addCleanup(self.ec2.delete_vpc, VpcId=self.vpc["VpcId"])

    def subnet(self, cidr, zone="us-east-1a"):
        sn = self.ec2.create_subnet(VpcId=self.vpc["VpcId"], CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]
        self.addCleanup(self.ec2.delete_subnet, SubnetId=sn["SubnetId"])
        return sn

    def test_vpc(self):
        vpc = self.vpc
        self.assertRegex(vpc["VpcId"], r"^vpc-[0-9a-f]{17}$")
        self.assertIsInstance(vpc["IsDefault"], bool)
        self.assertEqual([a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"]], ["10.20.0.0/16"])
        self.assertNotIn("Tags", vpc, "an untagged VPC has no Tags key on AWS")
        got = self.ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"]
        self.assertEqual(len(got), 1)
        self.assertNotIn("Tags", got[0])
        self.ec2.create_tags(Resources=[vpc["VpcId"]], Tags=[{"Key": "Name", "Value": "walk"}])
        got = self.ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]
        self.assertEqual(got["Tags"], [{"Key": "Name", "Value": "walk"}])

    def test_subnet(self):
        sn = self.subnet("10.20.1.0/24", "us-east-1b")
        self.assertEqual(sn["AvailabilityZone"], "us-east-1b")
        self.assertEqual(sn["AvailabilityZoneId"], "use1-az2")
        self.assertIsInstance(sn["AvailableIpAddressCount"], int)
        self.assertEqual(sn["Ipv6CidrBlockAssociationSet"], [])
        self.assertIsInstance(sn["MapPublicIpOnLaunch"], bool)

    def test_route_table(self):
        rtb = self.ec2.create_route_table(VpcId=self.vpc["VpcId"])["RouteTable"]
        self.addCleanup(self.ec2.delete_route_table, RouteTableId=rtb["RouteTableId"])
        self.assertEqual(rtb["Associations"], [])
        self.assertEqual(rtb["PropagatingVgws"], [])
        self.assertEqual(rtb["Tags"], [])
        self.assertEqual([(r["DestinationCidrBlock"], r["GatewayId"], r["State"]) for r in rtb["Routes"]],
                         [("10.20.0.0/16", "local", "active")])
        sn = self.subnet("10.20.2.0/24")
        assoc = self.ec2.associate_route_table(RouteTableId=rtb["RouteTableId"], SubnetId=sn["SubnetId"])
        self.assertEqual(assoc["AssociationState"]["State"], "associated")
        got = self.ec2.describe_route_tables(RouteTableIds=[rtb["RouteTableId"]])["RouteTables"][0]
        self.assertEqual([(a["SubnetId"], a["Main"]) for a in got["Associations"]], [(sn["SubnetId"], False)])
        self.ec2.disassociate_route_table(AssociationId=assoc["AssociationId"])
        got = self.ec2.describe_route_tables(RouteTableIds=[rtb["RouteTableId"]])["RouteTables"][0]
        self.assertEqual(got["Associations"], [])

    def test_internet_gateway(self):
        igw = self.ec2.create_internet_gateway()["InternetGateway"]
        self.addCleanup(self.ec2.delete_internet_gateway, InternetGatewayId=igw["InternetGatewayId"])
        self.assertEqual(igw["Attachments"], [])
        self.assertEqual(igw["Tags"], [])
        self.ec2.attach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=self.vpc["VpcId"])
        got = self.ec2.describe_internet_gateways(InternetGatewayIds=[igw["InternetGatewayId"]])["InternetGateways"][0]
        self.assertEqual(got["Attachments"], [{"State": "available", "VpcId": self.vpc["VpcId"]}])
        self.ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=self.vpc["VpcId"])
        got = self.ec2.describe_internet_gateways(InternetGatewayIds=[igw["InternetGatewayId"]])["InternetGateways"][0]
        self.assertEqual(got["Attachments"], [])

    def test_security_group(self):
        gid = self.ec2.create_security_group(VpcId=self.vpc["VpcId"], GroupName="web", Description="web")["GroupId"]
        self.addCleanup(self.ec2.delete_security_group, GroupId=gid)
        sg = self.ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
        self.assertNotIn("Tags", sg, "an untagged security group has no Tags key on AWS")
        self.assertEqual(sg["IpPermissions"], [])
        self.assertEqual(len(sg["IpPermissionsEgress"]), 1)
        egress = sg["IpPermissionsEgress"][0]
        self.assertEqual(egress["IpProtocol"], "-1")
        self.assertEqual(egress["IpRanges"], [{"CidrIp": "0.0.0.0/0"}])
        for key in ("Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs"):
            self.assertEqual(egress[key], [], key)
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
        perm = self.ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]["IpPermissions"][0]
        self.assertEqual((perm["FromPort"], perm["ToPort"]), (443, 443))
        self.assertIsInstance(perm["FromPort"], int)
        self.assertEqual(perm["Ipv6Ranges"], [])
        self.assertEqual(perm["UserIdGroupPairs"], [])

    def test_network_acl(self):
        acl = self.ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [self.vpc["VpcId"]]}])["NetworkAcls"][0]
        self.assertIs(acl["IsDefault"], True)
        self.assertEqual(acl["Associations"], [])
        self.assertEqual(acl["Tags"], [])
        self.assertIsInstance(acl["Entries"][0]["RuleNumber"], int)

    def test_instance(self):
        sn = self.subnet("10.20.3.0/24")
        res = self.ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=sn["SubnetId"])
        inst = res["Instances"][0]
        iid = inst["InstanceId"]

        def terminate():
            self.ec2.terminate_instances(InstanceIds=[iid])
            self.ec2.get_waiter("instance_terminated").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        self.addCleanup(terminate)
        self.assertIsInstance(res["Groups"], list)
        reservations = self.ec2.describe_instances(InstanceIds=[iid])["Reservations"]
        self.assertEqual(len(reservations), 1)
        got = reservations[0]["Instances"][0]
        self.assertIsInstance(got["LaunchTime"], datetime.datetime)
        self.assertIsInstance(got["State"]["Code"], int)
        self.assertIsInstance(got["BlockDeviceMappings"], list)
        self.assertIsInstance(got["ProductCodes"], list)
        self.assertEqual(len(got["SecurityGroups"]), 1)
        self.assertEqual(len(got["NetworkInterfaces"]), 1)
        self.assertEqual(got["Placement"]["AvailabilityZone"], "us-east-1a")
        self.assertNotIn("Tags", got, "an untagged instance has no Tags key on AWS")
        for gone in ("ElasticGpuAssociations", "Licenses", "SecondaryInterfaces"):
            self.assertNotIn(gone, got)
        self.assertEqual(reservations[0]["Groups"], [])
        eni = got["NetworkInterfaces"][0]
        self.assertEqual(eni["Ipv6Addresses"], [])
        self.assertNotIn("Ipv4Prefixes", eni)
        self.assertEqual(len(eni["PrivateIpAddresses"]), 1)


if __name__ == "__main__":
    unittest.main()
