package compute

import (
	"context"
	"net/netip"
	"strconv"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// userInitiated is the state transition reason AWS gives a user's stop or termination.
func userInitiated(now time.Time) string {
	return "User initiated (" + now.UTC().Format("2006-01-02 15:04:05 MST") + ")"
}

// changeStates runs change on each named instance in one transaction and answers their
// previous and current states in the order asked.
func (s *Compute) changeStates(ctx context.Context, c kit.Caller, ids []string, change func(t *kit.Txn, inst *kit.InstanceRecord) (current string, err error)) ([]ec2.InstanceStateChange, error) {
	if len(ids) == 0 {
		return nil, ec2.ErrMissingParameter("InstanceId")
	}
	var out []ec2.InstanceStateChange
	err := s.Update(ctx, func(t *kit.Txn) error {
		out = nil
		insts, err := s.listInstances(ctx, t, c, ids)
		if err != nil {
			return err
		}
		byID := map[string]*kit.InstanceRecord{}
		for _, inst := range insts {
			byID[inst.ID] = inst
		}
		for _, id := range ids {
			inst := byID[id]
			if inst == nil {
				continue // a repeated ID
			}
			delete(byID, id)
			prev := inst.State
			cur, err := change(t, inst)
			if err != nil {
				return err
			}
			if err := t.Put(c.Key(inst.ID), inst); err != nil {
				return err
			}
			out = append(out, ec2.InstanceStateChange{InstanceId: kit.Ptr(id), PreviousState: kit.InstanceState(prev), CurrentState: kit.InstanceState(cur)})
		}
		return nil
	})
	return out, err
}

func errIncorrectState(id, verb string) error {
	return ec2.ErrIncorrectInstanceState("The instance '%s' is not in a state from which it can be %s.", id, verb)
}

// StopInstances stops running instances: they lose their public addresses from Amazon's
// pool (not their Elastic IPs). Stopping a stopped instance changes nothing.
func (s *Compute) StopInstances(ctx context.Context, c kit.Caller, in *ec2.StopInstancesRequest) (*ec2.StopInstancesResult, error) {
	if kit.Deref(in.Hibernate) {
		return nil, ec2.ErrUnsupportedHibernationConfiguration("The instance is not enabled for hibernation.")
	}
	now := s.Now()
	changes, err := s.changeStates(ctx, c, in.InstanceIds, func(t *kit.Txn, inst *kit.InstanceRecord) (string, error) {
		switch inst.State {
		case "stopped":
			return "stopped", nil
		case "terminated":
			return "", errIncorrectState(inst.ID, "stopped")
		}
		if inst.DisableAPIStop {
			return "", ec2.ErrOperationNotPermitted("The instance '%s' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.", inst.ID)
		}
		if err := editInterfaces(t, c, inst, func(e *kit.NetworkInterfaceRecord) bool {
			e.ReleasePublicIPs(t, c)
			return true
		}); err != nil {
			return "", err
		}
		if err := releaseHost(t, inst); err != nil {
			return "", err
		}
		inst.State, inst.StateReason, inst.StateTransitionReason = "stopped", "Client.UserInitiatedShutdown", userInitiated(now)
		return "stopping", nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.StopInstancesResult{StoppingInstances: changes}, nil
}

// editInterfaces applies edit to each interface of the instance and writes it back, or
// deletes it when edit returns false.
func editInterfaces(t *kit.Txn, c kit.Caller, inst *kit.InstanceRecord, edit func(e *kit.NetworkInterfaceRecord) bool) error {
	for _, id := range inst.ENIs {
		e := new(kit.NetworkInterfaceRecord)
		found, err := t.Get(c.Key(id), e)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		if !edit(e) {
			t.Del(c.Key(id))
			continue
		}
		if err := t.Put(c.Key(id), e); err != nil {
			return err
		}
	}
	return nil
}

// StartInstances starts stopped instances, with a new public address when the primary
// interface asks for one. Starting a running instance changes nothing.
func (s *Compute) StartInstances(ctx context.Context, c kit.Caller, in *ec2.StartInstancesRequest) (*ec2.StartInstancesResult, error) {
	changes, err := s.changeStates(ctx, c, in.InstanceIds, func(t *kit.Txn, inst *kit.InstanceRecord) (string, error) {
		switch inst.State {
		case "running":
			return "running", nil
		case "terminated":
			return "", errIncorrectState(inst.ID, "started")
		}
		room, limit, err := s.checkInstanceRoom(t, c, instanceVcpus(inst.InstanceType))
		if err != nil {
			return "", err
		}
		if room < 1 {
			return "", errVcpuLimit(limit)
		}
		// A stopped instance has left its host: it starts on whichever has room now.
		placed, err := s.placeInstances(t, c, inst.AvailabilityZone, inst.InstanceType, instanceVcpus(inst.InstanceType), 1, 1)
		if err != nil {
			return "", err
		}
		inst.Host = placed[0]
		var allocErr error
		err = editInterfaces(t, c, inst, func(e *kit.NetworkInterfaceRecord) bool {
			if p := e.PrimaryIP(); p != nil && e.AutoPublicIP && p.Association == nil && allocErr == nil {
				var a netip.Addr
				if a, allocErr = s.AllocatePublicIP(t, c, e.ID); allocErr == nil {
					p.Association = &kit.IpAssociation{PublicIP: a, Owner: "amazon"}
				}
			}
			return true
		})
		if err == nil {
			err = allocErr
		}
		if err != nil {
			return "", err
		}
		inst.State, inst.StateReason, inst.StateTransitionReason = "running", "", ""
		return "pending", nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.StartInstancesResult{StartingInstances: changes}, nil
}

// TerminateInstances terminates instances: their interfaces marked delete-on-termination
// go with them and the others are detached, which frees their addresses.
func (s *Compute) TerminateInstances(ctx context.Context, c kit.Caller, in *ec2.TerminateInstancesRequest) (*ec2.TerminateInstancesResult, error) {
	now := s.Now()
	changes, err := s.changeStates(ctx, c, in.InstanceIds, func(t *kit.Txn, inst *kit.InstanceRecord) (string, error) {
		if inst.State == "terminated" {
			return "terminated", nil
		}
		if inst.DisableAPITermination {
			return "", ec2.ErrOperationNotPermitted("The instance '%s' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.", inst.ID)
		}
		subnets := map[string]bool{}
		err := editInterfaces(t, c, inst, func(e *kit.NetworkInterfaceRecord) bool {
			subnets[e.SubnetID] = true
			e.ReleasePublicIPs(t, c)
			keep := e.Attachment == nil || !e.Attachment.DeleteOnTermination
			e.Attachment = nil
			return keep
		})
		if err != nil {
			return "", err
		}
		if err := releaseVolumes(t, c, inst); err != nil {
			return "", err
		}
		if err := releaseHost(t, inst); err != nil {
			return "", err
		}
		for id := range subnets {
			if err := kit.RecountSubnet(t, c, id); err != nil {
				return "", err
			}
		}
		cur := "shutting-down"
		if inst.State == "stopped" {
			cur = "terminated"
		}
		inst.State, inst.StateReason, inst.StateTransitionReason = "terminated", "Client.UserInitiatedShutdown", userInitiated(now)
		inst.TerminatedAt = now
		inst.SubnetID, inst.VpcID, inst.ENIs, inst.PrivateIP = "", "", nil, netip.Addr{}
		return cur, nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.TerminateInstancesResult{TerminatingInstances: changes}, nil
}

// RebootInstances reboots running instances; the data plane sees RebootedAt change.
func (s *Compute) RebootInstances(ctx context.Context, c kit.Caller, in *ec2.RebootInstancesRequest) error {
	now := s.Now()
	_, err := s.changeStates(ctx, c, in.InstanceIds, func(t *kit.Txn, inst *kit.InstanceRecord) (string, error) {
		if inst.State != "running" {
			return "", errIncorrectState(inst.ID, "rebooted")
		}
		inst.RebootedAt = now
		return "running", nil
	})
	return err
}

// instanceStatusFilters are the filters DescribeInstanceStatus documents.
var instanceStatusFilters = map[string]func(inst *kit.InstanceRecord) []string{
	"availability-zone": func(i *kit.InstanceRecord) []string { return []string{i.AvailabilityZone} },
	"instance-state-code": func(i *kit.InstanceRecord) []string {
		return []string{strconv.Itoa(int(kit.InstanceStateCodes[i.State]))}
	},
	"instance-state-name":          func(i *kit.InstanceRecord) []string { return []string{i.State} },
	"instance-status.reachability": func(i *kit.InstanceRecord) []string { return []string{i.Reachability()} },
	"instance-status.status":       func(i *kit.InstanceRecord) []string { return []string{i.HealthStatus()} },
	"system-status.reachability":   func(i *kit.InstanceRecord) []string { return []string{i.Reachability()} },
	"system-status.status":         func(i *kit.InstanceRecord) []string { return []string{i.HealthStatus()} },
	"event.code":                   func(*kit.InstanceRecord) []string { return nil },
	"event.description":            func(*kit.InstanceRecord) []string { return nil },
	"event.not-after":              func(*kit.InstanceRecord) []string { return nil },
	"event.not-before":             func(*kit.InstanceRecord) []string { return nil },
	"event.instance-event-id":      func(*kit.InstanceRecord) []string { return nil },
}

// DescribeInstanceStatus answers the status checks of running instances (of all with
// IncludeAllInstances). Every running instance passes both checks.
func (s *Compute) DescribeInstanceStatus(ctx context.Context, c kit.Caller, in *ec2.DescribeInstanceStatusRequest) (*ec2.DescribeInstanceStatusResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 5, 1000); err != nil {
		return nil, err
	}
	if len(in.InstanceIds) > 0 && in.MaxResults != nil {
		return nil, ec2.ErrInvalidParameterCombination("The parameter instancesSet cannot be used with the parameter maxResults")
	}
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return instanceStatusFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	var kept []*kit.InstanceRecord
	err = s.View(ctx, func(t *kit.Txn) error {
		all, err := s.listInstances(ctx, t, c, in.InstanceIds)
		for _, inst := range all {
			if inst.State != "running" && !kit.Deref(in.IncludeAllInstances) {
				continue
			}
			if match(func(name string) []string { return instanceStatusFilters[name](inst) }, inst.Tags) {
				kept = append(kept, inst)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	page, next, err := kit.Paginate(kept, in.MaxResults, in.NextToken, func(i *kit.InstanceRecord) string { return i.ID })
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInstanceStatusResult{InstanceStatuses: []ec2.InstanceStatus{}, NextToken: next}
	for _, inst := range page {
		summary := func() *ec2.InstanceStatusSummary {
			sum := &ec2.InstanceStatusSummary{Status: kit.Ptr(inst.HealthStatus())}
			if inst.State == "running" {
				sum.Details = []ec2.InstanceStatusDetails{{Name: kit.Ptr("reachability"), Status: kit.Ptr("passed")}}
			}
			return sum
		}
		out.InstanceStatuses = append(out.InstanceStatuses, ec2.InstanceStatus{
			AvailabilityZone:   kit.Ptr(inst.AvailabilityZone),
			AvailabilityZoneId: kit.Ptr(inst.AvailabilityZoneID),
			InstanceId:         kit.Ptr(inst.ID),
			InstanceState:      kit.InstanceState(inst.State),
			InstanceStatus:     summary(),
			SystemStatus:       summary(),
			Events:             []ec2.InstanceStatusEvent{},
		})
	}
	return out, nil
}
