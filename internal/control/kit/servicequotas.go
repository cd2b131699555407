package kit

import (
	"math"
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

// Quota is one quota vpcd enforces.
type Quota struct {
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

func (q Quota) Key() string { return q.Service + "/" + q.Code }

// The quotas, with AWS's codes, names and default values.
var (
	QuotaElasticIPs       = Quota{"ec2", "L-0263D0A3", "EC2-VPC Elastic IPs", 5, 0}
	QuotaStandardVcpus    = Quota{"ec2", "L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", 5, unboundedStart}
	QuotaVpcs             = Quota{"vpc", "L-F678F1CE", "VPCs per Region", 5, unboundedStart}
	QuotaVpcCidrBlocks    = Quota{"vpc", "L-83CA0A9D", "IPv4 CIDR blocks per VPC", 5, 0}
	QuotaSecurityGroups   = Quota{"vpc", "L-E79EC296", "VPC security groups per Region", 2500, 0}
	QuotaNatGatewaysPerAZ = Quota{"vpc", "L-FE5A380F", "NAT gateways per Availability Zone", 5, 0}
	QuotaACLRules         = Quota{"vpc", "L-2AEEBF1A", "Rules per network ACL", 20, 0}
	quotaRulesPerGroup    = Quota{"vpc", "L-0EA8095F", "Inbound or outbound rules per security group", 60, 0}
	QuotaGroupsPerENI     = Quota{"vpc", "L-2AFB9258", "Security groups per network interface", 5, 0}
	QuotaGatewayEndpoints = Quota{"vpc", "L-1B52E74A", "Gateway VPC endpoints per Region", 20, 0}
	QuotaTransitGateways  = Quota{"ec2", "L-A2478D36", "Transit gateways per account", 5, 0}
	QuotaTgwRouteTables   = Quota{"ec2", "L-43872EB7", "Transit gateway route tables per transit gateway", 20, 0}
	// Elastic Load Balancing's (control/elb), also answered by its DescribeAccountLimits.
	QuotaNetworkLoadBalancers = Quota{"elasticloadbalancing", "L-69A177A2", "Network Load Balancers per Region", 50, 0}
	QuotaTargetGroups         = Quota{"elasticloadbalancing", "L-B22855CB", "Target Groups per Region", 3000, 0}
	QuotaList                 = []Quota{QuotaElasticIPs, QuotaStandardVcpus, QuotaVpcs, QuotaVpcCidrBlocks, QuotaSecurityGroups, QuotaNatGatewaysPerAZ, QuotaACLRules, quotaRulesPerGroup, QuotaGroupsPerENI, QuotaGatewayEndpoints, QuotaTransitGateways, QuotaTgwRouteTables, QuotaNetworkLoadBalancers, QuotaTargetGroups}
	QuotaServiceNames         = map[string]string{"ec2": "Amazon Elastic Compute Cloud (Amazon EC2)", "vpc": "Amazon Virtual Private Cloud (Amazon VPC)", "elasticloadbalancing": "Elastic Load Balancing (ELB)"}
	QuotaServiceCodeSorted    = []string{"ec2", "elasticloadbalancing", "vpc"}
)

// LookupQuota finds a quota by its codes, with Service Quotas' errors.
func LookupQuota(service, code string) (Quota, error) {
	if _, ok := QuotaServiceNames[service]; !ok {
		return Quota{}, ErrNoSuchResource("The request failed because the specified service does not exist.")
	}
	for _, q := range QuotaList {
		if q.Service == service && q.Code == code {
			return q, nil
		}
	}
	return Quota{}, ErrNoSuchResource("The request failed because the specified quota does not exist.")
}

func ErrNoSuchResource(msg string) error { return ec2.Errorf("NoSuchResourceException", "%s", msg) }

// AccountQuotas is what an account's approved increases set, by "SERVICE/CODE".
type AccountQuotas struct {
	Values map[string]float64 `json:"values"`
}

func AccountQuotasKey(c Caller) string { return c.Account + "/" + c.Region + "/account/quotas" }

// QuotaRequestRecord is one increase request; its ID is Service Quotas' (32 hex digits),
// so its key is built here rather than from the ID's kind.
type QuotaRequestRecord struct {
	ID          string    `json:"id"`
	Service     string    `json:"service"`
	Code        string    `json:"code"`
	Desired     float64   `json:"desired"`
	Status      string    `json:"status"`
	Created     time.Time `json:"created"`
	LastUpdated time.Time `json:"lastUpdated"`
}

// StartQuota is the value of q for an account that never raised it.
func (s *Kit) StartQuota(q Quota) float64 {
	if v, ok := s.QuotaStart[q.Key()]; ok {
		return v
	}
	if q.Start != 0 {
		return q.Start
	}
	return q.Default
}

// QuotaValue is the caller's value of q, read in t: a raise commits only if no check
// read the old value meanwhile.
func (s *Kit) QuotaValue(t *Txn, c Caller, q Quota) (float64, error) {
	var a AccountQuotas
	if _, err := t.Get(AccountQuotasKey(c), &a); err != nil {
		return 0, err
	}
	if v, ok := a.Values[q.Key()]; ok {
		return v, nil
	}
	return s.StartQuota(q), nil
}

// QuotaLimit is quotaValue as a count.
func (s *Kit) QuotaLimit(t *Txn, c Caller, q Quota) (int, error) {
	v, err := s.QuotaValue(t, c, q)
	return int(min(v, math.MaxInt32)), err
}

func (c Caller) quotaArn(q Quota, withAccount bool) string {
	account := ""
	if withAccount {
		account = c.Account
	}
	return "arn:aws:servicequotas:" + c.Region + ":" + account + ":" + q.Service + "/" + q.Code
}

func (c Caller) ServiceQuota(q Quota, value float64, withAccount bool) sq.ServiceQuota {
	out := sq.ServiceQuota{
		ServiceCode: Ptr(q.Service), ServiceName: Ptr(QuotaServiceNames[q.Service]),
		QuotaArn: Ptr(c.quotaArn(q, withAccount)), QuotaCode: Ptr(q.Code), QuotaName: Ptr(q.Name),
		Value: Ptr(value), Unit: Ptr("None"), Adjustable: Ptr(true), GlobalQuota: Ptr(false),
	}
	if withAccount {
		out.QuotaAppliedAtLevel = Ptr("ACCOUNT")
	}
	return out
}

func (c Caller) RequestedChange(r *QuotaRequestRecord) sq.RequestedServiceQuotaChange {
	q, _ := LookupQuota(r.Service, r.Code)
	return sq.RequestedServiceQuotaChange{
		Id: Ptr(r.ID), ServiceCode: Ptr(q.Service), ServiceName: Ptr(QuotaServiceNames[q.Service]),
		QuotaCode: Ptr(q.Code), QuotaName: Ptr(q.Name), QuotaArn: Ptr(c.quotaArn(q, true)),
		DesiredValue: Ptr(r.Desired), Status: Ptr(r.Status), Unit: Ptr("None"), GlobalQuota: Ptr(false),
		Created: &aws.Time{Time: r.Created}, LastUpdated: &aws.Time{Time: r.LastUpdated},
		Requester: Ptr("arn:aws:iam::" + c.Account + ":root"), QuotaRequestedAtLevel: Ptr("ACCOUNT"),
	}
}

// vpcsKey is rewritten by every CreateVpc, so that two of them cannot both take the last
// place under the quota.
func vpcsKey(c Caller) string { return c.Account + "/" + c.Region + "/account/vpcs" }

// CheckVpcRoom fails unless one more VPC fits under the caller's quota; the default VPC
// counts, as on AWS.
func (s *Kit) CheckVpcRoom(t *Txn, c Caller) error {
	limit, err := s.QuotaLimit(t, c, QuotaVpcs)
	if err != nil || limit >= unboundedStart {
		// vpcd's own starting value bounds nothing: counting would cost every CreateVpc
		// a list of the account's VPCs and make concurrent ones conflict.
		return err
	}
	var marker struct {
		Writes int64 `json:"writes"`
	}
	if _, err := t.Get(vpcsKey(c), &marker); err != nil {
		return err
	}
	marker.Writes++
	if err := t.Put(vpcsKey(c), marker); err != nil {
		return err
	}
	n := 0
	err = t.List(c.Prefix("vpc"), func(string, []byte) error { n++; return nil })
	if err != nil {
		return err
	}
	if n >= limit {
		return ec2.ErrVpcLimitExceeded("The maximum number of VPCs has been reached.")
	}
	return nil
}
