// Package security answers the EC2 actions of security groups and their rules, and network ACLs.
package security

import "vpcd/internal/control/kit"

// Security answers the actions of the family over the shared kit.
type Security struct{ *kit.Kit }
