package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"vpcd/internal/control"
	"vpcd/internal/control/kit"
	"vpcd/internal/dataplane"
	"vpcd/internal/hosts"
	"vpcd/internal/plan"
	"vpcd/internal/store"
)

// agentFlags are what `vpcd agent` is told about its host.
type agentFlags struct {
	store     storeFlags
	host      hosts.Host
	hostNetns string
	dataDir   string
	dataPlane string
	internet  string
}

// parseAgent reads agent's flags into the host it registers and the rest.
func parseAgent(args []string) (agentFlags, error) {
	var f agentFlags
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.StringVar(&f.store.spec, "store", "", "etcd://HOST:2379[,HOST:2379...] (etcds:// for TLS): the etcd cluster that vpcd serve --hosts uses")
	fs.StringVar(&f.store.prefix, "etcd-prefix", "vpcd/", "prefix of vpcd's keys in etcd, as vpcd serve's")
	fs.StringVar(&f.store.caFile, "etcd-cacert", "", "CA bundle that verifies the etcd servers' certificates")
	fs.StringVar(&f.store.certFile, "etcd-cert", "", "client certificate for etcd")
	fs.StringVar(&f.store.keyFile, "etcd-key", "", "client certificate's key for etcd")
	fs.StringVar(&f.host.ID, "host-id", "", "this host's name, unique among the hosts")
	underlay := fs.String("underlay", "", "the address other hosts reach this one at (the overlay's tunnel endpoint)")
	var defaultZones []string
	for _, z := range kit.ZonesOf(control.DefaultRegions[0]) {
		defaultZones = append(defaultZones, z.Name)
	}
	zones := fs.String("zones", strings.Join(defaultZones, ","), "Availability Zones whose instances this host takes, comma-separated")
	fs.IntVar(&f.host.CapacityVCPUs, "capacity-vcpus", 0, "vCPUs of instances this host takes; 0 for no limit")
	fs.StringVar(&f.hostNetns, "host-netns", "", "a network namespace to treat as this host's root namespace (simulated hosts on one machine)")
	fs.StringVar(&f.dataDir, "data-dir", defaultDataDir(), "directory of this host's data plane: the namespaces it made, the instances' user data and consoles")
	fs.StringVar(&f.dataPlane, "data-plane", "auto", "auto: realize this host's instances when running as root; off: only register the host")
	fs.StringVar(&f.internet, "internet-netns", plan.Internet, "name of this host's simulated internet's namespace")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if !strings.Contains(f.store.spec, "://") {
		return f, errors.New("--store etcd://HOST:PORT[,...] is required: hosts register in etcd")
	}
	if *underlay == "" {
		return f, errors.New("--underlay ADDR is required")
	}
	var err error
	if f.host.Underlay, err = netip.ParseAddr(*underlay); err != nil {
		return f, fmt.Errorf("--underlay %q is not an address", *underlay)
	}
	for _, z := range strings.Split(*zones, ",") {
		if z = strings.TrimSpace(z); z != "" {
			if !knownZone(z) {
				return f, fmt.Errorf("--zones: %q is not an Availability Zone", z)
			}
			f.host.Zones = append(f.host.Zones, z)
		}
	}
	if f.dataPlane != "auto" && f.dataPlane != "off" {
		return f, fmt.Errorf("--data-plane must be auto or off, not %q", f.dataPlane)
	}
	return f, f.host.Check()
}

// knownZone reports whether name is a zone of its region (the name less its letter).
func knownZone(name string) bool {
	if len(name) < 2 {
		return false
	}
	for _, z := range kit.ZonesOf(name[:len(name)-1]) {
		if z.Name == name {
			return true
		}
	}
	return false
}

// agent runs one host of a multi-host vpcd: it registers the host in etcd under a lease
// and realizes the instances placed on it, until it is signalled.
func agent(args []string) error {
	f, err := parseAgent(args)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("host", f.host.ID)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := openStore(ctx, f.store, "")
	if err != nil {
		return err
	}
	defer st.Close()
	leaser, ok := st.(hosts.Leaser)
	if !ok {
		return errors.New("--store must be etcd: hosts register under etcd leases")
	}
	var dp *dataplane.Dataplane
	switch {
	case f.dataPlane == "off":
		log.Info("data plane off: --data-plane off")
	case os.Geteuid() != 0:
		log.Warn("data plane off: not running as root")
	case f.hostNetns != "":
		// Every namespace is named in /run/netns, so two simulated hosts on one machine
		// would make the same VPC router's: they need namespaces of their own first.
		return errors.New("--host-netns with the data plane on is not supported yet: use --data-plane off, or one agent per machine")
	default:
		if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
			return err
		}
		self, err := os.Executable()
		if err != nil {
			return err
		}
		dp, err = dataplane.New(control.New(st, control.Config{}), st, dataplane.Config{DataDir: f.dataDir, InternetNamespace: f.internet,
			Exec: self, Logger: log, Host: f.host.ID})
		if err != nil {
			return err
		}
	}
	reg, err := hosts.Register(ctx, leaser, f.host, hosts.DefaultTTL, log)
	if err != nil {
		return err
	}
	// Tests wait for this line.
	fmt.Printf("registered host %s\n", f.host.ID)
	log.Info("vpcd agent: host registered", "version", version, "zones", strings.Join(f.host.Zones, ","), "underlay", f.host.Underlay, "capacity-vcpus", f.host.CapacityVCPUs)
	if dp != nil {
		log.Info("data plane on", "data-dir", f.dataDir, "internet-netns", f.internet)
		dp.Run(ctx) // until ctx ends; the kernel state stays, as serve's does
	}
	<-ctx.Done()
	<-reg.Done()
	log.Info("vpcd agent stopped: host unregistered")
	return nil
}

// followHosts follows the live hosts of an etcd store for vpcd serve --hosts, from the
// first listing on, for as long as the process runs.
func followHosts(st store.Store, log *slog.Logger) (*hosts.Registry, error) {
	if _, ok := st.(hosts.Leaser); !ok {
		return nil, errors.New("--hosts needs an etcd --store: the hosts' agents register there")
	}
	reg := hosts.Follow(context.Background(), st, log)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := reg.WaitSynced(ctx); err != nil {
		return nil, fmt.Errorf("--hosts: read the live hosts: %w", err)
	}
	log.Info("multi-host mode", "live-hosts", len(reg.Live()))
	return reg, nil
}
