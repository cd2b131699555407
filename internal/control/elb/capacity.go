package elb

import (
	"context"

	"vpcd/internal/aws/elbv2"
	"vpcd/internal/control/kit"
)

// decreaseRequestsPerDay is how many times a day AWS lets an account lower a load
// balancer's capacity reservation.
const decreaseRequestsPerDay = 3

// DescribeCapacityReservation answers that a load balancer has no capacity reservation
// (LCU reservations are not kept: ModifyCapacityReservation is not served). Terraform's
// aws_lb reads it for minimum_load_balancer_capacity.
func (s *ELB) DescribeCapacityReservation(ctx context.Context, c kit.Caller, in *elbv2.DescribeCapacityReservationInput) (*elbv2.DescribeCapacityReservationOutput, error) {
	err := s.View(ctx, func(t *kit.Txn) error {
		_, err := getLoadBalancer(t, c, kit.Deref(in.LoadBalancerArn))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.DescribeCapacityReservationOutput{CapacityReservationState: []elbv2.ZonalCapacityReservationState{},
		DecreaseRequestsRemaining: kit.Ptr(int32(decreaseRequestsPerDay))}, nil
}
