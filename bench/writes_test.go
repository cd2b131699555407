package bench

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vpcd/internal/vpcdtest"
)

// BenchmarkAPIWrites measures writes alone over HTTP, 16 clients at once on one parent or
// one resource: CreateSecurityGroup in one VPC (distinct names), and CreateTags on one
// VPC. It reports writes per second, the p50 and p99 latency, and the requests that
// failed (contention must never be the client's error).
func BenchmarkAPIWrites(b *testing.B) {
	const clients = 16
	cases := []struct {
		name    string
		request func(vpc string, i int64) url.Values
	}{
		{"CreateSecurityGroup-one-vpc", func(vpc string, i int64) url.Values {
			return url.Values{"Action": {"CreateSecurityGroup"}, "VpcId": {vpc}, "GroupName": {fmt.Sprint("g-", i)}, "GroupDescription": {"bench"}}
		}},
		{"CreateTags-one-vpc", func(vpc string, i int64) url.Values {
			// 40 keys, so that the VPC stays under AWS's 50 tags.
			return url.Values{"Action": {"CreateTags"}, "ResourceId.1": {vpc}, "Tag.1.Key": {fmt.Sprint("k-", i%40)}, "Tag.1.Value": {fmt.Sprint(i)}}
		}},
	}
	for _, tc := range cases {
		b.Run(fmt.Sprintf("%s/clients=%d", tc.name, clients), func(b *testing.B) {
			srv := vpcdtest.Start(b)
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
			body, err := post(hc, srv.URL, url.Values{"Action": {"CreateVpc"}, "CidrBlock": {"10.0.0.0/16"}})
			if err != nil {
				b.Fatal(err)
			}
			vpc := between(body, "<vpcId>", "</vpcId>")
			var (
				mu        sync.Mutex
				latencies []time.Duration
				failed    atomic.Int64
				firstErr  atomic.Value
				next      atomic.Int64
			)
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						t0 := time.Now()
						_, err := post(hc, srv.URL, tc.request(vpc, i))
						d := time.Since(t0)
						if err != nil {
							failed.Add(1)
							firstErr.CompareAndSwap(nil, err.Error())
						}
						mu.Lock()
						latencies = append(latencies, d)
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if e := firstErr.Load(); e != nil {
				b.Logf("%d of %d failed; first: %.200s", failed.Load(), len(latencies), e)
			}
			b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "writes/s")
			for name, ms := range percentilesMs(latencies, 0.50, 0.99) {
				b.ReportMetric(ms, name)
			}
			b.ReportMetric(float64(failed.Load()), "errors")
		})
	}
}

// percentilesMs gives the latency percentiles in milliseconds, named "p50-ms" and so on.
func percentilesMs(latencies []time.Duration, ps ...float64) map[string]float64 {
	slices.Sort(latencies)
	out := map[string]float64{}
	for _, p := range ps {
		d := latencies[int(p*float64(len(latencies)-1))]
		out[fmt.Sprintf("p%.0f-ms", 100*p)] = float64(d.Microseconds()) / 1000
	}
	return out
}
