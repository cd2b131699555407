package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"

	"vpcd/internal/vpcdtest"
)

// TestTerraformInterfaceEndpoints applies interface endpoints (aws_vpc_endpoint of type
// Interface with subnet_ids, security_group_ids and private_dns_enabled), checks their
// DNS names and interfaces, that a second plan is empty, then destroys it all.
func TestTerraformInterfaceEndpoints(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	out, destroy := terraformApply(t, mirror, "testdata/terraform-interface-endpoints", url)
	str := func(name string) string { s, _ := out[name].(string); return s }
	list := func(name string) []string {
		var l []string
		for _, v := range out[name].([]any) {
			l = append(l, v.(string))
		}
		return l
	}
	names, enis := list("ec2_dns_names"), list("ec2_interfaces")
	if !strings.HasPrefix(str("ec2_endpoint"), "vpce-") || str("ec2_state") != "available" || len(enis) != 2 || out["sts_private_dns"] != false ||
		len(names) != 4 || !slices.Contains(names, "ec2.us-east-1.amazonaws.com") {
		t.Errorf("outputs %+v", out)
	}
	c := vpcdtest.Client(url, "123456789012", "us-east-1")
	got, err := c.DescribeNetworkInterfaces(context.Background(), &ec2sdk.DescribeNetworkInterfacesInput{NetworkInterfaceIds: enis})
	if err != nil || len(got.NetworkInterfaces) != 2 {
		t.Fatalf("interfaces: %+v, %v", got, err)
	}
	destroy()
	eps, err := c.DescribeVpcEndpoints(context.Background(), &ec2sdk.DescribeVpcEndpointsInput{})
	if err != nil || len(eps.VpcEndpoints) != 0 {
		t.Errorf("after destroy: %+v, %v", eps, err)
	}
}
