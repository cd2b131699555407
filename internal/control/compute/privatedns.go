package compute

import (
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// checkPrivateDNSNameOptions refuses a hostname type of RunInstances' PrivateDnsNameOptions
// other than AWS's two.
func checkPrivateDNSNameOptions(in *ec2.PrivateDnsNameOptionsRequest) error {
	if in == nil || in.HostnameType == nil {
		return nil
	}
	if t := *in.HostnameType; t != "ip-name" && t != "resource-name" {
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter PrivateDnsNameOptions.HostnameType is invalid. Valid values are ip-name and resource-name.", t)
	}
	return nil
}

// setPrivateDNSNameOptions gives a launched instance the hostname options of its subnet,
// as the request's PrivateDnsNameOptions override them.
func setPrivateDNSNameOptions(inst *kit.InstanceRecord, subnet *kit.SubnetRecord, in *ec2.PrivateDnsNameOptionsRequest) error {
	inst.HostnameType, inst.ResourceNameDnsA, inst.ResourceNameDnsAAAA = subnet.HostnameType, subnet.ResourceNameDnsA, subnet.ResourceNameDnsAAAA
	if in != nil {
		override(&inst.HostnameType, in.HostnameType)
		override(&inst.ResourceNameDnsA, in.EnableResourceNameDnsARecord)
		override(&inst.ResourceNameDnsAAAA, in.EnableResourceNameDnsAAAARecord)
	}
	if inst.HostnameType == "" {
		inst.HostnameType = "ip-name"
	}
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
