package control

import (
	"context"
	"net/netip"
	"slices"

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
func ipv4Limit(t *txn, c Caller, e *networkInterfaceRecord) (int, error) {
	if e.Attachment == nil {
		return maxIPv4PerInterface, nil
	}
	inst := new(instanceRecord)
	found, err := t.get(c.key(e.Attachment.InstanceID), inst)
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
func (s *Service) ModifyNetworkInterfaceAttribute(ctx context.Context, c Caller, in *ec2.ModifyNetworkInterfaceAttributeRequest) error {
	if in.Description == nil && in.Groups == nil && in.SourceDestCheck == nil && in.Attachment == nil {
		return ec2.ErrMissingParameter("an attribute (description, groupSet, sourceDestCheck or attachment)")
	}
	return s.update(ctx, func(t *txn) error {
		e, err := getManagedByCaller(t, c, deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		if in.Description != nil {
			e.Description = deref(in.Description.Value)
		}
		if len(in.Groups) > 0 {
			vpc, err := get[vpcRecord](t, c, "vpc", e.VpcID)
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
		return t.put(c.key(e.ID), e)
	})
}

// DescribeNetworkInterfaceAttribute answers one attribute of an interface.
func (s *Service) DescribeNetworkInterfaceAttribute(ctx context.Context, c Caller, in *ec2.DescribeNetworkInterfaceAttributeRequest) (*ec2.DescribeNetworkInterfaceAttributeResult, error) {
	attr := deref(in.Attribute)
	switch attr {
	case "":
		return nil, ec2.ErrMissingParameter("Attribute")
	case "description", "groupSet", "sourceDestCheck", "attachment", "associatePublicIpAddress":
	default:
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown network interface attribute", attr)
	}
	var out *ec2.DescribeNetworkInterfaceAttributeResult
	err := s.view(ctx, func(t *txn) error {
		e, err := get[networkInterfaceRecord](t, c, "eni", deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		ni := e.ec2(newRenderer(t, c))
		out = &ec2.DescribeNetworkInterfaceAttributeResult{NetworkInterfaceId: ptr(e.ID)}
		switch attr {
		case "description":
			out.Description = &ec2.AttributeValue{Value: ptr(e.Description)}
		case "groupSet":
			out.Groups = ni.Groups
		case "sourceDestCheck":
			out.SourceDestCheck = &ec2.AttributeBooleanValue{Value: ptr(e.SourceDestCheck)}
		case "attachment":
			out.Attachment = ni.Attachment
		case "associatePublicIpAddress":
			out.AssociatePublicIpAddress = ptr(e.AutoPublicIP)
		}
		return nil
	})
	return out, err
}

// ResetNetworkInterfaceAttribute turns source/destination checking back on.
func (s *Service) ResetNetworkInterfaceAttribute(ctx context.Context, c Caller, in *ec2.ResetNetworkInterfaceAttributeRequest) error {
	return s.update(ctx, func(t *txn) error {
		e, err := getManagedByCaller(t, c, deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		e.SourceDestCheck = true
		return t.put(c.key(e.ID), e)
	})
}

// AssignPrivateIpAddresses adds secondary private addresses to an interface: named ones
// (taken from another interface of the subnet with AllowReassignment) or a count of free
// ones, within the instance type's limit.
func (s *Service) AssignPrivateIpAddresses(ctx context.Context, c Caller, in *ec2.AssignPrivateIpAddressesRequest) (*ec2.AssignPrivateIpAddressesResult, error) {
	count := int(deref(in.SecondaryPrivateIpAddressCount))
	switch {
	case len(in.PrivateIpAddresses) > 0 && in.SecondaryPrivateIpAddressCount != nil:
		return nil, ec2.ErrInvalidParameterCombination("Cannot specify both PrivateIpAddress and SecondaryPrivateIpAddressCount")
	case len(in.PrivateIpAddresses) == 0 && count <= 0:
		return nil, ec2.ErrMissingParameter("PrivateIpAddress or SecondaryPrivateIpAddressCount")
	}
	out := &ec2.AssignPrivateIpAddressesResult{AssignedPrivateIpAddresses: []ec2.AssignedPrivateIpAddress{}}
	err := s.update(ctx, func(t *txn) error {
		out.AssignedPrivateIpAddresses = out.AssignedPrivateIpAddresses[:0]
		e, err := getManagedByCaller(t, c, deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		out.NetworkInterfaceId = ptr(e.ID)
		limit, err := ipv4Limit(t, c, e)
		if err != nil {
			return err
		}
		if len(e.PrivateIPs)+len(in.PrivateIpAddresses)+count > limit {
			return errPrivateIPLimit()
		}
		sn, err := get[subnetRecord](t, c, "subnet", e.SubnetID)
		if err != nil {
			return err
		}
		if deref(in.AllowReassignment) {
			if err := s.takeFromOthers(t, c, e, in.PrivateIpAddresses); err != nil {
				return err
			}
		}
		alloc, err := newSubnetAllocator(t, c, sn)
		if err != nil {
			return err
		}
		var added []netip.Addr
		for _, ip := range in.PrivateIpAddresses {
			a, err := alloc.take(ip)
			if err != nil {
				return err
			}
			added = append(added, a)
		}
		for range count {
			a, err := alloc.next()
			if err != nil {
				return err
			}
			added = append(added, a)
		}
		for _, a := range added {
			e.PrivateIPs = append(e.PrivateIPs, privateIP{Addr: a})
			out.AssignedPrivateIpAddresses = append(out.AssignedPrivateIpAddresses, ec2.AssignedPrivateIpAddress{PrivateIpAddress: ptr(a.String())})
		}
		if err := t.put(c.key(e.ID), e); err != nil {
			return err
		}
		return recountSubnet(t, c, e.SubnetID)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// takeFromOthers unassigns the named addresses from the other interfaces of e's subnet
// that hold them as secondary addresses, with their public associations.
func (s *Service) takeFromOthers(t *txn, c Caller, e *networkInterfaceRecord, ips []string) error {
	others, err := subnetInterfaces(t, c, e.SubnetID)
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
			p := o.privateIP(a)
			if p == nil {
				continue
			}
			if p.Primary {
				return ec2.ErrInvalidParameterValue("Address %s is the primary private IP address of network interface %s and cannot be reassigned.", ip, o.ID)
			}
			o.unassign(t, c, a)
			changed = true
		}
		if changed {
			if err := t.put(c.key(o.ID), o); err != nil {
				return err
			}
		}
	}
	return nil
}

// unassign drops a secondary address; its public address from the pool is released and
// its Elastic IP disassociated.
func (e *networkInterfaceRecord) unassign(t *txn, c Caller, a netip.Addr) {
	e.PrivateIPs = slices.DeleteFunc(e.PrivateIPs, func(p privateIP) bool {
		if p.Addr != a {
			return false
		}
		if p.Association != nil && p.Association.Owner == "amazon" {
			releasePublicIP(t, c, p.Association.PublicIP)
		}
		return true
	})
}

// UnassignPrivateIpAddresses removes secondary private addresses from an interface.
func (s *Service) UnassignPrivateIpAddresses(ctx context.Context, c Caller, in *ec2.UnassignPrivateIpAddressesRequest) error {
	if len(in.PrivateIpAddresses) == 0 {
		return ec2.ErrMissingParameter("PrivateIpAddress")
	}
	return s.update(ctx, func(t *txn) error {
		e, err := getManagedByCaller(t, c, deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		for _, ip := range in.PrivateIpAddresses {
			a, err := netip.ParseAddr(ip)
			var p *privateIP
			if err == nil {
				p = e.privateIP(a)
			}
			if p == nil {
				return ec2.ErrInvalidParameterValue("Some of the specified addresses are not assigned to interface %s", e.ID)
			}
			if p.Primary {
				return ec2.ErrInvalidParameterValue("The primary private IP address %s of network interface %s cannot be unassigned.", ip, e.ID)
			}
			e.unassign(t, c, a)
		}
		if err := t.put(c.key(e.ID), e); err != nil {
			return err
		}
		return recountSubnet(t, c, e.SubnetID)
	})
}
