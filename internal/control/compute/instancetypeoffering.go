package compute

import (
	"context"
	"sort"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// DescribeInstanceTypeOfferings answers where in the caller's region each type is offered:
// the region itself, or its zones by name or ID. Which zones offer a type comes from the
// same data as the table; where the data does not place a type in a region's zones
// (a type or region newer than it), every zone offers it.
func (s *Compute) DescribeInstanceTypeOfferings(ctx context.Context, c kit.Caller, in *ec2.DescribeInstanceTypeOfferingsRequest) (*ec2.DescribeInstanceTypeOfferingsResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 5, 1000); err != nil {
		return nil, err
	}
	locationType := kit.Deref(in.LocationType)
	switch locationType {
	case "":
		locationType = "region"
	case "region", "availability-zone", "availability-zone-id", "outpost":
	default:
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter locationType is invalid. Valid values are: region, availability-zone, availability-zone-id, outpost.", locationType)
	}
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return name == "instance-type" || name == "location" })
	if err != nil {
		return nil, err
	}
	zones := kit.ZonesOf(c.Region)
	ids := make([]string, len(zones))
	nameOf := map[string]string{}
	for i, z := range zones {
		ids[i], nameOf[z.ID] = z.ID, z.Name
	}
	var out []ec2.InstanceTypeOffering
	offer := func(t kit.InstanceType, location string) {
		values := func(name string) []string {
			if name == "location" {
				return []string{location}
			}
			return []string{t.Name}
		}
		if match(values, nil) {
			out = append(out, ec2.InstanceTypeOffering{InstanceType: kit.Ptr(t.Name), LocationType: kit.Ptr(locationType), Location: kit.Ptr(location)})
		}
	}
	for _, t := range kit.InstanceTypeList {
		if !t.InRegion(c.Region) {
			continue
		}
		switch locationType {
		case "region":
			offer(t, c.Region)
		case "availability-zone", "availability-zone-id":
			offered, _ := t.ZoneIDs(c.Region, ids)
			for _, id := range offered {
				if locationType == "availability-zone" {
					id = nameOf[id]
				}
				offer(t, id)
			}
		}
		// vpcd has no Outposts: none offers anything.
	}
	key := func(o ec2.InstanceTypeOffering) string { return *o.InstanceType + " " + *o.Location }
	sort.Slice(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	if in.MaxResults == nil {
		in.MaxResults = kit.Ptr(int32(1000))
	}
	page, next, err := kit.Paginate(out, in.MaxResults, in.NextToken, key)
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeInstanceTypeOfferingsResult{NextToken: next, InstanceTypeOfferings: append([]ec2.InstanceTypeOffering{}, page...)}, nil
}
