package kit

import (
	"time"

	"vpcd/internal/ec2"
)

// VpcEndpointRecord is a VPC endpoint (kind "vpce"). Only gateway endpoints exist yet:
// their route tables are not kept here but in the tables themselves, as the route to the
// service's prefix list with the endpoint as its target (see EndpointRouteTables), so
// that a route table deleted under an endpoint leaves nothing stale behind.
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
