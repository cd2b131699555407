package hosts

import "sort"

// Usage is what is placed on one host: its instances that are not terminated, and their
// vCPUs.
type Usage struct {
	Instances int `json:"instances"`
	VCPUs     int `json:"vcpus"`
}

// Add counts n instances of vcpus each more (fewer when n is negative).
func (u *Usage) Add(n, vcpus int) {
	u.Instances = max(u.Instances+n, 0)
	u.VCPUs = max(u.VCPUs+n*vcpus, 0)
}

// Fits reports whether the host takes an instance of vcpus on top of what it carries.
func (h Host) Fits(u Usage, vcpus int) bool {
	return h.CapacityVCPUs == 0 || u.VCPUs+vcpus <= h.CapacityVCPUs
}

// Place chooses a host of the zone for each of n instances of vcpus each, spreading them
// as AWS spreads a launch without a placement group: each goes to the host with the
// fewest vCPUs placed, then the fewest instances, then the lowest ID, counting the ones
// placed before it. It returns the hosts' IDs in launch order, fewer than n when the
// zone's hosts are full (none when it has none), and adds what it placed to used.
func Place(hosts []Host, used map[string]Usage, zone string, vcpus, n int) []string {
	var zoned []Host
	for _, h := range hosts {
		if h.InZone(zone) {
			zoned = append(zoned, h)
		}
	}
	var out []string
	for range n {
		best := -1
		for i, h := range zoned {
			if !h.Fits(used[h.ID], vcpus) {
				continue
			}
			if best < 0 || less(used[h.ID], h.ID, used[zoned[best].ID], zoned[best].ID) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		id := zoned[best].ID
		u := used[id]
		u.Add(1, vcpus)
		used[id] = u
		out = append(out, id)
	}
	return out
}

// less orders hosts for spreading: the least loaded first.
func less(a Usage, aID string, b Usage, bID string) bool {
	if a.VCPUs != b.VCPUs {
		return a.VCPUs < b.VCPUs
	}
	if a.Instances != b.Instances {
		return a.Instances < b.Instances
	}
	return aID < bID
}

// Zones are the zones that some host serves, sorted.
func Zones(hosts []Host) []string {
	seen := map[string]bool{}
	for _, h := range hosts {
		for _, z := range h.Zones {
			seen[z] = true
		}
	}
	out := make([]string, 0, len(seen))
	for z := range seen {
		out = append(out, z)
	}
	sort.Strings(out)
	return out
}
