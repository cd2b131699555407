package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/vishvananda/netns"

	"vpcd/internal/store/etcdtest"
	"vpcd/internal/vpcdtest"
)

// simulatedHosts runs vpcd serve --hosts on an embedded etcd and n agents with their data
// plane on, each a simulated host (--host-netns) in us-east-1a on an underlay of the
// test's own, and returns the API's client and the hosts' namespaces. When the test
// ends, the agents are killed and cleaned up after, and nothing of the test is left in
// /run/netns.
func simulatedHosts(t testing.TB, n int) (*ec2sdk.Client, []string, []*exec.Cmd) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the data plane needs root")
	}
	var tag [3]byte
	rand.Read(tag[:])
	prefix := "vpcd-sim-" + hex.EncodeToString(tag[:])
	underlay := prefix + "-underlay"
	// Registered first, so it runs last: after every agent's cleanup.
	t.Cleanup(func() {
		entries, _ := os.ReadDir("/run/netns")
		for _, e := range entries {
			if strings.Contains(e.Name(), prefix) {
				t.Errorf("%s is left after the test", e.Name())
			}
		}
	})
	bin := vpcdtest.BuildBinary(t)
	store := "etcd://" + strings.TrimPrefix(etcdtest.Start(t), "http://")
	url, _ := vpcdtest.StartBinary(t, bin, t.TempDir(), "--store", store, "--hosts")
	var hostNS []string
	var agents []*exec.Cmd
	for i := range n {
		id := fmt.Sprintf("sim-%c", 'a'+i)
		ns := prefix + "-" + id
		agent := startAgent(t, bin, "--store", store, "--host-id", id, "--underlay", fmt.Sprintf("198.18.0.%d", i+1),
			"--zones", "us-east-1a", "--data-plane", "auto", "--host-netns", ns, "--underlay-netns", underlay)
		hostNS = append(hostNS, ns)
		agents = append(agents, agent)
	}
	return vpcdtest.Client(url, "123456789012", "us-east-1"), hostNS, agents
}

// inNetns runs fn on a thread in the named namespace.
func inNetns(name string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		h, err := netns.GetFromName(name)
		if err != nil {
			errc <- err
			return
		}
		defer h.Close()
		if err := netns.Set(h); err != nil {
			errc <- err
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// serveTCP listens on port in the instance's namespace and answers every connection
// with "hello", until the test ends.
func serveTCP(t testing.TB, instance string, port int) {
	t.Helper()
	serveWith(t, instance, port, func(c net.Conn) { c.Write([]byte("hello")) })
}

// dialTCP connects from the instance's namespace and reads the answer.
func dialTCP(instance string, dst netip.AddrPort, wait time.Duration) error {
	return inNetns(instance, func() error {
		c, err := net.DialTimeout("tcp", dst.String(), wait)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(wait))
		b, err := io.ReadAll(c)
		if string(b) != "hello" {
			return fmt.Errorf("answer %q: %v", b, err)
		}
		return nil
	})
}

// pingFrom sends one ICMP echo from the instance's namespace and waits for the reply.
func pingFrom(instance string, dst netip.Addr, wait time.Duration) error {
	return inNetns(instance, func() error { return vpcdtest.Ping(dst, time.Now().Add(wait)) })
}

// eventually retries try until it succeeds (want true) or fails (want false), for up to
// 30 s.
func eventually(t testing.TB, what string, want bool, try func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := try()
		if (err == nil) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %v after 30s", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// overlayPair is a VPC with two instances on two simulated hosts, both in a group that
// lets in TCP 8080 and ICMP echo from the VPC.
type overlayPair struct {
	c          *ec2sdk.Client
	group      string
	ids        []string
	addrs      []netip.Addr
	hostNS     []string
	agents     []*exec.Cmd
	vpc        string
	subnet     string
	permission func(proto string, from, to int32) types.IpPermission
}

func startOverlayPair(t testing.TB) *overlayPair { return startOverlay(t, 2, 2) }

// startOverlay is startOverlayPair with n instances spread over hosts simulated hosts
// in launch order: the first on the first host, the second on the second, and so on.
func startOverlay(t testing.TB, hosts, n int) *overlayPair {
	t.Helper()
	ctx := context.Background()
	c, hostNS, agents := simulatedHosts(t, hosts)
	p := &overlayPair{c: c, hostNS: hostNS, agents: agents}
	vpc, err := c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	p.vpc = aws.ToString(vpc.Vpc.VpcId)
	sn, err := c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("us-east-1a")})
	if err != nil {
		t.Fatal(err)
	}
	p.subnet = aws.ToString(sn.Subnet.SubnetId)
	g, err := c.CreateSecurityGroup(ctx, &ec2sdk.CreateSecurityGroupInput{VpcId: vpc.Vpc.VpcId, GroupName: aws.String("overlay"), Description: aws.String("overlay")})
	if err != nil {
		t.Fatal(err)
	}
	p.group = aws.ToString(g.GroupId)
	p.permission = func(proto string, from, to int32) types.IpPermission {
		return types.IpPermission{IpProtocol: aws.String(proto), FromPort: aws.Int32(from), ToPort: aws.Int32(to),
			IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}
	}
	if _, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2sdk.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId,
		IpPermissions: []types.IpPermission{p.permission("tcp", 8080, 8080), p.permission("tcp", 5001, 5002), p.permission("icmp", 8, -1)}}); err != nil {
		t.Fatal(err)
	}
	res, err := c.RunInstances(ctx, &ec2sdk.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: types.InstanceTypeT2Micro,
		MinCount: aws.Int32(int32(n)), MaxCount: aws.Int32(int32(n)), SubnetId: sn.Subnet.SubnetId, SecurityGroupIds: []string{p.group}})
	if err != nil {
		t.Fatal(err)
	}
	for _, inst := range res.Instances {
		p.ids = append(p.ids, aws.ToString(inst.InstanceId))
		p.addrs = append(p.addrs, netip.MustParseAddr(aws.ToString(inst.PrivateIpAddress)))
	}
	// Spread puts one on each host: each has its own router of the VPC, with the overlay.
	for _, ns := range hostNS {
		router := "vpcd-" + p.vpc + "." + ns
		eventually(t, router+" has its overlay link", true, func() error {
			return inNetns(router, func() error {
				_, err := net.InterfaceByName("vx")
				return err
			})
		})
	}
	for _, id := range p.ids {
		eventually(t, id+" is realized", true, func() error {
			_, err := os.Stat("/run/netns/" + id)
			return err
		})
	}
	return p
}

// TestOverlayBetweenSimulatedHosts runs two instances of one VPC on two simulated hosts:
// they exchange TCP and ICMP over the overlay both ways, and a security group rule
// revoked stops what it let in.
func TestOverlayBetweenSimulatedHosts(t *testing.T) {
	p := startOverlayPair(t)
	ctx := context.Background()
	for i := range p.ids {
		serveTCP(t, p.ids[i], 8080)
	}
	for i, j := range []int{1, 0} {
		eventually(t, fmt.Sprintf("TCP %s -> %s", p.ids[i], p.ids[j]), true, func() error {
			return dialTCP(p.ids[i], netip.AddrPortFrom(p.addrs[j], 8080), time.Second)
		})
		eventually(t, fmt.Sprintf("ICMP %s -> %s", p.ids[i], p.ids[j]), true, func() error {
			return pingFrom(p.ids[i], p.addrs[j], time.Second)
		})
	}
	// The instances' MTU leaves room for VXLAN on the 1500-byte underlay.
	if err := inNetns(p.ids[0], func() error {
		ifc, err := net.InterfaceByName("eth0")
		if err == nil && ifc.MTU != 1450 {
			err = fmt.Errorf("eth0's MTU is %d, want 1450", ifc.MTU)
		}
		return err
	}); err != nil {
		t.Error(err)
	}
	if _, err := p.c.RevokeSecurityGroupIngress(ctx, &ec2sdk.RevokeSecurityGroupIngressInput{GroupId: aws.String(p.group),
		IpPermissions: []types.IpPermission{p.permission("tcp", 8080, 8080)}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "TCP after the rule is revoked", false, func() error {
		return dialTCP(p.ids[0], netip.AddrPortFrom(p.addrs[1], 8080), time.Second)
	})
	if err := pingFrom(p.ids[0], p.addrs[1], 2*time.Second); err != nil {
		t.Errorf("ICMP, still allowed: %v", err)
	}

	// A network ACL that denies everything filters what enters the subnet from another
	// subnet's instance (placed on the first host: spread breaks the tie by host ID), but
	// not what stays inside the subnet, across hosts as on one.
	other, err := p.c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: aws.String(p.vpc), CidrBlock: aws.String("10.0.2.0/24"), AvailabilityZone: aws.String("us-east-1a")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.c.RunInstances(ctx, &ec2sdk.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: types.InstanceTypeT2Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: other.Subnet.SubnetId, SecurityGroupIds: []string{p.group}})
	if err != nil {
		t.Fatal(err)
	}
	third := aws.ToString(res.Instances[0].InstanceId)
	eventually(t, "ICMP from the other subnet", true, func() error { return pingFrom(third, p.addrs[1], time.Second) })
	acl, err := p.c.CreateNetworkAcl(ctx, &ec2sdk.CreateNetworkAclInput{VpcId: aws.String(p.vpc)})
	if err != nil {
		t.Fatal(err)
	}
	acls, err := p.c.DescribeNetworkAcls(ctx, &ec2sdk.DescribeNetworkAclsInput{Filters: []types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{p.subnet}}}})
	if err != nil || len(acls.NetworkAcls) != 1 {
		t.Fatalf("the subnet's ACL: %v", err)
	}
	for _, as := range acls.NetworkAcls[0].Associations {
		if aws.ToString(as.SubnetId) == p.subnet {
			if _, err := p.c.ReplaceNetworkAclAssociation(ctx, &ec2sdk.ReplaceNetworkAclAssociationInput{AssociationId: as.NetworkAclAssociationId, NetworkAclId: acl.NetworkAcl.NetworkAclId}); err != nil {
				t.Fatal(err)
			}
		}
	}
	eventually(t, "ICMP from the other subnet, denied by the ACL", false, func() error { return pingFrom(third, p.addrs[1], time.Second) })
	for i, j := range []int{1, 0} {
		if err := pingFrom(p.ids[i], p.addrs[j], 2*time.Second); err != nil {
			t.Errorf("ICMP %s -> %s inside the subnet, across hosts: %v", p.ids[i], p.ids[j], err)
		}
	}
}

// TestOverlayThreeHosts runs an instance on each of three simulated hosts: every pair
// exchanges ICMP over the overlay. When the third host's agent dies, its lease ends and
// the other two stop routing to its instance, while their own keep talking.
func TestOverlayThreeHosts(t *testing.T) {
	p := startOverlay(t, 3, 3)
	for i := range p.ids {
		for j := range p.ids {
			if i != j {
				eventually(t, fmt.Sprintf("ICMP %s -> %s", p.ids[i], p.ids[j]), true, func() error {
					return pingFrom(p.ids[i], p.addrs[j], time.Second)
				})
			}
		}
	}
	p.agents[2].Process.Kill()
	p.agents[2].Wait()
	router := "vpcd-" + p.vpc + "." + p.hostNS[0]
	eventually(t, "the first host forgets the dead host's instance", true, func() error {
		out, err := exec.Command("ip", "-n", router, "route", "show", p.addrs[2].String()).CombinedOutput()
		if err == nil && strings.Contains(string(out), "dev vx") {
			err = fmt.Errorf("still routed into the overlay: %s", out)
		}
		return err
	})
	for i, j := range []int{1, 0} {
		if err := pingFrom(p.ids[i], p.addrs[j], 2*time.Second); err != nil {
			t.Errorf("ICMP %s -> %s with the third host gone: %v", p.ids[i], p.ids[j], err)
		}
	}
}

// TestOverlayIPv6 runs two dual-stack instances on two simulated hosts: TCP over IPv6
// crosses the overlay too.
func TestOverlayIPv6(t *testing.T) {
	ctx := context.Background()
	c, _, _ := simulatedHosts(t, 2)
	vpc, err := c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), AmazonProvidedIpv6CidrBlock: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{VpcIds: []string{aws.ToString(vpc.Vpc.VpcId)}})
	if err != nil || len(d.Vpcs) != 1 || len(d.Vpcs[0].Ipv6CidrBlockAssociationSet) == 0 {
		t.Fatalf("the VPC's IPv6 block: %v", err)
	}
	block := netip.MustParsePrefix(aws.ToString(d.Vpcs[0].Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock))
	sn, err := c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.0.1.0/24"),
		Ipv6CidrBlock: aws.String(netip.PrefixFrom(block.Addr(), 64).String()), AvailabilityZone: aws.String("us-east-1a")})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.CreateSecurityGroup(ctx, &ec2sdk.CreateSecurityGroupInput{VpcId: vpc.Vpc.VpcId, GroupName: aws.String("v6"), Description: aws.String("v6")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2sdk.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId,
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080),
			Ipv6Ranges: []types.Ipv6Range{{CidrIpv6: aws.String(block.String())}}}}}); err != nil {
		t.Fatal(err)
	}
	// CreateSecurityGroup's own egress rule is IPv4's alone.
	if _, err := c.AuthorizeSecurityGroupEgress(ctx, &ec2sdk.AuthorizeSecurityGroupEgressInput{GroupId: g.GroupId,
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), Ipv6Ranges: []types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}}}}); err != nil {
		t.Fatal(err)
	}
	res, err := c.RunInstances(ctx, &ec2sdk.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: types.InstanceTypeT2Micro,
		MinCount: aws.Int32(2), MaxCount: aws.Int32(2), SubnetId: sn.Subnet.SubnetId, SecurityGroupIds: []string{aws.ToString(g.GroupId)},
		Ipv6AddressCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var addrs []netip.Addr
	for _, inst := range res.Instances {
		ids = append(ids, aws.ToString(inst.InstanceId))
		if len(inst.NetworkInterfaces) == 0 || len(inst.NetworkInterfaces[0].Ipv6Addresses) == 0 {
			t.Fatalf("%s has no IPv6 address", aws.ToString(inst.InstanceId))
		}
		addrs = append(addrs, netip.MustParseAddr(aws.ToString(inst.NetworkInterfaces[0].Ipv6Addresses[0].Ipv6Address)))
	}
	for _, id := range ids {
		eventually(t, id+" is realized", true, func() error {
			_, err := os.Stat("/run/netns/" + id)
			return err
		})
		serveTCP(t, id, 8080)
	}
	for i, j := range []int{1, 0} {
		eventually(t, fmt.Sprintf("TCP over IPv6 %s -> %s", ids[i], ids[j]), true, func() error {
			return dialTCP(ids[i], netip.AddrPortFrom(addrs[j], 8080), time.Second)
		})
	}
}
