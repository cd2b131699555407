package endpoints

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// DefaultPolicy is the policy of an endpoint created without one: full access, as AWS
// writes it.
const DefaultPolicy = `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`

// maxPolicyChars is AWS's quota "Characters per VPC endpoint policy" (not adjustable).
const maxPolicyChars = 20480

func errInvalidServiceName(name string) error {
	return ec2.Errorf("InvalidServiceName", "The Vpc Endpoint Service '%s' does not exist", name)
}

func errInvalidPolicyDocument(format string, args ...any) error {
	return ec2.Errorf("InvalidPolicyDocument", format, args...)
}

func errEndpointLimitExceeded(limit int) error {
	return ec2.Errorf("VpcEndpointLimitExceeded", "The maximum number of gateway VPC endpoints in the Region (%d) has been reached.", limit)
}

// checkPolicy accepts a policy document that is a JSON object within AWS's size.
func checkPolicy(doc string) error {
	if len(doc) > maxPolicyChars {
		return errInvalidPolicyDocument("The policy document exceeds the maximum of %d characters.", maxPolicyChars)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return errInvalidPolicyDocument("The specified policy document is not a valid JSON policy document.")
	}
	return nil
}

// gatewayOnly refuses the members of a request that a gateway endpoint does not take, in
// AWS's words.
func gatewayOnly(subnets bool, groups bool, privateDNS *bool, dns *ec2.DnsOptionsSpecification) error {
	switch {
	case subnets:
		return ec2.ErrInvalidParameter("Subnet IDs are only supported for Interface and GatewayLoadBalancer type VPC Endpoints.")
	case groups:
		return ec2.ErrInvalidParameter("Security group IDs are only supported for Interface type VPC Endpoints.")
	case kit.Deref(privateDNS):
		return ec2.ErrInvalidParameter("Private DNS can only be enabled for Interface type VPC Endpoints.")
	case dns != nil:
		return ec2.ErrInvalidParameter("DNS options are only supported for Interface type VPC Endpoints.")
	}
	return nil
}

// checkIPAddressType: the services vpcd lists support IPv4 only.
func checkIPAddressType(t *string) error {
	switch v := kit.Deref(t); v {
	case "", "ipv4":
		return nil
	case "dualstack", "ipv6":
		return ec2.ErrInvalidParameter("The VPC endpoint service does not support the IP address type %s.", v)
	default:
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter IpAddressType is invalid. Valid values: ipv4, dualstack, ipv6", v)
	}
}

// endpointType reads VpcEndpointType: Gateway when absent, as AWS defaults it.
func endpointType(t *string) (string, error) {
	switch v := kit.Deref(t); v {
	case "":
		return "Gateway", nil
	case "Gateway", "Interface", "GatewayLoadBalancer", "Resource", "ServiceNetwork":
		return v, nil
	default:
		return "", ec2.ErrInvalidParameterValue("Value (%s) for parameter VpcEndpointType is invalid. Valid values: Interface, Gateway, GatewayLoadBalancer, Resource, ServiceNetwork", v)
	}
}

// checkService finds the service and checks that it takes the endpoint type.
func checkService(region, name, typ string) error {
	types, ok := lookupService(region, name)
	if !ok {
		return errInvalidServiceName(name)
	}
	if !slices.Contains(types, typ) {
		return ec2.ErrInvalidParameter("Endpoint type (%s) does not match available service types ([%s]).", typ, strings.Join(types, ", "))
	}
	return nil
}

// prefixListOf is the AWS-managed prefix list of a gateway service.
func prefixListOf(region, service string) string {
	for _, p := range kit.AwsManagedPrefixLists(region) {
		if p.Name == service {
			return p.ID
		}
	}
	return ""
}

// uniqueRouteTables checks the IDs and drops repeats.
func uniqueRouteTables(ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		if err := kit.CheckID(id, "rtb"); err != nil {
			return nil, err
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// addRoute puts the endpoint's route in a route table of its VPC. A table that already
// routes the prefix list elsewhere cannot take it.
func addRoute(t *kit.Txn, c kit.Caller, e *kit.VpcEndpointRecord, rtbID string) error {
	rtb, err := kit.Get[kit.RouteTableRecord](t, c, "rtb", rtbID)
	if err != nil {
		return err
	}
	if rtb.VpcID != e.VpcID {
		return ec2.ErrInvalidParameterValue("route table %s and vpc endpoint %s belong to different networks", rtb.ID, e.ID)
	}
	dest := kit.Route{DestinationPrefixList: e.PrefixList}
	if i := rtb.FindRoute(dest); i >= 0 {
		if rtb.Routes[i].Target == e.ID {
			return nil
		}
		return ec2.ErrRouteAlreadyExists("route table %s already has a route with destination-prefix-list-id %s", rtb.ID, e.PrefixList)
	}
	dest.Target, dest.Origin = e.ID, "CreateRoute"
	rtb.Routes = append(rtb.Routes, dest)
	return t.Put(c.Key(rtb.ID), rtb)
}

// removeRoute takes the endpoint's route out of a route table, if it is there.
func removeRoute(t *kit.Txn, c kit.Caller, e *kit.VpcEndpointRecord, rtbID string) error {
	rtb, err := kit.Get[kit.RouteTableRecord](t, c, "rtb", rtbID)
	if err != nil {
		return err
	}
	return dropRoutes(t, c, rtb, e.ID)
}

func dropRoutes(t *kit.Txn, c kit.Caller, rtb *kit.RouteTableRecord, endpointID string) error {
	kept := slices.DeleteFunc(slices.Clone(rtb.Routes), func(r kit.Route) bool { return r.Target == endpointID })
	if len(kept) == len(rtb.Routes) {
		return nil
	}
	rtb.Routes = kept
	return t.Put(c.Key(rtb.ID), rtb)
}

// gatewayQuotaKey guards the set of the caller's gateway endpoints in the region, for
// the quota.
func gatewayQuotaKey(c kit.Caller) string { return c.Prefix("vpce-gateways") }

// checkGatewayQuota applies "Gateway VPC endpoints per Region" to one more endpoint.
func (s *Endpoints) checkGatewayQuota(t *kit.Txn, c kit.Caller, all []*kit.VpcEndpointRecord) error {
	if err := t.Guard(gatewayQuotaKey(c)); err != nil {
		return err
	}
	limit, err := s.QuotaLimit(t, c, kit.QuotaGatewayEndpoints)
	if err != nil {
		return err
	}
	n := 0
	for _, e := range all {
		if e.Type == "Gateway" {
			n++
		}
	}
	if n >= limit {
		return errEndpointLimitExceeded(limit)
	}
	return nil
}

// CreateVpcEndpoint creates a gateway endpoint in a VPC, with its route in each route
// table given. A repeated ClientToken answers the endpoint it created.
func (s *Endpoints) CreateVpcEndpoint(ctx context.Context, c kit.Caller, in *ec2.CreateVpcEndpointRequest) (*ec2.CreateVpcEndpointResult, error) {
	vpcID := kit.Deref(in.VpcId)
	if vpcID == "" {
		return nil, ec2.ErrMissingParameter("VpcId")
	}
	typ, err := endpointType(in.VpcEndpointType)
	if err != nil {
		return nil, err
	}
	if in.ResourceConfigurationArn != nil || in.ServiceNetworkArn != nil {
		return nil, ec2.ErrUnsupportedOperation("VPC endpoints to resource configurations and service networks are not supported by vpcd yet.")
	}
	name := kit.Deref(in.ServiceName)
	if name == "" {
		return nil, ec2.ErrMissingParameter("ServiceName")
	}
	if isEndpointServiceName(name) {
		if typ != "Interface" {
			return nil, ec2.ErrInvalidParameter("Endpoint type (%s) does not match available service types ([Interface]).", typ)
		}
		target, err := s.endpointServiceTarget(ctx, c, name)
		if err != nil {
			return nil, err
		}
		return s.createInterface(ctx, c, in, target)
	}
	if err := checkService(c.Region, name, typ); err != nil {
		return nil, err
	}
	if typ == "Interface" {
		svc, _ := interfaceService(c.Region, name)
		return s.createInterface(ctx, c, in, awsServiceTarget(svc))
	}
	if typ != "Gateway" {
		return nil, ec2.ErrUnsupportedOperation("VPC endpoints of type %s are not supported by vpcd yet; gateway and interface endpoints are.", typ)
	}
	if err := gatewayOnly(len(in.SubnetIds) > 0 || len(in.SubnetConfigurations) > 0, len(in.SecurityGroupIds) > 0, in.PrivateDnsEnabled, in.DnsOptions); err != nil {
		return nil, err
	}
	if err := checkIPAddressType(in.IpAddressType); err != nil {
		return nil, err
	}
	policy := DefaultPolicy
	if in.PolicyDocument != nil {
		if err := checkPolicy(*in.PolicyDocument); err != nil {
			return nil, err
		}
		policy = *in.PolicyDocument
	}
	tables, err := uniqueRouteTables(in.RouteTableIds)
	if err != nil {
		return nil, err
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "vpc-endpoint")
	if err != nil {
		return nil, err
	}
	e := &kit.VpcEndpointRecord{
		Meta:  kit.Meta{ID: kit.NewID("vpce"), Owner: c.Account, Tags: tags},
		VpcID: vpcID, Type: typ, ServiceName: name, PrefixList: prefixListOf(c.Region, name), Policy: policy,
		IPAddressType: "ipv4", State: "available", Created: s.Now().UTC().Truncate(1e6), ClientToken: kit.Deref(in.ClientToken),
	}
	var out *kit.VpcEndpointRecord
	var outTables []string
	err = s.UpdateOn(ctx, vpcID, func(t *kit.Txn) error {
		out, outTables = e, tables
		all, other, err := byClientToken(t, c, e)
		if err != nil {
			return err
		}
		if other != nil {
			out = other
			byEndpoint, err := kit.EndpointRouteTables(t, c)
			outTables = byEndpoint[other.ID]
			return err
		}
		if _, _, err := kit.ChildOf(t, c, vpcID); err != nil {
			return err
		}
		if err := s.checkGatewayQuota(t, c, all); err != nil {
			return err
		}
		for _, id := range tables {
			if err := addRoute(t, c, e, id); err != nil {
				return err
			}
		}
		return t.Put(c.Key(e.ID), e)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateVpcEndpointResult{VpcEndpoint: out.EC2(outTables), ClientToken: in.ClientToken}, nil
}

// byClientToken lists the caller's endpoints and finds the one that e's client token
// created, nil for none; one of other parameters is a mismatch.
func byClientToken(t *kit.Txn, c kit.Caller, e *kit.VpcEndpointRecord) (all []*kit.VpcEndpointRecord, created *kit.VpcEndpointRecord, err error) {
	all, err = kit.ListAll[kit.VpcEndpointRecord](t, c.Prefix("vpce"))
	if err != nil || e.ClientToken == "" {
		return all, nil, err
	}
	for _, other := range all {
		if other.ClientToken == e.ClientToken {
			if other.VpcID != e.VpcID || other.ServiceName != e.ServiceName || other.Type != e.Type {
				return nil, nil, ec2.ErrIdempotentParameterMismatch("The client token you have provided is associated with a resource that is already deleted or has different parameters.")
			}
			return all, other, nil
		}
	}
	return all, nil, nil
}

// endpointFilters are DescribeVpcEndpoints' filters.
var endpointFilters = map[string]func(*kit.VpcEndpointRecord) []string{
	"ip-address-type":    func(e *kit.VpcEndpointRecord) []string { return []string{e.IPAddressType} },
	"service-name":       func(e *kit.VpcEndpointRecord) []string { return []string{e.ServiceName} },
	"service-region":     func(e *kit.VpcEndpointRecord) []string { return []string{serviceRegion(e.ServiceName)} },
	"vpc-id":             func(e *kit.VpcEndpointRecord) []string { return []string{e.VpcID} },
	"vpc-endpoint-id":    func(e *kit.VpcEndpointRecord) []string { return []string{e.ID} },
	"vpc-endpoint-state": func(e *kit.VpcEndpointRecord) []string { return []string{e.State} },
	"vpc-endpoint-type":  func(e *kit.VpcEndpointRecord) []string { return []string{e.Type} },
}

// serviceRegion is the region in an AWS service's name, com.amazonaws.REGION.service.
func serviceRegion(name string) string {
	if isEndpointServiceName(name) {
		return serviceRegionOf(name)
	}
	parts := strings.SplitN(name, ".", 4)
	if len(parts) < 4 {
		return ""
	}
	return parts[2]
}

// DescribeVpcEndpoints lists the caller's endpoints, each with the route tables that
// route to it.
func (s *Endpoints) DescribeVpcEndpoints(ctx context.Context, c kit.Caller, in *ec2.DescribeVpcEndpointsRequest) (*ec2.DescribeVpcEndpointsResult, error) {
	eps, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "vpce", IDs: in.VpcEndpointIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 1}, endpointFilters)
	if err != nil {
		return nil, err
	}
	var byEndpoint map[string][]string
	if len(eps) > 0 {
		err = s.View(ctx, func(t *kit.Txn) error {
			byEndpoint, err = kit.EndpointRouteTables(t, c)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	out := &ec2.DescribeVpcEndpointsResult{NextToken: next, VpcEndpoints: []ec2.VpcEndpoint{}}
	err = s.View(ctx, func(t *kit.Txn) error {
		out.VpcEndpoints = out.VpcEndpoints[:0]
		for _, e := range eps {
			shape := e.EC2(byEndpoint[e.ID])
			if err := interfaceShape(t, c, e, shape); err != nil {
				return err
			}
			out.VpcEndpoints = append(out.VpcEndpoints, *shape)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ModifyVpcEndpoint adds and removes a gateway endpoint's route tables and sets or resets
// its policy.
func (s *Endpoints) ModifyVpcEndpoint(ctx context.Context, c kit.Caller, in *ec2.ModifyVpcEndpointRequest) (*ec2.ModifyVpcEndpointResult, error) {
	id := kit.Deref(in.VpcEndpointId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("VpcEndpointId")
	}
	if err := kit.CheckID(id, "vpce"); err != nil {
		return nil, err
	}
	subnets := len(in.AddSubnetIds) > 0 || len(in.RemoveSubnetIds) > 0 || len(in.SubnetConfigurations) > 0
	groups := len(in.AddSecurityGroupIds) > 0 || len(in.RemoveSecurityGroupIds) > 0
	if err := checkIPAddressType(in.IpAddressType); err != nil {
		return nil, err
	}
	reset := kit.Deref(in.ResetPolicy)
	if reset && in.PolicyDocument != nil {
		return nil, ec2.ErrInvalidParameterCombination("PolicyDocument and ResetPolicy cannot be specified together.")
	}
	if in.PolicyDocument != nil {
		if err := checkPolicy(*in.PolicyDocument); err != nil {
			return nil, err
		}
	}
	add, err := uniqueRouteTables(in.AddRouteTableIds)
	if err != nil {
		return nil, err
	}
	remove, err := uniqueRouteTables(in.RemoveRouteTableIds)
	if err != nil {
		return nil, err
	}
	err = s.Update(ctx, func(t *kit.Txn) error {
		e, err := kit.Get[kit.VpcEndpointRecord](t, c, "vpce", id)
		if err != nil {
			return err
		}
		if e.Type == "Interface" {
			return s.modifyInterfaceEndpoint(t, c, e, in, reset)
		}
		if err := gatewayOnly(subnets, groups, in.PrivateDnsEnabled, in.DnsOptions); err != nil {
			return err
		}
		for _, rtb := range remove {
			if err := removeRoute(t, c, e, rtb); err != nil {
				return err
			}
		}
		for _, rtb := range add {
			if err := addRoute(t, c, e, rtb); err != nil {
				return err
			}
		}
		switch {
		case reset:
			e.Policy = DefaultPolicy
		case in.PolicyDocument != nil:
			e.Policy = *in.PolicyDocument
		default:
			return nil
		}
		return t.Put(c.Key(e.ID), e)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ModifyVpcEndpointResult{Return: kit.Ptr(true)}, nil
}

// DeleteVpcEndpoints deletes endpoints and their routes. An ID that names none of the
// caller's endpoints is answered in Unsuccessful, and the others are deleted.
func (s *Endpoints) DeleteVpcEndpoints(ctx context.Context, c kit.Caller, in *ec2.DeleteVpcEndpointsRequest) (*ec2.DeleteVpcEndpointsResult, error) {
	if len(in.VpcEndpointIds) == 0 {
		return nil, ec2.ErrMissingParameter("VpcEndpointId")
	}
	out := &ec2.DeleteVpcEndpointsResult{}
	err := s.Update(ctx, func(t *kit.Txn) error {
		out.Unsuccessful = []ec2.UnsuccessfulItem{}
		for _, id := range slices.Compact(slices.Sorted(slices.Values(in.VpcEndpointIds))) {
			e, err := kit.Get[kit.VpcEndpointRecord](t, c, "vpce", id)
			if e, ok := err.(*ec2.Error); ok {
				out.Unsuccessful = append(out.Unsuccessful, kit.UnsuccessfulItem(id, e.Code, e.Message))
				continue
			}
			if err != nil {
				return err
			}
			if err := s.delete(t, c, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// delete removes an endpoint, its routes, and its place among the VPC's children.
func (s *Endpoints) delete(t *kit.Txn, c kit.Caller, e *kit.VpcEndpointRecord) error {
	tables, err := kit.VpcRouteTables(t, c, e.VpcID)
	if err != nil {
		return err
	}
	for _, rtb := range tables {
		if err := dropRoutes(t, c, rtb, e.ID); err != nil {
			return err
		}
	}
	if e.Type == "Gateway" {
		if err := t.Guard(gatewayQuotaKey(c)); err != nil {
			return err
		}
	}
	if err := deleteInterfaces(t, c, e); err != nil {
		return err
	}
	disconnect(t, c, e)
	if err := deleteNotifications(t, c, func(n *kit.ConnectionNotificationRecord) bool { return n.EndpointID == e.ID }); err != nil {
		return err
	}
	if err := kit.BumpChildren(t, c, e.VpcID); err != nil && !kit.IsNotFound(err, "vpc") {
		return err
	}
	t.Del(c.Key(e.ID))
	return nil
}

// serviceEntry is one entry of DescribeVpcEndpointServices: its shape, its order, the
// values of its filters and its tags.
type serviceEntry struct {
	key    string
	detail ec2.ServiceDetail
	values func(filter string) []string
	tags   map[string]string
}

// DescribeVpcEndpointServices lists the region's AWS services that take endpoints, one
// entry per service and endpoint type, and the endpoint services the caller may see
// (its own and those that allow it), and their names.
func (s *Endpoints) DescribeVpcEndpointServices(ctx context.Context, c kit.Caller, in *ec2.DescribeVpcEndpointServicesRequest) (*ec2.DescribeVpcEndpointServicesResult, error) {
	if in.MaxResults != nil && *in.MaxResults < 1 {
		return nil, ec2.ErrInvalidParameterValue("Value ( %d ) for parameter maxResults is invalid. Expecting a value greater than 0.", *in.MaxResults)
	}
	max := in.MaxResults
	if max != nil && *max > 1000 {
		max = kit.Ptr(int32(1000))
	}
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return serviceFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	var all []serviceEntry
	for _, svc := range regionServices(c.Region) {
		all = append(all, serviceEntry{key: svc.key(), detail: svc.EC2(), values: func(name string) []string { return serviceFilters[name](svc) }})
	}
	err = s.View(ctx, func(t *kit.Txn) error {
		recs, owners, err := visibleEndpointServices(t, c)
		if err != nil {
			return err
		}
		for i, r := range recs {
			d, err := serviceDetail(t, c, owners[i], r)
			if err != nil {
				return err
			}
			e := serviceEntry{key: r.Name + "\x00Interface", detail: d, values: func(name string) []string { return endpointServiceFilters[name](r) }}
			if r.Owner == c.Account {
				e.tags = r.Tags
			}
			all = append(all, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(all, func(a, b serviceEntry) int { return strings.Compare(a.key, b.key) })
	for _, name := range in.ServiceNames {
		if !slices.ContainsFunc(all, func(e serviceEntry) bool { return *e.detail.ServiceName == name }) {
			return nil, errInvalidServiceName(name)
		}
	}
	var kept []serviceEntry
	for _, e := range all {
		if len(in.ServiceNames) > 0 && !slices.Contains(in.ServiceNames, *e.detail.ServiceName) {
			continue
		}
		if len(in.ServiceRegions) > 0 && !slices.Contains(in.ServiceRegions, *e.detail.ServiceRegion) {
			continue
		}
		if match(e.values, e.tags) {
			kept = append(kept, e)
		}
	}
	page, next, err := kit.Paginate(kept, max, in.NextToken, func(e serviceEntry) string { return e.key })
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcEndpointServicesResult{NextToken: next, ServiceDetails: []ec2.ServiceDetail{}, ServiceNames: []string{}}
	for _, e := range page {
		out.ServiceDetails = append(out.ServiceDetails, e.detail)
		out.ServiceNames = append(out.ServiceNames, *e.detail.ServiceName)
	}
	return out, nil
}
