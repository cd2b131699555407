package e2e

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// natGateway creates a NAT gateway in subnet (public with the allocation, private without)
// and waits until it is available, with the SDK's own waiter.
func (p *plane) natGateway(subnet, allocation string) types.NatGateway {
	p.t.Helper()
	in := &ec2sdk.CreateNatGatewayInput{SubnetId: aws.String(subnet)}
	if allocation != "" {
		in.AllocationId = aws.String(allocation)
	} else {
		in.ConnectivityType = types.ConnectivityTypePrivate
	}
	out, err := p.ec2.CreateNatGateway(p.ctx, in)
	p.check("CreateNatGateway", err)
	if got := out.NatGateway.State; got != types.NatGatewayStatePending {
		p.t.Errorf("CreateNatGateway: state %s, want pending", got)
	}
	return p.awaitNatGateway(aws.ToString(out.NatGateway.NatGatewayId))
}

// awaitNatGateway deletes the gateway when the test ends, and waits until it is available
// with the SDK's own waiter.
func (p *plane) awaitNatGateway(id string) types.NatGateway {
	p.t.Helper()
	p.t.Cleanup(func() { p.ec2.DeleteNatGateway(p.ctx, &ec2sdk.DeleteNatGatewayInput{NatGatewayId: aws.String(id)}) })
	w := ec2sdk.NewNatGatewayAvailableWaiter(p.ec2, func(o *ec2sdk.NatGatewayAvailableWaiterOptions) { o.MinDelay = 200 * time.Millisecond })
	desc, err := w.WaitForOutput(p.ctx, &ec2sdk.DescribeNatGatewaysInput{NatGatewayIds: []string{id}}, time.Minute)
	p.check("NatGatewayAvailable waiter", err)
	return desc.NatGateways[0]
}

// TestNatGatewayTraffic checks a public NAT gateway: instances of a private subnet reach
// the internet through it, seen there from its Elastic IP with a source port in
// 1024-65535; nothing from the internet opens a connection through it; a deleted gateway
// carries nothing and its namespace goes. A private NAT gateway translates to its private
// address and never reaches the internet.
func TestNatGatewayTraffic(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	public := p.subnet(vpc, "10.0.1.0/24")
	private := p.subnet(vpc, "10.0.2.0/24")
	igw := p.attachedGateway(vpc)
	p.routeTable(vpc, public, "0.0.0.0/0", toGateway(igw))

	alloc, err := p.ec2.AllocateAddress(p.ctx, &ec2sdk.AllocateAddressInput{})
	p.check("AllocateAddress", err)
	eip := aws.ToString(alloc.PublicIp)
	t.Cleanup(func() { p.ec2.ReleaseAddress(p.ctx, &ec2sdk.ReleaseAddressInput{AllocationId: alloc.AllocationId}) })
	nat := p.natGateway(public, aws.ToString(alloc.AllocationId))
	natID := aws.ToString(nat.NatGatewayId)
	addr := nat.NatGatewayAddresses[0]
	if aws.ToString(addr.PublicIp) != eip || !strings.HasPrefix(aws.ToString(addr.PrivateIp), "10.0.1.") {
		t.Fatalf("NAT gateway addresses %+v, want the Elastic IP %s and a private address of the public subnet", addr, eip)
	}
	enis, err := p.ec2.DescribeNetworkInterfaces(p.ctx, &ec2sdk.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{aws.ToString(addr.NetworkInterfaceId)}})
	p.check("DescribeNetworkInterfaces", err)
	// AWS answers nat_gateway (its API reference lists it), not the model's natGateway.
	if e := enis.NetworkInterfaces[0]; e.InterfaceType != "nat_gateway" || !aws.ToBool(e.RequesterManaged) || aws.ToBool(e.SourceDestCheck) || len(e.Groups) != 0 {
		t.Errorf("the NAT gateway's interface: type %s, requester-managed %v, source/dest check %v, groups %v; want nat_gateway, true, false, none",
			e.InterfaceType, aws.ToBool(e.RequesterManaged), aws.ToBool(e.SourceDestCheck), e.Groups)
	}
	_, err = p.ec2.ReleaseAddress(p.ctx, &ec2sdk.ReleaseAddressInput{AllocationId: alloc.AllocationId})
	wantCode(t, "ReleaseAddress of the gateway's Elastic IP", err, "InvalidIPAddress.InUse")

	natRoutes := p.routeTable(vpc, private, "0.0.0.0/0", func(in *ec2sdk.CreateRouteInput) { in.NatGatewayId = aws.String(natID) })
	open := p.group(vpc, "open-8080")
	p.allowIn(open, perm("tcp", 8080, 8080, "0.0.0.0/0"))
	inst := p.launch(private, []string{open}, withPublicIP(false))
	p.serve(inst.ID, "tcp-serve", 8080)
	p.serve("internet", "tcp-serve", 80, "+port")
	p.serve("internet", "udp-serve", 5300) // 53 is the internet's DNS server

	seen := p.passes(tcp(inst.ID, internetHost, 80))
	if got := strings.Fields(seen); len(got) != 2 || got[0] != eip {
		t.Fatalf("the internet saw %q, want the gateway's Elastic IP %s", seen, eip)
	}
	// A client port below 1024 leaves with one in AWS's range.
	low := tcp(inst.ID, internetHost, 80)
	low.sport = 999
	if got := strings.Fields(p.passes(low)); len(got) != 2 || got[0] != eip || !portInRange(got[1]) {
		t.Errorf("a flow from port 999 was seen as %v, want %s with a port in 1024-65535", got, eip)
	}
	if got := p.passes(udp(inst.ID, internetHost, 5300)); got != eip {
		t.Errorf("UDP: the internet saw %q, want %s", got, eip)
	}
	// Outbound only: neither the Elastic IP nor the instance can be reached from outside.
	p.dropped(tcp("internet", eip, 8080))
	if ans, err := p.try(tcp("internet", inst.IP, 8080)); err == nil {
		t.Errorf("the internet reached the private instance at %s: %q", inst.IP, ans)
	}

	// A private NAT gateway translates to its private address: an instance of a third
	// subnet that reaches the public subnet through it is seen from the gateway's address,
	// and the internet gateway drops what the private gateway sends its way.
	third := p.subnet(vpc, "10.0.3.0/24")
	pnat := p.natGateway(private, "")
	pnatIP := aws.ToString(pnat.NatGatewayAddresses[0].PrivateIp)
	if pnat.NatGatewayAddresses[0].PublicIp != nil {
		t.Errorf("a private NAT gateway has public address %s", aws.ToString(pnat.NatGatewayAddresses[0].PublicIp))
	}
	rt := p.routeTable(vpc, third, "10.0.1.0/24", func(in *ec2sdk.CreateRouteInput) { in.NatGatewayId = pnat.NatGatewayId })
	_, err = p.ec2.CreateRoute(p.ctx, &ec2sdk.CreateRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: pnat.NatGatewayId})
	p.check("CreateRoute to the private NAT gateway", err)
	web := p.launch(public, []string{open}, withPublicIP(false))
	p.serve(web.ID, "tcp-serve", 8080)
	client := p.launch(third, []string{open}, withPublicIP(false))
	if got := p.passes(tcp(client.ID, web.IP, 8080)); got != pnatIP {
		t.Errorf("through the private NAT gateway the server saw %q, want its address %s", got, pnatIP)
	}
	// The private gateway's subnet routes to the public NAT gateway, whose subnet routes to
	// the internet: two NAT gateways in a row reach the internet, as on AWS.
	if got := strings.Fields(p.passes(tcp(client.ID, internetHost, 80))); len(got) != 2 || got[0] != eip {
		t.Errorf("through both NAT gateways the internet saw %v, want %s", got, eip)
	}

	// Deleted: the route is a blackhole, nothing gets out, the namespace goes.
	_, err = p.ec2.DeleteNatGateway(p.ctx, &ec2sdk.DeleteNatGatewayInput{NatGatewayId: aws.String(natID)})
	p.check("DeleteNatGateway", err)
	p.becomesDropped(tcp(inst.ID, internetHost, 80))
	p.eventually("the NAT gateway's namespace deleted", func() bool { return !hasNamespace(t, "vpcd-"+natID) })
	w := ec2sdk.NewNatGatewayDeletedWaiter(p.ec2, func(o *ec2sdk.NatGatewayDeletedWaiterOptions) { o.MinDelay = 200 * time.Millisecond })
	p.check("NatGatewayDeleted waiter", w.Wait(p.ctx, &ec2sdk.DescribeNatGatewaysInput{NatGatewayIds: []string{natID}}, time.Minute))
	tables, err := p.ec2.DescribeRouteTables(p.ctx, &ec2sdk.DescribeRouteTablesInput{RouteTableIds: []string{natRoutes}})
	p.check("DescribeRouteTables", err)
	for _, r := range tables.RouteTables[0].Routes {
		if aws.ToString(r.NatGatewayId) == natID && r.State != types.RouteStateBlackhole {
			t.Errorf("route to the deleted NAT gateway is %s, want blackhole", r.State)
		}
	}
	_, err = p.ec2.ReleaseAddress(p.ctx, &ec2sdk.ReleaseAddressInput{AllocationId: alloc.AllocationId})
	p.check("ReleaseAddress once the gateway is deleted", err)
}

func portInRange(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1024 && n <= 65535
}

// wantCode checks that err is the AWS error with the code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code {
		t.Errorf("%s: got %v, want %s", what, err, code)
	}
}

// TestNatGatewaySecondaryAddresses: a public NAT gateway with a secondary Elastic IP sends
// new flows from both of its addresses in turn, as AWS spreads connections over them.
func TestNatGatewaySecondaryAddresses(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	public, private := p.subnet(vpc, "10.0.1.0/24"), p.subnet(vpc, "10.0.2.0/24")
	p.routeTable(vpc, public, "0.0.0.0/0", toGateway(p.attachedGateway(vpc)))
	var allocs []string
	eips := map[string]bool{}
	for range 2 {
		a, err := p.ec2.AllocateAddress(p.ctx, &ec2sdk.AllocateAddressInput{})
		p.check("AllocateAddress", err)
		allocs = append(allocs, aws.ToString(a.AllocationId))
		eips[aws.ToString(a.PublicIp)] = true
	}
	out, err := p.ec2.CreateNatGateway(p.ctx, &ec2sdk.CreateNatGatewayInput{SubnetId: aws.String(public), AllocationId: aws.String(allocs[0]), SecondaryAllocationIds: allocs[1:]})
	p.check("CreateNatGateway", err)
	nat := out.NatGateway.NatGatewayId
	t.Cleanup(func() { p.ec2.DeleteNatGateway(p.ctx, &ec2sdk.DeleteNatGatewayInput{NatGatewayId: nat}) })
	w := ec2sdk.NewNatGatewayAvailableWaiter(p.ec2, func(o *ec2sdk.NatGatewayAvailableWaiterOptions) { o.MinDelay = 200 * time.Millisecond })
	p.check("NatGatewayAvailable waiter", w.Wait(p.ctx, &ec2sdk.DescribeNatGatewaysInput{NatGatewayIds: []string{aws.ToString(nat)}}, time.Minute))
	p.routeTable(vpc, private, "0.0.0.0/0", func(in *ec2sdk.CreateRouteInput) { in.NatGatewayId = nat })
	inst := p.launch(private, []string{p.group(vpc, "none")}, withPublicIP(false))
	p.serve("internet", "tcp-serve", 80)

	seen := map[string]bool{}
	for range 6 {
		got := p.passes(tcp(inst.ID, internetHost, 80))
		if !eips[got] {
			t.Fatalf("the internet saw %q, want one of the gateway's Elastic IPs %v", got, eips)
		}
		seen[got] = true
	}
	if len(seen) != 2 {
		t.Errorf("six flows left from %v, want both Elastic IPs %v", seen, eips)
	}
}
