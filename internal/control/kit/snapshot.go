package kit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"vpcd/internal/model"
)

// Network reads every account's and region's resources that the data plane carries into
// one model.Network, as of one store revision.
func (s *Kit) Network(ctx context.Context) (*model.Network, int64, error) {
	kvs, rev, err := s.Store.List(ctx, "")
	if err != nil {
		return nil, 0, err
	}
	b := NewNetworkBuilder()
	for _, kv := range kvs {
		if _, err := b.Put(kv.Key, kv.Value); err != nil {
			return nil, 0, err
		}
	}
	return b.Network(), rev, nil
}

// NetworkBuilder builds the model of the network from store records taken one at a time,
// in any order, and takes records back out: Service.Network reads them all at once, the
// data plane's informer follows the store's watch with it, so that both map records to
// the model the same way. It keeps the network split by VPC too, and each security
// group's members, so that a change can be planned without a look at the rest.
type NetworkBuilder struct {
	n     *model.Network
	Parts map[string]*model.Network // each VPC's own part (see VPC)
	// What records say about other records, kept so that records apply in any order.
	assoc      map[string]string                    // subnet → route table whose record associates it
	rtbSubnets map[string][]string                  // route table → the subnets its record associates
	natOf      map[string]string                    // ENI → the available NAT gateway it is of
	MemberSet  map[string]map[string]bool           // security group → IDs of its member ENIs
	copies     map[string]map[string]*model.Peering // pcx → key of each copy → its peering, nil when not active
	peerings   map[string]map[string]bool           // VPC → its active peering connections
	regionVPCs map[string]int                       // region → how many VPCs, for the AWS-managed prefix lists
	exclusions map[string]bpaExclusion              // Block Public Access exclusion → what it excludes
	dxVifs     map[string]*model.DxVirtualInterface // virtual interface → as its record has it (dxmodel.go)
	dxGateways map[string][]dxAssociation           // Direct Connect gateway → its associations with virtual private gateways
}

// NewNetworkBuilder returns a builder of an empty network.
func NewNetworkBuilder() *NetworkBuilder {
	return &NetworkBuilder{
		n: newNetwork(), Parts: map[string]*model.Network{},
		assoc: map[string]string{}, rtbSubnets: map[string][]string{}, natOf: map[string]string{},
		MemberSet: map[string]map[string]bool{}, copies: map[string]map[string]*model.Peering{},
		peerings: map[string]map[string]bool{}, regionVPCs: map[string]int{}, exclusions: map[string]bpaExclusion{},
		dxVifs: map[string]*model.DxVirtualInterface{}, dxGateways: map[string][]dxAssociation{},
	}
}

// NetworkChange is what one record did to the model: the VPCs whose part of it changed
// and the security groups whose members changed. Both are empty when the model does not
// hold the record or does not see the change (a tag, a description, console output).
type NetworkChange struct {
	VPCs   []string
	Groups []string
}

func (c *NetworkChange) vpc(ids ...string) {
	for _, id := range ids {
		if id != "" && !slices.Contains(c.VPCs, id) {
			c.VPCs = append(c.VPCs, id)
		}
	}
}

// Network is the model built so far. It changes in place with every Put and Delete: the
// caller reads it between them.
func (b *NetworkBuilder) Network() *model.Network { return b.n }

// VPC is the VPC's own part of the network: the VPC and its subnets, route tables,
// attached internet gateways, interfaces, instances, security groups, network ACLs and
// NAT gateways, the same values as in Network; nil when nothing of it is known.
func (b *NetworkBuilder) VPC(id string) *model.Network { return b.Parts[id] }

// Members are the IDs of the interfaces in a security group, in no order.
func (b *NetworkBuilder) Members(group string) []string {
	return slices.Collect(maps.Keys(b.MemberSet[group]))
}

// Peerings are the IDs of a VPC's active peering connections, in no order.
func (b *NetworkBuilder) Peerings(vpc string) []string {
	return slices.Collect(maps.Keys(b.peerings[vpc]))
}

// Put adds or replaces the record at key.
func (b *NetworkBuilder) Put(key string, value []byte) (NetworkChange, error) {
	region, kind, id, ok := recordKey(key)
	if !ok {
		return NetworkChange{}, nil
	}
	v, err := decodeRecord(region, kind, value)
	if err != nil {
		return NetworkChange{}, fmt.Errorf("%s: %w", key, err)
	}
	if v == nil {
		return NetworkChange{}, nil
	}
	return b.set(key, kind, id, v), nil
}

// Delete takes the record at key out.
func (b *NetworkBuilder) Delete(key string) NetworkChange {
	_, kind, id, ok := recordKey(key)
	if !ok {
		return NetworkChange{}
	}
	return b.set(key, kind, id, nil)
}

// recordKey splits a resource's store key (account/region/kind/ID); ok is false for the
// other keys (the public address registry, markers, tokens).
func recordKey(key string) (region, kind, id string, ok bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 4 {
		return "", "", "", false
	}
	return parts[1], parts[2], parts[3], true
}

// The model's view of a record, for the kinds whose model value is not all it says.
type (
	routeTable struct {
		m       *model.RouteTable
		subnets []string // associated
	}
	natGateway struct{ m *model.NatGateway } // nil when not available
	peering    struct{ m *model.Peering }    // nil when not active
	prefixList []netip.Prefix
	bpaMode    string // an account's Block Public Access mode in a region
	// bpaExclusion is a Block Public Access exclusion of a VPC or a subnet.
	bpaExclusion struct{ vpc, subnet, mode string }
)

// excluded is the ID of the VPC or subnet the exclusion excludes.
func (e bpaExclusion) excluded() string {
	if e.subnet != "" {
		return e.subnet
	}
	return e.vpc
}

// decodeRecord is the model's view of a stored record, as its kind's registry entry
// says (Kind.Model); nil for kinds the data plane does not carry.
func decodeRecord(region, kind string, raw []byte) (any, error) {
	k := kinds[kind]
	if k == nil || k.Model == nil {
		return nil, nil
	}
	return k.Model(region, raw)
}

// modelOf decodes a record of type R and maps it with f.
func modelOf[R any](f func(region string, r *R) any) func(string, []byte) (any, error) {
	return func(region string, raw []byte) (any, error) {
		r := new(R)
		if err := json.Unmarshal(raw, r); err != nil {
			return nil, err
		}
		return f(region, r), nil
	}
}

// How each kind enters the model (see kinds.go).

func vpcModel(region string, v *VpcRecord) any {
	return &model.VPC{ID: v.ID, Owner: v.Owner, Region: region, CIDRs: v.Cidrs(), MainRouteTable: v.MainRouteTable, DhcpOptions: v.DhcpOptionsID,
		EnableDnsSupport: v.DNSSupport, EnableDnsHostnames: v.DNSHostnames, VNI: v.VNI}
}

func dhcpOptionsModel(_ string, d *DhcpOptionsRecord) any {
	return &model.DhcpOptions{ID: d.ID, DomainName: d.Options["domain-name"], DomainNameServers: d.Options["domain-name-servers"]}
}

func prefixListModel(_ string, p *PrefixListRecord) any { return prefixList(p.CIDRs()) }

func subnetModel(_ string, sn *SubnetRecord) any {
	m := &model.Subnet{ID: sn.ID, VPC: sn.VpcID, CIDR: sn.Cidr, Zone: sn.AvailabilityZone, EnableDns64: sn.EnableDns64}
	for _, b := range sn.Ipv6Blocks {
		if b.State == "associated" && !m.IPv6CIDR.IsValid() {
			m.IPv6CIDR = b.Cidr
		}
	}
	return m
}

func routeTableModel(_ string, rt *RouteTableRecord) any {
	m := routeTable{m: &model.RouteTable{ID: rt.ID, VPC: rt.VpcID, PropagatingVgws: rt.PropagatingVgws}}
	for _, r := range rt.Routes {
		if r.Destination.IsValid() || r.DestinationPrefixList != "" {
			m.m.Routes = append(m.m.Routes, model.Route{Destination: r.Destination, DestinationPrefixList: r.DestinationPrefixList, Target: r.Target})
		}
	}
	for _, a := range rt.Associations {
		if a.SubnetID != "" {
			m.subnets = append(m.subnets, a.SubnetID)
		}
	}
	return m
}

func natGatewayModel(_ string, g *NatGatewayRecord) any {
	if !g.Live() {
		return natGateway{}
	}
	m := &model.NatGateway{ID: g.ID, VPC: g.VpcID, Subnet: g.Subnet, Interface: g.ENI, Public: g.ConnectivityType == "public",
		Regional: g.Regional(), RouteTable: g.RouteTable}
	for _, a := range g.Addresses {
		if g.Regional() {
			m.Addresses = append(m.Addresses, model.NatZoneAddress{Zone: a.AvailabilityZone, Public: a.PublicIP})
		}
	}
	return natGateway{m}
}

func internetGatewayModel(_ string, g *InternetGatewayRecord) any {
	return &model.InternetGateway{ID: g.ID, VPC: g.VpcID}
}

func egressOnlyGatewayModel(_ string, g *EgressOnlyInternetGatewayRecord) any {
	return &model.EgressOnlyInternetGateway{ID: g.ID, VPC: g.VpcID}
}

func networkInterfaceModel(_ string, e *NetworkInterfaceRecord) any { return e.model() }

func instanceModel(region string, in *InstanceRecord) any {
	userData, _ := base64.StdEncoding.DecodeString(in.UserData)
	m := &model.Instance{ID: in.ID, Owner: in.Owner, Region: region, VPC: in.VpcID, Subnet: in.SubnetID, Running: in.State == "running", Interfaces: in.ENIs, UserData: userData, PublicKey: in.PublicKey,
		ImageID: in.ImageID, InstanceType: in.InstanceType, Architecture: InstanceTypes[in.InstanceType].Architecture,
		AvailabilityZone: in.AvailabilityZone, AvailabilityZoneID: in.AvailabilityZoneID, Host: in.Host, LaunchIndex: int(in.AmiLaunchIndex),
		ReservationID: in.ReservationID, KeyName: in.KeyName, LaunchTime: in.LaunchTime, PrivateDNSName: InstancePrivateDNS(region, in),
		PrivateDNSNameOptions: model.PrivateDNSNameOptions{HostnameType: in.HostnameType, ResourceNameDNSA: in.ResourceNameDnsA, ResourceNameDNSAAAA: in.ResourceNameDnsAAAA}}
	opts := in.MetadataOptions()
	m.Metadata = model.MetadataOptions{
		Endpoint: *opts.HttpEndpoint == "enabled", TokensRequired: in.HTTPTokens == "required", HopLimit: int(in.HTTPPutResponseHopLimit),
		IPv6: *opts.HttpProtocolIpv6 == "enabled", Tags: *opts.InstanceMetadataTags == "enabled",
	}
	if m.Metadata.Tags {
		m.Tags = in.Tags
	}
	return m
}

func securityGroupModel(_ string, g *SecurityGroupRecord) any {
	m := &model.SecurityGroup{ID: g.ID, VPC: g.VpcID, Name: g.Name}
	for _, r := range g.Rules {
		m.Rules = append(m.Rules, model.SecurityGroupRule{
			Egress: r.Egress, Protocol: protocolNumber(r.Protocol),
			FromPort: int(r.FromPort), ToPort: int(r.ToPort), CIDR: r.Cidr, Group: r.GroupID, PrefixList: r.PrefixListID,
		})
	}
	return m
}

// peeringModel: both accounts of a connection hold a copy; either gives the same peering.
func peeringModel(_ string, p *PeeringRecord) any {
	if p.State != "active" {
		return peering{}
	}
	return peering{&model.Peering{ID: p.ID, Requester: p.Requester.VpcID, Accepter: p.Accepter.VpcID,
		RequesterDNS: p.Requester.AllowDNS, AccepterDNS: p.Accepter.AllowDNS}}
}

func networkACLModel(_ string, a *NetworkACLRecord) any { return a.model() }

func bpaOptionsModel(_ string, o *BPAOptionsRecord) any { return bpaMode(o.Mode) }

func bpaExclusionModel(_ string, e *BPAExclusionRecord) any {
	return bpaExclusion{vpc: e.VpcID, subnet: e.SubnetID, mode: e.Mode}
}

// model is the interface as the data plane sees it, but for the NAT gateway it is of.
func (e *NetworkInterfaceRecord) model() *model.Interface {
	m := &model.Interface{ID: e.ID, Subnet: e.SubnetID, VPC: e.VpcID, MAC: e.MacAddress, Groups: e.Groups, SourceDestCheck: e.SourceDestCheck,
		IPv6Addresses: e.Ipv6Addresses}
	for _, ip := range e.PrivateIPs {
		m.PrivateIPs = append(m.PrivateIPs, ip.Addr)
		if ip.Association == nil {
			continue
		}
		if ip.Primary {
			m.PublicIP = ip.Association.PublicIP
		}
		if m.PublicIPs == nil {
			m.PublicIPs = map[netip.Addr]netip.Addr{}
		}
		m.PublicIPs[ip.Addr] = ip.Association.PublicIP
	}
	if e.Attachment != nil {
		m.Instance, m.DeviceIndex = e.Attachment.InstanceID, int(e.Attachment.DeviceIndex)
	}
	m.ResolverEndpoint = e.ResolverEndpoint()
	m.VpcEndpoint = e.VpcEndpoint()
	return m
}

// set puts v, the decoded record at key, into the model; nil takes the record out.
func (b *NetworkBuilder) set(key, kind, id string, v any) NetworkChange {
	var c NetworkChange
	switch kind {
	case "vpc":
		b.setVPC(&c, id, as[*model.VPC](v))
	case "dopt":
		old := b.n.DhcpOptions[id]
		m := as[*model.DhcpOptions](v)
		putOrDelete(b.n.DhcpOptions, id, m)
		if !reflect.DeepEqual(old, m) {
			for _, vpc := range b.n.VPCs {
				if vpc.DhcpOptions == id {
					c.vpc(vpc.ID)
				}
			}
		}
	case "pl":
		old, had := b.n.PrefixLists[id]
		if v == nil {
			delete(b.n.PrefixLists, id)
		} else {
			b.n.PrefixLists[id] = v.(prefixList)
		}
		if had != (v != nil) || !slices.Equal(old, b.n.PrefixLists[id]) {
			c.vpc(b.prefixListUsers(id)...)
		}
	case "subnet":
		m := as[*model.Subnet](v)
		if m != nil {
			m.RouteTable = b.assoc[id]
		} else if rt := b.assoc[id]; rt != "" {
			m = &model.Subnet{ID: id, RouteTable: rt} // still associated: what is known of it
		}
		setPart(b, &c, id, m, subnets)
	case "rtb":
		b.setRouteTable(&c, id, as[routeTable](v))
	case "nat":
		b.setNatGateway(&c, id, as[natGateway](v).m)
	case "igw":
		setPart(b, &c, id, as[*model.InternetGateway](v), internetGateways)
	case "eigw":
		setPart(b, &c, id, as[*model.EgressOnlyInternetGateway](v), egressOnlyGateways)
	case "eni":
		b.setInterface(&c, id, as[*model.Interface](v))
	case "i":
		setPart(b, &c, id, as[*model.Instance](v), instances)
	case "sg":
		setPart(b, &c, id, as[*model.SecurityGroup](v), securityGroups)
	case "acl":
		setPart(b, &c, id, as[*model.NetworkACL](v), networkACLs)
	case "pcx":
		b.setPeering(&c, key, id, as[peering](v).m)
	case "fl":
		setPart(b, &c, id, as[*model.FlowLog](v), flowLogs)
	case "rslvr":
		b.setResolverRule(&c, id, as[resolverRule](v).m)
	case "vpce":
		setPart(b, &c, id, as[*model.InterfaceEndpoint](v), interfaceEndpoints)
	case "vpce-svc":
		b.setEndpointService(&c, id, as[*model.EndpointService](v))
	case "elblb":
		setPart(b, &c, id, as[*model.LoadBalancer](v), loadBalancers)
	case "elbtg":
		setPart(b, &c, id, as[*model.TargetGroup](v), targetGroups)
	case "elblst":
		setPart(b, &c, id, as[*model.Listener](v), listeners)
	case "bpa":
		b.setBlockPublicAccess(&c, func(bpa *model.BlockPublicAccess) map[string]string { return bpa.Modes }, recordAccountRegion(key), as[bpaMode](v))
	case "vgw":
		setPart(b, &c, id, as[*model.VpnGateway](v), vpnGateways)
	case "vpn":
		b.setVpnConnection(&c, id, as[*model.VpnConnection](v))
	case "tgw", "tgw-attach", "tgw-rtb":
		b.setTransitGateway(&c, kind, id, v)
	case "dxvif", "dxgw":
		b.setDx(&c, kind, id, v)
	case "hostedzone":
		b.setHostedZone(&c, id, as[hostedZone](v).m)
	case "vpcbpa":
		// An exclusion names its VPC or subnet, which never changes; a deleted one is
		// known by what the builder kept of it.
		e, had := b.exclusions[id]
		mode := bpaMode("")
		if v != nil {
			e = as[bpaExclusion](v)
			b.exclusions[id], mode = e, bpaMode(e.mode)
		} else {
			delete(b.exclusions, id)
		}
		if v != nil || had {
			b.setBlockPublicAccess(&c, func(bpa *model.BlockPublicAccess) map[string]string { return bpa.Exclusions }, e.excluded(), mode)
		}
	}
	return c
}

// newNetwork is an empty network with an empty Block Public Access.
func newNetwork() *model.Network {
	n := model.NewNetwork()
	n.BlockPublicAccess = &model.BlockPublicAccess{Modes: map[string]string{}, Exclusions: map[string]string{}}
	return n
}

// setBlockPublicAccess sets (or, for "", takes out) one entry of Block Public Access; a
// change reaches every VPC, since an account's mode covers a region.
func (b *NetworkBuilder) setBlockPublicAccess(c *NetworkChange, m func(*model.BlockPublicAccess) map[string]string, key string, mode bpaMode) {
	entries := m(b.n.BlockPublicAccess)
	if entries[key] == string(mode) {
		return
	}
	if mode == "" {
		delete(entries, key)
	} else {
		entries[key] = string(mode)
	}
	for id := range b.n.VPCs {
		c.vpc(id)
	}
}

// recordAccountRegion is "account/region" of a store key.
func recordAccountRegion(key string) string {
	parts := strings.Split(key, "/")
	return parts[0] + "/" + parts[1]
}

// as is v as a T, or T's zero value for nil (a deleted record).
func as[T any](v any) T {
	t, _ := v.(T)
	return t
}

func putOrDelete[T any](m map[string]*T, id string, v *T) {
	if v == nil {
		delete(m, id)
	} else {
		m[id] = v
	}
}

// field is one kind's map in a network and the VPC each value is of ("" for none).
type field[T any] struct {
	of  func(*model.Network) map[string]*T
	vpc func(*T) string
}

var (
	subnets          = field[model.Subnet]{func(n *model.Network) map[string]*model.Subnet { return n.Subnets }, func(s *model.Subnet) string { return s.VPC }}
	routeTables      = field[model.RouteTable]{func(n *model.Network) map[string]*model.RouteTable { return n.RouteTables }, func(r *model.RouteTable) string { return r.VPC }}
	internetGateways = field[model.InternetGateway]{func(n *model.Network) map[string]*model.InternetGateway { return n.InternetGateways }, func(g *model.InternetGateway) string { return g.VPC }}
	interfaces       = field[model.Interface]{func(n *model.Network) map[string]*model.Interface { return n.Interfaces }, func(e *model.Interface) string { return e.VPC }}
	instances        = field[model.Instance]{func(n *model.Network) map[string]*model.Instance { return n.Instances }, func(i *model.Instance) string { return i.VPC }}
	securityGroups   = field[model.SecurityGroup]{func(n *model.Network) map[string]*model.SecurityGroup { return n.SecurityGroups }, func(g *model.SecurityGroup) string { return g.VPC }}
	networkACLs      = field[model.NetworkACL]{func(n *model.Network) map[string]*model.NetworkACL { return n.NetworkACLs }, func(a *model.NetworkACL) string { return a.VPC }}
	natGateways      = field[model.NatGateway]{func(n *model.Network) map[string]*model.NatGateway { return n.NatGateways }, func(g *model.NatGateway) string { return g.VPC }}
	flowLogs         = field[model.FlowLog]{func(n *model.Network) map[string]*model.FlowLog { return n.FlowLogs }, func(f *model.FlowLog) string { return f.VPC }}
	vpnGateways      = field[model.VpnGateway]{func(n *model.Network) map[string]*model.VpnGateway { return n.VpnGateways }, func(g *model.VpnGateway) string { return g.VPC }}
	vpcs             = field[model.VPC]{func(n *model.Network) map[string]*model.VPC { return n.VPCs }, func(v *model.VPC) string { return v.ID }}

	egressOnlyGateways = field[model.EgressOnlyInternetGateway]{func(n *model.Network) map[string]*model.EgressOnlyInternetGateway {
		return n.EgressOnlyInternetGateways
	}, func(g *model.EgressOnlyInternetGateway) string { return g.VPC }}
)

// setPart puts m (nil: deletes) at id in the network and in its VPC's part, and notes the
// VPCs before and after when the model sees a difference. It returns the value it replaced.
func setPart[T any](b *NetworkBuilder, c *NetworkChange, id string, m *T, f field[T]) *T {
	old := f.of(b.n)[id]
	putOrDelete(f.of(b.n), id, m)
	var before, after string
	if old != nil {
		before = f.vpc(old)
		if p := b.Parts[before]; p != nil {
			delete(f.of(p), id)
		}
	}
	if m != nil {
		after = f.vpc(m)
		if after != "" {
			p := b.Parts[after]
			if p == nil {
				p = model.NewNetwork()
				b.Parts[after] = p
			}
			f.of(p)[id] = m
		}
	}
	if !reflect.DeepEqual(old, m) {
		c.vpc(before, after)
	}
	return old
}

// setVPC also keeps the AWS-managed prefix lists of the VPC's region, there while the
// region has a VPC.
func (b *NetworkBuilder) setVPC(c *NetworkChange, id string, m *model.VPC) {
	old := setPart(b, c, id, m, vpcs)
	if old != nil {
		b.regionVPCs[old.Region]--
		if b.regionVPCs[old.Region] == 0 {
			delete(b.regionVPCs, old.Region)
			for pl := range AWSManagedPrefixLists(old.Region) {
				delete(b.n.PrefixLists, pl)
			}
		}
	}
	if m != nil {
		b.regionVPCs[m.Region]++
		for pl, cidrs := range AWSManagedPrefixLists(m.Region) {
			b.n.PrefixLists[pl] = cidrs
		}
	}
	if m == nil && b.Parts[id] != nil && PartEmpty(b.Parts[id]) {
		delete(b.Parts, id)
	}
}

func PartEmpty(p *model.Network) bool {
	return len(p.VPCs)+len(p.Subnets)+len(p.RouteTables)+len(p.InternetGateways)+len(p.Interfaces)+
		len(p.Instances)+len(p.SecurityGroups)+len(p.NetworkACLs)+len(p.NatGateways)+len(p.EgressOnlyInternetGateways)+len(p.FlowLogs)+
		len(p.ResolverRules)+len(p.InterfaceEndpoints)+len(p.LoadBalancers)+len(p.Listeners)+len(p.TargetGroups) == 0
}

// setRouteTable also points the subnets the table's record associates at it.
func (b *NetworkBuilder) setRouteTable(c *NetworkChange, id string, rt routeTable) {
	setPart(b, c, id, rt.m, routeTables)
	old := b.rtbSubnets[id]
	if slices.Equal(old, rt.subnets) {
		return
	}
	if rt.m != nil {
		c.vpc(rt.m.VPC)
	}
	for _, s := range old {
		if b.assoc[s] != id || slices.Contains(rt.subnets, s) {
			continue
		}
		delete(b.assoc, s)
		if sn := b.n.Subnets[s]; sn != nil {
			c.vpc(sn.VPC)
			if sn.VPC == "" && !sn.CIDR.IsValid() {
				delete(b.n.Subnets, s) // known only from the association
			} else {
				sn.RouteTable = ""
			}
		}
	}
	if len(rt.subnets) == 0 {
		delete(b.rtbSubnets, id)
	} else {
		b.rtbSubnets[id] = rt.subnets
	}
	for _, s := range rt.subnets {
		b.assoc[s] = id
		if sn := b.n.Subnets[s]; sn != nil {
			sn.RouteTable = id
			c.vpc(sn.VPC)
		} else {
			b.n.Subnets[s] = &model.Subnet{ID: s, RouteTable: id}
		}
	}
}

// setNatGateway also marks its interface as the gateway's (a zonal one's).
func (b *NetworkBuilder) setNatGateway(c *NetworkChange, id string, m *model.NatGateway) {
	old := setPart(b, c, id, m, natGateways)
	if old != nil && old.Interface != "" && b.natOf[old.Interface] == id {
		delete(b.natOf, old.Interface)
		if eni := b.n.Interfaces[old.Interface]; eni != nil && eni.NatGateway == id {
			eni.NatGateway = ""
			c.vpc(eni.VPC)
		}
	}
	if m != nil && m.Interface != "" { // a regional gateway has none
		b.natOf[m.Interface] = id
		if eni := b.n.Interfaces[m.Interface]; eni != nil && eni.NatGateway != id {
			eni.NatGateway = id
			c.vpc(eni.VPC)
		}
	}
}

// setInterface also keeps the members of its groups.
func (b *NetworkBuilder) setInterface(c *NetworkChange, id string, m *model.Interface) {
	if m != nil {
		m.NatGateway = b.natOf[id]
	}
	old := setPart(b, c, id, m, interfaces)
	if old != nil {
		for _, g := range old.Groups {
			delete(b.MemberSet[g], id)
			if len(b.MemberSet[g]) == 0 {
				delete(b.MemberSet, g)
			}
		}
	}
	if m != nil {
		for _, g := range m.Groups {
			if b.MemberSet[g] == nil {
				b.MemberSet[g] = map[string]bool{}
			}
			b.MemberSet[g][id] = true
		}
	}
	var before, after *model.Interface
	if old != nil {
		before = &model.Interface{Groups: old.Groups, PrivateIPs: old.PrivateIPs, IPv6Addresses: old.IPv6Addresses}
	}
	if m != nil {
		after = &model.Interface{Groups: m.Groups, PrivateIPs: m.PrivateIPs, IPv6Addresses: m.IPv6Addresses}
	}
	if reflect.DeepEqual(before, after) {
		return
	}
	for _, e := range []*model.Interface{before, after} {
		if e == nil {
			continue
		}
		for _, g := range e.Groups {
			if !slices.Contains(c.Groups, g) {
				c.Groups = append(c.Groups, g)
			}
		}
	}
}

// setPeering keeps each copy of a connection (one per account) apart: the model has the
// connection while a copy says it is active.
func (b *NetworkBuilder) setPeering(c *NetworkChange, key, id string, m *model.Peering) {
	old := b.n.Peerings[id]
	copies := b.copies[id]
	if copies == nil {
		copies = map[string]*model.Peering{}
		b.copies[id] = copies
	}
	if m == nil {
		delete(copies, key)
	}
	if m != nil || copies[key] != nil {
		copies[key] = m
	}
	var now *model.Peering
	for _, k := range model.SortedKeys(copies) {
		if copies[k] != nil {
			now = copies[k] // the last active copy in key order, as a full read finds it
		}
	}
	if len(copies) == 0 {
		delete(b.copies, id)
	}
	if reflect.DeepEqual(old, now) {
		return
	}
	if old != nil {
		c.vpc(old.Requester, old.Accepter)
		delete(b.peerings[old.Requester], id)
		delete(b.peerings[old.Accepter], id)
	}
	putOrDelete(b.n.Peerings, id, now)
	if now != nil {
		c.vpc(now.Requester, now.Accepter)
		for _, vpc := range []string{now.Requester, now.Accepter} {
			if b.peerings[vpc] == nil {
				b.peerings[vpc] = map[string]bool{}
			}
			b.peerings[vpc][id] = true
		}
	}
}

// prefixListUsers are the VPCs whose route tables or security groups name the list.
func (b *NetworkBuilder) prefixListUsers(id string) []string {
	var out []string
	for _, rt := range b.n.RouteTables {
		for _, r := range rt.Routes {
			if r.DestinationPrefixList == id {
				out = append(out, rt.VPC)
			}
		}
	}
	for _, g := range b.n.SecurityGroups {
		for _, r := range g.Rules {
			if r.PrefixList == id {
				out = append(out, g.VPC)
			}
		}
	}
	return out
}

// protocolNumber is the IANA number of a stored rule protocol; -1 for all.
func protocolNumber(p string) int {
	switch p {
	case "tcp":
		return 6
	case "udp":
		return 17
	case "icmp":
		return 1
	case "icmpv6":
		return 58
	case "-1", "all":
		return -1
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return -1
	}
	return n
}
