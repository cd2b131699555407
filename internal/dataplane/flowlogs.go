package dataplane

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	"vpcd/internal/control"
	"vpcd/internal/flowlog"
	"vpcd/internal/model"
	"vpcd/internal/plan"
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
// once and removes it; one that fails stays for the next sync.
func (d *Dataplane) deliverFlows(ctx context.Context, n *model.Network) {
	dirs, _ := os.ReadDir(filepath.Join(d.services.dir, "flows"))
	for _, dir := range dirs {
		files, _ := os.ReadDir(filepath.Join(d.services.dir, "flows", dir.Name()))
		for _, f := range files {
			if !strings.HasSuffix(f.Name(), ".json") {
				continue
			}
			path := filepath.Join(d.services.dir, "flows", dir.Name(), f.Name())
			d.processes.report(ctx, record{key: "flows/" + path, write: func(ctx context.Context, svc *control.Service) error {
				b, err := os.ReadFile(path)
				if os.IsNotExist(err) {
					return nil // delivered by an earlier report of it
				}
				if err != nil {
					return err
				}
				var spooled []vpcsvc.FlowRecord
				if err := json.Unmarshal(b, &spooled); err != nil {
					os.Remove(path) // never readable: a partial file the daemon did not rename
					return err
				}
				w := flowlog.Writer{Logs: svc.Logs, Logger: d.cfg.Logger}
				if d.cfg.S3 != nil {
					w.Objects = d.cfg.S3
				}
				if err := w.Write(ctx, n, flowRecords(n, spooled)); err != nil {
					return err
				}
				return os.Remove(path)
			}})
		}
	}
}
