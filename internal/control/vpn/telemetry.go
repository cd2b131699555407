package vpn

import (
	"context"
	"fmt"
	"slices"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/model"
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

// SetVpnTunnelBgp records the BGP session of a connection's tunnel i (0 or 1) as the data
// plane's speaker sees it: established or not, and the routes the customer advertises
// over it. The routes learned over a tunnel that is up become the connection's
// propagated routes, and VgwTelemetry counts them. A report that changes nothing writes
// nothing; a connection deleted since, or routed statically, is no error.
func (s *VPN) SetVpnTunnelBgp(ctx context.Context, c kit.Caller, id string, i int, established bool, routes []model.BgpRoute) error {
	if i < 0 || i > 1 {
		return fmt.Errorf("tunnel %d of %s: no such tunnel", i, id)
	}
	if !established {
		routes = nil
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		v, err := kit.Get[kit.VpnConnectionRecord](t, c, "vpn", id)
		if kit.IsNotFound(err, "vpn") {
			return nil // gone
		}
		if err != nil || v.StaticRoutesOnly {
			return err
		}
		tun := &v.Tunnels[i]
		if tun.BgpUp == established && slices.Equal(tun.Learned, routes) {
			return nil
		}
		was := v.TelemetryUp(tun)
		tun.BgpUp, tun.Learned = established, routes
		if v.TelemetryUp(tun) != was {
			tun.StatusChanged = time.Now().UTC().Truncate(time.Second)
		}
		return t.Put(c.Key(v.ID), v)
	})
}
