package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"

	"vpcd/internal/vpcdtest"
)

// TestTerraformGatewayEndpoints looks endpoint services up with data
// "aws_vpc_endpoint_service", applies S3 and DynamoDB gateway endpoints (one with its
// route table in route_table_ids, one through aws_vpc_endpoint_route_table_association
// and with a policy), checks that a second plan is empty and that each table routes the
// service's prefix list to its endpoint, then destroys it all.
func TestTerraformGatewayEndpoints(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	out, destroy := terraformApply(t, mirror, "testdata/terraform-endpoints", url)
	str := func(name string) string { s, _ := out[name].(string); return s }
	if !strings.HasPrefix(str("s3_endpoint"), "vpce-") || !strings.HasPrefix(str("s3_prefix_list"), "pl-") || str("s3_state") != "available" ||
		str("ssm_private_dns_name") != "ssm.us-east-1.amazonaws.com" || str("s3_service_type") != "Gateway" {
		t.Errorf("outputs %+v", out)
	}
	if cidrs, _ := out["s3_cidr_blocks"].([]any); len(cidrs) == 0 {
		t.Errorf("s3 cidr_blocks %v", out["s3_cidr_blocks"])
	}

	// Each route table routes its service's prefix list to its endpoint.
	c := vpcdtest.Client(url, "123456789012", "us-east-1")
	for table, endpoint := range map[string]string{str("private_table"): str("s3_endpoint"), str("intra_table"): str("dynamodb_endpoint")} {
		rts, err := c.DescribeRouteTables(context.Background(), &ec2sdk.DescribeRouteTablesInput{RouteTableIds: []string{table}})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range rts.RouteTables[0].Routes {
			if aws.ToString(r.GatewayId) == endpoint && strings.HasPrefix(aws.ToString(r.DestinationPrefixListId), "pl-") && r.State == "active" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s has no route to %s: %+v", table, endpoint, rts.RouteTables[0].Routes)
		}
	}
	destroy()
	eps, err := c.DescribeVpcEndpoints(context.Background(), &ec2sdk.DescribeVpcEndpointsInput{})
	if err != nil || len(eps.VpcEndpoints) != 0 {
		t.Errorf("after destroy: %+v, %v", eps, err)
	}
}
