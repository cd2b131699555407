package control

import (
	"context"
	"fmt"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func metadataOptions(t *testing.T, s *Service, id string) string {
	t.Helper()
	m := describeInstance(t, s, id).MetadataOptions
	return fmt.Sprintf("%s %s %02d %s %s %s", kit.Deref(m.State), kit.Deref(m.HttpTokens), kit.Deref(m.HttpPutResponseHopLimit),
		kit.Deref(m.HttpEndpoint), kit.Deref(m.HttpProtocolIpv6), kit.Deref(m.InstanceMetadataTags))
}

func TestInstanceMetadataOptions(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, sn := vpcWithSubnet(t, s, "10.0.1.0/24")

	plain := *mustRun(t, s, sn).InstanceId
	if got, want := metadataOptions(t, s, plain), "applied optional 01 enabled disabled disabled"; got != want {
		t.Errorf("defaults: %q, want %q", got, want)
	}
	set := *mustRun(t, s, sn, func(in *ec2.RunInstancesRequest) {
		in.MetadataOptions = &ec2.InstanceMetadataOptionsRequest{HttpTokens: kit.Ptr("required"), HttpPutResponseHopLimit: kit.Ptr(int32(2)),
			HttpEndpoint: kit.Ptr("enabled"), HttpProtocolIpv6: kit.Ptr("enabled"), InstanceMetadataTags: kit.Ptr("enabled")}
	}).InstanceId
	if got, want := metadataOptions(t, s, set), "applied required 02 enabled enabled enabled"; got != want {
		t.Errorf("launched with options: %q, want %q", got, want)
	}

	for name, m := range map[string]*ec2.InstanceMetadataOptionsRequest{
		"tokens":   {HttpTokens: kit.Ptr("always")},
		"hops-0":   {HttpPutResponseHopLimit: kit.Ptr(int32(0))},
		"hops-65":  {HttpPutResponseHopLimit: kit.Ptr(int32(65))},
		"endpoint": {HttpEndpoint: kit.Ptr("on")},
		"ipv6":     {HttpProtocolIpv6: kit.Ptr("yes")},
		"tags":     {InstanceMetadataTags: kit.Ptr("true")},
	} {
		_, err := run(s, sn, 1, func(in *ec2.RunInstancesRequest) { in.MetadataOptions = m })
		if e, ok := err.(*ec2.Error); !ok || e.Code != "InvalidParameterValue" {
			t.Errorf("RunInstances with bad %s: %v, want InvalidParameterValue", name, err)
		}
		_, err = s.ModifyInstanceMetadataOptions(ctx, testCaller, &ec2.ModifyInstanceMetadataOptionsRequest{InstanceId: &plain,
			HttpTokens: m.HttpTokens, HttpPutResponseHopLimit: m.HttpPutResponseHopLimit, HttpEndpoint: m.HttpEndpoint,
			HttpProtocolIpv6: m.HttpProtocolIpv6, InstanceMetadataTags: m.InstanceMetadataTags})
		if e, ok := err.(*ec2.Error); !ok || e.Code != "InvalidParameterValue" {
			t.Errorf("ModifyInstanceMetadataOptions with bad %s: %v, want InvalidParameterValue", name, err)
		}
	}

	out, err := s.ModifyInstanceMetadataOptions(ctx, testCaller, &ec2.ModifyInstanceMetadataOptionsRequest{InstanceId: &plain,
		HttpTokens: kit.Ptr("required"), HttpEndpoint: kit.Ptr("disabled")})
	if err != nil || *out.InstanceId != plain || *out.InstanceMetadataOptions.State != "pending" || *out.InstanceMetadataOptions.HttpTokens != "required" ||
		*out.InstanceMetadataOptions.HttpEndpoint != "disabled" || *out.InstanceMetadataOptions.HttpPutResponseHopLimit != 1 {
		t.Fatalf("ModifyInstanceMetadataOptions = %+v, %v", out, err)
	}
	if got, want := metadataOptions(t, s, plain), "applied required 01 disabled disabled disabled"; got != want {
		t.Errorf("after modify: %q, want %q", got, want)
	}
	_, err = s.ModifyInstanceMetadataOptions(ctx, testCaller, &ec2.ModifyInstanceMetadataOptionsRequest{InstanceId: kit.Ptr("i-0123456789abcdef0")})
	wantCode(t, err, "InvalidInstanceID.NotFound")

	found, err := s.DescribeInstances(ctx, testCaller, &ec2.DescribeInstancesRequest{Filters: []ec2.Filter{
		{Name: kit.Ptr("metadata-options.http-endpoint"), Values: []string{"disabled"}}}})
	if err != nil || len(found.Reservations) != 1 || *found.Reservations[0].Instances[0].InstanceId != plain {
		t.Errorf("filter metadata-options.http-endpoint=disabled: %+v, %v", found, err)
	}

	// A template's options go to the instances launched from it; the launch's win.
	lt := createTemplate(t, s, "imds", &ec2.RequestLaunchTemplateData{MetadataOptions: &ec2.LaunchTemplateInstanceMetadataOptionsRequest{
		HttpTokens: kit.Ptr("required"), HttpPutResponseHopLimit: kit.Ptr(int32(3)), InstanceMetadataTags: kit.Ptr("enabled")}})
	fromTemplate := *mustRun(t, s, sn, func(in *ec2.RunInstancesRequest) {
		in.LaunchTemplate = &ec2.LaunchTemplateSpecification{LaunchTemplateId: lt.LaunchTemplateId}
	}).InstanceId
	if got, want := metadataOptions(t, s, fromTemplate), "applied required 03 enabled disabled enabled"; got != want {
		t.Errorf("from a template: %q, want %q", got, want)
	}

	// The account's defaults apply to launches that say nothing, until cleared.
	d, err := s.GetInstanceMetadataDefaults(ctx, testCaller, &ec2.GetInstanceMetadataDefaultsRequest{})
	if err != nil || d.AccountLevel == nil || d.AccountLevel.HttpTokens != nil {
		t.Fatalf("GetInstanceMetadataDefaults before = %+v, %v", d, err)
	}
	_, err = s.ModifyInstanceMetadataDefaults(ctx, testCaller, &ec2.ModifyInstanceMetadataDefaultsRequest{HttpTokens: kit.Ptr("sometimes")})
	wantCode(t, err, "InvalidParameterValue")
	_, err = s.ModifyInstanceMetadataDefaults(ctx, testCaller, &ec2.ModifyInstanceMetadataDefaultsRequest{HttpPutResponseHopLimit: kit.Ptr(int32(0))})
	wantCode(t, err, "InvalidParameterValue")
	if _, err := s.ModifyInstanceMetadataDefaults(ctx, testCaller, &ec2.ModifyInstanceMetadataDefaultsRequest{
		HttpTokens: kit.Ptr("required"), HttpPutResponseHopLimit: kit.Ptr(int32(2))}); err != nil {
		t.Fatal(err)
	}
	if d, err = s.GetInstanceMetadataDefaults(ctx, testCaller, &ec2.GetInstanceMetadataDefaultsRequest{}); err != nil ||
		kit.Deref(d.AccountLevel.HttpTokens) != "required" || kit.Deref(d.AccountLevel.HttpPutResponseHopLimit) != 2 || d.AccountLevel.HttpEndpoint != nil {
		t.Fatalf("GetInstanceMetadataDefaults after = %+v, %v", d, err)
	}
	byDefault := *mustRun(t, s, sn).InstanceId
	if got, want := metadataOptions(t, s, byDefault), "applied required 02 enabled disabled disabled"; got != want {
		t.Errorf("with account defaults: %q, want %q", got, want)
	}
	overridden := *mustRun(t, s, sn, func(in *ec2.RunInstancesRequest) {
		in.MetadataOptions = &ec2.InstanceMetadataOptionsRequest{HttpTokens: kit.Ptr("optional")}
	}).InstanceId
	if got, want := metadataOptions(t, s, overridden), "applied optional 02 enabled disabled disabled"; got != want {
		t.Errorf("launch over account defaults: %q, want %q", got, want)
	}
	if _, err := s.ModifyInstanceMetadataDefaults(ctx, testCaller, &ec2.ModifyInstanceMetadataDefaultsRequest{
		HttpTokens: kit.Ptr("no-preference"), HttpPutResponseHopLimit: kit.Ptr(int32(-1))}); err != nil {
		t.Fatal(err)
	}
	if got, want := metadataOptions(t, s, *mustRun(t, s, sn).InstanceId), "applied optional 01 enabled disabled disabled"; got != want {
		t.Errorf("after clearing the defaults: %q, want %q", got, want)
	}

	// An image with ImdsSupport v2.0 requires tokens, under the account's defaults.
	al := catalogID(t, "us-east-1", al2023)
	fromImage := *mustRun(t, s, sn, func(in *ec2.RunInstancesRequest) { in.ImageId = &al }).InstanceId
	if got, want := metadataOptions(t, s, fromImage), "applied required 01 enabled disabled disabled"; got != want {
		t.Errorf("from an image with ImdsSupport v2.0: %q, want %q", got, want)
	}
	if _, err := s.ModifyInstanceMetadataDefaults(ctx, testCaller, &ec2.ModifyInstanceMetadataDefaultsRequest{HttpTokens: kit.Ptr("optional")}); err != nil {
		t.Fatal(err)
	}
	fromImage = *mustRun(t, s, sn, func(in *ec2.RunInstancesRequest) { in.ImageId = &al }).InstanceId
	if got, want := metadataOptions(t, s, fromImage), "applied optional 01 enabled disabled disabled"; got != want {
		t.Errorf("from an image with ImdsSupport v2.0 with the account's default optional: %q, want %q", got, want)
	}
}
