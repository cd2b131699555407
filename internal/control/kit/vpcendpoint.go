package kit

import (
	"slices"
	"strings"
	"time"

	"vpcd/internal/ec2"
	"vpcd/internal/model"
)

// VpcEndpointRecord is a VPC endpoint (kind "vpce"). A gateway endpoint's route tables
// are not kept here but in the tables themselves, as the route to the service's prefix
// list with the endpoint as its target (see EndpointRouteTables), so that a route table
// deleted under an endpoint leaves nothing stale behind. An interface endpoint keeps its
// interfaces (one per subnet), its groups and its DNS settings.
type VpcEndpointRecord struct {
	Meta
	VpcID       string `json:"vpcId"`
	Type        string `json:"type"` // Gateway
	ServiceName string `json:"serviceName"`
	// PrefixList is the AWS-managed prefix list of a gateway endpoint's service, the
	// destination of its routes.
	PrefixList    string    `json:"prefixList,omitempty"`
	Policy        string    `json:"policy"`
	IPAddressType string    `json:"ipAddressType"`
	State         string    `json:"state"`
	Created       time.Time `json:"created"`
	ClientToken   string    `json:"clientToken,omitempty"`
	// Interface endpoints only.
	Interfaces []EndpointInterface `json:"interfaces,omitempty"`
	Groups     []string            `json:"groups,omitempty"`
	PrivateDNS bool                `json:"privateDns,omitempty"`
	// DNSID is the random part of the endpoint's DNS names (vpce-ID-DNSID.DNSBase), and
	// DNSBase the service's base endpoint name (ec2.us-east-1.vpce.amazonaws.com).
	DNSID   string `json:"dnsId,omitempty"`
	DNSBase string `json:"dnsBase,omitempty"`
	// PrivateDNSName is the service's private DNS name (ec2.us-east-1.amazonaws.com; ""
	// for none), which resolves to the interfaces inside the VPC when PrivateDNS is on.
	PrivateDNSName string `json:"privateDnsName,omitempty"`
	// DNSRecordIPType is DnsOptions' DnsRecordIpType (ipv4).
	DNSRecordIPType string `json:"dnsRecordIpType,omitempty"`
	// ServiceID and ServiceOwner name the endpoint service of an endpoint to one (its
	// connection is kept in the owner's account).
	ServiceID    string `json:"serviceId,omitempty"`
	ServiceOwner string `json:"serviceOwner,omitempty"`
}

// EndpointInterface is an interface endpoint's network interface in one subnet.
type EndpointInterface struct {
	ENI      string `json:"eni"`
	SubnetID string `json:"subnet"`
	Zone     string `json:"zone"`
}

// EndpointRouteTables are the route tables of the caller that route to an endpoint, by
// endpoint ID, in table ID order.
func EndpointRouteTables(t *Txn, c Caller) (map[string][]string, error) {
	tables, err := ListAll[RouteTableRecord](t, c.Prefix("rtb"))
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, rtb := range tables {
		for _, r := range rtb.Routes {
			if KindOf(r.Target) == "vpce" {
				out[r.Target] = append(out[r.Target], rtb.ID)
			}
		}
	}
	return out, nil
}

// EC2 is the endpoint as DescribeVpcEndpoints shows it, with its route tables.
func (e *VpcEndpointRecord) EC2(routeTables []string) *ec2.VpcEndpoint {
	if routeTables == nil {
		routeTables = []string{}
	}
	return &ec2.VpcEndpoint{
		VpcEndpointId: Ptr(e.ID), VpcEndpointType: Ptr(e.Type), VpcId: Ptr(e.VpcID), ServiceName: Ptr(e.ServiceName),
		State: Ptr(e.State), PolicyDocument: Ptr(e.Policy), RouteTableIds: routeTables,
		SubnetIds: []string{}, Groups: []ec2.SecurityGroupIdentifier{}, NetworkInterfaceIds: []string{}, DnsEntries: []ec2.DnsEntry{},
		IpAddressType: Ptr(e.IPAddressType), PrivateDnsEnabled: Ptr(false), RequesterManaged: Ptr(false),
		CreationTimestamp: Ptr(e.Created), OwnerId: Ptr(e.Owner), Tags: e.EC2Tags(),
	}
}

// VpcEndpointRequester is the requester of an interface endpoint's network interfaces, as
// AWS's documentation shows it in DescribeNetworkInterfaces.
const VpcEndpointRequester = "727180483921"

// vpcEndpointDescription begins the description of an interface endpoint's interface:
// "VPC Endpoint Interface vpce-…".
const vpcEndpointDescription = "VPC Endpoint Interface "

// VpcEndpointInterfaceDescription is the description of an interface endpoint's interface.
func VpcEndpointInterfaceDescription(endpoint string) string {
	return vpcEndpointDescription + endpoint
}

// VpcEndpoint is the ID of the interface endpoint the interface is of, from its
// description (which nobody but the endpoint can change), or "".
func (e *NetworkInterfaceRecord) VpcEndpoint() string {
	if !e.RequesterManaged || e.RequesterID != VpcEndpointRequester || e.InterfaceType != "vpc_endpoint" {
		return ""
	}
	id, _ := strings.CutPrefix(e.Description, vpcEndpointDescription)
	if !ValidID(id, "vpce") {
		return ""
	}
	return id
}

// hostedServices are the AWS services whose API vpcd serves, by the suffix of their
// endpoint service's name (com.amazonaws.REGION.SUFFIX): an interface endpoint to one
// of them reaches vpcd's API.
var hostedServices = []string{"ec2", "logs", "route53resolver", "servicequotas", "ssm", "sts"}

// HostedService reports whether vpcd serves the API of the AWS service of the endpoint
// service's name.
func HostedService(region, name string) bool {
	suffix, ok := strings.CutPrefix(name, "com.amazonaws."+region+".")
	return ok && slices.Contains(hostedServices, suffix)
}

// RegionalDNSName is the endpoint's regional name: vpce-ID-DNSID.BASE.
func (e *VpcEndpointRecord) RegionalDNSName() string {
	return e.ID + "-" + e.DNSID + "." + e.DNSBase
}

// ZonalDNSName is the endpoint's name in one zone: vpce-ID-DNSID-ZONE.BASE.
func (e *VpcEndpointRecord) ZonalDNSName(zone string) string {
	return e.ID + "-" + e.DNSID + "-" + zone + "." + e.DNSBase
}

// vpcEndpointModel: only interface endpoints enter the model (a gateway endpoint is its
// routes).
func vpcEndpointModel(region string, e *VpcEndpointRecord) any {
	if e.Type != "Interface" {
		return (*model.InterfaceEndpoint)(nil)
	}
	m := &model.InterfaceEndpoint{ID: e.ID, VPC: e.VpcID, DNSName: e.RegionalDNSName(), ZonalNames: map[string]string{},
		Hosted: HostedService(region, e.ServiceName), Service: e.ServiceID, Available: e.ServiceID != "" && e.State == "available"}
	for _, i := range e.Interfaces {
		m.ZonalNames[i.ENI] = e.ZonalDNSName(i.Zone)
	}
	if e.PrivateDNS {
		m.PrivateDNSName = e.PrivateDNSName
	}
	return m
}

var interfaceEndpoints = field[model.InterfaceEndpoint]{func(n *model.Network) map[string]*model.InterfaceEndpoint { return n.InterfaceEndpoints },
	func(e *model.InterfaceEndpoint) string { return e.VPC }}
