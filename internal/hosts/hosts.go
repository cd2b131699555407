// Package hosts is the registry of the machines that carry instances when vpcd spans
// several hosts (vpcd agent): each agent registers its host in the store under a lease
// that expires when the agent dies (Register), API servers follow the live hosts from a
// watch-fed cache (Registry) and place each new instance on one of them (Place). It sits
// beside the store in the picture of DESIGN.md: it reads and writes only its own keys,
// which no resource code and no informer reads.
package hosts

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
)

// Prefix is where live hosts are kept in the store, one key per host, each under its
// agent's lease.
const Prefix = "hosts/live/"

// usagePrefix is where what is placed on each host is counted: it outlives the host's
// lease, since the instances placed there do.
const usagePrefix = "hosts/usage/"

// Key is the store key of a live host.
func Key(id string) string { return Prefix + id }

// UsageKey is the store key of what is placed on a host (Usage).
func UsageKey(id string) string { return usagePrefix + id }

// Host is one machine that carries instances, as its agent registers it.
type Host struct {
	ID string `json:"id"`
	// Underlay is the address other hosts reach it at: the VXLAN tunnels' endpoint.
	Underlay netip.Addr `json:"underlay"`
	// Zones are the Availability Zones (us-east-1a) whose subnets' instances it takes.
	Zones []string `json:"zones"`
	// CapacityVCPUs is how many vCPUs of instances it takes; 0 for no limit.
	CapacityVCPUs int `json:"capacityVcpus,omitempty"`
}

var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// Check reports what is wrong with a host as an agent would register it.
func (h Host) Check() error {
	switch {
	case !validID.MatchString(h.ID):
		return fmt.Errorf("host ID %q: want 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit", h.ID)
	case !h.Underlay.IsValid():
		return fmt.Errorf("host %s: no underlay address", h.ID)
	case len(h.Zones) == 0:
		return fmt.Errorf("host %s: no zone", h.ID)
	case h.CapacityVCPUs < 0:
		return fmt.Errorf("host %s: negative capacity", h.ID)
	}
	for _, z := range h.Zones {
		if z == "" {
			return fmt.Errorf("host %s: an empty zone name", h.ID)
		}
	}
	return nil
}

// InZone reports whether the host takes instances of the zone.
func (h Host) InZone(zone string) bool { return slices.Contains(h.Zones, zone) }

func decodeHost(value []byte) (Host, error) {
	var h Host
	if err := json.Unmarshal(value, &h); err != nil {
		return Host{}, err
	}
	if h.ID == "" {
		return Host{}, errors.New("host without an ID")
	}
	return h, nil
}
