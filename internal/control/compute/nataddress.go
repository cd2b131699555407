package compute

import (
	"context"
	"slices"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// AssociateNatGatewayAddress and DisassociateNatGatewayAddress change the Elastic IPs of a
// NAT gateway. vpcd answers them for regional gateways, whose addresses are per zone
// (AvailabilityZone or AvailabilityZoneId names the zone); a zonal gateway's secondary
// addresses are not served yet and get UnsupportedOperation.

const maxDrainSeconds = 4000

// natGatewayForAddresses reads an available gateway of the caller whose addresses are
// changed.
func natGatewayForAddresses(t *kit.Txn, c kit.Caller, id string, now time.Time) (*kit.NatGatewayRecord, error) {
	g, err := getNatGateway(t, c, id)
	if err != nil {
		return nil, err
	}
	if state := g.StateAt(now); state != "available" {
		return nil, ec2.ErrIncorrectState("The NAT gateway %s is not in a valid state (%s) for this operation.", g.ID, state)
	}
	if !g.Regional() {
		return nil, ec2.ErrUnsupportedOperation("Changing the addresses of a zonal NAT gateway is not supported.")
	}
	return g, nil
}

// AssociateNatGatewayAddress adds Elastic IPs to a regional gateway in one zone: that
// zone's flows leave from them too (and from them alone when it had none).
func (s *Compute) AssociateNatGatewayAddress(ctx context.Context, c kit.Caller, in *ec2.AssociateNatGatewayAddressRequest) (*ec2.AssociateNatGatewayAddressResult, error) {
	id := kit.Deref(in.NatGatewayId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("NatGatewayId")
	}
	if len(in.AllocationIds) == 0 {
		return nil, ec2.ErrMissingParameter("AllocationIds")
	}
	name, zoneID := kit.Deref(in.AvailabilityZone), kit.Deref(in.AvailabilityZoneId)
	if name != "" && zoneID != "" {
		return nil, ec2.ErrInvalidParameterCombination("Only one of AvailabilityZone and AvailabilityZoneId may be specified.")
	}
	if len(in.PrivateIpAddresses) > 0 && (name != "" || zoneID != "") {
		return nil, ec2.ErrInvalidParameterCombination("A regional NAT gateway has no private IPv4 addresses: PrivateIpAddresses cannot be specified with an Availability Zone.")
	}
	var added []kit.NatGatewayAddress
	var g *kit.NatGatewayRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if g, err = natGatewayForAddresses(t, c, id, s.Now()); err != nil {
			return err
		}
		if name == "" && zoneID == "" {
			return ec2.ErrMissingParameter("AvailabilityZone")
		}
		zone, zid, err := kit.ZoneByNameOrID(c.Region, name, zoneID)
		if err != nil {
			return err
		}
		inZone := 0
		for _, a := range g.Addresses {
			if a.AvailabilityZone == zone {
				inZone++
			}
		}
		if inZone+len(in.AllocationIds) > kit.MaxNatGatewayAddresses {
			return ec2.ErrAddressLimitExceeded("A NAT gateway can have at most %d IPv4 addresses in an Availability Zone.", kit.MaxNatGatewayAddresses)
		}
		added = nil
		for i, alloc := range in.AllocationIds {
			if slices.Contains(in.AllocationIds[:i], alloc) {
				return ec2.ErrInvalidParameterValue("The allocation ID %s is specified more than once.", alloc)
			}
			r, err := kit.Get[elasticIPRecord](t, c, "eipalloc", alloc)
			if err != nil {
				return err
			}
			if used, err := r.inUse(t, c); err != nil {
				return err
			} else if used {
				return ec2.ErrResourceAlreadyAssociated("Elastic IP address %s is already associated", r.ID)
			}
			a, err := holdForNat(t, c, g, r, zone, zid)
			if err != nil {
				return err
			}
			added = append(added, a)
		}
		g.Addresses = append(g.Addresses, added...)
		return t.Put(c.Key(g.ID), g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.AssociateNatGatewayAddressResult{NatGatewayId: kit.Ptr(id), NatGatewayAddresses: regionalAddresses(g, added, "associating")}, nil
}

// DisassociateNatGatewayAddress takes Elastic IPs, by association, from a regional
// gateway; they are free at once (vpcd drains nothing: the connections through them
// end).
func (s *Compute) DisassociateNatGatewayAddress(ctx context.Context, c kit.Caller, in *ec2.DisassociateNatGatewayAddressRequest) (*ec2.DisassociateNatGatewayAddressResult, error) {
	id := kit.Deref(in.NatGatewayId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("NatGatewayId")
	}
	if len(in.AssociationIds) == 0 {
		return nil, ec2.ErrMissingParameter("AssociationIds")
	}
	if d := in.MaxDrainDurationSeconds; d != nil && (*d < 1 || *d > maxDrainSeconds) {
		return nil, ec2.ErrInvalidParameterValue("Value (%d) for parameter MaxDrainDurationSeconds is invalid. Expected a value between 1 and %d.", *d, maxDrainSeconds)
	}
	var removed []kit.NatGatewayAddress
	var g *kit.NatGatewayRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if g, err = natGatewayForAddresses(t, c, id, s.Now()); err != nil {
			return err
		}
		removed = nil
		for _, assoc := range in.AssociationIds {
			i := slices.IndexFunc(g.Addresses, func(a kit.NatGatewayAddress) bool { return a.AssociationID == assoc })
			if i < 0 {
				return ec2.ErrInvalidAssociationIDNotFound("The association ID '%s' does not exist", assoc)
			}
			a := g.Addresses[i]
			g.Addresses = slices.Delete(g.Addresses, i, i+1)
			removed = append(removed, a)
			if err := releaseRegionalAddress(t, c, g, a); err != nil {
				return err
			}
		}
		return t.Put(c.Key(g.ID), g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DisassociateNatGatewayAddressResult{NatGatewayId: kit.Ptr(id), NatGatewayAddresses: regionalAddresses(g, removed, "disassociating")}, nil
}

// regionalAddresses shows some addresses of a regional gateway with a status.
func regionalAddresses(g *kit.NatGatewayRecord, addrs []kit.NatGatewayAddress, status string) []ec2.NatGatewayAddress {
	view := *g
	view.Addresses = addrs
	out := &ec2.NatGateway{}
	view.RegionalEC2(out, status)
	return out.NatGatewayAddresses
}
