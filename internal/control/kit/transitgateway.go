package kit

import (
	"net/netip"
	"time"

	"vpcd/internal/ec2"
)

// TgwShownAfterDelete is how long a deleted transit gateway, attachment or route table
// stays visible in state deleted, as AWS shows them (the Terraform provider waits to see
// a VPC attachment deleted).
const TgwShownAfterDelete = 2 * time.Hour

// TgwLifecycle says whether a transit gateway resource is deleted: its record stays,
// answered as deleted, then hidden (Visible) and, to every action, not found.
type TgwLifecycle struct {
	Deleted   bool      `json:"deleted,omitempty"`
	DeletedAt time.Time `json:"deletedAt,omitzero"`
}

// Visible reports whether Describe still shows the resource.
func (l TgwLifecycle) Visible(now time.Time) bool {
	return !l.Deleted || now.Sub(l.DeletedAt) < TgwShownAfterDelete
}

// Gone reports whether the resource is deleted: actions answer it as not found.
func (l *TgwLifecycle) Gone() bool { return l.Deleted }

// Delete marks the resource deleted at now.
func (l *TgwLifecycle) Delete(now time.Time) { l.Deleted, l.DeletedAt = true, now }

// StateOr is "deleted" for a deleted resource, else state.
func (l TgwLifecycle) StateOr(state string) string {
	if l.Deleted {
		return "deleted"
	}
	return state
}

// TransitGatewayRecord is a transit gateway (kind "tgw"): a regional router between the
// VPCs, VPN connections and peer gateways attached to it (control/tgw). Its route tables
// and attachments are records of their own that name it.
type TransitGatewayRecord struct {
	Meta
	TgwLifecycle
	Description   string `json:"description,omitempty"`
	AmazonSideAsn int64  `json:"amazonSideAsn"`
	// DirectConnect are the Direct Connect gateway associations with it
	// (control/directconnect): an attachment in AWS, which DeleteTransitGateway refuses.
	DirectConnect               []string  `json:"directConnect,omitempty"`
	AutoAcceptSharedAttachments bool      `json:"autoAcceptSharedAttachments,omitempty"`
	DefaultRouteTableAssoc      bool      `json:"defaultRouteTableAssociation,omitempty"`
	DefaultRouteTableProp       bool      `json:"defaultRouteTablePropagation,omitempty"`
	AssociationDefaultRtb       string    `json:"associationDefaultRouteTableId,omitempty"`
	PropagationDefaultRtb       string    `json:"propagationDefaultRouteTableId,omitempty"`
	DNSSupport                  bool      `json:"dnsSupport"`
	VpnEcmpSupport              bool      `json:"vpnEcmpSupport"`
	SecurityGroupReferencing    bool      `json:"securityGroupReferencing,omitempty"`
	CidrBlocks                  []string  `json:"cidrBlocks,omitempty"`
	CreateTime                  time.Time `json:"createTime"`
	// VpcAttachments are the gateway's VPC attachments by VPC: one per VPC, as AWS has
	// it, and the one key that a route to the gateway reads to know that its VPC is
	// attached.
	VpcAttachments map[string]string `json:"vpcAttachments,omitempty"`
	// Attachments counts the gateway's attachments of every type: DeleteTransitGateway
	// refuses while any is left.
	Attachments int `json:"attachments,omitempty"`
}

// EnableDisable is AWS's spelling of a boolean option.
func EnableDisable(on bool) *string {
	if on {
		return Ptr("enable")
	}
	return Ptr("disable")
}

// EC2 is the gateway as AWS shows it, in state (available, or pending in the answer to
// its creation).
func (g *TransitGatewayRecord) EC2(region, state string) *ec2.TransitGateway {
	o := &ec2.TransitGatewayOptions{AmazonSideAsn: Ptr(g.AmazonSideAsn), AutoAcceptSharedAttachments: EnableDisable(g.AutoAcceptSharedAttachments),
		DefaultRouteTableAssociation: EnableDisable(g.DefaultRouteTableAssoc), DefaultRouteTablePropagation: EnableDisable(g.DefaultRouteTableProp),
		DnsSupport: EnableDisable(g.DNSSupport), VpnEcmpSupport: EnableDisable(g.VpnEcmpSupport), MulticastSupport: Ptr("disable"),
		SecurityGroupReferencingSupport: EnableDisable(g.SecurityGroupReferencing), TransitGatewayCidrBlocks: g.CidrBlocks,
		EncryptionSupport: &ec2.EncryptionSupport{EncryptionState: Ptr("disabled")}}
	if g.AssociationDefaultRtb != "" {
		o.AssociationDefaultRouteTableId = Ptr(g.AssociationDefaultRtb)
	}
	if g.PropagationDefaultRtb != "" {
		o.PropagationDefaultRouteTableId = Ptr(g.PropagationDefaultRtb)
	}
	out := &ec2.TransitGateway{TransitGatewayId: Ptr(g.ID), TransitGatewayArn: Ptr(ARN(region, g.Owner, g.ID)), OwnerId: Ptr(g.Owner),
		State: Ptr(g.StateOr(state)), CreationTime: Ptr(g.CreateTime), Options: o, Tags: g.EC2Tags()}
	if g.Description != "" {
		out.Description = Ptr(g.Description)
	}
	return out
}

// TransitGatewayAttachmentRecord is an attachment of a transit gateway (kind
// "tgw-attach"): of a VPC through one subnet per zone (ResourceType "vpc"), of a VPN
// connection ("vpn") or of a peer transit gateway ("peering").
type TransitGatewayAttachmentRecord struct {
	Meta
	TgwLifecycle
	TransitGatewayID string    `json:"transitGatewayId"`
	ResourceType     string    `json:"resourceType"`
	ResourceID       string    `json:"resourceId"`
	ResourceOwner    string    `json:"resourceOwner"`
	State            string    `json:"state"`
	CreateTime       time.Time `json:"createTime"`
	// A VPC attachment's VPC, subnets ("subnetIds", which keep them from being deleted)
	// and options.
	VpcID                    string   `json:"vpcId,omitempty"`
	SubnetIDs                []string `json:"subnetIds,omitempty"`
	DNSSupport               bool     `json:"dnsSupport,omitempty"`
	Ipv6Support              bool     `json:"ipv6Support,omitempty"`
	ApplianceModeSupport     bool     `json:"applianceModeSupport,omitempty"`
	SecurityGroupReferencing bool     `json:"securityGroupReferencing,omitempty"`
	// Association is the route table the attachment is associated with (one at most);
	// Propagations the route tables it propagates its routes to.
	Association  string   `json:"association,omitempty"`
	Propagations []string `json:"propagations,omitempty"`
	// A peering attachment's accepter: its gateway (ResourceID too), and the route table
	// the attachment is associated with on that side. The requester's side is
	// TransitGatewayID and Association.
	PeerTransitGatewayID string `json:"peerTransitGatewayId,omitempty"`
	PeerAssociation      string `json:"peerAssociation,omitempty"`
}

// OnGateway reports whether the attachment is one of the gateway's: a peering
// attachment is one of both its gateways'.
func (a *TransitGatewayAttachmentRecord) OnGateway(tgwID string) bool {
	return a.TransitGatewayID == tgwID || a.PeerTransitGatewayID != "" && a.PeerTransitGatewayID == tgwID
}

// AssociationOn is the attachment's association on the gateway's side.
func (a *TransitGatewayAttachmentRecord) AssociationOn(tgwID string) *string {
	if a.PeerTransitGatewayID != "" && tgwID == a.PeerTransitGatewayID {
		return &a.PeerAssociation
	}
	return &a.Association
}

// EC2VpcAttachment is a VPC attachment as AWS shows it.
func (a *TransitGatewayAttachmentRecord) EC2VpcAttachment(state string) *ec2.TransitGatewayVpcAttachment {
	return &ec2.TransitGatewayVpcAttachment{TransitGatewayAttachmentId: Ptr(a.ID), TransitGatewayId: Ptr(a.TransitGatewayID),
		VpcId: Ptr(a.VpcID), VpcOwnerId: Ptr(a.ResourceOwner), State: Ptr(a.StateOr(state)), SubnetIds: append([]string{}, a.SubnetIDs...),
		CreationTime: Ptr(a.CreateTime), Tags: a.EC2Tags(),
		Options: &ec2.TransitGatewayVpcAttachmentOptions{DnsSupport: EnableDisable(a.DNSSupport), Ipv6Support: EnableDisable(a.Ipv6Support),
			ApplianceModeSupport: EnableDisable(a.ApplianceModeSupport), SecurityGroupReferencingSupport: EnableDisable(a.SecurityGroupReferencing)}}
}

// EC2 is the attachment as DescribeTransitGatewayAttachments shows it, with its
// association.
func (a *TransitGatewayAttachmentRecord) EC2(tgwOwner string) ec2.TransitGatewayAttachment {
	out := ec2.TransitGatewayAttachment{TransitGatewayAttachmentId: Ptr(a.ID), TransitGatewayId: Ptr(a.TransitGatewayID),
		TransitGatewayOwnerId: Ptr(tgwOwner), ResourceType: Ptr(a.ResourceType), ResourceId: Ptr(a.ResourceID),
		ResourceOwnerId: Ptr(a.ResourceOwner), State: Ptr(a.State), CreationTime: Ptr(a.CreateTime), Tags: a.EC2Tags()}
	if a.Association != "" {
		out.Association = &ec2.TransitGatewayAttachmentAssociation{TransitGatewayRouteTableId: Ptr(a.Association), State: Ptr("associated")}
	}
	return out
}

// TransitGatewayRouteTableRecord is a route table of a transit gateway (kind "tgw-rtb"):
// its static routes, and the attachments associated with it (whose traffic it routes)
// and propagating to it (whose routes it takes).
type TransitGatewayRouteTableRecord struct {
	Meta
	TgwLifecycle
	TransitGatewayID   string                `json:"transitGatewayId"`
	DefaultAssociation bool                  `json:"defaultAssociation,omitempty"`
	DefaultPropagation bool                  `json:"defaultPropagation,omitempty"`
	CreateTime         time.Time             `json:"createTime"`
	Routes             []TransitGatewayRoute `json:"routes,omitempty"`
	Associations       []TransitGatewayLink  `json:"associations,omitempty"`
	Propagations       []TransitGatewayLink  `json:"propagations,omitempty"`
}

// TransitGatewayRoute is a static route of a transit gateway route table: to an
// attachment, or a blackhole (Attachment "").
type TransitGatewayRoute struct {
	Destination netip.Prefix `json:"destination"`
	Attachment  string       `json:"attachment,omitempty"`
}

// TransitGatewayLink is an attachment associated with or propagating to a route table,
// with what it attaches, as the Get actions show it.
type TransitGatewayLink struct {
	Attachment   string `json:"attachment"`
	ResourceType string `json:"resourceType"`
	ResourceID   string `json:"resourceId"`
}

// EC2 is the route table as AWS shows it.
func (r *TransitGatewayRouteTableRecord) EC2(state string) *ec2.TransitGatewayRouteTable {
	return &ec2.TransitGatewayRouteTable{TransitGatewayRouteTableId: Ptr(r.ID), TransitGatewayId: Ptr(r.TransitGatewayID), State: Ptr(r.StateOr(state)),
		DefaultAssociationRouteTable: Ptr(r.DefaultAssociation), DefaultPropagationRouteTable: Ptr(r.DefaultPropagation),
		CreationTime: Ptr(r.CreateTime), Tags: r.EC2Tags()}
}
