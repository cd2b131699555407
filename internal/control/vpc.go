package control

import (
	"context"
	"encoding/json"
	"net/netip"
	"sort"
	"strings"

	"vpcd/internal/ec2"
)

// maxVpcIpv6Blocks is AWS's quota of IPv6 CIDR blocks per VPC.
const maxVpcIpv6Blocks = 5

// CreateVpc creates a VPC with its main route table, default network ACL and default
// security group, as AWS does.
func (s *Service) CreateVpc(ctx context.Context, c Caller, in *ec2.CreateVpcRequest) (*ec2.CreateVpcResult, error) {
	if in.CidrBlock == nil && in.Ipv4IpamPoolId == nil {
		return nil, ec2.ErrMissingParameter("CidrBlock")
	}
	if in.Ipv4IpamPoolId != nil || in.Ipv6IpamPoolId != nil || in.Ipv6Pool != nil {
		return nil, ec2.ErrInvalidParameterValue("IPAM and BYOIP pools are not supported")
	}
	cidr, err := parseVpcCidr(deref(in.CidrBlock))
	if err != nil {
		return nil, err
	}
	tenancy := deref(in.InstanceTenancy)
	switch tenancy {
	case "":
		tenancy = "default"
	case "default", "dedicated":
	default:
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter instanceTenancy is invalid.", tenancy)
	}
	tags, err := tagsOnCreate(in.TagSpecifications, "vpc")
	if err != nil {
		return nil, err
	}
	if in.Ipv6CidrBlockNetworkBorderGroup != nil && !deref(in.AmazonProvidedIpv6CidrBlock) {
		return nil, ec2.ErrInvalidParameterValue("The parameter Ipv6CidrBlockNetworkBorderGroup requires AmazonProvidedIpv6CidrBlock to be set.")
	}
	vpc := &vpcRecord{
		meta:            meta{ID: newID("vpc"), Owner: c.Account, Tags: tags},
		CidrBlocks:      []cidrAssociation{{ID: newID("vpc-cidr-assoc"), Cidr: cidr, State: "associated"}},
		InstanceTenancy: tenancy,
		DNSSupport:      true,
	}
	err = s.update(ctx, func(t *txn) error {
		if err := s.checkVpcRoom(t, c); err != nil {
			return err
		}
		if deref(in.AmazonProvidedIpv6CidrBlock) {
			block, err := s.amazonIpv6Block(t, c, 56)
			if err != nil {
				return err
			}
			vpc.Ipv6Blocks = []cidrAssociation{{ID: newID("vpc-cidr-assoc"), Cidr: block, State: "associated", Ipv6Pool: "Amazon", NetworkBorderGroup: borderGroup(c, in.Ipv6CidrBlockNetworkBorderGroup)}}
		}
		return addVpc(t, c, vpc)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateVpcResult{Vpc: vpc.ec2()}, nil
}

// addVpc stores a new VPC with its main route table, default ACL and default group.
func addVpc(t *txn, c Caller, vpc *vpcRecord) error {
	dopt, err := defaultDhcpOptions(t, c)
	if err != nil {
		return err
	}
	vpc.DhcpOptionsID = dopt
	rtb := newMainRouteTable(c, vpc)
	acl := newDefaultNetworkACL(c, vpc)
	sg := newDefaultSecurityGroup(c, vpc)
	vpc.MainRouteTable, vpc.DefaultACL, vpc.DefaultGroup = rtb.ID, acl.ID, sg.ID
	for _, r := range []record{vpc, rtb, acl, sg} {
		if err := t.put(c.key(r.base().ID), r); err != nil {
			return err
		}
	}
	if err := t.put(groupNameKey(c, vpc.ID, sg.Name), sg.ID); err != nil {
		return err
	}
	return t.put(childrenKey(c, vpc.ID), &vpcChildren{Version: 1, GroupNames: true})
}

func borderGroup(c Caller, given *string) string {
	if given != nil {
		return *given
	}
	return c.Region
}

// reservedVpcRanges are IPv4 ranges AWS does not accept for a VPC.
var reservedVpcRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

// parseVpcCidr parses an IPv4 CIDR for a VPC, in its canonical form (host bits cleared,
// as AWS does), between /16 and /28 and outside the reserved ranges.
func parseVpcCidr(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, ec2.ErrInvalidParameterValue("Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", s)
	}
	p = p.Masked()
	if p.Bits() < 16 || p.Bits() > 28 {
		return netip.Prefix{}, ec2.ErrInvalidVpcRange("The CIDR '%s' is invalid.", s)
	}
	for _, r := range reservedVpcRanges {
		if r.Overlaps(p) {
			return netip.Prefix{}, ec2.ErrInvalidVpcRange("The CIDR '%s' is invalid.", s)
		}
	}
	return p, nil
}

// amazonIpv6Block allocates an Amazon-provided IPv6 block of the given size from the
// 2600:1f00::/24 range AWS uses, unique within the region.
func (s *Service) amazonIpv6Block(t *txn, c Caller, bits int) (netip.Prefix, error) {
	used := map[netip.Prefix]bool{}
	vpcs, err := listAll[vpcRecord](t, c.prefix("vpc"))
	if err != nil {
		return netip.Prefix{}, err
	}
	for _, v := range vpcs {
		for _, b := range v.Ipv6Blocks {
			used[b.Cidr] = true
		}
	}
	for {
		var a [16]byte
		copy(a[:], []byte{0x26, 0x00, 0x1f})
		r := newID("x") // random hex
		for i := 0; i < 4; i++ {
			a[3+i] = hexByte(r[2+2*i:])
		}
		p, _ := netip.AddrFrom16(a).Prefix(bits)
		if !used[p] {
			return p, nil
		}
	}
}

func hexByte(s string) byte {
	v := func(c byte) byte {
		if c >= 'a' {
			return c - 'a' + 10
		}
		return c - '0'
	}
	return v(s[0])<<4 | v(s[1])
}

// getVpc reads a VPC of the caller, with AWS's errors for a malformed or unknown ID.
func getVpc(t *txn, c Caller, id string) (*vpcRecord, error) {
	if err := checkID(id, "vpc"); err != nil {
		return nil, err
	}
	var v vpcRecord
	ok, err := t.get(c.key(id), &v)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound(id)
	}
	return &v, nil
}

// DeleteVpc deletes a VPC with nothing left in it but its main route table, default ACL
// and default group, which go with it.
func (s *Service) DeleteVpc(ctx context.Context, c Caller, in *ec2.DeleteVpcRequest) error {
	id := deref(in.VpcId)
	if id == "" {
		return ec2.ErrMissingParameter("VpcId")
	}
	return s.updateOn(ctx, id, func(t *txn) error {
		vpc, err := getVpc(t, c, id)
		if err != nil {
			return err
		}
		// The dependencies are listed without a compare each: every creation or
		// deletion of a child bumps the children key, read here (see children.go).
		var ch vpcChildren
		if _, err := t.get(childrenKey(c, id), &ch); err != nil {
			return err
		}
		deps, err := vpcDependencies(t, c, vpc)
		if err != nil {
			return err
		}
		if deps {
			return ec2.ErrDependencyViolation("The vpc '%s' has dependencies and cannot be deleted.", id)
		}
		if err := s.deleteVpcPeerings(t, c, id); err != nil {
			return err
		}
		for _, child := range []string{vpc.MainRouteTable, vpc.DefaultACL, vpc.DefaultGroup, vpc.ID} {
			t.del(c.key(child))
		}
		t.del(childrenKey(c, id))
		t.del(groupNameKey(c, id, "default"))
		return nil
	})
}

// vpcDependencies reports whether anything but the VPC's own defaults is in it: subnets,
// attached gateways, other route tables, ACLs or groups.
func vpcDependencies(t *txn, c Caller, vpc *vpcRecord) (bool, error) {
	own := map[string]bool{vpc.MainRouteTable: true, vpc.DefaultACL: true, vpc.DefaultGroup: true}
	found := false
	for _, kind := range []string{"subnet", "rtb", "acl", "sg", "igw", "eigw"} {
		err := t.list(c.prefix(kind), func(key string, raw []byte) error {
			var r struct {
				ID    string `json:"id"`
				VpcID string `json:"vpcId"`
			}
			if err := json.Unmarshal(raw, &r); err != nil {
				return err
			}
			if r.VpcID == vpc.ID && !own[r.ID] {
				found = true
			}
			return nil
		})
		if err != nil || found {
			return found, err
		}
	}
	return false, nil
}

// vpcFilters gives, for each filter DescribeVpcs documents, the VPC's values.
var vpcFilters = map[string]func(v *vpcRecord) []string{
	"cidr": func(v *vpcRecord) []string { return []string{v.CidrBlocks[0].Cidr.String()} },
	"cidr-block-association.cidr-block": func(v *vpcRecord) []string {
		return collect(v.CidrBlocks, func(a cidrAssociation) string { return a.Cidr.String() })
	},
	"cidr-block-association.association-id": func(v *vpcRecord) []string {
		return collect(v.CidrBlocks, func(a cidrAssociation) string { return a.ID })
	},
	"cidr-block-association.state": func(v *vpcRecord) []string {
		return collect(v.CidrBlocks, func(a cidrAssociation) string { return a.State })
	},
	"dhcp-options-id": func(v *vpcRecord) []string { return []string{v.DhcpOptionsID} },
	"ipv6-cidr-block-association.ipv6-cidr-block": func(v *vpcRecord) []string {
		return collect(v.Ipv6Blocks, func(a cidrAssociation) string { return a.Cidr.String() })
	},
	"ipv6-cidr-block-association.ipv6-pool": func(v *vpcRecord) []string {
		return collect(v.Ipv6Blocks, func(a cidrAssociation) string { return a.Ipv6Pool })
	},
	"ipv6-cidr-block-association.association-id": func(v *vpcRecord) []string {
		return collect(v.Ipv6Blocks, func(a cidrAssociation) string { return a.ID })
	},
	"ipv6-cidr-block-association.state": func(v *vpcRecord) []string {
		return collect(v.Ipv6Blocks, func(a cidrAssociation) string { return a.State })
	},
	"is-default": func(v *vpcRecord) []string { return []string{boolString(v.IsDefault)} },
	"isDefault":  func(v *vpcRecord) []string { return []string{boolString(v.IsDefault)} }, // the older name, still accepted
	"owner-id":   func(v *vpcRecord) []string { return []string{v.Owner} },
	"state":      func(v *vpcRecord) []string { return []string{"available"} },
	"vpc-id":     func(v *vpcRecord) []string { return []string{v.ID} },
}

// DescribeVpcs lists the caller's VPCs.
func (s *Service) DescribeVpcs(ctx context.Context, c Caller, in *ec2.DescribeVpcsRequest) (*ec2.DescribeVpcsResult, error) {
	vpcs, next, err := describe(ctx, s, c, describeQuery{Kind: "vpc", IDs: in.VpcIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, vpcFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcsResult{NextToken: next, Vpcs: []ec2.Vpc{}}
	for _, v := range vpcs {
		out.Vpcs = append(out.Vpcs, *v.ec2())
	}
	return out, nil
}

func (v *vpcRecord) ec2() *ec2.Vpc {
	out := &ec2.Vpc{
		VpcId:           ptr(v.ID),
		OwnerId:         ptr(v.Owner),
		State:           ptr("available"),
		CidrBlock:       ptr(v.CidrBlocks[0].Cidr.String()),
		DhcpOptionsId:   ptr(v.DhcpOptionsID),
		InstanceTenancy: ptr(v.InstanceTenancy),
		IsDefault:       ptr(v.IsDefault),
		Tags:            v.ec2Tags(),
		BlockPublicAccessStates: &ec2.BlockPublicAccessStates{
			InternetGatewayBlockMode: ptr("off"),
		},
	}
	for _, b := range v.CidrBlocks {
		out.CidrBlockAssociationSet = append(out.CidrBlockAssociationSet, ec2.VpcCidrBlockAssociation{
			AssociationId:  ptr(b.ID),
			CidrBlock:      ptr(b.Cidr.String()),
			CidrBlockState: &ec2.VpcCidrBlockState{State: ptr(b.State)},
		})
	}
	for _, b := range v.Ipv6Blocks {
		out.Ipv6CidrBlockAssociationSet = append(out.Ipv6CidrBlockAssociationSet, ec2.VpcIpv6CidrBlockAssociation{
			AssociationId:      ptr(b.ID),
			Ipv6CidrBlock:      ptr(b.Cidr.String()),
			Ipv6CidrBlockState: &ec2.VpcCidrBlockState{State: ptr(b.State)},
			Ipv6Pool:           ptr(b.Ipv6Pool),
			NetworkBorderGroup: ptr(b.NetworkBorderGroup),
		})
	}
	return out
}

func collect[T any](items []T, f func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = f(it)
	}
	return out
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// vpcAttributes maps the attribute names of Describe/ModifyVpcAttribute to their fields.
func vpcAttribute(v *vpcRecord, name string) (*bool, error) {
	switch name {
	case "enableDnsSupport":
		return &v.DNSSupport, nil
	case "enableDnsHostnames":
		return &v.DNSHostnames, nil
	case "enableNetworkAddressUsageMetrics":
		return &v.NAUMetrics, nil
	}
	return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", name)
}

// DescribeVpcAttribute answers one attribute of a VPC.
func (s *Service) DescribeVpcAttribute(ctx context.Context, c Caller, in *ec2.DescribeVpcAttributeRequest) (*ec2.DescribeVpcAttributeResult, error) {
	var vpc *vpcRecord
	err := s.view(ctx, func(t *txn) error {
		var err error
		vpc, err = getVpc(t, c, deref(in.VpcId))
		return err
	})
	if err != nil {
		return nil, err
	}
	name := deref(in.Attribute)
	val, err := vpcAttribute(vpc, name)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcAttributeResult{VpcId: ptr(vpc.ID)}
	v := &ec2.AttributeBooleanValue{Value: ptr(*val)}
	switch name {
	case "enableDnsSupport":
		out.EnableDnsSupport = v
	case "enableDnsHostnames":
		out.EnableDnsHostnames = v
	case "enableNetworkAddressUsageMetrics":
		out.EnableNetworkAddressUsageMetrics = v
	}
	return out, nil
}

// ModifyVpcAttribute changes exactly one attribute per request, as AWS requires.
func (s *Service) ModifyVpcAttribute(ctx context.Context, c Caller, in *ec2.ModifyVpcAttributeRequest) error {
	type change struct {
		name string
		val  *ec2.AttributeBooleanValue
	}
	var changes []change
	for _, ch := range []change{{"enableDnsSupport", in.EnableDnsSupport}, {"enableDnsHostnames", in.EnableDnsHostnames}, {"enableNetworkAddressUsageMetrics", in.EnableNetworkAddressUsageMetrics}} {
		if ch.val != nil {
			changes = append(changes, ch)
		}
	}
	if len(changes) != 1 {
		return ec2.ErrInvalidParameterCombination("Only one attribute may be modified per request.")
	}
	ch := changes[0]
	if ch.val.Value == nil {
		return ec2.ErrMissingParameter(strings.ToUpper(ch.name[:1]) + ch.name[1:] + ".Value")
	}
	return s.update(ctx, func(t *txn) error {
		vpc, err := getVpc(t, c, deref(in.VpcId))
		if err != nil {
			return err
		}
		field, _ := vpcAttribute(vpc, ch.name)
		*field = *ch.val.Value
		if vpc.DNSHostnames && !vpc.DNSSupport {
			return ec2.ErrInvalidParameterCombination("Cannot enable DNS hostnames without DNS support.")
		}
		return t.put(c.key(vpc.ID), vpc)
	})
}

// ipv4AssociationRestrictions are, for a primary block in each range, the ranges AWS
// refuses as secondary blocks (VPC User Guide, "IPv4 CIDR block association restrictions").
var rfc1918 = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.19.0.0/16"),
}

func restrictedSecondary(primary, secondary netip.Prefix) bool {
	home := -1
	for i, r := range rfc1918 {
		if r.Contains(primary.Addr()) {
			home = i
		}
	}
	for i, r := range rfc1918 {
		if i != home && r.Overlaps(secondary) {
			return true
		}
	}
	return false
}

// AssociateVpcCidrBlock adds a secondary IPv4 block or an Amazon-provided IPv6 /56.
func (s *Service) AssociateVpcCidrBlock(ctx context.Context, c Caller, in *ec2.AssociateVpcCidrBlockRequest) (*ec2.AssociateVpcCidrBlockResult, error) {
	wantV6 := deref(in.AmazonProvidedIpv6CidrBlock)
	if in.CidrBlock != nil && wantV6 {
		return nil, ec2.ErrInvalidParameterCombination("The parameter 'cidrBlock' may not be used in combination with 'amazonProvidedIpv6CidrBlock'.")
	}
	if in.CidrBlock == nil && !wantV6 {
		if in.Ipv6CidrBlock != nil || in.Ipv6Pool != nil || in.Ipv4IpamPoolId != nil || in.Ipv6IpamPoolId != nil {
			return nil, ec2.ErrInvalidParameterValue("IPAM and BYOIP pools are not supported")
		}
		return nil, ec2.ErrMissingParameter("CidrBlock")
	}
	out := &ec2.AssociateVpcCidrBlockResult{VpcId: in.VpcId}
	err := s.update(ctx, func(t *txn) error {
		vpc, err := getVpc(t, c, deref(in.VpcId))
		if err != nil {
			return err
		}
		// Children read the VPC's blocks without a compare (childOf): a route table
		// created meanwhile must get the new local route, so this conflicts with it.
		if err := bumpChildren(t, c, vpc.ID); err != nil {
			return err
		}
		if wantV6 {
			if len(vpc.Ipv6Blocks) >= maxVpcIpv6Blocks {
				return ec2.ErrCidrLimitExceeded("This network '%s' has met its maximum number of allowed CIDRs: %d", vpc.ID, maxVpcIpv6Blocks)
			}
			block, err := s.amazonIpv6Block(t, c, 56)
			if err != nil {
				return err
			}
			a := cidrAssociation{ID: newID("vpc-cidr-assoc"), Cidr: block, State: "associated", Ipv6Pool: "Amazon", NetworkBorderGroup: borderGroup(c, in.Ipv6CidrBlockNetworkBorderGroup)}
			vpc.Ipv6Blocks = append(vpc.Ipv6Blocks, a)
			if err := addLocalRoutes(t, c, vpc, block); err != nil {
				return err
			}
			out.Ipv6CidrBlockAssociation = &ec2.VpcIpv6CidrBlockAssociation{
				AssociationId: ptr(a.ID), Ipv6CidrBlock: ptr(a.Cidr.String()), Ipv6Pool: ptr(a.Ipv6Pool),
				NetworkBorderGroup: ptr(a.NetworkBorderGroup),
				Ipv6CidrBlockState: &ec2.VpcCidrBlockState{State: ptr("associating")},
			}
			return t.put(c.key(vpc.ID), vpc)
		}
		cidr, err := parseVpcCidr(*in.CidrBlock)
		if err != nil {
			return err
		}
		limit, err := s.quotaLimit(t, c, quotaVpcCidrBlocks)
		if err != nil {
			return err
		}
		if len(vpc.CidrBlocks) >= limit {
			return ec2.ErrCidrLimitExceeded("This network '%s' has met its maximum number of allowed CIDRs: %d", vpc.ID, limit)
		}
		for _, b := range vpc.CidrBlocks {
			if b.Cidr.Overlaps(cidr) {
				return ec2.ErrInvalidVpcRange("The CIDR '%s' conflicts with another CIDR block of the VPC.", *in.CidrBlock)
			}
		}
		if restrictedSecondary(vpc.CidrBlocks[0].Cidr, cidr) {
			return ec2.ErrInvalidVpcRange("The CIDR '%s' is restricted. Use a CIDR from the same private address range as the current VPC CIDR, or use a publicly-routable CIDR.", *in.CidrBlock)
		}
		if err := checkCidrAgainstRoutes(t, c, vpc, cidr); err != nil {
			return err
		}
		a := cidrAssociation{ID: newID("vpc-cidr-assoc"), Cidr: cidr, State: "associated"}
		vpc.CidrBlocks = append(vpc.CidrBlocks, a)
		if err := addLocalRoutes(t, c, vpc, cidr); err != nil {
			return err
		}
		out.CidrBlockAssociation = &ec2.VpcCidrBlockAssociation{
			AssociationId: ptr(a.ID), CidrBlock: ptr(a.Cidr.String()),
			CidrBlockState: &ec2.VpcCidrBlockState{State: ptr("associating")},
		}
		return t.put(c.key(vpc.ID), vpc)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DisassociateVpcCidrBlock removes a secondary block; the primary IPv4 block stays, and a
// block with subnets in it cannot go.
func (s *Service) DisassociateVpcCidrBlock(ctx context.Context, c Caller, in *ec2.DisassociateVpcCidrBlockRequest) (*ec2.DisassociateVpcCidrBlockResult, error) {
	assoc := deref(in.AssociationId)
	if assoc == "" {
		return nil, ec2.ErrMissingParameter("AssociationId")
	}
	out := &ec2.DisassociateVpcCidrBlockResult{}
	err := s.update(ctx, func(t *txn) error {
		vpcs, err := listAll[vpcRecord](t, c.prefix("vpc"))
		if err != nil {
			return err
		}
		for _, vpc := range vpcs {
			for i, b := range vpc.CidrBlocks {
				if b.ID != assoc {
					continue
				}
				if i == 0 {
					return ec2.ErrOperationNotPermitted("The vpc CIDR block with association ID %s may not be disassociated. It is the primary IPv4 CIDR block of the VPC", assoc)
				}
				if err := checkBlockUnused(t, c, vpc, b.Cidr); err != nil {
					return err
				}
				if err := bumpChildren(t, c, vpc.ID); err != nil {
					return err
				}
				vpc.CidrBlocks = append(vpc.CidrBlocks[:i], vpc.CidrBlocks[i+1:]...)
				if err := removeLocalRoutes(t, c, vpc, b.Cidr); err != nil {
					return err
				}
				out.VpcId = ptr(vpc.ID)
				out.CidrBlockAssociation = &ec2.VpcCidrBlockAssociation{AssociationId: ptr(b.ID), CidrBlock: ptr(b.Cidr.String()), CidrBlockState: &ec2.VpcCidrBlockState{State: ptr("disassociating")}}
				return t.put(c.key(vpc.ID), vpc)
			}
			for i, b := range vpc.Ipv6Blocks {
				if b.ID != assoc {
					continue
				}
				if err := checkBlockUnused(t, c, vpc, b.Cidr); err != nil {
					return err
				}
				if err := bumpChildren(t, c, vpc.ID); err != nil {
					return err
				}
				vpc.Ipv6Blocks = append(vpc.Ipv6Blocks[:i], vpc.Ipv6Blocks[i+1:]...)
				if err := removeLocalRoutes(t, c, vpc, b.Cidr); err != nil {
					return err
				}
				out.VpcId = ptr(vpc.ID)
				out.Ipv6CidrBlockAssociation = &ec2.VpcIpv6CidrBlockAssociation{AssociationId: ptr(b.ID), Ipv6CidrBlock: ptr(b.Cidr.String()), Ipv6CidrBlockState: &ec2.VpcCidrBlockState{State: ptr("disassociating")}}
				return t.put(c.key(vpc.ID), vpc)
			}
		}
		return ec2.ErrInvalidVpcCidrBlockAssociationIDNotFound("The vpc CIDR block association ID '%s' does not exist", assoc)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkBlockUnused refuses to remove a block that a subnet uses.
func checkBlockUnused(t *txn, c Caller, vpc *vpcRecord, block netip.Prefix) error {
	subnets, err := listAll[subnetRecord](t, c.prefix("subnet"))
	if err != nil {
		return err
	}
	for _, sn := range subnets {
		if sn.VpcID != vpc.ID {
			continue
		}
		used := block.Overlaps(sn.Cidr)
		for _, b := range sn.Ipv6Blocks {
			used = used || block.Overlaps(b.Cidr)
		}
		if used {
			return ec2.ErrInvalidCidrBlockInUse("The vpc %s currently has a subnet within CIDR block %s", vpc.ID, block)
		}
	}
	return nil
}

// vpcCidrs is every block of the VPC, IPv4 then IPv6.
func (v *vpcRecord) cidrs() []netip.Prefix {
	var out []netip.Prefix
	for _, b := range v.CidrBlocks {
		out = append(out, b.Cidr)
	}
	for _, b := range v.Ipv6Blocks {
		out = append(out, b.Cidr)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Addr().Is4() && !out[j].Addr().Is4() })
	return out
}
