package compute

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// getManagedByCaller reads an interface that the caller may change: not one that AWS
// manages for a service, such as a NAT gateway's.
func getManagedByCaller(t *kit.Txn, c kit.Caller, id string) (*kit.NetworkInterfaceRecord, error) {
	e, err := kit.Get[kit.NetworkInterfaceRecord](t, c, "eni", id)
	if err == nil && e.RequesterManaged {
		return nil, ec2.ErrOperationNotPermitted("You are not allowed to manage '%s' attachments.", e.ID)
	}
	return e, err
}

// interfaceSpec is what a new interface gets: its subnet, groups and addresses.
type interfaceSpec struct {
	subnet              *kit.SubnetRecord
	groups              []string
	description         string
	primaryIP           string   // requested, or "" for the lowest free
	secondaryIPs        []string // requested secondary addresses
	secondaryCount      int      // more secondary addresses, picked
	deviceIndex         int32
	deleteOnTermination bool
	publicIP            bool
	ipv6Addrs           []string // requested IPv6 addresses
	ipv6Count           int      // more IPv6 addresses, picked
	tags                map[string]string
}

// defaultIPv6: an interface that names no IPv6 addresses (and no count, when unset) gets
// one in a subnet that assigns them on creation.
func (sp *interfaceSpec) defaultIPv6(unset bool) {
	if unset && len(sp.ipv6Addrs) == 0 && sp.subnet.AssignIpv6OnCreation {
		sp.ipv6Count = 1
	}
}

// addresses is how many private IPv4 addresses the interface takes: none in an IPv6-only
// subnet.
func (sp *interfaceSpec) addresses() int {
	if sp.subnet != nil && !sp.subnet.Cidr.IsValid() {
		return 0
	}
	return 1 + len(sp.secondaryIPs) + sp.secondaryCount
}

// checkIPv6Only applies AWS's rules to an interface in an IPv6-only subnet: no private or
// public IPv4 address, and at least one IPv6 address.
func (sp *interfaceSpec) checkIPv6Only() error {
	sn := sp.subnet
	switch {
	case sn.Cidr.IsValid():
		return nil
	case sp.primaryIP != "" || len(sp.secondaryIPs) > 0 || sp.secondaryCount > 0:
		return ec2.ErrInvalidParameterCombination("Private IPv4 addresses cannot be assigned to a network interface in the IPv6-only subnet '%s'.", sn.ID)
	case sp.publicIP:
		return ec2.ErrInvalidParameterCombination("A public IPv4 address cannot be associated with a network interface in the IPv6-only subnet '%s'.", sn.ID)
	case len(sp.ipv6Addrs)+sp.ipv6Count == 0:
		return ec2.ErrInvalidParameterValue("A network interface in the IPv6-only subnet '%s' must be assigned at least one IPv6 address.", sn.ID)
	}
	return nil
}

// addInterface stores a new interface attached to an instance, its addresses taken from
// alloc; the caller rewrites the subnet (recountSubnet).
func (s *Compute) addInterface(t *kit.Txn, c kit.Caller, alloc *kit.SubnetAllocator, sp *interfaceSpec, instanceID string, now time.Time) (*kit.NetworkInterfaceRecord, error) {
	sn := sp.subnet
	e := &kit.NetworkInterfaceRecord{
		Meta:               kit.Meta{ID: kit.NewID("eni"), Owner: c.Account, Tags: sp.tags},
		SubnetID:           sn.ID,
		VpcID:              sn.VpcID,
		AvailabilityZone:   sn.AvailabilityZone,
		AvailabilityZoneID: sn.AvailabilityZoneID,
		Groups:             sp.groups,
		MacAddress:         kit.NewMacAddress(),
		Description:        sp.description,
		SourceDestCheck:    true,
		InterfaceType:      "interface",
		AutoPublicIP:       sp.publicIP,
	}
	if sn.Cidr.IsValid() {
		if err := takePrimary(alloc, e, sp.primaryIP); err != nil {
			return nil, err
		}
	}
	for _, ip := range sp.secondaryIPs {
		a, err := alloc.Take(ip)
		if err != nil {
			return nil, err
		}
		e.PrivateIPs = append(e.PrivateIPs, kit.PrivateIP{Addr: a})
	}
	for range sp.secondaryCount {
		a, err := alloc.Next()
		if err != nil {
			return nil, err
		}
		e.PrivateIPs = append(e.PrivateIPs, kit.PrivateIP{Addr: a})
	}
	var err error
	if e.Ipv6Addresses, err = alloc.TakeIPv6(sp.ipv6Addrs, sp.ipv6Count); err != nil {
		return nil, err
	}
	if instanceID != "" {
		e.Attachment = &kit.EniAttachment{
			ID:                  kit.NewID("eni-attach"),
			InstanceID:          instanceID,
			InstanceOwner:       c.Account,
			DeviceIndex:         sp.deviceIndex,
			Status:              "attached",
			DeleteOnTermination: sp.deleteOnTermination,
			AttachTime:          now,
		}
	}
	if sp.publicIP {
		a, err := s.AllocatePublicIP(t, c, e.ID)
		if err != nil {
			return nil, err
		}
		e.PrivateIPs[0].Association = &kit.IpAssociation{PublicIP: a, Owner: "amazon"}
	}
	return e, t.Put(c.Key(e.ID), e)
}

// takePrimary gives e its primary private IPv4 address: the requested one, or the lowest
// free.
func takePrimary(alloc *kit.SubnetAllocator, e *kit.NetworkInterfaceRecord, requested string) error {
	var primary netip.Addr
	var err error
	if requested != "" {
		primary, err = alloc.Take(requested)
	} else {
		primary, err = alloc.Next()
	}
	if err != nil {
		return err
	}
	e.PrivateIPs = append(e.PrivateIPs, kit.PrivateIP{Addr: primary, Primary: true})
	return nil
}

func newRenderer(t *kit.Txn, c kit.Caller) *kit.Renderer {
	return &kit.Renderer{T: t, C: c, Groups: map[string]*kit.SecurityGroupRecord{}, Vpcs: map[string]*kit.VpcRecord{}, Enis: map[string]*kit.NetworkInterfaceRecord{}}
}

// interfaceFilters gives, for each filter DescribeNetworkInterfaces documents, the
// interface's values. groupName resolves group-name; the names ending in -id, which the
// cache indexes, use only the record.
func interfaceFilters(region string, groupName func(id string) string) map[string]func(*kit.NetworkInterfaceRecord) []string {
	one := func(f func(*kit.NetworkInterfaceRecord) string) func(*kit.NetworkInterfaceRecord) []string {
		return func(e *kit.NetworkInterfaceRecord) []string { return []string{f(e)} }
	}
	attached := func(f func(*kit.EniAttachment) string) func(*kit.NetworkInterfaceRecord) []string {
		return func(e *kit.NetworkInterfaceRecord) []string {
			if e.Attachment == nil {
				return nil
			}
			return []string{f(e.Attachment)}
		}
	}
	ips := func(f func(kit.PrivateIP) (string, bool)) func(*kit.NetworkInterfaceRecord) []string {
		return func(e *kit.NetworkInterfaceRecord) []string {
			var out []string
			for _, p := range e.PrivateIPs {
				if v, ok := f(p); ok {
					out = append(out, v)
				}
			}
			return out
		}
	}
	primaryAssoc := func(f func(*kit.IpAssociation) string) func(*kit.NetworkInterfaceRecord) []string {
		return func(e *kit.NetworkInterfaceRecord) []string {
			if p := e.PrimaryIP(); p != nil && p.Association != nil && f(p.Association) != "" {
				return []string{f(p.Association)}
			}
			return nil
		}
	}
	addr := ips(func(p kit.PrivateIP) (string, bool) { return p.Addr.String(), true })
	primary := one(func(e *kit.NetworkInterfaceRecord) string {
		if p := e.PrimaryIP(); p != nil {
			return p.Addr.String()
		}
		return ""
	})
	return map[string]func(*kit.NetworkInterfaceRecord) []string{
		"addresses.private-ip-address": addr,
		"addresses.primary":            ips(func(p kit.PrivateIP) (string, bool) { return kit.BoolString(p.Primary), true }),
		"addresses.association.public-ip": ips(func(p kit.PrivateIP) (string, bool) {
			if p.Association == nil {
				return "", false
			}
			return p.Association.PublicIP.String(), true
		}),
		"addresses.association.owner-id": ips(func(p kit.PrivateIP) (string, bool) {
			if p.Association == nil {
				return "", false
			}
			return p.Association.Owner, true
		}),
		"association.allocation-id":        primaryAssoc(func(a *kit.IpAssociation) string { return a.AllocationID }),
		"association.association-id":       primaryAssoc(func(a *kit.IpAssociation) string { return a.AssociationID }),
		"association.ip-owner-id":          primaryAssoc(func(a *kit.IpAssociation) string { return a.Owner }),
		"association.public-ip":            primaryAssoc(func(a *kit.IpAssociation) string { return a.PublicIP.String() }),
		"attachment.attachment-id":         attached(func(a *kit.EniAttachment) string { return a.ID }),
		"attachment.attach-time":           attached(func(a *kit.EniAttachment) string { return a.AttachTime.UTC().Format(time.RFC3339) }),
		"attachment.delete-on-termination": attached(func(a *kit.EniAttachment) string { return kit.BoolString(a.DeleteOnTermination) }),
		"attachment.device-index":          attached(func(a *kit.EniAttachment) string { return strconv.Itoa(int(a.DeviceIndex)) }),
		"attachment.instance-id":           attached(func(a *kit.EniAttachment) string { return a.InstanceID }),
		"attachment.instance-owner-id":     attached(func(a *kit.EniAttachment) string { return a.InstanceOwner }),
		"attachment.status":                attached(func(a *kit.EniAttachment) string { return a.Status }),
		"availability-zone":                one(func(e *kit.NetworkInterfaceRecord) string { return e.AvailabilityZone }),
		"description":                      one(func(e *kit.NetworkInterfaceRecord) string { return e.Description }),
		"group-id":                         func(e *kit.NetworkInterfaceRecord) []string { return e.Groups },
		"group-name": func(e *kit.NetworkInterfaceRecord) []string {
			out := make([]string, 0, len(e.Groups))
			for _, id := range e.Groups {
				out = append(out, groupName(id))
			}
			return out
		},
		"interface-type": one(func(e *kit.NetworkInterfaceRecord) string { return e.InterfaceType }),
		"ipv6-addresses.ipv6-address": func(e *kit.NetworkInterfaceRecord) []string {
			return kit.Collect(e.Ipv6Addresses, func(a netip.Addr) string { return a.String() })
		},
		"mac-address":          one(func(e *kit.NetworkInterfaceRecord) string { return e.MacAddress }),
		"network-interface-id": one(func(e *kit.NetworkInterfaceRecord) string { return e.ID }),
		"owner-id":             one(func(e *kit.NetworkInterfaceRecord) string { return e.Owner }),
		"private-ip-address":   primary,
		"private-dns-name": func(e *kit.NetworkInterfaceRecord) []string {
			if p := e.PrimaryIP(); p != nil {
				return []string{kit.PrivateDNSName(region, p.Addr)}
			}
			return nil
		},
		"requester-id":      one(func(e *kit.NetworkInterfaceRecord) string { return e.RequesterID }),
		"requester-managed": one(func(e *kit.NetworkInterfaceRecord) string { return kit.BoolString(e.RequesterManaged) }),
		"source-dest-check": one(func(e *kit.NetworkInterfaceRecord) string { return kit.BoolString(e.SourceDestCheck) }),
		"status":            one((*kit.NetworkInterfaceRecord).Status),
		"subnet-id":         one(func(e *kit.NetworkInterfaceRecord) string { return e.SubnetID }),
		"vpc-id":            one(func(e *kit.NetworkInterfaceRecord) string { return e.VpcID }),
	}
}

// DescribeNetworkInterfaces lists the caller's network interfaces.
func (s *Compute) DescribeNetworkInterfaces(ctx context.Context, c kit.Caller, in *ec2.DescribeNetworkInterfacesRequest) (*ec2.DescribeNetworkInterfacesResult, error) {
	if len(in.NetworkInterfaceIds) > 0 && in.MaxResults != nil {
		return nil, ec2.ErrInvalidParameterCombination("The parameter NetworkInterfaceIds cannot be used with the parameter maxResults")
	}
	out := &ec2.DescribeNetworkInterfacesResult{NetworkInterfaces: []ec2.NetworkInterface{}}
	err := s.View(ctx, func(t *kit.Txn) error {
		r := newRenderer(t, c)
		enis, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "eni", IDs: in.NetworkInterfaceIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, interfaceFilters(c.Region, r.GroupName))
		if err != nil {
			return err
		}
		out.NextToken = next
		for _, e := range enis {
			out.NetworkInterfaces = append(out.NetworkInterfaces, e.EC2(r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateNetworkInterface creates a detached interface in a subnet, in the VPC's default
// security group unless groups are named.
func (s *Compute) CreateNetworkInterface(ctx context.Context, c kit.Caller, in *ec2.CreateNetworkInterfaceRequest) (*ec2.CreateNetworkInterfaceResult, error) {
	if in.SubnetId == nil {
		return nil, ec2.ErrMissingParameter("SubnetId")
	}
	if it := kit.Deref(in.InterfaceType); it != "" && it != "interface" {
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter InterfaceType is invalid.", it)
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "network-interface")
	if err != nil {
		return nil, err
	}
	sp := &interfaceSpec{description: kit.Deref(in.Description), primaryIP: kit.Deref(in.PrivateIpAddress), tags: tags}
	for _, p := range in.PrivateIpAddresses {
		a := kit.Deref(p.PrivateIpAddress)
		switch {
		case a == "":
			return nil, ec2.ErrMissingParameter("PrivateIpAddresses.PrivateIpAddress")
		case !kit.Deref(p.Primary):
			sp.secondaryIPs = append(sp.secondaryIPs, a)
		case sp.primaryIP != "" && sp.primaryIP != a:
			return nil, ec2.ErrInvalidParameterValue("Multiple primary IPs specified.")
		default:
			sp.primaryIP = a
		}
	}
	if n := kit.Deref(in.SecondaryPrivateIpAddressCount); n < 0 {
		return nil, ec2.ErrInvalidParameterValue("Invalid value '%d' for SecondaryPrivateIpAddressCount.", n)
	} else {
		sp.secondaryCount = int(n)
	}
	if sp.addresses() > maxIPv4PerInterface {
		return nil, errPrivateIPLimit()
	}
	if sp.ipv6Addrs, sp.ipv6Count, err = ipv6Request(instanceIPv6(in.Ipv6Addresses), in.Ipv6AddressCount); err != nil {
		return nil, err
	}
	var e *kit.NetworkInterfaceRecord
	err = s.Update(ctx, func(t *kit.Txn) error {
		sn, err := kit.Get[kit.SubnetRecord](t, c, "subnet", *in.SubnetId)
		if err != nil {
			return err
		}
		vpc, err := kit.Get[kit.VpcRecord](t, c, "vpc", sn.VpcID)
		if err != nil {
			return err
		}
		sp.subnet = sn
		sp.defaultIPv6(in.Ipv6AddressCount == nil)
		if err := sp.checkIPv6Only(); err != nil {
			return err
		}
		if sp.groups, err = s.resolveGroups(t, c, vpc, sn.ID, in.Groups, nil); err != nil {
			return err
		}
		alloc, err := kit.NewSubnetAllocator(t, c, sn)
		if err != nil {
			return err
		}
		if alloc.Free() < sp.addresses() {
			return ec2.ErrInsufficientFreeAddressesInSubnet("There are not enough free addresses in subnet '%s' to satisfy the requested number of addresses.", sn.ID)
		}
		if e, err = s.addInterface(t, c, alloc, sp, "", s.Now()); err != nil {
			return err
		}
		return kit.RecountSubnet(t, c, sn.ID)
	})
	if err != nil {
		return nil, err
	}
	out := &ec2.CreateNetworkInterfaceResult{ClientToken: in.ClientToken}
	err = s.View(ctx, func(t *kit.Txn) error {
		ni := e.EC2(newRenderer(t, c))
		ni.Status = kit.Ptr("pending")
		out.NetworkInterface = &ni
		return nil
	})
	return out, err
}

// DeleteNetworkInterface deletes a detached interface; its Elastic IPs are disassociated
// and its addresses return to the subnet.
func (s *Compute) DeleteNetworkInterface(ctx context.Context, c kit.Caller, in *ec2.DeleteNetworkInterfaceRequest) error {
	return s.Update(ctx, func(t *kit.Txn) error {
		e, err := kit.Get[kit.NetworkInterfaceRecord](t, c, "eni", kit.Deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		if e.Attachment != nil {
			return ec2.ErrInvalidNetworkInterfaceInUse("The network interface '%s' is currently in use.", e.ID)
		}
		if e.RequesterManaged {
			return ec2.ErrOperationNotPermitted("You are not allowed to manage '%s' attachments.", e.ID)
		}
		e.ReleasePublicIPs(t, c)
		t.Del(c.Key(e.ID))
		return kit.RecountSubnet(t, c, e.SubnetID)
	})
}

// AttachNetworkInterface attaches a detached interface to an instance of its zone and VPC
// at a free device index, within the instance type's interface limit. The interface keeps
// its addresses, MAC and Elastic IPs.
func (s *Compute) AttachNetworkInterface(ctx context.Context, c kit.Caller, in *ec2.AttachNetworkInterfaceRequest) (*ec2.AttachNetworkInterfaceResult, error) {
	if in.DeviceIndex == nil {
		return nil, ec2.ErrMissingParameter("DeviceIndex")
	}
	if in.InstanceId == nil {
		return nil, ec2.ErrMissingParameter("InstanceId")
	}
	if nc := kit.Deref(in.NetworkCardIndex); nc != 0 {
		return nil, ec2.ErrInvalidParameterValue("Invalid value '%d' for NetworkCardIndex. The instance type supports 1 network card.", nc)
	}
	index := *in.DeviceIndex
	attachmentID := kit.NewID("eni-attach")
	err := s.Update(ctx, func(t *kit.Txn) error {
		e, err := getManagedByCaller(t, c, kit.Deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		inst, err := kit.Get[kit.InstanceRecord](t, c, "i", *in.InstanceId)
		if err != nil {
			return err
		}
		if inst.State == "terminated" {
			return ec2.ErrIncorrectInstanceState("The instance '%s' is not in a valid state for this operation.", inst.ID)
		}
		if e.Attachment != nil {
			return ec2.ErrInvalidNetworkInterfaceInUse("Interface: [%s] in use.", e.ID)
		}
		if e.AvailabilityZone != inst.AvailabilityZone {
			return ec2.ErrInvalidParameterCombination("You may not attach a network interface to an instance if they are not in the same availability zone")
		}
		if e.VpcID != inst.VpcID {
			return ec2.ErrInvalidParameterValue("The network interface %s and the instance %s belong to different networks.", e.ID, inst.ID)
		}
		if index < 0 {
			return ec2.ErrInvalidParameterValue("Invalid value '%d' for DeviceIndex.", index)
		}
		indexes := make([]int32, 0, len(inst.ENIs))
		for _, id := range inst.ENIs {
			other, err := kit.Get[kit.NetworkInterfaceRecord](t, c, "eni", id)
			if err != nil {
				return err
			}
			idx := other.Attachment.DeviceIndex
			if idx == index {
				return ec2.ErrInvalidParameterValue("Instance '%s' already has an interface attached at device index '%d'.", inst.ID, index)
			}
			indexes = append(indexes, idx)
		}
		typ, err := lookupInstanceType(inst.InstanceType)
		if err != nil {
			return err
		}
		if len(inst.ENIs)+1 > typ.MaxInterfaces {
			return ec2.ErrAttachmentLimitExceeded("Interface count %d exceeds the limit for %s", len(inst.ENIs)+1, inst.InstanceType)
		}
		if len(e.PrivateIPs) > typ.IPv4PerENI {
			return errPrivateIPLimit()
		}
		if err := checkIPv6OnlyType(typ, inIPv6OnlySubnet(e)); err != nil {
			return err
		}
		// The instance lists its interfaces in device order.
		at := 0
		for at < len(indexes) && indexes[at] < index {
			at++
		}
		inst.ENIs = slices.Insert(inst.ENIs, at, e.ID)
		e.Attachment = &kit.EniAttachment{ID: attachmentID, InstanceID: inst.ID, InstanceOwner: c.Account, DeviceIndex: index, Status: "attached", AttachTime: s.Now()}
		if err := t.Put(c.Key(e.ID), e); err != nil {
			return err
		}
		return t.Put(c.Key(inst.ID), inst)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.AttachNetworkInterfaceResult{AttachmentId: kit.Ptr(attachmentID), NetworkCardIndex: kit.Ptr(int32(0))}, nil
}

// interfaceByAttachment finds the caller's interface with the attachment.
func interfaceByAttachment(t *kit.Txn, c kit.Caller, attachmentID string) (*kit.NetworkInterfaceRecord, error) {
	if !kit.ValidID(attachmentID, "eni-attach") {
		return nil, ec2.ErrInvalidNetworkInterfaceAttachmentIdMalformed("Invalid id: \"%s\" (expecting \"eni-attach-...\")", attachmentID)
	}
	all, err := kit.ListAll[kit.NetworkInterfaceRecord](t, c.Prefix("eni"))
	if err != nil {
		return nil, err
	}
	for _, e := range all {
		if e.Attachment != nil && e.Attachment.ID == attachmentID {
			return e, nil
		}
	}
	return nil, ec2.ErrInvalidAttachmentIDNotFound("The attachment ID '%s' does not exist", attachmentID)
}

// DetachNetworkInterface detaches a secondary interface from its instance; the primary
// one (device index 0) stays until the instance terminates.
func (s *Compute) DetachNetworkInterface(ctx context.Context, c kit.Caller, in *ec2.DetachNetworkInterfaceRequest) error {
	if in.AttachmentId == nil {
		return ec2.ErrMissingParameter("AttachmentId")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		e, err := interfaceByAttachment(t, c, *in.AttachmentId)
		if err != nil {
			return err
		}
		if e.Attachment.DeviceIndex == 0 {
			return ec2.ErrOperationNotPermitted("The network interface at device index 0 cannot be detached.")
		}
		inst := new(kit.InstanceRecord)
		found, err := t.Get(c.Key(e.Attachment.InstanceID), inst)
		if err != nil {
			return err
		}
		if found {
			inst.ENIs = slices.DeleteFunc(inst.ENIs, func(id string) bool { return id == e.ID })
			if err := t.Put(c.Key(inst.ID), inst); err != nil {
				return err
			}
		}
		e.Attachment = nil
		return t.Put(c.Key(e.ID), e)
	})
}
