package e2e

// Routing through instances: a software firewall in its own subnet carries the traffic
// between two other subnets, put in the path by routes more specific than the local route
// (AWS's middlebox routing: a destination that is a whole subnet of the VPC may target an
// interface or an instance). Whether the firewall may forward is up to its
// source/destination check; ForwDatagrams in the firewall's own /proc/net/snmp shows the
// packets really went through it.

import (
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// firewallForwarded reads the IPv4 ForwDatagrams counter of an instance's own kernel.
func firewallForwarded(p *plane, id string) int {
	p.t.Helper()
	out, err := exec.Command(p.bin, "exec", "--internet-netns", p.internet, id, "--", "cat", "/proc/net/snmp").CombinedOutput()
	if err != nil {
		p.t.Fatalf("read /proc/net/snmp in %s: %v\n%s", id, err, out)
	}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "Ip:" {
			continue
		}
		if names == nil {
			names = fields
			continue
		}
		if i := slices.Index(names, "ForwDatagrams"); i > 0 && i < len(fields) {
			n, err := strconv.Atoi(fields[i])
			if err != nil {
				p.t.Fatalf("ForwDatagrams in %s: %v", id, err)
			}
			return n
		}
	}
	p.t.Fatalf("no Ip: ForwDatagrams in the /proc/net/snmp of %s:\n%s", id, out)
	return 0
}

// firewallSourceDestCheck sets an instance's source/destination check, through
// ModifyInstanceAttribute or through ModifyNetworkInterfaceAttribute on its interface.
func firewallSourceDestCheck(p *plane, inst instance, on, viaInterface bool) {
	p.t.Helper()
	value := &types.AttributeBooleanValue{Value: aws.Bool(on)}
	if viaInterface {
		_, err := p.ec2.ModifyNetworkInterfaceAttribute(p.ctx, &ec2sdk.ModifyNetworkInterfaceAttributeInput{
			NetworkInterfaceId: aws.String(inst.ENI), SourceDestCheck: value})
		p.check("ModifyNetworkInterfaceAttribute SourceDestCheck", err)
	} else {
		_, err := p.ec2.ModifyInstanceAttribute(p.ctx, &ec2sdk.ModifyInstanceAttributeInput{
			InstanceId: aws.String(inst.ID), SourceDestCheck: value})
		p.check("ModifyInstanceAttribute SourceDestCheck", err)
	}
	out, err := p.ec2.DescribeInstanceAttribute(p.ctx, &ec2sdk.DescribeInstanceAttributeInput{
		InstanceId: aws.String(inst.ID), Attribute: types.InstanceAttributeNameSourceDestCheck})
	p.check("DescribeInstanceAttribute sourceDestCheck", err)
	if out.SourceDestCheck == nil || aws.ToBool(out.SourceDestCheck.Value) != on {
		p.t.Fatalf("DescribeInstanceAttribute sourceDestCheck of %s: %v, want %t", inst.ID, out.SourceDestCheck, on)
	}
}

// firewallMiddleboxRoute makes a route table for subnet with the route dst to the
// middlebox that set names, checks that AWS's rule lets it in, associates it and returns
// the table and its association.
func firewallMiddleboxRoute(p *plane, vpc, subnet, dst string, set func(*ec2sdk.CreateRouteInput)) (rtb, assoc string) {
	p.t.Helper()
	out, err := p.ec2.CreateRouteTable(p.ctx, &ec2sdk.CreateRouteTableInput{VpcId: aws.String(vpc)})
	p.check("CreateRouteTable", err)
	rtb = aws.ToString(out.RouteTable.RouteTableId)
	in := &ec2sdk.CreateRouteInput{RouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(dst)}
	set(in)
	if _, err := p.ec2.CreateRoute(p.ctx, in); err != nil {
		if strings.Contains(err.Error(), "more specific") {
			p.t.Skipf("blocked by: CreateRoute refuses %s, a subnet CIDR more specific than the local route, to a network interface or instance, which AWS allows (middlebox routing): %v", dst, err)
		}
		p.check("CreateRoute "+dst, err)
	}
	a, err := p.ec2.AssociateRouteTable(p.ctx, &ec2sdk.AssociateRouteTableInput{RouteTableId: aws.String(rtb), SubnetId: aws.String(subnet)})
	p.check("AssociateRouteTable", err)
	desc, err := p.ec2.DescribeRouteTables(p.ctx, &ec2sdk.DescribeRouteTablesInput{RouteTableIds: []string{rtb}})
	p.check("DescribeRouteTables", err)
	found := false
	for _, r := range desc.RouteTables[0].Routes {
		if aws.ToString(r.DestinationCidrBlock) == dst {
			found = true
			if r.State != types.RouteStateActive {
				p.t.Errorf("route %s in %s is %q, want active", dst, rtb, r.State)
			}
			p.t.Logf("%s: %s -> instance %q interface %q (%s)", rtb, dst, aws.ToString(r.InstanceId), aws.ToString(r.NetworkInterfaceId), r.State)
		}
	}
	if !found {
		p.t.Errorf("route %s missing from %s", dst, rtb)
	}
	return rtb, aws.ToString(a.AssociationId)
}

func toInterface(eni string) func(*ec2sdk.CreateRouteInput) {
	return func(in *ec2sdk.CreateRouteInput) { in.NetworkInterfaceId = aws.String(eni) }
}

func toInstance(id string) func(*ec2sdk.CreateRouteInput) {
	return func(in *ec2sdk.CreateRouteInput) { in.InstanceId = aws.String(id) }
}

// TestFirewallInstanceRouting puts a firewall instance between two subnets with routes
// more specific than local, one to its interface and one to the instance, and checks that
// it carries their traffic only while its source/destination check is off, that the
// traffic keeps its addresses and really passes through the firewall, and that removing
// the routes takes the firewall out of the path.
func TestFirewallInstanceRouting(t *testing.T) {
	requireDataplane(t)
	// Registered before the plane, so that it runs after the plane's own cleanup.
	before := namespaces(t)
	var mine []string
	t.Cleanup(func() {
		after := namespaces(t)
		for _, ns := range mine {
			if slices.Contains(after, ns) {
				t.Errorf("namespace %s left behind", ns)
			}
		}
		for _, ns := range after {
			if !slices.Contains(before, ns) && !slices.Contains(mine, ns) {
				t.Logf("namespace %s appeared during the test (not this vpcd's)", ns)
			}
		}
	})

	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	subA, subB, subF := p.subnet(vpc, "10.0.1.0/24"), p.subnet(vpc, "10.0.2.0/24"), p.subnet(vpc, "10.0.3.0/24")
	inside := p.group(vpc, "inside")
	p.allowIn(inside, perm("tcp", 0, 65535, "10.0.0.0/16"), perm("icmp", -1, -1, "10.0.0.0/16"))
	a := p.launch(subA, []string{inside}, withIP("10.0.1.10"))
	b := p.launch(subB, []string{inside}, withIP("10.0.2.10"))
	fw := p.launch(subF, []string{inside}, withIP("10.0.3.10"))
	mine = []string{a.ID, b.ID, fw.ID, routerNamespace(vpc), p.internet}
	p.serve(a.ID, "tcp-serve", 8000)
	p.serve(b.ID, "tcp-serve", 8000)

	// The firewall's own OS routes: forwarding on in its namespace, which vpcd leaves to
	// the guest.
	if out, err := exec.Command(p.bin, "exec", "--internet-netns", p.internet, fw.ID, "--", "sysctl", "-w", "net.ipv4.ip_forward=1").CombinedOutput(); err != nil {
		t.Fatalf("enable forwarding in %s: %v\n%s", fw.ID, err, out)
	}

	ab, ba, ping := tcp(a.ID, b.IP, 8000), tcp(b.ID, a.IP, 8000), icmp(a.ID, b.IP)
	// forwardsPerPing is how many packets the firewall forwarded while a pinged b until
	// it got its answer: 2 for one echo and its reply both through the firewall (more if a
	// try was lost on a loaded machine, so callers poll for the exact figure).
	forwardsPerPing := func() int {
		p.t.Helper()
		before := firewallForwarded(p, fw.ID)
		p.passes(ping)
		return firewallForwarded(p, fw.ID) - before
	}

	t.Run("direct before the middlebox routes", func(t *testing.T) {
		if got := p.passes(ab); got != a.IP {
			t.Errorf("b saw %q, want a's address %s", got, a.IP)
		}
		if got := p.passes(ba); got != b.IP {
			t.Errorf("a saw %q, want b's address %s", got, b.IP)
		}
		if n := forwardsPerPing(); n != 0 {
			t.Errorf("the firewall forwarded %d packets of a direct ping (want 0)", n)
		}
	})

	// Subnet A reaches B through the firewall's interface, B reaches A through the
	// firewall instance: both routes are more specific than the local route.
	rtA, _ := firewallMiddleboxRoute(p, vpc, subA, "10.0.2.0/24", toInterface(fw.ENI))
	_, assocB := firewallMiddleboxRoute(p, vpc, subB, "10.0.1.0/24", toInstance(fw.ID))

	t.Run("check on: the firewall may not forward", func(t *testing.T) {
		took := p.becomesDropped(ab)
		t.Logf("a -> b dropped %v after the routes", took)
		p.dropped(ba)
		n := firewallForwarded(p, fw.ID)
		p.dropped(ping)
		if m := firewallForwarded(p, fw.ID); m != n {
			t.Errorf("ForwDatagrams in the firewall went from %d to %d with its check on", n, m)
		}
	})

	t.Run("check off: through the firewall", func(t *testing.T) {
		firewallSourceDestCheck(p, fw, false, false)
		if got := p.passes(ab); got != a.IP {
			t.Errorf("b saw %q, want a's own address %s, not the firewall's %s", got, a.IP, fw.IP)
		}
		if got := p.passes(ba); got != b.IP {
			t.Errorf("a saw %q, want b's own address %s, not the firewall's %s", got, b.IP, fw.IP)
		}
		// One echo and its reply: the request by A's route to the interface, the reply by
		// B's route to the instance.
		var n int
		p.eventually("the firewall forwards the echo and its reply", func() bool { n = forwardsPerPing(); return n == 2 })
		before := firewallForwarded(p, fw.ID)
		p.passes(ab)
		t.Logf("one TCP exchange a -> b: %d packets forwarded by the firewall", firewallForwarded(p, fw.ID)-before)
	})

	t.Run("check back on through the interface: dropped", func(t *testing.T) {
		firewallSourceDestCheck(p, fw, true, true)
		p.becomesDropped(ab)
		p.dropped(ba)
	})

	t.Run("check off again, then the routes go", func(t *testing.T) {
		firewallSourceDestCheck(p, fw, false, true)
		p.passes(ab)
		p.eventually("the firewall forwards the echo and its reply", func() bool { return forwardsPerPing() == 2 })

		// Without A's route the request goes straight to B; B's route still sends the
		// reply through the firewall.
		_, err := p.ec2.DeleteRoute(p.ctx, &ec2sdk.DeleteRouteInput{RouteTableId: aws.String(rtA), DestinationCidrBlock: aws.String("10.0.2.0/24")})
		p.check("DeleteRoute", err)
		p.eventually("only the reply through the firewall", func() bool { return forwardsPerPing() == 1 })
		if got := p.passes(ab); got != a.IP {
			t.Errorf("b saw %q, want %s", got, a.IP)
		}

		// B's route alone still puts the firewall in the path: with its check on, the
		// replies are dropped.
		firewallSourceDestCheck(p, fw, true, false)
		p.becomesDropped(ab)

		// Without B's table, nothing goes through the firewall: its check no longer matters.
		_, err = p.ec2.DisassociateRouteTable(p.ctx, &ec2sdk.DisassociateRouteTableInput{AssociationId: aws.String(assocB)})
		p.check("DisassociateRouteTable", err)
		if got := p.passes(ab); got != a.IP {
			t.Errorf("b saw %q, want %s", got, a.IP)
		}
		n := firewallForwarded(p, fw.ID)
		for range 3 {
			if got := p.passes(ab); got != a.IP {
				t.Errorf("b saw %q, want %s", got, a.IP)
			}
			if got := p.passes(ba); got != b.IP {
				t.Errorf("a saw %q, want %s", got, b.IP)
			}
			p.passes(ping)
		}
		if m := firewallForwarded(p, fw.ID); m != n {
			t.Errorf("ForwDatagrams in the firewall went from %d to %d with no route through it", n, m)
		}
	})
}
