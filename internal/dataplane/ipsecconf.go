package dataplane

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/strongswan/govici/vici"

	"vpcd/internal/plan"
)

// How a VPN tunnel's options (the API's, kept in plan.IPsecTunnel) become charon's: a
// strongswan.conf for the daemon of the tunnel, and the connection and its pre-shared key
// loaded over VICI (ipsec.go).

// charonConf is the strongswan.conf of a tunnel's daemon: only the plugins it needs,
// kernel-libipsec for ESP in user space (this kernel has no ESP transform), its VICI
// socket in the data directory, its log to stderr. kernel-libipsec installs its routes
// whatever install_routes says: routing_table_prio parks their table after main, so that
// the routes vpcd plans decide.
func charonConf(socket string) string {
	return fmt.Sprintf(`# written by vpcd
charon-systemd {
	load_modular = no
	load = random nonce aes sha1 sha2 hmac gmp kdf openssl socket-default kernel-libipsec kernel-netlink vici
	install_routes = no
	install_virtual_ip = no
	routing_table_prio = 40000
	plugins {
		vici {
			socket = unix://%s
		}
	}
	journal {
		default = -1
	}
	filelog {
		stderr {
			default = 1
			ike = 1
			time_format = %%b %%e %%T
		}
	}
}
`, socket)
}

// AWS's tunnel options when none are set ("Tunnel options for your Site-to-Site VPN
// connection"), as control/vpn offers them.
var (
	defaultEncryption = []string{"AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16"}
	defaultIntegrity  = []string{"SHA1", "SHA2-256", "SHA2-384", "SHA2-512"}
	defaultPhase1DH   = []int32{2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}
	defaultPhase2DH   = []int32{2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}
)

// swanNames are strongSwan's names of AWS's algorithms and DH groups.
var swanNames = map[string]string{"AES128": "aes128", "AES256": "aes256", "AES128-GCM-16": "aes128gcm16", "AES256-GCM-16": "aes256gcm16",
	"SHA1": "sha1", "SHA2-256": "sha256", "SHA2-384": "sha384", "SHA2-512": "sha512",
	"2": "modp1024", "5": "modp1536", "14": "modp2048", "15": "modp3072", "16": "modp4096", "17": "modp6144", "18": "modp8192",
	"19": "ecp256", "20": "ecp384", "21": "ecp521", "22": "modp1024s160", "23": "modp2048s224", "24": "modp2048s256"}

func or[T any](set, defaults []T) []T {
	if len(set) > 0 {
		return set
	}
	return defaults
}

// proposals are strongSwan's proposals offering every combination of the algorithms and
// groups: one of the plain ciphers with the integrity algorithms (as PRFs too for IKE),
// and one of the AEAD ciphers (GCM), which take no integrity algorithm.
func proposals(enc, integ []string, groups []int32, ike bool) []string {
	var plain, aead, integs, prfs, dh []string
	for _, e := range enc {
		if strings.Contains(e, "GCM") {
			aead = append(aead, swanNames[e])
		} else {
			plain = append(plain, swanNames[e])
		}
	}
	for _, i := range integ {
		integs = append(integs, swanNames[i])
		prfs = append(prfs, "prf"+swanNames[i])
	}
	for _, g := range groups {
		dh = append(dh, swanNames[strconv.Itoa(int(g))])
	}
	var out []string
	if len(plain) > 0 {
		out = append(out, strings.Join(slices.Concat(plain, integs, dh), "-"))
	}
	if len(aead) > 0 {
		parts := slices.Concat(aead, dh)
		if ike {
			parts = slices.Concat(aead, prfs, dh)
		}
		out = append(out, strings.Join(parts, "-"))
	}
	return out
}

// ikeVersion is charon's version of the IKE versions allowed: 0 for both.
func ikeVersion(versions []string) string {
	switch {
	case len(versions) == 1 && versions[0] == "ikev1":
		return "1"
	case len(versions) == 1 && versions[0] == "ikev2":
		return "2"
	}
	return "0"
}

func secs(d time.Duration) string { return strconv.Itoa(int(d/time.Second)) + "s" }

// rekeyBefore is when to rekey a lifetime: the rekey margin before it ends, but never
// before half of it.
func rekeyBefore(life, margin time.Duration) time.Duration {
	if life <= 0 {
		life = time.Hour
	}
	return max(life-margin, life/2)
}

// tunnelConn is the connection of a tunnel as VICI's load-conn takes it, under name:
// route-based (0.0.0.0/0 both ways), PSK with the outside addresses as identities, the
// customer's own as remote (any identity: behind NAT its identity is its own business),
// DPD every 10 seconds as AWS's endpoints send it, and the startup action: "add" waits
// for the customer to initiate, "start" initiates.
func tunnelConn(name string, t *plan.IPsecTunnel) (*vici.Message, error) {
	o := t.Options
	remote := "%any"
	if t.Remote.IsValid() {
		remote = t.Remote.String()
	}
	dpdAction := map[string]string{"clear": "clear", "none": "clear", "restart": "restart"}[o.DPDTimeoutAction]
	if dpdAction == "" {
		dpdAction = "clear"
	}
	start := "none"
	if o.StartupAction == "start" {
		start = "start"
	}
	child := vici.NewMessage()
	margin := o.RekeyMargin
	for k, v := range map[string]any{
		"local_ts":      []string{"0.0.0.0/0"},
		"remote_ts":     []string{"0.0.0.0/0"},
		"esp_proposals": proposals(or(o.Phase2Encryption, defaultEncryption), or(o.Phase2Integrity, defaultIntegrity), or(o.Phase2DHGroups, defaultPhase2DH), false),
		"start_action":  start,
		"dpd_action":    dpdAction,
		"life_time":     secs(max(o.Phase2Lifetime, time.Minute)),
		"rekey_time":    secs(rekeyBefore(o.Phase2Lifetime, margin)),
		"rand_time":     secs(margin * time.Duration(max(o.RekeyFuzz, 0)) / 100),
	} {
		if err := child.Set(k, v); err != nil {
			return nil, err
		}
	}
	if o.ReplayWindow > 0 {
		if err := child.Set("replay_window", strconv.Itoa(int(o.ReplayWindow))); err != nil {
			return nil, err
		}
	}
	children, local, peer, conn := vici.NewMessage(), vici.NewMessage(), vici.NewMessage(), vici.NewMessage()
	if err := children.Set(childName(t), child); err != nil {
		return nil, err
	}
	sets := []struct {
		m   *vici.Message
		key string
		v   any
	}{
		{local, "auth", "psk"}, {local, "id", t.Local.String()},
		{peer, "auth", "psk"}, {peer, "id", "%any"},
		{conn, "version", ikeVersion(o.IKEVersions)},
		{conn, "local_addrs", []string{t.Local.String()}},
		{conn, "remote_addrs", []string{remote}},
		{conn, "proposals", proposals(or(o.Phase1Encryption, defaultEncryption), or(o.Phase1Integrity, defaultIntegrity), or(o.Phase1DHGroups, defaultPhase1DH), true)},
		{conn, "rekey_time", secs(rekeyBefore(o.Phase1Lifetime, margin))},
		{conn, "dpd_delay", "10s"},
		{conn, "dpd_timeout", secs(max(o.DPDTimeout, 30*time.Second))},
		{conn, "keyingtries", "0"},
		{conn, "unique", "replace"},
		{conn, "mobike", "no"},
		{conn, "local", local},
		{conn, "remote", peer},
		{conn, "children", children},
	}
	for _, s := range sets {
		if err := s.m.Set(s.key, s.v); err != nil {
			return nil, err
		}
	}
	out := vici.NewMessage()
	return out, out.Set(name, conn)
}

// tunnelSecret is the tunnel's pre-shared key as VICI's load-shared takes it.
func tunnelSecret(t *plan.IPsecTunnel) (*vici.Message, error) {
	m := vici.NewMessage()
	for k, v := range map[string]any{"id": "vpcd", "type": "IKE", "data": t.Options.PreSharedKey, "owners": []string{t.Local.String()}} {
		if err := m.Set(k, v); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// connName names the tunnel's connection in charon after everything it was loaded from,
// so that a changed option is seen as a connection not loaded.
func connName(t *plan.IPsecTunnel) string {
	c := *t
	c.Options.Up, c.Options.Learned = false, nil // the state, not the options
	h := sha256.New()
	fmt.Fprintf(h, "%+v", c)
	return "vpcd-" + hex.EncodeToString(h.Sum(nil)[:6])
}

func childName(t *plan.IPsecTunnel) string { return "tunnel" + strconv.Itoa(t.Index+1) }
