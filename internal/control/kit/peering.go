package kit

import (
	"net/netip"
	"time"

	"vpcd/internal/ec2"
)

// A VPC peering connection (kind "pcx") belongs to two accounts at once: the requester's
// and the accepter's. Its record is kept under both accounts' keys, the same record
// (each copy with that account's own tags, as tags are per account in AWS), and every
// change writes both copies in one transaction, so that each account's Describe, Accept,
// Reject and Delete read their own key and both views stay the same.

// PeeringRecord is a VPC peering connection.
type PeeringRecord struct {
	Meta                  // Owner is the requester's account
	Requester PeeringSide `json:"requester"`
	Accepter  PeeringSide `json:"accepter"`
	State     string      `json:"state"` // pending-acceptance, active, rejected, deleted, failed
	Message   string      `json:"message"`
	ExpiresAt time.Time   `json:"expiresAt"` // of the pending request
	ChangedAt time.Time   `json:"changedAt"` // of the last state change
}

// PeeringSide is one VPC of a peering connection, as it was when the side joined.
type PeeringSide struct {
	Owner    string         `json:"owner"`
	Region   string         `json:"region"`
	VpcID    string         `json:"vpcId"`
	Cidrs    []netip.Prefix `json:"cidrs,omitempty"`
	Ipv6     []netip.Prefix `json:"ipv6,omitempty"`
	AllowDNS bool           `json:"allowDns,omitempty"`
}

const (
	// PeeringRequestLifetime is how long a request waits for acceptance before it expires.
	PeeringRequestLifetime = 7 * 24 * time.Hour
	// peeringShownAfterEnd is how long a deleted, failed or rejected connection stays
	// visible; AWS keeps rejected and expired ones longer.
	peeringShownAfterEnd     = 2 * time.Hour
	peeringShownAfterRefusal = 2 * 24 * time.Hour
)

// StateAt is the connection's state now: a pending request past its expiration time has
// expired.
func (p *PeeringRecord) StateAt(now time.Time) string {
	if p.State == "pending-acceptance" && !now.Before(p.ExpiresAt) {
		return "expired"
	}
	return p.State
}

func (p *PeeringRecord) MessageAt(now time.Time) string {
	if p.StateAt(now) == "expired" {
		return "Expired"
	}
	return p.Message
}

// Visible reports whether Describe still shows the connection.
func (p *PeeringRecord) Visible(now time.Time) bool {
	switch p.StateAt(now) {
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
func (p *PeeringRecord) sideOf(account string) (*PeeringSide, bool) {
	if account == p.Accepter.Owner && account != p.Requester.Owner {
		return &p.Accepter, true
	}
	return &p.Requester, false
}

// peeringKeys are the store keys of both copies of the connection.
func peeringKeys(p *PeeringRecord) []string {
	keys := []string{Caller{Account: p.Requester.Owner, Region: p.Requester.Region}.Key(p.ID)}
	if p.Accepter.Owner != p.Requester.Owner || p.Accepter.Region != p.Requester.Region {
		keys = append(keys, Caller{Account: p.Accepter.Owner, Region: p.Accepter.Region}.Key(p.ID))
	}
	return keys
}

// PutPeering writes both copies, each keeping its account's own tags.
func PutPeering(t *Txn, p *PeeringRecord) error {
	for _, key := range peeringKeys(p) {
		cp := *p
		var old PeeringRecord
		ok, err := t.Get(key, &old)
		if err != nil {
			return err
		}
		if ok {
			cp.Tags = old.Tags
		}
		if err := t.Put(key, &cp); err != nil {
			return err
		}
	}
	return nil
}

func DeletePeering(p *PeeringRecord, by string, now time.Time) {
	p.State, p.Message, p.ChangedAt = "deleted", "Deleted by "+by, now
}

// DeleteVpcPeerings deletes the active and pending connections of a VPC that is being
// deleted, as AWS does: deleting either VPC deletes the connection.
func (s *Kit) DeleteVpcPeerings(t *Txn, c Caller, vpcID string) error {
	all, err := ListAll[PeeringRecord](t, c.Prefix("pcx"))
	if err != nil {
		return err
	}
	now := s.Now()
	for _, p := range all {
		st := p.StateAt(now)
		if (p.Requester.VpcID == vpcID || p.Accepter.VpcID == vpcID) && (st == "active" || st == "pending-acceptance") {
			DeletePeering(p, c.Account, now)
			if err := PutPeering(t, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// EC2 is the connection as AWS shows it to account.
func (p *PeeringRecord) EC2(account string, now time.Time) *ec2.VpcPeeringConnection {
	out := &ec2.VpcPeeringConnection{
		VpcPeeringConnectionId: Ptr(p.ID),
		RequesterVpcInfo:       p.Requester.ec2(),
		AccepterVpcInfo:        p.Accepter.ec2(),
		Status:                 &ec2.VpcPeeringConnectionStateReason{Code: Ptr(p.StateAt(now)), Message: Ptr(p.MessageAt(now))},
		Tags:                   p.EC2Tags(),
	}
	if p.State == "pending-acceptance" {
		out.ExpirationTime = Ptr(p.ExpiresAt)
	}
	if p.State != "active" {
		// Options exist only while the connection is active.
		out.RequesterVpcInfo.PeeringOptions, out.AccepterVpcInfo.PeeringOptions = nil, nil
	}
	return out
}

func (s PeeringSide) ec2() *ec2.VpcPeeringConnectionVpcInfo {
	out := &ec2.VpcPeeringConnectionVpcInfo{
		OwnerId: Ptr(s.Owner), VpcId: Ptr(s.VpcID), Region: Ptr(s.Region),
		PeeringOptions: &ec2.VpcPeeringConnectionOptionsDescription{
			AllowDnsResolutionFromRemoteVpc:            Ptr(s.AllowDNS),
			AllowEgressFromLocalClassicLinkToRemoteVpc: Ptr(false),
			AllowEgressFromLocalVpcToRemoteClassicLink: Ptr(false),
		},
	}
	if len(s.Cidrs) > 0 {
		out.CidrBlock = Ptr(s.Cidrs[0].String())
	}
	for _, b := range s.Cidrs {
		out.CidrBlockSet = append(out.CidrBlockSet, ec2.CidrBlock{CidrBlock: Ptr(b.String())})
	}
	for _, b := range s.Ipv6 {
		out.Ipv6CidrBlockSet = append(out.Ipv6CidrBlockSet, ec2.Ipv6CidrBlock{Ipv6CidrBlock: Ptr(b.String())})
	}
	return out
}

// PeeredGroup is a security group of owner's that a rule of a group in vpcID may name: it
// must be given by ID and be in a VPC that an active connection peers with vpcID.
func PeeredGroup(t *Txn, c Caller, vpcID string, owner Caller, id, name string) (*SecurityGroupRecord, error) {
	if id == "" {
		return nil, ec2.ErrInvalidGroupNotFound("The security group '%s' does not exist", name)
	}
	if err := CheckID(id, "sg"); err != nil {
		return nil, err
	}
	g := new(SecurityGroupRecord)
	ok, err := t.Get(owner.Key(id), g)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ec2.ErrInvalidGroupNotFound("The security group '%s' does not exist", id)
	}
	all, err := ListAll[PeeringRecord](t, c.Prefix("pcx"))
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
