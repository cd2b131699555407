"""PrivateLink with boto3: an endpoint service on a network load balancer, its permissions,
a consumer of another account connecting from an overlapping VPC, the provider's view of
the connection, and AWS's error codes (also those answered in Unsuccessful)."""
import unittest

import botocore.exceptions

import vpcd


class EndpointServices(unittest.TestCase):
    def setUp(self):
        account = vpcd.new_account()
        self.account = account
        self.ec2 = vpcd.client(account)
        self.elb = vpcd.client(account, service="elbv2")
        vpc = self.ec2.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
        subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.70.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
        self.lb = self.elb.create_load_balancer(Name="pl", Type="network", Scheme="internal", Subnets=[subnet])["LoadBalancers"][0]["LoadBalancerArn"]
        self.consumer_account = vpcd.new_account()
        self.consumer = vpcd.client(self.consumer_account)
        cvpc = self.consumer.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
        self.cvpc = cvpc
        self.csubnets = [self.consumer.create_subnet(VpcId=cvpc, CidrBlock="10.70.%d.0/24" % (i + 1), AvailabilityZone=z)["Subnet"]["SubnetId"]
                         for i, z in enumerate(["us-east-1a", "us-east-1b"])]

    def code(self, call, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(**kwargs)
        err = cm.exception.response
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        return err["Error"]["Code"]

    def test_service_and_connection(self):
        svc = self.ec2.create_vpc_endpoint_service_configuration(NetworkLoadBalancerArns=[self.lb], AcceptanceRequired=True)["ServiceConfiguration"]
        sid, name = svc["ServiceId"], svc["ServiceName"]
        self.assertRegex(sid, r"^vpce-svc-[0-9a-f]{17}$")
        self.assertEqual(name, "com.amazonaws.vpce.us-east-1." + sid)
        self.assertEqual((svc["ServiceState"], svc["ServiceType"], svc["AvailabilityZones"], svc["ManagesVpcEndpoints"]),
                         ("Available", [{"ServiceType": "Interface"}], ["us-east-1a"], False))
        self.assertEqual(self.code(self.elb.delete_load_balancer, LoadBalancerArn=self.lb), "ResourceInUse")

        # Not allowed: the consumer sees no such service.
        self.assertEqual(self.code(self.consumer.create_vpc_endpoint, VpcId=self.cvpc, ServiceName=name, VpcEndpointType="Interface",
                                   SubnetIds=self.csubnets[:1]), "InvalidServiceName")
        added = self.ec2.modify_vpc_endpoint_service_permissions(ServiceId=sid, AddAllowedPrincipals=["arn:aws:iam::%s:root" % self.consumer_account])
        self.assertEqual(added["AddedPrincipals"][0]["PrincipalType"], "Account")
        seen = self.consumer.describe_vpc_endpoint_services(ServiceNames=[name])["ServiceDetails"][0]
        self.assertEqual((seen["Owner"], seen["AcceptanceRequired"], seen["AvailabilityZones"]), (self.account, True, ["us-east-1a"]))

        # Only the zones of the service's load balancers.
        self.assertEqual(self.code(self.consumer.create_vpc_endpoint, VpcId=self.cvpc, ServiceName=name, VpcEndpointType="Interface",
                                   SubnetIds=self.csubnets), "InvalidParameter")
        ep = self.consumer.create_vpc_endpoint(VpcId=self.cvpc, ServiceName=name, VpcEndpointType="Interface", SubnetIds=self.csubnets[:1])["VpcEndpoint"]
        self.assertEqual(ep["State"], "pendingAcceptance")
        conns = self.ec2.describe_vpc_endpoint_connections(Filters=[{"Name": "service-id", "Values": [sid]}])["VpcEndpointConnections"]
        self.assertEqual([(c["VpcEndpointId"], c["VpcEndpointOwner"], c["VpcEndpointState"]) for c in conns],
                         [(ep["VpcEndpointId"], self.consumer_account, "pendingAcceptance")])

        deleted = self.ec2.delete_vpc_endpoint_service_configurations(ServiceIds=[sid])
        self.assertEqual([u["Error"]["Code"] for u in deleted["Unsuccessful"]], ["ExistingVpcEndpointConnections"])
        accepted = self.ec2.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[ep["VpcEndpointId"], "vpce-0123456789abcdef0"])
        self.assertEqual([u["ResourceId"] for u in accepted["Unsuccessful"]], ["vpce-0123456789abcdef0"])
        state = self.consumer.describe_vpc_endpoints(VpcEndpointIds=[ep["VpcEndpointId"]])["VpcEndpoints"][0]["State"]
        self.assertEqual(state, "available")
        self.ec2.reject_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[ep["VpcEndpointId"]])
        state = self.consumer.describe_vpc_endpoints(VpcEndpointIds=[ep["VpcEndpointId"]])["VpcEndpoints"][0]["State"]
        self.assertEqual(state, "rejected")

        self.consumer.delete_vpc_endpoints(VpcEndpointIds=[ep["VpcEndpointId"]])
        self.assertEqual(self.ec2.delete_vpc_endpoint_service_configurations(ServiceIds=[sid])["Unsuccessful"], [])
        self.elb.delete_load_balancer(LoadBalancerArn=self.lb)

    def test_errors(self):
        self.assertEqual(self.code(self.ec2.create_vpc_endpoint_service_configuration,
                                   GatewayLoadBalancerArns=["arn:aws:elasticloadbalancing:us-east-1:%s:loadbalancer/gwy/g/0123456789abcdef" % self.account]),
                         "UnsupportedOperation")
        self.assertEqual(self.code(self.ec2.create_vpc_endpoint_service_configuration, NetworkLoadBalancerArns=["lb"]),
                         "InvalidNetworkLoadBalancerArn.Malformed")
        self.assertEqual(self.code(self.ec2.describe_vpc_endpoint_service_configurations, ServiceIds=["vpce-svc-0123456789abcdef0"]),
                         "InvalidVpcEndpointServiceId.NotFound")
        self.assertEqual(self.code(self.ec2.describe_vpc_endpoint_service_permissions, ServiceId="vpce-svc-0123456789abcdef0"),
                         "InvalidVpcEndpointServiceId.NotFound")
        deleted = self.ec2.delete_vpc_endpoint_service_configurations(ServiceIds=["vpce-svc-0123456789abcdef0"])
        self.assertEqual([u["Error"]["Code"] for u in deleted["Unsuccessful"]], ["InvalidVpcEndpointService.NotFound"])
        self.assertEqual(self.code(self.ec2.describe_vpc_endpoint_connection_notifications, ConnectionNotificationId="vpce-nfn-0123456789abcdef0"),
                         "InvalidConnectionNotification")
        self.assertEqual(self.ec2.describe_vpc_endpoint_connections()["VpcEndpointConnections"], [])


if __name__ == "__main__":
    unittest.main()
