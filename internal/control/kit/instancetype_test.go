package kit

import (
	"slices"
	"testing"
)

// TestInstanceTypesPublished checks the table against values AWS publishes
// (DescribeInstanceTypes and the EC2 user guide's tables), for types tests and users lean on.
func TestInstanceTypesPublished(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		vcpus, cores, threads     int32
		mib                       int64
		enis, ipv4, ipv6, cards   int
		arch, hypervisor          string
		burstable, metal, current bool
	}{
		{"t2.micro", 1, 1, 1, 1024, 2, 2, 2, 1, "x86_64", "xen", true, false, true},
		{"t3.micro", 2, 1, 2, 1024, 2, 2, 2, 1, "x86_64", "nitro", true, false, true},
		{"t3.small", 2, 1, 2, 2048, 3, 4, 4, 1, "x86_64", "nitro", true, false, true},
		{"t4g.micro", 2, 2, 1, 1024, 2, 2, 2, 1, "arm64", "nitro", true, false, true},
		{"m1.small", 1, 1, 1, 1740, 2, 4, 0, 1, "x86_64", "xen", false, false, false},
		{"m5.large", 2, 1, 2, 8192, 3, 10, 10, 1, "x86_64", "nitro", false, false, true},
		{"m5.24xlarge", 96, 48, 2, 393216, 15, 50, 50, 1, "x86_64", "nitro", false, false, true},
		{"m5.metal", 96, 0, 0, 393216, 15, 50, 50, 1, "x86_64", "", false, true, true},
		{"c5n.18xlarge", 72, 0, 0, 196608, 15, 50, 50, 1, "x86_64", "nitro", false, false, true},
		{"c7g.xlarge", 4, 4, 1, 8192, 4, 15, 15, 1, "arm64", "nitro", false, false, true},
		{"r6g.medium", 1, 1, 1, 8192, 2, 4, 4, 1, "arm64", "nitro", false, false, true},
		{"p4d.24xlarge", 96, 0, 0, 1179648, 60, 50, 50, 4, "x86_64", "nitro", false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it, ok := InstanceTypes[tc.name]
			if !ok {
				t.Fatal("missing")
			}
			got := []any{it.VCpus, it.Cores, it.ThreadsPerCore, it.MemoryMiB, it.MaxInterfaces, it.IPv4PerENI, it.IPv6PerENI, len(it.NetworkCards), it.Architecture, it.Hypervisor, Burstable(it.Name), it.BareMetal, it.CurrentGeneration}
			want := []any{tc.vcpus, tc.cores, tc.threads, tc.mib, tc.enis, tc.ipv4, tc.ipv6, tc.cards, tc.arch, tc.hypervisor, tc.burstable, tc.metal, tc.current}
			if !slices.Equal(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
		})
	}
}

// TestInstanceTypeTable checks what every entry must hold for RunInstances and
// DescribeInstanceTypes to work from it.
func TestInstanceTypeTable(t *testing.T) {
	if len(InstanceTypeList) < 1000 {
		t.Errorf("%d types: the generated table lost most of AWS's list", len(InstanceTypeList))
	}
	for i, it := range InstanceTypeList {
		if i > 0 && InstanceTypeList[i-1].Name >= it.Name {
			t.Errorf("%s after %s: not sorted or not unique", it.Name, InstanceTypeList[i-1].Name)
		}
		if it.MaxInterfaces < 1 || it.IPv4PerENI < 1 {
			t.Errorf("%s: %d interfaces, %d IPv4 addresses each", it.Name, it.MaxInterfaces, it.IPv4PerENI)
		}
		sum := 0
		for _, c := range it.NetworkCards {
			sum += c
		}
		if sum < it.MaxInterfaces || it.DefaultNetworkCard >= max(len(it.NetworkCards), 1) {
			t.Errorf("%s: cards %v (default %d) for %d interfaces", it.Name, it.NetworkCards, it.DefaultNetworkCard, it.MaxInterfaces)
		}
		if it.Cores*it.ThreadsPerCore != 0 && it.Cores*it.ThreadsPerCore != it.VCpus {
			t.Errorf("%s: %d cores x %d threads != %d vCPUs", it.Name, it.Cores, it.ThreadsPerCore, it.VCpus)
		}
		if (it.VCpus == 0) != (it.MemoryMiB == 0) {
			t.Errorf("%s: %d vCPUs, %d MiB: the record is half there", it.Name, it.VCpus, it.MemoryMiB)
		}
		info := it.EC2()
		if *info.InstanceType != it.Name || *info.NetworkInfo.MaximumNetworkInterfaces != int32(it.MaxInterfaces) {
			t.Errorf("%s: EC2() %+v", it.Name, info)
		}
	}
	if !InstanceTypes["m5.large"].InRegion("us-east-1") || InstanceTypes["m5.large"].InRegion("nowhere-1") != true {
		t.Error("m5.large: InRegion")
	}
}
