package control

import (
	"context"
	"net/netip"
	"time"

	"vpcd/internal/ec2"
)

// A VPC peering connection (kind "pcx") belongs to two accounts at once: the requester's
// and the accepter's. Its record is kept under both accounts' keys, the same record
// (each copy with that account's own tags, as tags are per account in AWS), and every
// change writes both copies in one transaction, so that each account's Describe, Accept,
// Reject and Delete read their own key and both views stay the same.

// peeringRecord is a VPC peering connection.
type peeringRecord struct {
	meta                  // Owner is the requester's account
	Requester peeringSide `json:"requester"`
	Accepter  peeringSide `json:"accepter"`
	State     string      `json:"state"` // pending-acceptance, active, rejected, deleted, failed
	Message   string      `json:"message"`
	ExpiresAt time.Time   `json:"expiresAt"` // of the pending request
	ChangedAt time.Time   `json:"changedAt"` // of the last state change
}

// peeringSide is one VPC of a peering connection, as it was when the side joined.
type peeringSide struct {
	Owner    string         `json:"owner"`
	Region   string         `json:"region"`
	VpcID    string         `json:"vpcId"`
	Cidrs    []netip.Prefix `json:"cidrs,omitempty"`
	Ipv6     []netip.Prefix `json:"ipv6,omitempty"`
	AllowDNS bool           `json:"allowDns,omitempty"`
}

const (
	// peeringRequestLifetime is how long a request waits for acceptance before it expires.
	peeringRequestLifetime = 7 * 24 * time.Hour
	// peeringShownAfterEnd is how long a deleted, failed or rejected connection stays
	// visible; AWS keeps rejected and expired ones longer.
	peeringShownAfterEnd     = 2 * time.Hour
	peeringShownAfterRefusal = 2 * 24 * time.Hour
)

// state is the connection's state now: a pending request past its expiration time has
// expired.
func (p *peeringRecord) state(now time.Time) string {
	if p.State == "pending-acceptance" && !now.Before(p.ExpiresAt) {
		return "expired"
	}
	return p.State
}

func (p *peeringRecord) message(now time.Time) string {
	if p.state(now) == "expired" {
		return "Expired"
	}
	return p.Message
}

// visible reports whether Describe still shows the connection.
func (p *peeringRecord) visible(now time.Time) bool {
	switch p.state(now) {
	case "deleted", "failed":
		return now.Sub(p.ChangedAt) < peeringShownAfterEnd
	case "rejected":
		return now.Sub(p.ChangedAt) < peeringShownAfterRefusal
	case "expired":
		return now.Sub(p.ExpiresAt) < peeringShownAfterRefusal
	}
	return true
}

// side is the caller's side of the connection, and whether it is the accepter's.
func (p *peeringRecord) sideOf(account string) (*peeringSide, bool) {
	if account == p.Accepter.Owner && account != p.Requester.Owner {
		return &p.Accepter, true
	}
	return &p.Requester, false
}

// peeringKeys are the store keys of both copies of the connection.
func peeringKeys(p *peeringRecord) []string {
	keys := []string{Caller{Account: p.Requester.Owner, Region: p.Requester.Region}.key(p.ID)}
	if p.Accepter.Owner != p.Requester.Owner || p.Accepter.Region != p.Requester.Region {
		keys = append(keys, Caller{Account: p.Accepter.Owner, Region: p.Accepter.Region}.key(p.ID))
	}
	return keys
}

// putPeering writes both copies, each keeping its account's own tags.
func putPeering(t *txn, p *peeringRecord) error {
	for _, key := range peeringKeys(p) {
		cp := *p
		var old peeringRecord
		ok, err := t.get(key, &old)
		if err != nil {
			return err
		}
		if ok {
			cp.Tags = old.Tags
		}
		if err := t.put(key, &cp); err != nil {
			return err
		}
	}
	return nil
}

// getPeering reads the caller's copy of a connection that Describe would still show.
func (s *Service) getPeering(t *txn, c Caller, id *string) (*peeringRecord, error) {
	if deref(id) == "" {
		return nil, ec2.ErrMissingParameter("VpcPeeringConnectionId")
	}
	if !validID(*id, "pcx") {
		return nil, ec2.ErrInvalidVpcPeeringConnectionIdMalformed("Invalid id: \"%s\" (expecting \"pcx-...\")", *id)
	}
	p := new(peeringRecord)
	ok, err := t.get(c.key(*id), p)
	if err != nil {
		return nil, err
	}
	if !ok || !p.visible(s.now()) {
		return nil, notFound(*id)
	}
	return p, nil
}

func newPeeringSide(vpc *vpcRecord, region string) peeringSide {
	side := peeringSide{Owner: vpc.Owner, Region: region, VpcID: vpc.ID}
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
// VPC of the caller or of another account, in the same region (vpcd serves one host, so
// inter-region peering is refused rather than faked). The request is pending acceptance
// by the peer's owner, or failed at once when the VPCs' IPv4 blocks overlap.
func (s *Service) CreateVpcPeeringConnection(ctx context.Context, c Caller, in *ec2.CreateVpcPeeringConnectionRequest) (*ec2.CreateVpcPeeringConnectionResult, error) {
	if deref(in.VpcId) == "" {
		return nil, ec2.ErrMissingParameter("VpcId")
	}
	if deref(in.PeerVpcId) == "" {
		return nil, ec2.ErrMissingParameter("PeerVpcId")
	}
	peerRegion := cmpOr(deref(in.PeerRegion), c.Region)
	if peerRegion != c.Region {
		return nil, ec2.ErrInvalidRegion("vpcd serves peering within one region only; the peer region '%s' is not '%s'", peerRegion, c.Region)
	}
	peerOwner := cmpOr(deref(in.PeerOwnerId), c.Account)
	tags, err := tagsOnCreate(in.TagSpecifications, "vpc-peering-connection")
	if err != nil {
		return nil, err
	}
	var out *peeringRecord
	err = s.update(ctx, func(t *txn) error {
		vpc, err := getVpc(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		peerCaller := Caller{Account: peerOwner, Region: peerRegion}
		if err := checkID(*in.PeerVpcId, "vpc"); err != nil {
			return err
		}
		peer := new(vpcRecord)
		ok, err := t.get(peerCaller.key(*in.PeerVpcId), peer)
		if err != nil {
			return err
		}
		if !ok {
			return notFound(*in.PeerVpcId)
		}
		if peer.ID == vpc.ID {
			return ec2.ErrInvalidParameterValue("Cannot create a VPC peering connection between a VPC and itself: %s", vpc.ID)
		}
		// Whether the pair is already peered is a listing: the pair's guard key makes
		// two requests for one pair conflict.
		if err := t.guard(c.prefix("pcx-pair") + min(vpc.ID, peer.ID) + "+" + max(vpc.ID, peer.ID)); err != nil {
			return err
		}
		existing, err := listAll[peeringRecord](t, c.prefix("pcx"))
		if err != nil {
			return err
		}
		now := s.now()
		for _, e := range existing {
			st := e.state(now)
			same := e.Requester.VpcID == vpc.ID && e.Accepter.VpcID == peer.ID || e.Requester.VpcID == peer.ID && e.Accepter.VpcID == vpc.ID
			if same && (st == "active" || st == "pending-acceptance") {
				return ec2.ErrVpcPeeringConnectionAlreadyExists("A VPC peering connection (%s) already exists between %s and %s.", e.ID, vpc.ID, peer.ID)
			}
		}
		p := &peeringRecord{
			meta:      meta{ID: newID("pcx"), Owner: c.Account},
			Requester: newPeeringSide(vpc, c.Region),
			Accepter:  newPeeringSide(peer, peerRegion),
			State:     "pending-acceptance",
			Message:   "Pending Acceptance by " + peerOwner,
			ExpiresAt: now.Add(peeringRequestLifetime).UTC().Truncate(time.Second),
			ChangedAt: now,
		}
		if overlaps(p.Requester.Cidrs, p.Accepter.Cidrs) {
			p.State, p.Message = "failed", "Overlapping CIDR range"
		}
		if err := putPeering(t, p); err != nil {
			return err
		}
		// The tags of the request are the requester's.
		mine := *p
		mine.Tags = tags
		out = &mine
		return t.put(c.key(p.ID), &mine)
	})
	if err != nil {
		return nil, err
	}
	// AWS answers while the request is still being initiated, with the accepter's VPC
	// only named.
	v := out.ec2(c.Account, s.now())
	if out.State == "pending-acceptance" {
		v.Status = &ec2.VpcPeeringConnectionStateReason{Code: ptr("initiating-request"), Message: ptr("Initiating Request to " + peerOwner)}
	}
	v.AccepterVpcInfo = &ec2.VpcPeeringConnectionVpcInfo{OwnerId: ptr(out.Accepter.Owner), VpcId: ptr(out.Accepter.VpcID), Region: ptr(out.Accepter.Region)}
	return &ec2.CreateVpcPeeringConnectionResult{VpcPeeringConnection: v}, nil
}

// errPeeringState is AWS's answer to an action the connection's state does not allow.
func errPeeringState(p *peeringRecord, state, action string) error {
	return ec2.ErrInvalidStateTransition("Invalid state transition for %s, attempted to transition from %s to %s", p.ID, state, action)
}

// AcceptVpcPeeringConnection makes a pending connection active; only the accepter's
// account may.
func (s *Service) AcceptVpcPeeringConnection(ctx context.Context, c Caller, in *ec2.AcceptVpcPeeringConnectionRequest) (*ec2.AcceptVpcPeeringConnectionResult, error) {
	var out *peeringRecord
	err := s.update(ctx, func(t *txn) error {
		p, err := s.getPeering(t, c, in.VpcPeeringConnectionId)
		if err != nil {
			return err
		}
		if c.Account != p.Accepter.Owner {
			return ec2.ErrOperationNotPermitted("User %s cannot accept peering %s", c.Account, p.ID)
		}
		now := s.now()
		if st := p.state(now); st != "pending-acceptance" {
			return errPeeringState(p, st, "active")
		}
		// The accepter's blocks are those of its VPC now.
		peer := new(vpcRecord)
		if ok, err := t.get(Caller{Account: p.Accepter.Owner, Region: p.Accepter.Region}.key(p.Accepter.VpcID), peer); err != nil {
			return err
		} else if ok {
			dns := p.Accepter.AllowDNS
			p.Accepter = newPeeringSide(peer, p.Accepter.Region)
			p.Accepter.AllowDNS = dns
		}
		p.State, p.Message, p.ChangedAt = "active", "Active", now
		out = p
		return putPeering(t, p)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.AcceptVpcPeeringConnectionResult{VpcPeeringConnection: out.ec2(c.Account, s.now())}, nil
}

// RejectVpcPeeringConnection refuses a pending request; only the accepter's account may.
func (s *Service) RejectVpcPeeringConnection(ctx context.Context, c Caller, in *ec2.RejectVpcPeeringConnectionRequest) (*ec2.RejectVpcPeeringConnectionResult, error) {
	err := s.update(ctx, func(t *txn) error {
		p, err := s.getPeering(t, c, in.VpcPeeringConnectionId)
		if err != nil {
			return err
		}
		if c.Account != p.Accepter.Owner {
			return ec2.ErrOperationNotPermitted("User %s cannot reject peering %s", c.Account, p.ID)
		}
		now := s.now()
		if st := p.state(now); st != "pending-acceptance" {
			return errPeeringState(p, st, "rejected")
		}
		p.State, p.Message, p.ChangedAt = "rejected", "Rejected by "+c.Account, now
		return putPeering(t, p)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.RejectVpcPeeringConnectionResult{Return: ptr(true)}, nil
}

// DeleteVpcPeeringConnection ends an active connection or withdraws a pending request;
// either side may. The connection stays visible, deleted, for a while.
func (s *Service) DeleteVpcPeeringConnection(ctx context.Context, c Caller, in *ec2.DeleteVpcPeeringConnectionRequest) (*ec2.DeleteVpcPeeringConnectionResult, error) {
	err := s.update(ctx, func(t *txn) error {
		p, err := s.getPeering(t, c, in.VpcPeeringConnectionId)
		if err != nil {
			return err
		}
		now := s.now()
		st := p.state(now)
		switch {
		case st == "active":
		case st == "pending-acceptance" && c.Account == p.Requester.Owner:
		default:
			return errPeeringState(p, st, "deleted")
		}
		deletePeering(p, c.Account, now)
		return putPeering(t, p)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteVpcPeeringConnectionResult{Return: ptr(true)}, nil
}

func deletePeering(p *peeringRecord, by string, now time.Time) {
	p.State, p.Message, p.ChangedAt = "deleted", "Deleted by "+by, now
}

// deleteVpcPeerings deletes the active and pending connections of a VPC that is being
// deleted, as AWS does: deleting either VPC deletes the connection.
func (s *Service) deleteVpcPeerings(t *txn, c Caller, vpcID string) error {
	all, err := listAll[peeringRecord](t, c.prefix("pcx"))
	if err != nil {
		return err
	}
	now := s.now()
	for _, p := range all {
		st := p.state(now)
		if (p.Requester.VpcID == vpcID || p.Accepter.VpcID == vpcID) && (st == "active" || st == "pending-acceptance") {
			deletePeering(p, c.Account, now)
			if err := putPeering(t, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// ModifyVpcPeeringConnectionOptions changes the DNS resolution option of either side of
// an active connection; each side's owner changes its own side.
func (s *Service) ModifyVpcPeeringConnectionOptions(ctx context.Context, c Caller, in *ec2.ModifyVpcPeeringConnectionOptionsRequest) (*ec2.ModifyVpcPeeringConnectionOptionsResult, error) {
	if in.AccepterPeeringConnectionOptions == nil && in.RequesterPeeringConnectionOptions == nil {
		return nil, ec2.ErrMissingParameter("The request must contain the parameter requesterPeeringConnectionOptions or accepterPeeringConnectionOptions")
	}
	out := &ec2.ModifyVpcPeeringConnectionOptionsResult{}
	err := s.update(ctx, func(t *txn) error {
		p, err := s.getPeering(t, c, in.VpcPeeringConnectionId)
		if err != nil {
			return err
		}
		if st := p.state(s.now()); st != "active" {
			return ec2.ErrOperationNotPermitted("Peering %s is not active. Peering options can be added only to active peerings.", p.ID)
		}
		change := []struct {
			req  *ec2.PeeringConnectionOptionsRequest
			side *peeringSide
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
			if deref(ch.req.AllowEgressFromLocalClassicLinkToRemoteVpc) || deref(ch.req.AllowEgressFromLocalVpcToRemoteClassicLink) {
				return ec2.ErrUnsupportedOperation("ClassicLink is no longer supported.")
			}
			if ch.req.AllowDnsResolutionFromRemoteVpc != nil {
				ch.side.AllowDNS = *ch.req.AllowDnsResolutionFromRemoteVpc
			}
			*ch.out = &ec2.PeeringConnectionOptions{
				AllowDnsResolutionFromRemoteVpc:            ptr(ch.side.AllowDNS),
				AllowEgressFromLocalClassicLinkToRemoteVpc: ptr(false),
				AllowEgressFromLocalVpcToRemoteClassicLink: ptr(false),
			}
		}
		return putPeering(t, p)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// peeringFilters are DescribeVpcPeeringConnections' filters; the state's depend on now.
func peeringFilters(now time.Time) map[string]func(*peeringRecord) []string {
	cidrs := func(s peeringSide) []string {
		var out []string
		for _, p := range s.Cidrs {
			out = append(out, p.String())
		}
		return out
	}
	return map[string]func(*peeringRecord) []string{
		"accepter-vpc-info.cidr-block":  func(p *peeringRecord) []string { return cidrs(p.Accepter) },
		"accepter-vpc-info.owner-id":    func(p *peeringRecord) []string { return []string{p.Accepter.Owner} },
		"accepter-vpc-info.vpc-id":      func(p *peeringRecord) []string { return []string{p.Accepter.VpcID} },
		"requester-vpc-info.cidr-block": func(p *peeringRecord) []string { return cidrs(p.Requester) },
		"requester-vpc-info.owner-id":   func(p *peeringRecord) []string { return []string{p.Requester.Owner} },
		"requester-vpc-info.vpc-id":     func(p *peeringRecord) []string { return []string{p.Requester.VpcID} },
		"status-code":                   func(p *peeringRecord) []string { return []string{p.state(now)} },
		"status-message":                func(p *peeringRecord) []string { return []string{p.message(now)} },
		"vpc-peering-connection-id":     func(p *peeringRecord) []string { return []string{p.ID} },
		"expiration-time": func(p *peeringRecord) []string {
			return []string{p.ExpiresAt.UTC().Format(time.RFC3339)}
		},
	}
}

// DescribeVpcPeeringConnections lists the connections the caller's account is a side of.
func (s *Service) DescribeVpcPeeringConnections(ctx context.Context, c Caller, in *ec2.DescribeVpcPeeringConnectionsRequest) (*ec2.DescribeVpcPeeringConnectionsResult, error) {
	now := s.now()
	ps, next, err := describe(ctx, s, c, describeQuery{Kind: "pcx", IDs: in.VpcPeeringConnectionIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, peeringFilters(now))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcPeeringConnectionsResult{NextToken: next, VpcPeeringConnections: []ec2.VpcPeeringConnection{}}
	for _, p := range ps {
		if !p.visible(now) {
			if len(in.VpcPeeringConnectionIds) > 0 {
				return nil, notFound(p.ID)
			}
			continue
		}
		out.VpcPeeringConnections = append(out.VpcPeeringConnections, *p.ec2(c.Account, now))
	}
	return out, nil
}

// ec2 is the connection as AWS shows it to account.
func (p *peeringRecord) ec2(account string, now time.Time) *ec2.VpcPeeringConnection {
	out := &ec2.VpcPeeringConnection{
		VpcPeeringConnectionId: ptr(p.ID),
		RequesterVpcInfo:       p.Requester.ec2(),
		AccepterVpcInfo:        p.Accepter.ec2(),
		Status:                 &ec2.VpcPeeringConnectionStateReason{Code: ptr(p.state(now)), Message: ptr(p.message(now))},
		Tags:                   p.ec2Tags(),
	}
	if p.State == "pending-acceptance" {
		out.ExpirationTime = ptr(p.ExpiresAt)
	}
	if p.State != "active" {
		// Options exist only while the connection is active.
		out.RequesterVpcInfo.PeeringOptions, out.AccepterVpcInfo.PeeringOptions = nil, nil
	}
	return out
}

func (s peeringSide) ec2() *ec2.VpcPeeringConnectionVpcInfo {
	out := &ec2.VpcPeeringConnectionVpcInfo{
		OwnerId: ptr(s.Owner), VpcId: ptr(s.VpcID), Region: ptr(s.Region),
		PeeringOptions: &ec2.VpcPeeringConnectionOptionsDescription{
			AllowDnsResolutionFromRemoteVpc:            ptr(s.AllowDNS),
			AllowEgressFromLocalClassicLinkToRemoteVpc: ptr(false),
			AllowEgressFromLocalVpcToRemoteClassicLink: ptr(false),
		},
	}
	if len(s.Cidrs) > 0 {
		out.CidrBlock = ptr(s.Cidrs[0].String())
	}
	for _, b := range s.Cidrs {
		out.CidrBlockSet = append(out.CidrBlockSet, ec2.CidrBlock{CidrBlock: ptr(b.String())})
	}
	for _, b := range s.Ipv6 {
		out.Ipv6CidrBlockSet = append(out.Ipv6CidrBlockSet, ec2.Ipv6CidrBlock{Ipv6CidrBlock: ptr(b.String())})
	}
	return out
}

// checkPeeringRoute returns AWS's error unless a route of rtb may point at the connection
// now: it is active and the table's VPC is one of its sides.
func checkPeeringRoute(t *txn, c Caller, rtb *routeTableRecord, id string, now time.Time) error {
	if !validID(id, "pcx") {
		return ec2.ErrInvalidVpcPeeringConnectionIdMalformed("Invalid id: \"%s\" (expecting \"pcx-...\")", id)
	}
	p := new(peeringRecord)
	ok, err := t.get(c.key(id), p)
	if err != nil {
		return err
	}
	if !ok || !p.visible(now) {
		return notFound(id)
	}
	if rtb.VpcID != p.Requester.VpcID && rtb.VpcID != p.Accepter.VpcID {
		return errDifferentNetworks(rtb.ID, id)
	}
	if st := p.state(now); st != "active" {
		return ec2.ErrInvalidVpcPeeringConnectionIDNotFound("The vpcPeeringConnection ID '%s' is not active (state: %s)", id, st)
	}
	return nil
}

// peeredGroup is a security group of owner's that a rule of a group in vpcID may name: it
// must be given by ID and be in a VPC that an active connection peers with vpcID.
func peeredGroup(t *txn, c Caller, vpcID string, owner Caller, id, name string) (*securityGroupRecord, error) {
	if id == "" {
		return nil, ec2.ErrInvalidGroupNotFound("The security group '%s' does not exist", name)
	}
	if err := checkID(id, "sg"); err != nil {
		return nil, err
	}
	g := new(securityGroupRecord)
	ok, err := t.get(owner.key(id), g)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ec2.ErrInvalidGroupNotFound("The security group '%s' does not exist", id)
	}
	all, err := listAll[peeringRecord](t, c.prefix("pcx"))
	if err != nil {
		return nil, err
	}
	for _, p := range all {
		if p.State != "active" {
			continue
		}
		if p.Requester.VpcID == vpcID && p.Accepter.VpcID == g.VpcID || p.Accepter.VpcID == vpcID && p.Requester.VpcID == g.VpcID {
			return g, nil
		}
	}
	if owner.Account != c.Account {
		return nil, ec2.ErrInvalidGroupNotFound("The security group '%s' does not exist", id)
	}
	return nil, ec2.ErrInvalidGroupNotFound("You have specified two resources that belong to different networks.")
}
