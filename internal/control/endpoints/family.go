// Package endpoints answers the EC2 actions of VPC endpoints: DescribeVpcEndpointServices
// (the region's AWS services, services.go) and the gateway endpoints to S3 and DynamoDB
// (CreateVpcEndpoint, DescribeVpcEndpoints, ModifyVpcEndpoint, DeleteVpcEndpoints). A
// gateway endpoint is the route it puts in each of its route tables: the service's
// AWS-managed prefix list with the endpoint as target, which the data plane delivers to
// the VPC's S3 proxy (internal/vpcsvc); its policy is evaluated by internal/api for each
// S3 request that passes it (GatewayPolicy). Interface endpoints are refused.
package endpoints

import "vpcd/internal/control/kit"

// Endpoints answers the actions of the family over the shared kit.
type Endpoints struct{ *kit.Kit }
