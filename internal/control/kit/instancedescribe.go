package kit

import (
	"time"

	"vpcd/internal/ec2"
)

// Interfaces reads an instance's interfaces, in device order.
func (rd *Renderer) Interfaces(inst *InstanceRecord) []*NetworkInterfaceRecord {
	var out []*NetworkInterfaceRecord
	for _, id := range inst.ENIs {
		e, ok := rd.Enis[id]
		if !ok {
			e = new(NetworkInterfaceRecord)
			if found, err := rd.T.Get(rd.C.Key(id), e); err != nil || !found {
				e = nil
			}
			rd.Enis[id] = e
		}
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// InstancePrivateDNS is an instance's private name: after its address (ip-name) or its ID
// (resource-name).
func InstancePrivateDNS(region string, inst *InstanceRecord) string {
	if !inst.PrivateIP.IsValid() {
		return ""
	}
	if inst.HostnameType == "resource-name" {
		return inst.ID + "." + internalDomain(region)
	}
	return PrivateDNSName(region, inst.PrivateIP)
}

// Instance is the EC2 shape of an instance as DescribeInstances shows it.
func (rd *Renderer) Instance(inst *InstanceRecord) ec2.Instance {
	typ := InstanceTypes[inst.InstanceType]
	out := ec2.Instance{
		AmiLaunchIndex:        Ptr(inst.AmiLaunchIndex),
		ImageId:               Ptr(inst.ImageID),
		InstanceId:            Ptr(inst.ID),
		InstanceType:          Ptr(inst.InstanceType),
		LaunchTime:            Ptr(inst.LaunchTime),
		Monitoring:            &ec2.Monitoring{State: Ptr(map[bool]string{false: "disabled", true: "enabled"}[inst.Monitoring])},
		Placement:             &ec2.Placement{AvailabilityZone: Ptr(inst.AvailabilityZone), AvailabilityZoneId: Ptr(inst.AvailabilityZoneID), GroupName: Ptr(""), Tenancy: Ptr(inst.Tenancy)},
		PrivateDnsName:        Ptr(InstancePrivateDNS(rd.C.Region, inst)),
		ProductCodes:          []ec2.ProductCode{},
		PublicDnsName:         Ptr(""),
		State:                 InstanceState(inst.State),
		StateTransitionReason: Ptr(inst.StateTransitionReason),
		Architecture:          Ptr(typ.Architecture),
		BlockDeviceMappings:   rd.BlockDevices(inst),
		EbsOptimized:          Ptr(inst.EbsOptimized),
		EnaSupport:            Ptr(true),
		Hypervisor:            Ptr("xen"),
		NetworkInterfaces:     []ec2.InstanceNetworkInterface{},
		RootDeviceName:        Ptr(inst.RootDevice()),
		RootDeviceType:        Ptr("ebs"),
		SecurityGroups:        []ec2.GroupIdentifier{},
		Tags:                  inst.EC2Tags(),
		VirtualizationType:    Ptr("hvm"),
		CpuOptions:            &ec2.CpuOptions{CoreCount: Ptr(typ.Cores), ThreadsPerCore: Ptr(typ.ThreadsPerCore)},
		CapacityReservationSpecification: &ec2.CapacityReservationSpecificationResponse{
			CapacityReservationPreference: Ptr("open"),
		},
		HibernationOptions:       &ec2.HibernationOptions{Configured: Ptr(false)},
		MetadataOptions:          inst.MetadataOptions(),
		EnclaveOptions:           &ec2.EnclaveOptions{Enabled: Ptr(false)},
		PlatformDetails:          Ptr("Linux/UNIX"),
		UsageOperation:           Ptr("RunInstances"),
		UsageOperationUpdateTime: Ptr(inst.LaunchTime),
		PrivateDnsNameOptions: &ec2.PrivateDnsNameOptionsResponse{
			HostnameType:                    Ptr(inst.HostnameType),
			EnableResourceNameDnsARecord:    Ptr(inst.ResourceNameDnsA),
			EnableResourceNameDnsAAAARecord: Ptr(inst.ResourceNameDnsAAAA),
		},
		MaintenanceOptions:      &ec2.InstanceMaintenanceOptions{AutoRecovery: Ptr("default")},
		CurrentInstanceBootMode: Ptr("legacy-bios"),
	}
	if inst.KeyName != "" {
		out.KeyName = Ptr(inst.KeyName)
	}
	if inst.ClientToken != "" {
		out.ClientToken = Ptr(inst.ClientToken)
	}
	if inst.StateReason != "" {
		out.StateReason = &ec2.StateReason{Code: Ptr(inst.StateReason), Message: Ptr(inst.StateReason + ": " + stateReasonMessages[inst.StateReason])}
	}
	if img := publicImage(rd.C.Region, inst.ImageID); img != nil {
		// What the catalog image makes of the instance: its root device and platform.
		details, usage := img.PlatformDetails()
		out.RootDeviceName, out.PlatformDetails, out.UsageOperation = Ptr(img.RootDeviceName), Ptr(details), Ptr(usage)
		if img.Platform != "" {
			out.Platform = Ptr(img.Platform)
		}
	}
	if inst.SubnetID != "" {
		out.SubnetId, out.VpcId = Ptr(inst.SubnetID), Ptr(inst.VpcID)
	}
	if inst.PrivateIP.IsValid() {
		out.PrivateIpAddress = Ptr(inst.PrivateIP.String())
	}
	for _, e := range rd.Interfaces(inst) {
		ni := rd.instanceInterface(e)
		out.NetworkInterfaces = append(out.NetworkInterfaces, ni)
		if e.Attachment == nil || e.Attachment.DeviceIndex != 0 {
			continue
		}
		out.SecurityGroups = ni.Groups
		out.SourceDestCheck = Ptr(e.SourceDestCheck)
		if p := e.PrimaryIP(); p != nil && p.Association != nil {
			out.PublicIpAddress = Ptr(p.Association.PublicIP.String())
			out.PublicDnsName = Ptr(rd.PublicDNS(e.VpcID, p.Association))
		}
	}
	return out
}

var stateReasonMessages = map[string]string{
	"Client.UserInitiatedShutdown": "User initiated shutdown",
}

func (rd *Renderer) instanceInterface(e *NetworkInterfaceRecord) ec2.InstanceNetworkInterface {
	assoc := func(as *IpAssociation) *ec2.InstanceNetworkInterfaceAssociation {
		if as == nil {
			return nil
		}
		return &ec2.InstanceNetworkInterfaceAssociation{IpOwnerId: Ptr(as.Owner), PublicIp: Ptr(as.PublicIP.String()), PublicDnsName: Ptr(rd.PublicDNS(e.VpcID, as))}
	}
	out := ec2.InstanceNetworkInterface{
		Description:        Ptr(e.Description),
		Groups:             rd.GroupIdentifiers(e.Groups),
		InterfaceType:      Ptr(e.InterfaceType),
		Ipv6Addresses:      []ec2.InstanceIpv6Address{},
		MacAddress:         Ptr(e.MacAddress),
		NetworkInterfaceId: Ptr(e.ID),
		OwnerId:            Ptr(e.Owner),
		SourceDestCheck:    Ptr(e.SourceDestCheck),
		Status:             Ptr(e.Status()),
		SubnetId:           Ptr(e.SubnetID),
		VpcId:              Ptr(e.VpcID),
	}
	for _, a := range e.Ipv6Addresses {
		out.Ipv6Addresses = append(out.Ipv6Addresses, ec2.InstanceIpv6Address{Ipv6Address: Ptr(a.String())})
	}
	for _, p := range e.PrivateIPs {
		out.PrivateIpAddresses = append(out.PrivateIpAddresses, ec2.InstancePrivateIpAddress{
			Association:      assoc(p.Association),
			Primary:          Ptr(p.Primary),
			PrivateDnsName:   Ptr(PrivateDNSName(rd.C.Region, p.Addr)),
			PrivateIpAddress: Ptr(p.Addr.String()),
		})
	}
	if p := e.PrimaryIP(); p != nil {
		out.PrivateIpAddress = Ptr(p.Addr.String())
		out.PrivateDnsName = Ptr(PrivateDNSName(rd.C.Region, p.Addr))
		out.Association = assoc(p.Association)
	}
	if a := e.Attachment; a != nil {
		out.Attachment = &ec2.InstanceNetworkInterfaceAttachment{
			AttachTime:          Ptr(a.AttachTime),
			AttachmentId:        Ptr(a.ID),
			DeleteOnTermination: Ptr(a.DeleteOnTermination),
			DeviceIndex:         Ptr(a.DeviceIndex),
			NetworkCardIndex:    Ptr(int32(0)),
			Status:              Ptr(a.Status),
		}
	}
	return out
}

// Visible reports whether DescribeInstances still shows the instance: a terminated one
// goes an hour after its termination.
func (inst *InstanceRecord) Visible(now time.Time) bool {
	return inst.State != "terminated" || now.Sub(inst.TerminatedAt) < terminatedVisibility
}
