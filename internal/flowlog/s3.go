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

// S3Key is the key of a flow log's file as AWS names it: under the flow log's prefix,
// AWSLogs/ACCOUNT/vpcflowlogs/REGION/YYYY/MM/DD/, the file
// ACCOUNT_vpcflowlogs_REGION_FLOWLOGID_YYYYMMDDTHHmmZ_HASH.log.gz, at the UTC time at.
func S3Key(fl *model.FlowLog, at time.Time, hash string) string {
	at = at.UTC()
	key := fmt.Sprintf("AWSLogs/%s/vpcflowlogs/%s/%s/%s_vpcflowlogs_%s_%s_%s_%s.log.gz",
		fl.Owner, fl.Region, at.Format("2006/01/02"), fl.Owner, fl.Region, fl.ID, at.Format("20060102T1504Z"), hash)
	if fl.Prefix != "" {
		// AWS keeps a prefix as given: one ending in "/" makes a double slash.
		key = fl.Prefix + "/" + key
	}
	return key
}

// S3File is the content of a flow log's file before compression: a header line of the
// format's field names, then one record a line.
func S3File(fl *model.FlowLog, lines []string) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(fl.Format, " "))
	b.WriteByte('\n')
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// writeS3 puts one file for each flow log to S3 among the records. A file is named
// after its earliest record's minute and its content's hash, so that delivering the same
// records again (a retry after a failure) writes the same object again. The records of a
// flow log whose bucket does not exist are dropped, as AWS drops what it cannot deliver.
func (w *Writer) writeS3(n *model.Network, records []Record) error {
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
		content := S3File(f.fl, f.lines)
		sum := sha256.Sum256(content)
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(content)
		zw.Close()
		key := S3Key(f.fl, f.first, hex.EncodeToString(sum[:4]))
		err := w.Objects.Put(f.fl.Bucket, key, gz.Bytes())
		switch {
		case errors.Is(err, s3store.ErrNoSuchBucket):
			if w.Logger != nil {
				w.Logger.Warn("flow log records dropped: the bucket does not exist", "flowLog", f.fl.ID, "bucket", f.fl.Bucket, "records", len(f.lines))
			}
		case err != nil:
			errs = append(errs, fmt.Errorf("flow log %s, s3://%s/%s: %w", f.fl.ID, f.fl.Bucket, key, err))
		}
	}
	return errors.Join(errs...)
}
