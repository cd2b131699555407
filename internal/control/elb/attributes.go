package elb

import (
	"context"
	"slices"
	"strconv"

	"vpcd/internal/aws/elbv2"
	"vpcd/internal/control/kit"
)

// Attributes are key/value strings. Each kind has its keys, each key its default, which
// may depend on the resource (preserve_client_ip.enabled on the target type), and the
// values it takes; a record keeps only the ones set.

// attrSpec is what an attribute's value may be.
type attrSpec func(v string) bool

func boolean(v string) bool { return v == "true" || v == "false" }

func oneOf(values ...string) attrSpec {
	return func(v string) bool { return slices.Contains(values, v) }
}

func intRange(lo, hi int) attrSpec {
	return func(v string) bool {
		n, err := strconv.Atoi(v)
		return err == nil && n >= lo && n <= hi
	}
}

func anyString(string) bool { return true }

// The keys of network load balancers, their target groups and listeners, as AWS
// documents them.
var (
	lbAttrs = map[string]attrSpec{
		"access_logs.s3.enabled": boolean, "access_logs.s3.bucket": anyString, "access_logs.s3.prefix": anyString,
		"deletion_protection.enabled": boolean, "load_balancing.cross_zone.enabled": boolean,
		"ipv6.deny_all_igw_traffic":              boolean,
		"dns_record.client_routing_policy":       oneOf("availability_zone_affinity", "partial_availability_zone_affinity", "any_availability_zone"),
		"zonal_shift.config.enabled":             boolean,
		"secondary_ips.auto_assigned.per_subnet": intRange(0, 7),
	}
	tgAttrs = map[string]attrSpec{
		"deregistration_delay.timeout_seconds":                                           intRange(0, 3600),
		"deregistration_delay.connection_termination.enabled":                            boolean,
		"preserve_client_ip.enabled":                                                     boolean,
		"proxy_protocol_v2.enabled":                                                      boolean,
		"stickiness.enabled":                                                             boolean,
		"stickiness.type":                                                                oneOf("source_ip"),
		"load_balancing.cross_zone.enabled":                                              oneOf("true", "false", "use_load_balancer_configuration"),
		"target_group_health.dns_failover.minimum_healthy_targets.count":                 func(v string) bool { return v == "off" || intRange(1, 1000)(v) },
		"target_group_health.dns_failover.minimum_healthy_targets.percentage":            func(v string) bool { return v == "off" || intRange(1, 100)(v) },
		"target_group_health.unhealthy_state_routing.minimum_healthy_targets.count":      intRange(1, 1000),
		"target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": func(v string) bool { return v == "off" || intRange(1, 100)(v) },
		"target_health_state.unhealthy.connection_termination.enabled":                   boolean,
		"target_health_state.unhealthy.draining_interval_seconds":                        intRange(0, 360000),
	}
	listenerAttrs = map[string]attrSpec{"tcp.idle_timeout.seconds": intRange(60, 6000)}
)

func lbDefaults(lb *kit.LoadBalancerRecord) map[string]string {
	return map[string]string{
		"access_logs.s3.enabled": "false", "access_logs.s3.bucket": "", "access_logs.s3.prefix": "",
		"deletion_protection.enabled": "false", "load_balancing.cross_zone.enabled": "false",
		"ipv6.deny_all_igw_traffic":        kit.BoolString(lb.Scheme == "internal"),
		"dns_record.client_routing_policy": "any_availability_zone", "zonal_shift.config.enabled": "false",
		"secondary_ips.auto_assigned.per_subnet": "0",
	}
}

func tgDefaults(tg *kit.TargetGroupRecord) map[string]string {
	// Client IP preservation is on for instance targets and for UDP and TCP_UDP groups.
	preserve := tg.TargetType == "instance" || tg.Protocol == "UDP" || tg.Protocol == "TCP_UDP"
	return map[string]string{
		"deregistration_delay.timeout_seconds": "300", "deregistration_delay.connection_termination.enabled": "false",
		"preserve_client_ip.enabled": kit.BoolString(preserve), "proxy_protocol_v2.enabled": "false",
		"stickiness.enabled": "false", "stickiness.type": "source_ip",
		"load_balancing.cross_zone.enabled":                                              "use_load_balancer_configuration",
		"target_group_health.dns_failover.minimum_healthy_targets.count":                 "1",
		"target_group_health.dns_failover.minimum_healthy_targets.percentage":            "off",
		"target_group_health.unhealthy_state_routing.minimum_healthy_targets.count":      "1",
		"target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": "off",
		"target_health_state.unhealthy.connection_termination.enabled":                   "true",
		"target_health_state.unhealthy.draining_interval_seconds":                        "0",
	}
}

func listenerDefaults(l *kit.ListenerRecord) map[string]string {
	if l.Protocol == "TCP" {
		return map[string]string{"tcp.idle_timeout.seconds": "350"}
	}
	return map[string]string{}
}

// attribute is a key's value: the one set, else its default.
func attribute(set, defaults map[string]string, key string) string {
	if v, ok := set[key]; ok {
		return v
	}
	return defaults[key]
}

// keyValue is a Key/Value pair of any of the attribute shapes.
type keyValue struct{ key, value string }

// setAttributes checks pairs against the kind's keys and the resource's defaults (a key
// without a default there does not apply to it) and returns the attributes set after.
func setAttributes(set, defaults map[string]string, specs map[string]attrSpec, what string, pairs []keyValue) (map[string]string, error) {
	if len(pairs) == 0 {
		return nil, errValidation("1 validation error detected: Value '[]' at 'attributes' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	out := map[string]string{}
	for k, v := range set {
		out[k] = v
	}
	for _, p := range pairs {
		spec, ok := specs[p.key]
		if _, applies := defaults[p.key]; !ok || !applies {
			return nil, errValidation("%s attribute key '%s' is not recognized", what, p.key)
		}
		if !spec(p.value) {
			return nil, errInvalidConfig("%s attribute '%s' cannot have value '%s'", what, p.key, p.value)
		}
		out[p.key] = p.value
	}
	return out, nil
}

// allAttributes lists every attribute of a resource, by key.
func allAttributes(set, defaults map[string]string) []keyValue {
	var out []keyValue
	for _, k := range sortedKeys(defaults) {
		out = append(out, keyValue{k, attribute(set, defaults, k)})
	}
	return out
}

// attributeShapes are key/value pairs as any of the attribute shapes.
func attributeShapes[T elbv2.LoadBalancerAttribute | elbv2.TargetGroupAttribute | elbv2.ListenerAttribute](kvs []keyValue) []T {
	out := []T{}
	for _, kv := range kvs {
		out = append(out, T(struct{ Key, Value *string }{kit.Ptr(kv.key), kit.Ptr(kv.value)}))
	}
	return out
}

// attrKind is how the attribute actions read and write one kind: its record by ARN, the
// attributes it has set and their defaults, the keys it takes and what else a change must
// keep true.
type attrKind[R any] struct {
	what  string // as AWS's messages name it: "Load balancer"
	get   func(*kit.Txn, kit.Caller, string) (*R, error)
	attrs func(*R) (set *map[string]string, defaults map[string]string)
	key   func(*R) string
	specs map[string]attrSpec
	check func(*R) error
}

var (
	lbKind = attrKind[kit.LoadBalancerRecord]{what: "Load balancer", get: getLoadBalancer, specs: lbAttrs,
		attrs: func(lb *kit.LoadBalancerRecord) (*map[string]string, map[string]string) {
			return &lb.Attributes, lbDefaults(lb)
		},
		key: func(lb *kit.LoadBalancerRecord) string { return lb.ID }}
	tgKind = attrKind[kit.TargetGroupRecord]{what: "Target group", get: getTargetGroup, specs: tgAttrs,
		attrs: func(tg *kit.TargetGroupRecord) (*map[string]string, map[string]string) {
			return &tg.Attributes, tgDefaults(tg)
		},
		key: func(tg *kit.TargetGroupRecord) string { return tg.ID },
		// Client IP preservation stays on for UDP and TCP_UDP groups, as AWS keeps it.
		check: func(tg *kit.TargetGroupRecord) error {
			if (tg.Protocol == "UDP" || tg.Protocol == "TCP_UDP") && tg.Attributes["preserve_client_ip.enabled"] == "false" {
				return errInvalidConfig("Client IP preservation cannot be disabled for target groups with the %s protocol", tg.Protocol)
			}
			return nil
		}}
	listenerKind = attrKind[kit.ListenerRecord]{what: "Listener", get: getListener, specs: listenerAttrs,
		attrs: func(l *kit.ListenerRecord) (*map[string]string, map[string]string) {
			return &l.Attributes, listenerDefaults(l)
		},
		key: func(l *kit.ListenerRecord) string { return l.ID }}
)

// describeAttributes lists every attribute of the resource of an ARN.
func describeAttributes[R any](ctx context.Context, s *ELB, c kit.Caller, k attrKind[R], arn string) ([]keyValue, error) {
	var r *R
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		r, err = k.get(t, c, arn)
		return err
	})
	if err != nil {
		return nil, err
	}
	set, defaults := k.attrs(r)
	return allAttributes(*set, defaults), nil
}

// modifyAttributes sets attributes of the resource of an ARN and lists them all.
func modifyAttributes[R any](ctx context.Context, s *ELB, c kit.Caller, k attrKind[R], arn string, pairs []keyValue) ([]keyValue, error) {
	var r *R
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if r, err = k.get(t, c, arn); err != nil {
			return err
		}
		set, defaults := k.attrs(r)
		if *set, err = setAttributes(*set, defaults, k.specs, k.what, pairs); err != nil {
			return err
		}
		if k.check != nil {
			if err := k.check(r); err != nil {
				return err
			}
		}
		return t.Put(c.Key(k.key(r)), r)
	})
	if err != nil {
		return nil, err
	}
	set, defaults := k.attrs(r)
	return allAttributes(*set, defaults), nil
}

// pairsOf are the Key/Value pairs of any of the attribute shapes.
func pairsOf[T elbv2.LoadBalancerAttribute | elbv2.TargetGroupAttribute | elbv2.ListenerAttribute](attrs []T) []keyValue {
	var out []keyValue
	for _, a := range attrs {
		kv := struct{ Key, Value *string }(a)
		out = append(out, keyValue{kit.Deref(kv.Key), kit.Deref(kv.Value)})
	}
	return out
}

// DescribeLoadBalancerAttributes lists every attribute of a load balancer.
func (s *ELB) DescribeLoadBalancerAttributes(ctx context.Context, c kit.Caller, in *elbv2.DescribeLoadBalancerAttributesInput) (*elbv2.DescribeLoadBalancerAttributesOutput, error) {
	kvs, err := describeAttributes(ctx, s, c, lbKind, kit.Deref(in.LoadBalancerArn))
	if err != nil {
		return nil, err
	}
	return &elbv2.DescribeLoadBalancerAttributesOutput{Attributes: attributeShapes[elbv2.LoadBalancerAttribute](kvs)}, nil
}

// ModifyLoadBalancerAttributes sets attributes of a load balancer and lists them all.
func (s *ELB) ModifyLoadBalancerAttributes(ctx context.Context, c kit.Caller, in *elbv2.ModifyLoadBalancerAttributesInput) (*elbv2.ModifyLoadBalancerAttributesOutput, error) {
	kvs, err := modifyAttributes(ctx, s, c, lbKind, kit.Deref(in.LoadBalancerArn), pairsOf(in.Attributes))
	if err != nil {
		return nil, err
	}
	return &elbv2.ModifyLoadBalancerAttributesOutput{Attributes: attributeShapes[elbv2.LoadBalancerAttribute](kvs)}, nil
}

// DescribeTargetGroupAttributes lists every attribute of a target group.
func (s *ELB) DescribeTargetGroupAttributes(ctx context.Context, c kit.Caller, in *elbv2.DescribeTargetGroupAttributesInput) (*elbv2.DescribeTargetGroupAttributesOutput, error) {
	kvs, err := describeAttributes(ctx, s, c, tgKind, kit.Deref(in.TargetGroupArn))
	if err != nil {
		return nil, err
	}
	return &elbv2.DescribeTargetGroupAttributesOutput{Attributes: attributeShapes[elbv2.TargetGroupAttribute](kvs)}, nil
}

// ModifyTargetGroupAttributes sets attributes of a target group and lists them all.
func (s *ELB) ModifyTargetGroupAttributes(ctx context.Context, c kit.Caller, in *elbv2.ModifyTargetGroupAttributesInput) (*elbv2.ModifyTargetGroupAttributesOutput, error) {
	kvs, err := modifyAttributes(ctx, s, c, tgKind, kit.Deref(in.TargetGroupArn), pairsOf(in.Attributes))
	if err != nil {
		return nil, err
	}
	return &elbv2.ModifyTargetGroupAttributesOutput{Attributes: attributeShapes[elbv2.TargetGroupAttribute](kvs)}, nil
}

// DescribeListenerAttributes lists every attribute of a listener: TCP listeners have
// their idle timeout.
func (s *ELB) DescribeListenerAttributes(ctx context.Context, c kit.Caller, in *elbv2.DescribeListenerAttributesInput) (*elbv2.DescribeListenerAttributesOutput, error) {
	kvs, err := describeAttributes(ctx, s, c, listenerKind, kit.Deref(in.ListenerArn))
	if err != nil {
		return nil, err
	}
	return &elbv2.DescribeListenerAttributesOutput{Attributes: attributeShapes[elbv2.ListenerAttribute](kvs)}, nil
}

// ModifyListenerAttributes sets attributes of a listener and lists them all.
func (s *ELB) ModifyListenerAttributes(ctx context.Context, c kit.Caller, in *elbv2.ModifyListenerAttributesInput) (*elbv2.ModifyListenerAttributesOutput, error) {
	kvs, err := modifyAttributes(ctx, s, c, listenerKind, kit.Deref(in.ListenerArn), pairsOf(in.Attributes))
	if err != nil {
		return nil, err
	}
	return &elbv2.ModifyListenerAttributesOutput{Attributes: attributeShapes[elbv2.ListenerAttribute](kvs)}, nil
}
