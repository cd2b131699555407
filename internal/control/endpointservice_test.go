package control

import (
	"context"
	"slices"
	"strings"
	"testing"

	"vpcd/internal/aws/elbv2"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// consumerCaller is an account that connects to testCaller's endpoint services.
var consumerCaller = Caller{Account: "111122223333", Region: "us-east-1"}

// privateLinkFixture is testCaller's network load balancer in us-east-1a and b, published
// as an endpoint service, and a consumer VPC of another account with the same CIDR and a
// subnet in us-east-1a and in us-east-1c.
type privateLinkFixture struct {
	lb, svcID, svcName        string
	subnets                   []string // the provider's, in us-east-1a, b and c
	consumerVpc, consA, consC string
}

func newPrivateLinkFixture(t *testing.T, s *Service, acceptance bool) privateLinkFixture {
	t.Helper()
	ctx := context.Background()
	f := newELBFixture(t, s)
	lb, err := s.ELB.CreateLoadBalancer(ctx, testCaller, &elbv2.CreateLoadBalancerInput{Name: kit.Ptr("svc"), Type: kit.Ptr("network"),
		Scheme: kit.Ptr("internal"), Subnets: f.subnets[:2]})
	if err != nil {
		t.Fatal(err)
	}
	p := privateLinkFixture{lb: *lb.LoadBalancers[0].LoadBalancerArn, subnets: f.subnets}
	out, err := s.CreateVpcEndpointServiceConfiguration(ctx, testCaller, &ec2.CreateVpcEndpointServiceConfigurationRequest{
		NetworkLoadBalancerArns: []string{p.lb}, AcceptanceRequired: kit.Ptr(acceptance),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc-endpoint-service"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("svc")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p.svcID, p.svcName = *out.ServiceConfiguration.ServiceId, *out.ServiceConfiguration.ServiceName
	vpc, err := s.CreateVpc(ctx, consumerCaller, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	p.consumerVpc = *vpc.Vpc.VpcId
	for _, sn := range []struct {
		cidr, zone string
		id         *string
	}{{"10.0.1.0/24", "us-east-1a", &p.consA}, {"10.0.3.0/24", "us-east-1c", &p.consC}} {
		out, err := s.CreateSubnet(ctx, consumerCaller, &ec2.CreateSubnetRequest{VpcId: &p.consumerVpc, CidrBlock: kit.Ptr(sn.cidr), AvailabilityZone: kit.Ptr(sn.zone)})
		if err != nil {
			t.Fatal(err)
		}
		*sn.id = *out.Subnet.SubnetId
	}
	return p
}

func (p privateLinkFixture) endpoint(ctx context.Context, s *Service, subnets ...string) (*ec2.CreateVpcEndpointResult, error) {
	return s.CreateVpcEndpoint(ctx, consumerCaller, &ec2.CreateVpcEndpointRequest{VpcId: &p.consumerVpc, ServiceName: &p.svcName,
		VpcEndpointType: kit.Ptr("Interface"), SubnetIds: subnets})
}

// TestEndpointServiceConfiguration: a service on a network load balancer, as its owner and
// the principals it allows see it.
func TestEndpointServiceConfiguration(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	p := newPrivateLinkFixture(t, s, true)

	if !strings.HasPrefix(p.svcName, "com.amazonaws.vpce.us-east-1.vpce-svc-") || !kit.ValidID(p.svcID, "vpce-svc") || !strings.HasSuffix(p.svcName, p.svcID) {
		t.Fatalf("service %s %s", p.svcID, p.svcName)
	}
	got, err := s.DescribeVpcEndpointServiceConfigurations(ctx, testCaller, &ec2.DescribeVpcEndpointServiceConfigurationsRequest{
		Filters: []ec2.Filter{{Name: kit.Ptr("tag:Name"), Values: []string{"svc"}}}})
	if err != nil || len(got.ServiceConfigurations) != 1 {
		t.Fatalf("describe: %+v, %v", got, err)
	}
	sc := got.ServiceConfigurations[0]
	if *sc.ServiceState != "Available" || !*sc.AcceptanceRequired || !slices.Equal(sc.AvailabilityZones, []string{"us-east-1a", "us-east-1b"}) ||
		!slices.Equal(sc.NetworkLoadBalancerArns, []string{p.lb}) || *sc.ServiceType[0].ServiceType != "Interface" ||
		!slices.Equal(sc.BaseEndpointDnsNames, []string{p.svcID + ".us-east-1.vpce.amazonaws.com"}) || !slices.Equal(sc.SupportedIpAddressTypes, []string{"ipv4"}) {
		t.Fatalf("configuration %+v", sc)
	}
	_, err = s.DescribeVpcEndpointServiceConfigurations(ctx, testCaller, &ec2.DescribeVpcEndpointServiceConfigurationsRequest{ServiceIds: []string{"vpce-svc-0123456789abcdef0"}})
	wantCode(t, err, "InvalidVpcEndpointServiceId.NotFound")

	// What creation refuses.
	_, err = s.CreateVpcEndpointServiceConfiguration(ctx, testCaller, &ec2.CreateVpcEndpointServiceConfigurationRequest{
		GatewayLoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/gwy/g/0123456789abcdef"}})
	wantCode(t, err, "UnsupportedOperation")
	_, err = s.CreateVpcEndpointServiceConfiguration(ctx, testCaller, &ec2.CreateVpcEndpointServiceConfigurationRequest{NetworkLoadBalancerArns: []string{"nlb"}})
	wantCode(t, err, "InvalidNetworkLoadBalancerArn.Malformed")
	_, err = s.CreateVpcEndpointServiceConfiguration(ctx, testCaller, &ec2.CreateVpcEndpointServiceConfigurationRequest{
		NetworkLoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/x/0123456789abcdef"}})
	wantCode(t, err, "InvalidNetworkLoadBalancerArn.NotFound")
	_, err = s.CreateVpcEndpointServiceConfiguration(ctx, consumerCaller, &ec2.CreateVpcEndpointServiceConfigurationRequest{NetworkLoadBalancerArns: []string{p.lb}})
	wantCode(t, err, "InvalidNetworkLoadBalancerArn.NotFound")
	_, err = s.CreateVpcEndpointServiceConfiguration(ctx, testCaller, &ec2.CreateVpcEndpointServiceConfigurationRequest{NetworkLoadBalancerArns: []string{p.lb}})
	wantCode(t, err, "InvalidParameter")

	// The load balancer is in use.
	_, err = s.ELB.DeleteLoadBalancer(ctx, testCaller, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: &p.lb})
	wantCode(t, err, "ResourceInUse")

	// Private DNS name, to verify with a TXT record.
	if _, err := s.ModifyVpcEndpointServiceConfiguration(ctx, testCaller, &ec2.ModifyVpcEndpointServiceConfigurationRequest{ServiceId: &p.svcID,
		PrivateDnsName: kit.Ptr("api.example.com"), AcceptanceRequired: kit.Ptr(false)}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.DescribeVpcEndpointServiceConfigurations(ctx, testCaller, &ec2.DescribeVpcEndpointServiceConfigurationsRequest{ServiceIds: []string{p.svcID}})
	dns := got.ServiceConfigurations[0].PrivateDnsNameConfiguration
	if *got.ServiceConfigurations[0].AcceptanceRequired || dns == nil || *dns.State != "pendingVerification" || *dns.Type != "TXT" ||
		!strings.HasPrefix(*dns.Name, "_") || !strings.HasPrefix(*dns.Value, "vpce:") {
		t.Fatalf("private dns %+v", got.ServiceConfigurations[0])
	}

	// Only the owner and the principals it allows see the service.
	names := func(c Caller) []string {
		out, err := s.DescribeVpcEndpointServices(ctx, c, &ec2.DescribeVpcEndpointServicesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("service-name"), Values: []string{p.svcName}}}})
		if err != nil {
			t.Fatal(err)
		}
		return out.ServiceNames
	}
	if len(names(testCaller)) != 1 || len(names(consumerCaller)) != 0 {
		t.Fatalf("before permissions: owner %v, consumer %v", names(testCaller), names(consumerCaller))
	}
	_, err = s.DescribeVpcEndpointServices(ctx, consumerCaller, &ec2.DescribeVpcEndpointServicesRequest{ServiceNames: []string{p.svcName}})
	wantCode(t, err, "InvalidServiceName")
	_, err = s.ModifyVpcEndpointServicePermissions(ctx, testCaller, &ec2.ModifyVpcEndpointServicePermissionsRequest{ServiceId: &p.svcID, AddAllowedPrincipals: []string{"bob"}})
	wantCode(t, err, "InvalidParameterValue")
	added, err := s.ModifyVpcEndpointServicePermissions(ctx, testCaller, &ec2.ModifyVpcEndpointServicePermissionsRequest{ServiceId: &p.svcID,
		AddAllowedPrincipals: []string{"arn:aws:iam::111122223333:root"}})
	if err != nil || len(added.AddedPrincipals) != 1 || *added.AddedPrincipals[0].PrincipalType != "Account" {
		t.Fatalf("add principal: %+v, %v", added, err)
	}
	perms, err := s.DescribeVpcEndpointServicePermissions(ctx, testCaller, &ec2.DescribeVpcEndpointServicePermissionsRequest{ServiceId: &p.svcID})
	if err != nil || len(perms.AllowedPrincipals) != 1 || *perms.AllowedPrincipals[0].ServicePermissionId != *added.AddedPrincipals[0].ServicePermissionId {
		t.Fatalf("permissions %+v, %v", perms, err)
	}
	if len(names(consumerCaller)) != 1 {
		t.Fatal("an allowed principal does not see the service")
	}
	seen, _ := s.DescribeVpcEndpointServices(ctx, consumerCaller, &ec2.DescribeVpcEndpointServicesRequest{ServiceNames: []string{p.svcName}})
	d := seen.ServiceDetails[0]
	if *d.Owner != testCaller.Account || *d.ServiceType[0].ServiceType != "Interface" || *d.ManagesVpcEndpoints || *d.AcceptanceRequired ||
		!slices.Equal(d.AvailabilityZones, []string{"us-east-1a", "us-east-1b"}) || *d.PrivateDnsNameVerificationState != "pendingVerification" || len(d.Tags) != 0 {
		t.Fatalf("detail %+v", d)
	}

	// Load balancers added and removed: the zones follow, the one removed is free to go,
	// and a service keeps at least one.
	second, err := s.ELB.CreateLoadBalancer(ctx, testCaller, &elbv2.CreateLoadBalancerInput{Name: kit.Ptr("svc2"), Type: kit.Ptr("network"),
		Scheme: kit.Ptr("internal"), Subnets: p.subnets[2:]})
	if err != nil {
		t.Fatal(err)
	}
	lb2 := *second.LoadBalancers[0].LoadBalancerArn
	if _, err := s.ModifyVpcEndpointServiceConfiguration(ctx, testCaller, &ec2.ModifyVpcEndpointServiceConfigurationRequest{ServiceId: &p.svcID,
		AddNetworkLoadBalancerArns: []string{lb2}, RemoveNetworkLoadBalancerArns: []string{p.lb}}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.DescribeVpcEndpointServiceConfigurations(ctx, testCaller, &ec2.DescribeVpcEndpointServiceConfigurationsRequest{ServiceIds: []string{p.svcID}})
	if sc := got.ServiceConfigurations[0]; !slices.Equal(sc.NetworkLoadBalancerArns, []string{lb2}) || !slices.Equal(sc.AvailabilityZones, []string{"us-east-1c"}) {
		t.Fatalf("after swapping load balancers %+v", sc)
	}
	_, err = s.ModifyVpcEndpointServiceConfiguration(ctx, testCaller, &ec2.ModifyVpcEndpointServiceConfigurationRequest{ServiceId: &p.svcID,
		RemoveNetworkLoadBalancerArns: []string{lb2}})
	wantCode(t, err, "InvalidParameter")
	if _, err := s.ELB.DeleteLoadBalancer(ctx, testCaller, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: &p.lb}); err != nil {
		t.Fatalf("a load balancer removed from its service: %v", err)
	}
	p.lb = lb2

	// Deleting the service lets the load balancer go.
	del, err := s.DeleteVpcEndpointServiceConfigurations(ctx, testCaller, &ec2.DeleteVpcEndpointServiceConfigurationsRequest{ServiceIds: []string{p.svcID, "vpce-svc-0123456789abcdef0"}})
	if err != nil || len(del.Unsuccessful) != 1 || *del.Unsuccessful[0].Error.Code != "InvalidVpcEndpointService.NotFound" {
		t.Fatalf("delete: %+v, %v", del, err)
	}
	if _, err := s.ELB.DeleteLoadBalancer(ctx, testCaller, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: &p.lb}); err != nil {
		t.Fatal(err)
	}
}

// TestEndpointServiceConnections: a consumer's interface endpoint to a provider's service,
// accepted and rejected by the provider.
func TestEndpointServiceConnections(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	p := newPrivateLinkFixture(t, s, true)

	// A consumer not allowed finds no such service.
	_, err := p.endpoint(ctx, s, p.consA)
	wantCode(t, err, "InvalidServiceName")
	if _, err := s.ModifyVpcEndpointServicePermissions(ctx, testCaller, &ec2.ModifyVpcEndpointServicePermissionsRequest{ServiceId: &p.svcID,
		AddAllowedPrincipals: []string{"*"}}); err != nil {
		t.Fatal(err)
	}
	// Only in the zones of the service's load balancers.
	_, err = p.endpoint(ctx, s, p.consC)
	wantCode(t, err, "InvalidParameter")
	out, err := p.endpoint(ctx, s, p.consA)
	if err != nil {
		t.Fatal(err)
	}
	e := out.VpcEndpoint
	id := *e.VpcEndpointId
	if *e.State != "pendingAcceptance" || len(e.NetworkInterfaceIds) != 1 || *e.PrivateDnsEnabled ||
		!strings.HasSuffix(*e.DnsEntries[0].DnsName, "."+p.svcID+".us-east-1.vpce.amazonaws.com") {
		t.Fatalf("endpoint %+v", e)
	}

	_, err = s.ModifyVpcEndpoint(ctx, consumerCaller, &ec2.ModifyVpcEndpointRequest{VpcEndpointId: &id, AddSubnetIds: []string{p.consC}})
	wantCode(t, err, "InvalidParameter")
	_, err = s.ModifyVpcEndpoint(ctx, consumerCaller, &ec2.ModifyVpcEndpointRequest{VpcEndpointId: &id, PolicyDocument: kit.Ptr(`{"Statement":[]}`)})
	wantCode(t, err, "InvalidParameter")

	// The provider sees the connection, and the service cannot go while it is there.
	conns, err := s.DescribeVpcEndpointConnections(ctx, testCaller, &ec2.DescribeVpcEndpointConnectionsRequest{
		Filters: []ec2.Filter{{Name: kit.Ptr("vpc-endpoint-state"), Values: []string{"pendingAcceptance"}}}})
	if err != nil || len(conns.VpcEndpointConnections) != 1 {
		t.Fatalf("connections %+v, %v", conns, err)
	}
	x := conns.VpcEndpointConnections[0]
	if *x.VpcEndpointId != id || *x.VpcEndpointOwner != consumerCaller.Account || *x.ServiceId != p.svcID || len(x.DnsEntries) != 2 ||
		!slices.Equal(x.NetworkLoadBalancerArns, []string{p.lb}) {
		t.Fatalf("connection %+v", x)
	}
	del, err := s.DeleteVpcEndpointServiceConfigurations(ctx, testCaller, &ec2.DeleteVpcEndpointServiceConfigurationsRequest{ServiceIds: []string{p.svcID}})
	if err != nil || len(del.Unsuccessful) != 1 || *del.Unsuccessful[0].Error.Code != "ExistingVpcEndpointConnections" {
		t.Fatalf("delete with a connection: %+v, %v", del, err)
	}

	// Accept: the consumer's endpoint is available; accepting again is unsuccessful.
	acc, err := s.AcceptVpcEndpointConnections(ctx, testCaller, &ec2.AcceptVpcEndpointConnectionsRequest{ServiceId: &p.svcID, VpcEndpointIds: []string{id, "vpce-0123456789abcdef0"}})
	if err != nil || len(acc.Unsuccessful) != 1 || *acc.Unsuccessful[0].ResourceId != "vpce-0123456789abcdef0" {
		t.Fatalf("accept: %+v, %v", acc, err)
	}
	mine, err := s.DescribeVpcEndpoints(ctx, consumerCaller, &ec2.DescribeVpcEndpointsRequest{VpcEndpointIds: []string{id}})
	if err != nil || *mine.VpcEndpoints[0].State != "available" {
		t.Fatalf("after accept: %+v, %v", mine, err)
	}
	acc, _ = s.AcceptVpcEndpointConnections(ctx, testCaller, &ec2.AcceptVpcEndpointConnectionsRequest{ServiceId: &p.svcID, VpcEndpointIds: []string{id}})
	if len(acc.Unsuccessful) != 1 || *acc.Unsuccessful[0].Error.Code != "InvalidState" {
		t.Fatalf("accepting again: %+v", acc)
	}
	_, err = s.AcceptVpcEndpointConnections(ctx, consumerCaller, &ec2.AcceptVpcEndpointConnectionsRequest{ServiceId: &p.svcID, VpcEndpointIds: []string{id}})
	wantCode(t, err, "InvalidVpcEndpointServiceId.NotFound")

	// Notifications are stored (vpcd sends none).
	nfn, err := s.CreateVpcEndpointConnectionNotification(ctx, testCaller, &ec2.CreateVpcEndpointConnectionNotificationRequest{ServiceId: &p.svcID,
		ConnectionNotificationArn: kit.Ptr("arn:aws:sns:us-east-1:123456789012:endpoints"), ConnectionEvents: []string{"Connect", "Accept"}})
	if err != nil || *nfn.ConnectionNotification.ConnectionNotificationState != "Enabled" {
		t.Fatalf("notification: %+v, %v", nfn, err)
	}
	nid := *nfn.ConnectionNotification.ConnectionNotificationId
	_, err = s.CreateVpcEndpointConnectionNotification(ctx, testCaller, &ec2.CreateVpcEndpointConnectionNotificationRequest{ServiceId: &p.svcID,
		ConnectionNotificationArn: kit.Ptr("arn:aws:sns:us-east-1:123456789012:endpoints"), ConnectionEvents: []string{"Poke"}})
	wantCode(t, err, "InvalidParameterValue")
	if _, err := s.ModifyVpcEndpointConnectionNotification(ctx, testCaller, &ec2.ModifyVpcEndpointConnectionNotificationRequest{ConnectionNotificationId: &nid,
		ConnectionEvents: []string{"Reject"}}); err != nil {
		t.Fatal(err)
	}
	ns, err := s.DescribeVpcEndpointConnectionNotifications(ctx, testCaller, &ec2.DescribeVpcEndpointConnectionNotificationsRequest{ConnectionNotificationId: &nid})
	if err != nil || len(ns.ConnectionNotificationSet) != 1 || !slices.Equal(ns.ConnectionNotificationSet[0].ConnectionEvents, []string{"Reject"}) {
		t.Fatalf("notifications %+v, %v", ns, err)
	}
	_, err = s.DescribeVpcEndpointConnectionNotifications(ctx, testCaller, &ec2.DescribeVpcEndpointConnectionNotificationsRequest{ConnectionNotificationId: kit.Ptr("vpce-nfn-0123456789abcdef0")})
	wantCode(t, err, "InvalidConnectionNotification")

	// Reject: the endpoint is rejected, and the service may go once it is deleted.
	rej, err := s.RejectVpcEndpointConnections(ctx, testCaller, &ec2.RejectVpcEndpointConnectionsRequest{ServiceId: &p.svcID, VpcEndpointIds: []string{id}})
	if err != nil || len(rej.Unsuccessful) != 0 {
		t.Fatalf("reject: %+v, %v", rej, err)
	}
	mine, _ = s.DescribeVpcEndpoints(ctx, consumerCaller, &ec2.DescribeVpcEndpointsRequest{VpcEndpointIds: []string{id}})
	if *mine.VpcEndpoints[0].State != "rejected" {
		t.Fatalf("after reject: %+v", mine.VpcEndpoints[0])
	}
	if _, err := s.DeleteVpcEndpoints(ctx, consumerCaller, &ec2.DeleteVpcEndpointsRequest{VpcEndpointIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	conns, _ = s.DescribeVpcEndpointConnections(ctx, testCaller, &ec2.DescribeVpcEndpointConnectionsRequest{})
	if len(conns.VpcEndpointConnections) != 0 {
		t.Fatalf("connections after delete %+v", conns)
	}
	del, err = s.DeleteVpcEndpointServiceConfigurations(ctx, testCaller, &ec2.DeleteVpcEndpointServiceConfigurationsRequest{ServiceIds: []string{p.svcID}})
	if err != nil || len(del.Unsuccessful) != 0 {
		t.Fatalf("delete: %+v, %v", del, err)
	}
	ns, _ = s.DescribeVpcEndpointConnectionNotifications(ctx, testCaller, &ec2.DescribeVpcEndpointConnectionNotificationsRequest{})
	if len(ns.ConnectionNotificationSet) != 0 {
		t.Fatalf("notifications outlive their service: %+v", ns)
	}
}

// TestEndpointServiceWithoutAcceptance: an endpoint to a service that does not require
// acceptance is available at once, also from the owner's own VPC.
func TestEndpointServiceWithoutAcceptance(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	p := newPrivateLinkFixture(t, s, false)
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	sn := zonedSubnet(t, s, vpc, "10.0.1.0/24", "us-east-1b")
	out, err := s.CreateVpcEndpoint(ctx, testCaller, &ec2.CreateVpcEndpointRequest{VpcId: &vpc, ServiceName: &p.svcName,
		VpcEndpointType: kit.Ptr("Interface"), SubnetIds: []string{sn}})
	if err != nil || *out.VpcEndpoint.State != "available" {
		t.Fatalf("endpoint: %+v, %v", out, err)
	}
	_, err = s.CreateVpcEndpoint(ctx, testCaller, &ec2.CreateVpcEndpointRequest{VpcId: &vpc, ServiceName: &p.svcName})
	wantCode(t, err, "InvalidParameter")
}
