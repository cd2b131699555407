// Command vpcd is Amazon VPC that you run yourself: the EC2 networking API on loopback,
// with its state in an embedded store under a data directory.
//
//	vpcd serve [--listen 127.0.0.1:8787] [--data-dir DIR] [--regions us-east-1,...]
//	           [--auth lenient|strict --credentials FILE] [--store etcd://HOST:2379,... [--hosts]]
//	vpcd agent --store etcd://HOST:2379,... --host-id NAME --underlay ADDR [--zones us-east-1a,...]
//	vpcd explain SOURCE DESTINATION tcp/PORT
//	vpcd version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"vpcd/internal/api"
	"vpcd/internal/control"
	"vpcd/internal/dataplane"
	"vpcd/internal/dynamostore"
	"vpcd/internal/flowlog"
	"vpcd/internal/metrics"
	"vpcd/internal/plan"
	"vpcd/internal/s3store"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "agent":
		err = agent(os.Args[2:])
	case "exec":
		err = execIn(os.Args[2:])
	case "cleanup":
		err = cleanup(os.Args[2:])
	case "site":
		err = site(os.Args[2:])
	case "vpcsvc":
		err = vpcServices(os.Args[2:])
	case "nat64":
		err = nat64Translator(os.Args[2:])
	case "bgp":
		err = bgpSpeaker(os.Args[2:])
	case "explain":
		err = explain(os.Args[2:], os.Stdout)
		if errors.Is(err, errUnreachable) {
			os.Exit(3)
		}
	case "version":
		fmt.Println("vpcd", version)
	case "help", "-h", "--help":
		usage()
	default:
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vpcd:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage:
  vpcd serve [--listen 127.0.0.1:8787] [--data-dir DIR] [--regions us-east-1,...] [--auth lenient|strict --credentials FILE]
             [--store bolt|etcd://HOST:2379,... [--etcd-prefix vpcd/] [--etcd-cacert FILE --etcd-cert FILE --etcd-key FILE] [--hosts]]
  vpcd agent --store etcd://HOST:2379,... --host-id NAME --underlay ADDR [--zones us-east-1a,...] [--capacity-vcpus N]
             [--etcd-prefix vpcd/] [--data-dir DIR] [--data-plane auto|off] [--internet-netns NAME]   (one host of a multi-host vpcd)
             [--underlay-mtu 1500] [--host-netns NAME [--underlay-netns vpcd-underlay]]   (a simulated host on this machine)
  vpcd exec INSTANCE_ID|internet|site:NAME -- COMMAND [ARGS...]
  vpcd site add NAME --public-ip ADDR [--lan CIDR] [--behind-nat] [--data-dir DIR]   (a customer site on the simulated internet)
  vpcd site del NAME [--data-dir DIR]
  vpcd cleanup [--data-dir DIR]
  vpcd vpcsvc CONFIG   (a VPC's DNS, metadata and time services; the data plane runs it)
  vpcd nat64 LINK      (a NAT gateway's NAT64 on its TUN link; the data plane runs it)
  vpcd bgp CONFIG      (a virtual private gateway's BGP speaker in its VPC's router; the data plane runs it)
  vpcd explain [--endpoint URL] SOURCE DESTINATION PROTOCOL/PORT   (exit 3: not reachable)
  vpcd version`)
}

// defaultWait bounds how long explain waits for an analysis.
const defaultWait = time.Minute

// defaultDataDir is $XDG_DATA_HOME/vpcd, else ~/.local/share/vpcd.
func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "vpcd")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "vpcd-data"
	}
	return filepath.Join(home, ".local", "share", "vpcd")
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8787", "address to serve the EC2 API on")
	dataDir := fs.String("data-dir", defaultDataDir(), "directory of the embedded store")
	regions := fs.String("regions", strings.Join(control.DefaultRegions, ","), "regions served, comma-separated; the first is the default")
	auth := fs.String("auth", "lenient", "lenient: any well-formed signature, the access key picks the account; strict: verify signatures against --credentials")
	credsFile := fs.String("credentials", "", "credentials file for --auth strict: lines of ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID")
	dataPlaneMode := fs.String("data-plane", "auto", "auto: carry packets when running as root; off: the API only")
	internetNS := fs.String("internet-netns", plan.Internet, "name of the simulated internet's namespace (two vpcd on one host need two)")
	var sf storeFlags
	fs.StringVar(&sf.spec, "store", "bolt", "bolt: the embedded store in --data-dir; etcd://HOST:2379[,HOST:2379...] (etcds:// for TLS): an etcd cluster that several vpcd can share")
	fs.StringVar(&sf.prefix, "etcd-prefix", "vpcd/", "prefix of vpcd's keys in etcd: deployments sharing one etcd need different prefixes")
	fs.StringVar(&sf.caFile, "etcd-cacert", "", "CA bundle that verifies the etcd servers' certificates")
	fs.StringVar(&sf.certFile, "etcd-cert", "", "client certificate for etcd")
	fs.StringVar(&sf.keyFile, "etcd-key", "", "client certificate's key for etcd")
	multiHost := fs.Bool("hosts", false, "multi-host mode: place instances on the hosts that vpcd agent registers in the etcd --store, which realize them; this vpcd runs no data plane")
	s3Window := fs.Duration("flow-log-s3-window", flowlog.S3Window, "how often flow logs to S3 publish their files (AWS: every 5 minutes); tests shorten it")
	dnsUpstream := fs.String("dns-upstream", "", "DNS servers (ADDR or ADDR:PORT, comma-separated) that answer the names vpcd's resolvers do not know; none: NXDOMAIN")
	bgpMaxPrefixes := fs.Int("bgp-max-prefixes", 0, "routes a VPN tunnel's BGP session accepts before it is reset: 0 is AWS's 100 (a quota AWS never raises); -1: no limit, for benchmarks only")
	publicPool := fs.String("public-pool", "198.51.100.0/24,203.0.113.0/24", "IPv4 ranges that public and Elastic IP addresses come from, comma-separated")
	quotas := map[string]float64{}
	fs.Func("quota", "starting value of a quota for every account, SERVICE/CODE=VALUE (ec2/L-0263D0A3=10); repeat it or give a comma list", func(v string) error {
		return parseQuotas(v, quotas)
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *s3Window <= 0 {
		return fmt.Errorf("--flow-log-s3-window must be positive, not %v", *s3Window)
	}
	if err := control.CheckQuotas(quotas); err != nil {
		return fmt.Errorf("--quota: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	var served []string
	for _, r := range strings.Split(*regions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			served = append(served, r)
		}
	}
	if len(served) == 0 {
		return errors.New("--regions names no region")
	}
	cfg := api.Config{Regions: served, Logger: log}
	switch *auth {
	case "lenient":
		if *credsFile != "" {
			return errors.New("--credentials needs --auth strict")
		}
	case "strict":
		if *credsFile == "" {
			return errors.New("--auth strict needs --credentials FILE")
		}
		creds, err := api.LoadCredentials(*credsFile)
		if err != nil {
			return err
		}
		cfg.Credentials = creds
	default:
		return fmt.Errorf("--auth must be lenient or strict, not %q", *auth)
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", *listen, err)
	}
	if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" && *auth != "strict" {
		return fmt.Errorf("refusing to listen on %s without --auth strict: lenient auth accepts any signature", *listen)
	}

	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return err
	}
	st, err := openStore(context.Background(), sf, *dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	objects, err := s3store.Open(*dataDir)
	if err != nil {
		return err
	}
	defer objects.Close()
	cfg.S3 = objects
	tables, err := dynamostore.Open(*dataDir)
	if err != nil {
		return err
	}
	defer tables.Close()
	cfg.DynamoDB = tables
	m := metrics.New()
	timed := m.Store(st) // commit latency; every other call is the store's own
	var pool []netip.Prefix
	for _, p := range strings.Split(*publicPool, ",") {
		pfx, err := netip.ParsePrefix(strings.TrimSpace(p))
		if err != nil || !pfx.Addr().Is4() || pfx.Bits() > 30 {
			return fmt.Errorf("--public-pool: %q is not an IPv4 range of at least 4 addresses", p)
		}
		pool = append(pool, pfx.Masked())
	}
	upstream, err := parseDNSUpstream(*dnsUpstream)
	if err != nil {
		return err
	}
	ctlCfg := control.Config{Regions: cfg.Regions, PublicIPv4Pool: pool, Quotas: quotas}
	if *multiHost {
		if ctlCfg.Hosts, err = followHosts(st, log); err != nil {
			return err
		}
	}
	svc := control.New(timed, ctlCfg)
	svc.FlowLogs.Buckets = objects // CreateFlowLogs to S3 needs the bucket
	// The data plane needs root (network namespaces, nftables); without it the API still
	// answers, and vpcd says so once.
	var dp *dataplane.Dataplane
	switch {
	case *multiHost:
		log.Info("data plane on the hosts' agents: --hosts")
	case *dataPlaneMode == "off":
		log.Info("data plane off: --data-plane off")
	case *dataPlaneMode != "auto":
		return fmt.Errorf("--data-plane must be auto or off, not %q", *dataPlaneMode)
	case os.Geteuid() != 0:
		log.Warn("data plane off: not running as root")
	default:
		self, err := os.Executable()
		if err != nil {
			return err
		}
		dp, err = dataplane.New(svc, timed, dataplane.Config{DataDir: *dataDir, InternetNamespace: *internetNS, Exec: self, Logger: log, Metrics: m, S3: objects,
			DNSUpstream: upstream, FlowLogS3Window: *s3Window, BGPMaxPrefixes: *bgpMaxPrefixes})
		if err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if dp != nil {
		m.WatchDaemons(dp.Daemons)
	}
	// GET /metrics beside the API on the same listener; everything else is the API's.
	cfg.Metrics = m
	srv := &http.Server{Handler: m.Beside(api.New(svc, cfg)), ReadHeaderTimeout: 10 * time.Second, ConnContext: api.MarkConn}
	// Tests start vpcd on port 0 and read the bound address from this line.
	fmt.Printf("listening on %s\n", ln.Addr())
	log.Info("vpcd serving the EC2 API", "version", version, "addr", ln.Addr().String(), "data-dir", *dataDir, "store", sf.spec, "auth", *auth)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if dp != nil {
		done := make(chan struct{})
		go func() {
			defer close(done)
			dp.Run(ctx)
		}()
		// The kernel state stays when vpcd stops: instances keep talking (static
		// stability). Wait only for the reconcile loop to end.
		defer func() { <-done }()
		log.Info("data plane on", "internet-netns", *internetNS)
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if dp != nil {
		// The same API on a unix socket in the data directory, for the daemons inside the
		// namespaces (the VPCs' endpoints to AWS services), which cannot reach loopback.
		sock, err := api.ListenSocket(filepath.Join(*dataDir, api.SocketName))
		if err != nil {
			return err
		}
		go func() { errc <- srv.Serve(sock) }()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	log.Info("vpcd stopped")
	return nil
}

// parseQuotas adds the SERVICE/CODE=VALUE items of a comma list to quotas.
func parseQuotas(list string, quotas map[string]float64) error {
	for _, item := range strings.Split(list, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		v, err := strconv.ParseFloat(value, 64)
		if !ok || !strings.Contains(key, "/") || err != nil {
			return fmt.Errorf("%q is not SERVICE/CODE=VALUE", item)
		}
		quotas[key] = v
	}
	return nil
}

// parseDNSUpstream reads --dns-upstream: addresses, each with port 53 unless it says
// another, as host:port.
func parseDNSUpstream(list string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.AddrPortFrom(a, 53).String())
			continue
		}
		ap, err := netip.ParseAddrPort(s)
		if err != nil || ap.Port() == 0 {
			return nil, fmt.Errorf("--dns-upstream: %q is not an address or address:port", s)
		}
		out = append(out, ap.String())
	}
	return out, nil
}
