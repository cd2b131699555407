package control

import (
	"context"
	"slices"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func regional(in ec2.CreateNatGatewayRequest) *ec2.CreateNatGatewayRequest {
	in.AvailabilityMode = kit.Ptr("regional")
	return &in
}

func zoneAddress(zone string, allocs ...*ec2.AllocateAddressResult) ec2.AvailabilityZoneAddress {
	a := ec2.AvailabilityZoneAddress{AvailabilityZone: kit.Ptr(zone)}
	for _, r := range allocs {
		a.AllocationIds = append(a.AllocationIds, *r.AllocationId)
	}
	return a
}

// TestRegionalNatGatewayManual checks a regional gateway in manual mode: in no subnet,
// its Elastic IPs by zone, a route table of its own with a default route to the internet
// gateway that cannot be deleted while the gateway lives, the Elastic IPs held, and
// everything freed when it is deleted.
func TestRegionalNatGatewayManual(t *testing.T) {
	tb := newNatTestbed(t)
	ctx := context.Background()
	a, b1, b2 := allocate(t, tb.s), allocate(t, tb.s), allocate(t, tb.s)
	out, err := tb.s.CreateNatGateway(ctx, testCaller, regional(ec2.CreateNatGatewayRequest{
		VpcId: kit.Ptr(tb.vpc),
		AvailabilityZoneAddresses: []ec2.AvailabilityZoneAddress{
			zoneAddress("us-east-1a", a),
			{AvailabilityZoneId: kit.Ptr("use1-az2"), AllocationIds: []string{*b1.AllocationId, *b2.AllocationId}},
		},
	}))
	if err != nil {
		t.Fatal(err)
	}
	id := *out.NatGateway.NatGatewayId
	tb.clock = tb.clock.Add(kit.NatGatewayPending)
	d := tb.describe(t, id)
	if d.SubnetId != nil || *d.VpcId != tb.vpc || *d.AvailabilityMode != "regional" || *d.ConnectivityType != "public" ||
		*d.AutoProvisionZones != "disabled" || *d.State != "available" || d.RouteTableId == nil {
		t.Fatalf("regional gateway: %+v", d)
	}
	if len(d.NatGatewayAddresses) != 3 {
		t.Fatalf("addresses %+v, want 3", d.NatGatewayAddresses)
	}
	want := []struct{ zone, ip string }{{"us-east-1a", *a.PublicIp}, {"us-east-1b", *b1.PublicIp}, {"us-east-1b", *b2.PublicIp}}
	for i, w := range want {
		got := d.NatGatewayAddresses[i]
		if *got.AvailabilityZone != w.zone || *got.PublicIp != w.ip || got.PrivateIp != nil || got.NetworkInterfaceId != nil ||
			got.AssociationId == nil || *got.Status != "succeeded" || got.AvailabilityZoneId == nil {
			t.Errorf("address %d: %+v, want %s in %s", i, got, w.ip, w.zone)
		}
	}
	// Its route table: local and the default route to the internet gateway.
	rt := describeRouteTable(t, tb.s, *d.RouteTableId)
	if r := routeTo(rt, "0.0.0.0/0"); r == nil || r.GatewayId == nil || *r.State != "active" || len(rt.Associations) != 0 {
		t.Errorf("the gateway's route table %+v", rt)
	}
	wantCode(t, tb.s.DeleteRouteTable(ctx, testCaller, &ec2.DeleteRouteTableRequest{RouteTableId: d.RouteTableId}), "DependencyViolation")
	// Any subnet's table routes to it.
	rtb := createRouteTable(t, tb.s, tb.vpc)
	if _, err := tb.s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: kit.Ptr(rtb), DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), NatGatewayId: kit.Ptr(id)}); err != nil {
		t.Fatal(err)
	}
	// Its Elastic IPs are held.
	wantCode(t, tb.s.ReleaseAddress(ctx, testCaller, &ec2.ReleaseAddressRequest{AllocationId: a.AllocationId}), "InvalidIPAddress.InUse")
	wantCode(t, tb.s.DisassociateAddress(ctx, testCaller, &ec2.DisassociateAddressRequest{PublicIp: a.PublicIp}), "OperationNotPermitted")
	wantCode(t, tb.s.DisassociateAddress(ctx, testCaller, &ec2.DisassociateAddressRequest{AssociationId: d.NatGatewayAddresses[0].AssociationId}), "OperationNotPermitted")
	inst := mustRun(t, tb.s, tb.subnet)
	_, err = tb.s.AssociateAddress(ctx, testCaller, &ec2.AssociateAddressRequest{AllocationId: a.AllocationId, InstanceId: inst.InstanceId, AllowReassociation: kit.Ptr(true)})
	wantCode(t, err, "Resource.AlreadyAssociated")
	if got := describeAddress(t, tb.s, *a.AllocationId); got.AssociationId == nil || *got.AssociationId != *d.NatGatewayAddresses[0].AssociationId {
		t.Errorf("the Elastic IP %+v, want the gateway's association", got)
	}
	// Another gateway cannot have them: it fails as a zonal one does.
	other, err := tb.s.CreateNatGateway(ctx, testCaller, regional(ec2.CreateNatGatewayRequest{VpcId: kit.Ptr(tb.vpc), AvailabilityZoneAddresses: []ec2.AvailabilityZoneAddress{zoneAddress("us-east-1a", a)}}))
	if err != nil {
		t.Fatal(err)
	}
	tb.clock = tb.clock.Add(kit.NatGatewayPending)
	if d := tb.describe(t, *other.NatGateway.NatGatewayId); d.FailureCode == nil || *d.FailureCode != "Resource.AlreadyAssociated" {
		t.Errorf("a second gateway with the same Elastic IP: %+v, %v; want failed with Resource.AlreadyAssociated", other, err)
	}
	// The internet gateway cannot be detached while the gateway has public addresses,
	// nor the VPC deleted.
	igws, err := tb.s.DescribeInternetGateways(ctx, testCaller, &ec2.DescribeInternetGatewaysRequest{Filters: []ec2.Filter{{Name: kit.Ptr("attachment.vpc-id"), Values: []string{tb.vpc}}}})
	if err != nil || len(igws.InternetGateways) != 1 {
		t.Fatalf("DescribeInternetGateways: %+v, %v", igws, err)
	}
	wantCode(t, tb.s.DetachInternetGateway(ctx, testCaller, &ec2.DetachInternetGatewayRequest{InternetGatewayId: igws.InternetGateways[0].InternetGatewayId, VpcId: kit.Ptr(tb.vpc)}), "DependencyViolation")
	wantCode(t, tb.s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: kit.Ptr(tb.vpc)}), "DependencyViolation")
	if _, err := tb.s.DeleteNatGateway(ctx, testCaller, &ec2.DeleteNatGatewayRequest{NatGatewayId: kit.Ptr(id)}); err != nil {
		t.Fatal(err)
	}
	if r := routeTo(describeRouteTable(t, tb.s, rtb), "0.0.0.0/0"); r == nil || *r.State != "blackhole" {
		t.Errorf("route to a deleted regional gateway: %+v, want blackhole", r)
	}
	_, err = tb.s.DescribeRouteTables(ctx, testCaller, &ec2.DescribeRouteTablesRequest{RouteTableIds: []string{*d.RouteTableId}})
	wantCode(t, err, "InvalidRouteTableID.NotFound")
	if err := tb.s.ReleaseAddress(ctx, testCaller, &ec2.ReleaseAddressRequest{AllocationId: a.AllocationId}); err != nil {
		t.Errorf("ReleaseAddress after the gateway was deleted: %v", err)
	}
}

// TestRegionalNatGatewayAutomatic checks automatic mode: one address of Amazon's pool in
// each zone where the VPC has subnets, none of them an Elastic IP of the caller.
func TestRegionalNatGatewayAutomatic(t *testing.T) {
	tb := newNatTestbed(t)
	ctx := context.Background()
	if _, err := tb.s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: kit.Ptr(tb.vpc), CidrBlock: kit.Ptr("10.0.2.0/24"), AvailabilityZone: kit.Ptr("us-east-1c")}); err != nil {
		t.Fatal(err)
	}
	out, err := tb.s.CreateNatGateway(ctx, testCaller, regional(ec2.CreateNatGatewayRequest{VpcId: kit.Ptr(tb.vpc), ClientToken: kit.Ptr("tok")}))
	if err != nil {
		t.Fatal(err)
	}
	g := out.NatGateway
	if *g.AutoProvisionZones != "enabled" || len(g.NatGatewayAddresses) != 2 {
		t.Fatalf("automatic regional gateway: %+v", g)
	}
	zones := map[string]bool{}
	for _, a := range g.NatGatewayAddresses {
		zones[*a.AvailabilityZone] = true
		if a.PublicIp == nil || a.AllocationId != nil {
			t.Errorf("address %+v, want one of Amazon's pool", a)
		}
	}
	if len(zones) != 2 {
		t.Errorf("zones %v, want the two of the VPC's subnets", zones)
	}
	// It follows the VPC's subnets: a new zone gets an address, a zone whose last subnet
	// went gives its address back.
	zonesOf := func() []string {
		var out []string
		for _, a := range tb.describe(t, *g.NatGatewayId).NatGatewayAddresses {
			out = append(out, *a.AvailabilityZone)
		}
		return out
	}
	third, err := tb.s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: kit.Ptr(tb.vpc), CidrBlock: kit.Ptr("10.0.3.0/24"), AvailabilityZone: kit.Ptr("us-east-1d")})
	if err != nil {
		t.Fatal(err)
	}
	if got := zonesOf(); len(got) != 3 || got[2] != "us-east-1d" {
		t.Errorf("zones after a subnet in us-east-1d: %v", got)
	}
	if err := tb.s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: third.Subnet.SubnetId}); err != nil {
		t.Fatal(err)
	}
	if got := zonesOf(); len(got) != 2 || slices.Contains(got, "us-east-1d") {
		t.Errorf("zones after the us-east-1d subnet went: %v", got)
	}
	again, err := tb.s.CreateNatGateway(ctx, testCaller, regional(ec2.CreateNatGatewayRequest{VpcId: kit.Ptr(tb.vpc), ClientToken: kit.Ptr("tok")}))
	if err != nil || *again.NatGateway.NatGatewayId != *g.NatGatewayId {
		t.Errorf("the same client token: %+v, %v", again, err)
	}
	// Filters by VPC find it, by subnet not.
	list, err := tb.s.DescribeNatGateways(ctx, testCaller, &ec2.DescribeNatGatewaysRequest{Filter: []ec2.Filter{{Name: kit.Ptr("vpc-id"), Values: []string{tb.vpc}}}})
	if err != nil || len(list.NatGateways) != 1 {
		t.Errorf("vpc-id filter: %+v, %v", list, err)
	}
	list, err = tb.s.DescribeNatGateways(ctx, testCaller, &ec2.DescribeNatGatewaysRequest{Filter: []ec2.Filter{{Name: kit.Ptr("subnet-id"), Values: []string{tb.subnet}}}})
	if err != nil || len(list.NatGateways) != 0 {
		t.Errorf("subnet-id filter: %+v, %v", list, err)
	}
	// A VPC without an internet gateway: the gateway fails, as a zonal one does.
	bare := createVpc(t, tb.s, "10.1.0.0/16")
	failed, err := tb.s.CreateNatGateway(ctx, testCaller, regional(ec2.CreateNatGatewayRequest{VpcId: bare.VpcId}))
	if err != nil {
		t.Fatal(err)
	}
	tb.clock = tb.clock.Add(kit.NatGatewayPending)
	if d := tb.describe(t, *failed.NatGateway.NatGatewayId); *d.State != "failed" || *d.FailureCode != "Gateway.NotAttached" || d.RouteTableId != nil {
		t.Errorf("regional gateway without an internet gateway: %+v", d)
	}
	// The quota counts regional gateways per VPC.
	for i := 1; i < int(kit.QuotaNatGatewaysPerAZ.Default); i++ {
		if _, err := tb.s.CreateNatGateway(ctx, testCaller, regional(ec2.CreateNatGatewayRequest{VpcId: kit.Ptr(tb.vpc)})); err != nil {
			t.Fatal(err)
		}
	}
	_, err = tb.s.CreateNatGateway(ctx, testCaller, regional(ec2.CreateNatGatewayRequest{VpcId: kit.Ptr(tb.vpc)}))
	wantCode(t, err, "NatGatewayLimitExceeded")
	// A zonal gateway still has room in the zone.
	if _, err := tb.create(&ec2.CreateNatGatewayRequest{ConnectivityType: kit.Ptr("private")}); err != nil {
		t.Errorf("a zonal gateway next to regional ones: %v", err)
	}
}

func TestRegionalNatGatewayRequestErrors(t *testing.T) {
	tb := newNatTestbed(t)
	eip := allocate(t, tb.s)
	vpc := kit.Ptr(tb.vpc)
	za := []ec2.AvailabilityZoneAddress{zoneAddress("us-east-1a", eip)}
	for _, tc := range []struct {
		name string
		in   *ec2.CreateNatGatewayRequest
		code string
	}{
		{"no VPC", regional(ec2.CreateNatGatewayRequest{}), "MissingParameter"},
		{"a subnet", regional(ec2.CreateNatGatewayRequest{VpcId: vpc, SubnetId: kit.Ptr(tb.subnet)}), "InvalidParameterCombination"},
		{"private", regional(ec2.CreateNatGatewayRequest{VpcId: vpc, ConnectivityType: kit.Ptr("private")}), "InvalidParameterCombination"},
		{"an allocation", regional(ec2.CreateNatGatewayRequest{VpcId: vpc, AllocationId: eip.AllocationId}), "InvalidParameterCombination"},
		{"a private address", regional(ec2.CreateNatGatewayRequest{VpcId: vpc, PrivateIpAddress: kit.Ptr("10.0.1.9")}), "InvalidParameterCombination"},
		{"secondary count", regional(ec2.CreateNatGatewayRequest{VpcId: vpc, SecondaryPrivateIpAddressCount: kit.Ptr(int32(1))}), "InvalidParameterCombination"},
		{"VPC not found", regional(ec2.CreateNatGatewayRequest{VpcId: kit.Ptr("vpc-0123456789abcdef0")}), "InvalidVpcID.NotFound"},
		{"zone without allocations", regional(ec2.CreateNatGatewayRequest{VpcId: vpc, AvailabilityZoneAddresses: []ec2.AvailabilityZoneAddress{{AvailabilityZone: kit.Ptr("us-east-1a")}}}), "MissingParameter"},
		{"address without a zone", regional(ec2.CreateNatGatewayRequest{VpcId: vpc, AvailabilityZoneAddresses: []ec2.AvailabilityZoneAddress{{AllocationIds: []string{*eip.AllocationId}}}}), "MissingParameter"},
		{"zone and zone ID", regional(ec2.CreateNatGatewayRequest{VpcId: vpc, AvailabilityZoneAddresses: []ec2.AvailabilityZoneAddress{{AvailabilityZone: kit.Ptr("us-east-1a"), AvailabilityZoneId: kit.Ptr("use1-az1"), AllocationIds: []string{*eip.AllocationId}}}}), "InvalidParameterCombination"},
		{"unknown zone", regional(ec2.CreateNatGatewayRequest{VpcId: vpc, AvailabilityZoneAddresses: []ec2.AvailabilityZoneAddress{zoneAddress("us-east-1z", eip)}}), "InvalidParameterValue"},
		{"zone twice", regional(ec2.CreateNatGatewayRequest{VpcId: vpc, AvailabilityZoneAddresses: []ec2.AvailabilityZoneAddress{zoneAddress("us-east-1a", eip), {AvailabilityZoneId: kit.Ptr("use1-az1"), AllocationIds: []string{"eipalloc-0123456789abcdef0"}}}}), "InvalidParameterValue"},
		{"allocation twice", regional(ec2.CreateNatGatewayRequest{VpcId: vpc, AvailabilityZoneAddresses: []ec2.AvailabilityZoneAddress{zoneAddress("us-east-1a", eip), zoneAddress("us-east-1b", eip)}}), "InvalidParameterValue"},
		{"allocation not found", regional(ec2.CreateNatGatewayRequest{VpcId: vpc, AvailabilityZoneAddresses: []ec2.AvailabilityZoneAddress{{AvailabilityZone: kit.Ptr("us-east-1a"), AllocationIds: []string{"eipalloc-0123456789abcdef0"}}}}), "InvalidAllocationID.NotFound"},
		{"zonal with a VPC", &ec2.CreateNatGatewayRequest{VpcId: vpc, SubnetId: kit.Ptr(tb.subnet), AllocationId: eip.AllocationId}, "InvalidParameterCombination"},
		{"zonal with zone addresses", &ec2.CreateNatGatewayRequest{SubnetId: kit.Ptr(tb.subnet), AllocationId: eip.AllocationId, AvailabilityZoneAddresses: za}, "InvalidParameterCombination"},
		{"unknown mode", &ec2.CreateNatGatewayRequest{AvailabilityMode: kit.Ptr("global"), VpcId: vpc}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tb.s.CreateNatGateway(context.Background(), testCaller, tc.in)
			wantCode(t, err, tc.code)
		})
	}
	out, err := tb.s.DescribeNatGateways(context.Background(), testCaller, &ec2.DescribeNatGatewaysRequest{})
	if err != nil || len(out.NatGateways) != 0 {
		t.Errorf("after refused requests: %+v, %v", out, err)
	}
	// A zonal gateway shows its mode as zonal and no regional fields.
	g, err := tb.create(&ec2.CreateNatGatewayRequest{AllocationId: eip.AllocationId})
	if err != nil || *g.AvailabilityMode != "zonal" || g.RouteTableId != nil || g.AutoProvisionZones != nil || g.NatGatewayAddresses[0].AvailabilityZone != nil {
		t.Errorf("zonal gateway: %+v, %v", g, err)
	}
}

// TestRegionalNatGatewayAddresses checks AssociateNatGatewayAddress and
// DisassociateNatGatewayAddress on a regional gateway: an Elastic IP added in a zone,
// named by zone or zone ID, then taken away and free again; AWS's errors for the rest.
func TestRegionalNatGatewayAddresses(t *testing.T) {
	tb := newNatTestbed(t)
	ctx := context.Background()
	a, b, c := allocate(t, tb.s), allocate(t, tb.s), allocate(t, tb.s)
	out, err := tb.s.CreateNatGateway(ctx, testCaller, regional(ec2.CreateNatGatewayRequest{VpcId: kit.Ptr(tb.vpc), AvailabilityZoneAddresses: []ec2.AvailabilityZoneAddress{zoneAddress("us-east-1a", a)}}))
	if err != nil {
		t.Fatal(err)
	}
	id := out.NatGateway.NatGatewayId
	assoc := func(in ec2.AssociateNatGatewayAddressRequest) (*ec2.AssociateNatGatewayAddressResult, error) {
		in.NatGatewayId = id
		return tb.s.AssociateNatGatewayAddress(ctx, testCaller, &in)
	}
	_, err = assoc(ec2.AssociateNatGatewayAddressRequest{AllocationIds: []string{*b.AllocationId}, AvailabilityZone: kit.Ptr("us-east-1b")})
	wantCode(t, err, "IncorrectState") // still pending
	tb.clock = tb.clock.Add(kit.NatGatewayPending)
	added, err := assoc(ec2.AssociateNatGatewayAddressRequest{AllocationIds: []string{*b.AllocationId}, AvailabilityZoneId: kit.Ptr("use1-az2")})
	if err != nil || len(added.NatGatewayAddresses) != 1 || *added.NatGatewayAddresses[0].AvailabilityZone != "us-east-1b" || *added.NatGatewayAddresses[0].Status != "associating" {
		t.Fatalf("AssociateNatGatewayAddress: %+v, %v", added, err)
	}
	if d := tb.describe(t, *id); len(d.NatGatewayAddresses) != 2 || *d.NatGatewayAddresses[1].PublicIp != *b.PublicIp {
		t.Errorf("after the association: %+v", d.NatGatewayAddresses)
	}
	for _, tc := range []struct {
		name string
		in   ec2.AssociateNatGatewayAddressRequest
		code string
	}{
		{"no zone", ec2.AssociateNatGatewayAddressRequest{AllocationIds: []string{*c.AllocationId}}, "MissingParameter"},
		{"zone and zone ID", ec2.AssociateNatGatewayAddressRequest{AllocationIds: []string{*c.AllocationId}, AvailabilityZone: kit.Ptr("us-east-1a"), AvailabilityZoneId: kit.Ptr("use1-az1")}, "InvalidParameterCombination"},
		{"private addresses", ec2.AssociateNatGatewayAddressRequest{AllocationIds: []string{*c.AllocationId}, AvailabilityZone: kit.Ptr("us-east-1a"), PrivateIpAddresses: []string{"10.0.1.9"}}, "InvalidParameterCombination"},
		{"unknown zone", ec2.AssociateNatGatewayAddressRequest{AllocationIds: []string{*c.AllocationId}, AvailabilityZone: kit.Ptr("us-east-1z")}, "InvalidParameterValue"},
		{"in use", ec2.AssociateNatGatewayAddressRequest{AllocationIds: []string{*a.AllocationId}, AvailabilityZone: kit.Ptr("us-east-1c")}, "Resource.AlreadyAssociated"},
		{"not found", ec2.AssociateNatGatewayAddressRequest{AllocationIds: []string{"eipalloc-0123456789abcdef0"}, AvailabilityZone: kit.Ptr("us-east-1c")}, "InvalidAllocationID.NotFound"},
	} {
		_, err := assoc(tc.in)
		wantCode(t, err, tc.code+"")
		if err == nil {
			t.Errorf("%s: associated", tc.name)
		}
	}
	// A zonal gateway's addresses are not changed here.
	z, err := tb.create(&ec2.CreateNatGatewayRequest{AllocationId: c.AllocationId})
	if err != nil {
		t.Fatal(err)
	}
	tb.clock = tb.clock.Add(kit.NatGatewayPending)
	_, err = tb.s.AssociateNatGatewayAddress(ctx, testCaller, &ec2.AssociateNatGatewayAddressRequest{NatGatewayId: z.NatGatewayId, AllocationIds: []string{"eipalloc-0123456789abcdef0"}})
	wantCode(t, err, "UnsupportedOperation")

	bAssoc := added.NatGatewayAddresses[0].AssociationId
	_, err = tb.s.DisassociateNatGatewayAddress(ctx, testCaller, &ec2.DisassociateNatGatewayAddressRequest{NatGatewayId: id, AssociationIds: []string{*bAssoc}, MaxDrainDurationSeconds: kit.Ptr(int32(5000))})
	wantCode(t, err, "InvalidParameterValue")
	_, err = tb.s.DisassociateNatGatewayAddress(ctx, testCaller, &ec2.DisassociateNatGatewayAddressRequest{NatGatewayId: id, AssociationIds: []string{"eipassoc-0123456789abcdef0"}})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	gone, err := tb.s.DisassociateNatGatewayAddress(ctx, testCaller, &ec2.DisassociateNatGatewayAddressRequest{NatGatewayId: id, AssociationIds: []string{*bAssoc}})
	if err != nil || len(gone.NatGatewayAddresses) != 1 || *gone.NatGatewayAddresses[0].Status != "disassociating" {
		t.Fatalf("DisassociateNatGatewayAddress: %+v, %v", gone, err)
	}
	if d := tb.describe(t, *id); len(d.NatGatewayAddresses) != 1 {
		t.Errorf("after the disassociation: %+v", d.NatGatewayAddresses)
	}
	if err := tb.s.ReleaseAddress(ctx, testCaller, &ec2.ReleaseAddressRequest{AllocationId: b.AllocationId}); err != nil {
		t.Errorf("ReleaseAddress of a disassociated Elastic IP: %v", err)
	}
}
