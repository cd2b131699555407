package kit

import (
	"strconv"

	"vpcd/internal/ec2"
)

// CustomerGatewayRecord is a customer gateway (kind "cgw"): the customer's end of a
// Site-to-Site VPN connection as the customer describes it, its outside address and BGP
// ASN.
type CustomerGatewayRecord struct {
	Meta
	Type       string `json:"type"` // ipsec.1
	BgpAsn     int64  `json:"bgpAsn"`
	IPAddress  string `json:"ipAddress,omitempty"`
	DeviceName string `json:"deviceName,omitempty"`
}

// MaxBgpAsn is the largest ASN that BgpAsn carries; a larger one is BgpAsnExtended.
const MaxBgpAsn = 2147483647

// EC2 is the customer gateway as AWS shows it: an ASN beyond BgpAsn's range in
// BgpAsnExtended.
func (g *CustomerGatewayRecord) EC2() *ec2.CustomerGateway {
	out := &ec2.CustomerGateway{CustomerGatewayId: Ptr(g.ID), Type: Ptr(g.Type), State: Ptr("available"), Tags: g.EC2Tags()}
	asn := strconv.FormatInt(g.BgpAsn, 10)
	if g.BgpAsn > MaxBgpAsn {
		out.BgpAsnExtended = Ptr(asn)
	} else {
		out.BgpAsn = Ptr(asn)
	}
	if g.IPAddress != "" {
		out.IpAddress = Ptr(g.IPAddress)
	}
	if g.DeviceName != "" {
		out.DeviceName = Ptr(g.DeviceName)
	}
	return out
}

// VpnGatewayRecord is a virtual private gateway (kind "vgw"): the VPC's end of its
// Site-to-Site VPN connections, attached to at most one VPC.
type VpnGatewayRecord struct {
	Meta
	Type             string `json:"type"` // ipsec.1
	AmazonSideAsn    int64  `json:"amazonSideAsn"`
	AvailabilityZone string `json:"availabilityZone,omitempty"`
	// VpcID is the VPC it is attached to ("vpcId", as every gateway's, which DeleteVpc
	// and route targets read); DetachedFrom the last one it was detached from, which AWS
	// keeps showing as a "detached" attachment.
	VpcID        string `json:"vpcId,omitempty"`
	DetachedFrom string `json:"detachedFrom,omitempty"`
}

// EC2 is the gateway as AWS shows it, with its attachment: attached, or the last one,
// detached.
func (g *VpnGatewayRecord) EC2() *ec2.VpnGateway {
	out := &ec2.VpnGateway{VpnGatewayId: Ptr(g.ID), Type: Ptr(g.Type), State: Ptr("available"), AmazonSideAsn: Ptr(g.AmazonSideAsn),
		Tags: g.EC2Tags(), VpcAttachments: []ec2.VpcAttachment{}}
	if g.AvailabilityZone != "" {
		out.AvailabilityZone = Ptr(g.AvailabilityZone)
	}
	switch {
	case g.VpcID != "":
		out.VpcAttachments = append(out.VpcAttachments, ec2.VpcAttachment{State: Ptr("attached"), VpcId: Ptr(g.VpcID)})
	case g.DetachedFrom != "":
		out.VpcAttachments = append(out.VpcAttachments, ec2.VpcAttachment{State: Ptr("detached"), VpcId: Ptr(g.DetachedFrom)})
	}
	return out
}
