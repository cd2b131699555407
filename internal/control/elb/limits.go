package elb

import (
	"context"
	"strconv"

	"vpcd/internal/aws/elbv2"
	"vpcd/internal/control/kit"
)

// DescribeAccountLimits lists Elastic Load Balancing's limits by AWS's names, with the
// account's values of the quotas vpcd enforces and AWS's defaults of the others.
func (s *ELB) DescribeAccountLimits(ctx context.Context, c kit.Caller, in *elbv2.DescribeAccountLimitsInput) (*elbv2.DescribeAccountLimitsOutput, error) {
	var lbs, tgs int
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		if lbs, err = s.QuotaLimit(t, c, kit.QuotaNetworkLoadBalancers); err != nil {
			return err
		}
		tgs, err = s.QuotaLimit(t, c, kit.QuotaTargetGroups)
		return err
	})
	if err != nil {
		return nil, err
	}
	limits := []struct {
		name string
		max  int
	}{
		{"application-load-balancers", 50},
		{"target-groups", tgs},
		{"targets-per-application-load-balancer", 1000},
		{"listeners-per-application-load-balancer", 50},
		{"rules-per-application-load-balancer", 100},
		{"network-load-balancers", lbs},
		{"targets-per-network-load-balancer", maxTargetsPerLB},
		{"targets-per-availability-zone-per-network-load-balancer", maxTargetsPerZone},
		{"listeners-per-network-load-balancer", maxListeners},
		{"condition-values-per-alb-rule", 5},
		{"condition-wildcards-per-alb-rule", 5},
		{"target-groups-per-application-load-balancer", 100},
		{"target-groups-per-action-on-application-load-balancer", 5},
		{"target-groups-per-action-on-network-load-balancer", 1},
		{"certificates-per-application-load-balancer", 25},
		{"certificates-per-network-load-balancer", 25},
		{"targets-per-target-group", 1000},
		{"target-id-registrations-per-application-load-balancer", 1000},
		{"network-load-balancer-enis-per-vpc", 1200},
		{"application-load-balancer-enis-per-vpc", 1200},
		{"gateway-load-balancers", 100},
		{"gateway-load-balancers-per-vpc", 100},
		{"geneve-target-groups", 100},
		{"targets-per-availability-zone-per-gateway-load-balancer", 300},
	}
	all := []elbv2.Limit{}
	for _, l := range limits {
		all = append(all, elbv2.Limit{Name: kit.Ptr(l.name), Max: kit.Ptr(strconv.Itoa(l.max))})
	}
	pg, next, err := page(all, in.PageSize, in.Marker)
	if err != nil {
		return nil, err
	}
	return &elbv2.DescribeAccountLimitsOutput{Limits: pg, NextMarker: next}, nil
}
