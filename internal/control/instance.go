package control

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"vpcd/internal/ec2"
	"vpcd/internal/store"
)

const (
	// runningInstanceLimit is the quota of running instances per account and region
	// (AWS's classic On-Demand limit).
	runningInstanceLimit = 20
	// terminatedVisibility is how long DescribeInstances keeps showing a terminated
	// instance.
	terminatedVisibility = time.Hour
	// maxUserData is AWS's limit on user data, before base64.
	maxUserData = 16 * 1024
)

// instanceStateCodes are AWS's codes of the instance states.
var instanceStateCodes = map[string]int32{
	"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80,
}

func instanceState(name string) *ec2.InstanceState {
	return &ec2.InstanceState{Code: ptr(instanceStateCodes[name]), Name: ptr(name)}
}

// instancesKey is written by every transaction that makes an instance run, so that two of
// them cannot both fit under the running instance limit.
func instancesKey(c Caller) string { return c.Account + "/" + c.Region + "/account/instances" }

// runTokenKey remembers the reservation of a RunInstances client token.
func runTokenKey(c Caller, token string) string {
	return c.Account + "/" + c.Region + "/token/RunInstances/" + token
}

type runToken struct {
	ReservationID string   `json:"reservationId"`
	InstanceIDs   []string `json:"instanceIds"`
}

// runRequest is RunInstances' request, checked and with its defaults.
type runRequest struct {
	in           *ec2.RunInstancesRequest
	typ          instanceType
	min, max     int
	userData     string
	zone         string
	tags         map[string]string // of the instances
	eniTags      map[string]string
	interfaces   []*ec2.InstanceNetworkInterfaceSpecification // in device order, the primary first
	groupNames   []string
	shutdown     string
	httpTokens   string
	hopLimit     int32
	instanceOnly bool // no NetworkInterfaces: the top-level parameters describe the primary interface
}

func parseRunInstances(c Caller, in *ec2.RunInstancesRequest) (*runRequest, error) {
	r := &runRequest{in: in, shutdown: "stop", httpTokens: "optional", hopLimit: 1}
	if in.LaunchTemplate != nil {
		return nil, ec2.ErrInvalidParameterValue("Launch templates are not supported")
	}
	if deref(in.ImageId) == "" {
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
	typeName := deref(in.InstanceType)
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
		if len(raw) > maxUserData {
			return nil, ec2.ErrInvalidParameterValue("User data is limited to %d bytes", maxUserData)
		}
		r.userData = *in.UserData
	}
	if p := in.Placement; p != nil {
		if p.AvailabilityZone != nil || p.AvailabilityZoneId != nil {
			if r.zone, _, err = zoneByNameOrID(c.Region, deref(p.AvailabilityZone), deref(p.AvailabilityZoneId)); err != nil {
				return nil, err
			}
		}
		if t := deref(p.Tenancy); t != "" && t != "default" {
			return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter tenancy is invalid. Only the default tenancy is supported.", t)
		}
	}
	if b := deref(in.InstanceInitiatedShutdownBehavior); b != "" {
		if b != "stop" && b != "terminate" {
			return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Expected: 'stop', 'terminate'.", b)
		}
		r.shutdown = b
	}
	if m := in.MetadataOptions; m != nil {
		if tok := deref(m.HttpTokens); tok != "" {
			if tok != "optional" && tok != "required" {
				return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter HttpTokens is invalid. Expected: 'optional', 'required'.", tok)
			}
			r.httpTokens = tok
		}
		if h := m.HttpPutResponseHopLimit; h != nil {
			if *h < 1 || *h > 64 {
				return nil, ec2.ErrInvalidParameterValue("Value (%d) for parameter HttpPutResponseHopLimit is invalid. Expected a value between 1 and 64.", *h)
			}
			r.hopLimit = *h
		}
	}
	if err := r.parseTags(); err != nil {
		return nil, err
	}
	return r, r.parseInterfaces()
}

// parseTags splits TagSpecifications by resource type: the instances, their interfaces,
// and their volumes (which vpcd does not have: their tags are accepted and dropped).
func (r *runRequest) parseTags() error {
	byType := map[string][]ec2.TagSpecification{}
	for _, spec := range r.in.TagSpecifications {
		rt := deref(spec.ResourceType)
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
	if r.tags, err = tagsOnCreate(byType["instance"], "instance"); err != nil {
		return err
	}
	if r.eniTags, err = tagsOnCreate(byType["network-interface"], "network-interface"); err != nil {
		return err
	}
	_, err = tagsOnCreate(byType["volume"], "volume")
	return err
}

// parseInterfaces turns the network parameters into one specification per interface.
func (r *runRequest) parseInterfaces() error {
	in := r.in
	if len(in.NetworkInterfaces) == 0 {
		r.instanceOnly = true
		r.groupNames = in.SecurityGroups
		r.interfaces = []*ec2.InstanceNetworkInterfaceSpecification{{
			DeviceIndex:      ptr(int32(0)),
			SubnetId:         in.SubnetId,
			Groups:           in.SecurityGroupIds,
			PrivateIpAddress: in.PrivateIpAddress,
		}}
		if in.PrivateIpAddress != nil && r.max > 1 {
			return errInvalidParameterCombination("Cannot specify a private IP address when launching more than one instance.")
		}
		if len(in.SecurityGroups) > 0 && in.SubnetId != nil {
			return errInvalidParameterCombination("The parameter groupName cannot be used with the parameter subnet")
		}
		return nil
	}
	switch {
	case in.SubnetId != nil:
		return errInvalidParameterCombination("Network interfaces and an instance-level subnet ID may not be specified on the same request")
	case len(in.SecurityGroupIds) > 0 || len(in.SecurityGroups) > 0:
		return errInvalidParameterCombination("Network interfaces and an instance-level security groups may not be specified on the same request")
	case in.PrivateIpAddress != nil:
		return errInvalidParameterCombination("Network interfaces and an instance-level private IP address may not be specified on the same request")
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
			return errInvalidParameterCombination("The associatePublicIPAddress parameter can only be specified for the network interface with DeviceIndex 0.")
		}
		if deref(ni.AssociatePublicIpAddress) && len(in.NetworkInterfaces) > 1 {
			return errInvalidParameterCombination("The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces.")
		}
		if (ni.PrivateIpAddress != nil || len(ni.PrivateIpAddresses) > 0) && r.max > 1 {
			return errInvalidParameterCombination("Cannot specify a private IP address when launching more than one instance.")
		}
		if it := deref(ni.InterfaceType); it != "" && it != "interface" {
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
	alloc *subnetAllocator
}

// resolveInterfaces finds the subnet and groups of each interface, and the allocator of
// each subnet.
func (r *runRequest) resolveInterfaces(t *txn, c Caller) ([]*launchInterface, *vpcRecord, error) {
	allocs := map[string]*subnetAllocator{}
	var vpc *vpcRecord
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
			if vpc, err = getVpc(t, c, sn.VpcID); err != nil {
				return nil, nil, err
			}
		} else if sn.VpcID != vpc.ID {
			return nil, nil, ec2.ErrInvalidParameterValue("The network interfaces of an instance must be in subnets of the same VPC and availability zone.")
		}
		if !sn.Cidr.IsValid() {
			return nil, nil, ec2.ErrInvalidParameterValue("Launching into the IPv6-only subnet '%s' is not supported.", sn.ID)
		}
		groups, err := resolveGroups(t, c, vpc, sn.ID, ni.Groups, r.groupNames)
		if err != nil {
			return nil, nil, err
		}
		alloc := allocs[sn.ID]
		if alloc == nil {
			if alloc, err = newSubnetAllocator(t, c, sn); err != nil {
				return nil, nil, err
			}
			allocs[sn.ID] = alloc
		}
		li := &launchInterface{alloc: alloc, spec: interfaceSpec{
			subnet:              sn,
			groups:              groups,
			description:         deref(ni.Description),
			primaryIP:           deref(ni.PrivateIpAddress),
			secondaryCount:      int(deref(ni.SecondaryPrivateIpAddressCount)),
			deviceIndex:         *ni.DeviceIndex,
			deleteOnTermination: ni.DeleteOnTermination == nil || *ni.DeleteOnTermination,
			tags:                r.eniTags,
		}}
		for _, p := range ni.PrivateIpAddresses {
			switch {
			case deref(p.Primary) && li.spec.primaryIP != "" && li.spec.primaryIP != deref(p.PrivateIpAddress):
				return nil, nil, ec2.ErrInvalidParameterValue("Only one primary private IP address can be specified.")
			case deref(p.Primary):
				li.spec.primaryIP = deref(p.PrivateIpAddress)
			default:
				li.spec.secondaryIPs = append(li.spec.secondaryIPs, deref(p.PrivateIpAddress))
			}
		}
		if li.spec.secondaryCount < 0 || li.spec.addresses() > r.typ.IPv4PerENI {
			return nil, nil, ec2.Errorf("PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit.")
		}
		if i == 0 && len(r.interfaces) == 1 {
			li.spec.publicIP = sn.MapPublicIPOnLaunch
			if ni.AssociatePublicIpAddress != nil {
				li.spec.publicIP = *ni.AssociatePublicIpAddress
			}
		}
		out = append(out, li)
	}
	return out, vpc, nil
}

// subnetOf is the subnet of an interface: the one named, or the default subnet of the
// default VPC in the requested zone (the first zone with one when none is requested).
func (r *runRequest) subnetOf(t *txn, c Caller, ni *ec2.InstanceNetworkInterfaceSpecification) (*subnetRecord, error) {
	if id := deref(ni.SubnetId); id != "" {
		return get[subnetRecord](t, c, "subnet", id)
	}
	vpc, err := findDefaultVpc(t, c)
	if err != nil {
		return nil, err
	}
	if vpc == nil {
		return nil, ec2.Errorf("VPCIdNotSpecified", "No default VPC for this user")
	}
	subnets, err := vpcSubnets(t, c, vpc.ID)
	if err != nil {
		return nil, err
	}
	var best *subnetRecord
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
		return nil, ec2.Errorf("InvalidInput", "No default subnet for availability zone: '%s'.", r.zone)
	default:
		return nil, ec2.Errorf("MissingInput", "No subnets found for the default VPC '%s'. Please specify a subnet.", vpc.ID)
	}
}

// resolveGroups checks an interface's groups, given by ID or (in the default VPC) by
// name; none is the VPC's default group.
func resolveGroups(t *txn, c Caller, vpc *vpcRecord, subnetID string, ids, names []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(names) > 0 {
		groups, err := listAll[securityGroupRecord](t, c.prefix("sg"))
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			i := slices.IndexFunc(groups, func(g *securityGroupRecord) bool { return g.VpcID == vpc.ID && g.Name == name })
			if i < 0 {
				return nil, ec2.Errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", name, vpc.ID)
			}
			if !slices.Contains(out, groups[i].ID) {
				out = append(out, groups[i].ID)
			}
		}
	}
	if len(out) == 0 {
		out = []string{vpc.DefaultGroup}
	}
	if len(out) > maxGroupsPerInterface {
		return nil, ec2.Errorf("SecurityGroupsPerInterfaceLimitExceeded", "The maximum number of security groups per interface has been reached.")
	}
	for _, id := range out {
		g, err := get[securityGroupRecord](t, c, "sg", id)
		if err != nil {
			return nil, err
		}
		if g.VpcID != vpc.ID {
			return nil, ec2.Errorf("InvalidParameter", "Security group %s and subnet %s belong to different networks.", id, subnetID)
		}
		// Rewriting the group makes a concurrent DeleteSecurityGroup conflict with this
		// transaction, which adds an interface in the group.
		if err := t.put(c.key(g.ID), g); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkInstanceRoom reads the running instances and fails unless n more fit under the
// limit; it returns how many fit.
func checkInstanceRoom(t *txn, c Caller) (int, error) {
	var marker struct {
		Writes int64 `json:"writes"`
	}
	if _, err := t.get(instancesKey(c), &marker); err != nil {
		return 0, err
	}
	marker.Writes++
	if err := t.put(instancesKey(c), marker); err != nil {
		return 0, err
	}
	all, err := listAll[instanceRecord](t, c.prefix("i"))
	if err != nil {
		return 0, err
	}
	running := 0
	for _, in := range all {
		if in.State == "running" {
			running++
		}
	}
	return max(runningInstanceLimit-running, 0), nil
}

func errInstanceLimit(requested int) error {
	return ec2.Errorf("InstanceLimitExceeded", "You have requested more instances (%d) than your current instance limit of %d allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.", requested, runningInstanceLimit)
}

// RunInstances launches instances: each gets its interfaces and addresses and is stored
// running at once; the answer shows them pending, as AWS does.
func (s *Service) RunInstances(ctx context.Context, c Caller, in *ec2.RunInstancesRequest) (*ec2.Reservation, error) {
	r, err := parseRunInstances(c, in)
	if err != nil {
		return nil, err
	}
	token := deref(in.ClientToken)
	if len(token) > 64 {
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter clientToken is invalid. The length must be at most 64 characters.", token)
	}
	var reservationID string
	var ids []string
	repeated := false
	err = s.update(ctx, func(t *txn) error {
		reservationID, ids, repeated = newID("r"), nil, false
		if token != "" {
			var rt runToken
			found, err := t.get(runTokenKey(c, token), &rt)
			if err != nil {
				return err
			}
			if found {
				reservationID, ids, repeated = rt.ReservationID, rt.InstanceIDs, true
				return nil
			}
		}
		ifaces, vpc, err := r.resolveInterfaces(t, c)
		if err != nil {
			return err
		}
		room, err := checkInstanceRoom(t, c)
		if err != nil {
			return err
		}
		if room < r.min {
			return errInstanceLimit(r.min + runningInstanceLimit - room)
		}
		n := min(r.max, room)
		// The instances that the free addresses of each subnet allow.
		need := map[*subnetAllocator]int{}
		for _, li := range ifaces {
			need[li.alloc] += li.spec.addresses()
		}
		for alloc, per := range need {
			if fit := alloc.free() / per; fit < n {
				n = fit
				if n < r.min {
					return errInsufficientAddresses(alloc.sn.ID)
				}
			}
		}
		now := s.now().UTC().Truncate(time.Second)
		for i := range n {
			id, err := s.launchOne(t, c, r, ifaces, vpc, reservationID, int32(i), now)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		for alloc := range need {
			if err := recountSubnet(t, c, alloc.sn.ID); err != nil {
				return err
			}
		}
		if token != "" {
			return t.put(runTokenKey(c, token), runToken{ReservationID: reservationID, InstanceIDs: ids})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &ec2.Reservation{ReservationId: ptr(reservationID), OwnerId: ptr(c.Account), Groups: []ec2.GroupIdentifier{}, Instances: []ec2.Instance{}}
	err = s.view(ctx, func(t *txn) error {
		rd := newRenderer(t, c)
		for _, id := range ids {
			inst, err := get[instanceRecord](t, c, "i", id)
			if err != nil {
				return err
			}
			shape := rd.instance(inst)
			if !repeated {
				// What RunInstances answers: the instance is still being created.
				shape.State = instanceState("pending")
				shape.PublicIpAddress, shape.PublicDnsName = nil, ptr("")
				for i := range shape.NetworkInterfaces {
					shape.NetworkInterfaces[i].Attachment.Status = ptr("attaching")
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

// launchOne stores one instance of a launch and its interfaces.
func (s *Service) launchOne(t *txn, c Caller, r *runRequest, ifaces []*launchInterface, vpc *vpcRecord, reservationID string, index int32, now time.Time) (string, error) {
	primary := ifaces[0].spec.subnet
	inst := &instanceRecord{
		meta:                    meta{ID: newID("i"), Owner: c.Account, Tags: r.tags},
		SubnetID:                primary.ID,
		VpcID:                   vpc.ID,
		ImageID:                 *r.in.ImageId,
		InstanceType:            r.typ.Name,
		State:                   "running",
		LaunchTime:              now,
		UserData:                r.userData,
		KeyName:                 deref(r.in.KeyName),
		AmiLaunchIndex:          index,
		ReservationID:           reservationID,
		ClientToken:             deref(r.in.ClientToken),
		AvailabilityZone:        primary.AvailabilityZone,
		AvailabilityZoneID:      primary.AvailabilityZoneID,
		Tenancy:                 "default",
		HostnameType:            primary.HostnameType,
		Monitoring:              r.in.Monitoring != nil && deref(r.in.Monitoring.Enabled),
		EbsOptimized:            deref(r.in.EbsOptimized),
		DisableAPITermination:   deref(r.in.DisableApiTermination),
		DisableAPIStop:          deref(r.in.DisableApiStop),
		ShutdownBehavior:        r.shutdown,
		HTTPTokens:              r.httpTokens,
		HTTPPutResponseHopLimit: r.hopLimit,
	}
	if inst.HostnameType == "" {
		inst.HostnameType = "ip-name"
	}
	for _, li := range ifaces {
		e, err := s.addInterface(t, c, li.alloc, &li.spec, inst.ID, now)
		if err != nil {
			return "", err
		}
		inst.ENIs = append(inst.ENIs, e.ID)
		if li.spec.deviceIndex == 0 {
			inst.PrivateIP = e.PrivateIPs[0].Addr
		}
	}
	return inst.ID, t.put(c.key(inst.ID), inst)
}

// interfaces reads an instance's interfaces, in device order.
func (rd *renderer) interfaces(inst *instanceRecord) []*networkInterfaceRecord {
	var out []*networkInterfaceRecord
	for _, id := range inst.ENIs {
		e, ok := rd.enis[id]
		if !ok {
			e = new(networkInterfaceRecord)
			if found, err := rd.t.get(rd.c.key(id), e); err != nil || !found {
				e = nil
			}
			rd.enis[id] = e
		}
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// instancePrivateDNS is an instance's private name: after its address (ip-name) or its ID
// (resource-name).
func instancePrivateDNS(region string, inst *instanceRecord) string {
	if !inst.PrivateIP.IsValid() {
		return ""
	}
	if inst.HostnameType == "resource-name" {
		return inst.ID + "." + internalDomain(region)
	}
	return privateDNSName(region, inst.PrivateIP)
}

// instance is the EC2 shape of an instance as DescribeInstances shows it.
func (rd *renderer) instance(inst *instanceRecord) ec2.Instance {
	typ := instanceTypes[inst.InstanceType]
	out := ec2.Instance{
		AmiLaunchIndex:        ptr(inst.AmiLaunchIndex),
		ImageId:               ptr(inst.ImageID),
		InstanceId:            ptr(inst.ID),
		InstanceType:          ptr(inst.InstanceType),
		LaunchTime:            ptr(inst.LaunchTime),
		Monitoring:            &ec2.Monitoring{State: ptr(map[bool]string{false: "disabled", true: "enabled"}[inst.Monitoring])},
		Placement:             &ec2.Placement{AvailabilityZone: ptr(inst.AvailabilityZone), AvailabilityZoneId: ptr(inst.AvailabilityZoneID), GroupName: ptr(""), Tenancy: ptr(inst.Tenancy)},
		PrivateDnsName:        ptr(instancePrivateDNS(rd.c.Region, inst)),
		ProductCodes:          []ec2.ProductCode{},
		PublicDnsName:         ptr(""),
		State:                 instanceState(inst.State),
		StateTransitionReason: ptr(inst.StateTransitionReason),
		Architecture:          ptr(typ.Architecture),
		BlockDeviceMappings:   []ec2.InstanceBlockDeviceMapping{},
		EbsOptimized:          ptr(inst.EbsOptimized),
		EnaSupport:            ptr(true),
		Hypervisor:            ptr("xen"),
		NetworkInterfaces:     []ec2.InstanceNetworkInterface{},
		RootDeviceName:        ptr("/dev/xvda"),
		RootDeviceType:        ptr("ebs"),
		SecurityGroups:        []ec2.GroupIdentifier{},
		Tags:                  inst.ec2Tags(),
		VirtualizationType:    ptr("hvm"),
		CpuOptions:            &ec2.CpuOptions{CoreCount: ptr(typ.Cores), ThreadsPerCore: ptr(typ.ThreadsPerCore)},
		CapacityReservationSpecification: &ec2.CapacityReservationSpecificationResponse{
			CapacityReservationPreference: ptr("open"),
		},
		HibernationOptions: &ec2.HibernationOptions{Configured: ptr(false)},
		MetadataOptions: &ec2.InstanceMetadataOptionsResponse{
			State:                   ptr("applied"),
			HttpTokens:              ptr(inst.HTTPTokens),
			HttpPutResponseHopLimit: ptr(inst.HTTPPutResponseHopLimit),
			HttpEndpoint:            ptr("enabled"),
			HttpProtocolIpv6:        ptr("disabled"),
			InstanceMetadataTags:    ptr("disabled"),
		},
		EnclaveOptions:           &ec2.EnclaveOptions{Enabled: ptr(false)},
		PlatformDetails:          ptr("Linux/UNIX"),
		UsageOperation:           ptr("RunInstances"),
		UsageOperationUpdateTime: ptr(inst.LaunchTime),
		PrivateDnsNameOptions: &ec2.PrivateDnsNameOptionsResponse{
			HostnameType:                    ptr(inst.HostnameType),
			EnableResourceNameDnsARecord:    ptr(false),
			EnableResourceNameDnsAAAARecord: ptr(false),
		},
		MaintenanceOptions:      &ec2.InstanceMaintenanceOptions{AutoRecovery: ptr("default")},
		CurrentInstanceBootMode: ptr("legacy-bios"),
	}
	if inst.KeyName != "" {
		out.KeyName = ptr(inst.KeyName)
	}
	if inst.ClientToken != "" {
		out.ClientToken = ptr(inst.ClientToken)
	}
	if inst.StateReason != "" {
		out.StateReason = &ec2.StateReason{Code: ptr(inst.StateReason), Message: ptr(inst.StateReason + ": " + stateReasonMessages[inst.StateReason])}
	}
	if inst.SubnetID != "" {
		out.SubnetId, out.VpcId = ptr(inst.SubnetID), ptr(inst.VpcID)
	}
	if inst.PrivateIP.IsValid() {
		out.PrivateIpAddress = ptr(inst.PrivateIP.String())
	}
	for _, e := range rd.interfaces(inst) {
		ni := rd.instanceInterface(e)
		out.NetworkInterfaces = append(out.NetworkInterfaces, ni)
		if e.Attachment == nil || e.Attachment.DeviceIndex != 0 {
			continue
		}
		out.SecurityGroups = ni.Groups
		out.SourceDestCheck = ptr(e.SourceDestCheck)
		if p := e.primaryIP(); p != nil && p.Association != nil {
			out.PublicIpAddress = ptr(p.Association.PublicIP.String())
			out.PublicDnsName = ptr(rd.publicDNS(e.VpcID, p.Association))
		}
	}
	return out
}

var stateReasonMessages = map[string]string{
	"Client.UserInitiatedShutdown": "User initiated shutdown",
}

func (rd *renderer) instanceInterface(e *networkInterfaceRecord) ec2.InstanceNetworkInterface {
	assoc := func(as *ipAssociation) *ec2.InstanceNetworkInterfaceAssociation {
		if as == nil {
			return nil
		}
		return &ec2.InstanceNetworkInterfaceAssociation{IpOwnerId: ptr(as.Owner), PublicIp: ptr(as.PublicIP.String()), PublicDnsName: ptr(rd.publicDNS(e.VpcID, as))}
	}
	out := ec2.InstanceNetworkInterface{
		Description:        ptr(e.Description),
		Groups:             rd.groupIdentifiers(e.Groups),
		InterfaceType:      ptr(e.InterfaceType),
		Ipv6Addresses:      []ec2.InstanceIpv6Address{},
		MacAddress:         ptr(e.MacAddress),
		NetworkInterfaceId: ptr(e.ID),
		OwnerId:            ptr(e.Owner),
		SourceDestCheck:    ptr(e.SourceDestCheck),
		Status:             ptr(e.status()),
		SubnetId:           ptr(e.SubnetID),
		VpcId:              ptr(e.VpcID),
	}
	for _, a := range e.Ipv6Addresses {
		out.Ipv6Addresses = append(out.Ipv6Addresses, ec2.InstanceIpv6Address{Ipv6Address: ptr(a.String())})
	}
	for _, p := range e.PrivateIPs {
		out.PrivateIpAddresses = append(out.PrivateIpAddresses, ec2.InstancePrivateIpAddress{
			Association:      assoc(p.Association),
			Primary:          ptr(p.Primary),
			PrivateDnsName:   ptr(privateDNSName(rd.c.Region, p.Addr)),
			PrivateIpAddress: ptr(p.Addr.String()),
		})
	}
	if p := e.primaryIP(); p != nil {
		out.PrivateIpAddress = ptr(p.Addr.String())
		out.PrivateDnsName = ptr(privateDNSName(rd.c.Region, p.Addr))
		out.Association = assoc(p.Association)
	}
	if a := e.Attachment; a != nil {
		out.Attachment = &ec2.InstanceNetworkInterfaceAttachment{
			AttachTime:          ptr(a.AttachTime),
			AttachmentId:        ptr(a.ID),
			DeleteOnTermination: ptr(a.DeleteOnTermination),
			DeviceIndex:         ptr(a.DeviceIndex),
			NetworkCardIndex:    ptr(int32(0)),
			Status:              ptr(a.Status),
		}
	}
	return out
}

// visible reports whether DescribeInstances still shows the instance: a terminated one
// goes an hour after its termination.
func (inst *instanceRecord) visible(now time.Time) bool {
	return inst.State != "terminated" || now.Sub(inst.TerminatedAt) < terminatedVisibility
}

// listInstances reads the caller's visible instances with the IDs (all when none), with
// AWS's errors for IDs that name none.
func (s *Service) listInstances(ctx context.Context, t *txn, c Caller, ids []string) ([]*instanceRecord, error) {
	now := s.now()
	if len(ids) == 0 {
		k, err := loadKind[instanceRecord](ctx, s, c.prefix("i"), map[string]func(*instanceRecord) []string{})
		if err != nil {
			return nil, err
		}
		var out []*instanceRecord
		for _, r := range k.query(nil, func(r record) bool { return r.(*instanceRecord).visible(now) }) {
			out = append(out, r.(*instanceRecord))
		}
		return out, nil
	}
	var out []*instanceRecord
	var missing []string
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := checkID(id, "i"); err != nil {
			return nil, err
		}
		inst := new(instanceRecord)
		found, err := t.get(c.key(id), inst)
		if err != nil {
			return nil, err
		}
		if !found || !inst.visible(now) {
			missing = append(missing, id)
			continue
		}
		out = append(out, inst)
	}
	if len(missing) == 1 {
		return nil, notFound(missing[0])
	}
	if len(missing) > 1 {
		return nil, ec2.Errorf("InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(missing, ", "))
	}
	slices.SortFunc(out, func(a, b *instanceRecord) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// instanceFilters gives, for each filter DescribeInstances documents that vpcd has, the
// instance's values; the network-interface.* filters are those of its interfaces.
func instanceFilters(rd *renderer) map[string]func(*instanceRecord) []string {
	one := func(f func(*instanceRecord) string) func(*instanceRecord) []string {
		return func(inst *instanceRecord) []string {
			if v := f(inst); v != "" {
				return []string{v}
			}
			return nil
		}
	}
	primary := func(inst *instanceRecord) *networkInterfaceRecord {
		for _, e := range rd.interfaces(inst) {
			if e.Attachment != nil && e.Attachment.DeviceIndex == 0 {
				return e
			}
		}
		return nil
	}
	publicIP := func(inst *instanceRecord) *ipAssociation {
		if e := primary(inst); e != nil {
			if p := e.primaryIP(); p != nil {
				return p.Association
			}
		}
		return nil
	}
	groups := func(name bool) func(*instanceRecord) []string {
		return func(inst *instanceRecord) []string {
			e := primary(inst)
			if e == nil {
				return nil
			}
			if !name {
				return e.Groups
			}
			return collect(e.Groups, rd.groupName)
		}
	}
	m := map[string]func(*instanceRecord) []string{
		"affinity":                     func(*instanceRecord) []string { return nil },
		"ami-launch-index":             one(func(i *instanceRecord) string { return strconv.Itoa(int(i.AmiLaunchIndex)) }),
		"architecture":                 one(func(i *instanceRecord) string { return instanceTypes[i.InstanceType].Architecture }),
		"availability-zone":            one(func(i *instanceRecord) string { return i.AvailabilityZone }),
		"availability-zone-id":         one(func(i *instanceRecord) string { return i.AvailabilityZoneID }),
		"client-token":                 one(func(i *instanceRecord) string { return i.ClientToken }),
		"dns-name":                     one(func(i *instanceRecord) string { return rd.publicDNS(i.VpcID, publicIP(i)) }),
		"hypervisor":                   one(func(*instanceRecord) string { return "xen" }),
		"image-id":                     one(func(i *instanceRecord) string { return i.ImageID }),
		"instance-id":                  one(func(i *instanceRecord) string { return i.ID }),
		"instance-state-code":          one(func(i *instanceRecord) string { return strconv.Itoa(int(instanceStateCodes[i.State])) }),
		"instance-state-name":          one(func(i *instanceRecord) string { return i.State }),
		"instance-type":                one(func(i *instanceRecord) string { return i.InstanceType }),
		"instance.group-id":            groups(false),
		"instance.group-name":          groups(true),
		"group-id":                     groups(false),
		"group-name":                   groups(true),
		"ip-address":                   one(func(i *instanceRecord) string { return addrString(publicIP(i)) }),
		"key-name":                     one(func(i *instanceRecord) string { return i.KeyName }),
		"launch-index":                 one(func(i *instanceRecord) string { return strconv.Itoa(int(i.AmiLaunchIndex)) }),
		"launch-time":                  one(func(i *instanceRecord) string { return i.LaunchTime.UTC().Format("2006-01-02T15:04:05.000Z") }),
		"metadata-options.http-tokens": one(func(i *instanceRecord) string { return i.HTTPTokens }),
		"monitoring-state": one(func(i *instanceRecord) string {
			return map[bool]string{false: "disabled", true: "enabled"}[i.Monitoring]
		}),
		"owner-id":                               one(func(i *instanceRecord) string { return i.Owner }),
		"placement-group-name":                   func(*instanceRecord) []string { return nil },
		"platform-details":                       one(func(*instanceRecord) string { return "Linux/UNIX" }),
		"private-dns-name":                       one(func(i *instanceRecord) string { return instancePrivateDNS(rd.c.Region, i) }),
		"private-dns-name-options.hostname-type": one(func(i *instanceRecord) string { return i.HostnameType }),
		"private-ip-address":                     one(func(i *instanceRecord) string { return addrOrEmpty(i.PrivateIP) }),
		"reason":                                 one(func(i *instanceRecord) string { return i.StateTransitionReason }),
		"reservation-id":                         one(func(i *instanceRecord) string { return i.ReservationID }),
		"root-device-name":                       one(func(*instanceRecord) string { return "/dev/xvda" }),
		"root-device-type":                       one(func(*instanceRecord) string { return "ebs" }),
		"source-dest-check": one(func(i *instanceRecord) string {
			if e := primary(i); e != nil {
				return boolString(e.SourceDestCheck)
			}
			return ""
		}),
		"state-reason-code":   one(func(i *instanceRecord) string { return i.StateReason }),
		"subnet-id":           one(func(i *instanceRecord) string { return i.SubnetID }),
		"tenancy":             one(func(i *instanceRecord) string { return i.Tenancy }),
		"usage-operation":     one(func(*instanceRecord) string { return "RunInstances" }),
		"virtualization-type": one(func(*instanceRecord) string { return "hvm" }),
		"vpc-id":              one(func(i *instanceRecord) string { return i.VpcID }),
	}
	for name, f := range interfaceFilters(rd.c.Region, rd.groupName) {
		m["network-interface."+name] = func(inst *instanceRecord) []string {
			var out []string
			for _, e := range rd.interfaces(inst) {
				out = append(out, f(e)...)
			}
			return out
		}
	}
	m["network-interface.addresses.association.ip-owner-id"] = m["network-interface.addresses.association.owner-id"]
	return m
}

func addrOrEmpty(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func addrString(as *ipAssociation) string {
	if as == nil {
		return ""
	}
	return as.PublicIP.String()
}

// DescribeInstances lists the caller's instances, grouped by the reservation they were
// launched in.
func (s *Service) DescribeInstances(ctx context.Context, c Caller, in *ec2.DescribeInstancesRequest) (*ec2.DescribeInstancesResult, error) {
	if err := checkMaxResults(in.MaxResults, 5, 1000); err != nil {
		return nil, err
	}
	if len(in.InstanceIds) > 0 && in.MaxResults != nil {
		return nil, errInvalidParameterCombination("The parameter instancesSet cannot be used with the parameter maxResults")
	}
	out := &ec2.DescribeInstancesResult{Reservations: []ec2.Reservation{}}
	err := s.view(ctx, func(t *txn) error {
		rd := newRenderer(t, c)
		filters := instanceFilters(rd)
		match, err := compileFilters(in.Filters, func(name string) bool { return filters[name] != nil })
		if err != nil {
			return err
		}
		all, err := s.listInstances(ctx, t, c, in.InstanceIds)
		if err != nil {
			return err
		}
		var kept []*instanceRecord
		for _, inst := range all {
			if match(func(name string) []string { return filters[name](inst) }, inst.Tags) {
				kept = append(kept, inst)
			}
		}
		page, next, err := paginate(kept, in.MaxResults, in.NextToken, func(i *instanceRecord) string { return i.ID })
		if err != nil {
			return err
		}
		out.NextToken = next
		index := map[string]int{}
		for _, inst := range page {
			i, ok := index[inst.ReservationID]
			if !ok {
				i = len(out.Reservations)
				index[inst.ReservationID] = i
				out.Reservations = append(out.Reservations, ec2.Reservation{
					ReservationId: ptr(inst.ReservationID),
					OwnerId:       ptr(inst.Owner),
					Groups:        []ec2.GroupIdentifier{},
				})
			}
			out.Reservations[i].Instances = append(out.Reservations[i].Instances, rd.instance(inst))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// userInitiated is the state transition reason AWS gives a user's stop or termination.
func userInitiated(now time.Time) string {
	return "User initiated (" + now.UTC().Format("2006-01-02 15:04:05 MST") + ")"
}

// changeStates runs change on each named instance in one transaction and answers their
// previous and current states in the order asked.
func (s *Service) changeStates(ctx context.Context, c Caller, ids []string, change func(t *txn, inst *instanceRecord) (current string, err error)) ([]ec2.InstanceStateChange, error) {
	if len(ids) == 0 {
		return nil, ec2.ErrMissingParameter("InstanceId")
	}
	var out []ec2.InstanceStateChange
	err := s.update(ctx, func(t *txn) error {
		out = nil
		insts, err := s.listInstances(ctx, t, c, ids)
		if err != nil {
			return err
		}
		byID := map[string]*instanceRecord{}
		for _, inst := range insts {
			byID[inst.ID] = inst
		}
		for _, id := range ids {
			inst := byID[id]
			if inst == nil {
				continue // a repeated ID
			}
			delete(byID, id)
			prev := inst.State
			cur, err := change(t, inst)
			if err != nil {
				return err
			}
			if err := t.put(c.key(inst.ID), inst); err != nil {
				return err
			}
			out = append(out, ec2.InstanceStateChange{InstanceId: ptr(id), PreviousState: instanceState(prev), CurrentState: instanceState(cur)})
		}
		return nil
	})
	return out, err
}

func errIncorrectState(id, verb string) error {
	return ec2.Errorf("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be %s.", id, verb)
}

// StopInstances stops running instances: they lose their public addresses from Amazon's
// pool (not their Elastic IPs). Stopping a stopped instance changes nothing.
func (s *Service) StopInstances(ctx context.Context, c Caller, in *ec2.StopInstancesRequest) (*ec2.StopInstancesResult, error) {
	if deref(in.Hibernate) {
		return nil, ec2.Errorf("UnsupportedHibernationConfiguration", "The instance is not enabled for hibernation.")
	}
	now := s.now()
	changes, err := s.changeStates(ctx, c, in.InstanceIds, func(t *txn, inst *instanceRecord) (string, error) {
		switch inst.State {
		case "stopped":
			return "stopped", nil
		case "terminated":
			return "", errIncorrectState(inst.ID, "stopped")
		}
		if inst.DisableAPIStop {
			return "", ec2.Errorf("OperationNotPermitted", "The instance '%s' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.", inst.ID)
		}
		if err := editInterfaces(t, c, inst, func(e *networkInterfaceRecord) bool {
			e.releasePublicIPs(t, c)
			return true
		}); err != nil {
			return "", err
		}
		inst.State, inst.StateReason, inst.StateTransitionReason = "stopped", "Client.UserInitiatedShutdown", userInitiated(now)
		return "stopping", nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.StopInstancesResult{StoppingInstances: changes}, nil
}

// editInterfaces applies edit to each interface of the instance and writes it back, or
// deletes it when edit returns false.
func editInterfaces(t *txn, c Caller, inst *instanceRecord, edit func(e *networkInterfaceRecord) bool) error {
	for _, id := range inst.ENIs {
		e := new(networkInterfaceRecord)
		found, err := t.get(c.key(id), e)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		if !edit(e) {
			t.del(c.key(id))
			continue
		}
		if err := t.put(c.key(id), e); err != nil {
			return err
		}
	}
	return nil
}

// StartInstances starts stopped instances, with a new public address when the primary
// interface asks for one. Starting a running instance changes nothing.
func (s *Service) StartInstances(ctx context.Context, c Caller, in *ec2.StartInstancesRequest) (*ec2.StartInstancesResult, error) {
	starting := 0
	changes, err := s.changeStates(ctx, c, in.InstanceIds, func(t *txn, inst *instanceRecord) (string, error) {
		switch inst.State {
		case "running":
			return "running", nil
		case "terminated":
			return "", errIncorrectState(inst.ID, "started")
		}
		room, err := checkInstanceRoom(t, c)
		if err != nil {
			return "", err
		}
		if room < 1 {
			return "", errInstanceLimit(starting + 1 + runningInstanceLimit - room)
		}
		starting++
		var allocErr error
		err = editInterfaces(t, c, inst, func(e *networkInterfaceRecord) bool {
			if p := e.primaryIP(); p != nil && e.AutoPublicIP && p.Association == nil && allocErr == nil {
				var a netip.Addr
				if a, allocErr = s.allocatePublicIP(t, c, e.ID); allocErr == nil {
					p.Association = &ipAssociation{PublicIP: a, Owner: "amazon"}
				}
			}
			return true
		})
		if err == nil {
			err = allocErr
		}
		if err != nil {
			return "", err
		}
		inst.State, inst.StateReason, inst.StateTransitionReason = "running", "", ""
		return "pending", nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.StartInstancesResult{StartingInstances: changes}, nil
}

// TerminateInstances terminates instances: their interfaces marked delete-on-termination
// go with them and the others are detached, which frees their addresses.
func (s *Service) TerminateInstances(ctx context.Context, c Caller, in *ec2.TerminateInstancesRequest) (*ec2.TerminateInstancesResult, error) {
	now := s.now()
	changes, err := s.changeStates(ctx, c, in.InstanceIds, func(t *txn, inst *instanceRecord) (string, error) {
		if inst.State == "terminated" {
			return "terminated", nil
		}
		if inst.DisableAPITermination {
			return "", ec2.Errorf("OperationNotPermitted", "The instance '%s' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.", inst.ID)
		}
		subnets := map[string]bool{}
		err := editInterfaces(t, c, inst, func(e *networkInterfaceRecord) bool {
			subnets[e.SubnetID] = true
			e.releasePublicIPs(t, c)
			keep := e.Attachment == nil || !e.Attachment.DeleteOnTermination
			e.Attachment = nil
			return keep
		})
		if err != nil {
			return "", err
		}
		for id := range subnets {
			if err := recountSubnet(t, c, id); err != nil {
				return "", err
			}
		}
		cur := "shutting-down"
		if inst.State == "stopped" {
			cur = "terminated"
		}
		inst.State, inst.StateReason, inst.StateTransitionReason = "terminated", "Client.UserInitiatedShutdown", userInitiated(now)
		inst.TerminatedAt = now
		inst.SubnetID, inst.VpcID, inst.ENIs, inst.PrivateIP = "", "", nil, netip.Addr{}
		return cur, nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.TerminateInstancesResult{TerminatingInstances: changes}, nil
}

// RebootInstances reboots running instances; the data plane sees RebootedAt change.
func (s *Service) RebootInstances(ctx context.Context, c Caller, in *ec2.RebootInstancesRequest) error {
	now := s.now()
	_, err := s.changeStates(ctx, c, in.InstanceIds, func(t *txn, inst *instanceRecord) (string, error) {
		if inst.State != "running" {
			return "", errIncorrectState(inst.ID, "rebooted")
		}
		inst.RebootedAt = now
		return "running", nil
	})
	return err
}

// instanceStatusFilters are the filters DescribeInstanceStatus documents.
var instanceStatusFilters = map[string]func(inst *instanceRecord) []string{
	"availability-zone":            func(i *instanceRecord) []string { return []string{i.AvailabilityZone} },
	"instance-state-code":          func(i *instanceRecord) []string { return []string{strconv.Itoa(int(instanceStateCodes[i.State]))} },
	"instance-state-name":          func(i *instanceRecord) []string { return []string{i.State} },
	"instance-status.reachability": func(i *instanceRecord) []string { return []string{i.reachability()} },
	"instance-status.status":       func(i *instanceRecord) []string { return []string{i.healthStatus()} },
	"system-status.reachability":   func(i *instanceRecord) []string { return []string{i.reachability()} },
	"system-status.status":         func(i *instanceRecord) []string { return []string{i.healthStatus()} },
	"event.code":                   func(*instanceRecord) []string { return nil },
	"event.description":            func(*instanceRecord) []string { return nil },
	"event.not-after":              func(*instanceRecord) []string { return nil },
	"event.not-before":             func(*instanceRecord) []string { return nil },
	"event.instance-event-id":      func(*instanceRecord) []string { return nil },
}

func (inst *instanceRecord) healthStatus() string {
	if inst.State == "running" {
		return "ok"
	}
	return "not-applicable"
}

func (inst *instanceRecord) reachability() string {
	if inst.State == "running" {
		return "passed"
	}
	return "not-applicable"
}

// DescribeInstanceStatus answers the status checks of running instances (of all with
// IncludeAllInstances). Every running instance passes both checks.
func (s *Service) DescribeInstanceStatus(ctx context.Context, c Caller, in *ec2.DescribeInstanceStatusRequest) (*ec2.DescribeInstanceStatusResult, error) {
	if err := checkMaxResults(in.MaxResults, 5, 1000); err != nil {
		return nil, err
	}
	if len(in.InstanceIds) > 0 && in.MaxResults != nil {
		return nil, errInvalidParameterCombination("The parameter instancesSet cannot be used with the parameter maxResults")
	}
	match, err := compileFilters(in.Filters, func(name string) bool { return instanceStatusFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	var kept []*instanceRecord
	err = s.view(ctx, func(t *txn) error {
		all, err := s.listInstances(ctx, t, c, in.InstanceIds)
		for _, inst := range all {
			if inst.State != "running" && !deref(in.IncludeAllInstances) {
				continue
			}
			if match(func(name string) []string { return instanceStatusFilters[name](inst) }, inst.Tags) {
				kept = append(kept, inst)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(kept, in.MaxResults, in.NextToken, func(i *instanceRecord) string { return i.ID })
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInstanceStatusResult{InstanceStatuses: []ec2.InstanceStatus{}, NextToken: next}
	for _, inst := range page {
		summary := func() *ec2.InstanceStatusSummary {
			sum := &ec2.InstanceStatusSummary{Status: ptr(inst.healthStatus())}
			if inst.State == "running" {
				sum.Details = []ec2.InstanceStatusDetails{{Name: ptr("reachability"), Status: ptr("passed")}}
			}
			return sum
		}
		out.InstanceStatuses = append(out.InstanceStatuses, ec2.InstanceStatus{
			AvailabilityZone:   ptr(inst.AvailabilityZone),
			AvailabilityZoneId: ptr(inst.AvailabilityZoneID),
			InstanceId:         ptr(inst.ID),
			InstanceState:      instanceState(inst.State),
			InstanceStatus:     summary(),
			SystemStatus:       summary(),
			Events:             []ec2.InstanceStatusEvent{},
		})
	}
	return out, nil
}

// instanceAttribute is one attribute that ModifyInstanceAttribute sets.
type instanceAttribute struct {
	name   string
	value  string
	flag   *bool
	groups []string
}

// modifiedAttribute picks the one attribute a ModifyInstanceAttribute request changes,
// given either as Attribute and Value or as its own parameter.
func modifiedAttribute(in *ec2.ModifyInstanceAttributeRequest) (instanceAttribute, error) {
	var found []instanceAttribute
	boolAttr := func(name string, v *ec2.AttributeBooleanValue) {
		if v != nil {
			found = append(found, instanceAttribute{name: name, flag: v.Value})
		}
	}
	strAttr := func(name string, v *ec2.AttributeValue) {
		if v != nil {
			found = append(found, instanceAttribute{name: name, value: deref(v.Value)})
		}
	}
	boolAttr("sourceDestCheck", in.SourceDestCheck)
	boolAttr("disableApiTermination", in.DisableApiTermination)
	boolAttr("disableApiStop", in.DisableApiStop)
	boolAttr("ebsOptimized", in.EbsOptimized)
	boolAttr("enaSupport", in.EnaSupport)
	strAttr("instanceType", in.InstanceType)
	strAttr("instanceInitiatedShutdownBehavior", in.InstanceInitiatedShutdownBehavior)
	strAttr("kernel", in.Kernel)
	strAttr("ramdisk", in.Ramdisk)
	strAttr("sriovNetSupport", in.SriovNetSupport)
	if in.UserData != nil {
		found = append(found, instanceAttribute{name: "userData", value: base64.StdEncoding.EncodeToString(in.UserData.Value)})
	}
	if len(in.Groups) > 0 {
		found = append(found, instanceAttribute{name: "groupSet", groups: in.Groups})
	}
	if len(in.BlockDeviceMappings) > 0 {
		found = append(found, instanceAttribute{name: "blockDeviceMapping"})
	}
	if in.Attribute != nil {
		a := instanceAttribute{name: *in.Attribute, value: deref(in.Value)}
		switch a.name {
		case "sourceDestCheck", "disableApiTermination", "disableApiStop", "ebsOptimized", "enaSupport":
			b, err := strconv.ParseBool(a.value)
			if err != nil {
				return a, ec2.ErrInvalidParameterValue("Value (%s) for parameter value is invalid. Expected: 'true', 'false'.", a.value)
			}
			a.flag = &b
		case "groupSet":
			return a, ec2.ErrMissingParameter("GroupId")
		case "userData":
			a.value = base64.StdEncoding.EncodeToString([]byte(a.value))
		}
		found = append(found, a)
	}
	if len(found) == 0 {
		return instanceAttribute{}, ec2.ErrMissingParameter("Attribute")
	}
	if len(found) > 1 {
		return instanceAttribute{}, errInvalidParameterCombination("Fields for multiple attribute types specified: %s, %s", found[0].name, found[1].name)
	}
	return found[0], nil
}

// ModifyInstanceAttribute changes one attribute of an instance. Its groups and its
// source/destination check are those of its only interface; its type and user data
// change only while it is stopped.
func (s *Service) ModifyInstanceAttribute(ctx context.Context, c Caller, in *ec2.ModifyInstanceAttributeRequest) error {
	id := deref(in.InstanceId)
	if id == "" {
		return ec2.ErrMissingParameter("InstanceId")
	}
	a, err := modifiedAttribute(in)
	if err != nil {
		return err
	}
	return s.update(ctx, func(t *txn) error {
		insts, err := s.listInstances(ctx, t, c, []string{id})
		if err != nil {
			return err
		}
		inst := insts[0]
		needFlag := func() (bool, error) {
			if a.flag == nil {
				return false, ec2.ErrMissingParameter(a.name + ".Value")
			}
			return *a.flag, nil
		}
		switch a.name {
		case "instanceType", "userData":
			if inst.State != "stopped" {
				return ec2.Errorf("IncorrectInstanceState", "The instance '%s' is not in the 'stopped' state.", inst.ID)
			}
			if a.name == "userData" {
				inst.UserData = a.value
				break
			}
			typ, err := lookupInstanceType(a.value)
			if err != nil {
				return err
			}
			inst.InstanceType = typ.Name
		case "disableApiTermination":
			v, err := needFlag()
			inst.DisableAPITermination = v
			if err != nil {
				return err
			}
		case "disableApiStop":
			v, err := needFlag()
			inst.DisableAPIStop = v
			if err != nil {
				return err
			}
		case "ebsOptimized":
			v, err := needFlag()
			inst.EbsOptimized = v
			if err != nil {
				return err
			}
		case "enaSupport":
			if _, err := needFlag(); err != nil {
				return err
			}
		case "instanceInitiatedShutdownBehavior":
			if a.value != "stop" && a.value != "terminate" {
				return ec2.ErrInvalidParameterValue("Value (%s) for parameter value is invalid. Expected: 'stop', 'terminate'.", a.value)
			}
			inst.ShutdownBehavior = a.value
		case "sourceDestCheck", "groupSet":
			return s.modifyPrimaryInterface(t, c, inst, a)
		case "kernel", "ramdisk", "sriovNetSupport", "blockDeviceMapping":
			return ec2.Errorf("UnsupportedOperation", "The attribute '%s' is not supported by vpcd.", a.name)
		default:
			return ec2.ErrInvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", a.name)
		}
		return t.put(c.key(inst.ID), inst)
	})
}

// modifyPrimaryInterface sets the groups or the source/destination check of the
// instance's interface; an instance with several interfaces must be changed per interface.
func (s *Service) modifyPrimaryInterface(t *txn, c Caller, inst *instanceRecord, a instanceAttribute) error {
	if inst.State == "terminated" || len(inst.ENIs) == 0 {
		return errIncorrectState(inst.ID, "modified")
	}
	if len(inst.ENIs) > 1 {
		return ec2.Errorf("InvalidInstanceID", "There are multiple interfaces attached to instance '%s'. Please specify an interface ID for the operation instead.", inst.ID)
	}
	e, err := get[networkInterfaceRecord](t, c, "eni", inst.ENIs[0])
	if err != nil {
		return err
	}
	if a.name == "sourceDestCheck" {
		if a.flag == nil {
			return ec2.ErrMissingParameter("SourceDestCheck.Value")
		}
		e.SourceDestCheck = *a.flag
	} else {
		vpc, err := getVpc(t, c, e.VpcID)
		if err != nil {
			return err
		}
		if e.Groups, err = resolveGroups(t, c, vpc, e.SubnetID, a.groups, nil); err != nil {
			return err
		}
	}
	return t.put(c.key(e.ID), e)
}

// DescribeInstanceAttribute answers one attribute of an instance.
func (s *Service) DescribeInstanceAttribute(ctx context.Context, c Caller, in *ec2.DescribeInstanceAttributeRequest) (*ec2.InstanceAttribute, error) {
	id, name := deref(in.InstanceId), deref(in.Attribute)
	if id == "" {
		return nil, ec2.ErrMissingParameter("InstanceId")
	}
	if name == "" {
		return nil, ec2.ErrMissingParameter("Attribute")
	}
	out := &ec2.InstanceAttribute{InstanceId: ptr(id)}
	err := s.view(ctx, func(t *txn) error {
		insts, err := s.listInstances(ctx, t, c, []string{id})
		if err != nil {
			return err
		}
		inst, rd := insts[0], newRenderer(t, c)
		var primary *networkInterfaceRecord
		if enis := rd.interfaces(inst); len(enis) > 0 {
			primary = enis[0]
		}
		flag := func(v bool) *ec2.AttributeBooleanValue { return &ec2.AttributeBooleanValue{Value: ptr(v)} }
		str := func(v string) *ec2.AttributeValue { return &ec2.AttributeValue{Value: ptr(v)} }
		switch name {
		case "instanceType":
			out.InstanceType = str(inst.InstanceType)
		case "userData":
			out.UserData = &ec2.AttributeValue{}
			if inst.UserData != "" {
				out.UserData.Value = ptr(inst.UserData)
			}
		case "disableApiTermination":
			out.DisableApiTermination = flag(inst.DisableAPITermination)
		case "disableApiStop":
			out.DisableApiStop = flag(inst.DisableAPIStop)
		case "instanceInitiatedShutdownBehavior":
			out.InstanceInitiatedShutdownBehavior = str(inst.ShutdownBehavior)
		case "rootDeviceName":
			out.RootDeviceName = str("/dev/xvda")
		case "blockDeviceMapping":
			out.BlockDeviceMappings = []ec2.InstanceBlockDeviceMapping{}
		case "productCodes":
			out.ProductCodes = []ec2.ProductCode{}
		case "ebsOptimized":
			out.EbsOptimized = flag(inst.EbsOptimized)
		case "enaSupport":
			out.EnaSupport = flag(true)
		case "sriovNetSupport":
			out.SriovNetSupport = &ec2.AttributeValue{}
		case "kernel":
			out.KernelId = &ec2.AttributeValue{}
		case "ramdisk":
			out.RamdiskId = &ec2.AttributeValue{}
		case "enclaveOptions":
			out.EnclaveOptions = &ec2.EnclaveOptions{Enabled: ptr(false)}
		case "sourceDestCheck":
			out.SourceDestCheck = flag(primary == nil || primary.SourceDestCheck)
		case "groupSet":
			out.Groups = []ec2.GroupIdentifier{}
			if primary != nil {
				out.Groups = rd.groupIdentifiers(primary.Groups)
			}
		default:
			return ec2.ErrInvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// consoleKey is where the data plane writes an instance's console output, raw.
func consoleKey(c Caller, instanceID string) string {
	return c.Account + "/" + c.Region + "/console/" + instanceID
}

// GetConsoleOutput answers the console output the data plane recorded, base64 encoded.
func (s *Service) GetConsoleOutput(ctx context.Context, c Caller, in *ec2.GetConsoleOutputRequest) (*ec2.GetConsoleOutputResult, error) {
	id := deref(in.InstanceId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("InstanceId")
	}
	err := s.view(ctx, func(t *txn) error {
		_, err := s.listInstances(ctx, t, c, []string{id})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2.GetConsoleOutputResult{InstanceId: ptr(id), Timestamp: ptr(s.now().UTC().Truncate(time.Second))}
	kv, found, err := s.st.Get(ctx, consoleKey(c, id))
	if err != nil {
		return nil, fmt.Errorf("console output of %s: %w", id, err)
	}
	if found && len(kv.Value) > 0 {
		out.Output = ptr(base64.StdEncoding.EncodeToString(kv.Value))
	}
	return out, nil
}

// SetConsoleOutput records what an instance printed, as the data plane sees it; AWS keeps
// the last 64 KiB.
func (s *Service) SetConsoleOutput(ctx context.Context, c Caller, instanceID string, out []byte) error {
	const keep = 64 << 10
	if len(out) > keep {
		out = out[len(out)-keep:]
	}
	_, err := s.st.Commit(ctx, nil, []store.Op{{Key: consoleKey(c, instanceID), Value: out}})
	return err
}
