package dataplane

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"vpcd/internal/control"
	"vpcd/internal/control/flowlogs"
	"vpcd/internal/flowlog"
	"vpcd/internal/model"
	"vpcd/internal/plan"
	"vpcd/internal/s3store"
	"vpcd/internal/vpcsvc"
)

// Flow logs: each VPC's services daemon captures the traffic of the interfaces that have
// a flow log (vpcsvc.FlowCapture) and spools the records of each aggregation interval as
// a file; the data plane delivers each file to the flow logs' destinations through the
// reporter, and removes it once delivered. A daemon keeps capturing while vpcd is away,
// and the files wait for it.

// flowCapture is what a VPC's daemon captures: the VPC's interfaces that a flow log
// covers, over the shortest aggregation interval among their flow logs; nil for none.
func flowCapture(n *model.Network, vpc, spool string) *vpcsvc.FlowCapture {
	if len(n.FlowLogs) == 0 {
		return nil
	}
	var c vpcsvc.FlowCapture
	for _, id := range model.SortedKeys(n.Interfaces) {
		eni := n.Interfaces[id]
		if eni.VPC != vpc {
			continue
		}
		logs := n.FlowLogsOf(id)
		if len(logs) == 0 {
			continue
		}
		for _, fl := range logs {
			if c.Interval == 0 || fl.Interval < c.Interval {
				c.Interval = fl.Interval
			}
		}
		c.Interfaces = append(c.Interfaces, vpcsvc.FlowInterface{ID: id, Link: plan.InterfaceLink(id), Addrs: eni.Addrs()})
	}
	if len(c.Interfaces) == 0 {
		return nil
	}
	c.Spool = spool
	return &c
}

// flowRecords are the spooled records as each flow log that covers their interface, and
// takes their action, records them; a NODATA or SKIPDATA record goes to each flow log of
// its interface.
func flowRecords(n *model.Network, spooled []vpcsvc.FlowRecord) []flowlog.Record {
	// In time order, as a log stream's events go.
	spooled = slices.Clone(spooled)
	slices.SortStableFunc(spooled, func(a, b vpcsvc.FlowRecord) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), strings.Compare(a.Interface, b.Interface))
	})
	var out []flowlog.Record
	for _, r := range spooled {
		if r.LogStatus != "" {
			f := flowlog.Flow{Key: flowlog.Key{Interface: r.Interface}, First: time.Unix(r.Start, 0), Last: time.Unix(r.End, 0), LogStatus: r.LogStatus}
			for _, fl := range n.FlowLogsOf(r.Interface) {
				out = append(out, flowlog.Record{FlowLog: fl.ID, Flow: f})
			}
			continue
		}
		dir := flowlog.Ingress
		if r.Direction == "egress" {
			dir = flowlog.Egress
		}
		f := flowlog.Flow{
			Key: flowlog.Key{Interface: r.Interface, Direction: dir, Src: r.Src, Dst: r.Dst,
				SrcPort: r.SrcPort, DstPort: r.DstPort, Protocol: r.Protocol, Action: r.Action},
			Packets: int64(r.Packets), Bytes: int64(r.Bytes), TCPFlags: flowlog.TCPFlags(r.TCPFlags),
			First: time.Unix(r.Start, 0), Last: time.Unix(r.End, 0),
		}
		for _, fl := range n.FlowLogsOf(r.Interface) {
			if flowlog.Records(fl.Traffic, r.Action) {
				out = append(out, flowlog.Record{FlowLog: fl.ID, Flow: f})
			}
		}
	}
	return out
}

// deliverFlows reports every spooled file not yet reported. The reporter writes each
// once: the records of flow logs to CloudWatch Logs at once, and those of flow logs to S3
// when their 5-minute window ends (Config.FlowLogS3Window), as AWS publishes its files: a
// file waits for its window in flows/VPC/s3/WINDOW/. One that fails stays for the next
// sync.
func (d *Dataplane) deliverFlows(ctx context.Context, n *model.Network) {
	window := cmp.Or(d.cfg.FlowLogS3Window, flowlog.S3Window)
	dirs, _ := os.ReadDir(filepath.Join(d.services.dir, "flows"))
	for _, dir := range dirs {
		vpcDir := filepath.Join(d.services.dir, "flows", dir.Name())
		files, _ := os.ReadDir(vpcDir)
		for _, f := range files {
			if !strings.HasSuffix(f.Name(), ".json") {
				continue
			}
			path := filepath.Join(vpcDir, f.Name())
			d.processes.report(ctx, record{key: "flows/" + path, write: func(ctx context.Context, svc *control.Service) error {
				spooled, err := readSpooled(path)
				if err != nil || spooled == nil {
					return err
				}
				records := flowRecords(n, spooled)
				w := flowlog.Writer{Logs: svc.Logs, Logger: d.cfg.Logger} // no Objects: S3's records wait
				if err := w.Write(ctx, n, records); err != nil {
					return err
				}
				if d.cfg.S3 == nil || !toS3(n, records) {
					return os.Remove(path)
				}
				return spoolS3(path, window)
			}})
		}
		windows, _ := os.ReadDir(filepath.Join(vpcDir, "s3"))
		for _, win := range windows {
			start, err := strconv.ParseInt(win.Name(), 10, 64)
			if err != nil || time.Now().Before(time.Unix(start, 0).Add(window)) {
				continue
			}
			path := filepath.Join(vpcDir, "s3", win.Name())
			d.processes.report(ctx, record{key: "flows/" + path, write: func(ctx context.Context, svc *control.Service) error {
				return d.deliverS3(ctx, svc, n, path, time.Unix(start, 0))
			}})
		}
	}
}

// readSpooled reads a spooled file; nil when it is gone (delivered by an earlier report).
func readSpooled(path string) ([]vpcsvc.FlowRecord, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	spooled := []vpcsvc.FlowRecord{}
	if err := json.Unmarshal(b, &spooled); err != nil {
		os.Remove(path) // never readable: a partial file the daemon did not rename
		return nil, err
	}
	return spooled, nil
}

// toS3 reports whether some of the records are of a flow log to S3.
func toS3(n *model.Network, records []flowlog.Record) bool {
	for _, r := range records {
		if fl := n.FlowLogs[r.FlowLog]; fl != nil && fl.Destination == "s3" {
			return true
		}
	}
	return false
}

// spoolS3 moves a spooled file, named after the Unix nanoseconds its interval ended at,
// to the directory of its S3 window, s3/WINDOW_START_UNIX/.
func spoolS3(path string, window time.Duration) error {
	ns, err := strconv.ParseInt(strings.TrimSuffix(filepath.Base(path), ".json"), 10, 64)
	if err != nil {
		return os.Remove(path)
	}
	dir := filepath.Join(filepath.Dir(path), "s3", strconv.FormatInt(time.Unix(0, ns).Truncate(window).Unix(), 10))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Rename(path, filepath.Join(dir, filepath.Base(path)))
}

// deliverS3 puts the files of a window's records to S3, one (or more) per flow log, and
// removes the window's directory once they are delivered, or dropped for a bucket that
// does not exist.
func (d *Dataplane) deliverS3(ctx context.Context, svc *control.Service, n *model.Network, dir string, window time.Time) error {
	files, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var records []flowlog.Record
	for _, f := range files {
		spooled, err := readSpooled(filepath.Join(dir, f.Name()))
		if err != nil {
			d.cfg.Logger.Warn("flow logs: spooled records unreadable", "file", filepath.Join(dir, f.Name()), "err", err)
		}
		records = append(records, flowRecords(n, spooled)...)
	}
	w := flowlog.Writer{Objects: d.cfg.S3, Logger: d.cfg.Logger}
	err = w.WriteS3(n, records, window)
	// Each flow log's DeliverLogsStatus says how its delivery went: FAILED for a bucket
	// that does not exist (its records are dropped, as AWS drops them).
	failed := map[string]bool{}
	var errs []error
	for _, e := range unjoin(err) {
		var de *flowlog.DeliveryError
		if errors.As(e, &de) && errors.Is(e, s3store.ErrNoSuchBucket) {
			failed[de.FlowLog] = true
		} else {
			errs = append(errs, e)
		}
	}
	done := map[string]bool{}
	for _, r := range records {
		fl := n.FlowLogs[r.FlowLog]
		if fl == nil || fl.Destination != "s3" || done[fl.ID] {
			continue
		}
		done[fl.ID] = true
		status := ""
		if failed[fl.ID] {
			status = flowlogs.DeliveryAccessError
		}
		if err := svc.SetDeliveryError(ctx, control.Caller{Account: fl.Owner, Region: fl.Region}, fl.ID, status); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return os.RemoveAll(dir)
}

// unjoin are the errors joined in err (errors.Join), or err alone.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
