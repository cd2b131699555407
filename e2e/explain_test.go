package e2e

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"vpcd/internal/vpcdtest"
)

// TestExplain runs `vpcd explain` against a running vpcd: the verdict, the path hop by
// hop, the blocking rule named, and the exit status scripts can test.
func TestExplain(t *testing.T) {
	bin := vpcdtest.BuildBinary(t)
	url, _ := vpcdtest.StartBinary(t, bin, t.TempDir(), "--data-plane", "off")
	const account = "123456789012"
	c := vpcdtest.Client(url, account, "us-east-1")
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	vpc, err := c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	must("CreateVpc", err)
	vpcID := vpc.Vpc.VpcId
	subnet := func(cidr string) *string {
		out, err := c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: vpcID, CidrBlock: aws.String(cidr)})
		must("CreateSubnet", err)
		return out.Subnet.SubnetId
	}
	group := func(name string) *string {
		out, err := c.CreateSecurityGroup(ctx, &ec2sdk.CreateSecurityGroupInput{VpcId: vpcID, GroupName: aws.String(name), Description: aws.String(name)})
		must("CreateSecurityGroup", err)
		return out.GroupId
	}
	launch := func(subnet, group *string) string {
		out, err := c.RunInstances(ctx, &ec2sdk.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: types.InstanceTypeT3Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: subnet, SecurityGroupIds: []string{aws.ToString(group)}})
		must("RunInstances", err)
		return aws.ToString(out.Instances[0].InstanceId)
	}
	web, db := group("web"), group("db")
	webInst, dbInst := launch(subnet("10.0.1.0/24"), web), launch(subnet("10.0.2.0/24"), db)

	run := func() (string, int) {
		cmd := exec.Command(bin, "explain", "--endpoint", url, "--access-key", account, webInst, dbInst, "tcp/5432")
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return string(out), 0
		case errors.As(err, &exit):
			return string(out), exit.ExitCode()
		}
		t.Fatalf("vpcd explain: %v", err)
		return "", 0
	}
	out, code := run()
	t.Logf("closed:\n%s", out)
	if code != 3 || !strings.Contains(out, "NOT reachable") || !strings.Contains(out, "ENI_SG_RULES_MISMATCH  ingress") || !strings.Contains(out, "groups "+aws.ToString(db)) {
		t.Errorf("with the db group closed: exit %d, want 3, the verdict and the db group's ingress named:\n%s", code, out)
	}
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2sdk.AuthorizeSecurityGroupIngressInput{GroupId: db, IpPermissions: []types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: web}},
	}}})
	must("AuthorizeSecurityGroupIngress", err)
	out, code = run()
	t.Logf("open:\n%s", out)
	for _, want := range []string{": reachable", "forward:", "return:", "route 10.0.0.0/16 -> local", "ingress rule: tcp:5432 from its group's peers", "egress rule: all to 0.0.0.0/0"} {
		if !strings.Contains(out, want) {
			t.Errorf("with the db group open: output lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("exit %d for a reachable path", code)
	}
	// The paths explain made are gone again.
	paths, err := c.DescribeNetworkInsightsPaths(ctx, &ec2sdk.DescribeNetworkInsightsPathsInput{})
	must("DescribeNetworkInsightsPaths", err)
	if len(paths.NetworkInsightsPaths) != 0 {
		t.Errorf("explain left %d paths behind", len(paths.NetworkInsightsPaths))
	}
}
