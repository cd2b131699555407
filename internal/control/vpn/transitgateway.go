package vpn

import (
	"vpcd/internal/control/kit"
	"vpcd/internal/control/tgw"
	"vpcd/internal/ec2"
)

// setGateway sets the AWS end of a connection being created: a virtual private gateway,
// or a transit gateway, to which the connection gets an attachment (control/tgw).
func setGateway(t *kit.Txn, c kit.Caller, v *kit.VpnConnectionRecord, in *ec2.CreateVpnConnectionRequest) error {
	if id := kit.Deref(in.TransitGatewayId); id != "" {
		att, asn, err := tgw.AttachVpnConnection(t, c, id, v.ID)
		v.TransitGatewayID, v.TransitGatewayAttachmentID, v.AmazonSideAsn = id, att, asn
		return err
	}
	vgw, err := kit.Get[kit.VpnGatewayRecord](t, c, "vgw", *in.VpnGatewayId)
	if err != nil {
		return err
	}
	v.VpnGatewayID, v.AmazonSideAsn = vgw.ID, vgw.AmazonSideAsn
	return nil
}
