package e2e

// PrivateLink carries traffic: a consumer's interface endpoint to a provider's endpoint
// service reaches the targets of the service's network load balancer, which see the
// load balancer node's address, though the two VPCs have the same block; an endpoint
// whose connection is not accepted carries nothing.

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestPrivateLink(t *testing.T) {
	p := startPlane(t)
	c := p.elbClient()
	// The provider: a load balancer in zone a with two targets.
	provider := p.vpc("10.0.0.0/16")
	subA := p.subnetIn(provider, "10.0.1.0/24", "us-east-1a")
	web := p.group(provider, "web")
	p.allowIn(web, perm("tcp", 8080, 8080, "10.0.0.0/16"))
	t1, t2 := p.launch(subA, []string{web}), p.launch(subA, []string{web})
	for _, target := range []instance{t1, t2} {
		defer p.serveOn(target.ID, "tcp-serve", "0.0.0.0", 8080, target.ID)()
	}
	lb := p.networkLoadBalancer(c, provider, "internal", []string{subA}, 80, 8080, t1.ID, t2.ID)
	node := lb.nodes[subA]
	p.eventually("every target healthy", func() bool {
		h := p.health(c, lb.group)
		return h[t1.ID] == "healthy" && h[t2.ID] == "healthy"
	})
	svc, err := p.ec2.CreateVpcEndpointServiceConfiguration(p.ctx, &ec2sdk.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{lb.arn}, AcceptanceRequired: aws.Bool(true)})
	p.check("CreateVpcEndpointServiceConfiguration", err)
	serviceID := aws.ToString(svc.ServiceConfiguration.ServiceId)

	// The consumer: the same block, an endpoint in zone a.
	consumer := p.vpc("10.0.0.0/16")
	sub := p.subnetIn(consumer, "10.0.1.0/24", "us-east-1a")
	endpointGroup := p.group(consumer, "endpoint")
	p.allowIn(endpointGroup, perm("tcp", 80, 80, "10.0.0.0/16"))
	ep, err := p.ec2.CreateVpcEndpoint(p.ctx, &ec2sdk.CreateVpcEndpointInput{VpcId: aws.String(consumer), VpcEndpointType: types.VpcEndpointTypeInterface,
		ServiceName: svc.ServiceConfiguration.ServiceName, SubnetIds: []string{sub}, SecurityGroupIds: []string{endpointGroup}})
	p.check("CreateVpcEndpoint", err)
	if got := string(ep.VpcEndpoint.State); got != "pendingAcceptance" {
		t.Fatalf("endpoint state %s, want pendingAcceptance", got)
	}
	enis, err := p.ec2.DescribeNetworkInterfaces(p.ctx, &ec2sdk.DescribeNetworkInterfacesInput{NetworkInterfaceIds: ep.VpcEndpoint.NetworkInterfaceIds})
	p.check("DescribeNetworkInterfaces", err)
	eniIP := aws.ToString(enis.NetworkInterfaces[0].PrivateIpAddress)
	client := p.launch(sub, []string{p.group(consumer, "client")})

	// Pending acceptance, the endpoint carries nothing: its interface refuses.
	p.eventually("a pending endpoint refuses", func() bool { return p.connect(client.ID, eniIP, 80) == "refused" })

	_, err = p.ec2.AcceptVpcEndpointConnections(p.ctx, &ec2sdk.AcceptVpcEndpointConnectionsInput{ServiceId: aws.String(serviceID),
		VpcEndpointIds: []string{aws.ToString(ep.VpcEndpoint.VpcEndpointId)}})
	p.check("AcceptVpcEndpointConnections", err)
	want := []string{t1.ID, t2.ID}
	slices.Sort(want)
	p.eventually("the endpoint reaches both targets, from the node's address", func() bool {
		got, failed := targetsOf(t, p.connections(client.ID, eniIP, 80, 20), node)
		return slices.Equal(got, want) && failed == 0
	})
	// Another port of the interface has no listener behind it.
	if got := p.connect(client.ID, eniIP, 81); got == "open" {
		t.Errorf("port 81 of the endpoint: %s", got)
	}

	// Rejected, the endpoint carries nothing again.
	_, err = p.ec2.RejectVpcEndpointConnections(p.ctx, &ec2sdk.RejectVpcEndpointConnectionsInput{ServiceId: aws.String(serviceID),
		VpcEndpointIds: []string{aws.ToString(ep.VpcEndpoint.VpcEndpointId)}})
	p.check("RejectVpcEndpointConnections", err)
	p.eventually("a rejected endpoint refuses", func() bool { return p.connect(client.ID, eniIP, 80) == "refused" })
}
