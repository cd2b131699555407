package vpc

import (
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// CreateSubnet creates a subnet in a VPC, associated with the VPC's default network ACL.
func (s *VPC) CreateSubnet(ctx context.Context, c kit.Caller, in *ec2.CreateSubnetRequest) (*ec2.CreateSubnetResult, error) {
	if kit.Deref(in.VpcId) == "" {
		return nil, ec2.ErrMissingParameter("VpcId")
	}
	if in.Ipv4IpamPoolId != nil || in.Ipv6IpamPoolId != nil || in.Ipv4NetmaskLength != nil || in.Ipv6NetmaskLength != nil {
		return nil, ec2.ErrInvalidParameterValue("IPAM pools are not supported")
	}
	if in.OutpostArn != nil {
		return nil, ec2.ErrInvalidParameterValue("Outposts are not supported")
	}
	native := kit.Deref(in.Ipv6Native)
	if native && in.CidrBlock != nil {
		return nil, ec2.ErrInvalidParameterCombination("The parameter 'cidrBlock' may not be used in combination with 'ipv6Native'.")
	}
	if native && in.Ipv6CidrBlock == nil {
		return nil, ec2.ErrMissingParameter("Ipv6CidrBlock")
	}
	if !native && in.CidrBlock == nil {
		return nil, ec2.ErrMissingParameter("CidrBlock")
	}
	var cidr netip.Prefix
	if !native {
		var err error
		if cidr, err = parseSubnetCidr(*in.CidrBlock); err != nil {
			return nil, err
		}
	}
	var v6 netip.Prefix
	if in.Ipv6CidrBlock != nil {
		var err error
		if v6, err = parseSubnetIpv6(*in.Ipv6CidrBlock); err != nil {
			return nil, err
		}
	}
	if in.AvailabilityZone != nil && in.AvailabilityZoneId != nil {
		return nil, ec2.ErrInvalidParameterCombination("The parameters 'availabilityZone' and 'availabilityZoneId' may not be used together.")
	}
	zoneName, zoneID, err := subnetZone(c.Region, in.AvailabilityZone, in.AvailabilityZoneId)
	if err != nil {
		return nil, err
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "subnet")
	if err != nil {
		return nil, err
	}
	var sn *kit.SubnetRecord
	// Creations in one VPC queue: they all bump its children key.
	err = s.UpdateOn(ctx, *in.VpcId, func(t *kit.Txn) error {
		// The CIDR-overlap check below reads every sibling, without a compare each:
		// the children key, which every subnet creation, deletion or block change in
		// the VPC bumps, guards them all (see children.go).
		vpc, _, err := kit.ChildOf(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		siblings, err := kit.VpcSubnets(t, c, vpc.ID)
		if err != nil {
			return err
		}
		if !native {
			if !insideAny(cidr, vpc.CidrBlocks) {
				return ec2.ErrInvalidSubnetRange("The CIDR '%s' is invalid.", *in.CidrBlock)
			}
			for _, o := range siblings {
				if o.Cidr.IsValid() && o.Cidr.Overlaps(cidr) {
					return ec2.ErrInvalidSubnetConflict("The CIDR '%s' conflicts with another subnet", *in.CidrBlock)
				}
			}
		}
		if v6.IsValid() {
			if err := checkSubnetIpv6(vpc, siblings, v6, *in.Ipv6CidrBlock); err != nil {
				return err
			}
		}
		zn, zid := zoneName, zoneID
		if zn == "" {
			zn, zid = leastUsedZone(c.Region, siblings)
		}
		sn = &kit.SubnetRecord{
			Meta:               kit.Meta{ID: kit.NewID("subnet"), Owner: c.Account, Tags: tags},
			VpcID:              vpc.ID,
			Cidr:               cidr,
			AvailabilityZone:   zn,
			AvailabilityZoneID: zid,
			HostnameType:       "ip-name",
			Ipv6Native:         native,
		}
		if native {
			// An IPv6-only subnet has no IPv4 address to name instances after.
			sn.HostnameType = "resource-name"
			sn.AssignIpv6OnCreation = true
		}
		if v6.IsValid() {
			sn.Ipv6Blocks = []kit.CidrAssociation{{ID: kit.NewID("subnet-cidr-assoc"), Cidr: v6, State: "associated"}}
		}
		if err := addSubnet(t, c, vpc, sn); err != nil {
			return err
		}
		return s.SyncRegionalNatZones(t, c, vpc.ID, sn, "")
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateSubnetResult{Subnet: sn.EC2(c.Region)}, nil
}

// addSubnet stores a new subnet in its VPC's default ACL. The caller has read the VPC
// with childOf, which bumped its children key: a concurrent subnet creation in the same
// VPC conflicts, and sees this one when it runs again.
func addSubnet(t *kit.Txn, c kit.Caller, vpc *kit.VpcRecord, sn *kit.SubnetRecord) error {
	if err := kit.AssociateDefaultACL(t, c, vpc, sn.ID); err != nil {
		return err
	}
	return t.Put(c.Key(sn.ID), sn)
}

// parseSubnetCidr parses a subnet's IPv4 block, in canonical form, /16 to /28.
func parseSubnetCidr(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, ec2.ErrInvalidParameterValue("Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", s)
	}
	p = p.Masked()
	if p.Bits() < 16 || p.Bits() > 28 {
		return netip.Prefix{}, ec2.ErrInvalidSubnetRange("The CIDR '%s' is invalid.", s)
	}
	return p, nil
}

// parseSubnetIpv6 parses a subnet's IPv6 block, which AWS requires to be a /64.
func parseSubnetIpv6(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
		return netip.Prefix{}, ec2.ErrInvalidParameterValue("Value (%s) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.", s)
	}
	p = p.Masked()
	if p.Bits() != 64 {
		return netip.Prefix{}, ec2.ErrInvalidSubnetRange("The IPv6 CIDR '%s' is invalid. Subnet IPv6 CIDR blocks must be /64.", s)
	}
	return p, nil
}

// checkSubnetIpv6 requires an IPv6 /64 inside one of the VPC's IPv6 blocks and apart from
// the other subnets' blocks.
func checkSubnetIpv6(vpc *kit.VpcRecord, siblings []*kit.SubnetRecord, v6 netip.Prefix, given string) error {
	if !insideAny(v6, vpc.Ipv6Blocks) {
		return ec2.ErrInvalidSubnetRange("The IPv6 CIDR '%s' is invalid.", given)
	}
	for _, o := range siblings {
		for _, b := range o.Ipv6Blocks {
			if b.Cidr.Overlaps(v6) {
				return ec2.ErrInvalidSubnetConflict("The CIDR '%s' conflicts with another subnet", given)
			}
		}
	}
	return nil
}

// insideAny reports whether p lies within one of the blocks.
func insideAny(p netip.Prefix, blocks []kit.CidrAssociation) bool {
	for _, b := range blocks {
		if b.Cidr.Bits() <= p.Bits() && b.Cidr.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// subnetZone resolves CreateSubnet's zone, with the message AWS gives for a zone where
// subnets cannot be created. No zone at all is "", "": the caller picks one.
func subnetZone(region string, name, id *string) (string, string, error) {
	if name == nil && id == nil {
		return "", "", nil
	}
	zn, zid, err := kit.ZoneByNameOrID(region, kit.Deref(name), kit.Deref(id))
	if err == nil {
		return zn, zid, nil
	}
	param, given, list := "availabilityZone", kit.Deref(name), []string{}
	if name == nil {
		param, given = "availabilityZoneId", kit.Deref(id)
	}
	for _, z := range kit.ZonesOf(region) {
		if name == nil {
			list = append(list, z.ID)
		} else {
			list = append(list, z.Name)
		}
	}
	return "", "", ec2.ErrInvalidParameterValue("Value (%s) for parameter %s is invalid. Subnets can currently only be created in the following availability zones: %s.", given, param, strings.Join(list, ", "))
}

// leastUsedZone is where a subnet goes when the request names no zone: the zone of the
// region with the fewest of the VPC's subnets, the first of those.
func leastUsedZone(region string, siblings []*kit.SubnetRecord) (string, string) {
	count := map[string]int{}
	for _, o := range siblings {
		count[o.AvailabilityZone]++
	}
	zones := kit.ZonesOf(region)
	best := zones[0]
	for _, z := range zones[1:] {
		if count[z.Name] < count[best.Name] {
			best = z
		}
	}
	return best.Name, best.ID
}

// subnetInUse reports whether a resource of another kind is in the subnet.
func subnetInUse(t *kit.Txn, c kit.Caller, sn *kit.SubnetRecord) (bool, error) {
	if sn.UsedAddresses > 0 {
		return true, nil
	}
	found := false
	for _, kind := range kit.Kinds() {
		if !kind.InSubnet {
			continue
		}
		err := t.List(c.Prefix(kind.Prefix), func(key string, raw []byte) error {
			var r struct {
				SubnetID  string   `json:"subnetId"`
				SubnetIDs []string `json:"subnetIds"`
			}
			if err := json.Unmarshal(raw, &r); err != nil {
				return err
			}
			found = found || r.SubnetID == sn.ID
			for _, id := range r.SubnetIDs {
				found = found || id == sn.ID
			}
			return nil
		})
		if err != nil || found {
			return found, err
		}
	}
	return false, nil
}

// DeleteSubnet deletes a subnet with nothing in it. Its route table association and its
// network ACL association go with it, as in AWS.
func (s *VPC) DeleteSubnet(ctx context.Context, c kit.Caller, in *ec2.DeleteSubnetRequest) error {
	id := kit.Deref(in.SubnetId)
	if id == "" {
		return ec2.ErrMissingParameter("SubnetId")
	}
	return s.UpdateOn(ctx, s.ParentVpc(ctx, c, id), func(t *kit.Txn) error {
		sn, err := kit.Get[kit.SubnetRecord](t, c, "subnet", id)
		if err != nil {
			return err
		}
		used, err := subnetInUse(t, c, sn)
		if err != nil {
			return err
		}
		if used {
			return ec2.ErrDependencyViolation("The subnet '%s' has dependencies and cannot be deleted.", id)
		}
		if err := kit.DissociateSubnetRouteTable(t, c, sn.VpcID, sn.ID); err != nil {
			return err
		}
		if err := kit.DissociateACL(t, c, sn.VpcID, sn.ID); err != nil {
			return err
		}
		if err := kit.BumpChildren(t, c, sn.VpcID); err != nil {
			return err
		}
		t.Del(c.Prefix("rtb-assoc") + sn.ID) // see AssociateRouteTable
		t.Del(c.Key(sn.ID))
		return s.SyncRegionalNatZones(t, c, sn.VpcID, nil, sn.ID)
	})
}

// SubnetFilters gives, for each filter DescribeSubnets documents, the subnet's values.
// The region is not in the record, so subnet-arn is matched on its own (see DescribeSubnets).
func SubnetFilters(region string) map[string]func(*kit.SubnetRecord) []string {
	one := func(f func(*kit.SubnetRecord) string) func(*kit.SubnetRecord) []string {
		return func(sn *kit.SubnetRecord) []string { return []string{f(sn)} }
	}
	flag := func(f func(*kit.SubnetRecord) bool) func(*kit.SubnetRecord) []string {
		return one(func(sn *kit.SubnetRecord) string { return kit.BoolString(f(sn)) })
	}
	zone := one(func(sn *kit.SubnetRecord) string { return sn.AvailabilityZone })
	cidr := one((*kit.SubnetRecord).CidrString)
	defaultForAz := flag(func(sn *kit.SubnetRecord) bool { return sn.DefaultForAz })
	return map[string]func(*kit.SubnetRecord) []string{
		"availability-zone":          zone,
		"availabilityZone":           zone,
		"availability-zone-id":       one(func(sn *kit.SubnetRecord) string { return sn.AvailabilityZoneID }),
		"available-ip-address-count": one(func(sn *kit.SubnetRecord) string { return strconv.Itoa(int(sn.AvailableAddresses())) }),
		"cidr-block":                 cidr,
		"cidr":                       cidr,
		"cidrBlock":                  cidr,
		"default-for-az":             defaultForAz,
		"defaultForAz":               defaultForAz,
		"enable-dns64":               flag(func(sn *kit.SubnetRecord) bool { return sn.EnableDns64 }),
		"ipv6-cidr-block-association.ipv6-cidr-block": func(sn *kit.SubnetRecord) []string {
			return kit.Collect(sn.Ipv6Blocks, func(a kit.CidrAssociation) string { return a.Cidr.String() })
		},
		"ipv6-cidr-block-association.association-id": func(sn *kit.SubnetRecord) []string {
			return kit.Collect(sn.Ipv6Blocks, func(a kit.CidrAssociation) string { return a.ID })
		},
		"ipv6-cidr-block-association.state": func(sn *kit.SubnetRecord) []string {
			return kit.Collect(sn.Ipv6Blocks, func(a kit.CidrAssociation) string { return a.State })
		},
		"ipv6-native":                     flag(func(sn *kit.SubnetRecord) bool { return sn.Ipv6Native }),
		"map-customer-owned-ip-on-launch": flag(func(sn *kit.SubnetRecord) bool { return false }),
		"map-public-ip-on-launch":         flag(func(sn *kit.SubnetRecord) bool { return sn.MapPublicIPOnLaunch }),
		"owner-id":                        one(func(sn *kit.SubnetRecord) string { return sn.Owner }),
		"private-dns-name-options-on-launch.hostname-type": one(func(sn *kit.SubnetRecord) string { return sn.HostnameType }),
		"private-dns-name-options-on-launch.enable-resource-name-dns-a-record": flag(func(sn *kit.SubnetRecord) bool {
			return sn.ResourceNameDnsA
		}),
		"private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record": flag(func(sn *kit.SubnetRecord) bool {
			return sn.ResourceNameDnsAAAA
		}),
		"state":      one(func(sn *kit.SubnetRecord) string { return "available" }),
		"subnet-arn": one(func(sn *kit.SubnetRecord) string { return kit.SubnetArn(region, sn.Owner, sn.ID) }),
		"subnet-id":  one(func(sn *kit.SubnetRecord) string { return sn.ID }),
		"vpc-id":     one(func(sn *kit.SubnetRecord) string { return sn.VpcID }),
	}
}

// DescribeSubnets lists the caller's subnets.
func (s *VPC) DescribeSubnets(ctx context.Context, c kit.Caller, in *ec2.DescribeSubnetsRequest) (*ec2.DescribeSubnetsResult, error) {
	subnets, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "subnet", IDs: in.SubnetIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, SubnetFilters(c.Region))
	if err != nil {
		return nil, err
	}
	bpa, err := s.BPAStates(ctx, c)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeSubnetsResult{NextToken: next, Subnets: []ec2.Subnet{}}
	for _, sn := range subnets {
		v := sn.EC2(c.Region)
		v.BlockPublicAccessStates = &ec2.BlockPublicAccessStates{InternetGatewayBlockMode: kit.Ptr(bpa(sn.VpcID, sn.ID))}
		out.Subnets = append(out.Subnets, *v)
	}
	return out, nil
}

// ModifySubnetAttribute changes exactly one attribute of a subnet per request.
func (s *VPC) ModifySubnetAttribute(ctx context.Context, c kit.Caller, in *ec2.ModifySubnetAttributeRequest) error {
	id := kit.Deref(in.SubnetId)
	if id == "" {
		return ec2.ErrMissingParameter("SubnetId")
	}
	type change struct {
		name string
		val  *ec2.AttributeBooleanValue
		set  func(sn *kit.SubnetRecord, v bool) error
	}
	var changes []change
	for _, ch := range []change{
		{"MapPublicIpOnLaunch", in.MapPublicIpOnLaunch, func(sn *kit.SubnetRecord, v bool) error { sn.MapPublicIPOnLaunch = v; return nil }},
		{"AssignIpv6AddressOnCreation", in.AssignIpv6AddressOnCreation, func(sn *kit.SubnetRecord, v bool) error { sn.AssignIpv6OnCreation = v; return nil }},
		{"EnableDns64", in.EnableDns64, setDns64},
		{"EnableResourceNameDnsARecordOnLaunch", in.EnableResourceNameDnsARecordOnLaunch, func(sn *kit.SubnetRecord, v bool) error { sn.ResourceNameDnsA = v; return nil }},
		{"EnableResourceNameDnsAAAARecordOnLaunch", in.EnableResourceNameDnsAAAARecordOnLaunch, func(sn *kit.SubnetRecord, v bool) error { sn.ResourceNameDnsAAAA = v; return nil }},
		{"MapCustomerOwnedIpOnLaunch", in.MapCustomerOwnedIpOnLaunch, nil},
		{"DisableLniAtDeviceIndex", in.DisableLniAtDeviceIndex, nil},
	} {
		if ch.val != nil {
			changes = append(changes, ch)
		}
	}
	n := len(changes)
	if in.PrivateDnsHostnameTypeOnLaunch != nil {
		n++
	}
	if in.CustomerOwnedIpv4Pool != nil {
		n++
	}
	if in.EnableLniAtDeviceIndex != nil {
		n++
	}
	if n != 1 {
		return ec2.ErrInvalidParameterCombination("Only one attribute may be modified per request.")
	}
	if in.CustomerOwnedIpv4Pool != nil || in.EnableLniAtDeviceIndex != nil || len(changes) == 1 && changes[0].set == nil {
		return ec2.ErrInvalidParameterCombination("Customer-owned IP addresses and local network interfaces are only supported on Outpost subnets.")
	}
	hostnameType := kit.Deref(in.PrivateDnsHostnameTypeOnLaunch)
	if in.PrivateDnsHostnameTypeOnLaunch != nil && hostnameType != "ip-name" && hostnameType != "resource-name" {
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter PrivateDnsHostnameTypeOnLaunch is invalid. Valid values are ip-name and resource-name.", hostnameType)
	}
	if len(changes) == 1 && changes[0].val.Value == nil {
		return ec2.ErrMissingParameter(changes[0].name + ".Value")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		sn, err := kit.Get[kit.SubnetRecord](t, c, "subnet", id)
		if err != nil {
			return err
		}
		if in.PrivateDnsHostnameTypeOnLaunch != nil {
			if sn.Ipv6Native && hostnameType == "ip-name" {
				return ec2.ErrInvalidParameterValue("The hostname type ip-name is not supported for IPv6-only subnets.")
			}
			sn.HostnameType = hostnameType
		} else if err := changes[0].set(sn, *changes[0].val.Value); err != nil {
			return err
		}
		return t.Put(c.Key(sn.ID), sn)
	})
}

// setDns64 sets a subnet's EnableDns64: DNS64 answers are for IPv6 clients, and AWS
// refuses it on a subnet without an IPv6 block.
func setDns64(sn *kit.SubnetRecord, v bool) error {
	if v && !slices.ContainsFunc(sn.Ipv6Blocks, func(b kit.CidrAssociation) bool { return b.State == "associated" }) {
		return ec2.ErrInvalidParameterValue("Invalid value 'true' for enable-dns64. Cannot set enable-dns64 to true unless the subnet (%s) has an IPv6 CIDR block associated with it.", sn.ID)
	}
	sn.EnableDns64 = v
	return nil
}

// AssociateSubnetCidrBlock gives a subnet an IPv6 /64 from its VPC's IPv6 blocks; a
// subnet has at most one.
func (s *VPC) AssociateSubnetCidrBlock(ctx context.Context, c kit.Caller, in *ec2.AssociateSubnetCidrBlockRequest) (*ec2.AssociateSubnetCidrBlockResult, error) {
	id := kit.Deref(in.SubnetId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("SubnetId")
	}
	if in.Ipv6IpamPoolId != nil || in.Ipv6NetmaskLength != nil {
		return nil, ec2.ErrInvalidParameterValue("IPAM pools are not supported")
	}
	if in.Ipv6CidrBlock == nil {
		return nil, ec2.ErrMissingParameter("Ipv6CidrBlock")
	}
	v6, err := parseSubnetIpv6(*in.Ipv6CidrBlock)
	if err != nil {
		return nil, err
	}
	var assoc kit.CidrAssociation
	err = s.Update(ctx, func(t *kit.Txn) error {
		sn, err := kit.Get[kit.SubnetRecord](t, c, "subnet", id)
		if err != nil {
			return err
		}
		if len(sn.Ipv6Blocks) > 0 {
			return ec2.ErrCidrLimitExceeded("This network '%s' has met its maximum number of allowed CIDRs: 1", sn.ID)
		}
		vpc, _, err := kit.ChildOf(t, c, sn.VpcID)
		if err != nil {
			return err
		}
		siblings, err := kit.VpcSubnets(t, c, vpc.ID)
		if err != nil {
			return err
		}
		if err := checkSubnetIpv6(vpc, siblings, v6, *in.Ipv6CidrBlock); err != nil {
			return err
		}
		assoc = kit.CidrAssociation{ID: kit.NewID("subnet-cidr-assoc"), Cidr: v6, State: "associated"}
		sn.Ipv6Blocks = append(sn.Ipv6Blocks, assoc)
		return t.Put(c.Key(sn.ID), sn)
	})
	if err != nil {
		return nil, err
	}
	a := assoc.SubnetIpv6("associating")
	return &ec2.AssociateSubnetCidrBlockResult{SubnetId: kit.Ptr(id), Ipv6CidrBlockAssociation: &a}, nil
}

// DisassociateSubnetCidrBlock removes a subnet's IPv6 block; an IPv6-only subnet keeps
// its only block.
func (s *VPC) DisassociateSubnetCidrBlock(ctx context.Context, c kit.Caller, in *ec2.DisassociateSubnetCidrBlockRequest) (*ec2.DisassociateSubnetCidrBlockResult, error) {
	assocID := kit.Deref(in.AssociationId)
	if assocID == "" {
		return nil, ec2.ErrMissingParameter("AssociationId")
	}
	out := &ec2.DisassociateSubnetCidrBlockResult{}
	err := s.Update(ctx, func(t *kit.Txn) error {
		subnets, err := kit.ListAll[kit.SubnetRecord](t, c.Prefix("subnet"))
		if err != nil {
			return err
		}
		for _, sn := range subnets {
			for i, b := range sn.Ipv6Blocks {
				if b.ID != assocID {
					continue
				}
				if sn.Ipv6Native {
					return ec2.ErrOperationNotPermitted("The IPv6 CIDR block of the IPv6-only subnet '%s' may not be disassociated.", sn.ID)
				}
				if err := kit.BumpChildren(t, c, sn.VpcID); err != nil {
					return err
				}
				sn.Ipv6Blocks = append(sn.Ipv6Blocks[:i], sn.Ipv6Blocks[i+1:]...)
				a := b.SubnetIpv6("disassociating")
				out.SubnetId, out.Ipv6CidrBlockAssociation = kit.Ptr(sn.ID), &a
				return t.Put(c.Key(sn.ID), sn)
			}
		}
		return ec2.ErrInvalidSubnetCidrBlockAssociationIDNotFound("The subnet CIDR block with association ID '%s' does not exist", assocID)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
