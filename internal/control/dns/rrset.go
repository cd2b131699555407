package dns

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"vpcd/internal/aws/route53"
	"vpcd/internal/control/kit"
)

// recordTypes are the record types Route 53 serves (the model's RRType).
var recordTypes = []string{"A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT"}

// ChangeResourceRecordSets applies a change batch to one of the caller's zones: all of
// it or, when any change is refused, none of it, with every problem in the error.
func (s *DNS) ChangeResourceRecordSets(ctx context.Context, c kit.Caller, in *route53.ChangeResourceRecordSetsRequest) (*route53.ChangeResourceRecordSetsResponse, error) {
	batch := in.ChangeBatch
	if len(batch.Changes) == 0 {
		return nil, errValidation("[]", "changeBatch.changes", "Member must have length greater than or equal to 1")
	}
	if len(batch.Changes) > 1000 {
		return nil, errInvalidChangeBatch([]string{fmt.Sprintf("Number of records limit of 1000 exceeded: %d", len(batch.Changes))})
	}
	type change struct {
		action string
		rs     kit.RecordSet
	}
	changes := make([]change, len(batch.Changes))
	for i, ch := range batch.Changes {
		action := kit.Deref(ch.Action)
		if action != "CREATE" && action != "DELETE" && action != "UPSERT" {
			return nil, errValidation(action, fmt.Sprintf("changeBatch.changes.%d.member.action", i+1), "Member must satisfy enum value set: [CREATE, DELETE, UPSERT]")
		}
		rs, err := recordSet(action, ch.ResourceRecordSet, i+1)
		if err != nil {
			return nil, err
		}
		changes[i] = change{action, rs}
	}
	var info *route53.ChangeInfo
	err := s.Update(ctx, func(t *kit.Txn) error {
		z, err := s.ownZone(t, c, kit.Deref(in.HostedZoneId))
		if err != nil {
			return err
		}
		var problems []string
		for _, ch := range changes {
			if p := apply(z, ch.action, ch.rs); p != "" {
				problems = append(problems, p)
			}
		}
		if len(z.RecordSets) > maxRecordSets {
			problems = append(problems, fmt.Sprintf("The hosted zone %s would have %d record sets; the limit is %d", z.ID, len(z.RecordSets), maxRecordSets))
		}
		if len(problems) > 0 {
			return errInvalidChangeBatch(problems)
		}
		info, err = s.putZone(t, c, z, kit.Deref(batch.Comment))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &route53.ChangeResourceRecordSetsResponse{ChangeInfo: info}, nil
}

// recordSet validates a change's record set on its own, as the request's shape: the
// checks that need the zone are apply's.
func recordSet(action string, in *route53.ResourceRecordSet, n int) (kit.RecordSet, error) {
	rs := kit.RecordSet{
		Name: fqdn(kit.Deref(in.Name)), Type: kit.Deref(in.Type), SetIdentifier: kit.Deref(in.SetIdentifier),
		Weight: in.Weight, Region: kit.Deref(in.Region), Failover: kit.Deref(in.Failover),
		MultiValueAnswer: in.MultiValueAnswer, HealthCheckID: kit.Deref(in.HealthCheckId),
	}
	if err := checkRouting(action, in); err != nil {
		return rs, err
	}
	if geo := (geoRouting{in.GeoLocation, in.GeoProximityLocation, in.CidrRoutingConfig}); geo != (geoRouting{}) {
		rs.Geo, _ = json.Marshal(geo) // generated shapes of strings and numbers: it cannot fail
	}
	if !slices.Contains(recordTypes, rs.Type) {
		return rs, errValidation(rs.Type, fmt.Sprintf("changeBatch.changes.%d.member.resourceRecordSet.type", n), "Member must satisfy enum value set: ["+strings.Join(recordTypes, ", ")+"]")
	}
	if !validName(rs.Name) {
		return rs, errInvalidChangeBatch([]string{fmt.Sprintf("Invalid DNS name %s", kit.Deref(in.Name))})
	}
	alias, records := in.AliasTarget != nil, in.TTL != nil || len(in.ResourceRecords) > 0
	if alias == records || (!alias && (in.TTL == nil || len(in.ResourceRecords) == 0)) {
		found := "none"
		if alias && records {
			found = "more than one"
		}
		return rs, errInvalidInput("Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found %s in Change with [Action=%s, Name=%s, Type=%s, SetIdentifier=%s]",
			found, action, kit.Deref(in.Name), rs.Type, setIdentifier(in.SetIdentifier))
	}
	if alias {
		a := in.AliasTarget
		rs.Alias = &kit.RecordAlias{HostedZoneID: bareID(kit.Deref(a.HostedZoneId), "hostedzone"), DNSName: fqdn(kit.Deref(a.DNSName)), EvaluateTargetHealth: kit.Deref(a.EvaluateTargetHealth)}
		if !validName(rs.Alias.DNSName) {
			return rs, errInvalidChangeBatch([]string{fmt.Sprintf("Invalid DNS name for alias target %s", kit.Deref(a.DNSName))})
		}
		return rs, nil
	}
	rs.TTL = *in.TTL
	if rs.TTL < 0 || rs.TTL > 2147483647 {
		return rs, errValidation(rs.TTL, fmt.Sprintf("changeBatch.changes.%d.member.resourceRecordSet.tTL", n), "Member must have value between 0 and 2147483647")
	}
	for _, r := range in.ResourceRecords {
		v := kit.Deref(r.Value)
		if p := checkValue(rs.Type, v); p != "" {
			return rs, errInvalidChangeBatch([]string{fmt.Sprintf("Invalid Resource Record: 'FATAL problem: %s encountered with '%s''", p, v)})
		}
		rs.Values = append(rs.Values, v)
	}
	if (rs.Type == "CNAME" || rs.Type == "SOA") && len(rs.Values) > 1 {
		return rs, errInvalidChangeBatch([]string{fmt.Sprintf("RRSet of type %s with DNS name %s has more than one resource record", rs.Type, shown(rs.Name))})
	}
	return rs, nil
}

// geoRouting are the routing policies a record set keeps without reading them.
type geoRouting struct {
	GeoLocation          *route53.GeoLocation          `json:"geoLocation,omitempty"`
	GeoProximityLocation *route53.GeoProximityLocation `json:"geoProximityLocation,omitempty"`
	CidrRoutingConfig    *route53.CidrRoutingConfig    `json:"cidrRoutingConfig,omitempty"`
}

// checkRouting: a record set of a routing policy other than simple has a set identifier
// and exactly one policy; a simple one has neither.
func checkRouting(action string, in *route53.ResourceRecordSet) error {
	policies := 0
	for _, set := range []bool{in.Weight != nil, in.Region != nil, in.Failover != nil, in.GeoLocation != nil,
		in.MultiValueAnswer != nil, in.GeoProximityLocation != nil, in.CidrRoutingConfig != nil} {
		if set {
			policies++
		}
	}
	found := ""
	switch {
	case in.SetIdentifier != nil && policies == 0:
		found = "none"
	case policies > 1:
		found = "more than one"
	case in.SetIdentifier == nil && policies == 1:
		return errInvalidInput("Invalid request: Missing field 'SetIdentifier' in Change with [Action=%s, Name=%s, Type=%s, SetIdentifier=null]",
			action, kit.Deref(in.Name), kit.Deref(in.Type))
	default:
		return nil
	}
	return errInvalidInput("Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found %s in Change with [Action=%s, Name=%s, Type=%s, SetIdentifier=%s]",
		found, action, kit.Deref(in.Name), kit.Deref(in.Type), setIdentifier(in.SetIdentifier))
}

func setIdentifier(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

// checkValue is what is wrong with one value of a record of the type, in the words of
// Route 53's zone file checks; "" when nothing is.
func checkValue(typ, v string) string {
	if v == "" || len(v) > 4000 {
		return "RRDATAIllegalLength (Value has an illegal length)"
	}
	fields := strings.Fields(v)
	switch typ {
	case "A":
		if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
			return "ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)"
		}
	case "AAAA":
		if a, err := netip.ParseAddr(v); err != nil || !a.Is6() || a.Is4In6() {
			return "AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address)"
		}
	case "CNAME", "NS", "PTR":
		if len(fields) != 1 || !validName(fqdn(v)) {
			return "DomainLabelEmpty (Domain label is empty)"
		}
	case "MX":
		if len(fields) != 2 || !uint16Field(fields[0]) || !validName(fqdn(fields[1])) {
			return "MXRRDATANotTwoFields (MX record doesn't have 2 fields)"
		}
	case "SRV":
		if len(fields) != 4 || !uint16Field(fields[0]) || !uint16Field(fields[1]) || !uint16Field(fields[2]) || !validName(fqdn(fields[3])) {
			return "SRVRRDATANotFourFields (SRV record doesn't have 4 fields)"
		}
	case "SOA":
		if len(fields) != 7 {
			return "SOARRDATANotSevenFields (SOA record doesn't have 7 fields)"
		}
	}
	return ""
}

func uint16Field(s string) bool {
	_, err := strconv.ParseUint(s, 10, 16)
	return err == nil
}

// describe names a record set in a change batch's errors.
func describe(rs kit.RecordSet) string {
	s := fmt.Sprintf("[name='%s', type='%s'", shown(rs.Name), rs.Type)
	if rs.SetIdentifier != "" {
		s += fmt.Sprintf(", set-identifier='%s'", rs.SetIdentifier)
	}
	return s + "]"
}

// apply applies one change to the zone's record sets, or says why it cannot, as
// Route 53 words it.
func apply(z *kit.HostedZoneRecord, action string, rs kit.RecordSet) string {
	if !inZone(rs.Name, z.Name) {
		return fmt.Sprintf("RRSet with DNS name %s is not permitted in zone %s", shown(rs.Name), shown(z.Name))
	}
	apex := rs.Name == z.Name
	switch {
	case rs.Type == "CNAME" && apex:
		return fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s", shown(rs.Name), shown(z.Name))
	case rs.Type == "SOA" && !apex:
		return fmt.Sprintf("RRSet of type SOA with DNS name %s is not permitted because SOA is only permitted at apex in zone %s", shown(rs.Name), shown(z.Name))
	case rs.Type == "SOA" && action != "UPSERT":
		return "A HostedZone must contain exactly one SOA record."
	case rs.Type == "NS" && apex && action == "DELETE":
		return "A HostedZone must contain at least one NS record for the zone itself."
	}
	i := slices.IndexFunc(z.RecordSets, func(o kit.RecordSet) bool {
		return o.Name == rs.Name && o.Type == rs.Type && o.SetIdentifier == rs.SetIdentifier
	})
	if action != "DELETE" && rs.Alias != nil && rs.Alias.HostedZoneID == z.ID {
		if p := checkAliasTarget(z, rs); p != "" {
			return p
		}
	}
	switch action {
	case "DELETE":
		if i < 0 {
			return fmt.Sprintf("Tried to delete resource record set %s but it was not found", describe(rs))
		}
		if !sameData(z.RecordSets[i], rs) {
			return fmt.Sprintf("Tried to delete resource record set %s but the values provided do not match the current values", describe(rs))
		}
		z.RecordSets = slices.Delete(z.RecordSets, i, i+1)
		return ""
	case "CREATE":
		if i >= 0 {
			return fmt.Sprintf("Tried to create resource record set %s but it already exists", describe(rs))
		}
	}
	for _, o := range z.RecordSets {
		if o.Name == rs.Name && o.Type == rs.Type && (o.SetIdentifier == "") != (rs.SetIdentifier == "") {
			return fmt.Sprintf("RRSet %s is not permitted because a record set of the same name and type with another routing policy already exists in zone %s", describe(rs), shown(z.Name))
		}
		if o.Name != rs.Name || o.Type == rs.Type {
			continue
		}
		if rs.Type == "CNAME" {
			return fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted as it conflicts with other records with the same DNS name in zone %s", shown(rs.Name), shown(z.Name))
		}
		if o.Type == "CNAME" {
			return fmt.Sprintf("RRSet of type %s with DNS name %s is not permitted because a conflicting RRSet of type  CNAME with the same DNS name already exists in zone %s", rs.Type, shown(rs.Name), shown(z.Name))
		}
	}
	if i >= 0 {
		z.RecordSets[i] = rs
	} else {
		z.RecordSets = append(z.RecordSets, rs)
	}
	return ""
}

// checkAliasTarget: an alias to a record of its own zone must name a record set of the
// same type there.
func checkAliasTarget(z *kit.HostedZoneRecord, rs kit.RecordSet) string {
	target := rs.Alias.DNSName
	if !inZone(target, z.Name) {
		return fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but the alias target name does not lie within the target zone", shown(target), rs.Type, z.ID)
	}
	if !slices.ContainsFunc(z.RecordSets, func(o kit.RecordSet) bool { return o.Name == target && o.Type == rs.Type }) {
		return fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but that target was not found", shown(target), rs.Type, z.ID)
	}
	return ""
}

// sameData reports whether a DELETE names the record set as it is: TTL, values (in any
// order) and alias target.
func sameData(have, want kit.RecordSet) bool {
	if have.TTL != want.TTL || (have.Alias == nil) != (want.Alias == nil) {
		return false
	}
	if have.Alias != nil && (have.Alias.DNSName != want.Alias.DNSName || have.Alias.HostedZoneID != want.Alias.HostedZoneID) {
		return false
	}
	a, b := slices.Clone(have.Values), slices.Clone(want.Values)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// compareRecordSets orders record sets as ListResourceRecordSets lists them: by name
// (labels from the top), then type, then set identifier.
func compareRecordSets(a, b kit.RecordSet) int {
	if c := compareNames(a.Name, b.Name); c != 0 {
		return c
	}
	if c := strings.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	return strings.Compare(a.SetIdentifier, b.SetIdentifier)
}

// ListResourceRecordSets lists a zone's record sets in Route 53's order, from
// StartRecordName (and StartRecordType, StartRecordIdentifier) on.
func (s *DNS) ListResourceRecordSets(ctx context.Context, c kit.Caller, in *route53.ListResourceRecordSetsRequest) (*route53.ListResourceRecordSetsResponse, error) {
	n, err := maxItems(in.MaxItems, 300, 300, "maxitems")
	if err != nil {
		return nil, err
	}
	if in.StartRecordType != nil && in.StartRecordName == nil {
		return nil, errInvalidInput("The input is not valid: a record type requires a record name.")
	}
	if in.StartRecordType != nil && !slices.Contains(recordTypes, *in.StartRecordType) {
		return nil, errValidation(*in.StartRecordType, "type", "Member must satisfy enum value set: ["+strings.Join(recordTypes, ", ")+"]")
	}
	var z *kit.HostedZoneRecord
	err = s.View(ctx, func(t *kit.Txn) (err error) {
		z, err = s.ownZone(t, c, kit.Deref(in.HostedZoneId))
		return err
	})
	if err != nil {
		return nil, err
	}
	sets := slices.Clone(z.RecordSets)
	slices.SortFunc(sets, compareRecordSets)
	start := kit.RecordSet{Name: fqdn(kit.Deref(in.StartRecordName)), Type: kit.Deref(in.StartRecordType), SetIdentifier: kit.Deref(in.StartRecordIdentifier)}
	out := &route53.ListResourceRecordSetsResponse{MaxItems: kit.Ptr(strconv.Itoa(n)), IsTruncated: kit.Ptr(false), ResourceRecordSets: []route53.ResourceRecordSet{}}
	for _, rs := range sets {
		if in.StartRecordName != nil && compareRecordSets(rs, start) < 0 {
			continue
		}
		if len(out.ResourceRecordSets) == n {
			out.IsTruncated, out.NextRecordName, out.NextRecordType = kit.Ptr(true), kit.Ptr(shown(rs.Name)), kit.Ptr(rs.Type)
			if rs.SetIdentifier != "" {
				out.NextRecordIdentifier = kit.Ptr(rs.SetIdentifier)
			}
			break
		}
		out.ResourceRecordSets = append(out.ResourceRecordSets, recordSetShape(rs))
	}
	return out, nil
}

// recordSetShape is a record set as Route 53 lists it.
func recordSetShape(rs kit.RecordSet) route53.ResourceRecordSet {
	out := route53.ResourceRecordSet{Name: kit.Ptr(shown(rs.Name)), Type: kit.Ptr(rs.Type), Weight: rs.Weight, MultiValueAnswer: rs.MultiValueAnswer}
	if rs.Alias != nil {
		out.AliasTarget = &route53.AliasTarget{HostedZoneId: kit.Ptr(rs.Alias.HostedZoneID), DNSName: kit.Ptr(shown(rs.Alias.DNSName)), EvaluateTargetHealth: kit.Ptr(rs.Alias.EvaluateTargetHealth)}
	} else {
		out.TTL = kit.Ptr(rs.TTL)
		for _, v := range rs.Values {
			out.ResourceRecords = append(out.ResourceRecords, route53.ResourceRecord{Value: kit.Ptr(v)})
		}
	}
	if rs.Geo != nil {
		var geo geoRouting
		json.Unmarshal(rs.Geo, &geo) // written by recordSet
		out.GeoLocation, out.GeoProximityLocation, out.CidrRoutingConfig = geo.GeoLocation, geo.GeoProximityLocation, geo.CidrRoutingConfig
	}
	for _, f := range []struct {
		dst **string
		v   string
	}{{&out.SetIdentifier, rs.SetIdentifier}, {&out.Region, rs.Region}, {&out.Failover, rs.Failover}, {&out.HealthCheckId, rs.HealthCheckID}} {
		if f.v != "" {
			*f.dst = kit.Ptr(f.v)
		}
	}
	return out
}
