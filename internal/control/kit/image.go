package kit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"vpcd/internal/ec2"
)

// ImageRecord is an AMI. A private image (RegisterImage, CreateImage) is stored under its
// owner's account and region like any resource; the public images of the catalog are
// built from catalogImages for the region asked, never stored.
type ImageRecord struct {
	Meta
	Name               string             `json:"name"`
	Description        string             `json:"description,omitempty"`
	OwnerAlias         string             `json:"ownerAlias,omitempty"` // "amazon" for Amazon's public images
	Architecture       string             `json:"architecture"`
	RootDeviceName     string             `json:"rootDeviceName"`
	VirtualizationType string             `json:"virtualizationType"`
	Platform           string             `json:"platform,omitempty"` // "windows" or empty
	BootMode           string             `json:"bootMode,omitempty"`
	ImdsSupport        string             `json:"imdsSupport,omitempty"`
	EnaSupport         bool               `json:"enaSupport,omitempty"`
	Public             bool               `json:"public,omitempty"`
	Created            time.Time          `json:"created"`
	Deprecation        time.Time          `json:"deprecation,omitzero"`
	SourceInstanceID   string             `json:"sourceInstanceId,omitempty"`
	BlockDevices       []ImageBlockDevice `json:"blockDevices,omitempty"`
	// Parameters are the SSM public parameters that name a catalog image (catalog only).
	Parameters []string `json:"-"`
}

// ImageBlockDevice is one block device mapping of an image: an EBS volume made from a
// snapshot, or an ephemeral (instance store) device.
type ImageBlockDevice struct {
	DeviceName  string `json:"deviceName"`
	SnapshotID  string `json:"snapshotId,omitempty"`
	VolumeSize  int32  `json:"volumeSize,omitempty"`
	VolumeType  string `json:"volumeType,omitempty"`
	Encrypted   bool   `json:"encrypted,omitempty"`
	KeepOnTerm  bool   `json:"keepOnTermination,omitempty"` // DeleteOnTermination false
	VirtualName string `json:"virtualName,omitempty"`
}

// PlatformDetails and UsageOperation are the billing names AWS shows for the platform.
func (r *ImageRecord) PlatformDetails() (string, string) {
	if r.Platform == "windows" {
		return "Windows", "RunInstances:0002"
	}
	return "Linux/UNIX", "RunInstances"
}

// Deprecated reports whether the image's deprecation time has passed.
func (r *ImageRecord) Deprecated(now time.Time) bool {
	return !r.Deprecation.IsZero() && !now.Before(r.Deprecation)
}

// EC2 is the image as DescribeImages shows it.
func (r *ImageRecord) EC2() *ec2.Image {
	details, usage := r.PlatformDetails()
	img := &ec2.Image{
		ImageId: Ptr(r.ID), Name: Ptr(r.Name), OwnerId: Ptr(r.Owner), Architecture: Ptr(r.Architecture),
		CreationDate: Ptr(r.Created.UTC().Format("2006-01-02T15:04:05.000Z")), Public: Ptr(r.Public),
		ImageType: Ptr("machine"), State: Ptr("available"), Hypervisor: Ptr("xen"),
		RootDeviceName: Ptr(r.RootDeviceName), RootDeviceType: Ptr("ebs"), VirtualizationType: Ptr(r.VirtualizationType),
		EnaSupport: Ptr(r.EnaSupport), SriovNetSupport: Ptr("simple"), FreeTierEligible: Ptr(r.Public), PlatformDetails: Ptr(details), UsageOperation: Ptr(usage),
		ImageLocation: Ptr(r.Owner + "/" + r.Name), Tags: r.EC2Tags(), BlockDeviceMappings: []ec2.BlockDeviceMapping{},
	}
	if r.OwnerAlias != "" {
		img.ImageOwnerAlias = Ptr(r.OwnerAlias)
		img.ImageLocation = Ptr(r.OwnerAlias + "/" + r.Name)
	}
	if r.Description != "" {
		img.Description = Ptr(r.Description)
	}
	if r.Platform != "" {
		img.Platform = Ptr(r.Platform)
	}
	if r.BootMode != "" {
		img.BootMode = Ptr(r.BootMode)
	}
	if r.ImdsSupport != "" {
		img.ImdsSupport = Ptr(r.ImdsSupport)
	}
	if !r.Deprecation.IsZero() {
		img.DeprecationTime = Ptr(r.Deprecation.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	if r.SourceInstanceID != "" {
		img.SourceInstanceId = Ptr(r.SourceInstanceID)
	}
	img.BlockDeviceMappings = r.EC2BlockDevices()
	return img
}

// EC2BlockDevices are the image's block device mappings as AWS shows them.
func (r *ImageRecord) EC2BlockDevices() []ec2.BlockDeviceMapping {
	out := []ec2.BlockDeviceMapping{}
	for _, d := range r.BlockDevices {
		m := ec2.BlockDeviceMapping{DeviceName: Ptr(d.DeviceName)}
		if d.VirtualName != "" {
			m.VirtualName = Ptr(d.VirtualName)
		} else {
			m.Ebs = &ec2.EbsBlockDevice{DeleteOnTermination: Ptr(!d.KeepOnTerm), Encrypted: Ptr(d.Encrypted), VolumeSize: Ptr(d.VolumeSize), VolumeType: Ptr(d.VolumeType)}
			if d.SnapshotID != "" {
				m.Ebs.SnapshotId = Ptr(d.SnapshotID)
			}
			if d.VolumeType == "gp3" {
				m.Ebs.Iops, m.Ebs.Throughput = Ptr(int32(3000)), Ptr(int32(125))
			}
		}
		out = append(out, m)
	}
	return out
}

// The owners of the catalog's public images, as AWS shows them.
const (
	OwnerAmazon    = "137112412989" // Amazon Linux, alias "amazon"
	OwnerWindows   = "801119661308" // Amazon's Windows images, alias "amazon"
	OwnerCanonical = "099720109477" // Ubuntu
	OwnerDebian    = "136693071363" // Debian
)

// catalogImage is one well-known public image, the same in every region but for its IDs.
type catalogImage struct {
	name, owner, description, arch, root string
	size                                 int32
	volumeType, platform, bootMode       string
	created, deprecated                  string // RFC 3339
	params                               []string
}

const (
	alLatest     = "/aws/service/ami-amazon-linux-latest/"
	ubuntuServer = "/aws/service/canonical/ubuntu/server/"
	debian       = "/aws/service/debian/release/"
)

// catalogImages are the public images every region offers: the latest release of each
// family named in vpcd's issue #10 (Amazon Linux 2023 standard and minimal, Amazon Linux 2,
// Ubuntu 22.04 and 24.04, Debian 12, Windows Server 2022 Base), with the SSM public
// parameters that name them, and one Amazon Linux 2023 release past its deprecation. The
// names follow each publisher's format; the releases are those of December 2024.
var catalogImages = []catalogImage{
	{"al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64", OwnerAmazon, "Amazon Linux 2023 AMI 2023.6.20241212.0 x86_64 HVM kernel-6.1", "x86_64", "/dev/xvda", 8, "gp3", "", "uefi-preferred", "2024-12-12T21:27:13Z", "",
		[]string{alLatest + "al2023-ami-kernel-default-x86_64", alLatest + "al2023-ami-kernel-6.1-x86_64"}},
	{"al2023-ami-2023.6.20241212.0-kernel-6.1-arm64", OwnerAmazon, "Amazon Linux 2023 AMI 2023.6.20241212.0 arm64 HVM kernel-6.1", "arm64", "/dev/xvda", 8, "gp3", "", "uefi", "2024-12-12T21:27:40Z", "",
		[]string{alLatest + "al2023-ami-kernel-default-arm64", alLatest + "al2023-ami-kernel-6.1-arm64"}},
	{"al2023-ami-minimal-2023.6.20241212.0-kernel-6.1-x86_64", OwnerAmazon, "Amazon Linux 2023 AMI 2023.6.20241212.0 x86_64 Minimal HVM kernel-6.1", "x86_64", "/dev/xvda", 2, "gp3", "", "uefi-preferred", "2024-12-12T21:26:41Z", "",
		[]string{alLatest + "al2023-ami-minimal-kernel-default-x86_64", alLatest + "al2023-ami-minimal-kernel-6.1-x86_64"}},
	{"al2023-ami-minimal-2023.6.20241212.0-kernel-6.1-arm64", OwnerAmazon, "Amazon Linux 2023 AMI 2023.6.20241212.0 arm64 Minimal HVM kernel-6.1", "arm64", "/dev/xvda", 2, "gp3", "", "uefi", "2024-12-12T21:26:55Z", "",
		[]string{alLatest + "al2023-ami-minimal-kernel-default-arm64", alLatest + "al2023-ami-minimal-kernel-6.1-arm64"}},
	{"al2023-ami-2023.0.20230315.0-kernel-6.1-x86_64", OwnerAmazon, "Amazon Linux 2023 AMI 2023.0.20230315.0 x86_64 HVM kernel-6.1", "x86_64", "/dev/xvda", 8, "gp3", "", "uefi-preferred", "2023-03-15T18:32:10Z", "2025-03-15T18:32:00Z", nil},
	{"amzn2-ami-hvm-2.0.20241217.0-x86_64-gp2", OwnerAmazon, "Amazon Linux 2 AMI 2.0.20241217.0 x86_64 HVM gp2", "x86_64", "/dev/xvda", 8, "gp2", "", "", "2024-12-18T00:09:26Z", "",
		[]string{alLatest + "amzn2-ami-hvm-x86_64-gp2"}},
	{"amzn2-ami-kernel-5.10-hvm-2.0.20241217.0-x86_64-gp2", OwnerAmazon, "Amazon Linux 2 Kernel 5.10 AMI 2.0.20241217.0 x86_64 HVM gp2", "x86_64", "/dev/xvda", 8, "gp2", "", "", "2024-12-18T00:09:41Z", "",
		[]string{alLatest + "amzn2-ami-kernel-5.10-hvm-x86_64-gp2"}},
	{"amzn2-ami-kernel-5.10-hvm-2.0.20241217.0-arm64-gp2", OwnerAmazon, "Amazon Linux 2 Kernel 5.10 AMI 2.0.20241217.0 arm64 HVM gp2", "arm64", "/dev/xvda", 8, "gp2", "", "", "2024-12-18T00:09:52Z", "",
		[]string{alLatest + "amzn2-ami-kernel-5.10-hvm-arm64-gp2"}},
	{"ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241206", OwnerCanonical, "Canonical, Ubuntu, 24.04, amd64 noble image", "x86_64", "/dev/sda1", 8, "gp3", "", "uefi-preferred", "2024-12-06T08:30:22Z", "",
		[]string{ubuntuServer + "24.04/stable/current/amd64/hvm/ebs-gp3/ami-id", ubuntuServer + "noble/stable/current/amd64/hvm/ebs-gp3/ami-id"}},
	{"ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20241206", OwnerCanonical, "Canonical, Ubuntu, 24.04, arm64 noble image", "arm64", "/dev/sda1", 8, "gp3", "", "uefi", "2024-12-06T08:30:47Z", "",
		[]string{ubuntuServer + "24.04/stable/current/arm64/hvm/ebs-gp3/ami-id", ubuntuServer + "noble/stable/current/arm64/hvm/ebs-gp3/ami-id"}},
	{"ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20241206", OwnerCanonical, "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image build on 2024-12-06", "x86_64", "/dev/sda1", 8, "gp2", "", "", "2024-12-06T08:12:05Z", "",
		[]string{ubuntuServer + "22.04/stable/current/amd64/hvm/ebs-gp2/ami-id", ubuntuServer + "jammy/stable/current/amd64/hvm/ebs-gp2/ami-id"}},
	{"ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-20241206", OwnerCanonical, "Canonical, Ubuntu, 22.04 LTS, arm64 jammy image build on 2024-12-06", "arm64", "/dev/sda1", 8, "gp2", "", "", "2024-12-06T08:12:31Z", "",
		[]string{ubuntuServer + "22.04/stable/current/arm64/hvm/ebs-gp2/ami-id", ubuntuServer + "jammy/stable/current/arm64/hvm/ebs-gp2/ami-id"}},
	{"debian-12-amd64-20241201-1948", OwnerDebian, "Debian 12 (20241201-1948)", "x86_64", "/dev/xvda", 8, "gp3", "", "", "2024-12-01T20:21:18Z", "",
		[]string{debian + "12/latest/amd64", debian + "bookworm/latest/amd64"}},
	{"debian-12-arm64-20241201-1948", OwnerDebian, "Debian 12 (20241201-1948)", "arm64", "/dev/xvda", 8, "gp3", "", "", "2024-12-01T20:21:43Z", "",
		[]string{debian + "12/latest/arm64", debian + "bookworm/latest/arm64"}},
	{"Windows_Server-2022-English-Full-Base-2024.12.13", OwnerWindows, "Microsoft Windows Server 2022 Full Locale English AMI provided by Amazon", "x86_64", "/dev/sda1", 30, "gp2", "windows", "", "2024-12-13T07:45:09Z", "",
		[]string{"/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"}},
}

// derivedID is a resource ID that every vpcd derives alike from the same words, so that a
// catalog image has the same ID in one region on every vpcd, and another in each region.
func derivedID(prefix string, words ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(words, "\x00")))
	return prefix + "-0" + hex.EncodeToString(sum[:])[:16]
}

// PublicImages are the catalog's images in the region, sorted by ID.
func PublicImages(region string) []*ImageRecord {
	out := make([]*ImageRecord, 0, len(catalogImages))
	for i := range catalogImages {
		out = append(out, catalogImages[i].record(region))
	}
	slices.SortFunc(out, func(a, b *ImageRecord) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// record is the catalog image as it is in the region.
func (ci *catalogImage) record(region string) *ImageRecord {
	created, _ := time.Parse(time.RFC3339, ci.created)
	var deprecated time.Time
	if ci.deprecated != "" {
		deprecated, _ = time.Parse(time.RFC3339, ci.deprecated)
	}
	r := &ImageRecord{
		Meta: Meta{ID: derivedID("ami", region, ci.name), Owner: ci.owner}, Name: ci.name, Description: ci.description,
		Architecture: ci.arch, RootDeviceName: ci.root, VirtualizationType: "hvm", Platform: ci.platform, BootMode: ci.bootMode,
		ImdsSupport: "v2.0", EnaSupport: true, Public: true, Created: created, Deprecation: deprecated, Parameters: ci.params,
		BlockDevices: []ImageBlockDevice{{DeviceName: ci.root, SnapshotID: derivedID("snap", region, ci.name), VolumeSize: ci.size, VolumeType: ci.volumeType}},
	}
	if ci.owner == OwnerAmazon || ci.owner == OwnerWindows {
		r.OwnerAlias = "amazon"
	}
	if ci.platform == "windows" || strings.HasPrefix(ci.name, "amzn2") {
		r.ImdsSupport = "" // set only on images published with IMDSv2 required
	}
	return r
}

// catalogByID finds a catalog image by its ID in any region: the IDs of every region,
// derived once.
var catalogByID = func() map[string]*catalogImage {
	m := map[string]*catalogImage{}
	for _, r := range CommercialRegions {
		for i := range catalogImages {
			m[derivedID("ami", r.Name, catalogImages[i].name)] = &catalogImages[i]
		}
	}
	return m
}()

// publicImage is the catalog's image with the ID in the region, nil if none.
func publicImage(region, id string) *ImageRecord {
	ci := catalogByID[id]
	if ci == nil {
		return nil
	}
	if r := ci.record(region); r.ID == id {
		return r
	}
	return nil
}

// GetImage reads an image the caller can see: one of the region's public images, or one
// of the caller's own. AWS's Malformed and NotFound errors otherwise.
func GetImage(t *Txn, c Caller, id string) (*ImageRecord, error) {
	if err := CheckID(id, "ami"); err != nil {
		return nil, err
	}
	if r := publicImage(c.Region, id); r != nil {
		return r, nil
	}
	return Get[ImageRecord](t, c, "ami", id)
}

// LaunchImage is the image RunInstances launches from its ImageId: a malformed ID is
// InvalidAMIID.Malformed and an image the caller cannot see InvalidAMIID.NotFound, as on
// AWS, and "resolve:ssm:NAME" is the image the public parameter NAME names in the region
// (as the EC2 API resolves it at launch). One compatibility rule: an ID of the short form
// (ami- and 8 hex digits, which AWS stopped issuing in 2018) that names no image is
// accepted as an image outside vpcd's catalog, so that suites written with placeholder
// IDs like ami-12345678 keep running. The instance runs no image content either way.
//
// The image's architecture must be the instance type's (arch), as AWS requires; an i386
// image runs on an x86_64 type.
func (s *Kit) LaunchImage(ctx context.Context, c Caller, id, arch string) (string, error) {
	var img *ImageRecord
	if name, ok := strings.CutPrefix(id, "resolve:ssm:"); ok {
		if img = ImageOfParameter(c.Region, strings.TrimSuffix(name, ":1")); img == nil {
			return "", ec2.ErrInvalidParameterValue("The SSM parameter %s does not exist or does not name an image.", name)
		}
	} else {
		err := s.View(ctx, func(t *Txn) error {
			var err error
			img, err = GetImage(t, c, id)
			return err
		})
		if IsNotFound(err, "ami") && len(id) == len("ami-")+8 {
			return id, nil
		}
		if err != nil {
			return "", err
		}
	}
	if img.Architecture != arch && !(img.Architecture == "i386" && arch == "x86_64") {
		return "", ec2.ErrInvalidParameterValue("The architecture '%s' of the specified instance type does not match the architecture '%s' of the specified AMI. "+
			"Specify an instance type and an AMI that have matching architectures, and try again. "+
			"You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.", arch, img.Architecture)
	}
	return img.ID, nil
}

// ImageOfParameter is the catalog image that the SSM public parameter names in the
// region, nil if none.
func ImageOfParameter(region, name string) *ImageRecord {
	for _, img := range PublicImages(region) {
		if slices.Contains(img.Parameters, name) {
			return img
		}
	}
	return nil
}
