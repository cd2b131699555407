package kit

import (
	"strconv"
	"time"

	"vpcd/internal/model"
)

// How network load balancers, their listeners and target groups enter the model.

func loadBalancerModel(_ string, lb *LoadBalancerRecord) any {
	m := &model.LoadBalancer{ID: lb.ID, VPC: lb.VpcID, CrossZone: lb.Attributes["load_balancing.cross_zone.enabled"] == "true",
		Groups: lb.SecurityGroups}
	for _, z := range lb.Zones {
		m.Nodes = append(m.Nodes, model.LoadBalancerNode{Zone: z.Zone, Subnet: z.SubnetID, Interface: z.ENI, Addr: z.PrivateIP, Public: z.PublicIP})
	}
	return m
}

func listenerModel(_ string, l *ListenerRecord) any {
	if l.VpcID == "" {
		return (*model.Listener)(nil) // of a vpcd before the data plane carried them
	}
	return &model.Listener{ID: l.ID, LoadBalancer: l.LoadBalancer, VPC: l.VpcID, Protocol: l.Protocol, Port: int(l.Port), TargetGroup: l.TargetGroup}
}

// PreserveClientIP is a target group's preserve_client_ip.enabled: as set, else on for
// instance targets and for UDP and TCP_UDP groups, off for ip targets of TCP and TLS
// groups, as AWS's defaults are.
func (tg *TargetGroupRecord) PreserveClientIP() bool {
	if v, ok := tg.Attributes["preserve_client_ip.enabled"]; ok {
		return v == "true"
	}
	return tg.TargetType == "instance" || tg.Protocol == "UDP" || tg.Protocol == "TCP_UDP"
}

// DeregistrationDelay is a target group's deregistration_delay.timeout_seconds (300 by
// default).
func (tg *TargetGroupRecord) DeregistrationDelay() time.Duration {
	secs := 300
	if v, ok := tg.Attributes["deregistration_delay.timeout_seconds"]; ok {
		secs, _ = strconv.Atoi(v)
	}
	return time.Duration(secs) * time.Second
}

// targetGroupModel: a deregistered target is in the model while it drains, so that its
// state shows; it takes no new flows.
func targetGroupModel(region string, tg *TargetGroupRecord) any {
	m := &model.TargetGroup{ID: tg.ID, VPC: tg.VpcID, Owner: tg.Owner, Region: region, Protocol: tg.Protocol, Port: int(tg.Port), TargetType: tg.TargetType,
		PreserveClientIP: tg.PreserveClientIP(), Health: model.HealthCheck{
			Protocol: tg.Health.Protocol, Port: tg.Health.Port, Path: tg.Health.Path, Matcher: tg.Health.Matcher,
			Interval: time.Duration(tg.Health.Interval) * time.Second, Timeout: time.Duration(tg.Health.Timeout) * time.Second,
			Healthy: int(tg.Health.Healthy), Unhealthy: int(tg.Health.Unhealthy)}}
	if v := tg.Attributes["load_balancing.cross_zone.enabled"]; v == "true" || v == "false" {
		m.CrossZone = v
	}
	now := time.Now()
	for _, t := range tg.Targets {
		mt := model.Target{ID: t.ID, Port: int(t.Port), Zone: t.Zone, State: model.TargetInitial}
		switch {
		case t.Deregistered() && !t.Draining(now):
			continue
		case t.Deregistered():
			mt.State = model.TargetDraining
		case t.Health != "":
			mt.State = t.Health
		}
		m.Targets = append(m.Targets, mt)
	}
	return m
}

var (
	loadBalancers = field[model.LoadBalancer]{func(n *model.Network) map[string]*model.LoadBalancer { return n.LoadBalancers },
		func(lb *model.LoadBalancer) string { return lb.VPC }}
	targetGroups = field[model.TargetGroup]{func(n *model.Network) map[string]*model.TargetGroup { return n.TargetGroups },
		func(tg *model.TargetGroup) string { return tg.VPC }}
	listeners = field[model.Listener]{func(n *model.Network) map[string]*model.Listener { return n.Listeners },
		func(l *model.Listener) string { return l.VPC }}
)
