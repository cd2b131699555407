package compute

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// EBS volumes are API resources only: vpcd keeps what AWS would show of them (size, type,
// performance, attachments) and no bytes. A new volume is stored available and answered
// creating, an attachment stored attached and answered attaching, as AWS shows them.

// volumeType is one EBS volume type with AWS's limits (botocore's CreateVolume and
// ModifyVolume documentation).
type volumeType struct {
	minSize, maxSize int32
	minIops, maxIops int32 // 0: the type takes no Iops
	iopsPerGiB       int32 // the highest IOPS to size ratio
	iopsRequired     bool
	throughput       bool // gp3: Throughput, 125 to 2000 MiB/s
	multiAttach      bool
}

var volumeTypes = map[string]volumeType{
	"gp2":      {minSize: 1, maxSize: 16384},
	"gp3":      {minSize: 1, maxSize: 65536, minIops: 3000, maxIops: 80000, iopsPerGiB: 500, throughput: true},
	"io1":      {minSize: 4, maxSize: 16384, minIops: 100, maxIops: 64000, iopsPerGiB: 50, iopsRequired: true, multiAttach: true},
	"io2":      {minSize: 4, maxSize: 65536, minIops: 100, maxIops: 256000, iopsPerGiB: 1000, iopsRequired: true, multiAttach: true},
	"st1":      {minSize: 125, maxSize: 16384},
	"sc1":      {minSize: 125, maxSize: 16384},
	"standard": {minSize: 1, maxSize: 1024},
}

const (
	gp3DefaultIops       = 3000
	gp3DefaultThroughput = 125
	gp3MaxThroughput     = 2000
	maxMultiAttach       = 16
)

// volumeSpec is what a new volume is made of, checked, with its defaults.
type volumeSpec struct {
	size                 int32
	typ                  string
	iops, throughput     int32
	encrypted            bool
	kmsKeyID, snapshotID string
	multiAttach          bool
}

// volumeParams are the parameters that CreateVolume and a block device mapping share.
type volumeParams struct {
	size, iops, throughput *int32
	typ, snapshotID        string
	encrypted              bool
	kmsKeyID               string
	multiAttach            bool
}

// checkVolume applies AWS's rules for a volume's size, type and performance.
func checkVolume(c kit.Caller, p volumeParams) (*volumeSpec, error) {
	sp := &volumeSpec{typ: p.typ, encrypted: p.encrypted, multiAttach: p.multiAttach}
	vt, ok := volumeTypes[p.typ]
	if !ok {
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter volumeType is invalid. Expected: 'standard', 'io1', 'io2', 'gp2', 'sc1', 'st1', 'gp3'.", p.typ)
	}
	if p.snapshotID != "" {
		// vpcd keeps no snapshots: a well-formed ID names none.
		if err := kit.CheckID(p.snapshotID, "snap"); err != nil {
			return nil, err
		}
		return nil, kit.NotFound(p.snapshotID)
	}
	if p.size == nil {
		return nil, ec2.ErrMissingParameterMessage("The request must contain the parameter size or snapshotId")
	}
	sp.size = *p.size
	if sp.size < vt.minSize {
		return nil, ec2.ErrInvalidParameterValue("Volume of %dGiB is too small for volume type %s; minimum is %dGiB", sp.size, p.typ, vt.minSize)
	}
	if sp.size > vt.maxSize {
		return nil, ec2.ErrInvalidParameterValue("Volume of %dGiB is too large for volume type %s; maximum is %dGiB", sp.size, p.typ, vt.maxSize)
	}
	switch {
	case p.iops != nil && vt.maxIops == 0:
		return nil, ec2.ErrInvalidParameterCombination("The parameter iops is not supported for %s volumes.", p.typ)
	case p.iops == nil && vt.iopsRequired:
		return nil, ec2.ErrMissingParameter("iops")
	case p.iops != nil:
		sp.iops = *p.iops
		if sp.iops < vt.minIops || sp.iops > vt.maxIops {
			return nil, ec2.ErrInvalidParameterValue("Value (%d) for parameter iops is invalid. Expected a value between %d and %d for %s volumes.", sp.iops, vt.minIops, vt.maxIops, p.typ)
		}
		// gp3's baseline 3,000 IOPS come with any size.
		if sp.iops > max(vt.iopsPerGiB*sp.size, gp3Baseline(p.typ)) {
			return nil, ec2.ErrInvalidParameterValue("Iops to volume size ratio of %s is too high; maximum is %d", ratio(sp.iops, sp.size), vt.iopsPerGiB)
		}
	case p.typ == "gp3":
		sp.iops = gp3DefaultIops
	case p.typ == "gp2":
		sp.iops = min(16000, max(100, 3*sp.size))
	}
	switch {
	case p.throughput != nil && !vt.throughput:
		return nil, ec2.ErrInvalidParameterCombination("The parameter throughput is not supported for %s volumes.", p.typ)
	case p.throughput != nil:
		sp.throughput = *p.throughput
		if sp.throughput < gp3DefaultThroughput || sp.throughput > gp3MaxThroughput {
			return nil, ec2.ErrInvalidParameterValue("Value (%d) for parameter throughput is invalid. Expected a value between %d and %d.", sp.throughput, gp3DefaultThroughput, gp3MaxThroughput)
		}
		// At most 0.25 MiB/s per provisioned IOPS.
		if sp.throughput*4 > sp.iops {
			return nil, ec2.ErrInvalidParameterValue("Throughput (MiBps) to iops ratio of %s is too high; maximum is 0.25 MiBps per iops.", ratio(sp.throughput, sp.iops))
		}
	case vt.throughput:
		sp.throughput = gp3DefaultThroughput
	}
	if p.multiAttach && !vt.multiAttach {
		return nil, ec2.ErrInvalidParameterValue("Multi-Attach is supported with io1 and io2 volumes only; the volume type is %s.", p.typ)
	}
	if p.kmsKeyID != "" {
		if !p.encrypted {
			return nil, ec2.ErrInvalidParameterDependency("The parameter KmsKeyId requires the parameter Encrypted to be set.")
		}
		arn, err := kmsKeyARN(c, p.kmsKeyID)
		if err != nil {
			return nil, err
		}
		sp.kmsKeyID = arn
	} else if p.encrypted {
		sp.kmsKeyID = defaultEBSKey(c)
	}
	return sp, nil
}

func gp3Baseline(typ string) int32 {
	if typ == "gp3" {
		return gp3DefaultIops
	}
	return 0
}

// ratio formats a/b as AWS's messages do, with at most two decimals.
func ratio(a, b int32) string {
	return strconv.FormatFloat(float64(a)/float64(max(b, 1)), 'f', -1, 64)
}

// kmsKeyARN is the ARN of the key a KmsKeyId names by ID or ARN. vpcd has no KMS to
// resolve aliases with, so it refuses them.
func kmsKeyARN(c kit.Caller, id string) (string, error) {
	switch {
	case strings.HasPrefix(id, "arn:aws:kms:") && strings.Contains(id, ":key/"):
		return id, nil
	case strings.HasPrefix(id, "alias/") || strings.Contains(id, ":alias/"):
		return "", ec2.ErrInvalidParameterValue("Value (%s) for parameter KmsKeyId is invalid. KMS key aliases are not supported: give the key's ID or ARN.", id)
	case len(id) == 36 && strings.Count(id, "-") == 4:
		return "arn:aws:kms:" + c.Region + ":" + c.Account + ":key/" + id, nil
	}
	return "", ec2.ErrInvalidParameterValue("Value (%s) for parameter KmsKeyId is invalid.", id)
}

// defaultEBSKey is the ARN of the account's AWS managed key for EBS (aws/ebs) in the
// region, a stable key ID derived from both.
func defaultEBSKey(c kit.Caller) string {
	sum := sha256.Sum256([]byte(c.Account + "/" + c.Region + "/aws/ebs"))
	h := hex.EncodeToString(sum[:16])
	return "arn:aws:kms:" + c.Region + ":" + c.Account + ":key/" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// createVolumeTokenKey remembers the volume a CreateVolume client token created.
func createVolumeTokenKey(c kit.Caller, token string) string {
	return c.Account + "/" + c.Region + "/token/CreateVolume/" + token
}

// CreateVolume creates a volume in a zone. A repeated ClientToken answers the volume it
// created.
func (s *Compute) CreateVolume(ctx context.Context, c kit.Caller, in *ec2.CreateVolumeRequest) (*ec2.Volume, error) {
	zoneName, zoneID := kit.Deref(in.AvailabilityZone), kit.Deref(in.AvailabilityZoneId)
	switch {
	case zoneName == "" && zoneID == "":
		return nil, ec2.ErrMissingParameter("AvailabilityZone")
	case zoneName != "" && zoneID != "":
		return nil, ec2.ErrInvalidParameterCombination("Either AvailabilityZone or AvailabilityZoneId must be specified, but not both.")
	}
	zone, zoneID, err := kit.ZoneByNameOrID(c.Region, zoneName, zoneID)
	if err != nil {
		return nil, err
	}
	if in.OutpostArn != nil {
		return nil, ec2.ErrInvalidParameterValue("Outposts are not supported.")
	}
	typ := kit.Deref(in.VolumeType)
	if typ == "" {
		typ = "gp2"
	}
	sp, err := checkVolume(c, volumeParams{
		size: in.Size, iops: in.Iops, throughput: in.Throughput, typ: typ, snapshotID: kit.Deref(in.SnapshotId),
		encrypted: kit.Deref(in.Encrypted), kmsKeyID: kit.Deref(in.KmsKeyId), multiAttach: kit.Deref(in.MultiAttachEnabled),
	})
	if err != nil {
		return nil, err
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "volume")
	if err != nil {
		return nil, err
	}
	token := kit.Deref(in.ClientToken)
	if len(token) > 64 {
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter clientToken is invalid. The length must be at most 64 characters.", token)
	}
	now := s.Now().UTC().Truncate(time.Second)
	var v *kit.VolumeRecord
	repeated := false
	err = s.Update(ctx, func(t *kit.Txn) error {
		repeated = false
		if token != "" {
			var id string
			found, err := t.Get(createVolumeTokenKey(c, token), &id)
			if err != nil {
				return err
			}
			if found {
				repeated = true
				v = new(kit.VolumeRecord)
				if ok, err := t.Get(c.Key(id), v); err != nil || !ok || v.Size != sp.size || v.VolumeType != sp.typ || v.AvailabilityZone != zone {
					if err != nil {
						return err
					}
					return ec2.ErrIdempotentParameterMismatch("The client token you have provided is associated with a resource that is already deleted or has different parameters.")
				}
				return nil
			}
		}
		v = newVolume(c, sp, zone, zoneID, tags, now)
		v.ClientToken = token
		if token != "" {
			if err := t.Put(createVolumeTokenKey(c, token), v.ID); err != nil {
				return err
			}
		}
		return t.Put(c.Key(v.ID), v)
	})
	if err != nil {
		return nil, err
	}
	out := v.EC2()
	if !repeated {
		out.State = kit.Ptr("creating")
	}
	return &out, nil
}

func newVolume(c kit.Caller, sp *volumeSpec, zone, zoneID string, tags map[string]string, now time.Time) *kit.VolumeRecord {
	return &kit.VolumeRecord{
		Meta:             kit.Meta{ID: kit.NewID("vol"), Owner: c.Account, Tags: tags},
		AvailabilityZone: zone, AvailabilityZoneID: zoneID, Size: sp.size, VolumeType: sp.typ,
		Iops: sp.iops, Throughput: sp.throughput, Encrypted: sp.encrypted, KmsKeyID: sp.kmsKeyID,
		SnapshotID: sp.snapshotID, MultiAttach: sp.multiAttach, CreateTime: now,
	}
}

// volumeFilters are DescribeVolumes' filters.
var volumeFilters = map[string]func(*kit.VolumeRecord) []string{
	"attachment.attach-time": eachAttachment(func(a kit.VolumeAttachment) string { return a.AttachTime.UTC().Format("2006-01-02T15:04:05.000Z") }),
	"attachment.delete-on-termination": eachAttachment(func(a kit.VolumeAttachment) string {
		return kit.BoolString(a.DeleteOnTermination)
	}),
	"attachment.device":      eachAttachment(func(a kit.VolumeAttachment) string { return a.Device }),
	"attachment.instance-id": eachAttachment(func(a kit.VolumeAttachment) string { return a.InstanceID }),
	"attachment.status":      eachAttachment(func(kit.VolumeAttachment) string { return "attached" }),
	"availability-zone":      func(v *kit.VolumeRecord) []string { return []string{v.AvailabilityZone} },
	"availability-zone-id":   func(v *kit.VolumeRecord) []string { return []string{v.AvailabilityZoneID} },
	"create-time": func(v *kit.VolumeRecord) []string {
		return []string{v.CreateTime.UTC().Format("2006-01-02T15:04:05.000Z")}
	},
	"encrypted":            func(v *kit.VolumeRecord) []string { return []string{kit.BoolString(v.Encrypted)} },
	"fast-restored":        func(*kit.VolumeRecord) []string { return []string{"false"} },
	"multi-attach-enabled": func(v *kit.VolumeRecord) []string { return []string{kit.BoolString(v.MultiAttach)} },
	"size":                 func(v *kit.VolumeRecord) []string { return []string{strconv.Itoa(int(v.Size))} },
	"snapshot-id":          func(v *kit.VolumeRecord) []string { return []string{v.SnapshotID} },
	"status":               func(v *kit.VolumeRecord) []string { return []string{v.State()} },
	"volume-id":            func(v *kit.VolumeRecord) []string { return []string{v.ID} },
	"volume-type":          func(v *kit.VolumeRecord) []string { return []string{v.VolumeType} },
}

func eachAttachment(f func(kit.VolumeAttachment) string) func(*kit.VolumeRecord) []string {
	return func(v *kit.VolumeRecord) []string {
		var out []string
		for _, a := range v.Attachments {
			out = append(out, f(a))
		}
		return out
	}
}

// maxVolumesPage is DescribeVolumes' largest page: a larger MaxResults answers 500.
const maxVolumesPage = 500

// DescribeVolumes lists the caller's volumes.
func (s *Compute) DescribeVolumes(ctx context.Context, c kit.Caller, in *ec2.DescribeVolumesRequest) (*ec2.DescribeVolumesResult, error) {
	if len(in.VolumeIds) > 0 && in.MaxResults != nil {
		return nil, ec2.ErrInvalidParameterCombination("The parameter volumeSet cannot be used with the parameter maxResults")
	}
	maxResults := in.MaxResults
	if maxResults != nil && *maxResults > maxVolumesPage {
		maxResults = kit.Ptr(int32(maxVolumesPage))
	}
	vs, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "vol", IDs: in.VolumeIds, Filters: in.Filters, MaxResults: maxResults, NextToken: in.NextToken}, volumeFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVolumesResult{Volumes: []ec2.Volume{}, NextToken: next}
	for _, v := range vs {
		out.Volumes = append(out.Volumes, v.EC2())
	}
	return out, nil
}

// DeleteVolume deletes a volume that is attached to no instance.
func (s *Compute) DeleteVolume(ctx context.Context, c kit.Caller, in *ec2.DeleteVolumeRequest) error {
	id := kit.Deref(in.VolumeId)
	if id == "" {
		return ec2.ErrMissingParameter("VolumeId")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		v, err := kit.Get[kit.VolumeRecord](t, c, "vol", id)
		if err != nil {
			return err
		}
		if len(v.Attachments) > 0 {
			return ec2.ErrVolumeInUse("Volume %s is currently attached to %s", id, v.Attachments[0].InstanceID)
		}
		t.Del(c.Key(id))
		return nil
	})
}

// checkDeviceName applies AWS's device names for EBS volumes of HVM Linux instances:
// /dev/sd[a-z], /dev/xvd[a-z], /dev/xvd[a-z][a-z] and the root /dev/sda1; the /dev/
// prefix may be left out, as AWS accepts.
func checkDeviceName(name string) error {
	d := strings.TrimPrefix(name, "/dev/")
	letter := func(b byte) bool { return b >= 'a' && b <= 'z' }
	ok := false
	switch {
	case d == "sda1":
		ok = true
	case strings.HasPrefix(d, "xvd") && (len(d) == 4 || len(d) == 5):
		ok = letter(d[3]) && (len(d) == 4 || letter(d[4]))
	case strings.HasPrefix(d, "sd") && len(d) == 3:
		ok = letter(d[2])
	}
	if !ok {
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter device is invalid. %s is not a valid EBS device name.", name, name)
	}
	return nil
}

// sameDevice reports whether two device names name one attachment point (/dev/ left out
// or not).
func sameDevice(a, b string) bool {
	return strings.TrimPrefix(a, "/dev/") == strings.TrimPrefix(b, "/dev/")
}

// AttachVolume attaches an available volume to an instance of its zone under a device
// name the instance does not use.
func (s *Compute) AttachVolume(ctx context.Context, c kit.Caller, in *ec2.AttachVolumeRequest) (*ec2.VolumeAttachment, error) {
	volID, instID, device := kit.Deref(in.VolumeId), kit.Deref(in.InstanceId), kit.Deref(in.Device)
	for _, p := range [][2]string{{"Device", device}, {"InstanceId", instID}, {"VolumeId", volID}} {
		if p[1] == "" {
			return nil, ec2.ErrMissingParameter(p[0])
		}
	}
	now := s.Now().UTC().Truncate(time.Second)
	var out ec2.VolumeAttachment
	err := s.Update(ctx, func(t *kit.Txn) error {
		v, err := kit.Get[kit.VolumeRecord](t, c, "vol", volID)
		if err != nil {
			return err
		}
		inst, err := kit.Get[kit.InstanceRecord](t, c, "i", instID)
		if err != nil {
			return err
		}
		if !inst.Visible(s.Now()) {
			return kit.NotFound(instID)
		}
		if err := checkDeviceName(device); err != nil {
			return err
		}
		switch {
		case v.AttachmentTo(inst.ID) != nil || len(v.Attachments) > 0 && !v.MultiAttach:
			return ec2.ErrVolumeInUse("%s is already attached to an instance", v.ID)
		case len(v.Attachments) >= maxMultiAttach:
			return ec2.ErrAttachmentLimitExceeded("Volume %s is attached to the maximum of %d instances.", v.ID, maxMultiAttach)
		case v.AvailabilityZone != inst.AvailabilityZone:
			return ec2.ErrInvalidVolumeZoneMismatch("The volume '%s' is not in the same availability zone as instance '%s'", v.ID, inst.ID)
		case inst.State != "running" && inst.State != "stopped":
			return ec2.ErrIncorrectInstanceState("Instance '%s' is not 'running'.", inst.ID)
		}
		if err := checkDeviceFree(t, c, inst, device); err != nil {
			return err
		}
		a := kit.VolumeAttachment{InstanceID: inst.ID, Device: device, AttachTime: now}
		v.Attachments = append(v.Attachments, a)
		inst.Volumes = append(inst.Volumes, v.ID)
		out = v.EC2Attachment(a, "attaching")
		out.DeleteOnTermination = nil
		if err := t.Put(c.Key(inst.ID), inst); err != nil {
			return err
		}
		return t.Put(c.Key(v.ID), v)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// checkDeviceFree answers AWS's error when a volume of the instance is attached under
// the device name.
func checkDeviceFree(t *kit.Txn, c kit.Caller, inst *kit.InstanceRecord, device string) error {
	v, err := volumeAt(t, c, inst, device)
	if err != nil {
		return err
	}
	if v != nil {
		return ec2.ErrInvalidParameterValue("Invalid value '%s' for unixDevice. Attachment point %s is already in use", device, device)
	}
	return nil
}

// DetachVolume detaches a volume from its instance (the one named, with Multi-Attach).
// The root volume of a running instance stays: AWS asks to stop the instance first.
func (s *Compute) DetachVolume(ctx context.Context, c kit.Caller, in *ec2.DetachVolumeRequest) (*ec2.VolumeAttachment, error) {
	volID, instID, device := kit.Deref(in.VolumeId), kit.Deref(in.InstanceId), kit.Deref(in.Device)
	if volID == "" {
		return nil, ec2.ErrMissingParameter("VolumeId")
	}
	var out ec2.VolumeAttachment
	err := s.Update(ctx, func(t *kit.Txn) error {
		v, err := kit.Get[kit.VolumeRecord](t, c, "vol", volID)
		if err != nil {
			return err
		}
		if instID != "" {
			if err := kit.CheckID(instID, "i"); err != nil {
				return err
			}
		}
		if len(v.Attachments) == 0 {
			return ec2.ErrIncorrectState("Volume '%s' is in the 'available' state.", v.ID)
		}
		if instID == "" && len(v.Attachments) > 1 {
			return ec2.ErrMissingParameter("InstanceId")
		}
		a := &v.Attachments[0]
		if instID != "" {
			if a = v.AttachmentTo(instID); a == nil {
				return ec2.ErrInvalidAttachmentNotFound("Volume '%s' is not attached to instance '%s'.", v.ID, instID)
			}
		}
		if device != "" && !sameDevice(device, a.Device) {
			return ec2.ErrInvalidAttachmentNotFound("Volume '%s' is not attached to instance '%s' as device '%s'.", v.ID, a.InstanceID, device)
		}
		inst := new(kit.InstanceRecord)
		found, err := t.Get(c.Key(a.InstanceID), inst)
		if err != nil {
			return err
		}
		if found {
			if a.Device == inst.RootDevice() && inst.State == "running" {
				return ec2.ErrIncorrectState("Unable to detach root volume '%s' from instance '%s'", v.ID, inst.ID)
			}
			inst.Volumes = without(inst.Volumes, v.ID)
			if err := t.Put(c.Key(inst.ID), inst); err != nil {
				return err
			}
		}
		out = v.EC2Attachment(*a, "detaching")
		out.DeleteOnTermination = nil
		v.Attachments = removeAttachment(v.Attachments, a.InstanceID)
		return t.Put(c.Key(v.ID), v)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func without(ids []string, id string) []string {
	out := make([]string, 0, len(ids))
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

func removeAttachment(as []kit.VolumeAttachment, instanceID string) []kit.VolumeAttachment {
	var out []kit.VolumeAttachment
	for _, a := range as {
		if a.InstanceID != instanceID {
			out = append(out, a)
		}
	}
	return out
}
