package control

import (
	"context"
	"fmt"
	"testing"

	"vpcd/internal/aws/elbv2"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// elbFixture is a VPC with an internet gateway and a subnet in each of three zones, a
// second VPC without one, and a security group of each.
type elbFixture struct {
	vpc, otherVpc      string
	subnets            []string // us-east-1a, b, c
	sameZone, otherSub string   // a second subnet in us-east-1a; a subnet of the other VPC
	sg, otherSg        string
	tcpGroup, udpGroup string // target groups of the VPC (TCP and UDP, ip targets)
	otherGroup         string // a TCP target group of the other VPC
}

func zonedSubnet(t *testing.T, s *Service, vpc, cidr, zone string) string {
	t.Helper()
	out, err := s.CreateSubnet(context.Background(), testCaller, &ec2.CreateSubnetRequest{VpcId: kit.Ptr(vpc), CidrBlock: kit.Ptr(cidr), AvailabilityZone: kit.Ptr(zone)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.Subnet.SubnetId
}

func newELBFixture(t *testing.T, s *Service) elbFixture {
	t.Helper()
	ctx := context.Background()
	f := elbFixture{vpc: *createVpc(t, s, "10.0.0.0/16").VpcId, otherVpc: *createVpc(t, s, "10.1.0.0/16").VpcId}
	attachIgw(t, s, createIgw(t, s), f.vpc)
	for i, z := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
		f.subnets = append(f.subnets, zonedSubnet(t, s, f.vpc, fmt.Sprintf("10.0.%d.0/24", i+1), z))
	}
	f.sameZone = zonedSubnet(t, s, f.vpc, "10.0.9.0/24", "us-east-1a")
	f.otherSub = zonedSubnet(t, s, f.otherVpc, "10.1.1.0/24", "us-east-1b")
	for _, v := range []struct {
		vpc string
		id  *string
	}{{f.vpc, &f.sg}, {f.otherVpc, &f.otherSg}} {
		g, err := s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{GroupName: kit.Ptr("nlb"), Description: kit.Ptr("nlb"), VpcId: kit.Ptr(v.vpc)})
		if err != nil {
			t.Fatal(err)
		}
		*v.id = *g.GroupId
	}
	for _, g := range []struct {
		name, protocol, vpc string
		arn                 *string
	}{{"tcp", "TCP", f.vpc, &f.tcpGroup}, {"udp", "UDP", f.vpc, &f.udpGroup}, {"other", "TCP", f.otherVpc, &f.otherGroup}} {
		out, err := s.ELB.CreateTargetGroup(ctx, testCaller, &elbv2.CreateTargetGroupInput{Name: kit.Ptr(g.name), Protocol: kit.Ptr(g.protocol),
			Port: kit.Ptr(int32(80)), VpcId: kit.Ptr(g.vpc), TargetType: kit.Ptr("ip")})
		if err != nil {
			t.Fatal(err)
		}
		*g.arn = *out.TargetGroups[0].TargetGroupArn
	}
	return f
}

// TestCreateLoadBalancerRules: what CreateLoadBalancer refuses, with AWS's codes.
func TestCreateLoadBalancerRules(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	f := newELBFixture(t, s)
	nlb := func(mod func(*elbv2.CreateLoadBalancerInput)) *elbv2.CreateLoadBalancerInput {
		in := &elbv2.CreateLoadBalancerInput{Name: kit.Ptr("nlb"), Type: kit.Ptr("network"), Scheme: kit.Ptr("internal"), Subnets: f.subnets[:2]}
		mod(in)
		return in
	}
	mappings := func(ms ...elbv2.SubnetMapping) func(*elbv2.CreateLoadBalancerInput) {
		return func(in *elbv2.CreateLoadBalancerInput) { in.Subnets, in.SubnetMappings = nil, ms }
	}
	for _, c := range []struct {
		name string
		in   *elbv2.CreateLoadBalancerInput
		code string
	}{
		{"application load balancer (the default type)", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.Type = nil }), "InvalidConfigurationRequest"},
		{"gateway load balancer", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.Type = kit.Ptr("gateway") }), "InvalidConfigurationRequest"},
		{"unknown type", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.Type = kit.Ptr("classic") }), "ValidationError"},
		{"name beginning with a hyphen", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.Name = kit.Ptr("-nlb") }), "ValidationError"},
		{"name of 33 characters", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.Name = kit.Ptr("a23456789012345678901234567890123") }), "ValidationError"},
		{"name with an underscore", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.Name = kit.Ptr("my_nlb") }), "ValidationError"},
		{"name beginning with internal-", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.Name = kit.Ptr("internal-nlb") }), "ValidationError"},
		{"unknown scheme", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.Scheme = kit.Ptr("public") }), "ValidationError"},
		{"no subnet", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.Subnets = nil }), "ValidationError"},
		{"subnets and subnet mappings", nlb(func(in *elbv2.CreateLoadBalancerInput) {
			in.SubnetMappings = []elbv2.SubnetMapping{{SubnetId: kit.Ptr(f.subnets[2])}}
		}), "ValidationError"},
		{"missing subnet", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.Subnets = []string{"subnet-0123456789abcdef0"} }), "SubnetNotFound"},
		{"two subnets in one zone", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.Subnets = []string{f.subnets[0], f.sameZone} }), "InvalidConfigurationRequest"},
		{"subnets of two VPCs", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.Subnets = []string{f.subnets[0], f.otherSub} }), "InvalidConfigurationRequest"},
		{"internet-facing in a VPC without an internet gateway", nlb(func(in *elbv2.CreateLoadBalancerInput) {
			in.Scheme, in.Subnets = kit.Ptr("internet-facing"), []string{f.otherSub}
		}), "InvalidSubnet"},
		{"private address of an internet-facing load balancer", nlb(func(in *elbv2.CreateLoadBalancerInput) {
			mappings(elbv2.SubnetMapping{SubnetId: kit.Ptr(f.subnets[0]), PrivateIPv4Address: kit.Ptr("10.0.1.10")})(in)
			in.Scheme = kit.Ptr("internet-facing")
		}), "InvalidConfigurationRequest"},
		{"private address outside the subnet", nlb(mappings(elbv2.SubnetMapping{SubnetId: kit.Ptr(f.subnets[0]), PrivateIPv4Address: kit.Ptr("10.0.2.10")})), "InvalidConfigurationRequest"},
		{"Elastic IP of an internal load balancer", nlb(mappings(elbv2.SubnetMapping{SubnetId: kit.Ptr(f.subnets[0]), AllocationId: kit.Ptr("eipalloc-0123456789abcdef0")})), "InvalidConfigurationRequest"},
		{"missing security group", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.SecurityGroups = []string{"sg-0123456789abcdef0"} }), "InvalidSecurityGroup"},
		{"security group of another VPC", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.SecurityGroups = []string{f.otherSg} }), "InvalidSecurityGroup"},
		{"dualstack in subnets without IPv6", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.IpAddressType = kit.Ptr("dualstack") }), "InvalidConfigurationRequest"},
		{"dualstack without public IPv4", nlb(func(in *elbv2.CreateLoadBalancerInput) { in.IpAddressType = kit.Ptr("dualstack-without-public-ipv4") }), "InvalidConfigurationRequest"},
		{"tag key with aws:", nlb(func(in *elbv2.CreateLoadBalancerInput) {
			in.Tags = []elbv2.Tag{{Key: kit.Ptr("aws:x"), Value: kit.Ptr("")}}
		}), "ValidationError"},
		{"tag key twice", nlb(func(in *elbv2.CreateLoadBalancerInput) {
			in.Tags = []elbv2.Tag{{Key: kit.Ptr("k"), Value: kit.Ptr("1")}, {Key: kit.Ptr("k"), Value: kit.Ptr("2")}}
		}), "DuplicateTagKeys"},
		{"51 tags", nlb(func(in *elbv2.CreateLoadBalancerInput) {
			for i := range 51 {
				in.Tags = append(in.Tags, elbv2.Tag{Key: kit.Ptr(fmt.Sprint("k", i)), Value: kit.Ptr("")})
			}
		}), "TooManyTags"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.ELB.CreateLoadBalancer(ctx, testCaller, c.in)
			wantCode(t, err, c.code)
		})
	}
	// Nothing refused above left an interface behind.
	enis, err := s.DescribeNetworkInterfaces(ctx, testCaller, &ec2.DescribeNetworkInterfacesRequest{})
	if err != nil || len(enis.NetworkInterfaces) != 0 {
		t.Fatalf("interfaces after refused creations: %+v, %v", enis, err)
	}

	first, err := s.ELB.CreateLoadBalancer(ctx, testCaller, nlb(func(*elbv2.CreateLoadBalancerInput) {}))
	wantCode(t, err, "")
	again, err := s.ELB.CreateLoadBalancer(ctx, testCaller, nlb(func(*elbv2.CreateLoadBalancerInput) {}))
	wantCode(t, err, "")
	if *again.LoadBalancers[0].LoadBalancerArn != *first.LoadBalancers[0].LoadBalancerArn {
		t.Errorf("a second create with the same settings made %s, want %s", *again.LoadBalancers[0].LoadBalancerArn, *first.LoadBalancers[0].LoadBalancerArn)
	}
	_, err = s.ELB.CreateLoadBalancer(ctx, testCaller, nlb(func(in *elbv2.CreateLoadBalancerInput) { in.Subnets = f.subnets }))
	wantCode(t, err, "DuplicateLoadBalancerName")
	s.QuotaStart = map[string]float64{kit.QuotaNetworkLoadBalancers.Key(): 1}
	_, err = s.ELB.CreateLoadBalancer(ctx, testCaller, nlb(func(in *elbv2.CreateLoadBalancerInput) { in.Name = kit.Ptr("second") }))
	wantCode(t, err, "TooManyLoadBalancers")
	err = s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: kit.Ptr(f.subnets[0])})
	wantCode(t, err, "DependencyViolation")
}

// TestTargetGroupRules: what CreateTargetGroup and ModifyTargetGroup refuse.
func TestTargetGroupRules(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	f := newELBFixture(t, s)
	group := func(mod func(*elbv2.CreateTargetGroupInput)) *elbv2.CreateTargetGroupInput {
		in := &elbv2.CreateTargetGroupInput{Name: kit.Ptr("web"), Protocol: kit.Ptr("TCP"), Port: kit.Ptr(int32(80)), VpcId: kit.Ptr(f.vpc)}
		mod(in)
		return in
	}
	for _, c := range []struct {
		name string
		in   *elbv2.CreateTargetGroupInput
		code string
	}{
		{"HTTP, an application load balancer's", group(func(in *elbv2.CreateTargetGroupInput) { in.Protocol = kit.Ptr("HTTP") }), "InvalidConfigurationRequest"},
		{"unknown protocol", group(func(in *elbv2.CreateTargetGroupInput) { in.Protocol = kit.Ptr("SCTP") }), "ValidationError"},
		{"no protocol", group(func(in *elbv2.CreateTargetGroupInput) { in.Protocol = nil }), "ValidationError"},
		{"no port", group(func(in *elbv2.CreateTargetGroupInput) { in.Port = nil }), "ValidationError"},
		{"port 0", group(func(in *elbv2.CreateTargetGroupInput) { in.Port = kit.Ptr(int32(0)) }), "ValidationError"},
		{"no VPC", group(func(in *elbv2.CreateTargetGroupInput) { in.VpcId = nil }), "ValidationError"},
		{"missing VPC", group(func(in *elbv2.CreateTargetGroupInput) { in.VpcId = kit.Ptr("vpc-0123456789abcdef0") }), "ValidationError"},
		{"lambda targets", group(func(in *elbv2.CreateTargetGroupInput) { in.TargetType = kit.Ptr("lambda") }), "InvalidConfigurationRequest"},
		{"IPv6 instance targets", group(func(in *elbv2.CreateTargetGroupInput) { in.IpAddressType = kit.Ptr("ipv6") }), "InvalidConfigurationRequest"},
		{"health checks off", group(func(in *elbv2.CreateTargetGroupInput) { in.HealthCheckEnabled = kit.Ptr(false) }), "InvalidConfigurationRequest"},
		{"interval of 400 seconds", group(func(in *elbv2.CreateTargetGroupInput) { in.HealthCheckIntervalSeconds = kit.Ptr(int32(400)) }), "ValidationError"},
		{"threshold of 11", group(func(in *elbv2.CreateTargetGroupInput) { in.HealthyThresholdCount = kit.Ptr(int32(11)) }), "ValidationError"},
		{"timeout over the interval", group(func(in *elbv2.CreateTargetGroupInput) {
			in.HealthCheckIntervalSeconds, in.HealthCheckTimeoutSeconds = kit.Ptr(int32(10)), kit.Ptr(int32(20))
		}), "InvalidConfigurationRequest"},
		{"path of a TCP check", group(func(in *elbv2.CreateTargetGroupInput) { in.HealthCheckPath = kit.Ptr("/health") }), "InvalidConfigurationRequest"},
		{"UDP health check", group(func(in *elbv2.CreateTargetGroupInput) { in.HealthCheckProtocol = kit.Ptr("UDP") }), "InvalidConfigurationRequest"},
		{"health check port 70000", group(func(in *elbv2.CreateTargetGroupInput) { in.HealthCheckPort = kit.Ptr("70000") }), "ValidationError"},
		{"name ending with a hyphen", group(func(in *elbv2.CreateTargetGroupInput) { in.Name = kit.Ptr("web-") }), "ValidationError"},
		{"the name of a group with other settings", group(func(in *elbv2.CreateTargetGroupInput) { in.Name = kit.Ptr("tcp"); in.Port = kit.Ptr(int32(81)) }), "DuplicateTargetGroupName"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.ELB.CreateTargetGroup(ctx, testCaller, c.in)
			wantCode(t, err, c.code)
		})
	}
	http, err := s.ELB.CreateTargetGroup(ctx, testCaller, group(func(in *elbv2.CreateTargetGroupInput) { in.HealthCheckProtocol = kit.Ptr("HTTP") }))
	wantCode(t, err, "")
	if g := http.TargetGroups[0]; kit.Deref(g.HealthCheckPath) != "/" || g.Matcher == nil || kit.Deref(g.Matcher.HttpCode) != "200-399" || kit.Deref(g.HealthCheckTimeoutSeconds) != 6 {
		t.Errorf("HTTP health check defaults: %+v", g)
	}
	_, err = s.ELB.ModifyTargetGroup(ctx, testCaller, &elbv2.ModifyTargetGroupInput{TargetGroupArn: kit.Ptr(f.tcpGroup), HealthCheckTimeoutSeconds: kit.Ptr(int32(60))})
	wantCode(t, err, "InvalidConfigurationRequest")
	_, err = s.ELB.ModifyTargetGroup(ctx, testCaller, &elbv2.ModifyTargetGroupInput{TargetGroupArn: kit.Ptr("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tcp/0123456789abcdef")})
	wantCode(t, err, "TargetGroupNotFound")
	_, err = s.ELB.ModifyTargetGroup(ctx, testCaller, &elbv2.ModifyTargetGroupInput{TargetGroupArn: kit.Ptr("tcp")})
	wantCode(t, err, "ValidationError")
}

// TestListenerRules: what CreateListener refuses, and the target group a listener uses.
func TestListenerRules(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	f := newELBFixture(t, s)
	create := func(name string) string {
		out, err := s.ELB.CreateLoadBalancer(ctx, testCaller, &elbv2.CreateLoadBalancerInput{Name: kit.Ptr(name), Type: kit.Ptr("network"), Scheme: kit.Ptr("internal"), Subnets: f.subnets[:1]})
		if err != nil {
			t.Fatal(err)
		}
		return *out.LoadBalancers[0].LoadBalancerArn
	}
	lb, otherLB := create("one"), create("two")
	forward := func(arn string) []elbv2.Action {
		return []elbv2.Action{{Type: kit.Ptr("forward"), TargetGroupArn: kit.Ptr(arn)}}
	}
	listener := func(mod func(*elbv2.CreateListenerInput)) *elbv2.CreateListenerInput {
		in := &elbv2.CreateListenerInput{LoadBalancerArn: kit.Ptr(lb), Protocol: kit.Ptr("TCP"), Port: kit.Ptr(int32(80)), DefaultActions: forward(f.tcpGroup)}
		mod(in)
		return in
	}
	_, err := s.ELB.CreateListener(ctx, testCaller, listener(func(in *elbv2.CreateListenerInput) {
		in.LoadBalancerArn = kit.Ptr(otherLB)
		in.Port = kit.Ptr(int32(9))
	}))
	wantCode(t, err, "")
	for _, c := range []struct {
		name string
		in   *elbv2.CreateListenerInput
		code string
	}{
		{"HTTP listener", listener(func(in *elbv2.CreateListenerInput) { in.Protocol = kit.Ptr("HTTP") }), "InvalidConfigurationRequest"},
		{"TLS without a certificate", listener(func(in *elbv2.CreateListenerInput) { in.Protocol = kit.Ptr("TLS") }), "ValidationError"},
		{"TLS with a certificate", listener(func(in *elbv2.CreateListenerInput) {
			in.Protocol, in.Certificates = kit.Ptr("TLS"), []elbv2.Certificate{{CertificateArn: kit.Ptr("arn:aws:acm:us-east-1:123456789012:certificate/x")}}
		}), "CertificateNotFound"},
		{"port 0", listener(func(in *elbv2.CreateListenerInput) { in.Port = kit.Ptr(int32(0)) }), "ValidationError"},
		{"redirect action", listener(func(in *elbv2.CreateListenerInput) { in.DefaultActions[0].Type = kit.Ptr("redirect") }), "InvalidLoadBalancerAction"},
		{"two actions", listener(func(in *elbv2.CreateListenerInput) {
			in.DefaultActions = append(in.DefaultActions, forward(f.tcpGroup)...)
		}), "InvalidConfigurationRequest"},
		{"missing target group", listener(func(in *elbv2.CreateListenerInput) {
			in.DefaultActions = forward("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/0123456789abcdef")
		}), "TargetGroupNotFound"},
		{"target group of another VPC", listener(func(in *elbv2.CreateListenerInput) { in.DefaultActions = forward(f.otherGroup) }), "InvalidConfigurationRequest"},
		{"TCP listener to a UDP group", listener(func(in *elbv2.CreateListenerInput) { in.DefaultActions = forward(f.udpGroup) }), "IncompatibleProtocols"},
		{"target group of another load balancer", listener(func(in *elbv2.CreateListenerInput) {}), "TargetGroupAssociationLimit"},
		{"missing load balancer", listener(func(in *elbv2.CreateListenerInput) {
			in.LoadBalancerArn = kit.Ptr("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/x/0123456789abcdef")
		}), "LoadBalancerNotFound"},
		{"load balancer ARN of another form", listener(func(in *elbv2.CreateListenerInput) { in.LoadBalancerArn = kit.Ptr("one") }), "ValidationError"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.ELB.CreateListener(ctx, testCaller, c.in)
			wantCode(t, err, c.code)
		})
	}
	udp, err := s.ELB.CreateListener(ctx, testCaller, listener(func(in *elbv2.CreateListenerInput) {
		in.Protocol, in.Port, in.DefaultActions = kit.Ptr("UDP"), kit.Ptr(int32(53)), forward(f.udpGroup)
	}))
	wantCode(t, err, "")
	_, err = s.ELB.CreateListener(ctx, testCaller, listener(func(in *elbv2.CreateListenerInput) {
		in.Protocol, in.Port, in.DefaultActions = kit.Ptr("UDP"), kit.Ptr(int32(53)), forward(f.udpGroup)
	}))
	wantCode(t, err, "DuplicateListener")
	_, err = s.ELB.ModifyTargetGroupAttributes(ctx, testCaller, &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: kit.Ptr(f.udpGroup),
		Attributes: []elbv2.TargetGroupAttribute{{Key: kit.Ptr("preserve_client_ip.enabled"), Value: kit.Ptr("false")}}})
	wantCode(t, err, "InvalidConfigurationRequest")
	_, err = s.ELB.DescribeListenerAttributes(ctx, testCaller, &elbv2.DescribeListenerAttributesInput{ListenerArn: udp.Listeners[0].ListenerArn})
	wantCode(t, err, "")
	_, err = s.ELB.DeleteTargetGroup(ctx, testCaller, &elbv2.DeleteTargetGroupInput{TargetGroupArn: kit.Ptr(f.udpGroup)})
	wantCode(t, err, "ResourceInUse")
	_, err = s.ELB.DeleteLoadBalancer(ctx, testCaller, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: kit.Ptr(lb)})
	wantCode(t, err, "")
	_, err = s.ELB.DeleteTargetGroup(ctx, testCaller, &elbv2.DeleteTargetGroupInput{TargetGroupArn: kit.Ptr(f.udpGroup)})
	wantCode(t, err, "")
	_, err = s.ELB.DeleteListener(ctx, testCaller, &elbv2.DeleteListenerInput{ListenerArn: udp.Listeners[0].ListenerArn})
	wantCode(t, err, "ListenerNotFound")
}

// TestTargetRules: what RegisterTargets refuses, and the health a target has before the
// data plane checks it.
func TestTargetRules(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	f := newELBFixture(t, s)
	instances, err := s.ELB.CreateTargetGroup(ctx, testCaller, &elbv2.CreateTargetGroupInput{Name: kit.Ptr("instances"), Protocol: kit.Ptr("TCP"),
		Port: kit.Ptr(int32(80)), VpcId: kit.Ptr(f.vpc)})
	wantCode(t, err, "")
	byInstance := *instances.TargetGroups[0].TargetGroupArn
	target := func(id string, port int32, zone string) elbv2.TargetDescription {
		d := elbv2.TargetDescription{Id: kit.Ptr(id)}
		if port != 0 {
			d.Port = kit.Ptr(port)
		}
		if zone != "" {
			d.AvailabilityZone = kit.Ptr(zone)
		}
		return d
	}
	instance := func(subnet string) string {
		t.Helper()
		r, err := run(s, subnet, 1)
		if err != nil {
			t.Fatal(err)
		}
		return *r.Instances[0].InstanceId
	}
	running, elsewhere, stopped := instance(f.subnets[0]), instance(f.otherSub), instance(f.subnets[1])
	if _, err := s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: []string{stopped}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, group string
		target      elbv2.TargetDescription
		code        string
	}{
		{"instance of the VPC", byInstance, target(running, 0, ""), ""},
		{"instance of another VPC", byInstance, target(elsewhere, 0, ""), "InvalidTarget"},
		{"stopped instance", byInstance, target(stopped, 0, ""), "InvalidTarget"},
		{"missing instance", byInstance, target("i-0123456789abcdef0", 0, ""), "InvalidTarget"},
		{"address as an instance", byInstance, target("10.0.1.5", 0, ""), "InvalidTarget"},
		{"zone of an instance target", byInstance, target("i-0123456789abcdef0", 0, "us-east-1a"), "ValidationError"},
		{"address outside the VPC", f.tcpGroup, target("10.1.1.5", 0, ""), "InvalidTarget"},
		{"IPv6 address in an IPv4 group", f.tcpGroup, target("2001:db8::1", 0, ""), "InvalidTarget"},
		{"public address from outside the VPC", f.tcpGroup, target("8.8.8.8", 0, "all"), "InvalidTarget"},
		{"port 0", f.tcpGroup, target("10.0.1.5", -1, ""), "ValidationError"},
		{"address of the VPC", f.tcpGroup, target("10.0.1.5", 0, ""), ""},
		{"private address from outside the VPC", f.tcpGroup, target("192.168.0.5", 8080, "all"), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.target.Port != nil && *c.target.Port == -1 {
				c.target.Port = kit.Ptr(int32(0))
			}
			_, err := s.ELB.RegisterTargets(ctx, testCaller, &elbv2.RegisterTargetsInput{TargetGroupArn: kit.Ptr(c.group), Targets: []elbv2.TargetDescription{c.target}})
			wantCode(t, err, c.code)
		})
	}
	health, err := s.ELB.DescribeTargetHealth(ctx, testCaller, &elbv2.DescribeTargetHealthInput{TargetGroupArn: kit.Ptr(f.tcpGroup),
		Targets: []elbv2.TargetDescription{target("10.0.1.5", 0, ""), target("10.0.1.6", 0, "")}})
	wantCode(t, err, "")
	if len(health.TargetHealthDescriptions) != 2 {
		t.Fatalf("health %+v", health)
	}
	for i, want := range []string{"Target.NotRegistered", "Target.NotInUse"} {
		if got := kit.Deref(health.TargetHealthDescriptions[i].TargetHealth.Reason); got != want {
			t.Errorf("target %d: reason %s, want %s", i, got, want)
		}
	}
}

// TestELBAttributeRules: attribute keys and values that AWS refuses.
func TestELBAttributeRules(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	f := newELBFixture(t, s)
	out, err := s.ELB.CreateLoadBalancer(ctx, testCaller, &elbv2.CreateLoadBalancerInput{Name: kit.Ptr("nlb"), Type: kit.Ptr("network"), Scheme: kit.Ptr("internal"), Subnets: f.subnets})
	wantCode(t, err, "")
	lb := out.LoadBalancers[0].LoadBalancerArn
	for _, c := range []struct{ key, value, code string }{
		{"idle_timeout.timeout_seconds", "60", "ValidationError"}, // an application load balancer's
		{"deletion_protection.enabled", "yes", "InvalidConfigurationRequest"},
		{"dns_record.client_routing_policy", "nearest", "InvalidConfigurationRequest"},
		{"load_balancing.cross_zone.enabled", "true", ""},
	} {
		t.Run("load balancer "+c.key+"="+c.value, func(t *testing.T) {
			_, err := s.ELB.ModifyLoadBalancerAttributes(ctx, testCaller, &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb,
				Attributes: []elbv2.LoadBalancerAttribute{{Key: kit.Ptr(c.key), Value: kit.Ptr(c.value)}}})
			wantCode(t, err, c.code)
		})
	}
	for _, c := range []struct{ key, value, code string }{
		{"stickiness.type", "lb_cookie", "InvalidConfigurationRequest"},
		{"deregistration_delay.timeout_seconds", "3601", "InvalidConfigurationRequest"},
		{"slow_start.duration_seconds", "30", "ValidationError"},
		{"proxy_protocol_v2.enabled", "true", ""},
	} {
		t.Run("target group "+c.key+"="+c.value, func(t *testing.T) {
			_, err := s.ELB.ModifyTargetGroupAttributes(ctx, testCaller, &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: kit.Ptr(f.tcpGroup),
				Attributes: []elbv2.TargetGroupAttribute{{Key: kit.Ptr(c.key), Value: kit.Ptr(c.value)}}})
			wantCode(t, err, c.code)
		})
	}
}

// TestLoadBalancerElasticIP: an internet-facing load balancer's zone takes an Elastic IP
// of its subnet mapping, which its interface holds until the load balancer goes.
func TestLoadBalancerElasticIP(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	f := newELBFixture(t, s)
	eip, err := s.AllocateAddress(ctx, testCaller, &ec2.AllocateAddressRequest{Domain: kit.Ptr("vpc")})
	wantCode(t, err, "")
	create := func(name, alloc string) (*elbv2.CreateLoadBalancerOutput, error) {
		return s.ELB.CreateLoadBalancer(ctx, testCaller, &elbv2.CreateLoadBalancerInput{Name: kit.Ptr(name), Type: kit.Ptr("network"),
			SubnetMappings: []elbv2.SubnetMapping{{SubnetId: kit.Ptr(f.subnets[0]), AllocationId: kit.Ptr(alloc)}}})
	}
	_, err = create("missing", "eipalloc-0123456789abcdef0")
	wantCode(t, err, "AllocationIdNotFound")
	out, err := create("public", *eip.AllocationId)
	wantCode(t, err, "")
	addrs := out.LoadBalancers[0].AvailabilityZones[0].LoadBalancerAddresses
	if len(addrs) != 1 || kit.Deref(addrs[0].AllocationId) != *eip.AllocationId || kit.Deref(addrs[0].IpAddress) != *eip.PublicIp {
		t.Errorf("addresses %+v, want the Elastic IP %s", addrs, *eip.PublicIp)
	}
	_, err = create("again", *eip.AllocationId)
	wantCode(t, err, "InvalidConfigurationRequest")
	described := func() ec2.Address {
		t.Helper()
		got, err := s.DescribeAddresses(ctx, testCaller, &ec2.DescribeAddressesRequest{AllocationIds: []string{*eip.AllocationId}})
		if err != nil || len(got.Addresses) != 1 {
			t.Fatalf("DescribeAddresses = %+v, %v", got, err)
		}
		return got.Addresses[0]
	}
	if a := described(); a.NetworkInterfaceId == nil || kit.Deref(a.PrivateIpAddress) == "" {
		t.Errorf("Elastic IP of the load balancer %+v", a)
	}
	_, err = s.ELB.DeleteLoadBalancer(ctx, testCaller, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: out.LoadBalancers[0].LoadBalancerArn})
	wantCode(t, err, "")
	if a := described(); a.NetworkInterfaceId != nil {
		t.Errorf("Elastic IP after the load balancer went: %+v", a)
	}
}
