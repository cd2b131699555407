package compute

import (
	"context"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// An instance's hostname options (PrivateDnsNameOptions): its hostname type and whether
// its resource name answers A and AAAA queries. They are the subnet's at launch, as
// RunInstances may override them, and ModifyPrivateDnsNameOptions changes them; the
// Amazon DNS server of the VPC answers as they say (internal/resolver).

// checkHostnameType refuses a hostname type other than AWS's two.
func checkHostnameType(param string, v *string) error {
	if v != nil && *v != "ip-name" && *v != "resource-name" {
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter %s is invalid. Valid values are ip-name and resource-name.", *v, param)
	}
	return nil
}

// checkPrivateDNSNameOptions checks RunInstances' PrivateDnsNameOptions.
func checkPrivateDNSNameOptions(in *ec2.PrivateDnsNameOptionsRequest) error {
	if in == nil {
		return nil
	}
	return checkHostnameType("PrivateDnsNameOptions.HostnameType", in.HostnameType)
}

// setPrivateDNSNameOptions gives a launched instance the hostname options of its subnet,
// as the request's PrivateDnsNameOptions override them.
func setPrivateDNSNameOptions(inst *kit.InstanceRecord, subnet *kit.SubnetRecord, in *ec2.PrivateDnsNameOptionsRequest) error {
	inst.HostnameType, inst.ResourceNameDnsA, inst.ResourceNameDnsAAAA = subnet.HostnameType, subnet.ResourceNameDnsA, subnet.ResourceNameDnsAAAA
	if in != nil {
		changePrivateDNSNameOptions(inst, in.HostnameType, in.EnableResourceNameDnsARecord, in.EnableResourceNameDnsAAAARecord)
	}
	if inst.HostnameType == "" {
		inst.HostnameType = "ip-name"
	}
	return checkIPv6Native(inst, subnet)
}

// changePrivateDNSNameOptions sets the options that are given.
func changePrivateDNSNameOptions(inst *kit.InstanceRecord, hostnameType *string, a, aaaa *bool) {
	override(&inst.HostnameType, hostnameType)
	override(&inst.ResourceNameDnsA, a)
	override(&inst.ResourceNameDnsAAAA, aaaa)
}

// checkIPv6Native refuses IP names in an IPv6-only subnet, where an instance has no IPv4
// address to be named after.
func checkIPv6Native(inst *kit.InstanceRecord, subnet *kit.SubnetRecord) error {
	if subnet.Ipv6Native && inst.HostnameType == "ip-name" {
		return ec2.ErrInvalidParameterValue("The hostname type ip-name is not supported for IPv6-only subnets.")
	}
	return nil
}

// override sets *dst to *v when v is given.
func override[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// ModifyPrivateDnsNameOptions changes the hostname options of an instance that is not
// terminated: the options given, the others stay.
func (s *Compute) ModifyPrivateDnsNameOptions(ctx context.Context, c kit.Caller, in *ec2.ModifyPrivateDnsNameOptionsRequest) (*ec2.ModifyPrivateDnsNameOptionsResult, error) {
	id := kit.Deref(in.InstanceId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("InstanceId")
	}
	if err := checkHostnameType("PrivateDnsHostnameType", in.PrivateDnsHostnameType); err != nil {
		return nil, err
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		insts, err := s.listInstances(ctx, t, c, []string{id})
		if err != nil {
			return err
		}
		inst := insts[0]
		if inst.State == "terminated" || inst.State == "shutting-down" {
			return errIncorrectState(inst.ID, "modified")
		}
		subnet, err := kit.Get[kit.SubnetRecord](t, c, "subnet", inst.SubnetID)
		if err != nil {
			return err
		}
		changePrivateDNSNameOptions(inst, in.PrivateDnsHostnameType, in.EnableResourceNameDnsARecord, in.EnableResourceNameDnsAAAARecord)
		if err := checkIPv6Native(inst, subnet); err != nil {
			return err
		}
		return t.Put(c.Key(inst.ID), inst)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ModifyPrivateDnsNameOptionsResult{Return: kit.Ptr(true)}, nil
}
