// Package dataplane keeps this host's kernel in step with the store. An informer follows
// the store into the model; after each change the planner (internal/plan) re-plans only
// the VPCs the change reaches and internal/linux reconciles only the namespaces whose plan
// changed; every few seconds, and soon after a partial sync failed, everything is planned
// and reconciled again, one namespace a step with the partial syncs that fall due in
// between (resync.go), which repairs what someone changed behind vpcd's back. It also
// runs each instance's user data in the instance's namespace, as cloud-init would, and
// records its console output.
//
// The kernel state it makes outlives vpcd: instances keep talking while vpcd is stopped or
// restarting, and on start the reconcile picks up where the kernel is.
package dataplane

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"vpcd/internal/control"
	"vpcd/internal/hosts"
	"vpcd/internal/informer"
	"vpcd/internal/linux"
	"vpcd/internal/metrics"
	"vpcd/internal/model"
	"vpcd/internal/plan"
	"vpcd/internal/s3store"
	"vpcd/internal/store"
)

// Config is the data plane's configuration, set by main.
type Config struct {
	// DataDir holds the registry of namespaces this vpcd made and the instances' user data
	// and console logs.
	DataDir string
	// InternetNamespace names the simulated internet (plan.Internet by default); two vpcd
	// on one host need different ones.
	InternetNamespace string
	// Exec is the vpcd binary, run as `vpcd exec INSTANCE -- SCRIPT` to start user data.
	Exec string
	// Resync is how often the whole kernel is reconciled without a change in the store.
	Resync time.Duration
	// MinInterval is the least time between two syncs: the changes of a burst wait and
	// go together.
	MinInterval time.Duration
	Logger      *slog.Logger
	// Metrics records syncs and what is realized; nil records nothing.
	Metrics *metrics.Metrics
	// DNSUpstream are the DNS servers (host:port) asked for the names that no resolver of
	// vpcd knows (vpcd serve --dns-upstream); none: such a name does not exist (NXDOMAIN).
	DNSUpstream []string
	// S3 is where flow logs to S3 deliver their files; nil drops their records.
	S3 *s3store.Store
	// FlowLogS3Window is how often flow logs to S3 publish their files: AWS's 5 minutes
	// (flowlog.S3Window) when zero.
	FlowLogS3Window time.Duration
	// BGPMaxPrefixes is how many routes a VPN tunnel's BGP session accepts before it is
	// reset: AWS's 100 when zero; negative: no limit (benchmarks only, since AWS's limit
	// cannot be raised).
	BGPMaxPrefixes int
	// Host is the host this data plane realizes when vpcd spans several (vpcd agent
	// --host-id): only the instances placed on it, and what they need. "" is the one
	// machine of single-machine mode, which realizes everything.
	Host string
	// Hosts are the live hosts, followed from the store, whose underlay addresses the
	// overlay reaches the other hosts' instances at; nil for none (host.go).
	Hosts *hosts.Registry
	// HostNamespace is the namespace that is this host's root (vpcd agent --host-netns),
	// where the overlay's links are made; "" is the one vpcd runs in.
	HostNamespace string
	// UnderlayMTU is the underlay's MTU (1500 when 0): see plan.InstanceMTU.
	UnderlayMTU int
}

// Dataplane reconciles the kernel to the store.
type Dataplane struct {
	cfg       Config
	svc       *control.Service
	st        store.Store
	kernel    *linux.Kernel
	registry  *registry
	processes *processes
	resolv    *resolvConfs
	services  *vpcServices
	tunnels   *ipsecTunnels
	speakers  *bgpSpeakers
	health    *healthChecks
	informer  *informer.Informer
	planner   *plan.Planner
	hostsNext <-chan struct{} // Config.Hosts' next change
}

// New returns the data plane of svc, whose store is st.
func New(svc *control.Service, st store.Store, cfg Config) (*Dataplane, error) {
	if cfg.InternetNamespace == "" {
		cfg.InternetNamespace = plan.Internet
	}
	if cfg.Resync == 0 {
		cfg.Resync = 5 * time.Second
	}
	if cfg.MinInterval == 0 {
		// A partial sync re-plans one VPC in well under a millisecond and applies only
		// its namespaces: the interval only keeps a storm of writes from syncing back to
		// back. At 100 ms it was most of a rule's time to take effect.
		cfg.MinInterval = 20 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	reg, err := openRegistry(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	d := &Dataplane{cfg: cfg, svc: svc, st: st, registry: reg, informer: informer.New(st),
		planner: plan.NewPlanner(plan.Host{ID: cfg.Host, Internet: cfg.InternetNamespace, UnderlayMTU: cfg.UnderlayMTU})}
	d.kernel = linux.New(linux.Config{Owned: reg.has, Logger: cfg.Logger, Home: cfg.HostNamespace})
	d.processes = newProcesses(cfg.DataDir, cfg.Exec, cfg.Logger)
	d.resolv = newResolvConfs("/etc/netns", cfg.DataDir, cfg.Logger)
	d.services = newVPCServices(cfg.DataDir, cfg.Exec, cfg.Logger)
	d.tunnels = newIPsecTunnels(cfg.DataDir, cfg.Logger)
	d.speakers = newBGPSpeakers(cfg.DataDir, cfg.Exec, cfg.BGPMaxPrefixes, cfg.Logger)
	d.health = newHealthChecks(cfg.Logger, d.processes.report)
	d.services.internet = cfg.InternetNamespace
	d.services.upstream = cfg.DNSUpstream
	d.resolv.internet = cfg.InternetNamespace
	return d, nil
}

// settle is how long the first change of a burst waits for the rest before they are
// planned together. A RunInstances of many is one commit, whose events come together;
// the wait is for writes that follow each other (Terraform's), and is kept short since
// it is part of every change's time to take effect (BenchmarkConvergence).
const settle = 10 * time.Millisecond

// Run reconciles until ctx ends: everything at once, the VPCs that a change reaches after
// each change, and everything again every Resync and after a failure.
func (d *Dataplane) Run(ctx context.Context) error {
	r := &runner{settle: settle, minInterval: d.cfg.MinInterval, resync: d.cfg.Resync, retry: min(time.Second, d.cfg.Resync)}
	var watchers sync.WaitGroup
	watchers.Go(func() { d.tunnels.watch(ctx, d.processes.report) })
	watchers.Go(func() { d.speakers.watch(ctx, d.processes.report) })
	defer watchers.Wait()
	for ctx.Err() == nil {
		if err := d.informer.List(ctx); err != nil {
			d.cfg.Logger.Error("data plane: read the store", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(r.retry):
			}
			continue
		}
		d.followHosts()
		r.fullNow()
		d.follow(ctx, r) // until the watch ends: the watcher fell behind, list again
	}
	return nil
}

// follow applies the store's changes to the model and syncs when r says, until ctx ends or
// the watch closes. A full sync goes one step at a time, and the store's changes are taken
// in after each step, so that a partial sync runs between two steps when it falls due.
func (d *Dataplane) follow(ctx context.Context, r *runner) {
	var pending informer.Changes
	var rs *resync            // the full sync under way, if any
	timer := time.NewTimer(0) // Reset drops a stale tick (Go 1.23 timers)
	defer timer.Stop()
	for ctx.Err() == nil {
		full, partial, wait := r.next(time.Now())
		switch {
		case partial:
			started := time.Now()
			err := d.syncChanges(ctx, pending)
			pending = informer.Changes{}
			d.observe(metrics.Partial, time.Since(started), err)
			r.ran(time.Now(), false, err)
		case full:
			if rs == nil {
				rs = d.startResync()
			}
			if d.resyncStep(ctx, rs) {
				err := d.finishResync(ctx, rs)
				d.observe(metrics.Full, rs.took, err)
				r.ran(time.Now(), true, err)
				rs = nil
			}
		}
		if full || partial {
			if !d.take(&pending, r) {
				return
			}
			continue
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-d.hostsChanged():
			d.followHosts()
			r.fullNow()
		case ev, ok := <-d.informer.Events():
			if !ok {
				return
			}
			d.apply(ev, &pending, r)
		}
	}
}

// take applies the store's changes that have come, without waiting for more, and reports
// whether the watch is still open.
func (d *Dataplane) take(pending *informer.Changes, r *runner) bool {
	for {
		select {
		case ev, ok := <-d.informer.Events():
			if !ok {
				return false
			}
			d.apply(ev, pending, r)
		default:
			return true
		}
	}
}

// apply applies one of the store's changes to the model and tells r when it changed what
// the data plane realizes.
func (d *Dataplane) apply(ev store.Event, pending *informer.Changes, r *runner) {
	if err := d.informer.Apply(ev, pending); err != nil {
		d.cfg.Logger.Error("data plane: follow the store", "key", ev.Key, "err", err)
	}
	if !pending.Empty() {
		r.changed(time.Now())
	}
}

// observe records a sync in the metrics and logs its failure.
func (d *Dataplane) observe(kind string, took time.Duration, err error) {
	d.cfg.Metrics.ObserveSync(kind, took, err)
	if err != nil {
		d.cfg.Logger.Error("data plane reconcile", "err", err, "full", kind == metrics.Full)
	}
}

// plannedRules counts the security group permissions and ACL entries of a plan: the
// rules the kernel carries, whatever nftables statements they compile to.
func plannedRules(s plan.State) int {
	n := 0
	for _, ns := range s.Namespaces {
		if ns.Firewall == nil {
			continue // an instance's, the internet's: no rules of vpcd's
		}
		for _, i := range ns.Firewall.Interfaces {
			n += len(i.Ingress) + len(i.Egress)
		}
		for _, sub := range ns.Firewall.Subnets {
			n += len(sub.Ingress) + len(sub.Egress)
		}
	}
	return n
}

// syncChanges re-plans the VPCs that the changes reach and reconciles the namespaces whose
// plan changed, and them alone.
func (d *Dataplane) syncChanges(ctx context.Context, c informer.Changes) error {
	u := d.planner.Plan(d.informer, model.SortedKeys(c.VPCs), model.SortedKeys(c.Groups))
	var applyErr error
	if !u.Empty() {
		if err := d.registry.add(u.Changed...); err != nil {
			return err
		}
		var changes int
		changes, applyErr = d.kernel.ApplyNamespaces(ctx, d.planner.Namespaces(u.Changed), slices.Concat(u.Changed, u.Deleted))
		if changes > 0 {
			d.cfg.Logger.Info("data plane reconciled", "changes", changes, "namespaces", len(u.Changed)+len(u.Deleted))
		}
		if applyErr == nil {
			if err := d.registry.remove(u.Deleted...); err != nil {
				return err
			}
		}
	}
	d.syncInstances(ctx, false)
	return applyErr
}

// syncInstances writes the instances' resolv.conf before their user data starts, so that
// it sees it, starts and stops user data and the VPCs' service daemons, and records
// console output that grew. A full sync also reads back every resolv.conf and service
// config it wrote, which repairs one changed by hand.
func (d *Dataplane) syncInstances(ctx context.Context, full bool) {
	n := d.share(d.informer.Network())
	d.resolv.sync(n, full)
	daemons := append(d.services.sync(n, full), nat64Daemons(n, d.cfg.DataDir, d.cfg.Exec, d.cfg.Logger)...)
	daemons = append(daemons, d.tunnels.daemons(d.planner.Tunnels(), n)...)
	daemons = append(daemons, d.speakers.daemons(n)...)
	d.processes.sync(ctx, n, d.svc, daemons)
	d.health.sync(ctx, n)
	d.deliverFlows(ctx, n)
}

// Cleanup removes everything the data plane made on this host: the processes it started
// and the namespaces in its registry.
func (d *Dataplane) Cleanup(ctx context.Context) error {
	d.processes.stopAll()
	d.health.stopAll()
	d.resolv.removeAll()
	d.services.removeAll()
	d.tunnels.removeAll()
	d.speakers.removeAll()
	os.RemoveAll(sitesDir(d.cfg.DataDir))
	names := d.registry.list()
	if len(names) == 0 {
		return nil
	}
	if err := d.kernel.Destroy(ctx, names...); err != nil {
		return err
	}
	return d.registry.keepOnly(nil)
}
