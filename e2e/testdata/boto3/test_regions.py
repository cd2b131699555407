"""Every commercial region is served, with its zones and zone IDs."""
import unittest

import botocore.session

import vpcd

OPT_IN = {"af-south-1", "ap-east-1", "ap-southeast-3", "eu-south-1", "me-south-1"}


def commercial_regions():
    """The regions of the "aws" partition in the endpoints.json of this machine's botocore."""
    loader = botocore.session.get_session().get_component("data_loader")
    for p in loader.load_data("endpoints")["partitions"]:
        if p["partition"] == "aws":
            return set(p["regions"])
    return set()


class Regions(unittest.TestCase):
    def setUp(self):
        self.account = vpcd.new_account()

    def test_describe_regions(self):
        ec2 = vpcd.client(self.account)
        regions = {r["RegionName"]: r for r in ec2.describe_regions()["Regions"]}
        self.assertEqual(set(regions), commercial_regions())
        self.assertEqual(regions["eu-north-1"]["OptInStatus"], "opt-in-not-required")
        self.assertEqual(regions["eu-north-1"]["Endpoint"], "ec2.eu-north-1.amazonaws.com")
        for name in OPT_IN:
            self.assertEqual(regions[name]["OptInStatus"], "opted-in", name)
        all_regions = ec2.describe_regions(AllRegions=True)["Regions"]
        self.assertEqual(len(all_regions), len(regions))

    def test_eu_north_1(self):
        ec2 = vpcd.client(self.account, "eu-north-1")
        zones = ec2.describe_availability_zones()["AvailabilityZones"]
        self.assertEqual([(z["ZoneName"], z["ZoneId"]) for z in zones],
                         [("eu-north-1a", "eun1-az1"), ("eu-north-1b", "eun1-az2"), ("eu-north-1c", "eun1-az3")])
        for z in zones:
            self.assertEqual((z["State"], z["ZoneType"], z["OptInStatus"], z["RegionName"], z["NetworkBorderGroup"]),
                             ("available", "availability-zone", "opt-in-not-required", "eu-north-1", "eu-north-1"))
            self.assertIn("GroupName", z)
            self.assertEqual(z["Messages"], [])
        default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
        self.assertEqual(len(default), 1)
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default[0]["VpcId"]]}])["Subnets"]
        self.assertEqual(sorted((s["AvailabilityZone"], s["AvailabilityZoneId"], s["DefaultForAz"]) for s in subnets),
                         [("eu-north-1a", "eun1-az1", True), ("eu-north-1b", "eun1-az2", True), ("eu-north-1c", "eun1-az3", True)])
        vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]
        sn = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.30.1.0/24", AvailabilityZoneId="eun1-az3")["Subnet"]
        self.assertEqual((sn["AvailabilityZone"], sn["AvailabilityZoneId"]), ("eu-north-1c", "eun1-az3"))
        ec2.delete_subnet(SubnetId=sn["SubnetId"])
        ec2.delete_vpc(VpcId=vpc["VpcId"])

    def test_opt_in_region(self):
        ec2 = vpcd.client(self.account, "af-south-1")
        zones = ec2.describe_availability_zones()["AvailabilityZones"]
        self.assertEqual([z["ZoneId"] for z in zones], ["afs1-az1", "afs1-az2", "afs1-az3"])
        self.assertEqual(len(ec2.describe_vpcs()["Vpcs"]), 1)

    def test_us_east_1_has_six_zones(self):
        zones = vpcd.client(self.account).describe_availability_zones()["AvailabilityZones"]
        self.assertEqual([z["ZoneId"] for z in zones], ["use1-az%d" % i for i in range(1, 7)])


if __name__ == "__main__":
    unittest.main()
