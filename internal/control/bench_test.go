package control

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/store"
)

// populateSubnets stores n subnets spread over VPCs of 4,096 /28 subnets each, written
// straight to the store in large commits: the benchmark measures describing, not creating.
func populateSubnets(b *testing.B, s *Service, n int) (vpcIDs []string, subnetIDs []string) {
	b.Helper()
	ctx := context.Background()
	var ops []store.Op
	flush := func() {
		if _, err := s.Store.Commit(ctx, nil, ops); err != nil {
			b.Fatal(err)
		}
		ops = ops[:0]
	}
	for i := 0; i < n; i++ {
		if i%4096 == 0 {
			out, err := s.CreateVpc(ctx, testCaller, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0/16")})
			if err != nil {
				b.Fatal(err)
			}
			vpcIDs = append(vpcIDs, *out.Vpc.VpcId)
		}
		j := i % 4096
		cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(j >> 4), byte(j&15) << 4}), 28)
		sn := kit.SubnetRecord{
			Meta:               kit.Meta{ID: kit.NewID("subnet"), Owner: testCaller.Account, Tags: map[string]string{"Name": fmt.Sprintf("subnet-%d", i)}},
			VpcID:              vpcIDs[len(vpcIDs)-1],
			Cidr:               cidr,
			AvailabilityZone:   "us-east-1a",
			AvailabilityZoneID: "use1-az1",
			HostnameType:       "ip-name",
		}
		raw, _ := json.Marshal(sn)
		ops = append(ops, store.Op{Key: testCaller.Key(sn.ID), Value: raw})
		subnetIDs = append(subnetIDs, sn.ID)
		if len(ops) == 5000 {
			flush()
		}
	}
	if len(ops) > 0 {
		flush()
	}
	return vpcIDs, subnetIDs
}

// BenchmarkDescribeSubnetsFiltered describes one subnet by a subnet-id filter and the
// subnets of one VPC by a vpc-id filter, among 100, 10,000 and 100,000 stored subnets.
func BenchmarkDescribeSubnetsFiltered(b *testing.B) {
	for _, n := range []int{100, 10_000, 100_000} {
		st, err := store.OpenEmbedded(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		s := New(st, Config{})
		vpcs, subnets := populateSubnets(b, s, n)
		ctx := context.Background()
		// The first describe loads the kind into the cache; measure the steady state.
		if _, err := s.DescribeSubnets(ctx, testCaller, &ec2.DescribeSubnetsRequest{}); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("subnet-id/%d", n), func(b *testing.B) {
			in := &ec2.DescribeSubnetsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("subnet-id"), Values: []string{subnets[n/2]}}}}
			for b.Loop() {
				out, err := s.DescribeSubnets(ctx, testCaller, in)
				if err != nil || len(out.Subnets) != 1 {
					b.Fatalf("%v %d", err, len(out.Subnets))
				}
			}
		})
		b.Run(fmt.Sprintf("tag/%d", n), func(b *testing.B) {
			in := &ec2.DescribeSubnetsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("tag:Name"), Values: []string{fmt.Sprintf("subnet-%d", n/2)}}}}
			for b.Loop() {
				out, err := s.DescribeSubnets(ctx, testCaller, in)
				if err != nil || len(out.Subnets) != 1 {
					b.Fatalf("%v %d", err, len(out.Subnets))
				}
			}
		})
		b.Run(fmt.Sprintf("by-id/%d", n), func(b *testing.B) {
			in := &ec2.DescribeSubnetsRequest{SubnetIds: []string{subnets[n/2]}}
			for b.Loop() {
				if _, err := s.DescribeSubnets(ctx, testCaller, in); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("vpc-id/%d", n), func(b *testing.B) {
			// One VPC holds up to 4,096 of the subnets: the answer grows, not the search.
			in := &ec2.DescribeSubnetsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("vpc-id"), Values: []string{vpcs[0]}}}, MaxResults: kit.Ptr(int32(5))}
			for b.Loop() {
				if _, err := s.DescribeSubnets(ctx, testCaller, in); err != nil {
					b.Fatal(err)
				}
			}
		})
		st.Close()
	}
}

// BenchmarkWritesOneParent runs 16 writers at once through the Service (no HTTP): security
// groups created in one VPC, and tags written on one VPC. Every write must succeed.
func BenchmarkWritesOneParent(b *testing.B) {
	const writers = 16
	cases := map[string]func(s *Service, vpc string, i int64) error{
		"CreateSecurityGroup": func(s *Service, vpc string, i int64) error {
			_, err := s.CreateSecurityGroup(context.Background(), testCaller, &ec2.CreateSecurityGroupRequest{VpcId: &vpc, GroupName: kit.Ptr(fmt.Sprint("g-", i)), Description: kit.Ptr("bench")})
			return err
		},
		"CreateTags": func(s *Service, vpc string, i int64) error {
			return s.CreateTags(context.Background(), testCaller, &ec2.CreateTagsRequest{Resources: []string{vpc}, Tags: []ec2.Tag{{Key: kit.Ptr(fmt.Sprint("k-", i%40)), Value: kit.Ptr(fmt.Sprint(i))}}})
		},
	}
	for name, write := range cases {
		b.Run(name, func(b *testing.B) {
			st, err := store.OpenEmbedded(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if name == "CreateSecurityGroup" && b.N > 2400 {
				b.Fatalf("%d groups: use -benchtime 2000x or less, AWS's quota is 2,500 per region", b.N)
			}
			s := New(st, Config{})
			out, err := s.CreateVpc(context.Background(), testCaller, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0/16")})
			if err != nil {
				b.Fatal(err)
			}
			var next, failed atomic.Int64
			b.ResetTimer()
			var wg sync.WaitGroup
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						if err := write(s, *out.Vpc.VpcId, i); err != nil {
							failed.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
			b.ReportMetric(float64(failed.Load()), "errors")
			if r := s.Queues.Rounds.Load(); r > 0 {
				b.ReportMetric(float64(s.Queues.Written.Load())/float64(r), "writes/commit")
			}
		})
	}
}
