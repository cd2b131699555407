package control

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"vpcd/internal/ec2"
)

// NAT gateways (kind "nat"). A NAT gateway is a requester-managed network interface in
// its subnet (type nat_gateway, no security groups, source/destination check off) and,
// when public, an Elastic IP associated with the interface's primary address. The record
// keeps the state the gateway converges to: available, failed or deleted. As on AWS, a
// new gateway shows as pending for a moment and a deleted one as deleting, then stays
// visible for an hour. Creation checks that do not make the request invalid (no internet
// gateway, an Elastic IP in use, a full subnet) do not fail the call: they leave a failed
// gateway with AWS's failure code and message, as AWS does.

const (
	// natGatewayPending is how long a new gateway shows as pending before it is available
	// (or failed), and natGatewayDeleting how long a deleted one shows as deleting: long
	// enough that clients see and wait through the states AWS has, short enough for tests.
	natGatewayPending  = time.Second
	natGatewayDeleting = time.Second
	// natGatewayShownAfterEnd is how long a deleted or failed gateway stays visible.
	natGatewayShownAfterEnd = time.Hour
	// maxNatGatewayAddresses bounds the private addresses of one gateway (the primary and
	// its secondaries), as AWS's quota of addresses per NAT gateway does.
	maxNatGatewayAddresses = 8
)

type natGatewayRecord struct {
	meta
	VpcID string `json:"vpcId"`
	// Subnet is not stored as "subnetId": while the gateway lives its interface holds the
	// subnet, and a deleted gateway that is still visible must not.
	Subnet           string    `json:"subnet"`
	AvailabilityZone string    `json:"availabilityZone"`
	ConnectivityType string    `json:"connectivityType"` // public or private
	State            string    `json:"state"`            // available, failed or deleted
	FailureCode      string    `json:"failureCode,omitempty"`
	FailureMessage   string    `json:"failureMessage,omitempty"`
	CreateTime       time.Time `json:"createTime"`
	DeleteTime       time.Time `json:"deleteTime,omitzero"`
	ENI              string    `json:"eni,omitempty"`
	// Addresses are the gateway's private addresses, the primary first, each with its
	// Elastic IP when public.
	Addresses   []natGatewayAddress `json:"addresses,omitempty"`
	ClientToken string              `json:"clientToken,omitempty"`
}

type natGatewayAddress struct {
	PrivateIP     netip.Addr `json:"privateIp"`
	AllocationID  string     `json:"allocationId,omitempty"`
	PublicIP      netip.Addr `json:"publicIp,omitzero"`
	AssociationID string     `json:"associationId,omitempty"`
}

// state is what Describe shows now.
func (g *natGatewayRecord) state(now time.Time) string {
	switch {
	case g.State == "deleted" && now.Sub(g.DeleteTime) < natGatewayDeleting:
		return "deleting"
	case g.State != "deleted" && now.Sub(g.CreateTime) < natGatewayPending:
		return "pending"
	}
	return g.State
}

// visible reports whether Describe still shows the gateway.
func (g *natGatewayRecord) visible(now time.Time) bool {
	switch g.State {
	case "deleted":
		return now.Sub(g.DeleteTime) < natGatewayShownAfterEnd
	case "failed":
		return now.Sub(g.CreateTime) < natGatewayShownAfterEnd
	}
	return true
}

// live reports whether the gateway holds an interface and counts against the quota.
func (g *natGatewayRecord) live() bool { return g.State == "available" }

func errNatGatewayNotFound(id string) error {
	return ec2.ErrNatGatewayNotFound("NAT gateway %s was not found", id)
}

// getNatGateway reads a gateway of the caller with the errors the NAT gateway actions
// give (route targets use the generic InvalidNatGatewayID.NotFound instead).
func getNatGateway(t *txn, c Caller, id string) (*natGatewayRecord, error) {
	if !validID(id, "nat") {
		return nil, ec2.ErrNatGatewayMalformed("The NAT gateway ID '%s' is malformed", id)
	}
	g := new(natGatewayRecord)
	ok, err := t.get(c.key(id), g)
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
}

func checkNatGatewayRequest(in *ec2.CreateNatGatewayRequest) (*natGatewayRequest, error) {
	if m := deref(in.AvailabilityMode); m != "" && m != "zonal" {
		if m == "regional" {
			return nil, ec2.ErrUnsupportedOperation("Regional NAT gateways are not supported; create a zonal NAT gateway in a subnet.")
		}
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter AvailabilityMode is invalid. Expected: 'zonal', 'regional'.", m)
	}
	if deref(in.SubnetId) == "" {
		return nil, ec2.ErrMissingParameter("SubnetId")
	}
	r := &natGatewayRequest{subnetID: *in.SubnetId, privateIP: deref(in.PrivateIpAddress), token: deref(in.ClientToken), secondaryIPs: in.SecondaryPrivateIpAddresses}
	switch ct := deref(in.ConnectivityType); ct {
	case "", "public":
		r.public = true
		if deref(in.AllocationId) == "" {
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
	if n := deref(in.SecondaryPrivateIpAddressCount); n != 0 {
		if n < 1 || n > maxNatGatewayAddresses-1 {
			return nil, ec2.ErrInvalidParameterValue("Value (%d) for parameter SecondaryPrivateIpAddressCount is invalid. Expected a value between 1 and %d.", n, maxNatGatewayAddresses-1)
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
	if 1+max(0, len(r.allocations)-1)+len(r.secondaryIPs)+r.secondaryCount > maxNatGatewayAddresses {
		return nil, ec2.ErrAddressLimitExceeded("A NAT gateway can have at most %d IPv4 addresses.", maxNatGatewayAddresses)
	}
	var err error
	if r.tags, err = tagsOnCreate(in.TagSpecifications, "natgateway"); err != nil {
		return nil, err
	}
	return r, nil
}

// CreateNatGateway creates a NAT gateway in a subnet: public with an Elastic IP, or
// private. A repeated ClientToken returns the gateway it created.
func (s *Service) CreateNatGateway(ctx context.Context, c Caller, in *ec2.CreateNatGatewayRequest) (*ec2.CreateNatGatewayResult, error) {
	req, err := checkNatGatewayRequest(in)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	var g *natGatewayRecord
	err = s.update(ctx, func(t *txn) error {
		sn, err := get[subnetRecord](t, c, "subnet", req.subnetID)
		if err != nil {
			return err
		}
		// The quota counts a listing: the zone's guard key makes two creations in one
		// zone conflict, so that they do not both take the last place.
		if err := t.guard(c.prefix("nat-zone") + sn.AvailabilityZone); err != nil {
			return err
		}
		all, err := listAll[natGatewayRecord](t, c.prefix("nat"))
		if err != nil {
			return err
		}
		inZone := 0
		for _, o := range all {
			if req.token != "" && o.ClientToken == req.token {
				if o.Subnet != sn.ID {
					return ec2.ErrIdempotentParameterMismatch("The client token you have provided is associated with a resource that is already deleted or has different parameters.")
				}
				g = o
				return nil
			}
			if o.live() && o.AvailabilityZone == sn.AvailabilityZone {
				inZone++
			}
		}
		limit, err := s.quotaLimit(t, c, quotaNatGatewaysPerAZ)
		if err != nil {
			return err
		}
		if inZone >= limit {
			return ec2.ErrNatGatewayLimitExceeded("The maximum number of NAT gateways has been reached.")
		}
		eips := make([]*elasticIPRecord, len(req.allocations))
		for i, id := range req.allocations {
			if eips[i], err = get[elasticIPRecord](t, c, "eipalloc", id); err != nil {
				return err
			}
		}
		connectivity := "private"
		if req.public {
			connectivity = "public"
		}
		g = &natGatewayRecord{
			meta: meta{ID: newID("nat"), Owner: c.Account, Tags: req.tags}, VpcID: sn.VpcID, Subnet: sn.ID,
			AvailabilityZone: sn.AvailabilityZone, ConnectivityType: connectivity, State: "available",
			CreateTime: now, ClientToken: req.token,
		}
		if code, msg, err := s.provisionNatGateway(t, c, g, sn, req, eips); err != nil {
			return err
		} else if code != "" {
			g.State, g.FailureCode, g.FailureMessage, g.ENI, g.Addresses = "failed", code, msg, "", nil
		}
		return t.put(c.key(g.ID), g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateNatGatewayResult{NatGateway: g.ec2(now), ClientToken: in.ClientToken}, nil
}

// provisionNatGateway gives a new gateway its interface, addresses and Elastic IPs. When
// AWS would let the gateway fail instead, it changes nothing and returns the failure code
// and message.
func (s *Service) provisionNatGateway(t *txn, c Caller, g *natGatewayRecord, sn *subnetRecord, req *natGatewayRequest, eips []*elasticIPRecord) (code, msg string, err error) {
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
	alloc, err := newSubnetAllocator(t, c, sn)
	if err != nil {
		return "", "", err
	}
	sp := &interfaceSpec{
		subnet: sn, description: "Interface for NAT Gateway " + g.ID, primaryIP: req.privateIP,
		secondaryIPs: req.secondaryIPs, secondaryCount: req.secondaryCount + max(0, len(eips)-1),
	}
	if alloc.free() < sp.addresses() {
		return "InsufficientFreeAddressesInSubnet", "Subnet has insufficient free addresses to create this NAT gateway", nil
	}
	e, err := s.addInterface(t, c, alloc, sp, "", s.now())
	if err != nil {
		return "", "", err
	}
	e.InterfaceType, e.RequesterManaged, e.SourceDestCheck, e.Groups = "nat_gateway", true, false, []string{}
	g.ENI = e.ID
	for i := range e.PrivateIPs {
		a := natGatewayAddress{PrivateIP: e.PrivateIPs[i].Addr}
		if i < len(eips) {
			r := eips[i]
			a.AllocationID, a.PublicIP, a.AssociationID = r.ID, r.PublicIP, newID("eipassoc")
			e.PrivateIPs[i].Association = &ipAssociation{PublicIP: r.PublicIP, Owner: c.Account, AllocationID: r.ID, AssociationID: a.AssociationID}
			r.NetworkInterfaceID = e.ID
			if err := t.put(c.key(r.ID), r); err != nil {
				return "", "", err
			}
		}
		g.Addresses = append(g.Addresses, a)
	}
	if err := t.put(c.key(e.ID), e); err != nil {
		return "", "", err
	}
	return "", "", recountSubnet(t, c, sn.ID)
}

// DeleteNatGateway deletes a gateway: its interface goes, its Elastic IPs are
// disassociated, and routes to it become blackholes. Deleting a deleted gateway is fine.
func (s *Service) DeleteNatGateway(ctx context.Context, c Caller, in *ec2.DeleteNatGatewayRequest) (*ec2.DeleteNatGatewayResult, error) {
	id := deref(in.NatGatewayId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("NatGatewayId")
	}
	now := s.now().UTC().Truncate(time.Second)
	err := s.update(ctx, func(t *txn) error {
		g, err := getNatGateway(t, c, id)
		if err != nil {
			return err
		}
		if g.State == "deleted" {
			return nil
		}
		if g.ENI != "" {
			e := new(networkInterfaceRecord)
			found, err := t.get(c.key(g.ENI), e)
			if err != nil {
				return err
			}
			if found {
				// Elastic IPs name the interface they were last associated with; with the
				// interface gone they are free again (see elasticip.go).
				t.del(c.key(e.ID))
				if err := recountSubnet(t, c, e.SubnetID); err != nil {
					return err
				}
			}
		}
		g.State, g.DeleteTime = "deleted", now
		return t.put(c.key(g.ID), g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteNatGatewayResult{NatGatewayId: ptr(id)}, nil
}

// natGatewayFilters are DescribeNatGateways' filters; the state's depends on now.
func natGatewayFilters(now time.Time) map[string]func(*natGatewayRecord) []string {
	return map[string]func(*natGatewayRecord) []string{
		"nat-gateway-id": func(g *natGatewayRecord) []string { return []string{g.ID} },
		"state":          func(g *natGatewayRecord) []string { return []string{g.state(now)} },
		"subnet-id":      func(g *natGatewayRecord) []string { return []string{g.Subnet} },
		"vpc-id":         func(g *natGatewayRecord) []string { return []string{g.VpcID} },
	}
}

// DescribeNatGateways lists the caller's NAT gateways, deleted and failed ones for an
// hour after they ended.
func (s *Service) DescribeNatGateways(ctx context.Context, c Caller, in *ec2.DescribeNatGatewaysRequest) (*ec2.DescribeNatGatewaysResult, error) {
	for _, id := range in.NatGatewayIds {
		if !validID(id, "nat") {
			return nil, ec2.ErrNatGatewayMalformed("The NAT gateway ID '%s' is malformed", id)
		}
	}
	now := s.now()
	gs, next, err := describe(ctx, s, c, describeQuery{Kind: "nat", IDs: in.NatGatewayIds, Filters: in.Filter, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, natGatewayFilters(now))
	if isNotFound(err, "nat") {
		return nil, ec2.ErrNatGatewayNotFound("NAT gateway %s was not found", firstMissing(in.NatGatewayIds, err.(*ec2.Error).Message))
	}
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeNatGatewaysResult{NextToken: next, NatGateways: []ec2.NatGateway{}}
	for _, g := range gs {
		if !g.visible(now) {
			if len(in.NatGatewayIds) > 0 {
				return nil, errNatGatewayNotFound(g.ID)
			}
			continue
		}
		out.NatGateways = append(out.NatGateways, *g.ec2(now))
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

// ec2 is the gateway as AWS shows it now.
func (g *natGatewayRecord) ec2(now time.Time) *ec2.NatGateway {
	state := g.state(now)
	out := &ec2.NatGateway{
		NatGatewayId:        ptr(g.ID),
		SubnetId:            ptr(g.Subnet),
		VpcId:               ptr(g.VpcID),
		State:               ptr(state),
		ConnectivityType:    ptr(g.ConnectivityType),
		AvailabilityMode:    ptr("zonal"),
		CreateTime:          ptr(g.CreateTime),
		Tags:                g.ec2Tags(),
		NatGatewayAddresses: []ec2.NatGatewayAddress{},
	}
	if state == "failed" {
		out.FailureCode, out.FailureMessage = ptr(g.FailureCode), ptr(g.FailureMessage)
	}
	if !g.DeleteTime.IsZero() {
		out.DeleteTime = ptr(g.DeleteTime)
	}
	status := map[string]string{"pending": "associating", "available": "succeeded", "deleting": "disassociating", "deleted": "disassociated"}[state]
	for i, a := range g.Addresses {
		v := ec2.NatGatewayAddress{
			NetworkInterfaceId: ptr(g.ENI), PrivateIp: ptr(a.PrivateIP.String()), IsPrimary: ptr(i == 0), Status: ptr(status),
		}
		if a.AllocationID != "" {
			v.AllocationId, v.PublicIp, v.AssociationId = ptr(a.AllocationID), ptr(a.PublicIP.String()), ptr(a.AssociationID)
		}
		if g.ENI == "" {
			v.NetworkInterfaceId = nil
		}
		out.NatGatewayAddresses = append(out.NatGatewayAddresses, v)
	}
	return out
}
