package control

import (
	"context"
	"strings"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func createVolume(t *testing.T, s *Service, mod ...func(*ec2.CreateVolumeRequest)) ec2.Volume {
	t.Helper()
	in := &ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: kit.Ptr(int32(10))}
	for _, m := range mod {
		m(in)
	}
	v, err := s.CreateVolume(context.Background(), testCaller, in)
	if err != nil {
		t.Fatal(err)
	}
	return *v
}

func describeVolume(t *testing.T, s *Service, id string) ec2.Volume {
	t.Helper()
	out, err := s.DescribeVolumes(context.Background(), testCaller, &ec2.DescribeVolumesRequest{VolumeIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Volumes) != 1 {
		t.Fatalf("describe %s: %d volumes", id, len(out.Volumes))
	}
	return out.Volumes[0]
}

func TestCreateVolumeDefaults(t *testing.T) {
	s := newTestService(t)
	v := createVolume(t, s, func(in *ec2.CreateVolumeRequest) {
		in.TagSpecifications = []ec2.TagSpecification{{ResourceType: kit.Ptr("volume"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("data")}}}}
	})
	if !strings.HasPrefix(*v.VolumeId, "vol-") || len(*v.VolumeId) != 21 {
		t.Errorf("VolumeId = %s", *v.VolumeId)
	}
	if *v.State != "creating" || *v.VolumeType != "gp2" || *v.Iops != 100 || *v.Size != 10 || *v.Encrypted || *v.SnapshotId != "" || v.Throughput != nil {
		t.Errorf("CreateVolume = state %s type %s iops %d", *v.State, *v.VolumeType, *v.Iops)
	}
	if *v.AvailabilityZone != "us-east-1a" || *v.AvailabilityZoneId == "" || len(v.Tags) != 1 {
		t.Errorf("zone %s %s tags %v", *v.AvailabilityZone, *v.AvailabilityZoneId, v.Tags)
	}
	d := describeVolume(t, s, *v.VolumeId)
	if *d.State != "available" || d.Attachments == nil || len(d.Attachments) != 0 {
		t.Errorf("described = %s %v", *d.State, d.Attachments)
	}
	gp3 := createVolume(t, s, func(in *ec2.CreateVolumeRequest) { in.VolumeType = kit.Ptr("gp3") })
	if *gp3.Iops != 3000 || *gp3.Throughput != 125 {
		t.Errorf("gp3 = %d IOPS %d MiB/s", *gp3.Iops, *gp3.Throughput)
	}
	enc := createVolume(t, s, func(in *ec2.CreateVolumeRequest) { in.Encrypted = kit.Ptr(true) })
	if !*enc.Encrypted || !strings.HasPrefix(kit.Deref(enc.KmsKeyId), "arn:aws:kms:us-east-1:123456789012:key/") {
		t.Errorf("encrypted = %v %s", *enc.Encrypted, kit.Deref(enc.KmsKeyId))
	}
	err := s.CreateTags(context.Background(), testCaller, &ec2.CreateTagsRequest{Resources: []string{*v.VolumeId}, Tags: []ec2.Tag{{Key: kit.Ptr("team"), Value: kit.Ptr("db")}}})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := s.DescribeTags(context.Background(), testCaller, &ec2.DescribeTagsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("resource-type"), Values: []string{"volume"}}}})
	if err != nil || len(tags.Tags) != 2 || *tags.Tags[0].ResourceId != *v.VolumeId {
		t.Errorf("volume tags: %v %+v", err, tags)
	}
	byID := createVolume(t, s, func(in *ec2.CreateVolumeRequest) {
		in.AvailabilityZone, in.AvailabilityZoneId = nil, gp3.AvailabilityZoneId
	})
	if *byID.AvailabilityZone != "us-east-1a" {
		t.Errorf("zone by ID = %s", *byID.AvailabilityZone)
	}
}

func TestCreateVolumeClientToken(t *testing.T) {
	s := newTestService(t)
	tok := func(in *ec2.CreateVolumeRequest) { in.ClientToken = kit.Ptr("once") }
	a, b := createVolume(t, s, tok), createVolume(t, s, tok)
	if *a.VolumeId != *b.VolumeId || *b.State != "available" {
		t.Errorf("repeated token: %s %s (%s)", *a.VolumeId, *b.VolumeId, *b.State)
	}
	_, err := s.CreateVolume(context.Background(), testCaller, &ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: kit.Ptr(int32(20)), ClientToken: kit.Ptr("once")})
	wantCode(t, err, "IdempotentParameterMismatch")
}

func TestCreateVolumeErrors(t *testing.T) {
	s := newTestService(t)
	i32 := func(v int32) *int32 { return &v }
	cases := []struct {
		name string
		in   ec2.CreateVolumeRequest
		code string
	}{
		{"no zone", ec2.CreateVolumeRequest{Size: i32(1)}, "MissingParameter"},
		{"zone and zone ID", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), AvailabilityZoneId: kit.Ptr("use1-az1"), Size: i32(1)}, "InvalidParameterCombination"},
		{"unknown zone", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1z"), Size: i32(1)}, "InvalidParameterValue"},
		{"no size or snapshot", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a")}, "MissingParameter"},
		{"unknown type", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(1), VolumeType: kit.Ptr("gp4")}, "InvalidParameterValue"},
		{"gp2 too large", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(16385)}, "InvalidParameterValue"},
		{"gp2 zero", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(0)}, "InvalidParameterValue"},
		{"st1 too small", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(124), VolumeType: kit.Ptr("st1")}, "InvalidParameterValue"},
		{"standard too large", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(1025), VolumeType: kit.Ptr("standard")}, "InvalidParameterValue"},
		{"iops on gp2", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(10), Iops: i32(300)}, "InvalidParameterCombination"},
		{"io1 without iops", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(10), VolumeType: kit.Ptr("io1")}, "MissingParameter"},
		{"io1 ratio", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(10), VolumeType: kit.Ptr("io1"), Iops: i32(501)}, "InvalidParameterValue"},
		{"gp3 iops too low", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(10), VolumeType: kit.Ptr("gp3"), Iops: i32(2999)}, "InvalidParameterValue"},
		{"gp3 ratio", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(10), VolumeType: kit.Ptr("gp3"), Iops: i32(6000)}, "InvalidParameterValue"},
		{"gp3 throughput high", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(100), VolumeType: kit.Ptr("gp3"), Throughput: i32(2001)}, "InvalidParameterValue"},
		{"gp3 throughput per iops", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(100), VolumeType: kit.Ptr("gp3"), Throughput: i32(1000)}, "InvalidParameterValue"},
		{"throughput on io2", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(10), VolumeType: kit.Ptr("io2"), Iops: i32(1000), Throughput: i32(200)}, "InvalidParameterCombination"},
		{"multi-attach on gp3", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(10), VolumeType: kit.Ptr("gp3"), MultiAttachEnabled: kit.Ptr(true)}, "InvalidParameterValue"},
		{"kms key without encryption", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(10), KmsKeyId: kit.Ptr("1234abcd-12ab-34cd-56ef-1234567890ab")}, "InvalidParameterDependency"},
		{"kms alias", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(10), Encrypted: kit.Ptr(true), KmsKeyId: kit.Ptr("alias/mine")}, "InvalidParameterValue"},
		{"snapshot not found", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), SnapshotId: kit.Ptr("snap-0123456789abcdef0")}, "InvalidSnapshot.NotFound"},
		{"snapshot malformed", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), SnapshotId: kit.Ptr("snapshot")}, "InvalidSnapshotID.Malformed"},
		{"wrong tag type", ec2.CreateVolumeRequest{AvailabilityZone: kit.Ptr("us-east-1a"), Size: i32(1), TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("instance")}}}, "InvalidParameterValue"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateVolume(context.Background(), testCaller, &tc.in)
			wantCode(t, err, tc.code)
		})
	}
	// The limits themselves are accepted.
	for _, in := range []ec2.CreateVolumeRequest{
		{Size: i32(65536), VolumeType: kit.Ptr("gp3")},
		{Size: i32(16), VolumeType: kit.Ptr("gp3"), Iops: i32(8000), Throughput: i32(2000)},
		{Size: i32(4), VolumeType: kit.Ptr("io1"), Iops: i32(200), MultiAttachEnabled: kit.Ptr(true)},
		{Size: i32(125), VolumeType: kit.Ptr("sc1")},
		{Size: i32(1024), VolumeType: kit.Ptr("standard")},
		{Size: i32(1), Encrypted: kit.Ptr(true), KmsKeyId: kit.Ptr("1234abcd-12ab-34cd-56ef-1234567890ab")},
	} {
		in.AvailabilityZone = kit.Ptr("us-east-1b")
		if _, err := s.CreateVolume(context.Background(), testCaller, &in); err != nil {
			t.Errorf("%s %d GiB: %v", kit.Deref(in.VolumeType), *in.Size, err)
		}
	}
}

// instanceAndVolume launches an instance and creates a volume in its zone.
func instanceAndVolume(t *testing.T) (*Service, ec2.Instance, ec2.Volume) {
	t.Helper()
	s := newTestService(t)
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	inst := mustRun(t, s, subnetID)
	v := createVolume(t, s, func(in *ec2.CreateVolumeRequest) { in.AvailabilityZone = inst.Placement.AvailabilityZone })
	return s, inst, v
}

func TestDescribeVolumesFiltersAndPages(t *testing.T) {
	s, inst, a := instanceAndVolume(t)
	ctx := context.Background()
	b := createVolume(t, s, func(in *ec2.CreateVolumeRequest) {
		in.AvailabilityZone, in.VolumeType, in.Size = kit.Ptr("us-east-1b"), kit.Ptr("gp3"), kit.Ptr(int32(50))
		in.TagSpecifications = []ec2.TagSpecification{{ResourceType: kit.Ptr("volume"), Tags: []ec2.Tag{{Key: kit.Ptr("team"), Value: kit.Ptr("db")}}}}
	})
	if _, err := s.AttachVolume(ctx, testCaller, &ec2.AttachVolumeRequest{VolumeId: a.VolumeId, InstanceId: inst.InstanceId, Device: kit.Ptr("/dev/sdf")}); err != nil {
		t.Fatal(err)
	}
	filter := func(name string, values ...string) []string {
		out, err := s.DescribeVolumes(ctx, testCaller, &ec2.DescribeVolumesRequest{Filters: []ec2.Filter{{Name: kit.Ptr(name), Values: values}}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var ids []string
		for _, v := range out.Volumes {
			ids = append(ids, *v.VolumeId)
		}
		return ids
	}
	for _, tc := range []struct {
		name   string
		values []string
		want   []string
	}{
		{"attachment.instance-id", []string{*inst.InstanceId}, []string{*a.VolumeId}},
		{"attachment.device", []string{"/dev/sdf"}, []string{*a.VolumeId}},
		{"attachment.status", []string{"attached"}, []string{*a.VolumeId}},
		{"attachment.delete-on-termination", []string{"false"}, []string{*a.VolumeId}},
		{"availability-zone", []string{"us-east-1b"}, []string{*b.VolumeId}},
		{"encrypted", []string{"true"}, nil},
		{"size", []string{"50"}, []string{*b.VolumeId}},
		{"status", []string{"available"}, []string{*b.VolumeId}},
		{"volume-id", []string{*b.VolumeId}, []string{*b.VolumeId}},
		{"volume-type", []string{"gp3"}, []string{*b.VolumeId}},
		{"tag:team", []string{"db"}, []string{*b.VolumeId}},
		{"snapshot-id", []string{""}, []string{*a.VolumeId, *b.VolumeId}},
	} {
		got := filter(tc.name, tc.values...)
		// The root volume of the instance is there too: keep only a and b.
		var kept []string
		for _, id := range got {
			if id == *a.VolumeId || id == *b.VolumeId {
				kept = append(kept, id)
			}
		}
		if !sameSet(kept, tc.want) {
			t.Errorf("%s=%v: %v, want %v", tc.name, tc.values, kept, tc.want)
		}
	}
	_, err := s.DescribeVolumes(ctx, testCaller, &ec2.DescribeVolumesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("colour"), Values: []string{"x"}}}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = s.DescribeVolumes(ctx, testCaller, &ec2.DescribeVolumesRequest{VolumeIds: []string{"vol-0123456789abcdef0"}})
	wantCode(t, err, "InvalidVolume.NotFound")
	_, err = s.DescribeVolumes(ctx, testCaller, &ec2.DescribeVolumesRequest{VolumeIds: []string{"volume-1"}})
	wantCode(t, err, "InvalidVolumeID.Malformed")
	_, err = s.DescribeVolumes(ctx, testCaller, &ec2.DescribeVolumesRequest{VolumeIds: []string{*a.VolumeId}, MaxResults: kit.Ptr(int32(5))})
	wantCode(t, err, "InvalidParameterCombination")

	for range 5 {
		createVolume(t, s)
	}
	var seen []string
	var token *string
	for {
		out, err := s.DescribeVolumes(ctx, testCaller, &ec2.DescribeVolumesRequest{MaxResults: kit.Ptr(int32(5)), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.Volumes {
			seen = append(seen, *v.VolumeId)
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(seen) != 8 { // a, b, five more and the root volume
		t.Errorf("paged through %d volumes, want 8", len(seen))
	}
}

func TestAttachDetachDeleteVolume(t *testing.T) {
	s, inst, v := instanceAndVolume(t)
	ctx := context.Background()
	zone := *inst.Placement.AvailabilityZone
	attach := func(vol, instance, device string) (*ec2.VolumeAttachment, error) {
		return s.AttachVolume(ctx, testCaller, &ec2.AttachVolumeRequest{VolumeId: &vol, InstanceId: &instance, Device: &device})
	}

	_, err := attach(*v.VolumeId, *inst.InstanceId, "/dev/sdk1")
	wantCode(t, err, "InvalidParameterValue")
	_, err = attach(*v.VolumeId, *inst.InstanceId, "/dev/xvda")
	wantCode(t, err, "InvalidParameterValue") // the root volume's device
	_, err = attach(*v.VolumeId, "i-0123456789abcdef0", "/dev/sdf")
	wantCode(t, err, "InvalidInstanceID.NotFound")
	_, err = attach("vol-0123456789abcdef0", *inst.InstanceId, "/dev/sdf")
	wantCode(t, err, "InvalidVolume.NotFound")
	other := createVolume(t, s, func(in *ec2.CreateVolumeRequest) { in.AvailabilityZone = kit.Ptr("us-east-1f") })
	if zone == "us-east-1f" {
		other = createVolume(t, s, func(in *ec2.CreateVolumeRequest) { in.AvailabilityZone = kit.Ptr("us-east-1b") })
	}
	_, err = attach(*other.VolumeId, *inst.InstanceId, "/dev/sdf")
	wantCode(t, err, "InvalidVolume.ZoneMismatch")

	att, err := attach(*v.VolumeId, *inst.InstanceId, "/dev/sdf")
	if err != nil {
		t.Fatal(err)
	}
	if *att.State != "attaching" || *att.Device != "/dev/sdf" || *att.InstanceId != *inst.InstanceId || *att.VolumeId != *v.VolumeId || att.AttachTime == nil {
		t.Errorf("AttachVolume = %+v", att)
	}
	d := describeVolume(t, s, *v.VolumeId)
	if *d.State != "in-use" || len(d.Attachments) != 1 || *d.Attachments[0].State != "attached" || *d.Attachments[0].DeleteOnTermination {
		t.Errorf("attached volume = %s %+v", *d.State, d.Attachments)
	}
	desc := describeInstance(t, s, *inst.InstanceId)
	if len(desc.BlockDeviceMappings) != 2 || *desc.BlockDeviceMappings[1].DeviceName != "/dev/sdf" || *desc.BlockDeviceMappings[1].Ebs.VolumeId != *v.VolumeId {
		t.Errorf("instance block devices = %+v", desc.BlockDeviceMappings)
	}

	again := createVolume(t, s, func(in *ec2.CreateVolumeRequest) { in.AvailabilityZone = &zone })
	_, err = attach(*again.VolumeId, *inst.InstanceId, "sdf")
	wantCode(t, err, "InvalidParameterValue") // sdf is /dev/sdf
	_, err = attach(*v.VolumeId, *inst.InstanceId, "/dev/sdg")
	wantCode(t, err, "VolumeInUse")
	wantCode(t, s.DeleteVolume(ctx, testCaller, &ec2.DeleteVolumeRequest{VolumeId: v.VolumeId}), "VolumeInUse")

	_, err = s.DetachVolume(ctx, testCaller, &ec2.DetachVolumeRequest{VolumeId: v.VolumeId, InstanceId: kit.Ptr("i-0123456789abcdef0")})
	wantCode(t, err, "InvalidAttachment.NotFound")
	det, err := s.DetachVolume(ctx, testCaller, &ec2.DetachVolumeRequest{VolumeId: v.VolumeId})
	if err != nil {
		t.Fatal(err)
	}
	if *det.State != "detaching" || *det.Device != "/dev/sdf" {
		t.Errorf("DetachVolume = %+v", det)
	}
	if d := describeVolume(t, s, *v.VolumeId); *d.State != "available" || len(d.Attachments) != 0 {
		t.Errorf("detached volume = %s %+v", *d.State, d.Attachments)
	}
	_, err = s.DetachVolume(ctx, testCaller, &ec2.DetachVolumeRequest{VolumeId: v.VolumeId})
	wantCode(t, err, "IncorrectState")
	if err := s.DeleteVolume(ctx, testCaller, &ec2.DeleteVolumeRequest{VolumeId: v.VolumeId}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DescribeVolumes(ctx, testCaller, &ec2.DescribeVolumesRequest{VolumeIds: []string{*v.VolumeId}})
	wantCode(t, err, "InvalidVolume.NotFound")
	wantCode(t, s.DeleteVolume(ctx, testCaller, &ec2.DeleteVolumeRequest{VolumeId: v.VolumeId}), "InvalidVolume.NotFound")
}

func TestMultiAttach(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	i1, i2 := mustRun(t, s, subnetID), mustRun(t, s, subnetID)
	v := createVolume(t, s, func(in *ec2.CreateVolumeRequest) {
		in.AvailabilityZone, in.VolumeType, in.Iops, in.MultiAttachEnabled = i1.Placement.AvailabilityZone, kit.Ptr("io2"), kit.Ptr(int32(1000)), kit.Ptr(true)
	})
	for _, inst := range []ec2.Instance{i1, i2} {
		if _, err := s.AttachVolume(ctx, testCaller, &ec2.AttachVolumeRequest{VolumeId: v.VolumeId, InstanceId: inst.InstanceId, Device: kit.Ptr("/dev/sdf")}); err != nil {
			t.Fatal(err)
		}
	}
	if d := describeVolume(t, s, *v.VolumeId); len(d.Attachments) != 2 || !*d.MultiAttachEnabled {
		t.Errorf("multi-attached = %+v", d.Attachments)
	}
	_, err := s.DetachVolume(ctx, testCaller, &ec2.DetachVolumeRequest{VolumeId: v.VolumeId})
	wantCode(t, err, "MissingParameter")
	if _, err := s.DetachVolume(ctx, testCaller, &ec2.DetachVolumeRequest{VolumeId: v.VolumeId, InstanceId: i2.InstanceId}); err != nil {
		t.Fatal(err)
	}
	if d := describeVolume(t, s, *v.VolumeId); len(d.Attachments) != 1 || *d.Attachments[0].InstanceId != *i1.InstanceId {
		t.Errorf("after detaching from one = %+v", d.Attachments)
	}
}

func TestRootVolume(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	res, err := run(s, subnetID, 1, func(in *ec2.RunInstancesRequest) {
		in.TagSpecifications = []ec2.TagSpecification{{ResourceType: kit.Ptr("volume"), Tags: []ec2.Tag{{Key: kit.Ptr("v"), Value: kit.Ptr("1")}}}}
	})
	if err != nil {
		t.Fatal(err)
	}
	if bdm := res.Instances[0].BlockDeviceMappings; bdm == nil || len(bdm) != 0 {
		t.Errorf("RunInstances answers block devices %+v, want none yet", bdm)
	}
	inst := describeInstance(t, s, *res.Instances[0].InstanceId)
	if *inst.RootDeviceName != "/dev/xvda" || *inst.RootDeviceType != "ebs" || len(inst.BlockDeviceMappings) != 1 {
		t.Fatalf("root %s %s, block devices %+v", *inst.RootDeviceName, *inst.RootDeviceType, inst.BlockDeviceMappings)
	}
	b := inst.BlockDeviceMappings[0]
	if *b.DeviceName != "/dev/xvda" || *b.Ebs.Status != "attached" || !*b.Ebs.DeleteOnTermination || !b.Ebs.AttachTime.Equal(*inst.LaunchTime) {
		t.Errorf("root mapping = %+v %+v", b, b.Ebs)
	}
	root := describeVolume(t, s, *b.Ebs.VolumeId)
	if *root.Size != 8 || *root.VolumeType != "gp3" || *root.Iops != 3000 || *root.AvailabilityZone != *inst.Placement.AvailabilityZone || len(root.Tags) != 1 || *root.State != "in-use" {
		t.Errorf("root volume = %d GiB %s %s tags %v", *root.Size, *root.VolumeType, *root.State, root.Tags)
	}

	// The root volume of a running instance stays; of a stopped one it may go.
	_, err = s.DetachVolume(ctx, testCaller, &ec2.DetachVolumeRequest{VolumeId: root.VolumeId})
	wantCode(t, err, "IncorrectState")
	_, err = s.DetachVolume(ctx, testCaller, &ec2.DetachVolumeRequest{VolumeId: root.VolumeId, Force: kit.Ptr(true)})
	wantCode(t, err, "IncorrectState")
	if _, err := s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: []string{*inst.InstanceId}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DetachVolume(ctx, testCaller, &ec2.DetachVolumeRequest{VolumeId: root.VolumeId, InstanceId: inst.InstanceId, Device: kit.Ptr("/dev/xvda")}); err != nil {
		t.Fatal(err)
	}
	if got := describeInstance(t, s, *inst.InstanceId); len(got.BlockDeviceMappings) != 0 {
		t.Errorf("after detaching the root: %+v", got.BlockDeviceMappings)
	}
	if _, err := s.AttachVolume(ctx, testCaller, &ec2.AttachVolumeRequest{VolumeId: root.VolumeId, InstanceId: inst.InstanceId, Device: kit.Ptr("/dev/xvda")}); err != nil {
		t.Fatal(err)
	}
}

func TestRunInstancesBlockDeviceMappings(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	inst := mustRun(t, s, subnetID, func(in *ec2.RunInstancesRequest) {
		in.BlockDeviceMappings = []ec2.BlockDeviceMapping{
			{DeviceName: kit.Ptr("/dev/xvda"), Ebs: &ec2.EbsBlockDevice{VolumeSize: kit.Ptr(int32(20)), VolumeType: kit.Ptr("gp2"), DeleteOnTermination: kit.Ptr(false)}},
			{DeviceName: kit.Ptr("/dev/sdb"), Ebs: &ec2.EbsBlockDevice{VolumeSize: kit.Ptr(int32(100)), VolumeType: kit.Ptr("io1"), Iops: kit.Ptr(int32(1000))}},
			{DeviceName: kit.Ptr("/dev/sdc"), VirtualName: kit.Ptr("ephemeral0")},
			{DeviceName: kit.Ptr("/dev/sdd"), NoDevice: kit.Ptr("")},
		}
	})
	d := describeInstance(t, s, *inst.InstanceId)
	if len(d.BlockDeviceMappings) != 2 || *d.BlockDeviceMappings[1].DeviceName != "/dev/sdb" {
		t.Fatalf("block devices = %+v", d.BlockDeviceMappings)
	}
	rootID, dataID := *d.BlockDeviceMappings[0].Ebs.VolumeId, *d.BlockDeviceMappings[1].Ebs.VolumeId
	if root := describeVolume(t, s, rootID); *root.Size != 20 || *root.VolumeType != "gp2" || *root.Attachments[0].DeleteOnTermination {
		t.Errorf("root = %d GiB %s", *root.Size, *root.VolumeType)
	}
	if data := describeVolume(t, s, dataID); *data.Size != 100 || *data.Iops != 1000 || !*data.Attachments[0].DeleteOnTermination {
		t.Errorf("data = %d GiB %d IOPS", *data.Size, *data.Iops)
	}
	out, err := s.DescribeInstances(ctx, testCaller, &ec2.DescribeInstancesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("block-device-mapping.volume-id"), Values: []string{dataID}}}})
	if err != nil || len(out.Reservations) != 1 {
		t.Errorf("block-device-mapping.volume-id: %v %d", err, len(out.Reservations))
	}

	// ModifyInstanceAttribute keeps the data volume after termination.
	err = s.ModifyInstanceAttribute(ctx, testCaller, &ec2.ModifyInstanceAttributeRequest{InstanceId: inst.InstanceId, BlockDeviceMappings: []ec2.InstanceBlockDeviceMappingSpecification{
		{DeviceName: kit.Ptr("/dev/sdb"), Ebs: &ec2.EbsInstanceBlockDeviceSpecification{DeleteOnTermination: kit.Ptr(false)}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	attr, err := s.DescribeInstanceAttribute(ctx, testCaller, &ec2.DescribeInstanceAttributeRequest{InstanceId: inst.InstanceId, Attribute: kit.Ptr("blockDeviceMapping")})
	if err != nil || len(attr.BlockDeviceMappings) != 2 || *attr.BlockDeviceMappings[1].Ebs.DeleteOnTermination {
		t.Errorf("blockDeviceMapping attribute = %v %+v", err, attr)
	}
	err = s.ModifyInstanceAttribute(ctx, testCaller, &ec2.ModifyInstanceAttributeRequest{InstanceId: inst.InstanceId, BlockDeviceMappings: []ec2.InstanceBlockDeviceMappingSpecification{
		{DeviceName: kit.Ptr("/dev/sdz"), Ebs: &ec2.EbsInstanceBlockDeviceSpecification{DeleteOnTermination: kit.Ptr(false)}},
	}})
	wantCode(t, err, "InvalidParameterValue")

	extra := createVolume(t, s, func(in *ec2.CreateVolumeRequest) { in.AvailabilityZone = d.Placement.AvailabilityZone })
	if _, err := s.AttachVolume(ctx, testCaller, &ec2.AttachVolumeRequest{VolumeId: extra.VolumeId, InstanceId: inst.InstanceId, Device: kit.Ptr("xvdf")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TerminateInstances(ctx, testCaller, &ec2.TerminateInstancesRequest{InstanceIds: []string{*inst.InstanceId}}); err != nil {
		t.Fatal(err)
	}
	// None was marked delete-on-termination: all three stay, detached.
	for _, id := range []string{rootID, dataID, *extra.VolumeId} {
		if v := describeVolume(t, s, id); *v.State != "available" || len(v.Attachments) != 0 {
			t.Errorf("%s after termination = %s %+v", id, *v.State, v.Attachments)
		}
	}
	if got := describeInstance(t, s, *inst.InstanceId); got.BlockDeviceMappings == nil || len(got.BlockDeviceMappings) != 0 {
		t.Errorf("terminated instance block devices = %+v", got.BlockDeviceMappings)
	}
	_, err = s.AttachVolume(ctx, testCaller, &ec2.AttachVolumeRequest{VolumeId: extra.VolumeId, InstanceId: inst.InstanceId, Device: kit.Ptr("/dev/sdf")})
	wantCode(t, err, "IncorrectInstanceState")
}

func TestTerminateDeletesVolumes(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	inst := mustRun(t, s, subnetID)
	rootID := *describeInstance(t, s, *inst.InstanceId).BlockDeviceMappings[0].Ebs.VolumeId
	if _, err := s.TerminateInstances(ctx, testCaller, &ec2.TerminateInstancesRequest{InstanceIds: []string{*inst.InstanceId}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.DescribeVolumes(ctx, testCaller, &ec2.DescribeVolumesRequest{VolumeIds: []string{rootID}})
	wantCode(t, err, "InvalidVolume.NotFound")
}

func TestRunInstancesBlockDeviceErrors(t *testing.T) {
	s := newTestService(t)
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	ebs := func(device string, e *ec2.EbsBlockDevice) ec2.BlockDeviceMapping {
		return ec2.BlockDeviceMapping{DeviceName: kit.Ptr(device), Ebs: e}
	}
	for _, tc := range []struct {
		name     string
		mappings []ec2.BlockDeviceMapping
		code     string
	}{
		{"root smaller than the image", []ec2.BlockDeviceMapping{ebs("/dev/xvda", &ec2.EbsBlockDevice{VolumeSize: kit.Ptr(int32(4))})}, "InvalidBlockDeviceMapping"},
		{"no size", []ec2.BlockDeviceMapping{ebs("/dev/sdb", &ec2.EbsBlockDevice{})}, "MissingParameter"},
		{"device twice", []ec2.BlockDeviceMapping{ebs("/dev/sdb", &ec2.EbsBlockDevice{VolumeSize: kit.Ptr(int32(1))}), ebs("sdb", &ec2.EbsBlockDevice{VolumeSize: kit.Ptr(int32(1))})}, "InvalidBlockDeviceMapping"},
		{"bad device", []ec2.BlockDeviceMapping{ebs("/dev/sdk1", &ec2.EbsBlockDevice{VolumeSize: kit.Ptr(int32(1))})}, "InvalidParameterValue"},
		{"no device name", []ec2.BlockDeviceMapping{{Ebs: &ec2.EbsBlockDevice{VolumeSize: kit.Ptr(int32(1))}}}, "MissingParameter"},
		{"bad type", []ec2.BlockDeviceMapping{ebs("/dev/sdb", &ec2.EbsBlockDevice{VolumeSize: kit.Ptr(int32(1)), VolumeType: kit.Ptr("ssd")})}, "InvalidParameterValue"},
		{"root suppressed", []ec2.BlockDeviceMapping{{DeviceName: kit.Ptr("/dev/xvda"), NoDevice: kit.Ptr("")}}, "InvalidBlockDeviceMapping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(s, subnetID, 1, func(in *ec2.RunInstancesRequest) { in.BlockDeviceMappings = tc.mappings })
			wantCode(t, err, tc.code)
		})
	}
}

func TestModifyVolume(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	v := createVolume(t, s) // 10 GiB gp2
	modify := func(in ec2.ModifyVolumeRequest) (*ec2.VolumeModification, error) {
		in.VolumeId = v.VolumeId
		out, err := s.ModifyVolume(ctx, testCaller, &in)
		if err != nil {
			return nil, err
		}
		return out.VolumeModification, nil
	}
	m, err := modify(ec2.ModifyVolumeRequest{VolumeType: kit.Ptr("gp3"), Size: kit.Ptr(int32(20))})
	if err != nil {
		t.Fatal(err)
	}
	if *m.ModificationState != "modifying" || *m.OriginalSize != 10 || *m.TargetSize != 20 || *m.OriginalVolumeType != "gp2" || *m.TargetVolumeType != "gp3" ||
		*m.TargetIops != 3000 || *m.TargetThroughput != 125 || *m.OriginalIops != 100 || m.OriginalThroughput != nil {
		t.Errorf("ModifyVolume = %+v", m)
	}
	d := describeVolume(t, s, *v.VolumeId)
	if *d.Size != 20 || *d.VolumeType != "gp3" || *d.Iops != 3000 || *d.Throughput != 125 {
		t.Errorf("after modification: %d GiB %s %d IOPS", *d.Size, *d.VolumeType, *d.Iops)
	}
	// The same type keeps its performance unless given.
	if m, err = modify(ec2.ModifyVolumeRequest{Throughput: kit.Ptr(int32(500)), Iops: kit.Ptr(int32(4000))}); err != nil {
		t.Fatal(err)
	}
	if *m.TargetIops != 4000 || *m.TargetThroughput != 500 || *m.TargetSize != 20 || *m.OriginalThroughput != 125 {
		t.Errorf("second ModifyVolume = %+v", m)
	}
	mods, err := s.DescribeVolumesModifications(ctx, testCaller, &ec2.DescribeVolumesModificationsRequest{VolumeIds: []string{*v.VolumeId}})
	if err != nil {
		t.Fatal(err)
	}
	if len(mods.VolumesModifications) != 1 || *mods.VolumesModifications[0].ModificationState != "completed" || *mods.VolumesModifications[0].Progress != 100 {
		t.Errorf("DescribeVolumesModifications = %+v", mods.VolumesModifications)
	}
	createVolume(t, s) // never modified: not listed
	mods, err = s.DescribeVolumesModifications(ctx, testCaller, &ec2.DescribeVolumesModificationsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("target-volume-type"), Values: []string{"gp3"}}}})
	if err != nil || len(mods.VolumesModifications) != 1 {
		t.Errorf("by target-volume-type: %v %+v", err, mods)
	}

	for _, tc := range []struct {
		name string
		in   ec2.ModifyVolumeRequest
		code string
	}{
		{"nothing to change", ec2.ModifyVolumeRequest{}, "MissingParameter"},
		{"smaller", ec2.ModifyVolumeRequest{Size: kit.Ptr(int32(5))}, "InvalidParameterValue"},
		{"to io1 without room for 3000 IOPS", ec2.ModifyVolumeRequest{VolumeType: kit.Ptr("io1")}, "InvalidParameterValue"},
		{"throughput to st1", ec2.ModifyVolumeRequest{VolumeType: kit.Ptr("st1"), Size: kit.Ptr(int32(500)), Throughput: kit.Ptr(int32(200))}, "InvalidParameterCombination"},
		{"st1 too small", ec2.ModifyVolumeRequest{VolumeType: kit.Ptr("st1")}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := modify(tc.in)
			wantCode(t, err, tc.code)
		})
	}
	_, err = s.ModifyVolume(ctx, testCaller, &ec2.ModifyVolumeRequest{VolumeId: kit.Ptr("vol-0123456789abcdef0"), Size: kit.Ptr(int32(30))})
	wantCode(t, err, "InvalidVolume.NotFound")
}

// TestRootVolumeOfImage: the root volume is made from the image's root device mapping:
// Ubuntu's /dev/sda1, 8 GiB gp2 from its snapshot.
func TestRootVolumeOfImage(t *testing.T) {
	s := newTestService(t)
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	img := kit.ImageOfParameter("us-east-1", "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id")
	if img == nil {
		t.Fatal("no Ubuntu 22.04 image in the catalog")
	}
	inst := describeInstance(t, s, *mustRun(t, s, subnetID, func(in *ec2.RunInstancesRequest) { in.ImageId = &img.ID }).InstanceId)
	if *inst.RootDeviceName != "/dev/sda1" || len(inst.BlockDeviceMappings) != 1 || *inst.BlockDeviceMappings[0].DeviceName != "/dev/sda1" {
		t.Fatalf("root %s, block devices %+v", *inst.RootDeviceName, inst.BlockDeviceMappings)
	}
	root := describeVolume(t, s, *inst.BlockDeviceMappings[0].Ebs.VolumeId)
	if *root.Size != 8 || *root.VolumeType != "gp2" || *root.SnapshotId != img.BlockDevices[0].SnapshotID || *root.SnapshotId == "" {
		t.Errorf("root volume = %d GiB %s from %q", *root.Size, *root.VolumeType, *root.SnapshotId)
	}
	_, err := run(s, subnetID, 1, func(in *ec2.RunInstancesRequest) {
		in.ImageId = &img.ID
		in.BlockDeviceMappings = []ec2.BlockDeviceMapping{{DeviceName: kit.Ptr("/dev/sda1"), Ebs: &ec2.EbsBlockDevice{VolumeSize: kit.Ptr(int32(4))}}}
	})
	wantCode(t, err, "InvalidBlockDeviceMapping")
}
