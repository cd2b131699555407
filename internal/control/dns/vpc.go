package dns

import (
	"context"
	"slices"
	"strconv"

	"vpcd/internal/aws/route53"
	"vpcd/internal/control/kit"
)

// vpcZonesKey holds the private zones a VPC is associated with, whoever owns them, so
// that ListHostedZonesByVPC finds other accounts' zones and two zones of one name cannot
// both be associated with a VPC: every association and disassociation writes it.
func vpcZonesKey(v kit.ZoneVPC) string { return "route53/vpc/" + v.Region + "/" + v.ID + "/zones" }

// vpcZone is one zone associated with a VPC.
type vpcZone struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Owner string `json:"owner"`
}

// checkVPC validates a VPC of a request: its ID and a region Route 53 knows.
func checkVPC(v *route53.VPC) (kit.ZoneVPC, error) {
	id, region := kit.Deref(v.VPCId), kit.Deref(v.VPCRegion)
	if id == "" {
		return kit.ZoneVPC{}, errInvalidVPCID("The VPC ID is missing: specify VPCId with VPCRegion.")
	}
	if len(id) > 1024 {
		return kit.ZoneVPC{}, errValidation(id, "vPC.vPCId", "Member must have length less than or equal to 1024")
	}
	if region == "" {
		return kit.ZoneVPC{}, errInvalidInput("The VPC region is missing: specify VPCRegion with VPCId.")
	}
	if _, ok := kit.LookupRegion(region); !ok {
		return kit.ZoneVPC{}, errValidation(region, "vPC.vPCRegion", "Member must satisfy enum value set of the regions Route 53 knows")
	}
	return kit.ZoneVPC{ID: id, Region: region}, nil
}

// checkOwnVPC requires the VPC to be one of the caller's, in its region.
func (s *DNS) checkOwnVPC(t *kit.Txn, c kit.Caller, v kit.ZoneVPC) error {
	var rec kit.VpcRecord
	ok, err := t.Peek(kit.Caller{Account: c.Account, Region: v.Region}.Key(v.ID), &rec)
	if err != nil {
		return err
	}
	if !ok || !kit.ValidID(v.ID, "vpc") {
		return errInvalidVPCID("The VPC ID '%s' is not valid, or the VPC is not in the account in region %s.", v.ID, v.Region)
	}
	return nil
}

func vpcShape(v kit.ZoneVPC) *route53.VPC {
	return &route53.VPC{VPCId: kit.Ptr(v.ID), VPCRegion: kit.Ptr(v.Region)}
}

// addToVPC records the zone in the VPC's index, refusing a second zone of the same name.
func addToVPC(t *kit.Txn, v kit.ZoneVPC, z *kit.HostedZoneRecord) error {
	var zones []vpcZone
	if _, err := t.Get(vpcZonesKey(v), &zones); err != nil {
		return err
	}
	for _, other := range zones {
		if other.ID == z.ID {
			return errConflictingDomainExists("The VPC %s in region %s is already associated with the hosted zone %s.", v.ID, v.Region, z.ID)
		}
		if other.Name == z.Name {
			return errConflictingDomainExists("The VPC %s in region %s is already associated with another hosted zone with the same name, %s.", v.ID, v.Region, shown(z.Name))
		}
	}
	return t.Put(vpcZonesKey(v), append(zones, vpcZone{ID: z.ID, Name: z.Name, Owner: z.Owner}))
}

// removeFromVPC takes the zone out of the VPC's index.
func removeFromVPC(t *kit.Txn, v kit.ZoneVPC, zone string) error {
	var zones []vpcZone
	if _, err := t.Get(vpcZonesKey(v), &zones); err != nil {
		return err
	}
	zones = slices.DeleteFunc(zones, func(z vpcZone) bool { return z.ID == zone })
	if len(zones) == 0 {
		t.Del(vpcZonesKey(v))
		return nil
	}
	return t.Put(vpcZonesKey(v), zones)
}

// sameVPC matches a VPC by ID and region.
func sameVPC(v kit.ZoneVPC) func(kit.ZoneVPC) bool {
	return func(w kit.ZoneVPC) bool { return w.ID == v.ID && w.Region == v.Region }
}

// AssociateVPCWithHostedZone associates one of the caller's VPCs with a private zone: its
// own, or another account's that has authorized the VPC.
func (s *DNS) AssociateVPCWithHostedZone(ctx context.Context, c kit.Caller, in *route53.AssociateVPCWithHostedZoneRequest) (*route53.AssociateVPCWithHostedZoneResponse, error) {
	v, err := checkVPC(in.VPC)
	if err != nil {
		return nil, err
	}
	v.Owner = c.Account
	var change *route53.ChangeInfo
	err = s.Update(ctx, func(t *kit.Txn) error {
		z, err := s.zone(t, bareID(kit.Deref(in.HostedZoneId), "hostedzone"))
		if err != nil {
			return err
		}
		if !z.Private {
			return errPublicZoneVPCAssociation(z.ID, v.ID)
		}
		if z.Owner != c.Account && !slices.ContainsFunc(z.Authorizations, sameVPC(v)) {
			return errNotAuthorized(v.ID, z.ID)
		}
		if err := s.checkOwnVPC(t, c, v); err != nil {
			return err
		}
		if len(z.VPCs) >= maxZoneVPCs {
			return errLimitsExceeded(z.ID)
		}
		if err := addToVPC(t, v, z); err != nil {
			return err
		}
		z.VPCs = append(z.VPCs, v)
		change, err = s.putZone(t, c, z, kit.Deref(in.Comment))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &route53.AssociateVPCWithHostedZoneResponse{ChangeInfo: change}, nil
}

// DisassociateVPCFromHostedZone takes a VPC from a private zone: the zone's owner or the
// VPC's may, but not the zone's last VPC.
func (s *DNS) DisassociateVPCFromHostedZone(ctx context.Context, c kit.Caller, in *route53.DisassociateVPCFromHostedZoneRequest) (*route53.DisassociateVPCFromHostedZoneResponse, error) {
	v, err := checkVPC(in.VPC)
	if err != nil {
		return nil, err
	}
	var change *route53.ChangeInfo
	err = s.Update(ctx, func(t *kit.Txn) error {
		z, err := s.zone(t, bareID(kit.Deref(in.HostedZoneId), "hostedzone"))
		if err != nil {
			return err
		}
		i := slices.IndexFunc(z.VPCs, sameVPC(v))
		if z.Owner != c.Account && (i < 0 || z.VPCs[i].Owner != c.Account) {
			return errNoSuchHostedZone(z.ID)
		}
		if i < 0 {
			return errVPCAssociationNotFound(v.ID, z.ID)
		}
		if len(z.VPCs) == 1 {
			return errLastVPCAssociation(v.ID, z.ID)
		}
		z.VPCs = slices.Delete(z.VPCs, i, i+1)
		if err := removeFromVPC(t, v, z.ID); err != nil {
			return err
		}
		change, err = s.putZone(t, c, z, kit.Deref(in.Comment))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &route53.DisassociateVPCFromHostedZoneResponse{ChangeInfo: change}, nil
}

// CreateVPCAssociationAuthorization lets another account's VPC associate with one of the
// caller's private zones.
func (s *DNS) CreateVPCAssociationAuthorization(ctx context.Context, c kit.Caller, in *route53.CreateVPCAssociationAuthorizationRequest) (*route53.CreateVPCAssociationAuthorizationResponse, error) {
	v, err := checkVPC(in.VPC)
	if err != nil {
		return nil, err
	}
	var id string
	err = s.Update(ctx, func(t *kit.Txn) error {
		z, err := s.ownZone(t, c, kit.Deref(in.HostedZoneId))
		if err != nil {
			return err
		}
		id = z.ID
		if !z.Private {
			return errHostedZoneNotPrivate(z.ID)
		}
		if slices.ContainsFunc(z.Authorizations, sameVPC(v)) {
			return nil
		}
		if len(z.Authorizations) >= maxAuthorizations {
			return errTooManyVPCAssociationAuthorizations(z.ID)
		}
		z.Authorizations = append(z.Authorizations, v)
		return t.Put(kit.HostedZoneKey(z.Owner, z.ID), z)
	})
	if err != nil {
		return nil, err
	}
	return &route53.CreateVPCAssociationAuthorizationResponse{HostedZoneId: kit.Ptr(id), VPC: vpcShape(v)}, nil
}

// DeleteVPCAssociationAuthorization withdraws an authorization; associations made with it
// stay.
func (s *DNS) DeleteVPCAssociationAuthorization(ctx context.Context, c kit.Caller, in *route53.DeleteVPCAssociationAuthorizationRequest) (*route53.DeleteVPCAssociationAuthorizationResponse, error) {
	v, err := checkVPC(in.VPC)
	if err != nil {
		return nil, err
	}
	err = s.Update(ctx, func(t *kit.Txn) error {
		z, err := s.ownZone(t, c, kit.Deref(in.HostedZoneId))
		if err != nil {
			return err
		}
		i := slices.IndexFunc(z.Authorizations, sameVPC(v))
		if i < 0 {
			return errVPCAssociationAuthorizationNotFound(v.ID, z.ID)
		}
		z.Authorizations = slices.Delete(z.Authorizations, i, i+1)
		return t.Put(kit.HostedZoneKey(z.Owner, z.ID), z)
	})
	if err != nil {
		return nil, err
	}
	return &route53.DeleteVPCAssociationAuthorizationResponse{}, nil
}

// ListVPCAssociationAuthorizations lists the VPCs a zone has authorized.
func (s *DNS) ListVPCAssociationAuthorizations(ctx context.Context, c kit.Caller, in *route53.ListVPCAssociationAuthorizationsRequest) (*route53.ListVPCAssociationAuthorizationsResponse, error) {
	n, err := maxItems(in.MaxResults, 50, 50, "maxresults")
	if err != nil {
		return nil, err
	}
	var z *kit.HostedZoneRecord
	err = s.View(ctx, func(t *kit.Txn) (err error) {
		z, err = s.ownZone(t, c, kit.Deref(in.HostedZoneId))
		return err
	})
	if err != nil {
		return nil, err
	}
	start, err := pageToken(in.NextToken, len(z.Authorizations))
	if err != nil {
		return nil, err
	}
	out := &route53.ListVPCAssociationAuthorizationsResponse{HostedZoneId: kit.Ptr(z.ID), VPCs: []route53.VPC{}}
	for i := start; i < len(z.Authorizations); i++ {
		if len(out.VPCs) == n {
			out.NextToken = kit.Ptr(strconv.Itoa(i))
			break
		}
		out.VPCs = append(out.VPCs, *vpcShape(z.Authorizations[i]))
	}
	return out, nil
}

// pageToken reads a NextToken of a list that pages by position.
func pageToken(token *string, n int) (int, error) {
	if token == nil {
		return 0, nil
	}
	i, err := strconv.Atoi(*token)
	if err != nil || i < 0 || i > n {
		return 0, errInvalidPaginationToken()
	}
	return i, nil
}

// ListHostedZonesByVPC lists the private zones a VPC is associated with, whoever owns
// them.
func (s *DNS) ListHostedZonesByVPC(ctx context.Context, c kit.Caller, in *route53.ListHostedZonesByVPCRequest) (*route53.ListHostedZonesByVPCResponse, error) {
	v, err := checkVPC(&route53.VPC{VPCId: in.VPCId, VPCRegion: in.VPCRegion})
	if err != nil {
		return nil, err
	}
	n, err := maxItems(in.MaxItems, 100, 100, "maxitems")
	if err != nil {
		return nil, err
	}
	// The VPC's owner sees every zone associated with it; another account, only its own.
	var zones []vpcZone
	err = s.View(ctx, func(t *kit.Txn) error {
		if _, err := t.Get(vpcZonesKey(v), &zones); err != nil {
			return err
		}
		if s.checkOwnVPC(t, c, v) != nil {
			zones = slices.DeleteFunc(zones, func(z vpcZone) bool { return z.Owner != c.Account })
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	start, err := pageToken(in.NextToken, len(zones))
	if err != nil {
		return nil, err
	}
	out := &route53.ListHostedZonesByVPCResponse{MaxItems: kit.Ptr(strconv.Itoa(n)), HostedZoneSummaries: []route53.HostedZoneSummary{}}
	for i := start; i < len(zones); i++ {
		if len(out.HostedZoneSummaries) == n {
			out.NextToken = kit.Ptr(strconv.Itoa(i))
			break
		}
		z := zones[i]
		out.HostedZoneSummaries = append(out.HostedZoneSummaries, route53.HostedZoneSummary{
			HostedZoneId: kit.Ptr(z.ID), Name: kit.Ptr(shown(z.Name)), Owner: &route53.HostedZoneOwner{OwningAccount: kit.Ptr(z.Owner)},
		})
	}
	return out, nil
}
