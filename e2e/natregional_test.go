package e2e

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// regionalNatGateway creates a regional NAT gateway in vpc (with zones, manual mode; none,
// automatic) and waits until it is available, with the SDK's own waiter.
func (p *plane) regionalNatGateway(vpc string, zones []types.AvailabilityZoneAddress) types.NatGateway {
	p.t.Helper()
	out, err := p.ec2.CreateNatGateway(p.ctx, &ec2sdk.CreateNatGatewayInput{
		VpcId: aws.String(vpc), AvailabilityMode: types.AvailabilityModeRegional, AvailabilityZoneAddresses: zones})
	p.check("CreateNatGateway regional", err)
	return p.awaitNatGateway(aws.ToString(out.NatGateway.NatGatewayId))
}

// subnetIn makes a subnet in a zone.
func (p *plane) subnetIn(vpc, cidr, zone string) string {
	p.t.Helper()
	out, err := p.ec2.CreateSubnet(p.ctx, &ec2sdk.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(zone)})
	p.check("CreateSubnet", err)
	return *out.Subnet.SubnetId
}

// TestRegionalNatGatewayTraffic checks a regional NAT gateway: instances of private
// subnets in two zones, with no public subnet in the VPC, reach the internet through one
// gateway that is in no subnet, each seen there from its zone's Elastic IP; nothing from
// the internet opens a connection through it; an automatic gateway translates to the
// addresses of Amazon's pool it shows; a deleted gateway carries nothing and its
// namespace goes.
func TestRegionalNatGatewayTraffic(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	a := p.subnetIn(vpc, "10.0.1.0/24", "us-east-1a")
	b := p.subnetIn(vpc, "10.0.2.0/24", "us-east-1b")
	p.attachedGateway(vpc)

	var eips []string
	var zones []types.AvailabilityZoneAddress
	for _, zone := range []string{"us-east-1a", "us-east-1b"} {
		alloc, err := p.ec2.AllocateAddress(p.ctx, &ec2sdk.AllocateAddressInput{})
		p.check("AllocateAddress", err)
		t.Cleanup(func() { p.ec2.ReleaseAddress(p.ctx, &ec2sdk.ReleaseAddressInput{AllocationId: alloc.AllocationId}) })
		eips = append(eips, aws.ToString(alloc.PublicIp))
		zones = append(zones, types.AvailabilityZoneAddress{AvailabilityZone: aws.String(zone), AllocationIds: []string{aws.ToString(alloc.AllocationId)}})
	}
	nat := p.regionalNatGateway(vpc, zones)
	natID := aws.ToString(nat.NatGatewayId)
	if nat.AvailabilityMode != types.AvailabilityModeRegional || nat.SubnetId != nil || nat.RouteTableId == nil || len(nat.NatGatewayAddresses) != 2 {
		t.Fatalf("regional NAT gateway %+v", nat)
	}
	for i, addr := range nat.NatGatewayAddresses {
		if aws.ToString(addr.PublicIp) != eips[i] || aws.ToString(addr.AvailabilityZone) != *zones[i].AvailabilityZone || addr.PrivateIp != nil {
			t.Errorf("address %d: %+v, want %s in %s", i, addr, eips[i], *zones[i].AvailabilityZone)
		}
	}

	// One route table for both private subnets, to the one gateway.
	rt := p.routeTable(vpc, a, "0.0.0.0/0", func(in *ec2sdk.CreateRouteInput) { in.NatGatewayId = aws.String(natID) })
	_, err := p.ec2.AssociateRouteTable(p.ctx, &ec2sdk.AssociateRouteTableInput{RouteTableId: aws.String(rt), SubnetId: aws.String(b)})
	p.check("AssociateRouteTable", err)
	open := p.group(vpc, "open-8080")
	p.allowIn(open, perm("tcp", 8080, 8080, "0.0.0.0/0"))
	instA := p.launch(a, []string{open}, withPublicIP(false))
	instB := p.launch(b, []string{open}, withPublicIP(false))
	p.serve(instA.ID, "tcp-serve", 8080)
	p.serve("internet", "tcp-serve", 80, "+port")
	p.serve("internet", "udp-serve", 5300)

	for i, inst := range []instance{instA, instB} {
		got := strings.Fields(p.passes(tcp(inst.ID, internetHost, 80)))
		if len(got) != 2 || got[0] != eips[i] || !portInRange(got[1]) {
			t.Errorf("from zone %s the internet saw %v, want %s with a port in 1024-65535", *zones[i].AvailabilityZone, got, eips[i])
		}
	}
	if got := p.passes(udp(instB.ID, internetHost, 5300)); got != eips[1] {
		t.Errorf("UDP from zone b: the internet saw %q, want %s", got, eips[1])
	}
	// Outbound only.
	p.dropped(tcp("internet", eips[0], 8080))

	// An automatic gateway, with an address of Amazon's pool per zone of the VPC's subnets.
	auto := p.regionalNatGateway(vpc, nil)
	if auto.AutoProvisionZones != types.AutoProvisionZonesStateEnabled || len(auto.NatGatewayAddresses) != 2 {
		t.Fatalf("automatic regional NAT gateway %+v", auto)
	}
	_, err = p.ec2.ReplaceRoute(p.ctx, &ec2sdk.ReplaceRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: auto.NatGatewayId})
	p.check("ReplaceRoute", err)
	autoB := aws.ToString(auto.NatGatewayAddresses[1].PublicIp)
	p.eventually("zone b seen from the automatic gateway's address", func() bool {
		ans, err := p.try(tcp(instB.ID, internetHost, 80))
		return err == nil && strings.Fields(ans)[0] == autoB
	})

	// Deleted: the route is a blackhole, nothing gets out, the namespace goes.
	_, err = p.ec2.DeleteNatGateway(p.ctx, &ec2sdk.DeleteNatGatewayInput{NatGatewayId: auto.NatGatewayId})
	p.check("DeleteNatGateway", err)
	p.becomesDropped(tcp(instA.ID, internetHost, 80))
	p.eventually("the NAT gateway's namespace deleted", func() bool { return !hasNamespace(t, "vpcd-"+aws.ToString(auto.NatGatewayId)) })
	if !hasNamespace(t, "vpcd-"+natID) {
		t.Errorf("the first regional NAT gateway's namespace went with the second")
	}
}
