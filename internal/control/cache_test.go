package control

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"vpcd/internal/ec2"
)

// TestCacheAgreesWithStore checks the cached, indexed describe against the obvious slow
// one (decode everything from the store, filter each record) on random subnets, tags,
// writes and filters.
func TestCacheAgreesWithStore(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	vpcs := []string{*createVpc(t, s, "10.0.0.0/16").VpcId, *createVpc(t, s, "10.0.0.0/16").VpcId}
	var subnets []string
	values := []string{"a", "b", "c", "web-1", "web-2"}
	slow := func(filters []ec2.Filter) []string {
		match, err := compileFilters(filters, func(name string) bool { return subnetFilters(testCaller.Region)[name] != nil })
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		err = s.view(ctx, func(tx *txn) error {
			all, err := listAll[subnetRecord](tx, testCaller.prefix("subnet"))
			for _, sn := range all {
				if match(func(n string) []string { return subnetFilters(testCaller.Region)[n](sn) }, sn.Tags) {
					ids = append(ids, sn.ID)
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	made := 0
	for step := 0; step < 300; step++ {
		switch op := rng.IntN(10); {
		case op < 4 || len(subnets) == 0:
			vpc := vpcs[rng.IntN(2)]
			cidr := fmt.Sprintf("10.0.%d.0/24", made)
			made++
			out, err := s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: &vpc, CidrBlock: &cidr})
			if err != nil {
				t.Fatal(err)
			}
			subnets = append(subnets, *out.Subnet.SubnetId)
		case op < 7:
			id := subnets[rng.IntN(len(subnets))]
			k, v := values[rng.IntN(3)], values[rng.IntN(len(values))]
			if err := s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{id}, Tags: []ec2.Tag{{Key: &k, Value: &v}}}); err != nil {
				t.Fatal(err)
			}
		case op < 8:
			id := subnets[rng.IntN(len(subnets))]
			k := values[rng.IntN(3)]
			if err := s.DeleteTags(ctx, testCaller, &ec2.DeleteTagsRequest{Resources: []string{id}, Tags: []ec2.Tag{{Key: &k}}}); err != nil {
				t.Fatal(err)
			}
		default:
			i := rng.IntN(len(subnets))
			if err := s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: &subnets[i]}); err != nil {
				t.Fatal(err)
			}
			subnets = slices.Delete(subnets, i, i+1)
		}
		var filters []ec2.Filter
		for n := rng.IntN(3); n > 0; n-- {
			switch rng.IntN(4) {
			case 0:
				filters = append(filters, ec2.Filter{Name: ptr("vpc-id"), Values: []string{vpcs[rng.IntN(2)]}})
			case 1:
				filters = append(filters, ec2.Filter{Name: ptr("tag:" + values[rng.IntN(3)]), Values: []string{values[rng.IntN(len(values))], "web-*"}[:1+rng.IntN(2)]})
			case 2:
				if len(subnets) > 0 {
					filters = append(filters, ec2.Filter{Name: ptr("subnet-id"), Values: []string{subnets[rng.IntN(len(subnets))], "subnet-0123456789abcdef0"}})
				}
			case 3:
				filters = append(filters, ec2.Filter{Name: ptr("tag-key"), Values: []string{values[rng.IntN(3)]}})
			}
		}
		out, err := s.DescribeSubnets(ctx, testCaller, &ec2.DescribeSubnetsRequest{Filters: filters})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, sn := range out.Subnets {
			got = append(got, *sn.SubnetId)
		}
		if want := slow(filters); !slices.Equal(got, want) {
			t.Fatalf("step %d, filters %v: cache gives %v, store gives %v", step, describeFilters(filters), got, want)
		}
	}
}

func describeFilters(fs []ec2.Filter) string {
	var s string
	for _, f := range fs {
		s += fmt.Sprintf("%s=%v ", *f.Name, f.Values)
	}
	return s
}
