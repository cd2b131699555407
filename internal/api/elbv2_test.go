package api_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go/middleware"

	"vpcd/internal/api"
	"vpcd/internal/vpcdtest"
)

// elbClient is an Elastic Load Balancing client of the vpcd at url whose completed
// actions rec records.
func (r *calls) elbClient(url string) *elb.Client {
	return elb.New(elb.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", ""),
		APIOptions:  []func(*middleware.Stack) error{r.record}})
}

// elbAttrs maps the Key/Value attributes of any of the three kinds.
func elbAttrs[T elbtypes.LoadBalancerAttribute | elbtypes.TargetGroupAttribute | elbtypes.ListenerAttribute](attrs []T) map[string]string {
	m := map[string]string{}
	for _, a := range attrs {
		var k, v *string
		switch a := any(a).(type) {
		case elbtypes.LoadBalancerAttribute:
			k, v = a.Key, a.Value
		case elbtypes.TargetGroupAttribute:
			k, v = a.Key, a.Value
		case elbtypes.ListenerAttribute:
			k, v = a.Key, a.Value
		}
		m[aws.ToString(k)] = aws.ToString(v)
	}
	return m
}

// TestSDKEveryELBv2Action walks a network load balancer's life through the SDK's
// elasticloadbalancingv2 client: every served action of the service completes at least
// once, and the answers carry AWS's defaults, ARNs and states.
func TestSDKEveryELBv2Action(t *testing.T) {
	ctx := context.Background()
	srv := vpcdtest.Start(t)
	served := api.New(srv.Service, api.Config{}).ActionsOf("elasticloadbalancing")
	rec := &calls{done: map[string]bool{}}
	ec := srv.EC2(t, "123456789012")
	c := rec.elbClient(srv.URL)

	vpc := *must[*ec2sdk.CreateVpcOutput](t, "CreateVpc")(ec.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})).Vpc.VpcId
	var subnets []string
	for i, z := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
		sn := must[*ec2sdk.CreateSubnetOutput](t, "CreateSubnet")(ec.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: aws.String(vpc),
			CidrBlock: aws.String("10.0." + string(rune('1'+i)) + ".0/24"), AvailabilityZone: aws.String(z)}))
		subnets = append(subnets, *sn.Subnet.SubnetId)
	}
	sg := *must[*ec2sdk.CreateSecurityGroupOutput](t, "CreateSecurityGroup")(ec.CreateSecurityGroup(ctx, &ec2sdk.CreateSecurityGroupInput{
		GroupName: aws.String("nlb"), Description: aws.String("nlb"), VpcId: aws.String(vpc)})).GroupId

	_, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Subnets: subnets[:2]})
	wantCode(t, "an application load balancer", err, "InvalidConfigurationRequest")
	_, err = c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Type: elbtypes.LoadBalancerTypeEnumNetwork, Subnets: subnets[:1]})
	wantCode(t, "internet-facing without an internet gateway", err, "InvalidSubnet")

	tg := must[*elb.CreateTargetGroupOutput](t, "CreateTargetGroup")(c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{
		Name: aws.String("web"), Protocol: elbtypes.ProtocolEnumTcp, Port: aws.Int32(80), VpcId: aws.String(vpc), TargetType: elbtypes.TargetTypeEnumIp,
		Tags: []elbtypes.Tag{{Key: aws.String("team"), Value: aws.String("net")}},
	})).TargetGroups[0]
	tgARN := aws.ToString(tg.TargetGroupArn)
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/[0-9a-f]{16}$`).MatchString(tgARN) ||
		aws.ToString(tg.HealthCheckPort) != "traffic-port" || tg.HealthCheckProtocol != elbtypes.ProtocolEnumTcp ||
		aws.ToInt32(tg.HealthCheckIntervalSeconds) != 30 || aws.ToInt32(tg.HealthCheckTimeoutSeconds) != 10 || len(tg.LoadBalancerArns) != 0 {
		t.Errorf("target group %+v", tg)
	}
	tgAttrs := elbAttrs(must[*elb.DescribeTargetGroupAttributesOutput](t, "DescribeTargetGroupAttributes")(c.DescribeTargetGroupAttributes(ctx,
		&elb.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(tgARN)})).Attributes)
	if tgAttrs["deregistration_delay.timeout_seconds"] != "300" || tgAttrs["preserve_client_ip.enabled"] != "false" || tgAttrs["proxy_protocol_v2.enabled"] != "false" {
		t.Errorf("target group attributes %v", tgAttrs)
	}
	must[*elb.ModifyTargetGroupAttributesOutput](t, "ModifyTargetGroupAttributes")(c.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{
		TargetGroupArn: aws.String(tgARN), Attributes: []elbtypes.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("60")}}}))
	mod := must[*elb.ModifyTargetGroupOutput](t, "ModifyTargetGroup")(c.ModifyTargetGroup(ctx, &elb.ModifyTargetGroupInput{
		TargetGroupArn: aws.String(tgARN), HealthCheckIntervalSeconds: aws.Int32(10)}))
	if aws.ToInt32(mod.TargetGroups[0].HealthCheckIntervalSeconds) != 10 {
		t.Errorf("modified target group %+v", mod.TargetGroups[0])
	}

	lb := must[*elb.CreateLoadBalancerOutput](t, "CreateLoadBalancer")(c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
		Name: aws.String("web"), Type: elbtypes.LoadBalancerTypeEnumNetwork, Scheme: elbtypes.LoadBalancerSchemeEnumInternal, SecurityGroups: []string{sg},
		SubnetMappings: []elbtypes.SubnetMapping{{SubnetId: aws.String(subnets[0]), PrivateIPv4Address: aws.String("10.0.1.10")}, {SubnetId: aws.String(subnets[1])}},
	})).LoadBalancers[0]
	lbARN := aws.ToString(lb.LoadBalancerArn)
	id := lbARN[strings.LastIndexByte(lbARN, '/')+1:]
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/web/[0-9a-f]{16}$`).MatchString(lbARN) ||
		aws.ToString(lb.DNSName) != "web-"+id+".elb.us-east-1.amazonaws.com" || aws.ToString(lb.CanonicalHostedZoneId) != "Z26RNL4JYFTOTI" ||
		lb.State.Code != elbtypes.LoadBalancerStateEnumProvisioning || len(lb.AvailabilityZones) != 2 {
		t.Errorf("load balancer %+v", lb)
	}
	lbs := must[*elb.DescribeLoadBalancersOutput](t, "DescribeLoadBalancers")(c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{"web"}}))
	if len(lbs.LoadBalancers) != 1 || lbs.LoadBalancers[0].State.Code != elbtypes.LoadBalancerStateEnumActive {
		t.Errorf("described %+v", lbs.LoadBalancers)
	}
	enis := must[*ec2sdk.DescribeNetworkInterfacesOutput](t, "DescribeNetworkInterfaces")(ec.DescribeNetworkInterfaces(ctx, &ec2sdk.DescribeNetworkInterfacesInput{
		Filters: []types.Filter{filter("description", "ELB net/web/"+id)}}))
	if len(enis.NetworkInterfaces) != 2 || enis.NetworkInterfaces[0].InterfaceType != "network_load_balancer" || !aws.ToBool(enis.NetworkInterfaces[0].RequesterManaged) {
		t.Errorf("load balancer interfaces %+v", enis.NetworkInterfaces)
	}

	lbAttrs := elbAttrs(must[*elb.DescribeLoadBalancerAttributesOutput](t, "DescribeLoadBalancerAttributes")(c.DescribeLoadBalancerAttributes(ctx,
		&elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(lbARN)})).Attributes)
	if lbAttrs["deletion_protection.enabled"] != "false" || lbAttrs["load_balancing.cross_zone.enabled"] != "false" {
		t.Errorf("load balancer attributes %v", lbAttrs)
	}
	must[*elb.ModifyLoadBalancerAttributesOutput](t, "ModifyLoadBalancerAttributes")(c.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{
		LoadBalancerArn: aws.String(lbARN), Attributes: []elbtypes.LoadBalancerAttribute{{Key: aws.String("deletion_protection.enabled"), Value: aws.String("true")}}}))
	_, err = c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lbARN)})
	wantCode(t, "delete under deletion protection", err, "OperationNotPermitted")
	must[*elb.ModifyLoadBalancerAttributesOutput](t, "ModifyLoadBalancerAttributes")(c.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{
		LoadBalancerArn: aws.String(lbARN), Attributes: []elbtypes.LoadBalancerAttribute{{Key: aws.String("deletion_protection.enabled"), Value: aws.String("false")}}}))
	must[*elb.SetSecurityGroupsOutput](t, "SetSecurityGroups")(c.SetSecurityGroups(ctx, &elb.SetSecurityGroupsInput{LoadBalancerArn: aws.String(lbARN), SecurityGroups: []string{sg}}))
	set := must[*elb.SetSubnetsOutput](t, "SetSubnets")(c.SetSubnets(ctx, &elb.SetSubnetsInput{LoadBalancerArn: aws.String(lbARN), Subnets: subnets}))
	if len(set.AvailabilityZones) != 3 {
		t.Errorf("zones after SetSubnets %+v", set.AvailabilityZones)
	}
	capacity := must[*elb.DescribeCapacityReservationOutput](t, "DescribeCapacityReservation")(c.DescribeCapacityReservation(ctx,
		&elb.DescribeCapacityReservationInput{LoadBalancerArn: aws.String(lbARN)}))
	if len(capacity.CapacityReservationState) != 0 || capacity.MinimumLoadBalancerCapacity != nil {
		t.Errorf("capacity reservation %+v, want none", capacity)
	}
	must[*elb.SetIpAddressTypeOutput](t, "SetIpAddressType")(c.SetIpAddressType(ctx, &elb.SetIpAddressTypeInput{LoadBalancerArn: aws.String(lbARN), IpAddressType: elbtypes.IpAddressTypeIpv4}))

	must[*elb.RegisterTargetsOutput](t, "RegisterTargets")(c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tgARN),
		Targets: []elbtypes.TargetDescription{{Id: aws.String("10.0.1.50")}, {Id: aws.String("10.0.2.50"), Port: aws.Int32(8080)}}}))
	_, err = c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tgARN), Targets: []elbtypes.TargetDescription{{Id: aws.String("192.0.2.1")}}})
	wantCode(t, "a target outside the VPC", err, "InvalidTarget")
	health := func(want elbtypes.TargetHealthStateEnum) {
		t.Helper()
		out := must[*elb.DescribeTargetHealthOutput](t, "DescribeTargetHealth")(c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tgARN)}))
		if len(out.TargetHealthDescriptions) != 2 || out.TargetHealthDescriptions[0].TargetHealth.State != want {
			t.Errorf("target health %+v, want %s", out.TargetHealthDescriptions, want)
		}
	}
	health(elbtypes.TargetHealthStateEnumUnused)

	l := must[*elb.CreateListenerOutput](t, "CreateListener")(c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbARN),
		Protocol: elbtypes.ProtocolEnumTcp, Port: aws.Int32(80), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(tgARN)}}})).Listeners[0]
	lARN := aws.ToString(l.ListenerArn)
	if !strings.HasPrefix(lARN, strings.Replace(lbARN, ":loadbalancer/", ":listener/", 1)+"/") {
		t.Errorf("listener ARN %s of %s", lARN, lbARN)
	}
	_, err = c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbARN), Protocol: elbtypes.ProtocolEnumTcp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(tgARN)}}})
	wantCode(t, "a second listener on the port", err, "DuplicateListener")
	health(elbtypes.TargetHealthStateEnumInitial)
	ls := must[*elb.DescribeListenersOutput](t, "DescribeListeners")(c.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lbARN)}))
	if len(ls.Listeners) != 1 || aws.ToString(ls.Listeners[0].DefaultActions[0].TargetGroupArn) != tgARN {
		t.Errorf("listeners %+v", ls.Listeners)
	}
	must[*elb.ModifyListenerOutput](t, "ModifyListener")(c.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(lARN), Port: aws.Int32(8080)}))
	la := must[*elb.ModifyListenerAttributesOutput](t, "ModifyListenerAttributes")(c.ModifyListenerAttributes(ctx, &elb.ModifyListenerAttributesInput{
		ListenerArn: aws.String(lARN), Attributes: []elbtypes.ListenerAttribute{{Key: aws.String("tcp.idle_timeout.seconds"), Value: aws.String("600")}}}))
	if elbAttrs(la.Attributes)["tcp.idle_timeout.seconds"] != "600" {
		t.Errorf("listener attributes %+v", la.Attributes)
	}
	must[*elb.DescribeListenerAttributesOutput](t, "DescribeListenerAttributes")(c.DescribeListenerAttributes(ctx, &elb.DescribeListenerAttributesInput{ListenerArn: aws.String(lARN)}))
	tgs := must[*elb.DescribeTargetGroupsOutput](t, "DescribeTargetGroups")(c.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(lbARN)}))
	if len(tgs.TargetGroups) != 1 || len(tgs.TargetGroups[0].LoadBalancerArns) != 1 || tgs.TargetGroups[0].LoadBalancerArns[0] != lbARN {
		t.Errorf("target groups of the load balancer %+v", tgs.TargetGroups)
	}

	arns := []string{lbARN, tgARN, lARN}
	must[*elb.AddTagsOutput](t, "AddTags")(c.AddTags(ctx, &elb.AddTagsInput{ResourceArns: arns, Tags: []elbtypes.Tag{{Key: aws.String("env"), Value: aws.String("test")}}}))
	must[*elb.RemoveTagsOutput](t, "RemoveTags")(c.RemoveTags(ctx, &elb.RemoveTagsInput{ResourceArns: []string{tgARN}, TagKeys: []string{"team"}}))
	tags := must[*elb.DescribeTagsOutput](t, "DescribeTags")(c.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: arns}))
	if len(tags.TagDescriptions) != 3 || len(tags.TagDescriptions[1].Tags) != 1 || aws.ToString(tags.TagDescriptions[1].Tags[0].Key) != "env" {
		t.Errorf("tags %+v", tags.TagDescriptions)
	}
	limits := must[*elb.DescribeAccountLimitsOutput](t, "DescribeAccountLimits")(c.DescribeAccountLimits(ctx, &elb.DescribeAccountLimitsInput{}))
	if len(limits.Limits) == 0 {
		t.Errorf("no limits")
	}

	_, err = c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(tgARN)})
	wantCode(t, "a target group in use", err, "ResourceInUse")
	must[*elb.DeregisterTargetsOutput](t, "DeregisterTargets")(c.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(tgARN),
		Targets: []elbtypes.TargetDescription{{Id: aws.String("10.0.1.50")}}}))
	must[*elb.DeleteListenerOutput](t, "DeleteListener")(c.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: aws.String(lARN)}))
	must[*elb.DeleteLoadBalancerOutput](t, "DeleteLoadBalancer")(c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lbARN)}))
	must[*elb.DeleteTargetGroupOutput](t, "DeleteTargetGroup")(c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(tgARN)}))
	enis = must[*ec2sdk.DescribeNetworkInterfacesOutput](t, "DescribeNetworkInterfaces")(ec.DescribeNetworkInterfaces(ctx, &ec2sdk.DescribeNetworkInterfacesInput{
		Filters: []types.Filter{filter("vpc-id", vpc)}}))
	if len(enis.NetworkInterfaces) != 0 {
		t.Errorf("interfaces left after DeleteLoadBalancer: %+v", enis.NetworkInterfaces)
	}
	_, err = c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbARN}})
	wantCode(t, "a deleted load balancer", err, "LoadBalancerNotFound")
	if miss := rec.missing(served); len(miss) > 0 {
		t.Errorf("served actions without a successful SDK round trip in this test: %v", miss)
	}
}
