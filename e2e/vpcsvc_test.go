package e2e

// The VPC's own services (internal/vpcsvc), answered by the VPC router: the Amazon Time
// Sync Service at 169.254.169.123, which no ACL or security group filters, as in AWS.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ntpQuery asks the NTP server at addr from inside an instance and prints the answer's
// mode, stratum, and whether its transmit time is within 5 s of the instance's clock.
const ntpQuery = `
import socket, struct, sys, time
s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(b'\x23' + b'\0' * 47, (sys.argv[1], 123))
d, _ = s.recvfrom(512)
t = struct.unpack('!I', d[40:44])[0] - 2208988800
print(d[0] & 7, d[1], abs(t - time.time()) < 5)
`

func (p *plane) ntp(id, addr string) string {
	out, err := exec.Command(p.bin, "exec", id, "--", "python3", "-c", ntpQuery, addr).CombinedOutput()
	if err != nil {
		return "error: " + strings.TrimSpace(string(out))
	}
	return strings.TrimSpace(string(out))
}

func TestTimeSyncService(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	sub := p.subnet(vpc, "10.0.1.0/24")
	// A group that lets nothing out, and an ACL that lets nothing in or out: neither
	// applies to the VPC's own services.
	closed := p.group(vpc, "closed")
	_, err := p.ec2.RevokeSecurityGroupEgress(p.ctx, &ec2sdk.RevokeSecurityGroupEgressInput{GroupId: aws.String(closed),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	p.check("RevokeSecurityGroupEgress", err)
	acl, err := p.ec2.CreateNetworkAcl(p.ctx, &ec2sdk.CreateNetworkAclInput{VpcId: aws.String(vpc)})
	p.check("CreateNetworkAcl", err)
	assoc, err := p.ec2.DescribeNetworkAcls(p.ctx, &ec2sdk.DescribeNetworkAclsInput{Filters: []types.Filter{
		{Name: aws.String("association.subnet-id"), Values: []string{sub}}}})
	p.check("DescribeNetworkAcls", err)
	for _, a := range assoc.NetworkAcls[0].Associations {
		if aws.ToString(a.SubnetId) == sub {
			_, err = p.ec2.ReplaceNetworkAclAssociation(p.ctx, &ec2sdk.ReplaceNetworkAclAssociationInput{
				AssociationId: a.NetworkAclAssociationId, NetworkAclId: acl.NetworkAcl.NetworkAclId})
			p.check("ReplaceNetworkAclAssociation", err)
		}
	}
	inst := p.launch(sub, []string{closed})
	other := p.launch(sub, []string{closed})
	p.serve(other.ID, "udp-serve", 5353)

	var got string
	p.eventually("an NTP answer at 169.254.169.123", func() bool {
		got = p.ntp(inst.ID, "169.254.169.123")
		return got == "4 3 True"
	})
	// The daemon is the VPC's, in its router namespace, with its config in the data
	// directory.
	if _, err := os.Stat(filepath.Join(p.dataDir, "vpcsvc", vpc+".json")); err != nil {
		t.Errorf("the VPC's services have no config: %v", err)
	}
	// The ACL and the group still stop the instance's own traffic.
	p.dropped(udp(inst.ID, other.IP, 5353))
}
