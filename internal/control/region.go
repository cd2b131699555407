package control

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"vpcd/internal/ec2"
)

// zone is one availability zone of a region.
type zone struct {
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

// commercialRegions are the regions of the "aws" partition, as botocore's endpoints.json
// lists them, with the zones a new account sees. Which zone name is which zone ID differs
// per account on AWS; vpcd fixes one mapping for every account: the letters in order take
// the IDs in order (us-east-1a is use1-az1), except where AWS offers an account only some
// of a region's zone IDs (us-west-1, ap-northeast-1, ca-central-1). Regions launched
// since March 2019 need opting in.
var commercialRegions = []region{
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
	for _, r := range commercialRegions {
		if r.Name != out[0] {
			out = append(out, r.Name)
		}
	}
	return out
}()

// zones reads a region's zones from its spec, "a1 b2": us-east-1a is use1-az1, us-east-1b
// is use1-az2.
func zones(region, spec string) []zone {
	abbr := regionAbbreviation(region)
	var out []zone
	for _, z := range strings.Fields(spec) {
		out = append(out, zone{Name: region + z[:1], ID: abbr + "-az" + z[1:]})
	}
	return out
}

// lookupRegion finds a commercial region by name.
func lookupRegion(name string) (region, bool) {
	for _, r := range commercialRegions {
		if r.Name == name {
			return r, true
		}
	}
	return region{}, false
}

// zonesOf lists a region's zones in name order. A region vpcd does not know (a name given
// to --regions) has three, a to c.
func zonesOf(name string) []zone {
	if r, ok := lookupRegion(name); ok {
		return zones(name, r.Zones)
	}
	return zones(name, "a1 b2 c3")
}

// directionAbbreviations are the short forms AWS uses in zone IDs (use1, apse1, euc1).
var directionAbbreviations = map[string]string{
	"east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
	"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}

// regionAbbreviation is the prefix of a region's zone IDs: us-east-1 → use1,
// ap-southeast-1 → apse1.
func regionAbbreviation(region string) string {
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

// zoneByNameOrID resolves a zone of the region given by name or by ID (not both; neither
// is an error too), with AWS's error for a zone that does not exist.
func zoneByNameOrID(region, name, id string) (zoneName, zoneID string, err error) {
	for _, z := range zonesOf(region) {
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

var regionFilters = map[string]func(r ec2.Region) []string{
	"endpoint":      func(r ec2.Region) []string { return []string{*r.Endpoint} },
	"region-name":   func(r ec2.Region) []string { return []string{*r.RegionName} },
	"opt-in-status": func(r ec2.Region) []string { return []string{*r.OptInStatus} },
}

// DescribeRegions lists the regions enabled for the account: those this vpcd serves, the
// opt-in ones as opted in. With AllRegions, or when named, the commercial regions it does
// not serve (--regions) are listed too, as not opted in: requests there are refused.
func (s *Service) DescribeRegions(ctx context.Context, c Caller, in *ec2.DescribeRegionsRequest) (*ec2.DescribeRegionsResult, error) {
	match, err := compileFilters(in.Filters, func(name string) bool { return regionFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	status := map[string]string{}
	for _, r := range commercialRegions {
		status[r.Name] = "not-opted-in"
	}
	for _, name := range s.regions {
		status[name] = "opt-in-not-required"
		if r, ok := lookupRegion(name); ok && r.OptIn {
			status[name] = "opted-in"
		}
	}
	named := map[string]bool{}
	for _, name := range in.RegionNames {
		if status[name] == "" {
			return nil, ec2.ErrInvalidParameterValue("Invalid region: [%s]", name)
		}
		named[name] = true
	}
	names := make([]string, 0, len(status))
	for name := range status {
		names = append(names, name)
	}
	sort.Strings(names)
	out := &ec2.DescribeRegionsResult{Regions: []ec2.Region{}}
	for _, name := range names {
		switch {
		case len(named) > 0 && !named[name]:
			continue
		case len(named) == 0 && status[name] == "not-opted-in" && !deref(in.AllRegions):
			continue
		}
		r := ec2.Region{
			RegionName:  ptr(name),
			Endpoint:    ptr("ec2." + name + ".amazonaws.com"),
			OptInStatus: ptr(status[name]),
		}
		if match(func(f string) []string { return regionFilters[f](r) }, nil) {
			out.Regions = append(out.Regions, r)
		}
	}
	return out, nil
}

var zoneFilters = map[string]func(z ec2.AvailabilityZone) []string{
	"group-name":           func(z ec2.AvailabilityZone) []string { return []string{*z.GroupName} },
	"network-border-group": func(z ec2.AvailabilityZone) []string { return []string{*z.NetworkBorderGroup} },
	"opt-in-status":        func(z ec2.AvailabilityZone) []string { return []string{*z.OptInStatus} },
	"region-name":          func(z ec2.AvailabilityZone) []string { return []string{*z.RegionName} },
	"state":                func(z ec2.AvailabilityZone) []string { return []string{*z.State} },
	"zone-id":              func(z ec2.AvailabilityZone) []string { return []string{*z.ZoneId} },
	"zone-name":            func(z ec2.AvailabilityZone) []string { return []string{*z.ZoneName} },
	"zone-type":            func(z ec2.AvailabilityZone) []string { return []string{*z.ZoneType} },
	"message":              func(z ec2.AvailabilityZone) []string { return nil },
}

// DescribeAvailabilityZones lists the zones of the caller's region. Naming a zone that
// does not exist, by name or by ID, is an error.
func (s *Service) DescribeAvailabilityZones(ctx context.Context, c Caller, in *ec2.DescribeAvailabilityZonesRequest) (*ec2.DescribeAvailabilityZonesResult, error) {
	match, err := compileFilters(in.Filters, func(name string) bool { return zoneFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	named := map[string]bool{}
	for _, name := range in.ZoneNames {
		zn, _, err := zoneByNameOrID(c.Region, name, "")
		if err != nil {
			return nil, err
		}
		named[zn] = true
	}
	for _, id := range in.ZoneIds {
		zn, _, err := zoneByNameOrID(c.Region, "", id)
		if err != nil {
			return nil, err
		}
		named[zn] = true
	}
	out := &ec2.DescribeAvailabilityZonesResult{AvailabilityZones: []ec2.AvailabilityZone{}}
	for _, zn := range zonesOf(c.Region) {
		if len(named) > 0 && !named[zn.Name] {
			continue
		}
		z := ec2.AvailabilityZone{
			ZoneName:           ptr(zn.Name),
			ZoneId:             ptr(zn.ID),
			State:              ptr("available"),
			RegionName:         ptr(c.Region),
			ZoneType:           ptr("availability-zone"),
			GroupName:          ptr(c.Region + "-zg-1"),
			GroupLongName:      groupLongName(c.Region),
			NetworkBorderGroup: ptr(c.Region),
			OptInStatus:        ptr("opt-in-not-required"),
			Messages:           []ec2.AvailabilityZoneMessage{},
		}
		if match(func(f string) []string { return zoneFilters[f](z) }, nil) {
			out.AvailabilityZones = append(out.AvailabilityZones, z)
		}
	}
	return out, nil
}

// groupLongName is the long name of a region's zone group: "US East (N. Virginia) 1".
func groupLongName(name string) *string {
	if r, ok := lookupRegion(name); ok {
		return ptr(r.LongName + " 1")
	}
	return nil
}

// accountAttributeNames are the attributes DescribeAccountAttributes answers, in the
// order AWS lists them.
var accountAttributeNames = []string{
	"vpc-max-security-groups-per-interface",
	"max-instances",
	"supported-platforms",
	"default-vpc",
	"max-elastic-ips",
	"vpc-max-elastic-ips",
}

// DescribeAccountAttributes answers the account's platform, default VPC and quotas.
func (s *Service) DescribeAccountAttributes(ctx context.Context, c Caller, in *ec2.DescribeAccountAttributesRequest) (*ec2.DescribeAccountAttributesResult, error) {
	want := map[string]bool{}
	for _, name := range in.AttributeNames {
		known := false
		for _, k := range accountAttributeNames {
			known = known || k == name
		}
		if !known {
			return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter attributeName is invalid. Unknown attribute.", name)
		}
		want[name] = true
	}
	defaultVpc := "none"
	var eips, groups int // the account's quotas, raised or not
	err := s.view(ctx, func(t *txn) error {
		vpc, err := findDefaultVpc(t, c)
		if err != nil {
			return err
		}
		if vpc != nil {
			defaultVpc = vpc.ID
		}
		if eips, err = s.quotaLimit(t, c, quotaElasticIPs); err != nil {
			return err
		}
		groups, err = s.quotaLimit(t, c, quotaGroupsPerENI)
		return err
	})
	if err != nil {
		return nil, err
	}
	values := map[string][]string{
		"vpc-max-security-groups-per-interface": {strconv.Itoa(groups)},
		"max-instances":                         {"20"},
		"supported-platforms":                   {"VPC"},
		"default-vpc":                           {defaultVpc},
		"max-elastic-ips":                       {strconv.Itoa(eips)},
		"vpc-max-elastic-ips":                   {strconv.Itoa(eips)},
	}
	out := &ec2.DescribeAccountAttributesResult{AccountAttributes: []ec2.AccountAttribute{}}
	for _, name := range accountAttributeNames {
		if len(want) > 0 && !want[name] {
			continue
		}
		a := ec2.AccountAttribute{AttributeName: ptr(name)}
		for _, v := range values[name] {
			a.AttributeValues = append(a.AttributeValues, ec2.AccountAttributeValue{AttributeValue: ptr(v)})
		}
		out.AccountAttributes = append(out.AccountAttributes, a)
	}
	return out, nil
}
