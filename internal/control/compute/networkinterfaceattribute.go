package compute

import (
	"context"
	"net/netip"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// maxIPv4PerInterface is the most private IPv4 addresses any instance type allows on an
// interface: the limit of an interface that is not attached.
const maxIPv4PerInterface = 50

func errPrivateIPLimit() error {
	return ec2.ErrPrivateIpAddressLimitExceeded("Number of private addresses will exceed limit.")
}

// ipv4Limit is how many private IPv4 addresses the interface may have: its instance
// type's limit when attached.
func ipv4Limit(t *kit.Txn, c kit.Caller, e *kit.NetworkInterfaceRecord) (int, error) {
	if e.Attachment == nil {
		return maxIPv4PerInterface, nil
	}
	inst := new(kit.InstanceRecord)
	found, err := t.Get(c.Key(e.Attachment.InstanceID), inst)
	if err != nil || !found {
		return maxIPv4PerInterface, err
	}
	typ, err := lookupInstanceType(inst.InstanceType)
	if err != nil {
		return maxIPv4PerInterface, nil
	}
	return typ.IPv4PerENI, nil
}

// ModifyNetworkInterfaceAttribute changes an interface's description, security groups,
// source/destination check or delete-on-termination.
func (s *Compute) ModifyNetworkInterfaceAttribute(ctx context.Context, c kit.Caller, in *ec2.ModifyNetworkInterfaceAttributeRequest) error {
	if in.Description == nil && in.Groups == nil && in.SourceDestCheck == nil && in.Attachment == nil {
		return ec2.ErrMissingParameter("an attribute (description, groupSet, sourceDestCheck or attachment)")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		e, err := getManagedByCaller(t, c, kit.Deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		if in.Description != nil {
			e.Description = kit.Deref(in.Description.Value)
		}
		if len(in.Groups) > 0 {
			vpc, err := kit.Get[kit.VpcRecord](t, c, "vpc", e.VpcID)
			if err != nil {
				return err
			}
			if e.Groups, err = s.resolveGroups(t, c, vpc, e.SubnetID, in.Groups, nil); err != nil {
				return err
			}
		}
		if in.SourceDestCheck != nil {
			if in.SourceDestCheck.Value == nil {
				return ec2.ErrMissingParameter("SourceDestCheck.Value")
			}
			e.SourceDestCheck = *in.SourceDestCheck.Value
		}
		if ch := in.Attachment; ch != nil {
			if ch.AttachmentId == nil {
				return ec2.ErrMissingParameter("Attachment.AttachmentId")
			}
			if e.Attachment == nil || e.Attachment.ID != *ch.AttachmentId {
				return ec2.ErrInvalidAttachmentIDNotFound("The attachment ID '%s' does not exist", *ch.AttachmentId)
			}
			if ch.DeleteOnTermination != nil {
				e.Attachment.DeleteOnTermination = *ch.DeleteOnTermination
			}
		}
		return t.Put(c.Key(e.ID), e)
	})
}

// DescribeNetworkInterfaceAttribute answers one attribute of an interface.
func (s *Compute) DescribeNetworkInterfaceAttribute(ctx context.Context, c kit.Caller, in *ec2.DescribeNetworkInterfaceAttributeRequest) (*ec2.DescribeNetworkInterfaceAttributeResult, error) {
	attr := kit.Deref(in.Attribute)
	switch attr {
	case "":
		return nil, ec2.ErrMissingParameter("Attribute")
	case "description", "groupSet", "sourceDestCheck", "attachment", "associatePublicIpAddress":
	default:
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown network interface attribute", attr)
	}
	var out *ec2.DescribeNetworkInterfaceAttributeResult
	err := s.View(ctx, func(t *kit.Txn) error {
		e, err := kit.Get[kit.NetworkInterfaceRecord](t, c, "eni", kit.Deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		ni := e.EC2(newRenderer(t, c))
		out = &ec2.DescribeNetworkInterfaceAttributeResult{NetworkInterfaceId: kit.Ptr(e.ID)}
		switch attr {
		case "description":
			out.Description = &ec2.AttributeValue{Value: kit.Ptr(e.Description)}
		case "groupSet":
			out.Groups = ni.Groups
		case "sourceDestCheck":
			out.SourceDestCheck = &ec2.AttributeBooleanValue{Value: kit.Ptr(e.SourceDestCheck)}
		case "attachment":
			out.Attachment = ni.Attachment
		case "associatePublicIpAddress":
			out.AssociatePublicIpAddress = kit.Ptr(e.AutoPublicIP)
		}
		return nil
	})
	return out, err
}

// ResetNetworkInterfaceAttribute turns source/destination checking back on.
func (s *Compute) ResetNetworkInterfaceAttribute(ctx context.Context, c kit.Caller, in *ec2.ResetNetworkInterfaceAttributeRequest) error {
	return s.Update(ctx, func(t *kit.Txn) error {
		e, err := getManagedByCaller(t, c, kit.Deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		e.SourceDestCheck = true
		return t.Put(c.Key(e.ID), e)
	})
}

// AssignPrivateIpAddresses adds secondary private addresses to an interface: named ones
// (taken from another interface of the subnet with AllowReassignment) or a count of free
// ones, within the instance type's limit.
func (s *Compute) AssignPrivateIpAddresses(ctx context.Context, c kit.Caller, in *ec2.AssignPrivateIpAddressesRequest) (*ec2.AssignPrivateIpAddressesResult, error) {
	count := int(kit.Deref(in.SecondaryPrivateIpAddressCount))
	switch {
	case len(in.PrivateIpAddresses) > 0 && in.SecondaryPrivateIpAddressCount != nil:
		return nil, ec2.ErrInvalidParameterCombination("Cannot specify both PrivateIpAddress and SecondaryPrivateIpAddressCount")
	case len(in.PrivateIpAddresses) == 0 && count <= 0:
		return nil, ec2.ErrMissingParameter("PrivateIpAddress or SecondaryPrivateIpAddressCount")
	}
	out := &ec2.AssignPrivateIpAddressesResult{AssignedPrivateIpAddresses: []ec2.AssignedPrivateIpAddress{}}
	err := s.Update(ctx, func(t *kit.Txn) error {
		out.AssignedPrivateIpAddresses = out.AssignedPrivateIpAddresses[:0]
		e, err := getManagedByCaller(t, c, kit.Deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		out.NetworkInterfaceId = kit.Ptr(e.ID)
		limit, err := ipv4Limit(t, c, e)
		if err != nil {
			return err
		}
		if len(e.PrivateIPs)+len(in.PrivateIpAddresses)+count > limit {
			return errPrivateIPLimit()
		}
		sn, err := kit.Get[kit.SubnetRecord](t, c, "subnet", e.SubnetID)
		if err != nil {
			return err
		}
		if kit.Deref(in.AllowReassignment) {
			if err := s.takeFromOthers(t, c, e, in.PrivateIpAddresses); err != nil {
				return err
			}
		}
		alloc, err := kit.NewSubnetAllocator(t, c, sn)
		if err != nil {
			return err
		}
		var added []netip.Addr
		for _, ip := range in.PrivateIpAddresses {
			a, err := alloc.Take(ip)
			if err != nil {
				return err
			}
			added = append(added, a)
		}
		for range count {
			a, err := alloc.Next()
			if err != nil {
				return err
			}
			added = append(added, a)
		}
		for _, a := range added {
			e.PrivateIPs = append(e.PrivateIPs, kit.PrivateIP{Addr: a})
			out.AssignedPrivateIpAddresses = append(out.AssignedPrivateIpAddresses, ec2.AssignedPrivateIpAddress{PrivateIpAddress: kit.Ptr(a.String())})
		}
		if err := t.Put(c.Key(e.ID), e); err != nil {
			return err
		}
		return kit.RecountSubnet(t, c, e.SubnetID)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// takeFromOthers unassigns the named addresses from the other interfaces of e's subnet
// that hold them as secondary addresses, with their public associations.
func (s *Compute) takeFromOthers(t *kit.Txn, c kit.Caller, e *kit.NetworkInterfaceRecord, ips []string) error {
	others, err := kit.SubnetInterfaces(t, c, e.SubnetID)
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ID == e.ID {
			continue
		}
		changed := false
		for _, ip := range ips {
			a, err := netip.ParseAddr(ip)
			if err != nil {
				continue // take reports it
			}
			p := o.PrivateIP(a)
			if p == nil {
				continue
			}
			if p.Primary {
				return ec2.ErrInvalidParameterValue("Address %s is the primary private IP address of network interface %s and cannot be reassigned.", ip, o.ID)
			}
			o.Unassign(t, c, a)
			changed = true
		}
		if changed {
			if err := t.Put(c.Key(o.ID), o); err != nil {
				return err
			}
		}
	}
	return nil
}

// UnassignPrivateIpAddresses removes secondary private addresses from an interface.
func (s *Compute) UnassignPrivateIpAddresses(ctx context.Context, c kit.Caller, in *ec2.UnassignPrivateIpAddressesRequest) error {
	if len(in.PrivateIpAddresses) == 0 {
		return ec2.ErrMissingParameter("PrivateIpAddress")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		e, err := getManagedByCaller(t, c, kit.Deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		for _, ip := range in.PrivateIpAddresses {
			a, err := netip.ParseAddr(ip)
			var p *kit.PrivateIP
			if err == nil {
				p = e.PrivateIP(a)
			}
			if p == nil {
				return ec2.ErrInvalidParameterValue("Some of the specified addresses are not assigned to interface %s", e.ID)
			}
			if p.Primary {
				return ec2.ErrInvalidParameterValue("The primary private IP address %s of network interface %s cannot be unassigned.", ip, e.ID)
			}
			e.Unassign(t, c, a)
		}
		if err := t.Put(c.Key(e.ID), e); err != nil {
			return err
		}
		return kit.RecountSubnet(t, c, e.SubnetID)
	})
}
