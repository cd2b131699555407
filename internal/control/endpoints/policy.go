package endpoints

import (
	"context"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// GatewayPolicy is the policy of the caller's gateway endpoint id and the VPC it is in,
// for the S3 requests that pass through it (internal/api evaluates the policy). ok is
// false when the caller has no such gateway endpoint.
func (s *Endpoints) GatewayPolicy(ctx context.Context, c kit.Caller, id string) (policy, vpc string, ok bool, err error) {
	err = s.View(ctx, func(t *kit.Txn) error {
		e, err := kit.Get[kit.VpcEndpointRecord](t, c, "vpce", id)
		if err != nil {
			return err
		}
		policy, vpc, ok = e.Policy, e.VpcID, e.Type == "Gateway"
		return nil
	})
	if _, isAWS := err.(*ec2.Error); isAWS {
		return "", "", false, nil // no such endpoint, or no endpoint ID
	}
	return policy, vpc, ok, err
}
