package control

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"vpcd/internal/ec2"
)

// instanceType is one instance type vpcd accepts, with the limits AWS documents for it
// (DescribeInstanceTypes; "Maximum IP addresses per network interface and instance
// type" in the EC2 user guide).
type instanceType struct {
	Name           string
	VCpus          int32
	Cores          int32
	ThreadsPerCore int32
	MaxInterfaces  int    // network interfaces per instance
	IPv4PerENI     int    // private IPv4 addresses per interface, the primary included
	IPv6PerENI     int    // IPv6 addresses per interface
	Architecture   string // x86_64 or arm64
}

// defaultInstanceType is what RunInstances launches when the request names no type.
const defaultInstanceType = "m1.small"

// instanceTypeList are the types vpcd accepts: the common current and previous
// generations of the general purpose, compute and memory optimized families.
var instanceTypeList = []instanceType{
	{"t1.micro", 1, 1, 1, 2, 2, 0, "x86_64"},
	{"t2.micro", 1, 1, 1, 2, 2, 2, "x86_64"},
	{"t2.nano", 1, 1, 1, 2, 2, 2, "x86_64"},
	{"t2.small", 1, 1, 1, 3, 4, 4, "x86_64"},
	{"t2.large", 2, 2, 1, 3, 12, 12, "x86_64"},
	{"t2.medium", 2, 2, 1, 3, 6, 6, "x86_64"},
	{"t2.xlarge", 4, 4, 1, 3, 15, 15, "x86_64"},
	{"t2.2xlarge", 8, 8, 1, 3, 15, 15, "x86_64"},
	{"t3.large", 2, 1, 2, 3, 12, 12, "x86_64"},
	{"t3.medium", 2, 1, 2, 3, 6, 6, "x86_64"},
	{"t3.micro", 2, 1, 2, 2, 2, 2, "x86_64"},
	{"t3.nano", 2, 1, 2, 2, 2, 2, "x86_64"},
	{"t3.small", 2, 1, 2, 3, 4, 4, "x86_64"},
	{"t3.xlarge", 4, 2, 2, 4, 15, 15, "x86_64"},
	{"t3.2xlarge", 8, 4, 2, 4, 15, 15, "x86_64"},
	{"t3a.large", 2, 1, 2, 3, 12, 12, "x86_64"},
	{"t3a.medium", 2, 1, 2, 3, 6, 6, "x86_64"},
	{"t3a.micro", 2, 1, 2, 2, 2, 2, "x86_64"},
	{"t3a.nano", 2, 1, 2, 2, 2, 2, "x86_64"},
	{"t3a.small", 2, 1, 2, 2, 4, 4, "x86_64"},
	{"t3a.xlarge", 4, 2, 2, 4, 15, 15, "x86_64"},
	{"t3a.2xlarge", 8, 4, 2, 4, 15, 15, "x86_64"},
	{"t4g.large", 2, 2, 1, 3, 12, 12, "arm64"},
	{"t4g.medium", 2, 2, 1, 3, 6, 6, "arm64"},
	{"t4g.micro", 2, 2, 1, 2, 2, 2, "arm64"},
	{"t4g.nano", 2, 2, 1, 2, 2, 2, "arm64"},
	{"t4g.small", 2, 2, 1, 3, 4, 4, "arm64"},
	{"t4g.xlarge", 4, 4, 1, 4, 15, 15, "arm64"},
	{"t4g.2xlarge", 8, 8, 1, 4, 15, 15, "arm64"},
	{"m1.medium", 1, 1, 1, 2, 6, 0, "x86_64"},
	{"m1.small", 1, 1, 1, 2, 4, 0, "x86_64"},
	{"m1.large", 2, 2, 1, 3, 10, 0, "x86_64"},
	{"m1.xlarge", 4, 4, 1, 4, 15, 0, "x86_64"},
	{"m3.medium", 1, 1, 1, 2, 6, 0, "x86_64"},
	{"m3.large", 2, 1, 2, 3, 10, 0, "x86_64"},
	{"m3.xlarge", 4, 2, 2, 4, 15, 0, "x86_64"},
	{"m3.2xlarge", 8, 4, 2, 4, 30, 0, "x86_64"},
	{"m4.large", 2, 1, 2, 2, 10, 10, "x86_64"},
	{"m4.xlarge", 4, 2, 2, 4, 15, 15, "x86_64"},
	{"m4.2xlarge", 8, 4, 2, 4, 15, 15, "x86_64"},
	{"m4.4xlarge", 16, 8, 2, 8, 30, 30, "x86_64"},
	{"m4.10xlarge", 40, 20, 2, 8, 30, 30, "x86_64"},
	{"m4.16xlarge", 64, 32, 2, 8, 30, 30, "x86_64"},
	{"m5.large", 2, 1, 2, 3, 10, 10, "x86_64"},
	{"m5.xlarge", 4, 2, 2, 4, 15, 15, "x86_64"},
	{"m5.2xlarge", 8, 4, 2, 4, 15, 15, "x86_64"},
	{"m5.4xlarge", 16, 8, 2, 8, 30, 30, "x86_64"},
	{"m5.8xlarge", 32, 16, 2, 8, 30, 30, "x86_64"},
	{"m5.12xlarge", 48, 24, 2, 8, 30, 30, "x86_64"},
	{"m5.16xlarge", 64, 32, 2, 15, 50, 50, "x86_64"},
	{"m5.24xlarge", 96, 48, 2, 15, 50, 50, "x86_64"},
	{"m5a.large", 2, 1, 2, 3, 10, 10, "x86_64"},
	{"m5a.xlarge", 4, 2, 2, 4, 15, 15, "x86_64"},
	{"m5a.2xlarge", 8, 4, 2, 4, 15, 15, "x86_64"},
	{"m5a.4xlarge", 16, 8, 2, 8, 30, 30, "x86_64"},
	{"m5a.8xlarge", 32, 16, 2, 8, 30, 30, "x86_64"},
	{"m5a.12xlarge", 48, 24, 2, 8, 30, 30, "x86_64"},
	{"m5a.16xlarge", 64, 32, 2, 15, 50, 50, "x86_64"},
	{"m5a.24xlarge", 96, 48, 2, 15, 50, 50, "x86_64"},
	{"m6i.large", 2, 1, 2, 3, 10, 10, "x86_64"},
	{"m6i.xlarge", 4, 2, 2, 4, 15, 15, "x86_64"},
	{"m6i.2xlarge", 8, 4, 2, 4, 15, 15, "x86_64"},
	{"m6i.4xlarge", 16, 8, 2, 8, 30, 30, "x86_64"},
	{"m6i.8xlarge", 32, 16, 2, 8, 30, 30, "x86_64"},
	{"m6i.12xlarge", 48, 24, 2, 8, 30, 30, "x86_64"},
	{"m6i.16xlarge", 64, 32, 2, 15, 50, 50, "x86_64"},
	{"m6i.24xlarge", 96, 48, 2, 15, 50, 50, "x86_64"},
	{"m6i.32xlarge", 128, 64, 2, 15, 50, 50, "x86_64"},
	{"m6g.medium", 1, 1, 1, 2, 4, 4, "arm64"},
	{"m6g.large", 2, 2, 1, 3, 10, 10, "arm64"},
	{"m6g.xlarge", 4, 4, 1, 4, 15, 15, "arm64"},
	{"m6g.2xlarge", 8, 8, 1, 4, 15, 15, "arm64"},
	{"m6g.4xlarge", 16, 16, 1, 8, 30, 30, "arm64"},
	{"m6g.8xlarge", 32, 32, 1, 8, 30, 30, "arm64"},
	{"m6g.12xlarge", 48, 48, 1, 8, 30, 30, "arm64"},
	{"m6g.16xlarge", 64, 64, 1, 15, 50, 50, "arm64"},
	{"m7i.large", 2, 1, 2, 3, 10, 10, "x86_64"},
	{"m7i.xlarge", 4, 2, 2, 4, 15, 15, "x86_64"},
	{"m7i.2xlarge", 8, 4, 2, 4, 15, 15, "x86_64"},
	{"m7i.4xlarge", 16, 8, 2, 8, 30, 30, "x86_64"},
	{"m7i.8xlarge", 32, 16, 2, 8, 30, 30, "x86_64"},
	{"m7i.12xlarge", 48, 24, 2, 8, 30, 30, "x86_64"},
	{"m7i.16xlarge", 64, 32, 2, 15, 50, 50, "x86_64"},
	{"m7i.24xlarge", 96, 48, 2, 15, 50, 50, "x86_64"},
	{"m7i.48xlarge", 192, 96, 2, 15, 50, 50, "x86_64"},
	{"m7g.medium", 1, 1, 1, 2, 4, 4, "arm64"},
	{"m7g.large", 2, 2, 1, 3, 10, 10, "arm64"},
	{"m7g.xlarge", 4, 4, 1, 4, 15, 15, "arm64"},
	{"m7g.2xlarge", 8, 8, 1, 4, 15, 15, "arm64"},
	{"m7g.4xlarge", 16, 16, 1, 8, 30, 30, "arm64"},
	{"m7g.8xlarge", 32, 32, 1, 8, 30, 30, "arm64"},
	{"m7g.12xlarge", 48, 48, 1, 8, 30, 30, "arm64"},
	{"m7g.16xlarge", 64, 64, 1, 15, 50, 50, "arm64"},
	{"c4.large", 2, 1, 2, 3, 10, 10, "x86_64"},
	{"c4.xlarge", 4, 2, 2, 4, 15, 15, "x86_64"},
	{"c4.2xlarge", 8, 4, 2, 4, 15, 15, "x86_64"},
	{"c4.4xlarge", 16, 8, 2, 8, 30, 30, "x86_64"},
	{"c4.8xlarge", 36, 18, 2, 8, 30, 30, "x86_64"},
	{"c5.large", 2, 1, 2, 3, 10, 10, "x86_64"},
	{"c5.xlarge", 4, 2, 2, 4, 15, 15, "x86_64"},
	{"c5.2xlarge", 8, 4, 2, 4, 15, 15, "x86_64"},
	{"c5.4xlarge", 16, 8, 2, 8, 30, 30, "x86_64"},
	{"c5.9xlarge", 36, 18, 2, 8, 30, 30, "x86_64"},
	{"c5.12xlarge", 48, 24, 2, 8, 30, 30, "x86_64"},
	{"c5.18xlarge", 72, 36, 2, 15, 50, 50, "x86_64"},
	{"c5.24xlarge", 96, 48, 2, 15, 50, 50, "x86_64"},
	{"c6i.large", 2, 1, 2, 3, 10, 10, "x86_64"},
	{"c6i.xlarge", 4, 2, 2, 4, 15, 15, "x86_64"},
	{"c6i.2xlarge", 8, 4, 2, 4, 15, 15, "x86_64"},
	{"c6i.4xlarge", 16, 8, 2, 8, 30, 30, "x86_64"},
	{"c6i.8xlarge", 32, 16, 2, 8, 30, 30, "x86_64"},
	{"c6i.12xlarge", 48, 24, 2, 8, 30, 30, "x86_64"},
	{"c6i.16xlarge", 64, 32, 2, 15, 50, 50, "x86_64"},
	{"c6i.24xlarge", 96, 48, 2, 15, 50, 50, "x86_64"},
	{"c6i.32xlarge", 128, 64, 2, 15, 50, 50, "x86_64"},
	{"c6g.medium", 1, 1, 1, 2, 4, 4, "arm64"},
	{"c6g.large", 2, 2, 1, 3, 10, 10, "arm64"},
	{"c6g.xlarge", 4, 4, 1, 4, 15, 15, "arm64"},
	{"c6g.2xlarge", 8, 8, 1, 4, 15, 15, "arm64"},
	{"c6g.4xlarge", 16, 16, 1, 8, 30, 30, "arm64"},
	{"c6g.8xlarge", 32, 32, 1, 8, 30, 30, "arm64"},
	{"c6g.12xlarge", 48, 48, 1, 8, 30, 30, "arm64"},
	{"c6g.16xlarge", 64, 64, 1, 15, 50, 50, "arm64"},
	{"c7i.large", 2, 1, 2, 3, 10, 10, "x86_64"},
	{"c7i.xlarge", 4, 2, 2, 4, 15, 15, "x86_64"},
	{"c7i.2xlarge", 8, 4, 2, 4, 15, 15, "x86_64"},
	{"c7i.4xlarge", 16, 8, 2, 8, 30, 30, "x86_64"},
	{"c7i.8xlarge", 32, 16, 2, 8, 30, 30, "x86_64"},
	{"c7i.12xlarge", 48, 24, 2, 8, 30, 30, "x86_64"},
	{"c7i.16xlarge", 64, 32, 2, 15, 50, 50, "x86_64"},
	{"c7i.24xlarge", 96, 48, 2, 15, 50, 50, "x86_64"},
	{"c7i.48xlarge", 192, 96, 2, 15, 50, 50, "x86_64"},
	{"c7g.medium", 1, 1, 1, 2, 4, 4, "arm64"},
	{"c7g.large", 2, 2, 1, 3, 10, 10, "arm64"},
	{"c7g.xlarge", 4, 4, 1, 4, 15, 15, "arm64"},
	{"c7g.2xlarge", 8, 8, 1, 4, 15, 15, "arm64"},
	{"c7g.4xlarge", 16, 16, 1, 8, 30, 30, "arm64"},
	{"c7g.8xlarge", 32, 32, 1, 8, 30, 30, "arm64"},
	{"c7g.12xlarge", 48, 48, 1, 8, 30, 30, "arm64"},
	{"c7g.16xlarge", 64, 64, 1, 15, 50, 50, "arm64"},
	{"r5.large", 2, 1, 2, 3, 10, 10, "x86_64"},
	{"r5.xlarge", 4, 2, 2, 4, 15, 15, "x86_64"},
	{"r5.2xlarge", 8, 4, 2, 4, 15, 15, "x86_64"},
	{"r5.4xlarge", 16, 8, 2, 8, 30, 30, "x86_64"},
	{"r5.8xlarge", 32, 16, 2, 8, 30, 30, "x86_64"},
	{"r5.12xlarge", 48, 24, 2, 8, 30, 30, "x86_64"},
	{"r5.16xlarge", 64, 32, 2, 15, 50, 50, "x86_64"},
	{"r5.24xlarge", 96, 48, 2, 15, 50, 50, "x86_64"},
	{"r6i.large", 2, 1, 2, 3, 10, 10, "x86_64"},
	{"r6i.xlarge", 4, 2, 2, 4, 15, 15, "x86_64"},
	{"r6i.2xlarge", 8, 4, 2, 4, 15, 15, "x86_64"},
	{"r6i.4xlarge", 16, 8, 2, 8, 30, 30, "x86_64"},
	{"r6i.8xlarge", 32, 16, 2, 8, 30, 30, "x86_64"},
	{"r6i.12xlarge", 48, 24, 2, 8, 30, 30, "x86_64"},
	{"r6i.16xlarge", 64, 32, 2, 15, 50, 50, "x86_64"},
	{"r6i.24xlarge", 96, 48, 2, 15, 50, 50, "x86_64"},
	{"r6i.32xlarge", 128, 64, 2, 15, 50, 50, "x86_64"},
	{"r6g.medium", 1, 1, 1, 2, 4, 4, "arm64"},
	{"r6g.large", 2, 2, 1, 3, 10, 10, "arm64"},
	{"r6g.xlarge", 4, 4, 1, 4, 15, 15, "arm64"},
	{"r6g.2xlarge", 8, 8, 1, 4, 15, 15, "arm64"},
	{"r6g.4xlarge", 16, 16, 1, 8, 30, 30, "arm64"},
	{"r6g.8xlarge", 32, 32, 1, 8, 30, 30, "arm64"},
	{"r6g.12xlarge", 48, 48, 1, 8, 30, 30, "arm64"},
	{"r6g.16xlarge", 64, 64, 1, 15, 50, 50, "arm64"},
}

var instanceTypes = func() map[string]instanceType {
	m := make(map[string]instanceType, len(instanceTypeList))
	for _, t := range instanceTypeList {
		m[t.Name] = t
	}
	return m
}()

// lookupInstanceType returns the type, or AWS's error for a type it does not offer.
func lookupInstanceType(name string) (instanceType, error) {
	t, ok := instanceTypes[name]
	if !ok {
		return instanceType{}, ec2.ErrInvalidParameterValue("Invalid value '%s' for InstanceType.", name)
	}
	return t, nil
}

// instanceTypeFilters are the DescribeInstanceTypes filters vpcd can answer.
var instanceTypeFilters = map[string]func(t instanceType) []string{
	"instance-type":                           func(t instanceType) []string { return []string{t.Name} },
	"processor-info.supported-architecture":   func(t instanceType) []string { return []string{t.Architecture} },
	"vcpu-info.default-vcpus":                 func(t instanceType) []string { return []string{strconv.Itoa(int(t.VCpus))} },
	"network-info.maximum-network-interfaces": func(t instanceType) []string { return []string{strconv.Itoa(t.MaxInterfaces)} },
	"network-info.ipv4-addresses-per-interface": func(t instanceType) []string {
		return []string{strconv.Itoa(t.IPv4PerENI)}
	},
	"burstable-performance-supported": func(t instanceType) []string { return []string{boolString(burstable(t.Name))} },
	"current-generation":              func(t instanceType) []string { return []string{"true"} },
}

func burstable(name string) bool { return strings.HasPrefix(name, "t") }

// DescribeInstanceTypes answers the types vpcd accepts, with their CPU and network limits.
func (s *Service) DescribeInstanceTypes(ctx context.Context, c Caller, in *ec2.DescribeInstanceTypesRequest) (*ec2.DescribeInstanceTypesResult, error) {
	if err := checkMaxResults(in.MaxResults, 5, 100); err != nil {
		return nil, err
	}
	match, err := compileFilters(in.Filters, func(name string) bool { return instanceTypeFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	var types []instanceType
	if len(in.InstanceTypes) > 0 {
		for _, name := range in.InstanceTypes {
			t, err := lookupInstanceType(name)
			if err != nil {
				return nil, ec2.ErrInvalidInstanceType("The following supplied instance types do not exist: [%s]", name)
			}
			types = append(types, t)
		}
	} else {
		types = append(types, instanceTypeList...)
	}
	var kept []instanceType
	for _, t := range types {
		if match(func(name string) []string { return instanceTypeFilters[name](t) }, nil) {
			kept = append(kept, t)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].Name < kept[j].Name })
	page, next, err := paginate(kept, in.MaxResults, in.NextToken, func(t instanceType) string { return t.Name })
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInstanceTypesResult{NextToken: next, InstanceTypes: []ec2.InstanceTypeInfo{}}
	for _, t := range page {
		out.InstanceTypes = append(out.InstanceTypes, t.ec2())
	}
	return out, nil
}

func (t instanceType) ec2() ec2.InstanceTypeInfo {
	return ec2.InstanceTypeInfo{
		InstanceType:                  ptr(t.Name),
		CurrentGeneration:             ptr(true),
		BareMetal:                     ptr(false),
		Hypervisor:                    ptr("nitro"),
		BurstablePerformanceSupported: ptr(burstable(t.Name)),
		HibernationSupported:          ptr(false),
		DedicatedHostsSupported:       ptr(false),
		SupportedUsageClasses:         []string{"on-demand"},
		SupportedRootDeviceTypes:      []string{"ebs"},
		SupportedVirtualizationTypes:  []string{"hvm"},
		ProcessorInfo:                 &ec2.ProcessorInfo{SupportedArchitectures: []string{t.Architecture}},
		VCpuInfo: &ec2.VCpuInfo{
			DefaultVCpus: ptr(t.VCpus), DefaultCores: ptr(t.Cores), DefaultThreadsPerCore: ptr(t.ThreadsPerCore),
		},
		NetworkInfo: &ec2.NetworkInfo{
			MaximumNetworkInterfaces:  ptr(int32(t.MaxInterfaces)),
			MaximumNetworkCards:       ptr(int32(1)),
			DefaultNetworkCardIndex:   ptr(int32(0)),
			Ipv4AddressesPerInterface: ptr(int32(t.IPv4PerENI)),
			Ipv6AddressesPerInterface: ptr(int32(t.IPv6PerENI)),
			Ipv6Supported:             ptr(t.IPv6PerENI > 0),
			EnaSupport:                ptr("required"),
		},
		SupportedInRegion: ptr(true),
	}
}
