package control

import (
	"context"
	"testing"

	r53r "vpcd/internal/aws/route53resolver"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// TestResolverValidation: bad endpoints, rules and associations get Route 53 Resolver's
// error codes.
func TestResolverValidation(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	vpc, subnet := vpcWithSubnet(t, s, "10.0.1.0/24")
	otherVpc := *createVpc(t, s, "10.1.0.0/16").VpcId
	otherSubnet := *createSubnet(t, s, otherVpc, "10.1.1.0/24").SubnetId
	sg, err := s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{GroupName: kit.Ptr("dns"), Description: kit.Ptr("dns"), VpcId: kit.Ptr(vpc)})
	wantCode(t, err, "")
	addrs := func(ips ...string) []r53r.IpAddressRequest {
		var out []r53r.IpAddressRequest
		for _, ip := range ips {
			a := r53r.IpAddressRequest{SubnetId: kit.Ptr(subnet)}
			if ip != "" {
				a.Ip = kit.Ptr(ip)
			}
			out = append(out, a)
		}
		return out
	}
	endpoint := func(mod func(*r53r.CreateResolverEndpointRequest)) *r53r.CreateResolverEndpointRequest {
		in := &r53r.CreateResolverEndpointRequest{CreatorRequestId: kit.Ptr(kit.NewID("req")), Direction: kit.Ptr("OUTBOUND"),
			SecurityGroupIds: []string{*sg.GroupId}, IpAddresses: addrs("", "")}
		mod(in)
		return in
	}
	for _, c := range []struct {
		name string
		in   *r53r.CreateResolverEndpointRequest
		code string
	}{
		{"one address", endpoint(func(in *r53r.CreateResolverEndpointRequest) { in.IpAddresses = addrs("") }), "InvalidRequestException"},
		{"seven addresses", endpoint(func(in *r53r.CreateResolverEndpointRequest) { in.IpAddresses = addrs("", "", "", "", "", "", "") }), "LimitExceededException"},
		{"unknown direction", endpoint(func(in *r53r.CreateResolverEndpointRequest) { in.Direction = kit.Ptr("SIDEWAYS") }), "InvalidParameterException"},
		{"no security group", endpoint(func(in *r53r.CreateResolverEndpointRequest) { in.SecurityGroupIds = nil }), "InvalidParameterException"},
		{"missing security group", endpoint(func(in *r53r.CreateResolverEndpointRequest) { in.SecurityGroupIds = []string{"sg-0123456789abcdef0"} }), "InvalidParameterException"},
		{"address outside the subnet", endpoint(func(in *r53r.CreateResolverEndpointRequest) { in.IpAddresses = addrs("10.0.2.10", "") }), "InvalidRequestException"},
		{"the same address twice", endpoint(func(in *r53r.CreateResolverEndpointRequest) { in.IpAddresses = addrs("10.0.1.10", "10.0.1.10") }), "InvalidRequestException"},
		{"subnet of another VPC", endpoint(func(in *r53r.CreateResolverEndpointRequest) { in.IpAddresses[1].SubnetId = kit.Ptr(otherSubnet) }), "InvalidRequestException"},
		{"missing subnet", endpoint(func(in *r53r.CreateResolverEndpointRequest) {
			in.IpAddresses[1].SubnetId = kit.Ptr("subnet-0123456789abcdef0")
		}), "InvalidParameterException"},
		{"no creator request id", endpoint(func(in *r53r.CreateResolverEndpointRequest) { in.CreatorRequestId = nil }), "InvalidParameterException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateResolverEndpoint(ctx, testCaller, c.in)
			wantCode(t, err, c.code)
		})
	}

	in, err := s.CreateResolverEndpoint(ctx, testCaller, endpoint(func(in *r53r.CreateResolverEndpointRequest) { in.Direction = kit.Ptr("INBOUND") }))
	wantCode(t, err, "")
	out, err := s.CreateResolverEndpoint(ctx, testCaller, endpoint(func(*r53r.CreateResolverEndpointRequest) {}))
	wantCode(t, err, "")
	inbound := func(r *r53r.CreateResolverRuleRequest) { r.ResolverEndpointId = in.ResolverEndpoint.Id }
	rule := func(mod func(*r53r.CreateResolverRuleRequest)) *r53r.CreateResolverRuleRequest {
		in := &r53r.CreateResolverRuleRequest{CreatorRequestId: kit.Ptr(kit.NewID("req")), RuleType: kit.Ptr("FORWARD"), DomainName: kit.Ptr("corp.example"),
			ResolverEndpointId: out.ResolverEndpoint.Id, TargetIps: []r53r.TargetAddress{{Ip: kit.Ptr("192.0.2.1")}}}
		mod(in)
		return in
	}
	for _, c := range []struct {
		name string
		in   *r53r.CreateResolverRuleRequest
		code string
	}{
		{"through an inbound endpoint", rule(func(in *r53r.CreateResolverRuleRequest) { inbound(in) }), "InvalidRequestException"},
		{"through a missing endpoint", rule(func(in *r53r.CreateResolverRuleRequest) {
			in.ResolverEndpointId = kit.Ptr("rslvr-out-0123456789abcdef0")
		}), "ResourceNotFoundException"},
		{"forward without an endpoint", rule(func(in *r53r.CreateResolverRuleRequest) { in.ResolverEndpointId = nil }), "InvalidRequestException"},
		{"system with targets", rule(func(in *r53r.CreateResolverRuleRequest) { in.RuleType = kit.Ptr("SYSTEM") }), "InvalidRequestException"},
		{"recursive", rule(func(in *r53r.CreateResolverRuleRequest) { in.RuleType = kit.Ptr("RECURSIVE") }), "InvalidRequestException"},
		{"unknown type", rule(func(in *r53r.CreateResolverRuleRequest) { in.RuleType = kit.Ptr("DELEGATE") }), "InvalidParameterException"},
		{"target not an address", rule(func(in *r53r.CreateResolverRuleRequest) { in.TargetIps[0].Ip = kit.Ptr("dns.corp") }), "InvalidParameterException"},
		{"target port too high", rule(func(in *r53r.CreateResolverRuleRequest) { in.TargetIps[0].Port = kit.Ptr(int32(70000)) }), "InvalidParameterException"},
		{"domain with an empty label", rule(func(in *r53r.CreateResolverRuleRequest) { in.DomainName = kit.Ptr("corp..example") }), "InvalidParameterException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateResolverRule(ctx, testCaller, c.in)
			wantCode(t, err, c.code)
		})
	}

	r, err := s.CreateResolverRule(ctx, testCaller, rule(func(*r53r.CreateResolverRuleRequest) {}))
	wantCode(t, err, "")
	for _, c := range []struct {
		name      string
		rule, vpc string
		code      string
	}{
		{"missing rule", "rslvr-rr-0123456789abcdef0", vpc, "ResourceNotFoundException"},
		{"missing VPC", *r.ResolverRule.Id, "vpc-0123456789abcdef0", "InvalidParameterException"},
		{"the Internet Resolver", "rslvr-autodefined-rr-internet-resolver", vpc, "InvalidRequestException"},
	} {
		_, err := s.AssociateResolverRule(ctx, testCaller, &r53r.AssociateResolverRuleRequest{ResolverRuleId: kit.Ptr(c.rule), VPCId: kit.Ptr(c.vpc)})
		if e, _ := err.(*ec2.Error); e == nil || e.Code != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	_, err = s.AssociateResolverRule(ctx, testCaller, &r53r.AssociateResolverRuleRequest{ResolverRuleId: r.ResolverRule.Id, VPCId: kit.Ptr(vpc)})
	wantCode(t, err, "")
	_, err = s.AssociateResolverRule(ctx, testCaller, &r53r.AssociateResolverRuleRequest{ResolverRuleId: r.ResolverRule.Id, VPCId: kit.Ptr(vpc)})
	wantCode(t, err, "InvalidRequestException")
	_, err = s.DisassociateResolverRule(ctx, testCaller, &r53r.DisassociateResolverRuleRequest{ResolverRuleId: r.ResolverRule.Id, VPCId: kit.Ptr(otherVpc)})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = s.DeleteResolverRule(ctx, testCaller, &r53r.DeleteResolverRuleRequest{ResolverRuleId: r.ResolverRule.Id})
	wantCode(t, err, "ResourceInUseException")
	_, err = s.DisassociateResolverEndpointIpAddress(ctx, testCaller, &r53r.DisassociateResolverEndpointIpAddressRequest{ResolverEndpointId: out.ResolverEndpoint.Id,
		IpAddress: &r53r.IpAddressUpdate{SubnetId: kit.Ptr(subnet), Ip: kit.Ptr("10.0.1.6")}})
	wantCode(t, err, "InvalidRequestException")
	_, err = s.ListResolverRules(ctx, testCaller, &r53r.ListResolverRulesRequest{Filters: []r53r.Filter{{Name: kit.Ptr("Colour"), Values: []string{"red"}}}})
	wantCode(t, err, "InvalidParameterException")
	for _, name := range []string{"Direction", "DIRECTION"} {
		eps, err := s.ListResolverEndpoints(ctx, testCaller, &r53r.ListResolverEndpointsRequest{Filters: []r53r.Filter{{Name: kit.Ptr(name), Values: []string{"INBOUND"}}}})
		if err != nil || len(eps.ResolverEndpoints) != 1 || *eps.ResolverEndpoints[0].Id != *in.ResolverEndpoint.Id {
			t.Errorf("endpoints filtered by %s: %+v, %v", name, eps, err)
		}
	}
	_, err = s.ListResolverEndpoints(ctx, testCaller, &r53r.ListResolverEndpointsRequest{NextToken: kit.Ptr("garbage")})
	wantCode(t, err, "InvalidNextTokenException")
	_, err = s.ResolverRules.ListTagsForResource(ctx, testCaller, &r53r.ListTagsForResourceRequest{ResourceArn: kit.Ptr("arn:aws:route53resolver:us-east-1:123456789012:resolver-rule/rslvr-rr-0123456789abcdef0")})
	wantCode(t, err, "ResourceNotFoundException")
}
