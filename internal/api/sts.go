package api

import (
	"context"

	"vpcd/internal/aws/sts"
	"vpcd/internal/control"
)

// STS's GetCallerIdentity is served too, so that tools which ask who they are before
// they start (the Terraform AWS provider unless skip_requesting_account_id is set) learn
// the account that vpcd gives their access key: point their STS endpoint at vpcd.
func registerSTS(s *Server) {
	s.addService(sts.API, queryProtocol{desc: &sts.API})
	Handle(s, "sts", "GetCallerIdentity", getCallerIdentity)
}

// getCallerIdentity answers the account the access key picks, as its root user: vpcd
// has no IAM users or roles.
func getCallerIdentity(_ context.Context, c control.Caller, _ *sts.GetCallerIdentityRequest) (*sts.GetCallerIdentityResponse, error) {
	arn := "arn:aws:iam::" + c.Account + ":root"
	return &sts.GetCallerIdentityResponse{Account: &c.Account, Arn: &arn, UserId: &c.Account}, nil
}
