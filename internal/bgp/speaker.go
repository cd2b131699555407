package bgp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	gobgplog "github.com/osrg/gobgp/v3/pkg/log"
	"github.com/osrg/gobgp/v3/pkg/server"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"vpcd/internal/model"
)

// poll is how often the agent reads its config and its sessions: a route learned or
// withdrawn reaches the state file within it.
const poll = 200 * time.Millisecond

// connectRetry is how often, in seconds, a session that is down is tried again.
const connectRetry = 5

var ipv4Unicast = &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}

// speaker is the running GoBGP server and what it was given.
type speaker struct {
	s        *server.BgpServer
	log      *slog.Logger
	started  bool
	asn      int64
	routerID string
	peers    map[netip.Addr]Session
	paths    map[netip.Prefix][]byte // advertised prefix → its path's UUID
	written  []byte                  // the state last written
}

// Run speaks the config in path until ctx ends. The file must exist when it starts.
func Run(ctx context.Context, path string, log *slog.Logger) error {
	sp := &speaker{s: server.NewBgpServer(server.LoggerOption(logger{log})), log: log, peers: map[netip.Addr]Session{}, paths: map[netip.Prefix][]byte{}}
	go sp.s.Serve()
	defer sp.s.Stop()
	var have []byte
	var cfg Config
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		b, err := os.ReadFile(path)
		if err != nil && have == nil {
			return err
		}
		if err == nil && !bytes.Equal(b, have) {
			var next Config
			if err := json.Unmarshal(b, &next); err != nil {
				log.Error("BGP config", "err", err)
			} else if err := sp.apply(ctx, &next); err != nil {
				log.Error("BGP config", "err", err)
			} else {
				have, cfg = b, next
			}
		}
		if cfg.State != "" {
			if err := sp.report(ctx, &cfg); err != nil {
				log.Error("BGP state", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// routerID is the BGP identifier: the lowest of AWS's inside addresses, which are unique
// on the gateway.
func routerID(c *Config) string {
	var id netip.Addr
	for _, s := range c.Sessions {
		if !id.IsValid() || s.Local.Less(id) {
			id = s.Local
		}
	}
	if !id.IsValid() {
		return "169.254.0.1"
	}
	return id.String()
}

// apply brings the server to the config: it starts it again when the ASN or the router
// ID changes, and otherwise adds and deletes peers and advertised paths.
func (sp *speaker) apply(ctx context.Context, c *Config) error {
	id := routerID(c)
	if sp.started && (sp.asn != c.ASN || sp.routerID != id) {
		if err := sp.s.StopBgp(ctx, &api.StopBgpRequest{}); err != nil {
			return fmt.Errorf("stop: %w", err)
		}
		sp.started = false
		clear(sp.peers)
		clear(sp.paths)
	}
	if !sp.started {
		err := sp.s.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{Asn: uint32(c.ASN), RouterId: id, ListenPort: 179, ListenAddresses: []string{"0.0.0.0"}}})
		if err != nil {
			return fmt.Errorf("start: %w", err)
		}
		sp.started, sp.asn, sp.routerID = true, c.ASN, id
	}
	want := map[netip.Addr]Session{}
	for _, s := range c.Sessions {
		want[s.Peer] = s
	}
	for addr, old := range sp.peers {
		if s, ok := want[addr]; ok && s == old {
			continue
		}
		if err := sp.s.DeletePeer(ctx, &api.DeletePeerRequest{Address: addr.String()}); err != nil {
			return fmt.Errorf("delete peer %s: %w", addr, err)
		}
		delete(sp.peers, addr)
	}
	for addr, s := range want {
		if _, ok := sp.peers[addr]; ok {
			continue
		}
		if err := sp.s.AddPeer(ctx, &api.AddPeerRequest{Peer: peer(s)}); err != nil {
			return fmt.Errorf("add peer %s: %w", addr, err)
		}
		sp.peers[addr] = s
		sp.log.Info("BGP peer", "connection", s.Connection, "tunnel", s.Tunnel+1, "peer", addr, "asn", s.PeerASN)
	}
	return sp.advertise(ctx, c.Advertise)
}

// peer is a session as GoBGP's peer: AWS's timers, the prefix limit.
func peer(s Session) *api.Peer {
	af := &api.AfiSafi{Config: &api.AfiSafiConfig{Family: ipv4Unicast, Enabled: true}}
	if s.MaxPrefixes > 0 {
		af.PrefixLimits = &api.PrefixLimit{Family: ipv4Unicast, MaxPrefixes: uint32(s.MaxPrefixes)}
	}
	return &api.Peer{
		Conf: &api.PeerConf{NeighborAddress: s.Peer.String(), PeerAsn: uint32(s.PeerASN), LocalAsn: uint32(s.LocalASN), AuthPassword: s.Password,
			Description: fmt.Sprintf("%s tunnel %d", s.Connection, s.Tunnel+1)},
		Timers:    &api.Timers{Config: &api.TimersConfig{HoldTime: HoldTime, KeepaliveInterval: Keepalive, ConnectRetry: connectRetry}},
		Transport: &api.Transport{LocalAddress: s.Local.String()},
		AfiSafis:  []*api.AfiSafi{af},
	}
}

// advertise makes the advertised paths the prefixes given: origin IGP, this AS's path,
// MED.
func (sp *speaker) advertise(ctx context.Context, prefixes []netip.Prefix) error {
	for p, uuid := range sp.paths {
		if slices.Contains(prefixes, p) {
			continue
		}
		if err := sp.s.DeletePath(ctx, &api.DeletePathRequest{Family: ipv4Unicast, Uuid: uuid}); err != nil {
			return fmt.Errorf("withdraw %s: %w", p, err)
		}
		delete(sp.paths, p)
	}
	for _, p := range prefixes {
		if _, ok := sp.paths[p]; ok || !p.Addr().Is4() {
			continue
		}
		path, err := localPath(p)
		if err != nil {
			return err
		}
		out, err := sp.s.AddPath(ctx, &api.AddPathRequest{Path: path})
		if err != nil {
			return fmt.Errorf("advertise %s: %w", p, err)
		}
		sp.paths[p] = out.Uuid
	}
	return nil
}

func localPath(p netip.Prefix) (*api.Path, error) {
	nlri, err := anypb.New(&api.IPAddressPrefix{Prefix: p.Addr().String(), PrefixLen: uint32(p.Bits())})
	if err != nil {
		return nil, err
	}
	var attrs []*anypb.Any
	for _, m := range []proto.Message{&api.OriginAttribute{Origin: 0}, &api.NextHopAttribute{NextHop: "0.0.0.0"}, &api.MultiExitDiscAttribute{Med: MED}} {
		a, err := anypb.New(m)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, a)
	}
	return &api.Path{Family: ipv4Unicast, Nlri: nlri, Pattrs: attrs}, nil
}

// report writes the sessions' state to the state file when it changed.
func (sp *speaker) report(ctx context.Context, c *Config) error {
	established := map[string]bool{}
	err := sp.s.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) {
		if p.State != nil && p.State.SessionState == api.PeerState_ESTABLISHED {
			established[p.Conf.NeighborAddress] = true
		}
	})
	if err != nil {
		return err
	}
	var st State
	for _, s := range c.Sessions {
		ss := SessionState{Connection: s.Connection, Tunnel: s.Tunnel, Established: established[s.Peer.String()]}
		if ss.Established {
			if ss.Routes, err = sp.learned(ctx, s.Peer); err != nil {
				return err
			}
		}
		st.Sessions = append(st.Sessions, ss)
	}
	b, err := json.MarshalIndent(&st, "", "\t")
	if err != nil {
		return err
	}
	if bytes.Equal(b, sp.written) {
		return nil
	}
	if err := writeReplacing(c.State, b); err != nil {
		return err
	}
	sp.written = b
	return nil
}

// learned are the routes the peer advertises, in prefix order.
func (sp *speaker) learned(ctx context.Context, addr netip.Addr) ([]model.BgpRoute, error) {
	var out []model.BgpRoute
	err := sp.s.ListPath(ctx, &api.ListPathRequest{TableType: api.TableType_ADJ_IN, Name: addr.String(), Family: ipv4Unicast}, func(d *api.Destination) {
		p, err := netip.ParsePrefix(d.Prefix)
		if err != nil {
			return
		}
		for _, path := range d.Paths {
			if path.IsWithdraw {
				continue
			}
			if r, ok := learnedRoute(p, path, sp.asn); ok {
				out = append(out, r)
				break
			}
		}
	})
	slices.SortFunc(out, func(a, b model.BgpRoute) int {
		if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
			return c
		}
		return a.Prefix.Bits() - b.Prefix.Bits()
	})
	return out, err
}

// learnedRoute is a path the peer advertises, with its AS path's length and its MED; ok
// is false for a path whose AS path holds the gateway's own ASN, which BGP's loop
// detection refuses (the customer's router sends the VPC's own CIDR back over the other
// tunnel).
func learnedRoute(p netip.Prefix, path *api.Path, asn int64) (r model.BgpRoute, ok bool) {
	r = model.BgpRoute{Prefix: p.Masked()}
	for _, a := range path.Pattrs {
		var asPath api.AsPathAttribute
		var med api.MultiExitDiscAttribute
		switch {
		case a.MessageIs(&asPath) && a.UnmarshalTo(&asPath) == nil:
			for _, seg := range asPath.Segments {
				if slices.Contains(seg.Numbers, uint32(asn)) {
					return r, false
				}
				r.ASPathLen += len(seg.Numbers)
			}
		case a.MessageIs(&med) && a.UnmarshalTo(&med) == nil:
			r.MED = med.Med
		}
	}
	return r, true
}

// writeReplacing writes a file by rename: a reader sees the old content or the new one.
func writeReplacing(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadState reads a state file the agent wrote.
func ReadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// logger is GoBGP's logger on slog: its warnings and errors, and its session changes.
type logger struct{ l *slog.Logger }

func (l logger) args(f gobgplog.Fields) []any {
	var out []any
	for k, v := range f {
		out = append(out, k, v)
	}
	return out
}

func (l logger) Panic(msg string, f gobgplog.Fields) { l.l.Error(msg, l.args(f)...); panic(msg) }
func (l logger) Fatal(msg string, f gobgplog.Fields) { l.l.Error(msg, l.args(f)...); os.Exit(1) }
func (l logger) Error(msg string, f gobgplog.Fields) { l.l.Error(msg, l.args(f)...) }
func (l logger) Warn(msg string, f gobgplog.Fields)  { l.l.Warn(msg, l.args(f)...) }
func (l logger) Info(msg string, f gobgplog.Fields)  { l.l.Info(msg, l.args(f)...) }
func (l logger) Debug(string, gobgplog.Fields)       {}
func (l logger) SetLevel(gobgplog.LogLevel)          {}
func (l logger) GetLevel() gobgplog.LogLevel         { return gobgplog.InfoLevel }
