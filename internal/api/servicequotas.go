package api

import (
	"vpcd/internal/aws/servicequotas"
	"vpcd/internal/control"
)

// Service Quotas is served for the quotas vpcd enforces (control/servicequotas.go), so
// that a suite can read them and raise them, as it would on AWS, before it runs more
// instances or addresses than an account starts with. Increases are approved at once.
// Templates, tags, auto management and utilization reports stay unserved.
func registerServiceQuotas(s *Server, svc *control.Service) {
	s.addService(servicequotas.API, jsonProtocol{desc: &servicequotas.API})
	Handle(s, "servicequotas", "GetServiceQuota", svc.GetServiceQuota)
	Handle(s, "servicequotas", "GetAWSDefaultServiceQuota", svc.GetAWSDefaultServiceQuota)
	Handle(s, "servicequotas", "ListServiceQuotas", svc.ListServiceQuotas)
	Handle(s, "servicequotas", "ListAWSDefaultServiceQuotas", svc.ListAWSDefaultServiceQuotas)
	Handle(s, "servicequotas", "ListServices", svc.ListServices)
	Handle(s, "servicequotas", "RequestServiceQuotaIncrease", svc.RequestServiceQuotaIncrease)
	Handle(s, "servicequotas", "GetRequestedServiceQuotaChange", svc.GetRequestedServiceQuotaChange)
	Handle(s, "servicequotas", "ListRequestedServiceQuotaChangeHistory", svc.ListRequestedServiceQuotaChangeHistory)
	Handle(s, "servicequotas", "ListRequestedServiceQuotaChangeHistoryByQuota", svc.ListRequestedServiceQuotaChangeHistoryByQuota)
}
