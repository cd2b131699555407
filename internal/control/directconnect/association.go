package directconnect

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	dx "vpcd/internal/aws/directconnect"
	"vpcd/internal/control/kit"
)

func (a *association) shape(r *gatewayRecord, state string) dx.DirectConnectGatewayAssociation {
	typ := "virtualPrivateGateway"
	if a.transit() {
		typ = "transitGateway"
	}
	out := dx.DirectConnectGatewayAssociation{
		AssociationId: kit.Ptr(a.ID), AssociationState: kit.Ptr(state), DirectConnectGatewayId: kit.Ptr(r.ID),
		DirectConnectGatewayOwnerAccount:      kit.Ptr(r.Owner),
		AssociatedGateway:                     &dx.AssociatedGateway{Id: kit.Ptr(a.GatewayID), Type: kit.Ptr(typ), OwnerAccount: kit.Ptr(r.Owner), Region: kit.Ptr(a.Region)},
		AllowedPrefixesToDirectConnectGateway: []dx.RouteFilterPrefix{},
	}
	for _, p := range a.AllowedPrefixes {
		out.AllowedPrefixesToDirectConnectGateway = append(out.AllowedPrefixesToDirectConnectGateway, dx.RouteFilterPrefix{Cidr: kit.Ptr(p)})
	}
	if !a.transit() { // the members of the first API, for virtual private gateways only
		out.VirtualGatewayId, out.VirtualGatewayRegion, out.VirtualGatewayOwnerAccount = kit.Ptr(a.GatewayID), kit.Ptr(a.Region), kit.Ptr(r.Owner)
	}
	return out
}

// prefixes checks allowed prefixes: IPv4 or IPv6 CIDRs, written as AWS keeps them.
func prefixes(in []dx.RouteFilterPrefix) ([]string, error) {
	var out []string
	for _, p := range in {
		pfx, err := netip.ParsePrefix(strings.TrimSpace(kit.Deref(p.Cidr)))
		if err != nil {
			return nil, errClient("Invalid CIDR %s in the allowed prefixes.", kit.Deref(p.Cidr))
		}
		out = append(out, pfx.Masked().String())
	}
	return out, nil
}

// associatedGateway reads the gateway to associate: a virtual private gateway attached
// to a VPC (whose CIDR blocks are the allowed prefixes by default) or a transit gateway
// whose ASN differs from the Direct Connect gateway's, both the caller's in the caller's
// region.
func associatedGateway(t *kit.Txn, c kit.Caller, gw *gatewayRecord, id string) (defaults []string, err error) {
	switch {
	case strings.HasPrefix(id, "vgw-"):
		vgw := new(kit.VpnGatewayRecord)
		ok, err := t.Get(c.Key(id), vgw)
		if err != nil {
			return nil, err
		}
		if !ok || !kit.ValidID(id, "vgw") {
			return nil, errClient("Virtual private gateway %s does not exist in region %s.", id, c.Region)
		}
		if vgw.VpcID == "" {
			return nil, errClient("Virtual private gateway %s is not attached to a VPC. Attach it to a VPC before associating it with a Direct Connect gateway.", id)
		}
		vpc := new(kit.VpcRecord)
		if _, err := t.Get(c.Key(vgw.VpcID), vpc); err != nil {
			return nil, err
		}
		for _, b := range vpc.CidrBlocks {
			if b.State == "" || b.State == "associated" {
				defaults = append(defaults, b.Cidr.String())
			}
		}
		return defaults, nil
	case strings.HasPrefix(id, "tgw-"):
		tgw := new(kit.TransitGatewayRecord)
		ok := false
		if kit.ValidID(id, "tgw") { // not tgw-attach-… or tgw-rtb-…, of the same kind
			if ok, err = t.Get(c.Key(id), tgw); err != nil {
				return nil, err
			}
		}
		if !ok || tgw.Deleted {
			return nil, errClient("Transit gateway %s does not exist in region %s.", id, c.Region)
		}
		if tgw.AmazonSideAsn == gw.AmazonSideAsn {
			return nil, errClient("Transit gateway %s and Direct Connect Gateway %s have the same ASN %d; their ASNs must be different.", id, gw.ID, gw.AmazonSideAsn)
		}
		return nil, nil
	}
	return nil, errClient("Gateway %s is not a virtual private gateway or a transit gateway.", id)
}

// useGateway adds or removes a reference of Direct Connect to a virtual private gateway
// or a transit gateway, so that DeleteVpnGateway and DeleteTransitGateway refuse a gateway
// in use. Writing the gateway also makes a concurrent deletion of it conflict with the new
// reference.
func useGateway(t *kit.Txn, c kit.Caller, id, ref string, add bool) error {
	if strings.HasPrefix(id, "tgw-") {
		return useRecord(t, c, id, new(kit.TransitGatewayRecord), func(g *kit.TransitGatewayRecord) *[]string { return &g.DirectConnect }, ref, add)
	}
	return useRecord(t, c, id, new(kit.VpnGatewayRecord), func(g *kit.VpnGatewayRecord) *[]string { return &g.DirectConnect }, ref, add)
}

func useRecord[R any](t *kit.Txn, c kit.Caller, id string, r *R, refs func(*R) *[]string, ref string, add bool) error {
	ok, err := t.Get(c.Key(id), r)
	if err != nil || !ok {
		return err
	}
	list := refs(r)
	*list = slices.DeleteFunc(*list, func(x string) bool { return x == ref })
	if add {
		*list = append(*list, ref)
	}
	return t.Put(c.Key(id), r)
}

// CreateDirectConnectGatewayAssociation associates a gateway with a virtual private
// gateway (attached to a VPC, associated with no other Direct Connect gateway) or a
// transit gateway (with allowed prefixes, which it requires). A gateway is for one kind:
// it cannot be associated with a transit gateway when it is with a virtual private gateway
// or has a private virtual interface, and the other way round.
func (s *DirectConnect) CreateDirectConnectGatewayAssociation(ctx context.Context, c kit.Caller, in *dx.CreateDirectConnectGatewayAssociationRequest) (*dx.CreateDirectConnectGatewayAssociationResult, error) {
	target, vgwID := kit.Deref(in.GatewayId), kit.Deref(in.VirtualGatewayId)
	switch {
	case target != "" && vgwID != "" && target != vgwID:
		return nil, errClient("Specify either gatewayId or virtualGatewayId, not both.")
	case target == "":
		target = vgwID
	}
	if target == "" {
		return nil, errClient("gatewayId is required.")
	}
	allowed, err := prefixes(in.AddAllowedPrefixesToDirectConnectGateway)
	if err != nil {
		return nil, err
	}
	if len(allowed) > maxAllowedPrefixes {
		return nil, errClient("At most %d allowed prefixes may be given for one association.", maxAllowedPrefixes)
	}
	var gw *gatewayRecord
	var a association
	err = s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if gw, err = getGateway(t, c.Account, kit.Deref(in.DirectConnectGatewayId)); err != nil {
			return err
		}
		defaults, err := associatedGateway(t, c, gw, target)
		if err != nil {
			return err
		}
		a = association{ID: newUUID(), GatewayID: target, Region: c.Region, AllowedPrefixes: allowed}
		if len(a.AllowedPrefixes) == 0 {
			if a.transit() {
				return errClient("Allowed prefixes are required to associate transit gateway %s with a Direct Connect gateway.", target)
			}
			a.AllowedPrefixes = defaults
		}
		if err := t.Guard(gatewaysGuard(c.Account)); err != nil {
			return err
		}
		all, err := listGateways(t, c.Account)
		if err != nil {
			return err
		}
		for _, o := range all {
			for _, oa := range o.Associations {
				if oa.GatewayID == target && oa.Region == c.Region {
					if o.ID == gw.ID {
						return errClient("Gateway %s is already associated with Direct Connect Gateway %s.", target, gw.ID)
					}
					if !a.transit() {
						return errClient("Virtual private gateway %s is already associated with Direct Connect Gateway %s.", target, o.ID)
					}
				}
			}
		}
		n := 0
		for _, oa := range gw.Associations {
			if oa.transit() == a.transit() {
				n++
			}
		}
		switch {
		case a.transit() && n >= maxTGWsPerGateway:
			return errClient("Direct Connect Gateway %s has reached the limit of %d transit gateway associations.", gw.ID, maxTGWsPerGateway)
		case !a.transit() && n >= maxVGWsPerGateway:
			return errClient("Direct Connect Gateway %s has reached the limit of %d virtual private gateway associations.", gw.ID, maxVGWsPerGateway)
		case a.transit() && n < len(gw.Associations):
			return errClient("Direct Connect Gateway %s is associated with a virtual private gateway; it cannot be associated with a transit gateway.", gw.ID)
		case !a.transit() && n < len(gw.Associations):
			return errClient("Direct Connect Gateway %s is associated with a transit gateway; it cannot be associated with a virtual private gateway.", gw.ID)
		case a.transit() && gw.hasAttachment(false):
			return errClient("Direct Connect Gateway %s has private virtual interfaces attached; it cannot be associated with a transit gateway.", gw.ID)
		case !a.transit() && gw.hasAttachment(true):
			return errClient("Direct Connect Gateway %s has transit virtual interfaces attached; it cannot be associated with a virtual private gateway.", gw.ID)
		}
		if err := useGateway(t, c, target, a.ID, true); err != nil {
			return err
		}
		gw.Associations = append(gw.Associations, a)
		return t.Put(GatewayKey(c.Account, gw.ID), gw)
	})
	if err != nil {
		return nil, err
	}
	out := a.shape(gw, "associating")
	return &dx.CreateDirectConnectGatewayAssociationResult{DirectConnectGatewayAssociation: &out}, nil
}

// associationFilter is what DescribeDirectConnectGatewayAssociations and
// DeleteDirectConnectGatewayAssociation pick associations by.
type associationFilter struct{ id, gateway, associated string }

func (f associationFilter) matches(gw *gatewayRecord, a *association) bool {
	return (f.id == "" || f.id == a.ID) && (f.gateway == "" || f.gateway == gw.ID) && (f.associated == "" || f.associated == a.GatewayID)
}

// DescribeDirectConnectGatewayAssociations lists the associations of the account's
// gateways that match the request.
func (s *DirectConnect) DescribeDirectConnectGatewayAssociations(ctx context.Context, c kit.Caller, in *dx.DescribeDirectConnectGatewayAssociationsRequest) (*dx.DescribeDirectConnectGatewayAssociationsResult, error) {
	f := associationFilter{id: kit.Deref(in.AssociationId), gateway: kit.Deref(in.DirectConnectGatewayId), associated: kit.Deref(in.AssociatedGatewayId)}
	if v := kit.Deref(in.VirtualGatewayId); v != "" {
		if f.associated != "" && f.associated != v {
			return &dx.DescribeDirectConnectGatewayAssociationsResult{DirectConnectGatewayAssociations: []dx.DirectConnectGatewayAssociation{}}, nil
		}
		f.associated = v
	}
	all, err := s.allGateways(ctx, c)
	if err != nil {
		return nil, err
	}
	shapes := []dx.DirectConnectGatewayAssociation{}
	for _, gw := range all {
		for i := range gw.Associations {
			if a := &gw.Associations[i]; f.matches(gw, a) {
				shapes = append(shapes, a.shape(gw, "associated"))
			}
		}
	}
	pg, next, err := page(shapes, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &dx.DescribeDirectConnectGatewayAssociationsResult{DirectConnectGatewayAssociations: pg, NextToken: next}, nil
}

// editAssociation changes the one association f picks, or deletes it when edit returns
// false.
func (s *DirectConnect) editAssociation(ctx context.Context, c kit.Caller, f associationFilter, edit func(*association) (keep bool, err error)) (*gatewayRecord, association, error) {
	var gw *gatewayRecord
	var found association
	err := s.Update(ctx, func(t *kit.Txn) error {
		all, err := listGateways(t, c.Account)
		if err != nil {
			return err
		}
		for _, g := range all {
			for i := range g.Associations {
				if !f.matches(g, &g.Associations[i]) {
					continue
				}
				// Read by key, so that the write is compared with what was read.
				if gw, err = getGateway(t, c.Account, g.ID); err != nil {
					return err
				}
				i := slices.IndexFunc(gw.Associations, func(a association) bool { return f.matches(gw, &a) })
				if i < 0 {
					return errAssociationNotFound(f.id)
				}
				keep, err := edit(&gw.Associations[i])
				if err != nil {
					return err
				}
				found = gw.Associations[i]
				if !keep {
					gw.Associations = slices.Delete(gw.Associations, i, i+1)
					if err := useGateway(t, kit.Caller{Account: c.Account, Region: found.Region}, found.GatewayID, found.ID, false); err != nil {
						return err
					}
				}
				return t.Put(GatewayKey(c.Account, gw.ID), gw)
			}
		}
		id := f.id
		if id == "" {
			id = f.gateway + "/" + f.associated
		}
		return errAssociationNotFound(id)
	})
	return gw, found, err
}

// UpdateDirectConnectGatewayAssociation adds and removes allowed prefixes.
func (s *DirectConnect) UpdateDirectConnectGatewayAssociation(ctx context.Context, c kit.Caller, in *dx.UpdateDirectConnectGatewayAssociationRequest) (*dx.UpdateDirectConnectGatewayAssociationResult, error) {
	id := kit.Deref(in.AssociationId)
	if id == "" {
		return nil, errClient("associationId is required.")
	}
	add, err := prefixes(in.AddAllowedPrefixesToDirectConnectGateway)
	if err != nil {
		return nil, err
	}
	remove, err := prefixes(in.RemoveAllowedPrefixesToDirectConnectGateway)
	if err != nil {
		return nil, err
	}
	gw, a, err := s.editAssociation(ctx, c, associationFilter{id: id}, func(a *association) (bool, error) {
		kept := slices.DeleteFunc(a.AllowedPrefixes, func(p string) bool { return slices.Contains(remove, p) })
		for _, p := range add {
			if !slices.Contains(kept, p) {
				kept = append(kept, p)
			}
		}
		if len(kept) > maxAllowedPrefixes {
			return false, errClient("At most %d allowed prefixes may be given for one association.", maxAllowedPrefixes)
		}
		if len(kept) == 0 && a.transit() {
			return false, errClient("A transit gateway association needs at least one allowed prefix.")
		}
		a.AllowedPrefixes = kept
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	out := a.shape(gw, "updating")
	return &dx.UpdateDirectConnectGatewayAssociationResult{DirectConnectGatewayAssociation: &out}, nil
}

// DeleteDirectConnectGatewayAssociation deletes an association, named by its ID or by
// the Direct Connect gateway and the virtual private gateway.
func (s *DirectConnect) DeleteDirectConnectGatewayAssociation(ctx context.Context, c kit.Caller, in *dx.DeleteDirectConnectGatewayAssociationRequest) (*dx.DeleteDirectConnectGatewayAssociationResult, error) {
	f := associationFilter{id: kit.Deref(in.AssociationId), gateway: kit.Deref(in.DirectConnectGatewayId), associated: kit.Deref(in.VirtualGatewayId)}
	if f.id == "" && (f.gateway == "" || f.associated == "") {
		return nil, errClient("Specify associationId, or directConnectGatewayId and virtualGatewayId.")
	}
	gw, a, err := s.editAssociation(ctx, c, f, func(*association) (bool, error) { return false, nil })
	if err != nil {
		return nil, err
	}
	out := a.shape(gw, "disassociating")
	return &dx.DeleteDirectConnectGatewayAssociationResult{DirectConnectGatewayAssociation: &out}, nil
}
