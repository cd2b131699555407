package e2e

// Route 53 private hosted zones answered by the Amazon DNS server: inside the VPCs the
// zone is associated with, and nowhere else; an alias answers with its target's records,
// and a zone overrides the names the VPC would otherwise resolve.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

func TestPrivateHostedZoneAnswers(t *testing.T) {
	p := startPlane(t)
	app, other := p.vpc("10.0.0.0/16"), p.vpc("10.1.0.0/16")
	inApp := p.launch(p.subnet(app, "10.0.1.0/24"), nil)
	inOther := p.launch(p.subnet(other, "10.1.1.0/24"), nil)

	c := r53.New(r53.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.url),
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", "")})
	zone, err := c.CreateHostedZone(p.ctx, &r53.CreateHostedZoneInput{Name: aws.String("corp.example"), CallerReference: aws.String("e2e"),
		VPC: &r53types.VPC{VPCId: aws.String(app), VPCRegion: r53types.VPCRegionUsEast1}})
	p.check("CreateHostedZone", err)
	a := func(name, value string) r53types.Change {
		return r53types.Change{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: aws.String(name), Type: r53types.RRTypeA, TTL: aws.Int64(60), ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(value)}}}}
	}
	alias := r53types.Change{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
		Name: aws.String("www.corp.example"), Type: r53types.RRTypeA,
		AliasTarget: &r53types.AliasTarget{DNSName: aws.String("db.corp.example"), HostedZoneId: zone.HostedZone.Id}}}
	_, err = c.ChangeResourceRecordSets(p.ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id,
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{a("db.corp.example", "10.0.1.200"), alias}}})
	p.check("ChangeResourceRecordSets", err)

	dnsOf := func(inst instance, vpcBase string) func(name string) func() string {
		return func(name string) func() string {
			return func() string { return p.dns(inst.ID, vpcBase, name, "A") }
		}
	}
	app53, other53 := dnsOf(inApp, "10.0.0.2"), dnsOf(inOther, "10.1.0.2")
	p.resolves("db.corp.example in the associated VPC", "NOERROR 10.0.1.200", app53("db.corp.example"))
	p.resolves("the alias www.corp.example", "NOERROR 10.0.1.200", app53("www.corp.example"))
	p.resolves("a name the zone lacks", "NXDOMAIN", app53("nothing.corp.example"))
	p.resolves("db.corp.example in another VPC", "NXDOMAIN", other53("db.corp.example"))
	// The system resolver of the instance finds it too.
	p.resolves("getent in the associated VPC", "10.0.1.200", func() string { return p.getent(inApp.ID, "db.corp.example") })

	// Associating the other VPC makes the zone answer there as well.
	_, err = c.AssociateVPCWithHostedZone(p.ctx, &r53.AssociateVPCWithHostedZoneInput{HostedZoneId: zone.HostedZone.Id,
		VPC: &r53types.VPC{VPCId: aws.String(other), VPCRegion: r53types.VPCRegionUsEast1}})
	p.check("AssociateVPCWithHostedZone", err)
	p.resolves("db.corp.example once the other VPC is associated", "NOERROR 10.0.1.200", other53("db.corp.example"))

	// A zone over the VPC's own domain overrides its names inside the VPC.
	own, err := c.CreateHostedZone(p.ctx, &r53.CreateHostedZoneInput{Name: aws.String("ec2.internal"), CallerReference: aws.String("e2e-2"),
		VPC: &r53types.VPC{VPCId: aws.String(app), VPCRegion: r53types.VPCRegionUsEast1}})
	p.check("CreateHostedZone ec2.internal", err)
	name := "ip-" + dashed(inApp.IP) + ".ec2.internal"
	p.resolves("the instance's own name under the overriding zone", "NXDOMAIN", app53(name))
	_, err = c.DeleteHostedZone(p.ctx, &r53.DeleteHostedZoneInput{Id: own.HostedZone.Id})
	p.check("DeleteHostedZone", err)
	p.resolves("the instance's own name once the zone is gone", "NOERROR "+inApp.IP, app53(name))
}

// dashed is an IPv4 address as EC2's hostnames write it: 10-0-1-5.
func dashed(ip string) string {
	out := []byte(ip)
	for i, c := range out {
		if c == '.' {
			out[i] = '-'
		}
	}
	return string(out)
}
