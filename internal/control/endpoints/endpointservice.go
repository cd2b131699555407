package endpoints

import (
	"context"
	"crypto/rand"
	"regexp"
	"slices"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// PrivateLink endpoint services: a provider publishes its network load balancers as a
// service (CreateVpcEndpointServiceConfiguration) that the principals it allows see in
// DescribeVpcEndpointServices and connect to with interface endpoints (connections.go).

func errNLBArnMalformed(arn string) error {
	return ec2.Errorf("InvalidNetworkLoadBalancerArn.Malformed", "The network load balancer ARN '%s' is malformed.", arn)
}

func errNLBArnNotFound(arn string) error {
	return ec2.Errorf("InvalidNetworkLoadBalancerArn.NotFound", "The network load balancer ARN '%s' does not exist.", arn)
}

func errServiceNotFound(id string) error {
	return ec2.Errorf("InvalidVpcEndpointService.NotFound", "The VpcEndpointService Id '%s' does not exist", id)
}

func errExistingConnections() error {
	return ec2.Errorf("ExistingVpcEndpointConnections", "Service has existing active VPC Endpoint connections!")
}

// endpointServiceName is the name consumers give CreateVpcEndpoint for a service.
func endpointServiceName(region, id string) string { return "com.amazonaws.vpce." + region + "." + id }

// endpointServiceBaseDNS is the name under which the service's endpoints get theirs.
func endpointServiceBaseDNS(region, id string) string {
	return id + "." + region + ".vpce.amazonaws.com"
}

// isEndpointServiceName: the name is of the form of an endpoint service's.
func isEndpointServiceName(name string) bool { return strings.HasPrefix(name, "com.amazonaws.vpce.") }

// nlbARN is a network load balancer ARN: arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/net/NAME/HEX.
var nlbARN = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):(\d{12}):loadbalancer/([a-z]+)/([^/]+)/([0-9a-f]{16})$`)

// getNLB reads the caller's network load balancer of an ARN.
func getNLB(t *kit.Txn, c kit.Caller, arn string) (*kit.LoadBalancerRecord, error) {
	m := nlbARN.FindStringSubmatch(arn)
	if m == nil {
		return nil, errNLBArnMalformed(arn)
	}
	if m[1] != c.Region || m[2] != c.Account || m[3] != "net" {
		return nil, errNLBArnNotFound(arn)
	}
	lb := new(kit.LoadBalancerRecord)
	ok, err := t.Get(c.Key("elblb-"+m[5]), lb)
	if err != nil {
		return nil, err
	}
	if !ok || lb.Name != m[4] || lb.Type != "network" {
		return nil, errNLBArnNotFound(arn)
	}
	return lb, nil
}

// useNLBs ties the load balancers to the service: each exists, is the caller's and
// serves no other service.
func useNLBs(t *kit.Txn, c kit.Caller, svcID string, arns []string) error {
	for _, arn := range arns {
		lb, err := getNLB(t, c, arn)
		if err != nil {
			return err
		}
		var other string
		if ok, err := t.Get(kit.LoadBalancerServiceKey(c, lb.ID), &other); err != nil {
			return err
		} else if ok && other != svcID {
			return ec2.ErrInvalidParameter("The network load balancer %s is already associated with the VPC endpoint service %s.", arn, other)
		}
		if err := t.Put(kit.LoadBalancerServiceKey(c, lb.ID), svcID); err != nil {
			return err
		}
	}
	return nil
}

// releaseNLBs unties load balancers from the service; one that is gone is skipped.
func releaseNLBs(t *kit.Txn, c kit.Caller, arns []string) {
	for _, arn := range arns {
		if m := nlbARN.FindStringSubmatch(arn); m != nil {
			t.Del(kit.LoadBalancerServiceKey(c, "elblb-"+m[5]))
		}
	}
}

// checkIPAddressTypes reads SupportedIpAddressTypes: ipv4 and ipv6, ipv6 only with load
// balancers that are dualstack.
func checkIPAddressTypes(types []string) error {
	for _, v := range types {
		if v != "ipv4" && v != "ipv6" {
			return ec2.ErrInvalidParameterValue("Value (%s) for parameter SupportedIpAddressType is invalid. Valid values: ipv4, ipv6", v)
		}
	}
	return nil
}

func checkIPv6(t *kit.Txn, c kit.Caller, r *kit.EndpointServiceRecord) error {
	if len(r.IPAddressTypes) == 0 {
		return ec2.ErrInvalidParameter("The VPC endpoint service %s must support at least one IP address type.", r.ID)
	}
	if !slices.Contains(r.IPAddressTypes, "ipv6") {
		return nil
	}
	for _, arn := range r.LoadBalancers {
		lb, err := getNLB(t, c, arn)
		if err != nil {
			return err
		}
		if lb.IPAddressType != "dualstack" {
			return ec2.ErrInvalidParameter("The IP address type ipv6 requires every load balancer of the service to be dualstack: %s is not.", arn)
		}
	}
	return nil
}

// checkRegions: vpcd serves an endpoint service in its own region only (no cross-region
// PrivateLink yet).
func checkRegions(c kit.Caller, regions []string) error {
	for _, r := range regions {
		if r != c.Region {
			return ec2.ErrUnsupportedOperation("Cross-region endpoint services are not supported by vpcd: %s is not the service's region %s.", r, c.Region)
		}
	}
	return nil
}

// dnsNameRE is what a private DNS name may be: a domain name, maybe with a leading "*.".
var dnsNameRE = regexp.MustCompile(`^(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$`)

// setPrivateDNSName gives the service a private DNS name to verify, and the TXT record
// that proves it ("" takes it away).
func setPrivateDNSName(r *kit.EndpointServiceRecord, name string) error {
	if name == "" {
		r.PrivateDNSName, r.PrivateDNSState, r.PrivateDNSTXTName, r.PrivateDNSTXTValue = "", "", "", ""
		return nil
	}
	if len(name) > 255 || !dnsNameRE.MatchString(name) {
		return ec2.ErrInvalidParameter("The private DNS name '%s' is not a valid domain name.", name)
	}
	if name == r.PrivateDNSName {
		return nil
	}
	r.PrivateDNSName, r.PrivateDNSState = strings.ToLower(name), "pendingVerification"
	r.PrivateDNSTXTName = "_" + randomString("abcdefghijklmnopqrstuvwxyz0123456789", 20)
	r.PrivateDNSTXTValue = "vpce:" + randomString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 20)
	return nil
}

func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// serviceZones are the zones of the service's load balancers, sorted; a load balancer
// gone from under the service adds none.
func serviceZones(t *kit.Txn, owner kit.Caller, r *kit.EndpointServiceRecord) ([]string, error) {
	var zones []string
	for _, arn := range r.LoadBalancers {
		lb, err := getNLB(t, owner, arn)
		if err != nil {
			if _, ok := err.(*ec2.Error); ok {
				continue
			}
			return nil, err
		}
		for _, z := range lb.Zones {
			if !slices.Contains(zones, z.Zone) {
				zones = append(zones, z.Zone)
			}
		}
	}
	slices.Sort(zones)
	return zones, nil
}

// zoneIDs are the IDs of the region's zones of those names.
func zoneIDs(region string, names []string) []string {
	out := []string{}
	for _, n := range names {
		for _, z := range kit.ZonesOf(region) {
			if z.Name == n {
				out = append(out, z.ID)
			}
		}
	}
	return out
}

// serviceConfiguration is the service as its owner sees it.
func serviceConfiguration(t *kit.Txn, owner kit.Caller, r *kit.EndpointServiceRecord) (ec2.ServiceConfiguration, error) {
	zones, err := serviceZones(t, owner, r)
	if err != nil {
		return ec2.ServiceConfiguration{}, err
	}
	out := ec2.ServiceConfiguration{
		ServiceId: kit.Ptr(r.ID), ServiceName: kit.Ptr(r.Name), ServiceState: kit.Ptr("Available"),
		ServiceType: []ec2.ServiceTypeDetail{{ServiceType: kit.Ptr("Interface")}}, AcceptanceRequired: kit.Ptr(r.AcceptanceRequired),
		ManagesVpcEndpoints: kit.Ptr(false), AvailabilityZones: append([]string{}, zones...), AvailabilityZoneIds: zoneIDs(owner.Region, zones),
		NetworkLoadBalancerArns: slices.Clone(r.LoadBalancers), GatewayLoadBalancerArns: []string{},
		BaseEndpointDnsNames: []string{endpointServiceBaseDNS(owner.Region, r.ID)}, SupportedIpAddressTypes: slices.Clone(r.IPAddressTypes),
		SupportedRegions: []ec2.SupportedRegionDetail{{Region: kit.Ptr(owner.Region), ServiceState: kit.Ptr("Available")}},
		Tags:             r.EC2Tags(), RemoteAccessEnabled: kit.Ptr(false),
	}
	if r.PrivateDNSName != "" {
		out.PrivateDnsName = kit.Ptr(r.PrivateDNSName)
		out.PrivateDnsNameConfiguration = &ec2.PrivateDnsNameConfiguration{Name: kit.Ptr(r.PrivateDNSTXTName), Value: kit.Ptr(r.PrivateDNSTXTValue),
			Type: kit.Ptr("TXT"), State: kit.Ptr(r.PrivateDNSState)}
	}
	return out, nil
}

// serviceDetail is the service as DescribeVpcEndpointServices shows it to the caller.
func serviceDetail(t *kit.Txn, c, owner kit.Caller, r *kit.EndpointServiceRecord) (ec2.ServiceDetail, error) {
	zones, err := serviceZones(t, owner, r)
	if err != nil {
		return ec2.ServiceDetail{}, err
	}
	out := ec2.ServiceDetail{
		ServiceName: kit.Ptr(r.Name), ServiceId: kit.Ptr(r.ID), ServiceType: []ec2.ServiceTypeDetail{{ServiceType: kit.Ptr("Interface")}},
		ServiceRegion: kit.Ptr(owner.Region), AvailabilityZones: append([]string{}, zones...), AvailabilityZoneIds: zoneIDs(owner.Region, zones),
		Owner: kit.Ptr(r.Owner), BaseEndpointDnsNames: []string{endpointServiceBaseDNS(owner.Region, r.ID)}, PrivateDnsNames: []ec2.PrivateDnsDetails{},
		VpcEndpointPolicySupported: kit.Ptr(false), AcceptanceRequired: kit.Ptr(r.AcceptanceRequired), ManagesVpcEndpoints: kit.Ptr(false),
		SupportedIpAddressTypes: slices.Clone(r.IPAddressTypes), Tags: []ec2.Tag{},
	}
	if c.Account == r.Owner {
		out.Tags = r.EC2Tags()
	}
	if r.PrivateDNSName != "" {
		out.PrivateDnsName = kit.Ptr(r.PrivateDNSName)
		out.PrivateDnsNames = []ec2.PrivateDnsDetails{{PrivateDnsName: kit.Ptr(r.PrivateDNSName)}}
		out.PrivateDnsNameVerificationState = kit.Ptr(r.PrivateDNSState)
	}
	return out, nil
}

// allows reports whether the service lets the caller's account see and connect to it:
// its owner, "*", or a principal of the account.
func allows(r *kit.EndpointServiceRecord, account string) bool {
	if r.Owner == account {
		return true
	}
	for _, p := range r.Principals {
		if p.ARN == "*" || principalAccount(p.ARN) == account {
			return true
		}
	}
	return false
}

// principalRE is an IAM principal ARN: arn:aws:iam::ACCOUNT:root, role/…, user/….
var principalRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):(root|role/.+|user/.+)$`)

func principalAccount(arn string) string {
	if m := principalRE.FindStringSubmatch(arn); m != nil {
		return m[1]
	}
	return ""
}

// principalType is AllowedPrincipal's PrincipalType of a principal.
func principalType(arn string) string {
	switch m := principalRE.FindStringSubmatch(arn); {
	case arn == "*":
		return "All"
	case m == nil:
		return "Service"
	case m[2] == "root":
		return "Account"
	case strings.HasPrefix(m[2], "role/"):
		return "Role"
	default:
		return "User"
	}
}

// servicePrincipalRE is an AWS service principal, such as elasticloadbalancing.amazonaws.com.
var servicePrincipalRE = regexp.MustCompile(`^[a-z0-9.-]+\.amazonaws\.com$`)

func checkPrincipal(p string) error {
	if p == "*" || principalRE.MatchString(p) || servicePrincipalRE.MatchString(p) {
		return nil
	}
	return ec2.ErrInvalidParameterValue("The principal '%s' is not a valid IAM principal ARN.", p)
}

// findEndpointService finds the service of a name that the caller may see; any other
// name is one that does not exist, as AWS answers consumers it does not allow.
func findEndpointService(t *kit.Txn, c kit.Caller, name string) (*kit.EndpointServiceRecord, kit.Caller, error) {
	id, ok := strings.CutPrefix(name, "com.amazonaws.vpce."+c.Region+".")
	if !ok || !kit.ValidID(id, "vpce-svc") {
		return nil, kit.Caller{}, errInvalidServiceName(name)
	}
	var account string
	found, err := t.Get(kit.EndpointServiceOwnerKey(c.Region, id), &account)
	if err != nil {
		return nil, kit.Caller{}, err
	}
	if !found {
		return nil, kit.Caller{}, errInvalidServiceName(name)
	}
	owner := kit.Caller{Account: account, Region: c.Region}
	r := new(kit.EndpointServiceRecord)
	found, err = t.Get(owner.Key(id), r)
	if err != nil {
		return nil, owner, err
	}
	if !found || !allows(r, c.Account) {
		return nil, owner, errInvalidServiceName(name)
	}
	return r, owner, nil
}

// visibleEndpointServices are the region's endpoint services the caller may see, with
// their owners.
func visibleEndpointServices(t *kit.Txn, c kit.Caller) ([]*kit.EndpointServiceRecord, []kit.Caller, error) {
	var recs []*kit.EndpointServiceRecord
	var owners []kit.Caller
	err := t.List(kit.EndpointServiceOwnerPrefix(c.Region), func(key string, raw []byte) error {
		id := key[strings.LastIndexByte(key, '/')+1:]
		account := strings.Trim(string(raw), `"`)
		owner := kit.Caller{Account: account, Region: c.Region}
		r := new(kit.EndpointServiceRecord)
		if ok, err := t.Get(owner.Key(id), r); err != nil || !ok {
			return err
		}
		if allows(r, c.Account) {
			recs, owners = append(recs, r), append(owners, owner)
		}
		return nil
	})
	return recs, owners, err
}

// CreateVpcEndpointServiceConfiguration publishes network load balancers of the caller as
// an endpoint service. A repeated ClientToken answers the service it created.
func (s *Endpoints) CreateVpcEndpointServiceConfiguration(ctx context.Context, c kit.Caller, in *ec2.CreateVpcEndpointServiceConfigurationRequest) (*ec2.CreateVpcEndpointServiceConfigurationResult, error) {
	if len(in.GatewayLoadBalancerArns) > 0 {
		return nil, ec2.ErrUnsupportedOperation("Gateway Load Balancers are not supported by vpcd: endpoint services are made of network load balancers.")
	}
	if len(in.NetworkLoadBalancerArns) == 0 {
		return nil, ec2.ErrInvalidParameter("At least one network load balancer ARN or gateway load balancer ARN must be specified.")
	}
	if err := checkIPAddressTypes(in.SupportedIpAddressTypes); err != nil {
		return nil, err
	}
	if err := checkRegions(c, in.SupportedRegions); err != nil {
		return nil, err
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "vpc-endpoint-service")
	if err != nil {
		return nil, err
	}
	id := kit.NewID("vpce-svc")
	r := &kit.EndpointServiceRecord{
		Meta: kit.Meta{ID: id, Owner: c.Account, Tags: tags}, Name: endpointServiceName(c.Region, id),
		LoadBalancers: slices.Compact(slices.Sorted(slices.Values(in.NetworkLoadBalancerArns))), AcceptanceRequired: kit.Deref(in.AcceptanceRequired),
		IPAddressTypes: []string{"ipv4"}, ClientToken: kit.Deref(in.ClientToken), Created: s.Now().UTC(),
	}
	if len(in.SupportedIpAddressTypes) > 0 {
		r.IPAddressTypes = slices.Compact(slices.Sorted(slices.Values(in.SupportedIpAddressTypes)))
	}
	if err := setPrivateDNSName(r, kit.Deref(in.PrivateDnsName)); err != nil {
		return nil, err
	}
	var out ec2.ServiceConfiguration
	err = s.Update(ctx, func(t *kit.Txn) error {
		created := r
		if r.ClientToken != "" {
			all, err := kit.ListAll[kit.EndpointServiceRecord](t, c.Prefix("vpce-svc"))
			if err != nil {
				return err
			}
			for _, o := range all {
				if o.ClientToken == r.ClientToken {
					created = o
				}
			}
		}
		if created == r {
			if err := useNLBs(t, c, r.ID, r.LoadBalancers); err != nil {
				return err
			}
			if err := checkIPv6(t, c, r); err != nil {
				return err
			}
			if err := t.Put(kit.EndpointServiceOwnerKey(c.Region, r.ID), c.Account); err != nil {
				return err
			}
			if err := t.Put(c.Key(r.ID), r); err != nil {
				return err
			}
		}
		var err error
		out, err = serviceConfiguration(t, c, created)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateVpcEndpointServiceConfigurationResult{ServiceConfiguration: &out, ClientToken: in.ClientToken}, nil
}

// serviceFiltersOwn are DescribeVpcEndpointServiceConfigurations' filters.
var serviceConfigFilters = map[string]func(*kit.EndpointServiceRecord) []string{
	"service-name":               func(r *kit.EndpointServiceRecord) []string { return []string{r.Name} },
	"service-id":                 func(r *kit.EndpointServiceRecord) []string { return []string{r.ID} },
	"service-state":              func(*kit.EndpointServiceRecord) []string { return []string{"Available"} },
	"supported-ip-address-types": func(r *kit.EndpointServiceRecord) []string { return r.IPAddressTypes },
}

// DescribeVpcEndpointServiceConfigurations lists the caller's endpoint services.
func (s *Endpoints) DescribeVpcEndpointServiceConfigurations(ctx context.Context, c kit.Caller, in *ec2.DescribeVpcEndpointServiceConfigurationsRequest) (*ec2.DescribeVpcEndpointServiceConfigurationsResult, error) {
	recs, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "vpce-svc", IDs: in.ServiceIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken}, serviceConfigFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcEndpointServiceConfigurationsResult{NextToken: next}
	err = s.View(ctx, func(t *kit.Txn) error {
		out.ServiceConfigurations = []ec2.ServiceConfiguration{}
		for _, r := range recs {
			sc, err := serviceConfiguration(t, c, r)
			if err != nil {
				return err
			}
			out.ServiceConfigurations = append(out.ServiceConfigurations, sc)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// addRemove applies additions and removals to a sorted set.
func addRemove(have, add, remove []string) []string {
	out := slices.DeleteFunc(slices.Clone(have), func(v string) bool { return slices.Contains(remove, v) })
	out = append(out, add...)
	return slices.Compact(slices.Sorted(slices.Values(out)))
}

// ModifyVpcEndpointServiceConfiguration changes a service's load balancers, acceptance,
// private DNS name and IP address types.
func (s *Endpoints) ModifyVpcEndpointServiceConfiguration(ctx context.Context, c kit.Caller, in *ec2.ModifyVpcEndpointServiceConfigurationRequest) (*ec2.ModifyVpcEndpointServiceConfigurationResult, error) {
	id := kit.Deref(in.ServiceId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("ServiceId")
	}
	if len(in.AddGatewayLoadBalancerArns) > 0 || len(in.RemoveGatewayLoadBalancerArns) > 0 {
		return nil, ec2.ErrUnsupportedOperation("Gateway Load Balancers are not supported by vpcd: endpoint services are made of network load balancers.")
	}
	if in.PrivateDnsName != nil && kit.Deref(in.RemovePrivateDnsName) {
		return nil, ec2.ErrInvalidParameterCombination("PrivateDnsName and RemovePrivateDnsName cannot be specified together.")
	}
	if err := checkIPAddressTypes(append(slices.Clone(in.AddSupportedIpAddressTypes), in.RemoveSupportedIpAddressTypes...)); err != nil {
		return nil, err
	}
	if err := checkRegions(c, in.AddSupportedRegions); err != nil {
		return nil, err
	}
	if slices.Contains(in.RemoveSupportedRegions, c.Region) {
		return nil, ec2.ErrInvalidParameter("The service's own region %s cannot be removed from its supported regions.", c.Region)
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		r, err := kit.Get[kit.EndpointServiceRecord](t, c, "vpce-svc", id)
		if err != nil {
			return err
		}
		if len(in.AddNetworkLoadBalancerArns) > 0 || len(in.RemoveNetworkLoadBalancerArns) > 0 {
			lbs := addRemove(r.LoadBalancers, in.AddNetworkLoadBalancerArns, in.RemoveNetworkLoadBalancerArns)
			if len(lbs) == 0 {
				return ec2.ErrInvalidParameter("The VPC endpoint service %s must have at least one load balancer.", r.ID)
			}
			releaseNLBs(t, c, in.RemoveNetworkLoadBalancerArns)
			if err := useNLBs(t, c, r.ID, lbs); err != nil {
				return err
			}
			r.LoadBalancers = lbs
		}
		if in.AcceptanceRequired != nil {
			r.AcceptanceRequired = *in.AcceptanceRequired
		}
		if kit.Deref(in.RemovePrivateDnsName) {
			_ = setPrivateDNSName(r, "")
		} else if in.PrivateDnsName != nil {
			if err := setPrivateDNSName(r, *in.PrivateDnsName); err != nil {
				return err
			}
		}
		r.IPAddressTypes = addRemove(r.IPAddressTypes, in.AddSupportedIpAddressTypes, in.RemoveSupportedIpAddressTypes)
		if err := checkIPv6(t, c, r); err != nil {
			return err
		}
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ModifyVpcEndpointServiceConfigurationResult{Return: kit.Ptr(true)}, nil
}

// StartVpcEndpointServicePrivateDnsVerification verifies the service's private DNS name.
// vpcd has no public DNS to look the TXT record up in: the provider's word is taken.
func (s *Endpoints) StartVpcEndpointServicePrivateDnsVerification(ctx context.Context, c kit.Caller, in *ec2.StartVpcEndpointServicePrivateDnsVerificationRequest) (*ec2.StartVpcEndpointServicePrivateDnsVerificationResult, error) {
	id := kit.Deref(in.ServiceId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("ServiceId")
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		r, err := kit.Get[kit.EndpointServiceRecord](t, c, "vpce-svc", id)
		if err != nil {
			return err
		}
		if r.PrivateDNSName == "" {
			return ec2.ErrInvalidParameter("The VPC endpoint service %s has no private DNS name to verify.", r.ID)
		}
		r.PrivateDNSState = "verified"
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.StartVpcEndpointServicePrivateDnsVerificationResult{ReturnValue: kit.Ptr(true)}, nil
}

// DeleteVpcEndpointServiceConfigurations deletes services; one that does not exist, or
// that endpoints still use (available or pending acceptance), is answered in
// Unsuccessful and the others are deleted.
func (s *Endpoints) DeleteVpcEndpointServiceConfigurations(ctx context.Context, c kit.Caller, in *ec2.DeleteVpcEndpointServiceConfigurationsRequest) (*ec2.DeleteVpcEndpointServiceConfigurationsResult, error) {
	if len(in.ServiceIds) == 0 {
		return nil, ec2.ErrMissingParameter("ServiceId")
	}
	out := &ec2.DeleteVpcEndpointServiceConfigurationsResult{}
	err := s.Update(ctx, func(t *kit.Txn) error {
		out.Unsuccessful = []ec2.UnsuccessfulItem{}
		fail := func(id string, err error) {
			e := err.(*ec2.Error)
			out.Unsuccessful = append(out.Unsuccessful, kit.UnsuccessfulItem(id, e.Code, e.Message))
		}
		for _, id := range slices.Compact(slices.Sorted(slices.Values(in.ServiceIds))) {
			r := new(kit.EndpointServiceRecord)
			ok, err := t.Get(c.Key(id), r)
			if err != nil {
				return err
			}
			if !kit.ValidID(id, "vpce-svc") || !ok {
				fail(id, errServiceNotFound(id))
				continue
			}
			conns, err := kit.ListAll[kit.EndpointConnectionRecord](t, kit.EndpointConnectionPrefix(c, id))
			if err != nil {
				return err
			}
			if slices.ContainsFunc(conns, func(x *kit.EndpointConnectionRecord) bool {
				return x.State == "available" || x.State == "pendingAcceptance"
			}) {
				fail(id, errExistingConnections())
				continue
			}
			for _, x := range conns {
				t.Del(kit.EndpointConnectionKey(c, id, x.EndpointID))
			}
			if err := deleteNotifications(t, c, func(n *kit.ConnectionNotificationRecord) bool { return n.ServiceID == id }); err != nil {
				return err
			}
			releaseNLBs(t, c, r.LoadBalancers)
			t.Del(kit.EndpointServiceOwnerKey(c.Region, id))
			t.Del(c.Key(id))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// principalFilters are DescribeVpcEndpointServicePermissions' filters.
var principalFilters = map[string]func(ec2.AllowedPrincipal) []string{
	"principal":      func(p ec2.AllowedPrincipal) []string { return []string{kit.Deref(p.Principal)} },
	"principal-type": func(p ec2.AllowedPrincipal) []string { return []string{kit.Deref(p.PrincipalType)} },
}

func allowedPrincipal(svcID string, p kit.ServicePrincipal) ec2.AllowedPrincipal {
	return ec2.AllowedPrincipal{Principal: kit.Ptr(p.ARN), PrincipalType: kit.Ptr(principalType(p.ARN)), ServiceId: kit.Ptr(svcID),
		ServicePermissionId: kit.Ptr(p.ID), Tags: []ec2.Tag{}}
}

// DescribeVpcEndpointServicePermissions lists the principals a service of the caller allows.
func (s *Endpoints) DescribeVpcEndpointServicePermissions(ctx context.Context, c kit.Caller, in *ec2.DescribeVpcEndpointServicePermissionsRequest) (*ec2.DescribeVpcEndpointServicePermissionsResult, error) {
	id := kit.Deref(in.ServiceId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("ServiceId")
	}
	if err := kit.CheckMaxResults(in.MaxResults, 5, 1000); err != nil {
		return nil, err
	}
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return principalFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	var r *kit.EndpointServiceRecord
	err = s.View(ctx, func(t *kit.Txn) error {
		r, err = kit.Get[kit.EndpointServiceRecord](t, c, "vpce-svc", id)
		return err
	})
	if err != nil {
		return nil, err
	}
	var kept []ec2.AllowedPrincipal
	for _, p := range r.Principals {
		a := allowedPrincipal(r.ID, p)
		if match(func(name string) []string { return principalFilters[name](a) }, nil) {
			kept = append(kept, a)
		}
	}
	page, next, err := kit.Paginate(kept, in.MaxResults, in.NextToken, func(a ec2.AllowedPrincipal) string { return *a.ServicePermissionId })
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeVpcEndpointServicePermissionsResult{AllowedPrincipals: append([]ec2.AllowedPrincipal{}, page...), NextToken: next}, nil
}

// ModifyVpcEndpointServicePermissions adds and removes principals of a service of the
// caller. Adding one it allows already changes nothing.
func (s *Endpoints) ModifyVpcEndpointServicePermissions(ctx context.Context, c kit.Caller, in *ec2.ModifyVpcEndpointServicePermissionsRequest) (*ec2.ModifyVpcEndpointServicePermissionsResult, error) {
	id := kit.Deref(in.ServiceId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("ServiceId")
	}
	for _, p := range append(slices.Clone(in.AddAllowedPrincipals), in.RemoveAllowedPrincipals...) {
		if err := checkPrincipal(p); err != nil {
			return nil, err
		}
	}
	out := &ec2.ModifyVpcEndpointServicePermissionsResult{ReturnValue: kit.Ptr(true)}
	err := s.Update(ctx, func(t *kit.Txn) error {
		out.AddedPrincipals = []ec2.AddedPrincipal{}
		r, err := kit.Get[kit.EndpointServiceRecord](t, c, "vpce-svc", id)
		if err != nil {
			return err
		}
		r.Principals = slices.DeleteFunc(r.Principals, func(p kit.ServicePrincipal) bool { return slices.Contains(in.RemoveAllowedPrincipals, p.ARN) })
		for _, arn := range slices.Compact(slices.Sorted(slices.Values(in.AddAllowedPrincipals))) {
			i := slices.IndexFunc(r.Principals, func(p kit.ServicePrincipal) bool { return p.ARN == arn })
			if i < 0 {
				r.Principals = append(r.Principals, kit.ServicePrincipal{ID: kit.NewID("vpce-svc-perm"), ARN: arn})
				i = len(r.Principals) - 1
			}
			p := r.Principals[i]
			out.AddedPrincipals = append(out.AddedPrincipals, ec2.AddedPrincipal{Principal: kit.Ptr(p.ARN), PrincipalType: kit.Ptr(principalType(p.ARN)),
				ServiceId: kit.Ptr(r.ID), ServicePermissionId: kit.Ptr(p.ID)})
		}
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
