package api

import (
	"vpcd/internal/aws/elbv2"
	"vpcd/internal/control"
)

// Elastic Load Balancing (v2) is served for network load balancers, their target groups,
// listeners, targets, attributes and tags (control/elb). Rules, trust stores, listener
// certificates, changes of capacity reservations and resource policies stay unserved.
func registerELBv2(s *Server, svc *control.Service) {
	s.addService(elbv2.API, queryProtocol{desc: &elbv2.API})
	e := svc.ELB
	const name = "elasticloadbalancing"
	Handle(s, name, "CreateLoadBalancer", e.CreateLoadBalancer)
	Handle(s, name, "DescribeLoadBalancers", e.DescribeLoadBalancers)
	Handle(s, name, "DeleteLoadBalancer", e.DeleteLoadBalancer)
	Handle(s, name, "DescribeLoadBalancerAttributes", e.DescribeLoadBalancerAttributes)
	Handle(s, name, "ModifyLoadBalancerAttributes", e.ModifyLoadBalancerAttributes)
	Handle(s, name, "SetSecurityGroups", e.SetSecurityGroups)
	Handle(s, name, "SetSubnets", e.SetSubnets)
	Handle(s, name, "SetIpAddressType", e.SetIpAddressType)
	Handle(s, name, "DescribeCapacityReservation", e.DescribeCapacityReservation)
	Handle(s, name, "CreateTargetGroup", e.CreateTargetGroup)
	Handle(s, name, "DescribeTargetGroups", e.DescribeTargetGroups)
	Handle(s, name, "ModifyTargetGroup", e.ModifyTargetGroup)
	Handle(s, name, "DeleteTargetGroup", e.DeleteTargetGroup)
	Handle(s, name, "DescribeTargetGroupAttributes", e.DescribeTargetGroupAttributes)
	Handle(s, name, "ModifyTargetGroupAttributes", e.ModifyTargetGroupAttributes)
	Handle(s, name, "RegisterTargets", e.RegisterTargets)
	Handle(s, name, "DeregisterTargets", e.DeregisterTargets)
	Handle(s, name, "DescribeTargetHealth", e.DescribeTargetHealth)
	Handle(s, name, "CreateListener", e.CreateListener)
	Handle(s, name, "DescribeListeners", e.DescribeListeners)
	Handle(s, name, "ModifyListener", e.ModifyListener)
	Handle(s, name, "DeleteListener", e.DeleteListener)
	Handle(s, name, "DescribeListenerAttributes", e.DescribeListenerAttributes)
	Handle(s, name, "ModifyListenerAttributes", e.ModifyListenerAttributes)
	Handle(s, name, "AddTags", e.AddTags)
	Handle(s, name, "RemoveTags", e.RemoveTags)
	Handle(s, name, "DescribeTags", e.DescribeTags)
	Handle(s, name, "DescribeAccountLimits", e.DescribeAccountLimits)
}
