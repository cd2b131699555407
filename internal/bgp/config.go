// Package bgp is the BGP speaker of a VPC's virtual private gateway: GoBGP embedded as a
// library, in a small agent (`vpcd bgp CONFIG`) that the data plane starts inside the
// VPC's router namespace as a supervised daemon, since a Go socket belongs to the
// namespace of the thread that opens it. It speaks one eBGP session per tunnel of the
// gateway's dynamically routed VPN connections, over the tunnel's inside addresses (AWS's
// end the first host of the /30, the customer's the second), advertises the VPC's CIDR
// blocks, and writes what each session learned to a state file that the data plane reads
// and reports to the store (internal/dataplane: bgp.go). It does not program the kernel:
// the routes learned become propagated routes of the model, which the planner puts in
// the router's tables as every other route.
//
// Like internal/vpcsvc, the agent follows its config file (rewritten by rename) and
// outlives vpcd, so that the sessions stay up while vpcd restarts.
package bgp

import (
	"encoding/json"
	"net/netip"

	"vpcd/internal/model"
)

// AWS's timers for the sessions of a VPN tunnel, in seconds.
const (
	HoldTime  = 30
	Keepalive = 10
)

// MaxPrefixes is how many routes AWS accepts over one session of a VPN connection on a
// virtual private gateway (a quota that cannot be raised): one more and the session goes
// down.
const MaxPrefixes = 100

// MED is the multi-exit discriminator of the routes the gateway advertises, the same on
// both tunnels: the customer's device picks the tunnel.
const MED = 100

// Config is what one VPC's agent speaks.
type Config struct {
	// ASN is the virtual private gateway's Amazon-side ASN.
	ASN int64
	// Advertise are the prefixes advertised to every peer: the VPC's CIDR blocks.
	Advertise []netip.Prefix
	Sessions  []Session
	// State is the file the agent writes what it learned to.
	State string
}

// Session is the BGP session of one tunnel, or of a Direct Connect virtual interface
// (Connection its ID, Tunnel 0).
type Session struct {
	Connection string
	Tunnel     int // 0 or 1
	Local      netip.Addr
	Peer       netip.Addr
	PeerASN    int64
	// LocalASN is this end's ASN when it is not the config's (a virtual interface on a
	// Direct Connect gateway speaks as the gateway's Amazon-side ASN); 0: the config's.
	LocalASN int64 `json:",omitempty"`
	// Password is the session's TCP MD5 key (a virtual interface's BGP authentication
	// key); "": none.
	Password string `json:",omitempty"`
	// MaxPrefixes is how many routes the peer may advertise before the session is reset;
	// 0: no limit.
	MaxPrefixes int
}

// Marshal is the config as the agent reads it.
func (c *Config) Marshal() ([]byte, error) { return json.MarshalIndent(c, "", "\t") }

// State is what the agent learned, session by session, in the config's order.
type State struct {
	Sessions []SessionState
}

// SessionState is one session: whether it is established, and the routes the peer
// advertises over it (none while it is not).
type SessionState struct {
	Connection  string
	Tunnel      int
	Established bool
	Routes      []model.BgpRoute `json:",omitempty"`
}
