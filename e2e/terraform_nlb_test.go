package e2e

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"vpcd/internal/vpcdtest"
)

// TestTerraformNetworkLoadBalancer applies an internal network load balancer with
// aws_lb, aws_lb_target_group, aws_lb_listener and aws_lb_target_group_attachment, checks
// that a second plan is empty and that the load balancer has an interface in each subnet,
// then destroys it all (the subnets go only once the interfaces have).
//
// As root, with the data plane on, traffic goes through it too: from a client instance
// to a node, on to the ip target (an instance at 10.80.1.50), which sees the node's
// address (client IP preservation is off for ip targets of TCP groups).
func TestTerraformNetworkLoadBalancer(t *testing.T) {
	mirror := requireTerraform(t)
	var p *plane
	var url string
	if os.Geteuid() == 0 {
		p = startPlane(t)
		url = p.url
	} else {
		url, _ = vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	}
	out, destroy := terraformApply(t, mirror, "testdata/terraform-nlb", url)
	str := func(name string) string { s, _ := out[name].(string); return s }
	arn := str("lb_arn")
	id := arn[strings.LastIndexByte(arn, '/')+1:]
	if !strings.HasPrefix(arn, "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/web/") ||
		str("lb_dns_name") != "web-"+id+".elb.us-east-1.amazonaws.com" || str("lb_zone_id") != "Z26RNL4JYFTOTI" ||
		!strings.Contains(str("target_group_arn"), ":targetgroup/web/") || !strings.Contains(str("listener_arn"), ":listener/net/web/"+id+"/") {
		t.Errorf("outputs %+v", out)
	}
	c := vpcdtest.Client(url, "123456789012", "us-east-1")
	interfaces := func() []types.NetworkInterface {
		enis, err := c.DescribeNetworkInterfaces(context.Background(), &ec2sdk.DescribeNetworkInterfacesInput{
			Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{str("vpc_id")}}}})
		if err != nil {
			t.Fatal(err)
		}
		return enis.NetworkInterfaces
	}
	enis := interfaces()
	if len(enis) != 2 || enis[0].InterfaceType != "network_load_balancer" {
		t.Errorf("load balancer interfaces %+v", enis)
	}
	if p != nil {
		nlbTraffic(p, str("vpc_id"), str("subnet_a"), enis)
	}
	destroy()
}

// nlbTraffic launches the target and a client in subnet a, checks that a connection to
// the node there reaches the target from the node's address, and terminates both.
func nlbTraffic(p *plane, vpc, subnet string, enis []types.NetworkInterface) {
	p.t.Helper()
	web := p.group(vpc, "web")
	p.allowIn(web, perm("tcp", 80, 80, "10.80.0.0/16"))
	target := p.launch(subnet, []string{web}, withIP("10.80.1.50"))
	client := p.launch(subnet, []string{web})
	p.serve(target.ID, "tcp-serve", 80, "target")
	var node string
	for _, e := range enis {
		if aws.ToString(e.SubnetId) == subnet {
			node = aws.ToString(e.PrivateIpAddress)
		}
	}
	p.eventually("the client reaches the target through the node, from the node's address", func() bool {
		out, err := p.send(client.ID, "tcp-connect", node, "80", "2")
		return err == nil && out == node+" target"
	})
	_, err := p.ec2.TerminateInstances(p.ctx, &ec2sdk.TerminateInstancesInput{InstanceIds: []string{target.ID, client.ID}})
	p.check("TerminateInstances", err)
	_, err = p.ec2.DeleteSecurityGroup(p.ctx, &ec2sdk.DeleteSecurityGroupInput{GroupId: aws.String(web)})
	p.check("DeleteSecurityGroup", err)
}
