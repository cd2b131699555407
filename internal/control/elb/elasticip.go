package elb

import (
	"encoding/json"
	"net/netip"

	"vpcd/internal/control/kit"
)

// An internet-facing load balancer's subnet mapping may name an Elastic IP (AllocationId)
// for the zone's public address. The address's record is compute's: it is read and
// written here as its raw members, so that what compute keeps in it stays as it is, and
// only the interface it is associated with changes, as an association made by
// AssociateAddress would change it.

// eipMembers is an Elastic IP's record, member by member.
type eipMembers map[string]json.RawMessage

func (m eipMembers) str(key string) string {
	var s string
	json.Unmarshal(m[key], &s)
	return s
}

// takeElasticIP associates the caller's Elastic IP with a load balancer's interface and
// returns its address.
func takeElasticIP(t *kit.Txn, c kit.Caller, allocationID, eniID string) (netip.Addr, error) {
	m := eipMembers{}
	found := false
	if kit.ValidID(allocationID, "eipalloc") {
		var err error
		if found, err = t.Get(c.Key(allocationID), &m); err != nil {
			return netip.Addr{}, err
		}
	}
	if !found {
		return netip.Addr{}, errAllocationIdNotFound("The allocation ID '%s' does not exist", allocationID)
	}
	if m.str("networkInterfaceId") != "" || m.str("natGateway") != "" {
		return netip.Addr{}, errInvalidConfig("The Elastic IP address '%s' is already associated", allocationID)
	}
	pub, err := netip.ParseAddr(m.str("publicIp"))
	if err != nil {
		return netip.Addr{}, err
	}
	m["networkInterfaceId"], _ = json.Marshal(eniID)
	return pub, t.Put(c.Key(allocationID), m)
}

// releaseElasticIP ends the association of a zone's Elastic IP; the address stays the
// caller's.
func releaseElasticIP(t *kit.Txn, c kit.Caller, allocationID string) error {
	m := eipMembers{}
	found, err := t.Get(c.Key(allocationID), &m)
	if err != nil || !found {
		return err
	}
	delete(m, "networkInterfaceId")
	return t.Put(c.Key(allocationID), m)
}
