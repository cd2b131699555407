package e2e

// The data plane end to end: a vpcd binary as root, driven through the AWS SDK, and real
// packets between the instance namespaces it makes, sent with the probe script (probeScript) through
// `vpcd exec`. Every check is a packet that gets through or is dropped; a drop counts only
// when the probe ran and timed out, so that a namespace that is not there yet never passes
// for a rule that denies.

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"vpcd/internal/vpcdtest"
)

const (
	// converge bounds how long the data plane may take to make the kernel match a change;
	// it reconciles on every change and every 5 s.
	converge = 15 * time.Second
	// dropWait is how long a probe waits before it calls a packet dropped.
	dropWait = "1"
	// internetHost is the simulated internet's own address (plan.InternetHost).
	internetHost = "192.0.2.1"
)

// requireDataplane skips a test that needs the Linux data plane where it cannot run.
func requireDataplane(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the data plane needs root: vpcd makes network namespaces, links and nftables rules")
	}
	for _, tool := range []string{"python3", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: the traffic probes need it", tool)
		}
	}
}

// plane is one vpcd serving as root with its data plane on, and an SDK client of it.
type plane struct {
	t        testing.TB
	ctx      context.Context
	bin      string
	dataDir  string
	internet string
	probe    string
	url      string
	cmd      *exec.Cmd
	ec2      *ec2sdk.Client
	args     []string // added to `vpcd serve`'s
}

// startPlane runs vpcd with its data plane, with args added to `vpcd serve`'s.
func startPlane(t testing.TB, args ...string) *plane {
	requireDataplane(t)
	probe, err := filepath.Abs(probeScript)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := &plane{t: t, ctx: context.Background(), bin: vpcdtest.BuildBinary(t), dataDir: dir,
		internet: vpcdtest.InternetNamespace(dir), probe: probe, args: args}
	p.start()
	return p
}

// start runs vpcd on the plane's data directory, naming the internet namespace
// explicitly so that a restart finds the same one.
func (p *plane) start() {
	p.url, p.cmd = vpcdtest.StartBinary(p.t, p.bin, p.dataDir, append([]string{"--internet-netns", p.internet}, p.args...)...)
	p.ec2 = vpcdtest.Client(p.url, "123456789012", "us-east-1")
}

// instance is a launched instance's addresses.
type instance struct {
	ID, ENI, IP, PublicIP string
}

func (p *plane) vpc(cidr string) string {
	p.t.Helper()
	out, err := p.ec2.CreateVpc(p.ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String(cidr)})
	p.check("CreateVpc", err)
	return *out.Vpc.VpcId
}

func (p *plane) subnet(vpc, cidr string) string {
	p.t.Helper()
	out, err := p.ec2.CreateSubnet(p.ctx, &ec2sdk.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr)})
	p.check("CreateSubnet", err)
	return *out.Subnet.SubnetId
}

// group makes a security group with no ingress rule and AWS's default egress (all).
func (p *plane) group(vpc, name string) string {
	p.t.Helper()
	out, err := p.ec2.CreateSecurityGroup(p.ctx, &ec2sdk.CreateSecurityGroupInput{
		VpcId: aws.String(vpc), GroupName: aws.String(name), Description: aws.String(name)})
	p.check("CreateSecurityGroup", err)
	return *out.GroupId
}

// perm is one permission: protocol and ports, from (or to) a CIDR or a group.
func perm(proto string, from, to int32, peer string) types.IpPermission {
	ip := types.IpPermission{IpProtocol: aws.String(proto), FromPort: aws.Int32(from), ToPort: aws.Int32(to)}
	if strings.HasPrefix(peer, "sg-") {
		ip.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: aws.String(peer)}}
	} else {
		ip.IpRanges = []types.IpRange{{CidrIp: aws.String(peer)}}
	}
	return ip
}

func (p *plane) allowIn(group string, perms ...types.IpPermission) {
	p.t.Helper()
	_, err := p.ec2.AuthorizeSecurityGroupIngress(p.ctx, &ec2sdk.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: perms})
	p.check("AuthorizeSecurityGroupIngress", err)
}

// launch runs one instance in a subnet with groups; opts adjust the request.
func (p *plane) launch(subnet string, groups []string, opts ...func(*ec2sdk.RunInstancesInput)) instance {
	p.t.Helper()
	in := &ec2sdk.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(subnet), SecurityGroupIds: groups}
	for _, o := range opts {
		o(in)
	}
	out, err := p.ec2.RunInstances(p.ctx, in)
	p.check("RunInstances", err)
	return p.describe(*out.Instances[0].InstanceId)
}

// withIP asks for a private address.
func withIP(ip string) func(*ec2sdk.RunInstancesInput) {
	return func(in *ec2sdk.RunInstancesInput) { in.PrivateIpAddress = aws.String(ip) }
}

// withPublicIP launches through NetworkInterfaces to choose whether the instance gets a
// public address.
func withPublicIP(public bool) func(*ec2sdk.RunInstancesInput) {
	return func(in *ec2sdk.RunInstancesInput) {
		in.NetworkInterfaces = []types.InstanceNetworkInterfaceSpecification{{
			DeviceIndex: aws.Int32(0), SubnetId: in.SubnetId, Groups: in.SecurityGroupIds,
			AssociatePublicIpAddress: aws.Bool(public),
		}}
		in.SubnetId, in.SecurityGroupIds = nil, nil
	}
}

func (p *plane) describe(id string) instance {
	p.t.Helper()
	out, err := p.ec2.DescribeInstances(p.ctx, &ec2sdk.DescribeInstancesInput{InstanceIds: []string{id}})
	p.check("DescribeInstances", err)
	i := out.Reservations[0].Instances[0]
	inst := instance{ID: id, IP: aws.ToString(i.PrivateIpAddress), PublicIP: aws.ToString(i.PublicIpAddress)}
	if len(i.NetworkInterfaces) > 0 {
		inst.ENI = aws.ToString(i.NetworkInterfaces[0].NetworkInterfaceId)
	}
	return inst
}

func (p *plane) check(action string, err error) {
	p.t.Helper()
	if err != nil {
		p.t.Fatalf("%s: %v", action, err)
	}
}

// serve starts a probe server (tcp-serve or udp-serve) on port in an instance's namespace
// ("internet" for the simulated internet), retrying until the namespace exists and the
// server is listening. It is killed when the test ends.
func (p *plane) serve(where, mode string, port int, tag ...string) {
	p.t.Helper()
	p.serveOn(where, mode, "0.0.0.0", port, tag...)
}

// serveOn is serve on the address addr ("::" for IPv6); stop kills the server before the
// test ends.
func (p *plane) serveOn(where, mode, addr string, port int, tag ...string) (stop func()) {
	p.t.Helper()
	deadline := time.Now().Add(converge)
	for {
		args := append([]string{"exec", "--internet-netns", p.internet, where, "--", "python3", p.probe, mode, addr, strconv.Itoa(port)}, tag...)
		cmd := exec.Command(p.bin, args...)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			p.t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			p.t.Fatal(err)
		}
		ready := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			ready <- sc.Scan() && sc.Text() == "ready"
			for sc.Scan() {
			}
		}()
		ok := false
		select {
		case ok = <-ready:
		case <-time.After(5 * time.Second):
		}
		if ok {
			var once sync.Once
			stop = func() {
				once.Do(func() {
					cmd.Process.Kill()
					cmd.Wait()
				})
			}
			p.t.Cleanup(stop)
			return stop
		}
		cmd.Process.Kill()
		cmd.Wait()
		if time.Now().After(deadline) {
			p.t.Fatalf("%s server on %d in %s did not start within %v: %s", mode, port, where, converge, stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// errDropped is a probe that ran and heard nothing back.
var errDropped = errors.New("dropped")

// send runs one probe client in a namespace and returns the answer, errDropped when
// nothing came back, or another error when the probe could not run or was refused.
func (p *plane) send(where string, args ...string) (string, error) {
	cmd := exec.Command(p.bin, append([]string{"exec", "--internet-netns", p.internet, where, "--", "python3", p.probe}, args...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	switch {
	case err == nil:
		return strings.TrimSpace(stdout.String()), nil
	case strings.Contains(stderr.String(), "timed out"):
		return "", errDropped
	default:
		return "", fmt.Errorf("probe %s in %s: %v: %s", strings.Join(args, " "), where, err, strings.TrimSpace(stderr.String()))
	}
}

// flow is one exchange a probe can try: TCP connect, UDP request, or ICMP echo.
type flow struct {
	from  string // instance ID or "internet"
	proto string // tcp, udp, icmp
	dst   string
	port  int
	src   string // source address to bind, or ""
	sport int    // source port to bind, or 0
}

func tcp(from, dst string, port int) flow {
	return flow{from: from, proto: "tcp", dst: dst, port: port}
}
func udp(from, dst string, port int) flow {
	return flow{from: from, proto: "udp", dst: dst, port: port}
}
func icmp(from, dst string) flow { return flow{from: from, proto: "icmp", dst: dst} }

func (f flow) String() string {
	s := fmt.Sprintf("%s %s -> %s", f.proto, f.from, f.dst)
	if f.port != 0 {
		s += ":" + strconv.Itoa(f.port)
	}
	if f.src != "" {
		s += " from " + f.src
	}
	return s
}

func (p *plane) try(f flow) (string, error) {
	if f.proto == "icmp" {
		return p.send(f.from, "ping", f.dst, dropWait)
	}
	args := []string{f.proto + "-connect", f.dst, strconv.Itoa(f.port), dropWait, f.src}
	if f.proto == "udp" {
		args[0] = "udp-send"
	}
	if f.sport != 0 {
		args = append(args, strconv.Itoa(f.sport))
	}
	return p.send(f.from, args...)
}

// passes waits until the flow gets its answer and returns it (the server's view of the
// client's address, and its tag).
func (p *plane) passes(f flow) string {
	p.t.Helper()
	deadline := time.Now().Add(converge)
	for {
		ans, err := p.try(f)
		if err == nil {
			return ans
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%v: not through within %v: %v", f, converge, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// dropped checks that the flow is dropped now: the probe runs and hears nothing. Call it
// once something else shows the data plane has applied the configuration.
func (p *plane) dropped(f flow) {
	p.t.Helper()
	ans, err := p.try(f)
	if !errors.Is(err, errDropped) {
		p.t.Fatalf("%v: want dropped, got answer %q, err %v", f, ans, err)
	}
}

// becomesDropped waits until the flow is dropped, after a change that should stop it.
func (p *plane) becomesDropped(f flow) time.Duration {
	p.t.Helper()
	start := time.Now()
	for {
		_, err := p.try(f)
		if errors.Is(err, errDropped) {
			return time.Since(start)
		}
		if time.Since(start) > converge {
			p.t.Fatalf("%v: still not dropped after %v (last: %v)", f, converge, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// eventually polls cond until it holds or converge passes.
func (p *plane) eventually(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(converge)
	for !cond() {
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: not within %v", what, converge)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// namespaces lists the host's network namespaces (reading only).
func namespaces(t testing.TB) []string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatalf("ip netns list: %v", err)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names
}

func hasNamespace(t testing.TB, name string) bool { return slices.Contains(namespaces(t), name) }

// ip runs ip(8) in one of this vpcd's namespaces (never the host's).
func ip(t *testing.T, ns string, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"-n", ns}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip -n %s %s: %v\n%s", ns, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func routerNamespace(vpc string) string { return "vpcd-" + vpc }

func eniLink(eni string) string { return "v" + eni[len(eni)-14:] }

// TestDataplaneSecurityGroups checks security groups against real packets: CIDR and group
// sources, port ranges, egress, the union of groups, statefulness, ICMP and revocation.
func TestDataplaneSecurityGroups(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	sub1, sub2 := p.subnet(vpc, "10.0.1.0/24"), p.subnet(vpc, "10.0.2.0/24")

	client := p.group(vpc, "client") // no ingress at all
	member := p.group(vpc, "member") // a tag that db's rule names
	web := p.group(vpc, "web")
	p.allowIn(web, perm("tcp", 8000, 8000, "10.0.1.0/24"), perm("tcp", 9000, 9010, "10.0.0.0/16"),
		perm("udp", 5353, 5353, "10.0.0.0/16"), perm("icmp", 8, -1, "10.0.0.0/16"))
	extra := p.group(vpc, "extra")
	p.allowIn(extra, perm("tcp", 7000, 7000, "0.0.0.0/0"))
	db := p.group(vpc, "db")
	p.allowIn(db, perm("tcp", 5432, 5432, member))
	egress := p.group(vpc, "egress-8000")
	_, err := p.ec2.RevokeSecurityGroupEgress(p.ctx, &ec2sdk.RevokeSecurityGroupEgressInput{GroupId: aws.String(egress),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	p.check("RevokeSecurityGroupEgress", err)
	_, err = p.ec2.AuthorizeSecurityGroupEgress(p.ctx, &ec2sdk.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(egress),
		IpPermissions: []types.IpPermission{perm("tcp", 8000, 8000, "0.0.0.0/0")}})
	p.check("AuthorizeSecurityGroupEgress", err)

	server := p.launch(sub2, []string{web, extra})
	a := p.launch(sub1, []string{client, member})
	b := p.launch(sub1, []string{client})
	c := p.launch(sub2, []string{client})
	d := p.launch(sub2, []string{db})
	e := p.launch(sub1, []string{egress})
	for _, port := range []int{7000, 8000, 8001, 8999, 9000, 9010, 9011} {
		p.serve(server.ID, "tcp-serve", port)
	}
	p.serve(server.ID, "udp-serve", 5353)
	p.serve(d.ID, "tcp-serve", 5432)
	p.serve(a.ID, "tcp-serve", 8000)

	t.Run("cidr source allowed", func(t *testing.T) {
		if got := p.passes(tcp(a.ID, server.IP, 8000)); got != a.IP {
			t.Errorf("server saw %q, want the client's private address %s", got, a.IP)
		}
	})
	t.Run("cidr source denied outside the block", func(t *testing.T) {
		p.passes(tcp(c.ID, server.IP, 7000))
		p.dropped(tcp(c.ID, server.IP, 8000))
	})
	t.Run("port not in any rule", func(t *testing.T) {
		p.passes(tcp(a.ID, server.IP, 8000))
		p.dropped(tcp(a.ID, server.IP, 8001))
	})
	t.Run("group reference", func(t *testing.T) {
		p.passes(tcp(a.ID, d.IP, 5432))
		p.dropped(tcp(b.ID, d.IP, 5432))
		start := time.Now()
		_, err := p.ec2.ModifyInstanceAttribute(p.ctx, &ec2sdk.ModifyInstanceAttributeInput{InstanceId: aws.String(b.ID), Groups: []string{client, member}})
		p.check("ModifyInstanceAttribute Groups", err)
		p.passes(tcp(b.ID, d.IP, 5432))
		t.Logf("new member let in after %v", time.Since(start).Round(time.Millisecond))
	})
	t.Run("port range edges", func(t *testing.T) {
		p.passes(tcp(a.ID, server.IP, 9000))
		p.passes(tcp(c.ID, server.IP, 9010))
		p.dropped(tcp(a.ID, server.IP, 8999))
		p.dropped(tcp(a.ID, server.IP, 9011))
	})
	t.Run("egress restricted to one port", func(t *testing.T) {
		p.passes(tcp(e.ID, server.IP, 8000))
		p.passes(tcp(a.ID, server.IP, 7000)) // the server's ingress lets anyone in on 7000
		p.dropped(tcp(e.ID, server.IP, 7000))
		p.dropped(icmp(e.ID, server.IP))
	})
	t.Run("several groups are a union", func(t *testing.T) {
		p.passes(tcp(a.ID, server.IP, 8000)) // web
		p.passes(tcp(a.ID, server.IP, 7000)) // extra
		p.passes(tcp(c.ID, server.IP, 7000)) // extra lets c in on 7000 though web does not on 8000
		p.dropped(tcp(c.ID, server.IP, 8000))
	})
	t.Run("stateful replies", func(t *testing.T) {
		// a's groups allow no ingress at all, yet the replies to what it started come in.
		p.passes(tcp(a.ID, server.IP, 8000))
		if got := p.passes(udp(a.ID, server.IP, 5353)); got != a.IP {
			t.Errorf("UDP server saw %q, want %s", got, a.IP)
		}
		// What a did not start does not come in: the server cannot open a connection to it.
		p.dropped(tcp(server.ID, a.IP, 8000))
	})
	t.Run("icmp echo", func(t *testing.T) {
		p.passes(icmp(a.ID, server.IP))
		p.dropped(icmp(a.ID, d.IP))
	})
	t.Run("revoke stops new connections", func(t *testing.T) {
		p.passes(tcp(a.ID, server.IP, 7000))
		_, err := p.ec2.RevokeSecurityGroupIngress(p.ctx, &ec2sdk.RevokeSecurityGroupIngressInput{GroupId: aws.String(extra),
			IpPermissions: []types.IpPermission{perm("tcp", 7000, 7000, "0.0.0.0/0")}})
		p.check("RevokeSecurityGroupIngress", err)
		took := p.becomesDropped(tcp(a.ID, server.IP, 7000))
		t.Logf("revocation in the kernel after %v", took.Round(time.Millisecond))
		p.passes(tcp(a.ID, server.IP, 8000))
	})
}

// TestDataplaneConsoleOutput checks that user data starting with "#!" runs in the
// instance at launch and that its output comes back through GetConsoleOutput.
func TestDataplaneConsoleOutput(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	sub := p.subnet(vpc, "10.0.1.0/24")
	script := "#!/bin/sh\necho hello-from-user-data\n"
	inst := p.launch(sub, nil, func(in *ec2sdk.RunInstancesInput) {
		in.UserData = aws.String(base64.StdEncoding.EncodeToString([]byte(script)))
	})
	var console string
	p.eventually("user data output in the console", func() bool {
		out, err := p.ec2.GetConsoleOutput(p.ctx, &ec2sdk.GetConsoleOutputInput{InstanceId: aws.String(inst.ID)})
		p.check("GetConsoleOutput", err)
		b, err := base64.StdEncoding.DecodeString(aws.ToString(out.Output))
		if err != nil {
			t.Fatalf("console output is not base64: %v", err)
		}
		console = string(b)
		return slices.Contains(strings.Split(console, "\n"), "hello-from-user-data")
	})
}

// attachedGateway makes an internet gateway and attaches it to vpc.
func (p *plane) attachedGateway(vpc string) string {
	p.t.Helper()
	out, err := p.ec2.CreateInternetGateway(p.ctx, &ec2sdk.CreateInternetGatewayInput{})
	p.check("CreateInternetGateway", err)
	igw := *out.InternetGateway.InternetGatewayId
	_, err = p.ec2.AttachInternetGateway(p.ctx, &ec2sdk.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(vpc)})
	p.check("AttachInternetGateway", err)
	return igw
}

// routeTable makes a route table for subnet with one route to dst; set names the target.
func (p *plane) routeTable(vpc, subnet, dst string, set func(*ec2sdk.CreateRouteInput)) string {
	p.t.Helper()
	out, err := p.ec2.CreateRouteTable(p.ctx, &ec2sdk.CreateRouteTableInput{VpcId: aws.String(vpc)})
	p.check("CreateRouteTable", err)
	rt := *out.RouteTable.RouteTableId
	in := &ec2sdk.CreateRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String(dst)}
	set(in)
	_, err = p.ec2.CreateRoute(p.ctx, in)
	p.check("CreateRoute", err)
	_, err = p.ec2.AssociateRouteTable(p.ctx, &ec2sdk.AssociateRouteTableInput{RouteTableId: aws.String(rt), SubnetId: aws.String(subnet)})
	p.check("AssociateRouteTable", err)
	return rt
}

func toGateway(igw string) func(*ec2sdk.CreateRouteInput) {
	return func(in *ec2sdk.CreateRouteInput) { in.GatewayId = aws.String(igw) }
}

// TestDataplaneRouting checks the VPC router: the local route between subnets, a route
// whose gateway went away, and that traffic inside one subnet is filtered by the router.
func TestDataplaneRouting(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	sub1, sub2, sub3 := p.subnet(vpc, "10.0.1.0/24"), p.subnet(vpc, "10.0.2.0/24"), p.subnet(vpc, "10.0.3.0/24")
	x := p.launch(sub1, nil) // the VPC's default group lets its members in
	y := p.launch(sub2, nil)
	p.serve(y.ID, "tcp-serve", 8000)

	t.Run("local route between subnets", func(t *testing.T) {
		if got := p.passes(tcp(x.ID, y.IP, 8000)); got != x.IP {
			t.Errorf("server saw %q, want %s: no translation inside the VPC", got, x.IP)
		}
	})

	t.Run("same subnet passes the router", func(t *testing.T) {
		closed := p.group(vpc, "closed")
		p.allowIn(closed, perm("icmp", -1, -1, "10.0.0.0/16"))
		z := p.launch(sub1, []string{closed})
		p.serve(z.ID, "tcp-serve", 8000)
		p.passes(icmp(x.ID, z.IP)) // z is up and the router carries to it
		// x and z share a subnet; only the router's gates sit between them.
		p.dropped(tcp(x.ID, z.IP, 8000))
		p.allowIn(closed, perm("tcp", 8000, 8000, "10.0.1.0/24"))
		p.passes(tcp(x.ID, z.IP, 8000))
	})

	t.Run("route to a detached gateway is a blackhole", func(t *testing.T) {
		igw := p.attachedGateway(vpc)
		rt := p.routeTable(vpc, sub3, "0.0.0.0/0", toGateway(igw))
		w := p.launch(sub3, nil, withPublicIP(true))
		p.serve("internet", "tcp-serve", 80)
		p.passes(tcp(w.ID, internetHost, 80))
		// AWS refuses to detach while public addresses are mapped: stop the instance
		// (which releases its public address), detach, and start it again.
		detach := &ec2sdk.DetachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(vpc)}
		if _, err := p.ec2.DetachInternetGateway(p.ctx, detach); err == nil {
			t.Fatal("DetachInternetGateway succeeded with a public address mapped; AWS answers DependencyViolation")
		}
		_, err := p.ec2.StopInstances(p.ctx, &ec2sdk.StopInstancesInput{InstanceIds: []string{w.ID}})
		p.check("StopInstances", err)
		_, err = p.ec2.DetachInternetGateway(p.ctx, detach)
		p.check("DetachInternetGateway", err)
		_, err = p.ec2.StartInstances(p.ctx, &ec2sdk.StartInstancesInput{InstanceIds: []string{w.ID}})
		p.check("StartInstances", err)
		out, err := p.ec2.DescribeRouteTables(p.ctx, &ec2sdk.DescribeRouteTablesInput{RouteTableIds: []string{rt}})
		p.check("DescribeRouteTables", err)
		for _, r := range out.RouteTables[0].Routes {
			if aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" && r.State != types.RouteStateBlackhole {
				t.Errorf("route to the detached gateway is %q, want blackhole", r.State)
			}
		}
		p.becomesDropped(tcp(w.ID, internetHost, 80))
		p.passes(tcp(w.ID, y.IP, 8000)) // the local route still carries
	})
}

// TestDataplaneInternet checks the internet gateway: 1:1 NAT of public addresses both
// ways, and no way out without a public address or without the route.
func TestDataplaneInternet(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	public, private := p.subnet(vpc, "10.0.1.0/24"), p.subnet(vpc, "10.0.2.0/24")
	igw := p.attachedGateway(vpc)
	p.routeTable(vpc, public, "0.0.0.0/0", toGateway(igw))
	open := p.group(vpc, "open-8080")
	p.allowIn(open, perm("tcp", 8080, 8080, "0.0.0.0/0"))

	withPublic := p.launch(public, []string{open}, withPublicIP(true))
	noPublic := p.launch(public, []string{open}, withPublicIP(false))
	noRoute := p.launch(private, []string{open}, withPublicIP(true))
	if withPublic.PublicIP == "" || noRoute.PublicIP == "" || noPublic.PublicIP != "" {
		t.Fatalf("public addresses: %q, %q (want both) and %q (want none)", withPublic.PublicIP, noRoute.PublicIP, noPublic.PublicIP)
	}
	p.serve("internet", "tcp-serve", 80)
	p.serve(withPublic.ID, "tcp-serve", 8080)
	p.serve(noRoute.ID, "tcp-serve", 8080)

	t.Run("out with the public address as source", func(t *testing.T) {
		if got := p.passes(tcp(withPublic.ID, internetHost, 80)); got != withPublic.PublicIP {
			t.Errorf("the internet saw %q, want the public address %s", got, withPublic.PublicIP)
		}
	})
	t.Run("in to the public address", func(t *testing.T) {
		got := p.passes(tcp("internet", withPublic.PublicIP, 8080))
		t.Logf("the instance saw the internet as %s", got)
	})
	t.Run("no public address, no way out", func(t *testing.T) {
		p.dropped(tcp(noPublic.ID, internetHost, 80))
	})
	t.Run("no route, no way out or in", func(t *testing.T) {
		p.dropped(tcp(noRoute.ID, internetHost, 80))
		p.dropped(tcp("internet", noRoute.PublicIP, 8080))
	})
	t.Run("the public address is not on eth0", func(t *testing.T) {
		out, err := exec.Command(p.bin, "exec", withPublic.ID, "--", "ip", "-4", "addr", "show", "eth0").CombinedOutput()
		if err != nil {
			t.Fatalf("ip addr in %s: %v\n%s", withPublic.ID, err, out)
		}
		if !strings.Contains(string(out), "inet "+withPublic.IP+"/24") || strings.Contains(string(out), withPublic.PublicIP) {
			t.Errorf("eth0 should have %s/24 and not %s:\n%s", withPublic.IP, withPublic.PublicIP, out)
		}
	})
}

// TestDataplaneSourceDestCheck checks the anti-spoofing of source/destination check: an
// instance that sends from an address that is not its own is dropped until the check is
// off. The address is outside the VPC and routed to the instance's interface, as for a
// NAT instance or a middlebox, so that the replies find their way back.
func TestDataplaneSourceDestCheck(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	sub := p.subnet(vpc, "10.0.1.0/24")
	g := p.group(vpc, "any-8000")
	p.allowIn(g, perm("tcp", 8000, 8000, "0.0.0.0/0"))
	x := p.launch(sub, []string{g}, withIP("10.0.1.10"))
	y := p.launch(sub, []string{g}, withIP("10.0.1.11"))
	p.serve(y.ID, "tcp-serve", 8000)
	p.passes(tcp(x.ID, y.IP, 8000))
	// On lo, not eth0: the data plane owns eth0's addresses and takes extra ones away
	// at its next reconcile.
	if out, err := exec.Command(p.bin, "exec", x.ID, "--", "ip", "addr", "add", "192.168.50.1/32", "dev", "lo").CombinedOutput(); err != nil {
		t.Fatalf("add an address in %s: %v\n%s", x.ID, err, out)
	}
	spoofed := flow{from: x.ID, proto: "tcp", dst: y.IP, port: 8000, src: "192.168.50.1"}
	p.dropped(spoofed)
	rt, err := p.ec2.CreateRouteTable(p.ctx, &ec2sdk.CreateRouteTableInput{VpcId: aws.String(vpc)})
	p.check("CreateRouteTable", err)
	_, err = p.ec2.CreateRoute(p.ctx, &ec2sdk.CreateRouteInput{RouteTableId: rt.RouteTable.RouteTableId,
		DestinationCidrBlock: aws.String("192.168.50.0/24"), NetworkInterfaceId: aws.String(x.ENI)})
	if err != nil && strings.Contains(err.Error(), "InvalidNetworkInterfaceID.NotFound") {
		t.Skipf("blocked by: CreateRoute refuses the instance's own interface %s as a target: %v", x.ENI, err)
	}
	p.check("CreateRoute", err)
	_, err = p.ec2.AssociateRouteTable(p.ctx, &ec2sdk.AssociateRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId, SubnetId: aws.String(sub)})
	p.check("AssociateRouteTable", err)
	_, err = p.ec2.ModifyInstanceAttribute(p.ctx, &ec2sdk.ModifyInstanceAttributeInput{InstanceId: aws.String(x.ID),
		SourceDestCheck: &types.AttributeBooleanValue{Value: aws.Bool(false)}})
	p.check("ModifyInstanceAttribute SourceDestCheck", err)
	if got := p.passes(spoofed); got != "192.168.50.1" {
		t.Errorf("server saw %q, want 192.168.50.1", got)
	}
	_, err = p.ec2.ModifyInstanceAttribute(p.ctx, &ec2sdk.ModifyInstanceAttributeInput{InstanceId: aws.String(x.ID),
		SourceDestCheck: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	p.check("ModifyInstanceAttribute SourceDestCheck", err)
	p.becomesDropped(spoofed)
}

// TestDataplaneOverlappingCIDRs checks that two VPCs with one block and the same
// addresses each carry their own traffic and never each other's.
func TestDataplaneOverlappingCIDRs(t *testing.T) {
	p := startPlane(t)
	vpc1, vpc2 := p.vpc("10.0.0.0/16"), p.vpc("10.0.0.0/16")
	sub1, sub2 := p.subnet(vpc1, "10.0.1.0/24"), p.subnet(vpc2, "10.0.1.0/24")
	a1, b1 := p.launch(sub1, nil, withIP("10.0.1.10")), p.launch(sub1, nil, withIP("10.0.1.11"))
	a2, b2 := p.launch(sub2, nil, withIP("10.0.1.10")), p.launch(sub2, nil, withIP("10.0.1.11"))
	only1 := p.launch(sub1, nil, withIP("10.0.1.12"))
	p.serve(b1.ID, "tcp-serve", 8000, "vpc1")
	p.serve(b2.ID, "tcp-serve", 8000, "vpc2")
	p.serve(only1.ID, "tcp-serve", 8000, "vpc1")
	if got := p.passes(tcp(a1.ID, "10.0.1.11", 8000)); got != "10.0.1.10 vpc1" {
		t.Errorf("from vpc1: answer %q, want 10.0.1.10 vpc1", got)
	}
	if got := p.passes(tcp(a2.ID, "10.0.1.11", 8000)); got != "10.0.1.10 vpc2" {
		t.Errorf("from vpc2: answer %q, want 10.0.1.10 vpc2", got)
	}
	p.passes(tcp(a1.ID, "10.0.1.12", 8000))
	p.dropped(tcp(a2.ID, "10.0.1.12", 8000)) // only vpc1 has that address
}

// pair is a VPC with two instances in one subnet of its default group, the second
// serving TCP on 8000, and the first reaching it.
func (p *plane) pair() (vpc string, x, y instance) {
	p.t.Helper()
	vpc = p.vpc("10.0.0.0/16")
	sub := p.subnet(vpc, "10.0.1.0/24")
	x, y = p.launch(sub, nil), p.launch(sub, nil)
	p.serve(y.ID, "tcp-serve", 8000)
	p.passes(tcp(x.ID, y.IP, 8000))
	return vpc, x, y
}

// kernelState is what the kernel holds for a set of namespaces: links, and the IPv4
// addresses, rules and routes (IPv6 link-local addresses come and go on their own).
func kernelState(t *testing.T, names ...string) string {
	t.Helper()
	var b strings.Builder
	for _, ns := range names {
		fmt.Fprintf(&b, "== %s\n%s%s%s%s", ns, ip(t, ns, "-br", "link"), ip(t, ns, "-4", "-br", "addr"),
			ip(t, ns, "-4", "rule"), ip(t, ns, "-4", "route", "show", "table", "all"))
	}
	return b.String()
}

// TestDataplaneRestart checks static stability and a clean restart: traffic flows while
// vpcd is killed, and a new vpcd on the same data directory takes the kernel over without
// adding or dropping anything.
func TestDataplaneRestart(t *testing.T) {
	p := startPlane(t)
	vpc, x, y := p.pair()
	mine := []string{x.ID, y.ID, routerNamespace(vpc)}
	before := kernelState(t, mine...)

	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	for range 3 {
		p.passes(tcp(x.ID, y.IP, 8000))
	}
	if got := kernelState(t, mine...); got != before {
		t.Fatalf("the kernel changed while vpcd was down:\nbefore:\n%s\nafter:\n%s", before, got)
	}

	p.start()
	// Wait for a reconcile of the new vpcd to have run: a change it must apply.
	z := p.launch(p.describeSubnet(x.ID), nil)
	p.passes(tcp(z.ID, y.IP, 8000))
	p.passes(tcp(x.ID, y.IP, 8000))
	if got := kernelState(t, x.ID, y.ID); got != kernelState(t, x.ID, y.ID) || !strings.Contains(before, got) {
		t.Errorf("the instances' namespaces changed across the restart:\nbefore:\n%s\nafter:\n%s", before, got)
	}
	links := strings.Count(ip(t, routerNamespace(vpc), "-br", "link"), "\n")
	if links != 4 { // lo and one link per instance
		t.Errorf("router has %d links after the restart, want 4 (lo and three interfaces):\n%s", links, ip(t, routerNamespace(vpc), "-br", "link"))
	}
	for _, name := range append(mine, z.ID) {
		if !hasNamespace(t, name) {
			t.Errorf("namespace %s is missing after the restart", name)
		}
	}
	if hasNamespace(t, p.internet) {
		t.Errorf("internet namespace %s exists without any internet gateway", p.internet)
	}
}

func (p *plane) describeSubnet(id string) string {
	p.t.Helper()
	out, err := p.ec2.DescribeInstances(p.ctx, &ec2sdk.DescribeInstancesInput{InstanceIds: []string{id}})
	p.check("DescribeInstances", err)
	return aws.ToString(out.Reservations[0].Instances[0].SubnetId)
}

// TestDataplaneRepairsSabotage breaks the kernel behind vpcd's back, inside its own
// namespaces only, and checks that the periodic reconcile brings the traffic back.
func TestDataplaneRepairsSabotage(t *testing.T) {
	p := startPlane(t)
	vpc, x, y := p.pair()
	router := routerNamespace(vpc)
	sabotage := func(t *testing.T, args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	t.Run("route deleted", func(t *testing.T) {
		var table string
		for _, line := range strings.Split(ip(t, router, "route", "show", "table", "all"), "\n") {
			if f := strings.Fields(line); len(f) > 2 && f[0] == y.IP && slices.Contains(f, "table") {
				table = f[slices.Index(f, "table")+1]
				break
			}
		}
		if table == "" {
			t.Fatalf("no route to %s in the router", y.IP)
		}
		sabotage(t, "-n", router, "route", "del", y.IP+"/32", "table", table)
		p.passes(tcp(x.ID, y.IP, 8000))
		if !strings.Contains(ip(t, router, "route", "show", "table", table), y.IP) {
			t.Errorf("route to %s not back in table %s", y.IP, table)
		}
	})
	t.Run("link deleted", func(t *testing.T) {
		sabotage(t, "-n", router, "link", "del", eniLink(x.ENI))
		p.passes(tcp(x.ID, y.IP, 8000))
	})
	t.Run("instance namespace deleted", func(t *testing.T) {
		sabotage(t, "netns", "del", x.ID)
		p.passes(tcp(x.ID, y.IP, 8000))
	})
}

// TestDataplaneInstanceLifecycle checks that an instance's namespace follows its state:
// gone when terminated or stopped, back when started, with the same address.
func TestDataplaneInstanceLifecycle(t *testing.T) {
	p := startPlane(t)
	_, x, y := p.pair()
	z := p.launch(p.describeSubnet(x.ID), nil)
	p.eventually("namespace of "+z.ID, func() bool { return hasNamespace(t, z.ID) })

	_, err := p.ec2.TerminateInstances(p.ctx, &ec2sdk.TerminateInstancesInput{InstanceIds: []string{z.ID}})
	p.check("TerminateInstances", err)
	p.eventually("terminated "+z.ID+" leaves", func() bool { return !hasNamespace(t, z.ID) })

	_, err = p.ec2.StopInstances(p.ctx, &ec2sdk.StopInstancesInput{InstanceIds: []string{y.ID}})
	p.check("StopInstances", err)
	p.eventually("stopped "+y.ID+" leaves", func() bool { return !hasNamespace(t, y.ID) })
	p.dropped(tcp(x.ID, y.IP, 8000))

	p.eventually(y.ID+" stopped", func() bool {
		out, err := p.ec2.DescribeInstances(p.ctx, &ec2sdk.DescribeInstancesInput{InstanceIds: []string{y.ID}})
		p.check("DescribeInstances", err)
		return out.Reservations[0].Instances[0].State.Name == types.InstanceStateNameStopped
	})
	_, err = p.ec2.StartInstances(p.ctx, &ec2sdk.StartInstancesInput{InstanceIds: []string{y.ID}})
	p.check("StartInstances", err)
	p.eventually("started "+y.ID+" comes back", func() bool { return hasNamespace(t, y.ID) })
	if again := p.describe(y.ID); again.IP != y.IP {
		t.Errorf("private address changed across stop and start: %s, then %s", y.IP, again.IP)
	}
	p.serve(y.ID, "tcp-serve", 8000) // a fresh namespace: the old server went with the old one
	p.passes(tcp(x.ID, y.IP, 8000))
}
