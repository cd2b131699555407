package kit

//go:generate go run ./instancetypegen -out instancetypes_gen.go

import (
	"strconv"
	"strings"

	"vpcd/internal/ec2"
)

// InstanceType is one EC2 instance type, with the limits AWS publishes for it
// (DescribeInstanceTypes; "Maximum IP addresses per network interface and instance type"
// in the EC2 user guide). instancetypes_gen.go lists every type (instancetypegen says
// from which sources); a zero field is one no source gives, and DescribeInstanceTypes
// leaves it out.
type InstanceType struct {
	Name           string
	VCpus          int32
	Cores          int32
	ThreadsPerCore int32
	MemoryMiB      int64
	MaxInterfaces  int    // network interfaces per instance
	IPv4PerENI     int    // private IPv4 addresses per interface, the primary included
	IPv6PerENI     int    // IPv6 addresses per interface
	Architecture   string // x86_64 or arm64: what DescribeInstances shows
	Architectures  []string

	CurrentGeneration  bool
	BareMetal          bool
	Hypervisor         string // nitro or xen; empty for bare metal
	NetworkPerformance string // "Up to 10 Gigabit"
	NetworkCards       []int  // maximum interfaces of each network card, by index
	DefaultNetworkCard int
	BaselineMbps       int64
	IPv6Supported      bool
	EnhancedNetworking bool
	EbsOptimized       bool
	EbsNVMe            bool // EBS volumes show as NVMe devices
	Ebs                EbsLimits
	Virtualization     []string // hvm, paravirtual
	Processor          string
	ClockGHz           float64
	GPUs               int
	GPUName            string
	GPUMemoryMiB       int64
	Disks              int
	DiskSizeGB         int64
	DiskSSD, DiskNVMe  bool
	Spot               bool   // offered as Spot somewhere
	Regions            uint64 // bit i: offered in instanceTypeRegions[i]
	Zones              string // per instanceTypeZoneRegions, two hex digits: bit n-1 for zone ID az<n>
}

// EbsLimits are an EBS-optimized type's EBS bandwidth (megabits), IOPS and throughput
// (megabytes) per second.
type EbsLimits struct {
	BaselineMbps, BaselineIops, BaselineMBps, MaxMbps, MaxIops float64
}

// InstanceTypeList is every type, sorted by name.
var InstanceTypeList = func() []InstanceType {
	list := make([]InstanceType, len(instanceTypeTable))
	for i, t := range instanceTypeTable {
		list[i] = t.derive()
	}
	return list
}()

var InstanceTypes = func() map[string]InstanceType {
	m := make(map[string]InstanceType, len(InstanceTypeList))
	for _, t := range InstanceTypeList {
		m[t.Name] = t
	}
	return m
}()

// derive fills the fields that the sources do not give but that follow from what they do.
func (t InstanceType) derive() InstanceType {
	if len(t.Architectures) > 0 {
		t.Architecture = t.Architectures[len(t.Architectures)-1] // i386 comes before x86_64
	}
	if t.IPv6Supported {
		t.IPv6PerENI = t.IPv4PerENI // AWS's table gives every IPv6 type as many of each
	}
	if ct, ok := instanceTypeCPU[t.Name]; ok {
		t.Cores, t.ThreadsPerCore = ct[0], ct[1]
	} else if t.VCpus == 1 || (t.VCpus > 0 && t.Architecture == "arm64") {
		// One vCPU is one core; a Graviton vCPU is a physical core (no SMT).
		t.Cores, t.ThreadsPerCore = t.VCpus, 1
	}
	return t
}

// Burstable says whether the type earns CPU credits: the T family (t2, t3, t3a, t4g).
func Burstable(name string) bool {
	return len(name) > 2 && name[0] == 't' && name[1] >= '0' && name[1] <= '9'
}

// FreeTierEligible: t2.micro, and t3.micro where t2 is not offered (EC2 user guide, "Free
// Tier"). vpcd answers both for every region.
func FreeTierEligible(name string) bool { return name == "t2.micro" || name == "t3.micro" }

// InRegion says whether AWS offers the type in the region. A type or region the data does
// not place (newer than it) is offered everywhere.
func (t InstanceType) InRegion(region string) bool {
	for i, r := range instanceTypeRegions {
		if r == region {
			return t.Regions == 0 || t.Regions&(1<<i) != 0
		}
	}
	return true
}

// ZoneIDs are the zone IDs of the region (of allIDs) that offer the type, and whether the
// data knows; where it does not, every zone does.
func (t InstanceType) ZoneIDs(region string, allIDs []string) ([]string, bool) {
	for i, r := range instanceTypeZoneRegions {
		if r != region || len(t.Zones) < 2*i+2 {
			continue
		}
		var mask uint8
		for _, c := range t.Zones[2*i : 2*i+2] {
			mask = mask<<4 | uint8(strings.IndexRune("0123456789abcdef", c))
		}
		if mask == 0 { // offered in the region (InRegion) but placed in none of its zones: unknown
			break
		}
		var ids []string
		for _, id := range allIDs {
			_, num, _ := strings.Cut(id, "-az")
			if len(num) == 1 && num[0] >= '1' && num[0] <= '8' && mask&(1<<(num[0]-'1')) != 0 {
				ids = append(ids, id)
			}
		}
		return ids, true
	}
	return allIDs, false
}

func (t InstanceType) EC2() ec2.InstanceTypeInfo {
	out := ec2.InstanceTypeInfo{
		InstanceType:                  Ptr(t.Name),
		CurrentGeneration:             Ptr(t.CurrentGeneration),
		FreeTierEligible:              Ptr(FreeTierEligible(t.Name)),
		BareMetal:                     Ptr(t.BareMetal),
		BurstablePerformanceSupported: Ptr(Burstable(t.Name)),
		SupportedUsageClasses:         t.usageClasses(),
		SupportedRootDeviceTypes:      []string{"ebs"},
		SupportedVirtualizationTypes:  t.Virtualization,
		InstanceStorageSupported:      Ptr(t.Disks > 0),
		SupportedInRegion:             Ptr(true),
		NetworkInfo:                   t.networkInfo(),
	}
	if len(out.SupportedVirtualizationTypes) == 0 {
		out.SupportedVirtualizationTypes = []string{"hvm"} // every Nitro type is HVM
	}
	if t.Hypervisor != "" {
		out.Hypervisor = Ptr(t.Hypervisor)
	}
	if len(t.Architectures) > 0 {
		out.ProcessorInfo = &ec2.ProcessorInfo{SupportedArchitectures: t.Architectures}
		if t.ClockGHz > 0 {
			out.ProcessorInfo.SustainedClockSpeedInGhz = Ptr(t.ClockGHz)
		}
		if m := t.manufacturer(); m != "" {
			out.ProcessorInfo.Manufacturer = Ptr(m)
		}
	}
	if t.VCpus > 0 {
		out.VCpuInfo = &ec2.VCpuInfo{DefaultVCpus: Ptr(t.VCpus)}
		if t.Cores > 0 {
			out.VCpuInfo.DefaultCores, out.VCpuInfo.DefaultThreadsPerCore = Ptr(t.Cores), Ptr(t.ThreadsPerCore)
		}
	}
	if t.MemoryMiB > 0 {
		out.MemoryInfo = &ec2.MemoryInfo{SizeInMiB: Ptr(t.MemoryMiB)}
	}
	if t.VCpus > 0 { // from the full record: the EBS fields are known
		out.EbsInfo = t.ebsInfo()
	}
	if t.Disks > 0 {
		kind := "hdd"
		if t.DiskSSD {
			kind = "ssd"
		}
		nvme := "unsupported"
		if t.DiskNVMe {
			nvme = "required"
		}
		out.InstanceStorageInfo = &ec2.InstanceStorageInfo{
			TotalSizeInGB: Ptr(int64(t.Disks) * t.DiskSizeGB),
			Disks:         []ec2.DiskInfo{{Count: Ptr(int32(t.Disks)), SizeInGB: Ptr(t.DiskSizeGB), Type: Ptr(kind)}},
			NvmeSupport:   Ptr(nvme),
		}
	}
	if t.GPUs > 0 {
		g := ec2.GpuDeviceInfo{Count: Ptr(int32(t.GPUs))}
		if t.GPUName != "" {
			maker, name, ok := strings.Cut(t.GPUName, " ")
			if !ok {
				maker, name = "", t.GPUName
			}
			g.Name = Ptr(name)
			if maker != "" {
				g.Manufacturer = Ptr(maker)
			}
		}
		info := &ec2.GpuInfo{Gpus: []ec2.GpuDeviceInfo{g}}
		if t.GPUMemoryMiB > 0 {
			info.TotalGpuMemoryInMiB = Ptr(int32(t.GPUMemoryMiB))
			info.Gpus[0].MemoryInfo = &ec2.GpuDeviceMemoryInfo{SizeInMiB: Ptr(int32(t.GPUMemoryMiB / int64(t.GPUs)))}
		}
		out.GpuInfo = info
	}
	return out
}

func (t InstanceType) ebsInfo() *ec2.EbsInfo {
	info := &ec2.EbsInfo{EbsOptimizedSupport: Ptr(t.ebsOptimizedSupport()), NvmeSupport: Ptr("unsupported")}
	if t.EbsNVMe {
		info.NvmeSupport = Ptr("required")
	}
	if e := t.Ebs; e.MaxMbps > 0 {
		info.EbsOptimizedInfo = &ec2.EbsOptimizedInfo{
			BaselineBandwidthInMbps:  Ptr(int32(e.BaselineMbps)),
			BaselineIops:             Ptr(int32(e.BaselineIops)),
			BaselineThroughputInMBps: Ptr(e.BaselineMBps),
			MaximumBandwidthInMbps:   Ptr(int32(e.MaxMbps)),
			MaximumIops:              Ptr(int32(e.MaxIops)),
			MaximumThroughputInMBps:  Ptr(e.MaxMbps / 8), // a megabyte is eight megabits, as AWS's tables count
		}
	}
	return info
}

func (t InstanceType) usageClasses() []string {
	if t.Spot {
		return []string{"on-demand", "spot"}
	}
	return []string{"on-demand"}
}

// ebsOptimizedSupport: Nitro types and the Xen families AWS lists as EBS-optimized by
// default answer "default"; other EBS-optimizable types "supported".
func (t InstanceType) ebsOptimizedSupport() string {
	switch {
	case !t.EbsOptimized:
		return "unsupported"
	case t.Hypervisor == "nitro" || t.BareMetal:
		return "default"
	}
	family, _, _ := strings.Cut(t.Name, ".")
	switch family {
	case "c4", "d2", "f1", "g3", "g3s", "h1", "i3", "m4", "p2", "p3", "r4", "x1", "x1e":
		return "default"
	}
	return "supported"
}

func (t InstanceType) manufacturer() string {
	switch p := t.Processor; {
	case strings.HasPrefix(p, "Intel"):
		return "Intel"
	case strings.HasPrefix(p, "AMD"):
		return "AMD"
	case strings.HasPrefix(p, "AWS"):
		return "Amazon Web Services"
	case strings.HasPrefix(p, "Apple"):
		return "Apple"
	}
	return ""
}

func (t InstanceType) networkInfo() *ec2.NetworkInfo {
	n := &ec2.NetworkInfo{
		MaximumNetworkInterfaces:  Ptr(int32(t.MaxInterfaces)),
		MaximumNetworkCards:       Ptr(int32(max(len(t.NetworkCards), 1))),
		DefaultNetworkCardIndex:   Ptr(int32(t.DefaultNetworkCard)),
		Ipv4AddressesPerInterface: Ptr(int32(t.IPv4PerENI)),
		Ipv6AddressesPerInterface: Ptr(int32(t.IPv6PerENI)),
		Ipv6Supported:             Ptr(t.IPv6Supported),
		NetworkCards:              []ec2.NetworkCardInfo{},
	}
	if t.NetworkPerformance != "" {
		n.NetworkPerformance = Ptr(t.NetworkPerformance)
	}
	switch {
	case t.Hypervisor == "nitro" || t.BareMetal:
		n.EnaSupport = Ptr("required")
	case t.VCpus > 0 && !t.EnhancedNetworking:
		n.EnaSupport = Ptr("unsupported")
	}
	for i, max := range t.NetworkCards {
		card := ec2.NetworkCardInfo{NetworkCardIndex: Ptr(int32(i)), MaximumNetworkInterfaces: Ptr(int32(max))}
		if len(t.NetworkCards) == 1 {
			if t.NetworkPerformance != "" {
				card.NetworkPerformance = Ptr(t.NetworkPerformance)
			}
			if t.BaselineMbps > 0 {
				card.BaselineBandwidthInGbps = Ptr(float64(t.BaselineMbps) / 1000)
			}
			// "Up to 10 Gigabit" peaks at 10, "25 Gigabit" at 25.
			perf := strings.TrimPrefix(t.NetworkPerformance, "Up to ")
			if g, err := strconv.ParseFloat(strings.TrimSuffix(perf, " Gigabit"), 64); err == nil && strings.HasSuffix(perf, " Gigabit") {
				card.PeakBandwidthInGbps = Ptr(g)
			}
		}
		n.NetworkCards = append(n.NetworkCards, card)
	}
	return n
}

// instanceTypeCPU are the default cores and threads per core that no source above gives,
// as AWS's CPU options table has them, for the types vpcd listed before the generated
// table. Other types get them only where they are certain (one vCPU; Graviton).
var instanceTypeCPU = map[string][2]int32{
	"t1.micro":     {1, 1},
	"t2.micro":     {1, 1},
	"t2.nano":      {1, 1},
	"t2.small":     {1, 1},
	"t2.large":     {2, 1},
	"t2.medium":    {2, 1},
	"t2.xlarge":    {4, 1},
	"t2.2xlarge":   {8, 1},
	"t3.large":     {1, 2},
	"t3.medium":    {1, 2},
	"t3.micro":     {1, 2},
	"t3.nano":      {1, 2},
	"t3.small":     {1, 2},
	"t3.xlarge":    {2, 2},
	"t3.2xlarge":   {4, 2},
	"t3a.large":    {1, 2},
	"t3a.medium":   {1, 2},
	"t3a.micro":    {1, 2},
	"t3a.nano":     {1, 2},
	"t3a.small":    {1, 2},
	"t3a.xlarge":   {2, 2},
	"t3a.2xlarge":  {4, 2},
	"t4g.large":    {2, 1},
	"t4g.medium":   {2, 1},
	"t4g.micro":    {2, 1},
	"t4g.nano":     {2, 1},
	"t4g.small":    {2, 1},
	"t4g.xlarge":   {4, 1},
	"t4g.2xlarge":  {8, 1},
	"m1.medium":    {1, 1},
	"m1.small":     {1, 1},
	"m1.large":     {2, 1},
	"m1.xlarge":    {4, 1},
	"m3.medium":    {1, 1},
	"m3.large":     {1, 2},
	"m3.xlarge":    {2, 2},
	"m3.2xlarge":   {4, 2},
	"m4.large":     {1, 2},
	"m4.xlarge":    {2, 2},
	"m4.2xlarge":   {4, 2},
	"m4.4xlarge":   {8, 2},
	"m4.10xlarge":  {20, 2},
	"m4.16xlarge":  {32, 2},
	"m5.large":     {1, 2},
	"m5.xlarge":    {2, 2},
	"m5.2xlarge":   {4, 2},
	"m5.4xlarge":   {8, 2},
	"m5.8xlarge":   {16, 2},
	"m5.12xlarge":  {24, 2},
	"m5.16xlarge":  {32, 2},
	"m5.24xlarge":  {48, 2},
	"m5a.large":    {1, 2},
	"m5a.xlarge":   {2, 2},
	"m5a.2xlarge":  {4, 2},
	"m5a.4xlarge":  {8, 2},
	"m5a.8xlarge":  {16, 2},
	"m5a.12xlarge": {24, 2},
	"m5a.16xlarge": {32, 2},
	"m5a.24xlarge": {48, 2},
	"m6i.large":    {1, 2},
	"m6i.xlarge":   {2, 2},
	"m6i.2xlarge":  {4, 2},
	"m6i.4xlarge":  {8, 2},
	"m6i.8xlarge":  {16, 2},
	"m6i.12xlarge": {24, 2},
	"m6i.16xlarge": {32, 2},
	"m6i.24xlarge": {48, 2},
	"m6i.32xlarge": {64, 2},
	"m6g.medium":   {1, 1},
	"m6g.large":    {2, 1},
	"m6g.xlarge":   {4, 1},
	"m6g.2xlarge":  {8, 1},
	"m6g.4xlarge":  {16, 1},
	"m6g.8xlarge":  {32, 1},
	"m6g.12xlarge": {48, 1},
	"m6g.16xlarge": {64, 1},
	"m7i.large":    {1, 2},
	"m7i.xlarge":   {2, 2},
	"m7i.2xlarge":  {4, 2},
	"m7i.4xlarge":  {8, 2},
	"m7i.8xlarge":  {16, 2},
	"m7i.12xlarge": {24, 2},
	"m7i.16xlarge": {32, 2},
	"m7i.24xlarge": {48, 2},
	"m7i.48xlarge": {96, 2},
	"m7g.medium":   {1, 1},
	"m7g.large":    {2, 1},
	"m7g.xlarge":   {4, 1},
	"m7g.2xlarge":  {8, 1},
	"m7g.4xlarge":  {16, 1},
	"m7g.8xlarge":  {32, 1},
	"m7g.12xlarge": {48, 1},
	"m7g.16xlarge": {64, 1},
	"c4.large":     {1, 2},
	"c4.xlarge":    {2, 2},
	"c4.2xlarge":   {4, 2},
	"c4.4xlarge":   {8, 2},
	"c4.8xlarge":   {18, 2},
	"c5.large":     {1, 2},
	"c5.xlarge":    {2, 2},
	"c5.2xlarge":   {4, 2},
	"c5.4xlarge":   {8, 2},
	"c5.9xlarge":   {18, 2},
	"c5.12xlarge":  {24, 2},
	"c5.18xlarge":  {36, 2},
	"c5.24xlarge":  {48, 2},
	"c6i.large":    {1, 2},
	"c6i.xlarge":   {2, 2},
	"c6i.2xlarge":  {4, 2},
	"c6i.4xlarge":  {8, 2},
	"c6i.8xlarge":  {16, 2},
	"c6i.12xlarge": {24, 2},
	"c6i.16xlarge": {32, 2},
	"c6i.24xlarge": {48, 2},
	"c6i.32xlarge": {64, 2},
	"c6g.medium":   {1, 1},
	"c6g.large":    {2, 1},
	"c6g.xlarge":   {4, 1},
	"c6g.2xlarge":  {8, 1},
	"c6g.4xlarge":  {16, 1},
	"c6g.8xlarge":  {32, 1},
	"c6g.12xlarge": {48, 1},
	"c6g.16xlarge": {64, 1},
	"c7i.large":    {1, 2},
	"c7i.xlarge":   {2, 2},
	"c7i.2xlarge":  {4, 2},
	"c7i.4xlarge":  {8, 2},
	"c7i.8xlarge":  {16, 2},
	"c7i.12xlarge": {24, 2},
	"c7i.16xlarge": {32, 2},
	"c7i.24xlarge": {48, 2},
	"c7i.48xlarge": {96, 2},
	"c7g.medium":   {1, 1},
	"c7g.large":    {2, 1},
	"c7g.xlarge":   {4, 1},
	"c7g.2xlarge":  {8, 1},
	"c7g.4xlarge":  {16, 1},
	"c7g.8xlarge":  {32, 1},
	"c7g.12xlarge": {48, 1},
	"c7g.16xlarge": {64, 1},
	"r5.large":     {1, 2},
	"r5.xlarge":    {2, 2},
	"r5.2xlarge":   {4, 2},
	"r5.4xlarge":   {8, 2},
	"r5.8xlarge":   {16, 2},
	"r5.12xlarge":  {24, 2},
	"r5.16xlarge":  {32, 2},
	"r5.24xlarge":  {48, 2},
	"r6i.large":    {1, 2},
	"r6i.xlarge":   {2, 2},
	"r6i.2xlarge":  {4, 2},
	"r6i.4xlarge":  {8, 2},
	"r6i.8xlarge":  {16, 2},
	"r6i.12xlarge": {24, 2},
	"r6i.16xlarge": {32, 2},
	"r6i.24xlarge": {48, 2},
	"r6i.32xlarge": {64, 2},
	"r6g.medium":   {1, 1},
	"r6g.large":    {2, 1},
	"r6g.xlarge":   {4, 1},
	"r6g.2xlarge":  {8, 1},
	"r6g.4xlarge":  {16, 1},
	"r6g.8xlarge":  {32, 1},
	"r6g.12xlarge": {48, 1},
	"r6g.16xlarge": {64, 1},
}
