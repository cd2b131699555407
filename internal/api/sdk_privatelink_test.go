package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// sdkPrivateLink walks the PrivateLink actions through the SDK: a provider's network load
// balancer published as an endpoint service, a principal allowed, a consumer of another
// account connecting from a VPC with the same CIDR, the provider accepting and rejecting
// it, a connection notification, and the teardown.
func sdkPrivateLink(t *testing.T, c *ec2sdk.Client, lbc *elb.Client, consumer *ec2sdk.Client) {
	ctx := context.Background()
	subnet := func(c *ec2sdk.Client, vpc *string, cidr, zone string) string {
		sn := must[*ec2sdk.CreateSubnetOutput](t, "CreateSubnet")(c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: vpc, CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(zone)}))
		return aws.ToString(sn.Subnet.SubnetId)
	}
	vpc := must[*ec2sdk.CreateVpcOutput](t, "CreateVpc")(c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.60.0.0/16")})).Vpc
	providerSubnet := subnet(c, vpc.VpcId, "10.60.1.0/24", "us-east-1a")
	lb, err := lbc.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("privatelink"), Type: "network", Scheme: "internal", Subnets: []string{providerSubnet}})
	if err != nil {
		t.Fatal(err)
	}
	lbARN := aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)

	created := must[*ec2sdk.CreateVpcEndpointServiceConfigurationOutput](t, "CreateVpcEndpointServiceConfiguration")(c.CreateVpcEndpointServiceConfiguration(ctx,
		&ec2sdk.CreateVpcEndpointServiceConfigurationInput{NetworkLoadBalancerArns: []string{lbARN}, AcceptanceRequired: aws.Bool(true), ClientToken: aws.String("svc-1"),
			PrivateDnsName: aws.String("svc.example.com"), TagSpecifications: tagSpec(types.ResourceTypeVpcEndpointService, "Name", "svc")}))
	svc := created.ServiceConfiguration
	svcID := checkID(t, "vpce-svc", svc.ServiceId)
	if svc.ServiceState != types.ServiceStateAvailable || !aws.ToBool(svc.AcceptanceRequired) || len(svc.AvailabilityZones) != 1 ||
		svc.PrivateDnsNameConfiguration == nil || svc.PrivateDnsNameConfiguration.State != types.DnsNameStatePendingVerification {
		t.Fatalf("CreateVpcEndpointServiceConfiguration: %+v", svc)
	}
	again := must[*ec2sdk.CreateVpcEndpointServiceConfigurationOutput](t, "CreateVpcEndpointServiceConfiguration")(c.CreateVpcEndpointServiceConfiguration(ctx,
		&ec2sdk.CreateVpcEndpointServiceConfigurationInput{NetworkLoadBalancerArns: []string{lbARN}, AcceptanceRequired: aws.Bool(true), ClientToken: aws.String("svc-1")}))
	if aws.ToString(again.ServiceConfiguration.ServiceId) != svcID {
		t.Errorf("a repeated client token made %s, want %s", aws.ToString(again.ServiceConfiguration.ServiceId), svcID)
	}
	must[*ec2sdk.StartVpcEndpointServicePrivateDnsVerificationOutput](t, "StartVpcEndpointServicePrivateDnsVerification")(c.StartVpcEndpointServicePrivateDnsVerification(ctx,
		&ec2sdk.StartVpcEndpointServicePrivateDnsVerificationInput{ServiceId: aws.String(svcID)}))
	must[*ec2sdk.ModifyVpcEndpointServiceConfigurationOutput](t, "ModifyVpcEndpointServiceConfiguration")(c.ModifyVpcEndpointServiceConfiguration(ctx,
		&ec2sdk.ModifyVpcEndpointServiceConfigurationInput{ServiceId: aws.String(svcID), AcceptanceRequired: aws.Bool(true)}))
	configs := must[*ec2sdk.DescribeVpcEndpointServiceConfigurationsOutput](t, "DescribeVpcEndpointServiceConfigurations")(c.DescribeVpcEndpointServiceConfigurations(ctx,
		&ec2sdk.DescribeVpcEndpointServiceConfigurationsInput{Filters: []types.Filter{filter("service-id", svcID)}}))
	if len(configs.ServiceConfigurations) != 1 || configs.ServiceConfigurations[0].PrivateDnsNameConfiguration.State != types.DnsNameStateVerified ||
		tagMap(configs.ServiceConfigurations[0].Tags)["Name"] != "svc" {
		t.Fatalf("DescribeVpcEndpointServiceConfigurations: %+v", configs.ServiceConfigurations)
	}
	added := must[*ec2sdk.ModifyVpcEndpointServicePermissionsOutput](t, "ModifyVpcEndpointServicePermissions")(c.ModifyVpcEndpointServicePermissions(ctx,
		&ec2sdk.ModifyVpcEndpointServicePermissionsInput{ServiceId: aws.String(svcID), AddAllowedPrincipals: []string{"arn:aws:iam::111122223333:root"}}))
	perms := must[*ec2sdk.DescribeVpcEndpointServicePermissionsOutput](t, "DescribeVpcEndpointServicePermissions")(c.DescribeVpcEndpointServicePermissions(ctx,
		&ec2sdk.DescribeVpcEndpointServicePermissionsInput{ServiceId: aws.String(svcID)}))
	if len(added.AddedPrincipals) != 1 || len(perms.AllowedPrincipals) != 1 || perms.AllowedPrincipals[0].PrincipalType != types.PrincipalTypeAccount {
		t.Fatalf("permissions: %+v, %+v", added.AddedPrincipals, perms.AllowedPrincipals)
	}

	// The consumer, in a VPC with the same CIDR, sees the service and connects.
	seen := must[*ec2sdk.DescribeVpcEndpointServicesOutput](t, "DescribeVpcEndpointServices")(consumer.DescribeVpcEndpointServices(ctx,
		&ec2sdk.DescribeVpcEndpointServicesInput{ServiceNames: []string{aws.ToString(svc.ServiceName)}}))
	if len(seen.ServiceDetails) != 1 || aws.ToString(seen.ServiceDetails[0].Owner) != "123456789012" || aws.ToString(seen.ServiceDetails[0].PrivateDnsName) != "svc.example.com" {
		t.Fatalf("DescribeVpcEndpointServices: %+v", seen.ServiceDetails)
	}
	cvpc := must[*ec2sdk.CreateVpcOutput](t, "CreateVpc")(consumer.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.60.0.0/16")})).Vpc
	must[*ec2sdk.ModifyVpcAttributeOutput](t, "ModifyVpcAttribute")(consumer.ModifyVpcAttribute(ctx, &ec2sdk.ModifyVpcAttributeInput{
		VpcId: cvpc.VpcId, EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	consumerSubnet := subnet(consumer, cvpc.VpcId, "10.60.1.0/24", "us-east-1a")
	ep := must[*ec2sdk.CreateVpcEndpointOutput](t, "CreateVpcEndpoint")(consumer.CreateVpcEndpoint(ctx, &ec2sdk.CreateVpcEndpointInput{
		VpcId: cvpc.VpcId, ServiceName: svc.ServiceName, VpcEndpointType: types.VpcEndpointTypeInterface, SubnetIds: []string{consumerSubnet}})).VpcEndpoint
	epID := checkID(t, "vpce", ep.VpcEndpointId)
	if ep.State != "pendingAcceptance" || !aws.ToBool(ep.PrivateDnsEnabled) || len(ep.NetworkInterfaceIds) != 1 ||
		aws.ToString(ep.DnsEntries[len(ep.DnsEntries)-1].DnsName) != "svc.example.com" {
		t.Fatalf("CreateVpcEndpoint: %+v", ep)
	}
	nfn := must[*ec2sdk.CreateVpcEndpointConnectionNotificationOutput](t, "CreateVpcEndpointConnectionNotification")(c.CreateVpcEndpointConnectionNotification(ctx,
		&ec2sdk.CreateVpcEndpointConnectionNotificationInput{ServiceId: aws.String(svcID), ConnectionNotificationArn: aws.String("arn:aws:sns:us-east-1:123456789012:pl"),
			ConnectionEvents: []string{"Connect", "Accept", "Reject", "Delete"}})).ConnectionNotification
	nfnID := checkID(t, "vpce-nfn", nfn.ConnectionNotificationId)
	must[*ec2sdk.ModifyVpcEndpointConnectionNotificationOutput](t, "ModifyVpcEndpointConnectionNotification")(c.ModifyVpcEndpointConnectionNotification(ctx,
		&ec2sdk.ModifyVpcEndpointConnectionNotificationInput{ConnectionNotificationId: aws.String(nfnID), ConnectionEvents: []string{"Accept"}}))
	nfns := must[*ec2sdk.DescribeVpcEndpointConnectionNotificationsOutput](t, "DescribeVpcEndpointConnectionNotifications")(c.DescribeVpcEndpointConnectionNotifications(ctx,
		&ec2sdk.DescribeVpcEndpointConnectionNotificationsInput{ConnectionNotificationId: aws.String(nfnID)}))
	if len(nfns.ConnectionNotificationSet) != 1 || len(nfns.ConnectionNotificationSet[0].ConnectionEvents) != 1 || nfns.ConnectionNotificationSet[0].ConnectionNotificationType != types.ConnectionNotificationTypeTopic {
		t.Errorf("DescribeVpcEndpointConnectionNotifications: %+v", nfns.ConnectionNotificationSet)
	}

	conns := must[*ec2sdk.DescribeVpcEndpointConnectionsOutput](t, "DescribeVpcEndpointConnections")(c.DescribeVpcEndpointConnections(ctx,
		&ec2sdk.DescribeVpcEndpointConnectionsInput{Filters: []types.Filter{filter("service-id", svcID)}}))
	if len(conns.VpcEndpointConnections) != 1 || aws.ToString(conns.VpcEndpointConnections[0].VpcEndpointId) != epID ||
		conns.VpcEndpointConnections[0].VpcEndpointState != "pendingAcceptance" || !strings.HasPrefix(aws.ToString(conns.VpcEndpointConnections[0].VpcEndpointConnectionId), "vpce-con-") {
		t.Fatalf("DescribeVpcEndpointConnections: %+v", conns.VpcEndpointConnections)
	}
	acc := must[*ec2sdk.AcceptVpcEndpointConnectionsOutput](t, "AcceptVpcEndpointConnections")(c.AcceptVpcEndpointConnections(ctx,
		&ec2sdk.AcceptVpcEndpointConnectionsInput{ServiceId: aws.String(svcID), VpcEndpointIds: []string{epID}}))
	mine := must[*ec2sdk.DescribeVpcEndpointsOutput](t, "DescribeVpcEndpoints")(consumer.DescribeVpcEndpoints(ctx, &ec2sdk.DescribeVpcEndpointsInput{VpcEndpointIds: []string{epID}}))
	if len(acc.Unsuccessful) != 0 || mine.VpcEndpoints[0].State != "available" {
		t.Fatalf("after AcceptVpcEndpointConnections: %+v, %+v", acc.Unsuccessful, mine.VpcEndpoints)
	}
	_, err = lbc.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lbARN)})
	wantCode(t, "DeleteLoadBalancer of a service's load balancer", err, "ResourceInUse")
	del := must[*ec2sdk.DeleteVpcEndpointServiceConfigurationsOutput](t, "DeleteVpcEndpointServiceConfigurations")(c.DeleteVpcEndpointServiceConfigurations(ctx,
		&ec2sdk.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{svcID}}))
	if len(del.Unsuccessful) != 1 || aws.ToString(del.Unsuccessful[0].Error.Code) != "ExistingVpcEndpointConnections" {
		t.Fatalf("DeleteVpcEndpointServiceConfigurations with a connection: %+v", del.Unsuccessful)
	}
	rej := must[*ec2sdk.RejectVpcEndpointConnectionsOutput](t, "RejectVpcEndpointConnections")(c.RejectVpcEndpointConnections(ctx,
		&ec2sdk.RejectVpcEndpointConnectionsInput{ServiceId: aws.String(svcID), VpcEndpointIds: []string{epID}}))
	if len(rej.Unsuccessful) != 0 {
		t.Fatalf("RejectVpcEndpointConnections: %+v", rej.Unsuccessful)
	}

	// Teardown.
	must[*ec2sdk.DeleteVpcEndpointsOutput](t, "DeleteVpcEndpoints")(consumer.DeleteVpcEndpoints(ctx, &ec2sdk.DeleteVpcEndpointsInput{VpcEndpointIds: []string{epID}}))
	dn := must[*ec2sdk.DeleteVpcEndpointConnectionNotificationsOutput](t, "DeleteVpcEndpointConnectionNotifications")(c.DeleteVpcEndpointConnectionNotifications(ctx,
		&ec2sdk.DeleteVpcEndpointConnectionNotificationsInput{ConnectionNotificationIds: []string{nfnID}}))
	del = must[*ec2sdk.DeleteVpcEndpointServiceConfigurationsOutput](t, "DeleteVpcEndpointServiceConfigurations")(c.DeleteVpcEndpointServiceConfigurations(ctx,
		&ec2sdk.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{svcID}}))
	if len(dn.Unsuccessful) != 0 || len(del.Unsuccessful) != 0 {
		t.Fatalf("teardown: %+v, %+v", dn.Unsuccessful, del.Unsuccessful)
	}
	if _, err := lbc.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lbARN)}); err != nil {
		t.Fatal(err)
	}
}
