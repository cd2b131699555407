package compute

import (
	"net/http"
	"slices"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/hosts"
)

// placeInstances chooses the host of each of up to n instances of the type in the zone,
// at least min of them, and counts them on their hosts (hosts.UsageKey, read and written
// in t, so that concurrent launches into one zone see each other's placements). On one
// machine (no host list) every instance is on it, and so on host "". Placement groups
// are not yet taken into account: every launch spreads.
func (s *Compute) placeInstances(t *kit.Txn, c kit.Caller, zone string, typ string, vcpus, n, min int) ([]string, error) {
	if s.Hosts == nil {
		return make([]string, n), nil
	}
	live := s.Hosts.Live()
	used := map[string]hosts.Usage{}
	for _, h := range live {
		if !h.InZone(zone) {
			continue
		}
		var u hosts.Usage
		if _, err := t.Get(hosts.UsageKey(h.ID), &u); err != nil {
			return nil, err
		}
		used[h.ID] = u
	}
	placed := hosts.Place(live, used, zone, vcpus, n)
	if len(placed) < min {
		return nil, errInsufficientInstanceCapacity(typ, zone, otherZones(live, c.Region, zone))
	}
	for _, id := range placed {
		if err := t.Put(hosts.UsageKey(id), used[id]); err != nil {
			return nil, err
		}
	}
	return placed, nil
}

// releaseHost takes an instance that stops or terminates off its host, as AWS does: a
// stopped instance starts again on whichever host has room then.
func releaseHost(t *kit.Txn, inst *kit.InstanceRecord) error {
	if inst.Host == "" {
		return nil
	}
	key := hosts.UsageKey(inst.Host)
	var u hosts.Usage
	if _, err := t.Get(key, &u); err != nil {
		return err
	}
	u.Add(-1, instanceVcpus(inst.InstanceType))
	inst.Host = ""
	return t.Put(key, u)
}

// otherZones are the region's zones other than zone that some live host serves.
func otherZones(live []hosts.Host, region, zone string) []string {
	return slices.DeleteFunc(hosts.Zones(live), func(z string) bool {
		return z == zone || !strings.HasPrefix(z, region)
	})
}

// errInsufficientInstanceCapacity is AWS's answer when a zone has no room for the
// instances: a server error (HTTP 500), which the SDKs retry.
func errInsufficientInstanceCapacity(typ, zone string, others []string) error {
	msg := "We currently do not have sufficient " + typ + " capacity in the Availability Zone you requested (" + zone + "). " +
		"Our system will be working on provisioning additional capacity."
	if len(others) > 0 {
		msg += " You can currently get " + typ + " capacity by not specifying an Availability Zone in your request or choosing " + strings.Join(others, ", ") + "."
	}
	return &ec2.Error{Code: "InsufficientInstanceCapacity", Message: msg, Status: http.StatusInternalServerError}
}
