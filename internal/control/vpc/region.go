package vpc

import (
	"context"
	"sort"
	"strconv"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

var regionFilters = map[string]func(r ec2.Region) []string{
	"endpoint":      func(r ec2.Region) []string { return []string{*r.Endpoint} },
	"region-name":   func(r ec2.Region) []string { return []string{*r.RegionName} },
	"opt-in-status": func(r ec2.Region) []string { return []string{*r.OptInStatus} },
}

// DescribeRegions lists the regions enabled for the account: those this vpcd serves, the
// opt-in ones as opted in. With AllRegions, or when named, the commercial regions it does
// not serve (--regions) are listed too, as not opted in: requests there are refused.
func (s *VPC) DescribeRegions(ctx context.Context, c kit.Caller, in *ec2.DescribeRegionsRequest) (*ec2.DescribeRegionsResult, error) {
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return regionFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	status := map[string]string{}
	for _, r := range kit.CommercialRegions {
		status[r.Name] = "not-opted-in"
	}
	for _, name := range s.Regions {
		status[name] = "opt-in-not-required"
		if r, ok := kit.LookupRegion(name); ok && r.OptIn {
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
		case len(named) == 0 && status[name] == "not-opted-in" && !kit.Deref(in.AllRegions):
			continue
		}
		r := ec2.Region{
			RegionName:  kit.Ptr(name),
			Endpoint:    kit.Ptr("ec2." + name + ".amazonaws.com"),
			OptInStatus: kit.Ptr(status[name]),
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
func (s *VPC) DescribeAvailabilityZones(ctx context.Context, c kit.Caller, in *ec2.DescribeAvailabilityZonesRequest) (*ec2.DescribeAvailabilityZonesResult, error) {
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return zoneFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	named := map[string]bool{}
	for _, name := range in.ZoneNames {
		zn, _, err := kit.ZoneByNameOrID(c.Region, name, "")
		if err != nil {
			return nil, err
		}
		named[zn] = true
	}
	for _, id := range in.ZoneIds {
		zn, _, err := kit.ZoneByNameOrID(c.Region, "", id)
		if err != nil {
			return nil, err
		}
		named[zn] = true
	}
	out := &ec2.DescribeAvailabilityZonesResult{AvailabilityZones: []ec2.AvailabilityZone{}}
	for _, zn := range kit.ZonesOf(c.Region) {
		if len(named) > 0 && !named[zn.Name] {
			continue
		}
		z := ec2.AvailabilityZone{
			ZoneName:           kit.Ptr(zn.Name),
			ZoneId:             kit.Ptr(zn.ID),
			State:              kit.Ptr("available"),
			RegionName:         kit.Ptr(c.Region),
			ZoneType:           kit.Ptr("availability-zone"),
			GroupName:          kit.Ptr(c.Region + "-zg-1"),
			GroupLongName:      groupLongName(c.Region),
			NetworkBorderGroup: kit.Ptr(c.Region),
			OptInStatus:        kit.Ptr("opt-in-not-required"),
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
	if r, ok := kit.LookupRegion(name); ok {
		return kit.Ptr(r.LongName + " 1")
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
func (s *VPC) DescribeAccountAttributes(ctx context.Context, c kit.Caller, in *ec2.DescribeAccountAttributesRequest) (*ec2.DescribeAccountAttributesResult, error) {
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
	err := s.View(ctx, func(t *kit.Txn) error {
		vpc, err := kit.FindDefaultVpc(t, c)
		if err != nil {
			return err
		}
		if vpc != nil {
			defaultVpc = vpc.ID
		}
		if eips, err = s.QuotaLimit(t, c, kit.QuotaElasticIPs); err != nil {
			return err
		}
		groups, err = s.QuotaLimit(t, c, kit.QuotaGroupsPerENI)
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
		a := ec2.AccountAttribute{AttributeName: kit.Ptr(name)}
		for _, v := range values[name] {
			a.AttributeValues = append(a.AttributeValues, ec2.AccountAttributeValue{AttributeValue: kit.Ptr(v)})
		}
		out.AccountAttributes = append(out.AccountAttributes, a)
	}
	return out, nil
}
