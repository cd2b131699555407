package control

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"vpcd/internal/ec2"
)

func (e *networkInterfaceRecord) status() string {
	if e.Attachment != nil || e.RequesterManaged {
		return "in-use"
	}
	return "available"
}

// getManagedByCaller reads an interface that the caller may change: not one that AWS
// manages for a service, such as a NAT gateway's.
func getManagedByCaller(t *txn, c Caller, id string) (*networkInterfaceRecord, error) {
	e, err := get[networkInterfaceRecord](t, c, "eni", id)
	if err == nil && e.RequesterManaged {
		return nil, ec2.ErrOperationNotPermitted("You are not allowed to manage '%s' attachments.", e.ID)
	}
	return e, err
}

// primaryIP is the interface's primary private address.
func (e *networkInterfaceRecord) primaryIP() *privateIP {
	for i := range e.PrivateIPs {
		if e.PrivateIPs[i].Primary {
			return &e.PrivateIPs[i]
		}
	}
	return nil
}

// releasePublicIPs drops the interface's public addresses from Amazon's pool (not its
// Elastic IPs), as stopping or terminating an instance does.
func (e *networkInterfaceRecord) releasePublicIPs(t *txn, c Caller) {
	for i := range e.PrivateIPs {
		if as := e.PrivateIPs[i].Association; as != nil && as.Owner == "amazon" {
			releasePublicIP(t, c, as.PublicIP)
			e.PrivateIPs[i].Association = nil
		}
	}
}

// interfaceSpec is what a new interface gets: its subnet, groups and addresses.
type interfaceSpec struct {
	subnet              *subnetRecord
	groups              []string
	description         string
	primaryIP           string   // requested, or "" for the lowest free
	secondaryIPs        []string // requested secondary addresses
	secondaryCount      int      // more secondary addresses, picked
	deviceIndex         int32
	deleteOnTermination bool
	publicIP            bool
	tags                map[string]string
}

// addresses is how many private addresses the interface takes.
func (sp *interfaceSpec) addresses() int { return 1 + len(sp.secondaryIPs) + sp.secondaryCount }

// addInterface stores a new interface attached to an instance, its addresses taken from
// alloc; the caller rewrites the subnet (recountSubnet).
func (s *Service) addInterface(t *txn, c Caller, alloc *subnetAllocator, sp *interfaceSpec, instanceID string, now time.Time) (*networkInterfaceRecord, error) {
	sn := sp.subnet
	e := &networkInterfaceRecord{
		meta:               meta{ID: newID("eni"), Owner: c.Account, Tags: sp.tags},
		SubnetID:           sn.ID,
		VpcID:              sn.VpcID,
		AvailabilityZone:   sn.AvailabilityZone,
		AvailabilityZoneID: sn.AvailabilityZoneID,
		Groups:             sp.groups,
		MacAddress:         newMacAddress(),
		Description:        sp.description,
		SourceDestCheck:    true,
		InterfaceType:      "interface",
		AutoPublicIP:       sp.publicIP,
	}
	var primary netip.Addr
	var err error
	if sp.primaryIP != "" {
		primary, err = alloc.take(sp.primaryIP)
	} else {
		primary, err = alloc.next()
	}
	if err != nil {
		return nil, err
	}
	e.PrivateIPs = append(e.PrivateIPs, privateIP{Addr: primary, Primary: true})
	for _, ip := range sp.secondaryIPs {
		a, err := alloc.take(ip)
		if err != nil {
			return nil, err
		}
		e.PrivateIPs = append(e.PrivateIPs, privateIP{Addr: a})
	}
	for range sp.secondaryCount {
		a, err := alloc.next()
		if err != nil {
			return nil, err
		}
		e.PrivateIPs = append(e.PrivateIPs, privateIP{Addr: a})
	}
	if instanceID != "" {
		e.Attachment = &eniAttachment{
			ID:                  newID("eni-attach"),
			InstanceID:          instanceID,
			InstanceOwner:       c.Account,
			DeviceIndex:         sp.deviceIndex,
			Status:              "attached",
			DeleteOnTermination: sp.deleteOnTermination,
			AttachTime:          now,
		}
	}
	if sp.publicIP {
		a, err := s.allocatePublicIP(t, c, e.ID)
		if err != nil {
			return nil, err
		}
		e.PrivateIPs[0].Association = &ipAssociation{PublicIP: a, Owner: "amazon"}
	}
	return e, t.put(c.key(e.ID), e)
}

// renderer reads what the EC2 shapes of instances and interfaces name besides the record
// itself: group names and whether the VPC gives DNS hostnames.
type renderer struct {
	t      *txn
	c      Caller
	groups map[string]*securityGroupRecord
	vpcs   map[string]*vpcRecord
	enis   map[string]*networkInterfaceRecord
}

func newRenderer(t *txn, c Caller) *renderer {
	return &renderer{t: t, c: c, groups: map[string]*securityGroupRecord{}, vpcs: map[string]*vpcRecord{}, enis: map[string]*networkInterfaceRecord{}}
}

func (r *renderer) groupName(id string) string {
	g, ok := r.groups[id]
	if !ok {
		g = new(securityGroupRecord)
		if found, err := r.t.get(r.c.key(id), g); err != nil || !found {
			g = nil
		}
		r.groups[id] = g
	}
	if g == nil {
		return ""
	}
	return g.Name
}

func (r *renderer) groupIdentifiers(ids []string) []ec2.GroupIdentifier {
	out := make([]ec2.GroupIdentifier, 0, len(ids))
	for _, id := range ids {
		out = append(out, ec2.GroupIdentifier{GroupId: ptr(id), GroupName: ptr(r.groupName(id))})
	}
	return out
}

func (r *renderer) dnsHostnames(vpcID string) bool {
	v, ok := r.vpcs[vpcID]
	if !ok {
		v = new(vpcRecord)
		if found, err := r.t.get(r.c.key(vpcID), v); err != nil || !found {
			v = nil
		}
		r.vpcs[vpcID] = v
	}
	return v != nil && v.DNSHostnames
}

// publicDNS is the public name of an address in the VPC: none without DNS hostnames.
func (r *renderer) publicDNS(vpcID string, as *ipAssociation) string {
	if as == nil || !r.dnsHostnames(vpcID) {
		return ""
	}
	return publicDNSName(r.c.Region, as.PublicIP)
}

func (e *networkInterfaceRecord) association(r *renderer, as *ipAssociation) *ec2.NetworkInterfaceAssociation {
	if as == nil {
		return nil
	}
	out := &ec2.NetworkInterfaceAssociation{
		IpOwnerId:     ptr(as.Owner),
		PublicIp:      ptr(as.PublicIP.String()),
		PublicDnsName: ptr(r.publicDNS(e.VpcID, as)),
	}
	if as.AllocationID != "" {
		out.AllocationId, out.AssociationId = ptr(as.AllocationID), ptr(as.AssociationID)
	}
	return out
}

func (e *networkInterfaceRecord) ec2(r *renderer) ec2.NetworkInterface {
	out := ec2.NetworkInterface{
		NetworkInterfaceId: ptr(e.ID),
		SubnetId:           ptr(e.SubnetID),
		VpcId:              ptr(e.VpcID),
		AvailabilityZone:   ptr(e.AvailabilityZone),
		AvailabilityZoneId: ptr(e.AvailabilityZoneID),
		Description:        ptr(e.Description),
		Groups:             r.groupIdentifiers(e.Groups),
		InterfaceType:      ptr(e.InterfaceType),
		Ipv6Addresses:      []ec2.NetworkInterfaceIpv6Address{},
		MacAddress:         ptr(e.MacAddress),
		OwnerId:            ptr(e.Owner),
		RequesterManaged:   ptr(e.RequesterManaged),
		SourceDestCheck:    ptr(e.SourceDestCheck),
		Status:             ptr(e.status()),
		TagSet:             e.ec2Tags(),
		Ipv6Native:         ptr(false),
		DenyAllIgwTraffic:  ptr(false),
	}
	if e.RequesterID != "" {
		out.RequesterId = ptr(e.RequesterID)
	}
	for _, a := range e.Ipv6Addresses {
		out.Ipv6Addresses = append(out.Ipv6Addresses, ec2.NetworkInterfaceIpv6Address{Ipv6Address: ptr(a.String())})
	}
	for _, p := range e.PrivateIPs {
		out.PrivateIpAddresses = append(out.PrivateIpAddresses, ec2.NetworkInterfacePrivateIpAddress{
			Association:      e.association(r, p.Association),
			Primary:          ptr(p.Primary),
			PrivateDnsName:   ptr(privateDNSName(r.c.Region, p.Addr)),
			PrivateIpAddress: ptr(p.Addr.String()),
		})
	}
	if p := e.primaryIP(); p != nil {
		out.PrivateIpAddress = ptr(p.Addr.String())
		out.PrivateDnsName = ptr(privateDNSName(r.c.Region, p.Addr))
		out.Association = e.association(r, p.Association)
	}
	if a := e.Attachment; a != nil {
		out.Attachment = &ec2.NetworkInterfaceAttachment{
			AttachTime:          ptr(a.AttachTime),
			AttachmentId:        ptr(a.ID),
			DeleteOnTermination: ptr(a.DeleteOnTermination),
			DeviceIndex:         ptr(a.DeviceIndex),
			NetworkCardIndex:    ptr(int32(0)),
			InstanceId:          ptr(a.InstanceID),
			InstanceOwnerId:     ptr(a.InstanceOwner),
			Status:              ptr(a.Status),
		}
	}
	return out
}

// interfaceFilters gives, for each filter DescribeNetworkInterfaces documents, the
// interface's values. groupName resolves group-name; the names ending in -id, which the
// cache indexes, use only the record.
func interfaceFilters(region string, groupName func(id string) string) map[string]func(*networkInterfaceRecord) []string {
	one := func(f func(*networkInterfaceRecord) string) func(*networkInterfaceRecord) []string {
		return func(e *networkInterfaceRecord) []string { return []string{f(e)} }
	}
	attached := func(f func(*eniAttachment) string) func(*networkInterfaceRecord) []string {
		return func(e *networkInterfaceRecord) []string {
			if e.Attachment == nil {
				return nil
			}
			return []string{f(e.Attachment)}
		}
	}
	ips := func(f func(privateIP) (string, bool)) func(*networkInterfaceRecord) []string {
		return func(e *networkInterfaceRecord) []string {
			var out []string
			for _, p := range e.PrivateIPs {
				if v, ok := f(p); ok {
					out = append(out, v)
				}
			}
			return out
		}
	}
	primaryAssoc := func(f func(*ipAssociation) string) func(*networkInterfaceRecord) []string {
		return func(e *networkInterfaceRecord) []string {
			if p := e.primaryIP(); p != nil && p.Association != nil && f(p.Association) != "" {
				return []string{f(p.Association)}
			}
			return nil
		}
	}
	addr := ips(func(p privateIP) (string, bool) { return p.Addr.String(), true })
	primary := one(func(e *networkInterfaceRecord) string {
		if p := e.primaryIP(); p != nil {
			return p.Addr.String()
		}
		return ""
	})
	return map[string]func(*networkInterfaceRecord) []string{
		"addresses.private-ip-address": addr,
		"addresses.primary":            ips(func(p privateIP) (string, bool) { return boolString(p.Primary), true }),
		"addresses.association.public-ip": ips(func(p privateIP) (string, bool) {
			if p.Association == nil {
				return "", false
			}
			return p.Association.PublicIP.String(), true
		}),
		"addresses.association.owner-id": ips(func(p privateIP) (string, bool) {
			if p.Association == nil {
				return "", false
			}
			return p.Association.Owner, true
		}),
		"association.allocation-id":        primaryAssoc(func(a *ipAssociation) string { return a.AllocationID }),
		"association.association-id":       primaryAssoc(func(a *ipAssociation) string { return a.AssociationID }),
		"association.ip-owner-id":          primaryAssoc(func(a *ipAssociation) string { return a.Owner }),
		"association.public-ip":            primaryAssoc(func(a *ipAssociation) string { return a.PublicIP.String() }),
		"attachment.attachment-id":         attached(func(a *eniAttachment) string { return a.ID }),
		"attachment.attach-time":           attached(func(a *eniAttachment) string { return a.AttachTime.UTC().Format(time.RFC3339) }),
		"attachment.delete-on-termination": attached(func(a *eniAttachment) string { return boolString(a.DeleteOnTermination) }),
		"attachment.device-index":          attached(func(a *eniAttachment) string { return strconv.Itoa(int(a.DeviceIndex)) }),
		"attachment.instance-id":           attached(func(a *eniAttachment) string { return a.InstanceID }),
		"attachment.instance-owner-id":     attached(func(a *eniAttachment) string { return a.InstanceOwner }),
		"attachment.status":                attached(func(a *eniAttachment) string { return a.Status }),
		"availability-zone":                one(func(e *networkInterfaceRecord) string { return e.AvailabilityZone }),
		"description":                      one(func(e *networkInterfaceRecord) string { return e.Description }),
		"group-id":                         func(e *networkInterfaceRecord) []string { return e.Groups },
		"group-name": func(e *networkInterfaceRecord) []string {
			out := make([]string, 0, len(e.Groups))
			for _, id := range e.Groups {
				out = append(out, groupName(id))
			}
			return out
		},
		"interface-type": one(func(e *networkInterfaceRecord) string { return e.InterfaceType }),
		"ipv6-addresses.ipv6-address": func(e *networkInterfaceRecord) []string {
			return collect(e.Ipv6Addresses, func(a netip.Addr) string { return a.String() })
		},
		"mac-address":          one(func(e *networkInterfaceRecord) string { return e.MacAddress }),
		"network-interface-id": one(func(e *networkInterfaceRecord) string { return e.ID }),
		"owner-id":             one(func(e *networkInterfaceRecord) string { return e.Owner }),
		"private-ip-address":   primary,
		"private-dns-name": func(e *networkInterfaceRecord) []string {
			if p := e.primaryIP(); p != nil {
				return []string{privateDNSName(region, p.Addr)}
			}
			return nil
		},
		"requester-id":      one(func(e *networkInterfaceRecord) string { return e.RequesterID }),
		"requester-managed": one(func(e *networkInterfaceRecord) string { return boolString(e.RequesterManaged) }),
		"source-dest-check": one(func(e *networkInterfaceRecord) string { return boolString(e.SourceDestCheck) }),
		"status":            one((*networkInterfaceRecord).status),
		"subnet-id":         one(func(e *networkInterfaceRecord) string { return e.SubnetID }),
		"vpc-id":            one(func(e *networkInterfaceRecord) string { return e.VpcID }),
	}
}

// DescribeNetworkInterfaces lists the caller's network interfaces.
func (s *Service) DescribeNetworkInterfaces(ctx context.Context, c Caller, in *ec2.DescribeNetworkInterfacesRequest) (*ec2.DescribeNetworkInterfacesResult, error) {
	if len(in.NetworkInterfaceIds) > 0 && in.MaxResults != nil {
		return nil, ec2.ErrInvalidParameterCombination("The parameter NetworkInterfaceIds cannot be used with the parameter maxResults")
	}
	out := &ec2.DescribeNetworkInterfacesResult{NetworkInterfaces: []ec2.NetworkInterface{}}
	err := s.view(ctx, func(t *txn) error {
		r := newRenderer(t, c)
		enis, next, err := describe(ctx, s, c, describeQuery{Kind: "eni", IDs: in.NetworkInterfaceIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, interfaceFilters(c.Region, r.groupName))
		if err != nil {
			return err
		}
		out.NextToken = next
		for _, e := range enis {
			out.NetworkInterfaces = append(out.NetworkInterfaces, e.ec2(r))
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
func (s *Service) CreateNetworkInterface(ctx context.Context, c Caller, in *ec2.CreateNetworkInterfaceRequest) (*ec2.CreateNetworkInterfaceResult, error) {
	if in.SubnetId == nil {
		return nil, ec2.ErrMissingParameter("SubnetId")
	}
	if it := deref(in.InterfaceType); it != "" && it != "interface" {
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter InterfaceType is invalid.", it)
	}
	tags, err := tagsOnCreate(in.TagSpecifications, "network-interface")
	if err != nil {
		return nil, err
	}
	sp := &interfaceSpec{description: deref(in.Description), primaryIP: deref(in.PrivateIpAddress), tags: tags}
	for _, p := range in.PrivateIpAddresses {
		a := deref(p.PrivateIpAddress)
		switch {
		case a == "":
			return nil, ec2.ErrMissingParameter("PrivateIpAddresses.PrivateIpAddress")
		case !deref(p.Primary):
			sp.secondaryIPs = append(sp.secondaryIPs, a)
		case sp.primaryIP != "" && sp.primaryIP != a:
			return nil, ec2.ErrInvalidParameterValue("Multiple primary IPs specified.")
		default:
			sp.primaryIP = a
		}
	}
	if n := deref(in.SecondaryPrivateIpAddressCount); n < 0 {
		return nil, ec2.ErrInvalidParameterValue("Invalid value '%d' for SecondaryPrivateIpAddressCount.", n)
	} else {
		sp.secondaryCount = int(n)
	}
	if sp.addresses() > maxIPv4PerInterface {
		return nil, errPrivateIPLimit()
	}
	var e *networkInterfaceRecord
	err = s.update(ctx, func(t *txn) error {
		sn, err := get[subnetRecord](t, c, "subnet", *in.SubnetId)
		if err != nil {
			return err
		}
		vpc, err := get[vpcRecord](t, c, "vpc", sn.VpcID)
		if err != nil {
			return err
		}
		sp.subnet = sn
		if sp.groups, err = s.resolveGroups(t, c, vpc, sn.ID, in.Groups, nil); err != nil {
			return err
		}
		alloc, err := newSubnetAllocator(t, c, sn)
		if err != nil {
			return err
		}
		if alloc.free() < sp.addresses() {
			return ec2.ErrInsufficientFreeAddressesInSubnet("There are not enough free addresses in subnet '%s' to satisfy the requested number of addresses.", sn.ID)
		}
		if e, err = s.addInterface(t, c, alloc, sp, "", s.now()); err != nil {
			return err
		}
		return recountSubnet(t, c, sn.ID)
	})
	if err != nil {
		return nil, err
	}
	out := &ec2.CreateNetworkInterfaceResult{ClientToken: in.ClientToken}
	err = s.view(ctx, func(t *txn) error {
		ni := e.ec2(newRenderer(t, c))
		ni.Status = ptr("pending")
		out.NetworkInterface = &ni
		return nil
	})
	return out, err
}

// DeleteNetworkInterface deletes a detached interface; its Elastic IPs are disassociated
// and its addresses return to the subnet.
func (s *Service) DeleteNetworkInterface(ctx context.Context, c Caller, in *ec2.DeleteNetworkInterfaceRequest) error {
	return s.update(ctx, func(t *txn) error {
		e, err := get[networkInterfaceRecord](t, c, "eni", deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		if e.Attachment != nil {
			return ec2.ErrInvalidNetworkInterfaceInUse("The network interface '%s' is currently in use.", e.ID)
		}
		if e.RequesterManaged {
			return ec2.ErrOperationNotPermitted("You are not allowed to manage '%s' attachments.", e.ID)
		}
		e.releasePublicIPs(t, c)
		t.del(c.key(e.ID))
		return recountSubnet(t, c, e.SubnetID)
	})
}

// AttachNetworkInterface attaches a detached interface to an instance of its zone and VPC
// at a free device index, within the instance type's interface limit. The interface keeps
// its addresses, MAC and Elastic IPs.
func (s *Service) AttachNetworkInterface(ctx context.Context, c Caller, in *ec2.AttachNetworkInterfaceRequest) (*ec2.AttachNetworkInterfaceResult, error) {
	if in.DeviceIndex == nil {
		return nil, ec2.ErrMissingParameter("DeviceIndex")
	}
	if in.InstanceId == nil {
		return nil, ec2.ErrMissingParameter("InstanceId")
	}
	if nc := deref(in.NetworkCardIndex); nc != 0 {
		return nil, ec2.ErrInvalidParameterValue("Invalid value '%d' for NetworkCardIndex. The instance type supports 1 network card.", nc)
	}
	index := *in.DeviceIndex
	attachmentID := newID("eni-attach")
	err := s.update(ctx, func(t *txn) error {
		e, err := getManagedByCaller(t, c, deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		inst, err := get[instanceRecord](t, c, "i", *in.InstanceId)
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
			other, err := get[networkInterfaceRecord](t, c, "eni", id)
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
		// The instance lists its interfaces in device order.
		at := 0
		for at < len(indexes) && indexes[at] < index {
			at++
		}
		inst.ENIs = slices.Insert(inst.ENIs, at, e.ID)
		e.Attachment = &eniAttachment{ID: attachmentID, InstanceID: inst.ID, InstanceOwner: c.Account, DeviceIndex: index, Status: "attached", AttachTime: s.now()}
		if err := t.put(c.key(e.ID), e); err != nil {
			return err
		}
		return t.put(c.key(inst.ID), inst)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.AttachNetworkInterfaceResult{AttachmentId: ptr(attachmentID), NetworkCardIndex: ptr(int32(0))}, nil
}

// interfaceByAttachment finds the caller's interface with the attachment.
func interfaceByAttachment(t *txn, c Caller, attachmentID string) (*networkInterfaceRecord, error) {
	if !validID(attachmentID, "eni-attach") {
		return nil, ec2.ErrInvalidNetworkInterfaceAttachmentIdMalformed("Invalid id: \"%s\" (expecting \"eni-attach-...\")", attachmentID)
	}
	all, err := listAll[networkInterfaceRecord](t, c.prefix("eni"))
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
func (s *Service) DetachNetworkInterface(ctx context.Context, c Caller, in *ec2.DetachNetworkInterfaceRequest) error {
	if in.AttachmentId == nil {
		return ec2.ErrMissingParameter("AttachmentId")
	}
	return s.update(ctx, func(t *txn) error {
		e, err := interfaceByAttachment(t, c, *in.AttachmentId)
		if err != nil {
			return err
		}
		if e.Attachment.DeviceIndex == 0 {
			return ec2.ErrOperationNotPermitted("The network interface at device index 0 cannot be detached.")
		}
		inst := new(instanceRecord)
		found, err := t.get(c.key(e.Attachment.InstanceID), inst)
		if err != nil {
			return err
		}
		if found {
			inst.ENIs = slices.DeleteFunc(inst.ENIs, func(id string) bool { return id == e.ID })
			if err := t.put(c.key(inst.ID), inst); err != nil {
				return err
			}
		}
		e.Attachment = nil
		return t.put(c.key(e.ID), e)
	})
}
