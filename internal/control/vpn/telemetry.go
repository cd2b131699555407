package vpn

import (
	"context"
	"fmt"
	"time"

	"vpcd/internal/control/kit"
)

// SetVpnTunnelStatus records the state of a connection's tunnel i (0 or 1) as the data
// plane sees it: up while its IPsec security association is established. VgwTelemetry
// shows it, and the data plane routes into the tunnels that are up. A report that changes
// nothing writes nothing; a connection deleted since is no error.
func (s *VPN) SetVpnTunnelStatus(ctx context.Context, c kit.Caller, id string, i int, up bool) error {
	if i < 0 || i > 1 {
		return fmt.Errorf("tunnel %d of %s: no such tunnel", i, id)
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		v, err := kit.Get[kit.VpnConnectionRecord](t, c, "vpn", id)
		if kit.IsNotFound(err, "vpn") {
			return nil // gone
		}
		if err != nil {
			return err
		}
		tun := &v.Tunnels[i]
		if tun.Up == up && !tun.StatusChanged.IsZero() {
			return nil
		}
		tun.Up, tun.StatusChanged = up, time.Now().UTC().Truncate(time.Second)
		return t.Put(c.Key(v.ID), v)
	})
}
