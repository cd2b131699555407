package kit

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
)

// VpcChildren is the record kept at a VPC's children key. Every transaction that
// creates, deletes or reshapes a child of the VPC (a subnet, route table, ACL, security
// group, attached gateway) bumps Version, and every check over the VPC's children (CIDR
// overlap between subnets, "nothing left" for DeleteVpc) reads the key: the key stands
// for the set of children, so such a check conflicts with a concurrent change of the set,
// new children included (the phantoms a listing cannot see), while comparing one key
// instead of every child. Writes to the VPC record itself (tags, attributes) do not touch
// it, so they do not conflict with creations in the VPC.
//
// Before this key existed, child writers bumped a counter in the VPC record. A VPC
// stored by that version has no key: the first child writer creates it, and until then
// compares the VPC record, as the old code did.
type VpcChildren struct {
	Version int64 `json:"version"`
	// GroupNames says that every security group of the VPC has its name key
	// (groupNameKey); VPCs stored before name keys existed get them on the first
	// CreateSecurityGroup.
	GroupNames bool `json:"groupNames,omitempty"`
}

func ChildrenKey(c Caller, vpcID string) string {
	return c.Prefix("vpc-children") + vpcID
}

// GroupNameKey is present while the VPC has a security group with that name; its value
// is the group's ID. It makes InvalidGroup.Duplicate a read of one key.
func GroupNameKey(c Caller, vpcID, name string) string {
	return c.Prefix("sg-name") + vpcID + "/" + url.PathEscape(name)
}

// ChildOf reads the VPC that a child is added to, removed from or reshaped in, and
// bumps its children key. The VPC record is read without a compare when the key exists
// (peek): its deletion and the changes of its CIDR blocks bump the key too.
func ChildOf(t *Txn, c Caller, vpcID string) (*VpcRecord, *VpcChildren, error) {
	if err := CheckID(vpcID, "vpc"); err != nil {
		return nil, nil, err
	}
	ch := &VpcChildren{}
	has, err := t.Get(ChildrenKey(c, vpcID), ch)
	if err != nil {
		return nil, nil, err
	}
	var vpc VpcRecord
	var ok bool
	if has {
		ok, err = t.Peek(c.Key(vpcID), &vpc)
	} else {
		ok, err = t.Get(c.Key(vpcID), &vpc)
	}
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, NotFound(vpcID)
	}
	ch.Version++
	return &vpc, ch, t.Put(ChildrenKey(c, vpcID), ch)
}

// BumpChildren records a change of the VPC's children, for a writer that has read the
// VPC otherwise.
func BumpChildren(t *Txn, c Caller, vpcID string) error {
	_, _, err := ChildOf(t, c, vpcID)
	return err
}

// ParentVpc is the VPC of a child resource, read outside any transaction, for the queue of
// a deletion (see updateOn): deletions then queue with the creations in the same VPC, which
// bump the same children key. A child never moves to another VPC, so a stale read cannot
// be wrong, only absent; "" (no queue) when the resource cannot be read.
func (s *Kit) ParentVpc(ctx context.Context, c Caller, id string) string {
	if id == "" || strings.Contains(id, "/") {
		return ""
	}
	kv, ok, err := s.Store.Get(ctx, c.Key(id))
	if err != nil || !ok {
		return ""
	}
	var r struct {
		VpcID string `json:"vpcId"`
	}
	if json.Unmarshal(kv.Value, &r) != nil {
		return ""
	}
	return r.VpcID
}
