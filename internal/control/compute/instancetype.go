package compute

import (
	"context"
	"sort"
	"strconv"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// defaultInstanceType is what RunInstances launches when the request names no type.
const defaultInstanceType = "m1.small"

// lookupInstanceType returns the type, or AWS's error for a type it does not offer.
func lookupInstanceType(name string) (kit.InstanceType, error) {
	t, ok := kit.InstanceTypes[name]
	if !ok {
		return kit.InstanceType{}, ec2.ErrInvalidParameterValue("Invalid value '%s' for InstanceType.", name)
	}
	return t, nil
}

// instanceTypeFilters are the DescribeInstanceTypes filters vpcd can answer.
var instanceTypeFilters = map[string]func(t kit.InstanceType) []string{
	"instance-type":                           func(t kit.InstanceType) []string { return []string{t.Name} },
	"processor-info.supported-architecture":   func(t kit.InstanceType) []string { return []string{t.Architecture} },
	"vcpu-info.default-vcpus":                 func(t kit.InstanceType) []string { return []string{strconv.Itoa(int(t.VCpus))} },
	"network-info.maximum-network-interfaces": func(t kit.InstanceType) []string { return []string{strconv.Itoa(t.MaxInterfaces)} },
	"network-info.ipv4-addresses-per-interface": func(t kit.InstanceType) []string {
		return []string{strconv.Itoa(t.IPv4PerENI)}
	},
	"burstable-performance-supported": func(t kit.InstanceType) []string { return []string{kit.BoolString(kit.Burstable(t.Name))} },
	"current-generation":              func(t kit.InstanceType) []string { return []string{"true"} },
}

// DescribeInstanceTypes answers the types vpcd accepts, with their CPU and network limits.
func (s *Compute) DescribeInstanceTypes(ctx context.Context, c kit.Caller, in *ec2.DescribeInstanceTypesRequest) (*ec2.DescribeInstanceTypesResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 5, 100); err != nil {
		return nil, err
	}
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return instanceTypeFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	var types []kit.InstanceType
	if len(in.InstanceTypes) > 0 {
		for _, name := range in.InstanceTypes {
			t, err := lookupInstanceType(name)
			if err != nil {
				return nil, ec2.ErrInvalidInstanceType("The following supplied instance types do not exist: [%s]", name)
			}
			types = append(types, t)
		}
	} else {
		types = append(types, kit.InstanceTypeList...)
	}
	var kept []kit.InstanceType
	for _, t := range types {
		if match(func(name string) []string { return instanceTypeFilters[name](t) }, nil) {
			kept = append(kept, t)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].Name < kept[j].Name })
	page, next, err := kit.Paginate(kept, in.MaxResults, in.NextToken, func(t kit.InstanceType) string { return t.Name })
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInstanceTypesResult{NextToken: next, InstanceTypes: []ec2.InstanceTypeInfo{}}
	for _, t := range page {
		out.InstanceTypes = append(out.InstanceTypes, t.EC2())
	}
	return out, nil
}
