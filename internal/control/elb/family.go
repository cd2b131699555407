// Package elb answers Elastic Load Balancing's (v2) actions for network load balancers:
// load balancers, whose addresses are requester-managed interfaces in the VPC's subnets;
// target groups and their targets; listeners that forward to a target group; their
// attributes and tags; and the account's limits. Application and gateway load balancers
// are refused.
//
// The data plane carries a load balancer's traffic in its VPC's router
// (internal/plan/loadbalancer.go) and checks its targets' health
// (internal/dataplane/loadbalancers.go), whose verdicts come back through
// SetTargetHealth (health.go).
//
// A load balancer goes from provisioning to active at once: the answer to a create says
// provisioning, as AWS's does, and every later read says active.
package elb

import (
	"encoding/base64"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"vpcd/internal/aws/elbv2"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// ELB answers the actions of the family over the shared kit.
type ELB struct{ *kit.Kit }

// AWS's limits (DescribeAccountLimits) that vpcd enforces, at AWS's defaults for network
// load balancers; the load balancers and target groups per region are Service Quotas'
// (kit.QuotaNetworkLoadBalancers, kit.QuotaTargetGroups).
const (
	maxListeners        = 50   // listeners per network load balancer
	maxTargetsPerLB     = 3000 // targets per network load balancer
	maxTargetsPerZone   = 500  // targets per zone per network load balancer
	maxTags             = 50
	maxARNsPerTagAction = 20
	defaultPageSize     = 400
)

// The errors of the elbv2 model, and the ValidationError of AWS's query services.

func errValidation(format string, args ...any) error {
	return ec2.Errorf("ValidationError", format, args...)
}

func errInvalidConfig(format string, args ...any) error {
	return ec2.Errorf("InvalidConfigurationRequest", format, args...)
}

func errLoadBalancerNotFound() error {
	return ec2.Errorf("LoadBalancerNotFound", "One or more load balancers not found")
}

func errTargetGroupNotFound() error {
	return ec2.Errorf("TargetGroupNotFound", "One or more target groups not found")
}

func errListenerNotFound() error {
	return ec2.Errorf("ListenerNotFound", "One or more listeners not found")
}

// enumError is the model validation of an enum member.
func enumError(value, member string, values ...string) error {
	return errValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
		value, member, strings.Join(values, ", "))
}

// rangeError is the model validation of a number member.
func rangeError(value int32, member string, lo, hi int) error {
	return errValidation("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value %s",
		value, member, bounds(lo, hi))
}

func bounds(lo, hi int) string {
	return fmt.Sprintf("greater than or equal to %d and less than or equal to %d", lo, hi)
}

func checkRange(v *int32, member string, lo, hi int) error {
	if v != nil && (int(*v) < lo || int(*v) > hi) {
		return rangeError(*v, member, lo, hi)
	}
	return nil
}

// nameRE is what a load balancer's or target group's name may be: up to 32 letters,
// digits and hyphens, not beginning or ending with a hyphen.
var nameRE = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$`)

// checkName checks a name, in AWS's words for what (load balancer, target group).
func checkName(name, what string) error {
	switch {
	case len(name) > 32:
		return errValidation("The %s name '%s' cannot be longer than '32' characters", what, name)
	case strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-"):
		return errValidation("The %s name '%s' cannot begin or end with a hyphen", what, name)
	case !nameRE.MatchString(name):
		return errValidation("The %s name '%s' can only contain characters that are alphanumeric characters or hyphens(-)", what, name)
	case what == "load balancer" && strings.HasPrefix(name, "internal-"):
		return errValidation("The load balancer name '%s' cannot begin with 'internal-'", name)
	}
	return nil
}

// ARNs. A load balancer is loadbalancer/net/NAME/HEX, a target group targetgroup/NAME/HEX,
// a listener listener/net/LBNAME/LBHEX/HEX.

func arnPrefix(c kit.Caller) string {
	return "arn:aws:elasticloadbalancing:" + c.Region + ":" + c.Account + ":"
}

func hexOf(id string) string { _, h, _ := strings.Cut(id, "-"); return h }

func loadBalancerARN(c kit.Caller, lb *kit.LoadBalancerRecord) string {
	return arnPrefix(c) + "loadbalancer/net/" + lb.Name + "/" + hexOf(lb.ID)
}

func targetGroupARN(c kit.Caller, tg *kit.TargetGroupRecord) string {
	return arnPrefix(c) + "targetgroup/" + tg.Name + "/" + hexOf(tg.ID)
}

func listenerARN(l *kit.ListenerRecord) string {
	lbARN := strings.Replace(l.LoadBalancerARN, ":loadbalancer/", ":listener/", 1)
	return lbARN + "/" + hexOf(l.ID)
}

// parsedARN is an Elastic Load Balancing ARN of the caller: the record's key, and the
// name it names, which must be the record's.
type parsedARN struct {
	kind, id, name string
}

var hex16 = regexp.MustCompile(`^[0-9a-f]{16}$`)

// parseARN reads an ARN of the kind; ok is false for one of another account, region or
// kind, or not of the form, which AWS answers as not valid.
func parseARN(c kit.Caller, arn string) (parsedARN, bool) {
	rest, ok := strings.CutPrefix(arn, arnPrefix(c))
	if !ok {
		return parsedARN{}, false
	}
	parts := strings.Split(rest, "/")
	last := parts[len(parts)-1]
	if !hex16.MatchString(last) {
		return parsedARN{}, false
	}
	switch {
	case len(parts) == 4 && parts[0] == "loadbalancer" && parts[1] == "net":
		return parsedARN{"elblb", "elblb-" + last, parts[2]}, true
	case len(parts) == 3 && parts[0] == "targetgroup":
		return parsedARN{"elbtg", "elbtg-" + last, parts[1]}, true
	case len(parts) == 5 && parts[0] == "listener" && parts[1] == "net" && hex16.MatchString(parts[3]):
		return parsedARN{"elblst", "elblst-" + last, parts[2] + "/" + parts[3]}, true
	}
	return parsedARN{}, false
}

// getByARN reads the record of an ARN of the kind. An ARN of the resource's form that
// names nothing of the caller's is notFound; anything else is not a valid ARN of what.
func getByARN[R any](t *kit.Txn, c kit.Caller, arn, kind, resource, what string, notFound func() error, matches func(*R, parsedARN) bool) (*R, error) {
	p, ok := parseARN(c, arn)
	if !ok || p.kind != kind {
		if strings.HasPrefix(arn, "arn:") && strings.Contains(arn, ":"+resource+"/") {
			return nil, notFound()
		}
		return nil, errValidation("'%s' is not a valid %s ARN", arn, what)
	}
	r := new(R)
	found, err := t.Get(c.Key(p.id), r)
	if err != nil {
		return nil, err
	}
	if !found || !matches(r, p) {
		return nil, notFound()
	}
	return r, nil
}

func getLoadBalancer(t *kit.Txn, c kit.Caller, arn string) (*kit.LoadBalancerRecord, error) {
	return getByARN(t, c, arn, "elblb", "loadbalancer", "load balancer", errLoadBalancerNotFound,
		func(lb *kit.LoadBalancerRecord, p parsedARN) bool { return lb.Name == p.name })
}

func getTargetGroup(t *kit.Txn, c kit.Caller, arn string) (*kit.TargetGroupRecord, error) {
	return getByARN(t, c, arn, "elbtg", "targetgroup", "target group", errTargetGroupNotFound,
		func(tg *kit.TargetGroupRecord, p parsedARN) bool { return tg.Name == p.name })
}

func getListener(t *kit.Txn, c kit.Caller, arn string) (*kit.ListenerRecord, error) {
	return getByARN(t, c, arn, "elblst", "listener", "listener", errListenerNotFound,
		func(l *kit.ListenerRecord, _ parsedARN) bool { return listenerARN(l) == arn })
}

// page is one page of items from the offset a Marker carries, and the next Marker.
func page[T any](items []T, pageSize *int32, marker *string) ([]T, *string, error) {
	limit := defaultPageSize
	if pageSize != nil {
		if *pageSize < 1 || *pageSize > 400 {
			return nil, nil, rangeError(*pageSize, "pageSize", 1, 400)
		}
		limit = int(*pageSize)
	}
	start := 0
	if marker != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*marker)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "o:"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(raw), "o:") || n < 0 || n > len(items) {
			return nil, nil, errValidation("The marker '%s' is not valid", *marker)
		}
		start = n
	}
	end := min(start+limit, len(items))
	var next *string
	if end < len(items) {
		next = kit.Ptr(base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(end))))
	}
	return items[start:end], next, nil
}

// pageOf is one page of the records' shapes.
func pageOf[R, S any](recs []*R, shape func(*R) S, pageSize *int32, marker *string) ([]S, *string, error) {
	all := []S{}
	for _, r := range recs {
		all = append(all, shape(r))
	}
	return page(all, pageSize, marker)
}

// tagsOf checks and collects Tags as a map, over the tags the resource has.
func tagsOf(have map[string]string, tags []elbv2.Tag) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range have {
		out[k] = v
	}
	seen := map[string]bool{}
	for _, t := range tags {
		k, v := kit.Deref(t.Key), kit.Deref(t.Value)
		if seen[k] {
			return nil, errDuplicateTagKeys("Tag key '%s' is duplicated", k)
		}
		seen[k] = true
		if len(k) < 1 || len(k) > 128 {
			return nil, errValidation("1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128", k)
		}
		if len(v) > 256 {
			return nil, errValidation("1 validation error detected: Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256", v)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, errValidation("Tag keys starting with 'aws:' are reserved for internal use")
		}
		out[k] = v
	}
	if len(out) > maxTags {
		return nil, errTooManyTags("The quota for the number of tags that can be assigned to a load balancer has been reached")
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// tagShapes lists tags as ELBv2 answers them, by key.
func tagShapes(tags map[string]string) []elbv2.Tag {
	out := []elbv2.Tag{}
	for _, k := range sortedKeys(tags) {
		out = append(out, elbv2.Tag{Key: kit.Ptr(k), Value: kit.Ptr(tags[k])})
	}
	return out
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// timestamp is a record's time as the answer carries it, in milliseconds as AWS's.
func timestamp(t time.Time) *time.Time { return kit.Ptr(t.UTC().Truncate(time.Millisecond)) }
