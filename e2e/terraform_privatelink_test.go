package e2e

import (
	"context"
	"strings"
	"testing"

	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"

	"vpcd/internal/vpcdtest"
)

// TestTerraformPrivateLink applies an endpoint service on a network load balancer
// (aws_vpc_endpoint_service with allowed principals and acceptance required,
// aws_vpc_endpoint_service_allowed_principal), an interface endpoint to it from a VPC
// with the same CIDR and its acceptance (aws_vpc_endpoint_connection_accepter), checks
// that a second plan is empty, then destroys it all.
func TestTerraformPrivateLink(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	out, destroy := terraformApply(t, mirror, "testdata/terraform-privatelink", url)
	str := func(name string) string { s, _ := out[name].(string); return s }
	zones, _ := out["service_zones"].([]any)
	if !strings.HasPrefix(str("service_id"), "vpce-svc-") || str("service_name") != "com.amazonaws.vpce.us-east-1."+str("service_id") ||
		len(zones) != 2 || str("endpoint_state") != "available" {
		t.Errorf("outputs %+v", out)
	}
	c := vpcdtest.Client(url, "123456789012", "us-east-1")
	perms, err := c.DescribeVpcEndpointServicePermissions(context.Background(), &ec2sdk.DescribeVpcEndpointServicePermissionsInput{ServiceId: &[]string{str("service_id")}[0]})
	if err != nil || len(perms.AllowedPrincipals) != 2 {
		t.Errorf("permissions: %+v, %v", perms, err)
	}
	destroy()
	svcs, err := c.DescribeVpcEndpointServiceConfigurations(context.Background(), &ec2sdk.DescribeVpcEndpointServiceConfigurationsInput{})
	if err != nil || len(svcs.ServiceConfigurations) != 0 {
		t.Errorf("after destroy: %+v, %v", svcs, err)
	}
}
