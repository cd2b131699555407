package control

import (
	"context"
	"sync"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func createRouteTable(t *testing.T, s *Service, vpcID string) string {
	t.Helper()
	out, err := s.CreateRouteTable(context.Background(), testCaller, &ec2.CreateRouteTableRequest{VpcId: kit.Ptr(vpcID)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.RouteTable.RouteTableId
}

func describeRouteTable(t *testing.T, s *Service, id string) ec2.RouteTable {
	t.Helper()
	out, err := s.DescribeRouteTables(context.Background(), testCaller, &ec2.DescribeRouteTablesRequest{RouteTableIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	return out.RouteTables[0]
}

func mainRouteTable(t *testing.T, s *Service, vpcID string) ec2.RouteTable {
	t.Helper()
	out, err := s.DescribeRouteTables(context.Background(), testCaller, &ec2.DescribeRouteTablesRequest{Filters: []ec2.Filter{
		{Name: kit.Ptr("vpc-id"), Values: []string{vpcID}}, {Name: kit.Ptr("association.main"), Values: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.RouteTables) != 1 {
		t.Fatalf("%d main route tables", len(out.RouteTables))
	}
	return out.RouteTables[0]
}

func associate(s *Service, rtb string, subnet, gateway *string) (string, error) {
	out, err := s.AssociateRouteTable(context.Background(), testCaller, &ec2.AssociateRouteTableRequest{RouteTableId: kit.Ptr(rtb), SubnetId: subnet, GatewayId: gateway})
	if err != nil {
		return "", err
	}
	return *out.AssociationId, nil
}

func TestCreateRouteTable(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc, v6 := createIpv6Vpc(t, s)
	for _, tc := range []struct {
		name string
		in   ec2.CreateRouteTableRequest
		code string
	}{
		{"vpc required", ec2.CreateRouteTableRequest{}, "MissingParameter"},
		{"malformed vpc", ec2.CreateRouteTableRequest{VpcId: kit.Ptr("vpc-x")}, "InvalidVpcID.Malformed"},
		{"unknown vpc", ec2.CreateRouteTableRequest{VpcId: kit.Ptr("vpc-0123456789abcdef0")}, "InvalidVpcID.NotFound"},
		{"tag spec for another type", ec2.CreateRouteTableRequest{VpcId: vpc.VpcId, TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc")}}}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateRouteTable(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
		})
	}
	out, err := s.CreateRouteTable(ctx, testCaller, &ec2.CreateRouteTableRequest{VpcId: vpc.VpcId, ClientToken: kit.Ptr("t1"),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("route-table"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("private")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	rt := out.RouteTable
	t.Run("shape", func(t *testing.T) {
		if !kit.ValidID(*rt.RouteTableId, "rtb") || *rt.VpcId != *vpc.VpcId || *rt.OwnerId != testCaller.Account ||
			len(rt.Associations) != 0 || rt.PropagatingVgws == nil || len(rt.Tags) != 1 || kit.Deref(out.ClientToken) != "t1" {
			t.Fatalf("created %+v", rt)
		}
	})
	t.Run("a local route for every vpc block", func(t *testing.T) {
		if len(rt.Routes) != 2 {
			t.Fatalf("routes %+v", rt.Routes)
		}
		r4, r6 := rt.Routes[0], rt.Routes[1]
		if *r4.DestinationCidrBlock != "10.0.0.0/16" || *r4.GatewayId != "local" || *r4.State != "active" || *r4.Origin != "CreateRouteTable" {
			t.Fatalf("ipv4 local route %+v", r4)
		}
		if *r6.DestinationIpv6CidrBlock != v6.String() || *r6.GatewayId != "local" {
			t.Fatalf("ipv6 local route %+v", r6)
		}
	})
	t.Run("a new vpc block reaches every table", func(t *testing.T) {
		_, err := s.AssociateVpcCidrBlock(ctx, testCaller, &ec2.AssociateVpcCidrBlockRequest{VpcId: vpc.VpcId, CidrBlock: kit.Ptr("10.1.0.0/16")})
		wantCode(t, err, "")
		if got := describeRouteTable(t, s, *rt.RouteTableId); len(got.Routes) != 3 {
			t.Fatalf("routes %+v", got.Routes)
		}
	})
}

func TestDeleteRouteTable(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := createVpc(t, s, "10.0.0.0/16")
	main := *vpc.VpcId
	mainRtb := *mainRouteTable(t, s, main).RouteTableId
	rtb := createRouteTable(t, s, main)
	sn := createSubnet(t, s, main, "10.0.1.0/24")
	assoc, err := associate(s, rtb, sn.SubnetId, nil)
	if err != nil {
		t.Fatal(err)
	}
	del := func(id string) func() error {
		return func() error {
			return s.DeleteRouteTable(ctx, testCaller, &ec2.DeleteRouteTableRequest{RouteTableId: kit.Ptr(id)})
		}
	}
	for _, tc := range []struct {
		name string
		do   func() error
		code string
	}{
		{"id required", del(""), "MissingParameter"},
		{"malformed", del("rtb-zz"), "InvalidRouteTableId.Malformed"},
		{"unknown", del("rtb-0123456789abcdef0"), "InvalidRouteTableID.NotFound"},
		{"main table", del(mainRtb), "DependencyViolation"},
		{"table with a subnet", del(rtb), "DependencyViolation"},
		{"disassociate", func() error {
			return s.DisassociateRouteTable(ctx, testCaller, &ec2.DisassociateRouteTableRequest{AssociationId: kit.Ptr(assoc)})
		}, ""},
		{"unassociated table", del(rtb), ""},
		{"deleted table", del(rtb), "InvalidRouteTableID.NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.do(), tc.code) })
	}
}

func TestAssociateRouteTable(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	otherVpc := *createVpc(t, s, "10.1.0.0/16").VpcId
	rtb := createRouteTable(t, s, vpc)
	rtb2 := createRouteTable(t, s, vpc)
	otherRtb := createRouteTable(t, s, otherVpc)
	sn := createSubnet(t, s, vpc, "10.0.1.0/24").SubnetId
	igw := createIgw(t, s)
	detachedIgw := createIgw(t, s)
	attachIgw(t, s, igw, vpc)
	for _, tc := range []struct {
		name string
		in   ec2.AssociateRouteTableRequest
		code string
	}{
		{"route table required", ec2.AssociateRouteTableRequest{SubnetId: sn}, "MissingParameter"},
		{"subnet or gateway required", ec2.AssociateRouteTableRequest{RouteTableId: kit.Ptr(rtb)}, "MissingParameter"},
		{"not both subnet and gateway", ec2.AssociateRouteTableRequest{RouteTableId: kit.Ptr(rtb), SubnetId: sn, GatewayId: kit.Ptr(igw)}, "InvalidParameterCombination"},
		{"unknown route table", ec2.AssociateRouteTableRequest{RouteTableId: kit.Ptr("rtb-0123456789abcdef0"), SubnetId: sn}, "InvalidRouteTableID.NotFound"},
		{"unknown subnet", ec2.AssociateRouteTableRequest{RouteTableId: kit.Ptr(rtb), SubnetId: kit.Ptr("subnet-0123456789abcdef0")}, "InvalidSubnetID.NotFound"},
		{"subnet of another vpc", ec2.AssociateRouteTableRequest{RouteTableId: kit.Ptr(otherRtb), SubnetId: sn}, "InvalidParameterValue"},
		{"subnet", ec2.AssociateRouteTableRequest{RouteTableId: kit.Ptr(rtb), SubnetId: sn}, ""},
		{"subnet already associated with this table", ec2.AssociateRouteTableRequest{RouteTableId: kit.Ptr(rtb), SubnetId: sn}, "Resource.AlreadyAssociated"},
		{"subnet already associated with another table", ec2.AssociateRouteTableRequest{RouteTableId: kit.Ptr(rtb2), SubnetId: sn}, "Resource.AlreadyAssociated"},
		{"gateway not attached to the vpc", ec2.AssociateRouteTableRequest{RouteTableId: kit.Ptr(rtb2), GatewayId: kit.Ptr(detachedIgw)}, "InvalidParameterValue"},
		{"gateway of another kind", ec2.AssociateRouteTableRequest{RouteTableId: kit.Ptr(rtb2), GatewayId: kit.Ptr("nat-0123456789abcdef0")}, "InvalidParameterValue"},
		{"unknown virtual private gateway", ec2.AssociateRouteTableRequest{RouteTableId: kit.Ptr(rtb2), GatewayId: kit.Ptr("vgw-0123456789abcdef0")}, "InvalidVpnGatewayID.NotFound"},
		{"edge association with the attached igw", ec2.AssociateRouteTableRequest{RouteTableId: kit.Ptr(rtb2), GatewayId: kit.Ptr(igw)}, ""},
		{"gateway already associated", ec2.AssociateRouteTableRequest{RouteTableId: kit.Ptr(rtb), GatewayId: kit.Ptr(igw)}, "Resource.AlreadyAssociated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.AssociateRouteTable(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
			if err == nil && (!kit.ValidID(*out.AssociationId, "rtbassoc") || *out.AssociationState.State != "associated") {
				t.Fatalf("result %+v", out)
			}
		})
	}
	t.Run("associations in describe", func(t *testing.T) {
		a := describeRouteTable(t, s, rtb).Associations
		if len(a) != 1 || *a[0].SubnetId != *sn || *a[0].Main || *a[0].RouteTableId != rtb || *a[0].AssociationState.State != "associated" {
			t.Fatalf("subnet association %+v", a)
		}
		e := describeRouteTable(t, s, rtb2).Associations
		if len(e) != 1 || *e[0].GatewayId != igw || e[0].SubnetId != nil {
			t.Fatalf("edge association %+v", e)
		}
	})
	t.Run("deleting the subnet drops its association", func(t *testing.T) {
		wantCode(t, s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: sn}), "")
		if a := describeRouteTable(t, s, rtb).Associations; len(a) != 0 {
			t.Fatalf("associations left %+v", a)
		}
	})
}

func TestDissociateSubnetRouteTable(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	rtb := createRouteTable(t, s, vpc)
	sn := createSubnet(t, s, vpc, "10.0.1.0/24").SubnetId
	keep := createSubnet(t, s, vpc, "10.0.2.0/24").SubnetId
	for _, id := range []*string{sn, keep} {
		if _, err := associate(s, rtb, id, nil); err != nil {
			t.Fatal(err)
		}
	}
	err := s.Update(ctx, func(tx *kit.Txn) error { return kit.DissociateSubnetRouteTable(tx, testCaller, vpc, *sn) })
	wantCode(t, err, "")
	a := describeRouteTable(t, s, rtb).Associations
	if len(a) != 1 || *a[0].SubnetId != *keep {
		t.Fatalf("associations %+v", a)
	}
}

func TestDisassociateRouteTable(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	mainAssoc := *mainRouteTable(t, s, vpc).Associations[0].RouteTableAssociationId
	rtb := createRouteTable(t, s, vpc)
	sn := createSubnet(t, s, vpc, "10.0.1.0/24").SubnetId
	assoc, err := associate(s, rtb, sn, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, id, code string
	}{
		{"id required", "", "MissingParameter"},
		{"malformed", "rtbassoc-zz", "InvalidAssociationID.NotFound"},
		{"unknown", "rtbassoc-0123456789abcdef0", "InvalidAssociationID.NotFound"},
		{"main association", mainAssoc, "InvalidParameterValue"},
		{"subnet association", assoc, ""},
		{"already disassociated", assoc, "InvalidAssociationID.NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, s.DisassociateRouteTable(ctx, testCaller, &ec2.DisassociateRouteTableRequest{AssociationId: kit.Ptr(tc.id)}), tc.code)
		})
	}
	t.Run("subnet can be associated again", func(t *testing.T) {
		_, err := associate(s, rtb, sn, nil)
		wantCode(t, err, "")
	})
}

func TestReplaceRouteTableAssociation(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	otherVpc := *createVpc(t, s, "10.1.0.0/16").VpcId
	oldMain := mainRouteTable(t, s, vpc)
	mainAssoc := *oldMain.Associations[0].RouteTableAssociationId
	rtb := createRouteTable(t, s, vpc)
	rtb2 := createRouteTable(t, s, vpc)
	otherRtb := createRouteTable(t, s, otherVpc)
	sn := createSubnet(t, s, vpc, "10.0.1.0/24").SubnetId
	assoc, err := associate(s, rtb, sn, nil)
	if err != nil {
		t.Fatal(err)
	}
	replace := func(assoc, rtb string) (*ec2.ReplaceRouteTableAssociationResult, error) {
		return s.ReplaceRouteTableAssociation(ctx, testCaller, &ec2.ReplaceRouteTableAssociationRequest{AssociationId: kit.Ptr(assoc), RouteTableId: kit.Ptr(rtb)})
	}
	for _, tc := range []struct {
		name, assoc, rtb, code string
	}{
		{"route table required", assoc, "", "MissingParameter"},
		{"unknown association", "rtbassoc-0123456789abcdef0", rtb2, "InvalidAssociationID.NotFound"},
		{"unknown route table", assoc, "rtb-0123456789abcdef0", "InvalidRouteTableID.NotFound"},
		{"route table of another vpc", assoc, otherRtb, "InvalidParameterValue"},
		{"main association to another vpc", mainAssoc, otherRtb, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := replace(tc.assoc, tc.rtb)
			wantCode(t, err, tc.code)
		})
	}
	t.Run("subnet association moves", func(t *testing.T) {
		out, err := replace(assoc, rtb2)
		wantCode(t, err, "")
		if *out.NewAssociationId == assoc || *out.AssociationState.State != "associated" {
			t.Fatalf("result %+v", out)
		}
		if len(describeRouteTable(t, s, rtb).Associations) != 0 {
			t.Fatal("old table still associated")
		}
		a := describeRouteTable(t, s, rtb2).Associations
		if len(a) != 1 || *a[0].SubnetId != *sn || *a[0].RouteTableAssociationId != *out.NewAssociationId {
			t.Fatalf("new associations %+v", a)
		}
		_, err = replace(assoc, rtb)
		wantCode(t, err, "InvalidAssociationID.NotFound")
	})
	t.Run("main association moves", func(t *testing.T) {
		out, err := replace(mainAssoc, rtb)
		wantCode(t, err, "")
		if got := mainRouteTable(t, s, vpc); *got.RouteTableId != rtb || *got.Associations[0].RouteTableAssociationId != *out.NewAssociationId {
			t.Fatalf("main is %s", *got.RouteTableId)
		}
		if err := s.View(ctx, func(tx *kit.Txn) error {
			v, err := kit.GetVpc(tx, testCaller, vpc)
			if err == nil && v.MainRouteTable != rtb {
				t.Fatalf("vpc main route table %s", v.MainRouteTable)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the new main table cannot be deleted, the old one can", func(t *testing.T) {
		wantCode(t, s.DeleteRouteTable(ctx, testCaller, &ec2.DeleteRouteTableRequest{RouteTableId: kit.Ptr(rtb)}), "DependencyViolation")
		wantCode(t, s.DeleteRouteTable(ctx, testCaller, &ec2.DeleteRouteTableRequest{RouteTableId: oldMain.RouteTableId}), "")
	})
}

func TestConcurrentSubnetAssociations(t *testing.T) {
	s := newTestService(t)
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	sn := createSubnet(t, s, vpc, "10.0.1.0/24").SubnetId
	tables := []string{createRouteTable(t, s, vpc), createRouteTable(t, s, vpc), createRouteTable(t, s, vpc), createRouteTable(t, s, vpc)}
	var wg sync.WaitGroup
	errs := make([]error, len(tables))
	for i, rtb := range tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = associate(s, rtb, sn, nil)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			wantCode(t, err, "Resource.AlreadyAssociated")
		}
	}
	if ok != 1 {
		t.Fatalf("%d associations of one subnet succeeded", ok)
	}
}

func TestDescribeRouteTablesFilters(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc, v6 := createIpv6Vpc(t, s)
	vpcID := *vpc.VpcId
	mainRtb := mainRouteTable(t, s, vpcID)
	mainID := *mainRtb.RouteTableId
	rtb := createRouteTable(t, s, vpcID)
	edge := createRouteTable(t, s, vpcID)
	sn := createSubnet(t, s, vpcID, "10.0.1.0/24").SubnetId
	assoc, err := associate(s, rtb, sn, nil)
	if err != nil {
		t.Fatal(err)
	}
	igw := createIgw(t, s)
	attachIgw(t, s, igw, vpcID)
	if _, err := associate(s, edge, nil, kit.Ptr(igw)); err != nil {
		t.Fatal(err)
	}
	eigw, err := s.CreateEgressOnlyInternetGateway(ctx, testCaller, &ec2.CreateEgressOnlyInternetGatewayRequest{VpcId: kit.Ptr(vpcID)})
	if err != nil {
		t.Fatal(err)
	}
	eigwID := *eigw.EgressOnlyInternetGateway.EgressOnlyInternetGatewayId
	if _, err := s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: kit.Ptr(rtb), DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(igw)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: kit.Ptr(rtb), DestinationIpv6CidrBlock: kit.Ptr("::/0"), EgressOnlyInternetGatewayId: kit.Ptr(eigwID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: kit.Ptr(mainID), DestinationCidrBlock: kit.Ptr("192.168.0.0/16"), GatewayId: kit.Ptr(igw)}); err != nil {
		t.Fatal(err)
	}
	other := *createVpc(t, s, "10.9.0.0/16").VpcId
	otherMain := *mainRouteTable(t, s, other).RouteTableId
	f := func(name string, values ...string) []ec2.Filter {
		return []ec2.Filter{{Name: kit.Ptr(name), Values: values}}
	}
	for _, tc := range []struct {
		name    string
		filters []ec2.Filter
		want    []string
		code    string
	}{
		{"vpc-id", f("vpc-id", vpcID), []string{mainID, rtb, edge}, ""},
		{"route-table-id", f("route-table-id", rtb), []string{rtb}, ""},
		{"owner-id", f("owner-id", testCaller.Account), []string{mainID, rtb, edge, otherMain}, ""},
		{"association.main true", f("association.main", "true"), []string{mainID, otherMain}, ""},
		{"association.main false", f("association.main", "false"), []string{rtb, edge}, ""},
		{"association.subnet-id", f("association.subnet-id", *sn), []string{rtb}, ""},
		{"association.gateway-id", f("association.gateway-id", igw), []string{edge}, ""},
		{"association.route-table-association-id", f("association.route-table-association-id", assoc), []string{rtb}, ""},
		{"association.route-table-id", f("association.route-table-id", edge), []string{edge}, ""},
		{"route.destination-cidr-block", f("route.destination-cidr-block", "0.0.0.0/0"), []string{rtb}, ""},
		{"route.destination-cidr-block of local routes", f("route.destination-cidr-block", "10.0.0.0/16"), []string{mainID, rtb, edge}, ""},
		{"route.destination-ipv6-cidr-block", f("route.destination-ipv6-cidr-block", v6.String()), []string{mainID, rtb, edge}, ""},
		{"route.egress-only-internet-gateway-id", f("route.egress-only-internet-gateway-id", eigwID), []string{rtb}, ""},
		{"route.gateway-id", f("route.gateway-id", igw), []string{mainID, rtb}, ""},
		{"route.gateway-id local", f("route.gateway-id", "local"), []string{mainID, rtb, edge, otherMain}, ""},
		{"route.origin", f("route.origin", "CreateRoute"), []string{mainID, rtb}, ""},
		{"route.state active", f("route.state", "active"), []string{mainID, rtb, edge, otherMain}, ""},
		{"route.state blackhole", f("route.state", "blackhole"), nil, ""},
		{"route.nat-gateway-id", f("route.nat-gateway-id", "nat-*"), nil, ""},
		{"route.instance-id", f("route.instance-id", "i-*"), nil, ""},
		{"route.transit-gateway-id", f("route.transit-gateway-id", "tgw-*"), nil, ""},
		{"route.vpc-peering-connection-id", f("route.vpc-peering-connection-id", "pcx-*"), nil, ""},
		{"route.destination-prefix-list-id", f("route.destination-prefix-list-id", "pl-*"), nil, ""},
		{"tag-key", f("tag-key", "none"), nil, ""},
		{"unknown filter", f("route.target", "x"), nil, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeRouteTables(ctx, testCaller, &ec2.DescribeRouteTablesRequest{Filters: tc.filters})
			wantCode(t, err, tc.code)
			if err != nil {
				return
			}
			var got []string
			for _, r := range out.RouteTables {
				got = append(got, *r.RouteTableId)
			}
			if !sameSet(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("blackhole after the igw is detached", func(t *testing.T) {
		wantCode(t, s.DetachInternetGateway(ctx, testCaller, &ec2.DetachInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw), VpcId: kit.Ptr(vpcID)}), "")
		out, err := s.DescribeRouteTables(ctx, testCaller, &ec2.DescribeRouteTablesRequest{Filters: f("route.state", "blackhole")})
		wantCode(t, err, "")
		var got []string
		for _, r := range out.RouteTables {
			got = append(got, *r.RouteTableId)
		}
		if !sameSet(got, []string{mainID, rtb}) {
			t.Fatalf("blackhole tables %v", got)
		}
	})
}

func TestDescribeRouteTablesPagination(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	for i := 0; i < 6; i++ {
		createRouteTable(t, s, vpc)
	}
	t.Run("max results above 100", func(t *testing.T) {
		_, err := s.DescribeRouteTables(ctx, testCaller, &ec2.DescribeRouteTablesRequest{MaxResults: kit.Ptr(int32(101))})
		wantCode(t, err, "InvalidParameterValue")
	})
	t.Run("pages of 5", func(t *testing.T) {
		seen := map[string]bool{}
		var token *string
		for {
			out, err := s.DescribeRouteTables(ctx, testCaller, &ec2.DescribeRouteTablesRequest{MaxResults: kit.Ptr(int32(5)), NextToken: token})
			wantCode(t, err, "")
			for _, r := range out.RouteTables {
				seen[*r.RouteTableId] = true
			}
			if token = out.NextToken; token == nil {
				break
			}
		}
		if len(seen) != 7 {
			t.Fatalf("paged through %d tables, want 7", len(seen))
		}
	})
}
