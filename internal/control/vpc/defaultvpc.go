package vpc

import (
	"context"
	"net/netip"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// defaultVpcCidr is the block of every default VPC; each default subnet is a /20 of it.
var defaultVpcCidr = netip.MustParsePrefix("172.31.0.0/16")

const defaultSubnetBits = 20

// defaultsKey marks in the store that an (account, region) got its default VPC. It stays
// when the user deletes that VPC, which is then not created again, as in AWS.
func defaultsKey(c kit.Caller) string { return c.Account + "/" + c.Region + "/account/defaults" }

// EnsureDefaultVpc gives the caller's account its default VPC in the region the first
// time the pair is seen; exactly once, even under concurrent calls.
func (s *VPC) EnsureDefaultVpc(ctx context.Context, c kit.Caller) error {
	key := defaultsKey(c)
	if _, ok := s.Defaults.M.Load(key); ok {
		return nil
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		var marker struct{}
		done, err := t.Get(key, &marker)
		if err != nil || done {
			return err
		}
		if _, err := addDefaultVpc(t, c); err != nil {
			return err
		}
		return t.Put(key, marker)
	})
	if err != nil {
		return err
	}
	s.Defaults.M.Store(key, true)
	return nil
}

// addDefaultVpc stores a default VPC as AWS lays it out: 172.31.0.0/16 with DNS hostnames,
// a public /20 default subnet in each zone, an attached internet gateway and a default
// route to it in the main route table.
func addDefaultVpc(t *kit.Txn, c kit.Caller) (*kit.VpcRecord, error) {
	vpc := &kit.VpcRecord{
		Meta:            kit.Meta{ID: kit.NewID("vpc"), Owner: c.Account},
		CidrBlocks:      []kit.CidrAssociation{{ID: kit.NewID("vpc-cidr-assoc"), Cidr: defaultVpcCidr, State: "associated"}},
		InstanceTenancy: "default",
		IsDefault:       true,
		DNSSupport:      true,
		DNSHostnames:    true,
	}
	if err := addVpc(t, c, vpc); err != nil {
		return nil, err
	}
	igw := &kit.InternetGatewayRecord{Meta: kit.Meta{ID: kit.NewID("igw"), Owner: c.Account}, VpcID: vpc.ID}
	if err := t.Put(c.Key(igw.ID), igw); err != nil {
		return nil, err
	}
	rtb, err := kit.Get[kit.RouteTableRecord](t, c, "rtb", vpc.MainRouteTable)
	if err != nil {
		return nil, err
	}
	rtb.Routes = append(rtb.Routes, kit.Route{Destination: kit.AnyIPv4, Target: igw.ID, Origin: "CreateRoute"})
	if err := t.Put(c.Key(rtb.ID), rtb); err != nil {
		return nil, err
	}
	for i, z := range kit.ZonesOf(c.Region) {
		cidr, ok := defaultSubnetCidr(vpc.CidrBlocks[0].Cidr, i)
		if !ok {
			break
		}
		if err := addSubnet(t, c, vpc, newDefaultSubnet(c, vpc, z, cidr)); err != nil {
			return nil, err
		}
	}
	return vpc, nil
}

// defaultSubnetCidr is the i-th /20 of the block: 172.31.0.0/20, 172.31.16.0/20, ...
func defaultSubnetCidr(block netip.Prefix, i int) (netip.Prefix, bool) {
	if block.Bits() > defaultSubnetBits || i >= 1<<(defaultSubnetBits-block.Bits()) {
		return netip.Prefix{}, false
	}
	a := block.Masked().Addr().As4()
	n := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	n += uint32(i) << (32 - defaultSubnetBits)
	addr := netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	return netip.PrefixFrom(addr, defaultSubnetBits), true
}

func newDefaultSubnet(c kit.Caller, vpc *kit.VpcRecord, z kit.Zone, cidr netip.Prefix) *kit.SubnetRecord {
	return &kit.SubnetRecord{
		Meta:                kit.Meta{ID: kit.NewID("subnet"), Owner: c.Account},
		VpcID:               vpc.ID,
		Cidr:                cidr,
		AvailabilityZone:    z.Name,
		AvailabilityZoneID:  z.ID,
		DefaultForAz:        true,
		MapPublicIPOnLaunch: true,
		HostnameType:        "ip-name",
	}
}

// CreateDefaultVpc creates a default VPC when the region has none (the user deleted it).
// A non-default VPC that uses 172.31.0.0/16 does not stand in the way.
func (s *VPC) CreateDefaultVpc(ctx context.Context, c kit.Caller, in *ec2.CreateDefaultVpcRequest) (*ec2.CreateDefaultVpcResult, error) {
	var vpc *kit.VpcRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		// Reading and writing the marker makes concurrent creations conflict: a list does
		// not see another transaction's new VPC.
		key := defaultsKey(c)
		var marker struct{}
		if _, err := t.Get(key, &marker); err != nil {
			return err
		}
		existing, err := kit.FindDefaultVpc(t, c)
		if err != nil {
			return err
		}
		if existing != nil {
			return ec2.ErrDefaultVpcAlreadyExists("A Default VPC already exists for this account in this region.")
		}
		if vpc, err = addDefaultVpc(t, c); err != nil {
			return err
		}
		return t.Put(key, marker)
	})
	if err != nil {
		return nil, err
	}
	s.Defaults.M.Store(defaultsKey(c), true)
	return &ec2.CreateDefaultVpcResult{Vpc: vpc.EC2()}, nil
}

// CreateDefaultSubnet creates the default subnet of a zone in the default VPC, in the
// first /20 of its block that no subnet uses.
func (s *VPC) CreateDefaultSubnet(ctx context.Context, c kit.Caller, in *ec2.CreateDefaultSubnetRequest) (*ec2.CreateDefaultSubnetResult, error) {
	if in.AvailabilityZone != nil && in.AvailabilityZoneId != nil {
		return nil, ec2.ErrInvalidParameterCombination("The parameters 'availabilityZone' and 'availabilityZoneId' may not be used together.")
	}
	if in.AvailabilityZone == nil && in.AvailabilityZoneId == nil {
		return nil, ec2.ErrMissingParameter("AvailabilityZone")
	}
	if kit.Deref(in.Ipv6Native) {
		return nil, ec2.ErrInvalidParameterValue("IPv6-only default subnets are not supported")
	}
	zn, zid, err := kit.ZoneByNameOrID(c.Region, kit.Deref(in.AvailabilityZone), kit.Deref(in.AvailabilityZoneId))
	if err != nil {
		return nil, err
	}
	var sn *kit.SubnetRecord
	err = s.Update(ctx, func(t *kit.Txn) error {
		vpc, err := kit.FindDefaultVpc(t, c)
		if err != nil {
			return err
		}
		if vpc == nil {
			return ec2.ErrDefaultVpcDoesNotExist("No default VPC for this user")
		}
		// Bumping the VPC's children key makes concurrent subnet creations conflict;
		// the siblings are then listed without a compare each.
		if vpc, _, err = kit.ChildOf(t, c, vpc.ID); err != nil {
			return err
		}
		siblings, err := kit.VpcSubnets(t, c, vpc.ID)
		if err != nil {
			return err
		}
		for _, o := range siblings {
			if o.DefaultForAz && o.AvailabilityZone == zn {
				return ec2.ErrDefaultSubnetAlreadyExistsInAvailabilityZone("%s is already the default subnet for %s.", o.ID, zn)
			}
		}
		for i := 0; ; i++ {
			cidr, ok := defaultSubnetCidr(vpc.CidrBlocks[0].Cidr, i)
			if !ok {
				return ec2.ErrInsufficientFreeAddressesInSubnet("The default VPC '%s' has no free /%d for a default subnet.", vpc.ID, defaultSubnetBits)
			}
			free := true
			for _, o := range siblings {
				free = free && !(o.Cidr.IsValid() && o.Cidr.Overlaps(cidr))
			}
			if free {
				sn = newDefaultSubnet(c, vpc, kit.Zone{Name: zn, ID: zid}, cidr)
				return addSubnet(t, c, vpc, sn)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateDefaultSubnetResult{Subnet: sn.EC2(c.Region)}, nil
}
