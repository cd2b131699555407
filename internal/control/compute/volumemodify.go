package compute

import (
	"context"
	"strconv"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// ModifyVolume changes a volume's size, type, performance or Multi-Attach. With no bytes
// to move, the change is done at once: ModifyVolume answers it modifying, and
// DescribeVolumesModifications completed.
func (s *Compute) ModifyVolume(ctx context.Context, c kit.Caller, in *ec2.ModifyVolumeRequest) (*ec2.ModifyVolumeResult, error) {
	id := kit.Deref(in.VolumeId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("VolumeId")
	}
	if in.Size == nil && in.VolumeType == nil && in.Iops == nil && in.Throughput == nil && in.MultiAttachEnabled == nil {
		return nil, ec2.ErrMissingParameterMessage("The request must contain at least one of the parameters size, volumeType, iops, throughput and multiAttachEnabled")
	}
	now := s.Now().UTC().Truncate(time.Second)
	var m *kit.VolumeModification
	err := s.Update(ctx, func(t *kit.Txn) error {
		v, err := kit.Get[kit.VolumeRecord](t, c, "vol", id)
		if err != nil {
			return err
		}
		p := modifiedParams(v, in)
		if *p.size < v.Size {
			return ec2.ErrInvalidParameterValue("New size cannot be smaller than existing size")
		}
		if !p.multiAttach && len(v.Attachments) > 1 {
			return ec2.ErrInvalidParameterCombination("Multi-Attach cannot be disabled on volume '%s' while it is attached to more than one instance.", v.ID)
		}
		sp, err := checkVolume(c, p)
		if err != nil {
			return err
		}
		m = &kit.VolumeModification{
			StartTime:    now,
			OriginalSize: v.Size, OriginalIops: v.Iops, OriginalThroughput: v.Throughput, OriginalType: v.VolumeType, OriginalMultiAttach: v.MultiAttach,
			TargetSize: sp.size, TargetIops: sp.iops, TargetThroughput: sp.throughput, TargetType: sp.typ, TargetMultiAttach: sp.multiAttach,
		}
		v.Size, v.Iops, v.Throughput, v.VolumeType, v.MultiAttach = sp.size, sp.iops, sp.throughput, sp.typ, sp.multiAttach
		v.Modification = m
		return t.Put(c.Key(v.ID), v)
	})
	if err != nil {
		return nil, err
	}
	out := m.EC2(id, "modifying")
	return &ec2.ModifyVolumeResult{VolumeModification: &out}, nil
}

// modifiedParams are a volume's parameters after a ModifyVolume: what the request gives,
// else what the volume has when its type stays, else the new type's defaults.
func modifiedParams(v *kit.VolumeRecord, in *ec2.ModifyVolumeRequest) volumeParams {
	p := volumeParams{size: in.Size, iops: in.Iops, throughput: in.Throughput, typ: kit.Deref(in.VolumeType), encrypted: v.Encrypted, multiAttach: v.MultiAttach}
	if p.size == nil {
		p.size = kit.Ptr(v.Size)
	}
	sameType := p.typ == "" || p.typ == v.VolumeType
	if p.typ == "" {
		p.typ = v.VolumeType
	}
	if in.MultiAttachEnabled != nil {
		p.multiAttach = *in.MultiAttachEnabled
	}
	vt := volumeTypes[p.typ]
	switch {
	case p.iops != nil || vt.maxIops == 0:
	case sameType:
		p.iops = kit.Ptr(v.Iops)
	default:
		p.iops = kit.Ptr(int32(gp3DefaultIops)) // AWS's default for a change to gp3, io1 or io2
	}
	if p.throughput == nil && vt.throughput && sameType {
		p.throughput = kit.Ptr(v.Throughput)
	}
	return p
}

// volumeModificationFilters are DescribeVolumesModifications' filters.
var volumeModificationFilters = map[string]func(*kit.VolumeRecord) []string{
	"modification-state": modificationValue(func(*kit.VolumeModification) string { return "completed" }),
	"volume-id":          func(v *kit.VolumeRecord) []string { return []string{v.ID} },
	"start-time": modificationValue(func(m *kit.VolumeModification) string {
		return m.StartTime.UTC().Format("2006-01-02T15:04:05.000Z")
	}),
	"original-size":                 modificationValue(func(m *kit.VolumeModification) string { return strconv.Itoa(int(m.OriginalSize)) }),
	"original-iops":                 modificationValue(func(m *kit.VolumeModification) string { return strconv.Itoa(int(m.OriginalIops)) }),
	"original-volume-type":          modificationValue(func(m *kit.VolumeModification) string { return m.OriginalType }),
	"original-multi-attach-enabled": modificationValue(func(m *kit.VolumeModification) string { return kit.BoolString(m.OriginalMultiAttach) }),
	"target-size":                   modificationValue(func(m *kit.VolumeModification) string { return strconv.Itoa(int(m.TargetSize)) }),
	"target-iops":                   modificationValue(func(m *kit.VolumeModification) string { return strconv.Itoa(int(m.TargetIops)) }),
	"target-volume-type":            modificationValue(func(m *kit.VolumeModification) string { return m.TargetType }),
	"target-throughput":             modificationValue(func(m *kit.VolumeModification) string { return strconv.Itoa(int(m.TargetThroughput)) }),
	"target-multi-attach-enabled":   modificationValue(func(m *kit.VolumeModification) string { return kit.BoolString(m.TargetMultiAttach) }),
}

func modificationValue(f func(*kit.VolumeModification) string) func(*kit.VolumeRecord) []string {
	return func(v *kit.VolumeRecord) []string {
		if v.Modification == nil {
			return nil
		}
		return []string{f(v.Modification)}
	}
}

// DescribeVolumesModifications lists the last modification of the caller's volumes (of
// those named): each is completed.
func (s *Compute) DescribeVolumesModifications(ctx context.Context, c kit.Caller, in *ec2.DescribeVolumesModificationsRequest) (*ec2.DescribeVolumesModificationsResult, error) {
	maxResults := in.MaxResults
	if maxResults != nil && *maxResults > maxVolumesPage {
		maxResults = kit.Ptr(int32(maxVolumesPage))
	}
	// Only modified volumes count, also toward a page.
	filters := append([]ec2.Filter{{Name: kit.Ptr("modification-state"), Values: []string{"completed"}}}, in.Filters...)
	vs, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "vol", IDs: in.VolumeIds, Filters: filters, MaxResults: maxResults, NextToken: in.NextToken}, volumeModificationFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVolumesModificationsResult{VolumesModifications: []ec2.VolumeModification{}, NextToken: next}
	for _, v := range vs {
		out.VolumesModifications = append(out.VolumesModifications, v.Modification.EC2(v.ID, "completed"))
	}
	return out, nil
}
