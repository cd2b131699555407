package compute

import (
	"context"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// An instance's private DNS name options: its hostname type (after its IPv4 address or its
// ID) and whether its resource name answers A and AAAA queries. It takes them from its
// subnet's options on launch unless RunInstances names them, and ModifyPrivateDnsNameOptions
// changes them. In an IPv6-only subnet the hostname is always the resource name.

// checkHostnameType checks a requested hostname type against AWS's two and the subnet.
func checkHostnameType(param, v string, sn *kit.SubnetRecord) error {
	if v != "ip-name" && v != "resource-name" {
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter %s is invalid. Valid values are ip-name and resource-name.", v, param)
	}
	if v == "ip-name" && sn != nil && !sn.Cidr.IsValid() {
		return ec2.ErrInvalidParameterValue("The hostname type ip-name is not supported for IPv6-only subnets.")
	}
	return nil
}

// launchDNSOptions gives a new instance its options: the subnet's, then the request's.
func launchDNSOptions(inst *kit.InstanceRecord, sn *kit.SubnetRecord, req *ec2.PrivateDnsNameOptionsRequest) error {
	inst.ResourceNameDnsA, inst.ResourceNameDnsAAAA = sn.ResourceNameDnsA, sn.ResourceNameDnsAAAA
	if req == nil {
		return nil
	}
	if req.HostnameType != nil {
		if err := checkHostnameType("PrivateDnsNameOptions.HostnameType", *req.HostnameType, sn); err != nil {
			return err
		}
		inst.HostnameType = *req.HostnameType
	}
	if req.EnableResourceNameDnsARecord != nil {
		inst.ResourceNameDnsA = *req.EnableResourceNameDnsARecord
	}
	if req.EnableResourceNameDnsAAAARecord != nil {
		inst.ResourceNameDnsAAAA = *req.EnableResourceNameDnsAAAARecord
	}
	return nil
}

// ModifyPrivateDnsNameOptions changes an instance's private DNS name options; its
// hostname type changes only while it is stopped.
func (s *Compute) ModifyPrivateDnsNameOptions(ctx context.Context, c kit.Caller, in *ec2.ModifyPrivateDnsNameOptionsRequest) (*ec2.ModifyPrivateDnsNameOptionsResult, error) {
	if in.InstanceId == nil {
		return nil, ec2.ErrMissingParameter("InstanceId")
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		inst, err := kit.Get[kit.InstanceRecord](t, c, "i", *in.InstanceId)
		if err != nil {
			return err
		}
		if inst.State == "terminated" || inst.State == "shutting-down" {
			return errIncorrectState(inst.ID, "modified")
		}
		if v := in.PrivateDnsHostnameType; v != nil && *v != inst.HostnameType {
			sn, err := kit.Get[kit.SubnetRecord](t, c, "subnet", inst.SubnetID)
			if err != nil {
				return err
			}
			if err := checkHostnameType("PrivateDnsHostnameType", *v, sn); err != nil {
				return err
			}
			if inst.State != "stopped" {
				return ec2.ErrIncorrectInstanceState("The instance '%s' is not in the 'stopped' state.", inst.ID)
			}
			inst.HostnameType = *v
		}
		if in.EnableResourceNameDnsARecord != nil {
			inst.ResourceNameDnsA = *in.EnableResourceNameDnsARecord
		}
		if in.EnableResourceNameDnsAAAARecord != nil {
			inst.ResourceNameDnsAAAA = *in.EnableResourceNameDnsAAAARecord
		}
		return t.Put(c.Key(inst.ID), inst)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ModifyPrivateDnsNameOptionsResult{Return: kit.Ptr(true)}, nil
}
