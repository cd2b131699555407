package control

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"vpcd/internal/ec2"
)

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
		return nil, ec2.ErrInvalidInstanceIDNotFound("The instance IDs '%s' do not exist", strings.Join(missing, ", "))
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
		return nil, ec2.ErrInvalidParameterCombination("The parameter instancesSet cannot be used with the parameter maxResults")
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
