package control

import (
	"context"
	"slices"
	"strings"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func imageIDs(imgs []ec2.Image) []string {
	out := []string{}
	for _, i := range imgs {
		out = append(out, *i.ImageId)
	}
	return out
}

func catalogID(t *testing.T, region, name string) string {
	t.Helper()
	for _, r := range kit.PublicImages(region) {
		if r.Name == name {
			return r.ID
		}
	}
	t.Fatalf("no catalog image %s", name)
	return ""
}

const al2023 = "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64"

func TestDescribeImagesCatalog(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	al := catalogID(t, "us-east-1", al2023)
	if other := catalogID(t, "eu-west-1", al2023); other == al || !kit.ValidID(al, "ami") {
		t.Fatalf("catalog IDs %s (us-east-1), %s (eu-west-1): want distinct well-formed IDs per region", al, other)
	}
	f := func(name string, values ...string) ec2.Filter { return ec2.Filter{Name: kit.Ptr(name), Values: values} }
	for _, tc := range []struct {
		name      string
		in        ec2.DescribeImagesRequest
		wantNames []string // exactly, sorted; nil: only the count below
		count     int
		code      string
	}{
		{name: "name exact", in: ec2.DescribeImagesRequest{Filters: []ec2.Filter{f("name", al2023)}}, wantNames: []string{al2023}},
		{name: "name wildcard and architecture", in: ec2.DescribeImagesRequest{Owners: []string{"amazon"}, Filters: []ec2.Filter{f("name", "al2023-ami-minimal-*"), f("architecture", "arm64")}},
			wantNames: []string{"al2023-ami-minimal-2023.6.20241212.0-kernel-6.1-arm64"}},
		{name: "owner canonical", in: ec2.DescribeImagesRequest{Owners: []string{"099720109477"}, Filters: []ec2.Filter{f("name", "ubuntu/images/*24.04-amd64*")}},
			wantNames: []string{"ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241206"}},
		{name: "owner-alias filter", in: ec2.DescribeImagesRequest{Filters: []ec2.Filter{f("owner-alias", "amazon"), f("platform", "windows")}},
			wantNames: []string{"Windows_Server-2022-English-Full-Base-2024.12.13"}},
		{name: "debian owner-id", in: ec2.DescribeImagesRequest{Filters: []ec2.Filter{f("owner-id", "136693071363"), f("architecture", "x86_64")}},
			wantNames: []string{"debian-12-amd64-20241201-1948"}},
		{name: "deprecated left out", in: ec2.DescribeImagesRequest{Filters: []ec2.Filter{f("name", "al2023-ami-2023.0.*")}}, wantNames: []string{}},
		{name: "deprecated included", in: ec2.DescribeImagesRequest{IncludeDeprecated: kit.Ptr(true), Filters: []ec2.Filter{f("name", "al2023-ami-2023.0.*")}},
			wantNames: []string{"al2023-ami-2023.0.20230315.0-kernel-6.1-x86_64"}},
		{name: "by ID", in: ec2.DescribeImagesRequest{ImageIds: []string{al}}, wantNames: []string{al2023}},
		{name: "self owns none", in: ec2.DescribeImagesRequest{Owners: []string{"self"}}, wantNames: []string{}},
		{name: "executable by all", in: ec2.DescribeImagesRequest{ExecutableUsers: []string{"all"}, Filters: []ec2.Filter{f("is-public", "true"), f("root-device-type", "ebs"), f("virtualization-type", "hvm"), f("state", "available"), f("image-type", "machine")}}, count: 14},
		{name: "tag filter matches nothing", in: ec2.DescribeImagesRequest{Filters: []ec2.Filter{f("tag:Name", "x")}}, wantNames: []string{}},
		{name: "unknown ID", in: ec2.DescribeImagesRequest{ImageIds: []string{"ami-0123456789abcdef0"}}, code: "InvalidAMIID.NotFound"},
		{name: "malformed ID", in: ec2.DescribeImagesRequest{ImageIds: []string{"ami-xyz"}}, code: "InvalidAMIID.Malformed"},
		{name: "bad owner", in: ec2.DescribeImagesRequest{Owners: []string{"canonical"}}, code: "InvalidUserID.Malformed"},
		{name: "bad filter", in: ec2.DescribeImagesRequest{Filters: []ec2.Filter{f("colour", "red")}}, code: "InvalidParameterValue"},
		{name: "ids with max results", in: ec2.DescribeImagesRequest{ImageIds: []string{al}, MaxResults: kit.Ptr(int32(5))}, code: "InvalidParameterCombination"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeImages(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
			if err != nil {
				return
			}
			var names []string
			for _, img := range out.Images {
				names = append(names, *img.Name)
			}
			slices.Sort(names)
			if tc.wantNames != nil && strings.Join(names, ",") != strings.Join(tc.wantNames, ",") {
				t.Fatalf("names = %v, want %v", names, tc.wantNames)
			}
			if tc.wantNames == nil && len(names) != tc.count {
				t.Fatalf("%d images, want %d: %v", len(names), tc.count, names)
			}
		})
	}
}

func TestDescribeImagesShape(t *testing.T) {
	s := newTestService(t)
	out, err := s.DescribeImages(context.Background(), Caller{Account: "123456789012", Region: "eu-west-1"}, &ec2.DescribeImagesRequest{ImageIds: []string{catalogID(t, "eu-west-1", al2023)}})
	if err != nil {
		t.Fatal(err)
	}
	img := out.Images[0]
	bdm := img.BlockDeviceMappings[0]
	for _, c := range []struct{ field, got, want string }{
		{"owner", *img.OwnerId, "137112412989"},
		{"alias", *img.ImageOwnerAlias, "amazon"},
		{"root device", *img.RootDeviceName, "/dev/xvda"},
		{"root device type", *img.RootDeviceType, "ebs"},
		{"virtualization", *img.VirtualizationType, "hvm"},
		{"creation date", *img.CreationDate, "2024-12-12T21:27:13.000Z"},
		{"bdm device", *bdm.DeviceName, "/dev/xvda"},
		{"bdm volume type", *bdm.Ebs.VolumeType, "gp3"},
		{"platform details", *img.PlatformDetails, "Linux/UNIX"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if !*img.Public || !*img.EnaSupport || !kit.ValidID(*bdm.Ebs.SnapshotId, "snap") {
		t.Errorf("public %v, ena %v, snapshot %s", *img.Public, *img.EnaSupport, *bdm.Ebs.SnapshotId)
	}
}

func TestDescribeImagesPages(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	var seen []string
	var token *string
	for pages := 0; ; pages++ {
		out, err := s.DescribeImages(ctx, testCaller, &ec2.DescribeImagesRequest{MaxResults: kit.Ptr(int32(5)), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, imageIDs(out.Images)...)
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(seen) != 14 || !slices.IsSorted(seen) {
		t.Fatalf("pages gave %d images (sorted %v): %v", len(seen), slices.IsSorted(seen), seen)
	}
}

func TestPrivateImages(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	vpc := createVpc(t, s, "10.0.0.0/16")
	subnetID := *createSubnet(t, s, *vpc.VpcId, "10.0.1.0/24").SubnetId
	al := catalogID(t, "us-east-1", "al2023-ami-2023.6.20241212.0-kernel-6.1-arm64")
	inst := mustRun(t, s, subnetID, func(in *ec2.RunInstancesRequest) { in.ImageId, in.InstanceType = kit.Ptr(al), kit.Ptr("t4g.micro") })

	created, err := s.CreateImage(ctx, testCaller, &ec2.CreateImageRequest{InstanceId: inst.InstanceId, Name: kit.Ptr("golden (v1)"),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("image"), Tags: []ec2.Tag{{Key: kit.Ptr("team"), Value: kit.Ptr("a")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateImage(ctx, testCaller, &ec2.CreateImageRequest{InstanceId: inst.InstanceId, Name: kit.Ptr("golden (v1)")})
	wantCode(t, err, "InvalidAMIName.Duplicate")
	_, err = s.CreateImage(ctx, testCaller, &ec2.CreateImageRequest{InstanceId: inst.InstanceId, Name: kit.Ptr("x")})
	wantCode(t, err, "InvalidAMIName.Malformed")
	_, err = s.CreateImage(ctx, testCaller, &ec2.CreateImageRequest{InstanceId: kit.Ptr("i-0123456789abcdef0"), Name: kit.Ptr("other")})
	wantCode(t, err, "InvalidInstanceID.NotFound")

	registered, err := s.RegisterImage(ctx, testCaller, &ec2.RegisterImageRequest{Name: kit.Ptr("from-snapshot"), Architecture: kit.Ptr("x86_64"),
		RootDeviceName: kit.Ptr("/dev/xvda"), VirtualizationType: kit.Ptr("hvm"),
		BlockDeviceMappings: []ec2.BlockDeviceMapping{{DeviceName: kit.Ptr("/dev/xvda"), Ebs: &ec2.EbsBlockDevice{SnapshotId: kit.Ptr("snap-0123456789abcdef0")}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.RegisterImage(ctx, testCaller, &ec2.RegisterImageRequest{Name: kit.Ptr("nothing")})
	wantCode(t, err, "InvalidParameterCombination")

	own, err := s.DescribeImages(ctx, testCaller, &ec2.DescribeImagesRequest{Owners: []string{"self"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{*created.ImageId, *registered.ImageId}
	slices.Sort(want)
	if got := imageIDs(own.Images); !slices.Equal(got, want) {
		t.Fatalf("own images %v, want %v", got, want)
	}
	for _, img := range own.Images {
		if *img.ImageId == *created.ImageId && (*img.Architecture != "arm64" || *img.SourceInstanceId != *inst.InstanceId || *img.Public || len(img.Tags) != 1) {
			t.Fatalf("created image %+v", img)
		}
	}
	tagged, err := s.DescribeImages(ctx, testCaller, &ec2.DescribeImagesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("tag:team"), Values: []string{"a"}}}})
	if err != nil || len(tagged.Images) != 1 {
		t.Fatalf("tag filter: %v, %v", tagged, err)
	}
	other, err := s.DescribeImages(ctx, Caller{Account: "210987654321", Region: "us-east-1"}, &ec2.DescribeImagesRequest{Owners: []string{"123456789012"}})
	if err != nil || len(other.Images) != 0 {
		t.Fatalf("another account sees %v, %v", other, err)
	}

	// An instance launches from a private image; a catalog image cannot be deregistered.
	mustRun(t, s, subnetID, func(in *ec2.RunInstancesRequest) { in.ImageId, in.InstanceType = created.ImageId, kit.Ptr("t4g.micro") })
	attr, err := s.DescribeImageAttribute(ctx, testCaller, &ec2.DescribeImageAttributeRequest{ImageId: created.ImageId, Attribute: kit.Ptr("blockDeviceMapping")})
	if err != nil || len(attr.BlockDeviceMappings) != 1 {
		t.Fatalf("attribute: %v, %v", attr, err)
	}
	_, err = s.DeregisterImage(ctx, testCaller, &ec2.DeregisterImageRequest{ImageId: kit.Ptr(al)})
	wantCode(t, err, "AuthFailure")
	if _, err := s.DeregisterImage(ctx, testCaller, &ec2.DeregisterImageRequest{ImageId: created.ImageId}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DescribeImages(ctx, testCaller, &ec2.DescribeImagesRequest{ImageIds: []string{*created.ImageId}})
	wantCode(t, err, "InvalidAMIID.NotFound")
	if _, err := s.CreateImage(ctx, testCaller, &ec2.CreateImageRequest{InstanceId: inst.InstanceId, Name: kit.Ptr("golden (v1)")}); err != nil {
		t.Fatalf("name free again after deregistering: %v", err)
	}
}

func TestRunInstancesChecksImage(t *testing.T) {
	s := newTestService(t)
	vpc := createVpc(t, s, "10.0.0.0/16")
	subnetID := *createSubnet(t, s, *vpc.VpcId, "10.0.1.0/24").SubnetId
	for _, tc := range []struct{ name, image, code string }{
		{"catalog image", catalogID(t, "us-east-1", "debian-12-amd64-20241201-1948"), ""},
		{"another region's catalog image", catalogID(t, "eu-west-1", "debian-12-amd64-20241201-1948"), "InvalidAMIID.NotFound"},
		{"unknown long ID", "ami-0123456789abcdef0", "InvalidAMIID.NotFound"},
		{"short placeholder ID (compatibility)", "ami-12345678", ""},
		{"an arm64 image on an x86_64 type", catalogID(t, "us-east-1", "debian-12-arm64-20241201-1948"), "InvalidParameterValue"},
		{"malformed", "ami-1", "InvalidAMIID.Malformed"},
		{"resolved from a public parameter", "resolve:ssm:/aws/service/debian/release/12/latest/amd64", ""},
		{"an unknown parameter", "resolve:ssm:/aws/service/debian/release/99/latest/amd64", "InvalidParameterValue"},
		{"not an image", "vol-12345678", "InvalidAMIID.Malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := run(s, subnetID, 1, func(in *ec2.RunInstancesRequest) { in.ImageId = kit.Ptr(tc.image) })
			wantCode(t, err, tc.code)
			if err == nil && strings.HasPrefix(tc.image, "resolve:ssm:") && *res.Instances[0].ImageId != catalogID(t, "us-east-1", "debian-12-amd64-20241201-1948") {
				t.Fatalf("launched from %s", *res.Instances[0].ImageId)
			}
		})
	}
}

func TestPrivateImageTags(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	reg, err := s.RegisterImage(ctx, testCaller, &ec2.RegisterImageRequest{Name: kit.Ptr("tagged"), RootDeviceName: kit.Ptr("/dev/xvda"),
		BlockDeviceMappings: []ec2.BlockDeviceMapping{{DeviceName: kit.Ptr("/dev/xvda"), Ebs: &ec2.EbsBlockDevice{VolumeSize: kit.Ptr(int32(16))}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{*reg.ImageId}, Tags: []ec2.Tag{{Key: kit.Ptr("stage"), Value: kit.Ptr("prod")}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := s.DescribeTags(ctx, testCaller, &ec2.DescribeTagsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("resource-type"), Values: []string{"image"}}}})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].ResourceId != *reg.ImageId {
		t.Fatalf("DescribeTags: %+v, %v", tags, err)
	}
	out, err := s.DescribeImages(ctx, testCaller, &ec2.DescribeImagesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("tag:stage"), Values: []string{"prod"}}}})
	if err != nil || len(out.Images) != 1 || *out.Images[0].Architecture != "i386" || *out.Images[0].VirtualizationType != "paravirtual" ||
		*out.Images[0].BlockDeviceMappings[0].Ebs.VolumeSize != 16 {
		t.Fatalf("tagged image: %+v, %v", out, err)
	}
	err = s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{catalogID(t, "us-east-1", al2023)}, Tags: []ec2.Tag{{Key: kit.Ptr("a"), Value: kit.Ptr("b")}}})
	wantCode(t, err, "InvalidAMIID.NotFound")
}

func TestInstanceShowsItsImage(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	vpc := createVpc(t, s, "10.0.0.0/16")
	subnetID := *createSubnet(t, s, *vpc.VpcId, "10.0.1.0/24").SubnetId
	win := mustRun(t, s, subnetID, func(in *ec2.RunInstancesRequest) {
		in.ImageId = kit.Ptr("resolve:ssm:/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base")
	})
	out, err := s.DescribeInstances(ctx, testCaller, &ec2.DescribeInstancesRequest{InstanceIds: []string{*win.InstanceId}})
	if err != nil {
		t.Fatal(err)
	}
	got := out.Reservations[0].Instances[0]
	if kit.Deref(got.Platform) != "windows" || *got.PlatformDetails != "Windows" || *got.UsageOperation != "RunInstances:0002" || *got.RootDeviceName != "/dev/sda1" {
		t.Fatalf("windows instance: platform %v, details %s, usage %s, root %s", got.Platform, *got.PlatformDetails, *got.UsageOperation, *got.RootDeviceName)
	}
}
