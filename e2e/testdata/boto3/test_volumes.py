"""EBS volumes with boto3: the keys and types of CreateVolume, DescribeVolumes, AttachVolume
and DetachVolume as AWS gives them, an instance's root volume in DescribeInstances, and
AWS's error codes."""
import datetime
import unittest

import botocore.exceptions

import vpcd


class Volumes(unittest.TestCase):
    def setUp(self):
        self.ec2 = vpcd.client(vpcd.new_account())

    def create(self, **kw):
        kw.setdefault("AvailabilityZone", "us-east-1a")
        kw.setdefault("Size", 10)
        v = self.ec2.create_volume(**kw)
        self.addCleanup(self.delete_quietly, v["VolumeId"])
        return v

    def delete_quietly(self, vol_id):
        try:
            self.ec2.delete_volume(VolumeId=vol_id)
        except botocore.exceptions.ClientError:
            pass

    def code(self, call, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(**kw)
        return cm.exception.response["Error"]["Code"]

    def launch(self):
        inst = self.ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]
        self.addCleanup(self.ec2.terminate_instances, InstanceIds=[inst["InstanceId"]])
        return inst

    def test_create_and_describe(self):
        v = self.create()
        self.assertRegex(v["VolumeId"], r"^vol-[0-9a-f]{17}$")
        self.assertEqual(v["State"], "creating")
        self.assertEqual((v["Size"], v["VolumeType"], v["Iops"]), (10, "gp2", 100))
        self.assertIsInstance(v["CreateTime"], datetime.datetime)
        self.assertIs(v["Encrypted"], False)
        self.assertIs(v["MultiAttachEnabled"], False)
        self.assertEqual(v["SnapshotId"], "")
        self.assertEqual(v["AvailabilityZone"], "us-east-1a")
        self.assertNotIn("Throughput", v, "only gp3 volumes have a throughput")
        self.assertNotIn("KmsKeyId", v)
        self.assertNotIn("Tags", v, "an untagged volume has no Tags key on AWS")
        got = self.ec2.describe_volumes(VolumeIds=[v["VolumeId"]])["Volumes"]
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["State"], "available")
        self.assertEqual(got[0]["Attachments"], [])
        self.assertNotIn("Tags", got[0])

        gp3 = self.create(VolumeType="gp3", Size=100, Iops=6000, Throughput=500, Encrypted=True,
                          TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "db"}]}])
        self.assertEqual((gp3["Iops"], gp3["Throughput"]), (6000, 500))
        self.assertIs(gp3["Encrypted"], True)
        self.assertRegex(gp3["KmsKeyId"], r"^arn:aws:kms:us-east-1:\d{12}:key/[0-9a-f-]{36}$")
        self.assertEqual(gp3["Tags"], [{"Key": "Name", "Value": "db"}])
        found = self.ec2.describe_volumes(Filters=[{"Name": "tag:Name", "Values": ["db"]}])["Volumes"]
        self.assertEqual([x["VolumeId"] for x in found], [gp3["VolumeId"]])
        found = self.ec2.describe_volumes(Filters=[{"Name": "volume-type", "Values": ["gp2"]}])["Volumes"]
        self.assertEqual([x["VolumeId"] for x in found], [v["VolumeId"]])

    def test_pages(self):
        ids = sorted(self.create()["VolumeId"] for _ in range(6))
        seen = []
        for page in self.ec2.get_paginator("describe_volumes").paginate(PaginationConfig={"PageSize": 5}):
            seen += [x["VolumeId"] for x in page["Volumes"]]
        self.assertEqual(sorted(seen), ids)

    def test_errors(self):
        self.assertEqual(self.code(self.ec2.create_volume, AvailabilityZone="us-east-1a"), "MissingParameter")
        self.assertEqual(self.code(self.ec2.create_volume, AvailabilityZone="us-east-1a", Size=20000), "InvalidParameterValue")
        self.assertEqual(self.code(self.ec2.create_volume, AvailabilityZone="us-east-1a", Size=10, VolumeType="io2"), "MissingParameter")
        self.assertEqual(self.code(self.ec2.create_volume, AvailabilityZone="us-east-1a", Size=10, Iops=500), "InvalidParameterCombination")
        self.assertEqual(self.code(self.ec2.describe_volumes, VolumeIds=["vol-0123456789abcdef0"]), "InvalidVolume.NotFound")
        self.assertEqual(self.code(self.ec2.describe_volumes, VolumeIds=["vol-x"]), "InvalidVolumeID.Malformed")
        self.assertEqual(self.code(self.ec2.delete_volume, VolumeId="vol-0123456789abcdef0"), "InvalidVolume.NotFound")

    def test_instance_volumes(self):
        inst = self.launch()
        self.assertEqual(inst["BlockDeviceMappings"], [], "RunInstances answers before the volumes attach")
        got = self.ec2.describe_instances(InstanceIds=[inst["InstanceId"]])["Reservations"][0]["Instances"][0]
        self.assertEqual((got["RootDeviceName"], got["RootDeviceType"]), ("/dev/xvda", "ebs"))
        self.assertEqual(len(got["BlockDeviceMappings"]), 1)
        root = got["BlockDeviceMappings"][0]
        self.assertEqual(root["DeviceName"], "/dev/xvda")
        self.assertEqual(root["Ebs"]["Status"], "attached")
        self.assertIs(root["Ebs"]["DeleteOnTermination"], True)
        self.assertIsInstance(root["Ebs"]["AttachTime"], datetime.datetime)
        root_id = root["Ebs"]["VolumeId"]

        v = self.create(AvailabilityZone=got["Placement"]["AvailabilityZone"])
        att = self.ec2.attach_volume(VolumeId=v["VolumeId"], InstanceId=inst["InstanceId"], Device="/dev/sdf")
        self.assertEqual((att["State"], att["Device"], att["InstanceId"]), ("attaching", "/dev/sdf", inst["InstanceId"]))
        self.assertIsInstance(att["AttachTime"], datetime.datetime)
        vols = self.ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [inst["InstanceId"]]}])["Volumes"]
        self.assertEqual(sorted(x["VolumeId"] for x in vols), sorted([root_id, v["VolumeId"]]))
        for x in vols:
            self.assertEqual(x["State"], "in-use")
            a = x["Attachments"][0]
            self.assertEqual(a["State"], "attached")
            self.assertIsInstance(a["DeleteOnTermination"], bool)

        self.assertEqual(self.code(self.ec2.attach_volume, VolumeId=v["VolumeId"], InstanceId=inst["InstanceId"], Device="/dev/sdg"), "VolumeInUse")
        self.assertEqual(self.code(self.ec2.delete_volume, VolumeId=v["VolumeId"]), "VolumeInUse")
        self.assertEqual(self.code(self.ec2.detach_volume, VolumeId=root_id), "IncorrectState")
        other = self.create(AvailabilityZone="us-east-1f" if got["Placement"]["AvailabilityZone"] != "us-east-1f" else "us-east-1a")
        self.assertEqual(self.code(self.ec2.attach_volume, VolumeId=other["VolumeId"], InstanceId=inst["InstanceId"], Device="/dev/sdh"),
                         "InvalidVolume.ZoneMismatch")

        det = self.ec2.detach_volume(VolumeId=v["VolumeId"])
        self.assertEqual(det["State"], "detaching")
        self.assertEqual(self.ec2.describe_volumes(VolumeIds=[v["VolumeId"]])["Volumes"][0]["State"], "available")
        self.assertEqual(self.code(self.ec2.detach_volume, VolumeId=v["VolumeId"]), "IncorrectState")

        self.ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
        gone = self.ec2.describe_instances(InstanceIds=[inst["InstanceId"]])["Reservations"][0]["Instances"][0]
        self.assertEqual(gone["BlockDeviceMappings"], [])
        self.assertEqual(self.code(self.ec2.describe_volumes, VolumeIds=[root_id]), "InvalidVolume.NotFound")

    def test_block_device_mappings(self):
        inst = self.ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 30, "VolumeType": "gp3", "DeleteOnTermination": False}},
            {"DeviceName": "/dev/sdb", "Ebs": {"VolumeSize": 5}},
        ])["Instances"][0]
        self.addCleanup(self.ec2.terminate_instances, InstanceIds=[inst["InstanceId"]])
        got = self.ec2.describe_instances(InstanceIds=[inst["InstanceId"]])["Reservations"][0]["Instances"][0]
        self.assertEqual([b["DeviceName"] for b in got["BlockDeviceMappings"]], ["/dev/xvda", "/dev/sdb"])
        root_id = got["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
        self.addCleanup(self.delete_quietly, root_id)
        root = self.ec2.describe_volumes(VolumeIds=[root_id])["Volumes"][0]
        self.assertEqual((root["Size"], root["VolumeType"]), (30, "gp3"))
        self.ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
        kept = self.ec2.describe_volumes(VolumeIds=[root_id])["Volumes"][0]
        self.assertEqual((kept["State"], kept["Attachments"]), ("available", []))
        self.assertEqual(self.code(self.ec2.run_instances, ImageId="ami-12345678", MinCount=1, MaxCount=1,
                                   BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 2}}]),
                         "InvalidBlockDeviceMapping")


if __name__ == "__main__":
    unittest.main()
