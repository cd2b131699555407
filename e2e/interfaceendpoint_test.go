package e2e

// Interface VPC endpoints to the AWS services vpcd serves: from an instance in a subnet
// with no way out, the endpoint's names resolve to its interface, and vpcd's API answers
// through it, over HTTPS (EC2's and STS's, each by its service's own name), as long as the
// endpoint's security group and its subnet's network ACL let the instance in.

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// connectProbe connects to argv[1] on TCP port argv[2] and prints "open", "refused" or
// "timeout".
const connectProbe = `
import socket, sys
s = socket.socket()
s.settimeout(2)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print('open')
except ConnectionRefusedError:
    print('refused')
except OSError:
    print('timeout')
`

// awsCLI runs the aws CLI inside an instance as the test's account, against url,
// without verifying the endpoint's self-signed certificate, and gives its output.
func (p *plane) awsCLI(where, url string, args ...string) (string, error) {
	argv := append([]string{"env", "AWS_ACCESS_KEY_ID=123456789012", "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_MAX_ATTEMPTS=1", "PYTHONWARNINGS=ignore", "aws", "--endpoint-url", url, "--no-verify-ssl", "--cli-connect-timeout", "2",
		"--cli-read-timeout", "5", "--output", "text"}, args...)
	out, err := p.exec(where, argv...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func TestInterfaceEndpoint(t *testing.T) {
	p := startPlane(t)
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	vpc := p.vpc("10.0.0.0/16")
	_, err := p.ec2.ModifyVpcAttribute(p.ctx, &ec2sdk.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	p.check("ModifyVpcAttribute", err)
	sub := p.subnet(vpc, "10.0.1.0/24") // the endpoints'; private: no gateway, no NAT
	appSub := p.subnet(vpc, "10.0.2.0/24")
	endpointGroup := p.group(vpc, "endpoint")
	p.allowIn(endpointGroup, perm("tcp", 443, 443, "10.0.0.0/16"))
	ep, err := p.ec2.CreateVpcEndpoint(p.ctx, &ec2sdk.CreateVpcEndpointInput{VpcId: aws.String(vpc), VpcEndpointType: types.VpcEndpointTypeInterface,
		ServiceName: aws.String("com.amazonaws.us-east-1.ec2"), SubnetIds: []string{sub}, SecurityGroupIds: []string{endpointGroup}})
	p.check("CreateVpcEndpoint", err)
	// An endpoint to a service vpcd does not serve has an interface and nothing behind it.
	kms, err := p.ec2.CreateVpcEndpoint(p.ctx, &ec2sdk.CreateVpcEndpointInput{VpcId: aws.String(vpc), VpcEndpointType: types.VpcEndpointTypeInterface,
		ServiceName: aws.String("com.amazonaws.us-east-1.kms"), SubnetIds: []string{sub}, SecurityGroupIds: []string{endpointGroup}})
	p.check("CreateVpcEndpoint", err)
	enis, err := p.ec2.DescribeNetworkInterfaces(p.ctx, &ec2sdk.DescribeNetworkInterfacesInput{
		NetworkInterfaceIds: append(ep.VpcEndpoint.NetworkInterfaceIds, kms.VpcEndpoint.NetworkInterfaceIds...)})
	p.check("DescribeNetworkInterfaces", err)
	if len(enis.NetworkInterfaces) != 2 {
		t.Fatalf("interfaces %+v", enis.NetworkInterfaces)
	}
	addrOf := map[string]string{}
	for _, eni := range enis.NetworkInterfaces {
		addrOf[aws.ToString(eni.NetworkInterfaceId)] = aws.ToString(eni.PrivateIpAddress)
	}
	eniIP, kmsIP := addrOf[ep.VpcEndpoint.NetworkInterfaceIds[0]], addrOf[kms.VpcEndpoint.NetworkInterfaceIds[0]]
	inst := p.launch(appSub, []string{p.group(vpc, "client")})

	regional := aws.ToString(ep.VpcEndpoint.DnsEntries[0].DnsName)
	p.resolves("the endpoint's regional name", eniIP, func() string { return p.getent(inst.ID, regional) })
	p.resolves("ec2.us-east-1.amazonaws.com (private DNS)", eniIP, func() string { return p.getent(inst.ID, "ec2.us-east-1.amazonaws.com") })

	// A signed DescribeVpcs through the endpoint, by its service's own name.
	var out string
	p.eventually("DescribeVpcs through the endpoint", func() bool {
		out, err = p.awsCLI(inst.ID, "https://ec2.us-east-1.amazonaws.com", "ec2", "describe-vpcs", "--vpc-ids", vpc, "--query", "Vpcs[].VpcId")
		return err == nil && out == vpc
	})
	// By the endpoint's regional name, the interface gives the same API.
	if out, err := p.awsCLI(inst.ID, "https://"+regional, "ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", *ep.VpcEndpoint.VpcEndpointId,
		"--query", "VpcEndpoints[].State"); err != nil || out != "available" {
		t.Errorf("DescribeVpcEndpoints by the regional name: %q, %v", out, err)
	}
	// STS through its own endpoint, by its private name.
	_, err = p.ec2.CreateVpcEndpoint(p.ctx, &ec2sdk.CreateVpcEndpointInput{VpcId: aws.String(vpc), VpcEndpointType: types.VpcEndpointTypeInterface,
		ServiceName: aws.String("com.amazonaws.us-east-1.sts"), SubnetIds: []string{sub}, SecurityGroupIds: []string{endpointGroup}})
	p.check("CreateVpcEndpoint", err)
	p.eventually("GetCallerIdentity through the STS endpoint", func() bool {
		out, err = p.awsCLI(inst.ID, "https://sts.us-east-1.amazonaws.com", "sts", "get-caller-identity", "--query", "Account")
		return err == nil && out == "123456789012"
	})
	// Port 80 is closed by the group; the other service's interface refuses.
	if got := p.connect(inst.ID, eniIP, 80); got != "timeout" {
		t.Errorf("port 80 through a group that admits 443 only: %s", got)
	}
	p.allowIn(endpointGroup, perm("tcp", 80, 80, "10.0.0.0/16"))
	p.eventually("kms endpoint refuses", func() bool { return p.connect(inst.ID, kmsIP, 443) == "refused" })

	// Without the group's rule for 443, the endpoint is out of reach.
	_, err = p.ec2.RevokeSecurityGroupIngress(p.ctx, &ec2sdk.RevokeSecurityGroupIngressInput{GroupId: aws.String(endpointGroup),
		IpPermissions: []types.IpPermission{perm("tcp", 443, 443, "10.0.0.0/16")}})
	p.check("RevokeSecurityGroupIngress", err)
	start := time.Now()
	p.eventually("HTTPS to the endpoint dropped", func() bool { return p.connect(inst.ID, eniIP, 443) == "timeout" })
	t.Logf("dropped after %v (a probe waits 2 s)", time.Since(start))
	if out, err := p.awsCLI(inst.ID, "https://ec2.us-east-1.amazonaws.com", "ec2", "describe-vpcs"); err == nil {
		t.Errorf("DescribeVpcs through a closed group: %q", out)
	}
	// Plain HTTP on port 80, now admitted, reaches the API too: an unsigned request gets
	// vpcd's own XML error.
	if out, _ := p.exec(inst.ID, "curl", "-sS", "--max-time", "5", "http://ec2.us-east-1.amazonaws.com/?Action=DescribeVpcs&Version=2016-11-15").CombinedOutput(); !strings.Contains(string(out), "<Code>") {
		t.Errorf("unsigned request over HTTP: %s", out)
	}
	// The endpoint subnet's network ACL applies too: a new one lets nothing in.
	acl, err := p.ec2.CreateNetworkAcl(p.ctx, &ec2sdk.CreateNetworkAclInput{VpcId: aws.String(vpc)})
	p.check("CreateNetworkAcl", err)
	p.replaceACL(sub, aws.ToString(acl.NetworkAcl.NetworkAclId))
	p.eventually("HTTP to the endpoint dropped by the ACL", func() bool { return p.connect(inst.ID, eniIP, 80) == "timeout" })
}

// replaceACL associates a subnet with a network ACL.
func (p *plane) replaceACL(subnet, acl string) {
	p.t.Helper()
	out, err := p.ec2.DescribeNetworkAcls(p.ctx, &ec2sdk.DescribeNetworkAclsInput{Filters: []types.Filter{
		{Name: aws.String("association.subnet-id"), Values: []string{subnet}}}})
	p.check("DescribeNetworkAcls", err)
	for _, a := range out.NetworkAcls[0].Associations {
		if aws.ToString(a.SubnetId) == subnet {
			_, err = p.ec2.ReplaceNetworkAclAssociation(p.ctx, &ec2sdk.ReplaceNetworkAclAssociationInput{AssociationId: a.NetworkAclAssociationId, NetworkAclId: aws.String(acl)})
			p.check("ReplaceNetworkAclAssociation", err)
		}
	}
}

// connect tries a TCP connection from inside an instance.
func (p *plane) connect(where, addr string, port int) string {
	out, err := p.exec(where, "python3", "-c", connectProbe, addr, strconv.Itoa(port)).CombinedOutput()
	if err != nil {
		return "error: " + strings.TrimSpace(string(out))
	}
	return strings.TrimSpace(string(out))
}
