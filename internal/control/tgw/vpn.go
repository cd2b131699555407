package tgw

import (
	"time"

	"vpcd/internal/control/kit"
)

// AttachVpnConnection attaches a VPN connection being created to a transit gateway
// (CreateVpnConnection with TransitGatewayId), in the creation's transaction: the
// attachment's ID and the gateway's ASN, the connection's Amazon side. The attachment
// is associated with and propagates to the gateway's default route tables, as a VPC
// attachment; it propagates no route while no tunnel is up.
func AttachVpnConnection(t *kit.Txn, c kit.Caller, tgwID, vpnID string) (string, int64, error) {
	g, err := getTransitGateway(t, c, tgwID)
	if err != nil {
		return "", 0, err
	}
	a := &kit.TransitGatewayAttachmentRecord{Meta: kit.Meta{ID: kit.NewID("tgw-attach"), Owner: c.Account}, TransitGatewayID: g.ID,
		ResourceType: "vpn", ResourceID: vpnID, ResourceOwner: c.Account, State: "available", CreateTime: time.Now().UTC()}
	return a.ID, g.AmazonSideAsn, addAttachment(t, c, g, a)
}

// DetachVpnConnection deletes the attachment of a VPN connection being deleted.
func DetachVpnConnection(t *kit.Txn, c kit.Caller, attachID string) error {
	a, err := getLive[kit.TransitGatewayAttachmentRecord](t, c, "tgw-attach", attachID)
	if err != nil {
		return err
	}
	g, err := getTransitGateway(t, c, a.TransitGatewayID)
	if err != nil {
		return err
	}
	return removeAttachment(t, c, a, g)
}
