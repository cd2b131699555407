package flowlog

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"regexp"
	"testing"
	"time"

	"vpcd/internal/s3store"
)

// objects is an S3 of a few buckets in memory.
type objects map[string]map[string][]byte

func (o objects) Put(bucket, key string, body []byte) error {
	if o[bucket] == nil {
		return fmt.Errorf("%s: %w", bucket, s3store.ErrNoSuchBucket)
	}
	o[bucket][key] = body
	return nil
}

// A flow log to S3 gets one gzip file of its records per delivery, named as AWS names
// them, with a header line; the same records delivered again make the same object; a
// bucket that does not exist drops the records.
func TestWriterPutsFilesToS3(t *testing.T) {
	toS3 := flowLog("fl-s3", "vpc-1", "ALL", 60)
	toS3.Destination, toS3.LogGroup, toS3.Bucket, toS3.Prefix = "s3", "", "logs", "vpc"
	gone := flowLog("fl-gone", "vpc-1", "ALL", 60)
	gone.Destination, gone.LogGroup, gone.Bucket = "s3", "", "missing"
	n := network(toS3, gone)
	ag := NewAggregator()
	ag.Observe(n, tcp(time.Second, Egress, SYN, 60))
	ag.Observe(n, Packet{Time: t0.Add(2 * time.Second), Interface: "eni-b", Src: a, Dst: b, Protocol: 1, Bytes: 84, Action: Reject})
	recs := ag.Flush(time.Time{})
	store := objects{"logs": {}}
	w := &Writer{Objects: store}
	for range 2 {
		if err := w.Write(context.Background(), n, recs); err != nil {
			t.Fatal(err)
		}
	}
	if len(store["logs"]) != 1 {
		t.Fatalf("objects: %v", store["logs"])
	}
	for key, body := range store["logs"] {
		want := regexp.MustCompile(`^vpc/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/05/28/123456789012_vpcflowlogs_us-east-1_fl-s3_20260528T2026Z_[0-9a-f]{8}\.log\.gz$`)
		if !want.MatchString(key) {
			t.Errorf("key %s", key)
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		content, _ := io.ReadAll(zr)
		wantContent := "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n" +
			"2 123456789012 eni-a 10.0.1.5 10.0.1.6 40000 22 6 1 60 1780000001 1780000001 ACCEPT OK\n" +
			"2 123456789012 eni-b 10.0.1.5 10.0.1.6 0 0 1 1 84 1780000002 1780000002 REJECT OK\n"
		if string(content) != wantContent {
			t.Errorf("content:\n%s\nwant:\n%s", content, wantContent)
		}
	}
}
