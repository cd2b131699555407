package vpc

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/hosts"
)

// maxVpcIpv6Blocks is AWS's quota of IPv6 CIDR blocks per VPC.
const maxVpcIpv6Blocks = 5

// CreateVpc creates a VPC with its main route table, default network ACL and default
// security group, as AWS does.
func (s *VPC) CreateVpc(ctx context.Context, c kit.Caller, in *ec2.CreateVpcRequest) (*ec2.CreateVpcResult, error) {
	if in.CidrBlock == nil && in.Ipv4IpamPoolId == nil {
		return nil, ec2.ErrMissingParameter("CidrBlock")
	}
	if in.Ipv4IpamPoolId != nil || in.Ipv6IpamPoolId != nil || in.Ipv6Pool != nil {
		return nil, ec2.ErrInvalidParameterValue("IPAM and BYOIP pools are not supported")
	}
	cidr, err := parseVpcCidr(kit.Deref(in.CidrBlock))
	if err != nil {
		return nil, err
	}
	tenancy := kit.Deref(in.InstanceTenancy)
	switch tenancy {
	case "":
		tenancy = "default"
	case "default", "dedicated":
	default:
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter instanceTenancy is invalid.", tenancy)
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "vpc")
	if err != nil {
		return nil, err
	}
	if in.Ipv6CidrBlockNetworkBorderGroup != nil && !kit.Deref(in.AmazonProvidedIpv6CidrBlock) {
		return nil, ec2.ErrInvalidParameterValue("The parameter Ipv6CidrBlockNetworkBorderGroup requires AmazonProvidedIpv6CidrBlock to be set.")
	}
	vpc := &kit.VpcRecord{
		Meta:            kit.Meta{ID: kit.NewID("vpc"), Owner: c.Account, Tags: tags},
		CidrBlocks:      []kit.CidrAssociation{{ID: kit.NewID("vpc-cidr-assoc"), Cidr: cidr, State: "associated"}},
		InstanceTenancy: tenancy,
		DNSSupport:      true,
	}
	err = s.Update(ctx, func(t *kit.Txn) error {
		if err := s.CheckVpcRoom(t, c); err != nil {
			return err
		}
		if kit.Deref(in.AmazonProvidedIpv6CidrBlock) {
			block, err := s.amazonIpv6Block(t, c, 56)
			if err != nil {
				return err
			}
			vpc.Ipv6Blocks = []kit.CidrAssociation{{ID: kit.NewID("vpc-cidr-assoc"), Cidr: block, State: "associated", Ipv6Pool: "Amazon", NetworkBorderGroup: borderGroup(c, in.Ipv6CidrBlockNetworkBorderGroup)}}
		}
		return addVpc(t, c, vpc)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateVpcResult{Vpc: vpc.EC2()}, nil
}

// addVpc stores a new VPC with its main route table, default ACL and default group.
func addVpc(t *kit.Txn, c kit.Caller, vpc *kit.VpcRecord) error {
	dopt, err := defaultDhcpOptions(t, c)
	if err != nil {
		return err
	}
	vpc.DhcpOptionsID = dopt
	if vpc.VNI, err = nextVNI(t); err != nil {
		return err
	}
	rtb := kit.NewMainRouteTable(c, vpc)
	acl := kit.NewDefaultNetworkACL(c, vpc)
	sg := kit.NewDefaultSecurityGroup(c, vpc)
	vpc.MainRouteTable, vpc.DefaultACL, vpc.DefaultGroup = rtb.ID, acl.ID, sg.ID
	for _, r := range []kit.Record{vpc, rtb, acl, sg} {
		if err := t.Put(c.Key(r.Base().ID), r); err != nil {
			return err
		}
	}
	if err := t.Put(kit.GroupNameKey(c, vpc.ID, sg.Name), sg.ID); err != nil {
		return err
	}
	return t.Put(kit.ChildrenKey(c, vpc.ID), &kit.VpcChildren{Version: 1, GroupNames: true})
}

// nextVNI takes the next VXLAN network identifier (hosts.VNIKey). Every CreateVpc reads
// and writes the one key, so concurrent creations conflict and retry: VPCs are created
// rarely enough for that.
func nextVNI(t *kit.Txn) (uint32, error) {
	var last uint32
	if _, err := t.Get(hosts.VNIKey, &last); err != nil {
		return 0, err
	}
	next := last%hosts.MaxVNI + 1
	return next, t.Put(hosts.VNIKey, next)
}

func borderGroup(c kit.Caller, given *string) string {
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
func (s *VPC) amazonIpv6Block(t *kit.Txn, c kit.Caller, bits int) (netip.Prefix, error) {
	used := map[netip.Prefix]bool{}
	vpcs, err := kit.ListAll[kit.VpcRecord](t, c.Prefix("vpc"))
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
		r := kit.NewID("x") // random hex
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

// DeleteVpc deletes a VPC with nothing left in it but its main route table, default ACL
// and default group, which go with it.
func (s *VPC) DeleteVpc(ctx context.Context, c kit.Caller, in *ec2.DeleteVpcRequest) error {
	id := kit.Deref(in.VpcId)
	if id == "" {
		return ec2.ErrMissingParameter("VpcId")
	}
	return s.UpdateOn(ctx, id, func(t *kit.Txn) error {
		vpc, err := kit.GetVpc(t, c, id)
		if err != nil {
			return err
		}
		// The dependencies are listed without a compare each: every creation or
		// deletion of a child bumps the children key, read here (see children.go).
		var ch kit.VpcChildren
		if _, err := t.Get(kit.ChildrenKey(c, id), &ch); err != nil {
			return err
		}
		deps, err := vpcDependencies(t, c, vpc)
		if err != nil {
			return err
		}
		if deps {
			return ec2.ErrDependencyViolation("The vpc '%s' has dependencies and cannot be deleted.", id)
		}
		if err := s.DeleteVpcPeerings(t, c, id); err != nil {
			return err
		}
		for _, child := range []string{vpc.MainRouteTable, vpc.DefaultACL, vpc.DefaultGroup, vpc.ID} {
			t.Del(c.Key(child))
		}
		// "Flow logs for deleted VPCs are eventually automatically removed" (DeleteVpc):
		// here at once, those of its subnets and interfaces too.
		if err := deleteFlowLogsIn(t, c, id); err != nil {
			return err
		}
		t.Del(kit.ChildrenKey(c, id))
		t.Del(kit.GroupNameKey(c, id, "default"))
		return nil
	})
}

// deleteFlowLogsIn deletes the flow logs of a VPC and of everything in it.
func deleteFlowLogsIn(t *kit.Txn, c kit.Caller, vpc string) error {
	var gone []string
	err := t.List(c.Prefix("fl"), func(key string, raw []byte) error {
		var r struct {
			VpcID string `json:"vpcId"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		if r.VpcID == vpc {
			gone = append(gone, key)
		}
		return nil
	})
	for _, key := range gone {
		t.Del(key)
	}
	return err
}

// vpcDependencies reports whether anything but the VPC's own defaults is in it: subnets,
// attached gateways (internet, egress-only, virtual private), other route tables, ACLs,
// groups or VPC endpoints.
func vpcDependencies(t *kit.Txn, c kit.Caller, vpc *kit.VpcRecord) (bool, error) {
	own := map[string]bool{vpc.MainRouteTable: true, vpc.DefaultACL: true, vpc.DefaultGroup: true}
	found := false
	for _, kind := range []string{"subnet", "rtb", "acl", "sg", "igw", "eigw", "vgw", "vpce"} {
		err := t.List(c.Prefix(kind), func(key string, raw []byte) error {
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
var vpcFilters = map[string]func(v *kit.VpcRecord) []string{
	"cidr": func(v *kit.VpcRecord) []string { return []string{v.CidrBlocks[0].Cidr.String()} },
	"cidr-block-association.cidr-block": func(v *kit.VpcRecord) []string {
		return kit.Collect(v.CidrBlocks, func(a kit.CidrAssociation) string { return a.Cidr.String() })
	},
	"cidr-block-association.association-id": func(v *kit.VpcRecord) []string {
		return kit.Collect(v.CidrBlocks, func(a kit.CidrAssociation) string { return a.ID })
	},
	"cidr-block-association.state": func(v *kit.VpcRecord) []string {
		return kit.Collect(v.CidrBlocks, func(a kit.CidrAssociation) string { return a.State })
	},
	"dhcp-options-id": func(v *kit.VpcRecord) []string { return []string{v.DhcpOptionsID} },
	"ipv6-cidr-block-association.ipv6-cidr-block": func(v *kit.VpcRecord) []string {
		return kit.Collect(v.Ipv6Blocks, func(a kit.CidrAssociation) string { return a.Cidr.String() })
	},
	"ipv6-cidr-block-association.ipv6-pool": func(v *kit.VpcRecord) []string {
		return kit.Collect(v.Ipv6Blocks, func(a kit.CidrAssociation) string { return a.Ipv6Pool })
	},
	"ipv6-cidr-block-association.association-id": func(v *kit.VpcRecord) []string {
		return kit.Collect(v.Ipv6Blocks, func(a kit.CidrAssociation) string { return a.ID })
	},
	"ipv6-cidr-block-association.state": func(v *kit.VpcRecord) []string {
		return kit.Collect(v.Ipv6Blocks, func(a kit.CidrAssociation) string { return a.State })
	},
	"is-default": func(v *kit.VpcRecord) []string { return []string{kit.BoolString(v.IsDefault)} },
	"isDefault":  func(v *kit.VpcRecord) []string { return []string{kit.BoolString(v.IsDefault)} }, // the older name, still accepted
	"owner-id":   func(v *kit.VpcRecord) []string { return []string{v.Owner} },
	"state":      func(v *kit.VpcRecord) []string { return []string{"available"} },
	"vpc-id":     func(v *kit.VpcRecord) []string { return []string{v.ID} },
}

// DescribeVpcs lists the caller's VPCs.
func (s *VPC) DescribeVpcs(ctx context.Context, c kit.Caller, in *ec2.DescribeVpcsRequest) (*ec2.DescribeVpcsResult, error) {
	vpcs, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "vpc", IDs: in.VpcIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 5}, vpcFilters)
	if err != nil {
		return nil, err
	}
	bpa, err := s.BPAStates(ctx, c)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcsResult{NextToken: next, Vpcs: []ec2.Vpc{}}
	for _, v := range vpcs {
		shown := v.EC2()
		shown.BlockPublicAccessStates = &ec2.BlockPublicAccessStates{InternetGatewayBlockMode: kit.Ptr(bpa(v.ID, ""))}
		out.Vpcs = append(out.Vpcs, *shown)
	}
	return out, nil
}

// vpcAttributes maps the attribute names of Describe/ModifyVpcAttribute to their fields.
func vpcAttribute(v *kit.VpcRecord, name string) (*bool, error) {
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
func (s *VPC) DescribeVpcAttribute(ctx context.Context, c kit.Caller, in *ec2.DescribeVpcAttributeRequest) (*ec2.DescribeVpcAttributeResult, error) {
	var vpc *kit.VpcRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		vpc, err = kit.GetVpc(t, c, kit.Deref(in.VpcId))
		return err
	})
	if err != nil {
		return nil, err
	}
	name := kit.Deref(in.Attribute)
	val, err := vpcAttribute(vpc, name)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcAttributeResult{VpcId: kit.Ptr(vpc.ID)}
	v := &ec2.AttributeBooleanValue{Value: kit.Ptr(*val)}
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
func (s *VPC) ModifyVpcAttribute(ctx context.Context, c kit.Caller, in *ec2.ModifyVpcAttributeRequest) error {
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
	return s.Update(ctx, func(t *kit.Txn) error {
		vpc, err := kit.GetVpc(t, c, kit.Deref(in.VpcId))
		if err != nil {
			return err
		}
		field, _ := vpcAttribute(vpc, ch.name)
		*field = *ch.val.Value
		if vpc.DNSHostnames && !vpc.DNSSupport {
			return ec2.ErrInvalidParameterCombination("Cannot enable DNS hostnames without DNS support.")
		}
		return t.Put(c.Key(vpc.ID), vpc)
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
func (s *VPC) AssociateVpcCidrBlock(ctx context.Context, c kit.Caller, in *ec2.AssociateVpcCidrBlockRequest) (*ec2.AssociateVpcCidrBlockResult, error) {
	wantV6 := kit.Deref(in.AmazonProvidedIpv6CidrBlock)
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
	err := s.Update(ctx, func(t *kit.Txn) error {
		vpc, err := kit.GetVpc(t, c, kit.Deref(in.VpcId))
		if err != nil {
			return err
		}
		// Children read the VPC's blocks without a compare (childOf): a route table
		// created meanwhile must get the new local route, so this conflicts with it.
		if err := kit.BumpChildren(t, c, vpc.ID); err != nil {
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
			a := kit.CidrAssociation{ID: kit.NewID("vpc-cidr-assoc"), Cidr: block, State: "associated", Ipv6Pool: "Amazon", NetworkBorderGroup: borderGroup(c, in.Ipv6CidrBlockNetworkBorderGroup)}
			vpc.Ipv6Blocks = append(vpc.Ipv6Blocks, a)
			if err := kit.AddLocalRoutes(t, c, vpc, block); err != nil {
				return err
			}
			out.Ipv6CidrBlockAssociation = &ec2.VpcIpv6CidrBlockAssociation{
				AssociationId: kit.Ptr(a.ID), Ipv6CidrBlock: kit.Ptr(a.Cidr.String()), Ipv6Pool: kit.Ptr(a.Ipv6Pool),
				NetworkBorderGroup: kit.Ptr(a.NetworkBorderGroup),
				Ipv6CidrBlockState: &ec2.VpcCidrBlockState{State: kit.Ptr("associating")},
			}
			return t.Put(c.Key(vpc.ID), vpc)
		}
		cidr, err := parseVpcCidr(*in.CidrBlock)
		if err != nil {
			return err
		}
		limit, err := s.QuotaLimit(t, c, kit.QuotaVpcCidrBlocks)
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
		if err := kit.CheckCidrAgainstRoutes(t, c, vpc, cidr); err != nil {
			return err
		}
		a := kit.CidrAssociation{ID: kit.NewID("vpc-cidr-assoc"), Cidr: cidr, State: "associated"}
		vpc.CidrBlocks = append(vpc.CidrBlocks, a)
		if err := kit.AddLocalRoutes(t, c, vpc, cidr); err != nil {
			return err
		}
		out.CidrBlockAssociation = &ec2.VpcCidrBlockAssociation{
			AssociationId: kit.Ptr(a.ID), CidrBlock: kit.Ptr(a.Cidr.String()),
			CidrBlockState: &ec2.VpcCidrBlockState{State: kit.Ptr("associating")},
		}
		return t.Put(c.Key(vpc.ID), vpc)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DisassociateVpcCidrBlock removes a secondary block; the primary IPv4 block stays, and a
// block with subnets in it cannot go.
func (s *VPC) DisassociateVpcCidrBlock(ctx context.Context, c kit.Caller, in *ec2.DisassociateVpcCidrBlockRequest) (*ec2.DisassociateVpcCidrBlockResult, error) {
	assoc := kit.Deref(in.AssociationId)
	if assoc == "" {
		return nil, ec2.ErrMissingParameter("AssociationId")
	}
	out := &ec2.DisassociateVpcCidrBlockResult{}
	err := s.Update(ctx, func(t *kit.Txn) error {
		vpcs, err := kit.ListAll[kit.VpcRecord](t, c.Prefix("vpc"))
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
				if err := kit.BumpChildren(t, c, vpc.ID); err != nil {
					return err
				}
				vpc.CidrBlocks = append(vpc.CidrBlocks[:i], vpc.CidrBlocks[i+1:]...)
				if err := kit.RemoveLocalRoutes(t, c, vpc, b.Cidr); err != nil {
					return err
				}
				out.VpcId = kit.Ptr(vpc.ID)
				out.CidrBlockAssociation = &ec2.VpcCidrBlockAssociation{AssociationId: kit.Ptr(b.ID), CidrBlock: kit.Ptr(b.Cidr.String()), CidrBlockState: &ec2.VpcCidrBlockState{State: kit.Ptr("disassociating")}}
				return t.Put(c.Key(vpc.ID), vpc)
			}
			for i, b := range vpc.Ipv6Blocks {
				if b.ID != assoc {
					continue
				}
				if err := checkBlockUnused(t, c, vpc, b.Cidr); err != nil {
					return err
				}
				if err := kit.BumpChildren(t, c, vpc.ID); err != nil {
					return err
				}
				vpc.Ipv6Blocks = append(vpc.Ipv6Blocks[:i], vpc.Ipv6Blocks[i+1:]...)
				if err := kit.RemoveLocalRoutes(t, c, vpc, b.Cidr); err != nil {
					return err
				}
				out.VpcId = kit.Ptr(vpc.ID)
				out.Ipv6CidrBlockAssociation = &ec2.VpcIpv6CidrBlockAssociation{AssociationId: kit.Ptr(b.ID), Ipv6CidrBlock: kit.Ptr(b.Cidr.String()), Ipv6CidrBlockState: &ec2.VpcCidrBlockState{State: kit.Ptr("disassociating")}}
				return t.Put(c.Key(vpc.ID), vpc)
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
func checkBlockUnused(t *kit.Txn, c kit.Caller, vpc *kit.VpcRecord, block netip.Prefix) error {
	subnets, err := kit.ListAll[kit.SubnetRecord](t, c.Prefix("subnet"))
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
