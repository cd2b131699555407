"""Public images and the SSM public parameters that name them, with the keys and types boto3 parses."""
import datetime
import os
import unittest

import boto3
import botocore.config
import botocore.exceptions

import vpcd

AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"


def ssm(account, region="us-east-1"):
    return boto3.client("ssm", endpoint_url=os.environ["VPCD_URL"], region_name=region, aws_access_key_id=account,
                        aws_secret_access_key="x", config=botocore.config.Config(retries={"max_attempts": 1}))


class Images(unittest.TestCase):
    def setUp(self):
        self.account = vpcd.new_account()
        self.ec2 = vpcd.client(self.account)

    def test_image_keys_and_types(self):
        images = self.ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["al2023-ami-2023.*-arm64"]}])["Images"]
        self.assertEqual(len(images), 1)
        img = images[0]
        for key, typ in [("ImageId", str), ("Name", str), ("OwnerId", str), ("ImageOwnerAlias", str), ("CreationDate", str),
                         ("Architecture", str), ("RootDeviceName", str), ("RootDeviceType", str), ("VirtualizationType", str),
                         ("State", str), ("ImageType", str), ("PlatformDetails", str), ("UsageOperation", str),
                         ("Public", bool), ("EnaSupport", bool), ("BlockDeviceMappings", list), ("ImageLocation", str)]:
            self.assertIsInstance(img.get(key), typ, key)
        self.assertEqual((img["Architecture"], img["OwnerId"], img["RootDeviceType"], img["State"]), ("arm64", "137112412989", "ebs", "available"))
        ebs = img["BlockDeviceMappings"][0]["Ebs"]
        self.assertIsInstance(ebs["VolumeSize"], int)
        self.assertIsInstance(ebs["DeleteOnTermination"], bool)
        self.assertTrue(ebs["SnapshotId"].startswith("snap-"))
        datetime.datetime.strptime(img["CreationDate"], "%Y-%m-%dT%H:%M:%S.%fZ")

    def test_unknown_and_malformed(self):
        for image_id, code in [("ami-0123456789abcdef0", "InvalidAMIID.NotFound"), ("ami-nope", "InvalidAMIID.Malformed")]:
            with self.assertRaises(botocore.exceptions.ClientError) as ctx:
                self.ec2.describe_images(ImageIds=[image_id])
            self.assertEqual(ctx.exception.response["Error"]["Code"], code)

    def test_paginator(self):
        pages = self.ec2.get_paginator("describe_images").paginate(Owners=["amazon", "099720109477", "136693071363"],
                                                                   PaginationConfig={"PageSize": 5})
        ids = [img["ImageId"] for page in pages for img in page["Images"]]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertGreaterEqual(len(ids), 14)

    def test_public_parameter(self):
        param = ssm(self.account, "eu-west-1").get_parameter(Name=AL2023)["Parameter"]
        for key, typ in [("Name", str), ("Type", str), ("Value", str), ("Version", int), ("LastModifiedDate", datetime.datetime),
                         ("ARN", str), ("DataType", str)]:
            self.assertIsInstance(param.get(key), typ, key)
        self.assertEqual(param["ARN"], "arn:aws:ssm:eu-west-1::parameter" + AL2023)
        image = vpcd.client(self.account, "eu-west-1").describe_images(ImageIds=[param["Value"]])["Images"][0]
        self.assertTrue(image["Name"].startswith("al2023-ami-2023."))
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            self.ec2.describe_images(ImageIds=[param["Value"]])  # another region's image
        self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidAMIID.NotFound")

    def test_parameters_by_path(self):
        pages = ssm(self.account).get_paginator("get_parameters_by_path").paginate(Path="/aws/service/canonical", Recursive=True)
        names = [p["Name"] for page in pages for p in page["Parameters"]]
        self.assertIn("/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id", names)
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            ssm(self.account).get_parameter(Name="/aws/service/none")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ParameterNotFound")
        got = ssm(self.account).get_parameters(Names=[AL2023, "/none"])
        self.assertEqual((len(got["Parameters"]), got["InvalidParameters"]), (1, ["/none"]))
