package compute

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// instancesKey is written by every transaction that makes an instance run, so that two of
// them cannot both fit under the running instance limit.
func instancesKey(c kit.Caller) string { return c.Account + "/" + c.Region + "/account/instances" }

// runTokenKey remembers the reservation of a RunInstances client token.
func runTokenKey(c kit.Caller, token string) string {
	return c.Account + "/" + c.Region + "/token/RunInstances/" + token
}

type runToken struct {
	ReservationID string   `json:"reservationId"`
	InstanceIDs   []string `json:"instanceIds"`
}

// runRequest is RunInstances' request, checked and with its defaults.
type runRequest struct {
	in         *ec2.RunInstancesRequest
	typ        kit.InstanceType
	min, max   int
	userData   string
	zone       string
	tags       map[string]string // of the instances
	eniTags    map[string]string
	interfaces []*ec2.InstanceNetworkInterfaceSpecification // in device order, the primary first
	groupNames []string
	shutdown   string
	metadata   *ec2.InstanceMetadataOptionsRequest
	// metadataDefaults are the account's, read in the launch's transaction;
	// imageTokensRequired says the image has ImdsSupport v2.0.
	metadataDefaults    metadataDefaults
	imageTokensRequired bool
	instanceOnly        bool // no NetworkInterfaces: the top-level parameters describe the primary interface
	// publicKey is the key pair's that KeyName names, read in the launch's transaction.
	publicKey string
	// The EBS volumes of each instance, the root volume first, and their tags (see
	// instancevolume.go).
	rootDevice string
	volumes    []launchVolume
	volumeTags map[string]string
}

func parseRunInstances(c kit.Caller, in *ec2.RunInstancesRequest) (*runRequest, error) {
	r := &runRequest{in: in, shutdown: "stop", metadata: in.MetadataOptions}
	if kit.Deref(in.ImageId) == "" {
		return nil, ec2.ErrMissingParameter("ImageId")
	}
	if in.MinCount == nil {
		return nil, ec2.ErrMissingParameter("MinCount")
	}
	if in.MaxCount == nil {
		return nil, ec2.ErrMissingParameter("MaxCount")
	}
	r.min, r.max = int(*in.MinCount), int(*in.MaxCount)
	if r.min < 1 {
		return nil, ec2.ErrInvalidParameterValue("Value (%d) for parameter minCount is invalid. Expected a value greater than 0.", r.min)
	}
	if r.max < r.min {
		return nil, ec2.ErrInvalidParameterValue("Value (%d) for parameter maxCount is invalid. Expected a value greater than or equal to minCount (%d).", r.max, r.min)
	}
	typeName := kit.Deref(in.InstanceType)
	if typeName == "" {
		typeName = defaultInstanceType
	}
	var err error
	if r.typ, err = lookupInstanceType(typeName); err != nil {
		return nil, err
	}
	if in.UserData != nil {
		raw, err := base64.StdEncoding.DecodeString(*in.UserData)
		if err != nil {
			return nil, ec2.ErrInvalidParameterValue("Invalid BASE64 encoding of user data.")
		}
		if len(raw) > kit.MaxUserData {
			return nil, ec2.ErrInvalidParameterValue("User data is limited to %d bytes", kit.MaxUserData)
		}
		r.userData = *in.UserData
	}
	if p := in.Placement; p != nil {
		// An empty zone is no zone: the Terraform provider sends one when none is set.
		if kit.Deref(p.AvailabilityZone) != "" || kit.Deref(p.AvailabilityZoneId) != "" {
			if r.zone, _, err = kit.ZoneByNameOrID(c.Region, kit.Deref(p.AvailabilityZone), kit.Deref(p.AvailabilityZoneId)); err != nil {
				return nil, err
			}
		}
		if t := kit.Deref(p.Tenancy); t != "" && t != "default" {
			return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter tenancy is invalid. Only the default tenancy is supported.", t)
		}
	}
	if b := kit.Deref(in.InstanceInitiatedShutdownBehavior); b != "" {
		if b != "stop" && b != "terminate" {
			return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Expected: 'stop', 'terminate'.", b)
		}
		r.shutdown = b
	}
	if err := checkMetadataOptions(in.MetadataOptions); err != nil {
		return nil, err
	}
	if err := checkPrivateDNSNameOptions(in.PrivateDnsNameOptions); err != nil {
		return nil, err
	}
	if cs := in.CreditSpecification; cs != nil {
		if err := checkCPUCredits(r.typ.Name, kit.Deref(cs.CpuCredits)); err != nil {
			return nil, err
		}
	}
	if err := r.parseTags(); err != nil {
		return nil, err
	}
	return r, r.parseInterfaces()
}

// parseTags splits TagSpecifications by resource type: the instances, their interfaces,
// and their volumes.
func (r *runRequest) parseTags() error {
	byType := map[string][]ec2.TagSpecification{}
	for _, spec := range r.in.TagSpecifications {
		rt := kit.Deref(spec.ResourceType)
		switch rt {
		case "":
			return ec2.ErrMissingParameter("TagSpecification.ResourceType")
		case "instance", "network-interface", "volume":
			byType[rt] = append(byType[rt], spec)
		default:
			return ec2.ErrInvalidParameterValue("'%s' is not a valid taggable resource type for this operation.", rt)
		}
	}
	var err error
	if r.tags, err = kit.TagsOnCreate(byType["instance"], "instance"); err != nil {
		return err
	}
	if r.eniTags, err = kit.TagsOnCreate(byType["network-interface"], "network-interface"); err != nil {
		return err
	}
	r.volumeTags, err = kit.TagsOnCreate(byType["volume"], "volume")
	return err
}

// parseInterfaces turns the network parameters into one specification per interface.
func (r *runRequest) parseInterfaces() error {
	in := r.in
	if len(in.NetworkInterfaces) == 0 {
		r.instanceOnly = true
		r.groupNames = in.SecurityGroups
		r.interfaces = []*ec2.InstanceNetworkInterfaceSpecification{{
			DeviceIndex:      kit.Ptr(int32(0)),
			SubnetId:         in.SubnetId,
			Groups:           in.SecurityGroupIds,
			PrivateIpAddress: in.PrivateIpAddress,
			Ipv6AddressCount: in.Ipv6AddressCount,
			Ipv6Addresses:    in.Ipv6Addresses,
		}}
		if in.PrivateIpAddress != nil && r.max > 1 {
			return ec2.ErrInvalidParameterCombination("Cannot specify a private IP address when launching more than one instance.")
		}
		if len(in.SecurityGroups) > 0 && in.SubnetId != nil {
			return ec2.ErrInvalidParameterCombination("The parameter groupName cannot be used with the parameter subnet")
		}
		return nil
	}
	switch {
	case in.SubnetId != nil:
		return ec2.ErrInvalidParameterCombination("Network interfaces and an instance-level subnet ID may not be specified on the same request")
	case len(in.SecurityGroupIds) > 0 || len(in.SecurityGroups) > 0:
		return ec2.ErrInvalidParameterCombination("Network interfaces and an instance-level security groups may not be specified on the same request")
	case in.PrivateIpAddress != nil:
		return ec2.ErrInvalidParameterCombination("Network interfaces and an instance-level private IP address may not be specified on the same request")
	case in.Ipv6AddressCount != nil || len(in.Ipv6Addresses) > 0:
		return ec2.ErrInvalidParameterCombination("Network interfaces and an instance-level IPv6 addresses may not be specified on the same request")
	}
	if len(in.NetworkInterfaces) > r.typ.MaxInterfaces {
		return ec2.ErrInvalidParameterValue("The maximum number of network interfaces for instance type %s is %d.", r.typ.Name, r.typ.MaxInterfaces)
	}
	seen := map[int32]bool{}
	for i := range in.NetworkInterfaces {
		ni := &in.NetworkInterfaces[i]
		if ni.DeviceIndex == nil {
			return ec2.ErrMissingParameter(fmt.Sprintf("NetworkInterface.%d.DeviceIndex", i+1))
		}
		d := *ni.DeviceIndex
		if d < 0 || int(d) >= r.typ.MaxInterfaces || seen[d] {
			return ec2.ErrInvalidParameterValue("Invalid value '%d' for network interface device index.", d)
		}
		seen[d] = true
		if ni.NetworkInterfaceId != nil {
			return ec2.ErrInvalidParameterValue("Launching with an existing network interface is not supported")
		}
		if ni.AssociatePublicIpAddress != nil && d != 0 {
			return ec2.ErrInvalidParameterCombination("The associatePublicIPAddress parameter can only be specified for the network interface with DeviceIndex 0.")
		}
		if kit.Deref(ni.AssociatePublicIpAddress) && len(in.NetworkInterfaces) > 1 {
			return ec2.ErrInvalidParameterCombination("The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces.")
		}
		if (ni.PrivateIpAddress != nil || len(ni.PrivateIpAddresses) > 0) && r.max > 1 {
			return ec2.ErrInvalidParameterCombination("Cannot specify a private IP address when launching more than one instance.")
		}
		if it := kit.Deref(ni.InterfaceType); it != "" && it != "interface" {
			return ec2.ErrInvalidParameterValue("Value (%s) for parameter InterfaceType is invalid. Only 'interface' is supported.", it)
		}
		r.interfaces = append(r.interfaces, ni)
	}
	if !seen[0] {
		return ec2.ErrInvalidParameterValue("Each instance must have a network interface with device index 0.")
	}
	slices.SortFunc(r.interfaces, func(a, b *ec2.InstanceNetworkInterfaceSpecification) int {
		return int(*a.DeviceIndex - *b.DeviceIndex)
	})
	return nil
}

// launchInterface is one interface of the launch, resolved against the store.
type launchInterface struct {
	spec  interfaceSpec
	alloc *kit.SubnetAllocator
}

// resolveInterfaces finds the subnet and groups of each interface, and the allocator of
// each subnet.
func (r *runRequest) resolveInterfaces(s *Compute, t *kit.Txn, c kit.Caller) ([]*launchInterface, *kit.VpcRecord, error) {
	allocs := map[string]*kit.SubnetAllocator{}
	var vpc *kit.VpcRecord
	var out []*launchInterface
	zone := r.zone
	for i, ni := range r.interfaces {
		sn, err := r.subnetOf(t, c, ni)
		if err != nil {
			return nil, nil, err
		}
		if zone != "" && sn.AvailabilityZone != zone {
			if i > 0 {
				return nil, nil, ec2.ErrInvalidParameterValue("The network interfaces of an instance must be in subnets of the same VPC and availability zone.")
			}
			return nil, nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter availabilityZone is invalid. Subnet '%s' is in the availability zone %s", zone, sn.ID, sn.AvailabilityZone)
		}
		if i == 0 {
			zone = sn.AvailabilityZone
			if vpc, err = kit.GetVpc(t, c, sn.VpcID); err != nil {
				return nil, nil, err
			}
		} else if sn.VpcID != vpc.ID {
			return nil, nil, ec2.ErrInvalidParameterValue("The network interfaces of an instance must be in subnets of the same VPC and availability zone.")
		}
		if err := checkIPv6OnlyType(r.typ, !sn.Cidr.IsValid()); err != nil {
			return nil, nil, err
		}
		groups, err := s.resolveGroups(t, c, vpc, sn.ID, ni.Groups, r.groupNames)
		if err != nil {
			return nil, nil, err
		}
		alloc := allocs[sn.ID]
		if alloc == nil {
			if alloc, err = kit.NewSubnetAllocator(t, c, sn); err != nil {
				return nil, nil, err
			}
			allocs[sn.ID] = alloc
		}
		li := &launchInterface{alloc: alloc, spec: interfaceSpec{
			subnet:              sn,
			groups:              groups,
			description:         kit.Deref(ni.Description),
			primaryIP:           kit.Deref(ni.PrivateIpAddress),
			secondaryCount:      int(kit.Deref(ni.SecondaryPrivateIpAddressCount)),
			deviceIndex:         *ni.DeviceIndex,
			deleteOnTermination: ni.DeleteOnTermination == nil || *ni.DeleteOnTermination,
			tags:                r.eniTags,
		}}
		for _, p := range ni.PrivateIpAddresses {
			switch {
			case kit.Deref(p.Primary) && li.spec.primaryIP != "" && li.spec.primaryIP != kit.Deref(p.PrivateIpAddress):
				return nil, nil, ec2.ErrInvalidParameterValue("Only one primary private IP address can be specified.")
			case kit.Deref(p.Primary):
				li.spec.primaryIP = kit.Deref(p.PrivateIpAddress)
			default:
				li.spec.secondaryIPs = append(li.spec.secondaryIPs, kit.Deref(p.PrivateIpAddress))
			}
		}
		if li.spec.secondaryCount < 0 || li.spec.addresses() > r.typ.IPv4PerENI {
			return nil, nil, ec2.ErrPrivateIpAddressLimitExceeded("Number of private addresses will exceed limit.")
		}
		if li.spec.ipv6Addrs, li.spec.ipv6Count, err = ipv6Request(instanceIPv6(ni.Ipv6Addresses), ni.Ipv6AddressCount); err != nil {
			return nil, nil, err
		}
		li.spec.defaultIPv6(ni.Ipv6AddressCount == nil)
		if len(li.spec.ipv6Addrs)+li.spec.ipv6Count > 0 && !r.typ.IPv6Supported {
			return nil, nil, ec2.ErrUnsupportedOperation("IPv6 addresses are not supported on %s", r.typ.Name)
		}
		if len(li.spec.ipv6Addrs) > 0 && r.max > 1 {
			return nil, nil, ec2.ErrInvalidParameterCombination("Cannot specify IPv6 addresses when launching more than one instance.")
		}
		if len(li.spec.ipv6Addrs)+li.spec.ipv6Count > r.typ.IPv4PerENI {
			return nil, nil, ec2.ErrInvalidParameterValue("Number of IPv6 addresses will exceed the limit of %d per interface of %s.", r.typ.IPv4PerENI, r.typ.Name)
		}
		if i == 0 && len(r.interfaces) == 1 {
			li.spec.publicIP = sn.MapPublicIPOnLaunch
			if ni.AssociatePublicIpAddress != nil {
				li.spec.publicIP = *ni.AssociatePublicIpAddress
			}
		}
		if err := li.spec.checkIPv6Only(); err != nil {
			return nil, nil, err
		}
		out = append(out, li)
	}
	return out, vpc, nil
}

// subnetOf is the subnet of an interface: the one named, or the default subnet of the
// default VPC in the requested zone (the first zone with one when none is requested).
func (r *runRequest) subnetOf(t *kit.Txn, c kit.Caller, ni *ec2.InstanceNetworkInterfaceSpecification) (*kit.SubnetRecord, error) {
	if id := kit.Deref(ni.SubnetId); id != "" {
		return kit.Get[kit.SubnetRecord](t, c, "subnet", id)
	}
	vpc, err := kit.FindDefaultVpc(t, c)
	if err != nil {
		return nil, err
	}
	if vpc == nil {
		return nil, ec2.ErrVPCIdNotSpecified("No default VPC for this user")
	}
	subnets, err := kit.VpcSubnets(t, c, vpc.ID)
	if err != nil {
		return nil, err
	}
	var best *kit.SubnetRecord
	for _, sn := range subnets {
		if !sn.DefaultForAz || r.zone != "" && sn.AvailabilityZone != r.zone {
			continue
		}
		if best == nil || sn.AvailabilityZone < best.AvailabilityZone {
			best = sn
		}
	}
	switch {
	case best != nil:
		return best, nil
	case r.zone != "":
		return nil, ec2.ErrInvalidInput("No default subnet for availability zone: '%s'.", r.zone)
	default:
		return nil, ec2.ErrMissingInput("No subnets found for the default VPC '%s'. Please specify a subnet.", vpc.ID)
	}
}

// resolveGroups checks an interface's groups, given by ID or (in the default VPC) by
// name; none is the VPC's default group.
func (s *Compute) resolveGroups(t *kit.Txn, c kit.Caller, vpc *kit.VpcRecord, subnetID string, ids, names []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(names) > 0 {
		groups, err := kit.ListAll[kit.SecurityGroupRecord](t, c.Prefix("sg"))
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			i := slices.IndexFunc(groups, func(g *kit.SecurityGroupRecord) bool { return g.VpcID == vpc.ID && g.Name == name })
			if i < 0 {
				return nil, ec2.ErrInvalidGroupNotFound("The security group '%s' does not exist in VPC '%s'", name, vpc.ID)
			}
			if !slices.Contains(out, groups[i].ID) {
				out = append(out, groups[i].ID)
			}
		}
	}
	if len(out) == 0 {
		out = []string{vpc.DefaultGroup}
	}
	limit, err := s.QuotaLimit(t, c, kit.QuotaGroupsPerENI)
	if err != nil {
		return nil, err
	}
	if len(out) > limit {
		return nil, ec2.ErrSecurityGroupsPerInterfaceLimitExceeded("The maximum number of security groups per interface has been reached.")
	}
	for _, id := range out {
		g, err := kit.Get[kit.SecurityGroupRecord](t, c, "sg", id)
		if err != nil {
			return nil, err
		}
		if g.VpcID != vpc.ID {
			return nil, ec2.ErrInvalidParameter("Security group %s and subnet %s belong to different networks.", id, subnetID)
		}
		// Rewriting the group makes a concurrent DeleteSecurityGroup conflict with this
		// transaction, which adds an interface in the group.
		if err := t.Put(c.Key(g.ID), g); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkInstanceRoom reads the running instances and returns how many more of vcpus each
// fit under the caller's quota of running On-Demand Standard instances, which AWS counts
// in vCPUs (every type vpcd has is of the standard families), and the quota.
func (s *Compute) checkInstanceRoom(t *kit.Txn, c kit.Caller, vcpus int) (room, limit int, err error) {
	var marker struct {
		Writes int64 `json:"writes"`
	}
	if _, err := t.Get(instancesKey(c), &marker); err != nil {
		return 0, 0, err
	}
	marker.Writes++
	if err := t.Put(instancesKey(c), marker); err != nil {
		return 0, 0, err
	}
	if limit, err = s.QuotaLimit(t, c, kit.QuotaStandardVcpus); err != nil {
		return 0, 0, err
	}
	all, err := kit.ListAll[kit.InstanceRecord](t, c.Prefix("i"))
	if err != nil {
		return 0, 0, err
	}
	used := 0
	for _, in := range all {
		if in.State == "running" {
			used += instanceVcpus(in.InstanceType)
		}
	}
	return max((limit-used)/max(vcpus, 1), 0), limit, nil
}

// instanceVcpus is what an instance of the type counts toward the vCPU quota.
func instanceVcpus(name string) int {
	if typ, err := lookupInstanceType(name); err == nil && typ.VCpus > 0 {
		return int(typ.VCpus)
	}
	return 1
}

func errVcpuLimit(limit int) error {
	return ec2.ErrVcpuLimitExceeded("You have requested more vCPU capacity than your current vCPU limit of %d allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.", limit)
}

// RunInstances launches instances: each gets its interfaces and addresses and is stored
// running at once; the answer shows them pending, as AWS does.
func (s *Compute) RunInstances(ctx context.Context, c kit.Caller, in *ec2.RunInstancesRequest) (*ec2.Reservation, error) {
	in, templateTags, err := s.launchTemplateRequest(ctx, c, in)
	if err != nil {
		return nil, err
	}
	r, err := parseRunInstances(c, in)
	if err != nil {
		return nil, err
	}
	image, err := s.LaunchImage(ctx, c, *in.ImageId, r.typ.Architecture)
	if err != nil {
		return nil, err
	}
	in.ImageId = &image
	r.tags = withTags(r.tags, templateTags)
	root, imdsSupport, err := s.imageRoot(ctx, c, image)
	if err != nil {
		return nil, err
	}
	r.imageTokensRequired = imdsSupport == "v2.0"
	if err := r.parseBlockDevices(c, root); err != nil {
		return nil, err
	}
	token := kit.Deref(in.ClientToken)
	if len(token) > 64 {
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter clientToken is invalid. The length must be at most 64 characters.", token)
	}
	var reservationID string
	var ids []string
	repeated := false
	err = s.Update(ctx, func(t *kit.Txn) error {
		reservationID, ids, repeated = kit.NewID("r"), nil, false
		if token != "" {
			var rt runToken
			found, err := t.Get(runTokenKey(c, token), &rt)
			if err != nil {
				return err
			}
			if found {
				reservationID, ids, repeated = rt.ReservationID, rt.InstanceIDs, true
				return nil
			}
		}
		ifaces, vpc, err := r.resolveInterfaces(s, t, c)
		if err != nil {
			return err
		}
		if r.publicKey, err = launchKey(t, c, kit.Deref(in.KeyName)); err != nil {
			return err
		}
		if r.metadataDefaults, err = getMetadataDefaults(t, c); err != nil {
			return err
		}
		room, limit, err := s.checkInstanceRoom(t, c, int(r.typ.VCpus))
		if err != nil {
			return err
		}
		if room < r.min {
			return errVcpuLimit(limit)
		}
		n := min(r.max, room)
		// The instances that the free addresses of each subnet allow.
		need := map[*kit.SubnetAllocator]int{}
		for _, li := range ifaces {
			need[li.alloc] += li.spec.addresses()
		}
		for alloc, per := range need {
			if per == 0 {
				continue // an IPv6-only subnet: its /64 does not run out
			}
			if fit := alloc.Free() / per; fit < n {
				n = fit
				if n < r.min {
					return kit.ErrInsufficientAddresses(alloc.Sn.ID)
				}
			}
		}
		placed, err := s.placeInstances(t, c, ifaces[0].spec.subnet.AvailabilityZone, r.typ.Name, instanceVcpus(r.typ.Name), n, r.min)
		if err != nil {
			return err
		}
		now := s.Now().UTC().Truncate(time.Second)
		for i, host := range placed {
			id, err := s.launchOne(t, c, r, ifaces, vpc, reservationID, int32(i), host, now)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		for alloc := range need {
			if err := kit.RecountSubnet(t, c, alloc.Sn.ID); err != nil {
				return err
			}
		}
		if token != "" {
			return t.Put(runTokenKey(c, token), runToken{ReservationID: reservationID, InstanceIDs: ids})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &ec2.Reservation{ReservationId: kit.Ptr(reservationID), OwnerId: kit.Ptr(c.Account), Groups: []ec2.GroupIdentifier{}, Instances: []ec2.Instance{}}
	err = s.View(ctx, func(t *kit.Txn) error {
		rd := newRenderer(t, c)
		for _, id := range ids {
			inst, err := kit.Get[kit.InstanceRecord](t, c, "i", id)
			if err != nil {
				return err
			}
			shape := rd.Instance(inst)
			if !repeated {
				// What RunInstances answers: the instance is still being created.
				shape.State = kit.InstanceState("pending")
				shape.PublicIpAddress, shape.PublicDnsName = nil, kit.Ptr("")
				shape.BlockDeviceMappings = []ec2.InstanceBlockDeviceMapping{}
				for i := range shape.NetworkInterfaces {
					shape.NetworkInterfaces[i].Attachment.Status = kit.Ptr("attaching")
					shape.NetworkInterfaces[i].Association = nil
					for j := range shape.NetworkInterfaces[i].PrivateIpAddresses {
						shape.NetworkInterfaces[i].PrivateIpAddresses[j].Association = nil
					}
				}
			}
			out.Instances = append(out.Instances, shape)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// launchOne stores one instance of a launch, placed on host, and its interfaces.
func (s *Compute) launchOne(t *kit.Txn, c kit.Caller, r *runRequest, ifaces []*launchInterface, vpc *kit.VpcRecord, reservationID string, index int32, host string, now time.Time) (string, error) {
	primary := ifaces[0].spec.subnet
	inst := &kit.InstanceRecord{
		Meta:                  kit.Meta{ID: kit.NewID("i"), Owner: c.Account, Tags: r.tags},
		SubnetID:              primary.ID,
		VpcID:                 vpc.ID,
		ImageID:               *r.in.ImageId,
		InstanceType:          r.typ.Name,
		State:                 "running",
		LaunchTime:            now,
		UserData:              r.userData,
		KeyName:               kit.Deref(r.in.KeyName),
		PublicKey:             r.publicKey,
		AmiLaunchIndex:        index,
		ReservationID:         reservationID,
		ClientToken:           kit.Deref(r.in.ClientToken),
		AvailabilityZone:      primary.AvailabilityZone,
		AvailabilityZoneID:    primary.AvailabilityZoneID,
		Tenancy:               "default",
		Monitoring:            r.in.Monitoring != nil && kit.Deref(r.in.Monitoring.Enabled),
		EbsOptimized:          kit.Deref(r.in.EbsOptimized),
		DisableAPITermination: kit.Deref(r.in.DisableApiTermination),
		DisableAPIStop:        kit.Deref(r.in.DisableApiStop),
		ShutdownBehavior:      r.shutdown,
		Host:                  host,
	}
	launchMetadataOptions(inst, r.imageTokensRequired, r.metadataDefaults, r.metadata)
	if cs := r.in.CreditSpecification; cs != nil {
		inst.CPUCredits = kit.Deref(cs.CpuCredits)
	}
	if err := setPrivateDNSNameOptions(inst, primary, r.in.PrivateDnsNameOptions); err != nil {
		return "", err
	}
	for _, li := range ifaces {
		e, err := s.addInterface(t, c, li.alloc, &li.spec, inst.ID, now)
		if err != nil {
			return "", err
		}
		inst.ENIs = append(inst.ENIs, e.ID)
		if p := e.PrimaryIP(); p != nil && li.spec.deviceIndex == 0 {
			inst.PrivateIP = p.Addr
		}
	}
	if err := addVolumes(t, c, r, inst, now); err != nil {
		return "", err
	}
	return inst.ID, t.Put(c.Key(inst.ID), inst)
}
