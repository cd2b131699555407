package e2e

// Network load balancers carry traffic: a listener's new connections spread over the
// healthy targets of its group by a hash of their addresses and ports, the target sees
// the client's address (instance targets preserve it), a node sends only to its own zone
// unless cross-zone load balancing is on, and a target whose server stops fails its
// health checks, shows unhealthy, and gets no new connections.

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// manyConnections opens argv[3] TCP connections to argv[1]:argv[2] one after the other,
// each from a new source port, and prints each answer on a line ("failed" for none).
const manyConnections = `
import socket, sys
for _ in range(int(sys.argv[3])):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect((sys.argv[1], int(sys.argv[2])))
        print(s.recv(256).decode())
    except OSError:
        print('failed')
    finally:
        s.close()
`

// connections are the answers to n connections to addr:port from an instance, counted.
func (p *plane) connections(where, addr string, port, n int) map[string]int {
	p.t.Helper()
	out, err := p.exec(where, "python3", "-c", manyConnections, addr, strconv.Itoa(port), strconv.Itoa(n)).CombinedOutput()
	if err != nil {
		p.t.Fatalf("connections from %s: %v: %s", where, err, out)
	}
	got := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		got[line]++
	}
	return got
}

// elbClient is an Elastic Load Balancing client of the plane.
func (p *plane) elbClient() *elb.Client {
	return elb.New(elb.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.url),
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", "")})
}

// nlb is a load balancer of the test: its ARN, its group's and its node addresses by
// subnet.
type nlb struct {
	arn, group    string
	nodes, public map[string]string
}

// networkLoadBalancer makes a network load balancer (scheme) in the subnets with a TCP
// listener on port that forwards to a group of instance targets on targetPort, checked
// at AWS's shortest interval and lowest thresholds.
func (p *plane) networkLoadBalancer(c *elb.Client, vpc, scheme string, subnets []string, port, targetPort int32, targets ...string) nlb {
	p.t.Helper()
	lb, err := c.CreateLoadBalancer(p.ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web-" + scheme), Type: elbtypes.LoadBalancerTypeEnumNetwork,
		Scheme: elbtypes.LoadBalancerSchemeEnum(scheme), Subnets: subnets})
	p.check("CreateLoadBalancer", err)
	tg, err := c.CreateTargetGroup(p.ctx, &elb.CreateTargetGroupInput{Name: aws.String("web-" + scheme), Protocol: elbtypes.ProtocolEnumTcp,
		Port: aws.Int32(targetPort), VpcId: aws.String(vpc), HealthCheckIntervalSeconds: aws.Int32(5), HealthCheckTimeoutSeconds: aws.Int32(2),
		HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(2)})
	p.check("CreateTargetGroup", err)
	out := nlb{arn: aws.ToString(lb.LoadBalancers[0].LoadBalancerArn), group: aws.ToString(tg.TargetGroups[0].TargetGroupArn), nodes: map[string]string{}, public: map[string]string{}}
	var descs []elbtypes.TargetDescription
	for _, t := range targets {
		descs = append(descs, elbtypes.TargetDescription{Id: aws.String(t)})
	}
	_, err = c.RegisterTargets(p.ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(out.group), Targets: descs})
	p.check("RegisterTargets", err)
	_, err = c.CreateListener(p.ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(out.arn), Protocol: elbtypes.ProtocolEnumTcp, Port: aws.Int32(port),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(out.group)}}})
	p.check("CreateListener", err)
	// Its interfaces, as AWS shows them: requester-managed, described after it.
	arnParts := strings.Split(out.arn, "/")
	desc := "ELB net/" + arnParts[len(arnParts)-2] + "/" + arnParts[len(arnParts)-1]
	enis, err := p.ec2.DescribeNetworkInterfaces(p.ctx, &ec2sdk.DescribeNetworkInterfacesInput{Filters: []types.Filter{
		{Name: aws.String("description"), Values: []string{desc}}}})
	p.check("DescribeNetworkInterfaces", err)
	for _, e := range enis.NetworkInterfaces {
		if !aws.ToBool(e.RequesterManaged) || e.InterfaceType != "network_load_balancer" {
			p.t.Errorf("load balancer interface %+v", e)
		}
		out.nodes[aws.ToString(e.SubnetId)] = aws.ToString(e.PrivateIpAddress)
		if e.Association != nil {
			out.public[aws.ToString(e.SubnetId)] = aws.ToString(e.Association.PublicIp)
		}
	}
	if len(out.nodes) != len(subnets) {
		p.t.Fatalf("load balancer nodes %v, want one in each of %v", out.nodes, subnets)
	}
	return out
}

// health is each target's state and reason.
func (p *plane) health(c *elb.Client, group string) map[string]string {
	p.t.Helper()
	out, err := c.DescribeTargetHealth(p.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(group)})
	p.check("DescribeTargetHealth", err)
	got := map[string]string{}
	for _, d := range out.TargetHealthDescriptions {
		got[aws.ToString(d.Target.Id)] = strings.TrimSuffix(string(d.TargetHealth.State)+" "+string(d.TargetHealth.Reason), " ")
	}
	return got
}

// targetsOf are the targets that answered, each answer being "CLIENT TARGET", checked
// to show the client's address; failed counts the connections that got no answer.
func targetsOf(t *testing.T, answers map[string]int, client string) (targets []string, failed int) {
	t.Helper()
	for a, n := range answers {
		if a == "failed" {
			failed += n
			continue
		}
		from, target, _ := strings.Cut(a, " ")
		if from != client {
			t.Errorf("a target saw %s, not the client's address %s", from, client)
		}
		targets = append(targets, target)
	}
	slices.Sort(targets)
	return targets, failed
}

func TestNetworkLoadBalancer(t *testing.T) {
	p := startPlane(t)
	c := p.elbClient()
	vpc := p.vpc("10.0.0.0/16")
	subA, subB := p.subnetIn(vpc, "10.0.1.0/24", "us-east-1a"), p.subnetIn(vpc, "10.0.2.0/24", "us-east-1b")
	web := p.group(vpc, "web")
	p.allowIn(web, perm("tcp", 8080, 8080, "10.0.0.0/16"))
	t1, t2, t3 := p.launch(subA, []string{web}), p.launch(subA, []string{web}), p.launch(subB, []string{web})
	client := p.launch(subA, []string{p.group(vpc, "client")})
	stop := map[string]func(){}
	for _, target := range []instance{t1, t2, t3} {
		stop[target.ID] = p.serveOn(target.ID, "tcp-serve", "0.0.0.0", 8080, target.ID)
	}
	lb := p.networkLoadBalancer(c, vpc, "internal", []string{subA, subB}, 80, 8080, t1.ID, t2.ID, t3.ID)
	nodeA := lb.nodes[subA]

	start := time.Now()
	p.eventually("every target healthy", func() bool {
		h := p.health(c, lb.group)
		return h[t1.ID] == "healthy" && h[t2.ID] == "healthy" && h[t3.ID] == "healthy"
	})
	t.Logf("targets healthy after %v", time.Since(start))

	// Cross-zone load balancing is off: zone a's node sends to zone a's targets alone.
	want := []string{t1.ID, t2.ID}
	slices.Sort(want)
	if got, failed := targetsOf(t, p.connections(client.ID, nodeA, 80, 40), client.IP); !slices.Equal(got, want) || failed > 0 {
		t.Errorf("zone a's node: targets %v (%d failed), want %v", got, failed, want)
	}

	// t1's server stops: it fails its checks and new connections avoid it.
	stop[t1.ID]()
	start = time.Now()
	p.eventually("t1 unhealthy", func() bool { return p.health(c, lb.group)[t1.ID] == "unhealthy Target.FailedHealthChecks" })
	t.Logf("t1 unhealthy after %v", time.Since(start))
	p.eventually("new connections avoid t1", func() bool {
		got, failed := targetsOf(t, p.connections(client.ID, nodeA, 80, 20), client.IP)
		return slices.Equal(got, []string{t2.ID}) && failed == 0
	})
	t.Logf("no connection fails %v after t1's server stopped", time.Since(start))

	// With cross-zone load balancing, zone a's node sends to zone b's target too.
	_, err := c.ModifyLoadBalancerAttributes(p.ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(lb.arn),
		Attributes: []elbtypes.LoadBalancerAttribute{{Key: aws.String("load_balancing.cross_zone.enabled"), Value: aws.String("true")}}})
	p.check("ModifyLoadBalancerAttributes", err)
	want = []string{t2.ID, t3.ID}
	slices.Sort(want)
	p.eventually("cross-zone: zone a's node reaches zone b's target", func() bool {
		got, failed := targetsOf(t, p.connections(client.ID, nodeA, 80, 30), client.IP)
		return slices.Equal(got, want) && failed == 0
	})

	// A deregistered target drains: no new connections.
	_, err = c.DeregisterTargets(p.ctx, &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(lb.group), Targets: []elbtypes.TargetDescription{{Id: aws.String(t3.ID)}}})
	p.check("DeregisterTargets", err)
	if h := p.health(c, lb.group)[t3.ID]; h != "draining Target.DeregistrationInProgress" {
		t.Errorf("deregistered target: %s", h)
	}
	p.eventually("a draining target gets no new connections", func() bool {
		got, failed := targetsOf(t, p.connections(client.ID, nodeA, 80, 20), client.IP)
		return slices.Equal(got, []string{t2.ID}) && failed == 0
	})

	// An internet-facing load balancer, reached from the simulated internet at its
	// node's public address: the target sees the internet's address, and answers through
	// the gateway (its subnet routes there).
	igw := p.attachedGateway(vpc)
	p.routeTable(vpc, subA, "0.0.0.0/0", toGateway(igw))
	p.allowIn(web, perm("tcp", 8080, 8080, "0.0.0.0/0"))
	public := p.networkLoadBalancer(c, vpc, "internet-facing", []string{subA}, 80, 8080, t2.ID)
	if public.public[subA] == "" {
		t.Fatalf("internet-facing node without a public address: %+v", public)
	}
	p.eventually("the internet reaches the internet-facing load balancer", func() bool {
		got, failed := targetsOf(t, p.connections("internet", public.public[subA], 80, 5), internetHost)
		return slices.Equal(got, []string{t2.ID}) && failed == 0
	})
}
