package resolver

import (
	"slices"
	"strings"

	"vpcd/internal/model"
)

// interfaceEndpoints adds the DNS names of the VPC's interface endpoints (endpointNames)
// and, for those with private DNS, returns a private zone of the service's own name
// whose records are the endpoint's interfaces' addresses, as AWS's hidden private hosted
// zone: it answers nothing else under that name. The records keep the endpoints' ID
// order, and the interfaces' within each.
func interfaceEndpoints(n *model.Network, vpc string, enis []*model.Interface, b *records) []Zone {
	var zones []Zone
	for _, id := range model.SortedKeys(n.InterfaceEndpoints) {
		e := n.InterfaceEndpoints[id]
		if e.VPC != vpc {
			continue
		}
		addrs := endpointNames(e, enis, b)
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

// endpointNames adds an interface endpoint's own names: its regional name resolves to
// the addresses of all its interfaces (among enis, those of its VPC) and each zonal name
// to its zone's interface's. It returns the addresses. On AWS these names are public:
// the internet's resolver answers them too (ForInternet), with the same private
// addresses, for the networks that reach the VPC.
func endpointNames(e *model.InterfaceEndpoint, enis []*model.Interface, b *records) []string {
	var addrs []string
	for _, eni := range enis {
		if eni.VpcEndpoint != e.ID || len(eni.PrivateIPs) == 0 {
			continue
		}
		a := eni.PrivateIPs[0].String()
		addrs = append(addrs, a)
		b.add(e.DNSName, "A", a)
		if z := e.ZonalNames[eni.ID]; z != "" {
			b.add(z, "A", a)
		}
	}
	return addrs
}
