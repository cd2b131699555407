package control

import (
	"context"
	"strconv"
	"strings"

	"vpcd/internal/ec2"
)

// zone is one availability zone of a region.
type zone struct {
	Name string // us-east-1a
	ID   string // use1-az1
}

// zoneCount is how many zones a region has: us-east-1 has six (a to f), the others three.
func zoneCount(region string) int {
	if region == "us-east-1" {
		return 6
	}
	return 3
}

// zonesOf lists a region's zones in name order.
func zonesOf(region string) []zone {
	abbr := regionAbbreviation(region)
	out := make([]zone, zoneCount(region))
	for i := range out {
		out[i] = zone{Name: region + string(rune('a'+i)), ID: abbr + "-az" + strconv.Itoa(i+1)}
	}
	return out
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

// DescribeRegions lists the regions this vpcd serves. None of them needs opting in, so
// AllRegions changes nothing.
func (s *Service) DescribeRegions(ctx context.Context, c Caller, in *ec2.DescribeRegionsRequest) (*ec2.DescribeRegionsResult, error) {
	match, err := compileFilters(in.Filters, func(name string) bool { return regionFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	served := map[string]bool{}
	for _, r := range s.regions {
		served[r] = true
	}
	for _, name := range in.RegionNames {
		if !served[name] {
			return nil, ec2.ErrInvalidParameterValue("Invalid region: [%s]", name)
		}
	}
	named := map[string]bool{}
	for _, name := range in.RegionNames {
		named[name] = true
	}
	out := &ec2.DescribeRegionsResult{Regions: []ec2.Region{}}
	for _, name := range s.regions {
		if len(named) > 0 && !named[name] {
			continue
		}
		r := ec2.Region{
			RegionName:  ptr(name),
			Endpoint:    ptr("ec2." + name + ".amazonaws.com"),
			OptInStatus: ptr("opt-in-not-required"),
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
			GroupName:          ptr(c.Region),
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
	err := s.view(ctx, func(t *txn) error {
		vpc, err := findDefaultVpc(t, c)
		if vpc != nil {
			defaultVpc = vpc.ID
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	values := map[string][]string{
		"vpc-max-security-groups-per-interface": {"5"},
		"max-instances":                         {"20"},
		"supported-platforms":                   {"VPC"},
		"default-vpc":                           {defaultVpc},
		"max-elastic-ips":                       {"5"},
		"vpc-max-elastic-ips":                   {"5"},
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
