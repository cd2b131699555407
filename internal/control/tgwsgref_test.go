package control

import (
	"context"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// TestTransitGatewaySecurityGroupReferencing checks that an inbound rule may name a group
// of another VPC attached to the same transit gateway when the gateway has security group
// referencing support on (the attachments have it by default), and not otherwise; an
// outbound rule never may, as AWS supports the feature for inbound rules only.
func TestTransitGatewaySecurityGroupReferencing(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	f := newTgwFixture(t, s)
	group := func(vpc, name string) string {
		out, err := s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{VpcId: kit.Ptr(vpc), GroupName: kit.Ptr(name), Description: kit.Ptr(name)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.GroupId
	}
	ga, gb := group(f.vpcA, "a"), group(f.vpcB, "b")
	perm := []ec2.IpPermission{{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(22)), ToPort: kit.Ptr(int32(22)), UserIdGroupPairs: []ec2.UserIdGroupPair{{GroupId: kit.Ptr(gb)}}}}
	ingress := func() error {
		_, err := s.AuthorizeSecurityGroupIngress(ctx, testCaller, &ec2.AuthorizeSecurityGroupIngressRequest{GroupId: kit.Ptr(ga), IpPermissions: perm})
		return err
	}
	egress := func() error {
		_, err := s.AuthorizeSecurityGroupEgress(ctx, testCaller, &ec2.AuthorizeSecurityGroupEgressRequest{GroupId: kit.Ptr(ga), IpPermissions: perm})
		return err
	}
	for _, v := range []struct{ vpc, subnet string }{{f.vpcA, f.a1}, {f.vpcB, f.b1}} {
		if _, err := f.attach(s, v.vpc, v.subnet); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, ingress(), "InvalidGroup.NotFound") // the gateway's option is off
	_, err := s.ModifyTransitGateway(ctx, testCaller, &ec2.ModifyTransitGatewayRequest{TransitGatewayId: kit.Ptr(f.tgw),
		Options: &ec2.ModifyTransitGatewayOptions{SecurityGroupReferencingSupport: kit.Ptr("enable")}})
	wantCode(t, err, "")
	wantCode(t, egress(), "InvalidGroup.NotFound")
	wantCode(t, ingress(), "")
}
