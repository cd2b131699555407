package flowlog

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"vpcd/internal/model"
	"vpcd/internal/s3store"
)

// ObjectPutter stores an object in an existing bucket: s3store's Store. A bucket that
// does not exist is an error that wraps s3store.ErrNoSuchBucket.
type ObjectPutter interface {
	Put(bucket, key string, body []byte) error
}

// S3Window is how often AWS publishes a flow log's files to S3: every 5 minutes, the
// records of the 5 minutes before, in one file or several.
const S3Window = 5 * time.Minute

// MaxS3File is the most records a log file holds, 75 MB of them before compression; a
// window's records beyond it go to further files.
const MaxS3File = 75_000_000

// maxS3File is MaxS3File, which a test lowers.
var maxS3File = MaxS3File

// S3Key is the key of a flow log's file as AWS names it: under the flow log's prefix,
// AWSLogs/ACCOUNT/vpcflowlogs/REGION/YYYY/MM/DD/ (with Hive-compatible prefixes,
// AWSLogs/aws-account-id=ACCOUNT/aws-service=vpcflowlogs/aws-region=REGION/year=YYYY/
// month=MM/day=DD/; partitioned per hour, HH/ or hour=HH/ more), the file
// ACCOUNT_vpcflowlogs_REGION_FLOWLOGID_YYYYMMDDTHHmmZ_HASH.log.gz, at the UTC time at.
func S3Key(fl *model.FlowLog, at time.Time, hash string) string {
	at = at.UTC()
	dir := fmt.Sprintf("AWSLogs/%s/vpcflowlogs/%s/%s/", fl.Owner, fl.Region, at.Format("2006/01/02"))
	if fl.HivePartitions {
		dir = fmt.Sprintf("AWSLogs/aws-account-id=%s/aws-service=vpcflowlogs/aws-region=%s/%s/", fl.Owner, fl.Region,
			at.Format("year=2006/month=01/day=02"))
	}
	switch {
	case fl.PerHour && fl.HivePartitions:
		dir += at.Format("hour=15/")
	case fl.PerHour:
		dir += at.Format("15/")
	}
	key := fmt.Sprintf("%s%s_vpcflowlogs_%s_%s_%s_%s.log.gz", dir, fl.Owner, fl.Region, fl.ID, at.Format("20060102T1504Z"), hash)
	if fl.Prefix != "" {
		// AWS keeps a prefix as given: one ending in "/" makes a double slash.
		key = fl.Prefix + "/" + key
	}
	return key
}

// S3Files are the contents of a flow log's files before compression: a header line of
// the format's field names, then one record a line, as many files as MaxS3File asks.
func S3Files(fl *model.FlowLog, lines []string) [][]byte {
	header := strings.Join(fl.Format, " ") + "\n"
	var out [][]byte
	var b bytes.Buffer
	for i, l := range lines {
		if i == 0 || b.Len()+len(l)+1 > maxS3File && b.Len() > len(header) {
			if i > 0 {
				out = append(out, bytes.Clone(b.Bytes()))
			}
			b.Reset()
			b.WriteString(header)
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if len(lines) == 0 {
		b.WriteString(header)
	}
	return append(out, b.Bytes())
}

// writeS3 puts the files of each flow log to S3 among the records, named after the
// window, the time window of the earliest record when zero.
func (w *Writer) writeS3(n *model.Network, records []Record) error {
	return w.WriteS3(n, records, time.Time{})
}

// WriteS3 puts the files of each flow log to S3 among the records of a window: AWS's
// 5-minute delivery (S3Window), named after the window's start, or after the window of
// the earliest record when window is zero. A file's name has its content's hash, so that
// delivering the same records again (a retry after a failure) writes the same objects
// again. The records of a flow log whose bucket does not exist are dropped, as AWS drops
// what it cannot deliver, and the error says so (it wraps s3store.ErrNoSuchBucket).
func (w *Writer) WriteS3(n *model.Network, records []Record, window time.Time) error {
	type file struct {
		fl    *model.FlowLog
		first time.Time
		lines []string
	}
	var files []*file
	byID := map[string]*file{}
	for _, r := range records {
		fl := n.FlowLogs[r.FlowLog]
		if fl == nil || fl.Destination != "s3" || w.Objects == nil {
			continue
		}
		f := byID[fl.ID]
		if f == nil {
			f = &file{fl: fl, first: r.First}
			byID[fl.ID] = f
			files = append(files, f)
		}
		if r.First.Before(f.first) {
			f.first = r.First
		}
		f.lines = append(f.lines, Render(fl, w.iface(n, r.Interface), r.Flow))
	}
	var errs []error
	for _, f := range files {
		at := window
		if at.IsZero() {
			at = f.first.Truncate(S3Window)
		}
		for _, content := range S3Files(f.fl, f.lines) {
			sum := sha256.Sum256(content)
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(content)
			zw.Close()
			key := S3Key(f.fl, at, hex.EncodeToString(sum[:4]))
			err := w.Objects.Put(f.fl.Bucket, key, gz.Bytes())
			if errors.Is(err, s3store.ErrNoSuchBucket) && w.Logger != nil {
				w.Logger.Warn("flow log records dropped: the bucket does not exist", "flowLog", f.fl.ID, "bucket", f.fl.Bucket, "records", len(f.lines))
			}
			if err != nil {
				errs = append(errs, &DeliveryError{FlowLog: f.fl.ID, Err: fmt.Errorf("s3://%s/%s: %w", f.fl.Bucket, key, err)})
				break
			}
		}
	}
	return errors.Join(errs...)
}

// DeliveryError is a flow log's failed delivery.
type DeliveryError struct {
	FlowLog string
	Err     error
}

func (e *DeliveryError) Error() string { return "flow log " + e.FlowLog + ": " + e.Err.Error() }
func (e *DeliveryError) Unwrap() error { return e.Err }
