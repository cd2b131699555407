"""Elastic Load Balancing (elbv2) with boto3: a network load balancer, its target group,
targets and listener, with every list key AWS answers (boto3 scripts index them without
a default) and ELBv2's error codes."""
import re
import unittest

import botocore.exceptions

import vpcd


class NetworkLoadBalancers(unittest.TestCase):
    def setUp(self):
        account = vpcd.new_account()
        self.ec2 = vpcd.client(account)
        self.elb = vpcd.client(account, service="elbv2")
        vpc = self.ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]
        self.vpc = vpc["VpcId"]
        self.subnets = [self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.40.%d.0/24" % (i + 1), AvailabilityZone=z)["Subnet"]["SubnetId"]
                        for i, z in enumerate(["us-east-1a", "us-east-1b"])]

    def code(self, call, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(**kwargs)
        err = cm.exception.response
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        return err["Error"]["Code"]

    def test_empty_describes_keep_their_lists(self):
        self.assertEqual(self.elb.describe_load_balancers()["LoadBalancers"], [])
        self.assertEqual(self.elb.describe_target_groups()["TargetGroups"], [])
        limits = self.elb.describe_account_limits()["Limits"]
        self.assertIn({"Name": "network-load-balancers", "Max": "50"}, limits)

    def test_load_balancer_life(self):
        tg = self.elb.create_target_group(Name="web", Protocol="TCP", Port=80, VpcId=self.vpc, TargetType="ip")["TargetGroups"][0]
        self.assertRegex(tg["TargetGroupArn"], r"^arn:aws:elasticloadbalancing:us-east-1:\d{12}:targetgroup/web/[0-9a-f]{16}$")
        self.assertEqual(tg["LoadBalancerArns"], [])
        self.assertEqual((tg["HealthCheckProtocol"], tg["HealthCheckPort"], tg["HealthCheckIntervalSeconds"], tg["HealthyThresholdCount"]),
                         ("TCP", "traffic-port", 30, 5))
        attrs = {a["Key"]: a["Value"] for a in self.elb.describe_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"])["Attributes"]}
        self.assertEqual(attrs["deregistration_delay.timeout_seconds"], "300")
        self.assertEqual(self.elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"], [])

        lb = self.elb.create_load_balancer(Name="web", Type="network", Scheme="internal", Subnets=self.subnets)["LoadBalancers"][0]
        arn = lb["LoadBalancerArn"]
        lb_id = arn.rsplit("/", 1)[1]
        self.assertEqual(lb["State"]["Code"], "provisioning")
        self.assertEqual(lb["DNSName"], "web-%s.elb.us-east-1.amazonaws.com" % lb_id)
        self.assertEqual(lb["CanonicalHostedZoneId"], "Z26RNL4JYFTOTI")
        self.assertEqual([z["LoadBalancerAddresses"] for z in lb["AvailabilityZones"]], [[], []])
        got = self.elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]
        self.assertEqual((got["State"]["Code"], got["Type"], got["Scheme"], got["VpcId"]), ("active", "network", "internal", self.vpc))
        enis = self.ec2.describe_network_interfaces(Filters=[{"Name": "description", "Values": ["ELB net/web/" + lb_id]}])["NetworkInterfaces"]
        self.assertEqual(sorted(e["SubnetId"] for e in enis), sorted(self.subnets))
        self.assertTrue(all(e["InterfaceType"] == "network_load_balancer" and e["RequesterManaged"] for e in enis))

        self.elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "10.40.1.20"}])
        health = self.elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
        self.assertEqual(health[0]["TargetHealth"]["Reason"], "Target.NotInUse")
        listener = self.elb.create_listener(LoadBalancerArn=arn, Protocol="TCP", Port=80,
                                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])["Listeners"][0]
        self.assertEqual(listener["DefaultActions"][0]["ForwardConfig"]["TargetGroups"][0]["TargetGroupArn"], tg["TargetGroupArn"])
        health = self.elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
        self.assertEqual((health[0]["TargetHealth"]["State"], health[0]["HealthCheckPort"]), ("initial", "80"))
        self.assertEqual(len(self.elb.describe_listeners(LoadBalancerArn=arn)["Listeners"]), 1)
        self.assertEqual(self.elb.describe_target_groups(LoadBalancerArn=arn)["TargetGroups"][0]["LoadBalancerArns"], [arn])

        tags = self.elb.describe_tags(ResourceArns=[arn, tg["TargetGroupArn"], listener["ListenerArn"]])["TagDescriptions"]
        self.assertEqual([t["Tags"] for t in tags], [[], [], []])
        self.elb.add_tags(ResourceArns=[arn], Tags=[{"Key": "Name", "Value": "web"}])
        self.assertEqual(self.elb.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"], [{"Key": "Name", "Value": "web"}])

        self.assertEqual(self.code(self.elb.delete_target_group, TargetGroupArn=tg["TargetGroupArn"]), "ResourceInUse")
        self.elb.delete_load_balancer(LoadBalancerArn=arn)
        self.elb.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])
        self.assertEqual(self.code(self.elb.describe_load_balancers, LoadBalancerArns=[arn]), "LoadBalancerNotFound")
        self.assertEqual(self.ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [self.vpc]}])["NetworkInterfaces"], [])

    def test_errors(self):
        self.assertEqual(self.code(self.elb.create_load_balancer, Name="alb", Subnets=self.subnets), "InvalidConfigurationRequest")
        self.assertEqual(self.code(self.elb.create_load_balancer, Name="web", Type="network", Subnets=self.subnets), "InvalidSubnet")
        self.assertEqual(self.code(self.elb.create_load_balancer, Name="-web", Type="network", Scheme="internal", Subnets=self.subnets), "ValidationError")
        self.assertEqual(self.code(self.elb.create_target_group, Name="web", Protocol="HTTP", Port=80, VpcId=self.vpc), "InvalidConfigurationRequest")
        self.assertEqual(self.code(self.elb.describe_target_groups, Names=["nothing"]), "TargetGroupNotFound")
        self.assertEqual(self.code(self.elb.describe_listeners, ListenerArns=["arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/x/0123456789abcdef/0123456789abcdef"]),
                         "ListenerNotFound")
        self.assertTrue(re.match(r"^\d+$", self.elb.describe_account_limits()["Limits"][0]["Max"]))


if __name__ == "__main__":
    unittest.main()
