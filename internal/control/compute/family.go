// Package compute answers the EC2 actions of instances (run, describe, state, attributes, credits, types), network
// interfaces, Elastic IP addresses and NAT gateways.
package compute

import "vpcd/internal/control/kit"

// Compute answers the actions of the family over the shared kit.
type Compute struct{ *kit.Kit }
