package dataplane

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"vpcd/internal/bgp"
	"vpcd/internal/control"
	"vpcd/internal/linux"
	"vpcd/internal/model"
	"vpcd/internal/plan"
	"vpcd/internal/supervise"
)

// bgpSpeakers runs the BGP speaker of each VPC whose virtual private gateway has VPN
// connections routed dynamically or Direct Connect private virtual interfaces
// (internal/bgp: `vpcd bgp CONFIG`), in the VPC's router
// namespace, where the tunnels' links and inside addresses are, with its config and state
// in DATA_DIR/bgp/. A goroutine of its own (watch) reads each speaker's state file every
// bgpPoll and reports each session that changed to the store: the routes learned become
// propagated routes, and telemetry follows.
type bgpSpeakers struct {
	dir  string
	exec string
	log  *slog.Logger
	// maxPrefixes is each session's prefix limit: AWS's (bgp.MaxPrefixes) when 0, none
	// when negative (benchmarks only: AWS's limit cannot be raised).
	maxPrefixes int

	mu       sync.Mutex
	sessions map[string][]bgpSession // VPC → its sessions, for watch
	reported map[string]bgpReport    // connection/tunnel → what the store has
}

// bgpSession is a session of a speaker and who owns its connection.
type bgpSession struct {
	state  string // the speaker's state file
	conn   string
	tunnel int
	caller control.Caller
	vif    bool // conn is a Direct Connect virtual interface
}

// bgpReport is a session's state as reported.
type bgpReport struct {
	established bool
	routes      []model.BgpRoute
}

const bgpPoll = 250 * time.Millisecond

func newBGPSpeakers(dataDir, execPath string, maxPrefixes int, log *slog.Logger) *bgpSpeakers {
	return &bgpSpeakers{dir: filepath.Join(dataDir, "bgp"), exec: execPath, maxPrefixes: maxPrefixes, log: log,
		sessions: map[string][]bgpSession{}, reported: map[string]bgpReport{}}
}

func bgpKey(conn string, tunnel int) string { return conn + "/" + strconv.Itoa(tunnel) }

// speakerConfig is what the speaker of a VPC speaks: one session per tunnel of the
// dynamically routed connections of its gateway that has its addresses; nil when none.
func (b *bgpSpeakers) speakerConfig(n *model.Network, vpc *model.VPC) *bgp.Config {
	cfg := &bgp.Config{State: filepath.Join(b.dir, vpc.ID+".state.json")}
	limit := b.maxPrefixes
	if limit == 0 {
		limit = bgp.MaxPrefixes
	}
	limit = max(limit, 0)
	for _, c := range n.VpnConnectionsOf(vpc.ID) {
		if c.StaticRoutesOnly {
			continue
		}
		cfg.ASN = c.AmazonSideAsn
		for i, t := range c.Tunnels {
			if !t.OutsideIP.IsValid() || !t.InsideCidr.IsValid() {
				continue
			}
			local := t.VgwInsideIP()
			cfg.Sessions = append(cfg.Sessions, bgp.Session{Connection: c.ID, Tunnel: i, Local: local, Peer: local.Next(), PeerASN: c.CustomerAsn, MaxPrefixes: limit})
		}
	}
	// Direct Connect's private virtual interfaces to the gateway: one session each over
	// the cross-connect (plan: directconnect.go), with the interface's key, as the
	// Amazon-side ASN the interface names (the gateway's, or its Direct Connect gateway's).
	for _, v := range n.DxVirtualInterfacesOf(vpc.ID) {
		if !v.AmazonAddress.Addr().Is4() || !v.CustomerAddress.Addr().Is4() {
			continue
		}
		if cfg.ASN == 0 {
			cfg.ASN = v.AmazonSideAsn
		}
		var local int64
		if v.AmazonSideAsn != cfg.ASN {
			local = v.AmazonSideAsn
		}
		cfg.Sessions = append(cfg.Sessions, bgp.Session{Connection: v.ID, Local: v.AmazonAddress.Addr(), Peer: v.CustomerAddress.Addr(),
			PeerASN: v.CustomerAsn, LocalASN: local, Password: v.AuthKey, MaxPrefixes: limit})
	}
	if len(cfg.Sessions) == 0 {
		return nil
	}
	for _, p := range vpc.CIDRs {
		if p.Addr().Is4() {
			cfg.Advertise = append(cfg.Advertise, p.Masked())
		}
	}
	return cfg
}

// daemons writes the config of the speaker of every VPC here that needs one, and returns
// their specs.
func (b *bgpSpeakers) daemons(n *model.Network) []supervise.Spec {
	if b.exec == "" {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var specs []supervise.Spec
	here := map[string]bool{}
	for _, id := range model.SortedKeys(n.VPCs) {
		ns := plan.RouterNamespace(id)
		if !linux.HasNamespace(ns) {
			continue
		}
		cfg := b.speakerConfig(n, n.VPCs[id])
		if cfg == nil {
			continue
		}
		data, err := cfg.Marshal()
		path := filepath.Join(b.dir, id+".json")
		if err == nil {
			err = writeReplacing(path, data)
		}
		if err != nil {
			b.log.Error("BGP speaker", "vpc", id, "err", err)
			continue
		}
		here[id] = true
		var sessions []bgpSession
		for _, s := range cfg.Sessions {
			if v := n.DxVirtualInterfaces[s.Connection]; v != nil {
				sessions = append(sessions, bgpSession{state: cfg.State, conn: v.ID, caller: control.Caller{Account: v.Owner, Region: v.Region}, vif: true})
				if _, ok := b.reported[bgpKey(v.ID, 0)]; !ok {
					b.reported[bgpKey(v.ID, 0)] = bgpReport{established: v.Up(), routes: v.Learned}
				}
				continue
			}
			c := n.VpnConnections[s.Connection]
			sessions = append(sessions, bgpSession{state: cfg.State, conn: s.Connection, tunnel: s.Tunnel, caller: control.Caller{Account: c.Owner, Region: c.Region}})
			if _, ok := b.reported[bgpKey(s.Connection, s.Tunnel)]; !ok {
				// What the store has already: a new vpcd does not write it again.
				t := c.Tunnels[s.Tunnel]
				b.reported[bgpKey(s.Connection, s.Tunnel)] = bgpReport{established: t.Learned != nil, routes: t.Learned}
			}
		}
		b.sessions[id] = sessions
		specs = append(specs, supervise.Spec{
			Name:      "bgp." + id,
			Namespace: ns,
			Argv:      []string{b.exec, "bgp", path},
			// Go's listeners are Multipath TCP by default, which takes no TCP MD5 key:
			// a virtual interface's session needs one.
			Env:     []string{"GODEBUG=multipathtcp=0"},
			Output:  filepath.Join(b.dir, id+".log"),
			Restart: supervise.RestartAlways,
		})
	}
	for id := range b.sessions {
		if !here[id] {
			delete(b.sessions, id)
			os.Remove(filepath.Join(b.dir, id+".json"))
			os.Remove(filepath.Join(b.dir, id+".state.json"))
		}
	}
	return specs
}

// watch reads the speakers' state until ctx ends, reporting each session that changed.
func (b *bgpSpeakers) watch(ctx context.Context, report func(context.Context, record)) {
	t := time.NewTicker(bgpPoll)
	defer t.Stop()
	for {
		b.poll(ctx, report)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (b *bgpSpeakers) poll(ctx context.Context, report func(context.Context, record)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	states := map[string]*bgp.State{}
	for _, sessions := range b.sessions {
		for _, s := range sessions {
			st, ok := states[s.state]
			if !ok {
				st, _ = bgp.ReadState(s.state) // none yet: the speaker has not written it
				states[s.state] = st
			}
			if st == nil {
				continue
			}
			i := slices.IndexFunc(st.Sessions, func(ss bgp.SessionState) bool { return ss.Connection == s.conn && ss.Tunnel == s.tunnel })
			if i < 0 {
				continue
			}
			now := bgpReport{established: st.Sessions[i].Established, routes: st.Sessions[i].Routes}
			if now.established && now.routes == nil {
				now.routes = []model.BgpRoute{}
			}
			key := bgpKey(s.conn, s.tunnel)
			if was := b.reported[key]; was.established == now.established && slices.Equal(was.routes, now.routes) {
				continue
			}
			b.reported[key] = now
			b.log.Info("BGP session", "connection", s.conn, "tunnel", s.tunnel+1, "established", now.established, "routes", len(now.routes))
			caller, conn, tunnel, vif := s.caller, s.conn, s.tunnel, s.vif
			report(ctx, record{key: "bgp/" + key, write: func(ctx context.Context, svc *control.Service) error {
				if vif {
					return svc.DirectConnect.SetVirtualInterfaceBgp(ctx, caller, conn, now.established, now.routes)
				}
				return svc.SetVpnTunnelBgp(ctx, caller, conn, tunnel, now.established, now.routes)
			}})
		}
	}
}

// removeAll deletes the speakers' files.
func (b *bgpSpeakers) removeAll() { os.RemoveAll(b.dir) }
