package kit

import (
	"reflect"
	"strings"
	"time"

	"vpcd/internal/model"
)

// PrivateLink endpoint services (kind "vpce-svc"), kept in their owner's account. A
// consumer in another account finds one by its name, which carries its ID: the index key
// EndpointServiceOwnerKey holds the owner of each ID in the region. A connection (an
// interface endpoint to the service) is an EndpointConnectionRecord in the owner's account
// beside the consumer's endpoint record, both written in one transaction, so that each
// side reads its own keys.

// EndpointServiceRecord is an endpoint service configuration.
type EndpointServiceRecord struct {
	Meta
	Name               string   `json:"name"` // com.amazonaws.vpce.REGION.vpce-svc-…
	LoadBalancers      []string `json:"loadBalancers"`
	AcceptanceRequired bool     `json:"acceptanceRequired"`
	IPAddressTypes     []string `json:"ipAddressTypes"`
	// PrivateDNSName is the name the provider claims ("" for none), PrivateDNSState its
	// verification state, and PrivateDNSTXTName/Value the TXT record that proves it.
	PrivateDNSName     string             `json:"privateDnsName,omitempty"`
	PrivateDNSState    string             `json:"privateDnsState,omitempty"`
	PrivateDNSTXTName  string             `json:"privateDnsTxtName,omitempty"`
	PrivateDNSTXTValue string             `json:"privateDnsTxtValue,omitempty"`
	Principals         []ServicePrincipal `json:"principals,omitempty"`
	ClientToken        string             `json:"clientToken,omitempty"`
	Created            time.Time          `json:"created"`
}

// ServicePrincipal is one allowed principal and the ID of its permission.
type ServicePrincipal struct {
	ID  string `json:"id"` // vpce-svc-perm-…
	ARN string `json:"arn"`
}

// EndpointConnectionRecord is one endpoint's connection to a service, in the service
// owner's account.
type EndpointConnectionRecord struct {
	ServiceID     string    `json:"serviceId"`
	EndpointID    string    `json:"endpointId"`
	EndpointOwner string    `json:"endpointOwner"`
	VpcID         string    `json:"vpcId"`
	State         string    `json:"state"`
	IPAddressType string    `json:"ipAddressType"`
	Created       time.Time `json:"created"`
}

// ConnectionNotificationRecord is a connection notification (kind "vpce-nfn") of a
// service or of an endpoint.
type ConnectionNotificationRecord struct {
	Meta
	ServiceID   string   `json:"serviceId,omitempty"`
	EndpointID  string   `json:"endpointId,omitempty"`
	ARN         string   `json:"arn"`
	Events      []string `json:"events"`
	State       string   `json:"state"`
	ClientToken string   `json:"clientToken,omitempty"`
}

// EndpointServiceOwnerKey holds the account that owns the endpoint service of an ID.
func EndpointServiceOwnerKey(region, id string) string {
	return EndpointServiceOwnerPrefix(region) + id
}

// EndpointServiceOwnerPrefix is where the owners of every endpoint service of a region are.
func EndpointServiceOwnerPrefix(region string) string { return "vpce-svc-owner/" + region + "/" }

// EndpointConnectionKey is where the connection of an endpoint to a service of the caller is.
func EndpointConnectionKey(c Caller, serviceID, endpointID string) string {
	return EndpointConnectionPrefix(c, serviceID) + endpointID
}

// EndpointConnectionPrefix is where the connections to one service ("" for all the
// caller's services) are.
func EndpointConnectionPrefix(c Caller, serviceID string) string {
	if serviceID == "" {
		return c.Prefix("vpce-conn")
	}
	return c.Prefix("vpce-conn") + serviceID + "/"
}

// LoadBalancerServiceKey holds the endpoint service a network load balancer of the caller
// serves, which keeps the load balancer from being deleted.
func LoadBalancerServiceKey(c Caller, loadBalancerID string) string {
	return c.Prefix("elblb-svc") + loadBalancerID
}

// endpointServiceModel is what PrivateLink's data plane needs of a service: its load
// balancers' IDs (elblb- and the last part of each ARN).
func endpointServiceModel(_ string, r *EndpointServiceRecord) any {
	m := &model.EndpointService{ID: r.ID}
	for _, arn := range r.LoadBalancers {
		m.LoadBalancers = append(m.LoadBalancers, "elblb-"+arn[strings.LastIndex(arn, "/")+1:])
	}
	return m
}

// setEndpointService keeps a service in the whole network; the VPCs of its load
// balancers and of the endpoints to it are re-planned.
func (b *NetworkBuilder) setEndpointService(c *NetworkChange, id string, m *model.EndpointService) {
	old := b.n.EndpointServices[id]
	putOrDelete(b.n.EndpointServices, id, m)
	if reflect.DeepEqual(old, m) {
		return
	}
	for _, s := range []*model.EndpointService{old, m} {
		if s == nil {
			continue
		}
		for _, lb := range s.LoadBalancers {
			if l := b.n.LoadBalancers[lb]; l != nil {
				c.vpc(l.VPC)
			}
		}
	}
	for _, e := range b.n.InterfaceEndpoints {
		if e.Service == id {
			c.vpc(e.VPC)
		}
	}
}
