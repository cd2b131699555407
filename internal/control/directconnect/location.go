package directconnect

import (
	"context"
	"strings"

	dx "vpcd/internal/aws/directconnect"
	"vpcd/internal/control/kit"
)

// location is a Direct Connect location: a colocation facility where a dedicated
// connection's port is.
type location struct {
	code, name string
	speeds     []string // port speeds of dedicated connections
}

// locations are a few simulated locations per region, named as AWS names its own in the
// region; a region not listed has one location of its own (vpcdSimulatedLocation).
var locations = map[string][]location{
	"us-east-1": {
		{"EqDC2", "Equinix DC1-DC6, DC10-DC11, Ashburn, VA", []string{"1Gbps", "10Gbps", "100Gbps", "400Gbps"}},
		{"CSVA1", "CoreSite VA1, VA2, Reston, VA", []string{"1Gbps", "10Gbps", "100Gbps"}},
		{"EqNY5", "Equinix NY5, Secaucus, NJ", []string{"1Gbps", "10Gbps", "100Gbps"}},
	},
	"us-east-2": {
		{"CyCMH1", "Cyxtera COL2, Columbus, OH", []string{"1Gbps", "10Gbps", "100Gbps"}},
		{"CoCH1", "Cologix COL1, Columbus, OH", []string{"1Gbps", "10Gbps"}},
	},
	"us-west-1": {
		{"EqSV5", "Equinix SV1 & SV5, San Jose, CA", []string{"1Gbps", "10Gbps", "100Gbps"}},
		{"CSLA1", "CoreSite One Wilshire LA1, Los Angeles, CA", []string{"1Gbps", "10Gbps"}},
	},
	"us-west-2": {
		{"EqSE2", "Equinix SE2 & SE3, Seattle, WA", []string{"1Gbps", "10Gbps", "100Gbps", "400Gbps"}},
		{"PIX1", "Pittock Block, Portland, OR", []string{"1Gbps", "10Gbps", "100Gbps"}},
	},
	"eu-west-1": {
		{"EIRE1", "Equinix DB1/DB2/DB3, Dublin, Ireland", []string{"1Gbps", "10Gbps", "100Gbps"}},
		{"TCDUB", "Digital Realty DUB2, Dublin, Ireland", []string{"1Gbps", "10Gbps"}},
	},
	"eu-central-1": {
		{"EqFA5", "Equinix FR5, Frankfurt, Germany", []string{"1Gbps", "10Gbps", "100Gbps", "400Gbps"}},
		{"IXFR2", "Interxion FRA6, Frankfurt, Germany", []string{"1Gbps", "10Gbps", "100Gbps"}},
	},
	"ap-northeast-1": {
		{"EqTY2", "Equinix TY2, Tokyo, Japan", []string{"1Gbps", "10Gbps", "100Gbps"}},
		{"AT-TKY", "AT Tokyo Chuo Data Center, Tokyo, Japan", []string{"1Gbps", "10Gbps"}},
	},
	"ap-southeast-1": {
		{"EqSG2", "Equinix SG2, Singapore", []string{"1Gbps", "10Gbps", "100Gbps"}},
		{"GSSG1", "Global Switch, Singapore", []string{"1Gbps", "10Gbps"}},
	},
}

// macSecSpeeds are the port speeds that offer MACsec.
var macSecSpeeds = []string{"10Gbps", "100Gbps", "400Gbps"}

// locationsIn lists the region's locations.
func locationsIn(region string) []location {
	if l, ok := locations[region]; ok {
		return l
	}
	// ap-southeast-5 → VPCDAS5: a code of the same shape as AWS's.
	parts := strings.Split(region, "-")
	code := "VPCD"
	for _, part := range parts[:len(parts)-1] {
		code += strings.ToUpper(part[:1])
	}
	code += parts[len(parts)-1]
	return []location{{code, "vpcd simulated location, " + region, []string{"1Gbps", "10Gbps", "100Gbps"}}}
}

func findLocation(region, code string) (location, bool) {
	for _, l := range locationsIn(region) {
		if l.code == code {
			return l, true
		}
	}
	return location{}, false
}

// DescribeLocations lists the region's locations with the port speeds they offer.
func (s *DirectConnect) DescribeLocations(_ context.Context, c kit.Caller, _ *NoInput) (*dx.Locations, error) {
	out := &dx.Locations{Locations: []dx.Location{}}
	for _, l := range locationsIn(c.Region) {
		var macsec []string
		for _, sp := range l.speeds {
			for _, m := range macSecSpeeds {
				if sp == m {
					macsec = append(macsec, sp)
				}
			}
		}
		out.Locations = append(out.Locations, dx.Location{
			LocationCode: kit.Ptr(l.code), LocationName: kit.Ptr(l.name), Region: kit.Ptr(c.Region),
			AvailablePortSpeeds: l.speeds, AvailableMacSecPortSpeeds: macsec, AvailableProviders: []string{},
		})
	}
	return out, nil
}
