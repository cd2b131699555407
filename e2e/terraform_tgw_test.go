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

// TestTerraformTransitGateways applies a transit gateway with two VPC attachments, a
// route table of its own with an association, a propagation, a static route and a
// blackhole, and VPC routes to the gateway (aws_route and an inline route); checks that a
// second plan is empty and what the gateway's tables hold, then destroys it all.
func TestTerraformTransitGateways(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	out, destroy := terraformApply(t, mirror, "testdata/terraform-tgw", url)
	str := func(name string) string { s, _ := out[name].(string); return s }
	if !strings.HasPrefix(str("transit_gateway_id"), "tgw-") || !strings.HasSuffix(str("transit_gateway_arn"), ":transit-gateway/"+str("transit_gateway_id")) ||
		!strings.HasPrefix(str("default_route_table"), "tgw-rtb-") || out["default_route_table_is_default"] != true {
		t.Errorf("outputs %+v", out)
	}

	ctx := context.Background()
	c := vpcdtest.Client(url, "123456789012", "us-east-1")
	search := func(rtb string) map[string]string {
		routes, err := c.SearchTransitGatewayRoutes(ctx, &ec2sdk.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: aws.String(rtb),
			Filters: []types.Filter{{Name: aws.String("state"), Values: []string{"active", "blackhole"}}}})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range routes.Routes {
			to := string(r.State)
			if len(r.TransitGatewayAttachments) > 0 {
				to = aws.ToString(r.TransitGatewayAttachments[0].TransitGatewayAttachmentId)
			}
			got[aws.ToString(r.DestinationCidrBlock)] = string(r.Type) + " " + to
		}
		return got
	}
	// The default table has the shared VPC (propagated by default) and not prod
	// (association and propagation disabled on its attachment).
	if got := search(str("default_route_table")); len(got) != 1 || got["10.80.0.0/16"] != "propagated "+str("shared_attachment") {
		t.Errorf("default table routes %v", got)
	}
	if got := search(str("prod_route_table")); len(got) != 3 || got["10.80.0.0/16"] != "propagated "+str("shared_attachment") ||
		got["0.0.0.0/0"] != "static "+str("shared_attachment") || got["192.168.0.0/16"] != "static blackhole" {
		t.Errorf("prod table routes %v", got)
	}
	rts, err := c.DescribeRouteTables(ctx, &ec2sdk.DescribeRouteTablesInput{RouteTableIds: []string{str("prod_vpc_route_table")}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rts.RouteTables[0].Routes {
		found = found || aws.ToString(r.TransitGatewayId) == str("transit_gateway_id") && r.State == types.RouteStateActive
	}
	if !found {
		t.Errorf("prod VPC routes %+v lack an active route to the gateway", rts.RouteTables[0].Routes)
	}
	destroy()
}
