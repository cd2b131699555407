package e2e

// Amazon S3 on real packets: at its address in the simulated internet, for instances
// that reach the internet, and through gateway endpoints for private subnets, with the
// endpoint's policy and the bucket's policy deciding (internal/vpcsvc's S3 proxy,
// internal/api's policies). The client is the aws CLI inside the instance, resolving S3's
// name through the VPC's resolver.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3Endpoint is how the CLI in an instance names S3: its regional name, over HTTP.
const s3Endpoint = "http://s3.us-east-1.amazonaws.com"

// awsS3 runs the aws CLI inside an instance against S3 by name, once, with a short
// connect timeout and no retry, and returns its output and whether it succeeded.
func (p *plane) awsS3(id string, args ...string) (string, bool) {
	p.t.Helper()
	return p.awsAt(id, s3Endpoint, args...)
}

// awsAt runs the aws CLI inside an instance against the service at endpoint, as awsS3.
func (p *plane) awsAt(id, endpoint string, args ...string) (string, bool) {
	p.t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		p.t.Skip("the aws CLI is not installed")
	}
	argv := append([]string{"exec", "--internet-netns", p.internet, id, "--", "aws", "--endpoint-url", endpoint,
		"--cli-connect-timeout", "2", "--cli-read-timeout", "5"}, args...)
	cmd := exec.Command(p.bin, argv...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=123456789012", "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_MAX_ATTEMPTS=1", "AWS_RETRY_MODE=standard", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err == nil
}

// s3Eventually runs the CLI until its output contains want and it succeeded (or, with
// !succeeds, failed), as the data plane converges.
func (p *plane) s3Eventually(id, want string, succeeds bool, args ...string) string {
	p.t.Helper()
	return p.awsEventually(id, s3Endpoint, want, succeeds, args...)
}

// hostS3 is an S3 client of vpcd's own listener, as on the host.
func (p *plane) hostS3() *s3sdk.Client {
	return s3sdk.New(s3sdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", "")})
}

// hostBucket makes a bucket with one object, "hello" at key "hello".
func (p *plane) hostBucket(name string) *s3sdk.Client {
	p.t.Helper()
	c := p.hostS3()
	_, err := c.CreateBucket(p.ctx, &s3sdk.CreateBucketInput{Bucket: aws.String(name)})
	p.check("CreateBucket", err)
	_, err = c.PutObject(p.ctx, &s3sdk.PutObjectInput{Bucket: aws.String(name), Key: aws.String("hello"), Body: strings.NewReader("hello from the host")})
	p.check("PutObject", err)
	return c
}

// TestS3ThroughGatewayEndpoint: a private subnet with no NAT and no internet gateway
// reads and writes a bucket by name through a gateway endpoint of its route table; the
// endpoint's policy refuses a write, the bucket's policy with aws:SourceVpce refuses a
// read, a reset policy allows again, and without the route the subnet reaches nothing.
func TestS3ThroughGatewayEndpoint(t *testing.T) {
	p := startPlane(t)
	host := p.hostBucket("e2e-data")
	vpc, sub, rtID := p.privateSubnet()
	inst := p.launch(sub, nil)

	// No route: S3's name resolves, but nothing reaches it.
	if out, ok := p.awsS3(inst.ID, "s3", "cp", "s3://e2e-data/hello", "-"); ok || strings.Contains(out, "hello from") {
		t.Fatalf("S3 reached without a route: %s", out)
	}

	ep, err := p.ec2.CreateVpcEndpoint(p.ctx, &ec2sdk.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String("com.amazonaws.us-east-1.s3"),
		RouteTableIds: []string{rtID}})
	p.check("CreateVpcEndpoint", err)
	vpce := aws.ToString(ep.VpcEndpoint.VpcEndpointId)
	t.Cleanup(func() {
		p.ec2.DeleteVpcEndpoints(p.ctx, &ec2sdk.DeleteVpcEndpointsInput{VpcEndpointIds: []string{vpce}})
	})

	p.s3Eventually(inst.ID, "hello from the host", true, "s3", "cp", "s3://e2e-data/hello", "-")
	file := filepath.Join(t.TempDir(), "up")
	if err := os.WriteFile(file, []byte("hello from the VPC"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, ok := p.awsS3(inst.ID, "s3", "cp", file, "s3://e2e-data/from-vpc"); !ok {
		t.Fatalf("upload through the endpoint: %s", out)
	}
	got, err := host.GetObject(p.ctx, &s3sdk.GetObjectInput{Bucket: aws.String("e2e-data"), Key: aws.String("from-vpc")})
	p.check("GetObject of the upload", err)
	got.Body.Close()
	if out, ok := p.awsS3(inst.ID, "s3", "ls", "s3://e2e-data/"); !ok || !strings.Contains(out, "from-vpc") {
		t.Errorf("listing through the endpoint: %s", out)
	}
	// 10 MB: above the CLI's 8 MB threshold, a multipart upload through the proxy.
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, []byte(strings.Repeat("0123456789abcdef", 10<<16)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, ok := p.awsS3(inst.ID, "s3", "cp", big, "s3://e2e-data/big"); !ok {
		t.Errorf("multipart upload through the endpoint: %s", out)
	}
	head, err := host.HeadObject(p.ctx, &s3sdk.HeadObjectInput{Bucket: aws.String("e2e-data"), Key: aws.String("big")})
	if err != nil || aws.ToInt64(head.ContentLength) != 10<<20 {
		t.Errorf("the multipart upload: %v %v", head, err)
	}

	// A security group's egress gate and the subnet's ACL apply to the endpoint's
	// traffic: a group that lets nothing out reaches nothing, until it lets out port 80
	// to the service's prefix list (anonymous, S3 answers 403).
	closed := p.group(vpc, "closed")
	_, err = p.ec2.RevokeSecurityGroupEgress(p.ctx, &ec2sdk.RevokeSecurityGroupEgressInput{GroupId: aws.String(closed),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	p.check("RevokeSecurityGroupEgress", err)
	shut := p.launch(sub, []string{closed})
	p.curlS3Eventually(shut.ID, "000")
	pls, err := p.ec2.DescribePrefixLists(p.ctx, &ec2sdk.DescribePrefixListsInput{Filters: []types.Filter{{Name: aws.String("prefix-list-name"), Values: []string{"com.amazonaws.us-east-1.s3"}}}})
	p.check("DescribePrefixLists", err)
	_, err = p.ec2.AuthorizeSecurityGroupEgress(p.ctx, &ec2sdk.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(closed),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
			PrefixListIds: []types.PrefixListId{{PrefixListId: pls.PrefixLists[0].PrefixListId}}}}})
	p.check("AuthorizeSecurityGroupEgress to the prefix list", err)
	p.curlS3Eventually(shut.ID, "403")
	acl, err := p.ec2.CreateNetworkAcl(p.ctx, &ec2sdk.CreateNetworkAclInput{VpcId: aws.String(vpc)}) // denies all
	p.check("CreateNetworkAcl", err)
	assoc := p.replaceACL(sub, aws.ToString(acl.NetworkAcl.NetworkAclId))
	p.curlS3Eventually(shut.ID, "000")
	_, err = p.ec2.ReplaceNetworkAclAssociation(p.ctx, &ec2sdk.ReplaceNetworkAclAssociationInput{AssociationId: aws.String(assoc), NetworkAclId: aws.String(p.defaultACL(vpc))})
	p.check("ReplaceNetworkAclAssociation back", err)
	p.curlS3Eventually(shut.ID, "403")

	// An endpoint policy that allows reading alone.
	readOnly := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::e2e-data","arn:aws:s3:::e2e-data/*"]}]}`
	_, err = p.ec2.ModifyVpcEndpoint(p.ctx, &ec2sdk.ModifyVpcEndpointInput{VpcEndpointId: aws.String(vpce), PolicyDocument: aws.String(readOnly)})
	p.check("ModifyVpcEndpoint", err)
	if out, ok := p.awsS3(inst.ID, "s3", "cp", file, "s3://e2e-data/refused"); ok || !strings.Contains(out, "AccessDenied") {
		t.Errorf("upload under a read-only endpoint policy: %s, want AccessDenied", out)
	}
	p.s3Eventually(inst.ID, "hello from the host", true, "s3", "cp", "s3://e2e-data/hello", "-")

	// A bucket policy that refuses whatever does not come through another endpoint.
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::e2e-data/*",` +
		`"Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1111111111111111f"}}}]}`
	_, err = host.PutBucketPolicy(p.ctx, &s3sdk.PutBucketPolicyInput{Bucket: aws.String("e2e-data"), Policy: aws.String(deny)})
	p.check("PutBucketPolicy", err)
	if out, ok := p.awsS3(inst.ID, "s3", "cp", "s3://e2e-data/hello", "-"); ok || !strings.Contains(out, "403") && !strings.Contains(out, "AccessDenied") {
		t.Errorf("read under a bucket policy for another endpoint: %s, want AccessDenied", out)
	}
	_, err = host.DeleteBucketPolicy(p.ctx, &s3sdk.DeleteBucketPolicyInput{Bucket: aws.String("e2e-data")})
	p.check("DeleteBucketPolicy", err)

	// The default policy again: writing works.
	_, err = p.ec2.ModifyVpcEndpoint(p.ctx, &ec2sdk.ModifyVpcEndpointInput{VpcEndpointId: aws.String(vpce), ResetPolicy: aws.Bool(true)})
	p.check("ModifyVpcEndpoint ResetPolicy", err)
	if out, ok := p.awsS3(inst.ID, "s3", "cp", file, "s3://e2e-data/after-reset"); !ok {
		t.Errorf("upload after the policy's reset: %s", out)
	}

	// Without the endpoint's route, the subnet reaches S3 no more.
	_, err = p.ec2.ModifyVpcEndpoint(p.ctx, &ec2sdk.ModifyVpcEndpointInput{VpcEndpointId: aws.String(vpce), RemoveRouteTableIds: []string{rtID}})
	p.check("ModifyVpcEndpoint RemoveRouteTableIds", err)
	p.s3Eventually(inst.ID, "timeout", false, "s3", "cp", "s3://e2e-data/hello", "-")
}

// privateSubnet makes a VPC 10.0.0.0/16 with a subnet 10.0.1.0/24 that has a route table
// of its own, with no route out of the VPC.
func (p *plane) privateSubnet() (vpc, subnet, routeTable string) {
	p.t.Helper()
	vpc = p.vpc("10.0.0.0/16")
	subnet = p.subnet(vpc, "10.0.1.0/24")
	rt, err := p.ec2.CreateRouteTable(p.ctx, &ec2sdk.CreateRouteTableInput{VpcId: aws.String(vpc)})
	p.check("CreateRouteTable", err)
	routeTable = aws.ToString(rt.RouteTable.RouteTableId)
	_, err = p.ec2.AssociateRouteTable(p.ctx, &ec2sdk.AssociateRouteTableInput{RouteTableId: aws.String(routeTable), SubnetId: aws.String(subnet)})
	p.check("AssociateRouteTable", err)
	return vpc, subnet, routeTable
}

// curlS3Eventually asks S3 by name from an instance, anonymously, until the HTTP status
// is want ("000": no answer within a second).
func (p *plane) curlS3Eventually(id, want string) {
	p.t.Helper()
	p.curlEventually(id, s3Endpoint+"/e2e-data/hello", want)
}

// curlEventually asks url from an instance until the HTTP status is want ("000": no
// answer within a second; "": any answer).
func (p *plane) curlEventually(id, url, want string) {
	p.t.Helper()
	deadline := time.Now().Add(converge)
	for {
		out, _ := exec.Command(p.bin, "exec", "--internet-netns", p.internet, id, "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
			"-m", "1", url).CombinedOutput()
		if got := strings.TrimSpace(string(out)); got == want || want == "" && got != "000" && got != "" {
			return
		} else if time.Now().After(deadline) {
			p.t.Fatalf("curl %s in %s: %q, want %s within %v", url, id, got, want, converge)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// replaceACL associates a subnet with an ACL and returns the new association's ID.
func (p *plane) replaceACL(subnet, acl string) string {
	p.t.Helper()
	out, err := p.ec2.DescribeNetworkAcls(p.ctx, &ec2sdk.DescribeNetworkAclsInput{Filters: []types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{subnet}}}})
	p.check("DescribeNetworkAcls", err)
	for _, a := range out.NetworkAcls[0].Associations {
		if aws.ToString(a.SubnetId) == subnet {
			r, err := p.ec2.ReplaceNetworkAclAssociation(p.ctx, &ec2sdk.ReplaceNetworkAclAssociationInput{AssociationId: a.NetworkAclAssociationId, NetworkAclId: aws.String(acl)})
			p.check("ReplaceNetworkAclAssociation", err)
			return aws.ToString(r.NewAssociationId)
		}
	}
	p.t.Fatalf("no ACL association of %s", subnet)
	return ""
}

// defaultACL is the VPC's default network ACL.
func (p *plane) defaultACL(vpc string) string {
	p.t.Helper()
	out, err := p.ec2.DescribeNetworkAcls(p.ctx, &ec2sdk.DescribeNetworkAclsInput{Filters: []types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("default"), Values: []string{"true"}}}})
	p.check("DescribeNetworkAcls", err)
	return aws.ToString(out.NetworkAcls[0].NetworkAclId)
}

// TestS3FromTheInternet: an instance with a public address reaches S3 by name on the
// simulated internet, virtual-host style too, and is seen there from its public address.
func TestS3FromTheInternet(t *testing.T) {
	p := startPlane(t)
	p.hostBucket("e2e-public")
	vpc := p.vpc("10.0.0.0/16")
	sub := p.subnet(vpc, "10.0.1.0/24")
	igw := p.attachedGateway(vpc)
	p.routeTable(vpc, sub, "0.0.0.0/0", toGateway(igw))
	inst := p.launch(sub, nil, withPublicIP(true))
	p.s3Eventually(inst.ID, "hello from the host", true, "s3", "cp", "s3://e2e-public/hello", "-")
	// DynamoDB answers at its address in the internet too.
	if out, ok := p.awsAt(inst.ID, dynamoDBEndpoint, "dynamodb", "list-tables"); !ok || !strings.Contains(out, "TableNames") {
		t.Errorf("aws dynamodb list-tables from the internet: %s", out)
	}
	// Virtual-host style: the bucket's own name, BUCKET.s3.REGION.amazonaws.com.
	out, err := exec.Command(p.bin, "exec", "--internet-netns", p.internet, inst.ID, "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{remote_ip}",
		"--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "123456789012:secret", "http://e2e-public.s3.us-east-1.amazonaws.com/hello").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "200 192.0.2.80" {
		t.Errorf("curl virtual-host style: %s %v", out, err)
	}
	// HTTPS, with the self-signed certificate vpcd made: curl trusting it, and the aws
	// CLI as it is, with nothing but its CA bundle (S3's own global name, virtual host).
	ca := filepath.Join(p.dataDir, "vpcsvc", "s3-tls.pem")
	out, err = exec.Command(p.bin, "exec", "--internet-netns", p.internet, inst.ID, "--", "curl", "-s", "--cacert", ca, "-o", "/dev/null", "-w", "%{http_code}",
		"--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "123456789012:secret", "https://e2e-public.s3.us-east-1.amazonaws.com/hello").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "200" {
		t.Errorf("curl over HTTPS: %s %v", out, err)
	}
	cli := exec.Command(p.bin, "exec", "--internet-netns", p.internet, inst.ID, "--", "aws", "--ca-bundle", ca, "--cli-connect-timeout", "2", "s3", "cp", "s3://e2e-public/hello", "-")
	cli.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=123456789012", "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_MAX_ATTEMPTS=1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	if out, err := cli.CombinedOutput(); err != nil || !strings.Contains(string(out), "hello from the host") {
		t.Errorf("aws s3 cp over HTTPS without --endpoint-url: %s %v", out, err)
	}

	// A private subnet behind a NAT gateway reaches S3 too, seen from the gateway's
	// Elastic IP.
	private := p.subnet(vpc, "10.0.2.0/24")
	alloc, err := p.ec2.AllocateAddress(p.ctx, &ec2sdk.AllocateAddressInput{})
	p.check("AllocateAddress", err)
	t.Cleanup(func() { p.ec2.ReleaseAddress(p.ctx, &ec2sdk.ReleaseAddressInput{AllocationId: alloc.AllocationId}) })
	nat := p.natGateway(sub, aws.ToString(alloc.AllocationId))
	p.routeTable(vpc, private, "0.0.0.0/0", func(in *ec2sdk.CreateRouteInput) { in.NatGatewayId = nat.NatGatewayId })
	behind := p.launch(private, nil, withPublicIP(false))
	p.s3Eventually(behind.ID, "hello from the host", true, "s3", "cp", "s3://e2e-public/hello", "-")
	onlyNAT := `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::e2e-public/*","Condition":{"NotIpAddress":{"aws:SourceIp":"` +
		aws.ToString(alloc.PublicIp) + `/32"}}}]}`
	_, err = p.hostS3().PutBucketPolicy(p.ctx, &s3sdk.PutBucketPolicyInput{Bucket: aws.String("e2e-public"), Policy: aws.String(onlyNAT)})
	p.check("PutBucketPolicy", err)
	if out, ok := p.awsS3(behind.ID, "s3", "cp", "s3://e2e-public/hello", "-"); !ok {
		t.Errorf("read from behind the NAT gateway under a policy for its Elastic IP: %s", out)
	}

	// A bucket policy that lets in only another address refuses the instance's.
	deny := `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::e2e-public/*","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.250/32"}}}]}`
	_, err = p.hostS3().PutBucketPolicy(p.ctx, &s3sdk.PutBucketPolicyInput{Bucket: aws.String("e2e-public"), Policy: aws.String(deny)})
	p.check("PutBucketPolicy", err)
	if out, ok := p.awsS3(inst.ID, "s3", "cp", "s3://e2e-public/hello", "-"); ok {
		t.Errorf("read from %s under a policy for another address: %s", inst.PublicIP, out)
	}
}
