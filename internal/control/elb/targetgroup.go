package elb

import (
	"context"
	"slices"
	"strconv"

	"vpcd/internal/aws/elbv2"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// healthCheckInput is what CreateTargetGroup and ModifyTargetGroup say of health checks.
type healthCheckInput struct {
	Enabled                      *bool
	Interval, Timeout            *int32
	Path, Port, Protocol         *string
	HealthyCount, UnhealthyCount *int32
	Matcher                      *elbv2.Matcher
}

// apply checks in and sets what it says over h: a new group's h holds no protocol yet and
// gets the defaults of network load balancers' target groups.
func (in healthCheckInput) apply(h *kit.HealthCheck, targetType string) error {
	if in.Enabled != nil && !*in.Enabled {
		return errInvalidConfig("Health checks cannot be disabled for target groups with the target type '%s'", targetType)
	}
	if err := checkRange(in.Interval, "healthCheckIntervalSeconds", 5, 300); err != nil {
		return err
	}
	if err := checkRange(in.Timeout, "healthCheckTimeoutSeconds", 2, 120); err != nil {
		return err
	}
	if err := checkRange(in.HealthyCount, "healthyThresholdCount", 2, 10); err != nil {
		return err
	}
	if err := checkRange(in.UnhealthyCount, "unhealthyThresholdCount", 2, 10); err != nil {
		return err
	}
	fresh := h.Protocol == ""
	if p := kit.Deref(in.Protocol); p != "" {
		if !slices.Contains([]string{"HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC"}, p) {
			return enumError(p, "healthCheckProtocol", "HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC")
		}
		if p != "HTTP" && p != "HTTPS" && p != "TCP" {
			return errInvalidConfig("Health check protocol '%s' is not supported for target groups of network load balancers", p)
		}
		h.Protocol = p
	} else if fresh {
		h.Protocol = "TCP"
	}
	httpCheck := h.Protocol == "HTTP" || h.Protocol == "HTTPS"
	if port := kit.Deref(in.Port); port != "" {
		if n, err := strconv.Atoi(port); port != "traffic-port" && (err != nil || n < 1 || n > 65535) {
			return errValidation("Health check port '%s' must be 'traffic-port' or a number between 1 and 65535", port)
		}
		h.Port = port
	} else if fresh {
		h.Port = "traffic-port"
	}
	if in.Path != nil {
		if !httpCheck {
			return errInvalidConfig("Health check path is only supported for HTTP and HTTPS health checks")
		}
		h.Path = *in.Path
	}
	if in.Matcher != nil {
		if !httpCheck || in.Matcher.GrpcCode != nil {
			return errInvalidConfig("Health check matcher HTTP codes are only supported for HTTP and HTTPS health checks")
		}
		h.Matcher = kit.Deref(in.Matcher.HttpCode)
	}
	if httpCheck && h.Path == "" {
		h.Path = "/"
	}
	if httpCheck && h.Matcher == "" {
		h.Matcher = "200-399"
	}
	if !httpCheck {
		h.Path, h.Matcher = "", ""
	}
	h.Enabled = true
	set := func(dst *int32, v *int32, def int32) {
		if v != nil {
			*dst = *v
		} else if fresh {
			*dst = def
		}
	}
	timeout := int32(10)
	if h.Protocol == "HTTP" {
		timeout = 6
	}
	set(&h.Interval, in.Interval, 30)
	set(&h.Timeout, in.Timeout, timeout)
	set(&h.Healthy, in.HealthyCount, 5)
	set(&h.Unhealthy, in.UnhealthyCount, 2)
	if h.Timeout > h.Interval {
		return errInvalidConfig("Health check timeout '%d' must be smaller than or equal to the interval '%d'", h.Timeout, h.Interval)
	}
	return nil
}

// CreateTargetGroup creates a target group of a network load balancer. A second request
// for a name with the same settings answers the group it created.
func (s *ELB) CreateTargetGroup(ctx context.Context, c kit.Caller, in *elbv2.CreateTargetGroupInput) (*elbv2.CreateTargetGroupOutput, error) {
	name := kit.Deref(in.Name)
	if err := checkName(name, "target group"); err != nil {
		return nil, err
	}
	tg := &kit.TargetGroupRecord{Name: name, TargetType: kit.Deref(in.TargetType), Protocol: kit.Deref(in.Protocol), IPAddressType: kit.Deref(in.IpAddressType),
		VpcID: kit.Deref(in.VpcId), Created: s.Now()}
	if tg.TargetType == "" {
		tg.TargetType = "instance"
	}
	switch tg.TargetType {
	case "instance", "ip":
	case "lambda", "alb":
		return nil, errInvalidConfig("Target groups of target type '%s' are not supported by vpcd; only 'instance' and 'ip' are", tg.TargetType)
	default:
		return nil, enumError(tg.TargetType, "targetType", "instance", "ip", "lambda", "alb")
	}
	if err := checkProtocol(tg.Protocol, "protocol", "target group"); err != nil {
		return nil, err
	}
	if in.Port == nil {
		return nil, errValidation("A port must be specified")
	}
	if err := checkRange(in.Port, "port", 1, 65535); err != nil {
		return nil, err
	}
	tg.Port = *in.Port
	if tg.IPAddressType == "" {
		tg.IPAddressType = "ipv4"
	}
	if tg.IPAddressType != "ipv4" && tg.IPAddressType != "ipv6" {
		return nil, enumError(tg.IPAddressType, "ipAddressType", "ipv4", "ipv6")
	}
	if tg.IPAddressType == "ipv6" && tg.TargetType != "ip" {
		return nil, errInvalidConfig("The IP address type 'ipv6' is only supported for target groups with the target type 'ip'")
	}
	if in.ProtocolVersion != nil || in.TargetControlPort != nil {
		return nil, errInvalidConfig("Protocol versions and target control ports are not supported for target groups with the %s protocol", tg.Protocol)
	}
	if tg.VpcID == "" {
		return nil, errValidation("A VPC ID must be specified")
	}
	hc := healthCheckInput{in.HealthCheckEnabled, in.HealthCheckIntervalSeconds, in.HealthCheckTimeoutSeconds, in.HealthCheckPath, in.HealthCheckPort,
		in.HealthCheckProtocol, in.HealthyThresholdCount, in.UnhealthyThresholdCount, in.Matcher}
	if err := hc.apply(&tg.Health, tg.TargetType); err != nil {
		return nil, err
	}
	tags, err := tagsOf(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	tg.Meta = kit.Meta{ID: kit.NewELBID("elbtg"), Owner: c.Account, Tags: tags}
	err = s.Update(ctx, func(t *kit.Txn) error {
		var id string
		found, err := t.Get(kit.ELBNameKey(c, "tg", name), &id)
		if err != nil {
			return err
		}
		if found {
			o := new(kit.TargetGroupRecord)
			if _, err := t.Get(c.Key(id), o); err != nil {
				return err
			}
			if o.Protocol != tg.Protocol || o.Port != tg.Port || o.VpcID != tg.VpcID || o.TargetType != tg.TargetType || o.Health != tg.Health {
				return errDuplicateTargetGroupName("A target group with the same name '%s' exists, but with different settings", name)
			}
			tg = o
			return nil
		}
		if found, err := vpcExists(t, c, tg.VpcID); err != nil || !found {
			if err == nil {
				err = errValidation("The VPC ID '%s' is not found", tg.VpcID)
			}
			return err
		}
		if err := t.Guard(c.Prefix("elbguard") + "tg"); err != nil {
			return err
		}
		all, err := kit.ListAll[kit.TargetGroupRecord](t, c.Prefix("elbtg"))
		if err != nil {
			return err
		}
		limit, err := s.QuotaLimit(t, c, kit.QuotaTargetGroups)
		if err != nil {
			return err
		}
		if len(all) >= limit {
			return errTooManyTargetGroups("The maximum number of target groups has been reached")
		}
		if err := t.Put(kit.ELBNameKey(c, "tg", name), tg.ID); err != nil {
			return err
		}
		return t.Put(c.Key(tg.ID), tg)
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.CreateTargetGroupOutput{TargetGroups: []elbv2.TargetGroup{targetGroupShape(c, tg)}}, nil
}

func vpcExists(t *kit.Txn, c kit.Caller, id string) (bool, error) {
	if !kit.ValidID(id, "vpc") {
		return false, nil
	}
	return t.Get(c.Key(id), &kit.VpcRecord{})
}

// checkProtocol checks a listener's or target group's protocol: those of network load
// balancers, the others refused.
func checkProtocol(p, member, what string) error {
	all := []string{"HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC"}
	switch {
	case p == "":
		return errValidation("A protocol must be specified")
	case !slices.Contains(all, p):
		return enumError(p, member, all...)
	case p != "TCP" && p != "TLS" && p != "UDP" && p != "TCP_UDP":
		return errInvalidConfig("Protocol '%s' is not supported by vpcd for a %s; network load balancers take TCP, TLS, UDP and TCP_UDP", p, what)
	}
	return nil
}

func targetGroupShape(c kit.Caller, tg *kit.TargetGroupRecord) elbv2.TargetGroup {
	h := tg.Health
	out := elbv2.TargetGroup{
		TargetGroupArn: kit.Ptr(targetGroupARN(c, tg)), TargetGroupName: kit.Ptr(tg.Name), Protocol: kit.Ptr(tg.Protocol), Port: kit.Ptr(tg.Port),
		VpcId: kit.Ptr(tg.VpcID), TargetType: kit.Ptr(tg.TargetType), IpAddressType: kit.Ptr(tg.IPAddressType),
		HealthCheckEnabled: kit.Ptr(h.Enabled), HealthCheckProtocol: kit.Ptr(h.Protocol), HealthCheckPort: kit.Ptr(h.Port),
		HealthCheckIntervalSeconds: kit.Ptr(h.Interval), HealthCheckTimeoutSeconds: kit.Ptr(h.Timeout),
		HealthyThresholdCount: kit.Ptr(h.Healthy), UnhealthyThresholdCount: kit.Ptr(h.Unhealthy), LoadBalancerArns: loadBalancerARNs(tg),
	}
	if h.Path != "" {
		out.HealthCheckPath = kit.Ptr(h.Path)
	}
	if h.Matcher != "" {
		out.Matcher = &elbv2.Matcher{HttpCode: kit.Ptr(h.Matcher)}
	}
	return out
}

// loadBalancerARNs are the load balancers whose listeners forward to the group.
func loadBalancerARNs(tg *kit.TargetGroupRecord) []string {
	out := []string{}
	for _, u := range tg.Users {
		if !slices.Contains(out, u.LoadBalancerARN) {
			out = append(out, u.LoadBalancerARN)
		}
	}
	return out
}

// DescribeTargetGroups lists the caller's target groups, those of a load balancer, or
// those named by ARN or name.
func (s *ELB) DescribeTargetGroups(ctx context.Context, c kit.Caller, in *elbv2.DescribeTargetGroupsInput) (*elbv2.DescribeTargetGroupsOutput, error) {
	given := 0
	for _, b := range []bool{in.LoadBalancerArn != nil, len(in.Names) > 0, len(in.TargetGroupArns) > 0} {
		if b {
			given++
		}
	}
	if given > 1 {
		return nil, errValidation("Target group ARNs, target group names and a load balancer ARN cannot be specified at the same time")
	}
	var tgs []*kit.TargetGroupRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		tgs = nil
		switch {
		case len(in.TargetGroupArns) > 0:
			for _, arn := range in.TargetGroupArns {
				tg, err := getTargetGroup(t, c, arn)
				if err != nil {
					return err
				}
				tgs = append(tgs, tg)
			}
			return nil
		case len(in.Names) > 0:
			for _, name := range in.Names {
				var id string
				found, err := t.Get(kit.ELBNameKey(c, "tg", name), &id)
				tg := new(kit.TargetGroupRecord)
				if err == nil && found {
					found, err = t.Get(c.Key(id), tg)
				}
				if err != nil {
					return err
				}
				if !found {
					return errTargetGroupNameNotFound("Target groups '[%s]' not found", name)
				}
				tgs = append(tgs, tg)
			}
			return nil
		}
		all, err := kit.ListAll[kit.TargetGroupRecord](t, c.Prefix("elbtg"))
		if err != nil || in.LoadBalancerArn == nil {
			tgs = all
			return err
		}
		lb, err := getLoadBalancer(t, c, *in.LoadBalancerArn)
		if err != nil {
			return err
		}
		arn := loadBalancerARN(c, lb)
		for _, tg := range all {
			if slices.Contains(loadBalancerARNs(tg), arn) {
				tgs = append(tgs, tg)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := pageOf(tgs, func(tg *kit.TargetGroupRecord) elbv2.TargetGroup { return targetGroupShape(c, tg) }, in.PageSize, in.Marker)
	if err != nil {
		return nil, err
	}
	return &elbv2.DescribeTargetGroupsOutput{TargetGroups: pg, NextMarker: next}, nil
}

// ModifyTargetGroup changes a target group's health check settings.
func (s *ELB) ModifyTargetGroup(ctx context.Context, c kit.Caller, in *elbv2.ModifyTargetGroupInput) (*elbv2.ModifyTargetGroupOutput, error) {
	var tg *kit.TargetGroupRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if tg, err = getTargetGroup(t, c, kit.Deref(in.TargetGroupArn)); err != nil {
			return err
		}
		hc := healthCheckInput{in.HealthCheckEnabled, in.HealthCheckIntervalSeconds, in.HealthCheckTimeoutSeconds, in.HealthCheckPath, in.HealthCheckPort,
			in.HealthCheckProtocol, in.HealthyThresholdCount, in.UnhealthyThresholdCount, in.Matcher}
		if err := hc.apply(&tg.Health, tg.TargetType); err != nil {
			return err
		}
		return t.Put(c.Key(tg.ID), tg)
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.ModifyTargetGroupOutput{TargetGroups: []elbv2.TargetGroup{targetGroupShape(c, tg)}}, nil
}

// DeleteTargetGroup deletes a target group that no listener forwards to. A group that
// does not exist is no error (a guess: AWS documents it for load balancers).
func (s *ELB) DeleteTargetGroup(ctx context.Context, c kit.Caller, in *elbv2.DeleteTargetGroupInput) (*elbv2.DeleteTargetGroupOutput, error) {
	err := s.Update(ctx, func(t *kit.Txn) error {
		tg, err := getTargetGroup(t, c, kit.Deref(in.TargetGroupArn))
		if e, ok := err.(*ec2.Error); ok && e.Code == "TargetGroupNotFound" {
			return nil
		}
		if err != nil {
			return err
		}
		if len(tg.Users) > 0 {
			return errResourceInUse("Target group '%s' is currently in use by a listener or a rule", targetGroupARN(c, tg))
		}
		t.Del(kit.ELBNameKey(c, "tg", tg.Name))
		t.Del(c.Key(tg.ID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.DeleteTargetGroupOutput{}, nil
}
