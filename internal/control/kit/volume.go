package kit

import (
	"time"

	"vpcd/internal/ec2"
)

// VolumeRecord is an EBS volume (kind "vol"). Volumes are API resources only: nothing in
// the data plane holds their bytes. The record is the one truth about its attachments;
// an instance lists the IDs of its volumes (InstanceRecord.Volumes) so that
// DescribeInstances finds them, and both are written in the transaction that attaches
// or detaches.
type VolumeRecord struct {
	Meta
	AvailabilityZone   string    `json:"availabilityZone"`
	AvailabilityZoneID string    `json:"availabilityZoneId"`
	Size               int32     `json:"size"` // GiB
	VolumeType         string    `json:"volumeType"`
	Iops               int32     `json:"iops,omitempty"`       // none for st1, sc1 and standard
	Throughput         int32     `json:"throughput,omitempty"` // MiB/s, gp3 only
	Encrypted          bool      `json:"encrypted,omitempty"`
	KmsKeyID           string    `json:"kmsKeyId,omitempty"`
	SnapshotID         string    `json:"snapshotId,omitempty"`
	MultiAttach        bool      `json:"multiAttach,omitempty"`
	CreateTime         time.Time `json:"createTime"`
	ClientToken        string    `json:"clientToken,omitempty"`
	// Attachments are the instances the volume is attached to: one, or up to 16 with
	// Multi-Attach.
	Attachments []VolumeAttachment `json:"attachments,omitempty"`
	// Modification is the volume's last ModifyVolume, which vpcd completes at once.
	Modification *VolumeModification `json:"modification,omitempty"`
}

// VolumeModification is what a ModifyVolume changed, from what.
type VolumeModification struct {
	StartTime                              time.Time `json:"startTime"`
	OriginalSize, TargetSize               int32     `json:",omitempty"`
	OriginalIops, TargetIops               int32     `json:",omitempty"`
	OriginalThroughput, TargetThroughput   int32     `json:",omitempty"`
	OriginalType, TargetType               string    `json:",omitempty"`
	OriginalMultiAttach, TargetMultiAttach bool      `json:",omitempty"`
}

// EC2 is the modification of the volume in the given state ("modifying" as ModifyVolume
// answers it, "completed" once described).
func (m *VolumeModification) EC2(volumeID, state string) ec2.VolumeModification {
	out := ec2.VolumeModification{
		VolumeId: Ptr(volumeID), ModificationState: Ptr(state), StartTime: Ptr(m.StartTime), Progress: Ptr(int64(0)),
		OriginalSize: Ptr(m.OriginalSize), TargetSize: Ptr(m.TargetSize),
		OriginalVolumeType: Ptr(m.OriginalType), TargetVolumeType: Ptr(m.TargetType),
		OriginalMultiAttachEnabled: Ptr(m.OriginalMultiAttach), TargetMultiAttachEnabled: Ptr(m.TargetMultiAttach),
	}
	if m.OriginalIops > 0 {
		out.OriginalIops = Ptr(m.OriginalIops)
	}
	if m.TargetIops > 0 {
		out.TargetIops = Ptr(m.TargetIops)
	}
	if m.OriginalThroughput > 0 {
		out.OriginalThroughput = Ptr(m.OriginalThroughput)
	}
	if m.TargetThroughput > 0 {
		out.TargetThroughput = Ptr(m.TargetThroughput)
	}
	if state == "completed" {
		out.Progress, out.EndTime = Ptr(int64(100)), Ptr(m.StartTime)
	}
	return out
}

// VolumeAttachment is a volume attached to an instance under a device name.
type VolumeAttachment struct {
	InstanceID          string    `json:"instanceId"`
	Device              string    `json:"device"`
	AttachTime          time.Time `json:"attachTime"`
	DeleteOnTermination bool      `json:"deleteOnTermination,omitempty"`
}

// State is the volume's state once created: in-use while attached, else available.
func (v *VolumeRecord) State() string {
	if len(v.Attachments) > 0 {
		return "in-use"
	}
	return "available"
}

// AttachmentTo is the volume's attachment to an instance, nil when it has none.
func (v *VolumeRecord) AttachmentTo(instanceID string) *VolumeAttachment {
	for i := range v.Attachments {
		if v.Attachments[i].InstanceID == instanceID {
			return &v.Attachments[i]
		}
	}
	return nil
}

// EC2 is the volume as DescribeVolumes shows it.
func (v *VolumeRecord) EC2() ec2.Volume {
	out := ec2.Volume{
		Attachments:        []ec2.VolumeAttachment{},
		AvailabilityZone:   Ptr(v.AvailabilityZone),
		AvailabilityZoneId: Ptr(v.AvailabilityZoneID),
		CreateTime:         Ptr(v.CreateTime),
		Encrypted:          Ptr(v.Encrypted),
		Size:               Ptr(v.Size),
		SnapshotId:         Ptr(v.SnapshotID),
		State:              Ptr(v.State()),
		VolumeId:           Ptr(v.ID),
		VolumeType:         Ptr(v.VolumeType),
		MultiAttachEnabled: Ptr(v.MultiAttach),
	}
	if v.Iops > 0 {
		out.Iops = Ptr(v.Iops)
	}
	if v.Throughput > 0 {
		out.Throughput = Ptr(v.Throughput)
	}
	if v.KmsKeyID != "" {
		out.KmsKeyId = Ptr(v.KmsKeyID)
	}
	if len(v.Tags) > 0 {
		out.Tags = v.EC2Tags()
	}
	for _, a := range v.Attachments {
		out.Attachments = append(out.Attachments, v.EC2Attachment(a, "attached"))
	}
	return out
}

// EC2Attachment is one attachment of the volume in the given state.
func (v *VolumeRecord) EC2Attachment(a VolumeAttachment, state string) ec2.VolumeAttachment {
	return ec2.VolumeAttachment{
		AttachTime:          Ptr(a.AttachTime),
		DeleteOnTermination: Ptr(a.DeleteOnTermination),
		Device:              Ptr(a.Device),
		InstanceId:          Ptr(a.InstanceID),
		State:               Ptr(state),
		VolumeId:            Ptr(v.ID),
	}
}

// DefaultRootDevice is the root device of instances whose record predates volumes.
const DefaultRootDevice = "/dev/xvda"

// RootDevice is the instance's root device name.
func (inst *InstanceRecord) RootDevice() string {
	if inst.RootDeviceName == "" {
		return DefaultRootDevice
	}
	return inst.RootDeviceName
}

// BlockDevices are the instance's EBS volumes as DescribeInstances shows them, in the
// order they were attached (the root volume first).
func (rd *Renderer) BlockDevices(inst *InstanceRecord) []ec2.InstanceBlockDeviceMapping {
	out := []ec2.InstanceBlockDeviceMapping{}
	for _, id := range inst.Volumes {
		v := new(VolumeRecord)
		if found, err := rd.T.Get(rd.C.Key(id), v); err != nil || !found {
			continue
		}
		a := v.AttachmentTo(inst.ID)
		if a == nil {
			continue
		}
		out = append(out, ec2.InstanceBlockDeviceMapping{
			DeviceName: Ptr(a.Device),
			Ebs: &ec2.EbsInstanceBlockDevice{
				AttachTime:          Ptr(a.AttachTime),
				DeleteOnTermination: Ptr(a.DeleteOnTermination),
				Status:              Ptr("attached"),
				VolumeId:            Ptr(v.ID),
			},
		})
	}
	return out
}
