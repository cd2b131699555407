package compute

import (
	"context"
	"slices"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// The instance metadata options: whether the instance metadata service answers
// (HttpEndpoint), whether it requires IMDSv2 session tokens (HttpTokens), how many hops
// a token's answer may travel (HttpPutResponseHopLimit), whether it also answers on IPv6
// and serves the instance's tags. An instance takes them from its launch (RunInstances
// or its launch template), else from the account's defaults in the Region
// (ModifyInstanceMetadataDefaults), else from its image (ImdsSupport v2.0: tokens
// required), else from AWS's: optional, 1, enabled, disabled, disabled.

// metadataDefaultsKey holds the account's defaults in a Region.
func metadataDefaultsKey(c kit.Caller) string {
	return c.Account + "/" + c.Region + "/account/instance-metadata-defaults"
}

// metadataDefaults are the account's defaults; "" (0 for the hop limit) is no preference.
type metadataDefaults struct {
	HTTPTokens              string `json:"httpTokens,omitempty"`
	HTTPPutResponseHopLimit int32  `json:"httpPutResponseHopLimit,omitempty"`
	HTTPEndpoint            string `json:"httpEndpoint,omitempty"`
	InstanceMetadataTags    string `json:"instanceMetadataTags,omitempty"`
}

func checkEnum(param, v string, allowed ...string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return ec2.ErrInvalidParameterValue("Value (%s) for parameter %s is invalid. Expected: '%s'.", v, param, strings.Join(allowed, "', '"))
}

func checkHopLimit(h int32) error {
	if h < 1 || h > 64 {
		return ec2.ErrInvalidParameterValue("Value (%d) for parameter HttpPutResponseHopLimit is invalid. Expected a value between 1 and 64.", h)
	}
	return nil
}

// checkMetadataOptions checks the options of a launch or a modification; nil is none.
func checkMetadataOptions(m *ec2.InstanceMetadataOptionsRequest) error {
	if m == nil {
		return nil
	}
	for _, p := range []struct {
		name string
		v    *string
		want []string
	}{
		{"HttpTokens", m.HttpTokens, []string{"optional", "required"}},
		{"HttpEndpoint", m.HttpEndpoint, []string{"enabled", "disabled"}},
		{"HttpProtocolIpv6", m.HttpProtocolIpv6, []string{"enabled", "disabled"}},
		{"InstanceMetadataTags", m.InstanceMetadataTags, []string{"enabled", "disabled"}},
	} {
		// An empty value is none: the Terraform provider sends some.
		if v := kit.Deref(p.v); v != "" {
			if err := checkEnum(p.name, v, p.want...); err != nil {
				return err
			}
		}
	}
	if h := m.HttpPutResponseHopLimit; h != nil {
		return checkHopLimit(*h)
	}
	return nil
}

// setMetadataOptions sets what m gives (checked) on the instance.
func setMetadataOptions(r *kit.InstanceRecord, m *ec2.InstanceMetadataOptionsRequest) {
	if m == nil {
		return
	}
	set := func(dst *string, v *string) {
		if kit.Deref(v) != "" {
			*dst = *v
		}
	}
	set(&r.HTTPTokens, m.HttpTokens)
	set(&r.HTTPEndpoint, m.HttpEndpoint)
	set(&r.HTTPProtocolIPv6, m.HttpProtocolIpv6)
	set(&r.InstanceMetadataTags, m.InstanceMetadataTags)
	if m.HttpPutResponseHopLimit != nil {
		r.HTTPPutResponseHopLimit = *m.HttpPutResponseHopLimit
	}
}

// launchMetadataOptions sets a new instance's options: AWS's defaults, the image's over
// them, the account's over those, the launch's over all.
func launchMetadataOptions(r *kit.InstanceRecord, imageTokensRequired bool, d metadataDefaults, m *ec2.InstanceMetadataOptionsRequest) {
	r.HTTPTokens, r.HTTPPutResponseHopLimit = "optional", 1
	if imageTokensRequired {
		r.HTTPTokens = "required"
	}
	setMetadataOptions(r, &ec2.InstanceMetadataOptionsRequest{
		HttpTokens: &d.HTTPTokens, HttpEndpoint: &d.HTTPEndpoint, InstanceMetadataTags: &d.InstanceMetadataTags,
	})
	if d.HTTPPutResponseHopLimit > 0 {
		r.HTTPPutResponseHopLimit = d.HTTPPutResponseHopLimit
	}
	setMetadataOptions(r, m)
}

func getMetadataDefaults(t *kit.Txn, c kit.Caller) (metadataDefaults, error) {
	var d metadataDefaults
	_, err := t.Get(metadataDefaultsKey(c), &d)
	return d, err
}

// ModifyInstanceMetadataOptions changes an instance's metadata options. The answer says
// "pending", as AWS's does; DescribeInstances shows them applied, since the metadata
// service of the instance's VPC takes them at once.
func (s *Compute) ModifyInstanceMetadataOptions(ctx context.Context, c kit.Caller, in *ec2.ModifyInstanceMetadataOptionsRequest) (*ec2.ModifyInstanceMetadataOptionsResult, error) {
	m := &ec2.InstanceMetadataOptionsRequest{
		HttpTokens: in.HttpTokens, HttpPutResponseHopLimit: in.HttpPutResponseHopLimit, HttpEndpoint: in.HttpEndpoint,
		HttpProtocolIpv6: in.HttpProtocolIpv6, InstanceMetadataTags: in.InstanceMetadataTags,
	}
	if err := checkMetadataOptions(m); err != nil {
		return nil, err
	}
	var r *kit.InstanceRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if r, err = kit.Get[kit.InstanceRecord](t, c, "i", kit.Deref(in.InstanceId)); err != nil {
			return err
		}
		if r.State == "terminated" || r.State == "shutting-down" {
			return errIncorrectState(r.ID, "modified")
		}
		setMetadataOptions(r, m)
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	opts := r.MetadataOptions()
	opts.State = kit.Ptr("pending")
	return &ec2.ModifyInstanceMetadataOptionsResult{InstanceId: kit.Ptr(r.ID), InstanceMetadataOptions: opts}, nil
}

// GetInstanceMetadataDefaults shows the account's defaults in the Region: only those set.
func (s *Compute) GetInstanceMetadataDefaults(ctx context.Context, c kit.Caller, _ *ec2.GetInstanceMetadataDefaultsRequest) (*ec2.GetInstanceMetadataDefaultsResult, error) {
	var d metadataDefaults
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		d, err = getMetadataDefaults(t, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2.InstanceMetadataDefaultsResponse{}
	str := func(v string) *string {
		if v == "" {
			return nil
		}
		return kit.Ptr(v)
	}
	out.HttpTokens, out.HttpEndpoint, out.InstanceMetadataTags = str(d.HTTPTokens), str(d.HTTPEndpoint), str(d.InstanceMetadataTags)
	if d.HTTPPutResponseHopLimit > 0 {
		out.HttpPutResponseHopLimit = kit.Ptr(d.HTTPPutResponseHopLimit)
	}
	return &ec2.GetInstanceMetadataDefaultsResult{AccountLevel: out}, nil
}

// ModifyInstanceMetadataDefaults sets or clears (no-preference, -1 for the hop limit)
// the account's defaults in the Region; instances launched after take them.
func (s *Compute) ModifyInstanceMetadataDefaults(ctx context.Context, c kit.Caller, in *ec2.ModifyInstanceMetadataDefaultsRequest) (*ec2.ModifyInstanceMetadataDefaultsResult, error) {
	for _, p := range []struct {
		name string
		v    *string
		want []string
	}{
		{"HttpTokens", in.HttpTokens, []string{"optional", "required", "no-preference"}},
		{"HttpEndpoint", in.HttpEndpoint, []string{"enabled", "disabled", "no-preference"}},
		{"InstanceMetadataTags", in.InstanceMetadataTags, []string{"enabled", "disabled", "no-preference"}},
	} {
		if p.v != nil {
			if err := checkEnum(p.name, *p.v, p.want...); err != nil {
				return nil, err
			}
		}
	}
	if h := in.HttpPutResponseHopLimit; h != nil && *h != -1 {
		if err := checkHopLimit(*h); err != nil {
			return nil, ec2.ErrInvalidParameterValue("Value (%d) for parameter HttpPutResponseHopLimit is invalid. Expected a value between 1 and 64, or -1.", *h)
		}
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		d, err := getMetadataDefaults(t, c)
		if err != nil {
			return err
		}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
				if *v == "no-preference" {
					*dst = ""
				}
			}
		}
		set(&d.HTTPTokens, in.HttpTokens)
		set(&d.HTTPEndpoint, in.HttpEndpoint)
		set(&d.InstanceMetadataTags, in.InstanceMetadataTags)
		if h := in.HttpPutResponseHopLimit; h != nil {
			d.HTTPPutResponseHopLimit = max(*h, 0)
		}
		return t.Put(metadataDefaultsKey(c), d)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ModifyInstanceMetadataDefaultsResult{Return: kit.Ptr(true)}, nil
}
