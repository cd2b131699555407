package compute

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// Elastic IPs (kind "eipalloc"). An Elastic IP is a public address of the pool that an
// account keeps until it releases it; its address is registered under "public/REGION/ADDR"
// like an auto-assigned one, so that no two accounts hold it. While it is associated, the
// interface's private address carries the association (owner = the account, with the
// allocation and association IDs): the interface is the truth, and the record only names
// the interface it was last associated with. An association whose interface has gone
// (deleted with its instance) or has moved on is no association.

type elasticIPRecord struct {
	kit.Meta
	PublicIP           netip.Addr `json:"publicIp"`
	Domain             string     `json:"domain"` // vpc
	NetworkInterfaceID string     `json:"networkInterfaceId,omitempty"`
	// NatGateway and NatAssociation hold the address for a regional NAT gateway, which
	// has no interface to associate it with (see natregional.go).
	NatGateway     string `json:"natGateway,omitempty"`
	NatAssociation string `json:"natAssociation,omitempty"`
}

// addressesKey is rewritten by every allocation and release, so that two concurrent
// allocations cannot both take the last place under the quota.
func addressesKey(c kit.Caller) string { return c.Account + "/" + c.Region + "/account/addresses" }

// eipBinding is where an Elastic IP is associated now: its interface and private address.
type eipBinding struct {
	eni *kit.NetworkInterfaceRecord
	ip  *kit.PrivateIP
}

// binding reads the interface an Elastic IP names and returns the private address that
// carries its association, or nil when it is not associated.
func (r *elasticIPRecord) binding(t *kit.Txn, c kit.Caller) (*eipBinding, error) {
	if r.NetworkInterfaceID == "" {
		return nil, nil
	}
	e := new(kit.NetworkInterfaceRecord)
	found, err := t.Get(c.Key(r.NetworkInterfaceID), e)
	if err != nil || !found {
		return nil, err
	}
	for i := range e.PrivateIPs {
		if as := e.PrivateIPs[i].Association; as != nil && as.AllocationID == r.ID {
			return &eipBinding{eni: e, ip: &e.PrivateIPs[i]}, nil
		}
	}
	return nil, nil
}

// elasticIPByPublicIP finds the caller's Elastic IP with the address.
func elasticIPByPublicIP(t *kit.Txn, c kit.Caller, ip string) (*elasticIPRecord, error) {
	all, err := kit.ListAll[elasticIPRecord](t, c.Prefix("eipalloc"))
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		if r.PublicIP.String() == ip {
			return r, nil
		}
	}
	return nil, errAddressNotFound(ip)
}

func errAddressNotFound(ip string) error {
	return ec2.ErrInvalidAddressNotFound("Address '%s' not found.", ip)
}

// elasticIPOf resolves an action's AllocationId, or its PublicIp when it names none.
func elasticIPOf(t *kit.Txn, c kit.Caller, allocationID, publicIP *string) (*elasticIPRecord, error) {
	switch {
	case allocationID != nil:
		return kit.Get[elasticIPRecord](t, c, "eipalloc", *allocationID)
	case publicIP != nil:
		return elasticIPByPublicIP(t, c, *publicIP)
	}
	return nil, ec2.ErrMissingParameter("AllocationId")
}

// AllocateAddress takes an address of the pool for the account (AWS: VPC only, so a
// "standard" domain is refused).
func (s *Compute) AllocateAddress(ctx context.Context, c kit.Caller, in *ec2.AllocateAddressRequest) (*ec2.AllocateAddressResult, error) {
	switch kit.Deref(in.Domain) {
	case "", "vpc":
	case "standard":
		return nil, ec2.ErrInvalidParameterValue("The parameter Domain with value standard is not supported; EC2-Classic has been retired.")
	default:
		return nil, ec2.ErrInvalidParameterValue("Invalid value '%s' for domain.", kit.Deref(in.Domain))
	}
	if p := kit.Deref(in.PublicIpv4Pool); p != "" && p != "amazon" {
		return nil, ec2.ErrInvalidPublicIpv4PoolIDNotFound("The pool ID '%s' does not exist", p)
	}
	if g := kit.Deref(in.NetworkBorderGroup); g != "" && g != c.Region {
		return nil, ec2.ErrInvalidParameterValue("Invalid value '%s' for NetworkBorderGroup.", g)
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "elastic-ip")
	if err != nil {
		return nil, err
	}
	var want netip.Addr
	if in.Address != nil {
		want, err = netip.ParseAddr(*in.Address)
		if err != nil || !want.Is4() {
			return nil, ec2.ErrInvalidParameterValue("Invalid value '%s' for Address. Not a valid IPv4 address.", *in.Address)
		}
		if !s.inPool(want) {
			return nil, errAddressNotFound(*in.Address)
		}
	}
	rec := &elasticIPRecord{Meta: kit.Meta{ID: kit.NewID("eipalloc"), Owner: c.Account, Tags: tags}, Domain: "vpc"}
	err = s.Update(ctx, func(t *kit.Txn) error {
		all, err := kit.ListAll[elasticIPRecord](t, c.Prefix("eipalloc"))
		if err != nil {
			return err
		}
		limit, err := s.QuotaLimit(t, c, kit.QuotaElasticIPs)
		if err != nil {
			return err
		}
		if len(all) >= limit {
			return ec2.ErrAddressLimitExceeded("The maximum number of addresses has been reached.")
		}
		var marker struct{}
		if _, err := t.Get(addressesKey(c), &marker); err != nil {
			return err
		}
		if err := t.Put(addressesKey(c), marker); err != nil {
			return err
		}
		a := want
		if a.IsValid() {
			var holder kit.PublicIPHolder
			taken, err := t.Get(kit.PublicIPKey(c.Region, a), &holder)
			if err != nil {
				return err
			}
			if taken {
				return errAddressNotFound(a.String())
			}
		} else if a, err = s.AllocatePublicIP(t, c, ""); err != nil {
			return err
		}
		if err := t.Put(kit.PublicIPKey(c.Region, a), kit.PublicIPHolder{Account: c.Account, AllocationID: rec.ID}); err != nil {
			return err
		}
		rec.PublicIP = a
		return t.Put(c.Key(rec.ID), rec)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.AllocateAddressResult{
		AllocationId:       kit.Ptr(rec.ID),
		PublicIp:           kit.Ptr(rec.PublicIP.String()),
		Domain:             kit.Ptr("vpc"),
		PublicIpv4Pool:     kit.Ptr("amazon"),
		NetworkBorderGroup: kit.Ptr(c.Region),
	}, nil
}

// inPool reports whether an address is one the pool hands out.
func (s *Compute) inPool(a netip.Addr) bool {
	for _, p := range s.Pool {
		p = p.Masked()
		if p.Contains(a) && a != p.Addr() && a != kit.LastAddr(p) {
			return true
		}
	}
	return false
}

// ReleaseAddress gives an Elastic IP back to the pool; it must not be associated.
func (s *Compute) ReleaseAddress(ctx context.Context, c kit.Caller, in *ec2.ReleaseAddressRequest) error {
	if in.AllocationId == nil && in.PublicIp == nil {
		return ec2.ErrMissingParameter("AllocationId")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		r, err := elasticIPOf(t, c, in.AllocationId, in.PublicIp)
		if err != nil {
			return err
		}
		b, err := r.binding(t, c)
		if err != nil {
			return err
		}
		if b != nil || r.NatGateway != "" {
			return ec2.ErrInvalidIPAddressInUse("Address %s is in use.", r.PublicIP)
		}
		var marker struct{}
		if _, err := t.Get(addressesKey(c), &marker); err != nil {
			return err
		}
		if err := t.Put(addressesKey(c), marker); err != nil {
			return err
		}
		kit.ReleasePublicIP(t, c, r.PublicIP)
		t.Del(c.Key(r.ID))
		return nil
	})
}

// AssociateAddress maps an Elastic IP to a private address of an interface: the primary
// address of an instance's only interface, or an interface's named (or primary) address.
func (s *Compute) AssociateAddress(ctx context.Context, c kit.Caller, in *ec2.AssociateAddressRequest) (*ec2.AssociateAddressResult, error) {
	if in.InstanceId == nil && in.NetworkInterfaceId == nil {
		return nil, ec2.ErrMissingParameter("InstanceId")
	}
	associationID := kit.NewID("eipassoc")
	err := s.Update(ctx, func(t *kit.Txn) error {
		r, err := elasticIPOf(t, c, in.AllocationId, in.PublicIp)
		if err != nil {
			return err
		}
		e, err := associationTarget(t, c, in)
		if err != nil {
			return err
		}
		p, err := targetAddress(e, kit.Deref(in.PrivateIpAddress))
		if err != nil {
			return err
		}
		if err := checkGatewayAttached(t, c, e.VpcID); err != nil {
			return err
		}
		if r.NatGateway != "" {
			return ec2.ErrResourceAlreadyAssociated("resource %s is already associated with associate-id %s", r.ID, r.NatAssociation)
		}
		reassociate := kit.Deref(in.AllowReassociation)
		old, err := r.binding(t, c)
		if err != nil {
			return err
		}
		if old != nil {
			if !reassociate {
				return ec2.ErrResourceAlreadyAssociated("resource %s is already associated with associate-id %s", r.ID, old.ip.Association.AssociationID)
			}
			if old.eni.ID == e.ID {
				e.PrivateIP(old.ip.Addr).Association = nil
			} else {
				old.ip.Association = nil
				if err := t.Put(c.Key(old.eni.ID), old.eni); err != nil {
					return err
				}
			}
		}
		if as := p.Association; as != nil {
			switch {
			case as.Owner == "amazon":
				// An Elastic IP replaces the address from Amazon's pool, which is released.
				kit.ReleasePublicIP(t, c, as.PublicIP)
			case !reassociate:
				return ec2.ErrResourceAlreadyAssociated("resource %s and %s is already associated with public address %s", e.ID, p.Addr, as.PublicIP)
			}
			// The Elastic IP that held the address is disassociated with it.
		}
		p.Association = &kit.IpAssociation{PublicIP: r.PublicIP, Owner: c.Account, AllocationID: r.ID, AssociationID: associationID}
		r.NetworkInterfaceID = e.ID
		if err := t.Put(c.Key(e.ID), e); err != nil {
			return err
		}
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.AssociateAddressResult{AssociationId: kit.Ptr(associationID)}, nil
}

// associationTarget is the interface AssociateAddress names, directly or as the only
// interface of an instance.
func associationTarget(t *kit.Txn, c kit.Caller, in *ec2.AssociateAddressRequest) (*kit.NetworkInterfaceRecord, error) {
	if in.NetworkInterfaceId != nil {
		e, err := getManagedByCaller(t, c, *in.NetworkInterfaceId)
		if err != nil {
			return nil, err
		}
		if in.InstanceId != nil && (e.Attachment == nil || e.Attachment.InstanceID != *in.InstanceId) {
			return nil, ec2.ErrInvalidParameterCombination("The network interface %s is not attached to instance %s", e.ID, *in.InstanceId)
		}
		return e, nil
	}
	inst, err := kit.Get[kit.InstanceRecord](t, c, "i", *in.InstanceId)
	if err != nil {
		return nil, err
	}
	switch {
	case inst.State == "terminated" || len(inst.ENIs) == 0:
		return nil, ec2.ErrInvalidInstanceID("The pending instance '%s' is not in a valid state for this operation.", inst.ID)
	case len(inst.ENIs) > 1:
		return nil, ec2.ErrInvalidInstanceID("There are multiple interfaces attached to instance '%s'. Please specify an interface ID for the operation instead.", inst.ID)
	}
	return kit.Get[kit.NetworkInterfaceRecord](t, c, "eni", inst.ENIs[0])
}

// targetAddress is the private address of e that an association goes to: the named one,
// or the primary.
func targetAddress(e *kit.NetworkInterfaceRecord, want string) (*kit.PrivateIP, error) {
	if want == "" {
		if p := e.PrimaryIP(); p != nil {
			return p, nil
		}
		return nil, ec2.ErrInvalidParameterValue("The network interface %s has no private IPv4 address", e.ID)
	}
	a, err := netip.ParseAddr(want)
	if err != nil || !a.Is4() {
		return nil, ec2.ErrInvalidParameterValue("Invalid value '%s' for PrivateIpAddress.", want)
	}
	if p := e.PrivateIP(a); p != nil {
		return p, nil
	}
	return nil, ec2.ErrInvalidParameterValue("The specified private IP address %s is not assigned to network interface %s.", want, e.ID)
}

// checkGatewayAttached fails as AWS does when no internet gateway is attached to the VPC:
// an Elastic IP would be unreachable.
//
// The gateways are listed without a compare; attaching and detaching a gateway bumps the
// VPC's children key (putGatewayAndVpc), which is read here, so that a detachment, which
// looks for public addresses in the VPC, and this check for a gateway do not both pass.
func checkGatewayAttached(t *kit.Txn, c kit.Caller, vpcID string) error {
	if _, err := t.Get(kit.ChildrenKey(c, vpcID), &kit.VpcChildren{}); err != nil {
		return err
	}
	igws, err := kit.ListAll[kit.InternetGatewayRecord](t, c.Prefix("igw"))
	if err != nil {
		return err
	}
	if slices.ContainsFunc(igws, func(g *kit.InternetGatewayRecord) bool { return g.VpcID == vpcID }) {
		return nil
	}
	return ec2.ErrGatewayNotAttached("Network %s is not attached to any internet gateway", vpcID)
}

// DisassociateAddress ends an Elastic IP's association. The primary address of a running
// instance's primary interface that asked for a public address gets a new one from the pool.
func (s *Compute) DisassociateAddress(ctx context.Context, c kit.Caller, in *ec2.DisassociateAddressRequest) error {
	if in.AssociationId == nil && in.PublicIp == nil {
		return ec2.ErrMissingParameter("AssociationId")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		var b *eipBinding
		if in.AssociationId != nil {
			if err := kit.CheckID(*in.AssociationId, "eipassoc"); err != nil {
				return err
			}
			all, err := kit.ListAll[elasticIPRecord](t, c.Prefix("eipalloc"))
			if err != nil {
				return err
			}
			for _, r := range all {
				if r.NatGateway != "" && r.NatAssociation == *in.AssociationId {
					return errInUseByNatGateway(r)
				}
				rb, err := r.binding(t, c)
				if err != nil {
					return err
				}
				if rb != nil && rb.ip.Association.AssociationID == *in.AssociationId {
					b = rb
					break
				}
			}
			if b == nil {
				return kit.NotFound(*in.AssociationId)
			}
		} else {
			r, err := elasticIPByPublicIP(t, c, *in.PublicIp)
			if err != nil {
				return err
			}
			if r.NatGateway != "" {
				return errInUseByNatGateway(r)
			}
			if b, err = r.binding(t, c); err != nil {
				return err
			}
			if b == nil {
				return nil
			}
		}
		if b.eni.RequesterManaged {
			return ec2.ErrOperationNotPermitted(natGatewayInUse, b.ip.Association.PublicIP)
		}
		b.ip.Association = nil
		if err := s.restorePublicIP(t, c, b.eni, b.ip); err != nil {
			return err
		}
		return t.Put(c.Key(b.eni.ID), b.eni)
	})
}

// restorePublicIP gives the primary address of a running instance's primary interface a
// public address from the pool again, when the interface asked for one.
func (s *Compute) restorePublicIP(t *kit.Txn, c kit.Caller, e *kit.NetworkInterfaceRecord, p *kit.PrivateIP) error {
	if !e.AutoPublicIP || !p.Primary || e.Attachment == nil || e.Attachment.DeviceIndex != 0 {
		return nil
	}
	inst := new(kit.InstanceRecord)
	found, err := t.Get(c.Key(e.Attachment.InstanceID), inst)
	if err != nil || !found || inst.State != "running" {
		return err
	}
	a, err := s.AllocatePublicIP(t, c, e.ID)
	if err != nil {
		return err
	}
	p.Association = &kit.IpAssociation{PublicIP: a, Owner: "amazon"}
	return nil
}

// addressView is an Elastic IP as DescribeAddresses shows it.
const natGatewayInUse = "The Elastic IP address %s is in use by a NAT gateway; delete the NAT gateway to release it."

// errInUseByNatGateway refuses to disassociate an Elastic IP of a regional NAT gateway.
func errInUseByNatGateway(r *elasticIPRecord) error {
	return ec2.ErrOperationNotPermitted(natGatewayInUse, r.PublicIP)
}

type addressView struct {
	rec    *elasticIPRecord
	b      *eipBinding
	region string
}

func (v addressView) ec2(c kit.Caller) ec2.Address {
	out := ec2.Address{
		AllocationId:       kit.Ptr(v.rec.ID),
		Domain:             kit.Ptr(v.rec.Domain),
		PublicIp:           kit.Ptr(v.rec.PublicIP.String()),
		PublicIpv4Pool:     kit.Ptr("amazon"),
		NetworkBorderGroup: kit.Ptr(c.Region),
		Tags:               v.rec.EC2Tags(),
	}
	if b := v.b; b != nil {
		out.AssociationId = kit.Ptr(b.ip.Association.AssociationID)
		out.NetworkInterfaceId = kit.Ptr(b.eni.ID)
		out.NetworkInterfaceOwnerId = kit.Ptr(b.eni.Owner)
		out.PrivateIpAddress = kit.Ptr(b.ip.Addr.String())
		if b.eni.Attachment != nil {
			out.InstanceId = kit.Ptr(b.eni.Attachment.InstanceID)
		}
	}
	if v.rec.NatGateway != "" {
		out.AssociationId = kit.Ptr(v.rec.NatAssociation)
	}
	return out
}

var addressFilters = map[string]func(v addressView) []string{
	"allocation-id": func(v addressView) []string { return []string{v.rec.ID} },
	"domain":        func(v addressView) []string { return []string{v.rec.Domain} },
	"public-ip":     func(v addressView) []string { return []string{v.rec.PublicIP.String()} },
	"network-border-group": func(v addressView) []string {
		return []string{v.region}
	},
	"association-id": func(v addressView) []string {
		if v.rec.NatGateway != "" {
			return []string{v.rec.NatAssociation}
		}
		if v.b == nil {
			return nil
		}
		return []string{v.b.ip.Association.AssociationID}
	},
	"instance-id": func(v addressView) []string {
		if v.b == nil || v.b.eni.Attachment == nil {
			return nil
		}
		return []string{v.b.eni.Attachment.InstanceID}
	},
	"network-interface-id": func(v addressView) []string {
		if v.b == nil {
			return nil
		}
		return []string{v.b.eni.ID}
	},
	"network-interface-owner-id": func(v addressView) []string {
		if v.b == nil {
			return nil
		}
		return []string{v.b.eni.Owner}
	},
	"private-ip-address": func(v addressView) []string {
		if v.b == nil {
			return nil
		}
		return []string{v.b.ip.Addr.String()}
	},
}

// DescribeAddresses lists the caller's Elastic IPs. The quota keeps them few, so each
// describe reads them and their interfaces from the store.
func (s *Compute) DescribeAddresses(ctx context.Context, c kit.Caller, in *ec2.DescribeAddressesRequest) (*ec2.DescribeAddressesResult, error) {
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return addressFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	for _, id := range in.AllocationIds {
		if err := kit.CheckID(id, "eipalloc"); err != nil {
			return nil, err
		}
	}
	out := &ec2.DescribeAddressesResult{Addresses: []ec2.Address{}}
	err = s.View(ctx, func(t *kit.Txn) error {
		all, err := kit.ListAll[elasticIPRecord](t, c.Prefix("eipalloc"))
		if err != nil {
			return err
		}
		for _, id := range in.AllocationIds {
			if !slices.ContainsFunc(all, func(r *elasticIPRecord) bool { return r.ID == id }) {
				return kit.NotFound(id)
			}
		}
		for _, ip := range in.PublicIps {
			if !slices.ContainsFunc(all, func(r *elasticIPRecord) bool { return r.PublicIP.String() == ip }) {
				return errAddressNotFound(ip)
			}
		}
		for _, r := range all {
			if len(in.AllocationIds) > 0 && !slices.Contains(in.AllocationIds, r.ID) ||
				len(in.PublicIps) > 0 && !slices.Contains(in.PublicIps, r.PublicIP.String()) {
				continue
			}
			b, err := r.binding(t, c)
			if err != nil {
				return err
			}
			v := addressView{rec: r, b: b, region: c.Region}
			if match(func(name string) []string { return addressFilters[name](v) }, r.Tags) {
				out.Addresses = append(out.Addresses, v.ec2(c))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeAddressesAttribute answers the one attribute AWS has for Elastic IPs,
// domain-name: the reverse DNS (PTR) record set with ModifyAddressAttribute. vpcd sets no
// such record, so each address is listed with its public IP and allocation ID and no
// PtrRecord, which is how AWS shows an address without a custom reverse DNS record (the
// AWS provider for Terraform reads it on every aws_eip and expects ptr_record ""). Named
// allocation IDs must exist; without any, every Elastic IP of the caller is listed.
func (s *Compute) DescribeAddressesAttribute(ctx context.Context, c kit.Caller, in *ec2.DescribeAddressesAttributeRequest) (*ec2.DescribeAddressesAttributeResult, error) {
	if a := kit.Deref(in.Attribute); a != "" && a != "domain-name" {
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter attribute is invalid. Valid values: domain-name", a)
	}
	if err := kit.CheckMaxResults(in.MaxResults, 1, 1000); err != nil {
		return nil, err
	}
	for _, id := range in.AllocationIds {
		if err := kit.CheckID(id, "eipalloc"); err != nil {
			return nil, err
		}
	}
	var kept []*elasticIPRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		all, err := kit.ListAll[elasticIPRecord](t, c.Prefix("eipalloc"))
		if err != nil {
			return err
		}
		for _, id := range in.AllocationIds {
			if !slices.ContainsFunc(all, func(r *elasticIPRecord) bool { return r.ID == id }) {
				return kit.NotFound(id)
			}
		}
		for _, r := range all {
			if len(in.AllocationIds) == 0 || slices.Contains(in.AllocationIds, r.ID) {
				kept = append(kept, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(kept, func(a, b *elasticIPRecord) int { return strings.Compare(a.ID, b.ID) })
	page, next, err := kit.Paginate(kept, in.MaxResults, in.NextToken, func(r *elasticIPRecord) string { return r.ID })
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeAddressesAttributeResult{Addresses: []ec2.AddressAttribute{}, NextToken: next}
	for _, r := range page {
		out.Addresses = append(out.Addresses, ec2.AddressAttribute{AllocationId: kit.Ptr(r.ID), PublicIp: kit.Ptr(r.PublicIP.String())})
	}
	return out, nil
}
