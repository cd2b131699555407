package bgp

import (
	"net/netip"
	"testing"

	api "github.com/osrg/gobgp/v3/api"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"vpcd/internal/model"
)

func path(t *testing.T, attrs ...proto.Message) *api.Path {
	t.Helper()
	p := &api.Path{}
	for _, a := range attrs {
		any, err := anypb.New(a)
		if err != nil {
			t.Fatal(err)
		}
		p.Pattrs = append(p.Pattrs, any)
	}
	return p
}

// TestLearnedRoute checks what a path the customer advertises becomes: its AS path's
// length and MED, AWS's tie-breakers between the tunnels; one that holds the gateway's
// own ASN (the VPC's block sent back over the other tunnel) is refused.
func TestLearnedRoute(t *testing.T) {
	lan := netip.MustParsePrefix("172.20.0.9/24")
	asPath := func(asns ...uint32) *api.AsPathAttribute {
		return &api.AsPathAttribute{Segments: []*api.AsSegment{{Type: api.AsSegment_AS_SEQUENCE, Numbers: asns}}}
	}
	for _, tc := range []struct {
		name string
		path *api.Path
		want model.BgpRoute
		ok   bool
	}{
		{"AS path and MED", path(t, &api.OriginAttribute{}, asPath(65000, 65001), &api.MultiExitDiscAttribute{Med: 50}),
			model.BgpRoute{Prefix: netip.MustParsePrefix("172.20.0.0/24"), ASPathLen: 2, MED: 50}, true},
		{"no MED", path(t, asPath(65000)), model.BgpRoute{Prefix: netip.MustParsePrefix("172.20.0.0/24"), ASPathLen: 1}, true},
		{"own ASN: a loop", path(t, asPath(65000, 64512)), model.BgpRoute{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := learnedRoute(lan, tc.path, 64512)
			if ok != tc.ok || ok && got != tc.want {
				t.Errorf("learnedRoute: %+v %v, want %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestRouterID checks that the speaker's identifier is the lowest of AWS's inside
// addresses, stable while sessions come and go above it.
func TestRouterID(t *testing.T) {
	c := &Config{Sessions: []Session{{Local: netip.MustParseAddr("169.254.20.1")}, {Local: netip.MustParseAddr("169.254.10.5")}}}
	if got := routerID(c); got != "169.254.10.5" {
		t.Errorf("routerID: %s, want 169.254.10.5", got)
	}
}

// TestPeerOfVirtualInterface checks that a Direct Connect virtual interface's session
// speaks as its own Amazon-side ASN with its MD5 key, and a tunnel's as the config's
// without one.
func TestPeerOfVirtualInterface(t *testing.T) {
	vif := peer(Session{Connection: "dxvif-abcd1234", Local: netip.MustParseAddr("169.254.7.1"), Peer: netip.MustParseAddr("169.254.7.2"),
		PeerASN: 65000, LocalASN: 64600, Password: "0xsecret"})
	if c := vif.Conf; c.LocalAsn != 64600 || c.AuthPassword != "0xsecret" || c.PeerAsn != 65000 {
		t.Errorf("virtual interface's peer %+v", c)
	}
	tunnel := peer(Session{Connection: "vpn-1", Local: netip.MustParseAddr("169.254.10.1"), Peer: netip.MustParseAddr("169.254.10.2"), PeerASN: 65000})
	if c := tunnel.Conf; c.LocalAsn != 0 || c.AuthPassword != "" {
		t.Errorf("tunnel's peer %+v", c)
	}
}
