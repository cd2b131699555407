package compute

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"

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

// instanceTypeFilters are the DescribeInstanceTypes filters of AWS's documentation that
// the data answers, read off the shape vpcd answers so that the two always agree.
var instanceTypeFilters = map[string]func(i *ec2.InstanceTypeInfo) []string{
	"bare-metal":                      func(i *ec2.InstanceTypeInfo) []string { return boolValue(i.BareMetal) },
	"burstable-performance-supported": func(i *ec2.InstanceTypeInfo) []string { return boolValue(i.BurstablePerformanceSupported) },
	"current-generation":              func(i *ec2.InstanceTypeInfo) []string { return boolValue(i.CurrentGeneration) },
	"ebs-info.ebs-optimized-support": func(i *ec2.InstanceTypeInfo) []string {
		if i.EbsInfo == nil {
			return nil
		}
		return strValue(i.EbsInfo.EbsOptimizedSupport)
	},
	"free-tier-eligible":                     func(i *ec2.InstanceTypeInfo) []string { return boolValue(i.FreeTierEligible) },
	"hypervisor":                             func(i *ec2.InstanceTypeInfo) []string { return strValue(i.Hypervisor) },
	"instance-storage-info.disk.count":       storageValue(func(s *ec2.InstanceStorageInfo) []string { return intValue(s.Disks[0].Count) }),
	"instance-storage-info.disk.size-in-gb":  storageValue(func(s *ec2.InstanceStorageInfo) []string { return intValue(s.Disks[0].SizeInGB) }),
	"instance-storage-info.disk.type":        storageValue(func(s *ec2.InstanceStorageInfo) []string { return strValue(s.Disks[0].Type) }),
	"instance-storage-info.nvme-support":     storageValue(func(s *ec2.InstanceStorageInfo) []string { return strValue(s.NvmeSupport) }),
	"instance-storage-info.total-size-in-gb": storageValue(func(s *ec2.InstanceStorageInfo) []string { return intValue(s.TotalSizeInGB) }),
	"instance-storage-supported":             func(i *ec2.InstanceTypeInfo) []string { return boolValue(i.InstanceStorageSupported) },
	"instance-type":                          func(i *ec2.InstanceTypeInfo) []string { return strValue(i.InstanceType) },
	"memory-info.size-in-mib": func(i *ec2.InstanceTypeInfo) []string {
		if i.MemoryInfo == nil {
			return nil
		}
		return intValue(i.MemoryInfo.SizeInMiB)
	},
	"network-info.ena-support":                  func(i *ec2.InstanceTypeInfo) []string { return strValue(i.NetworkInfo.EnaSupport) },
	"network-info.ipv4-addresses-per-interface": func(i *ec2.InstanceTypeInfo) []string { return intValue(i.NetworkInfo.Ipv4AddressesPerInterface) },
	"network-info.ipv6-addresses-per-interface": func(i *ec2.InstanceTypeInfo) []string { return intValue(i.NetworkInfo.Ipv6AddressesPerInterface) },
	"network-info.ipv6-supported":               func(i *ec2.InstanceTypeInfo) []string { return boolValue(i.NetworkInfo.Ipv6Supported) },
	"network-info.maximum-network-cards":        func(i *ec2.InstanceTypeInfo) []string { return intValue(i.NetworkInfo.MaximumNetworkCards) },
	"network-info.maximum-network-interfaces":   func(i *ec2.InstanceTypeInfo) []string { return intValue(i.NetworkInfo.MaximumNetworkInterfaces) },
	"network-info.network-performance":          func(i *ec2.InstanceTypeInfo) []string { return strValue(i.NetworkInfo.NetworkPerformance) },
	"processor-info.manufacturer": func(i *ec2.InstanceTypeInfo) []string {
		if i.ProcessorInfo == nil {
			return nil
		}
		return strValue(i.ProcessorInfo.Manufacturer)
	},
	"processor-info.supported-architecture": func(i *ec2.InstanceTypeInfo) []string {
		if i.ProcessorInfo == nil {
			return nil
		}
		return i.ProcessorInfo.SupportedArchitectures
	},
	"processor-info.sustained-clock-speed-in-ghz": func(i *ec2.InstanceTypeInfo) []string {
		if i.ProcessorInfo == nil || i.ProcessorInfo.SustainedClockSpeedInGhz == nil {
			return nil
		}
		return []string{strconv.FormatFloat(*i.ProcessorInfo.SustainedClockSpeedInGhz, 'f', -1, 64)}
	},
	"supported-root-device-type":    func(i *ec2.InstanceTypeInfo) []string { return i.SupportedRootDeviceTypes },
	"supported-usage-class":         func(i *ec2.InstanceTypeInfo) []string { return i.SupportedUsageClasses },
	"supported-virtualization-type": func(i *ec2.InstanceTypeInfo) []string { return i.SupportedVirtualizationTypes },
	"vcpu-info.default-cores": func(i *ec2.InstanceTypeInfo) []string {
		return vcpuValue(i, func(v *ec2.VCpuInfo) *int32 { return v.DefaultCores })
	},
	"vcpu-info.default-threads-per-core": func(i *ec2.InstanceTypeInfo) []string {
		return vcpuValue(i, func(v *ec2.VCpuInfo) *int32 { return v.DefaultThreadsPerCore })
	},
	"vcpu-info.default-vcpus": func(i *ec2.InstanceTypeInfo) []string {
		return vcpuValue(i, func(v *ec2.VCpuInfo) *int32 { return v.DefaultVCpus })
	},
}

func boolValue(b *bool) []string {
	if b == nil {
		return nil
	}
	return []string{kit.BoolString(*b)}
}

func strValue(s *string) []string {
	if s == nil {
		return nil
	}
	return []string{*s}
}

func intValue[T int32 | int64](n *T) []string {
	if n == nil {
		return nil
	}
	return []string{strconv.FormatInt(int64(*n), 10)}
}

func storageValue(field func(*ec2.InstanceStorageInfo) []string) func(*ec2.InstanceTypeInfo) []string {
	return func(i *ec2.InstanceTypeInfo) []string {
		if i.InstanceStorageInfo == nil {
			return nil
		}
		return field(i.InstanceStorageInfo)
	}
}

func vcpuValue(i *ec2.InstanceTypeInfo, field func(*ec2.VCpuInfo) *int32) []string {
	if i.VCpuInfo == nil {
		return nil
	}
	return intValue(field(i.VCpuInfo))
}

// renderedTypes are the answers for every type, made once: the encoder only reads them.
var renderedTypes = sync.OnceValue(func() map[string]*ec2.InstanceTypeInfo {
	m := make(map[string]*ec2.InstanceTypeInfo, len(kit.InstanceTypeList))
	for _, t := range kit.InstanceTypeList {
		info := t.EC2()
		m[t.Name] = &info
	}
	return m
})

// DescribeInstanceTypes answers the types offered in the caller's region (every type with
// IncludeUnsupportedInRegion), with their CPU, memory and network limits.
func (s *Compute) DescribeInstanceTypes(ctx context.Context, c kit.Caller, in *ec2.DescribeInstanceTypesRequest) (*ec2.DescribeInstanceTypesResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 5, 100); err != nil {
		return nil, err
	}
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return instanceTypeFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	all := kit.Deref(in.IncludeUnsupportedInRegion)
	var types []*kit.InstanceType
	if len(in.InstanceTypes) > 0 {
		var missing []string
		for _, name := range in.InstanceTypes {
			t, ok := kit.InstanceTypes[name]
			if !ok || !(all || t.InRegion(c.Region)) {
				missing = append(missing, name)
				continue
			}
			types = append(types, &t)
		}
		if len(missing) > 0 {
			return nil, ec2.ErrInvalidInstanceType("The following supplied instance types do not exist: [%s]", strings.Join(missing, ", "))
		}
		sort.Slice(types, func(i, j int) bool { return types[i].Name < types[j].Name })
	} else {
		for i := range kit.InstanceTypeList { // sorted by name
			if t := &kit.InstanceTypeList[i]; all || t.InRegion(c.Region) {
				types = append(types, t)
			}
		}
	}
	if in.MaxResults == nil {
		in.MaxResults = kit.Ptr(int32(100)) // AWS answers a page of 100 when no size is asked
	}
	rendered := renderedTypes()
	var kept []*kit.InstanceType
	for _, t := range types {
		info := rendered[t.Name]
		if len(in.Filters) == 0 || match(func(name string) []string { return instanceTypeFilters[name](info) }, nil) {
			kept = append(kept, t)
		}
	}
	page, next, err := kit.Paginate(kept, in.MaxResults, in.NextToken, func(t *kit.InstanceType) string { return t.Name })
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInstanceTypesResult{NextToken: next, InstanceTypes: make([]ec2.InstanceTypeInfo, 0, len(page))}
	for _, t := range page {
		info := *rendered[t.Name] // a copy: only SupportedInRegion differs
		info.SupportedInRegion = kit.Ptr(t.InRegion(c.Region))
		out.InstanceTypes = append(out.InstanceTypes, info)
	}
	return out, nil
}
