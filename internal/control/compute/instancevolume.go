package compute

import (
	"context"
	"fmt"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// An instance's EBS volumes: RunInstances makes a root volume from the image's root
// device and one volume per EBS block device mapping; TerminateInstances deletes those
// marked delete-on-termination and detaches the others.

// rootDevice is the root device of the image an instance launches from: its name, and
// the volume its snapshot makes.
type rootDevice struct {
	name       string
	size       int32
	typ        string
	snapshotID string
	keep       bool // not deleted on termination
}

// defaultRoot is the root device of an image vpcd knows nothing more of: Amazon Linux's,
// 8 GiB gp3 on /dev/xvda.
var defaultRoot = rootDevice{name: kit.DefaultRootDevice, size: 8, typ: "gp3"}

// imageRoot is the root device of the image: its root device's block device mapping, or
// defaultRoot for a placeholder ID that names no image; and its ImdsSupport.
func (s *Compute) imageRoot(ctx context.Context, c kit.Caller, imageID string) (root rootDevice, imdsSupport string, err error) {
	root = defaultRoot
	err = s.View(ctx, func(t *kit.Txn) error {
		img, err := kit.GetImage(t, c, imageID)
		if kit.IsNotFound(err, "ami") {
			return nil
		}
		if err != nil {
			return err
		}
		imdsSupport = img.ImdsSupport
		root.name = img.RootDeviceName
		for _, b := range img.BlockDevices {
			if b.DeviceName == img.RootDeviceName && b.VolumeSize > 0 {
				root.size, root.snapshotID, root.keep = b.VolumeSize, b.SnapshotID, b.KeepOnTerm
				if b.VolumeType != "" {
					root.typ = b.VolumeType
				}
			}
		}
		return nil
	})
	return root, imdsSupport, err
}

// launchVolume is one volume a launch makes for each instance.
type launchVolume struct {
	device              string
	spec                *volumeSpec
	deleteOnTermination bool
}

// parseBlockDevices turns the image's root device and the request's block device
// mappings into the volumes of each instance, the root volume first.
func (r *runRequest) parseBlockDevices(c kit.Caller, image rootDevice) error {
	rootDevice, rootSize, rootType := image.name, image.size, image.typ
	r.rootDevice = rootDevice
	root := &launchVolume{device: rootDevice, deleteOnTermination: !image.keep}
	rootParams := volumeParams{size: &rootSize, typ: rootType}
	var extra []launchVolume
	seen := map[string]bool{}
	for i, m := range r.in.BlockDeviceMappings {
		device := kit.Deref(m.DeviceName)
		if device == "" {
			return ec2.ErrMissingParameter(fmt.Sprintf("BlockDeviceMapping.%d.DeviceName", i+1))
		}
		if err := checkDeviceName(device); err != nil {
			return err
		}
		if seen[trimDev(device)] {
			return ec2.ErrInvalidBlockDeviceMapping("The device '%s' is used in more than one block-device mapping", trimDev(device))
		}
		seen[trimDev(device)] = true
		isRoot := sameDevice(device, rootDevice)
		switch {
		case m.NoDevice != nil && isRoot:
			return ec2.ErrInvalidBlockDeviceMapping("The root device '%s' cannot be suppressed with NoDevice.", device)
		case m.NoDevice != nil, m.VirtualName != nil, m.Ebs == nil:
			// Instance store volumes: none of vpcd's instance types has any.
			continue
		}
		ebs := m.Ebs
		p := volumeParams{
			size: ebs.VolumeSize, iops: ebs.Iops, throughput: ebs.Throughput, typ: kit.Deref(ebs.VolumeType),
			snapshotID: kit.Deref(ebs.SnapshotId), encrypted: kit.Deref(ebs.Encrypted), kmsKeyID: kit.Deref(ebs.KmsKeyId),
		}
		dot := ebs.DeleteOnTermination == nil || *ebs.DeleteOnTermination
		if !isRoot {
			if p.typ == "" {
				p.typ = "gp2"
			}
			sp, err := checkVolume(c, p)
			if err != nil {
				return err
			}
			extra = append(extra, launchVolume{device: device, spec: sp, deleteOnTermination: dot})
			continue
		}
		// The root volume is made from the image's snapshot: the mapping may make it
		// larger, change its type and performance, and keep it after termination.
		if p.size != nil && *p.size < rootSize {
			return ec2.ErrInvalidBlockDeviceMapping("Volume of size %dGB is smaller than snapshot '%s', expect size >= %dGB", *p.size, image.snapshotID, rootSize)
		}
		if p.size == nil {
			p.size = &rootSize
		}
		if p.typ == "" {
			p.typ = rootType
		}
		if p.snapshotID == image.snapshotID {
			p.snapshotID = ""
		}
		rootParams, root.deleteOnTermination = p, dot
	}
	sp, err := checkVolume(c, rootParams)
	if err != nil {
		return err
	}
	sp.snapshotID = image.snapshotID
	root.spec = sp
	r.volumes = append([]launchVolume{*root}, extra...)
	return nil
}

func trimDev(device string) string {
	if len(device) > 5 && device[:5] == "/dev/" {
		return device[5:]
	}
	return device
}

// addVolumes stores the launch's volumes of one instance, attached to it.
func addVolumes(t *kit.Txn, c kit.Caller, r *runRequest, inst *kit.InstanceRecord, now time.Time) error {
	inst.RootDeviceName = r.rootDevice
	for _, lv := range r.volumes {
		v := newVolume(c, lv.spec, inst.AvailabilityZone, inst.AvailabilityZoneID, r.volumeTags, now)
		v.Attachments = []kit.VolumeAttachment{{InstanceID: inst.ID, Device: lv.device, AttachTime: now, DeleteOnTermination: lv.deleteOnTermination}}
		if err := t.Put(c.Key(v.ID), v); err != nil {
			return err
		}
		inst.Volumes = append(inst.Volumes, v.ID)
	}
	return nil
}

// releaseVolumes is what terminating an instance does to its volumes: those marked
// delete-on-termination go (unless another instance has one attached too), the others
// are detached and become available.
func releaseVolumes(t *kit.Txn, c kit.Caller, inst *kit.InstanceRecord) error {
	for _, id := range inst.Volumes {
		v := new(kit.VolumeRecord)
		found, err := t.Get(c.Key(id), v)
		if err != nil {
			return err
		}
		a := v.AttachmentTo(inst.ID)
		if !found || a == nil {
			continue
		}
		dot := a.DeleteOnTermination
		v.Attachments = removeAttachment(v.Attachments, inst.ID)
		if dot && len(v.Attachments) == 0 {
			t.Del(c.Key(id))
			continue
		}
		if err := t.Put(c.Key(id), v); err != nil {
			return err
		}
	}
	inst.Volumes = nil
	return nil
}

// blockDeviceFilters are DescribeInstances' block-device-mapping.* filters.
var blockDeviceFilters = map[string]func(ec2.InstanceBlockDeviceMapping) string{
	"attach-time": func(b ec2.InstanceBlockDeviceMapping) string {
		return b.Ebs.AttachTime.UTC().Format("2006-01-02T15:04:05.000Z")
	},
	"delete-on-termination": func(b ec2.InstanceBlockDeviceMapping) string { return kit.BoolString(*b.Ebs.DeleteOnTermination) },
	"device-name":           func(b ec2.InstanceBlockDeviceMapping) string { return *b.DeviceName },
	"status":                func(b ec2.InstanceBlockDeviceMapping) string { return *b.Ebs.Status },
	"volume-id":             func(b ec2.InstanceBlockDeviceMapping) string { return *b.Ebs.VolumeId },
}

// setDeleteOnTermination is ModifyInstanceAttribute's BlockDeviceMapping: it changes
// whether the volumes attached under the devices named go with the instance.
func setDeleteOnTermination(t *kit.Txn, c kit.Caller, inst *kit.InstanceRecord, mappings []ec2.InstanceBlockDeviceMappingSpecification) error {
	for i, m := range mappings {
		device := kit.Deref(m.DeviceName)
		if device == "" {
			return ec2.ErrMissingParameter(fmt.Sprintf("BlockDeviceMapping.%d.DeviceName", i+1))
		}
		if m.Ebs == nil || m.Ebs.DeleteOnTermination == nil {
			continue
		}
		v, err := volumeAt(t, c, inst, device)
		if err != nil {
			return err
		}
		if v == nil || m.Ebs.VolumeId != nil && *m.Ebs.VolumeId != v.ID {
			return ec2.ErrInvalidParameterValue("Value (%s) for parameter blockDeviceMapping is invalid. No volume of instance '%s' is attached as %s.", device, inst.ID, device)
		}
		v.AttachmentTo(inst.ID).DeleteOnTermination = *m.Ebs.DeleteOnTermination
		if err := t.Put(c.Key(v.ID), v); err != nil {
			return err
		}
	}
	return nil
}

// volumeAt is the volume attached to the instance under the device name, nil when none is.
func volumeAt(t *kit.Txn, c kit.Caller, inst *kit.InstanceRecord, device string) (*kit.VolumeRecord, error) {
	for _, id := range inst.Volumes {
		v := new(kit.VolumeRecord)
		found, err := t.Get(c.Key(id), v)
		if err != nil {
			return nil, err
		}
		if a := v.AttachmentTo(inst.ID); found && a != nil && sameDevice(a.Device, device) {
			return v, nil
		}
	}
	return nil, nil
}
