package kit

import (
	"net/netip"
	"time"

	"vpcd/internal/ec2"
)

// NAT gateways (kind "nat"). A NAT gateway is a requester-managed network interface in
// its subnet (type nat_gateway, no security groups, source/destination check off) and,
// when public, an Elastic IP associated with the interface's primary address. The record
// keeps the state the gateway converges to: available, failed or deleted. As on AWS, a
// new gateway shows as pending for a moment and a deleted one as deleting, then stays
// visible for an hour. Creation checks that do not make the request invalid (no internet
// gateway, an Elastic IP in use, a full subnet) do not fail the call: they leave a failed
// gateway with AWS's failure code and message, as AWS does.
//
// A regional NAT gateway (AvailabilityMode regional) is in no subnet and has no interface:
// it belongs to its VPC, holds Elastic IPs per zone (given in manual mode, from Amazon's
// pool in automatic mode) and has a route table of its own, created with it, by which
// what it translated leaves (its default route goes to the VPC's internet gateway).

const (
	// NatGatewayPending is how long a new gateway shows as pending before it is available
	// (or failed), and natGatewayDeleting how long a deleted one shows as deleting: long
	// enough that clients see and wait through the states AWS has, short enough for tests.
	NatGatewayPending  = time.Second
	NatGatewayDeleting = time.Second
	// NatGatewayShownAfterEnd is how long a deleted or failed gateway stays visible.
	NatGatewayShownAfterEnd = time.Hour
	// MaxNatGatewayAddresses bounds the private addresses of one gateway (the primary and
	// its secondaries), as AWS's quota of addresses per NAT gateway does.
	MaxNatGatewayAddresses = 8
)

type NatGatewayRecord struct {
	Meta
	VpcID string `json:"vpcId"`
	// Subnet is not stored as "subnetId": while the gateway lives its interface holds the
	// subnet, and a deleted gateway that is still visible must not.
	Subnet           string    `json:"subnet"`
	AvailabilityZone string    `json:"availabilityZone"`
	ConnectivityType string    `json:"connectivityType"` // public or private
	State            string    `json:"state"`            // available, failed or deleted
	FailureCode      string    `json:"failureCode,omitempty"`
	FailureMessage   string    `json:"failureMessage,omitempty"`
	CreateTime       time.Time `json:"createTime"`
	DeleteTime       time.Time `json:"deleteTime,omitzero"`
	ENI              string    `json:"eni,omitempty"`
	// Addresses are the gateway's private addresses, the primary first, each with its
	// Elastic IP when public.
	Addresses   []NatGatewayAddress `json:"addresses,omitempty"`
	ClientToken string              `json:"clientToken,omitempty"`
	// AvailabilityMode is "regional" for a regional gateway, "" for a zonal one.
	AvailabilityMode string `json:"availabilityMode,omitempty"`
	// RouteTable is a regional gateway's own route table; AutoProvisionZones says that
	// its zones and addresses were chosen by vpcd (automatic mode), not the caller.
	RouteTable         string `json:"routeTable,omitempty"`
	AutoProvisionZones bool   `json:"autoProvisionZones,omitempty"`
}

// Regional reports whether the gateway is a regional one.
func (g *NatGatewayRecord) Regional() bool { return g.AvailabilityMode == "regional" }

type NatGatewayAddress struct {
	PrivateIP     netip.Addr `json:"privateIp"`
	AllocationID  string     `json:"allocationId,omitempty"`
	PublicIP      netip.Addr `json:"publicIp,omitzero"`
	AssociationID string     `json:"associationId,omitempty"`
	// The zone whose flows a regional gateway's address translates (no private address).
	AvailabilityZone   string `json:"availabilityZone,omitempty"`
	AvailabilityZoneID string `json:"availabilityZoneId,omitempty"`
}

// StateAt is what Describe shows now.
func (g *NatGatewayRecord) StateAt(now time.Time) string {
	switch {
	case g.State == "deleted" && now.Sub(g.DeleteTime) < NatGatewayDeleting:
		return "deleting"
	case g.State != "deleted" && now.Sub(g.CreateTime) < NatGatewayPending:
		return "pending"
	}
	return g.State
}

// Visible reports whether Describe still shows the gateway.
func (g *NatGatewayRecord) Visible(now time.Time) bool {
	switch g.State {
	case "deleted":
		return now.Sub(g.DeleteTime) < NatGatewayShownAfterEnd
	case "failed":
		return now.Sub(g.CreateTime) < NatGatewayShownAfterEnd
	}
	return true
}

// Live reports whether the gateway holds an interface and counts against the quota.
func (g *NatGatewayRecord) Live() bool { return g.State == "available" }

// EC2 is the gateway as AWS shows it now.
func (g *NatGatewayRecord) EC2(now time.Time) *ec2.NatGateway {
	state := g.StateAt(now)
	out := &ec2.NatGateway{
		NatGatewayId:        Ptr(g.ID),
		SubnetId:            Ptr(g.Subnet),
		VpcId:               Ptr(g.VpcID),
		State:               Ptr(state),
		ConnectivityType:    Ptr(g.ConnectivityType),
		AvailabilityMode:    Ptr("zonal"),
		CreateTime:          Ptr(g.CreateTime),
		Tags:                g.EC2Tags(),
		NatGatewayAddresses: []ec2.NatGatewayAddress{},
	}
	if state == "failed" {
		out.FailureCode, out.FailureMessage = Ptr(g.FailureCode), Ptr(g.FailureMessage)
	}
	if !g.DeleteTime.IsZero() {
		out.DeleteTime = Ptr(g.DeleteTime)
	}
	status := map[string]string{"pending": "associating", "available": "succeeded", "deleting": "disassociating", "deleted": "disassociated"}[state]
	if g.Regional() {
		g.RegionalEC2(out, status)
		return out
	}
	for i, a := range g.Addresses {
		v := ec2.NatGatewayAddress{
			NetworkInterfaceId: Ptr(g.ENI), PrivateIp: Ptr(a.PrivateIP.String()), IsPrimary: Ptr(i == 0), Status: Ptr(status),
		}
		if a.AllocationID != "" {
			v.AllocationId, v.PublicIp, v.AssociationId = Ptr(a.AllocationID), Ptr(a.PublicIP.String()), Ptr(a.AssociationID)
		}
		if g.ENI == "" {
			v.NetworkInterfaceId = nil
		}
		out.NatGatewayAddresses = append(out.NatGatewayAddresses, v)
	}
	return out
}

// RegionalEC2 fills in what a regional gateway shows instead of a zonal one's subnet and
// interface: its route table, how its zones are managed, and its addresses by zone, each
// an Elastic IP (or an address of Amazon's pool) with no private address.
func (g *NatGatewayRecord) RegionalEC2(out *ec2.NatGateway, status string) {
	out.SubnetId, out.AvailabilityMode = nil, Ptr("regional")
	if g.RouteTable != "" {
		out.RouteTableId = Ptr(g.RouteTable)
	}
	mode := "disabled"
	if g.AutoProvisionZones {
		mode = "enabled"
	}
	out.AutoProvisionZones, out.AutoScalingIps = Ptr(mode), Ptr(mode)
	for _, a := range g.Addresses {
		v := ec2.NatGatewayAddress{
			PublicIp: Ptr(a.PublicIP.String()), AvailabilityZone: Ptr(a.AvailabilityZone), AvailabilityZoneId: Ptr(a.AvailabilityZoneID), Status: Ptr(status),
		}
		if a.AllocationID != "" {
			v.AllocationId, v.AssociationId = Ptr(a.AllocationID), Ptr(a.AssociationID)
		}
		out.NatGatewayAddresses = append(out.NatGatewayAddresses, v)
	}
}

// SyncRegionalNatZones keeps the zones of the VPC's automatic regional NAT gateways those
// where the VPC has subnets, as AWS's automatic mode does: a gateway takes an address of
// Amazon's pool in a zone where a subnet appears, and gives back the pool addresses of a
// zone whose last subnet went. CreateSubnet (added, not yet listed) and DeleteSubnet
// (gone, still listed) call it in their transactions.
func (s *Kit) SyncRegionalNatZones(t *Txn, c Caller, vpcID string, added *SubnetRecord, gone string) error {
	all, err := ListAll[NatGatewayRecord](t, c.Prefix("nat"))
	if err != nil {
		return err
	}
	var auto []*NatGatewayRecord
	for _, g := range all {
		if g.Live() && g.Regional() && g.AutoProvisionZones && g.VpcID == vpcID {
			auto = append(auto, g)
		}
	}
	if len(auto) == 0 {
		return nil
	}
	subnets, err := ListAll[SubnetRecord](t, c.Prefix("subnet"))
	if err != nil {
		return err
	}
	if added != nil {
		subnets = append(subnets, added)
	}
	zones := map[string]string{} // name → ID
	var order []string
	for _, sn := range subnets {
		if sn.VpcID == vpcID && sn.ID != gone {
			if _, ok := zones[sn.AvailabilityZone]; !ok {
				order = append(order, sn.AvailabilityZone)
			}
			zones[sn.AvailabilityZone] = sn.AvailabilityZoneID
		}
	}
	for _, g := range auto {
		changed := false
		kept := g.Addresses[:0:0]
		have := map[string]bool{}
		for _, a := range g.Addresses {
			if _, ok := zones[a.AvailabilityZone]; !ok && a.AllocationID == "" {
				ReleasePublicIP(t, c, a.PublicIP)
				changed = true
				continue
			}
			have[a.AvailabilityZone] = true
			kept = append(kept, a)
		}
		for _, z := range order {
			if have[z] {
				continue
			}
			a, err := s.AllocatePublicIP(t, c, g.ID)
			if err != nil {
				return err
			}
			kept = append(kept, NatGatewayAddress{PublicIP: a, AvailabilityZone: z, AvailabilityZoneID: zones[z]})
			changed = true
		}
		if changed {
			g.Addresses = kept
			if err := t.Put(c.Key(g.ID), g); err != nil {
				return err
			}
		}
	}
	return nil
}
