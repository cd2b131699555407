package tgw

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// route is one route of a transit gateway route table as AWS shows it: a static route
// (to an attachment, or a blackhole) or a route propagated from an attachment (a VPC's
// CIDR blocks).
type route struct {
	dest  netip.Prefix
	typ   string // static, propagated
	link  kit.TransitGatewayLink
	state string // active, blackhole
}

func (r route) EC2() *ec2.TransitGatewayRoute {
	out := &ec2.TransitGatewayRoute{DestinationCidrBlock: kit.Ptr(r.dest.String()), Type: kit.Ptr(r.typ), State: kit.Ptr(r.state),
		TransitGatewayAttachments: []ec2.TransitGatewayRouteAttachment{}}
	if r.link.Attachment != "" {
		out.TransitGatewayAttachments = append(out.TransitGatewayAttachments, ec2.TransitGatewayRouteAttachment{
			TransitGatewayAttachmentId: kit.Ptr(r.link.Attachment), ResourceId: kit.Ptr(r.link.ResourceID), ResourceType: kit.Ptr(r.link.ResourceType)})
	}
	return out
}

// routesOf is the table's routes as AWS orders them: one per destination, a static route
// before a propagated one for the same destination and, among propagated ones, the
// attachment first by ID; sorted by destination. A lookup then takes the longest
// prefix that contains the address.
func routesOf(t *kit.Txn, c kit.Caller, r *kit.TransitGatewayRouteTableRecord) ([]route, error) {
	best := map[netip.Prefix]route{}
	for _, s := range r.Routes {
		rt := route{dest: s.Destination, typ: "static", state: "blackhole"}
		if s.Attachment != "" {
			a, err := getLive[kit.TransitGatewayAttachmentRecord](t, c, "tgw-attach", s.Attachment)
			if err != nil {
				return nil, err
			}
			rt.link, rt.state = link(a), "active"
		}
		best[s.Destination] = rt
	}
	props := slices.Clone(r.Propagations)
	slices.SortFunc(props, func(x, y kit.TransitGatewayLink) int { return strings.Compare(x.Attachment, y.Attachment) })
	for _, l := range props {
		cidrs, err := propagatedCidrs(t, c, l)
		if err != nil {
			return nil, err
		}
		for _, p := range cidrs {
			if _, ok := best[p]; !ok {
				best[p] = route{dest: p, typ: "propagated", link: l, state: "active"}
			}
		}
	}
	out := make([]route, 0, len(best))
	for _, rt := range best {
		out = append(out, rt)
	}
	slices.SortFunc(out, func(x, y route) int {
		if c := x.dest.Addr().Compare(y.dest.Addr()); c != 0 {
			return c
		}
		return x.dest.Bits() - y.dest.Bits()
	})
	return out, nil
}

// propagatedCidrs are the routes an attachment propagates: a VPC attachment its VPC's
// IPv4 blocks, and its IPv6 blocks when the attachment supports IPv6.
func propagatedCidrs(t *kit.Txn, c kit.Caller, l kit.TransitGatewayLink) ([]netip.Prefix, error) {
	if l.ResourceType != "vpc" {
		return nil, nil
	}
	a, err := getLive[kit.TransitGatewayAttachmentRecord](t, c, "tgw-attach", l.Attachment)
	if err != nil {
		return nil, err
	}
	vpc, err := kit.GetVpc(t, c, a.VpcID)
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, p := range vpc.Cidrs() {
		if p.Addr().Is4() || a.Ipv6Support {
			out = append(out, p)
		}
	}
	return out, nil
}

// parseDestination reads a route's destination.
func parseDestination(s *string) (netip.Prefix, error) {
	if kit.Deref(s) == "" {
		return netip.Prefix{}, ec2.ErrMissingParameter("DestinationCidrBlock")
	}
	p, err := netip.ParsePrefix(*s)
	if err != nil {
		return netip.Prefix{}, ec2.ErrInvalidParameterValue("Value (%s) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.", *s)
	}
	return p.Masked(), nil
}

// staticTarget reads the target of a static route request: an attachment of the table's
// gateway, or a blackhole.
func staticTarget(t *kit.Txn, c kit.Caller, r *kit.TransitGatewayRouteTableRecord, attachment *string, blackhole *bool) (string, error) {
	switch {
	case kit.Deref(blackhole) && kit.Deref(attachment) != "":
		return "", ec2.ErrInvalidParameterCombination("The parameters TransitGatewayAttachmentId and Blackhole cannot be used together.")
	case kit.Deref(blackhole):
		return "", nil
	case kit.Deref(attachment) == "":
		return "", ec2.ErrMissingParameter("TransitGatewayAttachmentId")
	}
	a, err := getLive[kit.TransitGatewayAttachmentRecord](t, c, "tgw-attach", *attachment)
	if err != nil {
		return "", err
	}
	return a.ID, checkUsable(a, r)
}

func errRouteNotFound(dest netip.Prefix, rtb string) error {
	return ec2.ErrInvalidRouteNotFound("Route %s does not exist in Transit Gateway Route Table %s.", dest, rtb)
}

// editStatic changes a table's static route to dest; the answer is the route after
// (or, deleted, before) the change.
func (s *TGW) editStatic(ctx context.Context, c kit.Caller, rtbID, cidr *string, edit func(t *kit.Txn, r *kit.TransitGatewayRouteTableRecord, dest netip.Prefix, at int) (string, error)) (*ec2.TransitGatewayRoute, error) {
	dest, err := parseDestination(cidr)
	if err != nil {
		return nil, err
	}
	var out route
	err = s.Update(ctx, func(t *kit.Txn) error {
		r, err := getRouteTable(t, c, kit.Deref(rtbID))
		if err != nil {
			return err
		}
		at := slices.IndexFunc(r.Routes, func(rt kit.TransitGatewayRoute) bool { return rt.Destination == dest })
		before, err := routesOf(t, c, r)
		if err != nil {
			return err
		}
		state, err := edit(t, r, dest, at)
		if err != nil {
			return err
		}
		after, err := routesOf(t, c, r)
		if err != nil {
			return err
		}
		for _, rt := range append(after, before...) {
			if rt.dest == dest && rt.typ == "static" {
				out = rt
				break
			}
		}
		if state != "" {
			out.state = state
		}
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return out.EC2(), nil
}

// CreateTransitGatewayRoute adds a static route to an attachment, or a blackhole.
func (s *TGW) CreateTransitGatewayRoute(ctx context.Context, c kit.Caller, in *ec2.CreateTransitGatewayRouteRequest) (*ec2.CreateTransitGatewayRouteResult, error) {
	rt, err := s.editStatic(ctx, c, in.TransitGatewayRouteTableId, in.DestinationCidrBlock, func(t *kit.Txn, r *kit.TransitGatewayRouteTableRecord, dest netip.Prefix, at int) (string, error) {
		if at >= 0 {
			return "", ec2.ErrRouteAlreadyExists("Route %s already exists in Transit Gateway Route Table %s.", dest, r.ID)
		}
		target, err := staticTarget(t, c, r, in.TransitGatewayAttachmentId, in.Blackhole)
		if err != nil {
			return "", err
		}
		r.Routes = append(r.Routes, kit.TransitGatewayRoute{Destination: dest, Attachment: target})
		return "", nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateTransitGatewayRouteResult{Route: rt}, nil
}

// ReplaceTransitGatewayRoute points a static route elsewhere.
func (s *TGW) ReplaceTransitGatewayRoute(ctx context.Context, c kit.Caller, in *ec2.ReplaceTransitGatewayRouteRequest) (*ec2.ReplaceTransitGatewayRouteResult, error) {
	rt, err := s.editStatic(ctx, c, in.TransitGatewayRouteTableId, in.DestinationCidrBlock, func(t *kit.Txn, r *kit.TransitGatewayRouteTableRecord, dest netip.Prefix, at int) (string, error) {
		if at < 0 {
			return "", errRouteNotFound(dest, r.ID)
		}
		target, err := staticTarget(t, c, r, in.TransitGatewayAttachmentId, in.Blackhole)
		if err != nil {
			return "", err
		}
		r.Routes[at].Attachment = target
		return "", nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ReplaceTransitGatewayRouteResult{Route: rt}, nil
}

// DeleteTransitGatewayRoute deletes a static route.
func (s *TGW) DeleteTransitGatewayRoute(ctx context.Context, c kit.Caller, in *ec2.DeleteTransitGatewayRouteRequest) (*ec2.DeleteTransitGatewayRouteResult, error) {
	rt, err := s.editStatic(ctx, c, in.TransitGatewayRouteTableId, in.DestinationCidrBlock, func(t *kit.Txn, r *kit.TransitGatewayRouteTableRecord, dest netip.Prefix, at int) (string, error) {
		if at < 0 {
			return "", errRouteNotFound(dest, r.ID)
		}
		r.Routes = slices.Delete(r.Routes, at, at+1)
		return "deleted", nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteTransitGatewayRouteResult{Route: rt}, nil
}

// routeFilters are SearchTransitGatewayRoutes' filters that match values; the
// route-search.* filters compare CIDRs (searchMatch).
var routeFilters = map[string]func(route) []string{
	"attachment.transit-gateway-attachment-id": func(r route) []string { return []string{r.link.Attachment} },
	"attachment.resource-id":                   func(r route) []string { return []string{r.link.ResourceID} },
	"attachment.resource-type":                 func(r route) []string { return []string{r.link.ResourceType} },
	"prefix-list-id":                           func(r route) []string { return nil },
	"state":                                    func(r route) []string { return []string{r.state} },
	"type":                                     func(r route) []string { return []string{r.typ} },
}

var searchFilters = map[string]func(r route, p netip.Prefix) bool{
	"route-search.exact-match": func(r route, p netip.Prefix) bool { return r.dest == p },
	"route-search.subnet-of-match": func(r route, p netip.Prefix) bool {
		return r.dest.Bits() >= p.Bits() && p.Contains(r.dest.Addr())
	},
	"route-search.supernet-of-match": func(r route, p netip.Prefix) bool {
		return r.dest.Bits() <= p.Bits() && r.dest.Contains(p.Addr())
	},
	// longest-prefix-match is the supernet that no other route's supernet is longer
	// than; searchRoutes keeps only that one.
	"route-search.longest-prefix-match": func(r route, p netip.Prefix) bool {
		return r.dest.Bits() <= p.Bits() && r.dest.Contains(p.Addr())
	},
}

// SearchTransitGatewayRoutes lists the routes of a table that pass the filters.
func (s *TGW) SearchTransitGatewayRoutes(ctx context.Context, c kit.Caller, in *ec2.SearchTransitGatewayRoutesRequest) (*ec2.SearchTransitGatewayRoutesResult, error) {
	if len(in.Filters) == 0 {
		return nil, ec2.ErrMissingParameter("Filters")
	}
	if err := kit.CheckMaxResults(in.MaxResults, 5, 1000); err != nil {
		return nil, err
	}
	var plain []ec2.Filter
	search := map[string][]netip.Prefix{}
	for _, f := range in.Filters {
		name := kit.Deref(f.Name)
		if searchFilters[name] == nil {
			plain = append(plain, f)
			continue
		}
		for _, v := range f.Values {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return nil, ec2.ErrInvalidParameterValue("The filter value %s for %s is not a valid CIDR block.", v, name)
			}
			search[name] = append(search[name], p.Masked())
		}
	}
	match, err := kit.CompileFilters(plain, func(name string) bool { return routeFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	var all []route
	err = s.View(ctx, func(t *kit.Txn) error {
		r, err := getRouteTable(t, c, kit.Deref(in.TransitGatewayRouteTableId))
		if err != nil {
			return err
		}
		all, err = routesOf(t, c, r)
		return err
	})
	if err != nil {
		return nil, err
	}
	var kept []route
	for _, r := range all {
		if match(func(name string) []string { return routeFilters[name](r) }, nil) && searchMatch(r, all, search) {
			kept = append(kept, r)
		}
	}
	max := 1000
	if in.MaxResults != nil {
		max = int(*in.MaxResults)
	}
	out := &ec2.SearchTransitGatewayRoutesResult{Routes: []ec2.TransitGatewayRoute{}, AdditionalRoutesAvailable: kit.Ptr(len(kept) > max)}
	for _, r := range kept[:min(max, len(kept))] {
		out.Routes = append(out.Routes, *r.EC2())
	}
	return out, nil
}

// searchMatch applies the route-search filters: each filter given must match one of its
// values; longest-prefix-match only for the longest of the routes that contain it.
func searchMatch(r route, all []route, search map[string][]netip.Prefix) bool {
	for name, values := range search {
		ok := false
		for _, p := range values {
			if !searchFilters[name](r, p) {
				continue
			}
			if name == "route-search.longest-prefix-match" {
				longer := slices.ContainsFunc(all, func(o route) bool { return o.dest.Bits() > r.dest.Bits() && searchFilters[name](o, p) })
				if longer {
					continue
				}
			}
			ok = true
		}
		if !ok {
			return false
		}
	}
	return true
}
