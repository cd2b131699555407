package model

// InterfaceEndpoint is an interface VPC endpoint to an AWS service: a requester-managed
// interface in each of its subnets (those whose VpcEndpoint is its ID), and the DNS
// names that resolve to them inside its VPC.
type InterfaceEndpoint struct {
	ID, VPC string
	// DNSName is the endpoint's regional name
	// (vpce-0123…-abcd1234.ec2.us-east-1.vpce.amazonaws.com): every interface's address.
	DNSName string
	// ZonalNames are the endpoint's zonal names by interface ID
	// (vpce-0123…-abcd1234-us-east-1a.ec2…): that interface's address.
	ZonalNames map[string]string
	// PrivateDNSName is the service's own name that resolves to the interfaces inside the
	// VPC when private DNS is on (ec2.us-east-1.amazonaws.com; "*.dkr.ecr…" stands for
	// the names under it); "" when it is off or the service has none.
	PrivateDNSName string
	// Hosted: vpcd serves the service's API, and the interfaces' daemons pass what
	// reaches them on ports 80 and 443 to it. Another service's endpoint only has
	// addresses and names: a connection to it is refused.
	Hosted bool
	// Service is the endpoint service (vpce-svc-…) of an endpoint to one, "" for an AWS
	// service's; Available is its connection's state "available" (accepted): only then
	// do its interfaces carry flows to the service's load balancers (PrivateLink).
	Service   string
	Available bool
}

// EndpointService is an endpoint service (PrivateLink): the network load balancers
// whose listeners the endpoints to it reach. In the whole network only.
type EndpointService struct {
	ID            string
	LoadBalancers []string
}
