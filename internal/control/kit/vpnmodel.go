package kit

import (
	"net/netip"
	"reflect"
	"time"

	"vpcd/internal/model"
)

// How Site-to-Site VPN enters the model: a virtual private gateway in the part of the
// VPC it is attached to, a connection in the whole network only, since the VPC it
// reaches is its gateway's and changes with the gateway's attachment.

func vpnGatewayModel(_ string, g *VpnGatewayRecord) any {
	return &model.VpnGateway{ID: g.ID, VPC: g.VpcID}
}

func vpnConnectionModel(region string, v *VpnConnectionRecord) any {
	m := &model.VpnConnection{ID: v.ID, Gateway: v.VpnGatewayID, Owner: v.Owner, Region: region, StaticRoutesOnly: v.StaticRoutesOnly, Routes: v.Routes,
		AmazonSideAsn: v.AmazonSideAsn, CustomerAsn: v.CustomerGatewayAsn}
	m.CustomerGateway, _ = netip.ParseAddr(v.CustomerGatewayIP)
	for i, t := range v.Tunnels {
		m.Tunnels[i] = model.VpnTunnel{OutsideIP: t.OutsideIP, InsideCidr: t.InsideCidr, PreSharedKey: t.PreSharedKey,
			IKEVersions: t.IKEVersions, Phase1Encryption: t.Phase1EncryptionAlgorithms, Phase1Integrity: t.Phase1IntegrityAlgorithms,
			Phase1DHGroups: t.Phase1DHGroupNumbers, Phase2Encryption: t.Phase2EncryptionAlgorithms, Phase2Integrity: t.Phase2IntegrityAlgorithms,
			Phase2DHGroups: t.Phase2DHGroupNumbers, Phase1Lifetime: seconds(t.Phase1LifetimeSeconds), Phase2Lifetime: seconds(t.Phase2LifetimeSeconds),
			RekeyMargin: seconds(t.RekeyMarginTimeSeconds), RekeyFuzz: t.RekeyFuzzPercentage, ReplayWindow: t.ReplayWindowSize,
			DPDTimeout: seconds(t.DPDTimeoutSeconds), DPDTimeoutAction: t.DPDTimeoutAction, StartupAction: t.StartupAction, Up: t.Up}
		if t.BgpUp && !v.StaticRoutesOnly {
			m.Tunnels[i].Learned = t.Learned
		}
	}
	return m
}

func seconds(s int32) time.Duration { return time.Duration(s) * time.Second }

// setVpnConnection puts a connection in the whole network; a change reaches the VPC its
// gateway is attached to (before and after: a connection never changes gateway).
func (b *NetworkBuilder) setVpnConnection(c *NetworkChange, id string, m *model.VpnConnection) {
	old := b.n.VpnConnections[id]
	putOrDelete(b.n.VpnConnections, id, m)
	if reflect.DeepEqual(old, m) {
		return
	}
	b.touchTransitGatewayOfVpn(c, id)
	for _, v := range []*model.VpnConnection{old, m} {
		if v == nil {
			continue
		}
		if g := b.n.VpnGateways[v.Gateway]; g != nil {
			c.vpc(g.VPC)
		}
	}
}
