package flowlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/control/logs"
	"vpcd/internal/model"
)

// Appender is where a Writer appends events: control/logs' Logs.
type Appender interface {
	Append(ctx context.Context, c kit.Caller, group, stream string, events []logs.Event) error
}

// Writer delivers records to CloudWatch Logs: each flow log's records go to its log
// group (created when missing, as a flow log's delivery does), in one log stream per
// interface; and to S3 (s3.go): a gzip file of each flow log's records. Records of flow
// logs to Kinesis Data Firehose are dropped: vpcd does not deliver there yet.
type Writer struct {
	Logs Appender
	// Objects stores the files of flow logs to S3; nil drops their records.
	Objects ObjectPutter
	// Logger says which records were dropped for a bucket that does not exist; nil
	// says nothing.
	Logger *slog.Logger
	// AZID gives an interface's Availability Zone ID for the az-id field; nil leaves it
	// "-".
	AZID func(subnet string) string
}

// StreamName is the log stream of an interface's records in a flow log's group: the
// interface's ID with the traffic type, eni-0123…-all, as AWS names them.
func StreamName(fl *model.FlowLog, eni string) string {
	return eni + "-" + strings.ToLower(fl.Traffic)
}

// Write renders records, as Aggregator.Flush gives them, and appends them, a batch per
// flow log and interface. A record of a flow log the network no longer has is dropped
// (the flow log was deleted while its flows were open). The first failure is returned
// after every batch was tried.
func (w *Writer) Write(ctx context.Context, n *model.Network, records []Record) error {
	type batch struct {
		fl     *model.FlowLog
		eni    string
		events []logs.Event
	}
	var batches []*batch
	byKey := map[[2]string]*batch{}
	var errs []error
	for _, r := range records {
		fl := n.FlowLogs[r.FlowLog]
		if fl == nil || fl.Destination != "cloud-watch-logs" {
			continue
		}
		k := [2]string{r.FlowLog, r.Interface}
		b := byKey[k]
		if b == nil {
			b = &batch{fl: fl, eni: r.Interface}
			byKey[k] = b
			batches = append(batches, b)
		}
		b.events = append(b.events, logs.Event{Timestamp: r.First.UnixMilli(), Message: Render(fl, w.iface(n, r.Interface), r.Flow)})
	}
	for _, b := range batches {
		c := kit.Caller{Account: b.fl.Owner, Region: b.fl.Region}
		if err := w.Logs.Append(ctx, c, b.fl.LogGroup, StreamName(b.fl, b.eni), b.events); err != nil {
			errs = append(errs, fmt.Errorf("flow log %s, %s: %w", b.fl.ID, b.eni, err))
		}
	}
	if err := w.writeS3(n, records); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// iface is what a record says of an interface, with its zone ID when AZID gives it.
func (w *Writer) iface(n *model.Network, id string) Interface {
	iface := InterfaceOf(n, id)
	if w.AZID != nil && iface.Subnet != "" {
		iface.AZID = w.AZID(iface.Subnet)
	}
	return iface
}
