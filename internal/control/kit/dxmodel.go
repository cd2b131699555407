package kit

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"

	"vpcd/internal/model"
)

// How Direct Connect enters the model: a private virtual interface (control/directconnect's
// record, read here for the fields the data plane needs) in the whole network, reaching
// its own virtual private gateway or the first one (in ID order) associated with its
// Direct Connect gateway; the gateway's record (global, at account/global/dxgw/ID) only
// for that resolution. A change reaches the VPCs that the interface's gateway is attached
// to, before and after.

// dxVifModelRecord is what the data plane reads of a virtual interface's record.
type dxVifModelRecord struct {
	Meta
	Type             string           `json:"type"`
	ConnectionID     string           `json:"connectionId"`
	Vlan             int32            `json:"vlan"`
	Asn              int64            `json:"asn"`
	AmazonSideAsn    int64            `json:"amazonSideAsn"`
	AuthKey          string           `json:"authKey"`
	AmazonAddress    netip.Prefix     `json:"amazonAddress"`
	CustomerAddress  netip.Prefix     `json:"customerAddress"`
	VirtualGatewayID string           `json:"virtualGatewayId,omitempty"`
	GatewayID        string           `json:"directConnectGatewayId,omitempty"`
	BgpUp            bool             `json:"bgpUp,omitempty"`
	Learned          []model.BgpRoute `json:"learned,omitempty"`
}

// dxGatewayModelRecord is what the data plane reads of a Direct Connect gateway's record.
type dxGatewayModelRecord struct {
	Meta
	Associations []struct {
		GatewayID       string   `json:"gatewayId"`
		AllowedPrefixes []string `json:"allowedPrefixes"`
	} `json:"associations,omitempty"`
}

// dxAssociation is a Direct Connect gateway's association with a virtual private gateway.
type dxAssociation struct {
	vgw     string
	allowed []netip.Prefix
}

func dxVifModel(region string, r *dxVifModelRecord) any {
	if r.Type != "private" {
		return (*model.DxVirtualInterface)(nil)
	}
	m := &model.DxVirtualInterface{ID: r.ID, Owner: r.Owner, Region: region, Connection: r.ConnectionID, Vlan: r.Vlan, Gateway: r.VirtualGatewayID,
		DxGateway: r.GatewayID, AmazonSideAsn: r.AmazonSideAsn, CustomerAsn: r.Asn, AmazonAddress: r.AmazonAddress, CustomerAddress: r.CustomerAddress, AuthKey: r.AuthKey}
	if r.BgpUp {
		m.Learned = append([]model.BgpRoute{}, r.Learned...)
	}
	return m
}

func dxGatewayModel(_ string, r *dxGatewayModelRecord) any {
	var out []dxAssociation
	for _, a := range r.Associations {
		if !strings.HasPrefix(a.GatewayID, "vgw-") {
			continue
		}
		as := dxAssociation{vgw: a.GatewayID}
		for _, p := range a.AllowedPrefixes {
			if q, err := netip.ParsePrefix(p); err == nil {
				as.allowed = append(as.allowed, q)
			}
		}
		out = append(out, as)
	}
	slices.SortFunc(out, func(a, b dxAssociation) int { return strings.Compare(a.vgw, b.vgw) })
	return out
}

// setDx puts a virtual interface's (kind dxvif) or a Direct Connect gateway's (dxgw)
// record in, and resolves the interfaces it touches.
func (b *NetworkBuilder) setDx(c *NetworkChange, kind, id string, v any) {
	switch kind {
	case "dxvif":
		m, _ := v.(*model.DxVirtualInterface)
		putOrDelete(b.dxVifs, id, m)
		b.resolveDx(c, id)
	case "dxgw":
		as, _ := v.([]dxAssociation)
		if as == nil {
			delete(b.dxGateways, id)
		} else {
			b.dxGateways[id] = as
		}
		for vif, m := range b.dxVifs {
			if m.DxGateway == id {
				b.resolveDx(c, vif)
			}
		}
	}
}

// resolveDx makes the model's virtual interface id the record's, on its gateway.
func (b *NetworkBuilder) resolveDx(c *NetworkChange, id string) {
	old := b.n.DxVirtualInterfaces[id]
	var m *model.DxVirtualInterface
	if raw := b.dxVifs[id]; raw != nil {
		cp := *raw
		m = &cp
		if m.DxGateway != "" {
			m.Gateway = ""
			if as := b.dxGateways[m.DxGateway]; len(as) > 0 {
				m.Gateway, m.AllowedPrefixes = as[0].vgw, as[0].allowed
			}
		}
		if m.Gateway == "" {
			m = nil
		}
	}
	putOrDelete(b.n.DxVirtualInterfaces, id, m)
	if reflect.DeepEqual(old, m) {
		return
	}
	for _, v := range []*model.DxVirtualInterface{old, m} {
		if v == nil {
			continue
		}
		if g := b.n.VpnGateways[v.Gateway]; g != nil && g.VPC != "" {
			c.vpc(g.VPC)
		}
	}
}

// DxLearnedRoutes are the routes learned over the established BGP sessions of the
// caller's private virtual interfaces in the region that reach the virtual private
// gateway vgw, as the model resolves them (resolveDx): each prefix once, in the order
// learned. DescribeRouteTables shows them as propagated routes.
func DxLearnedRoutes(t *Txn, c Caller, vgw string) ([]netip.Prefix, error) {
	vifs, err := ListAll[dxVifModelRecord](t, c.Prefix("dxvif"))
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, r := range vifs {
		if r.Type != "private" || !r.BgpUp {
			continue
		}
		gw := r.VirtualGatewayID
		if r.GatewayID != "" {
			g := new(dxGatewayModelRecord)
			if ok, err := t.Get(c.Account+"/global/dxgw/"+r.GatewayID, g); err != nil || !ok {
				continue
			}
			if as, _ := dxGatewayModel("", g).([]dxAssociation); len(as) > 0 {
				gw = as[0].vgw
			}
		}
		if gw != vgw {
			continue
		}
		for _, l := range r.Learned {
			if p := l.Prefix.Masked(); !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out, nil
}
