// Package bench holds vpcd's benchmarks that span packages; figures go in RESULTS.md.
package bench

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vpcd/internal/vpcdtest"
)

// post sends one EC2 Query request with a well-formed SigV4 header, which vpcd's default
// (lenient) auth accepts, so that the figures measure the server and not client signing.
func post(c *http.Client, base string, params url.Values) (string, error) {
	params.Set("Version", "2016-11-15")
	req, _ := http.NewRequest("POST", base+"/", strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=123456789012/20261123/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("%s: %s", resp.Status, body)
	}
	return string(body), err
}

func between(s, open, close string) string {
	_, rest, _ := strings.Cut(s, open)
	v, _, _ := strings.Cut(rest, close)
	return v
}

// BenchmarkAPIMix runs a create/describe mix (one CreateVpc, then four describes: the VPC
// by ID, VPCs by tag filter, its subnets by filter, its route tables by filter) over HTTP
// at 1, 16 and 64 concurrent clients, on the embedded store and on etcd, and reports
// requests per second and the p50 and p99 latency of single requests.
func BenchmarkAPIMix(b *testing.B) {
	for _, bs := range benchStores {
		for _, clients := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("store=%s/clients=%d", bs.name, clients), func(b *testing.B) {
				apiMix(b, vpcdtest.StartOn(b, bs.open(b)).URL, clients)
			})
		}
	}
}

// apiMix is BenchmarkAPIMix at one store and number of clients.
func apiMix(b *testing.B, base string, clients int) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		next      atomic.Int64
	)
	timed := func(params url.Values) string {
		start := time.Now()
		body, err := post(hc, base, params)
		d := time.Since(start)
		if err != nil {
			b.Error(err)
		}
		mu.Lock()
		latencies = append(latencies, d)
		mu.Unlock()
		return body
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				name := fmt.Sprintf("bench-%d", next.Load())
				body := timed(url.Values{"Action": {"CreateVpc"}, "CidrBlock": {"10.0.0.0/16"},
					"TagSpecification.1.ResourceType": {"vpc"}, "TagSpecification.1.Tag.1.Key": {"Name"}, "TagSpecification.1.Tag.1.Value": {name}})
				vpc := between(body, "<vpcId>", "</vpcId>")
				timed(url.Values{"Action": {"DescribeVpcs"}, "VpcId.1": {vpc}})
				timed(url.Values{"Action": {"DescribeVpcs"}, "Filter.1.Name": {"tag:Name"}, "Filter.1.Value.1": {name}})
				timed(url.Values{"Action": {"DescribeSubnets"}, "Filter.1.Name": {"vpc-id"}, "Filter.1.Value.1": {vpc}})
				timed(url.Values{"Action": {"DescribeRouteTables"}, "Filter.1.Name": {"vpc-id"}, "Filter.1.Value.1": {vpc}})
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
