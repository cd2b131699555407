package tgw

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// defaultAmazonAsn is the ASN of a transit gateway created without one.
const defaultAmazonAsn = 64512

// maxCidrBlocks is AWS's "CIDR blocks per transit gateway" (not adjustable).
const maxCidrBlocks = 5

// amazonAsnValid: a transit gateway's ASN is a private one, 64512-65534 (16-bit) or
// 4200000000-4294967294 (32-bit).
func amazonAsnValid(asn int64) bool {
	return asn >= 64512 && asn <= 65534 || asn >= 4200000000 && asn <= 4294967294
}

func errAsn(asn int64) error {
	return ec2.ErrInvalidParameterValue("The Amazon side ASN %d is invalid. A private ASN must be in the 64512 to 65534 or 4200000000 to 4294967294 range.", asn)
}

func errTransitGatewayLimitExceeded(limit int) error {
	return ec2.Errorf("TransitGatewayLimitExceeded", "The maximum number of transit gateways (%d) has been reached.", limit)
}

// checkCidrBlock applies AWS's rules to a transit gateway CIDR block: an IPv4 /24 or
// larger outside 169.254.0.0/16, or an IPv6 /64 or larger.
func checkCidrBlock(s string) (string, error) {
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil || p != p.Masked():
		return "", ec2.ErrInvalidParameterValue("The CIDR block %s is invalid.", s)
	case p.Addr().Is4() && (p.Bits() > 24 || netip.MustParsePrefix("169.254.0.0/16").Overlaps(p)):
		return "", ec2.ErrInvalidParameterValue("The CIDR block %s is invalid: an IPv4 transit gateway CIDR block must be /24 or larger and outside 169.254.0.0/16.", s)
	case p.Addr().Is6() && p.Bits() > 64:
		return "", ec2.ErrInvalidParameterValue("The CIDR block %s is invalid: an IPv6 transit gateway CIDR block must be /64 or larger.", s)
	}
	return p.String(), nil
}

// setCidrBlocks adds and removes CIDR blocks, keeping them unique, distinct and at most
// maxCidrBlocks.
func setCidrBlocks(g *kit.TransitGatewayRecord, add, remove []string) error {
	for _, s := range remove {
		b, err := checkCidrBlock(s)
		if err != nil {
			return err
		}
		g.CidrBlocks = slices.DeleteFunc(g.CidrBlocks, func(have string) bool { return have == b })
	}
	for _, s := range add {
		b, err := checkCidrBlock(s)
		if err != nil {
			return err
		}
		p := netip.MustParsePrefix(b)
		for _, have := range g.CidrBlocks {
			if netip.MustParsePrefix(have).Overlaps(p) {
				return ec2.ErrInvalidParameterValue("The CIDR block %s overlaps the transit gateway's CIDR block %s.", b, have)
			}
		}
		g.CidrBlocks = append(g.CidrBlocks, b)
	}
	if len(g.CidrBlocks) > maxCidrBlocks {
		return ec2.ErrInvalidParameterValue("A transit gateway can have at most %d CIDR blocks.", maxCidrBlocks)
	}
	return nil
}

// tgwQuotaKey guards the set of the caller's transit gateways in the region, for the
// quota.
func tgwQuotaKey(c kit.Caller) string { return c.Prefix("tgw-count") }

// CreateTransitGateway creates a transit gateway and, when attachments are associated or
// propagate by default (AWS's default), its default route table.
func (s *TGW) CreateTransitGateway(ctx context.Context, c kit.Caller, in *ec2.CreateTransitGatewayRequest) (*ec2.CreateTransitGatewayResult, error) {
	o := in.Options
	if o == nil {
		o = &ec2.TransitGatewayRequestOptions{}
	}
	g := &kit.TransitGatewayRecord{Meta: kit.Meta{ID: kit.NewID("tgw"), Owner: c.Account}, Description: kit.Deref(in.Description),
		AmazonSideAsn: defaultAmazonAsn, CreateTime: time.Now().UTC()}
	if o.AmazonSideAsn != nil {
		if g.AmazonSideAsn = *o.AmazonSideAsn; !amazonAsnValid(g.AmazonSideAsn) {
			return nil, errAsn(g.AmazonSideAsn)
		}
	}
	var err error
	for _, opt := range []struct {
		name string
		v    *string
		def  bool
		dst  *bool
	}{
		{"AutoAcceptSharedAttachments", o.AutoAcceptSharedAttachments, false, &g.AutoAcceptSharedAttachments},
		{"DefaultRouteTableAssociation", o.DefaultRouteTableAssociation, true, &g.DefaultRouteTableAssoc},
		{"DefaultRouteTablePropagation", o.DefaultRouteTablePropagation, true, &g.DefaultRouteTableProp},
		{"DnsSupport", o.DnsSupport, true, &g.DNSSupport},
		{"VpnEcmpSupport", o.VpnEcmpSupport, true, &g.VpnEcmpSupport},
		{"SecurityGroupReferencingSupport", o.SecurityGroupReferencingSupport, false, &g.SecurityGroupReferencing},
	} {
		if *opt.dst, err = toggle(opt.name, opt.v, opt.def); err != nil {
			return nil, err
		}
	}
	if err := checkMulticast(o.MulticastSupport); err != nil {
		return nil, err
	}
	if err := setCidrBlocks(g, o.TransitGatewayCidrBlocks, nil); err != nil {
		return nil, err
	}
	if g.Tags, err = kit.TagsOnCreate(in.TagSpecifications, "transit-gateway"); err != nil {
		return nil, err
	}
	var rtb *kit.TransitGatewayRouteTableRecord
	if g.DefaultRouteTableAssoc || g.DefaultRouteTableProp {
		rtb = &kit.TransitGatewayRouteTableRecord{Meta: kit.Meta{ID: kit.NewID("tgw-rtb"), Owner: c.Account}, TransitGatewayID: g.ID,
			DefaultAssociation: g.DefaultRouteTableAssoc, DefaultPropagation: g.DefaultRouteTableProp, CreateTime: g.CreateTime}
		if g.DefaultRouteTableAssoc {
			g.AssociationDefaultRtb = rtb.ID
		}
		if g.DefaultRouteTableProp {
			g.PropagationDefaultRtb = rtb.ID
		}
	}
	err = s.Update(ctx, func(t *kit.Txn) error {
		if err := t.Guard(tgwQuotaKey(c)); err != nil {
			return err
		}
		limit, err := s.QuotaLimit(t, c, kit.QuotaTransitGateways)
		if err != nil {
			return err
		}
		all, err := kit.ListAll[kit.TransitGatewayRecord](t, c.Prefix("tgw"))
		if err != nil {
			return err
		}
		if n := len(slices.DeleteFunc(all, func(g *kit.TransitGatewayRecord) bool { return g.Deleted })); n >= limit {
			return errTransitGatewayLimitExceeded(limit)
		}
		if rtb != nil {
			if err := t.Put(c.Key(rtb.ID), rtb); err != nil {
				return err
			}
		}
		return t.Put(c.Key(g.ID), g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateTransitGatewayResult{TransitGateway: g.EC2(c.Region, "pending")}, nil
}

// checkMulticast refuses multicast: vpcd has no multicast domains.
func checkMulticast(v *string) error {
	on, err := toggle("MulticastSupport", v, false)
	if err == nil && on {
		err = ec2.ErrInvalidParameterValue("MulticastSupport enable is not supported by vpcd: it has no transit gateway multicast domains")
	}
	return err
}

// DeleteTransitGateway deletes a transit gateway that has no attachment left, with its
// route tables.
func (s *TGW) DeleteTransitGateway(ctx context.Context, c kit.Caller, in *ec2.DeleteTransitGatewayRequest) (*ec2.DeleteTransitGatewayResult, error) {
	id := kit.Deref(in.TransitGatewayId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("TransitGatewayId")
	}
	var answer *ec2.TransitGateway
	err := s.UpdateOn(ctx, id, func(t *kit.Txn) error {
		g, err := getLive[kit.TransitGatewayRecord](t, c, "tgw", id)
		if err != nil {
			return err
		}
		if g.Attachments > 0 || len(g.DirectConnect) > 0 {
			return ec2.ErrIncorrectState("%s has non-deleted Transit Gateway Attachments.", id)
		}
		rtbs, err := routeTablesOf(t, c, id)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		for _, r := range rtbs {
			r.Delete(now)
			if err := t.Put(c.Key(r.ID), r); err != nil {
				return err
			}
		}
		if err := t.Guard(tgwQuotaKey(c)); err != nil {
			return err
		}
		answer = g.EC2(c.Region, "deleting")
		g.Delete(now)
		return t.Put(c.Key(id), g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteTransitGatewayResult{TransitGateway: answer}, nil
}

// routeTablesOf lists a gateway's route tables; each is written (or deleted) by whoever
// acts on it, and the gateway's record is read, so that a route table created meanwhile
// conflicts (CreateTransitGatewayRouteTable writes the gateway).
func routeTablesOf(t *kit.Txn, c kit.Caller, tgwID string) ([]*kit.TransitGatewayRouteTableRecord, error) {
	all, err := kit.ListAll[kit.TransitGatewayRouteTableRecord](t, c.Prefix("tgw-rtb"))
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(r *kit.TransitGatewayRouteTableRecord) bool { return r.TransitGatewayID != tgwID || r.Deleted }), nil
}

// ModifyTransitGateway changes a gateway's description and options. Enabling default
// association or propagation without naming a route table makes the gateway's other
// default route table, or a new one, the default.
func (s *TGW) ModifyTransitGateway(ctx context.Context, c kit.Caller, in *ec2.ModifyTransitGatewayRequest) (*ec2.ModifyTransitGatewayResult, error) {
	id := kit.Deref(in.TransitGatewayId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("TransitGatewayId")
	}
	o := in.Options
	if o == nil {
		o = &ec2.ModifyTransitGatewayOptions{}
	}
	if o.AmazonSideAsn != nil && !amazonAsnValid(*o.AmazonSideAsn) {
		return nil, errAsn(*o.AmazonSideAsn)
	}
	var g *kit.TransitGatewayRecord
	err := s.UpdateOn(ctx, id, func(t *kit.Txn) error {
		var err error
		if g, err = getLive[kit.TransitGatewayRecord](t, c, "tgw", id); err != nil {
			return err
		}
		if in.Description != nil {
			g.Description = *in.Description
		}
		if o.AmazonSideAsn != nil {
			g.AmazonSideAsn = *o.AmazonSideAsn
		}
		for _, opt := range []struct {
			name string
			v    *string
			dst  *bool
		}{
			{"AutoAcceptSharedAttachments", o.AutoAcceptSharedAttachments, &g.AutoAcceptSharedAttachments},
			{"DnsSupport", o.DnsSupport, &g.DNSSupport},
			{"VpnEcmpSupport", o.VpnEcmpSupport, &g.VpnEcmpSupport},
			{"SecurityGroupReferencingSupport", o.SecurityGroupReferencingSupport, &g.SecurityGroupReferencing},
		} {
			if *opt.dst, err = toggle(opt.name, opt.v, *opt.dst); err != nil {
				return err
			}
		}
		if err := setCidrBlocks(g, o.AddTransitGatewayCidrBlocks, o.RemoveTransitGatewayCidrBlocks); err != nil {
			return err
		}
		assoc, err := toggle("DefaultRouteTableAssociation", o.DefaultRouteTableAssociation, g.DefaultRouteTableAssoc)
		if err != nil {
			return err
		}
		prop, err := toggle("DefaultRouteTablePropagation", o.DefaultRouteTablePropagation, g.DefaultRouteTableProp)
		if err != nil {
			return err
		}
		if err := s.setDefaults(t, c, g, assoc, prop, kit.Deref(o.AssociationDefaultRouteTableId), kit.Deref(o.PropagationDefaultRouteTableId)); err != nil {
			return err
		}
		return t.Put(c.Key(g.ID), g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ModifyTransitGatewayResult{TransitGateway: g.EC2(c.Region, "modifying")}, nil
}

// setDefaults sets a gateway's default association and propagation and their route
// tables, and marks the tables.
func (s *TGW) setDefaults(t *kit.Txn, c kit.Caller, g *kit.TransitGatewayRecord, assoc, prop bool, assocRtb, propRtb string) error {
	before := map[string]bool{g.AssociationDefaultRtb: true, g.PropagationDefaultRtb: true}
	pick := func(on bool, named, current, other string) string {
		switch {
		case !on:
			return ""
		case named != "":
			return named
		case current != "":
			return current
		}
		return other
	}
	g.DefaultRouteTableAssoc, g.DefaultRouteTableProp = assoc, prop
	g.AssociationDefaultRtb = pick(assoc, assocRtb, g.AssociationDefaultRtb, g.PropagationDefaultRtb)
	g.PropagationDefaultRtb = pick(prop, propRtb, g.PropagationDefaultRtb, g.AssociationDefaultRtb)
	if (assoc && g.AssociationDefaultRtb == "") || (prop && g.PropagationDefaultRtb == "") {
		rtb := &kit.TransitGatewayRouteTableRecord{Meta: kit.Meta{ID: kit.NewID("tgw-rtb"), Owner: c.Account}, TransitGatewayID: g.ID, CreateTime: time.Now().UTC()}
		if err := t.Put(c.Key(rtb.ID), rtb); err != nil {
			return err
		}
		if assoc && g.AssociationDefaultRtb == "" {
			g.AssociationDefaultRtb = rtb.ID
		}
		if prop && g.PropagationDefaultRtb == "" {
			g.PropagationDefaultRtb = rtb.ID
		}
	}
	touched := map[string]bool{g.AssociationDefaultRtb: true, g.PropagationDefaultRtb: true}
	for id := range before {
		touched[id] = true
	}
	for id := range touched {
		if id == "" {
			continue
		}
		rtb, err := getRouteTable(t, c, id)
		if err != nil {
			return err
		}
		if rtb.TransitGatewayID != g.ID {
			return kit.NotFound(id)
		}
		rtb.DefaultAssociation, rtb.DefaultPropagation = id == g.AssociationDefaultRtb, id == g.PropagationDefaultRtb
		if err := t.Put(c.Key(id), rtb); err != nil {
			return err
		}
	}
	return nil
}

var transitGatewayFilters = map[string]func(*kit.TransitGatewayRecord) []string{
	"options.amazon-side-asn": func(g *kit.TransitGatewayRecord) []string { return []string{strconv.FormatInt(g.AmazonSideAsn, 10)} },
	"options.association-default-route-table-id": func(g *kit.TransitGatewayRecord) []string {
		return []string{g.AssociationDefaultRtb}
	},
	"options.auto-accept-shared-attachments": func(g *kit.TransitGatewayRecord) []string {
		return []string{*kit.EnableDisable(g.AutoAcceptSharedAttachments)}
	},
	"options.default-route-table-association": func(g *kit.TransitGatewayRecord) []string {
		return []string{*kit.EnableDisable(g.DefaultRouteTableAssoc)}
	},
	"options.default-route-table-propagation": func(g *kit.TransitGatewayRecord) []string {
		return []string{*kit.EnableDisable(g.DefaultRouteTableProp)}
	},
	"options.dns-support":      func(g *kit.TransitGatewayRecord) []string { return []string{*kit.EnableDisable(g.DNSSupport)} },
	"options.vpn-ecmp-support": func(g *kit.TransitGatewayRecord) []string { return []string{*kit.EnableDisable(g.VpnEcmpSupport)} },
	"options.propagation-default-route-table-id": func(g *kit.TransitGatewayRecord) []string {
		return []string{g.PropagationDefaultRtb}
	},
	"owner-id":           func(g *kit.TransitGatewayRecord) []string { return []string{g.Owner} },
	"state":              func(g *kit.TransitGatewayRecord) []string { return []string{g.StateOr("available")} },
	"transit-gateway-id": func(g *kit.TransitGatewayRecord) []string { return []string{g.ID} },
}

// DescribeTransitGateways lists the caller's transit gateways.
func (s *TGW) DescribeTransitGateways(ctx context.Context, c kit.Caller, in *ec2.DescribeTransitGatewaysRequest) (*ec2.DescribeTransitGatewaysResult, error) {
	gws, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "tgw", IDs: in.TransitGatewayIds, Filters: in.Filters,
		MaxResults: in.MaxResults, NextToken: in.NextToken}, transitGatewayFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeTransitGatewaysResult{TransitGateways: []ec2.TransitGateway{}, NextToken: next}
	for _, g := range visible(gws) {
		out.TransitGateways = append(out.TransitGateways, *g.EC2(c.Region, "available"))
	}
	return out, nil
}

// getTransitGateway reads a gateway named by a request member.
func getTransitGateway(t *kit.Txn, c kit.Caller, id string) (*kit.TransitGatewayRecord, error) {
	if strings.TrimSpace(id) == "" {
		return nil, ec2.ErrMissingParameter("TransitGatewayId")
	}
	return getLive[kit.TransitGatewayRecord](t, c, "tgw", id)
}
