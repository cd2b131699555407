"""Every Describe action vpcd serves answers its list keys, [] when nothing matches.

AWS always writes the list of a Describe answer, empty or not, so that code such as
ec2.describe_instances()["Reservations"] never meets a KeyError. The actions come from
botocore's model; those vpcd does not serve (UnsupportedOperation) are left out.
"""
import unittest

import botocore
from botocore.exceptions import ClientError

import vpcd

# A filter that matches nothing, for the actions whose resources carry no tags.
NOTHING = {
    "DescribeRegions": ("region-name", "none"),
    "DescribeAvailabilityZones": ("zone-name", "none"),
    "DescribeInstanceTypes": ("instance-type", "none"),
    "DescribeTags": ("key", "none"),
    "DescribeManagedPrefixLists": ("prefix-list-name", "none"),
}


class DescribeEmpty(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ec2 = vpcd.client(vpcd.new_account())
        model = cls.ec2.meta.service_model
        cls.actions = []
        for op in sorted(model.operation_names):
            if not op.startswith("Describe"):
                continue
            shape = model.operation_model(op).input_shape
            if shape is not None and shape.required_members:
                continue
            cls.actions.append((op, shape))

    def call(self, op, **params):
        return getattr(self.ec2, botocore.xform_name(op))(**params)

    def test_served_describes_answer_their_lists(self):
        served = []
        for op, shape in self.actions:
            params = {}
            filterable = shape is not None and "Filters" in shape.members
            if filterable:
                name, value = NOTHING.get(op, ("tag:vpcd-boto3", "none"))
                params["Filters"] = [{"Name": name, "Values": [value]}]
            try:
                out = self.call(op, **params)
            except ClientError as e:
                if e.response["Error"]["Code"] == "UnsupportedOperation":
                    continue
                self.fail("%s: %s" % (op, e))
            served.append(op)
            with self.subTest(action=op):
                for key in vpcd.list_members(self.ec2, op):
                    self.assertIn(key, out, "%s answers no %s" % (op, key))
                    self.assertIsInstance(out[key], list, "%s: %s" % (op, key))
                    if filterable:
                        self.assertEqual(out[key], [], "%s: %s matches nothing" % (op, key))
        for must in ("DescribeVpcs", "DescribeSubnets", "DescribeInstances", "DescribeRouteTables",
                     "DescribeInternetGateways", "DescribeSecurityGroups", "DescribeNetworkAcls",
                     "DescribeNetworkInterfaces", "DescribeAddresses", "DescribeNatGateways",
                     "DescribeRegions", "DescribeAvailabilityZones"):
            self.assertIn(must, served)

    def test_no_match_answers_empty_list_keys(self):
        nothing = [{"Name": "tag:vpcd-boto3", "Values": ["none"]}]
        self.assertEqual(self.ec2.describe_vpcs(Filters=nothing)["Vpcs"], [])
        self.assertEqual(self.ec2.describe_instances(Filters=nothing)["Reservations"], [])
        self.assertEqual(self.ec2.describe_route_tables(Filters=nothing)["RouteTables"], [])
        self.assertEqual(self.ec2.describe_internet_gateways(Filters=nothing)["InternetGateways"], [])
        # An account without instances, without any filter.
        self.assertEqual(self.ec2.describe_instances()["Reservations"], [])
        self.assertEqual(self.ec2.describe_addresses()["Addresses"], [])


if __name__ == "__main__":
    unittest.main()
