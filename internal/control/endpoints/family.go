// Package endpoints answers the EC2 actions of VPC endpoints: DescribeVpcEndpointServices
// (the region's AWS services, services.go) and the gateway endpoints to S3 and DynamoDB
// (CreateVpcEndpoint, DescribeVpcEndpoints, ModifyVpcEndpoint, DeleteVpcEndpoints). A
// gateway endpoint is the route it puts in each of its route tables: the service's
// AWS-managed prefix list with the endpoint as target; the data plane does not carry
// those routes yet (it drops what they match). Interface endpoints are refused.
package endpoints

import "vpcd/internal/control/kit"

// Endpoints answers the actions of the family over the shared kit.
type Endpoints struct{ *kit.Kit }
