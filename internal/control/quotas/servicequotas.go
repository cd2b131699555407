package quotas

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	sq "vpcd/internal/aws/servicequotas"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// CheckQuotas reports an error for a starting value (by "SERVICE/CODE") of a quota
// vpcd does not know, or one that is not a whole number of at least 0.
func CheckQuotas(start map[string]float64) error {
	for k, v := range start {
		service, code, _ := strings.Cut(k, "/")
		if _, err := kit.LookupQuota(service, code); err != nil {
			return fmt.Errorf("quota %s: unknown (known: %s)", k, strings.Join(quotaKeys(), ", "))
		}
		if v < 0 || v != math.Trunc(v) || v > 1e10 {
			return fmt.Errorf("quota %s: value %s is not a whole number between 0 and 10000000000", k, number(v))
		}
	}
	return nil
}

func quotaKeys() []string {
	out := make([]string, len(kit.QuotaList))
	for i, q := range kit.QuotaList {
		out[i] = q.Key()
	}
	return out
}

// number prints a quota value as people write it: 1000000, 2.5.
func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func errIllegalArgument(format string, args ...any) error {
	return ec2.Errorf("IllegalArgumentException", format, args...)
}

func quotaRequestPrefix(c kit.Caller) string { return c.Account + "/" + c.Region + "/quotarequest/" }

// GetServiceQuota answers the caller's value of a quota.
func (s *Quotas) GetServiceQuota(ctx context.Context, c kit.Caller, in *sq.GetServiceQuotaRequest) (*sq.GetServiceQuotaResponse, error) {
	q, err := kit.LookupQuota(kit.Deref(in.ServiceCode), kit.Deref(in.QuotaCode))
	if err != nil {
		return nil, err
	}
	var v float64
	err = s.View(ctx, func(t *kit.Txn) error {
		v, err = s.QuotaValue(t, c, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &sq.GetServiceQuotaResponse{Quota: kit.Ptr(c.ServiceQuota(q, v, true))}, nil
}

// GetAWSDefaultServiceQuota answers AWS's default value of a quota.
func (s *Quotas) GetAWSDefaultServiceQuota(ctx context.Context, c kit.Caller, in *sq.GetAWSDefaultServiceQuotaRequest) (*sq.GetAWSDefaultServiceQuotaResponse, error) {
	q, err := kit.LookupQuota(kit.Deref(in.ServiceCode), kit.Deref(in.QuotaCode))
	if err != nil {
		return nil, err
	}
	return &sq.GetAWSDefaultServiceQuotaResponse{Quota: kit.Ptr(c.ServiceQuota(q, q.Default, false))}, nil
}

// ListServiceQuotas lists the caller's values of a service's quotas.
func (s *Quotas) ListServiceQuotas(ctx context.Context, c kit.Caller, in *sq.ListServiceQuotasRequest) (*sq.ListServiceQuotasResponse, error) {
	qs, err := ServiceQuotas(kit.Deref(in.ServiceCode), kit.Deref(in.QuotaCode))
	if err != nil {
		return nil, err
	}
	if l := kit.Deref(in.QuotaAppliedAtLevel); l != "" && l != "ACCOUNT" && l != "RESOURCE" && l != "ALL" {
		return nil, errIllegalArgument("Invalid value for QuotaAppliedAtLevel: %s", l)
	}
	page, next, err := quotaPage(qs, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &sq.ListServiceQuotasResponse{NextToken: next, Quotas: []sq.ServiceQuota{}}
	err = s.View(ctx, func(t *kit.Txn) error {
		for _, q := range page {
			v, err := s.QuotaValue(t, c, q)
			if err != nil {
				return err
			}
			out.Quotas = append(out.Quotas, c.ServiceQuota(q, v, true))
		}
		return nil
	})
	return out, err
}

// ListAWSDefaultServiceQuotas lists AWS's default values of a service's quotas.
func (s *Quotas) ListAWSDefaultServiceQuotas(ctx context.Context, c kit.Caller, in *sq.ListAWSDefaultServiceQuotasRequest) (*sq.ListAWSDefaultServiceQuotasResponse, error) {
	qs, err := ServiceQuotas(kit.Deref(in.ServiceCode), "")
	if err != nil {
		return nil, err
	}
	page, next, err := quotaPage(qs, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &sq.ListAWSDefaultServiceQuotasResponse{NextToken: next, Quotas: []sq.ServiceQuota{}}
	for _, q := range page {
		out.Quotas = append(out.Quotas, c.ServiceQuota(q, q.Default, false))
	}
	return out, nil
}

// ListServices lists the services whose quotas vpcd knows.
func (s *Quotas) ListServices(ctx context.Context, c kit.Caller, in *sq.ListServicesRequest) (*sq.ListServicesResponse, error) {
	page, next, err := quotaPage(kit.QuotaServiceCodeSorted, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &sq.ListServicesResponse{NextToken: next, Services: []sq.ServiceInfo{}}
	for _, code := range page {
		out.Services = append(out.Services, sq.ServiceInfo{ServiceCode: kit.Ptr(code), ServiceName: kit.Ptr(kit.QuotaServiceNames[code])})
	}
	return out, nil
}

// ServiceQuotas are a service's quotas, or the one code names.
func ServiceQuotas(service, code string) ([]kit.Quota, error) {
	if _, ok := kit.QuotaServiceNames[service]; !ok {
		return nil, kit.ErrNoSuchResource("The request failed because the specified service does not exist.")
	}
	if code != "" {
		q, err := kit.LookupQuota(service, code)
		return []kit.Quota{q}, err
	}
	var out []kit.Quota
	for _, q := range kit.QuotaList {
		if q.Service == service {
			out = append(out, q)
		}
	}
	return out, nil
}

// quotaPage cuts one page of all: the token is the index of the page's first item.
func quotaPage[T any](all []T, maxResults *int32, token *string) ([]T, *string, error) {
	n := 100
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 100 {
			return nil, nil, errIllegalArgument("Invalid value for MaxResults: %d. It must be between 1 and 100.", *maxResults)
		}
		n = int(*maxResults)
	}
	from := 0
	if token != nil {
		i, err := strconv.Atoi(*token)
		if err != nil || i < 0 || i > len(all) {
			return nil, nil, errInvalidPaginationToken()
		}
		from = i
	}
	to := min(from+n, len(all))
	var next *string
	if to < len(all) {
		next = kit.Ptr(strconv.Itoa(to))
	}
	return all[from:to], next, nil
}

// RequestServiceQuotaIncrease raises the caller's value of a quota, approved at once.
func (s *Quotas) RequestServiceQuotaIncrease(ctx context.Context, c kit.Caller, in *sq.RequestServiceQuotaIncreaseRequest) (*sq.RequestServiceQuotaIncreaseResponse, error) {
	q, err := kit.LookupQuota(kit.Deref(in.ServiceCode), kit.Deref(in.QuotaCode))
	if err != nil {
		return nil, err
	}
	if in.ContextId != nil {
		return nil, errIllegalArgument("The quota %s is not applied at the resource level.", q.Code)
	}
	desired := kit.Deref(in.DesiredValue)
	if math.IsNaN(desired) || desired < 0 || desired > 1e10 {
		return nil, errIllegalArgument("Invalid value for DesiredValue: %s", number(desired))
	}
	now := s.Now().UTC().Truncate(time.Millisecond)
	rec := &kit.QuotaRequestRecord{Service: q.Service, Code: q.Code, Desired: desired, Status: "APPROVED", Created: now, LastUpdated: now}
	err = s.Update(ctx, func(t *kit.Txn) error {
		rec.ID = newQuotaRequestID()
		var a kit.AccountQuotas
		if _, err := t.Get(kit.AccountQuotasKey(c), &a); err != nil {
			return err
		}
		current, ok := a.Values[q.Key()]
		if !ok {
			current = s.StartQuota(q)
		}
		if desired <= current {
			return errIllegalArgument("The requested value %s is less than or equal to the current value %s of quota %s.", number(desired), number(current), q.Code)
		}
		if a.Values == nil {
			a.Values = map[string]float64{}
		}
		a.Values[q.Key()] = desired
		if err := t.Put(kit.AccountQuotasKey(c), a); err != nil {
			return err
		}
		return t.Put(quotaRequestPrefix(c)+rec.ID, rec)
	})
	if err != nil {
		return nil, err
	}
	return &sq.RequestServiceQuotaIncreaseResponse{RequestedQuota: kit.Ptr(c.RequestedChange(rec))}, nil
}

func newQuotaRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// GetRequestedServiceQuotaChange answers one increase request.
func (s *Quotas) GetRequestedServiceQuotaChange(ctx context.Context, c kit.Caller, in *sq.GetRequestedServiceQuotaChangeRequest) (*sq.GetRequestedServiceQuotaChangeResponse, error) {
	id := kit.Deref(in.RequestId)
	if id == "" || strings.Contains(id, "/") {
		return nil, kit.ErrNoSuchResource("The request failed because the specified request does not exist.")
	}
	var r kit.QuotaRequestRecord
	var found bool
	err := s.View(ctx, func(t *kit.Txn) (err error) {
		found, err = t.Get(quotaRequestPrefix(c)+id, &r)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, kit.ErrNoSuchResource("The request failed because the specified request does not exist.")
	}
	return &sq.GetRequestedServiceQuotaChangeResponse{RequestedQuota: kit.Ptr(c.RequestedChange(&r))}, nil
}

// quotaRequestStatuses are the statuses AWS's model names.
var quotaRequestStatuses = []string{"PENDING", "CASE_OPENED", "APPROVED", "DENIED", "CASE_CLOSED", "NOT_APPROVED", "INVALID_REQUEST"}

// listQuotaRequests lists the caller's requests, oldest first, of a service (any when
// ""), a quota (any when "") and a status (any when nil).
func (s *Quotas) listQuotaRequests(ctx context.Context, c kit.Caller, service, code string, status, level *string, maxResults *int32, token *string) ([]sq.RequestedServiceQuotaChange, *string, error) {
	if service != "" {
		if _, ok := kit.QuotaServiceNames[service]; !ok {
			return nil, nil, kit.ErrNoSuchResource("The request failed because the specified service does not exist.")
		}
	}
	if code != "" {
		if _, err := kit.LookupQuota(service, code); err != nil {
			return nil, nil, err
		}
	}
	if status != nil && !slices.Contains(quotaRequestStatuses, *status) {
		return nil, nil, errIllegalArgument("Invalid value for Status: %s", *status)
	}
	if l := kit.Deref(level); l != "" && l != "ACCOUNT" && l != "RESOURCE" && l != "ALL" {
		return nil, nil, errIllegalArgument("Invalid value for QuotaRequestedAtLevel: %s", l)
	}
	var all []*kit.QuotaRequestRecord
	err := s.View(ctx, func(t *kit.Txn) (err error) {
		all, err = kit.ListAll[kit.QuotaRequestRecord](t, quotaRequestPrefix(c))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	all = slices.DeleteFunc(all, func(r *kit.QuotaRequestRecord) bool {
		return (service != "" && r.Service != service) || (code != "" && r.Code != code) || (status != nil && r.Status != *status)
	})
	slices.SortStableFunc(all, func(a, b *kit.QuotaRequestRecord) int { return a.Created.Compare(b.Created) })
	page, next, err := quotaPage(all, maxResults, token)
	if err != nil {
		return nil, nil, err
	}
	out := []sq.RequestedServiceQuotaChange{}
	for _, r := range page {
		out = append(out, c.RequestedChange(r))
	}
	return out, next, nil
}

// ListRequestedServiceQuotaChangeHistory lists the caller's increase requests.
func (s *Quotas) ListRequestedServiceQuotaChangeHistory(ctx context.Context, c kit.Caller, in *sq.ListRequestedServiceQuotaChangeHistoryRequest) (*sq.ListRequestedServiceQuotaChangeHistoryResponse, error) {
	rs, next, err := s.listQuotaRequests(ctx, c, kit.Deref(in.ServiceCode), "", in.Status, in.QuotaRequestedAtLevel, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &sq.ListRequestedServiceQuotaChangeHistoryResponse{RequestedQuotas: rs, NextToken: next}, nil
}

// ListRequestedServiceQuotaChangeHistoryByQuota lists the caller's increase requests of
// one quota.
func (s *Quotas) ListRequestedServiceQuotaChangeHistoryByQuota(ctx context.Context, c kit.Caller, in *sq.ListRequestedServiceQuotaChangeHistoryByQuotaRequest) (*sq.ListRequestedServiceQuotaChangeHistoryByQuotaResponse, error) {
	if _, err := kit.LookupQuota(kit.Deref(in.ServiceCode), kit.Deref(in.QuotaCode)); err != nil {
		return nil, err
	}
	rs, next, err := s.listQuotaRequests(ctx, c, kit.Deref(in.ServiceCode), kit.Deref(in.QuotaCode), in.Status, in.QuotaRequestedAtLevel, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &sq.ListRequestedServiceQuotaChangeHistoryByQuotaResponse{RequestedQuotas: rs, NextToken: next}, nil
}

func errInvalidPaginationToken() error {
	return ec2.Errorf("InvalidPaginationTokenException", "Invalid pagination token.")
}
