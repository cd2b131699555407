package model

import "net/netip"

// The link-local addresses at which every VPC offers its services to its instances, over
// IPv4 and, in a VPC with IPv6, over the Nitro system's IPv6 addresses.
var (
	AmazonDNS     = netip.MustParseAddr("169.254.169.253")
	MetadataAddr  = netip.MustParseAddr("169.254.169.254")
	TimeSyncAddr  = netip.MustParseAddr("169.254.169.123")
	AmazonDNS6    = netip.MustParseAddr("fd00:ec2::253")
	MetadataAddr6 = netip.MustParseAddr("fd00:ec2::254")
	TimeSyncAddr6 = netip.MustParseAddr("fd00:ec2::123")
	serviceAddrs4 = []netip.Addr{AmazonDNS, MetadataAddr, TimeSyncAddr}
	// S3Addr and DynamoDBAddr are where the region's S3 and DynamoDB answer, in the
	// simulated internet and through gateway endpoints: addresses of their AWS-managed
	// prefix lists (kit.AwsManagedPrefixLists), the same in every region.
	S3Addr        = netip.MustParseAddr("192.0.2.80")
	DynamoDBAddr  = netip.MustParseAddr("192.0.2.130")
	serviceAddrs6 = []netip.Addr{AmazonDNS6, MetadataAddr6, TimeSyncAddr6}
)

// DNSServer is the Amazon DNS server's address in the VPC: the base of its primary IPv4
// block plus two; invalid for a VPC without IPv4.
func (v *VPC) DNSServer() netip.Addr {
	if len(v.CIDRs) == 0 || !v.CIDRs[0].Addr().Is4() {
		return netip.Addr{}
	}
	return v.CIDRs[0].Masked().Addr().Next().Next()
}

// DNSServers are the addresses at which the VPC's resolver answers: its DNS server,
// 169.254.169.253, and fd00:ec2::253 when the VPC has IPv6.
func (v *VPC) DNSServers() []netip.Addr {
	var out []netip.Addr
	if a := v.DNSServer(); a.IsValid() {
		out = append(out, a)
	}
	out = append(out, AmazonDNS)
	if len(v.IPv6Blocks()) > 0 {
		out = append(out, AmazonDNS6)
	}
	return out
}

// ServiceAddrs are every address of the VPC's own services (DNS, instance metadata, time),
// which the VPC router answers itself: no ACL or security group filters them.
func (v *VPC) ServiceAddrs() []netip.Addr {
	out := append([]netip.Addr{}, serviceAddrs4...)
	if a := v.DNSServer(); a.IsValid() {
		out = append([]netip.Addr{a}, out...)
	}
	if len(v.IPv6Blocks()) > 0 {
		out = append(out, serviceAddrs6...)
	}
	return out
}
