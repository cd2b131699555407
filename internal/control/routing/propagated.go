package routing

import (
	"net/netip"
	"slices"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// propagatedRoutes are the routes a route table shows from the virtual private gateways
// it propagates (Origin EnableVgwRoutePropagation), as the data plane takes them
// (plan.PropagatedRoutes): each route learned over their Direct Connect virtual
// interfaces, each static route of the gateways' connections, and each
// route learned over the BGP session of a tunnel that is up, unless the table has a
// route of its own to that destination or the destination is within the VPC.
func propagatedRoutes(t *kit.Txn, c kit.Caller, rtb *kit.RouteTableRecord) ([]ec2.Route, error) {
	if len(rtb.PropagatingVgws) == 0 {
		return nil, nil
	}
	conns, err := kit.ListAll[kit.VpnConnectionRecord](t, c.Prefix("vpn"))
	if err != nil {
		return nil, err
	}
	has := map[netip.Prefix]bool{}
	var local []netip.Prefix
	for _, r := range rtb.Routes {
		has[r.Destination.Masked()] = true
		if r.Target == "local" && r.Destination.IsValid() {
			local = append(local, r.Destination)
		}
	}
	var out []ec2.Route
	// Routes learned over Direct Connect first: AWS prefers them to a VPN's.
	for _, vgw := range rtb.PropagatingVgws {
		dx, err := kit.DxLearnedRoutes(t, c, vgw)
		if err != nil {
			return nil, err
		}
		for _, p := range dx {
			if has[p] || slices.ContainsFunc(local, p.Overlaps) {
				continue
			}
			has[p] = true
			out = append(out, ec2.Route{DestinationCidrBlock: kit.Ptr(p.String()), GatewayId: kit.Ptr(vgw),
				Origin: kit.Ptr("EnableVgwRoutePropagation"), State: kit.Ptr("active")})
		}
	}
	for _, v := range conns {
		if v.TransitGatewayID != "" || !slices.Contains(rtb.PropagatingVgws, v.VpnGatewayID) {
			continue
		}
		for _, p := range connectionRoutes(v) {
			if p = p.Masked(); has[p] || slices.ContainsFunc(local, p.Overlaps) {
				continue
			}
			has[p] = true
			out = append(out, ec2.Route{DestinationCidrBlock: kit.Ptr(p.String()), GatewayId: kit.Ptr(v.VpnGatewayID),
				Origin: kit.Ptr("EnableVgwRoutePropagation"), State: kit.Ptr("active")})
		}
	}
	return out, nil
}

// connectionRoutes are the routes a connection propagates: its static routes, or those
// learned over the BGP sessions of its tunnels that are up.
func connectionRoutes(v *kit.VpnConnectionRecord) []netip.Prefix {
	if v.StaticRoutesOnly {
		return v.Routes
	}
	var out []netip.Prefix
	for i := range v.Tunnels {
		if tun := &v.Tunnels[i]; tun.Up && tun.BgpUp {
			for _, r := range tun.Learned {
				if !slices.Contains(out, r.Prefix) {
					out = append(out, r.Prefix)
				}
			}
		}
	}
	return out
}
