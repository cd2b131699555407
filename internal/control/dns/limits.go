package dns

import (
	"context"
	"slices"
	"strings"

	"vpcd/internal/aws/route53"
	"vpcd/internal/control/kit"
)

// Route 53's default quotas ("Quotas on entities" in the Route 53 Developer Guide); vpcd
// enforces those of the things it keeps.
const (
	maxHostedZones    = 500   // per account
	maxRecordSets     = 10000 // per hosted zone
	maxZoneVPCs       = 300   // VPCs associated with a private hosted zone
	maxAuthorizations = 100   // VPC association authorizations per hosted zone
)

// accountLimits are GetAccountLimit's types and values; vpcd keeps none of the things
// but hosted zones, so their counts are 0.
var accountLimits = map[string]int64{
	"MAX_HEALTH_CHECKS_BY_OWNER":            200,
	"MAX_HOSTED_ZONES_BY_OWNER":             maxHostedZones,
	"MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER": 5,
	"MAX_REUSABLE_DELEGATION_SETS_BY_OWNER": 100,
	"MAX_TRAFFIC_POLICIES_BY_OWNER":         50,
}

// GetAccountLimit answers one of the account's quotas and how much of it is used.
func (s *DNS) GetAccountLimit(ctx context.Context, c kit.Caller, in *route53.GetAccountLimitRequest) (*route53.GetAccountLimitResponse, error) {
	typ := kit.Deref(in.Type)
	value, ok := accountLimits[typ]
	if !ok {
		types := make([]string, 0, len(accountLimits))
		for t := range accountLimits {
			types = append(types, t)
		}
		slices.Sort(types)
		return nil, errValidation(typ, "type", "Member must satisfy enum value set: ["+strings.Join(types, ", ")+"]")
	}
	var count int64
	if typ == "MAX_HOSTED_ZONES_BY_OWNER" {
		err := s.View(ctx, func(t *kit.Txn) (err error) {
			count, err = countZones(t, c.Account)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return &route53.GetAccountLimitResponse{Count: kit.Ptr(count), Limit: &route53.AccountLimit{Type: kit.Ptr(typ), Value: kit.Ptr(value)}}, nil
}

// GetHostedZoneLimit answers one of a zone's quotas and how much of it is used.
func (s *DNS) GetHostedZoneLimit(ctx context.Context, c kit.Caller, in *route53.GetHostedZoneLimitRequest) (*route53.GetHostedZoneLimitResponse, error) {
	typ := kit.Deref(in.Type)
	if typ != "MAX_RRSETS_BY_ZONE" && typ != "MAX_VPCS_ASSOCIATED_BY_ZONE" {
		return nil, errValidation(typ, "type", "Member must satisfy enum value set: [MAX_RRSETS_BY_ZONE, MAX_VPCS_ASSOCIATED_BY_ZONE]")
	}
	var z *kit.HostedZoneRecord
	err := s.View(ctx, func(t *kit.Txn) (err error) {
		z, err = s.ownZone(t, c, kit.Deref(in.HostedZoneId))
		return err
	})
	if err != nil {
		return nil, err
	}
	count, value := int64(len(z.RecordSets)), int64(maxRecordSets)
	if typ == "MAX_VPCS_ASSOCIATED_BY_ZONE" {
		if !z.Private {
			return nil, errHostedZoneNotPrivate(z.ID)
		}
		count, value = int64(len(z.VPCs)), maxZoneVPCs
	}
	return &route53.GetHostedZoneLimitResponse{Count: kit.Ptr(count), Limit: &route53.HostedZoneLimit{Type: kit.Ptr(typ), Value: kit.Ptr(value)}}, nil
}

// countZones counts an account's zones without decoding them. Like the region-wide EC2
// quotas, the count is a listing: concurrent creations may pass the quota by their number.
func countZones(t *kit.Txn, account string) (int64, error) {
	var n int64
	err := t.List(kit.HostedZonePrefix(account), func(string, []byte) error {
		n++
		return nil
	})
	return n, err
}
