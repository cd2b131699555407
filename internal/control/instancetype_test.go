package control

import (
	"context"
	"slices"
	"testing"

	"vpcd/internal/control/compute"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func typeFilter(name string, values ...string) ec2.Filter {
	return ec2.Filter{Name: kit.Ptr(name), Values: values}
}

func TestDescribeInstanceTypes(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	names := func(out *ec2.DescribeInstanceTypesResult) []string {
		var n []string
		for _, it := range out.InstanceTypes {
			n = append(n, *it.InstanceType)
		}
		return n
	}
	for _, tc := range []struct {
		name string
		in   ec2.DescribeInstanceTypesRequest
		want []string
		code string
	}{
		{"by name, sorted", ec2.DescribeInstanceTypesRequest{InstanceTypes: []string{"m5.large", "t3.micro", "c7g.xlarge"}}, []string{"c7g.xlarge", "m5.large", "t3.micro"}, ""},
		{"unknown name", ec2.DescribeInstanceTypesRequest{InstanceTypes: []string{"t3.micro", "t9.huge"}}, nil, "InvalidInstanceType"},
		{"type wildcard and vCPUs", ec2.DescribeInstanceTypesRequest{Filters: []ec2.Filter{typeFilter("instance-type", "t3.*"), typeFilter("vcpu-info.default-vcpus", "2")}},
			[]string{"t3.large", "t3.medium", "t3.micro", "t3.nano", "t3.small"}, ""},
		{"memory and architecture", ec2.DescribeInstanceTypesRequest{Filters: []ec2.Filter{typeFilter("instance-type", "t4g.*", "t3.*"), typeFilter("memory-info.size-in-mib", "1024"), typeFilter("processor-info.supported-architecture", "arm64")}},
			[]string{"t4g.micro"}, ""},
		{"network limits", ec2.DescribeInstanceTypesRequest{Filters: []ec2.Filter{typeFilter("instance-type", "m5.*"), typeFilter("network-info.maximum-network-interfaces", "3"), typeFilter("network-info.ipv4-addresses-per-interface", "10")}},
			[]string{"m5.large"}, ""},
		{"bare metal", ec2.DescribeInstanceTypesRequest{Filters: []ec2.Filter{typeFilter("instance-type", "m5.*"), typeFilter("bare-metal", "true")}}, []string{"m5.metal"}, ""},
		{"burstable, previous generation", ec2.DescribeInstanceTypesRequest{Filters: []ec2.Filter{typeFilter("burstable-performance-supported", "true"), typeFilter("current-generation", "false")}},
			[]string{"t1.micro"}, ""},
		{"free tier", ec2.DescribeInstanceTypesRequest{Filters: []ec2.Filter{typeFilter("free-tier-eligible", "true")}}, []string{"t2.micro", "t3.micro"}, ""},
		{"hypervisor xen among t2", ec2.DescribeInstanceTypesRequest{Filters: []ec2.Filter{typeFilter("instance-type", "t2.micro", "t3.micro"), typeFilter("hypervisor", "xen")}}, []string{"t2.micro"}, ""},
		{"instance store", ec2.DescribeInstanceTypesRequest{Filters: []ec2.Filter{typeFilter("instance-type", "i3.*"), typeFilter("instance-storage-info.disk.count", "1"), typeFilter("instance-storage-info.nvme-support", "required"), typeFilter("instance-storage-info.total-size-in-gb", "475")}},
			[]string{"i3.large"}, ""},
		{"not offered in the region", ec2.DescribeInstanceTypesRequest{InstanceTypes: []string{"hpc7a.12xlarge"}}, nil, "InvalidInstanceType"},
		{"not offered, asked for anyway", ec2.DescribeInstanceTypesRequest{InstanceTypes: []string{"hpc7a.12xlarge"}, IncludeUnsupportedInRegion: kit.Ptr(true)}, []string{"hpc7a.12xlarge"}, ""},
		{"unknown filter", ec2.DescribeInstanceTypesRequest{Filters: []ec2.Filter{typeFilter("colour", "red")}}, nil, "InvalidParameterValue"},
		{"MaxResults below 5", ec2.DescribeInstanceTypesRequest{MaxResults: kit.Ptr(int32(4))}, nil, "InvalidParameterValue"},
		{"MaxResults above 100", ec2.DescribeInstanceTypesRequest{MaxResults: kit.Ptr(int32(101))}, nil, "InvalidParameterValue"},
		{"bad token", ec2.DescribeInstanceTypesRequest{NextToken: kit.Ptr("!!")}, nil, "InvalidNextToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeInstanceTypes(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
			if err == nil && !slices.Equal(names(out), tc.want) {
				t.Errorf("got %v, want %v", names(out), tc.want)
			}
		})
	}

	t.Run("t3.micro as AWS publishes it", func(t *testing.T) {
		out, err := s.DescribeInstanceTypes(ctx, testCaller, &ec2.DescribeInstanceTypesRequest{InstanceTypes: []string{"t3.micro"}})
		if err != nil {
			t.Fatal(err)
		}
		it := out.InstanceTypes[0]
		got := []any{*it.VCpuInfo.DefaultVCpus, *it.VCpuInfo.DefaultCores, *it.VCpuInfo.DefaultThreadsPerCore, *it.MemoryInfo.SizeInMiB,
			*it.NetworkInfo.MaximumNetworkInterfaces, *it.NetworkInfo.Ipv4AddressesPerInterface, *it.NetworkInfo.Ipv6AddressesPerInterface,
			*it.NetworkInfo.NetworkPerformance, *it.Hypervisor, *it.BurstablePerformanceSupported, *it.CurrentGeneration, *it.EbsInfo.EbsOptimizedSupport,
			*it.NetworkInfo.EnaSupport, it.ProcessorInfo.SupportedArchitectures[0], *it.ProcessorInfo.Manufacturer}
		want := []any{int32(2), int32(1), int32(2), int64(1024), int32(2), int32(2), int32(2), "Up to 5 Gigabit", "nitro", true, true, "default", "required", "x86_64", "Intel"}
		ebs := it.EbsInfo.EbsOptimizedInfo
		got = append(got, *it.EbsInfo.NvmeSupport, *ebs.BaselineBandwidthInMbps, *ebs.MaximumBandwidthInMbps, *ebs.MaximumIops, *ebs.MaximumThroughputInMBps)
		want = append(want, "required", int32(87), int32(2085), int32(11800), 260.625)
		if !slices.Equal(got, want) {
			t.Errorf("got  %v\nwant %v", got, want)
		}
	})

	t.Run("a type of another region says so", func(t *testing.T) {
		out, err := s.DescribeInstanceTypes(ctx, testCaller, &ec2.DescribeInstanceTypesRequest{InstanceTypes: []string{"hpc7a.12xlarge", "m5.large"}, IncludeUnsupportedInRegion: kit.Ptr(true)})
		if err != nil || len(out.InstanceTypes) != 2 || *out.InstanceTypes[0].SupportedInRegion || !*out.InstanceTypes[1].SupportedInRegion {
			t.Fatalf("%v %+v", err, out)
		}
	})

	t.Run("pages of 100 by default, every type once", func(t *testing.T) {
		seen := map[string]bool{}
		var token *string
		pages := 0
		for {
			out, err := s.DescribeInstanceTypes(ctx, testCaller, &ec2.DescribeInstanceTypesRequest{NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if len(out.InstanceTypes) > 100 {
				t.Fatalf("page of %d", len(out.InstanceTypes))
			}
			for _, n := range names(out) {
				if seen[n] {
					t.Fatalf("%s twice", n)
				}
				seen[n] = true
			}
			if token = out.NextToken; token == nil {
				break
			}
		}
		if len(seen) < 900 || pages < 10 || !seen["m5.large"] {
			t.Errorf("%d types in %d pages", len(seen), pages)
		}
	})

	t.Run("MaxResults pages", func(t *testing.T) {
		in := &ec2.DescribeInstanceTypesRequest{MaxResults: kit.Ptr(int32(5)), Filters: []ec2.Filter{typeFilter("instance-type", "t3.*")}}
		first, err := s.DescribeInstanceTypes(ctx, testCaller, in)
		if err != nil || len(first.InstanceTypes) != 5 || first.NextToken == nil {
			t.Fatalf("%v %+v", err, first)
		}
		in.NextToken = first.NextToken
		second, err := s.DescribeInstanceTypes(ctx, testCaller, in)
		if err != nil || !slices.Equal(names(second), []string{"t3.small", "t3.xlarge"}) || second.NextToken != nil {
			t.Fatalf("%v %v", err, names(second))
		}
	})
}

func TestDescribeInstanceTypeOfferings(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	locations := func(out *ec2.DescribeInstanceTypeOfferingsResult) []string {
		var l []string
		for _, o := range out.InstanceTypeOfferings {
			l = append(l, *o.InstanceType+"@"+*o.Location+"/"+*o.LocationType)
		}
		return l
	}
	for _, tc := range []struct {
		name string
		in   ec2.DescribeInstanceTypeOfferingsRequest
		want []string
		code string
	}{
		{"region by default", ec2.DescribeInstanceTypeOfferingsRequest{Filters: []ec2.Filter{typeFilter("instance-type", "m5.large", "t3.micro")}},
			[]string{"m5.large@us-east-1/region", "t3.micro@us-east-1/region"}, ""},
		// use1-az3 (us-east-1c) offers no current type: AWS keeps it for older accounts.
		{"zones by ID", ec2.DescribeInstanceTypeOfferingsRequest{LocationType: kit.Ptr("availability-zone-id"), Filters: []ec2.Filter{typeFilter("instance-type", "m5.large")}},
			[]string{"m5.large@use1-az1/availability-zone-id", "m5.large@use1-az2/availability-zone-id", "m5.large@use1-az4/availability-zone-id", "m5.large@use1-az5/availability-zone-id", "m5.large@use1-az6/availability-zone-id"}, ""},
		{"zones by name, location filter", ec2.DescribeInstanceTypeOfferingsRequest{LocationType: kit.Ptr("availability-zone"), Filters: []ec2.Filter{typeFilter("instance-type", "t3.*"), typeFilter("location", "us-east-1a")}},
			[]string{"t3.2xlarge@us-east-1a/availability-zone", "t3.large@us-east-1a/availability-zone", "t3.medium@us-east-1a/availability-zone", "t3.micro@us-east-1a/availability-zone", "t3.nano@us-east-1a/availability-zone", "t3.small@us-east-1a/availability-zone", "t3.xlarge@us-east-1a/availability-zone"}, ""},
		{"outposts offer nothing", ec2.DescribeInstanceTypeOfferingsRequest{LocationType: kit.Ptr("outpost")}, nil, ""},
		{"bad location type", ec2.DescribeInstanceTypeOfferingsRequest{LocationType: kit.Ptr("planet")}, nil, "InvalidParameterValue"},
		{"bad filter", ec2.DescribeInstanceTypeOfferingsRequest{Filters: []ec2.Filter{typeFilter("vcpus", "2")}}, nil, "InvalidParameterValue"},
		{"MaxResults above 1000", ec2.DescribeInstanceTypeOfferingsRequest{MaxResults: kit.Ptr(int32(1001))}, nil, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeInstanceTypeOfferings(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
			if err == nil && !slices.Equal(locations(out), tc.want) {
				t.Errorf("got %v, want %v", locations(out), tc.want)
			}
		})
	}
}

// BenchmarkDescribeInstanceTypes: the first page of every type, and a filter over all.
func BenchmarkDescribeInstanceTypes(b *testing.B) {
	ctx := context.Background()
	s := &compute.Compute{}
	for _, tc := range []struct {
		name    string
		filters []ec2.Filter
	}{
		{"first page", nil},
		{"filter over every type", []ec2.Filter{typeFilter("vcpu-info.default-vcpus", "2")}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.DescribeInstanceTypes(ctx, testCaller, &ec2.DescribeInstanceTypesRequest{Filters: tc.filters}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
