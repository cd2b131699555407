package endpoints

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// Interface endpoints to the region's AWS services. Each subnet given gets a
// requester-managed network interface (InterfaceType vpc_endpoint) in the endpoint's
// security groups; the data plane gives each its own namespace, and the endpoint's DNS
// names resolve to the interfaces' addresses inside the VPC (internal/resolver).

// vpceHostedZone is the Route 53 zone of the endpoints' regional and zonal names, as
// DescribeVpcEndpoints shows it: us-east-1's as AWS's documentation shows it, and for
// the other regions one made from the region's name (a guess: AWS has one per region).
func vpceHostedZone(region string) string {
	if region == "us-east-1" {
		return "Z7HUB22UULQXV"
	}
	return hostedZoneID("vpce/" + region)
}

// hostedZoneID is a Route 53-like zone ID (Z and 13 characters) derived from a seed.
func hostedZoneID(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return "Z" + strings.ToUpper(hex.EncodeToString(sum[:7]))[:13]
}

// interfaceService is the region's service of that name that takes interface
// endpoints.
func interfaceService(region, name string) (endpointService, bool) {
	for _, s := range regionServices(region) {
		if s.Name == name && s.Type == "Interface" {
			return s, true
		}
	}
	return endpointService{}, false
}

// dnsID is the random part of an endpoint's DNS names: 8 lower-case letters and digits.
func dnsID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func errDuplicateZone(subnet string) error {
	return ec2.Errorf("DuplicateSubnetsInSameZone", "Found another VPC endpoint subnet in the availability zone of %s. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.", subnet)
}

// checkDNSOptions accepts the DNS options an endpoint to an AWS service over IPv4 takes.
func checkDNSOptions(o *ec2.DnsOptionsSpecification) error {
	if o == nil {
		return nil
	}
	if t := kit.Deref(o.DnsRecordIpType); t != "" && t != "ipv4" && t != "service-defined" {
		return ec2.ErrInvalidParameter("DnsRecordIpType %s is not supported for an endpoint of IpAddressType ipv4.", t)
	}
	if kit.Deref(o.PrivateDnsOnlyForInboundResolverEndpoint) {
		return ec2.ErrInvalidParameter("PrivateDnsOnlyForInboundResolverEndpoint is only supported for S3 interface endpoints.")
	}
	return nil
}

// subnetRequest is one subnet an endpoint is to have an interface in, and the address
// asked for it ("" for any).
type subnetRequest struct{ subnet, ipv4 string }

// subnetRequests reads SubnetIds and SubnetConfigurations.
func subnetRequests(ids []string, configs []ec2.SubnetConfiguration) ([]subnetRequest, error) {
	var out []subnetRequest
	for _, id := range ids {
		out = append(out, subnetRequest{subnet: id})
	}
	for _, sc := range configs {
		if sc.Ipv6 != nil {
			return nil, ec2.ErrInvalidParameter("IPv6 addresses are not supported for an endpoint of IpAddressType ipv4.")
		}
		id := kit.Deref(sc.SubnetId)
		if i := slices.IndexFunc(out, func(r subnetRequest) bool { return r.subnet == id }); i >= 0 {
			out[i].ipv4 = kit.Deref(sc.Ipv4)
			continue
		}
		out = append(out, subnetRequest{subnet: id, ipv4: kit.Deref(sc.Ipv4)})
	}
	for _, r := range out {
		if err := kit.CheckID(r.subnet, "subnet"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// uniqueGroups checks the IDs and drops repeats.
func uniqueGroups(ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		if err := kit.CheckID(id, "sg"); err != nil {
			return nil, err
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// checkGroups: the groups exist and are of the endpoint's VPC. Each is rewritten, as an
// interface that joins a group rewrites it, so that a concurrent DeleteSecurityGroup
// conflicts with the endpoint joining it.
func checkGroups(t *kit.Txn, c kit.Caller, vpcID string, ids []string) error {
	for _, id := range ids {
		g, err := kit.Get[kit.SecurityGroupRecord](t, c, "sg", id)
		if err != nil {
			return err
		}
		if g.VpcID != vpcID {
			return ec2.ErrInvalidParameter("The security group '%s' does not belong to the VPC '%s'.", id, vpcID)
		}
		if err := t.Put(c.Key(g.ID), g); err != nil {
			return err
		}
	}
	return nil
}

// checkPrivateDNS: private DNS takes the VPC's DNS support and hostnames, and the
// service's name may be private to one endpoint of the VPC.
func checkPrivateDNS(t *kit.Txn, c kit.Caller, vpc *kit.VpcRecord, e *kit.VpcEndpointRecord) error {
	if !vpc.DNSSupport || !vpc.DNSHostnames {
		return ec2.ErrInvalidParameter("Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for %s", vpc.ID)
	}
	all, err := kit.ListAll[kit.VpcEndpointRecord](t, c.Prefix("vpce"))
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.ID != e.ID && o.VpcID == e.VpcID && o.PrivateDNS && o.PrivateDNSName == e.PrivateDNSName {
			return ec2.ErrInvalidParameter("private-dns-enabled cannot be set because there is already a conflicting DNS domain for %s in the VPC %s", strings.TrimPrefix(e.PrivateDNSName, "*."), e.VpcID)
		}
	}
	return nil
}

// addInterface gives the endpoint an interface in a subnet of its VPC, in a zone where
// it has none yet.
func addInterface(t *kit.Txn, c kit.Caller, e *kit.VpcEndpointRecord, r subnetRequest) error {
	sn, err := kit.Get[kit.SubnetRecord](t, c, "subnet", r.subnet)
	if err != nil {
		return err
	}
	if sn.VpcID != e.VpcID {
		return ec2.ErrInvalidParameter("The subnet ID '%s' does not belong to the VPC '%s'.", sn.ID, e.VpcID)
	}
	for _, i := range e.Interfaces {
		if i.Zone == sn.AvailabilityZone {
			return errDuplicateZone(sn.ID)
		}
	}
	if !sn.Cidr.IsValid() {
		return ec2.ErrInvalidParameter("The subnet %s has no IPv4 addresses; the endpoint's IpAddressType is ipv4.", sn.ID)
	}
	alloc, err := kit.NewSubnetAllocator(t, c, sn)
	if err != nil {
		return err
	}
	ip, err := alloc.Next()
	if r.ipv4 != "" {
		ip, err = alloc.Take(r.ipv4)
	}
	if err != nil {
		return err
	}
	eni := &kit.NetworkInterfaceRecord{
		Meta:     kit.Meta{ID: kit.NewID("eni"), Owner: c.Account},
		SubnetID: sn.ID, VpcID: sn.VpcID, AvailabilityZone: sn.AvailabilityZone, AvailabilityZoneID: sn.AvailabilityZoneID,
		Groups: slices.Clone(e.Groups), MacAddress: kit.NewMacAddress(), PrivateIPs: []kit.PrivateIP{{Addr: ip, Primary: true}},
		Description: kit.VpcEndpointInterfaceDescription(e.ID), SourceDestCheck: true, InterfaceType: "vpc_endpoint",
		RequesterManaged: true, RequesterID: kit.VpcEndpointRequester,
	}
	if err := t.Put(c.Key(eni.ID), eni); err != nil {
		return err
	}
	e.Interfaces = append(e.Interfaces, kit.EndpointInterface{ENI: eni.ID, SubnetID: sn.ID, Zone: sn.AvailabilityZone})
	return kit.RecountSubnet(t, c, sn.ID)
}

// delInterface takes the endpoint's interface in a subnet away.
func delInterface(t *kit.Txn, c kit.Caller, e *kit.VpcEndpointRecord, subnet string) error {
	i := slices.IndexFunc(e.Interfaces, func(i kit.EndpointInterface) bool { return i.SubnetID == subnet })
	if i < 0 {
		return ec2.ErrInvalidParameter("The subnet %s is not associated with the VPC endpoint %s.", subnet, e.ID)
	}
	t.Del(c.Key(e.Interfaces[i].ENI))
	e.Interfaces = slices.Delete(e.Interfaces, i, i+1)
	return kit.RecountSubnet(t, c, subnet)
}

// setGroups puts the endpoint and each of its interfaces in the groups.
func setGroups(t *kit.Txn, c kit.Caller, e *kit.VpcEndpointRecord, groups []string) error {
	e.Groups = groups
	for _, i := range e.Interfaces {
		eni, err := kit.Get[kit.NetworkInterfaceRecord](t, c, "eni", i.ENI)
		if err != nil {
			return err
		}
		eni.Groups = slices.Clone(groups)
		if err := t.Put(c.Key(eni.ID), eni); err != nil {
			return err
		}
	}
	return nil
}

// interfaceTarget is what an interface endpoint connects to: an AWS service of the
// region or an endpoint service (connections.go).
type interfaceTarget struct {
	name, privateDNS, baseDNS string
	noPolicy, s3              bool
	// connect, for an endpoint service, checks the endpoint in CreateVpcEndpoint's
	// transaction (once it has its interfaces) and records its connection.
	connect func(t *kit.Txn, e *kit.VpcEndpointRecord) error
}

// awsServiceTarget is CreateVpcEndpoint's target for an AWS service.
func awsServiceTarget(svc endpointService) interfaceTarget {
	return interfaceTarget{name: svc.Name, privateDNS: svc.privateDNS(), baseDNS: svc.baseDNS(), noPolicy: svc.svc.NoPolicy, s3: svc.svc.Suffix == "s3"}
}

// createInterface creates an interface endpoint: CreateVpcEndpoint's Interface type.
func (s *Endpoints) createInterface(ctx context.Context, c kit.Caller, in *ec2.CreateVpcEndpointRequest, svc interfaceTarget) (*ec2.CreateVpcEndpointResult, error) {
	if len(in.RouteTableIds) > 0 {
		return nil, ec2.ErrInvalidParameter("Route table IDs are only supported for Gateway type VPC Endpoint.")
	}
	if svc.s3 {
		return nil, ec2.ErrUnsupportedOperation("Interface endpoints to S3 are not supported by vpcd yet; gateway endpoints to S3 are.")
	}
	if err := checkIPAddressType(in.IpAddressType); err != nil {
		return nil, err
	}
	if err := checkDNSOptions(in.DnsOptions); err != nil {
		return nil, err
	}
	policy := DefaultPolicy
	if in.PolicyDocument != nil {
		if svc.noPolicy {
			return nil, ec2.ErrInvalidParameter("The VPC endpoint service %s does not support policies.", svc.name)
		}
		if err := checkPolicy(*in.PolicyDocument); err != nil {
			return nil, err
		}
		policy = *in.PolicyDocument
	}
	subnets, err := subnetRequests(in.SubnetIds, in.SubnetConfigurations)
	if err != nil {
		return nil, err
	}
	groups, err := uniqueGroups(in.SecurityGroupIds)
	if err != nil {
		return nil, err
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "vpc-endpoint")
	if err != nil {
		return nil, err
	}
	vpcID := kit.Deref(in.VpcId)
	privateDNS := svc.privateDNS != "" && (in.PrivateDnsEnabled == nil || *in.PrivateDnsEnabled)
	if in.PrivateDnsEnabled != nil && *in.PrivateDnsEnabled && svc.privateDNS == "" {
		return nil, ec2.ErrInvalidParameter("Private DNS can't be enabled because the service %s does not provide a private DNS name.", svc.name)
	}
	e := &kit.VpcEndpointRecord{
		Meta:  kit.Meta{ID: kit.NewID("vpce"), Owner: c.Account, Tags: tags},
		VpcID: vpcID, Type: "Interface", ServiceName: svc.name, Policy: policy, IPAddressType: "ipv4", State: "available",
		Created: s.Now().UTC().Truncate(1e6), ClientToken: kit.Deref(in.ClientToken),
		PrivateDNS: privateDNS, DNSID: dnsID(), DNSBase: svc.baseDNS, PrivateDNSName: svc.privateDNS, DNSRecordIPType: "ipv4",
	}
	var out *kit.VpcEndpointRecord
	err = s.UpdateOn(ctx, vpcID, func(t *kit.Txn) error {
		_, other, err := byClientToken(t, c, e)
		if out = e; other != nil || err != nil {
			out = other
			return err
		}
		vpc, _, err := kit.ChildOf(t, c, vpcID)
		if err != nil {
			return err
		}
		e.Interfaces = nil
		e.Groups = groups
		if len(e.Groups) == 0 {
			e.Groups = []string{vpc.DefaultGroup}
		}
		if err := checkGroups(t, c, vpcID, e.Groups); err != nil {
			return err
		}
		if err := s.checkGroupQuota(t, c, e); err != nil {
			return err
		}
		if e.PrivateDNS {
			if err := checkPrivateDNS(t, c, vpc, e); err != nil {
				return err
			}
		}
		for _, r := range subnets {
			if err := addInterface(t, c, e, r); err != nil {
				return err
			}
		}
		if svc.connect != nil {
			if err := svc.connect(t, e); err != nil {
				return err
			}
		}
		return t.Put(c.Key(e.ID), e)
	})
	if err != nil {
		return nil, err
	}
	var shape *ec2.VpcEndpoint
	err = s.View(ctx, func(t *kit.Txn) error {
		shape = out.EC2(nil)
		return interfaceShape(t, c, out, shape)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateVpcEndpointResult{VpcEndpoint: shape, ClientToken: in.ClientToken}, nil
}

// interfaceShape adds to an endpoint's shape what an interface endpoint has: subnets,
// interfaces, groups (with their names), DNS names and options.
func interfaceShape(t *kit.Txn, c kit.Caller, e *kit.VpcEndpointRecord, out *ec2.VpcEndpoint) error {
	if e.Type != "Interface" {
		return nil
	}
	for _, id := range e.Groups {
		g, err := kit.Get[kit.SecurityGroupRecord](t, c, "sg", id)
		name := ""
		if err == nil {
			name = g.Name
		} else if !kit.IsNotFound(err, "sg") {
			return err
		}
		out.Groups = append(out.Groups, ec2.SecurityGroupIdentifier{GroupId: kit.Ptr(id), GroupName: kit.Ptr(name)})
	}
	zone := vpceHostedZone(c.Region)
	out.DnsEntries = append(out.DnsEntries, ec2.DnsEntry{DnsName: kit.Ptr(e.RegionalDNSName()), HostedZoneId: kit.Ptr(zone)})
	for _, i := range e.Interfaces {
		out.SubnetIds = append(out.SubnetIds, i.SubnetID)
		out.NetworkInterfaceIds = append(out.NetworkInterfaceIds, i.ENI)
		out.DnsEntries = append(out.DnsEntries, ec2.DnsEntry{DnsName: kit.Ptr(e.ZonalDNSName(i.Zone)), HostedZoneId: kit.Ptr(zone)})
	}
	if e.PrivateDNS {
		// The private hosted zone AWS associates with the VPC for the endpoint: its ID
		// is made from the endpoint's (a guess at a hidden zone's).
		out.DnsEntries = append(out.DnsEntries, ec2.DnsEntry{DnsName: kit.Ptr(e.PrivateDNSName), HostedZoneId: kit.Ptr(hostedZoneID("private/" + e.ID))})
	}
	out.PrivateDnsEnabled = kit.Ptr(e.PrivateDNS)
	out.DnsOptions = &ec2.DnsOptions{DnsRecordIpType: kit.Ptr(e.DNSRecordIPType), PrivateDnsOnlyForInboundResolverEndpoint: kit.Ptr(false)}
	return nil
}

// modifyInterface changes an interface endpoint's subnets, groups and private DNS, in
// ModifyVpcEndpoint's transaction.
func modifyInterface(t *kit.Txn, c kit.Caller, e *kit.VpcEndpointRecord, in *ec2.ModifyVpcEndpointRequest) error {
	if len(in.AddRouteTableIds) > 0 || len(in.RemoveRouteTableIds) > 0 {
		return ec2.ErrInvalidParameter("Route table IDs are only supported for Gateway type VPC Endpoint.")
	}
	if err := checkDNSOptions(in.DnsOptions); err != nil {
		return err
	}
	add, err := subnetRequests(in.AddSubnetIds, in.SubnetConfigurations)
	if err != nil {
		return err
	}
	for _, id := range in.RemoveSubnetIds {
		if err := kit.CheckID(id, "subnet"); err != nil {
			return err
		}
		if err := delInterface(t, c, e, id); err != nil {
			return err
		}
	}
	addGroups, err := uniqueGroups(in.AddSecurityGroupIds)
	if err != nil {
		return err
	}
	removeGroups, err := uniqueGroups(in.RemoveSecurityGroupIds)
	if err != nil {
		return err
	}
	if len(addGroups) > 0 || len(removeGroups) > 0 {
		if err := checkGroups(t, c, e.VpcID, addGroups); err != nil {
			return err
		}
		groups := slices.DeleteFunc(slices.Clone(e.Groups), func(g string) bool { return slices.Contains(removeGroups, g) })
		for _, g := range addGroups {
			if !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		}
		if len(groups) == 0 {
			return ec2.ErrInvalidParameter("The VPC endpoint %s must have at least one security group.", e.ID)
		}
		if err := setGroups(t, c, e, groups); err != nil {
			return err
		}
	}
	for _, r := range add {
		if slices.ContainsFunc(e.Interfaces, func(i kit.EndpointInterface) bool { return i.SubnetID == r.subnet }) {
			continue
		}
		if err := addInterface(t, c, e, r); err != nil {
			return err
		}
	}
	if len(add) > 0 {
		if err := checkServiceZones(t, c, e); err != nil {
			return err
		}
	}
	if in.PrivateDnsEnabled != nil && *in.PrivateDnsEnabled != e.PrivateDNS {
		if *in.PrivateDnsEnabled {
			if e.PrivateDNSName == "" {
				return ec2.ErrInvalidParameter("Private DNS can't be enabled because the service %s does not provide a private DNS name.", e.ServiceName)
			}
			vpc, err := kit.GetVpc(t, c, e.VpcID)
			if err != nil {
				return err
			}
			if err := checkPrivateDNS(t, c, vpc, e); err != nil {
				return err
			}
		}
		e.PrivateDNS = *in.PrivateDnsEnabled
	}
	return nil
}

// deleteInterfaces takes an interface endpoint's interfaces away with it.
func deleteInterfaces(t *kit.Txn, c kit.Caller, e *kit.VpcEndpointRecord) error {
	for len(e.Interfaces) > 0 {
		if err := delInterface(t, c, e, e.Interfaces[0].SubnetID); err != nil {
			return err
		}
	}
	return nil
}

// modifyInterfaceEndpoint is ModifyVpcEndpoint of an interface endpoint: its subnets,
// groups, private DNS and policy.
func (s *Endpoints) modifyInterfaceEndpoint(t *kit.Txn, c kit.Caller, e *kit.VpcEndpointRecord, in *ec2.ModifyVpcEndpointRequest, reset bool) error {
	if err := modifyInterface(t, c, e, in); err != nil {
		return err
	}
	if err := s.checkGroupQuota(t, c, e); err != nil {
		return err
	}
	if in.PolicyDocument != nil && e.ServiceID != "" {
		return ec2.ErrInvalidParameter("The VPC endpoint service %s does not support policies.", e.ServiceName)
	}
	switch {
	case reset:
		e.Policy = DefaultPolicy
	case in.PolicyDocument != nil:
		e.Policy = *in.PolicyDocument
	}
	return t.Put(c.Key(e.ID), e)
}

// checkGroupQuota applies "Security groups per network interface" to the endpoint's
// groups, which each of its interfaces is in.
func (s *Endpoints) checkGroupQuota(t *kit.Txn, c kit.Caller, e *kit.VpcEndpointRecord) error {
	limit, err := s.QuotaLimit(t, c, kit.QuotaGroupsPerENI)
	if err != nil {
		return err
	}
	if len(e.Groups) > limit {
		return ec2.ErrSecurityGroupsPerInterfaceLimitExceeded("The maximum number of security groups per interface has been reached.")
	}
	return nil
}
