package elb

import (
	"context"
	"net/netip"
	"slices"

	"vpcd/internal/aws/elbv2"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// canonicalZones are the Route 53 hosted zones of network load balancers' DNS names, by
// region, as AWS lists them ("Elastic Load Balancing endpoints and quotas").
var canonicalZones = map[string]string{
	"us-east-1": "Z26RNL4JYFTOTI", "us-east-2": "ZLMOA37VPKANP", "us-west-1": "Z24FKFUX50B4VW", "us-west-2": "Z18D5FSROUN65G",
	"ca-central-1": "Z2EPGBW3API2WT", "sa-east-1": "ZTK26PT1VY4CU",
	"eu-west-1": "Z2IFOLAFXWLO4F", "eu-west-2": "ZD4D7Y8KGAS4G", "eu-west-3": "Z1CMS0P5QUZ6D5", "eu-central-1": "Z3F0SRJ5LGBH90", "eu-north-1": "Z1UDT6IFJ4EJM",
	"eu-south-1": "Z23146JA1KNAFP", "me-south-1": "Z3QSRYVP46NYYV", "af-south-1": "Z203XCE67M25HM", "ap-east-1": "Z12Y7K3UBGUAD1",
	"ap-northeast-1": "Z31USIVHYNEOWT", "ap-northeast-2": "ZIBE1TIR4HY56", "ap-southeast-1": "ZKVM4W9LS7TM", "ap-southeast-2": "ZCT6FZBF4DROD", "ap-south-1": "ZVDDRBQ08TROA",
}

// canonicalZone is the hosted zone of the region's network load balancers; a region vpcd
// does not know the zone of gets us-east-1's.
func canonicalZone(region string) string {
	if z, ok := canonicalZones[region]; ok {
		return z
	}
	return canonicalZones["us-east-1"]
}

func dnsName(c kit.Caller, lb *kit.LoadBalancerRecord) string {
	return lb.Name + "-" + hexOf(lb.ID) + ".elb." + c.Region + ".amazonaws.com"
}

// loadBalancerRequest is a CreateLoadBalancer or SetSubnets request, checked.
type mapping struct {
	subnet       string
	privateIP    string
	allocationID string
	ipv6         string
}

func mappingsOf(subnets []string, maps []elbv2.SubnetMapping) ([]mapping, error) {
	if len(subnets) > 0 && len(maps) > 0 {
		return nil, errValidation("You can specify subnets or subnet mappings, not both")
	}
	var out []mapping
	for _, s := range subnets {
		out = append(out, mapping{subnet: s})
	}
	for _, m := range maps {
		if m.SourceNatIpv6Prefix != nil {
			return nil, errInvalidConfig("Source NAT IPv6 prefixes are for load balancers with UDP listeners over IPv6, which vpcd does not serve")
		}
		out = append(out, mapping{subnet: kit.Deref(m.SubnetId), privateIP: kit.Deref(m.PrivateIPv4Address), allocationID: kit.Deref(m.AllocationId), ipv6: kit.Deref(m.IPv6Address)})
	}
	if len(out) == 0 {
		return nil, errValidation("At least one subnet must be specified")
	}
	return out, nil
}

// CreateLoadBalancer creates a network load balancer with an interface in each subnet. A
// second request for a name with the same settings answers the load balancer it created.
func (s *ELB) CreateLoadBalancer(ctx context.Context, c kit.Caller, in *elbv2.CreateLoadBalancerInput) (*elbv2.CreateLoadBalancerOutput, error) {
	name := kit.Deref(in.Name)
	if err := checkName(name, "load balancer"); err != nil {
		return nil, err
	}
	typ := kit.Deref(in.Type)
	if typ == "" {
		typ = "application"
	}
	if !slices.Contains([]string{"application", "network", "gateway"}, typ) {
		return nil, enumError(typ, "type", "application", "network", "gateway")
	}
	if typ != "network" {
		return nil, errInvalidConfig("Load balancers of type '%s' are not supported by vpcd; only 'network' load balancers are", typ)
	}
	scheme := kit.Deref(in.Scheme)
	if scheme == "" {
		scheme = "internet-facing"
	}
	if scheme != "internet-facing" && scheme != "internal" {
		return nil, enumError(scheme, "scheme", "internet-facing", "internal")
	}
	ipType := kit.Deref(in.IpAddressType)
	if ipType == "" {
		ipType = "ipv4"
	}
	if err := checkIPAddressType(ipType); err != nil {
		return nil, err
	}
	if in.CustomerOwnedIpv4Pool != nil || in.IpamPools != nil {
		return nil, errInvalidConfig("Customer-owned and IPAM pools are not supported by vpcd")
	}
	maps, err := mappingsOf(in.Subnets, in.SubnetMappings)
	if err != nil {
		return nil, err
	}
	tags, err := tagsOf(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	lb := &kit.LoadBalancerRecord{Meta: kit.Meta{ID: kit.NewELBID("elblb"), Owner: c.Account, Tags: tags}, Name: name, Type: typ,
		Scheme: scheme, IPAddressType: ipType, SecurityGroups: slices.Compact(slices.Sorted(slices.Values(in.SecurityGroups))), Created: now}
	var existing *kit.LoadBalancerRecord
	err = s.Update(ctx, func(t *kit.Txn) error {
		existing = nil
		var id string
		found, err := t.Get(kit.ELBNameKey(c, "lb", name), &id)
		if err != nil {
			return err
		}
		if found {
			o := new(kit.LoadBalancerRecord)
			if _, err := t.Get(c.Key(id), o); err != nil {
				return err
			}
			if !sameSettings(o, lb, maps) {
				return errDuplicateLoadBalancerName("A load balancer with the same name '%s' exists, but with different settings", name)
			}
			existing = o
			return nil
		}
		if err := s.checkLoadBalancerQuota(t, c); err != nil {
			return err
		}
		lb.Zones, lb.VpcID = nil, ""
		if err := s.addZones(t, c, lb, maps); err != nil {
			return err
		}
		if err := checkGroups(t, c, lb.VpcID, lb.SecurityGroups); err != nil {
			return err
		}
		for i := range lb.Zones {
			if err := setENIGroups(t, c, lb.Zones[i].ENI, lb.SecurityGroups); err != nil {
				return err
			}
		}
		if err := t.Put(kit.ELBNameKey(c, "lb", name), lb.ID); err != nil {
			return err
		}
		return t.Put(c.Key(lb.ID), lb)
	})
	if err != nil {
		return nil, err
	}
	if existing != nil {
		return &elbv2.CreateLoadBalancerOutput{LoadBalancers: []elbv2.LoadBalancer{loadBalancerShape(c, existing)}}, nil
	}
	out := loadBalancerShape(c, lb)
	out.State.Code = kit.Ptr("provisioning")
	return &elbv2.CreateLoadBalancerOutput{LoadBalancers: []elbv2.LoadBalancer{out}}, nil
}

func checkIPAddressType(ipType string) error {
	switch ipType {
	case "ipv4", "dualstack":
		return nil
	case "dualstack-without-public-ipv4":
		return errInvalidConfig("IP address type 'dualstack-without-public-ipv4' is only supported by Application Load Balancers")
	}
	return enumError(ipType, "ipAddressType", "ipv4", "dualstack", "dualstack-without-public-ipv4")
}

// sameSettings: a create of an existing name asks for the load balancer it has.
func sameSettings(o, lb *kit.LoadBalancerRecord, maps []mapping) bool {
	if o.Type != lb.Type || o.Scheme != lb.Scheme || o.IPAddressType != lb.IPAddressType || !slices.Equal(o.SecurityGroups, lb.SecurityGroups) || len(o.Zones) != len(maps) {
		return false
	}
	for _, m := range maps {
		if !slices.ContainsFunc(o.Zones, func(z kit.LoadBalancerZone) bool { return z.SubnetID == m.subnet }) {
			return false
		}
	}
	return true
}

// checkLoadBalancerQuota counts the region's load balancers under a guard that every
// creation bumps, so that two creations cannot both take the last place.
func (s *ELB) checkLoadBalancerQuota(t *kit.Txn, c kit.Caller) error {
	if err := t.Guard(c.Prefix("elbguard") + "lb"); err != nil {
		return err
	}
	all, err := kit.ListAll[kit.LoadBalancerRecord](t, c.Prefix("elblb"))
	if err != nil {
		return err
	}
	limit, err := s.QuotaLimit(t, c, kit.QuotaNetworkLoadBalancers)
	if err != nil {
		return err
	}
	if len(all) >= limit {
		return errTooManyLoadBalancers("The maximum number of load balancers has been reached")
	}
	return nil
}

// addZones gives the load balancer an interface in each mapping's subnet; the subnets
// are of one VPC, which becomes the load balancer's, one per zone.
func (s *ELB) addZones(t *kit.Txn, c kit.Caller, lb *kit.LoadBalancerRecord, maps []mapping) error {
	for _, m := range maps {
		sn := new(kit.SubnetRecord)
		found := false
		if kit.ValidID(m.subnet, "subnet") {
			var err error
			if found, err = t.Get(c.Key(m.subnet), sn); err != nil {
				return err
			}
		}
		if !found {
			return errSubnetNotFound("The subnet ID '%s' is not valid", m.subnet)
		}
		if lb.VpcID == "" {
			lb.VpcID = sn.VpcID
			if lb.Scheme == "internet-facing" {
				if err := checkInternetGateway(t, c, lb.VpcID); err != nil {
					return err
				}
			}
		}
		if sn.VpcID != lb.VpcID {
			return errInvalidConfig("The subnets must all be in the same VPC")
		}
		if slices.ContainsFunc(lb.Zones, func(z kit.LoadBalancerZone) bool { return z.Zone == sn.AvailabilityZone }) {
			return errInvalidConfig("A load balancer cannot be attached to multiple subnets in the same Availability Zone")
		}
		z, err := s.addInterface(t, c, lb, sn, m)
		if err != nil {
			return err
		}
		lb.Zones = append(lb.Zones, z)
	}
	return nil
}

// checkInternetGateway: an internet-facing load balancer's VPC has an internet gateway.
func checkInternetGateway(t *kit.Txn, c kit.Caller, vpcID string) error {
	igws, err := kit.ListAll[kit.InternetGatewayRecord](t, c.Prefix("igw"))
	if err != nil {
		return err
	}
	if slices.ContainsFunc(igws, func(g *kit.InternetGatewayRecord) bool { return g.VpcID == vpcID }) {
		return nil
	}
	return errInvalidSubnet("VPC %s has no internet gateway", vpcID)
}

// addInterface makes the load balancer's interface in a subnet, with the named private
// address or the subnet's lowest free one, and for an internet-facing load balancer a
// public address from Amazon's pool.
func (s *ELB) addInterface(t *kit.Txn, c kit.Caller, lb *kit.LoadBalancerRecord, sn *kit.SubnetRecord, m mapping) (kit.LoadBalancerZone, error) {
	z := kit.LoadBalancerZone{SubnetID: sn.ID, Zone: sn.AvailabilityZone}
	if m.allocationID != "" && lb.Scheme == "internal" {
		return z, errInvalidConfig("Elastic IP addresses can only be assigned to internet-facing load balancers")
	}
	if m.privateIP != "" && lb.Scheme != "internal" {
		return z, errInvalidConfig("Private IPv4 addresses can only be specified for internal load balancers")
	}
	alloc, err := kit.NewSubnetAllocator(t, c, sn)
	if err != nil {
		return z, err
	}
	var ip netip.Addr
	if m.privateIP != "" {
		ip, err = alloc.Take(m.privateIP)
		z.PrivateGiven = true
	} else {
		ip, err = alloc.Next()
	}
	if err != nil {
		if e, ok := err.(*ec2.Error); ok {
			return z, errInvalidConfig("%s", e.Message)
		}
		return z, err
	}
	z.PrivateIP = ip
	eni := &kit.NetworkInterfaceRecord{
		Meta:     kit.Meta{ID: kit.NewID("eni"), Owner: c.Account},
		SubnetID: sn.ID, VpcID: sn.VpcID, AvailabilityZone: sn.AvailabilityZone, AvailabilityZoneID: sn.AvailabilityZoneID,
		Groups: []string{}, MacAddress: kit.NewMacAddress(), PrivateIPs: []kit.PrivateIP{{Addr: ip, Primary: true}},
		Description: "ELB net/" + lb.Name + "/" + hexOf(lb.ID), SourceDestCheck: true, InterfaceType: "network_load_balancer",
		RequesterManaged: true, RequesterID: kit.ELBRequester,
	}
	z.ENI = eni.ID
	if lb.IPAddressType == "dualstack" {
		if err := takeIPv6(alloc, sn, &z, m.ipv6); err != nil {
			return z, err
		}
		eni.Ipv6Addresses = []netip.Addr{z.IPv6}
	} else if m.ipv6 != "" {
		return z, errInvalidConfig("IPv6 addresses can only be specified for dualstack load balancers")
	}
	switch {
	case m.allocationID != "":
		pub, err := takeElasticIP(t, c, m.allocationID, eni.ID)
		if err != nil {
			return z, err
		}
		z.PublicIP, z.AllocationID = pub, m.allocationID
		eni.PrivateIPs[0].Association = &kit.IpAssociation{PublicIP: pub, Owner: c.Account, AllocationID: m.allocationID, AssociationID: kit.NewID("eipassoc")}
	case lb.Scheme == "internet-facing":
		pub, err := s.AllocatePublicIP(t, c, eni.ID)
		if err != nil {
			return z, err
		}
		z.PublicIP = pub
		eni.PrivateIPs[0].Association = &kit.IpAssociation{PublicIP: pub, Owner: "amazon"}
	}
	if err := t.Put(c.Key(eni.ID), eni); err != nil {
		return z, err
	}
	return z, kit.RecountSubnet(t, c, sn.ID)
}

func takeIPv6(alloc *kit.SubnetAllocator, sn *kit.SubnetRecord, z *kit.LoadBalancerZone, named string) error {
	if _, ok := sn.IPv6Block(); !ok {
		return errInvalidConfig("Subnet '%s' does not have an IPv6 CIDR block, which a dualstack load balancer needs", sn.ID)
	}
	var names []string
	if named != "" {
		names = []string{named}
	}
	addrs, err := alloc.TakeIPv6(names, 1)
	if err != nil {
		if e, ok := err.(*ec2.Error); ok {
			return errInvalidConfig("%s", e.Message)
		}
		return err
	}
	z.IPv6 = addrs[0]
	return nil
}

// delInterface takes a zone's interface away, with its public address (an Elastic IP
// stays the caller's).
func delInterface(t *kit.Txn, c kit.Caller, z kit.LoadBalancerZone) error {
	if z.AllocationID != "" {
		if err := releaseElasticIP(t, c, z.AllocationID); err != nil {
			return err
		}
	} else if z.PublicIP.IsValid() {
		kit.ReleasePublicIP(t, c, z.PublicIP)
	}
	t.Del(c.Key(z.ENI))
	return kit.RecountSubnet(t, c, z.SubnetID)
}

// checkGroups: the security groups exist and are of the load balancer's VPC.
func checkGroups(t *kit.Txn, c kit.Caller, vpcID string, ids []string) error {
	for _, id := range ids {
		g := new(kit.SecurityGroupRecord)
		found := false
		if kit.ValidID(id, "sg") {
			var err error
			if found, err = t.Get(c.Key(id), g); err != nil {
				return err
			}
		}
		if !found {
			return errInvalidSecurityGroup("Security group '%s' does not exist", id)
		}
		if g.VpcID != vpcID {
			return errInvalidSecurityGroup("Security group '%s' does not belong to VPC '%s'", id, vpcID)
		}
	}
	return nil
}

// setENIGroups gives a load balancer's interface its security groups.
func setENIGroups(t *kit.Txn, c kit.Caller, eniID string, groups []string) error {
	eni := new(kit.NetworkInterfaceRecord)
	if _, err := t.Get(c.Key(eniID), eni); err != nil {
		return err
	}
	eni.Groups = slices.Clone(groups)
	if eni.Groups == nil {
		eni.Groups = []string{}
	}
	return t.Put(c.Key(eniID), eni)
}

func loadBalancerShape(c kit.Caller, lb *kit.LoadBalancerRecord) elbv2.LoadBalancer {
	out := elbv2.LoadBalancer{
		LoadBalancerArn: kit.Ptr(loadBalancerARN(c, lb)), LoadBalancerName: kit.Ptr(lb.Name), DNSName: kit.Ptr(dnsName(c, lb)),
		CanonicalHostedZoneId: kit.Ptr(canonicalZone(c.Region)), CreatedTime: timestamp(lb.Created), Scheme: kit.Ptr(lb.Scheme),
		VpcId: kit.Ptr(lb.VpcID), State: &elbv2.LoadBalancerState{Code: kit.Ptr("active")}, Type: kit.Ptr(lb.Type),
		IpAddressType: kit.Ptr(lb.IPAddressType), AvailabilityZones: zoneShapes(lb),
	}
	if len(lb.SecurityGroups) > 0 {
		out.SecurityGroups = lb.SecurityGroups
		out.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic = kit.Ptr("on")
	}
	return out
}

// zoneShapes are the load balancer's zones; an address shows when it was asked for (an
// Elastic IP, a private address named, or IPv6), as AWS's answers show them.
func zoneShapes(lb *kit.LoadBalancerRecord) []elbv2.AvailabilityZone {
	out := []elbv2.AvailabilityZone{}
	for _, z := range lb.Zones {
		az := elbv2.AvailabilityZone{SubnetId: kit.Ptr(z.SubnetID), ZoneName: kit.Ptr(z.Zone), LoadBalancerAddresses: []elbv2.LoadBalancerAddress{}}
		if z.PrivateGiven || z.IPv6.IsValid() || z.AllocationID != "" {
			a := elbv2.LoadBalancerAddress{}
			if z.AllocationID != "" {
				a.AllocationId, a.IpAddress = kit.Ptr(z.AllocationID), kit.Ptr(z.PublicIP.String())
			}
			if z.PrivateGiven {
				a.PrivateIPv4Address = kit.Ptr(z.PrivateIP.String())
			}
			if z.IPv6.IsValid() {
				a.IPv6Address = kit.Ptr(z.IPv6.String())
			}
			az.LoadBalancerAddresses = append(az.LoadBalancerAddresses, a)
		}
		out = append(out, az)
	}
	return out
}

// DescribeLoadBalancers lists the caller's load balancers, or those named by ARN or name.
func (s *ELB) DescribeLoadBalancers(ctx context.Context, c kit.Caller, in *elbv2.DescribeLoadBalancersInput) (*elbv2.DescribeLoadBalancersOutput, error) {
	if len(in.LoadBalancerArns) > 0 && len(in.Names) > 0 {
		return nil, errValidation("Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	var lbs []*kit.LoadBalancerRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		lbs = nil
		switch {
		case len(in.LoadBalancerArns) > 0:
			for _, arn := range in.LoadBalancerArns {
				lb, err := getLoadBalancer(t, c, arn)
				if err != nil {
					return err
				}
				lbs = append(lbs, lb)
			}
		case len(in.Names) > 0:
			for _, name := range in.Names {
				var id string
				found, err := t.Get(kit.ELBNameKey(c, "lb", name), &id)
				if err != nil {
					return err
				}
				lb := new(kit.LoadBalancerRecord)
				if found {
					found, err = t.Get(c.Key(id), lb)
				}
				if err != nil {
					return err
				}
				if !found {
					return errLoadBalancerNameNotFound("Load balancers '[%s]' not found", name)
				}
				lbs = append(lbs, lb)
			}
		default:
			var err error
			lbs, err = kit.ListAll[kit.LoadBalancerRecord](t, c.Prefix("elblb"))
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := pageOf(lbs, func(lb *kit.LoadBalancerRecord) elbv2.LoadBalancer { return loadBalancerShape(c, lb) }, in.PageSize, in.Marker)
	if err != nil {
		return nil, err
	}
	return &elbv2.DescribeLoadBalancersOutput{LoadBalancers: pg, NextMarker: next}, nil
}

// DeleteLoadBalancer deletes a load balancer, its listeners and its interfaces. A load
// balancer that does not exist is no error, as AWS documents.
func (s *ELB) DeleteLoadBalancer(ctx context.Context, c kit.Caller, in *elbv2.DeleteLoadBalancerInput) (*elbv2.DeleteLoadBalancerOutput, error) {
	err := s.Update(ctx, func(t *kit.Txn) error {
		lb, err := getLoadBalancer(t, c, kit.Deref(in.LoadBalancerArn))
		if e, ok := err.(*ec2.Error); ok && e.Code == "LoadBalancerNotFound" {
			return nil
		}
		if err != nil {
			return err
		}
		if attribute(lb.Attributes, lbDefaults(lb), "deletion_protection.enabled") == "true" {
			return errOperationNotPermitted("Load balancer '%s' cannot be deleted because deletion protection is enabled", loadBalancerARN(c, lb))
		}
		var svc string
		if used, err := t.Get(kit.LoadBalancerServiceKey(c, lb.ID), &svc); err != nil {
			return err
		} else if used {
			return errResourceInUse("Load balancer '%s' cannot be deleted because it is currently associated with another service", loadBalancerARN(c, lb))
		}
		for _, id := range lb.Listeners {
			l := new(kit.ListenerRecord)
			if _, err := t.Get(c.Key(id), l); err != nil {
				return err
			}
			if err := delListener(t, c, l); err != nil {
				return err
			}
		}
		for _, z := range lb.Zones {
			if err := delInterface(t, c, z); err != nil {
				return err
			}
		}
		t.Del(kit.ELBNameKey(c, "lb", lb.Name))
		t.Del(c.Key(lb.ID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.DeleteLoadBalancerOutput{}, nil
}

// SetSecurityGroups replaces a load balancer's security groups. A network load balancer
// created without any cannot be given some, nor can one with some lose them all.
func (s *ELB) SetSecurityGroups(ctx context.Context, c kit.Caller, in *elbv2.SetSecurityGroupsInput) (*elbv2.SetSecurityGroupsOutput, error) {
	if v := kit.Deref(in.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic); v != "" && v != "on" && v != "off" {
		return nil, enumError(v, "enforceSecurityGroupInboundRulesOnPrivateLinkTraffic", "on", "off")
	}
	groups := slices.Compact(slices.Sorted(slices.Values(in.SecurityGroups)))
	var lb *kit.LoadBalancerRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if lb, err = getLoadBalancer(t, c, kit.Deref(in.LoadBalancerArn)); err != nil {
			return err
		}
		if len(lb.SecurityGroups) == 0 && len(groups) > 0 {
			return errInvalidConfig("You cannot set security groups on a Network Load Balancer which was created without any security groups.")
		}
		if len(lb.SecurityGroups) > 0 && len(groups) == 0 {
			return errInvalidConfig("You cannot remove all security groups from a Network Load Balancer which was created with security groups.")
		}
		if err := checkGroups(t, c, lb.VpcID, groups); err != nil {
			return err
		}
		lb.SecurityGroups = groups
		for _, z := range lb.Zones {
			if err := setENIGroups(t, c, z.ENI, groups); err != nil {
				return err
			}
		}
		return t.Put(c.Key(lb.ID), lb)
	})
	if err != nil {
		return nil, err
	}
	out := &elbv2.SetSecurityGroupsOutput{SecurityGroupIds: lb.SecurityGroups}
	if out.SecurityGroupIds == nil {
		out.SecurityGroupIds = []string{}
	} else {
		out.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic = kit.Ptr("on")
	}
	return out, nil
}

// SetSubnets adds subnets to a network load balancer: each new subnet gets an interface.
// Taking a zone away is refused (AWS lets a network load balancer lose zones only in
// ways vpcd does not keep track of).
func (s *ELB) SetSubnets(ctx context.Context, c kit.Caller, in *elbv2.SetSubnetsInput) (*elbv2.SetSubnetsOutput, error) {
	maps, err := mappingsOf(in.Subnets, in.SubnetMappings)
	if err != nil {
		return nil, err
	}
	var lb *kit.LoadBalancerRecord
	err = s.Update(ctx, func(t *kit.Txn) error {
		if lb, err = getLoadBalancer(t, c, kit.Deref(in.LoadBalancerArn)); err != nil {
			return err
		}
		if ipType := kit.Deref(in.IpAddressType); ipType != "" && ipType != lb.IPAddressType {
			return errInvalidConfig("Use SetIpAddressType to change the IP address type of load balancer '%s'", loadBalancerARN(c, lb))
		}
		for _, z := range lb.Zones {
			if !slices.ContainsFunc(maps, func(m mapping) bool { return m.subnet == z.SubnetID }) {
				return errInvalidConfig("Subnets cannot be removed from load balancer '%s' by vpcd; subnet '%s' is missing", loadBalancerARN(c, lb), z.SubnetID)
			}
		}
		var added []mapping
		for _, m := range maps {
			if !slices.ContainsFunc(lb.Zones, func(z kit.LoadBalancerZone) bool { return z.SubnetID == m.subnet }) {
				added = append(added, m)
			}
		}
		if err := s.addZones(t, c, lb, added); err != nil {
			return err
		}
		for _, z := range lb.Zones {
			if err := setENIGroups(t, c, z.ENI, lb.SecurityGroups); err != nil {
				return err
			}
		}
		return t.Put(c.Key(lb.ID), lb)
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.SetSubnetsOutput{AvailabilityZones: zoneShapes(lb), IpAddressType: kit.Ptr(lb.IPAddressType)}, nil
}

// SetIpAddressType switches a load balancer between ipv4 and dualstack: its interfaces get
// or lose an IPv6 address of their subnets.
func (s *ELB) SetIpAddressType(ctx context.Context, c kit.Caller, in *elbv2.SetIpAddressTypeInput) (*elbv2.SetIpAddressTypeOutput, error) {
	ipType := kit.Deref(in.IpAddressType)
	if err := checkIPAddressType(ipType); err != nil {
		return nil, err
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		lb, err := getLoadBalancer(t, c, kit.Deref(in.LoadBalancerArn))
		if err != nil || lb.IPAddressType == ipType {
			return err
		}
		lb.IPAddressType = ipType
		for i := range lb.Zones {
			z := &lb.Zones[i]
			eni := new(kit.NetworkInterfaceRecord)
			if _, err := t.Get(c.Key(z.ENI), eni); err != nil {
				return err
			}
			if ipType == "ipv4" {
				z.IPv6, eni.Ipv6Addresses = netip.Addr{}, nil
			} else {
				sn := new(kit.SubnetRecord)
				if _, err := t.Get(c.Key(z.SubnetID), sn); err != nil {
					return err
				}
				alloc, err := kit.NewSubnetAllocator(t, c, sn)
				if err != nil {
					return err
				}
				if err := takeIPv6(alloc, sn, z, ""); err != nil {
					return err
				}
				eni.Ipv6Addresses = []netip.Addr{z.IPv6}
			}
			if err := t.Put(c.Key(eni.ID), eni); err != nil {
				return err
			}
		}
		return t.Put(c.Key(lb.ID), lb)
	})
	if err != nil {
		return nil, err
	}
	return &elbv2.SetIpAddressTypeOutput{IpAddressType: kit.Ptr(ipType)}, nil
}
