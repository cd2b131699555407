package control

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

	"vpcd/internal/aws"
	sq "vpcd/internal/aws/servicequotas"
	"vpcd/internal/ec2"
)

// Service Quotas: the quotas vpcd enforces, by AWS's service and quota codes, each with
// AWS's default value. An account's value in a region is the one its last approved
// increase set, else the starting value vpcd was configured with (--quota), else AWS's
// default. Increases are approved at once. The checks read the account's value inside
// their transaction, so an increase and a create that counts against it cannot cross.

// quota is one quota vpcd enforces.
type quota struct {
	Service string // ec2, vpc
	Code    string // L-...
	Name    string
	Default float64 // AWS's
	// Start is vpcd's starting value when not AWS's default: for the quotas that vpcd
	// did not enforce, or enforced more loosely, before they could be raised, so that
	// suites written for it keep running (--quota vpc/L-F678F1CE=5 gives AWS's).
	Start float64
}

// unboundedStart is the Start of a quota that vpcd leaves unbounded unless configured.
const unboundedStart = 1_000_000

func (q quota) key() string { return q.Service + "/" + q.Code }

// The quotas, with AWS's codes, names and default values.
var (
	quotaElasticIPs        = quota{"ec2", "L-0263D0A3", "EC2-VPC Elastic IPs", 5, 0}
	quotaStandardVcpus     = quota{"ec2", "L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", 5, unboundedStart}
	quotaVpcs              = quota{"vpc", "L-F678F1CE", "VPCs per Region", 5, unboundedStart}
	quotaVpcCidrBlocks     = quota{"vpc", "L-83CA0A9D", "IPv4 CIDR blocks per VPC", 5, 0}
	quotaSecurityGroups    = quota{"vpc", "L-E79EC296", "VPC security groups per Region", 2500, 0}
	quotaNatGatewaysPerAZ  = quota{"vpc", "L-FE5A380F", "NAT gateways per Availability Zone", 5, 0}
	quotaACLRules          = quota{"vpc", "L-2AEEBF1A", "Rules per network ACL", 20, 0}
	quotaRulesPerGroup     = quota{"vpc", "L-0EA8095F", "Inbound or outbound rules per security group", 60, 0}
	quotaGroupsPerENI      = quota{"vpc", "L-2AFB9258", "Security groups per network interface", 5, 0}
	quotaList              = []quota{quotaElasticIPs, quotaStandardVcpus, quotaVpcs, quotaVpcCidrBlocks, quotaSecurityGroups, quotaNatGatewaysPerAZ, quotaACLRules, quotaRulesPerGroup, quotaGroupsPerENI}
	quotaServiceNames      = map[string]string{"ec2": "Amazon Elastic Compute Cloud (Amazon EC2)", "vpc": "Amazon Virtual Private Cloud (Amazon VPC)"}
	quotaServiceCodeSorted = []string{"ec2", "vpc"}
)

// lookupQuota finds a quota by its codes, with Service Quotas' errors.
func lookupQuota(service, code string) (quota, error) {
	if _, ok := quotaServiceNames[service]; !ok {
		return quota{}, errNoSuchResource("The request failed because the specified service does not exist.")
	}
	for _, q := range quotaList {
		if q.Service == service && q.Code == code {
			return q, nil
		}
	}
	return quota{}, errNoSuchResource("The request failed because the specified quota does not exist.")
}

// CheckQuotas reports an error for a starting value (by "SERVICE/CODE") of a quota
// vpcd does not know, or one that is not a whole number of at least 0.
func CheckQuotas(start map[string]float64) error {
	for k, v := range start {
		service, code, _ := strings.Cut(k, "/")
		if _, err := lookupQuota(service, code); err != nil {
			return fmt.Errorf("quota %s: unknown (known: %s)", k, strings.Join(quotaKeys(), ", "))
		}
		if v < 0 || v != math.Trunc(v) || v > 1e10 {
			return fmt.Errorf("quota %s: value %s is not a whole number between 0 and 10000000000", k, number(v))
		}
	}
	return nil
}

func quotaKeys() []string {
	out := make([]string, len(quotaList))
	for i, q := range quotaList {
		out[i] = q.key()
	}
	return out
}

// number prints a quota value as people write it: 1000000, 2.5.
func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func errNoSuchResource(msg string) error { return ec2.Errorf("NoSuchResourceException", "%s", msg) }

func errIllegalArgument(format string, args ...any) error {
	return ec2.Errorf("IllegalArgumentException", format, args...)
}

// accountQuotas is what an account's approved increases set, by "SERVICE/CODE".
type accountQuotas struct {
	Values map[string]float64 `json:"values"`
}

func accountQuotasKey(c Caller) string { return c.Account + "/" + c.Region + "/account/quotas" }

// quotaRequestRecord is one increase request; its ID is Service Quotas' (32 hex digits),
// so its key is built here rather than from the ID's kind.
type quotaRequestRecord struct {
	ID          string    `json:"id"`
	Service     string    `json:"service"`
	Code        string    `json:"code"`
	Desired     float64   `json:"desired"`
	Status      string    `json:"status"`
	Created     time.Time `json:"created"`
	LastUpdated time.Time `json:"lastUpdated"`
}

func quotaRequestPrefix(c Caller) string { return c.Account + "/" + c.Region + "/quotarequest/" }

// startQuota is the value of q for an account that never raised it.
func (s *Service) startQuota(q quota) float64 {
	if v, ok := s.quotaStart[q.key()]; ok {
		return v
	}
	if q.Start != 0 {
		return q.Start
	}
	return q.Default
}

// quotaValue is the caller's value of q, read in t: a raise commits only if no check
// read the old value meanwhile.
func (s *Service) quotaValue(t *txn, c Caller, q quota) (float64, error) {
	var a accountQuotas
	if _, err := t.get(accountQuotasKey(c), &a); err != nil {
		return 0, err
	}
	if v, ok := a.Values[q.key()]; ok {
		return v, nil
	}
	return s.startQuota(q), nil
}

// quotaLimit is quotaValue as a count.
func (s *Service) quotaLimit(t *txn, c Caller, q quota) (int, error) {
	v, err := s.quotaValue(t, c, q)
	return int(min(v, math.MaxInt32)), err
}

func (c Caller) quotaArn(q quota, withAccount bool) string {
	account := ""
	if withAccount {
		account = c.Account
	}
	return "arn:aws:servicequotas:" + c.Region + ":" + account + ":" + q.Service + "/" + q.Code
}

func (c Caller) serviceQuota(q quota, value float64, withAccount bool) sq.ServiceQuota {
	out := sq.ServiceQuota{
		ServiceCode: ptr(q.Service), ServiceName: ptr(quotaServiceNames[q.Service]),
		QuotaArn: ptr(c.quotaArn(q, withAccount)), QuotaCode: ptr(q.Code), QuotaName: ptr(q.Name),
		Value: ptr(value), Unit: ptr("None"), Adjustable: ptr(true), GlobalQuota: ptr(false),
	}
	if withAccount {
		out.QuotaAppliedAtLevel = ptr("ACCOUNT")
	}
	return out
}

// GetServiceQuota answers the caller's value of a quota.
func (s *Service) GetServiceQuota(ctx context.Context, c Caller, in *sq.GetServiceQuotaRequest) (*sq.GetServiceQuotaResponse, error) {
	q, err := lookupQuota(deref(in.ServiceCode), deref(in.QuotaCode))
	if err != nil {
		return nil, err
	}
	var v float64
	err = s.view(ctx, func(t *txn) error {
		v, err = s.quotaValue(t, c, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &sq.GetServiceQuotaResponse{Quota: ptr(c.serviceQuota(q, v, true))}, nil
}

// GetAWSDefaultServiceQuota answers AWS's default value of a quota.
func (s *Service) GetAWSDefaultServiceQuota(ctx context.Context, c Caller, in *sq.GetAWSDefaultServiceQuotaRequest) (*sq.GetAWSDefaultServiceQuotaResponse, error) {
	q, err := lookupQuota(deref(in.ServiceCode), deref(in.QuotaCode))
	if err != nil {
		return nil, err
	}
	return &sq.GetAWSDefaultServiceQuotaResponse{Quota: ptr(c.serviceQuota(q, q.Default, false))}, nil
}

// ListServiceQuotas lists the caller's values of a service's quotas.
func (s *Service) ListServiceQuotas(ctx context.Context, c Caller, in *sq.ListServiceQuotasRequest) (*sq.ListServiceQuotasResponse, error) {
	qs, err := serviceQuotas(deref(in.ServiceCode), deref(in.QuotaCode))
	if err != nil {
		return nil, err
	}
	if l := deref(in.QuotaAppliedAtLevel); l != "" && l != "ACCOUNT" && l != "RESOURCE" && l != "ALL" {
		return nil, errIllegalArgument("Invalid value for QuotaAppliedAtLevel: %s", l)
	}
	page, next, err := quotaPage(qs, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &sq.ListServiceQuotasResponse{NextToken: next, Quotas: []sq.ServiceQuota{}}
	err = s.view(ctx, func(t *txn) error {
		for _, q := range page {
			v, err := s.quotaValue(t, c, q)
			if err != nil {
				return err
			}
			out.Quotas = append(out.Quotas, c.serviceQuota(q, v, true))
		}
		return nil
	})
	return out, err
}

// ListAWSDefaultServiceQuotas lists AWS's default values of a service's quotas.
func (s *Service) ListAWSDefaultServiceQuotas(ctx context.Context, c Caller, in *sq.ListAWSDefaultServiceQuotasRequest) (*sq.ListAWSDefaultServiceQuotasResponse, error) {
	qs, err := serviceQuotas(deref(in.ServiceCode), "")
	if err != nil {
		return nil, err
	}
	page, next, err := quotaPage(qs, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &sq.ListAWSDefaultServiceQuotasResponse{NextToken: next, Quotas: []sq.ServiceQuota{}}
	for _, q := range page {
		out.Quotas = append(out.Quotas, c.serviceQuota(q, q.Default, false))
	}
	return out, nil
}

// ListServices lists the services whose quotas vpcd knows.
func (s *Service) ListServices(ctx context.Context, c Caller, in *sq.ListServicesRequest) (*sq.ListServicesResponse, error) {
	page, next, err := quotaPage(quotaServiceCodeSorted, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &sq.ListServicesResponse{NextToken: next, Services: []sq.ServiceInfo{}}
	for _, code := range page {
		out.Services = append(out.Services, sq.ServiceInfo{ServiceCode: ptr(code), ServiceName: ptr(quotaServiceNames[code])})
	}
	return out, nil
}

// serviceQuotas are a service's quotas, or the one code names.
func serviceQuotas(service, code string) ([]quota, error) {
	if _, ok := quotaServiceNames[service]; !ok {
		return nil, errNoSuchResource("The request failed because the specified service does not exist.")
	}
	if code != "" {
		q, err := lookupQuota(service, code)
		return []quota{q}, err
	}
	var out []quota
	for _, q := range quotaList {
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
		next = ptr(strconv.Itoa(to))
	}
	return all[from:to], next, nil
}

// RequestServiceQuotaIncrease raises the caller's value of a quota, approved at once.
func (s *Service) RequestServiceQuotaIncrease(ctx context.Context, c Caller, in *sq.RequestServiceQuotaIncreaseRequest) (*sq.RequestServiceQuotaIncreaseResponse, error) {
	q, err := lookupQuota(deref(in.ServiceCode), deref(in.QuotaCode))
	if err != nil {
		return nil, err
	}
	if in.ContextId != nil {
		return nil, errIllegalArgument("The quota %s is not applied at the resource level.", q.Code)
	}
	desired := deref(in.DesiredValue)
	if math.IsNaN(desired) || desired < 0 || desired > 1e10 {
		return nil, errIllegalArgument("Invalid value for DesiredValue: %s", number(desired))
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	rec := &quotaRequestRecord{Service: q.Service, Code: q.Code, Desired: desired, Status: "APPROVED", Created: now, LastUpdated: now}
	err = s.update(ctx, func(t *txn) error {
		rec.ID = newQuotaRequestID()
		var a accountQuotas
		if _, err := t.get(accountQuotasKey(c), &a); err != nil {
			return err
		}
		current, ok := a.Values[q.key()]
		if !ok {
			current = s.startQuota(q)
		}
		if desired <= current {
			return errIllegalArgument("The requested value %s is less than or equal to the current value %s of quota %s.", number(desired), number(current), q.Code)
		}
		if a.Values == nil {
			a.Values = map[string]float64{}
		}
		a.Values[q.key()] = desired
		if err := t.put(accountQuotasKey(c), a); err != nil {
			return err
		}
		return t.put(quotaRequestPrefix(c)+rec.ID, rec)
	})
	if err != nil {
		return nil, err
	}
	return &sq.RequestServiceQuotaIncreaseResponse{RequestedQuota: ptr(c.requestedChange(rec))}, nil
}

func newQuotaRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (c Caller) requestedChange(r *quotaRequestRecord) sq.RequestedServiceQuotaChange {
	q, _ := lookupQuota(r.Service, r.Code)
	return sq.RequestedServiceQuotaChange{
		Id: ptr(r.ID), ServiceCode: ptr(q.Service), ServiceName: ptr(quotaServiceNames[q.Service]),
		QuotaCode: ptr(q.Code), QuotaName: ptr(q.Name), QuotaArn: ptr(c.quotaArn(q, true)),
		DesiredValue: ptr(r.Desired), Status: ptr(r.Status), Unit: ptr("None"), GlobalQuota: ptr(false),
		Created: &aws.Time{Time: r.Created}, LastUpdated: &aws.Time{Time: r.LastUpdated},
		Requester: ptr("arn:aws:iam::" + c.Account + ":root"), QuotaRequestedAtLevel: ptr("ACCOUNT"),
	}
}

// GetRequestedServiceQuotaChange answers one increase request.
func (s *Service) GetRequestedServiceQuotaChange(ctx context.Context, c Caller, in *sq.GetRequestedServiceQuotaChangeRequest) (*sq.GetRequestedServiceQuotaChangeResponse, error) {
	id := deref(in.RequestId)
	if id == "" || strings.Contains(id, "/") {
		return nil, errNoSuchResource("The request failed because the specified request does not exist.")
	}
	var r quotaRequestRecord
	var found bool
	err := s.view(ctx, func(t *txn) (err error) {
		found, err = t.get(quotaRequestPrefix(c)+id, &r)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errNoSuchResource("The request failed because the specified request does not exist.")
	}
	return &sq.GetRequestedServiceQuotaChangeResponse{RequestedQuota: ptr(c.requestedChange(&r))}, nil
}

// quotaRequestStatuses are the statuses AWS's model names.
var quotaRequestStatuses = []string{"PENDING", "CASE_OPENED", "APPROVED", "DENIED", "CASE_CLOSED", "NOT_APPROVED", "INVALID_REQUEST"}

// listQuotaRequests lists the caller's requests, oldest first, of a service (any when
// ""), a quota (any when "") and a status (any when nil).
func (s *Service) listQuotaRequests(ctx context.Context, c Caller, service, code string, status, level *string, maxResults *int32, token *string) ([]sq.RequestedServiceQuotaChange, *string, error) {
	if service != "" {
		if _, ok := quotaServiceNames[service]; !ok {
			return nil, nil, errNoSuchResource("The request failed because the specified service does not exist.")
		}
	}
	if code != "" {
		if _, err := lookupQuota(service, code); err != nil {
			return nil, nil, err
		}
	}
	if status != nil && !slices.Contains(quotaRequestStatuses, *status) {
		return nil, nil, errIllegalArgument("Invalid value for Status: %s", *status)
	}
	if l := deref(level); l != "" && l != "ACCOUNT" && l != "RESOURCE" && l != "ALL" {
		return nil, nil, errIllegalArgument("Invalid value for QuotaRequestedAtLevel: %s", l)
	}
	var all []*quotaRequestRecord
	err := s.view(ctx, func(t *txn) (err error) {
		all, err = listAll[quotaRequestRecord](t, quotaRequestPrefix(c))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	all = slices.DeleteFunc(all, func(r *quotaRequestRecord) bool {
		return (service != "" && r.Service != service) || (code != "" && r.Code != code) || (status != nil && r.Status != *status)
	})
	slices.SortStableFunc(all, func(a, b *quotaRequestRecord) int { return a.Created.Compare(b.Created) })
	page, next, err := quotaPage(all, maxResults, token)
	if err != nil {
		return nil, nil, err
	}
	out := []sq.RequestedServiceQuotaChange{}
	for _, r := range page {
		out = append(out, c.requestedChange(r))
	}
	return out, next, nil
}

// ListRequestedServiceQuotaChangeHistory lists the caller's increase requests.
func (s *Service) ListRequestedServiceQuotaChangeHistory(ctx context.Context, c Caller, in *sq.ListRequestedServiceQuotaChangeHistoryRequest) (*sq.ListRequestedServiceQuotaChangeHistoryResponse, error) {
	rs, next, err := s.listQuotaRequests(ctx, c, deref(in.ServiceCode), "", in.Status, in.QuotaRequestedAtLevel, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &sq.ListRequestedServiceQuotaChangeHistoryResponse{RequestedQuotas: rs, NextToken: next}, nil
}

// ListRequestedServiceQuotaChangeHistoryByQuota lists the caller's increase requests of
// one quota.
func (s *Service) ListRequestedServiceQuotaChangeHistoryByQuota(ctx context.Context, c Caller, in *sq.ListRequestedServiceQuotaChangeHistoryByQuotaRequest) (*sq.ListRequestedServiceQuotaChangeHistoryByQuotaResponse, error) {
	if _, err := lookupQuota(deref(in.ServiceCode), deref(in.QuotaCode)); err != nil {
		return nil, err
	}
	rs, next, err := s.listQuotaRequests(ctx, c, deref(in.ServiceCode), deref(in.QuotaCode), in.Status, in.QuotaRequestedAtLevel, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &sq.ListRequestedServiceQuotaChangeHistoryByQuotaResponse{RequestedQuotas: rs, NextToken: next}, nil
}

// vpcsKey is rewritten by every CreateVpc, so that two of them cannot both take the last
// place under the quota.
func vpcsKey(c Caller) string { return c.Account + "/" + c.Region + "/account/vpcs" }

// checkVpcRoom fails unless one more VPC fits under the caller's quota; the default VPC
// counts, as on AWS.
func (s *Service) checkVpcRoom(t *txn, c Caller) error {
	limit, err := s.quotaLimit(t, c, quotaVpcs)
	if err != nil || limit >= unboundedStart {
		// vpcd's own starting value bounds nothing: counting would cost every CreateVpc
		// a list of the account's VPCs and make concurrent ones conflict.
		return err
	}
	var marker struct {
		Writes int64 `json:"writes"`
	}
	if _, err := t.get(vpcsKey(c), &marker); err != nil {
		return err
	}
	marker.Writes++
	if err := t.put(vpcsKey(c), marker); err != nil {
		return err
	}
	n := 0
	err = t.list(c.prefix("vpc"), func(string, []byte) error { n++; return nil })
	if err != nil {
		return err
	}
	if n >= limit {
		return ec2.ErrVpcLimitExceeded("The maximum number of VPCs has been reached.")
	}
	return nil
}

func errInvalidPaginationToken() error {
	return ec2.Errorf("InvalidPaginationTokenException", "Invalid pagination token.")
}
