package control

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	r53r "vpcd/internal/aws/route53resolver"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/model"
	"vpcd/internal/plan"
	"vpcd/internal/store"
)

// follower follows a service's store with a NetworkBuilder, as the informer does.
type follower struct {
	t      *testing.T
	s      *Service
	events <-chan store.Event
	listed int64
	b      *NetworkBuilder
}

func newFollower(t *testing.T, s *Service) *follower {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f := &follower{t: t, s: s, events: s.Store.Watch(ctx, "", 0), b: NewNetworkBuilder()}
	kvs, rev, err := s.Store.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range kvs {
		if _, err := f.b.Put(kv.Key, kv.Value); err != nil {
			t.Fatal(err)
		}
	}
	f.listed = rev
	return f
}

// check applies the events of the writes done so far (the store has sent them all when
// a write returns) one at a time, checks that each reports every VPC whose part it
// changed (none at all when reportNothing), then checks the model against a full read,
// and against the records applied in a random order.
func (f *follower) check(step string, reportNothing bool) {
	t, b := f.t, f.b
	t.Helper()
	ctx := context.Background()
	for len(f.events) > 0 {
		ev := <-f.events
		if ev.Rev <= f.listed {
			continue
		}
		before := partDigests(b)
		var c NetworkChange
		if ev.Delete {
			c = b.Delete(ev.Key)
		} else {
			var err error
			if c, err = b.Put(ev.Key, ev.Value); err != nil {
				t.Fatal(err)
			}
		}
		after := partDigests(b)
		for vpc := range mergeKeys(before, after) {
			if before[vpc] != after[vpc] && !slices.Contains(c.VPCs, vpc) {
				t.Errorf("%s: %s changed %s unreported", step, ev.Key, vpc)
			}
		}
		if reportNothing && len(c.VPCs)+len(c.Groups) > 0 {
			t.Errorf("%s: %s reported %+v", step, ev.Key, c)
		}
	}
	want, _, err := f.s.Network(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b.Network(), want) {
		t.Fatalf("%s: followed network differs from a full read", step)
	}
	kvs, _, _ := f.s.Store.List(ctx, "")
	shuffled := NewNetworkBuilder()
	for _, i := range rand.Perm(len(kvs)) {
		if _, err := shuffled.Put(kvs[i].Key, kvs[i].Value); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(shuffled.Network(), want) {
		t.Fatalf("%s: records in another order build another network", step)
	}
	checkParts(t, step, b)
}

// TestNetworkBuilderFollowsTheStore follows a store through a life of VPCs, instances,
// groups, route tables, peerings and tags with a NetworkBuilder, one event at a time, and
// checks it against a full read after each step, the records also applied in a random
// order; and checks that every change of a VPC's part is reported, and a tag reports none.
func TestNetworkBuilderFollowsTheStore(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	check := newFollower(t, s).check
	vpcA, subnetA := vpcWithSubnet(t, s, "10.0.1.0/24")
	vpcB := vpcAs(t, s, testCaller, "10.9.0.0/16")
	subnetB := *createSubnet(t, s, vpcB, "10.9.1.0/24").SubnetId
	check("vpcs", false)
	sg, err := s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{GroupName: kit.Ptr("web"), Description: kit.Ptr("web"), VpcId: kit.Ptr(vpcA)})
	wantCode(t, err, "")
	web := mustRun(t, s, subnetA, func(in *ec2.RunInstancesRequest) { in.SecurityGroupIds = []string{*sg.GroupId} })
	other := mustRun(t, s, subnetB)
	check("instances", false)
	_, err = s.AuthorizeSecurityGroupIngress(ctx, testCaller, &ec2.AuthorizeSecurityGroupIngressRequest{GroupId: sg.GroupId,
		IpPermissions: []ec2.IpPermission{{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(80)), ToPort: kit.Ptr(int32(80)), UserIdGroupPairs: []ec2.UserIdGroupPair{{GroupId: sg.GroupId}}}}})
	wantCode(t, err, "")
	check("group rule", false)
	err = s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{vpcA, *web.InstanceId, *sg.GroupId, subnetA}, Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("x")}}})
	wantCode(t, err, "")
	check("tags", true)
	rt, err := s.CreateRouteTable(ctx, testCaller, &ec2.CreateRouteTableRequest{VpcId: kit.Ptr(vpcA)})
	wantCode(t, err, "")
	assoc, err := s.AssociateRouteTable(ctx, testCaller, &ec2.AssociateRouteTableRequest{RouteTableId: rt.RouteTable.RouteTableId, SubnetId: kit.Ptr(subnetA)})
	wantCode(t, err, "")
	check("association", false)
	err = s.DisassociateRouteTable(ctx, testCaller, &ec2.DisassociateRouteTableRequest{AssociationId: assoc.AssociationId})
	wantCode(t, err, "")
	check("disassociation", false)
	attachIgw(t, s, createIgw(t, s), vpcA)
	check("internet gateway", false)
	pcx, err := s.CreateVpcPeeringConnection(ctx, testCaller, &ec2.CreateVpcPeeringConnectionRequest{VpcId: kit.Ptr(vpcA), PeerVpcId: kit.Ptr(vpcB)})
	wantCode(t, err, "")
	_, err = s.AcceptVpcPeeringConnection(ctx, testCaller, &ec2.AcceptVpcPeeringConnectionRequest{VpcPeeringConnectionId: pcx.VpcPeeringConnection.VpcPeeringConnectionId})
	wantCode(t, err, "")
	check("peering", false)
	resolverRuleSteps(t, s, vpcA, subnetA, *sg.GroupId, check)
	_, err = s.TerminateInstances(ctx, testCaller, &ec2.TerminateInstancesRequest{InstanceIds: []string{*web.InstanceId, *other.InstanceId}})
	wantCode(t, err, "")
	check("terminate", false)
	_, err = s.DeleteVpcPeeringConnection(ctx, testCaller, &ec2.DeleteVpcPeeringConnectionRequest{VpcPeeringConnectionId: pcx.VpcPeeringConnection.VpcPeeringConnectionId})
	wantCode(t, err, "")
	check("peering deleted", false)
}

// resolverRuleSteps give the VPC an outbound endpoint and a rule forwarding
// corp.example through it, associate and disassociate the rule and move the endpoint's
// addresses, checking the model after each step.
func resolverRuleSteps(t *testing.T, s *Service, vpc, subnet, group string, check func(string, bool)) {
	ctx := context.Background()
	ep, err := s.CreateResolverEndpoint(ctx, testCaller, &r53r.CreateResolverEndpointRequest{CreatorRequestId: kit.Ptr("ep"), Direction: kit.Ptr("OUTBOUND"),
		SecurityGroupIds: []string{group}, IpAddresses: []r53r.IpAddressRequest{{SubnetId: kit.Ptr(subnet)}, {SubnetId: kit.Ptr(subnet)}}})
	wantCode(t, err, "")
	rule, err := s.CreateResolverRule(ctx, testCaller, &r53r.CreateResolverRuleRequest{CreatorRequestId: kit.Ptr("rule"), RuleType: kit.Ptr("FORWARD"),
		DomainName: kit.Ptr("corp.example"), ResolverEndpointId: ep.ResolverEndpoint.Id, TargetIps: []r53r.TargetAddress{{Ip: kit.Ptr("192.0.2.53")}}})
	wantCode(t, err, "")
	check("resolver endpoint and rule", false)
	_, err = s.AssociateResolverRule(ctx, testCaller, &r53r.AssociateResolverRuleRequest{ResolverRuleId: rule.ResolverRule.Id, VPCId: kit.Ptr(vpc)})
	wantCode(t, err, "")
	check("resolver rule association", false)
	if m := s.mustNetwork(t).ResolverRuleFor(vpc, "db.corp.example."); m == nil || m.Endpoint != *ep.ResolverEndpoint.Id || endpointInterfaces(s.mustNetwork(t), m.Endpoint) != 2 {
		t.Errorf("the VPC's rule for db.corp.example: %+v", m)
	}
	_, err = s.AssociateResolverEndpointIpAddress(ctx, testCaller, &r53r.AssociateResolverEndpointIpAddressRequest{ResolverEndpointId: ep.ResolverEndpoint.Id,
		IpAddress: &r53r.IpAddressUpdate{SubnetId: kit.Ptr(subnet)}})
	wantCode(t, err, "")
	check("resolver endpoint address", false)
	if n := endpointInterfaces(s.mustNetwork(t), *ep.ResolverEndpoint.Id); n != 3 {
		t.Errorf("the endpoint has %d interfaces in the model after a third address", n)
	}
	_, err = s.DisassociateResolverRule(ctx, testCaller, &r53r.DisassociateResolverRuleRequest{ResolverRuleId: rule.ResolverRule.Id, VPCId: kit.Ptr(vpc)})
	wantCode(t, err, "")
	check("resolver rule disassociation", false)
	_, err = s.DeleteResolverRule(ctx, testCaller, &r53r.DeleteResolverRuleRequest{ResolverRuleId: rule.ResolverRule.Id})
	wantCode(t, err, "")
	_, err = s.DeleteResolverEndpoint(ctx, testCaller, &r53r.DeleteResolverEndpointRequest{ResolverEndpointId: ep.ResolverEndpoint.Id})
	wantCode(t, err, "")
	check("resolver endpoint deleted", false)
}

func (s *Service) mustNetwork(t *testing.T) *model.Network {
	t.Helper()
	n, _, err := s.Network(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNetworkBuilderNatGateway follows a NAT gateway's life: its interface is the
// gateway's while it is available.
func TestNetworkBuilderNatGateway(t *testing.T) {
	tb := newNatTestbed(t)
	f := newFollower(t, tb.s)
	eip := allocate(t, tb.s)
	f.check("address", false)
	g, err := tb.create(&ec2.CreateNatGatewayRequest{AllocationId: eip.AllocationId})
	wantCode(t, err, "")
	f.check("gateway", false)
	m := f.b.Network().NatGateways[*g.NatGatewayId]
	if m == nil || f.b.Network().Interfaces[m.Interface].NatGateway != m.ID {
		t.Fatalf("gateway %+v not in the model with its interface", m)
	}
	_, err = tb.s.DeleteNatGateway(context.Background(), testCaller, &ec2.DeleteNatGatewayRequest{NatGatewayId: g.NatGatewayId})
	wantCode(t, err, "")
	tb.clock = tb.clock.Add(time.Hour)
	f.check("gateway deleted", false)
}

// partDigests is each VPC's part as text, to see which changed.
func partDigests(b *NetworkBuilder) map[string]string {
	out := map[string]string{}
	for id, p := range b.Parts {
		raw, err := json.Marshal(p)
		if err != nil {
			panic(err)
		}
		out[id] = string(raw)
	}
	return out
}

func mergeKeys(a, b map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// checkParts checks that the parts hold exactly the network's values of each VPC, as
// plan.Index finds them by a look at the whole network.
func checkParts(t *testing.T, step string, b *NetworkBuilder) {
	t.Helper()
	n := b.Network()
	want := plan.Index(n)
	for vpc, p := range b.Parts {
		if !reflect.DeepEqual(p, want.VPC(vpc)) && !(kit.PartEmpty(p) && want.VPC(vpc) == nil) {
			t.Errorf("%s: part of %s differs", step, vpc)
		}
	}
	for vpc := range n.VPCs {
		if b.Parts[vpc] == nil {
			t.Errorf("%s: no part of %s", step, vpc)
		}
	}
	for g, ids := range b.MemberSet {
		for id := range ids {
			if eni := n.Interfaces[id]; eni == nil || !slices.Contains(eni.Groups, g) {
				t.Errorf("%s: %s is no member of %s", step, id, g)
			}
		}
	}
}

// endpointInterfaces counts the interfaces of a Resolver endpoint in the model.
func endpointInterfaces(n *model.Network, endpoint string) int {
	count := 0
	for _, eni := range n.Interfaces {
		if eni.ResolverEndpoint == endpoint {
			count++
		}
	}
	return count
}
