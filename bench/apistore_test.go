package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vpcd/internal/store"
	"vpcd/internal/store/etcdtest"
	"vpcd/internal/vpcdtest"
)

// benchStore is a store the API benchmarks run on.
type benchStore struct {
	name string
	open func(b *testing.B) store.Store
}

// benchStores are the embedded store and a real etcd (embedded in this test binary, with
// fsync on, as a deployment runs it).
var benchStores = []benchStore{
	{"embedded", func(b *testing.B) store.Store {
		st, err := store.OpenEmbedded(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		return st
	}},
	{"etcd", func(b *testing.B) store.Store {
		st, err := store.OpenEtcd(context.Background(), store.EtcdConfig{Endpoints: []string{etcdtest.StartDurable(b)}, Namespace: "vpcd/"})
		if err != nil {
			b.Fatal(err)
		}
		return st
	}},
}

// BenchmarkReads compares vpcd's reads with the fastest HTTP server Go has: a handler that
// writes a fixed body (the same answer, captured once), from the same client in the same
// run, alternating 2-second rounds. vpcd holds 100,000 subnets besides the VPC; the reads
// are DescribeVpcs and DescribeSubnets by ID, at 16 clients. On the embedded store and on
// etcd:
//
//	go test -run '^$' -bench Reads -benchtime 1x -v ./bench/
func BenchmarkReads(b *testing.B) {
	for _, bs := range benchStores {
		b.Run(bs.name, func(b *testing.B) {
			st := bs.open(b)
			base := vpcdtest.StartOn(b, st).URL
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
			body, err := post(hc, base, urlValues("Action", "CreateVpc", "CidrBlock", "10.0.0.0/16"))
			if err != nil {
				b.Fatal(err)
			}
			vpc := between(body, "<vpcId>", "</vpcId>")
			body, err = post(hc, base, urlValues("Action", "CreateSubnet", "VpcId", vpc, "CidrBlock", "10.0.1.0/24"))
			if err != nil {
				b.Fatal(err)
			}
			subnet := between(body, "<subnetId>", "</subnetId>")
			copyRecords(b, st, subnet, 100_000)
			for _, read := range []url.Values{
				urlValues("Action", "DescribeVpcs", "VpcId.1", vpc),
				urlValues("Action", "DescribeSubnets", "SubnetId.1", subnet),
			} {
				answer, err := post(hc, base, read)
				if err != nil {
					b.Fatal(err)
				}
				bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					io.Copy(io.Discard, r.Body)
					w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
					io.WriteString(w, answer)
				}))
				var vpcdRate, bareRate float64
				for range 3 {
					bareRate += readRate(b, hc, bare.URL, read, 16, 2*time.Second)
					vpcdRate += readRate(b, hc, base, read, 16, 2*time.Second)
				}
				bare.Close()
				b.Logf("%-8s %-15s vpcd %8.0f req/s, bare server %8.0f req/s: %.0f%%", bs.name, read.Get("Action"), vpcdRate/3, bareRate/3, 100*vpcdRate/bareRate)
			}
		})
	}
}

// copyRecords stores n copies of the subnet's record under new IDs, straight into the
// store in commits of 100 (etcd's default limit is 128 operations a transaction): the
// benchmark measures reading among them, not creating them.
func copyRecords(b *testing.B, st store.Store, id string, n int) {
	ctx := context.Background()
	kvs, _, err := st.List(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	var key string
	var value []byte
	for _, kv := range kvs {
		if strings.HasSuffix(kv.Key, "/"+id) {
			key, value = kv.Key, kv.Value
		}
	}
	if key == "" {
		b.Fatalf("no record of %s", id)
	}
	var ops []store.Op
	for i := range n {
		copyID := id[:len(id)-8] + fmt.Sprintf("%08x", i)
		ops = append(ops, store.Op{Key: strings.ReplaceAll(key, id, copyID), Value: []byte(strings.ReplaceAll(string(value), id, copyID))})
		if len(ops) == 100 || i == n-1 {
			if _, err := st.Commit(ctx, nil, ops); err != nil {
				b.Fatal(err)
			}
			ops = ops[:0]
		}
	}
}

// readRate sends read from clients goroutines for d and returns requests per second.
func readRate(b *testing.B, hc *http.Client, base string, read url.Values, clients int, d time.Duration) float64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < d {
				if _, err := post(hc, base, cloneValues(read)); err != nil {
					b.Error(err)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

func urlValues(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func cloneValues(v url.Values) url.Values {
	c := make(url.Values, len(v))
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}
