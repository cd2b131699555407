"""DescribeInstanceTypes and DescribeInstanceTypeOfferings answer AWS's keys and types."""
import unittest

from botocore.exceptions import ClientError

import vpcd


class InstanceTypes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ec2 = vpcd.client(vpcd.new_account())

    def test_keys_and_types(self):
        out = self.ec2.describe_instance_types(InstanceTypes=["t3.micro", "m5.large", "c7g.xlarge"])
        types = {t["InstanceType"]: t for t in out["InstanceTypes"]}
        self.assertEqual(sorted(types), ["c7g.xlarge", "m5.large", "t3.micro"])
        self.assertNotIn("NextToken", out)
        for name, t in types.items():
            with self.subTest(instance_type=name):
                for key, kind in (("CurrentGeneration", bool), ("FreeTierEligible", bool), ("BareMetal", bool),
                                  ("BurstablePerformanceSupported", bool), ("Hypervisor", str),
                                  ("SupportedUsageClasses", list), ("SupportedRootDeviceTypes", list),
                                  ("SupportedVirtualizationTypes", list), ("InstanceStorageSupported", bool),
                                  ("ProcessorInfo", dict), ("VCpuInfo", dict), ("MemoryInfo", dict),
                                  ("NetworkInfo", dict), ("EbsInfo", dict)):
                    self.assertIsInstance(t[key], kind, key)
                self.assertIsInstance(t["VCpuInfo"]["DefaultVCpus"], int)
                self.assertIsInstance(t["MemoryInfo"]["SizeInMiB"], int)
                self.assertIsInstance(t["ProcessorInfo"]["SustainedClockSpeedInGhz"], float)
                net = t["NetworkInfo"]
                for key in ("MaximumNetworkInterfaces", "MaximumNetworkCards", "DefaultNetworkCardIndex",
                            "Ipv4AddressesPerInterface", "Ipv6AddressesPerInterface"):
                    self.assertIsInstance(net[key], int, key)
                self.assertIsInstance(net["Ipv6Supported"], bool)
                self.assertIsInstance(net["NetworkPerformance"], str)
                self.assertIsInstance(net["NetworkCards"], list)
                self.assertIsInstance(net["NetworkCards"][0]["MaximumNetworkInterfaces"], int)
        t3 = types["t3.micro"]
        self.assertEqual((t3["VCpuInfo"]["DefaultVCpus"], t3["VCpuInfo"]["DefaultCores"], t3["VCpuInfo"]["DefaultThreadsPerCore"],
                          t3["MemoryInfo"]["SizeInMiB"], t3["NetworkInfo"]["MaximumNetworkInterfaces"],
                          t3["NetworkInfo"]["Ipv4AddressesPerInterface"], t3["BurstablePerformanceSupported"]),
                         (2, 1, 2, 1024, 2, 2, True))
        m5 = types["m5.large"]
        self.assertEqual((m5["VCpuInfo"]["DefaultVCpus"], m5["MemoryInfo"]["SizeInMiB"],
                          m5["NetworkInfo"]["MaximumNetworkInterfaces"], m5["NetworkInfo"]["Ipv4AddressesPerInterface"]),
                         (2, 8192, 3, 10))
        self.assertEqual(types["c7g.xlarge"]["ProcessorInfo"]["SupportedArchitectures"], ["arm64"])

    def test_filters_and_paginator(self):
        out = self.ec2.describe_instance_types(Filters=[
            {"Name": "instance-type", "Values": ["m5.*"]},
            {"Name": "vcpu-info.default-vcpus", "Values": ["2"]},
        ])
        self.assertEqual([t["InstanceType"] for t in out["InstanceTypes"]], ["m5.large"])
        pages = self.ec2.get_paginator("describe_instance_types").paginate(PaginationConfig={"PageSize": 100})
        names = [t["InstanceType"] for page in pages for t in page["InstanceTypes"]]
        self.assertEqual(len(names), len(set(names)))
        self.assertGreater(len(names), 900)
        self.assertIn("t3.micro", names)

    def test_unknown_type(self):
        with self.assertRaises(ClientError) as e:
            self.ec2.describe_instance_types(InstanceTypes=["t9.huge"])
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidInstanceType")

    def test_offerings(self):
        out = self.ec2.describe_instance_type_offerings(
            LocationType="availability-zone-id", Filters=[{"Name": "instance-type", "Values": ["t3.micro"]}])
        offers = out["InstanceTypeOfferings"]
        self.assertTrue(offers)
        for o in offers:
            self.assertEqual((o["InstanceType"], o["LocationType"]), ("t3.micro", "availability-zone-id"))
            self.assertTrue(o["Location"].startswith("use1-az"))
        region = self.ec2.describe_instance_type_offerings(Filters=[{"Name": "instance-type", "Values": ["m5.large"]}])
        self.assertEqual(region["InstanceTypeOfferings"],
                         [{"InstanceType": "m5.large", "LocationType": "region", "Location": "us-east-1"}])


if __name__ == "__main__":
    unittest.main()
