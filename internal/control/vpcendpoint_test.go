package control

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

const s3Service = "com.amazonaws.us-east-1.s3"

func createGatewayEndpoint(t *testing.T, s *Service, vpcID string, tables ...string) *ec2.VpcEndpoint {
	t.Helper()
	out, err := s.CreateVpcEndpoint(context.Background(), testCaller, &ec2.CreateVpcEndpointRequest{
		VpcId: kit.Ptr(vpcID), ServiceName: kit.Ptr(s3Service), RouteTableIds: tables,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.VpcEndpoint
}

func describeEndpoint(t *testing.T, s *Service, id string) ec2.VpcEndpoint {
	t.Helper()
	out, err := s.DescribeVpcEndpoints(context.Background(), testCaller, &ec2.DescribeVpcEndpointsRequest{VpcEndpointIds: []string{id}})
	if err != nil || len(out.VpcEndpoints) != 1 {
		t.Fatalf("describe %s: %+v, %v", id, out, err)
	}
	return out.VpcEndpoints[0]
}

// endpointRoute is the route of a table to the prefix list, nil when there is none.
func endpointRoute(t *testing.T, s *Service, rtb, pl string) *ec2.Route {
	t.Helper()
	for _, r := range describeRouteTable(t, s, rtb).Routes {
		if kit.Deref(r.DestinationPrefixListId) == pl {
			return &r
		}
	}
	return nil
}

func s3PrefixList() string {
	for _, p := range kit.AwsManagedPrefixLists("us-east-1") {
		if p.Name == s3Service {
			return p.ID
		}
	}
	panic("no s3 prefix list")
}

func TestDescribeVpcEndpointServices(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	all, err := s.DescribeVpcEndpointServices(ctx, testCaller, &ec2.DescribeVpcEndpointServicesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.ServiceDetails) < 40 || len(all.ServiceNames) != len(all.ServiceDetails) {
		t.Fatalf("%d services, %d names", len(all.ServiceDetails), len(all.ServiceNames))
	}
	for _, name := range []string{"ec2", "ssm", "ssmmessages", "ec2messages", "logs", "sts", "kms", "secretsmanager", "ecr.api", "ecr.dkr", "monitoring", "sns", "sqs", "elasticloadbalancing", "autoscaling", "lambda"} {
		if !slices.Contains(all.ServiceNames, "com.amazonaws.us-east-1."+name) {
			t.Errorf("%s is not listed", name)
		}
	}

	// S3 is listed once per type, the gateway first, as AWS lists it.
	out, err := s.DescribeVpcEndpointServices(ctx, testCaller, &ec2.DescribeVpcEndpointServicesRequest{ServiceNames: []string{s3Service}})
	if err != nil || len(out.ServiceDetails) != 2 || !slices.Equal(out.ServiceNames, []string{s3Service, s3Service}) {
		t.Fatalf("s3: %+v, %v", out, err)
	}
	gw, iface := out.ServiceDetails[0], out.ServiceDetails[1]
	if *gw.ServiceType[0].ServiceType != "Gateway" || *iface.ServiceType[0].ServiceType != "Interface" {
		t.Fatalf("types %v %v", *gw.ServiceType[0].ServiceType, *iface.ServiceType[0].ServiceType)
	}
	if *gw.Owner != "amazon" || *gw.AcceptanceRequired || !*gw.VpcEndpointPolicySupported || gw.PrivateDnsName != nil ||
		!slices.Equal(gw.BaseEndpointDnsNames, []string{"s3.us-east-1.amazonaws.com"}) || len(gw.AvailabilityZones) != 6 ||
		gw.AvailabilityZones[0] != "us-east-1a" || *gw.ServiceId == *iface.ServiceId || len(*gw.ServiceId) != len("vpce-svc-")+17 {
		t.Fatalf("gateway %+v", gw)
	}

	// The data source's query: a name and a type filter.
	out, err = s.DescribeVpcEndpointServices(ctx, testCaller, &ec2.DescribeVpcEndpointServicesRequest{
		ServiceNames: []string{"com.amazonaws.us-east-1.ecr.dkr"},
		Filters:      []ec2.Filter{{Name: kit.Ptr("service-type"), Values: []string{"Interface"}}},
	})
	if err != nil || len(out.ServiceDetails) != 1 || *out.ServiceDetails[0].PrivateDnsName != "*.dkr.ecr.us-east-1.amazonaws.com" {
		t.Fatalf("ecr.dkr: %+v, %v", out, err)
	}
	out, err = s.DescribeVpcEndpointServices(ctx, testCaller, &ec2.DescribeVpcEndpointServicesRequest{
		Filters: []ec2.Filter{{Name: kit.Ptr("service-type"), Values: []string{"Gateway"}}},
	})
	if err != nil || !slices.Equal(out.ServiceNames, []string{"com.amazonaws.us-east-1.dynamodb", s3Service}) {
		t.Fatalf("gateways: %v, %v", out.ServiceNames, err)
	}

	// Pages follow each other without loss or repeat.
	var paged []string
	var token *string
	for {
		page, err := s.DescribeVpcEndpointServices(ctx, testCaller, &ec2.DescribeVpcEndpointServicesRequest{MaxResults: kit.Ptr(int32(7)), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page.ServiceNames...)
		if token = page.NextToken; token == nil {
			break
		}
	}
	if !slices.Equal(paged, all.ServiceNames) {
		t.Fatalf("paged %d names, want %d", len(paged), len(all.ServiceNames))
	}

	for _, tc := range []struct {
		name string
		req  ec2.DescribeVpcEndpointServicesRequest
		code string
	}{
		{"unknown service", ec2.DescribeVpcEndpointServicesRequest{ServiceNames: []string{"com.amazonaws.us-east-1.nope"}}, "InvalidServiceName"},
		{"another region's service", ec2.DescribeVpcEndpointServicesRequest{ServiceNames: []string{"com.amazonaws.eu-west-1.s3"}}, "InvalidServiceName"},
		{"unknown filter", ec2.DescribeVpcEndpointServicesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("colour"), Values: []string{"x"}}}}, "InvalidParameterValue"},
		{"max results 0", ec2.DescribeVpcEndpointServicesRequest{MaxResults: kit.Ptr(int32(0))}, "InvalidParameterValue"},
		{"bad token", ec2.DescribeVpcEndpointServicesRequest{NextToken: kit.Ptr("%%")}, "InvalidNextToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.DescribeVpcEndpointServices(ctx, testCaller, &tc.req)
			wantCode(t, err, tc.code)
		})
	}
}

func TestCreateVpcEndpointValidation(t *testing.T) {
	s := newTestService(t)
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	other := *createVpc(t, s, "10.1.0.0/16").VpcId
	otherTable := createRouteTable(t, s, other)
	req := func(mod func(*ec2.CreateVpcEndpointRequest)) *ec2.CreateVpcEndpointRequest {
		r := &ec2.CreateVpcEndpointRequest{VpcId: kit.Ptr(vpc), ServiceName: kit.Ptr(s3Service)}
		mod(r)
		return r
	}
	for _, tc := range []struct {
		name string
		req  *ec2.CreateVpcEndpointRequest
		code string
	}{
		{"no vpc", req(func(r *ec2.CreateVpcEndpointRequest) { r.VpcId = nil }), "MissingParameter"},
		{"no service", req(func(r *ec2.CreateVpcEndpointRequest) { r.ServiceName = nil }), "MissingParameter"},
		{"unknown service", req(func(r *ec2.CreateVpcEndpointRequest) { r.ServiceName = kit.Ptr("com.amazonaws.us-east-1.nope") }), "InvalidServiceName"},
		{"gateway to an interface service", req(func(r *ec2.CreateVpcEndpointRequest) { r.ServiceName = kit.Ptr("com.amazonaws.us-east-1.ec2") }), "InvalidParameter"},
		{"unknown type", req(func(r *ec2.CreateVpcEndpointRequest) { r.VpcEndpointType = kit.Ptr("Tunnel") }), "InvalidParameterValue"},
		{"interface not served yet", req(func(r *ec2.CreateVpcEndpointRequest) { r.VpcEndpointType = kit.Ptr("Interface") }), "UnsupportedOperation"},
		{"gateway with subnets", req(func(r *ec2.CreateVpcEndpointRequest) { r.SubnetIds = []string{"subnet-12345678"} }), "InvalidParameter"},
		{"gateway with groups", req(func(r *ec2.CreateVpcEndpointRequest) { r.SecurityGroupIds = []string{"sg-12345678"} }), "InvalidParameter"},
		{"gateway with private dns", req(func(r *ec2.CreateVpcEndpointRequest) { r.PrivateDnsEnabled = kit.Ptr(true) }), "InvalidParameter"},
		{"policy not json", req(func(r *ec2.CreateVpcEndpointRequest) { r.PolicyDocument = kit.Ptr("{not json") }), "InvalidPolicyDocument"},
		{"policy not an object", req(func(r *ec2.CreateVpcEndpointRequest) { r.PolicyDocument = kit.Ptr(`["a"]`) }), "InvalidPolicyDocument"},
		{"malformed vpc", req(func(r *ec2.CreateVpcEndpointRequest) { r.VpcId = kit.Ptr("vpc-zz") }), "InvalidVpcID.Malformed"},
		{"unknown vpc", req(func(r *ec2.CreateVpcEndpointRequest) { r.VpcId = kit.Ptr("vpc-12345678") }), "InvalidVpcID.NotFound"},
		{"malformed route table", req(func(r *ec2.CreateVpcEndpointRequest) { r.RouteTableIds = []string{"rtb-x"} }), "InvalidRouteTableId.Malformed"},
		{"unknown route table", req(func(r *ec2.CreateVpcEndpointRequest) { r.RouteTableIds = []string{"rtb-12345678"} }), "InvalidRouteTableID.NotFound"},
		{"route table of another vpc", req(func(r *ec2.CreateVpcEndpointRequest) { r.RouteTableIds = []string{otherTable} }), "InvalidParameterValue"},
		{"dualstack", req(func(r *ec2.CreateVpcEndpointRequest) { r.IpAddressType = kit.Ptr("dualstack") }), "InvalidParameter"},
		{"bad tag type", req(func(r *ec2.CreateVpcEndpointRequest) {
			r.TagSpecifications = []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc"), Tags: []ec2.Tag{{Key: kit.Ptr("a"), Value: kit.Ptr("b")}}}}
		}), "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateVpcEndpoint(context.Background(), testCaller, tc.req)
			wantCode(t, err, tc.code)
		})
	}
	// Nothing was left behind by the refused requests.
	out, err := s.DescribeVpcEndpoints(context.Background(), testCaller, &ec2.DescribeVpcEndpointsRequest{})
	if err != nil || len(out.VpcEndpoints) != 0 {
		t.Fatalf("endpoints after refusals: %+v, %v", out, err)
	}
}

func TestGatewayEndpointRoutes(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	a, b := createRouteTable(t, s, vpc), createRouteTable(t, s, vpc)
	pl := s3PrefixList()

	out, err := s.CreateVpcEndpoint(ctx, testCaller, &ec2.CreateVpcEndpointRequest{
		VpcId: kit.Ptr(vpc), ServiceName: kit.Ptr(s3Service), RouteTableIds: []string{a, a}, ClientToken: kit.Ptr("tok"),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc-endpoint"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("s3")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := out.VpcEndpoint
	id := *e.VpcEndpointId
	if !kit.ValidID(id, "vpce") || *e.State != "available" || *e.VpcEndpointType != "Gateway" || *e.PolicyDocument != `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}` ||
		!slices.Equal(e.RouteTableIds, []string{a}) || len(e.Tags) != 1 || *e.OwnerId != testCaller.Account || *e.PrivateDnsEnabled || *e.RequesterManaged {
		t.Fatalf("created %+v", e)
	}
	r := endpointRoute(t, s, a, pl)
	if r == nil || kit.Deref(r.GatewayId) != id || *r.Origin != "CreateRoute" || *r.State != "active" {
		t.Fatalf("route %+v", r)
	}
	// The same client token answers the same endpoint.
	again, err := s.CreateVpcEndpoint(ctx, testCaller, &ec2.CreateVpcEndpointRequest{VpcId: kit.Ptr(vpc), ServiceName: kit.Ptr(s3Service), ClientToken: kit.Ptr("tok")})
	if err != nil || *again.VpcEndpoint.VpcEndpointId != id || !slices.Equal(again.VpcEndpoint.RouteTableIds, []string{a}) {
		t.Fatalf("retry: %+v, %v", again, err)
	}
	_, err = s.CreateVpcEndpoint(ctx, testCaller, &ec2.CreateVpcEndpointRequest{VpcId: kit.Ptr(vpc), ServiceName: kit.Ptr("com.amazonaws.us-east-1.dynamodb"), ClientToken: kit.Ptr("tok")})
	wantCode(t, err, "IdempotentParameterMismatch")

	// The route is the endpoint's: the route commands refuse it.
	wantCode(t, s.DeleteRoute(ctx, testCaller, &ec2.DeleteRouteRequest{RouteTableId: kit.Ptr(a), DestinationPrefixListId: kit.Ptr(pl)}), "InvalidParameterValue")
	igw := createIgw(t, s)
	attachIgw(t, s, igw, vpc)
	wantCode(t, s.ReplaceRoute(ctx, testCaller, &ec2.ReplaceRouteRequest{RouteTableId: kit.Ptr(a), DestinationPrefixListId: kit.Ptr(pl), GatewayId: kit.Ptr(igw)}), "InvalidParameterValue")
	_, err = s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: kit.Ptr(b), DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(id)})
	wantCode(t, err, "InvalidParameterValue")
	_, err = s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: kit.Ptr(a), DestinationPrefixListId: kit.Ptr(pl), GatewayId: kit.Ptr(igw)})
	wantCode(t, err, "RouteAlreadyExists")

	// A second S3 endpoint cannot take a table that routes the list already.
	_, err = s.CreateVpcEndpoint(ctx, testCaller, &ec2.CreateVpcEndpointRequest{VpcId: kit.Ptr(vpc), ServiceName: kit.Ptr(s3Service), RouteTableIds: []string{a}})
	wantCode(t, err, "RouteAlreadyExists")

	// Modify: move from a to b, set a policy, then reset it.
	policy := `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}`
	modify := func(r ec2.ModifyVpcEndpointRequest) error {
		r.VpcEndpointId = kit.Ptr(id)
		_, err := s.ModifyVpcEndpoint(ctx, testCaller, &r)
		return err
	}
	if err := modify(ec2.ModifyVpcEndpointRequest{AddRouteTableIds: []string{b}, RemoveRouteTableIds: []string{a}, PolicyDocument: kit.Ptr(policy)}); err != nil {
		t.Fatal(err)
	}
	got := describeEndpoint(t, s, id)
	if !slices.Equal(got.RouteTableIds, []string{b}) || *got.PolicyDocument != policy || endpointRoute(t, s, a, pl) != nil || endpointRoute(t, s, b, pl) == nil {
		t.Fatalf("after modify: %+v", got)
	}
	wantCode(t, modify(ec2.ModifyVpcEndpointRequest{PolicyDocument: kit.Ptr("nope")}), "InvalidPolicyDocument")
	wantCode(t, modify(ec2.ModifyVpcEndpointRequest{ResetPolicy: kit.Ptr(true), PolicyDocument: kit.Ptr(policy)}), "InvalidParameterCombination")
	wantCode(t, modify(ec2.ModifyVpcEndpointRequest{AddSubnetIds: []string{"subnet-12345678"}}), "InvalidParameter")
	wantCode(t, modify(ec2.ModifyVpcEndpointRequest{AddRouteTableIds: []string{"rtb-12345678"}}), "InvalidRouteTableID.NotFound")
	if err := modify(ec2.ModifyVpcEndpointRequest{ResetPolicy: kit.Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(*describeEndpoint(t, s, id).PolicyDocument), &doc); err != nil || doc["Version"] != "2008-10-17" {
		t.Fatalf("reset policy %v, %v", doc, err)
	}
	_, err = s.ModifyVpcEndpoint(ctx, testCaller, &ec2.ModifyVpcEndpointRequest{VpcEndpointId: kit.Ptr("vpce-12345678")})
	wantCode(t, err, "InvalidVpcEndpointId.NotFound")
	_, err = s.ModifyVpcEndpoint(ctx, testCaller, &ec2.ModifyVpcEndpointRequest{VpcEndpointId: kit.Ptr("vpce-x")})
	wantCode(t, err, "InvalidVpcEndpointId.Malformed")

	// A route table deleted under the endpoint leaves it.
	c := createRouteTable(t, s, vpc)
	if err := modify(ec2.ModifyVpcEndpointRequest{AddRouteTableIds: []string{c}}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteRouteTable(ctx, testCaller, &ec2.DeleteRouteTableRequest{RouteTableId: kit.Ptr(c)}), "")
	if got := describeEndpoint(t, s, id).RouteTableIds; !slices.Equal(got, []string{b}) {
		t.Fatalf("route tables after deleting %s: %v", c, got)
	}

	// The VPC cannot go while the endpoint is in it.
	wantCode(t, s.DetachInternetGateway(ctx, testCaller, &ec2.DetachInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw), VpcId: kit.Ptr(vpc)}), "")
	wantCode(t, s.DeleteInternetGateway(ctx, testCaller, &ec2.DeleteInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw)}), "")
	for _, rtb := range []string{a} {
		wantCode(t, s.DeleteRouteTable(ctx, testCaller, &ec2.DeleteRouteTableRequest{RouteTableId: kit.Ptr(rtb)}), "")
	}
	wantCode(t, s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: kit.Ptr(vpc)}), "DependencyViolation")

	// Deleting a route table drops it from the endpoint; deleting the endpoint drops its
	// routes, and an unknown ID is answered in Unsuccessful.
	del, err := s.DeleteVpcEndpoints(ctx, testCaller, &ec2.DeleteVpcEndpointsRequest{VpcEndpointIds: []string{id, "vpce-12345678"}})
	if err != nil || len(del.Unsuccessful) != 1 || *del.Unsuccessful[0].ResourceId != "vpce-12345678" || *del.Unsuccessful[0].Error.Code != "InvalidVpcEndpointId.NotFound" {
		t.Fatalf("delete: %+v, %v", del, err)
	}
	if endpointRoute(t, s, b, pl) != nil {
		t.Fatal("the endpoint's route outlived it")
	}
	_, err = s.DescribeVpcEndpoints(ctx, testCaller, &ec2.DescribeVpcEndpointsRequest{VpcEndpointIds: []string{id}})
	wantCode(t, err, "InvalidVpcEndpointId.NotFound")
	wantCode(t, s.DeleteRouteTable(ctx, testCaller, &ec2.DeleteRouteTableRequest{RouteTableId: kit.Ptr(b)}), "")
	wantCode(t, s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: kit.Ptr(vpc)}), "")
}

func TestDescribeVpcEndpointsFilters(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc1, vpc2 := *createVpc(t, s, "10.0.0.0/16").VpcId, *createVpc(t, s, "10.1.0.0/16").VpcId
	e1 := *createGatewayEndpoint(t, s, vpc1).VpcEndpointId
	out, err := s.CreateVpcEndpoint(ctx, testCaller, &ec2.CreateVpcEndpointRequest{VpcId: kit.Ptr(vpc2), ServiceName: kit.Ptr("com.amazonaws.us-east-1.dynamodb"),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc-endpoint"), Tags: []ec2.Tag{{Key: kit.Ptr("team"), Value: kit.Ptr("data")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	e2 := *out.VpcEndpoint.VpcEndpointId
	for _, tc := range []struct {
		filter string
		values []string
		want   []string
	}{
		{"vpc-id", []string{vpc1}, []string{e1}},
		{"service-name", []string{"com.amazonaws.us-east-1.dynamodb"}, []string{e2}},
		{"vpc-endpoint-id", []string{e1, e2}, []string{e1, e2}},
		{"vpc-endpoint-state", []string{"available"}, []string{e1, e2}},
		{"vpc-endpoint-type", []string{"Interface"}, nil},
		{"service-region", []string{"us-east-1"}, []string{e1, e2}},
		{"tag:team", []string{"data"}, []string{e2}},
		{"tag-key", []string{"team"}, []string{e2}},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			out, err := s.DescribeVpcEndpoints(ctx, testCaller, &ec2.DescribeVpcEndpointsRequest{Filters: []ec2.Filter{{Name: kit.Ptr(tc.filter), Values: tc.values}}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range out.VpcEndpoints {
				got = append(got, *e.VpcEndpointId)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
	// Tags through the generic tag actions.
	wantCode(t, s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{e1}, Tags: []ec2.Tag{{Key: kit.Ptr("k"), Value: kit.Ptr("v")}}}), "")
	if got := describeEndpoint(t, s, e1); len(got.Tags) != 1 || *got.Tags[0].Key != "k" {
		t.Fatalf("tags %+v", got.Tags)
	}
	_, err = s.DescribeVpcEndpoints(ctx, testCaller, &ec2.DescribeVpcEndpointsRequest{VpcEndpointIds: []string{"vpce-nothex"}})
	wantCode(t, err, "InvalidVpcEndpointId.Malformed")
}

func TestGatewayEndpointQuota(t *testing.T) {
	s := newTestService(t)
	s.QuotaStart = map[string]float64{kit.QuotaGatewayEndpoints.Key(): 2}
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	first := createGatewayEndpoint(t, s, vpc)
	createGatewayEndpoint(t, s, vpc)
	_, err := s.CreateVpcEndpoint(context.Background(), testCaller, &ec2.CreateVpcEndpointRequest{VpcId: kit.Ptr(vpc), ServiceName: kit.Ptr(s3Service)})
	wantCode(t, err, "VpcEndpointLimitExceeded")
	if _, err := s.DeleteVpcEndpoints(context.Background(), testCaller, &ec2.DeleteVpcEndpointsRequest{VpcEndpointIds: []string{*first.VpcEndpointId}}); err != nil {
		t.Fatal(err)
	}
	createGatewayEndpoint(t, s, vpc)
}
