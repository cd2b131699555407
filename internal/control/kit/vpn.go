package kit

import (
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"vpcd/internal/ec2"
	"vpcd/internal/model"
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
	// DirectConnect are the Direct Connect gateway associations and virtual interfaces
	// that use the gateway (control/directconnect): it is not deleted under them.
	DirectConnect []string `json:"directConnect,omitempty"`
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

// VpnConnectionRecord is a Site-to-Site VPN connection (kind "vpn") between a customer
// gateway and a virtual private gateway: two tunnels, each with an outside address of
// the public pool (registered under PublicIPKey as the connection's) and a /30 of
// 169.254.0.0/16 inside. The two gateways' addresses and ASNs are copied in at creation:
// they cannot change while the connection lives, and the customer gateway configuration
// is written from them.
type VpnConnectionRecord struct {
	Meta
	Type              string `json:"type"` // ipsec.1
	CustomerGatewayID string `json:"customerGatewayId"`
	VpnGatewayID      string `json:"vpnGatewayId"`
	// TransitGatewayID is the transit gateway of a connection on one instead of a
	// virtual private gateway, and TransitGatewayAttachmentID its attachment there.
	TransitGatewayID           string         `json:"transitGatewayId,omitempty"`
	TransitGatewayAttachmentID string         `json:"transitGatewayAttachmentId,omitempty"`
	CustomerGatewayIP          string         `json:"customerGatewayIp"`
	CustomerGatewayAsn         int64          `json:"customerGatewayAsn"`
	AmazonSideAsn              int64          `json:"amazonSideAsn"`
	StaticRoutesOnly           bool           `json:"staticRoutesOnly,omitempty"`
	LocalIpv4NetworkCidr       string         `json:"localIpv4NetworkCidr"`
	RemoteIpv4NetworkCidr      string         `json:"remoteIpv4NetworkCidr"`
	Tunnels                    [2]VpnTunnel   `json:"tunnels"`
	Routes                     []netip.Prefix `json:"routes,omitempty"` // static routes, StaticRoutesOnly only
	CreateTime                 time.Time      `json:"createTime"`
}

// GatewayID is the AWS end of the connection: its virtual private or transit gateway.
func (v *VpnConnectionRecord) GatewayID() string {
	if v.TransitGatewayID != "" {
		return v.TransitGatewayID
	}
	return v.VpnGatewayID
}

// VpnTunnel is one tunnel of a connection and its options. A list left empty is one the
// request did not name: AWS shows only the lists that were set, and the tunnel offers
// AWS's defaults (VpnTunnel.Offered).
type VpnTunnel struct {
	OutsideIP                    netip.Addr   `json:"outsideIp"`
	InsideCidr                   netip.Prefix `json:"insideCidr"`
	PreSharedKey                 string       `json:"preSharedKey"`
	DPDTimeoutAction             string       `json:"dpdTimeoutAction"`
	DPDTimeoutSeconds            int32        `json:"dpdTimeoutSeconds"`
	EnableTunnelLifecycleControl bool         `json:"enableTunnelLifecycleControl,omitempty"`
	IKEVersions                  []string     `json:"ikeVersions,omitempty"`
	Phase1EncryptionAlgorithms   []string     `json:"phase1EncryptionAlgorithms,omitempty"`
	Phase1IntegrityAlgorithms    []string     `json:"phase1IntegrityAlgorithms,omitempty"`
	Phase1DHGroupNumbers         []int32      `json:"phase1DHGroupNumbers,omitempty"`
	Phase1LifetimeSeconds        int32        `json:"phase1LifetimeSeconds"`
	Phase2EncryptionAlgorithms   []string     `json:"phase2EncryptionAlgorithms,omitempty"`
	Phase2IntegrityAlgorithms    []string     `json:"phase2IntegrityAlgorithms,omitempty"`
	Phase2DHGroupNumbers         []int32      `json:"phase2DHGroupNumbers,omitempty"`
	Phase2LifetimeSeconds        int32        `json:"phase2LifetimeSeconds"`
	RekeyFuzzPercentage          int32        `json:"rekeyFuzzPercentage"`
	RekeyMarginTimeSeconds       int32        `json:"rekeyMarginTimeSeconds"`
	ReplayWindowSize             int32        `json:"replayWindowSize"`
	StartupAction                string       `json:"startupAction"`
	// The tunnel's state as the data plane reports it (SetVpnTunnelStatus): Up while
	// its IPsec security association is established, since StatusChanged.
	Up            bool      `json:"up,omitempty"`
	StatusChanged time.Time `json:"statusChanged,omitzero"`
	// The tunnel's BGP session as the data plane reports it (SetVpnTunnelBgp), for a
	// connection routed dynamically: established, and the routes the customer
	// advertises over it.
	BgpUp   bool             `json:"bgpUp,omitempty"`
	Learned []model.BgpRoute `json:"learned,omitempty"`
}

// TelemetryUp reports whether VgwTelemetry shows the tunnel UP: its IPsec security
// association is established and, routed dynamically, its BGP session too.
func (v *VpnConnectionRecord) TelemetryUp(t *VpnTunnel) bool {
	return t.Up && (v.StaticRoutesOnly || t.BgpUp)
}

// VpnTunnelDown is the telemetry status message of a tunnel whose IPsec security
// association is not up; VpnTunnelBgpDown of one whose BGP session is not.
const (
	VpnTunnelDown    = "IPSEC IS DOWN"
	VpnTunnelBgpDown = "IPSEC IS UP"
)

// Telemetry is the tunnel's VgwTelemetry: UP or DOWN as the data plane last reported
// it, since then (since the connection's creation before any report). A static
// connection's tunnel that is up accepts its static routes; a dynamic one's is UP while
// its BGP session is established too, and accepts the routes learned over it.
func (v *VpnConnectionRecord) Telemetry(t *VpnTunnel) ec2.VgwTelemetry {
	out := ec2.VgwTelemetry{OutsideIpAddress: Ptr(t.OutsideIP.String()), Status: Ptr("DOWN"),
		StatusMessage: Ptr(VpnTunnelDown), LastStatusChange: Ptr(v.CreateTime), AcceptedRouteCount: Ptr(int32(0))}
	if !t.StatusChanged.IsZero() {
		out.LastStatusChange = Ptr(t.StatusChanged)
	}
	switch {
	case v.TelemetryUp(t) && v.StaticRoutesOnly:
		out.Status, out.StatusMessage = Ptr("UP"), Ptr("")
		out.AcceptedRouteCount = Ptr(int32(len(v.Routes)))
	case v.TelemetryUp(t):
		out.Status, out.StatusMessage = Ptr("UP"), Ptr(fmt.Sprintf("%d BGP ROUTES", len(t.Learned)))
		out.AcceptedRouteCount = Ptr(int32(len(t.Learned)))
	case t.Up:
		out.StatusMessage = Ptr(VpnTunnelBgpDown)
	}
	return out
}

// EC2 is the connection as AWS shows it, with the customer gateway configuration
// (config) written by the caller from the record.
func (v *VpnConnectionRecord) EC2(config string) *ec2.VpnConnection {
	out := &ec2.VpnConnection{VpnConnectionId: Ptr(v.ID), Type: Ptr(v.Type), State: Ptr("available"), Category: Ptr("VPN"),
		CustomerGatewayId: Ptr(v.CustomerGatewayID), GatewayAssociationState: Ptr("associated"),
		CustomerGatewayConfiguration: Ptr(config), Tags: v.EC2Tags(), Routes: []ec2.VpnStaticRoute{}, VgwTelemetry: []ec2.VgwTelemetry{},
		Options: &ec2.VpnConnectionOptions{EnableAcceleration: Ptr(false), StaticRoutesOnly: Ptr(v.StaticRoutesOnly),
			LocalIpv4NetworkCidr: Ptr(v.LocalIpv4NetworkCidr), RemoteIpv4NetworkCidr: Ptr(v.RemoteIpv4NetworkCidr),
			OutsideIpAddressType: Ptr("PublicIpv4"), TunnelInsideIpVersion: Ptr("ipv4"), TunnelOptions: []ec2.TunnelOption{}}}
	if v.TransitGatewayID != "" {
		out.TransitGatewayId = Ptr(v.TransitGatewayID)
	} else {
		out.VpnGatewayId = Ptr(v.VpnGatewayID)
	}
	for _, r := range v.Routes {
		out.Routes = append(out.Routes, ec2.VpnStaticRoute{DestinationCidrBlock: Ptr(r.String()), Source: Ptr("Static"), State: Ptr("available")})
	}
	for _, t := range v.Tunnels {
		out.VgwTelemetry = append(out.VgwTelemetry, v.Telemetry(&t))
		out.Options.TunnelOptions = append(out.Options.TunnelOptions, t.EC2())
	}
	return out
}

// EC2 is the tunnel's options as AWS shows them: every number and choice, and the
// lists that were set.
func (t *VpnTunnel) EC2() ec2.TunnelOption {
	o := ec2.TunnelOption{OutsideIpAddress: Ptr(t.OutsideIP.String()), TunnelInsideCidr: Ptr(t.InsideCidr.String()), PreSharedKey: Ptr(t.PreSharedKey),
		DpdTimeoutAction: Ptr(t.DPDTimeoutAction), DpdTimeoutSeconds: Ptr(t.DPDTimeoutSeconds), EnableTunnelLifecycleControl: Ptr(t.EnableTunnelLifecycleControl),
		Phase1LifetimeSeconds: Ptr(t.Phase1LifetimeSeconds), Phase2LifetimeSeconds: Ptr(t.Phase2LifetimeSeconds),
		RekeyFuzzPercentage: Ptr(t.RekeyFuzzPercentage), RekeyMarginTimeSeconds: Ptr(t.RekeyMarginTimeSeconds),
		ReplayWindowSize: Ptr(t.ReplayWindowSize), StartupAction: Ptr(t.StartupAction),
		LogOptions: &ec2.VpnTunnelLogOptions{CloudWatchLogOptions: &ec2.CloudWatchLogOptions{LogEnabled: Ptr(false)}}}
	o.IkeVersions = wrap(t.IKEVersions, func(v *string) ec2.IKEVersionsListValue { return ec2.IKEVersionsListValue{Value: v} })
	o.Phase1EncryptionAlgorithms = wrap(t.Phase1EncryptionAlgorithms, func(v *string) ec2.Phase1EncryptionAlgorithmsListValue {
		return ec2.Phase1EncryptionAlgorithmsListValue{Value: v}
	})
	o.Phase1IntegrityAlgorithms = wrap(t.Phase1IntegrityAlgorithms, func(v *string) ec2.Phase1IntegrityAlgorithmsListValue {
		return ec2.Phase1IntegrityAlgorithmsListValue{Value: v}
	})
	o.Phase1DHGroupNumbers = wrap(t.Phase1DHGroupNumbers, func(v *int32) ec2.Phase1DHGroupNumbersListValue { return ec2.Phase1DHGroupNumbersListValue{Value: v} })
	o.Phase2EncryptionAlgorithms = wrap(t.Phase2EncryptionAlgorithms, func(v *string) ec2.Phase2EncryptionAlgorithmsListValue {
		return ec2.Phase2EncryptionAlgorithmsListValue{Value: v}
	})
	o.Phase2IntegrityAlgorithms = wrap(t.Phase2IntegrityAlgorithms, func(v *string) ec2.Phase2IntegrityAlgorithmsListValue {
		return ec2.Phase2IntegrityAlgorithmsListValue{Value: v}
	})
	o.Phase2DHGroupNumbers = wrap(t.Phase2DHGroupNumbers, func(v *int32) ec2.Phase2DHGroupNumbersListValue { return ec2.Phase2DHGroupNumbersListValue{Value: v} })
	return o
}

// wrap turns a list of values into AWS's list of {Value} items; nil stays nil, as AWS
// leaves out a list that was not set.
func wrap[V, T any](in []V, item func(*V) T) []T {
	var out []T
	for _, v := range in {
		out = append(out, item(Ptr(v)))
	}
	return out
}

// Inside addresses of a tunnel's /30: AWS's end takes the first host, the customer's
// the second.
func (t *VpnTunnel) VgwInsideIP() netip.Addr { return t.InsideCidr.Masked().Addr().Next() }
func (t *VpnTunnel) CgwInsideIP() netip.Addr { return t.VgwInsideIP().Next() }
