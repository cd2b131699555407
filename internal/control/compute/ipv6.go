package compute

import (
	"context"
	"net/netip"
	"slices"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// Interfaces take their IPv6 addresses from their subnet's allocator (kit.SubnetAllocator.TakeIPv6).

// ipv6Request reads a request's IPv6 addresses: named ones or a count, not both.
func ipv6Request(named []string, count *int32) ([]string, int, error) {
	n := int(kit.Deref(count))
	switch {
	case n < 0:
		return nil, 0, ec2.ErrInvalidParameterValue("Invalid value '%d' for Ipv6AddressCount.", n)
	case len(named) > 0 && count != nil:
		return nil, 0, ec2.ErrInvalidParameterCombination("The Ipv6AddressCount and Ipv6Addresses parameters cannot be used together.")
	}
	return named, n, nil
}

// checkIPv6OnlyType refuses, as AWS does, a type not built on the Nitro System (bare
// metal types are) for an instance with an interface in an IPv6-only subnet.
func checkIPv6OnlyType(typ kit.InstanceType, ipv6Only bool) error {
	if !ipv6Only || typ.Hypervisor == "nitro" || typ.BareMetal {
		return nil
	}
	return ec2.ErrInvalidParameterCombination("The instance type %s does not support IPv6-only subnets. Choose an instance type built on the Nitro System.", typ.Name)
}

// inIPv6OnlySubnet reports whether the interface is in an IPv6-only subnet: the only
// interfaces without a private IPv4 address.
func inIPv6OnlySubnet(e *kit.NetworkInterfaceRecord) bool {
	return len(e.PrivateIPs) == 0 && !e.RequesterManaged
}

func instanceIPv6(in []ec2.InstanceIpv6Address) []string {
	return kit.Collect(in, func(a ec2.InstanceIpv6Address) string { return kit.Deref(a.Ipv6Address) })
}

// AssignIpv6Addresses adds IPv6 addresses to an interface: named ones or a count of
// random ones from its subnet's block, within the instance type's limit. Prefixes are not
// served.
func (s *Compute) AssignIpv6Addresses(ctx context.Context, c kit.Caller, in *ec2.AssignIpv6AddressesRequest) (*ec2.AssignIpv6AddressesResult, error) {
	if in.Ipv6PrefixCount != nil || len(in.Ipv6Prefixes) > 0 {
		return nil, ec2.ErrUnsupportedOperation("IPv6 prefix delegation is not supported by vpcd yet.")
	}
	named, count, err := ipv6Request(in.Ipv6Addresses, in.Ipv6AddressCount)
	if err != nil {
		return nil, err
	}
	if len(named) == 0 && count == 0 {
		return nil, ec2.ErrMissingParameter("Ipv6Addresses or Ipv6AddressCount")
	}
	out := &ec2.AssignIpv6AddressesResult{}
	err = s.Update(ctx, func(t *kit.Txn) error {
		e, err := getManagedByCaller(t, c, kit.Deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		limit, err := ipv4Limit(t, c, e)
		if err != nil {
			return err
		}
		if len(e.Ipv6Addresses)+len(named)+count > limit {
			return ec2.ErrInvalidParameterValue("Number of IPv6 addresses on the interface would exceed the limit of %d.", limit)
		}
		sn, err := kit.Get[kit.SubnetRecord](t, c, "subnet", e.SubnetID)
		if err != nil {
			return err
		}
		alloc, err := kit.NewSubnetAllocator(t, c, sn)
		if err != nil {
			return err
		}
		added, err := alloc.TakeIPv6(named, count)
		if err != nil {
			return err
		}
		e.Ipv6Addresses = append(e.Ipv6Addresses, added...)
		out.NetworkInterfaceId = kit.Ptr(e.ID)
		out.AssignedIpv6Addresses = kit.Collect(added, func(a netip.Addr) string { return a.String() })
		return t.Put(c.Key(e.ID), e)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UnassignIpv6Addresses takes IPv6 addresses off an interface; each must be one of its.
func (s *Compute) UnassignIpv6Addresses(ctx context.Context, c kit.Caller, in *ec2.UnassignIpv6AddressesRequest) (*ec2.UnassignIpv6AddressesResult, error) {
	if len(in.Ipv6Prefixes) > 0 {
		return nil, ec2.ErrUnsupportedOperation("IPv6 prefix delegation is not supported by vpcd yet.")
	}
	if len(in.Ipv6Addresses) == 0 {
		return nil, ec2.ErrMissingParameter("Ipv6Addresses")
	}
	out := &ec2.UnassignIpv6AddressesResult{}
	err := s.Update(ctx, func(t *kit.Txn) error {
		e, err := getManagedByCaller(t, c, kit.Deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		var removed []string
		for _, s := range in.Ipv6Addresses {
			a, err := netip.ParseAddr(s)
			i := slices.Index(e.Ipv6Addresses, a)
			if err != nil || i < 0 {
				return ec2.ErrInvalidParameterValue("Some of the specified addresses are not assigned to interface %s", e.ID)
			}
			e.Ipv6Addresses = slices.Delete(e.Ipv6Addresses, i, i+1)
			removed = append(removed, a.String())
		}
		out.NetworkInterfaceId, out.UnassignedIpv6Addresses = kit.Ptr(e.ID), removed
		return t.Put(c.Key(e.ID), e)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
