package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"vpcd/internal/store/etcdtest"
)

// openEtcd opens a store in namespace ns of the etcd at endpoint, closed when the test ends.
func openEtcd(t testing.TB, endpoint, ns string, maxTxnOps int) *Etcd {
	t.Helper()
	s, err := OpenEtcd(context.Background(), EtcdConfig{Endpoints: []string{endpoint}, Namespace: ns, MaxTxnOps: maxTxnOps})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestEtcd runs the suite against one etcd server, each test in a namespace of its own.
func TestEtcd(t *testing.T) {
	endpoint := etcdtest.Start(t)
	n := 0
	testStore(t, func(t *testing.T) Store {
		n++
		return openEtcd(t, endpoint, fmt.Sprintf("test%d/", n), 0)
	})
}

// compact compacts etcd's history at rev.
func (s *Etcd) compact(t *testing.T, rev int64) {
	if _, err := s.cli.Compact(context.Background(), rev, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
}

// TestEtcdNamespaces checks that two deployments sharing an etcd see only their own keys.
func TestEtcdNamespaces(t *testing.T) {
	endpoint := etcdtest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := openEtcd(t, endpoint, "vpcd/a/", 0)
	b := openEtcd(t, endpoint, "vpcd/b/", 0)
	wa := a.Watch(ctx, "", 0)
	commitEach(t, a, put("k", "from a"))
	rev := commitEach(t, b, put("k", "from b"), put("only-b", "x"))
	for _, tc := range []struct {
		s    Store
		want map[string]string
	}{
		{a, map[string]string{"k": "from a"}},
		{b, map[string]string{"k": "from b", "only-b": "x"}},
	} {
		if got := dump(t, tc.s); !mapsEqual(got, tc.want) {
			t.Errorf("contents = %v, want %v", got, tc.want)
		}
	}
	// b's commit does not see a's key: absent in b's namespace.
	if _, err := b.Commit(ctx, []Cmp{{Key: "new", ModRev: 0}}, []Op{put("new", "b")}); err != nil {
		t.Errorf("commit requiring an absent key: %v", err)
	}
	commitEach(t, a, put("k2", "from a"))
	got := receive(t, 0, wa, 2)
	if got[0] != fmt.Sprintf("%d put k=from a", rev[0]-1) || got[1] != fmt.Sprintf("%d put k2=from a", rev[1]+2) {
		t.Errorf("a's watch got %q, want only a's two commits", got)
	}
}

// TestEtcdTooLarge checks that a commit beyond etcd's --max-txn-ops fails with
// ErrTooLarge, both when the store knows the limit and when only the server does.
func TestEtcdTooLarge(t *testing.T) {
	endpoint := etcdtest.Start(t)
	ctx := context.Background()
	ops := make([]Op, 129)
	cmps := make([]Cmp, 129)
	for i := range ops {
		ops[i] = put(fmt.Sprintf("k%03d", i), "v")
		cmps[i] = Cmp{Key: ops[i].Key}
	}
	for _, tc := range []struct {
		name      string
		maxTxnOps int
		cmps      []Cmp
		ops       []Op
	}{
		{"writes, limit known", 0, nil, ops},
		{"compares, limit known", 0, cmps, ops[:1]},
		{"writes, limit only on the server", 1000, nil, ops},
		{"compares, limit only on the server", 1000, cmps, ops[:1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openEtcd(t, endpoint, "large/", tc.maxTxnOps)
			if _, err := s.Commit(ctx, tc.cmps, tc.ops); !errors.Is(err, ErrTooLarge) {
				t.Errorf("Commit = %v, want ErrTooLarge", err)
			}
		})
	}
	s := openEtcd(t, endpoint, "large/", 0)
	if _, err := s.Commit(ctx, cmps[:128], ops[:128]); err != nil {
		t.Errorf("commit of 128 compares and writes: %v", err)
	}
}
