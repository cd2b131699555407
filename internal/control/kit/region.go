package kit

import (
	"strings"

	"vpcd/internal/ec2"
)

// Zone is one availability zone of a region.
type Zone struct {
	Name string // us-east-1a
	ID   string // use1-az1
}

// region is an AWS region that vpcd knows: its long name, whether accounts must opt in
// to it, and its availability zones (Local and Wavelength Zones left out).
type region struct {
	Name     string
	LongName string // US East (N. Virginia)
	OptIn    bool
	Zones    string // "a1 b2 c3": each zone's letter and the number of its ID
}

// CommercialRegions are the regions of the "aws" partition, as botocore's endpoints.json
// lists them, with the zones a new account sees. Which zone name is which zone ID differs
// per account on AWS; vpcd fixes one mapping for every account: the letters in order take
// the IDs in order (us-east-1a is use1-az1), except where AWS offers an account only some
// of a region's zone IDs (us-west-1, ap-northeast-1, ca-central-1). Regions launched
// since March 2019 need opting in.
var CommercialRegions = []region{
	{"af-south-1", "Africa (Cape Town)", true, "a1 b2 c3"},
	{"ap-east-1", "Asia Pacific (Hong Kong)", true, "a1 b2 c3"},
	{"ap-east-2", "Asia Pacific (Taipei)", true, "a1 b2 c3"},
	{"ap-northeast-1", "Asia Pacific (Tokyo)", false, "a4 c1 d2"},
	{"ap-northeast-2", "Asia Pacific (Seoul)", false, "a1 b2 c3 d4"},
	{"ap-northeast-3", "Asia Pacific (Osaka)", false, "a1 b2 c3"},
	{"ap-south-1", "Asia Pacific (Mumbai)", false, "a1 b2 c3"},
	{"ap-south-2", "Asia Pacific (Hyderabad)", true, "a1 b2 c3"},
	{"ap-southeast-1", "Asia Pacific (Singapore)", false, "a1 b2 c3"},
	{"ap-southeast-2", "Asia Pacific (Sydney)", false, "a1 b2 c3"},
	{"ap-southeast-3", "Asia Pacific (Jakarta)", true, "a1 b2 c3"},
	{"ap-southeast-4", "Asia Pacific (Melbourne)", true, "a1 b2 c3"},
	{"ap-southeast-5", "Asia Pacific (Malaysia)", true, "a1 b2 c3"},
	{"ap-southeast-6", "Asia Pacific (New Zealand)", true, "a1 b2 c3"},
	{"ap-southeast-7", "Asia Pacific (Thailand)", true, "a1 b2 c3"},
	{"ca-central-1", "Canada (Central)", false, "a1 b2 d4"},
	{"ca-west-1", "Canada West (Calgary)", true, "a1 b2 c3"},
	{"eu-central-1", "Europe (Frankfurt)", false, "a1 b2 c3"},
	{"eu-central-2", "Europe (Zurich)", true, "a1 b2 c3"},
	{"eu-north-1", "Europe (Stockholm)", false, "a1 b2 c3"},
	{"eu-south-1", "Europe (Milan)", true, "a1 b2 c3"},
	{"eu-south-2", "Europe (Spain)", true, "a1 b2 c3"},
	{"eu-west-1", "Europe (Ireland)", false, "a1 b2 c3"},
	{"eu-west-2", "Europe (London)", false, "a1 b2 c3"},
	{"eu-west-3", "Europe (Paris)", false, "a1 b2 c3"},
	{"il-central-1", "Israel (Tel Aviv)", true, "a1 b2 c3"},
	{"me-central-1", "Middle East (UAE)", true, "a1 b2 c3"},
	{"me-south-1", "Middle East (Bahrain)", true, "a1 b2 c3"},
	{"mx-central-1", "Mexico (Central)", true, "a1 b2 c3"},
	{"sa-east-1", "South America (Sao Paulo)", false, "a1 b2 c3"},
	{"us-east-1", "US East (N. Virginia)", false, "a1 b2 c3 d4 e5 f6"},
	{"us-east-2", "US East (Ohio)", false, "a1 b2 c3"},
	{"us-west-1", "US West (N. California)", false, "a1 c3"},
	{"us-west-2", "US West (Oregon)", false, "a1 b2 c3 d4"},
}

// DefaultRegions are the regions served when none are configured: every commercial
// region, us-east-1 first as the default. Opt-in regions are served as opted in.
var DefaultRegions = func() []string {
	out := []string{"us-east-1"}
	for _, r := range CommercialRegions {
		if r.Name != out[0] {
			out = append(out, r.Name)
		}
	}
	return out
}()

// zones reads a region's zones from its spec, "a1 b2": us-east-1a is use1-az1, us-east-1b
// is use1-az2.
func zones(region, spec string) []Zone {
	abbr := RegionAbbreviation(region)
	var out []Zone
	for _, z := range strings.Fields(spec) {
		out = append(out, Zone{Name: region + z[:1], ID: abbr + "-az" + z[1:]})
	}
	return out
}

// LookupRegion finds a commercial region by name.
func LookupRegion(name string) (region, bool) {
	for _, r := range CommercialRegions {
		if r.Name == name {
			return r, true
		}
	}
	return region{}, false
}

// ZonesOf lists a region's zones in name order. A region vpcd does not know (a name given
// to --regions) has three, a to c.
func ZonesOf(name string) []Zone {
	if r, ok := LookupRegion(name); ok {
		return zones(name, r.Zones)
	}
	return zones(name, "a1 b2 c3")
}

// directionAbbreviations are the short forms AWS uses in zone IDs (use1, apse1, euc1).
var directionAbbreviations = map[string]string{
	"east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
	"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}

// RegionAbbreviation is the prefix of a region's zone IDs: us-east-1 → use1,
// ap-southeast-1 → apse1.
func RegionAbbreviation(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) < 2 {
		return region
	}
	var b strings.Builder
	b.WriteString(parts[0])
	for _, p := range parts[1 : len(parts)-1] {
		if a, ok := directionAbbreviations[p]; ok {
			b.WriteString(a)
		} else if p != "" {
			b.WriteString(p[:1])
		}
	}
	b.WriteString(parts[len(parts)-1])
	return b.String()
}

// ZoneByNameOrID resolves a zone of the region given by name or by ID (not both; neither
// is an error too), with AWS's error for a zone that does not exist.
func ZoneByNameOrID(region, name, id string) (zoneName, zoneID string, err error) {
	for _, z := range ZonesOf(region) {
		if name != "" && z.Name == name || name == "" && id != "" && z.ID == id {
			return z.Name, z.ID, nil
		}
	}
	given := name
	if given == "" {
		given = id
	}
	return "", "", ec2.ErrInvalidParameterValue("Invalid availability zone: [%s]", given)
}
