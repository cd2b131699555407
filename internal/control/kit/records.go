package kit

import (
	"net/netip"
	"time"
)

// The stored form of each resource. Records are JSON in the store under Caller.key(ID);
// the Describe actions turn them into the EC2 shapes. A child record names its parent by
// ID; a transaction that adds or removes a child also writes the parent, so that checks
// like "no overlapping subnet" or "no dependency left" cannot race (see txn).

type VpcRecord struct {
	Meta
	CidrBlocks      []CidrAssociation `json:"cidrBlocks"` // the primary first
	Ipv6Blocks      []CidrAssociation `json:"ipv6Blocks,omitempty"`
	DhcpOptionsID   string            `json:"dhcpOptionsId"`
	InstanceTenancy string            `json:"instanceTenancy"`
	IsDefault       bool              `json:"isDefault,omitempty"`
	DNSSupport      bool              `json:"dnsSupport"`
	DNSHostnames    bool              `json:"dnsHostnames"`
	NAUMetrics      bool              `json:"nauMetrics,omitempty"`
	MainRouteTable  string            `json:"mainRouteTable"`
	DefaultACL      string            `json:"defaultAcl"`
	DefaultGroup    string            `json:"defaultGroup"`
	// The children counter that was here is the children key now (children.go); the
	// member of records stored before is ignored.
}

// CidrAssociation is one IPv4 or IPv6 block of a VPC or subnet.
type CidrAssociation struct {
	ID                 string       `json:"id"`
	Cidr               netip.Prefix `json:"cidr"`
	State              string       `json:"state"`
	Ipv6Pool           string       `json:"ipv6Pool,omitempty"`
	NetworkBorderGroup string       `json:"networkBorderGroup,omitempty"`
}

type SubnetRecord struct {
	Meta
	VpcID                string            `json:"vpcId"`
	Cidr                 netip.Prefix      `json:"cidr"`
	Ipv6Blocks           []CidrAssociation `json:"ipv6Blocks,omitempty"`
	AvailabilityZone     string            `json:"availabilityZone"`
	AvailabilityZoneID   string            `json:"availabilityZoneId"`
	DefaultForAz         bool              `json:"defaultForAz,omitempty"`
	MapPublicIPOnLaunch  bool              `json:"mapPublicIpOnLaunch,omitempty"`
	AssignIpv6OnCreation bool              `json:"assignIpv6OnCreation,omitempty"`
	EnableDns64          bool              `json:"enableDns64,omitempty"`
	HostnameType         string            `json:"hostnameType"`
	ResourceNameDnsA     bool              `json:"resourceNameDnsA,omitempty"`
	ResourceNameDnsAAAA  bool              `json:"resourceNameDnsAaaa,omitempty"`
	Ipv6Native           bool              `json:"ipv6Native,omitempty"`
	UsedAddresses        int               `json:"usedAddresses,omitempty"` // by interfaces, later
	Children             int64             `json:"children"`
}

type RouteTableRecord struct {
	Meta
	VpcID        string             `json:"vpcId"`
	Routes       []Route            `json:"routes"`
	Associations []RouteAssociation `json:"associations,omitempty"`
	// NatGateway is the regional NAT gateway that the table was created for and goes
	// with: it routes what the gateway translated.
	NatGateway string `json:"natGateway,omitempty"`
	// PropagatingVgws are the virtual private gateways whose routes the table takes
	// (EnableVgwRoutePropagation), in the order they were enabled.
	PropagatingVgws []string `json:"propagatingVgws,omitempty"`
}

// Route is one route; Target is the ID of what it points at ("local", igw-, nat-, pcx-,
// eni-, i-, eigw-, tgw-, vgw-, vpce-, lgw-, cagw-, or a core network ARN), and its kind
// says which member of the EC2 Route shape carries it.
type Route struct {
	Destination           netip.Prefix `json:"destination,omitzero"`
	DestinationPrefixList string       `json:"destinationPrefixList,omitempty"`
	Target                string       `json:"target"`
	Instance              string       `json:"instance,omitempty"` // the instance of an interface target
	InstanceOwner         string       `json:"instanceOwner,omitempty"`
	Origin                string       `json:"origin"` // CreateRouteTable, CreateRoute, EnableVgwRoutePropagation
}

type RouteAssociation struct {
	ID        string `json:"id"`
	Main      bool   `json:"main,omitempty"`
	SubnetID  string `json:"subnetId,omitempty"`
	GatewayID string `json:"gatewayId,omitempty"`
}

type InternetGatewayRecord struct {
	Meta
	VpcID string `json:"vpcId,omitempty"` // attached VPC, or none
}

type EgressOnlyInternetGatewayRecord struct {
	Meta
	VpcID       string `json:"vpcId,omitempty"`
	ClientToken string `json:"clientToken,omitempty"` // CreateEgressOnlyInternetGateway's idempotency token
}

type NetworkACLRecord struct {
	Meta
	VpcID        string           `json:"vpcId"`
	IsDefault    bool             `json:"isDefault,omitempty"`
	Entries      []AclEntry       `json:"entries"`
	Associations []AclAssociation `json:"associations,omitempty"`
}

type AclEntry struct {
	RuleNumber int32        `json:"ruleNumber"`
	Egress     bool         `json:"egress"`
	Protocol   string       `json:"protocol"` // "-1" or a number
	Allow      bool         `json:"allow"`
	Cidr       netip.Prefix `json:"cidr"`
	IcmpType   *int32       `json:"icmpType,omitempty"`
	IcmpCode   *int32       `json:"icmpCode,omitempty"`
	FromPort   *int32       `json:"fromPort,omitempty"`
	ToPort     *int32       `json:"toPort,omitempty"`
}

type AclAssociation struct {
	ID       string `json:"id"`
	SubnetID string `json:"subnetId"`
}

type SecurityGroupRecord struct {
	Meta
	VpcID       string   `json:"vpcId"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Rules       []SgRule `json:"rules"`
}

type SgRule struct {
	ID           string       `json:"id"`
	Egress       bool         `json:"egress"`
	Protocol     string       `json:"protocol"` // "-1", "tcp", "udp", "icmp", "icmpv6" or a number
	FromPort     int32        `json:"fromPort"`
	ToPort       int32        `json:"toPort"`
	Cidr         netip.Prefix `json:"cidr,omitzero"`
	PrefixListID string       `json:"prefixListId,omitempty"`
	GroupID      string       `json:"groupId,omitempty"`
	GroupOwner   string       `json:"groupOwner,omitempty"`
	Description  string       `json:"description,omitempty"`
	// Tags are the rule's own tags (TagSpecifications of type security-group-rule).
	Tags map[string]string `json:"tags,omitempty"`
}

// NetworkInterfaceRecord is an elastic network interface (kind "eni"). Its "subnetId"
// keeps the subnet from being deleted, its "groups" keep security groups from being
// deleted, and its addresses are the subnet's used addresses (see address.go).
type NetworkInterfaceRecord struct {
	Meta
	SubnetID           string         `json:"subnetId"`
	VpcID              string         `json:"vpcId"`
	AvailabilityZone   string         `json:"availabilityZone"`
	AvailabilityZoneID string         `json:"availabilityZoneId"`
	Groups             []string       `json:"groups"` // security group IDs
	MacAddress         string         `json:"macAddress"`
	PrivateIPs         []PrivateIP    `json:"privateIps"` // the primary first
	Ipv6Addresses      []netip.Addr   `json:"ipv6Addresses,omitempty"`
	Description        string         `json:"description"`
	SourceDestCheck    bool           `json:"sourceDestCheck"`
	InterfaceType      string         `json:"interfaceType"` // "interface"
	RequesterManaged   bool           `json:"requesterManaged"`
	RequesterID        string         `json:"requesterId,omitempty"`
	Attachment         *EniAttachment `json:"attachment,omitempty"`
	// AutoPublicIP asks for a public IPv4 address from Amazon's pool whenever the
	// instance it is the primary interface of runs (RunInstances' AssociatePublicIpAddress
	// or the subnet's MapPublicIpOnLaunch).
	AutoPublicIP bool `json:"autoPublicIp,omitempty"`
}

// PrivateIP is one private IPv4 address of an interface and the public address
// associated with it, if any.
type PrivateIP struct {
	Addr        netip.Addr     `json:"addr"`
	Primary     bool           `json:"primary,omitempty"`
	Association *IpAssociation `json:"association,omitempty"`
}

// IpAssociation is a public IPv4 address mapped 1:1 to a private one. Owner is "amazon"
// for an address from the public pool (released when the instance stops), or the
// account of an Elastic IP.
type IpAssociation struct {
	PublicIP      netip.Addr `json:"publicIp"`
	Owner         string     `json:"owner"`
	AllocationID  string     `json:"allocationId,omitempty"`
	AssociationID string     `json:"associationId,omitempty"`
}

type EniAttachment struct {
	ID                  string    `json:"id"` // eni-attach-...
	InstanceID          string    `json:"instanceId"`
	InstanceOwner       string    `json:"instanceOwner"`
	DeviceIndex         int32     `json:"deviceIndex"`
	Status              string    `json:"status"` // attached
	DeleteOnTermination bool      `json:"deleteOnTermination"`
	AttachTime          time.Time `json:"attachTime"`
}

// InstanceRecord is an instance (kind "i"). State is the state AWS converges to (running,
// stopped, terminated): the transitions in between are what the actions answer, and the
// data plane realizes the stored state. A terminated instance has no subnet, VPC or
// interfaces and is hidden an hour after TerminatedAt.
type InstanceRecord struct {
	Meta
	SubnetID              string    `json:"subnetId,omitempty"`
	VpcID                 string    `json:"vpcId,omitempty"`
	ImageID               string    `json:"imageId"`
	InstanceType          string    `json:"instanceType"`
	State                 string    `json:"state"`
	StateReason           string    `json:"stateReason,omitempty"` // Client.UserInitiatedShutdown
	StateTransitionReason string    `json:"stateTransitionReason,omitempty"`
	LaunchTime            time.Time `json:"launchTime"`
	TerminatedAt          time.Time `json:"terminatedAt,omitzero"`
	RebootedAt            time.Time `json:"rebootedAt,omitzero"`
	// ENIs are the attached interfaces in device order; ENIs[0] is the primary one.
	ENIs                    []string   `json:"enis,omitempty"`
	PrivateIP               netip.Addr `json:"privateIp,omitzero"` // the primary interface's primary address
	UserData                string     `json:"userData,omitempty"` // base64, as given
	KeyName                 string     `json:"keyName,omitempty"`
	PublicKey               string     `json:"publicKey,omitempty"` // the key pair's at launch, as a line of authorized_keys
	AmiLaunchIndex          int32      `json:"amiLaunchIndex"`
	ReservationID           string     `json:"reservationId"`
	ClientToken             string     `json:"clientToken,omitempty"`
	AvailabilityZone        string     `json:"availabilityZone"`
	AvailabilityZoneID      string     `json:"availabilityZoneId"`
	Tenancy                 string     `json:"tenancy"`
	HostnameType            string     `json:"hostnameType"` // ip-name or resource-name
	Monitoring              bool       `json:"monitoring,omitempty"`
	EbsOptimized            bool       `json:"ebsOptimized,omitempty"`
	DisableAPITermination   bool       `json:"disableApiTermination,omitempty"`
	DisableAPIStop          bool       `json:"disableApiStop,omitempty"`
	ShutdownBehavior        string     `json:"shutdownBehavior"` // stop or terminate
	HTTPTokens              string     `json:"httpTokens"`       // optional or required
	HTTPPutResponseHopLimit int32      `json:"httpPutResponseHopLimit"`
	// The other metadata options (see instancemetadata.go); "" is AWS's default, so
	// that records stored before them read as they were launched.
	HTTPEndpoint         string `json:"httpEndpoint,omitempty"`         // enabled or disabled
	HTTPProtocolIPv6     string `json:"httpProtocolIpv6,omitempty"`     // enabled or disabled
	InstanceMetadataTags string `json:"instanceMetadataTags,omitempty"` // enabled or disabled
	CPUCredits           string `json:"cpuCredits,omitempty"`           // standard or unlimited; "" for the type's default
	// Volumes are the IDs of the attached EBS volumes, the root volume first (see
	// VolumeRecord); RootDeviceName is the root volume's device, "" for /dev/xvda.
	Volumes        []string `json:"volumes,omitempty"`
	RootDeviceName string   `json:"rootDeviceName,omitempty"`
	// ResourceNameDnsA and ResourceNameDnsAAAA say whether the instance's resource name
	// answers A and AAAA queries (PrivateDnsNameOptions; the subnet's on launch).
	ResourceNameDnsA    bool `json:"resourceNameDnsA,omitempty"`
	ResourceNameDnsAAAA bool `json:"resourceNameDnsAaaa,omitempty"`

	// Host is the host it is placed on when vpcd spans several (internal/hosts), "" on
	// one machine. AWS shows nothing of it.
	Host string `json:"host,omitempty"`
}
