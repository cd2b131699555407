package api

import (
	"vpcd/internal/aws/ssm"
	"vpcd/internal/control"
)

// Systems Manager is served for its public parameters that name the latest public images
// (/aws/service/ami-amazon-linux-latest/..., /aws/service/canonical/..., ...), so that a
// script or a Terraform data "aws_ssm_parameter" finds its AMI as it does on AWS. The
// values are the catalog's images of the request's region (control/images). Parameters of
// one's own (PutParameter) and the rest of SSM stay unserved.
func registerSSM(s *Server, svc *control.Service) {
	s.addService(ssm.API, jsonProtocol{desc: &ssm.API})
	Handle(s, "ssm", "GetParameter", svc.GetParameter)
	Handle(s, "ssm", "GetParameters", svc.GetParameters)
	Handle(s, "ssm", "GetParametersByPath", svc.GetParametersByPath)
}
