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

func lbAttributeShapes(kvs []keyValue) []elbv2.LoadBalancerAttribute {
	out := []elbv2.LoadBalancerAttribute{}
	for _, kv := range kvs {
		out = append(out, elbv2.LoadBalancerAttribute{Key: kit.Ptr(kv.key), Value: kit.Ptr(kv.value)})
	}
	return out
}

func tgAttributeShapes(kvs []keyValue) []elbv2.TargetGroupAttribute {
	out := []elbv2.TargetGroupAttribute{}
	for _, kv := range kvs {
		out = append(out, elbv2.TargetGroupAttribute{Key: kit.Ptr(kv.key), Value: kit.Ptr(kv.value)})
	}
	return out
}

func listenerAttributeShapes(kvs []keyValue) []elbv2.ListenerAttribute {
	out := []elbv2.ListenerAttribute{}
	for _, kv := range kvs {
		out = append(out, elbv2.ListenerAttribute{Key: kit.Ptr(kv.key), Value: kit.Ptr(kv.value)})
	}
	return out
}

// DescribeLoadBalancerAttributes lists every attribute of a load balancer.
func (s *ELB) DescribeLoadBalancerAttributes(ctx context.Context, c kit.Caller, in *elbv2.DescribeLoadBalancerAttributesInput) (*elbv2.DescribeLoadBalancerAttributesOutput, error) {
	var lb *kit.LoadBalancerRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		lb, err = getLoadBalancer(t, c, kit.Deref(in.LoadBalancerArn))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.DescribeLoadBalancerAttributesOutput{Attributes: lbAttributeShapes(allAttributes(lb.Attributes, lbDefaults(lb)))}, nil
}

// ModifyLoadBalancerAttributes sets attributes of a load balancer and lists them all.
func (s *ELB) ModifyLoadBalancerAttributes(ctx context.Context, c kit.Caller, in *elbv2.ModifyLoadBalancerAttributesInput) (*elbv2.ModifyLoadBalancerAttributesOutput, error) {
	var pairs []keyValue
	for _, a := range in.Attributes {
		pairs = append(pairs, keyValue{kit.Deref(a.Key), kit.Deref(a.Value)})
	}
	var lb *kit.LoadBalancerRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if lb, err = getLoadBalancer(t, c, kit.Deref(in.LoadBalancerArn)); err != nil {
			return err
		}
		if lb.Attributes, err = setAttributes(lb.Attributes, lbDefaults(lb), lbAttrs, "Load balancer", pairs); err != nil {
			return err
		}
		return t.Put(c.Key(lb.ID), lb)
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.ModifyLoadBalancerAttributesOutput{Attributes: lbAttributeShapes(allAttributes(lb.Attributes, lbDefaults(lb)))}, nil
}

// DescribeTargetGroupAttributes lists every attribute of a target group.
func (s *ELB) DescribeTargetGroupAttributes(ctx context.Context, c kit.Caller, in *elbv2.DescribeTargetGroupAttributesInput) (*elbv2.DescribeTargetGroupAttributesOutput, error) {
	var tg *kit.TargetGroupRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		tg, err = getTargetGroup(t, c, kit.Deref(in.TargetGroupArn))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.DescribeTargetGroupAttributesOutput{Attributes: tgAttributeShapes(allAttributes(tg.Attributes, tgDefaults(tg)))}, nil
}

// ModifyTargetGroupAttributes sets attributes of a target group and lists them all.
// Client IP preservation stays on for UDP and TCP_UDP groups, as AWS keeps it.
func (s *ELB) ModifyTargetGroupAttributes(ctx context.Context, c kit.Caller, in *elbv2.ModifyTargetGroupAttributesInput) (*elbv2.ModifyTargetGroupAttributesOutput, error) {
	var pairs []keyValue
	for _, a := range in.Attributes {
		pairs = append(pairs, keyValue{kit.Deref(a.Key), kit.Deref(a.Value)})
	}
	var tg *kit.TargetGroupRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if tg, err = getTargetGroup(t, c, kit.Deref(in.TargetGroupArn)); err != nil {
			return err
		}
		if tg.Attributes, err = setAttributes(tg.Attributes, tgDefaults(tg), tgAttrs, "Target group", pairs); err != nil {
			return err
		}
		if (tg.Protocol == "UDP" || tg.Protocol == "TCP_UDP") && tg.Attributes["preserve_client_ip.enabled"] == "false" {
			return errInvalidConfig("Client IP preservation cannot be disabled for target groups with the %s protocol", tg.Protocol)
		}
		return t.Put(c.Key(tg.ID), tg)
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.ModifyTargetGroupAttributesOutput{Attributes: tgAttributeShapes(allAttributes(tg.Attributes, tgDefaults(tg)))}, nil
}

// DescribeListenerAttributes lists every attribute of a listener: TCP listeners have
// their idle timeout.
func (s *ELB) DescribeListenerAttributes(ctx context.Context, c kit.Caller, in *elbv2.DescribeListenerAttributesInput) (*elbv2.DescribeListenerAttributesOutput, error) {
	var l *kit.ListenerRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		l, err = getListener(t, c, kit.Deref(in.ListenerArn))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.DescribeListenerAttributesOutput{Attributes: listenerAttributeShapes(allAttributes(l.Attributes, listenerDefaults(l)))}, nil
}

// ModifyListenerAttributes sets attributes of a listener and lists them all.
func (s *ELB) ModifyListenerAttributes(ctx context.Context, c kit.Caller, in *elbv2.ModifyListenerAttributesInput) (*elbv2.ModifyListenerAttributesOutput, error) {
	var pairs []keyValue
	for _, a := range in.Attributes {
		pairs = append(pairs, keyValue{kit.Deref(a.Key), kit.Deref(a.Value)})
	}
	var l *kit.ListenerRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if l, err = getListener(t, c, kit.Deref(in.ListenerArn)); err != nil {
			return err
		}
		if l.Attributes, err = setAttributes(l.Attributes, listenerDefaults(l), listenerAttrs, "Listener", pairs); err != nil {
			return err
		}
		return t.Put(c.Key(l.ID), l)
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.ModifyListenerAttributesOutput{Attributes: listenerAttributeShapes(allAttributes(l.Attributes, listenerDefaults(l)))}, nil
}
