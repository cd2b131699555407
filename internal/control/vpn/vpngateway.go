package vpn

import (
	"context"
	"slices"
	"strconv"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// defaultAmazonAsn is the ASN of a virtual private gateway created without one.
const defaultAmazonAsn = 64512

// amazonAsnValid reports whether a virtual private gateway may have the ASN on Amazon's
// side: a private 16-bit ASN (64512-65534), a private 32-bit one (4200000000-4294967294),
// or one of Amazon's own public ASNs that the console offers as the default.
func amazonAsnValid(asn int64) bool {
	switch {
	case asn >= 64512 && asn <= 65534, asn >= 4200000000 && asn <= 4294967294:
		return true
	}
	return asn == 7224 || asn == 9059 || asn == 10124 || asn == 17493
}

// CreateVpnGateway creates a detached virtual private gateway.
func (s *VPN) CreateVpnGateway(ctx context.Context, c kit.Caller, in *ec2.CreateVpnGatewayRequest) (*ec2.CreateVpnGatewayResult, error) {
	if err := checkType(in.Type); err != nil {
		return nil, err
	}
	asn := int64(defaultAmazonAsn)
	if in.AmazonSideAsn != nil {
		if asn = *in.AmazonSideAsn; !amazonAsnValid(asn) {
			return nil, ec2.ErrInvalidParameterValue("Invalid Amazon side ASN %d: a private ASN must be in the range 64512 to 65534 or 4200000000 to 4294967294", asn)
		}
	}
	zone := ""
	if kit.Deref(in.AvailabilityZone) != "" { // Terraform sends "" for none
		name, _, err := kit.ZoneByNameOrID(c.Region, *in.AvailabilityZone, "")
		if err != nil {
			return nil, err
		}
		zone = name
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "vpn-gateway")
	if err != nil {
		return nil, err
	}
	vgw := &kit.VpnGatewayRecord{Meta: kit.Meta{ID: kit.NewID("vgw"), Owner: c.Account, Tags: tags}, Type: gatewayType, AmazonSideAsn: asn, AvailabilityZone: zone}
	if err := s.Update(ctx, func(t *kit.Txn) error { return t.Put(c.Key(vgw.ID), vgw) }); err != nil {
		return nil, err
	}
	return &ec2.CreateVpnGatewayResult{VpnGateway: vgw.EC2()}, nil
}

// DeleteVpnGateway deletes a detached virtual private gateway.
func (s *VPN) DeleteVpnGateway(ctx context.Context, c kit.Caller, in *ec2.DeleteVpnGatewayRequest) error {
	id := kit.Deref(in.VpnGatewayId)
	if id == "" {
		return ec2.ErrMissingParameter("VpnGatewayId")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		vgw, err := kit.Get[kit.VpnGatewayRecord](t, c, "vgw", id)
		if err != nil {
			return err
		}
		if vgw.VpcID != "" || len(vgw.DirectConnect) > 0 {
			return ec2.ErrIncorrectState("The VPN gateway is in use.")
		}
		switch used, err := inUse(t, c, id); {
		case err != nil:
			return err
		case used:
			return ec2.ErrIncorrectState("The VPN gateway is in use.")
		}
		t.Del(c.Key(id))
		return nil
	})
}

// AttachVpnGateway attaches a detached gateway to a VPC that has none. The answer says
// "attaching", as AWS's does; the gateway is attached at once.
func (s *VPN) AttachVpnGateway(ctx context.Context, c kit.Caller, in *ec2.AttachVpnGatewayRequest) (*ec2.AttachVpnGatewayResult, error) {
	err := s.updateAttachment(ctx, c, in.VpnGatewayId, in.VpcId, func(t *kit.Txn, vgw *kit.VpnGatewayRecord, vpc string) (bool, error) {
		switch vgw.VpcID {
		case vpc:
			return false, nil
		case "":
		default:
			return false, ec2.ErrVpnGatewayAttachmentLimitExceeded("The maximum number of mutable attachments for VPN gateway %s has been exceeded.", vgw.ID)
		}
		all, err := kit.ListAll[kit.VpnGatewayRecord](t, c.Prefix("vgw"))
		if err != nil {
			return false, err
		}
		for _, other := range all {
			if other.VpcID == vpc {
				return false, ec2.ErrInvalidVpcState("VPC %s is currently attached to the Virtual Private Gateway.", vpc)
			}
		}
		vgw.VpcID, vgw.DetachedFrom = vpc, ""
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.AttachVpnGatewayResult{VpcAttachment: &ec2.VpcAttachment{State: kit.Ptr("attaching"), VpcId: in.VpcId}}, nil
}

// DetachVpnGateway detaches a gateway from its VPC; the routes to it become blackholes
// and the route tables stop taking its routes.
func (s *VPN) DetachVpnGateway(ctx context.Context, c kit.Caller, in *ec2.DetachVpnGatewayRequest) error {
	return s.updateAttachment(ctx, c, in.VpnGatewayId, in.VpcId, func(_ *kit.Txn, vgw *kit.VpnGatewayRecord, vpc string) (bool, error) {
		if vgw.VpcID != vpc {
			return false, ec2.ErrInvalidVpnGatewayAttachmentNotFound("The attachment with vpn gateway ID '%s' and vpc ID '%s' does not exist", vgw.ID, vpc)
		}
		vgw.VpcID, vgw.DetachedFrom = "", vpc
		return true, nil
	})
}

// updateAttachment reads a gateway and a VPC named by a request and lets change decide
// the gateway's attachment to the VPC; a changed gateway is written, and the VPC's
// children key bumped, so that two attachments to one VPC, or one and DeleteVpc,
// conflict.
func (s *VPN) updateAttachment(ctx context.Context, c kit.Caller, vgwID, vpcID *string, change func(t *kit.Txn, vgw *kit.VpnGatewayRecord, vpc string) (bool, error)) error {
	switch {
	case kit.Deref(vgwID) == "":
		return ec2.ErrMissingParameter("VpnGatewayId")
	case kit.Deref(vpcID) == "":
		return ec2.ErrMissingParameter("VpcId")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		vgw, err := kit.Get[kit.VpnGatewayRecord](t, c, "vgw", *vgwID)
		if err != nil {
			return err
		}
		vpc, err := kit.GetVpc(t, c, *vpcID)
		if err != nil {
			return err
		}
		changed, err := change(t, vgw, vpc.ID)
		if err != nil || !changed {
			return err
		}
		if err := kit.BumpChildren(t, c, vpc.ID); err != nil {
			return err
		}
		return t.Put(c.Key(vgw.ID), vgw)
	})
}

var vpnGatewayFilters = map[string]func(*kit.VpnGatewayRecord) []string{
	"amazon-side-asn": func(g *kit.VpnGatewayRecord) []string { return []string{strconv.FormatInt(g.AmazonSideAsn, 10)} },
	"attachment.state": func(g *kit.VpnGatewayRecord) []string {
		return kit.Collect(g.EC2().VpcAttachments, func(a ec2.VpcAttachment) string { return *a.State })
	},
	"attachment.vpc-id": func(g *kit.VpnGatewayRecord) []string {
		return kit.Collect(g.EC2().VpcAttachments, func(a ec2.VpcAttachment) string { return *a.VpcId })
	},
	"availability-zone": func(g *kit.VpnGatewayRecord) []string { return []string{g.AvailabilityZone} },
	"state":             func(g *kit.VpnGatewayRecord) []string { return []string{"available"} },
	"type":              func(g *kit.VpnGatewayRecord) []string { return []string{g.Type} },
	"vpn-gateway-id":    func(g *kit.VpnGatewayRecord) []string { return []string{g.ID} },
}

// DescribeVpnGateways lists the caller's virtual private gateways.
func (s *VPN) DescribeVpnGateways(ctx context.Context, c kit.Caller, in *ec2.DescribeVpnGatewaysRequest) (*ec2.DescribeVpnGatewaysResult, error) {
	gws, _, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "vgw", IDs: in.VpnGatewayIds, Filters: in.Filters}, vpnGatewayFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpnGatewaysResult{VpnGateways: []ec2.VpnGateway{}}
	for _, g := range gws {
		out.VpnGateways = append(out.VpnGateways, *g.EC2())
	}
	return out, nil
}

// EnableVgwRoutePropagation lets a route table take the routes of the virtual private
// gateway attached to its VPC.
func (s *VPN) EnableVgwRoutePropagation(ctx context.Context, c kit.Caller, in *ec2.EnableVgwRoutePropagationRequest) error {
	return s.setPropagation(ctx, c, in.RouteTableId, in.GatewayId, true)
}

// DisableVgwRoutePropagation stops it.
func (s *VPN) DisableVgwRoutePropagation(ctx context.Context, c kit.Caller, in *ec2.DisableVgwRoutePropagationRequest) error {
	return s.setPropagation(ctx, c, in.RouteTableId, in.GatewayId, false)
}

func (s *VPN) setPropagation(ctx context.Context, c kit.Caller, rtbID, gatewayID *string, on bool) error {
	switch {
	case kit.Deref(rtbID) == "":
		return ec2.ErrMissingParameter("RouteTableId")
	case kit.Deref(gatewayID) == "":
		return ec2.ErrMissingParameter("GatewayId")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		rtb, err := kit.Get[kit.RouteTableRecord](t, c, "rtb", *rtbID)
		if err != nil {
			return err
		}
		vgw, err := kit.Get[kit.VpnGatewayRecord](t, c, "vgw", *gatewayID)
		if err != nil {
			return err
		}
		has := slices.Contains(rtb.PropagatingVgws, vgw.ID)
		switch {
		case on && vgw.VpcID != rtb.VpcID:
			return ec2.ErrGatewayNotAttached("resource %s is not attached to network %s", vgw.ID, rtb.VpcID)
		case on == has:
			return nil
		case on:
			rtb.PropagatingVgws = append(rtb.PropagatingVgws, vgw.ID)
		default:
			rtb.PropagatingVgws = slices.DeleteFunc(rtb.PropagatingVgws, func(g string) bool { return g == vgw.ID })
		}
		return t.Put(c.Key(rtb.ID), rtb)
	})
}
