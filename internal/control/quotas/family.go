// Package quotas answers the EC2 actions of the Service Quotas API for the quotas vpcd enforces.
package quotas

import "vpcd/internal/control/kit"

// Quotas answers the actions of the family over the shared kit.
type Quotas struct{ *kit.Kit }
