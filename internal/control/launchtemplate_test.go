package control

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func createTemplate(t *testing.T, s *Service, name string, data *ec2.RequestLaunchTemplateData) *ec2.LaunchTemplate {
	t.Helper()
	out, err := s.CreateLaunchTemplate(context.Background(), testCaller, &ec2.CreateLaunchTemplateRequest{LaunchTemplateName: kit.Ptr(name), LaunchTemplateData: data})
	if err != nil {
		t.Fatal(err)
	}
	return out.LaunchTemplate
}

func TestCreateLaunchTemplate(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	lt := createTemplate(t, s, "web(1)/a_b.c-d", &ec2.RequestLaunchTemplateData{ImageId: kit.Ptr("ami-12345678")})
	if !kit.ValidID(*lt.LaunchTemplateId, "lt") || *lt.DefaultVersionNumber != 1 || *lt.LatestVersionNumber != 1 ||
		*lt.CreatedBy != "arn:aws:iam::123456789012:root" || lt.CreateTime == nil {
		t.Errorf("CreateLaunchTemplate = %+v", lt)
	}
	data := &ec2.RequestLaunchTemplateData{}
	for _, c := range []struct {
		name string
		in   ec2.CreateLaunchTemplateRequest
		code string
	}{
		{"no name", ec2.CreateLaunchTemplateRequest{LaunchTemplateData: data}, "MissingParameter"},
		{"no data", ec2.CreateLaunchTemplateRequest{LaunchTemplateName: kit.Ptr("abc")}, "MissingParameter"},
		{"name too short", ec2.CreateLaunchTemplateRequest{LaunchTemplateName: kit.Ptr("ab"), LaunchTemplateData: data}, "InvalidLaunchTemplateName.MalformedException"},
		{"name with a space", ec2.CreateLaunchTemplateRequest{LaunchTemplateName: kit.Ptr("a b c"), LaunchTemplateData: data}, "InvalidLaunchTemplateName.MalformedException"},
		{"name taken", ec2.CreateLaunchTemplateRequest{LaunchTemplateName: lt.LaunchTemplateName, LaunchTemplateData: data}, "InvalidLaunchTemplateName.AlreadyExistsException"},
		{"template tags of another type", ec2.CreateLaunchTemplateRequest{LaunchTemplateName: kit.Ptr("abc"), LaunchTemplateData: data,
			TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("instance")}}}, "InvalidParameterValue"},
		{"instance tags of a bad type", ec2.CreateLaunchTemplateRequest{LaunchTemplateName: kit.Ptr("abc"), LaunchTemplateData: &ec2.RequestLaunchTemplateData{
			TagSpecifications: []ec2.LaunchTemplateTagSpecificationRequest{{ResourceType: kit.Ptr("vpc")}}}}, "InvalidParameterValue"},
		{"user data not base64", ec2.CreateLaunchTemplateRequest{LaunchTemplateName: kit.Ptr("abc"), LaunchTemplateData: &ec2.RequestLaunchTemplateData{UserData: kit.Ptr("%%%")}}, "InvalidParameterValue"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateLaunchTemplate(ctx, testCaller, &c.in)
			wantCode(t, err, c.code)
		})
	}
	// A repeated request with its client token answers the same template.
	in := &ec2.CreateLaunchTemplateRequest{LaunchTemplateName: kit.Ptr("tokened"), LaunchTemplateData: data, ClientToken: kit.Ptr("tok-1")}
	a, err := s.CreateLaunchTemplate(ctx, testCaller, in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateLaunchTemplate(ctx, testCaller, in)
	if err != nil || *b.LaunchTemplate.LaunchTemplateId != *a.LaunchTemplate.LaunchTemplateId {
		t.Errorf("repeated CreateLaunchTemplate = %+v, %v", b, err)
	}
}

func TestLaunchTemplateVersions(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	lt := createTemplate(t, s, "app", &ec2.RequestLaunchTemplateData{
		ImageId: kit.Ptr("ami-12345678"), InstanceType: kit.Ptr("t3.micro"), SecurityGroupIds: []string{"sg-12345678"},
		NetworkInterfaces: []ec2.LaunchTemplateInstanceNetworkInterfaceSpecificationRequest{{DeviceIndex: kit.Ptr(int32(0)), AssociatePublicIpAddress: kit.Ptr(true)}},
		TagSpecifications: []ec2.LaunchTemplateTagSpecificationRequest{{ResourceType: kit.Ptr("instance"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("app")}}}},
	})
	id := *lt.LaunchTemplateId
	newVersion := func(in *ec2.CreateLaunchTemplateVersionRequest) (*ec2.LaunchTemplateVersion, error) {
		out, err := s.CreateLaunchTemplateVersion(ctx, testCaller, in)
		if err != nil {
			return nil, err
		}
		return out.LaunchTemplateVersion, nil
	}
	// Version 2 is based on version 1 and changes the instance type; version 3 stands alone.
	v2, err := newVersion(&ec2.CreateLaunchTemplateVersionRequest{LaunchTemplateId: kit.Ptr(id), SourceVersion: kit.Ptr("1"),
		VersionDescription: kit.Ptr("bigger"), LaunchTemplateData: &ec2.RequestLaunchTemplateData{InstanceType: kit.Ptr("t3.large")}})
	if err != nil {
		t.Fatal(err)
	}
	d := v2.LaunchTemplateData
	if *v2.VersionNumber != 2 || *v2.DefaultVersion || *v2.VersionDescription != "bigger" || *d.InstanceType != "t3.large" || kit.Deref(d.ImageId) != "ami-12345678" ||
		len(d.SecurityGroupIds) != 1 || len(d.NetworkInterfaces) != 1 || !kit.Deref(d.NetworkInterfaces[0].AssociatePublicIpAddress) ||
		len(d.TagSpecifications) != 1 || *d.TagSpecifications[0].Tags[0].Value != "app" {
		t.Errorf("version 2 = %+v, data %+v", v2, d)
	}
	if _, err := newVersion(&ec2.CreateLaunchTemplateVersionRequest{LaunchTemplateName: kit.Ptr("app"), LaunchTemplateData: &ec2.RequestLaunchTemplateData{ImageId: kit.Ptr("ami-87654321")}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		in   ec2.CreateLaunchTemplateVersionRequest
		code string
	}{
		{"unknown ID", ec2.CreateLaunchTemplateVersionRequest{LaunchTemplateId: kit.Ptr("lt-0123456789abcdef0"), LaunchTemplateData: &ec2.RequestLaunchTemplateData{}}, "InvalidLaunchTemplateId.NotFound"},
		{"malformed ID", ec2.CreateLaunchTemplateVersionRequest{LaunchTemplateId: kit.Ptr("lt-x"), LaunchTemplateData: &ec2.RequestLaunchTemplateData{}}, "InvalidLaunchTemplateId.Malformed"},
		{"unknown name", ec2.CreateLaunchTemplateVersionRequest{LaunchTemplateName: kit.Ptr("nope"), LaunchTemplateData: &ec2.RequestLaunchTemplateData{}}, "InvalidLaunchTemplateName.NotFoundException"},
		{"ID and name", ec2.CreateLaunchTemplateVersionRequest{LaunchTemplateId: kit.Ptr(id), LaunchTemplateName: kit.Ptr("app"), LaunchTemplateData: &ec2.RequestLaunchTemplateData{}}, "InvalidParameterCombination"},
		{"neither", ec2.CreateLaunchTemplateVersionRequest{LaunchTemplateData: &ec2.RequestLaunchTemplateData{}}, "MissingParameter"},
		{"unknown source version", ec2.CreateLaunchTemplateVersionRequest{LaunchTemplateId: kit.Ptr(id), SourceVersion: kit.Ptr("9"), LaunchTemplateData: &ec2.RequestLaunchTemplateData{}}, "InvalidLaunchTemplateId.VersionNotFound"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateLaunchTemplateVersion(ctx, testCaller, &c.in)
			wantCode(t, err, c.code)
		})
	}

	versions := func(in *ec2.DescribeLaunchTemplateVersionsRequest) string {
		t.Helper()
		out, err := s.DescribeLaunchTemplateVersions(ctx, testCaller, in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range out.LaunchTemplateVersions {
			n := strings.Repeat("*", map[bool]int{true: 1}[*v.DefaultVersion])
			got = append(got, n+string(rune('0'+*v.VersionNumber)))
		}
		return strings.Join(got, ",")
	}
	byID := func(in ec2.DescribeLaunchTemplateVersionsRequest) *ec2.DescribeLaunchTemplateVersionsRequest {
		in.LaunchTemplateId = kit.Ptr(id)
		return &in
	}
	for _, c := range []struct {
		name string
		in   *ec2.DescribeLaunchTemplateVersionsRequest
		want string
	}{
		{"all", byID(ec2.DescribeLaunchTemplateVersionsRequest{}), "*1,2,3"},
		{"aliases and numbers", byID(ec2.DescribeLaunchTemplateVersionsRequest{Versions: []string{"$Latest", "$Default", "2", "3"}}), "*1,2,3"},
		{"range", byID(ec2.DescribeLaunchTemplateVersionsRequest{MinVersion: kit.Ptr("2"), MaxVersion: kit.Ptr("2")}), "2"},
		{"is-default-version", byID(ec2.DescribeLaunchTemplateVersionsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("is-default-version"), Values: []string{"false"}}}}), "2,3"},
		{"instance-type", byID(ec2.DescribeLaunchTemplateVersionsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("instance-type"), Values: []string{"t3.l*"}}}}), "2"},
		{"by name, a page", &ec2.DescribeLaunchTemplateVersionsRequest{LaunchTemplateName: kit.Ptr("app"), MaxResults: kit.Ptr(int32(2))}, "*1,2"},
		{"every template's latest", &ec2.DescribeLaunchTemplateVersionsRequest{Versions: []string{"$Latest"}}, "3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := versions(c.in); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
	_, err = s.DescribeLaunchTemplateVersions(ctx, testCaller, byID(ec2.DescribeLaunchTemplateVersionsRequest{Versions: []string{"7"}}))
	wantCode(t, err, "InvalidLaunchTemplateId.VersionNotFound")
	_, err = s.DescribeLaunchTemplateVersions(ctx, testCaller, &ec2.DescribeLaunchTemplateVersionsRequest{Versions: []string{"1"}})
	wantCode(t, err, "InvalidParameterValue")

	// The default moves to 2; then 2 cannot be deleted, 1 can, 8 is not there.
	mod, err := s.ModifyLaunchTemplate(ctx, testCaller, &ec2.ModifyLaunchTemplateRequest{LaunchTemplateId: kit.Ptr(id), DefaultVersion: kit.Ptr("2")})
	if err != nil || *mod.LaunchTemplate.DefaultVersionNumber != 2 || *mod.LaunchTemplate.LatestVersionNumber != 3 {
		t.Fatalf("ModifyLaunchTemplate = %+v, %v", mod, err)
	}
	_, err = s.ModifyLaunchTemplate(ctx, testCaller, &ec2.ModifyLaunchTemplateRequest{LaunchTemplateId: kit.Ptr(id), DefaultVersion: kit.Ptr("8")})
	wantCode(t, err, "InvalidLaunchTemplateId.VersionNotFound")
	del, err := s.DeleteLaunchTemplateVersions(ctx, testCaller, &ec2.DeleteLaunchTemplateVersionsRequest{LaunchTemplateName: kit.Ptr("app"), Versions: []string{"1", "2", "8"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(del.SuccessfullyDeletedLaunchTemplateVersions) != 1 || *del.SuccessfullyDeletedLaunchTemplateVersions[0].VersionNumber != 1 ||
		len(del.UnsuccessfullyDeletedLaunchTemplateVersions) != 2 || *del.UnsuccessfullyDeletedLaunchTemplateVersions[1].ResponseError.Code != "launchTemplateVersionDoesNotExist" {
		t.Errorf("DeleteLaunchTemplateVersions = %+v", del)
	}
	if got := versions(byID(ec2.DescribeLaunchTemplateVersionsRequest{})); got != "*2,3" {
		t.Errorf("after deleting version 1: %s", got)
	}

	deleted, err := s.DeleteLaunchTemplate(ctx, testCaller, &ec2.DeleteLaunchTemplateRequest{LaunchTemplateId: kit.Ptr(id)})
	if err != nil || *deleted.LaunchTemplate.LaunchTemplateName != "app" {
		t.Fatalf("DeleteLaunchTemplate = %+v, %v", deleted, err)
	}
	_, err = s.DescribeLaunchTemplates(ctx, testCaller, &ec2.DescribeLaunchTemplatesRequest{LaunchTemplateIds: []string{id}})
	wantCode(t, err, "InvalidLaunchTemplateId.NotFound")
	_, err = s.DeleteLaunchTemplate(ctx, testCaller, &ec2.DeleteLaunchTemplateRequest{LaunchTemplateName: kit.Ptr("app")})
	wantCode(t, err, "InvalidLaunchTemplateName.NotFoundException")
	createTemplate(t, s, "app", &ec2.RequestLaunchTemplateData{})
}

func TestDescribeLaunchTemplates(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	a := createTemplate(t, s, "alpha", &ec2.RequestLaunchTemplateData{})
	_, err := s.CreateLaunchTemplate(ctx, testCaller, &ec2.CreateLaunchTemplateRequest{LaunchTemplateName: kit.Ptr("beta"), LaunchTemplateData: &ec2.RequestLaunchTemplateData{},
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("launch-template"), Tags: []ec2.Tag{{Key: kit.Ptr("team"), Value: kit.Ptr("web")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	names := func(in *ec2.DescribeLaunchTemplatesRequest) string {
		t.Helper()
		out, err := s.DescribeLaunchTemplates(ctx, testCaller, in)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, lt := range out.LaunchTemplates {
			n = append(n, *lt.LaunchTemplateName)
		}
		return strings.Join(n, ",")
	}
	if got := names(&ec2.DescribeLaunchTemplatesRequest{}); got != "alpha,beta" && got != "beta,alpha" {
		t.Errorf("all: %s", got)
	}
	if got := names(&ec2.DescribeLaunchTemplatesRequest{LaunchTemplateNames: []string{"beta"}}); got != "beta" {
		t.Errorf("by name: %s", got)
	}
	if got := names(&ec2.DescribeLaunchTemplatesRequest{LaunchTemplateIds: []string{*a.LaunchTemplateId}}); got != "alpha" {
		t.Errorf("by ID: %s", got)
	}
	if got := names(&ec2.DescribeLaunchTemplatesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("tag:team"), Values: []string{"web"}}}}); got != "beta" {
		t.Errorf("by tag: %s", got)
	}
	if got := names(&ec2.DescribeLaunchTemplatesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("launch-template-name"), Values: []string{"al*"}}}}); got != "alpha" {
		t.Errorf("by launch-template-name: %s", got)
	}
	page, err := s.DescribeLaunchTemplates(ctx, testCaller, &ec2.DescribeLaunchTemplatesRequest{MaxResults: kit.Ptr(int32(1))})
	if err != nil || len(page.LaunchTemplates) != 1 || page.NextToken == nil {
		t.Errorf("first page = %+v, %v", page, err)
	}
	_, err = s.DescribeLaunchTemplates(ctx, testCaller, &ec2.DescribeLaunchTemplatesRequest{LaunchTemplateNames: []string{"alpha", "gamma"}})
	wantCode(t, err, "InvalidLaunchTemplateName.NotFoundException")
	_, err = s.DescribeLaunchTemplates(ctx, testCaller, &ec2.DescribeLaunchTemplatesRequest{LaunchTemplateIds: []string{"lt-nope"}})
	wantCode(t, err, "InvalidLaunchTemplateId.Malformed")
	_, err = s.DescribeLaunchTemplates(ctx, testCaller, &ec2.DescribeLaunchTemplatesRequest{MaxResults: kit.Ptr(int32(201))})
	wantCode(t, err, "InvalidParameterValue")
}

// TestRunInstancesFromLaunchTemplate: the template gives what the request leaves out, the
// request wins where both give a parameter, and the instance carries AWS's template tags.
func TestRunInstancesFromLaunchTemplate(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpcID, subnet := vpcWithSubnet(t, s, "10.0.1.0/24")
	other := createSubnet(t, s, vpcID, "10.0.2.0/24")
	group := createGroup(t, s, vpcID, "web")
	if _, err := s.ImportKeyPair(ctx, testCaller, &ec2.ImportKeyPairRequest{KeyName: kit.Ptr("ops"), PublicKeyMaterial: readKeyFile(t, "ed25519.pub")}); err != nil {
		t.Fatal(err)
	}
	lt := createTemplate(t, s, "web", &ec2.RequestLaunchTemplateData{
		ImageId: kit.Ptr("ami-12345678"), InstanceType: kit.Ptr("t3.micro"), KeyName: kit.Ptr("ops"),
		UserData: kit.Ptr(base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho hi\n"))),
		NetworkInterfaces: []ec2.LaunchTemplateInstanceNetworkInterfaceSpecificationRequest{{
			DeviceIndex: kit.Ptr(int32(0)), SubnetId: kit.Ptr(subnet), Groups: []string{group}, Description: kit.Ptr("from the template"),
		}},
		TagSpecifications: []ec2.LaunchTemplateTagSpecificationRequest{{ResourceType: kit.Ptr("instance"), Tags: []ec2.Tag{
			{Key: kit.Ptr("Name"), Value: kit.Ptr("template")}, {Key: kit.Ptr("tier"), Value: kit.Ptr("web")},
		}}, {ResourceType: kit.Ptr("spot-instances-request"), Tags: []ec2.Tag{{Key: kit.Ptr("spot"), Value: kit.Ptr("1")}}}},
	})
	id := *lt.LaunchTemplateId
	runFrom := func(spec *ec2.LaunchTemplateSpecification, mod func(*ec2.RunInstancesRequest)) (*ec2.Reservation, error) {
		in := &ec2.RunInstancesRequest{MinCount: kit.Ptr(int32(1)), MaxCount: kit.Ptr(int32(1)), LaunchTemplate: spec}
		if mod != nil {
			mod(in)
		}
		return s.RunInstances(ctx, testCaller, in)
	}
	res, err := runFrom(&ec2.LaunchTemplateSpecification{LaunchTemplateId: kit.Ptr(id)}, func(in *ec2.RunInstancesRequest) {
		in.InstanceType = kit.Ptr("t3.small")
		in.TagSpecifications = []ec2.TagSpecification{{ResourceType: kit.Ptr("instance"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("request")}}}}
	})
	if err != nil {
		t.Fatal(err)
	}
	inst := describeInstance(t, s, *res.Instances[0].InstanceId)
	tags := map[string]string{}
	for _, tg := range inst.Tags {
		tags[*tg.Key] = *tg.Value
	}
	if *inst.InstanceType != "t3.small" || *inst.ImageId != "ami-12345678" || kit.Deref(inst.KeyName) != "ops" || *inst.SubnetId != subnet ||
		len(inst.SecurityGroups) != 1 || *inst.SecurityGroups[0].GroupId != group || *inst.NetworkInterfaces[0].Description != "from the template" {
		t.Errorf("instance from the template = %+v", inst)
	}
	if tags["Name"] != "request" || tags["tier"] != "web" || tags["aws:ec2launchtemplate:id"] != id || tags["aws:ec2launchtemplate:version"] != "1" {
		t.Errorf("tags = %v", tags)
	}

	// A subnet in the request goes to the template's primary interface.
	if _, err := s.CreateLaunchTemplateVersion(ctx, testCaller, &ec2.CreateLaunchTemplateVersionRequest{LaunchTemplateName: kit.Ptr("web"), SourceVersion: kit.Ptr("$Latest"),
		LaunchTemplateData: &ec2.RequestLaunchTemplateData{InstanceType: kit.Ptr("t3.medium")}}); err != nil {
		t.Fatal(err)
	}
	res, err = runFrom(&ec2.LaunchTemplateSpecification{LaunchTemplateName: kit.Ptr("web"), Version: kit.Ptr("$Latest")}, func(in *ec2.RunInstancesRequest) {
		in.SubnetId = other.SubnetId
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Instances[0]; *got.SubnetId != *other.SubnetId || *got.InstanceType != "t3.medium" {
		t.Errorf("$Latest with a subnet = subnet %s, type %s", *got.SubnetId, *got.InstanceType)
	}

	for _, c := range []struct {
		name string
		spec ec2.LaunchTemplateSpecification
		code string
	}{
		{"unknown ID", ec2.LaunchTemplateSpecification{LaunchTemplateId: kit.Ptr("lt-0123456789abcdef0")}, "InvalidLaunchTemplateId.NotFound"},
		{"unknown name", ec2.LaunchTemplateSpecification{LaunchTemplateName: kit.Ptr("nope")}, "InvalidLaunchTemplateName.NotFoundException"},
		{"unknown version", ec2.LaunchTemplateSpecification{LaunchTemplateId: kit.Ptr(id), Version: kit.Ptr("5")}, "InvalidLaunchTemplateId.VersionNotFound"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := runFrom(&c.spec, nil)
			wantCode(t, err, c.code)
		})
	}
	// A template without an image needs the request's.
	createTemplate(t, s, "bare", &ec2.RequestLaunchTemplateData{})
	_, err = runFrom(&ec2.LaunchTemplateSpecification{LaunchTemplateName: kit.Ptr("bare")}, func(in *ec2.RunInstancesRequest) { in.SubnetId = kit.Ptr(subnet) })
	wantCode(t, err, "MissingParameter")
}
