package control

import (
	"context"
	"testing"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// natTestbed is a VPC with an attached internet gateway, a subnet, and a clock the test
// moves.
type natTestbed struct {
	s             *Service
	clock         time.Time
	vpc, subnet   string
	igw, allocate func() string
}

func newNatTestbed(t *testing.T) *natTestbed {
	s := newTestService(t)
	tb := &natTestbed{s: s, clock: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	s.Now = func() time.Time { return tb.clock }
	tb.vpc, tb.subnet = vpcWithSubnet(t, s, "10.0.1.0/24")
	attachIgw(t, s, createIgw(t, s), tb.vpc)
	return tb
}

func (tb *natTestbed) create(in *ec2.CreateNatGatewayRequest) (*ec2.NatGateway, error) {
	if in.SubnetId == nil {
		in.SubnetId = kit.Ptr(tb.subnet)
	}
	out, err := tb.s.CreateNatGateway(context.Background(), testCaller, in)
	if err != nil {
		return nil, err
	}
	return out.NatGateway, nil
}

func (tb *natTestbed) describe(t *testing.T, id string) ec2.NatGateway {
	t.Helper()
	out, err := tb.s.DescribeNatGateways(context.Background(), testCaller, &ec2.DescribeNatGatewaysRequest{NatGatewayIds: []string{id}})
	if err != nil || len(out.NatGateways) != 1 {
		t.Fatalf("DescribeNatGateways %s: %+v, %v", id, out, err)
	}
	return out.NatGateways[0]
}

func TestNatGatewayStates(t *testing.T) {
	tb := newNatTestbed(t)
	ctx := context.Background()
	eip := allocate(t, tb.s)
	g, err := tb.create(&ec2.CreateNatGatewayRequest{AllocationId: eip.AllocationId})
	if err != nil {
		t.Fatal(err)
	}
	id := *g.NatGatewayId
	if *g.State != "pending" || *tb.describe(t, id).State != "pending" {
		t.Errorf("a new gateway is %s, want pending", *g.State)
	}
	tb.clock = tb.clock.Add(kit.NatGatewayPending)
	d := tb.describe(t, id)
	if *d.State != "available" || *d.NatGatewayAddresses[0].Status != "succeeded" || *d.NatGatewayAddresses[0].PublicIp != *eip.PublicIp {
		t.Errorf("after %v: %+v, want available with the Elastic IP", kit.NatGatewayPending, d)
	}
	if a := describeAddress(t, tb.s, *eip.AllocationId); a.NetworkInterfaceId == nil || *a.NetworkInterfaceId != *d.NatGatewayAddresses[0].NetworkInterfaceId {
		t.Errorf("the Elastic IP's association %+v, want the gateway's interface", a)
	}

	if err := tb.s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{id}, Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("egress")}}}); err != nil {
		t.Errorf("CreateTags on a NAT gateway: %v", err)
	} else if d := tb.describe(t, id); len(d.Tags) != 1 || *d.Tags[0].Value != "egress" {
		t.Errorf("tags after CreateTags: %+v", d.Tags)
	}
	eni := *d.NatGatewayAddresses[0].NetworkInterfaceId
	wantCode(t, tb.s.DeleteNetworkInterface(ctx, testCaller, &ec2.DeleteNetworkInterfaceRequest{NetworkInterfaceId: kit.Ptr(eni)}), "OperationNotPermitted")
	wantCode(t, tb.s.ModifyNetworkInterfaceAttribute(ctx, testCaller, &ec2.ModifyNetworkInterfaceAttributeRequest{NetworkInterfaceId: kit.Ptr(eni), Description: &ec2.AttributeValue{Value: kit.Ptr("x")}}), "OperationNotPermitted")
	wantCode(t, tb.s.ReleaseAddress(ctx, testCaller, &ec2.ReleaseAddressRequest{AllocationId: eip.AllocationId}), "InvalidIPAddress.InUse")
	wantCode(t, tb.s.DisassociateAddress(ctx, testCaller, &ec2.DisassociateAddressRequest{PublicIp: eip.PublicIp}), "OperationNotPermitted")
	wantCode(t, tb.s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: kit.Ptr(tb.subnet)}), "DependencyViolation")

	if _, err := tb.s.DeleteNatGateway(ctx, testCaller, &ec2.DeleteNatGatewayRequest{NatGatewayId: kit.Ptr(id)}); err != nil {
		t.Fatal(err)
	}
	if d := tb.describe(t, id); *d.State != "deleting" || d.DeleteTime == nil {
		t.Errorf("just deleted: %+v, want deleting with a delete time", d)
	}
	tb.clock = tb.clock.Add(kit.NatGatewayDeleting)
	if d := tb.describe(t, id); *d.State != "deleted" {
		t.Errorf("deleted gateway is %s", *d.State)
	}
	if _, err := tb.s.DeleteNatGateway(ctx, testCaller, &ec2.DeleteNatGatewayRequest{NatGatewayId: kit.Ptr(id)}); err != nil {
		t.Errorf("deleting a deleted gateway: %v, want nothing", err)
	}
	// The Elastic IP and the subnet are free again, though the gateway is still shown.
	if err := tb.s.ReleaseAddress(ctx, testCaller, &ec2.ReleaseAddressRequest{AllocationId: eip.AllocationId}); err != nil {
		t.Errorf("ReleaseAddress after the gateway: %v", err)
	}
	filtered, err := tb.s.DescribeNatGateways(ctx, testCaller, &ec2.DescribeNatGatewaysRequest{Filter: []ec2.Filter{{Name: kit.Ptr("state"), Values: []string{"deleted"}}}})
	if err != nil || len(filtered.NatGateways) != 1 {
		t.Errorf("state=deleted: %+v, %v", filtered, err)
	}
	if err := tb.s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: kit.Ptr(tb.subnet)}); err != nil {
		t.Errorf("DeleteSubnet after its NAT gateway: %v", err)
	}
	tb.clock = tb.clock.Add(kit.NatGatewayShownAfterEnd)
	_, err = tb.s.DescribeNatGateways(ctx, testCaller, &ec2.DescribeNatGatewaysRequest{NatGatewayIds: []string{id}})
	wantCode(t, err, "NatGatewayNotFound")
}

func TestNatGatewayFailures(t *testing.T) {
	tb := newNatTestbed(t)
	eip := allocate(t, tb.s)
	failed := func(name, code string, in *ec2.CreateNatGatewayRequest) {
		t.Helper()
		g, err := tb.create(in)
		if err != nil {
			t.Fatalf("%s: %v, want a failed gateway", name, err)
		}
		tb.clock = tb.clock.Add(kit.NatGatewayPending)
		d := tb.describe(t, *g.NatGatewayId)
		if *d.State != "failed" || d.FailureCode == nil || *d.FailureCode != code || *d.FailureMessage == "" {
			t.Errorf("%s: %+v, want failed with %s", name, d, code)
		}
	}
	// An Elastic IP that an instance holds.
	_, subnet2 := vpcWithSubnet(t, tb.s, "10.0.1.0/24")
	inst := mustRun(t, tb.s, tb.subnet)
	if _, err := tb.s.AssociateAddress(context.Background(), testCaller, &ec2.AssociateAddressRequest{AllocationId: eip.AllocationId, InstanceId: inst.InstanceId}); err != nil {
		t.Fatal(err)
	}
	failed("Elastic IP in use", "Resource.AlreadyAssociated", &ec2.CreateNatGatewayRequest{AllocationId: eip.AllocationId})
	// A public gateway in a VPC without an internet gateway.
	free := allocate(t, tb.s)
	failed("no internet gateway", "Gateway.NotAttached", &ec2.CreateNatGatewayRequest{SubnetId: kit.Ptr(subnet2), AllocationId: free.AllocationId})
	// A private one needs none.
	if g, err := tb.create(&ec2.CreateNatGatewayRequest{SubnetId: kit.Ptr(subnet2), ConnectivityType: kit.Ptr("private")}); err != nil || *g.ConnectivityType != "private" || len(g.NatGatewayAddresses) != 1 || g.NatGatewayAddresses[0].PublicIp != nil {
		t.Errorf("private gateway: %+v, %v", g, err)
	}
	// A full subnet.
	vpc3, _ := vpcWithSubnet(t, tb.s, "10.0.1.0/24")
	attachIgw(t, tb.s, createIgw(t, tb.s), vpc3)
	tiny := createSubnet(t, tb.s, vpc3, "10.0.9.0/28")
	if _, err := tb.s.CreateNetworkInterface(context.Background(), testCaller, &ec2.CreateNetworkInterfaceRequest{SubnetId: tiny.SubnetId, SecondaryPrivateIpAddressCount: kit.Ptr(int32(10))}); err != nil {
		t.Fatal(err)
	}
	failed("full subnet", "InsufficientFreeAddressesInSubnet", &ec2.CreateNatGatewayRequest{SubnetId: tiny.SubnetId, AllocationId: free.AllocationId})
}

func TestNatGatewayRequestErrors(t *testing.T) {
	tb := newNatTestbed(t)
	eip := allocate(t, tb.s)
	for _, tc := range []struct {
		name string
		in   ec2.CreateNatGatewayRequest
		code string
	}{
		{"public without an allocation", ec2.CreateNatGatewayRequest{}, "MissingParameter"},
		{"no subnet", ec2.CreateNatGatewayRequest{SubnetId: kit.Ptr(""), AllocationId: eip.AllocationId}, "MissingParameter"},
		{"subnet that does not exist", ec2.CreateNatGatewayRequest{SubnetId: kit.Ptr("subnet-0123456789abcdef0"), AllocationId: eip.AllocationId}, "InvalidSubnetID.NotFound"},
		{"allocation that does not exist", ec2.CreateNatGatewayRequest{AllocationId: kit.Ptr("eipalloc-0123456789abcdef0")}, "InvalidAllocationID.NotFound"},
		{"malformed allocation", ec2.CreateNatGatewayRequest{AllocationId: kit.Ptr("eipalloc-zz")}, "InvalidAllocationID.NotFound"},
		{"private with an allocation", ec2.CreateNatGatewayRequest{ConnectivityType: kit.Ptr("private"), AllocationId: eip.AllocationId}, "InvalidParameterCombination"},
		{"unknown connectivity", ec2.CreateNatGatewayRequest{ConnectivityType: kit.Ptr("internal")}, "InvalidParameterValue"},
		{"address outside the subnet", ec2.CreateNatGatewayRequest{AllocationId: eip.AllocationId, PrivateIpAddress: kit.Ptr("10.9.9.9")}, "InvalidParameterValue"},
		{"bad tag resource type", ec2.CreateNatGatewayRequest{AllocationId: eip.AllocationId, TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("vpc"), Tags: []ec2.Tag{{Key: kit.Ptr("k"), Value: kit.Ptr("v")}}}}}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := tb.create(&in)
			wantCode(t, err, tc.code)
		})
	}
	for _, tc := range []struct{ id, code string }{{"nat-0123456789abcdef0", "NatGatewayNotFound"}, {"nat-xyz", "NatGatewayMalformed"}} {
		_, err := tb.s.DeleteNatGateway(context.Background(), testCaller, &ec2.DeleteNatGatewayRequest{NatGatewayId: kit.Ptr(tc.id)})
		wantCode(t, err, tc.code)
		_, err = tb.s.DescribeNatGateways(context.Background(), testCaller, &ec2.DescribeNatGatewaysRequest{NatGatewayIds: []string{tc.id}})
		wantCode(t, err, tc.code)
	}
	// Nothing was left behind by the refused requests.
	out, err := tb.s.DescribeNatGateways(context.Background(), testCaller, &ec2.DescribeNatGatewaysRequest{})
	if err != nil || len(out.NatGateways) != 0 {
		t.Errorf("after refused requests: %+v, %v", out, err)
	}
}

func TestNatGatewayQuotaAndRoutes(t *testing.T) {
	tb := newNatTestbed(t)
	ctx := context.Background()
	var ids []string
	for range int(kit.QuotaNatGatewaysPerAZ.Default) {
		g, err := tb.create(&ec2.CreateNatGatewayRequest{ConnectivityType: kit.Ptr("private")})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, *g.NatGatewayId)
	}
	_, err := tb.create(&ec2.CreateNatGatewayRequest{ConnectivityType: kit.Ptr("private")})
	wantCode(t, err, "NatGatewayLimitExceeded")

	rtb := createRouteTable(t, tb.s, tb.vpc)
	route := func(dest, nat string) error {
		_, err := tb.s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: kit.Ptr(rtb), DestinationCidrBlock: kit.Ptr(dest), NatGatewayId: kit.Ptr(nat)})
		return err
	}
	if err := route("0.0.0.0/0", ids[0]); err != nil {
		t.Fatal(err)
	}
	if r := routeTo(describeRouteTable(t, tb.s, rtb), "0.0.0.0/0"); r == nil || *r.NatGatewayId != ids[0] || *r.State != "active" {
		t.Errorf("route to the NAT gateway: %+v", r)
	}
	// A gateway of another VPC is refused, a missing one is not found.
	otherVpc := createVpc(t, tb.s, "10.0.0.0/16")
	otherSubnet, err := tb.s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: otherVpc.VpcId, CidrBlock: kit.Ptr("10.0.1.0/24"), AvailabilityZone: kit.Ptr("us-east-1b")})
	if err != nil {
		t.Fatal(err)
	}
	// The quota is per zone: another zone has room.
	other, err := tb.create(&ec2.CreateNatGatewayRequest{SubnetId: otherSubnet.Subnet.SubnetId, ConnectivityType: kit.Ptr("private")})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, route("10.9.0.0/16", *other.NatGatewayId), "InvalidParameterValue")
	wantCode(t, route("10.8.0.0/16", "nat-0123456789abcdef0"), "InvalidNatGatewayID.NotFound")

	if _, err := tb.s.DeleteNatGateway(ctx, testCaller, &ec2.DeleteNatGatewayRequest{NatGatewayId: kit.Ptr(ids[0])}); err != nil {
		t.Fatal(err)
	}
	if r := routeTo(describeRouteTable(t, tb.s, rtb), "0.0.0.0/0"); r == nil || *r.State != "blackhole" {
		t.Errorf("route to a deleted NAT gateway: %+v, want blackhole", r)
	}
	// A deleted gateway frees its place under the quota.
	if _, err := tb.create(&ec2.CreateNatGatewayRequest{ConnectivityType: kit.Ptr("private")}); err != nil {
		t.Errorf("a gateway in the place of a deleted one: %v", err)
	}
}
