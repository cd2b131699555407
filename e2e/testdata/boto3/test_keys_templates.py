"""Key pairs and launch templates with boto3: the keys and types of each answer as AWS
gives them, and the errors AWS answers."""
import base64
import datetime
import unittest

from botocore.exceptions import ClientError

import vpcd

# ssh-keygen -t ed25519; `ssh-keygen -l` prints SHA256:NYS8si+OMb2C/89VOIr3vozn0ucJa5hIOIO9w2a/Nic
ED25519_PUB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEQDfjFU0/v0NgAYZNphaqXa/pLeuuu+j4pb9mXK155h bob"


class Account(unittest.TestCase):
    """A test in an account of its own, and the error code of a call."""

    def setUp(self):
        self.ec2 = vpcd.client(vpcd.new_account())

    def code(self, fn, **kwargs):
        with self.assertRaises(ClientError) as e:
            fn(**kwargs)
        return e.exception.response["Error"]["Code"]


class KeyPairs(Account):

    def test_create_rsa(self):
        kp = self.ec2.create_key_pair(KeyName="rsa")
        self.assertRegex(kp["KeyPairId"], r"^key-[0-9a-f]{17}$")
        self.assertEqual(kp["KeyName"], "rsa")
        self.assertTrue(kp["KeyMaterial"].startswith("-----BEGIN RSA PRIVATE KEY-----\n"))
        self.assertRegex(kp["KeyFingerprint"], r"^([0-9a-f]{2}:){19}[0-9a-f]{2}$", "SHA-1 of the PKCS#8 private key")
        self.assertNotIn("Tags", kp, "an untagged key pair has no Tags key on AWS")
        self.assertEqual(self.code(self.ec2.create_key_pair, KeyName="rsa"), "InvalidKeyPair.Duplicate")

    def test_create_ed25519_tagged(self):
        kp = self.ec2.create_key_pair(KeyName="ed", KeyType="ed25519",
                                      TagSpecifications=[{"ResourceType": "key-pair", "Tags": [{"Key": "team", "Value": "web"}]}])
        self.assertTrue(kp["KeyMaterial"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n"))
        self.assertTrue(kp["KeyFingerprint"].endswith("="), "AWS pads the base64 SHA-256")
        self.assertEqual(kp["Tags"], [{"Key": "team", "Value": "web"}])
        got = self.ec2.describe_key_pairs(Filters=[{"Name": "tag:team", "Values": ["web"]}], IncludePublicKey=True)["KeyPairs"]
        self.assertEqual(len(got), 1)
        info = got[0]
        self.assertEqual(info["KeyType"], "ed25519")
        self.assertEqual(info["KeyFingerprint"], kp["KeyFingerprint"])
        self.assertIsInstance(info["CreateTime"], datetime.datetime)
        self.assertTrue(info["PublicKey"].startswith("ssh-ed25519 "))

    def test_import_and_delete(self):
        out = self.ec2.import_key_pair(KeyName="laptop", PublicKeyMaterial=ED25519_PUB.encode())
        self.assertEqual(out["KeyFingerprint"], "NYS8si+OMb2C/89VOIr3vozn0ucJa5hIOIO9w2a/Nic=")
        self.assertNotIn("Tags", out)
        self.assertEqual(sorted(out), ["KeyFingerprint", "KeyName", "KeyPairId", "ResponseMetadata"])
        info = self.ec2.describe_key_pairs(KeyNames=["laptop"])["KeyPairs"][0]
        self.assertEqual(info["Tags"], [], "DescribeKeyPairs answers Tags: [] for an untagged key")
        self.assertNotIn("PublicKey", info)
        self.assertEqual(self.code(self.ec2.import_key_pair, KeyName="bad", PublicKeyMaterial=b"ssh-rsa nope"), "InvalidKeyPair.Format")
        self.assertEqual(self.code(self.ec2.describe_key_pairs, KeyNames=["nope"]), "InvalidKeyPair.NotFound")
        deleted = self.ec2.delete_key_pair(KeyName="laptop")
        self.assertEqual(deleted["KeyPairId"], out["KeyPairId"])
        self.assertIs(deleted["Return"], True)
        again = self.ec2.delete_key_pair(KeyName="laptop")
        self.assertIs(again["Return"], True)
        self.assertEqual(self.ec2.describe_key_pairs()["KeyPairs"], [])


class LaunchTemplates(Account):

    def test_versions(self):
        user_data = base64.b64encode(b"#!/bin/sh\necho hi\n").decode()
        lt = self.ec2.create_launch_template(LaunchTemplateName="web", VersionDescription="first", LaunchTemplateData={
            "ImageId": "ami-12345678", "InstanceType": "t3.micro", "UserData": user_data,
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}],
        })["LaunchTemplate"]
        self.assertRegex(lt["LaunchTemplateId"], r"^lt-[0-9a-f]{17}$")
        self.assertEqual((lt["DefaultVersionNumber"], lt["LatestVersionNumber"]), (1, 1))
        self.assertIsInstance(lt["CreateTime"], datetime.datetime)
        self.assertTrue(lt["CreatedBy"].startswith("arn:aws:iam::"))
        self.assertNotIn("Tags", lt, "an untagged launch template has no Tags key on AWS")
        v2 = self.ec2.create_launch_template_version(LaunchTemplateId=lt["LaunchTemplateId"], SourceVersion="1",
                                                     LaunchTemplateData={"InstanceType": "t3.small"})["LaunchTemplateVersion"]
        self.assertEqual(v2["VersionNumber"], 2)
        self.assertIs(v2["DefaultVersion"], False)
        self.assertNotIn("VersionDescription", v2)
        data = v2["LaunchTemplateData"]
        self.assertEqual(data["InstanceType"], "t3.small")
        self.assertEqual(data["ImageId"], "ami-12345678")
        self.assertEqual(data["UserData"], user_data)
        self.assertEqual(data["TagSpecifications"], [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}])
        self.assertNotIn("SecurityGroupIds", data, "a version shows only the parameters it was given")
        self.assertNotIn("BlockDeviceMappings", data)
        versions = self.ec2.describe_launch_template_versions(LaunchTemplateName="web")["LaunchTemplateVersions"]
        self.assertEqual([(v["VersionNumber"], v["DefaultVersion"]) for v in versions], [(1, True), (2, False)])
        self.assertEqual(versions[0]["VersionDescription"], "first")
        latest = self.ec2.describe_launch_template_versions(LaunchTemplateName="web", Versions=["$Latest"])["LaunchTemplateVersions"]
        self.assertEqual([v["VersionNumber"] for v in latest], [2])
        mod = self.ec2.modify_launch_template(LaunchTemplateId=lt["LaunchTemplateId"], DefaultVersion="2")["LaunchTemplate"]
        self.assertEqual(mod["DefaultVersionNumber"], 2)
        dl = self.ec2.delete_launch_template_versions(LaunchTemplateId=lt["LaunchTemplateId"], Versions=["1", "2"])
        self.assertEqual([v["VersionNumber"] for v in dl["SuccessfullyDeletedLaunchTemplateVersions"]], [1])
        failed = dl["UnsuccessfullyDeletedLaunchTemplateVersions"]
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed[0]["VersionNumber"], 2)
        self.assertIsInstance(failed[0]["ResponseError"]["Code"], str)
        got = self.ec2.describe_launch_templates(LaunchTemplateNames=["web"])["LaunchTemplates"]
        self.assertEqual([t["LaunchTemplateId"] for t in got], [lt["LaunchTemplateId"]])
        deleted = self.ec2.delete_launch_template(LaunchTemplateName="web")["LaunchTemplate"]
        self.assertEqual(deleted["LaunchTemplateId"], lt["LaunchTemplateId"])

    def test_errors(self):
        data = {"ImageId": "ami-12345678"}
        self.ec2.create_launch_template(LaunchTemplateName="taken", LaunchTemplateData=data)
        self.assertEqual(self.code(self.ec2.create_launch_template, LaunchTemplateName="taken", LaunchTemplateData=data),
                         "InvalidLaunchTemplateName.AlreadyExistsException")
        self.assertEqual(self.code(self.ec2.create_launch_template, LaunchTemplateName="bad name", LaunchTemplateData=data),
                         "InvalidLaunchTemplateName.MalformedException")
        self.assertEqual(self.code(self.ec2.describe_launch_templates, LaunchTemplateIds=["lt-0123456789abcdef0"]),
                         "InvalidLaunchTemplateId.NotFound")
        self.assertEqual(self.code(self.ec2.describe_launch_templates, LaunchTemplateIds=["lt-x"]),
                         "InvalidLaunchTemplateId.Malformed")
        self.assertEqual(self.code(self.ec2.describe_launch_templates, LaunchTemplateNames=["nope"]),
                         "InvalidLaunchTemplateName.NotFoundException")
        self.assertEqual(self.code(self.ec2.describe_launch_template_versions, LaunchTemplateName="taken", Versions=["4"]),
                         "InvalidLaunchTemplateId.VersionNotFound")

    def test_run_instances(self):
        vpc = self.ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]
        sn = self.ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.30.1.0/24")["Subnet"]
        self.ec2.import_key_pair(KeyName="ops", PublicKeyMaterial=ED25519_PUB.encode())
        lt = self.ec2.create_launch_template(LaunchTemplateName="app", LaunchTemplateData={
            "ImageId": "ami-12345678", "InstanceType": "t3.micro", "KeyName": "ops",
            "NetworkInterfaces": [{"DeviceIndex": 0, "SubnetId": sn["SubnetId"]}],
        })["LaunchTemplate"]
        res = self.ec2.run_instances(MinCount=1, MaxCount=1, InstanceType="t3.small",
                                     LaunchTemplate={"LaunchTemplateId": lt["LaunchTemplateId"], "Version": "$Latest"})
        inst = res["Instances"][0]
        self.assertEqual(inst["InstanceType"], "t3.small", "the request's parameters override the template's")
        self.assertEqual(inst["ImageId"], "ami-12345678")
        self.assertEqual(inst["KeyName"], "ops")
        self.assertEqual(inst["SubnetId"], sn["SubnetId"])
        tags = {t["Key"]: t["Value"] for t in inst["Tags"]}
        self.assertEqual(tags["aws:ec2launchtemplate:id"], lt["LaunchTemplateId"])
        self.assertEqual(tags["aws:ec2launchtemplate:version"], "1")
        self.ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
        self.assertEqual(self.code(self.ec2.run_instances, MinCount=1, MaxCount=1, LaunchTemplate={"LaunchTemplateName": "nope"}),
                         "InvalidLaunchTemplateName.NotFoundException")
        self.assertEqual(self.code(self.ec2.run_instances, MinCount=1, MaxCount=1, ImageId="ami-12345678", SubnetId=sn["SubnetId"], KeyName="nope"),
                         "InvalidKeyPair.NotFound")


if __name__ == "__main__":
    unittest.main()
