"""Route 53 hosted zones through boto3: typed errors, paginators and the change waiter."""
import os
import unittest

import boto3
import botocore.config

import vpcd


def route53(account):
    return boto3.client(
        "route53",
        endpoint_url=os.environ["VPCD_URL"],
        region_name="us-east-1",
        aws_access_key_id=account,
        aws_secret_access_key="x",
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


def a_record(name, *values, action="CREATE"):
    return {"Action": action, "ResourceRecordSet": {
        "Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": v} for v in values]}}


class Route53(unittest.TestCase):
    def setUp(self):
        self.account = vpcd.new_account()
        self.r53 = route53(self.account)
        self.vpc = vpcd.client(self.account).create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]

    def test_private_zone(self):
        r53 = self.r53
        zone = r53.create_hosted_zone(Name="boto.internal", CallerReference="boto-1",
                                      VPC={"VPCRegion": "us-east-1", "VPCId": self.vpc})
        zid = zone["HostedZone"]["Id"]
        self.assertTrue(zid.startswith("/hostedzone/Z"))
        self.assertTrue(zone["HostedZone"]["Config"]["PrivateZone"])
        # boto3 strips /hostedzone/ and /change/ from the IDs it sends.
        change = r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
            a_record("h%d.boto.internal" % i, "10.5.0.%d" % (i + 1)) for i in range(7)]})
        r53.get_waiter("resource_record_sets_changed").wait(Id=change["ChangeInfo"]["Id"])
        pages = r53.get_paginator("list_resource_record_sets").paginate(
            HostedZoneId=zid, PaginationConfig={"PageSize": 2})
        names = [rs["Name"] for page in pages for rs in page["ResourceRecordSets"]]
        self.assertEqual(names, ["boto.internal.", "boto.internal."] + ["h%d.boto.internal." % i for i in range(7)])

        with self.assertRaises(r53.exceptions.InvalidChangeBatch) as e:
            r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [a_record("h0.boto.internal", "10.5.0.1")]})
        self.assertIn("but it already exists", str(e.exception))
        with self.assertRaises(r53.exceptions.HostedZoneNotEmpty):
            r53.delete_hosted_zone(Id=zid)
        with self.assertRaises(r53.exceptions.NoSuchHostedZone):
            r53.get_hosted_zone(Id="Z00000000000000000000")
        with self.assertRaises(r53.exceptions.LastVPCAssociation):
            r53.disassociate_vpc_from_hosted_zone(HostedZoneId=zid, VPC={"VPCRegion": "us-east-1", "VPCId": self.vpc})

        by_vpc = r53.list_hosted_zones_by_vpc(VPCId=self.vpc, VPCRegion="us-east-1")["HostedZoneSummaries"]
        self.assertEqual([(z["Name"], z["Owner"]["OwningAccount"]) for z in by_vpc], [("boto.internal.", self.account)])

        r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
            a_record("h%d.boto.internal" % i, "10.5.0.%d" % (i + 1), action="DELETE") for i in range(7)]})
        r53.delete_hosted_zone(Id=zid)
        self.assertEqual(r53.get_hosted_zone_count()["HostedZoneCount"], 0)

    def test_list_hosted_zones_paginates(self):
        r53 = self.r53
        for i in range(5):
            r53.create_hosted_zone(Name="z%d.example.com" % i, CallerReference="ref-%d" % i)
        pages = r53.get_paginator("list_hosted_zones").paginate(PaginationConfig={"PageSize": 2})
        names = sorted(z["Name"] for page in pages for z in page["HostedZones"])
        self.assertEqual(names, ["z%d.example.com." % i for i in range(5)])
        with self.assertRaises(r53.exceptions.HostedZoneAlreadyExists):
            r53.create_hosted_zone(Name="again.example.com", CallerReference="ref-0")


if __name__ == "__main__":
    unittest.main()
