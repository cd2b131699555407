package e2e

import (
	"context"
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
func TestTerraformNetworkLoadBalancer(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
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
	if enis := interfaces(); len(enis) != 2 || enis[0].InterfaceType != "network_load_balancer" {
		t.Errorf("load balancer interfaces %+v", enis)
	}
	destroy()
}
