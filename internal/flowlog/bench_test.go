package flowlog

import (
	"context"
	"testing"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/control/logs"
	"vpcd/internal/store"
)

// BenchmarkAggregate is the cost of one observed packet: the flow logs that cover its
// interface found in the model, and its flow updated.
func BenchmarkAggregate(b *testing.B) {
	n := network(flowLog("fl-all", "vpc-1", "ALL", 600))
	ag := NewAggregator()
	p := tcp(0, Egress, ACK, 1500)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.SrcPort = uint16(i % 1024) // a thousand flows
		ag.Observe(n, p)
	}
}

// BenchmarkWrite is how many records vpcd appends to CloudWatch Logs a second on the
// embedded store, in batches of 100 records of one interface (one transaction each).
func BenchmarkWrite(b *testing.B) {
	st, err := store.OpenEmbedded(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	w := &Writer{Logs: &logs.Logs{Kit: kit.New(st, kit.Config{})}}
	n := network(flowLog("fl-all", "vpc-1", "ALL", 60))
	ag := NewAggregator()
	for i := range 100 {
		p := tcp(0, Egress, ACK, 100)
		p.SrcPort = uint16(10000 + i)
		ag.Observe(n, p)
	}
	recs := ag.Flush(time.Time{})
	ctx := context.Background()
	for b.Loop() {
		if err := w.Write(ctx, n, recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "records/s")
}
