package resolver

import (
	"slices"
	"strings"

	"vpcd/internal/model"
)

// interfaceEndpoints adds the DNS names of the VPC's interface endpoints: the regional
// name of each resolves to the addresses of all its interfaces and a zonal name to its
// zone's interface's; with private DNS, the service's own name resolves to the
// interfaces too, in a private zone of that name (as AWS's hidden private hosted zone,
// which answers nothing else under it). The records keep the endpoints' ID order, and
// the interfaces' within each.
func interfaceEndpoints(n *model.Network, vpc string, enis []*model.Interface, b *records) []Zone {
	var zones []Zone
	for _, id := range model.SortedKeys(n.InterfaceEndpoints) {
		e := n.InterfaceEndpoints[id]
		if e.VPC != vpc {
			continue
		}
		var addrs []string
		for _, eni := range enis {
			if eni.VpcEndpoint != id || len(eni.PrivateIPs) == 0 {
				continue
			}
			a := eni.PrivateIPs[0].String()
			addrs = append(addrs, a)
			b.add(e.DNSName, "A", a)
			if z := e.ZonalNames[eni.ID]; z != "" {
				b.add(z, "A", a)
			}
		}
		if e.PrivateDNSName == "" || len(addrs) == 0 {
			continue
		}
		// "*.dkr.ecr.REGION.amazonaws.com" stands for the zone's names under it, the
		// zone's own name included.
		name := strings.TrimPrefix(e.PrivateDNSName, "*.")
		zone := Zone{Name: name, Records: []Record{{Name: name, Type: "A", TTL: nameTTL, Values: addrs}}}
		if name != e.PrivateDNSName {
			zone.Records = append(zone.Records, Record{Name: `\052.` + name, Type: "A", TTL: nameTTL, Values: addrs})
		}
		zones = append(zones, zone)
	}
	slices.SortStableFunc(zones, func(a, b Zone) int { return strings.Compare(a.Name, b.Name) })
	return zones
}
