// Package tgw answers EC2's transit gateway actions: the gateways themselves
// (transitgateway.go), their VPC attachments (attachment.go), VPN attachments (vpn.go,
// for control/vpn's CreateVpnConnection), peering attachments (peering.go), their route
// tables with associations, propagations and static routes (routetable.go, route.go). A
// VPC route table may point at a gateway once the VPC is attached (control/routing
// checks it). The data plane does not carry transit gateways yet: routes to them drop
// what they match, as routes to virtual private gateways do.
//
// Every resource is available at once: the answer to a creation says pending (AWS's
// first state) and the next read says available; a deletion answers deleting, and the
// resource is then shown deleted for two hours (kit.TgwShownAfterDelete) and is not
// found by any other action.
package tgw

import (
	"slices"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// TGW answers the actions of the family over the shared kit.
type TGW struct{ *kit.Kit }

// toggle reads an "enable"/"disable" option, def when absent.
func toggle(name string, v *string, def bool) (bool, error) {
	switch kit.Deref(v) {
	case "":
		return def, nil
	case "enable":
		return true, nil
	case "disable":
		return false, nil
	}
	return false, ec2.ErrInvalidParameterValue("Value (%s) for parameter %s is invalid. Valid values: enable, disable", *v, name)
}

// getLive reads a transit gateway resource by ID: a deleted one is not found.
func getLive[R any, P interface {
	*R
	kit.Record
	Gone() bool
}](t *kit.Txn, c kit.Caller, kind, id string) (*R, error) {
	r, err := kit.Get[R](t, c, kind, id)
	if err != nil {
		return nil, err
	}
	if P(r).Gone() {
		return nil, kit.NotFound(id)
	}
	return r, nil
}

// visible drops the records that Describe no longer shows.
func visible[R any, P interface {
	*R
	Visible(time.Time) bool
}](recs []*R) []*R {
	now := time.Now()
	return slices.DeleteFunc(recs, func(r *R) bool { return !P(r).Visible(now) })
}
