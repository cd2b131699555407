package compute

import (
	"context"
	"net/netip"
	"slices"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// Regional NAT gateways (CreateNatGateway with AvailabilityMode regional). AWS's rules,
// from the EC2 API reference and the VPC user guide: a regional gateway is created in a
// VPC (VpcId) and in no subnet; it is public only; it spans the zones given with their
// Elastic IPs (AvailabilityZoneAddresses, manual mode) or, without them, the zones where
// the VPC has subnets, with addresses of Amazon's pool (automatic mode); it comes with a
// route table of its own, whose default route goes to the VPC's internet gateway, by
// which what it translated leaves; routes of any subnet's table reach it as nat-....
// The zonal-only parameters (SubnetId, AllocationId, secondary addresses, a private
// address) are refused with it, and VpcId and AvailabilityZoneAddresses without it.

// regionalZone is one zone of a regional request and its Elastic IPs.
type regionalZone struct {
	name, id    string
	allocations []string
}

// checkRegionalRequest checks what a regional request may have; its zones come back in
// the order given, as given (createRegionalNatGateway resolves them in the caller's
// region).
func checkRegionalRequest(in *ec2.CreateNatGatewayRequest) ([]regionalZone, error) {
	zonalOnly := []struct {
		name string
		set  bool
	}{
		{"SubnetId", in.SubnetId != nil},
		{"AllocationId", in.AllocationId != nil},
		{"SecondaryAllocationIds", len(in.SecondaryAllocationIds) > 0},
		{"PrivateIpAddress", in.PrivateIpAddress != nil},
		{"SecondaryPrivateIpAddresses", len(in.SecondaryPrivateIpAddresses) > 0},
		{"SecondaryPrivateIpAddressCount", in.SecondaryPrivateIpAddressCount != nil},
	}
	for _, p := range zonalOnly {
		if p.set {
			return nil, ec2.ErrInvalidParameterCombination("The parameter %s is not supported for a regional NAT gateway.", p.name)
		}
	}
	if ct := kit.Deref(in.ConnectivityType); ct != "" && ct != "public" {
		if ct == "private" {
			return nil, ec2.ErrInvalidParameterCombination("A regional NAT gateway supports public connectivity only.")
		}
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter ConnectivityType is invalid. Expected: 'public', 'private'.", ct)
	}
	if kit.Deref(in.VpcId) == "" {
		return nil, ec2.ErrMissingParameter("VpcId")
	}
	var zones []regionalZone
	seen := map[string]bool{}
	for _, a := range in.AvailabilityZoneAddresses {
		name, id := kit.Deref(a.AvailabilityZone), kit.Deref(a.AvailabilityZoneId)
		switch {
		case name == "" && id == "":
			return nil, ec2.ErrMissingParameter("AvailabilityZone")
		case name != "" && id != "":
			return nil, ec2.ErrInvalidParameterCombination("Only one of AvailabilityZone and AvailabilityZoneId may be specified.")
		}
		if len(a.AllocationIds) == 0 {
			return nil, ec2.ErrMissingParameter("AllocationIds")
		}
		if len(a.AllocationIds) > kit.MaxNatGatewayAddresses {
			return nil, ec2.ErrAddressLimitExceeded("A NAT gateway can have at most %d IPv4 addresses in an Availability Zone.", kit.MaxNatGatewayAddresses)
		}
		z := regionalZone{name: name, id: id, allocations: a.AllocationIds}
		for _, alloc := range a.AllocationIds {
			if seen[alloc] {
				return nil, ec2.ErrInvalidParameterValue("The allocation ID %s is specified more than once.", alloc)
			}
			seen[alloc] = true
		}
		zones = append(zones, z)
	}
	return zones, nil
}

// createRegionalNatGateway creates a regional gateway in the request's VPC.
func (s *Compute) createRegionalNatGateway(ctx context.Context, c kit.Caller, in *ec2.CreateNatGatewayRequest, zones []regionalZone, tags map[string]string) (*ec2.CreateNatGatewayResult, error) {
	seen := map[string]bool{}
	for i := range zones {
		name, id, err := kit.ZoneByNameOrID(c.Region, zones[i].name, zones[i].id)
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, ec2.ErrInvalidParameterValue("The Availability Zone %s is specified more than once.", name)
		}
		seen[name] = true
		zones[i].name, zones[i].id = name, id
	}
	token := kit.Deref(in.ClientToken)
	now := s.Now().UTC().Truncate(time.Second)
	var g *kit.NatGatewayRecord
	err := s.UpdateOn(ctx, *in.VpcId, func(t *kit.Txn) error {
		vpc, _, err := kit.ChildOf(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		if g, err = s.natGatewayPlace(t, c, c.Prefix("nat-vpc")+vpc.ID, token,
			func(o *kit.NatGatewayRecord) bool { return o.Regional() && o.VpcID == vpc.ID },
			func(o *kit.NatGatewayRecord) bool { return o.Regional() && o.VpcID == vpc.ID }); g != nil || err != nil {
			return err
		}
		eips := map[string]*elasticIPRecord{}
		for _, z := range zones {
			for _, id := range z.allocations {
				if eips[id], err = kit.Get[elasticIPRecord](t, c, "eipalloc", id); err != nil {
					return err
				}
			}
		}
		g = &kit.NatGatewayRecord{
			Meta: kit.Meta{ID: kit.NewID("nat"), Owner: c.Account, Tags: tags}, VpcID: vpc.ID,
			ConnectivityType: "public", AvailabilityMode: "regional", AutoProvisionZones: len(zones) == 0,
			State: "available", CreateTime: now, ClientToken: token,
		}
		code, msg, err := s.provisionRegional(t, c, g, vpc, zones, eips)
		if err != nil {
			return err
		}
		if code != "" {
			g.State, g.FailureCode, g.FailureMessage, g.Addresses = "failed", code, msg, nil
		}
		return t.Put(c.Key(g.ID), g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateNatGatewayResult{NatGateway: g.EC2(now), ClientToken: in.ClientToken}, nil
}

// provisionRegional gives a new regional gateway its route table and its addresses by
// zone. As for a zonal gateway, what AWS lets the gateway fail for (no internet gateway,
// an Elastic IP in use) changes nothing and comes back as a failure code and message.
func (s *Compute) provisionRegional(t *kit.Txn, c kit.Caller, g *kit.NatGatewayRecord, vpc *kit.VpcRecord, zones []regionalZone, eips map[string]*elasticIPRecord) (code, msg string, err error) {
	igws, err := kit.ListAll[kit.InternetGatewayRecord](t, c.Prefix("igw"))
	if err != nil {
		return "", "", err
	}
	igw := slices.IndexFunc(igws, func(i *kit.InternetGatewayRecord) bool { return i.VpcID == vpc.ID })
	if igw < 0 {
		return "Gateway.NotAttached", "Network " + vpc.ID + " has no Internet gateway attached", nil
	}
	for _, r := range eips {
		if used, err := r.inUse(t, c); err != nil || used {
			return "Resource.AlreadyAssociated", "Elastic IP address " + r.ID + " is already associated", err
		}
	}
	if len(zones) == 0 {
		if zones, err = vpcZones(t, c, vpc.ID); err != nil {
			return "", "", err
		}
	}
	for _, z := range zones {
		if len(z.allocations) == 0 {
			// Automatic mode: one address of Amazon's pool per zone.
			a, err := s.AllocatePublicIP(t, c, g.ID)
			if err != nil {
				return "", "", err
			}
			g.Addresses = append(g.Addresses, kit.NatGatewayAddress{PublicIP: a, AvailabilityZone: z.name, AvailabilityZoneID: z.id})
			continue
		}
		for _, id := range z.allocations {
			a, err := holdForNat(t, c, g, eips[id], z.name, z.id)
			if err != nil {
				return "", "", err
			}
			g.Addresses = append(g.Addresses, a)
		}
	}
	rtb := &kit.RouteTableRecord{Meta: kit.Meta{ID: kit.NewID("rtb"), Owner: c.Account, Tags: map[string]string{}}, VpcID: vpc.ID, NatGateway: g.ID}
	for _, cidr := range vpc.Cidrs() {
		rtb.Routes = append(rtb.Routes, kit.Route{Destination: cidr, Target: "local", Origin: "CreateRouteTable"})
	}
	rtb.Routes = append(rtb.Routes, kit.Route{Destination: netip.MustParsePrefix("0.0.0.0/0"), Target: igws[igw].ID, Origin: "CreateRouteTable"})
	g.RouteTable = rtb.ID
	return "", "", t.Put(c.Key(rtb.ID), rtb)
}

// vpcZones are the zones where the VPC has subnets, in name order: an automatic regional
// gateway's.
func vpcZones(t *kit.Txn, c kit.Caller, vpcID string) ([]regionalZone, error) {
	subnets, err := kit.ListAll[kit.SubnetRecord](t, c.Prefix("subnet"))
	if err != nil {
		return nil, err
	}
	var zones []regionalZone
	for _, sn := range subnets {
		if sn.VpcID == vpcID && !slices.ContainsFunc(zones, func(z regionalZone) bool { return z.name == sn.AvailabilityZone }) {
			zones = append(zones, regionalZone{name: sn.AvailabilityZone, id: sn.AvailabilityZoneID})
		}
	}
	slices.SortFunc(zones, func(a, b regionalZone) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	return zones, nil
}

// deleteRegional frees what a regional gateway held: its Elastic IPs, the addresses of
// Amazon's pool, and its route table (routes to the gateway elsewhere become blackholes).
func deleteRegional(t *kit.Txn, c kit.Caller, g *kit.NatGatewayRecord) error {
	for _, a := range g.Addresses {
		if err := releaseRegionalAddress(t, c, g, a); err != nil {
			return err
		}
	}
	if g.RouteTable == "" {
		return nil
	}
	if _, _, err := kit.ChildOf(t, c, g.VpcID); err != nil {
		return err
	}
	t.Del(c.Key(g.RouteTable))
	return nil
}

// releaseRegionalAddress gives back an address a regional gateway held: to Amazon's pool,
// or free again as the caller's Elastic IP.
func releaseRegionalAddress(t *kit.Txn, c kit.Caller, g *kit.NatGatewayRecord, a kit.NatGatewayAddress) error {
	if a.AllocationID == "" {
		kit.ReleasePublicIP(t, c, a.PublicIP)
		return nil
	}
	r := new(elasticIPRecord)
	found, err := t.Get(c.Key(a.AllocationID), r)
	if err != nil || !found || r.NatGateway != g.ID {
		return err
	}
	r.NatGateway, r.NatAssociation = "", ""
	return t.Put(c.Key(r.ID), r)
}

// inUse reports whether an Elastic IP is associated: with an interface, or held by a
// regional NAT gateway.
func (r *elasticIPRecord) inUse(t *kit.Txn, c kit.Caller) (bool, error) {
	b, err := r.binding(t, c)
	return b != nil || r.NatGateway != "", err
}

// holdForNat makes an Elastic IP an address of a regional gateway in a zone.
func holdForNat(t *kit.Txn, c kit.Caller, g *kit.NatGatewayRecord, r *elasticIPRecord, zone, zoneID string) (kit.NatGatewayAddress, error) {
	a := kit.NatGatewayAddress{AllocationID: r.ID, PublicIP: r.PublicIP, AssociationID: kit.NewID("eipassoc"), AvailabilityZone: zone, AvailabilityZoneID: zoneID}
	r.NatGateway, r.NatAssociation = g.ID, a.AssociationID
	return a, t.Put(c.Key(r.ID), r)
}
