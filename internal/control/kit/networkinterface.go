package kit

import (
	"vpcd/internal/ec2"
)

func (e *NetworkInterfaceRecord) Status() string {
	if e.Attachment != nil || e.RequesterManaged {
		return "in-use"
	}
	return "available"
}

// PrimaryIP is the interface's primary private address.
func (e *NetworkInterfaceRecord) PrimaryIP() *PrivateIP {
	for i := range e.PrivateIPs {
		if e.PrivateIPs[i].Primary {
			return &e.PrivateIPs[i]
		}
	}
	return nil
}

// ReleasePublicIPs drops the interface's public addresses from Amazon's pool (not its
// Elastic IPs), as stopping or terminating an instance does.
func (e *NetworkInterfaceRecord) ReleasePublicIPs(t *Txn, c Caller) {
	for i := range e.PrivateIPs {
		if as := e.PrivateIPs[i].Association; as != nil && as.Owner == "amazon" {
			ReleasePublicIP(t, c, as.PublicIP)
			e.PrivateIPs[i].Association = nil
		}
	}
}

// Renderer reads what the EC2 shapes of instances and interfaces name besides the record
// itself: group names and whether the VPC gives DNS hostnames.
type Renderer struct {
	T      *Txn
	C      Caller
	Groups map[string]*SecurityGroupRecord
	Vpcs   map[string]*VpcRecord
	Enis   map[string]*NetworkInterfaceRecord
}

func (r *Renderer) GroupName(id string) string {
	g, ok := r.Groups[id]
	if !ok {
		g = new(SecurityGroupRecord)
		if found, err := r.T.Get(r.C.Key(id), g); err != nil || !found {
			g = nil
		}
		r.Groups[id] = g
	}
	if g == nil {
		return ""
	}
	return g.Name
}

func (r *Renderer) GroupIdentifiers(ids []string) []ec2.GroupIdentifier {
	out := make([]ec2.GroupIdentifier, 0, len(ids))
	for _, id := range ids {
		out = append(out, ec2.GroupIdentifier{GroupId: Ptr(id), GroupName: Ptr(r.GroupName(id))})
	}
	return out
}

func (r *Renderer) dnsHostnames(vpcID string) bool {
	v, ok := r.Vpcs[vpcID]
	if !ok {
		v = new(VpcRecord)
		if found, err := r.T.Get(r.C.Key(vpcID), v); err != nil || !found {
			v = nil
		}
		r.Vpcs[vpcID] = v
	}
	return v != nil && v.DNSHostnames
}

// PublicDNS is the public name of an address in the VPC: none without DNS hostnames.
func (r *Renderer) PublicDNS(vpcID string, as *IpAssociation) string {
	if as == nil || !r.dnsHostnames(vpcID) {
		return ""
	}
	return publicDNSName(r.C.Region, as.PublicIP)
}

func (e *NetworkInterfaceRecord) association(r *Renderer, as *IpAssociation) *ec2.NetworkInterfaceAssociation {
	if as == nil {
		return nil
	}
	out := &ec2.NetworkInterfaceAssociation{
		IpOwnerId:     Ptr(as.Owner),
		PublicIp:      Ptr(as.PublicIP.String()),
		PublicDnsName: Ptr(r.PublicDNS(e.VpcID, as)),
	}
	if as.AllocationID != "" {
		out.AllocationId, out.AssociationId = Ptr(as.AllocationID), Ptr(as.AssociationID)
	}
	return out
}

func (e *NetworkInterfaceRecord) EC2(r *Renderer) ec2.NetworkInterface {
	out := ec2.NetworkInterface{
		NetworkInterfaceId: Ptr(e.ID),
		SubnetId:           Ptr(e.SubnetID),
		VpcId:              Ptr(e.VpcID),
		AvailabilityZone:   Ptr(e.AvailabilityZone),
		AvailabilityZoneId: Ptr(e.AvailabilityZoneID),
		Description:        Ptr(e.Description),
		Groups:             r.GroupIdentifiers(e.Groups),
		InterfaceType:      Ptr(e.InterfaceType),
		Ipv6Addresses:      []ec2.NetworkInterfaceIpv6Address{},
		MacAddress:         Ptr(e.MacAddress),
		OwnerId:            Ptr(e.Owner),
		RequesterManaged:   Ptr(e.RequesterManaged),
		SourceDestCheck:    Ptr(e.SourceDestCheck),
		Status:             Ptr(e.Status()),
		TagSet:             e.EC2Tags(),
		Ipv6Native:         Ptr(len(e.PrivateIPs) == 0), // only an IPv6-only subnet's interfaces have no IPv4
		DenyAllIgwTraffic:  Ptr(false),
		PrivateIpAddresses: []ec2.NetworkInterfacePrivateIpAddress{},
	}
	if e.RequesterID != "" {
		out.RequesterId = Ptr(e.RequesterID)
	}
	for _, a := range e.Ipv6Addresses {
		out.Ipv6Addresses = append(out.Ipv6Addresses, ec2.NetworkInterfaceIpv6Address{Ipv6Address: Ptr(a.String())})
	}
	for _, p := range e.PrivateIPs {
		out.PrivateIpAddresses = append(out.PrivateIpAddresses, ec2.NetworkInterfacePrivateIpAddress{
			Association:      e.association(r, p.Association),
			Primary:          Ptr(p.Primary),
			PrivateDnsName:   Ptr(PrivateDNSName(r.C.Region, p.Addr)),
			PrivateIpAddress: Ptr(p.Addr.String()),
		})
	}
	if p := e.PrimaryIP(); p != nil {
		out.PrivateIpAddress = Ptr(p.Addr.String())
		out.PrivateDnsName = Ptr(PrivateDNSName(r.C.Region, p.Addr))
		out.Association = e.association(r, p.Association)
	}
	if a := e.Attachment; a != nil {
		out.Attachment = &ec2.NetworkInterfaceAttachment{
			AttachTime:          Ptr(a.AttachTime),
			AttachmentId:        Ptr(a.ID),
			DeleteOnTermination: Ptr(a.DeleteOnTermination),
			DeviceIndex:         Ptr(a.DeviceIndex),
			NetworkCardIndex:    Ptr(int32(0)),
			InstanceId:          Ptr(a.InstanceID),
			InstanceOwnerId:     Ptr(a.InstanceOwner),
			Status:              Ptr(a.Status),
		}
	}
	return out
}
