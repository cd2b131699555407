package flowlog

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
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
// them after their 5-minute window, with a header line; the same records delivered again
// make the same object; a bucket that does not exist drops the records, and says so.
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
		err := w.Write(context.Background(), n, recs)
		var de *DeliveryError
		if !errors.Is(err, s3store.ErrNoSuchBucket) || !errors.As(err, &de) || de.FlowLog != "fl-gone" {
			t.Fatalf("write: %v, want the missing bucket of fl-gone", err)
		}
	}
	if len(store["logs"]) != 1 {
		t.Fatalf("objects: %v", store["logs"])
	}
	for key, body := range store["logs"] {
		want := regexp.MustCompile(`^vpc/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/05/28/123456789012_vpcflowlogs_us-east-1_fl-s3_20260528T2025Z_[0-9a-f]{8}\.log\.gz$`)
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

// The options of a flow log's files: Hive-compatible prefixes, a folder per hour.
func TestS3KeyOptions(t *testing.T) {
	fl := flowLog("fl-1", "vpc-1", "ALL", 60)
	fl.Destination, fl.Bucket = "s3", "logs"
	at := time.Date(2026, 5, 28, 20, 25, 0, 0, time.UTC)
	name := "123456789012_vpcflowlogs_us-east-1_fl-1_20260528T2025Z_0a1b2c3d.log.gz"
	for _, c := range []struct {
		hive, hour bool
		dir        string
	}{
		{false, false, "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/05/28/"},
		{false, true, "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/05/28/20/"},
		{true, false, "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=05/day=28/"},
		{true, true, "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=05/day=28/hour=20/"},
	} {
		fl.HivePartitions, fl.PerHour = c.hive, c.hour
		if got := S3Key(fl, at, "0a1b2c3d"); got != c.dir+name {
			t.Errorf("hive %v, per hour %v: %s, want %s", c.hive, c.hour, got, c.dir+name)
		}
	}
}

// A window's records beyond MaxS3File go to further files, each with the header.
func TestS3FilesSplit(t *testing.T) {
	defer func(m int) { maxS3File = m }(maxS3File)
	maxS3File = 2000
	fl := flowLog("fl-1", "vpc-1", "ALL", 60)
	line := strings.Repeat("x", 20)
	var lines []string
	for range 100 {
		lines = append(lines, line)
	}
	files := S3Files(fl, lines)
	if len(files) != 2 {
		t.Fatalf("%d files, want 2", len(files))
	}
	total := 0
	for _, f := range files {
		if len(f) > maxS3File || !bytes.HasPrefix(f, []byte("version account-id")) {
			t.Errorf("file of %d bytes, starting %.20q", len(f), f)
		}
		total += bytes.Count(f, []byte("\n")) - 1
	}
	if total != 100 {
		t.Errorf("%d records in the files, want 100", total)
	}
}
