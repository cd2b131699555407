package kit

import (
	"reflect"

	"vpcd/internal/model"
)

// How transit gateways enter the model: a gateway, its available attachments and its
// route tables in the whole network only, since a gateway is regional. A change reaches
// every VPC attached to the gateway (before and after), whose routers lead into it and
// whose plans bring the gateway's namespace along.

// The model's view of the transit gateway records: nil when deleted (or, for an
// attachment, not available).
type (
	transitGateway           struct{ m *model.TransitGateway }
	transitGatewayAttachment struct {
		m *model.TransitGatewayAttachment
	}
	transitGatewayRouteTable struct {
		m *model.TransitGatewayRouteTable
	}
)

func transitGatewayModel(region string, g *TransitGatewayRecord) any {
	if g.Deleted {
		return transitGateway{}
	}
	return transitGateway{&model.TransitGateway{ID: g.ID, Owner: g.Owner, Region: region}}
}

func transitGatewayAttachmentModel(_ string, a *TransitGatewayAttachmentRecord) any {
	if a.Deleted || a.State != "available" {
		return transitGatewayAttachment{}
	}
	return transitGatewayAttachment{&model.TransitGatewayAttachment{ID: a.ID, Gateway: a.TransitGatewayID, Type: a.ResourceType,
		VPC: a.VpcID, VpnConnection: vpnOf(a), Subnets: a.SubnetIDs, ApplianceMode: a.ApplianceModeSupport, IPv6: a.Ipv6Support,
		RouteTable: a.Association, Propagations: linkedRouteTables(a)}}
}

// vpnOf is a VPN attachment's connection.
func vpnOf(a *TransitGatewayAttachmentRecord) string {
	if a.ResourceType != "vpn" {
		return ""
	}
	return a.ResourceID
}

// linkedRouteTables are the route tables an attachment propagates to.
func linkedRouteTables(a *TransitGatewayAttachmentRecord) []string {
	if len(a.Propagations) == 0 {
		return nil
	}
	return append([]string(nil), a.Propagations...)
}

func transitGatewayRouteTableModel(_ string, r *TransitGatewayRouteTableRecord) any {
	if r.Deleted {
		return transitGatewayRouteTable{}
	}
	m := &model.TransitGatewayRouteTable{ID: r.ID, Gateway: r.TransitGatewayID}
	for _, s := range r.Routes {
		m.Routes = append(m.Routes, model.TransitGatewayRoute{Destination: s.Destination, Attachment: s.Attachment, Blackhole: s.Attachment == ""})
	}
	return transitGatewayRouteTable{m}
}

// setTransitGateway puts a transit gateway record of kind (tgw, tgw-attach, tgw-rtb)
// into the whole network; v nil takes it out.
func (b *NetworkBuilder) setTransitGateway(c *NetworkChange, kind, id string, v any) {
	t := &b.n.TransitGateways
	var before, after string // the gateway it is of
	changed := false
	switch kind {
	case "tgw":
		m := as[transitGateway](v).m
		old := t.Gateways[id]
		putOrDelete(t.Gateways, id, m)
		before, after, changed = id, id, !reflect.DeepEqual(old, m)
	case "tgw-attach":
		m := as[transitGatewayAttachment](v).m
		old := t.Attachments[id]
		putOrDelete(t.Attachments, id, m)
		changed = !reflect.DeepEqual(old, m)
		if old != nil {
			before = old.Gateway
			c.vpc(old.VPC)
		}
		if m != nil {
			after = m.Gateway
			c.vpc(m.VPC)
		}
	case "tgw-rtb":
		m := as[transitGatewayRouteTable](v).m
		old := t.RouteTables[id]
		putOrDelete(t.RouteTables, id, m)
		changed = !reflect.DeepEqual(old, m)
		if old != nil {
			before = old.Gateway
		}
		if m != nil {
			after = m.Gateway
		}
	}
	if !changed {
		c.VPCs = nil
		return
	}
	for _, a := range t.Attachments {
		if a.VPC != "" && (a.Gateway == before || a.Gateway == after) {
			c.vpc(a.VPC)
		}
	}
}

// TransitGatewayReferences reports whether a rule of a group in vpc may name a group of
// other, a VPC of the same account and region, in an inbound rule: both are attached to
// one transit gateway by available VPC attachments that, with the gateway, have security
// group referencing support on (AWS supports it for inbound rules only).
func TransitGatewayReferences(t *Txn, c Caller, vpc, other string) (bool, error) {
	all, err := ListAll[TransitGatewayAttachmentRecord](t, c.Prefix("tgw-attach"))
	if err != nil {
		return false, err
	}
	on := map[string][2]bool{} // gateway → whether vpc, other are attached with referencing on
	for _, a := range all {
		if a.Deleted || a.State != "available" || a.ResourceType != "vpc" || !a.SecurityGroupReferencing {
			continue
		}
		sides := on[a.TransitGatewayID]
		sides[0] = sides[0] || a.VpcID == vpc
		sides[1] = sides[1] || a.VpcID == other
		on[a.TransitGatewayID] = sides
	}
	for tgw, sides := range on {
		if !sides[0] || !sides[1] {
			continue
		}
		g := new(TransitGatewayRecord)
		ok, err := t.Get(c.Key(tgw), g)
		if err != nil {
			return false, err
		}
		if ok && !g.Deleted && g.SecurityGroupReferencing {
			return true, nil
		}
	}
	return false, nil
}

// touchTransitGatewayOfVpn notes the VPCs attached to the transit gateway a connection
// ends on: its tunnels' state moves the gateway's routes to it.
func (b *NetworkBuilder) touchTransitGatewayOfVpn(c *NetworkChange, vpn string) {
	a := b.n.TransitGatewayOfVpn(vpn)
	if a == nil {
		return
	}
	for _, o := range b.n.TransitGateways.Attachments {
		if o.Gateway == a.Gateway && o.VPC != "" {
			c.vpc(o.VPC)
		}
	}
}
