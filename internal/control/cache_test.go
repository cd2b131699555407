package control

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/control/vpc"
	"vpcd/internal/ec2"
	"vpcd/internal/store"
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
		match, err := kit.CompileFilters(filters, func(name string) bool { return vpc.SubnetFilters(testCaller.Region)[name] != nil })
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		err = s.View(ctx, func(tx *kit.Txn) error {
			all, err := kit.ListAll[kit.SubnetRecord](tx, testCaller.Prefix("subnet"))
			for _, sn := range all {
				if match(func(n string) []string { return vpc.SubnetFilters(testCaller.Region)[n](sn) }, sn.Tags) {
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
				filters = append(filters, ec2.Filter{Name: kit.Ptr("vpc-id"), Values: []string{vpcs[rng.IntN(2)]}})
			case 1:
				filters = append(filters, ec2.Filter{Name: kit.Ptr("tag:" + values[rng.IntN(3)]), Values: []string{values[rng.IntN(len(values))], "web-*"}[:1+rng.IntN(2)]})
			case 2:
				if len(subnets) > 0 {
					filters = append(filters, ec2.Filter{Name: kit.Ptr("subnet-id"), Values: []string{subnets[rng.IntN(len(subnets))], "subnet-0123456789abcdef0"}})
				}
			case 3:
				filters = append(filters, ec2.Filter{Name: kit.Ptr("tag-key"), Values: []string{values[rng.IntN(3)]}})
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

// TestTwoServicesOneStore: two API servers on one store agree (the cache follows the
// store's watch, not only its own commits), and each reads its own writes at once.
func TestTwoServicesOneStore(t *testing.T) {
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a, b := New(st, Config{}), New(st, Config{})
	ctx := context.Background()
	// Both load the kinds first, so that what follows reaches them through the cache.
	for _, s := range []*Service{a, b} {
		if _, err := s.DescribeVpcs(ctx, testCaller, &ec2.DescribeVpcsRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	tagged := func(s *Service, value string) []string {
		out, err := s.DescribeVpcs(ctx, testCaller, &ec2.DescribeVpcsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("tag:Name"), Values: []string{value}}}})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, v := range out.Vpcs {
			ids = append(ids, *v.VpcId)
		}
		return ids
	}
	// eventually waits until s describes want for the tag value.
	eventually := func(s *Service, value string, want []string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !slices.Equal(tagged(s, value), want) {
			if time.Now().After(deadline) {
				t.Fatalf("tag:Name=%s gives %v, want %v", value, tagged(s, value), want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	for i, pair := range [][2]*Service{{a, b}, {b, a}} {
		writer, reader := pair[0], pair[1]
		vpc := *createVpc(t, writer, "10.0.0.0/16").VpcId
		name := fmt.Sprint("shared-", i)
		if err := writer.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{vpc}, Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: &name}}}); err != nil {
			t.Fatal(err)
		}
		if got := tagged(writer, name); !slices.Equal(got, []string{vpc}) {
			t.Fatalf("the writer reads %v after its own write, want %s", got, vpc)
		}
		eventually(reader, name, []string{vpc})
		// The reader writes in turn, and reads its own write at once.
		if err := reader.DeleteTags(ctx, testCaller, &ec2.DeleteTagsRequest{Resources: []string{vpc}}); err != nil {
			t.Fatal(err)
		}
		if got := tagged(reader, name); len(got) != 0 {
			t.Fatalf("the reader still reads %v after deleting the tag", got)
		}
		eventually(writer, name, nil)
		if err := reader.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: &vpc}); err != nil {
			t.Fatal(err)
		}
		// The other server follows, by ID as with a filter (EC2 is eventually
		// consistent between callers too).
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, err := writer.DescribeVpcs(ctx, testCaller, &ec2.DescribeVpcsRequest{VpcIds: []string{vpc}})
			if e, ok := err.(*ec2.Error); ok && e.Code == "InvalidVpcID.NotFound" {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if time.Now().After(deadline) {
				t.Fatal("the other server still describes the deleted VPC by ID")
			}
			time.Sleep(time.Millisecond)
		}
		deadline = time.Now().Add(5 * time.Second)
		for {
			out, err := writer.DescribeVpcs(ctx, testCaller, &ec2.DescribeVpcsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("vpc-id"), Values: []string{vpc}}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Vpcs) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the other server still describes the deleted VPC")
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// TestCacheRelistsAfterFallingBehind: when the store drops the cache's watch (the cache
// fell more than the watch buffer behind), the cache watches again and lists every loaded
// kind again, so that the changes it missed still show.
func TestCacheRelistsAfterFallingBehind(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	if _, err := s.DescribeVpcs(ctx, testCaller, &ec2.DescribeVpcsRequest{}); err != nil {
		t.Fatal(err)
	}
	s.Cache.Mu.Lock()
	k := s.Cache.Kinds[testCaller.Prefix("vpc")]
	s.Cache.Mu.Unlock()
	// Hold the kind: the watch's reader blocks on the first VPC event, and the store
	// drops its watch when the next commit overflows the buffer.
	k.Mu.Lock()
	put := func(n int) []string {
		var ops []store.Op
		var ids []string
		for range n {
			v := kit.VpcRecord{Meta: kit.Meta{ID: kit.NewID("vpc"), Owner: testCaller.Account}, CidrBlocks: []kit.CidrAssociation{{ID: kit.NewID("vpc-cidr-assoc"), Cidr: netip.MustParsePrefix("10.0.0.0/16"), State: "associated"}}}
			raw, _ := json.Marshal(v)
			ops = append(ops, store.Op{Key: testCaller.Key(v.ID), Value: raw})
			ids = append(ids, v.ID)
		}
		if _, err := s.Store.Commit(ctx, nil, ops); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	ids := put(1)
	time.Sleep(20 * time.Millisecond) // let the reader take the first event and block
	ids = append(ids, put(5000)...)
	k.Mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := s.DescribeVpcs(ctx, testCaller, &ec2.DescribeVpcsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Vpcs) == len(ids) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d VPCs described, want %d", len(out.Vpcs), len(ids))
		}
		time.Sleep(5 * time.Millisecond)
	}
}
