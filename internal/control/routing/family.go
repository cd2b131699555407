// Package routing answers the EC2 actions of route tables, routes, VPC peering connections and managed prefix lists.
package routing

import "vpcd/internal/control/kit"

// Routing answers the actions of the family over the shared kit.
type Routing struct{ *kit.Kit }
