package dns

import (
	"context"
	"time"

	"vpcd/internal/aws/route53"
	"vpcd/internal/control/kit"
)

// changeRecord is a change Route 53 answers GetChange for: every write that returns a
// ChangeInfo makes one, in the same transaction.
type changeRecord struct {
	Owner     string    `json:"owner"`
	Submitted time.Time `json:"submitted"`
	Comment   string    `json:"comment,omitempty"`
}

func changeKey(id string) string { return "route53/change/" + id }

// newChange records a change and returns its ChangeInfo as the write answers it: PENDING,
// as AWS does, though GetChange says INSYNC from then on.
func (s *DNS) newChange(t *kit.Txn, c kit.Caller, comment string) (*route53.ChangeInfo, error) {
	id := newID("C")
	ch := changeRecord{Owner: c.Account, Submitted: s.Now().UTC().Truncate(time.Millisecond), Comment: comment}
	if err := t.Put(changeKey(id), ch); err != nil {
		return nil, err
	}
	return changeInfo(id, ch, "PENDING"), nil
}

// putZone writes a changed zone and records the change.
func (s *DNS) putZone(t *kit.Txn, c kit.Caller, z *kit.HostedZoneRecord, comment string) (*route53.ChangeInfo, error) {
	if err := t.Put(kit.HostedZoneKey(z.Owner, z.ID), z); err != nil {
		return nil, err
	}
	return s.newChange(t, c, comment)
}

func changeInfo(id string, ch changeRecord, status string) *route53.ChangeInfo {
	info := &route53.ChangeInfo{Id: kit.Ptr(changePath(id)), Status: kit.Ptr(status), SubmittedAt: kit.Ptr(ch.Submitted)}
	if ch.Comment != "" {
		info.Comment = kit.Ptr(ch.Comment)
	}
	return info
}

// GetChange answers a change of the caller's: in sync at once, since vpcd's data plane
// follows the store.
func (s *DNS) GetChange(ctx context.Context, c kit.Caller, in *route53.GetChangeRequest) (*route53.GetChangeResponse, error) {
	id := bareID(kit.Deref(in.Id), "change")
	if len(id) > 6500 {
		return nil, errValidation(id, "id", "Member must have length less than or equal to 6500")
	}
	var ch changeRecord
	var found bool
	err := s.View(ctx, func(t *kit.Txn) (err error) {
		found, err = t.Get(changeKey(id), &ch)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found || ch.Owner != c.Account {
		return nil, errNoSuchChange(id)
	}
	return &route53.GetChangeResponse{ChangeInfo: changeInfo(id, ch, "INSYNC")}, nil
}
