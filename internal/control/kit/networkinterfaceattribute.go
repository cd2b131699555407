package kit

import (
	"net/netip"
	"slices"
)

// Unassign drops a secondary address; its public address from the pool is released and
// its Elastic IP disassociated.
func (e *NetworkInterfaceRecord) Unassign(t *Txn, c Caller, a netip.Addr) {
	e.PrivateIPs = slices.DeleteFunc(e.PrivateIPs, func(p PrivateIP) bool {
		if p.Addr != a {
			return false
		}
		if p.Association != nil && p.Association.Owner == "amazon" {
			ReleasePublicIP(t, c, p.Association.PublicIP)
		}
		return true
	})
}
