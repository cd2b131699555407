package vpn

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/control/tgw"
	"vpcd/internal/ec2"
)

// VPN connections: the API only. Each connection has its two tunnels' outside addresses
// (from the public pool), inside /30s and keys, and AWS's customer gateway
// configuration, but no data plane builds the tunnels yet: their telemetry says DOWN,
// and no route of a connection is propagated into route tables (AWS propagates only the
// routes of a tunnel that is UP).

// AWS's default quotas of Site-to-Site VPN connections ("Site-to-Site VPN quotas"),
// enforced as they are: no Service Quotas code of them is known to vpcd.
const (
	maxConnectionsPerRegion  = 50
	maxConnectionsPerGateway = 10
)

// CreateVpnConnection creates a connection between a customer gateway and a virtual
// private gateway, available at once.
func (s *VPN) CreateVpnConnection(ctx context.Context, c kit.Caller, in *ec2.CreateVpnConnectionRequest) (*ec2.CreateVpnConnectionResult, error) {
	if err := checkType(in.Type); err != nil {
		return nil, err
	}
	switch {
	case kit.Deref(in.CustomerGatewayId) == "":
		return nil, ec2.ErrMissingParameter("CustomerGatewayId")
	case kit.Deref(in.TransitGatewayId) != "" && kit.Deref(in.VpnGatewayId) != "":
		return nil, ec2.ErrInvalidParameterCombination("The parameters VpnGatewayId and TransitGatewayId cannot be used together.")
	case kit.Deref(in.VpnConcentratorId) != "":
		return nil, ec2.ErrInvalidParameterValue("VpnConcentratorId is not supported by vpcd.")
	case kit.Deref(in.VpnGatewayId) == "" && kit.Deref(in.TransitGatewayId) == "":
		return nil, ec2.ErrMissingParameterMessage("The request must contain the parameter VpnGatewayId or TransitGatewayId")
	}
	if st := kit.Deref(in.PreSharedKeyStorage); st != "" && st != "Standard" {
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter PreSharedKeyStorage is invalid: vpcd keeps pre-shared keys with the connection only (Standard).", st)
	}
	v := &kit.VpnConnectionRecord{Meta: kit.Meta{ID: kit.NewID("vpn"), Owner: c.Account}, Type: gatewayType,
		LocalIpv4NetworkCidr: "0.0.0.0/0", RemoteIpv4NetworkCidr: "0.0.0.0/0", CreateTime: s.Now().UTC().Truncate(time.Second)}
	if err := applyOptions(v, in.Options); err != nil {
		return nil, err
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "vpn-connection")
	if err != nil {
		return nil, err
	}
	v.Tags = tags
	err = s.Update(ctx, func(t *kit.Txn) error {
		cgw, err := kit.Get[kit.CustomerGatewayRecord](t, c, "cgw", *in.CustomerGatewayId)
		if err != nil {
			return err
		}
		v.CustomerGatewayID, v.CustomerGatewayIP, v.CustomerGatewayAsn = cgw.ID, cgw.IPAddress, cgw.BgpAsn
		if err := setGateway(t, c, v, in); err != nil {
			return err
		}
		all, err := kit.ListAll[kit.VpnConnectionRecord](t, c.Prefix("vpn"))
		if err != nil {
			return err
		}
		if err := checkQuotas(all, v.GatewayID()); err != nil {
			return err
		}
		if err := assignInsideCidrs(v, all); err != nil {
			return err
		}
		for i := range v.Tunnels {
			a, err := s.AllocatePublicIP(t, c, "")
			if err != nil {
				return err
			}
			if err := t.Put(kit.PublicIPKey(c.Region, a), kit.PublicIPHolder{Account: c.Account, VpnConnectionID: v.ID}); err != nil {
				return err
			}
			v.Tunnels[i].OutsideIP = a
		}
		return t.Put(c.Key(v.ID), v)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateVpnConnectionResult{VpnConnection: v.EC2(customerGatewayConfiguration(v))}, nil
}

// applyOptions checks a request's connection options and sets them, with AWS's defaults
// for those left out, on v.
func applyOptions(v *kit.VpnConnectionRecord, o *ec2.VpnConnectionOptionsSpecification) error {
	if o == nil {
		o = &ec2.VpnConnectionOptionsSpecification{}
	}
	switch {
	case kit.Deref(o.EnableAcceleration):
		return ec2.ErrInvalidParameterValue("Acceleration is only supported for VPN connections on a transit gateway.")
	case o.TunnelInsideIpVersion != nil && *o.TunnelInsideIpVersion != "ipv4":
		if *o.TunnelInsideIpVersion == "ipv6" {
			return ec2.ErrInvalidParameterValue("IPv6 tunnel inside addresses are only supported for VPN connections on a transit gateway.")
		}
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter TunnelInsideIpVersion is invalid. Valid values: ipv4, ipv6", *o.TunnelInsideIpVersion)
	case o.LocalIpv6NetworkCidr != nil || o.RemoteIpv6NetworkCidr != nil:
		return ec2.ErrInvalidParameterValue("IPv6 network CIDRs are only supported for VPN connections on a transit gateway.")
	case o.OutsideIpAddressType != nil && *o.OutsideIpAddressType != "PublicIpv4":
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter OutsideIpAddressType is invalid: a virtual private gateway's tunnels have public IPv4 addresses (PublicIpv4).", *o.OutsideIpAddressType)
	case o.TransportTransitGatewayAttachmentId != nil:
		return ec2.ErrInvalidParameterValue("TransportTransitGatewayAttachmentId is only supported for VPN connections on a transit gateway.")
	case o.TunnelBandwidth != nil && *o.TunnelBandwidth != "standard":
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter TunnelBandwidth is invalid: a virtual private gateway's tunnels are standard.", *o.TunnelBandwidth)
	case len(o.TunnelOptions) > 2:
		return ec2.ErrInvalidParameterValue("A VPN connection has two tunnels: %d tunnel options were given.", len(o.TunnelOptions))
	}
	v.StaticRoutesOnly = kit.Deref(o.StaticRoutesOnly)
	if err := setNetworkCidrs(v, o.LocalIpv4NetworkCidr, o.RemoteIpv4NetworkCidr); err != nil {
		return err
	}
	for i := range v.Tunnels {
		var spec ec2.VpnTunnelOptionsSpecification
		if i < len(o.TunnelOptions) {
			spec = o.TunnelOptions[i]
		}
		t, err := newTunnel(spec)
		if err != nil {
			return err
		}
		v.Tunnels[i] = t
	}
	return nil
}

// setNetworkCidrs sets the IPv4 networks on the two sides of a connection that a request
// names.
func setNetworkCidrs(v *kit.VpnConnectionRecord, local, remote *string) error {
	for _, n := range []struct {
		name string
		in   *string
		dst  *string
	}{{"LocalIpv4NetworkCidr", local, &v.LocalIpv4NetworkCidr}, {"RemoteIpv4NetworkCidr", remote, &v.RemoteIpv4NetworkCidr}} {
		if kit.Deref(n.in) == "" {
			continue
		}
		p, err := netip.ParsePrefix(*n.in)
		if err != nil || !p.Addr().Is4() {
			return ec2.ErrInvalidParameterValue("Value (%s) for parameter %s is invalid. It must be an IPv4 CIDR block.", *n.in, n.name)
		}
		*n.dst = p.Masked().String()
	}
	return nil
}

// checkQuotas refuses a connection beyond AWS's default quotas, counting the caller's
// connections in the region and those of the gateway.
func checkQuotas(all []*kit.VpnConnectionRecord, vgw string) error {
	onGateway := 0
	for _, other := range all {
		if other.GatewayID() == vgw {
			onGateway++
		}
	}
	switch {
	case len(all) >= maxConnectionsPerRegion:
		return ec2.ErrVpnConnectionLimitExceeded("The maximum number of VPN connections (%d) has been reached.", maxConnectionsPerRegion)
	case onGateway >= maxConnectionsPerGateway:
		return ec2.ErrVpnConnectionLimitExceeded("The maximum number of VPN connections per virtual private gateway (%d) has been reached for %s.", maxConnectionsPerGateway, vgw)
	}
	return nil
}

// assignInsideCidrs checks the tunnels' requested inside CIDRs against those of the
// gateway's other connections, which they must not repeat, and picks free ones for the
// tunnels without.
func assignInsideCidrs(v *kit.VpnConnectionRecord, all []*kit.VpnConnectionRecord) error {
	used := map[netip.Prefix]bool{}
	for _, other := range all {
		if other.GatewayID() == v.GatewayID() {
			for _, t := range other.Tunnels {
				used[t.InsideCidr] = true
			}
		}
	}
	for i := range v.Tunnels {
		if p := v.Tunnels[i].InsideCidr; p.IsValid() {
			if used[p] {
				return ec2.ErrInvalidParameterValue("The tunnel inside CIDR %s is already used by another tunnel of a VPN connection on %s.", p, v.GatewayID())
			}
			used[p] = true
		}
	}
	for i := range v.Tunnels {
		if !v.Tunnels[i].InsideCidr.IsValid() {
			p, err := pickInsideCidr(used)
			if err != nil {
				return err
			}
			v.Tunnels[i].InsideCidr, used[p] = p, true
		}
	}
	return nil
}

// DeleteVpnConnection deletes a connection; its outside addresses go back to the pool.
func (s *VPN) DeleteVpnConnection(ctx context.Context, c kit.Caller, in *ec2.DeleteVpnConnectionRequest) error {
	if kit.Deref(in.VpnConnectionId) == "" {
		return ec2.ErrMissingParameter("VpnConnectionId")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		v, err := kit.Get[kit.VpnConnectionRecord](t, c, "vpn", *in.VpnConnectionId)
		if err != nil {
			return err
		}
		for _, tun := range v.Tunnels {
			kit.ReleasePublicIP(t, c, tun.OutsideIP)
		}
		if v.TransitGatewayAttachmentID != "" {
			if err := tgw.DetachVpnConnection(t, c, v.TransitGatewayAttachmentID); err != nil {
				return err
			}
		}
		t.Del(c.Key(v.ID))
		return nil
	})
}

// inUse reports whether a gateway, customer or virtual private, has a VPN connection.
func inUse(t *kit.Txn, c kit.Caller, gatewayID string) (bool, error) {
	all, err := kit.ListAll[kit.VpnConnectionRecord](t, c.Prefix("vpn"))
	return slices.ContainsFunc(all, func(v *kit.VpnConnectionRecord) bool {
		return v.CustomerGatewayID == gatewayID || v.VpnGatewayID == gatewayID
	}), err
}

var vpnConnectionFilters = map[string]func(*kit.VpnConnectionRecord) []string{
	"bgp-asn": func(v *kit.VpnConnectionRecord) []string {
		return []string{strconv.FormatInt(v.CustomerGatewayAsn, 10)}
	},
	"customer-gateway-configuration": func(v *kit.VpnConnectionRecord) []string { return []string{customerGatewayConfiguration(v)} },
	"customer-gateway-id":            func(v *kit.VpnConnectionRecord) []string { return []string{v.CustomerGatewayID} },
	"option.static-routes-only":      func(v *kit.VpnConnectionRecord) []string { return []string{strconv.FormatBool(v.StaticRoutesOnly)} },
	"route.destination-cidr-block": func(v *kit.VpnConnectionRecord) []string {
		return kit.Collect(v.Routes, func(p netip.Prefix) string { return p.String() })
	},
	"state":              func(v *kit.VpnConnectionRecord) []string { return []string{"available"} },
	"type":               func(v *kit.VpnConnectionRecord) []string { return []string{v.Type} },
	"vpn-connection-id":  func(v *kit.VpnConnectionRecord) []string { return []string{v.ID} },
	"vpn-gateway-id":     func(v *kit.VpnConnectionRecord) []string { return []string{v.VpnGatewayID} },
	"transit-gateway-id": func(v *kit.VpnConnectionRecord) []string { return []string{v.TransitGatewayID} },
}

// DescribeVpnConnections lists the caller's VPN connections.
func (s *VPN) DescribeVpnConnections(ctx context.Context, c kit.Caller, in *ec2.DescribeVpnConnectionsRequest) (*ec2.DescribeVpnConnectionsResult, error) {
	conns, _, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "vpn", IDs: in.VpnConnectionIds, Filters: in.Filters}, vpnConnectionFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpnConnectionsResult{VpnConnections: []ec2.VpnConnection{}}
	for _, v := range conns {
		out.VpnConnections = append(out.VpnConnections, *v.EC2(customerGatewayConfiguration(v)))
	}
	return out, nil
}

// CreateVpnConnectionRoute adds a static route to a connection with static routing.
func (s *VPN) CreateVpnConnectionRoute(ctx context.Context, c kit.Caller, in *ec2.CreateVpnConnectionRouteRequest) error {
	return s.updateRoutes(ctx, c, in.VpnConnectionId, in.DestinationCidrBlock, func(routes []netip.Prefix, p netip.Prefix) ([]netip.Prefix, error) {
		if slices.Contains(routes, p) {
			return routes, nil
		}
		return append(routes, p), nil
	})
}

// DeleteVpnConnectionRoute removes one.
func (s *VPN) DeleteVpnConnectionRoute(ctx context.Context, c kit.Caller, in *ec2.DeleteVpnConnectionRouteRequest) error {
	return s.updateRoutes(ctx, c, in.VpnConnectionId, in.DestinationCidrBlock, func(routes []netip.Prefix, p netip.Prefix) ([]netip.Prefix, error) {
		i := slices.Index(routes, p)
		if i < 0 {
			return nil, ec2.ErrInvalidRouteNotFound("The route with destination CIDR block %s does not exist on VPN connection %s", p, kit.Deref(in.VpnConnectionId))
		}
		return slices.Delete(routes, i, i+1), nil
	})
}

func (s *VPN) updateRoutes(ctx context.Context, c kit.Caller, id, cidr *string, change func([]netip.Prefix, netip.Prefix) ([]netip.Prefix, error)) error {
	switch {
	case kit.Deref(id) == "":
		return ec2.ErrMissingParameter("VpnConnectionId")
	case kit.Deref(cidr) == "":
		return ec2.ErrMissingParameter("DestinationCidrBlock")
	}
	p, err := netip.ParsePrefix(*cidr)
	if err != nil || !p.Addr().Is4() {
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.", *cidr)
	}
	p = p.Masked()
	return s.Update(ctx, func(t *kit.Txn) error {
		v, err := kit.Get[kit.VpnConnectionRecord](t, c, "vpn", *id)
		if err != nil {
			return err
		}
		if !v.StaticRoutesOnly {
			return ec2.ErrInvalidVpnConnectionInvalidType("The VPN connection %s is not configured for static routes.", v.ID)
		}
		if v.Routes, err = change(v.Routes, p); err != nil {
			return err
		}
		return t.Put(c.Key(v.ID), v)
	})
}

// GetVpnConnectionDeviceTypes lists the devices vpcd writes sample configurations for.
func (s *VPN) GetVpnConnectionDeviceTypes(ctx context.Context, c kit.Caller, in *ec2.GetVpnConnectionDeviceTypesRequest) (*ec2.GetVpnConnectionDeviceTypesResult, error) {
	if n := in.MaxResults; n != nil && (*n < 200 || *n > 1000) {
		return nil, ec2.ErrInvalidParameterValue("Value (%d) for parameter maxResults is invalid. Expecting a value between 200 and 1000.", *n)
	}
	out := &ec2.GetVpnConnectionDeviceTypesResult{VpnConnectionDeviceTypes: []ec2.VpnConnectionDeviceType{}}
	for _, d := range deviceTypes {
		out.VpnConnectionDeviceTypes = append(out.VpnConnectionDeviceTypes, d.VpnConnectionDeviceType)
	}
	return out, nil
}

// GetVpnConnectionDeviceSampleConfiguration writes a device's configuration for a
// connection, with the connection's addresses, keys and algorithms.
func (s *VPN) GetVpnConnectionDeviceSampleConfiguration(ctx context.Context, c kit.Caller, in *ec2.GetVpnConnectionDeviceSampleConfigurationRequest) (*ec2.GetVpnConnectionDeviceSampleConfigurationResult, error) {
	switch {
	case kit.Deref(in.VpnConnectionId) == "":
		return nil, ec2.ErrMissingParameter("VpnConnectionId")
	case kit.Deref(in.VpnConnectionDeviceTypeId) == "":
		return nil, ec2.ErrMissingParameter("VpnConnectionDeviceTypeId")
	}
	i := slices.IndexFunc(deviceTypes, func(d deviceType) bool { return *d.VpnConnectionDeviceTypeId == *in.VpnConnectionDeviceTypeId })
	if i < 0 {
		return nil, ec2.ErrInvalidParameterValue("The VPN connection device type ID %s is invalid.", *in.VpnConnectionDeviceTypeId)
	}
	ike := kit.Deref(in.InternetKeyExchangeVersion)
	switch ike {
	case "":
		ike = "ikev1"
	case "ikev1", "ikev2":
	default:
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter InternetKeyExchangeVersion is invalid. Valid values: ikev1, ikev2", ike)
	}
	var v *kit.VpnConnectionRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		v, err = kit.Get[kit.VpnConnectionRecord](t, c, "vpn", *in.VpnConnectionId)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ec2.GetVpnConnectionDeviceSampleConfigurationResult{VpnConnectionDeviceSampleConfiguration: kit.Ptr(sampleConfiguration(deviceTypes[i], v, ike))}, nil
}

// ModifyVpnTunnelOptions changes the options of the tunnel with the given outside
// address, keeping those the request leaves out. A new inside CIDR must be free on the
// gateway, as at creation.
func (s *VPN) ModifyVpnTunnelOptions(ctx context.Context, c kit.Caller, in *ec2.ModifyVpnTunnelOptionsRequest) (*ec2.ModifyVpnTunnelOptionsResult, error) {
	switch {
	case kit.Deref(in.VpnConnectionId) == "":
		return nil, ec2.ErrMissingParameter("VpnConnectionId")
	case kit.Deref(in.VpnTunnelOutsideIpAddress) == "":
		return nil, ec2.ErrMissingParameter("VpnTunnelOutsideIpAddress")
	case in.TunnelOptions == nil:
		return nil, ec2.ErrMissingParameter("TunnelOptions")
	}
	if st := kit.Deref(in.PreSharedKeyStorage); st != "" && st != "Standard" {
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter PreSharedKeyStorage is invalid: vpcd keeps pre-shared keys with the connection only (Standard).", st)
	}
	v, err := s.updateConnection(ctx, c, *in.VpnConnectionId, func(t *kit.Txn, v *kit.VpnConnectionRecord) error {
		i := slices.IndexFunc(v.Tunnels[:], func(tun kit.VpnTunnel) bool { return tun.OutsideIP.String() == *in.VpnTunnelOutsideIpAddress })
		if i < 0 {
			return ec2.ErrInvalidParameterValue("The VPN tunnel outside IP address %s does not belong to VPN connection %s.", *in.VpnTunnelOutsideIpAddress, v.ID)
		}
		tun := v.Tunnels[i]
		if err := applyTunnelOptions(&tun, ec2.VpnTunnelOptionsSpecification(*in.TunnelOptions)); err != nil {
			return err
		}
		if tun.InsideCidr != v.Tunnels[i].InsideCidr {
			all, err := kit.ListAll[kit.VpnConnectionRecord](t, c.Prefix("vpn"))
			if err != nil {
				return err
			}
			for _, other := range all {
				if other.GatewayID() == v.GatewayID() && slices.ContainsFunc(other.Tunnels[:], func(o kit.VpnTunnel) bool { return o.InsideCidr == tun.InsideCidr }) {
					return ec2.ErrInvalidParameterValue("The tunnel inside CIDR %s is already used by another tunnel of a VPN connection on %s.", tun.InsideCidr, v.VpnGatewayID)
				}
			}
		}
		v.Tunnels[i] = tun
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ModifyVpnTunnelOptionsResult{VpnConnection: v.EC2(customerGatewayConfiguration(v))}, nil
}

// ModifyVpnConnectionOptions changes the networks a connection's tunnels carry.
func (s *VPN) ModifyVpnConnectionOptions(ctx context.Context, c kit.Caller, in *ec2.ModifyVpnConnectionOptionsRequest) (*ec2.ModifyVpnConnectionOptionsResult, error) {
	switch {
	case kit.Deref(in.VpnConnectionId) == "":
		return nil, ec2.ErrMissingParameter("VpnConnectionId")
	case in.LocalIpv6NetworkCidr != nil || in.RemoteIpv6NetworkCidr != nil:
		return nil, ec2.ErrInvalidParameterValue("IPv6 network CIDRs are only supported for VPN connections on a transit gateway.")
	case in.TunnelBandwidth != nil && *in.TunnelBandwidth != "standard":
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter TunnelBandwidth is invalid: a virtual private gateway's tunnels are standard.", *in.TunnelBandwidth)
	}
	v, err := s.updateConnection(ctx, c, *in.VpnConnectionId, func(_ *kit.Txn, v *kit.VpnConnectionRecord) error {
		return setNetworkCidrs(v, in.LocalIpv4NetworkCidr, in.RemoteIpv4NetworkCidr)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ModifyVpnConnectionOptionsResult{VpnConnection: v.EC2(customerGatewayConfiguration(v))}, nil
}

// updateConnection reads a connection, lets change modify it, and writes it.
func (s *VPN) updateConnection(ctx context.Context, c kit.Caller, id string, change func(*kit.Txn, *kit.VpnConnectionRecord) error) (*kit.VpnConnectionRecord, error) {
	var out *kit.VpnConnectionRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		v, err := kit.Get[kit.VpnConnectionRecord](t, c, "vpn", id)
		if err != nil {
			return err
		}
		if err := change(t, v); err != nil {
			return err
		}
		out = v
		return t.Put(c.Key(v.ID), v)
	})
	return out, err
}
