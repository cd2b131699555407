package kit

import (
	"net/netip"
)

// PrivateIP is the interface's private address a, or nil.
func (e *NetworkInterfaceRecord) PrivateIP(a netip.Addr) *PrivateIP {
	for i := range e.PrivateIPs {
		if e.PrivateIPs[i].Addr == a {
			return &e.PrivateIPs[i]
		}
	}
	return nil
}
