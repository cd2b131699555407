// Package vpc answers the EC2 actions of VPCs and what hangs directly off them: subnets,
// the default VPC, DHCP option sets, internet and egress-only internet gateways, and the
// account-wide answers about regions, zones and account attributes.
package vpc

import "vpcd/internal/control/kit"

// VPC answers the actions of the family over the shared kit.
type VPC struct{ *kit.Kit }
