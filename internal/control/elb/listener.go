package elb

import (
	"context"
	"slices"

	"vpcd/internal/aws/elbv2"
	"vpcd/internal/control/kit"
)

// listenerTarget is the target group a listener's default actions forward to: one
// forward action, with the group's ARN or a ForwardConfig of one group.
func listenerTarget(actions []elbv2.Action) (string, error) {
	if len(actions) != 1 {
		return "", errInvalidConfig("A listener of a network load balancer must have exactly one default action")
	}
	a := actions[0]
	typ := kit.Deref(a.Type)
	all := []string{"forward", "authenticate-oidc", "authenticate-cognito", "redirect", "fixed-response", "jwt-validation"}
	if !slices.Contains(all, typ) {
		return "", enumError(typ, "defaultActions.member.1.type", all...)
	}
	if typ != "forward" {
		return "", errInvalidLoadBalancerAction("The action type '%s' is not valid with a network load balancer", typ)
	}
	arn := kit.Deref(a.TargetGroupArn)
	if fc := a.ForwardConfig; fc != nil {
		if len(fc.TargetGroups) != 1 {
			return "", errTooManyActions("A forward action of a network load balancer's listener can have only one target group")
		}
		if other := kit.Deref(fc.TargetGroups[0].TargetGroupArn); arn != "" && other != arn {
			return "", errValidation("The target group ARN of the action and of its forward config must be the same")
		} else {
			arn = other
		}
	}
	if arn == "" {
		return "", errValidation("A target group ARN must be specified for a forward action")
	}
	return arn, nil
}

// compatible: the protocols a listener can forward to a target group with, on a network
// load balancer.
func compatible(listener, group string) bool {
	switch listener {
	case "TLS":
		return group == "TCP" || group == "TLS"
	default:
		return listener == group
	}
}

// checkCertificates: a TLS listener needs a certificate, and vpcd has no certificates
// (AWS Certificate Manager) to give it; other listeners take none.
func checkCertificates(protocol string, certs []elbv2.Certificate, policy *string) error {
	if protocol == "TLS" {
		if len(certs) == 0 {
			return errValidation("A certificate must be specified for TLS listeners")
		}
		return errCertificateNotFound("Certificate '%s' not found: vpcd has no certificates, so TLS listeners are not supported", kit.Deref(certs[0].CertificateArn))
	}
	if len(certs) > 0 || policy != nil {
		return errInvalidConfig("Certificates and SSL policies can only be specified for TLS listeners")
	}
	return nil
}

// forwardTo points a listener at a target group of the load balancer's VPC that no
// other load balancer uses, and records the listener among the group's users.
func forwardTo(t *kit.Txn, c kit.Caller, lb *kit.LoadBalancerRecord, l *kit.ListenerRecord, arn string) error {
	tg, err := getTargetGroup(t, c, arn)
	if err != nil {
		return err
	}
	if tg.VpcID != lb.VpcID {
		return errInvalidConfig("The target group '%s' is not in the same VPC as the load balancer", arn)
	}
	if !compatible(l.Protocol, tg.Protocol) {
		return errIncompatibleProtocols("The listener protocol '%s' is not compatible with the target group protocol '%s'", l.Protocol, tg.Protocol)
	}
	lbARN := loadBalancerARN(c, lb)
	for _, u := range tg.Users {
		if u.LoadBalancerARN != lbARN {
			return errTargetGroupAssociationLimit("The following target groups cannot be associated with more than one load balancer: %s", arn)
		}
	}
	l.TargetGroup, l.TargetGroupARN = tg.ID, arn
	tg.Users = append(tg.Users, kit.TargetGroupUser{Listener: l.ID, LoadBalancerARN: lbARN})
	return t.Put(c.Key(tg.ID), tg)
}

// unforward takes the listener out of its target group's users.
func unforward(t *kit.Txn, c kit.Caller, l *kit.ListenerRecord) error {
	tg := new(kit.TargetGroupRecord)
	found, err := t.Get(c.Key(l.TargetGroup), tg)
	if err != nil || !found {
		return err
	}
	tg.Users = slices.DeleteFunc(tg.Users, func(u kit.TargetGroupUser) bool { return u.Listener == l.ID })
	return t.Put(c.Key(tg.ID), tg)
}

// checkPort: no other listener of the load balancer has the port.
func checkPort(t *kit.Txn, c kit.Caller, lb *kit.LoadBalancerRecord, self string, port int32) error {
	for _, id := range lb.Listeners {
		if id == self {
			continue
		}
		o := new(kit.ListenerRecord)
		if _, err := t.Get(c.Key(id), o); err != nil {
			return err
		}
		if o.Port == port {
			return errDuplicateListener("A listener already exists on this port for this load balancer '%s'", loadBalancerARN(c, lb))
		}
	}
	return nil
}

// CreateListener adds a listener to a network load balancer, forwarding to a target
// group.
func (s *ELB) CreateListener(ctx context.Context, c kit.Caller, in *elbv2.CreateListenerInput) (*elbv2.CreateListenerOutput, error) {
	protocol := kit.Deref(in.Protocol)
	if err := checkProtocol(protocol, "protocol", "listener"); err != nil {
		return nil, err
	}
	if in.Port == nil {
		return nil, errValidation("A port must be specified")
	}
	if err := checkRange(in.Port, "port", 1, 65535); err != nil {
		return nil, err
	}
	if err := checkCertificates(protocol, in.Certificates, in.SslPolicy); err != nil {
		return nil, err
	}
	if len(in.AlpnPolicy) > 0 || in.MutualAuthentication != nil {
		return nil, errInvalidConfig("ALPN policies and mutual authentication are only supported for TLS and HTTPS listeners")
	}
	tgARN, err := listenerTarget(in.DefaultActions)
	if err != nil {
		return nil, err
	}
	tags, err := tagsOf(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	l := &kit.ListenerRecord{Meta: kit.Meta{ID: kit.NewELBID("elblst"), Owner: c.Account, Tags: tags}, Protocol: protocol, Port: *in.Port, Created: s.Now()}
	err = s.Update(ctx, func(t *kit.Txn) error {
		lb, err := getLoadBalancer(t, c, kit.Deref(in.LoadBalancerArn))
		if err != nil {
			return err
		}
		l.LoadBalancer, l.LoadBalancerARN, l.VpcID = lb.ID, loadBalancerARN(c, lb), lb.VpcID
		if len(lb.Listeners) >= maxListeners {
			return errTooManyListeners("You've reached the limit on the number of listeners per load balancer")
		}
		if err := checkPort(t, c, lb, "", l.Port); err != nil {
			return err
		}
		if err := forwardTo(t, c, lb, l, tgARN); err != nil {
			return err
		}
		lb.Listeners = append(lb.Listeners, l.ID)
		if err := t.Put(c.Key(lb.ID), lb); err != nil {
			return err
		}
		return t.Put(c.Key(l.ID), l)
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.CreateListenerOutput{Listeners: []elbv2.Listener{listenerShape(l)}}, nil
}

func listenerShape(l *kit.ListenerRecord) elbv2.Listener {
	return elbv2.Listener{
		ListenerArn: kit.Ptr(listenerARN(l)), LoadBalancerArn: kit.Ptr(l.LoadBalancerARN), Port: kit.Ptr(l.Port), Protocol: kit.Ptr(l.Protocol),
		DefaultActions: []elbv2.Action{{Type: kit.Ptr("forward"), TargetGroupArn: kit.Ptr(l.TargetGroupARN),
			ForwardConfig: &elbv2.ForwardActionConfig{TargetGroups: []elbv2.TargetGroupTuple{{TargetGroupArn: kit.Ptr(l.TargetGroupARN), Weight: kit.Ptr(int32(1))}},
				TargetGroupStickinessConfig: &elbv2.TargetGroupStickinessConfig{Enabled: kit.Ptr(false)}}}},
	}
}

// DescribeListeners lists a load balancer's listeners, or the listeners named by ARN.
func (s *ELB) DescribeListeners(ctx context.Context, c kit.Caller, in *elbv2.DescribeListenersInput) (*elbv2.DescribeListenersOutput, error) {
	if in.LoadBalancerArn == nil && len(in.ListenerArns) == 0 {
		return nil, errValidation("You must specify either listener ARNs or a load balancer ARN")
	}
	if in.LoadBalancerArn != nil && len(in.ListenerArns) > 0 {
		return nil, errValidation("Listener ARNs and a load balancer ARN cannot be specified at the same time")
	}
	var ls []*kit.ListenerRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		ls = nil
		for _, arn := range in.ListenerArns {
			l, err := getListener(t, c, arn)
			if err != nil {
				return err
			}
			ls = append(ls, l)
		}
		if in.LoadBalancerArn == nil {
			return nil
		}
		lb, err := getLoadBalancer(t, c, *in.LoadBalancerArn)
		if err != nil {
			return err
		}
		for _, id := range lb.Listeners {
			l := new(kit.ListenerRecord)
			if _, err := t.Get(c.Key(id), l); err != nil {
				return err
			}
			ls = append(ls, l)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := pageOf(ls, listenerShape, in.PageSize, in.Marker)
	if err != nil {
		return nil, err
	}
	return &elbv2.DescribeListenersOutput{Listeners: pg, NextMarker: next}, nil
}

// ModifyListener changes a listener's port, protocol or target group.
func (s *ELB) ModifyListener(ctx context.Context, c kit.Caller, in *elbv2.ModifyListenerInput) (*elbv2.ModifyListenerOutput, error) {
	if in.Protocol != nil {
		if err := checkProtocol(*in.Protocol, "protocol", "listener"); err != nil {
			return nil, err
		}
	}
	if err := checkRange(in.Port, "port", 1, 65535); err != nil {
		return nil, err
	}
	if len(in.AlpnPolicy) > 0 || in.MutualAuthentication != nil {
		return nil, errInvalidConfig("ALPN policies and mutual authentication are only supported for TLS and HTTPS listeners")
	}
	var tgARN string
	if in.DefaultActions != nil {
		var err error
		if tgARN, err = listenerTarget(in.DefaultActions); err != nil {
			return nil, err
		}
	}
	var l *kit.ListenerRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if l, err = getListener(t, c, kit.Deref(in.ListenerArn)); err != nil {
			return err
		}
		if in.Protocol != nil {
			l.Protocol = *in.Protocol
		}
		if err := checkCertificates(l.Protocol, in.Certificates, in.SslPolicy); err != nil {
			return err
		}
		lb := new(kit.LoadBalancerRecord)
		if _, err := t.Get(c.Key(l.LoadBalancer), lb); err != nil {
			return err
		}
		if in.Port != nil {
			l.Port = *in.Port
			if err := checkPort(t, c, lb, l.ID, l.Port); err != nil {
				return err
			}
		}
		if tgARN == "" {
			tgARN = l.TargetGroupARN
		}
		if err := unforward(t, c, l); err != nil {
			return err
		}
		if err := forwardTo(t, c, lb, l, tgARN); err != nil {
			return err
		}
		if _, ok := listenerDefaults(l)["tcp.idle_timeout.seconds"]; !ok {
			delete(l.Attributes, "tcp.idle_timeout.seconds")
		}
		return t.Put(c.Key(l.ID), l)
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.ModifyListenerOutput{Listeners: []elbv2.Listener{listenerShape(l)}}, nil
}

// DeleteListener deletes a listener.
func (s *ELB) DeleteListener(ctx context.Context, c kit.Caller, in *elbv2.DeleteListenerInput) (*elbv2.DeleteListenerOutput, error) {
	err := s.Update(ctx, func(t *kit.Txn) error {
		l, err := getListener(t, c, kit.Deref(in.ListenerArn))
		if err != nil {
			return err
		}
		lb := new(kit.LoadBalancerRecord)
		if _, err := t.Get(c.Key(l.LoadBalancer), lb); err != nil {
			return err
		}
		lb.Listeners = slices.DeleteFunc(lb.Listeners, func(id string) bool { return id == l.ID })
		if err := t.Put(c.Key(lb.ID), lb); err != nil {
			return err
		}
		return delListener(t, c, l)
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.DeleteListenerOutput{}, nil
}

// delListener deletes a listener's record and its use of its target group.
func delListener(t *kit.Txn, c kit.Caller, l *kit.ListenerRecord) error {
	if err := unforward(t, c, l); err != nil {
		return err
	}
	t.Del(c.Key(l.ID))
	return nil
}
