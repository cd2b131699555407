package compute

import (
	"context"
	"crypto/rand"
	"net/netip"
	"slices"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// IPv6 addresses of interfaces come from their subnet's IPv6 block (a /64): named ones,
// or random ones, as AWS picks them. AWS keeps the first four and the last address of
// the block; an address is one interface's in the whole subnet.

// subnetIPv6Block is the subnet's associated IPv6 block, if it has one.
func subnetIPv6Block(sn *kit.SubnetRecord) (netip.Prefix, bool) {
	for _, b := range sn.Ipv6Blocks {
		if b.State == "associated" {
			return b.Cidr.Masked(), true
		}
	}
	return netip.Prefix{}, false
}

func errNoIPv6Block(subnet string) error {
	return ec2.ErrInvalidParameterValue("The subnet '%s' has no IPv6 CIDR block: no IPv6 address can be assigned in it.", subnet)
}

// reservedIPv6 reports whether AWS keeps the address of the block for itself.
func reservedIPv6(block netip.Prefix, a netip.Addr) bool {
	first := block.Addr().As16()
	b := a.As16()
	if [15]byte(first[:15]) == [15]byte(b[:15]) && b[15] < 4 {
		return true
	}
	last := netip.PrefixFrom(a, block.Bits()).Masked().Addr().As16()
	for i := block.Bits() / 8; i < 16; i++ {
		last[i] = 0xff
	}
	return netip.AddrFrom16(last) == a
}

// subnetIPv6InUse are the IPv6 addresses of the subnet's interfaces.
func subnetIPv6InUse(t *kit.Txn, c kit.Caller, subnet string) (map[netip.Addr]string, error) {
	enis, err := kit.ListAll[kit.NetworkInterfaceRecord](t, c.Prefix("eni"))
	if err != nil {
		return nil, err
	}
	used := map[netip.Addr]string{}
	for _, e := range enis {
		if e.SubnetID == subnet {
			for _, a := range e.Ipv6Addresses {
				used[a] = e.ID
			}
		}
	}
	return used, nil
}

// takeIPv6 picks the named addresses and count random ones in the subnet's block.
func takeIPv6(t *kit.Txn, c kit.Caller, sn *kit.SubnetRecord, named []string, count int) ([]netip.Addr, error) {
	if len(named) == 0 && count == 0 {
		return nil, nil
	}
	block, ok := subnetIPv6Block(sn)
	if !ok {
		return nil, errNoIPv6Block(sn.ID)
	}
	used, err := subnetIPv6InUse(t, c, sn.ID)
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, s := range named {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() || a.Is4In6() {
			return nil, ec2.ErrInvalidParameterValue("Invalid IPv6 address %s.", s)
		}
		if !block.Contains(a) || reservedIPv6(block, a) {
			return nil, ec2.ErrInvalidParameterValue("Address %s is not in the IPv6 CIDR block %s of subnet '%s', or is reserved.", s, block, sn.ID)
		}
		if used[a] != "" || slices.Contains(out, a) {
			return nil, ec2.ErrInvalidIPAddressInUse("Address %s is in use.", a)
		}
		out = append(out, a)
	}
	for len(out) < len(named)+count {
		b := block.Addr().As16()
		var r [8]byte
		rand.Read(r[:])
		copy(b[8:], r[:])
		a := netip.AddrFrom16(b)
		if block.Contains(a) && !reservedIPv6(block, a) && used[a] == "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out, nil
}

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
		added, err := takeIPv6(t, c, sn, named, count)
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
