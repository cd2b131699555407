package control

import (
	"context"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func createIgw(t *testing.T, s *Service) string {
	t.Helper()
	out, err := s.CreateInternetGateway(context.Background(), testCaller, &ec2.CreateInternetGatewayRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return *out.InternetGateway.InternetGatewayId
}

func attachIgw(t *testing.T, s *Service, igw, vpc string) {
	t.Helper()
	err := s.AttachInternetGateway(context.Background(), testCaller, &ec2.AttachInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw), VpcId: kit.Ptr(vpc)})
	if err != nil {
		t.Fatal(err)
	}
}

func describeIgw(t *testing.T, s *Service, id string) ec2.InternetGateway {
	t.Helper()
	out, err := s.DescribeInternetGateways(context.Background(), testCaller, &ec2.DescribeInternetGatewaysRequest{InternetGatewayIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	return out.InternetGateways[0]
}

func TestCreateInternetGateway(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	out, err := s.CreateInternetGateway(ctx, testCaller, &ec2.CreateInternetGatewayRequest{TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("internet-gateway"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("gw")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	g := out.InternetGateway
	if !kit.ValidID(*g.InternetGatewayId, "igw") || *g.OwnerId != testCaller.Account || len(g.Attachments) != 0 || len(g.Tags) != 1 || *g.Tags[0].Value != "gw" {
		t.Fatalf("created %+v", g)
	}
	_, err = s.CreateInternetGateway(ctx, testCaller, &ec2.CreateInternetGatewayRequest{TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc")}}})
	wantCode(t, err, "InvalidParameterValue")
}

func TestInternetGatewayAttachment(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpcA := *createVpc(t, s, "10.0.0.0/16").VpcId
	vpcB := *createVpc(t, s, "10.1.0.0/16").VpcId
	igw := createIgw(t, s)
	other := createIgw(t, s)
	attach := func(igw, vpc string) error {
		return s.AttachInternetGateway(ctx, testCaller, &ec2.AttachInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw), VpcId: kit.Ptr(vpc)})
	}
	detach := func(igw, vpc string) error {
		return s.DetachInternetGateway(ctx, testCaller, &ec2.DetachInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw), VpcId: kit.Ptr(vpc)})
	}
	for _, tc := range []struct {
		name string
		do   func() error
		code string
	}{
		{"attach needs the gateway", func() error { return attach("", vpcA) }, "MissingParameter"},
		{"attach needs the vpc", func() error { return attach(igw, "") }, "MissingParameter"},
		{"attach malformed gateway", func() error { return attach("igw-zz", vpcA) }, "InvalidInternetGatewayId.Malformed"},
		{"attach unknown gateway", func() error { return attach("igw-0123456789abcdef0", vpcA) }, "InvalidInternetGatewayID.NotFound"},
		{"attach to unknown vpc", func() error { return attach(igw, "vpc-0123456789abcdef0") }, "InvalidVpcID.NotFound"},
		{"detach when not attached", func() error { return detach(igw, vpcA) }, "Gateway.NotAttached"},
		{"attach", func() error { return attach(igw, vpcA) }, ""},
		{"gateway already attached to this vpc", func() error { return attach(igw, vpcA) }, "Resource.AlreadyAssociated"},
		{"gateway already attached to another vpc", func() error { return attach(igw, vpcB) }, "Resource.AlreadyAssociated"},
		{"vpc already has a gateway", func() error { return attach(other, vpcA) }, "InvalidParameterValue"},
		{"delete while attached", func() error {
			return s.DeleteInternetGateway(ctx, testCaller, &ec2.DeleteInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw)})
		}, "DependencyViolation"},
		{"detach from another vpc", func() error { return detach(igw, vpcB) }, "Gateway.NotAttached"},
		{"detach", func() error { return detach(igw, vpcA) }, ""},
		{"attach to another vpc after detach", func() error { return attach(igw, vpcB) }, ""},
		{"detach again", func() error { return detach(igw, vpcB) }, ""},
		{"delete detached", func() error {
			return s.DeleteInternetGateway(ctx, testCaller, &ec2.DeleteInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw)})
		}, ""},
		{"delete deleted", func() error {
			return s.DeleteInternetGateway(ctx, testCaller, &ec2.DeleteInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw)})
		}, "InvalidInternetGatewayID.NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.do(), tc.code) })
	}
}

func TestInternetGatewayAttachmentShape(t *testing.T) {
	s := newTestService(t)
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	igw := createIgw(t, s)
	attachIgw(t, s, igw, vpc)
	g := describeIgw(t, s, igw)
	if len(g.Attachments) != 1 || *g.Attachments[0].State != "available" || *g.Attachments[0].VpcId != vpc {
		t.Fatalf("attachments %+v", g.Attachments)
	}
}

func TestDescribeInternetGatewaysFilters(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	attached, detached := createIgw(t, s), createIgw(t, s)
	attachIgw(t, s, attached, vpc)
	for _, tc := range []struct {
		name    string
		filters []ec2.Filter
		want    []string
		code    string
	}{
		{"attachment.state", []ec2.Filter{{Name: kit.Ptr("attachment.state"), Values: []string{"available"}}}, []string{attached}, ""},
		{"attachment.vpc-id", []ec2.Filter{{Name: kit.Ptr("attachment.vpc-id"), Values: []string{vpc}}}, []string{attached}, ""},
		{"internet-gateway-id", []ec2.Filter{{Name: kit.Ptr("internet-gateway-id"), Values: []string{detached}}}, []string{detached}, ""},
		{"owner-id", []ec2.Filter{{Name: kit.Ptr("owner-id"), Values: []string{testCaller.Account}}}, []string{attached, detached}, ""},
		{"unknown filter", []ec2.Filter{{Name: kit.Ptr("state"), Values: []string{"x"}}}, nil, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeInternetGateways(ctx, testCaller, &ec2.DescribeInternetGatewaysRequest{Filters: tc.filters})
			wantCode(t, err, tc.code)
			if err != nil {
				return
			}
			var got []string
			for _, g := range out.InternetGateways {
				got = append(got, *g.InternetGatewayId)
			}
			if !sameSet(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestDeleteVpcWithGateways(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	deleteVpc := func() error { return s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: kit.Ptr(vpc)}) }
	igw := createIgw(t, s)
	attachIgw(t, s, igw, vpc)
	eigw, err := s.CreateEgressOnlyInternetGateway(ctx, testCaller, &ec2.CreateEgressOnlyInternetGatewayRequest{VpcId: kit.Ptr(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	rtb, err := s.CreateRouteTable(ctx, testCaller, &ec2.CreateRouteTableRequest{VpcId: kit.Ptr(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		do   func() error
		code string
	}{
		{"vpc with attached igw, eigw and route table", deleteVpc, "DependencyViolation"},
		{"detach igw", func() error {
			return s.DetachInternetGateway(ctx, testCaller, &ec2.DetachInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw), VpcId: kit.Ptr(vpc)})
		}, ""},
		{"vpc with eigw and route table", deleteVpc, "DependencyViolation"},
		{"delete eigw", func() error {
			_, err := s.DeleteEgressOnlyInternetGateway(ctx, testCaller, &ec2.DeleteEgressOnlyInternetGatewayRequest{EgressOnlyInternetGatewayId: eigw.EgressOnlyInternetGateway.EgressOnlyInternetGatewayId})
			return err
		}, ""},
		{"vpc with an extra route table", deleteVpc, "DependencyViolation"},
		{"delete route table", func() error {
			return s.DeleteRouteTable(ctx, testCaller, &ec2.DeleteRouteTableRequest{RouteTableId: rtb.RouteTable.RouteTableId})
		}, ""},
		{"empty vpc", deleteVpc, ""},
		{"detached igw outlives the vpc", func() error {
			return s.DeleteInternetGateway(ctx, testCaller, &ec2.DeleteInternetGatewayRequest{InternetGatewayId: kit.Ptr(igw)})
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.do(), tc.code) })
	}
}

func TestEgressOnlyInternetGateway(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	create := func(in ec2.CreateEgressOnlyInternetGatewayRequest) (*ec2.CreateEgressOnlyInternetGatewayResult, error) {
		return s.CreateEgressOnlyInternetGateway(ctx, testCaller, &in)
	}
	t.Run("vpc required", func(t *testing.T) {
		_, err := create(ec2.CreateEgressOnlyInternetGatewayRequest{})
		wantCode(t, err, "MissingParameter")
	})
	t.Run("unknown vpc", func(t *testing.T) {
		_, err := create(ec2.CreateEgressOnlyInternetGatewayRequest{VpcId: kit.Ptr("vpc-0123456789abcdef0")})
		wantCode(t, err, "InvalidVpcID.NotFound")
	})
	t.Run("tag spec for another type", func(t *testing.T) {
		_, err := create(ec2.CreateEgressOnlyInternetGatewayRequest{VpcId: kit.Ptr(vpc), TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("internet-gateway")}}})
		wantCode(t, err, "InvalidParameterValue")
	})
	first, err := create(ec2.CreateEgressOnlyInternetGatewayRequest{VpcId: kit.Ptr(vpc), ClientToken: kit.Ptr("tok"),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("egress-only-internet-gateway"), Tags: []ec2.Tag{{Key: kit.Ptr("k"), Value: kit.Ptr("v")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	g := first.EgressOnlyInternetGateway
	id := *g.EgressOnlyInternetGatewayId
	t.Run("attached at creation", func(t *testing.T) {
		if !kit.ValidID(id, "eigw") || len(g.Attachments) != 1 || *g.Attachments[0].State != "attached" || *g.Attachments[0].VpcId != vpc || len(g.Tags) != 1 {
			t.Fatalf("created %+v", g)
		}
	})
	t.Run("client token returns the same gateway", func(t *testing.T) {
		again, err := create(ec2.CreateEgressOnlyInternetGatewayRequest{VpcId: kit.Ptr(vpc), ClientToken: kit.Ptr("tok")})
		wantCode(t, err, "")
		if *again.EgressOnlyInternetGateway.EgressOnlyInternetGatewayId != id {
			t.Fatalf("token created another gateway")
		}
	})
	t.Run("client token with other parameters", func(t *testing.T) {
		other := *createVpc(t, s, "10.1.0.0/16").VpcId
		_, err := create(ec2.CreateEgressOnlyInternetGatewayRequest{VpcId: kit.Ptr(other), ClientToken: kit.Ptr("tok")})
		wantCode(t, err, "IdempotentParameterMismatch")
	})
	for i := 0; i < 6; i++ {
		if _, err := create(ec2.CreateEgressOnlyInternetGatewayRequest{VpcId: kit.Ptr(vpc)}); err != nil {
			t.Fatal(err)
		}
	}
	describe := func(in ec2.DescribeEgressOnlyInternetGatewaysRequest) (*ec2.DescribeEgressOnlyInternetGatewaysResult, error) {
		return s.DescribeEgressOnlyInternetGateways(ctx, testCaller, &in)
	}
	t.Run("describe by id", func(t *testing.T) {
		out, err := describe(ec2.DescribeEgressOnlyInternetGatewaysRequest{EgressOnlyInternetGatewayIds: []string{id}})
		wantCode(t, err, "")
		if len(out.EgressOnlyInternetGateways) != 1 || *out.EgressOnlyInternetGateways[0].EgressOnlyInternetGatewayId != id {
			t.Fatalf("got %+v", out.EgressOnlyInternetGateways)
		}
	})
	t.Run("describe by tag", func(t *testing.T) {
		out, err := describe(ec2.DescribeEgressOnlyInternetGatewaysRequest{Filters: []ec2.Filter{{Name: kit.Ptr("tag:k"), Values: []string{"v"}}}})
		wantCode(t, err, "")
		if len(out.EgressOnlyInternetGateways) != 1 {
			t.Fatalf("got %d", len(out.EgressOnlyInternetGateways))
		}
	})
	t.Run("undocumented filter", func(t *testing.T) {
		_, err := describe(ec2.DescribeEgressOnlyInternetGatewaysRequest{Filters: []ec2.Filter{{Name: kit.Ptr("vpc-id"), Values: []string{vpc}}}})
		wantCode(t, err, "InvalidParameterValue")
	})
	t.Run("max results above 255", func(t *testing.T) {
		_, err := describe(ec2.DescribeEgressOnlyInternetGatewaysRequest{MaxResults: kit.Ptr(int32(256))})
		wantCode(t, err, "InvalidParameterValue")
	})
	t.Run("pages of 5", func(t *testing.T) {
		seen := 0
		var token *string
		for {
			out, err := describe(ec2.DescribeEgressOnlyInternetGatewaysRequest{MaxResults: kit.Ptr(int32(5)), NextToken: token})
			wantCode(t, err, "")
			seen += len(out.EgressOnlyInternetGateways)
			if token = out.NextToken; token == nil {
				break
			}
		}
		if seen != 7 {
			t.Fatalf("paged through %d, want 7", seen)
		}
	})
	t.Run("delete", func(t *testing.T) {
		out, err := s.DeleteEgressOnlyInternetGateway(ctx, testCaller, &ec2.DeleteEgressOnlyInternetGatewayRequest{EgressOnlyInternetGatewayId: kit.Ptr(id)})
		wantCode(t, err, "")
		if !*out.ReturnCode {
			t.Fatal("ReturnCode false")
		}
		_, err = describe(ec2.DescribeEgressOnlyInternetGatewaysRequest{EgressOnlyInternetGatewayIds: []string{id}})
		wantCode(t, err, "InvalidGatewayID.NotFound")
	})
}

// TestDetachRefusedWhilePublicAddressesMapped: AWS refuses to detach the gateway of a VPC
// whose interfaces still have public addresses.
func TestDetachRefusedWhilePublicAddressesMapped(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := createVpc(t, s, "10.0.0.0/16")
	sub, err := s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: vpc.VpcId, CidrBlock: kit.Ptr("10.0.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	igw, err := s.CreateInternetGateway(ctx, testCaller, &ec2.CreateInternetGatewayRequest{})
	if err != nil {
		t.Fatal(err)
	}
	igwID := igw.InternetGateway.InternetGatewayId
	wantCode(t, s.AttachInternetGateway(ctx, testCaller, &ec2.AttachInternetGatewayRequest{InternetGatewayId: igwID, VpcId: vpc.VpcId}), "")
	run, err := s.RunInstances(ctx, testCaller, &ec2.RunInstancesRequest{ImageId: kit.Ptr("ami-12345678"), MinCount: kit.Ptr(int32(1)), MaxCount: kit.Ptr(int32(1)),
		NetworkInterfaces: []ec2.InstanceNetworkInterfaceSpecification{{DeviceIndex: kit.Ptr(int32(0)), SubnetId: sub.Subnet.SubnetId, AssociatePublicIpAddress: kit.Ptr(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	detach := &ec2.DetachInternetGatewayRequest{InternetGatewayId: igwID, VpcId: vpc.VpcId}
	wantCode(t, s.DetachInternetGateway(ctx, testCaller, detach), "DependencyViolation")
	if _, err := s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: []string{*run.Instances[0].InstanceId}}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DetachInternetGateway(ctx, testCaller, detach), "")
}
