package images

import (
	"context"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// validImageName: 3 to 128 letters, digits and ()[] ./-'@_ as AWS documents for
// RegisterImage and CreateImage.
func validImageName(name string) bool {
	if len(name) < 3 || len(name) > 128 {
		return false
	}
	for _, c := range name {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune("()[] ./-'@_", c)) {
			return false
		}
	}
	return true
}

// addImage stores a new private image of the caller, with AWS's errors for a malformed
// name or one the caller's images in the region already use.
func addImage(t *kit.Txn, c kit.Caller, img *kit.ImageRecord) error {
	if err := t.Guard(c.Prefix("ami-name") + img.Name); err != nil {
		return err
	}
	own, err := kit.ListAll[kit.ImageRecord](t, c.Prefix("ami"))
	if err != nil {
		return err
	}
	for _, o := range own {
		if o.Name == img.Name {
			return ec2.ErrInvalidAMINameDuplicate("AMI name %s is already in use by AMI %s", img.Name, o.ID)
		}
	}
	return t.Put(c.Key(img.ID), img)
}

// newImage is a new private image of the caller with the name (AWS's error for a
// malformed one), the description and the tags of the TagSpecifications.
func (s *Images) newImage(c kit.Caller, name, description string, specs []ec2.TagSpecification) (*kit.ImageRecord, error) {
	if !validImageName(name) {
		return nil, ec2.ErrInvalidAMINameMalformed("AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '[', ']', ' ', '.', '-', '/', ''', '@' and '_'")
	}
	tags, err := imageTags(specs)
	if err != nil {
		return nil, err
	}
	return &kit.ImageRecord{Meta: kit.Meta{ID: kit.NewID("ami"), Owner: c.Account, Tags: tags}, Name: name, Description: description, Created: s.Now()}, nil
}

// imageTags are the tags TagSpecifications give a new image; snapshot specifications are
// checked and dropped, as vpcd keeps no snapshots.
func imageTags(specs []ec2.TagSpecification) (map[string]string, error) {
	var images, snapshots []ec2.TagSpecification
	for _, spec := range specs {
		if kit.Deref(spec.ResourceType) == "snapshot" {
			snapshots = append(snapshots, spec)
		} else {
			images = append(images, spec)
		}
	}
	if _, err := kit.TagsOnCreate(snapshots, "snapshot"); err != nil {
		return nil, err
	}
	return kit.TagsOnCreate(images, "image")
}

// blockDevices reads BlockDeviceMappings. vpcd keeps no EBS snapshots, so a snapshot ID
// is taken as given once it is well formed; a volume without one gets a snapshot ID of
// its own.
func blockDevices(in []ec2.BlockDeviceMapping, snapshot func(device string) string) ([]kit.ImageBlockDevice, error) {
	var out []kit.ImageBlockDevice
	for _, m := range in {
		d := kit.ImageBlockDevice{DeviceName: kit.Deref(m.DeviceName), VirtualName: kit.Deref(m.VirtualName)}
		if d.DeviceName == "" {
			return nil, ec2.ErrMissingParameter("BlockDeviceMapping.DeviceName")
		}
		if kit.Deref(m.NoDevice) != "" {
			continue
		}
		if e := m.Ebs; e != nil && d.VirtualName == "" {
			d.SnapshotID, d.VolumeSize, d.VolumeType = kit.Deref(e.SnapshotId), kit.Deref(e.VolumeSize), kit.Deref(e.VolumeType)
			d.Encrypted, d.KeepOnTerm = kit.Deref(e.Encrypted), e.DeleteOnTermination != nil && !*e.DeleteOnTermination
			if d.SnapshotID != "" && !kit.ValidID(d.SnapshotID, "snap") {
				return nil, ec2.ErrInvalidParameterValue("Invalid id: \"%s\" (expecting \"snap-...\")", d.SnapshotID)
			}
			if d.SnapshotID == "" {
				d.SnapshotID = snapshot(d.DeviceName)
			}
			if d.VolumeType == "" {
				d.VolumeType = "gp2"
			}
			if d.VolumeSize == 0 {
				d.VolumeSize = 8
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// RegisterImage registers an EBS-backed image from snapshots. The image is available at
// once. Defaults are AWS's: architecture i386, virtualization paravirtual, root device
// /dev/sda1.
func (s *Images) RegisterImage(ctx context.Context, c kit.Caller, in *ec2.RegisterImageRequest) (*ec2.RegisterImageResult, error) {
	img, err := s.newImage(c, kit.Deref(in.Name), kit.Deref(in.Description), in.TagSpecifications)
	if err != nil {
		return nil, err
	}
	img.Architecture, img.RootDeviceName, img.VirtualizationType = kit.Deref(in.Architecture), kit.Deref(in.RootDeviceName), kit.Deref(in.VirtualizationType)
	img.BootMode, img.ImdsSupport, img.EnaSupport = kit.Deref(in.BootMode), kit.Deref(in.ImdsSupport), kit.Deref(in.EnaSupport)
	if img.Architecture == "" {
		img.Architecture = "i386"
	}
	if img.VirtualizationType == "" {
		img.VirtualizationType = "paravirtual"
	}
	if img.RootDeviceName == "" {
		img.RootDeviceName = "/dev/sda1"
	}
	switch img.Architecture {
	case "i386", "x86_64", "arm64", "x86_64_mac", "arm64_mac":
	default:
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter architecture is invalid.", img.Architecture)
	}
	if img.BlockDevices, err = blockDevices(in.BlockDeviceMappings, func(string) string { return kit.NewID("snap") }); err != nil {
		return nil, err
	}
	if len(img.BlockDevices) == 0 && kit.Deref(in.ImageLocation) == "" {
		return nil, ec2.ErrInvalidParameterCombination("Either ImageLocation or a root device block device mapping must be specified.")
	}
	if err := s.Update(ctx, func(t *kit.Txn) error { return addImage(t, c, img) }); err != nil {
		return nil, err
	}
	return &ec2.RegisterImageResult{ImageId: kit.Ptr(img.ID)}, nil
}

// CreateImage makes an image of a running or stopped instance of the caller: the
// instance's image's architecture, root device and platform, a new snapshot per volume.
// It is available at once (AWS takes minutes, pending first); NoReboot changes nothing as
// vpcd instances have no disk to quiesce.
func (s *Images) CreateImage(ctx context.Context, c kit.Caller, in *ec2.CreateImageRequest) (*ec2.CreateImageResult, error) {
	img, err := s.newImage(c, kit.Deref(in.Name), kit.Deref(in.Description), in.TagSpecifications)
	if err != nil {
		return nil, err
	}
	img.Architecture, img.RootDeviceName, img.VirtualizationType, img.EnaSupport = "x86_64", "/dev/xvda", "hvm", true
	img.SourceInstanceID = kit.Deref(in.InstanceId)
	err = s.Update(ctx, func(t *kit.Txn) error {
		inst, err := kit.Get[kit.InstanceRecord](t, c, "i", kit.Deref(in.InstanceId))
		if err != nil {
			return err
		}
		if inst.State != "running" && inst.State != "stopped" {
			return ec2.ErrIncorrectInstanceState("Instance '%s' is not in a state from which it can be imaged.", inst.ID)
		}
		root := []kit.ImageBlockDevice{{DeviceName: img.RootDeviceName, VolumeSize: 8, VolumeType: "gp3"}}
		if src, err := kit.GetImage(t, c, inst.ImageID); err == nil {
			img.Architecture, img.RootDeviceName, img.Platform, img.BootMode, img.ImdsSupport = src.Architecture, src.RootDeviceName, src.Platform, src.BootMode, src.ImdsSupport
			root = src.BlockDevices
		}
		img.BlockDevices = nil
		for _, d := range root {
			d.SnapshotID = kit.NewID("snap")
			img.BlockDevices = append(img.BlockDevices, d)
		}
		extra, err := blockDevices(in.BlockDeviceMappings, func(string) string { return kit.NewID("snap") })
		if err != nil {
			return err
		}
		img.BlockDevices = mergeDevices(img.BlockDevices, extra)
		return addImage(t, c, img)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateImageResult{ImageId: kit.Ptr(img.ID)}, nil
}

// mergeDevices lays the request's mappings over the instance's: same device name
// replaces, a new one is added.
func mergeDevices(base, over []kit.ImageBlockDevice) []kit.ImageBlockDevice {
	for _, o := range over {
		replaced := false
		for i := range base {
			if base[i].DeviceName == o.DeviceName {
				base[i], replaced = o, true
			}
		}
		if !replaced {
			base = append(base, o)
		}
	}
	return base
}

// DeregisterImage deregisters one of the caller's images. An image of another owner
// (the catalog's) is refused with AuthFailure.
func (s *Images) DeregisterImage(ctx context.Context, c kit.Caller, in *ec2.DeregisterImageRequest) (*ec2.DeregisterImageResult, error) {
	err := s.Update(ctx, func(t *kit.Txn) error {
		img, err := kit.GetImage(t, c, kit.Deref(in.ImageId))
		if err != nil {
			return err
		}
		if img.Owner != c.Account {
			return ec2.ErrAuthFailure("Not authorized for image:%s", img.ID)
		}
		t.Del(c.Key(img.ID))
		return t.Guard(c.Prefix("ami-name") + img.Name)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeregisterImageResult{Return: kit.Ptr(true)}, nil
}

// DescribeImageAttribute answers one attribute of an image the caller can see.
func (s *Images) DescribeImageAttribute(ctx context.Context, c kit.Caller, in *ec2.DescribeImageAttributeRequest) (*ec2.ImageAttribute, error) {
	var img *kit.ImageRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		img, err = kit.GetImage(t, c, kit.Deref(in.ImageId))
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2.ImageAttribute{ImageId: kit.Ptr(img.ID)}
	value := func(v string) *ec2.AttributeValue {
		if v == "" {
			return &ec2.AttributeValue{}
		}
		return &ec2.AttributeValue{Value: kit.Ptr(v)}
	}
	switch attr := kit.Deref(in.Attribute); attr {
	case "description":
		out.Description = value(img.Description)
	case "kernel":
		out.KernelId = value("")
	case "ramdisk":
		out.RamdiskId = value("")
	case "launchPermission":
		if img.Owner != c.Account {
			return nil, ec2.ErrAuthFailure("Not authorized for image:%s", img.ID)
		}
		out.LaunchPermissions = []ec2.LaunchPermission{}
	case "productCodes":
		out.ProductCodes = []ec2.ProductCode{}
	case "blockDeviceMapping":
		out.BlockDeviceMappings = img.EC2BlockDevices()
	case "sriovNetSupport":
		out.SriovNetSupport = value("simple")
	case "bootMode":
		out.BootMode = value(img.BootMode)
	case "imdsSupport":
		out.ImdsSupport = value(img.ImdsSupport)
	case "tpmSupport":
		out.TpmSupport = value("")
	case "uefiData":
		out.UefiData = value("")
	case "lastLaunchedTime":
		out.LastLaunchedTime = value("")
	case "deregistrationProtection":
		out.DeregistrationProtection = value("disabled")
	default:
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	return out, nil
}
