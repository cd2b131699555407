// Package dns answers Route 53's hosted zone actions: public and private hosted zones,
// their record sets, their VPC associations (also across accounts) and their tags. Private
// zones enter the data plane's model (kit/hostedzone.go), where the in-VPC resolver
// answers their records inside the associated VPCs; public zones are kept and listed as
// AWS keeps them, and answered by nobody. Changes are in sync at once: GetChange says
// INSYNC for every change.
package dns

import "vpcd/internal/control/kit"

// DNS answers the actions of the family over the shared kit.
type DNS struct{ *kit.Kit }
