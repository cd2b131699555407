package dataplane

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/strongswan/govici/vici"

	"vpcd/internal/control"
	"vpcd/internal/linux"
	"vpcd/internal/model"
	"vpcd/internal/plan"
	"vpcd/internal/supervise"
)

// ipsecTunnels runs the IKE daemon of each planned VPN tunnel (plan.IPsecTunnel):
// strongSwan's charon-systemd in the tunnel's namespace, supervised like every daemon
// (it outlives vpcd), with its strongswan.conf and VICI socket in
// DATA_DIR/vpn/NAMESPACE/. A goroutine of its own (watch) loads each daemon's connection
// over VICI whenever the daemon does not have it (it started, restarted, or the options
// changed), reads the state of its security associations every pollInterval, and
// reports each tunnel's change of state to the store: telemetry, and the routes into the
// tunnels that are up, follow.
type ipsecTunnels struct {
	dir    string
	charon string // charon-systemd's path, "" when it is not installed
	log    *slog.Logger

	mu     sync.Mutex
	want   []plan.IPsecTunnel
	owner  map[string]control.Caller // connection → its account and region
	up     map[string]bool           // tunnel namespace → up, as last reported
	warned bool
}

const pollInterval = time.Second

func newIPsecTunnels(dataDir string, log *slog.Logger) *ipsecTunnels {
	charon, _ := exec.LookPath("charon-systemd")
	if charon == "" {
		if _, err := os.Stat("/usr/sbin/charon-systemd"); err == nil {
			charon = "/usr/sbin/charon-systemd"
		}
	}
	return &ipsecTunnels{dir: filepath.Join(dataDir, "vpn"), charon: charon, log: log, owner: map[string]control.Caller{}, up: map[string]bool{}}
}

func (s *ipsecTunnels) tunnelDir(ns string) string { return filepath.Join(s.dir, ns) }

// socket is the daemon's VICI socket, in its directory unless that path is too long for
// a unix socket (108 bytes): then in the temporary directory, under a hash of it.
func (s *ipsecTunnels) socket(ns string) string {
	path := filepath.Join(s.tunnelDir(ns), "vici")
	if len(path) < 100 {
		return path
	}
	h := sha256.Sum256([]byte(path))
	return filepath.Join(os.TempDir(), "vpcd-vici-"+hex.EncodeToString(h[:8]))
}

// daemons are the specs of the daemons of the planned tunnels whose namespace is here,
// and remembers them for watch.
func (s *ipsecTunnels) daemons(tunnels []plan.IPsecTunnel, n *model.Network) []supervise.Spec {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.charon == "" {
		if len(tunnels) > 0 && !s.warned {
			s.log.Warn("VPN tunnels stay down: charon-systemd (strongSwan) is not installed")
			s.warned = true
		}
		return nil
	}
	var specs []supervise.Spec
	s.want = s.want[:0]
	here := map[string]bool{}
	for _, t := range tunnels {
		ns := plan.TunnelNamespace(t.Connection, t.Index)
		if !linux.HasNamespace(ns) {
			continue
		}
		conf := filepath.Join(s.tunnelDir(ns), "strongswan.conf")
		if err := writeReplacing(conf, []byte(charonConf(s.socket(ns)))); err != nil {
			s.log.Error("VPN tunnel", "tunnel", ns, "err", err)
			continue
		}
		if c := n.VpnConnections[t.Connection]; c != nil {
			s.owner[t.Connection] = control.Caller{Account: c.Owner, Region: c.Region}
		}
		s.want = append(s.want, t)
		here[ns] = true
		specs = append(specs, supervise.Spec{
			Name:      "charon." + ns,
			Namespace: ns,
			Argv:      []string{s.charon},
			Env:       []string{"STRONGSWAN_CONF=" + conf},
			Dir:       s.tunnelDir(ns),
			Output:    filepath.Join(s.tunnelDir(ns), "charon.log"),
			Restart:   supervise.RestartAlways,
		})
	}
	// A tunnel gone: its daemon is stopped (no spec), its files and state go.
	for ns := range s.up {
		if !here[ns] {
			delete(s.up, ns)
		}
	}
	if entries, err := os.ReadDir(s.dir); err == nil {
		for _, e := range entries {
			if !here[e.Name()] && !linux.HasNamespace(e.Name()) {
				os.RemoveAll(filepath.Join(s.dir, e.Name()))
			}
		}
	}
	return specs
}

// watch loads and polls the daemons until ctx ends, reporting each tunnel's state.
func (s *ipsecTunnels) watch(ctx context.Context, report func(context.Context, record)) {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		s.mu.Lock()
		want := slices.Clone(s.want)
		s.mu.Unlock()
		for i := range want {
			s.poll(ctx, &want[i], report)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// poll makes sure the tunnel's daemon has its connection and reports a change of its
// state. A daemon that does not answer is a tunnel down.
func (s *ipsecTunnels) poll(ctx context.Context, t *plan.IPsecTunnel, report func(context.Context, record)) {
	ns := plan.TunnelNamespace(t.Connection, t.Index)
	up, err := s.check(ctx, t, ns)
	if err != nil {
		s.log.Debug("VPN tunnel", "tunnel", ns, "err", err)
	}
	s.mu.Lock()
	was, known := s.up[ns]
	s.up[ns] = up
	caller := s.owner[t.Connection]
	s.mu.Unlock()
	if known && was == up && t.Options.Up == up {
		return
	}
	if !known && t.Options.Up == up {
		return // the store says so already
	}
	s.log.Info("VPN tunnel", "connection", t.Connection, "tunnel", t.Index+1, "up", up)
	id, i := t.Connection, t.Index
	report(ctx, record{key: "vpn/" + ns, write: func(ctx context.Context, svc *control.Service) error {
		return svc.SetVpnTunnelStatus(ctx, caller, id, i, up)
	}})
}

// check loads the connection if the daemon lacks it, and reports whether an IKE SA of it
// is established with an installed CHILD_SA.
func (s *ipsecTunnels) check(ctx context.Context, t *plan.IPsecTunnel, ns string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	sess, err := vici.NewSession(vici.WithAddr("unix", s.socket(ns)))
	if err != nil {
		return false, err
	}
	defer sess.Close()
	name := connName(t)
	conns, err := sess.Call(ctx, "get-conns", nil)
	if err != nil {
		return false, err
	}
	loaded, _ := conns.Get("conns").([]string)
	if !slices.Contains(loaded, name) {
		if err := s.load(ctx, sess, t, name, loaded); err != nil {
			return false, err
		}
	}
	in := vici.NewMessage()
	if err := in.Set("ike", name); err != nil {
		return false, err
	}
	for m, err := range sess.CallStreaming(ctx, "list-sas", "list-sa", in) {
		if err != nil {
			return false, err
		}
		for _, k := range m.Keys() {
			if ike, ok := m.Get(k).(*vici.Message); ok && established(ike) {
				return true, nil
			}
		}
	}
	return false, nil
}

// established reports whether an IKE SA of list-sas is established with a CHILD_SA
// installed.
func established(ike *vici.Message) bool {
	if ike.Get("state") != "ESTABLISHED" {
		return false
	}
	children, ok := ike.Get("child-sas").(*vici.Message)
	if !ok {
		return false
	}
	for _, k := range children.Keys() {
		if c, ok := children.Get(k).(*vici.Message); ok && c.Get("state") == "INSTALLED" {
			return true
		}
	}
	return false
}

// load gives the daemon the tunnel's key and connection, and unloads the others.
func (s *ipsecTunnels) load(ctx context.Context, sess *vici.Session, t *plan.IPsecTunnel, name string, loaded []string) error {
	secret, err := tunnelSecret(t)
	if err != nil {
		return err
	}
	if err := call(ctx, sess, "load-shared", secret); err != nil {
		return err
	}
	conn, err := tunnelConn(name, t)
	if err != nil {
		return err
	}
	if err := call(ctx, sess, "load-conn", conn); err != nil {
		return err
	}
	for _, old := range loaded {
		m := vici.NewMessage()
		if err := m.Set("name", old); err == nil {
			sess.Call(ctx, "unload-conn", m)
		}
	}
	s.log.Info("VPN tunnel loaded", "connection", t.Connection, "tunnel", t.Index+1)
	return nil
}

// removeAll deletes the tunnels' files.
func (s *ipsecTunnels) removeAll() { os.RemoveAll(s.dir) }

// call runs a VICI command and returns its error, the daemon's refusal included.
func call(ctx context.Context, sess *vici.Session, cmd string, in *vici.Message) error {
	out, err := sess.Call(ctx, cmd, in)
	if err != nil {
		return err
	}
	return out.Err()
}
