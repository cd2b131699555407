// Package endpoints answers the EC2 actions of VPC endpoints: DescribeVpcEndpointServices
// (the region's AWS services, services.go) and the gateway endpoints to S3 and DynamoDB
// (CreateVpcEndpoint, DescribeVpcEndpoints, ModifyVpcEndpoint, DeleteVpcEndpoints). A
// gateway endpoint is the route it puts in each of its route tables: the service's
// AWS-managed prefix list with the endpoint as target, which the data plane delivers to
// the VPC's S3 proxy (internal/vpcsvc); its policy is evaluated by internal/api for each
// S3 request that passes it (GatewayPolicy). An interface endpoint
// (interface.go) is a requester-managed network interface in each of its subnets, in its
// security groups, and DNS names that resolve to them in its VPC; the data plane gives
// each interface a namespace whose daemon passes HTTP and HTTPS to vpcd's API when vpcd
// serves the service (kit.HostedService). Interface endpoints to S3 are refused.
//
// PrivateLink (endpointservice.go, connections.go): a provider publishes its network load
// balancers as an endpoint service, allows principals to see it, and accepts or rejects
// the interface endpoints that consumers of any account make to it; an available
// endpoint's interfaces carry flows to the load balancer (internal/plan/privatelink.go).
package endpoints

import "vpcd/internal/control/kit"

// Endpoints answers the actions of the family over the shared kit.
type Endpoints struct{ *kit.Kit }
