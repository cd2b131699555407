// Package imds is the instance metadata service of a VPC (IMDS): what each instance reads
// at http://169.254.169.254 (and [fd00:ec2::254]) about itself, as AWS serves it: the
// meta-data tree, user data, the instance identity document, and IMDSv2's session tokens
// with the instance's metadata options (tokens required, hop limit, endpoint disabled).
//
// It sits among the in-VPC services (internal/vpcsvc): the data plane computes a Config
// from the model with ForVPC and writes it; the VPC's services daemon, in the VPC's router
// namespace, serves a Server over HTTP and gives it each new Config with Update. The
// source address of a request says which instance asks: it is unique in the VPC and the
// data plane's anti-spoofing guarantees it.
package imds

import (
	"net/netip"
	"strings"
	"time"

	"vpcd/internal/model"
)

// Config is everything the service of one VPC serves: each running instance, by ID.
type Config struct {
	Instances map[string]*Instance
}

// Instance is what the service serves one instance.
type Instance struct {
	ID string
	// Addresses are the instance's private IPv4 and its IPv6 addresses, of all its
	// interfaces: a request from one of them is the instance's.
	Addresses []netip.Addr
	Options   model.MetadataOptions

	AccountID, Region, AvailabilityZone, AvailabilityZoneID string
	ImageID, InstanceType, Architecture, ReservationID      string
	LaunchIndex                                             int
	LaunchTime                                              time.Time
	KeyName, PublicKey                                      string // PublicKey: a line of authorized_keys
	UserData                                                []byte
	Tags                                                    map[string]string // only when Options.Tags
	Interfaces                                              []Interface       // by device index, the primary first
}

// Interface is what the service serves of one of the instance's interfaces.
type Interface struct {
	ID, MAC, OwnerID string
	DeviceNumber     int
	LocalHostname    string
	PublicHostname   string          // "" when it has no public DNS name
	LocalIPv4s       []netip.Addr    // the primary first
	PublicIPv4s      []netip.Addr    // of the private ones in order, those that have one
	IPv4Associations [][2]netip.Addr // public, private
	IPv6s            []netip.Addr
	GroupIDs         []string
	GroupNames       []string
	SubnetID, VPCID  string
	SubnetIPv4       netip.Prefix
	SubnetIPv6       netip.Prefix
	VPCIPv4, VPCIPv6 []netip.Prefix
}

// ForVPC is the Config of a VPC's service: its running instances. It is nil when the
// network has no such VPC.
func ForVPC(n *model.Network, vpc string) *Config {
	v := n.VPCs[vpc]
	if v == nil {
		return nil
	}
	var v4, v6 []netip.Prefix
	for _, p := range v.CIDRs {
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	cfg := &Config{Instances: map[string]*Instance{}}
	for id, in := range n.Instances {
		if in.VPC != vpc || !in.Running {
			continue
		}
		m := &Instance{
			ID: in.ID, Options: in.Metadata, AccountID: in.Owner, Region: in.Region,
			AvailabilityZone: in.AvailabilityZone, AvailabilityZoneID: in.AvailabilityZoneID,
			ImageID: in.ImageID, InstanceType: in.InstanceType, Architecture: in.Architecture, ReservationID: in.ReservationID,
			LaunchIndex: in.LaunchIndex, LaunchTime: in.LaunchTime, KeyName: in.KeyName, PublicKey: in.PublicKey,
			UserData: in.UserData, Tags: in.Tags,
		}
		for _, eniID := range in.Interfaces {
			eni := n.Interfaces[eniID]
			if eni == nil {
				continue
			}
			m.Addresses = append(m.Addresses, eni.Addrs()...)
			m.Interfaces = append(m.Interfaces, forInterface(n, v, in, eni, v4, v6))
		}
		cfg.Instances[id] = m
	}
	return cfg
}

func forInterface(n *model.Network, v *model.VPC, in *model.Instance, eni *model.Interface, v4, v6 []netip.Prefix) Interface {
	out := Interface{
		ID: eni.ID, MAC: eni.MAC, OwnerID: in.Owner, DeviceNumber: eni.DeviceIndex,
		LocalIPv4s: eni.PrivateIPs, IPv6s: eni.IPv6Addresses, GroupIDs: eni.Groups,
		SubnetID: eni.Subnet, VPCID: eni.VPC, VPCIPv4: v4, VPCIPv6: v6,
	}
	if len(eni.PrivateIPs) > 0 {
		out.LocalHostname = privateDNSName(in.Region, eni.PrivateIPs[0])
	}
	if eni.DeviceIndex == 0 {
		// The instance's own name: in an IPv6-only subnet, its resource name.
		out.LocalHostname = in.PrivateDNSName
	}
	for _, a := range eni.PrivateIPs {
		pub, ok := eni.PublicIPs[a]
		if !ok && a == eni.PrivateIPs[0] && eni.PublicIP.IsValid() {
			pub, ok = eni.PublicIP, true
		}
		if ok {
			out.PublicIPv4s = append(out.PublicIPv4s, pub)
			out.IPv4Associations = append(out.IPv4Associations, [2]netip.Addr{pub, a})
		}
	}
	if len(out.PublicIPv4s) > 0 && v.EnableDnsHostnames {
		out.PublicHostname = publicDNSName(in.Region, out.PublicIPv4s[0])
	}
	for _, g := range eni.Groups {
		name := g
		if sg := n.SecurityGroups[g]; sg != nil && sg.Name != "" {
			name = sg.Name
		}
		out.GroupNames = append(out.GroupNames, name)
	}
	if sn := n.Subnets[eni.Subnet]; sn != nil {
		out.SubnetIPv4, out.SubnetIPv6 = sn.CIDR, sn.IPv6CIDR
	}
	return out
}

// privateDNSName is AWS's name of a private address: ip-10-0-1-5.ec2.internal in
// us-east-1, ip-10-0-1-5.eu-west-1.compute.internal elsewhere.
func privateDNSName(region string, a netip.Addr) string {
	domain := region + ".compute.internal"
	if region == "us-east-1" {
		domain = "ec2.internal"
	}
	return "ip-" + strings.ReplaceAll(a.String(), ".", "-") + "." + domain
}

// publicDNSName is AWS's name of a public address: ec2-198-51-100-7.compute-1.amazonaws.com
// in us-east-1, ec2-198-51-100-7.eu-west-1.compute.amazonaws.com elsewhere.
func publicDNSName(region string, a netip.Addr) string {
	domain := region + ".compute.amazonaws.com"
	if region == "us-east-1" {
		domain = "compute-1.amazonaws.com"
	}
	return "ec2-" + strings.ReplaceAll(a.String(), ".", "-") + "." + domain
}
