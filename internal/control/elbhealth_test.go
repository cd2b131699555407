package control

import (
	"context"
	"testing"

	"vpcd/internal/aws/elbv2"
	"vpcd/internal/control/kit"
)

// TestTargetHealthStates: what DescribeTargetHealth answers as the data plane's checks
// report, and of deregistered targets: draining for the group's deregistration delay,
// then gone.
func TestTargetHealthStates(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	f := newELBFixture(t, s)
	lb, err := s.ELB.CreateLoadBalancer(ctx, testCaller, &elbv2.CreateLoadBalancerInput{Name: kit.Ptr("nlb"), Type: kit.Ptr("network"),
		Scheme: kit.Ptr("internal"), Subnets: f.subnets[:2]})
	wantCode(t, err, "")
	_, err = s.ELB.CreateListener(ctx, testCaller, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: kit.Ptr("TCP"),
		Port: kit.Ptr(int32(80)), DefaultActions: []elbv2.Action{{Type: kit.Ptr("forward"), TargetGroupArn: kit.Ptr(f.tcpGroup)}}})
	wantCode(t, err, "")
	targets := []elbv2.TargetDescription{{Id: kit.Ptr("10.0.1.5")}, {Id: kit.Ptr("10.0.1.6")}, {Id: kit.Ptr("10.0.1.7")}}
	_, err = s.ELB.RegisterTargets(ctx, testCaller, &elbv2.RegisterTargetsInput{TargetGroupArn: kit.Ptr(f.tcpGroup), Targets: targets})
	wantCode(t, err, "")
	states := func() map[string]string {
		t.Helper()
		out, err := s.ELB.DescribeTargetHealth(ctx, testCaller, &elbv2.DescribeTargetHealthInput{TargetGroupArn: kit.Ptr(f.tcpGroup)})
		wantCode(t, err, "")
		got := map[string]string{}
		for _, d := range out.TargetHealthDescriptions {
			got[*d.Target.Id] = *d.TargetHealth.State + " " + kit.Deref(d.TargetHealth.Reason)
		}
		return got
	}
	if got := states()["10.0.1.5"]; got != "initial Elb.RegistrationInProgress" {
		t.Errorf("before any check: %s", got)
	}
	id := "elbtg-" + f.tcpGroup[len(f.tcpGroup)-16:] // the record of the group's ARN
	wantCode(t, s.ELB.SetTargetHealth(ctx, testCaller, id, "10.0.1.5", 80, "healthy", ""), "")
	wantCode(t, s.ELB.SetTargetHealth(ctx, testCaller, id, "10.0.1.6", 80, "unhealthy", "Target.FailedHealthChecks"), "")
	got := states()
	if got["10.0.1.5"] != "healthy " || got["10.0.1.6"] != "unhealthy Target.FailedHealthChecks" {
		t.Errorf("after checks: %v", got)
	}
	_, err = s.ELB.DeregisterTargets(ctx, testCaller, &elbv2.DeregisterTargetsInput{TargetGroupArn: kit.Ptr(f.tcpGroup), Targets: targets[:1]})
	wantCode(t, err, "")
	if got := states()["10.0.1.5"]; got != "draining Target.DeregistrationInProgress" {
		t.Errorf("deregistered: %s", got)
	}
	// A late verdict leaves a draining target draining.
	wantCode(t, s.ELB.SetTargetHealth(ctx, testCaller, id, "10.0.1.5", 80, "unhealthy", "Target.FailedHealthChecks"), "")
	if got := states()["10.0.1.5"]; got != "draining Target.DeregistrationInProgress" {
		t.Errorf("deregistered, then checked: %s", got)
	}
	// Without a delay, a deregistered target is gone at once.
	_, err = s.ELB.ModifyTargetGroupAttributes(ctx, testCaller, &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: kit.Ptr(f.tcpGroup),
		Attributes: []elbv2.TargetGroupAttribute{{Key: kit.Ptr("deregistration_delay.timeout_seconds"), Value: kit.Ptr("0")}}})
	wantCode(t, err, "")
	_, err = s.ELB.DeregisterTargets(ctx, testCaller, &elbv2.DeregisterTargetsInput{TargetGroupArn: kit.Ptr(f.tcpGroup), Targets: targets[1:2]})
	wantCode(t, err, "")
	if got, ok := states()["10.0.1.6"]; ok {
		t.Errorf("deregistered without a delay: %s", got)
	}
	// Registered again while draining, a target starts over.
	_, err = s.ELB.RegisterTargets(ctx, testCaller, &elbv2.RegisterTargetsInput{TargetGroupArn: kit.Ptr(f.tcpGroup), Targets: targets[:1]})
	wantCode(t, err, "")
	if got := states()["10.0.1.5"]; got != "initial Elb.RegistrationInProgress" {
		t.Errorf("registered again: %s", got)
	}
}
