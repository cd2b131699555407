package elb

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"vpcd/internal/aws/elbv2"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func errInvalidTarget(format string, args ...any) error {
	return ec2.Errorf("InvalidTarget", format, args...)
}

// checkTarget checks a target against its group: an instance of the group's VPC that is
// pending or running, or an address of one of the VPC's CIDRs (or, with the zone "all", any
// private address, which a network load balancer reaches over peering or a VPN).
func checkTarget(t *kit.Txn, c kit.Caller, tg *kit.TargetGroupRecord, d elbv2.TargetDescription) (kit.Target, error) {
	target := kit.Target{ID: kit.Deref(d.Id), Port: tg.Port, Zone: kit.Deref(d.AvailabilityZone)}
	if d.Port != nil {
		if err := checkRange(d.Port, "targets.member.port", 1, 65535); err != nil {
			return target, err
		}
		target.Port = *d.Port
	}
	if d.QuicServerId != nil {
		return target, errInvalidConfig("QUIC server IDs are only supported for QUIC target groups")
	}
	if tg.TargetType == "instance" {
		if target.Zone != "" {
			return target, errValidation("An Availability Zone cannot be specified for instance targets")
		}
		in := new(kit.InstanceRecord)
		found := false
		if kit.ValidID(target.ID, "i") {
			var err error
			if found, err = t.Get(c.Key(target.ID), in); err != nil {
				return target, err
			}
		}
		switch {
		case !found:
			return target, errInvalidTarget("The following targets are not valid instances: '%s'", target.ID)
		case in.State != "running" && in.State != "pending":
			return target, errInvalidTarget("The following targets are not in a running state and cannot be registered: '%s'", target.ID)
		case in.VpcID != tg.VpcID:
			return target, errInvalidTarget("The following targets are not in the target group VPC '%s': '%s'", tg.VpcID, target.ID)
		}
		return target, nil
	}
	addr, err := netip.ParseAddr(target.ID)
	if err != nil || addr.Is4() != (tg.IPAddressType == "ipv4") {
		return target, errInvalidTarget("The IP address '%s' is not a valid %s address", target.ID, tg.IPAddressType)
	}
	if target.Zone == "all" {
		if !addr.IsPrivate() && !netip.MustParsePrefix("100.64.0.0/10").Contains(addr) {
			return target, errInvalidTarget("The IP address '%s' is not a private address, which a target outside the VPC must be", target.ID)
		}
		return target, nil
	}
	vpc := new(kit.VpcRecord)
	if _, err := t.Get(c.Key(tg.VpcID), vpc); err != nil {
		return target, err
	}
	cidrs := vpc.Cidrs()
	for _, b := range vpc.Ipv6Blocks {
		cidrs = append(cidrs, b.Cidr)
	}
	if !slices.ContainsFunc(cidrs, func(p netip.Prefix) bool { return p.Contains(addr) }) {
		return target, errInvalidTarget("The IP address '%s' is not within a CIDR block of the target group's VPC '%s'", target.ID, tg.VpcID)
	}
	return target, nil
}

// RegisterTargets registers targets with a target group; a target registered again (the
// same ID and port) stays registered once.
func (s *ELB) RegisterTargets(ctx context.Context, c kit.Caller, in *elbv2.RegisterTargetsInput) (*elbv2.RegisterTargetsOutput, error) {
	err := s.Update(ctx, func(t *kit.Txn) error {
		tg, err := getTargetGroup(t, c, kit.Deref(in.TargetGroupArn))
		if err != nil {
			return err
		}
		for _, d := range in.Targets {
			target, err := checkTarget(t, c, tg, d)
			if err != nil {
				return err
			}
			// A target registered again while it drains takes new flows again, from
			// the state before its first check.
			tg.Targets = slices.DeleteFunc(tg.Targets, func(o kit.Target) bool {
				return o.ID == target.ID && o.Port == target.Port && o.Deregistered()
			})
			if !slices.ContainsFunc(tg.Targets, func(o kit.Target) bool { return o.ID == target.ID && o.Port == target.Port }) {
				tg.Targets = append(tg.Targets, target)
			}
		}
		pruneDrained(tg, s.Now())
		if len(tg.Targets) > maxTargetsPerLB {
			return errTooManyTargets("You've reached the limit on the number of targets")
		}
		return t.Put(c.Key(tg.ID), tg)
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.RegisterTargetsOutput{}, nil
}

// DeregisterTargets deregisters targets from a target group: each drains for the group's
// deregistration delay (its flows go on, it gets no new ones), then is gone. A target
// that is not registered is no error (a guess at AWS's answer).
func (s *ELB) DeregisterTargets(ctx context.Context, c kit.Caller, in *elbv2.DeregisterTargetsInput) (*elbv2.DeregisterTargetsOutput, error) {
	now := s.Now()
	err := s.Update(ctx, func(t *kit.Txn) error {
		tg, err := getTargetGroup(t, c, kit.Deref(in.TargetGroupArn))
		if err != nil {
			return err
		}
		for _, d := range in.Targets {
			id, port := kit.Deref(d.Id), kit.Deref(d.Port)
			if port == 0 {
				port = tg.Port
			}
			for i, o := range tg.Targets {
				if o.ID == id && o.Port == port && !o.Deregistered() {
					tg.Targets[i].DrainUntil = now.Add(tg.DeregistrationDelay())
				}
			}
		}
		pruneDrained(tg, now)
		return t.Put(c.Key(tg.ID), tg)
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.DeregisterTargetsOutput{}, nil
}

// DescribeTargetHealth answers the health of a group's targets, or of the named ones.
// Until the data plane checks targets, a target of a group that a listener forwards to
// stays in the state before its first check (initial); a group no listener uses has its
// targets unused, as AWS answers.
func (s *ELB) DescribeTargetHealth(ctx context.Context, c kit.Caller, in *elbv2.DescribeTargetHealthInput) (*elbv2.DescribeTargetHealthOutput, error) {
	out := &elbv2.DescribeTargetHealthOutput{TargetHealthDescriptions: []elbv2.TargetHealthDescription{}}
	err := s.View(ctx, func(t *kit.Txn) error {
		out.TargetHealthDescriptions = out.TargetHealthDescriptions[:0]
		tg, err := getTargetGroup(t, c, kit.Deref(in.TargetGroupArn))
		if err != nil {
			return err
		}
		targets := tg.Targets
		if len(in.Targets) > 0 {
			targets = nil
			for _, d := range in.Targets {
				id := kit.Deref(d.Id)
				found := false
				for _, o := range tg.Targets {
					if o.ID == id && (d.Port == nil || *d.Port == o.Port) {
						targets, found = append(targets, o), true
					}
				}
				if !found {
					if tg.TargetType == "instance" && !kit.ValidID(id, "i") {
						return errInvalidTarget("The following targets are not valid instances: '%s'", id)
					}
					port := tg.Port
					if d.Port != nil {
						port = *d.Port
					}
					out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, healthShape(tg, kit.Target{ID: id, Port: port, Zone: kit.Deref(d.AvailabilityZone)},
						"unused", "Target.NotRegistered", "Target is not registered to the target group"))
				}
			}
		}
		now := s.Now()
		for _, target := range targets {
			if target.Deregistered() && !target.Draining(now) {
				continue // drained: gone
			}
			state, reason, desc := "initial", "Elb.RegistrationInProgress", "Target registration is in progress"
			switch {
			case target.Deregistered():
				state, reason, desc = "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress"
			case len(tg.Users) == 0:
				state, reason, desc = "unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"
			case target.Health == "healthy":
				state, reason, desc = "healthy", "", ""
			case target.Health == "unhealthy":
				state, reason, desc = "unhealthy", target.Reason, "Health checks failed"
			}
			if state != "draining" && state != "unused" && tg.TargetType == "instance" {
				in := &kit.InstanceRecord{State: "terminated"} // one no longer kept was terminated
				if _, err := t.Get(c.Key(target.ID), in); err != nil {
					return err
				}
				if in.State != "running" && in.State != "pending" {
					state, reason, desc = "unused", "Target.InvalidState", "Target is in the "+in.State+" state"
				}
			}
			out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, healthShape(tg, target, state, reason, desc))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// pruneDrained forgets the targets whose deregistration delay is over.
func pruneDrained(tg *kit.TargetGroupRecord, now time.Time) {
	tg.Targets = slices.DeleteFunc(tg.Targets, func(o kit.Target) bool { return o.Deregistered() && !o.Draining(now) })
}

func healthShape(tg *kit.TargetGroupRecord, target kit.Target, state, reason, desc string) elbv2.TargetHealthDescription {
	port := tg.Health.Port
	if port == "traffic-port" {
		port = strconv.Itoa(int(target.Port))
	}
	d := elbv2.TargetDescription{Id: kit.Ptr(target.ID), Port: kit.Ptr(target.Port)}
	if target.Zone != "" {
		d.AvailabilityZone = kit.Ptr(target.Zone)
	}
	h := &elbv2.TargetHealth{State: kit.Ptr(state)}
	if reason != "" { // a healthy target has neither
		h.Reason, h.Description = kit.Ptr(reason), kit.Ptr(desc)
	}
	return elbv2.TargetHealthDescription{Target: &d, HealthCheckPort: kit.Ptr(port), TargetHealth: h}
}
