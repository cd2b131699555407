package routing

import (
	"context"
	"net/netip"
	"slices"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// getPeering reads the caller's copy of a connection that Describe would still show.
func (s *Routing) getPeering(t *kit.Txn, c kit.Caller, id *string) (*kit.PeeringRecord, error) {
	if kit.Deref(id) == "" {
		return nil, ec2.ErrMissingParameter("VpcPeeringConnectionId")
	}
	if !kit.ValidID(*id, "pcx") {
		return nil, ec2.ErrInvalidVpcPeeringConnectionIdMalformed("Invalid id: \"%s\" (expecting \"pcx-...\")", *id)
	}
	p := new(kit.PeeringRecord)
	ok, err := t.Get(c.Key(*id), p)
	if err != nil {
		return nil, err
	}
	if !ok || !p.Visible(s.Now()) {
		return nil, kit.NotFound(*id)
	}
	return p, nil
}

func newPeeringSide(vpc *kit.VpcRecord, region string) kit.PeeringSide {
	side := kit.PeeringSide{Owner: vpc.Owner, Region: region, VpcID: vpc.ID}
	for _, b := range vpc.CidrBlocks {
		side.Cidrs = append(side.Cidrs, b.Cidr)
	}
	for _, b := range vpc.Ipv6Blocks {
		side.Ipv6 = append(side.Ipv6, b.Cidr)
	}
	return side
}

func overlaps(a, b []netip.Prefix) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Overlaps(y) {
				return true
			}
		}
	}
	return false
}

// CreateVpcPeeringConnection requests a peering between one of the caller's VPCs and a
// VPC of the caller or of another account, in this region or another that vpcd serves
// (inter-region peering: the peer's owner accepts in the peer's region, each side sees
// the connection in its own region). The request is pending acceptance by the peer's
// owner, or failed at once when the VPCs' IPv4 blocks overlap.
func (s *Routing) CreateVpcPeeringConnection(ctx context.Context, c kit.Caller, in *ec2.CreateVpcPeeringConnectionRequest) (*ec2.CreateVpcPeeringConnectionResult, error) {
	if kit.Deref(in.VpcId) == "" {
		return nil, ec2.ErrMissingParameter("VpcId")
	}
	if kit.Deref(in.PeerVpcId) == "" {
		return nil, ec2.ErrMissingParameter("PeerVpcId")
	}
	peerRegion := kit.CmpOr(kit.Deref(in.PeerRegion), c.Region)
	if !slices.Contains(s.Regions, peerRegion) {
		return nil, ec2.ErrInvalidRegion("The region '%s' does not exist or is not enabled", peerRegion)
	}
	peerOwner := kit.CmpOr(kit.Deref(in.PeerOwnerId), c.Account)
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "vpc-peering-connection")
	if err != nil {
		return nil, err
	}
	var out *kit.PeeringRecord
	err = s.Update(ctx, func(t *kit.Txn) error {
		vpc, err := kit.GetVpc(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		peerCaller := kit.Caller{Account: peerOwner, Region: peerRegion}
		if err := kit.CheckID(*in.PeerVpcId, "vpc"); err != nil {
			return err
		}
		peer := new(kit.VpcRecord)
		ok, err := t.Get(peerCaller.Key(*in.PeerVpcId), peer)
		if err != nil {
			return err
		}
		if !ok {
			return kit.NotFound(*in.PeerVpcId)
		}
		if peer.ID == vpc.ID {
			return ec2.ErrInvalidParameterValue("Cannot create a VPC peering connection between a VPC and itself: %s", vpc.ID)
		}
		// Whether the pair is already peered is a listing: the pair's guard key makes
		// two requests for one pair conflict.
		if err := t.Guard(c.Prefix("pcx-pair") + min(vpc.ID, peer.ID) + "+" + max(vpc.ID, peer.ID)); err != nil {
			return err
		}
		existing, err := kit.ListAll[kit.PeeringRecord](t, c.Prefix("pcx"))
		if err != nil {
			return err
		}
		now := s.Now()
		for _, e := range existing {
			st := e.StateAt(now)
			same := e.Requester.VpcID == vpc.ID && e.Accepter.VpcID == peer.ID || e.Requester.VpcID == peer.ID && e.Accepter.VpcID == vpc.ID
			if same && (st == "active" || st == "pending-acceptance") {
				return ec2.ErrVpcPeeringConnectionAlreadyExists("A VPC peering connection (%s) already exists between %s and %s.", e.ID, vpc.ID, peer.ID)
			}
		}
		p := &kit.PeeringRecord{
			Meta:      kit.Meta{ID: kit.NewID("pcx"), Owner: c.Account},
			Requester: newPeeringSide(vpc, c.Region),
			Accepter:  newPeeringSide(peer, peerRegion),
			State:     "pending-acceptance",
			Message:   "Pending Acceptance by " + peerOwner,
			ExpiresAt: now.Add(kit.PeeringRequestLifetime).UTC().Truncate(time.Second),
			ChangedAt: now,
		}
		if overlaps(p.Requester.Cidrs, p.Accepter.Cidrs) {
			p.State, p.Message = "failed", "Overlapping CIDR range"
		}
		if err := kit.PutPeering(t, p); err != nil {
			return err
		}
		// The tags of the request are the requester's.
		mine := *p
		mine.Tags = tags
		out = &mine
		return t.Put(c.Key(p.ID), &mine)
	})
	if err != nil {
		return nil, err
	}
	// AWS answers while the request is still being initiated, with the accepter's VPC
	// only named.
	v := out.EC2(c.Account, s.Now())
	if out.State == "pending-acceptance" {
		v.Status = &ec2.VpcPeeringConnectionStateReason{Code: kit.Ptr("initiating-request"), Message: kit.Ptr("Initiating Request to " + peerOwner)}
	}
	v.AccepterVpcInfo = &ec2.VpcPeeringConnectionVpcInfo{OwnerId: kit.Ptr(out.Accepter.Owner), VpcId: kit.Ptr(out.Accepter.VpcID), Region: kit.Ptr(out.Accepter.Region)}
	return &ec2.CreateVpcPeeringConnectionResult{VpcPeeringConnection: v}, nil
}

// errPeeringState is AWS's answer to an action the connection's state does not allow.
func errPeeringState(p *kit.PeeringRecord, state, action string) error {
	return ec2.ErrInvalidStateTransition("Invalid state transition for %s, attempted to transition from %s to %s", p.ID, state, action)
}

// AcceptVpcPeeringConnection makes a pending connection active; only the accepter's
// account may.
func (s *Routing) AcceptVpcPeeringConnection(ctx context.Context, c kit.Caller, in *ec2.AcceptVpcPeeringConnectionRequest) (*ec2.AcceptVpcPeeringConnectionResult, error) {
	var out *kit.PeeringRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		p, err := s.getPeering(t, c, in.VpcPeeringConnectionId)
		if err != nil {
			return err
		}
		if c.Account != p.Accepter.Owner || c.Region != p.Accepter.Region {
			return ec2.ErrOperationNotPermitted("User %s cannot accept peering %s in %s: the accepter's owner accepts it in %s", c.Account, p.ID, c.Region, p.Accepter.Region)
		}
		now := s.Now()
		if st := p.StateAt(now); st != "pending-acceptance" {
			return errPeeringState(p, st, "active")
		}
		// The accepter's blocks are those of its VPC now.
		peer := new(kit.VpcRecord)
		if ok, err := t.Get(kit.Caller{Account: p.Accepter.Owner, Region: p.Accepter.Region}.Key(p.Accepter.VpcID), peer); err != nil {
			return err
		} else if ok {
			dns := p.Accepter.AllowDNS
			p.Accepter = newPeeringSide(peer, p.Accepter.Region)
			p.Accepter.AllowDNS = dns
		}
		p.State, p.Message, p.ChangedAt = "active", "Active", now
		out = p
		return kit.PutPeering(t, p)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.AcceptVpcPeeringConnectionResult{VpcPeeringConnection: out.EC2(c.Account, s.Now())}, nil
}

// RejectVpcPeeringConnection refuses a pending request; only the accepter's account may.
func (s *Routing) RejectVpcPeeringConnection(ctx context.Context, c kit.Caller, in *ec2.RejectVpcPeeringConnectionRequest) (*ec2.RejectVpcPeeringConnectionResult, error) {
	err := s.Update(ctx, func(t *kit.Txn) error {
		p, err := s.getPeering(t, c, in.VpcPeeringConnectionId)
		if err != nil {
			return err
		}
		if c.Account != p.Accepter.Owner || c.Region != p.Accepter.Region {
			return ec2.ErrOperationNotPermitted("User %s cannot reject peering %s in %s: the accepter's owner rejects it in %s", c.Account, p.ID, c.Region, p.Accepter.Region)
		}
		now := s.Now()
		if st := p.StateAt(now); st != "pending-acceptance" {
			return errPeeringState(p, st, "rejected")
		}
		p.State, p.Message, p.ChangedAt = "rejected", "Rejected by "+c.Account, now
		return kit.PutPeering(t, p)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.RejectVpcPeeringConnectionResult{Return: kit.Ptr(true)}, nil
}

// DeleteVpcPeeringConnection ends an active connection or withdraws a pending request;
// either side may. The connection stays visible, deleted, for a while.
func (s *Routing) DeleteVpcPeeringConnection(ctx context.Context, c kit.Caller, in *ec2.DeleteVpcPeeringConnectionRequest) (*ec2.DeleteVpcPeeringConnectionResult, error) {
	err := s.Update(ctx, func(t *kit.Txn) error {
		p, err := s.getPeering(t, c, in.VpcPeeringConnectionId)
		if err != nil {
			return err
		}
		now := s.Now()
		st := p.StateAt(now)
		switch {
		case st == "active":
		case st == "pending-acceptance" && c.Account == p.Requester.Owner:
		default:
			return errPeeringState(p, st, "deleted")
		}
		kit.DeletePeering(p, c.Account, now)
		return kit.PutPeering(t, p)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteVpcPeeringConnectionResult{Return: kit.Ptr(true)}, nil
}

// ModifyVpcPeeringConnectionOptions changes the DNS resolution option of either side of
// an active connection; each side's owner changes its own side.
func (s *Routing) ModifyVpcPeeringConnectionOptions(ctx context.Context, c kit.Caller, in *ec2.ModifyVpcPeeringConnectionOptionsRequest) (*ec2.ModifyVpcPeeringConnectionOptionsResult, error) {
	if in.AccepterPeeringConnectionOptions == nil && in.RequesterPeeringConnectionOptions == nil {
		return nil, ec2.ErrMissingParameter("The request must contain the parameter requesterPeeringConnectionOptions or accepterPeeringConnectionOptions")
	}
	out := &ec2.ModifyVpcPeeringConnectionOptionsResult{}
	err := s.Update(ctx, func(t *kit.Txn) error {
		p, err := s.getPeering(t, c, in.VpcPeeringConnectionId)
		if err != nil {
			return err
		}
		if st := p.StateAt(s.Now()); st != "active" {
			return ec2.ErrOperationNotPermitted("Peering %s is not active. Peering options can be added only to active peerings.", p.ID)
		}
		change := []struct {
			req  *ec2.PeeringConnectionOptionsRequest
			side *kit.PeeringSide
			out  **ec2.PeeringConnectionOptions
		}{
			{in.RequesterPeeringConnectionOptions, &p.Requester, &out.RequesterPeeringConnectionOptions},
			{in.AccepterPeeringConnectionOptions, &p.Accepter, &out.AccepterPeeringConnectionOptions},
		}
		for _, ch := range change {
			if ch.req == nil {
				continue
			}
			if ch.side.Owner != c.Account {
				return ec2.ErrOperationNotPermitted("User %s cannot modify the options of the other side of peering %s", c.Account, p.ID)
			}
			if kit.Deref(ch.req.AllowEgressFromLocalClassicLinkToRemoteVpc) || kit.Deref(ch.req.AllowEgressFromLocalVpcToRemoteClassicLink) {
				return ec2.ErrUnsupportedOperation("ClassicLink is no longer supported.")
			}
			if ch.req.AllowDnsResolutionFromRemoteVpc != nil {
				ch.side.AllowDNS = *ch.req.AllowDnsResolutionFromRemoteVpc
			}
			*ch.out = &ec2.PeeringConnectionOptions{
				AllowDnsResolutionFromRemoteVpc:            kit.Ptr(ch.side.AllowDNS),
				AllowEgressFromLocalClassicLinkToRemoteVpc: kit.Ptr(false),
				AllowEgressFromLocalVpcToRemoteClassicLink: kit.Ptr(false),
			}
		}
		return kit.PutPeering(t, p)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// peeringFilters are DescribeVpcPeeringConnections' filters; the state's depend on now.
func peeringFilters(now time.Time) map[string]func(*kit.PeeringRecord) []string {
	cidrs := func(s kit.PeeringSide) []string {
		var out []string
		for _, p := range s.Cidrs {
			out = append(out, p.String())
		}
		return out
	}
	return map[string]func(*kit.PeeringRecord) []string{
		"accepter-vpc-info.cidr-block":  func(p *kit.PeeringRecord) []string { return cidrs(p.Accepter) },
		"accepter-vpc-info.owner-id":    func(p *kit.PeeringRecord) []string { return []string{p.Accepter.Owner} },
		"accepter-vpc-info.vpc-id":      func(p *kit.PeeringRecord) []string { return []string{p.Accepter.VpcID} },
		"requester-vpc-info.cidr-block": func(p *kit.PeeringRecord) []string { return cidrs(p.Requester) },
		"requester-vpc-info.owner-id":   func(p *kit.PeeringRecord) []string { return []string{p.Requester.Owner} },
		"requester-vpc-info.vpc-id":     func(p *kit.PeeringRecord) []string { return []string{p.Requester.VpcID} },
		"status-code":                   func(p *kit.PeeringRecord) []string { return []string{p.StateAt(now)} },
		"status-message":                func(p *kit.PeeringRecord) []string { return []string{p.MessageAt(now)} },
		"vpc-peering-connection-id":     func(p *kit.PeeringRecord) []string { return []string{p.ID} },
		"expiration-time": func(p *kit.PeeringRecord) []string {
			return []string{p.ExpiresAt.UTC().Format(time.RFC3339)}
		},
	}
}

// DescribeVpcPeeringConnections lists the connections the caller's account is a side of.
func (s *Routing) DescribeVpcPeeringConnections(ctx context.Context, c kit.Caller, in *ec2.DescribeVpcPeeringConnectionsRequest) (*ec2.DescribeVpcPeeringConnectionsResult, error) {
	now := s.Now()
	ps, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "pcx", IDs: in.VpcPeeringConnectionIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, peeringFilters(now))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcPeeringConnectionsResult{NextToken: next, VpcPeeringConnections: []ec2.VpcPeeringConnection{}}
	for _, p := range ps {
		if !p.Visible(now) {
			if len(in.VpcPeeringConnectionIds) > 0 {
				return nil, kit.NotFound(p.ID)
			}
			continue
		}
		out.VpcPeeringConnections = append(out.VpcPeeringConnections, *p.EC2(c.Account, now))
	}
	return out, nil
}

// checkPeeringRoute returns AWS's error unless a route of rtb may point at the connection
// now: it is active and the table's VPC is one of its sides.
func checkPeeringRoute(t *kit.Txn, c kit.Caller, rtb *kit.RouteTableRecord, id string, now time.Time) error {
	if !kit.ValidID(id, "pcx") {
		return ec2.ErrInvalidVpcPeeringConnectionIdMalformed("Invalid id: \"%s\" (expecting \"pcx-...\")", id)
	}
	p := new(kit.PeeringRecord)
	ok, err := t.Get(c.Key(id), p)
	if err != nil {
		return err
	}
	if !ok || !p.Visible(now) {
		return kit.NotFound(id)
	}
	if rtb.VpcID != p.Requester.VpcID && rtb.VpcID != p.Accepter.VpcID {
		return errDifferentNetworks(rtb.ID, id)
	}
	if st := p.StateAt(now); st != "active" {
		return ec2.ErrInvalidVpcPeeringConnectionIDNotFound("The vpcPeeringConnection ID '%s' is not active (state: %s)", id, st)
	}
	return nil
}
