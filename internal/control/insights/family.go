// Package insights answers the EC2 actions of the Reachability Analyzer (paths and analyses) and the Network Access
// Analyzer (scopes and their analyses), over the model the data plane follows.
package insights

import "vpcd/internal/control/kit"

// Insights answers the actions of the family over the shared kit.
type Insights struct{ *kit.Kit }
