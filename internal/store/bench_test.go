package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"

	"vpcd/internal/store/etcdtest"
)

// Keys look like the control plane's: account, region, resource type, AWS-style ID.
func subnetKey(prefix string, i int) string {
	return fmt.Sprintf("%s/subnet-%017x", prefix, uint64(i)*0x9e3779b97f4a7c15>>4)
}

// benchValue is about the size of a stored subnet.
var benchValue = make([]byte, 400)

// fill writes n keys under prefix in commits of up to 10,000 ops and returns the keys.
func fill(b *testing.B, s Store, prefix string, n int) []string {
	b.Helper()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = subnetKey(prefix, i)
	}
	for start := 0; start < n; start += 10000 {
		end := min(start+10000, n)
		ops := make([]Op, 0, end-start)
		for _, k := range keys[start:end] {
			ops = append(ops, Op{Key: k, Value: benchValue})
		}
		if _, err := s.Commit(context.Background(), nil, ops); err != nil {
			b.Fatal(err)
		}
	}
	return keys
}

// benchBackends runs fn on a fresh store of each backend: the embedded one, and an etcd
// started in the test binary that fsyncs as in production. One etcd serves every run of a
// benchmark, each in a namespace of its own.
func benchBackends(b *testing.B, fn func(b *testing.B, s Store)) {
	b.Run("store=bolt", func(b *testing.B) { fn(b, openTest(b)) })
	// Started here: a sub-benchmark's cleanups run after each of its runs.
	endpoint, n := etcdtest.StartDurable(b), 0
	b.Run("store=etcd", func(b *testing.B) {
		n++
		fn(b, openEtcd(b, endpoint, fmt.Sprintf("bench%d/", n), 0))
	})
}

// BenchmarkCommit is one writer: every commit waits for its own sync.
func BenchmarkCommit(b *testing.B) {
	benchBackends(b, func(b *testing.B, s Store) {
		ctx := context.Background()
		i := 0
		for b.Loop() {
			if _, err := s.Commit(ctx, nil, []Op{{Key: subnetKey("acct/us-east-1/subnet", i), Value: benchValue}}); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
	})
}

// BenchmarkCommitParallel has many writers of distinct keys: bbolt batches their commits
// into shared transactions, so one sync acknowledges many commits; etcd batches them into
// shared raft entries.
func BenchmarkCommitParallel(b *testing.B) {
	for _, writers := range []int{16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			benchBackends(b, func(b *testing.B, s Store) {
				ctx := context.Background()
				var n atomic.Int64
				b.SetParallelism(writers / runtime.GOMAXPROCS(0)) // goroutines = parallelism × GOMAXPROCS
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						key := subnetKey("acct/us-east-1/subnet", int(n.Add(1)))
						if _, err := s.Commit(ctx, nil, []Op{{Key: key, Value: benchValue}}); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
			})
		})
	}
}

// BenchmarkCommitCmp is a read-modify-write of one existing key among 10,000: the shape of
// every control-plane mutation.
func BenchmarkCommitCmp(b *testing.B) {
	s := openTest(b)
	keys := fill(b, s, "acct/us-east-1/subnet", 10000)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		k := keys[rng.IntN(len(keys))]
		kv, _, err := s.Get(ctx, k)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Commit(ctx, []Cmp{{Key: k, ModRev: kv.ModRev}}, []Op{{Key: k, Value: benchValue}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet reads random keys among 100,000.
func BenchmarkGet(b *testing.B) {
	s := openTest(b)
	keys := fill(b, s, "acct/us-east-1/subnet", 100000)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, ok, err := s.Get(ctx, keys[rng.IntN(len(keys))]); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			rng := rand.New(rand.NewPCG(rand.Uint64(), 2))
			for pb.Next() {
				if _, ok, err := s.Get(ctx, keys[rng.IntN(len(keys))]); !ok || err != nil {
					b.Error(ok, err)
					return
				}
			}
		})
	})
}

// BenchmarkList lists whole prefixes. All prefixes live in one store, so every list runs
// among 100,000 or more other keys; "10 among 110,000" is the describe of a resource type
// an account has few of.
func BenchmarkList(b *testing.B) {
	s := openTest(b)
	sizes := []struct {
		name   string
		prefix string
		n      int
	}{
		{"keys=10_among_110k", "acct/us-east-1/rtb", 10},
		{"keys=100", "acct/us-east-1/igw", 100},
		{"keys=10000", "acct/us-east-1/vpc", 10000},
		{"keys=100000", "acct/us-east-1/subnet", 100000},
	}
	for _, sz := range sizes {
		fill(b, s, sz.prefix, sz.n)
	}
	ctx := context.Background()
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			for b.Loop() {
				kvs, _, err := s.List(ctx, sz.prefix+"/")
				if err != nil || len(kvs) != sz.n {
					b.Fatal(len(kvs), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(sz.n), "ns/key")
		})
	}
}

// BenchmarkSync is the floor under every commit: write one page to a file and fdatasync it,
// as bbolt does twice per transaction (data pages, then the meta page).
func BenchmarkSync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "sync"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	page := make([]byte, 4096)
	for b.Loop() {
		if _, err := f.WriteAt(page, 0); err != nil {
			b.Fatal(err)
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBoltUpdate is one bbolt write transaction without batching: the difference to
// BenchmarkCommit is the batch delay a lone commit waits for neighbours.
func BenchmarkBoltUpdate(b *testing.B) {
	s := openTest(b)
	i := 0
	for b.Loop() {
		err := s.db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketKV).Put([]byte(subnetKey("acct/us-east-1/subnet", i)), benchValue)
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}
