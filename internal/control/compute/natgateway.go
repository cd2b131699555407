package compute

import (
	"context"
	"strings"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func errNatGatewayNotFound(id string) error {
	return ec2.ErrNatGatewayNotFound("NAT gateway %s was not found", id)
}

// getNatGateway reads a gateway of the caller with the errors the NAT gateway actions
// give (route targets use the generic InvalidNatGatewayID.NotFound instead).
func getNatGateway(t *kit.Txn, c kit.Caller, id string) (*kit.NatGatewayRecord, error) {
	if !kit.ValidID(id, "nat") {
		return nil, ec2.ErrNatGatewayMalformed("The NAT gateway ID '%s' is malformed", id)
	}
	g := new(kit.NatGatewayRecord)
	ok, err := t.Get(c.Key(id), g)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNatGatewayNotFound(id)
	}
	return g, nil
}

// natGatewayRequest is a checked CreateNatGateway request.
type natGatewayRequest struct {
	public          bool
	allocations     []string // the primary's first (public only)
	privateIP       string
	secondaryIPs    []string
	secondaryCount  int
	tags            map[string]string
	token, subnetID string
	regional        bool
	zones           []regionalZone // a regional one's, none in automatic mode
}

func checkNatGatewayRequest(in *ec2.CreateNatGatewayRequest) (*natGatewayRequest, error) {
	switch m := kit.Deref(in.AvailabilityMode); m {
	case "regional":
		zones, err := checkRegionalRequest(in)
		if err != nil {
			return nil, err
		}
		r := &natGatewayRequest{regional: true, zones: zones, token: kit.Deref(in.ClientToken)}
		if r.tags, err = kit.TagsOnCreate(in.TagSpecifications, "natgateway"); err != nil {
			return nil, err
		}
		return r, nil
	case "", "zonal":
	default:
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter AvailabilityMode is invalid. Expected: 'zonal', 'regional'.", m)
	}
	if in.VpcId != nil || len(in.AvailabilityZoneAddresses) > 0 {
		return nil, ec2.ErrInvalidParameterCombination("VpcId and AvailabilityZoneAddresses are for regional NAT gateways only (AvailabilityMode regional).")
	}
	if kit.Deref(in.SubnetId) == "" {
		return nil, ec2.ErrMissingParameter("SubnetId")
	}
	r := &natGatewayRequest{subnetID: *in.SubnetId, privateIP: kit.Deref(in.PrivateIpAddress), token: kit.Deref(in.ClientToken), secondaryIPs: in.SecondaryPrivateIpAddresses}
	switch ct := kit.Deref(in.ConnectivityType); ct {
	case "", "public":
		r.public = true
		if kit.Deref(in.AllocationId) == "" {
			return nil, ec2.ErrMissingParameter("AllocationId")
		}
		r.allocations = append([]string{*in.AllocationId}, in.SecondaryAllocationIds...)
	case "private":
		if in.AllocationId != nil || len(in.SecondaryAllocationIds) > 0 {
			return nil, ec2.ErrInvalidParameterCombination("A private NAT gateway cannot have an Elastic IP address: AllocationId and SecondaryAllocationIds are for public NAT gateways.")
		}
	default:
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter ConnectivityType is invalid. Expected: 'public', 'private'.", ct)
	}
	if n := kit.Deref(in.SecondaryPrivateIpAddressCount); n != 0 {
		if n < 1 || n > kit.MaxNatGatewayAddresses-1 {
			return nil, ec2.ErrInvalidParameterValue("Value (%d) for parameter SecondaryPrivateIpAddressCount is invalid. Expected a value between 1 and %d.", n, kit.MaxNatGatewayAddresses-1)
		}
		if len(r.secondaryIPs) > 0 {
			return nil, ec2.ErrInvalidParameterCombination("SecondaryPrivateIpAddressCount and SecondaryPrivateIpAddresses cannot be specified together.")
		}
		r.secondaryCount = int(n)
	}
	if r.public && (r.secondaryCount > 0 || len(r.secondaryIPs) > 0) {
		// On a public gateway each secondary address comes with a secondary Elastic IP.
		return nil, ec2.ErrInvalidParameterCombination("Secondary private IPv4 addresses of a public NAT gateway come with SecondaryAllocationIds.")
	}
	if 1+max(0, len(r.allocations)-1)+len(r.secondaryIPs)+r.secondaryCount > kit.MaxNatGatewayAddresses {
		return nil, ec2.ErrAddressLimitExceeded("A NAT gateway can have at most %d IPv4 addresses.", kit.MaxNatGatewayAddresses)
	}
	var err error
	if r.tags, err = kit.TagsOnCreate(in.TagSpecifications, "natgateway"); err != nil {
		return nil, err
	}
	return r, nil
}

// CreateNatGateway creates a NAT gateway in a subnet: public with an Elastic IP, or
// private; or a regional one in a VPC (natregional.go). A repeated ClientToken returns
// the gateway it created.
func (s *Compute) CreateNatGateway(ctx context.Context, c kit.Caller, in *ec2.CreateNatGatewayRequest) (*ec2.CreateNatGatewayResult, error) {
	req, err := checkNatGatewayRequest(in)
	if err != nil {
		return nil, err
	}
	if req.regional {
		return s.createRegionalNatGateway(ctx, c, in, req.zones, req.tags)
	}
	now := s.Now().UTC().Truncate(time.Second)
	var g *kit.NatGatewayRecord
	err = s.Update(ctx, func(t *kit.Txn) error {
		sn, err := kit.Get[kit.SubnetRecord](t, c, "subnet", req.subnetID)
		if err != nil {
			return err
		}
		if g, err = s.natGatewayPlace(t, c, c.Prefix("nat-zone")+sn.AvailabilityZone, req.token,
			func(o *kit.NatGatewayRecord) bool { return o.Subnet == sn.ID },
			func(o *kit.NatGatewayRecord) bool { return o.AvailabilityZone == sn.AvailabilityZone }); g != nil || err != nil {
			return err
		}
		eips := make([]*elasticIPRecord, len(req.allocations))
		for i, id := range req.allocations {
			if eips[i], err = kit.Get[elasticIPRecord](t, c, "eipalloc", id); err != nil {
				return err
			}
		}
		connectivity := "private"
		if req.public {
			connectivity = "public"
		}
		g = &kit.NatGatewayRecord{
			Meta: kit.Meta{ID: kit.NewID("nat"), Owner: c.Account, Tags: req.tags}, VpcID: sn.VpcID, Subnet: sn.ID,
			AvailabilityZone: sn.AvailabilityZone, ConnectivityType: connectivity, State: "available",
			CreateTime: now, ClientToken: req.token,
		}
		if code, msg, err := s.provisionNatGateway(t, c, g, sn, req, eips); err != nil {
			return err
		} else if code != "" {
			g.State, g.FailureCode, g.FailureMessage, g.ENI, g.Addresses = "failed", code, msg, "", nil
		}
		return t.Put(c.Key(g.ID), g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateNatGatewayResult{NatGateway: g.EC2(now), ClientToken: in.ClientToken}, nil
}

// natGatewayPlace takes a place under the quota for a new gateway: counts says which
// live gateways share it (those of the zone, or the VPC's regional ones). The quota
// counts a listing: the guard key (of the zone or the VPC) makes two creations there
// conflict, so that they do not both take the last place. A repeated client token
// returns the gateway it created instead, when same says it had the same parameters.
func (s *Compute) natGatewayPlace(t *kit.Txn, c kit.Caller, guard, token string, same, counts func(*kit.NatGatewayRecord) bool) (*kit.NatGatewayRecord, error) {
	if err := t.Guard(guard); err != nil {
		return nil, err
	}
	all, err := kit.ListAll[kit.NatGatewayRecord](t, c.Prefix("nat"))
	if err != nil {
		return nil, err
	}
	n := 0
	for _, o := range all {
		if token != "" && o.ClientToken == token {
			if !same(o) {
				return nil, ec2.ErrIdempotentParameterMismatch("The client token you have provided is associated with a resource that is already deleted or has different parameters.")
			}
			return o, nil
		}
		if o.Live() && counts(o) {
			n++
		}
	}
	limit, err := s.QuotaLimit(t, c, kit.QuotaNatGatewaysPerAZ)
	if err != nil {
		return nil, err
	}
	if n >= limit {
		return nil, ec2.ErrNatGatewayLimitExceeded("The maximum number of NAT gateways has been reached.")
	}
	return nil, nil
}

// provisionNatGateway gives a new gateway its interface, addresses and Elastic IPs. When
// AWS would let the gateway fail instead, it changes nothing and returns the failure code
// and message.
func (s *Compute) provisionNatGateway(t *kit.Txn, c kit.Caller, g *kit.NatGatewayRecord, sn *kit.SubnetRecord, req *natGatewayRequest, eips []*elasticIPRecord) (code, msg string, err error) {
	if req.public {
		if err := checkGatewayAttached(t, c, sn.VpcID); err != nil {
			return "Gateway.NotAttached", "Network " + sn.VpcID + " has no Internet gateway attached", nil
		}
		for _, r := range eips {
			b, err := r.binding(t, c)
			if err != nil {
				return "", "", err
			}
			if b != nil {
				return "Resource.AlreadyAssociated", "Elastic IP address " + r.ID + " is already associated", nil
			}
		}
	}
	alloc, err := kit.NewSubnetAllocator(t, c, sn)
	if err != nil {
		return "", "", err
	}
	sp := &interfaceSpec{
		subnet: sn, description: "Interface for NAT Gateway " + g.ID, primaryIP: req.privateIP,
		secondaryIPs: req.secondaryIPs, secondaryCount: req.secondaryCount + max(0, len(eips)-1),
	}
	if alloc.Free() < sp.addresses() {
		return "InsufficientFreeAddressesInSubnet", "Subnet has insufficient free addresses to create this NAT gateway", nil
	}
	e, err := s.addInterface(t, c, alloc, sp, "", s.Now())
	if err != nil {
		return "", "", err
	}
	e.InterfaceType, e.RequesterManaged, e.SourceDestCheck, e.Groups = "nat_gateway", true, false, []string{}
	g.ENI = e.ID
	for i := range e.PrivateIPs {
		a := kit.NatGatewayAddress{PrivateIP: e.PrivateIPs[i].Addr}
		if i < len(eips) {
			r := eips[i]
			a.AllocationID, a.PublicIP, a.AssociationID = r.ID, r.PublicIP, kit.NewID("eipassoc")
			e.PrivateIPs[i].Association = &kit.IpAssociation{PublicIP: r.PublicIP, Owner: c.Account, AllocationID: r.ID, AssociationID: a.AssociationID}
			r.NetworkInterfaceID = e.ID
			if err := t.Put(c.Key(r.ID), r); err != nil {
				return "", "", err
			}
		}
		g.Addresses = append(g.Addresses, a)
	}
	if err := t.Put(c.Key(e.ID), e); err != nil {
		return "", "", err
	}
	return "", "", kit.RecountSubnet(t, c, sn.ID)
}

// DeleteNatGateway deletes a gateway: its interface goes (a regional one's route table
// and addresses of Amazon's pool), its Elastic IPs are disassociated, and routes to it
// become blackholes. Deleting a deleted gateway is fine.
func (s *Compute) DeleteNatGateway(ctx context.Context, c kit.Caller, in *ec2.DeleteNatGatewayRequest) (*ec2.DeleteNatGatewayResult, error) {
	id := kit.Deref(in.NatGatewayId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("NatGatewayId")
	}
	now := s.Now().UTC().Truncate(time.Second)
	err := s.Update(ctx, func(t *kit.Txn) error {
		g, err := getNatGateway(t, c, id)
		if err != nil {
			return err
		}
		if g.State == "deleted" {
			return nil
		}
		if g.Regional() {
			if err := deleteRegional(t, c, g); err != nil {
				return err
			}
		}
		if g.ENI != "" {
			e := new(kit.NetworkInterfaceRecord)
			found, err := t.Get(c.Key(g.ENI), e)
			if err != nil {
				return err
			}
			if found {
				// Elastic IPs name the interface they were last associated with; with the
				// interface gone they are free again (see elasticip.go).
				t.Del(c.Key(e.ID))
				if err := kit.RecountSubnet(t, c, e.SubnetID); err != nil {
					return err
				}
			}
		}
		g.State, g.DeleteTime = "deleted", now
		return t.Put(c.Key(g.ID), g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteNatGatewayResult{NatGatewayId: kit.Ptr(id)}, nil
}

// natGatewayFilters are DescribeNatGateways' filters; the state's depends on now.
func natGatewayFilters(now time.Time) map[string]func(*kit.NatGatewayRecord) []string {
	return map[string]func(*kit.NatGatewayRecord) []string{
		"nat-gateway-id": func(g *kit.NatGatewayRecord) []string { return []string{g.ID} },
		"state":          func(g *kit.NatGatewayRecord) []string { return []string{g.StateAt(now)} },
		"subnet-id":      func(g *kit.NatGatewayRecord) []string { return []string{g.Subnet} },
		"vpc-id":         func(g *kit.NatGatewayRecord) []string { return []string{g.VpcID} },
	}
}

// DescribeNatGateways lists the caller's NAT gateways, deleted and failed ones for an
// hour after they ended.
func (s *Compute) DescribeNatGateways(ctx context.Context, c kit.Caller, in *ec2.DescribeNatGatewaysRequest) (*ec2.DescribeNatGatewaysResult, error) {
	for _, id := range in.NatGatewayIds {
		if !kit.ValidID(id, "nat") {
			return nil, ec2.ErrNatGatewayMalformed("The NAT gateway ID '%s' is malformed", id)
		}
	}
	now := s.Now()
	gs, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "nat", IDs: in.NatGatewayIds, Filters: in.Filter, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, natGatewayFilters(now))
	if kit.IsNotFound(err, "nat") {
		return nil, ec2.ErrNatGatewayNotFound("NAT gateway %s was not found", firstMissing(in.NatGatewayIds, err.(*ec2.Error).Message))
	}
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeNatGatewaysResult{NextToken: next, NatGateways: []ec2.NatGateway{}}
	for _, g := range gs {
		if !g.Visible(now) {
			if len(in.NatGatewayIds) > 0 {
				return nil, errNatGatewayNotFound(g.ID)
			}
			continue
		}
		out.NatGateways = append(out.NatGateways, *g.EC2(now))
	}
	return out, nil
}

// firstMissing is the ID that a NotFound message names.
func firstMissing(ids []string, message string) string {
	for _, id := range ids {
		if id != "" && strings.Contains(message, id) {
			return id
		}
	}
	return ""
}
