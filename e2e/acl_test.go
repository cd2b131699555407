package e2e

// Network ACLs end to end: a vpcd binary as root, ACLs made through the AWS SDK, and real
// TCP between instances in two subnets whose security groups let everything through, so
// that only the ACLs decide.

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"vpcd/internal/vpcdtest"
)

// aclConverge bounds how long the data plane may take to apply a change.
const aclConverge = 20 * time.Second

type aclPlane struct {
	t        *testing.T
	ctx      context.Context
	bin      string
	internet string
	probe    string
	ec2      *ec2sdk.Client
}

func startACLPlane(t *testing.T) *aclPlane {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the data plane needs root: vpcd makes network namespaces, links and nftables rules")
	}
	for _, tool := range []string{"python3", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: the traffic probes need it", tool)
		}
	}
	probe, err := filepath.Abs(probeScript)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := &aclPlane{t: t, ctx: context.Background(), bin: vpcdtest.BuildBinary(t), internet: vpcdtest.InternetNamespace(dir), probe: probe}
	url, _ := vpcdtest.StartBinary(t, p.bin, dir, "--internet-netns", p.internet)
	p.ec2 = vpcdtest.Client(url, "123456789012", "us-east-1")
	return p
}

func (p *aclPlane) must(action string, err error) {
	p.t.Helper()
	if err != nil {
		p.t.Fatalf("%s: %v", action, err)
	}
}

// launch runs an instance in a subnet and returns its ID and private address.
func (p *aclPlane) launch(subnet, group string) (string, string) {
	p.t.Helper()
	out, err := p.ec2.RunInstances(p.ctx, &ec2sdk.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(subnet), SecurityGroupIds: []string{group}})
	p.must("RunInstances", err)
	return *out.Instances[0].InstanceId, *out.Instances[0].PrivateIpAddress
}

// serve starts a TCP probe server in an instance, retrying until its namespace exists.
func (p *aclPlane) serve(id string, port int) {
	p.t.Helper()
	deadline := time.Now().Add(aclConverge)
	for {
		cmd := exec.Command(p.bin, "exec", "--internet-netns", p.internet, id, "--", "python3", p.probe, "tcp-serve", "0.0.0.0", strconv.Itoa(port))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			p.t.Fatal(err)
		}
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
			p.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			return
		}
		cmd.Process.Kill()
		cmd.Wait()
		if time.Now().After(deadline) {
			p.t.Fatalf("server on %d in %s did not start within %v", port, id, aclConverge)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// connect tries one TCP connection: "ok", "dropped" (timed out), or what else happened.
func (p *aclPlane) connect(from, dst string, port int) string {
	cmd := exec.Command(p.bin, "exec", "--internet-netns", p.internet, from, "--", "python3", p.probe, "tcp-connect", dst, strconv.Itoa(port), "1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	switch err := cmd.Run(); {
	case err == nil:
		return "ok"
	case strings.Contains(stderr.String(), "timed out"):
		return "dropped"
	default:
		return strings.TrimSpace(err.Error() + ": " + stderr.String())
	}
}

// eventually waits until a connection has the outcome, as the data plane converges.
func (p *aclPlane) eventually(what, want, from, dst string, port int) {
	p.t.Helper()
	deadline := time.Now().Add(aclConverge)
	for {
		got := p.connect(from, dst, port)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: %s -> %s:%d is %q after %v, want %q", what, from, dst, port, got, aclConverge, want)
		}
	}
}

// now checks an outcome once the data plane has converged. A "dropped" is checked once;
// an "ok" may take a few tries on a loaded machine (a probe that timed out once is no
// proof of a drop, and an "ok" can only come through).
func (p *aclPlane) now(what, want, from, dst string, port int) {
	p.t.Helper()
	if want == "ok" {
		p.eventually(what, want, from, dst, port)
		return
	}
	if got := p.connect(from, dst, port); got != want {
		p.t.Errorf("%s: %s -> %s:%d is %q, want %q", what, from, dst, port, got, want)
	}
}

func (p *aclPlane) entry(acl string, number int32, egress bool, proto, action, cidr string, from, to int32) {
	p.t.Helper()
	in := &ec2sdk.CreateNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(number), Egress: aws.Bool(egress),
		Protocol: aws.String(proto), RuleAction: types.RuleAction(action), CidrBlock: aws.String(cidr)}
	if proto == "6" || proto == "17" || proto == "tcp" || proto == "udp" {
		in.PortRange = &types.PortRange{From: aws.Int32(from), To: aws.Int32(to)}
	}
	_, err := p.ec2.CreateNetworkAclEntry(p.ctx, in)
	p.must("CreateNetworkAclEntry", err)
}

// associate moves a subnet to an ACL.
func (p *aclPlane) associate(subnet, acl string) {
	p.t.Helper()
	out, err := p.ec2.DescribeNetworkAcls(p.ctx, &ec2sdk.DescribeNetworkAclsInput{Filters: []types.Filter{
		{Name: aws.String("association.subnet-id"), Values: []string{subnet}}}})
	p.must("DescribeNetworkAcls", err)
	var assoc string
	for _, a := range out.NetworkAcls[0].Associations {
		if aws.ToString(a.SubnetId) == subnet {
			assoc = aws.ToString(a.NetworkAclAssociationId)
		}
	}
	_, err = p.ec2.ReplaceNetworkAclAssociation(p.ctx, &ec2sdk.ReplaceNetworkAclAssociationInput{AssociationId: aws.String(assoc), NetworkAclId: aws.String(acl)})
	p.must("ReplaceNetworkAclAssociation", err)
}

func (p *aclPlane) newACL(vpc string) string {
	p.t.Helper()
	out, err := p.ec2.CreateNetworkAcl(p.ctx, &ec2sdk.CreateNetworkAclInput{VpcId: aws.String(vpc)})
	p.must("CreateNetworkAcl", err)
	return *out.NetworkAcl.NetworkAclId
}

func TestACLTraffic(t *testing.T) {
	p := startACLPlane(t)
	vpcOut, err := p.ec2.CreateVpc(p.ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	p.must("CreateVpc", err)
	vpc := *vpcOut.Vpc.VpcId
	subnet := func(cidr string) string {
		out, err := p.ec2.CreateSubnet(p.ctx, &ec2sdk.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr)})
		p.must("CreateSubnet", err)
		return *out.Subnet.SubnetId
	}
	subnetA, subnetB := subnet("10.0.1.0/24"), subnet("10.0.2.0/24")
	sg, err := p.ec2.CreateSecurityGroup(p.ctx, &ec2sdk.CreateSecurityGroupInput{VpcId: aws.String(vpc), GroupName: aws.String("open"), Description: aws.String("open")})
	p.must("CreateSecurityGroup", err)
	_, err = p.ec2.AuthorizeSecurityGroupIngress(p.ctx, &ec2sdk.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId,
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	p.must("AuthorizeSecurityGroupIngress", err)
	defs, err := p.ec2.DescribeNetworkAcls(p.ctx, &ec2sdk.DescribeNetworkAclsInput{Filters: []types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("default"), Values: []string{"true"}}}})
	p.must("DescribeNetworkAcls", err)
	defaultACL := *defs.NetworkAcls[0].NetworkAclId

	a1, a1IP := p.launch(subnetA, *sg.GroupId)
	a2, a2IP := p.launch(subnetA, *sg.GroupId)
	b1, b1IP := p.launch(subnetB, *sg.GroupId)
	p.serve(b1, 8080)
	p.serve(b1, 8081)
	p.serve(a2, 9000)
	p.eventually("default ACL", "ok", a1, b1IP, 8080)

	// Subnet b: deny 100 (a1 on 8080) before allow 110 (the VPC on 8080-8081), and out
	// only port 80: the replies to the clients' ephemeral ports are dropped.
	aclB := p.newACL(vpc)
	p.entry(aclB, 100, false, "6", "deny", a1IP+"/32", 8080, 8080)
	p.entry(aclB, 110, false, "tcp", "allow", "10.0.0.0/16", 8080, 8081)
	p.entry(aclB, 100, true, "6", "allow", "10.0.0.0/16", 80, 80)
	p.associate(subnetB, aclB)
	p.eventually("replies without ephemeral ports outbound", "dropped", a1, b1IP, 8081)

	p.entry(aclB, 110, true, "6", "allow", "10.0.0.0/16", 1024, 65535)
	p.eventually("replies with ephemeral ports outbound", "ok", a1, b1IP, 8081)
	p.now("deny 100 before allow 110", "dropped", a1, b1IP, 8080)
	p.now("allow 110 for another source", "ok", a2, b1IP, 8080)

	// Subnet a denies everything: traffic between its own instances is untouched.
	aclA := p.newACL(vpc)
	p.associate(subnetA, aclA)
	p.eventually("leaving a deny-all subnet", "dropped", a1, b1IP, 8081)
	p.now("inside a deny-all subnet", "ok", a1, a2IP, 9000)

	// Back to the default ACL: traffic flows again, the deny of rule 100 went with aclB.
	p.associate(subnetA, defaultACL)
	p.associate(subnetB, defaultACL)
	p.eventually("default ACL again", "ok", a1, b1IP, 8080)
	for _, acl := range []string{aclA, aclB} {
		_, err := p.ec2.DeleteNetworkAcl(p.ctx, &ec2sdk.DeleteNetworkAclInput{NetworkAclId: aws.String(acl)})
		p.must("DeleteNetworkAcl", err)
	}
}
