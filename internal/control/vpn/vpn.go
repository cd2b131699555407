// Package vpn answers EC2's Site-to-Site VPN actions that describe the two ends of a VPN
// connection: customer gateways (the customer's device, by its outside address and BGP
// ASN) and virtual private gateways (the VPC's end, attached to one VPC, with Amazon's
// ASN), the route propagation of a gateway into route tables, and the VPN connections
// between the two (vpnconnection.go), whose tunnels no data plane builds yet.
package vpn

import (
	"context"
	"net/netip"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// VPN answers the actions of the family over the shared kit.
type VPN struct{ *kit.Kit }

// gatewayType is the one type of VPN connection AWS offers.
const gatewayType = "ipsec.1"

// defaultCustomerAsn is AWS's BGP ASN of a customer gateway created without one.
const defaultCustomerAsn = 65000

func checkType(t *string) error {
	switch {
	case t == nil:
		return ec2.ErrMissingParameter("Type")
	case *t != gatewayType:
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter type is invalid. Valid values: ipsec.1", *t)
	}
	return nil
}

// CreateCustomerGateway records a customer gateway. An identical request (type, address,
// ASN and device name) answers the gateway that exists, as AWS does, rather than a second
// one.
func (s *VPN) CreateCustomerGateway(ctx context.Context, c kit.Caller, in *ec2.CreateCustomerGatewayRequest) (*ec2.CreateCustomerGatewayResult, error) {
	if err := checkType(in.Type); err != nil {
		return nil, err
	}
	asn := int64(defaultCustomerAsn)
	switch {
	case in.BgpAsn != nil && in.BgpAsnExtended != nil:
		return nil, ec2.ErrInvalidParameterCombination("BgpAsn and BgpAsnExtended cannot both be specified")
	case in.BgpAsn != nil:
		if *in.BgpAsn < 1 {
			return nil, ec2.ErrInvalidParameterValue("Value (%d) for parameter BgpAsn is invalid. Valid values: 1-2147483647", *in.BgpAsn)
		}
		asn = int64(*in.BgpAsn)
	case in.BgpAsnExtended != nil:
		if *in.BgpAsnExtended <= kit.MaxBgpAsn || *in.BgpAsnExtended > 4294967295 {
			return nil, ec2.ErrInvalidParameterValue("Value (%d) for parameter BgpAsnExtended is invalid. Valid values: 2147483648-4294967295", *in.BgpAsnExtended)
		}
		asn = *in.BgpAsnExtended
	}
	if in.CertificateArn != nil {
		// A certificate-authenticated gateway needs AWS Private CA, which vpcd does not
		// have: only pre-shared keys authenticate its tunnels.
		return nil, ec2.ErrInvalidParameterValue("The certificate ARN %s is not valid: vpcd's VPN tunnels authenticate with pre-shared keys only", *in.CertificateArn)
	}
	ip := kit.Deref(in.IpAddress)
	if ip == "" {
		ip = kit.Deref(in.PublicIp)
	}
	if ip == "" {
		return nil, ec2.ErrMissingParameter("IpAddress")
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil || !addr.Is4() {
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter ipAddress is invalid. Invalid Format.", ip)
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "customer-gateway")
	if err != nil {
		return nil, err
	}
	cgw := &kit.CustomerGatewayRecord{Meta: kit.Meta{ID: kit.NewID("cgw"), Owner: c.Account, Tags: tags}, Type: gatewayType, BgpAsn: asn,
		IPAddress: addr.String(), DeviceName: kit.Deref(in.DeviceName)}
	err = s.Update(ctx, func(t *kit.Txn) error {
		all, err := kit.ListAll[kit.CustomerGatewayRecord](t, c.Prefix("cgw"))
		if err != nil {
			return err
		}
		for _, g := range all {
			if g.Type == cgw.Type && g.IPAddress == cgw.IPAddress && g.BgpAsn == cgw.BgpAsn && g.DeviceName == cgw.DeviceName {
				cgw = g
				return nil
			}
		}
		return t.Put(c.Key(cgw.ID), cgw)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateCustomerGatewayResult{CustomerGateway: cgw.EC2()}, nil
}

// DeleteCustomerGateway deletes a customer gateway.
func (s *VPN) DeleteCustomerGateway(ctx context.Context, c kit.Caller, in *ec2.DeleteCustomerGatewayRequest) error {
	id := kit.Deref(in.CustomerGatewayId)
	if id == "" {
		return ec2.ErrMissingParameter("CustomerGatewayId")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		if _, err := kit.Get[kit.CustomerGatewayRecord](t, c, "cgw", id); err != nil {
			return err
		}
		switch used, err := inUse(t, c, id); {
		case err != nil:
			return err
		case used:
			return ec2.ErrIncorrectState("The customer gateway is in use.")
		}
		t.Del(c.Key(id))
		return nil
	})
}

var customerGatewayFilters = map[string]func(*kit.CustomerGatewayRecord) []string{
	"bgp-asn":             func(g *kit.CustomerGatewayRecord) []string { return []string{kit.Deref(g.EC2().BgpAsn)} },
	"customer-gateway-id": func(g *kit.CustomerGatewayRecord) []string { return []string{g.ID} },
	"ip-address":          func(g *kit.CustomerGatewayRecord) []string { return []string{g.IPAddress} },
	"state":               func(g *kit.CustomerGatewayRecord) []string { return []string{"available"} },
	"type":                func(g *kit.CustomerGatewayRecord) []string { return []string{g.Type} },
}

// DescribeCustomerGateways lists the caller's customer gateways.
func (s *VPN) DescribeCustomerGateways(ctx context.Context, c kit.Caller, in *ec2.DescribeCustomerGatewaysRequest) (*ec2.DescribeCustomerGatewaysResult, error) {
	gws, _, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "cgw", IDs: in.CustomerGatewayIds, Filters: in.Filters}, customerGatewayFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeCustomerGatewaysResult{CustomerGateways: []ec2.CustomerGateway{}}
	for _, g := range gws {
		out.CustomerGateways = append(out.CustomerGateways, *g.EC2())
	}
	return out, nil
}
