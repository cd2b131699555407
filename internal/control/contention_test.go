package control

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/store"
)

// cmpCounter is a store that remembers the largest number of compares a commit carried.
type cmpCounter struct {
	store.Store
	most atomic.Int64
}

func (s *cmpCounter) Commit(ctx context.Context, cmps []store.Cmp, ops []store.Op) (int64, error) {
	for {
		m := s.most.Load()
		if int64(len(cmps)) <= m || s.most.CompareAndSwap(m, int64(len(cmps))) {
			break
		}
	}
	return s.Store.Commit(ctx, cmps, ops)
}

// concurrently runs n calls of fn at once and returns their errors.
func concurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	return errs
}

// successes counts the nil errors; the others must have the code.
func successes(t *testing.T, errs []error, code string) int {
	t.Helper()
	n := 0
	for _, err := range errs {
		if err == nil {
			n++
		} else {
			wantCode(t, err, code)
		}
	}
	return n
}

// TestConcurrentWritersAllSucceed: writers of one resource or one parent all succeed, as
// AWS accepts them, and see each other's writes.
func TestConcurrentWritersAllSucceed(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	const n = 32
	t.Run("tags on one VPC", func(t *testing.T) {
		errs := concurrently(n, func(i int) error {
			return s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{vpc}, Tags: []ec2.Tag{{Key: kit.Ptr(fmt.Sprint("k", i%40)), Value: kit.Ptr("v")}}})
		})
		for _, err := range errs {
			wantCode(t, err, "")
		}
		out, err := s.DescribeVpcs(ctx, testCaller, &ec2.DescribeVpcsRequest{VpcIds: []string{vpc}})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(out.Vpcs[0].Tags); got != n {
			t.Fatalf("%d tags, want %d", got, n)
		}
	})
	t.Run("security groups in one VPC", func(t *testing.T) {
		errs := concurrently(n, func(i int) error {
			_, err := s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{VpcId: &vpc, GroupName: kit.Ptr(fmt.Sprint("g", i)), Description: kit.Ptr("d")})
			return err
		})
		for _, err := range errs {
			wantCode(t, err, "")
		}
	})
	t.Run("one name: one creation wins", func(t *testing.T) {
		errs := concurrently(n, func(i int) error {
			_, err := s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{VpcId: &vpc, GroupName: kit.Ptr("same"), Description: kit.Ptr("d")})
			return err
		})
		if won := successes(t, errs, "InvalidGroup.Duplicate"); won != 1 {
			t.Fatalf("%d creations of one name succeeded", won)
		}
	})
	t.Run("subnets in one VPC", func(t *testing.T) {
		errs := concurrently(n, func(i int) error {
			_, err := s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: &vpc, CidrBlock: kit.Ptr(fmt.Sprintf("10.0.%d.0/24", i))})
			return err
		})
		for _, err := range errs {
			wantCode(t, err, "")
		}
	})
	t.Run("overlapping subnets: one wins", func(t *testing.T) {
		errs := concurrently(8, func(i int) error {
			_, err := s.CreateSubnet(ctx, testCaller, &ec2.CreateSubnetRequest{VpcId: &vpc, CidrBlock: kit.Ptr(fmt.Sprintf("10.0.100.%d/28", 16*(i%2)))})
			return err
		})
		if won := successes(t, errs, "InvalidSubnet.Conflict"); won != 2 {
			t.Fatalf("%d subnets of two blocks created", won)
		}
	})
	t.Run("deletions and creations in one VPC", func(t *testing.T) {
		var old []string
		for i := range n / 2 {
			old = append(old, *createSubnet(t, s, vpc, fmt.Sprintf("10.0.%d.0/24", 150+i)).SubnetId)
		}
		errs := concurrently(n, func(i int) error {
			if i%2 == 0 {
				return s.DeleteSubnet(ctx, testCaller, &ec2.DeleteSubnetRequest{SubnetId: &old[i/2]})
			}
			_, err := s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{VpcId: &vpc, GroupName: kit.Ptr(fmt.Sprint("mixed-", i)), Description: kit.Ptr("d")})
			return err
		})
		for _, err := range errs {
			wantCode(t, err, "")
		}
	})
	t.Run("DeleteVpc and a creation in it", func(t *testing.T) {
		for range 10 {
			v := *createVpc(t, s, "10.1.0.0/16").VpcId
			errs := concurrently(2, func(i int) error {
				if i == 0 {
					return s.DeleteVpc(ctx, testCaller, &ec2.DeleteVpcRequest{VpcId: &v})
				}
				_, err := s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{VpcId: &v, GroupName: kit.Ptr("x"), Description: kit.Ptr("d")})
				return err
			})
			switch {
			case errs[0] == nil && errs[1] == nil:
				t.Fatal("both the deletion and the creation succeeded")
			case errs[0] == nil:
				wantCode(t, errs[1], "InvalidVpcID.NotFound")
			default:
				wantCode(t, errs[0], "DependencyViolation")
			}
		}
	})
}

// TestTransactionsCompareKeysNotListings: a creation among many siblings compares a few
// keys, not every sibling.
func TestTransactionsCompareKeysNotListings(t *testing.T) {
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	counter := &cmpCounter{Store: st}
	s := New(counter, Config{})
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	for i := range 150 {
		if _, err := s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{VpcId: &vpc, GroupName: kit.Ptr(fmt.Sprint("g", i)), Description: kit.Ptr("d")}); err != nil {
			t.Fatal(err)
		}
		createSubnet(t, s, vpc, fmt.Sprintf("10.0.%d.0/24", i))
	}
	if m := counter.most.Load(); m > 10 {
		t.Fatalf("a commit compared %d keys", m)
	}
}

// TestLegacyVpcGetsItsKeys: a VPC stored before children and name keys existed (a
// "children" member in the record, no keys) still refuses a duplicate group name and
// gets its keys on first use.
func TestLegacyVpcGetsItsKeys(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	if _, err := s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{VpcId: &vpc, GroupName: kit.Ptr("web"), Description: kit.Ptr("d")}); err != nil {
		t.Fatal(err)
	}
	// Remove the keys, as the previous version never wrote them.
	kvs, _, err := s.Store.List(ctx, testCaller.Prefix("sg-name"))
	if err != nil {
		t.Fatal(err)
	}
	ops := []store.Op{{Key: kit.ChildrenKey(testCaller, vpc), Delete: true}}
	for _, kv := range kvs {
		ops = append(ops, store.Op{Key: kv.Key, Delete: true})
	}
	if _, err := s.Store.Commit(ctx, nil, ops); err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{VpcId: &vpc, GroupName: kit.Ptr("web"), Description: kit.Ptr("d")})
	wantCode(t, err, "InvalidGroup.Duplicate")
	_, err = s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{VpcId: &vpc, GroupName: kit.Ptr("default"), Description: kit.Ptr("d")})
	wantCode(t, err, "InvalidGroup.Duplicate")
	if _, err := s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{VpcId: &vpc, GroupName: kit.Ptr("db"), Description: kit.Ptr("d")}); err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateSecurityGroup(ctx, testCaller, &ec2.CreateSecurityGroupRequest{VpcId: &vpc, GroupName: kit.Ptr("web"), Description: kit.Ptr("d")})
	wantCode(t, err, "InvalidGroup.Duplicate")
}

// TestConflictRetriesUntilDeadline: a write that keeps conflicting ends with a
// ServiceUnavailable (HTTP 503, retried by the SDKs) at the request's deadline, not
// after a count of attempts.
func TestConflictRetriesUntilDeadline(t *testing.T) {
	s := newTestService(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Update(ctx, func(tx *kit.Txn) error {
		var v int64
		if _, err := tx.Get("k", &v); err != nil {
			return err
		}
		// Someone else writes k before every commit.
		if _, err := s.Store.Commit(context.Background(), nil, []store.Op{{Key: "k", Value: []byte("1")}}); err != nil {
			return err
		}
		return tx.Put("k", v+1)
	})
	if err != kit.ErrStillConflicting {
		t.Fatalf("error = %v, want %v", err, kit.ErrStillConflicting)
	}
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Fatalf("gave up after %v, before the deadline", d)
	}
}

// TestQueuedWritePanics: a panic in one queued write is that write's error; the writers
// queued with it still commit.
func TestQueuedWritePanics(t *testing.T) {
	s := newTestService(t)
	errs := concurrently(8, func(i int) error {
		return s.UpdateOn(context.Background(), "k", func(tx *kit.Txn) error {
			if i == 3 {
				panic("boom")
			}
			return tx.Put(fmt.Sprint("key-", i), i)
		})
	})
	for i, err := range errs {
		if (err != nil) != (i == 3) {
			t.Fatalf("write %d: %v", i, err)
		}
	}
}
