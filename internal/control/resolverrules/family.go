// Package resolverrules answers Amazon Route 53 Resolver's endpoint and rule actions:
// inbound and outbound endpoints, whose addresses are requester-managed interfaces in
// the VPC's subnets; FORWARD and SYSTEM rules with their associations to VPCs; and their
// tags. A rule associated with a VPC enters the data plane's model (model.ResolverRule)
// through the kit's "rslvr" kind (kit/resolver.go), where the VPC's DNS server finds the
// domains it forwards and to where.
//
// Endpoints and rules go from CREATING to OPERATIONAL (COMPLETE) at once: the answer to
// a create says CREATING, as AWS's does, and every later read says the resource is up.
package resolverrules

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	r53r "vpcd/internal/aws/route53resolver"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// ResolverRules answers the actions of the family over the shared kit.
type ResolverRules struct{ *kit.Kit }

// Quotas of Route 53 Resolver that vpcd enforces, at AWS's defaults.
const (
	maxEndpoints   = 4    // endpoints per account and region
	maxAddresses   = 6    // addresses per endpoint
	maxRules       = 1000 // rules per account and region
	maxTargets     = 6    // target addresses per rule (a guess at what AWS allows)
	maxTags        = 200
	defaultResults = 10
)

// The errors of the route53resolver model. AWS prefixes its messages with an
// [RSLVR-nnnnn] code; the ones below are AWS's where known.

func errInvalidParameter(format string, args ...any) error {
	return ec2.Errorf("InvalidParameterException", format, args...)
}

func errInvalidRequest(format string, args ...any) error {
	return ec2.Errorf("InvalidRequestException", format, args...)
}

func errNotFound(id string) error {
	return ec2.Errorf("ResourceNotFoundException", "[RSLVR-00101] Can't find the resource with ID \"%s\".", id)
}

func errARNNotFound(arn string) error {
	return ec2.Errorf("ResourceNotFoundException", "[RSLVR-00101] Can't find the resource with ARN \"%s\".", arn)
}

func errExists(what, token string) error {
	return ec2.Errorf("ResourceExistsException", "[RSLVR-00100] %s with creator request id %s already exists", what, token)
}

func errInUse(format string, args ...any) error {
	return ec2.Errorf("ResourceInUseException", format, args...)
}

func errLimitExceeded(format string, args ...any) error {
	return ec2.Errorf("LimitExceededException", format, args...)
}

func errInvalidNextToken() error {
	return ec2.Errorf("InvalidNextTokenException", "[RSLVR-00904] The NextToken is invalid.")
}

func errInvalidTag(format string, args ...any) error {
	return ec2.Errorf("InvalidTagException", format, args...)
}

// fromEC2 turns an EC2 error of the kit (an address in use, outside the subnet) into
// Route 53 Resolver's InvalidRequestException with the same message.
func fromEC2(err error) error {
	if e, ok := err.(*ec2.Error); ok {
		return errInvalidRequest("%s", e.Message)
	}
	return err
}

// validationError is AWS's model validation, which Route 53 Resolver answers as
// InvalidParameterException.
func validationError(value, member, constraint string) error {
	return errInvalidParameter("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func checkLength(value, member string, lo, hi int) error {
	if len(value) < lo || len(value) > hi {
		return validationError(value, member, fmt.Sprintf("Member must have length between %d and %d", lo, hi))
	}
	return nil
}

func arn(c kit.Caller, typ, id string) string {
	return "arn:aws:route53resolver:" + c.Region + ":" + c.Account + ":" + typ + "/" + id
}

// timestamp is how Route 53 Resolver writes times: ISO 8601 as a string.
func timestamp(t time.Time) *string {
	return kit.Ptr(t.UTC().Format("2006-01-02T15:04:05.000Z"))
}

// traceID stands in for the trace ID AWS writes in status messages.
func traceID() string { return kit.NewID("trace")[6:] }

// page is one page of items, from the offset a NextToken carries, and the page's size
// (MaxResults, as AWS answers it).
func page[T any](items []T, maxResults *int32, token *string) ([]T, *string, *int32, error) {
	limit := defaultResults
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 100 {
			return nil, nil, nil, validationError(strconv.Itoa(int(*maxResults)), "maxResults", "Member must have value between 1 and 100")
		}
		limit = int(*maxResults)
	}
	start := 0
	if token != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*token)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "o:"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(raw), "o:") || n < 0 || n > len(items) {
			return nil, nil, nil, errInvalidNextToken()
		}
		start = n
	}
	end := min(start+limit, len(items))
	var next *string
	if end < len(items) {
		next = kit.Ptr(base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(end))))
	}
	return items[start:end], next, kit.Ptr(int32(limit)), nil
}

// filter is one of a List action's filters: a name and the values it matches.
type filter struct {
	name   string
	values []string
}

// parseFilters checks filter names against the action's. Each name is also taken in the
// upper case of early Resolver (CREATOR_REQUEST_ID for CreatorRequestId), as AWS still
// takes it.
func parseFilters(in []r53r.Filter, known map[string]bool) ([]filter, error) {
	var out []filter
	for _, f := range in {
		name := kit.Deref(f.Name)
		if !known[name] {
			for k := range known {
				if upperSnake(k) == name {
					name = k
				}
			}
		}
		if !known[name] {
			return nil, errInvalidParameter("[RSLVR-00200] The filter '%s' is not supported.", name)
		}
		out = append(out, filter{name, f.Values})
	}
	return out, nil
}

// upperSnake is a filter name in early Resolver's form: HostVPCId → HOST_VPC_ID.
func upperSnake(name string) string {
	var b strings.Builder
	for i, r := range name {
		upper := r >= 'A' && r <= 'Z'
		if i > 0 && upper {
			prevLower := name[i-1] >= 'a' && name[i-1] <= 'z'
			nextLower := i+1 < len(name) && name[i+1] >= 'a' && name[i+1] <= 'z'
			if prevLower || nextLower {
				b.WriteByte('_')
			}
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

// matches reports whether every filter has a value among the resource's values for it.
func matches(filters []filter, values func(name string) []string) bool {
	for _, f := range filters {
		have := values(f.name)
		found := false
		for _, v := range f.values {
			for _, h := range have {
				found = found || v == h
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// tagsOf checks and collects Tags as a map.
func tagsOf(tags []r53r.Tag) (map[string]string, error) {
	if len(tags) > maxTags {
		return nil, errLimitExceeded("[RSLVR-00303] A resource can have up to %d tags.", maxTags)
	}
	if len(tags) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, t := range tags {
		k, v := kit.Deref(t.Key), kit.Deref(t.Value)
		if len(k) < 1 || len(k) > 128 || len(v) > 256 || strings.HasPrefix(k, "aws:") {
			return nil, errInvalidTag("[RSLVR-00302] The tag %q is not valid.", k)
		}
		out[k] = v
	}
	return out, nil
}
