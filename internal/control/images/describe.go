package images

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// imageFilters are DescribeImages' filters that vpcd can answer from what it keeps.
var imageFilters = map[string]func(*kit.ImageRecord) []string{
	"architecture":        func(r *kit.ImageRecord) []string { return []string{r.Architecture} },
	"description":         func(r *kit.ImageRecord) []string { return []string{r.Description} },
	"ena-support":         func(r *kit.ImageRecord) []string { return []string{strconv.FormatBool(r.EnaSupport)} },
	"hypervisor":          func(*kit.ImageRecord) []string { return []string{"xen"} },
	"image-id":            func(r *kit.ImageRecord) []string { return []string{r.ID} },
	"image-type":          func(*kit.ImageRecord) []string { return []string{"machine"} },
	"is-public":           func(r *kit.ImageRecord) []string { return []string{strconv.FormatBool(r.Public)} },
	"name":                func(r *kit.ImageRecord) []string { return []string{r.Name} },
	"owner-alias":         func(r *kit.ImageRecord) []string { return []string{r.OwnerAlias} },
	"owner-id":            func(r *kit.ImageRecord) []string { return []string{r.Owner} },
	"platform":            func(r *kit.ImageRecord) []string { return []string{r.Platform} },
	"root-device-name":    func(r *kit.ImageRecord) []string { return []string{r.RootDeviceName} },
	"root-device-type":    func(*kit.ImageRecord) []string { return []string{"ebs"} },
	"source-instance-id":  func(r *kit.ImageRecord) []string { return []string{r.SourceInstanceID} },
	"state":               func(*kit.ImageRecord) []string { return []string{"available"} },
	"virtualization-type": func(r *kit.ImageRecord) []string { return []string{r.VirtualizationType} },
	"creation-date":       func(r *kit.ImageRecord) []string { return []string{*r.EC2().CreationDate} },
	"block-device-mapping.device-name": func(r *kit.ImageRecord) []string {
		return deviceValues(r, func(d kit.ImageBlockDevice) string { return d.DeviceName })
	},
	"block-device-mapping.snapshot-id": func(r *kit.ImageRecord) []string {
		return deviceValues(r, func(d kit.ImageBlockDevice) string { return d.SnapshotID })
	},
	"block-device-mapping.volume-size": func(r *kit.ImageRecord) []string {
		return deviceValues(r, func(d kit.ImageBlockDevice) string { return strconv.Itoa(int(d.VolumeSize)) })
	},
	"block-device-mapping.volume-type": func(r *kit.ImageRecord) []string {
		return deviceValues(r, func(d kit.ImageBlockDevice) string { return d.VolumeType })
	},
	"block-device-mapping.encrypted": func(r *kit.ImageRecord) []string {
		return deviceValues(r, func(d kit.ImageBlockDevice) string { return strconv.FormatBool(d.Encrypted) })
	},
	"block-device-mapping.delete-on-termination": func(r *kit.ImageRecord) []string {
		return deviceValues(r, func(d kit.ImageBlockDevice) string { return strconv.FormatBool(!d.KeepOnTerm) })
	},
	// What vpcd's images never have: kernels, ramdisks, product codes, a source image
	// (CopyImage), a manifest, a state reason.
	"kernel-id":            none,
	"ramdisk-id":           none,
	"product-code":         none,
	"product-code.type":    none,
	"manifest-location":    none,
	"source-image-id":      none,
	"source-image-region":  none,
	"state-reason-code":    none,
	"state-reason-message": none,
	"free-tier-eligible":   func(r *kit.ImageRecord) []string { return []string{strconv.FormatBool(r.Public)} },
	"image-allowed":        func(*kit.ImageRecord) []string { return []string{"true"} },
	"sriov-net-support":    func(*kit.ImageRecord) []string { return []string{"simple"} },
}

func none(*kit.ImageRecord) []string { return nil }

func deviceValues(r *kit.ImageRecord, value func(kit.ImageBlockDevice) string) []string {
	out := make([]string, 0, len(r.BlockDevices))
	for _, d := range r.BlockDevices {
		out = append(out, value(d))
	}
	return out
}

// validAccount reports whether s is a 12-digit account ID.
func validAccount(s string) bool { return len(s) == 12 && strings.Trim(s, "0123456789") == "" }

// ownerMatch is the Owners parameter: self (the caller), an alias (amazon,
// aws-marketplace, aws-backup-vault) or an account ID, ORed. An owner of another form is
// InvalidUserID.Malformed.
func ownerMatch(c kit.Caller, owners []string) (func(*kit.ImageRecord) bool, error) {
	for _, o := range owners {
		switch {
		case o == "self" || o == "amazon" || o == "aws-marketplace" || o == "aws-backup-vault" || validAccount(o):
		default:
			return nil, ec2.ErrInvalidUserIDMalformed("Invalid user id: \"%s\"", o)
		}
	}
	return func(r *kit.ImageRecord) bool {
		if len(owners) == 0 {
			return true
		}
		for _, o := range owners {
			if o == "self" && r.Owner == c.Account || o == r.Owner || o == r.OwnerAlias {
				return true
			}
		}
		return false
	}, nil
}

// executableMatch is the ExecutableUsers parameter: "all" keeps the public images; self or
// an account ID keeps the images shared with that account by an explicit launch
// permission, of which vpcd has none (it does not serve ModifyImageAttribute).
func executableMatch(users []string) (func(*kit.ImageRecord) bool, error) {
	for _, u := range users {
		if u != "all" && u != "self" && !validAccount(u) {
			return nil, ec2.ErrInvalidUserIDMalformed("Invalid user id: \"%s\"", u)
		}
	}
	return func(r *kit.ImageRecord) bool {
		return len(users) == 0 || r.Public && slices.Contains(users, "all")
	}, nil
}

// DescribeImages lists the images the caller can see in the region: the catalog's public
// images and the caller's own. As AWS has it, deprecated images are left out unless
// IncludeDeprecated is set, the caller owns them or names them in ImageIds; a named ID
// that is not an image the caller can see is InvalidAMIID.NotFound; pages are in ID order.
func (s *Images) DescribeImages(ctx context.Context, c kit.Caller, in *ec2.DescribeImagesRequest) (*ec2.DescribeImagesResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 5, 1000); err != nil {
		return nil, err
	}
	if len(in.ImageIds) > 0 && in.MaxResults != nil {
		return nil, ec2.ErrInvalidParameterCombination("The parameter ImageIds cannot be used with the parameter maxResults")
	}
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return imageFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	owned, err := ownerMatch(c, in.Owners)
	if err != nil {
		return nil, err
	}
	executable, err := executableMatch(in.ExecutableUsers)
	if err != nil {
		return nil, err
	}
	images, err := s.visibleImages(ctx, c, in.ImageIds)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	kept := images[:0]
	for _, r := range images {
		if r.Deprecated(now) && !kit.Deref(in.IncludeDeprecated) && r.Owner != c.Account && len(in.ImageIds) == 0 {
			continue
		}
		values := func(name string) []string { return imageFilters[name](r) }
		if owned(r) && executable(r) && match(values, r.Tags) {
			kept = append(kept, r)
		}
	}
	page, next, err := kit.Paginate(kept, in.MaxResults, in.NextToken, func(r *kit.ImageRecord) string { return r.ID })
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeImagesResult{Images: []ec2.Image{}, NextToken: next}
	for _, r := range page {
		out.Images = append(out.Images, *r.EC2())
	}
	return out, nil
}

// visibleImages are the images with the IDs (each must be one the caller can see), or
// every image the caller can see, sorted by ID.
func (s *Images) visibleImages(ctx context.Context, c kit.Caller, ids []string) ([]*kit.ImageRecord, error) {
	var out []*kit.ImageRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		if len(ids) == 0 {
			own, err := kit.ListAll[kit.ImageRecord](t, c.Prefix("ami"))
			out = append(kit.PublicImages(c.Region), own...)
			return err
		}
		out = nil
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			r, err := kit.GetImage(t, c, id)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *kit.ImageRecord) int { return strings.Compare(a.ID, b.ID) })
	return out, err
}
