"""Instance metadata options with boto3: at launch, from a launch template, modified, and
the account's defaults, with the keys and errors AWS answers."""
import unittest

from botocore.exceptions import ClientError

import vpcd


class InstanceMetadataOptions(unittest.TestCase):

    def setUp(self):
        self.ec2 = vpcd.client(vpcd.new_account())
        vpc = self.ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]
        self.subnet = self.ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]

    def code(self, fn, **kwargs):
        with self.assertRaises(ClientError) as e:
            fn(**kwargs)
        return e.exception.response["Error"]["Code"]

    def run_one(self, **kwargs):
        return self.ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=self.subnet, **kwargs)["Instances"][0]

    def options(self, instance_id):
        return self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["MetadataOptions"]

    def test_defaults_and_launch(self):
        plain = self.run_one()
        self.assertEqual(self.options(plain["InstanceId"]), {
            "State": "applied", "HttpTokens": "optional", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled",
            "HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled"})
        set_ = self.run_one(MetadataOptions={"HttpTokens": "required", "HttpPutResponseHopLimit": 2, "InstanceMetadataTags": "enabled"})
        got = self.options(set_["InstanceId"])
        self.assertEqual((got["HttpTokens"], got["HttpPutResponseHopLimit"], got["InstanceMetadataTags"]), ("required", 2, "enabled"))
        self.assertEqual(self.code(self.run_one, MetadataOptions={"HttpPutResponseHopLimit": 65}), "InvalidParameterValue")
        self.assertEqual(self.code(self.run_one, MetadataOptions={"HttpEndpoint": "on"}), "InvalidParameterValue")

    def test_modify(self):
        inst = self.run_one()["InstanceId"]
        out = self.ec2.modify_instance_metadata_options(InstanceId=inst, HttpTokens="required", HttpEndpoint="disabled")
        self.assertEqual(out["InstanceId"], inst)
        self.assertEqual(out["InstanceMetadataOptions"]["State"], "pending")
        self.assertEqual(out["InstanceMetadataOptions"]["HttpEndpoint"], "disabled")
        got = self.options(inst)
        self.assertEqual((got["State"], got["HttpTokens"], got["HttpEndpoint"]), ("applied", "required", "disabled"))
        self.assertEqual(self.code(self.ec2.modify_instance_metadata_options, InstanceId=inst, HttpTokens="maybe"),
                         "InvalidParameterValue")
        self.assertEqual(self.code(self.ec2.modify_instance_metadata_options, InstanceId="i-0123456789abcdef0", HttpTokens="required"),
                         "InvalidInstanceID.NotFound")

    def test_template_and_account_defaults(self):
        lt = self.ec2.create_launch_template(LaunchTemplateName="imds", LaunchTemplateData={
            "ImageId": "ami-12345678", "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 3}})["LaunchTemplate"]
        inst = self.ec2.run_instances(MinCount=1, MaxCount=1, SubnetId=self.subnet,
                                      LaunchTemplate={"LaunchTemplateId": lt["LaunchTemplateId"]})["Instances"][0]
        got = self.options(inst["InstanceId"])
        self.assertEqual((got["HttpTokens"], got["HttpPutResponseHopLimit"]), ("required", 3))

        self.assertNotIn("HttpTokens", self.ec2.get_instance_metadata_defaults()["AccountLevel"])
        self.assertTrue(self.ec2.modify_instance_metadata_defaults(HttpTokens="required", HttpPutResponseHopLimit=2)["Return"])
        level = self.ec2.get_instance_metadata_defaults()["AccountLevel"]
        self.assertEqual((level["HttpTokens"], level["HttpPutResponseHopLimit"]), ("required", 2))
        got = self.options(self.run_one()["InstanceId"])
        self.assertEqual((got["HttpTokens"], got["HttpPutResponseHopLimit"]), ("required", 2))
        self.ec2.modify_instance_metadata_defaults(HttpTokens="no-preference", HttpPutResponseHopLimit=-1)
        self.assertNotIn("HttpTokens", self.ec2.get_instance_metadata_defaults()["AccountLevel"])
        self.assertEqual(self.code(self.ec2.modify_instance_metadata_defaults, HttpEndpoint="off"), "InvalidParameterValue")


if __name__ == "__main__":
    unittest.main()
