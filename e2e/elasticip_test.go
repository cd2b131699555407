package e2e

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
)

// answeredBy waits until a TCP connection from where to dst:port is answered by the
// server with the tag.
func (p *plane) answeredBy(where, dst string, port int, tag string) {
	p.t.Helper()
	f := tcp(where, dst, port)
	var last string
	p.eventually(f.String()+" answered by "+tag, func() bool {
		ans, err := p.try(f)
		last = ans
		return err == nil && strings.HasSuffix(ans, " "+tag)
	})
	p.t.Logf("%v: %s", f, last)
}

// TestElasticIPTraffic checks that an Elastic IP reaches the instance it is associated
// with, follows it when reassociated, and reaches nothing once disassociated.
func TestElasticIPTraffic(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	subnet := p.subnet(vpc, "10.0.1.0/24")
	igw := p.attachedGateway(vpc)
	p.routeTable(vpc, subnet, "0.0.0.0/0", toGateway(igw))
	open := p.group(vpc, "open-8080")
	p.allowIn(open, perm("tcp", 8080, 8080, "0.0.0.0/0"))
	a := p.launch(subnet, []string{open}, withPublicIP(false))
	b := p.launch(subnet, []string{open}, withPublicIP(false))
	p.serve(a.ID, "tcp-serve", 8080, "a")
	p.serve(b.ID, "tcp-serve", 8080, "b")
	p.serve("internet", "tcp-serve", 80)

	alloc, err := p.ec2.AllocateAddress(p.ctx, &ec2sdk.AllocateAddressInput{})
	p.check("AllocateAddress", err)
	eip := aws.ToString(alloc.PublicIp)
	t.Cleanup(func() {
		p.ec2.ReleaseAddress(p.ctx, &ec2sdk.ReleaseAddressInput{AllocationId: alloc.AllocationId})
	})
	_, err = p.ec2.AssociateAddress(p.ctx, &ec2sdk.AssociateAddressInput{AllocationId: alloc.AllocationId, InstanceId: aws.String(a.ID)})
	p.check("AssociateAddress", err)
	if got := p.describe(a.ID).PublicIP; got != eip {
		t.Fatalf("A's public address %q, want the Elastic IP %s", got, eip)
	}
	p.answeredBy("internet", eip, 8080, "a")
	if got := p.passes(tcp(a.ID, internetHost, 80)); got != eip {
		t.Errorf("the internet saw A as %q, want the Elastic IP %s", got, eip)
	}

	assoc, err := p.ec2.AssociateAddress(p.ctx, &ec2sdk.AssociateAddressInput{AllocationId: alloc.AllocationId, InstanceId: aws.String(b.ID), AllowReassociation: aws.Bool(true)})
	p.check("AssociateAddress with AllowReassociation", err)
	p.answeredBy("internet", eip, 8080, "b")
	if got := p.describe(a.ID).PublicIP; got != "" {
		t.Errorf("A keeps public address %q after the Elastic IP moved to B", got)
	}

	_, err = p.ec2.DisassociateAddress(p.ctx, &ec2sdk.DisassociateAddressInput{AssociationId: assoc.AssociationId})
	p.check("DisassociateAddress", err)
	// The internet no longer routes the address: the probe fails to connect, whether
	// dropped or unreachable.
	p.eventually("the Elastic IP unreachable", func() bool {
		_, err := p.try(tcp("internet", eip, 8080))
		return err != nil
	})
}

// TestInterfaceMovesBetweenInstances checks that an interface created on its own answers
// at its address from the instance it is attached to as eth1, and from another instance
// once moved there.
func TestInterfaceMovesBetweenInstances(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	// The interface and the client share a subnet, so that the instance answers the
	// client through eth1 without policy routing.
	zone := aws.String("us-east-1a")
	sub := func(cidr string) string {
		out, err := p.ec2.CreateSubnet(p.ctx, &ec2sdk.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr), AvailabilityZone: zone})
		p.check("CreateSubnet", err)
		return *out.Subnet.SubnetId
	}
	front, back := sub("10.0.1.0/24"), sub("10.0.2.0/24")
	open := p.group(vpc, "open-8080")
	p.allowIn(open, perm("tcp", 8080, 8080, "10.0.0.0/16"))
	a := p.launch(front, []string{open})
	b := p.launch(front, []string{open})
	client := p.launch(back, []string{open})
	p.serve(a.ID, "tcp-serve", 8080, "a")
	p.serve(b.ID, "tcp-serve", 8080, "b")

	created, err := p.ec2.CreateNetworkInterface(p.ctx, &ec2sdk.CreateNetworkInterfaceInput{SubnetId: aws.String(back), Groups: []string{open}})
	p.check("CreateNetworkInterface", err)
	eni, addr := created.NetworkInterface.NetworkInterfaceId, aws.ToString(created.NetworkInterface.PrivateIpAddress)
	t.Cleanup(func() {
		p.ec2.DeleteNetworkInterface(p.ctx, &ec2sdk.DeleteNetworkInterfaceInput{NetworkInterfaceId: eni})
	})

	attachTo := func(inst string) string {
		t.Helper()
		out, err := p.ec2.AttachNetworkInterface(p.ctx, &ec2sdk.AttachNetworkInterfaceInput{NetworkInterfaceId: eni, InstanceId: aws.String(inst), DeviceIndex: aws.Int32(1)})
		p.check("AttachNetworkInterface", err)
		p.eventually(inst+" has "+addr+" on eth1", func() bool {
			out, err := exec.Command(p.bin, "exec", inst, "--", "ip", "-4", "addr", "show", "eth1").CombinedOutput()
			return err == nil && strings.Contains(string(out), "inet "+addr+"/24")
		})
		return aws.ToString(out.AttachmentId)
	}
	attachment := attachTo(a.ID)
	p.answeredBy(client.ID, addr, 8080, "a")

	_, err = p.ec2.DetachNetworkInterface(p.ctx, &ec2sdk.DetachNetworkInterfaceInput{AttachmentId: aws.String(attachment)})
	p.check("DetachNetworkInterface", err)
	attachTo(b.ID)
	p.answeredBy(client.ID, addr, 8080, "b")
	out, err := exec.Command(p.bin, "exec", a.ID, "--", "ip", "-4", "addr").CombinedOutput()
	if err != nil || strings.Contains(string(out), addr) {
		t.Errorf("A still has %s after the interface moved: %v\n%s", addr, err, out)
	}
	attachments, err := p.ec2.DescribeNetworkInterfaces(p.ctx, &ec2sdk.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{*eni}})
	p.check("DescribeNetworkInterfaces", err)
	if at := attachments.NetworkInterfaces[0].Attachment; at == nil || aws.ToString(at.InstanceId) != b.ID {
		t.Errorf("interface attachment %+v, want %s", at, b.ID)
	}
	_, err = p.ec2.DetachNetworkInterface(p.ctx, &ec2sdk.DetachNetworkInterfaceInput{AttachmentId: attachments.NetworkInterfaces[0].Attachment.AttachmentId})
	p.check("DetachNetworkInterface", err)
}
