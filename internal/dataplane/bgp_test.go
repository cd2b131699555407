package dataplane

import (
	"log/slog"
	"net/netip"
	"testing"

	"vpcd/internal/bgp"
	"vpcd/internal/model"
)

// TestSpeakerConfigDirectConnect checks a VPC's speaker's session over a Direct Connect
// private virtual interface: from the Amazon address to the customer's, with the
// interface's key, as the gateway's ASN; another Amazon-side ASN (a Direct Connect
// gateway's beside a VPN connection's) is the session's own.
func TestSpeakerConfigDirectConnect(t *testing.T) {
	n := model.NewNetwork()
	vpc := &model.VPC{ID: "vpc-1", CIDRs: []netip.Prefix{netip.MustParsePrefix("10.81.0.0/16")}}
	n.VPCs[vpc.ID] = vpc
	n.VpnGateways["vgw-1"] = &model.VpnGateway{ID: "vgw-1", VPC: vpc.ID}
	n.DxVirtualInterfaces["dxvif-abcd1234"] = &model.DxVirtualInterface{ID: "dxvif-abcd1234", Gateway: "vgw-1", AmazonSideAsn: 64581, CustomerAsn: 65081,
		AmazonAddress: netip.MustParsePrefix("169.254.7.1/30"), CustomerAddress: netip.MustParsePrefix("169.254.7.2/30"), AuthKey: "k"}
	b := newBGPSpeakers(t.TempDir(), "", 0, slog.Default())
	cfg := b.speakerConfig(n, vpc)
	want := bgp.Session{Connection: "dxvif-abcd1234", Local: netip.MustParseAddr("169.254.7.1"), Peer: netip.MustParseAddr("169.254.7.2"), PeerASN: 65081,
		Password: "k", MaxPrefixes: bgp.MaxPrefixes}
	if cfg == nil || cfg.ASN != 64581 || len(cfg.Sessions) != 1 || cfg.Sessions[0] != want || len(cfg.Advertise) != 1 {
		t.Fatalf("config %+v", cfg)
	}
	n.VpnConnections["vpn-1"] = &model.VpnConnection{ID: "vpn-1", Gateway: "vgw-1", AmazonSideAsn: 64512, CustomerAsn: 65000,
		Tunnels: [2]model.VpnTunnel{{OutsideIP: netip.MustParseAddr("203.0.113.1"), InsideCidr: netip.MustParsePrefix("169.254.10.0/30")}}}
	cfg = b.speakerConfig(n, vpc)
	if cfg.ASN != 64512 || len(cfg.Sessions) != 2 || cfg.Sessions[1].LocalASN != 64581 || cfg.Sessions[0].LocalASN != 0 {
		t.Fatalf("with a VPN connection: %+v", cfg)
	}
}
