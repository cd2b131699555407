package dns

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"vpcd/internal/aws/route53"
	"vpcd/internal/control/kit"
)

// Store keys beside the zone records (kit.HostedZoneKey): which account owns a zone ID,
// which caller references an account has used, and the changes.
func zoneOwnerKey(id string) string { return "route53/zone/" + id }
func callerRefKey(account, ref string) string {
	return "route53/ref/" + account + "/" + url.PathEscape(ref)
}

// privateNameServers are the name servers every private hosted zone's NS record lists.
var privateNameServers = []string{"ns-0.awsdns-00.com.", "ns-512.awsdns-00.net.", "ns-1024.awsdns-00.org.", "ns-1536.awsdns-00.co.uk."}

// publicNameServers are a public zone's delegation set, one in each of AWS's four top
// level domains, picked from the zone's ID.
func publicNameServers(id string) []string {
	h := fnv.New32a()
	h.Write([]byte(id))
	n := h.Sum32()
	base, set := int(n%512), int(n/512%100)
	return []string{
		fmt.Sprintf("ns-%d.awsdns-%02d.com.", base, set),
		fmt.Sprintf("ns-%d.awsdns-%02d.net.", 512+base, set),
		fmt.Sprintf("ns-%d.awsdns-%02d.org.", 1024+base, set),
		fmt.Sprintf("ns-%d.awsdns-%02d.co.uk.", 1536+base, set),
	}
}

// Route 53 creates the apex's NS and SOA records with every zone.
const (
	nsTTL  = 172800
	soaTTL = 900
)

// defaultRecords are a zone's apex NS and SOA records; the SOA names the first name
// server of a public zone's delegation set, and ns-1536.awsdns-00.co.uk. in a private zone.
func defaultRecords(name string, nameServers []string, private bool) []kit.RecordSet {
	primary := nameServers[0]
	if private {
		primary = nameServers[len(nameServers)-1]
	}
	return []kit.RecordSet{
		{Name: name, Type: "NS", TTL: nsTTL, Values: slices.Clone(nameServers)},
		{Name: name, Type: "SOA", TTL: soaTTL, Values: []string{primary + " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}},
	}
}

// CreateHostedZone creates a public zone, or a private one associated with the request's
// VPC. A caller reference serves once per account.
func (s *DNS) CreateHostedZone(ctx context.Context, c kit.Caller, in *route53.CreateHostedZoneRequest) (*route53.CreateHostedZoneResponse, error) {
	name := fqdn(kit.Deref(in.Name))
	ref := kit.Deref(in.CallerReference)
	if len(ref) > 128 {
		return nil, errValidation(ref, "callerReference", "Member must have length less than or equal to 128")
	}
	if !validName(name) {
		return nil, errInvalidDomainName(kit.Deref(in.Name))
	}
	if in.DelegationSetId != nil {
		return nil, errNoSuchDelegationSet(kit.Deref(in.DelegationSetId))
	}
	var comment string
	wantPrivate := false
	if in.HostedZoneConfig != nil {
		comment = kit.Deref(in.HostedZoneConfig.Comment)
		wantPrivate = kit.Deref(in.HostedZoneConfig.PrivateZone)
	}
	if len(comment) > 256 {
		return nil, errValidation(comment, "hostedZoneConfig.comment", "Member must have length less than or equal to 256")
	}
	var vpc *kit.ZoneVPC
	if in.VPC != nil {
		v, err := checkVPC(in.VPC)
		if err != nil {
			return nil, err
		}
		v.Owner = c.Account
		vpc = &v
	} else if wantPrivate {
		return nil, errInvalidInput("When you're creating a private hosted zone (when you specify true for PrivateZone), you must also specify values for VPCId and VPCRegion.")
	}
	if vpc == nil && strings.Count(name, ".") == 1 {
		return nil, errTopLevelDomain(name)
	}
	z := &kit.HostedZoneRecord{ID: newID("Z"), Owner: c.Account, Name: name, CallerReference: ref, Comment: comment, Private: vpc != nil, Created: s.Now().UTC()}
	if z.Private {
		z.VPCs = []kit.ZoneVPC{*vpc}
		z.RecordSets = defaultRecords(name, privateNameServers, true)
	} else {
		z.NameServers = publicNameServers(z.ID)
		z.RecordSets = defaultRecords(name, z.NameServers, false)
	}
	var change *route53.ChangeInfo
	err := s.Update(ctx, func(t *kit.Txn) error {
		var used string
		if ok, err := t.Get(callerRefKey(c.Account, ref), &used); err != nil {
			return err
		} else if ok {
			return errHostedZoneAlreadyExists(name, ref)
		}
		if n, err := countZones(t, c.Account); err != nil {
			return err
		} else if n >= maxHostedZones {
			return errTooManyHostedZones()
		}
		if vpc != nil {
			if err := s.checkOwnVPC(t, c, *vpc); err != nil {
				return err
			}
			if err := addToVPC(t, *vpc, z); err != nil {
				return err
			}
		}
		if err := t.Put(callerRefKey(c.Account, ref), z.ID); err != nil {
			return err
		}
		if err := t.Put(zoneOwnerKey(z.ID), c.Account); err != nil {
			return err
		}
		var err error
		if change, err = s.newChange(t, c, ""); err != nil {
			return err
		}
		return t.Put(kit.HostedZoneKey(c.Account, z.ID), z)
	})
	if err != nil {
		return nil, err
	}
	out := &route53.CreateHostedZoneResponse{
		HostedZone: zoneShape(z), ChangeInfo: change,
		Location: kit.Ptr("https://route53.amazonaws.com/2013-04-01/hostedzone/" + z.ID),
	}
	if z.Private {
		out.VPC = vpcShape(*vpc)
		out.DelegationSet = &route53.DelegationSet{NameServers: privateNameServers}
	} else {
		out.DelegationSet = &route53.DelegationSet{NameServers: z.NameServers}
	}
	return out, nil
}

// zoneShape is a zone as Route 53 describes it.
func zoneShape(z *kit.HostedZoneRecord) *route53.HostedZone {
	cfg := &route53.HostedZoneConfig{PrivateZone: kit.Ptr(z.Private)}
	if z.Comment != "" {
		cfg.Comment = kit.Ptr(z.Comment)
	}
	return &route53.HostedZone{
		Id: kit.Ptr(zonePath(z.ID)), Name: kit.Ptr(shown(z.Name)), CallerReference: kit.Ptr(z.CallerReference),
		Config: cfg, ResourceRecordSetCount: kit.Ptr(int64(len(z.RecordSets))),
	}
}

// zone reads a zone by ID, whoever owns it; NoSuchHostedZone when there is none.
func (s *DNS) zone(t *kit.Txn, id string) (*kit.HostedZoneRecord, error) {
	if len(id) > 32 {
		return nil, errValidation(id, "id", "Member must have length less than or equal to 32")
	}
	var owner string
	if ok, err := t.Get(zoneOwnerKey(id), &owner); err != nil || !ok {
		if err == nil {
			err = errNoSuchHostedZone(id)
		}
		return nil, err
	}
	z := new(kit.HostedZoneRecord)
	if ok, err := t.Get(kit.HostedZoneKey(owner, id), z); err != nil || !ok {
		if err == nil {
			err = errNoSuchHostedZone(id)
		}
		return nil, err
	}
	return z, nil
}

// ownZone reads one of the caller's zones.
func (s *DNS) ownZone(t *kit.Txn, c kit.Caller, id string) (*kit.HostedZoneRecord, error) {
	z, err := s.zone(t, bareID(id, "hostedzone"))
	if err != nil {
		return nil, err
	}
	if z.Owner != c.Account {
		return nil, errNoSuchHostedZone(z.ID)
	}
	return z, nil
}

// GetHostedZone describes a zone: a public one's name servers, a private one's VPCs.
func (s *DNS) GetHostedZone(ctx context.Context, c kit.Caller, in *route53.GetHostedZoneRequest) (*route53.GetHostedZoneResponse, error) {
	var z *kit.HostedZoneRecord
	err := s.View(ctx, func(t *kit.Txn) (err error) {
		z, err = s.ownZone(t, c, kit.Deref(in.Id))
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &route53.GetHostedZoneResponse{HostedZone: zoneShape(z)}
	if z.Private {
		for _, v := range z.VPCs {
			out.VPCs = append(out.VPCs, *vpcShape(v))
		}
	} else {
		out.DelegationSet = &route53.DelegationSet{NameServers: z.NameServers}
	}
	return out, nil
}

// UpdateHostedZoneComment sets or clears a zone's comment.
func (s *DNS) UpdateHostedZoneComment(ctx context.Context, c kit.Caller, in *route53.UpdateHostedZoneCommentRequest) (*route53.UpdateHostedZoneCommentResponse, error) {
	comment := kit.Deref(in.Comment)
	if len(comment) > 256 {
		return nil, errValidation(comment, "comment", "Member must have length less than or equal to 256")
	}
	var z *kit.HostedZoneRecord
	err := s.Update(ctx, func(t *kit.Txn) (err error) {
		if z, err = s.ownZone(t, c, kit.Deref(in.Id)); err != nil {
			return err
		}
		z.Comment = comment
		return t.Put(kit.HostedZoneKey(z.Owner, z.ID), z)
	})
	if err != nil {
		return nil, err
	}
	return &route53.UpdateHostedZoneCommentResponse{HostedZone: zoneShape(z)}, nil
}

// DeleteHostedZone deletes a zone that holds no record sets but its apex's NS and SOA.
func (s *DNS) DeleteHostedZone(ctx context.Context, c kit.Caller, in *route53.DeleteHostedZoneRequest) (*route53.DeleteHostedZoneResponse, error) {
	var change *route53.ChangeInfo
	err := s.Update(ctx, func(t *kit.Txn) error {
		z, err := s.ownZone(t, c, kit.Deref(in.Id))
		if err != nil {
			return err
		}
		for _, rs := range z.RecordSets {
			if !required(z, rs) {
				return errHostedZoneNotEmpty()
			}
		}
		for _, v := range z.VPCs {
			if err := removeFromVPC(t, v, z.ID); err != nil {
				return err
			}
		}
		t.Del(kit.HostedZoneKey(z.Owner, z.ID))
		t.Del(zoneOwnerKey(z.ID))
		change, err = s.newChange(t, c, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	return &route53.DeleteHostedZoneResponse{ChangeInfo: change}, nil
}

// required reports whether a record set is one of those Route 53 keeps in every zone:
// the apex's NS and SOA.
func required(z *kit.HostedZoneRecord, rs kit.RecordSet) bool {
	return rs.Name == z.Name && (rs.Type == "NS" || rs.Type == "SOA") && rs.SetIdentifier == ""
}

// GetHostedZoneCount counts the caller's zones.
func (s *DNS) GetHostedZoneCount(ctx context.Context, c kit.Caller, _ *route53.GetHostedZoneCountRequest) (*route53.GetHostedZoneCountResponse, error) {
	zones, err := s.zones(ctx, c)
	if err != nil {
		return nil, err
	}
	return &route53.GetHostedZoneCountResponse{HostedZoneCount: kit.Ptr(int64(len(zones)))}, nil
}

// zones lists the caller's zones.
func (s *DNS) zones(ctx context.Context, c kit.Caller) ([]*kit.HostedZoneRecord, error) {
	var zones []*kit.HostedZoneRecord
	err := s.View(ctx, func(t *kit.Txn) (err error) {
		zones, err = kit.ListAll[kit.HostedZoneRecord](t, kit.HostedZonePrefix(c.Account))
		return err
	})
	return zones, err
}

// maxItems reads a page size: def when absent, at most limit.
func maxItems(s *string, def, limit int, member string) (int, error) {
	if s == nil {
		return def, nil
	}
	n, err := strconv.Atoi(*s)
	if err != nil || n < 1 {
		return 0, errInvalidInput("The value of %s must be a positive integer: %s", member, *s)
	}
	return min(n, limit), nil
}

// ListHostedZones lists the caller's zones by ID; Marker is the ID of the first zone of a
// page.
func (s *DNS) ListHostedZones(ctx context.Context, c kit.Caller, in *route53.ListHostedZonesRequest) (*route53.ListHostedZonesResponse, error) {
	n, err := maxItems(in.MaxItems, 100, 100, "maxitems")
	if err != nil {
		return nil, err
	}
	if in.DelegationSetId != nil {
		return nil, errNoSuchDelegationSet(kit.Deref(in.DelegationSetId))
	}
	if in.HostedZoneType != nil && *in.HostedZoneType != "PrivateHostedZone" {
		return nil, errValidation(*in.HostedZoneType, "hostedZoneType", "Member must satisfy enum value set: [PrivateHostedZone]")
	}
	zones, err := s.zones(ctx, c)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(zones, func(a, b *kit.HostedZoneRecord) int { return strings.Compare(a.ID, b.ID) })
	marker := bareID(kit.Deref(in.Marker), "hostedzone")
	out := &route53.ListHostedZonesResponse{Marker: kit.Ptr(kit.Deref(in.Marker)), MaxItems: kit.Ptr(strconv.Itoa(n)), IsTruncated: kit.Ptr(false)}
	for _, z := range zones {
		if z.ID < marker || (in.HostedZoneType != nil && !z.Private) {
			continue
		}
		if len(out.HostedZones) == n {
			out.IsTruncated, out.NextMarker = kit.Ptr(true), kit.Ptr(z.ID)
			break
		}
		out.HostedZones = append(out.HostedZones, *zoneShape(z))
	}
	return out, nil
}

// ListHostedZonesByName lists the caller's zones in the order of their names' labels
// from the top (com.example before com.example.a), from DNSName and HostedZoneId on.
func (s *DNS) ListHostedZonesByName(ctx context.Context, c kit.Caller, in *route53.ListHostedZonesByNameRequest) (*route53.ListHostedZonesByNameResponse, error) {
	n, err := maxItems(in.MaxItems, 100, 100, "maxitems")
	if err != nil {
		return nil, err
	}
	if in.HostedZoneId != nil && in.DNSName == nil {
		return nil, errInvalidInput("The input is not valid: a hosted zone ID requires a DNS name.")
	}
	zones, err := s.zones(ctx, c)
	if err != nil {
		return nil, err
	}
	byName := func(a, b *kit.HostedZoneRecord) int {
		if c := compareNames(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	}
	slices.SortFunc(zones, byName)
	out := &route53.ListHostedZonesByNameResponse{DNSName: in.DNSName, HostedZoneId: in.HostedZoneId, MaxItems: kit.Ptr(strconv.Itoa(n)), IsTruncated: kit.Ptr(false)}
	start := &kit.HostedZoneRecord{}
	if in.DNSName != nil {
		start = &kit.HostedZoneRecord{Name: fqdn(*in.DNSName), ID: bareID(kit.Deref(in.HostedZoneId), "hostedzone")}
	}
	for _, z := range zones {
		if in.DNSName != nil && byName(z, start) < 0 {
			continue
		}
		if len(out.HostedZones) == n {
			out.IsTruncated, out.NextDNSName, out.NextHostedZoneId = kit.Ptr(true), kit.Ptr(shown(z.Name)), kit.Ptr(z.ID)
			break
		}
		out.HostedZones = append(out.HostedZones, *zoneShape(z))
	}
	return out, nil
}
