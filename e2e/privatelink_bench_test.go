package e2e

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// BenchmarkPrivateLink measures PrivateLink on the real data plane, side by side with
// the direct path and the load balancer in the same run: TCP round trips, throughput and
// connections per second from an instance of the provider's VPC to a target (direct) and
// to the load balancer's node (nlb), and from an instance of a consumer VPC with the same
// block to its endpoint's interface (privatelink: the interface namespace's DNAT and SNAT,
// the link, the router's DNAT to one of two targets and SNAT to the node). Root only:
//
//	go test -run '^$' -bench PrivateLink -benchtime 1x -v ./e2e/
func BenchmarkPrivateLink(b *testing.B) {
	p := startPlane(b)
	c := p.elbClient()
	provider := p.vpc("10.80.0.0/16")
	sub := p.subnetIn(provider, "10.80.1.0/24", "us-east-1a")
	grp := p.group(provider, "bench")
	p.allowIn(grp, perm("tcp", 7000, 7000, "10.80.0.0/16"))
	client, t1, t2 := p.launch(sub, []string{grp}), p.launch(sub, []string{grp}), p.launch(sub, []string{grp})
	script, err := filepath.Abs("../bench/testdata/tcp_perf.py")
	if err != nil {
		b.Fatal(err)
	}
	p.perfServe(script, t1.ID, "0.0.0.0")
	p.perfServe(script, t2.ID, "0.0.0.0")
	lb := p.networkLoadBalancer(c, provider, "internal", []string{sub}, 7000, 7000, t1.ID, t2.ID)
	node := lb.nodes[sub]
	p.eventually("both targets healthy", func() bool {
		h := p.health(c, lb.group)
		return h[t1.ID] == "healthy" && h[t2.ID] == "healthy"
	})
	svc, err := p.ec2.CreateVpcEndpointServiceConfiguration(p.ctx, &ec2sdk.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{lb.arn}, AcceptanceRequired: aws.Bool(false)})
	p.check("CreateVpcEndpointServiceConfiguration", err)
	consumer := p.vpc("10.80.0.0/16")
	csub := p.subnetIn(consumer, "10.80.1.0/24", "us-east-1a")
	egrp := p.group(consumer, "endpoint")
	p.allowIn(egrp, perm("tcp", 7000, 7000, "10.80.0.0/16"))
	start := time.Now()
	ep, err := p.ec2.CreateVpcEndpoint(p.ctx, &ec2sdk.CreateVpcEndpointInput{VpcId: aws.String(consumer), VpcEndpointType: types.VpcEndpointTypeInterface,
		ServiceName: svc.ServiceConfiguration.ServiceName, SubnetIds: []string{csub}, SecurityGroupIds: []string{egrp}})
	p.check("CreateVpcEndpoint", err)
	enis, err := p.ec2.DescribeNetworkInterfaces(p.ctx, &ec2sdk.DescribeNetworkInterfacesInput{NetworkInterfaceIds: ep.VpcEndpoint.NetworkInterfaceIds})
	p.check("DescribeNetworkInterfaces", err)
	eniIP := aws.ToString(enis.NetworkInterfaces[0].PrivateIpAddress)
	cclient := p.launch(csub, []string{p.group(consumer, "client")})
	p.eventually("the endpoint carries", func() bool { return p.connect(cclient.ID, eniIP, 7000) == "open" })
	b.Logf("set-up: the endpoint carries %v after CreateVpcEndpoint (an instance launched between)", time.Since(start).Round(10*time.Millisecond))
	for round := range 3 {
		for _, mode := range []string{"rr", "stream", "connect"} {
			direct := p.perf(script, mode, client.ID, t2.IP)
			nlb := p.perf(script, mode, client.ID, node)
			pl := p.perf(script, mode, cclient.ID, eniIP)
			b.Logf("round %d %-7s direct: %-14s nlb: %-14s privatelink: %s", round, mode, direct, nlb, pl)
		}
	}
}
