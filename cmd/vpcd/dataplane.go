package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"vpcd/internal/bgp"
	"vpcd/internal/control"
	"vpcd/internal/dataplane"
	"vpcd/internal/nat64"
	"vpcd/internal/plan"
	"vpcd/internal/store"
	"vpcd/internal/vpcsvc"
)

// execIn runs a command inside an instance's network namespace (or the simulated
// internet's) and exits with its status: `vpcd exec i-0123... -- curl 10.0.1.10`.
func execIn(args []string) error {
	fs := flag.NewFlagSet("exec", flag.ContinueOnError)
	internetNS := fs.String("internet-netns", plan.Internet, "name of the simulated internet's namespace")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) < 3 || rest[1] != "--" {
		return errors.New("usage: vpcd exec INSTANCE_ID|internet -- COMMAND [ARGS...]")
	}
	name, argv := rest[0], rest[2:]
	if name == "internet" {
		name = *internetNS
	}
	if site, ok := strings.CutPrefix(name, "site:"); ok {
		name = plan.SiteNamespace(site)
	}
	if !plan.Owned(name) {
		return fmt.Errorf("%s is not an instance of vpcd", name)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return err
	}
	// setns changes the calling thread only, and execve keeps that thread's namespace:
	// lock the thread, enter, and replace the process.
	runtime.LockOSThread()
	f, err := os.Open(filepath.Join("/run/netns", name))
	if err != nil {
		return fmt.Errorf("%s is not running here: %w", name, err)
	}
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("enter %s: %w", name, err)
	}
	if err := bindEtcNetns(name); err != nil {
		return err
	}
	return syscall.Exec(path, argv, os.Environ())
}

// bindEtcNetns shows the namespace its own files of /etc/netns/NAME (its resolv.conf) in
// place of those of /etc, as `ip netns exec` does: in a mount namespace of its own that
// receives no mount back from the host's, so the host's /etc is never touched.
func bindEtcNetns(name string) error {
	dir := filepath.Join("/etc/netns", name)
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		return nil // nothing to show
	}
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("unshare the mount namespace: %w", err)
	}
	if err := unix.Mount("", "/", "none", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make / a slave mount: %w", err)
	}
	for _, e := range entries {
		src, dst := filepath.Join(dir, e.Name()), filepath.Join("/etc", e.Name())
		if err := unix.Mount(src, dst, "none", unix.MS_BIND, ""); err != nil {
			fmt.Fprintf(os.Stderr, "vpcd exec: bind %s -> %s: %v\n", src, dst, err)
		}
	}
	return nil
}

// cleanup removes everything vpcd made on this host for a data directory: the processes
// it started and its namespaces (with every link, route and rule in them).
func cleanup(args []string) error {
	fs := flag.NewFlagSet("cleanup", flag.ContinueOnError)
	dataDir := fs.String("data-dir", defaultDataDir(), "the data directory of the vpcd to clean up after")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := store.OpenEmbedded(*dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	dp, err := dataplane.New(control.New(st, control.Config{}), st, dataplane.Config{DataDir: *dataDir})
	if err != nil {
		return err
	}
	return errors.Join(dp.Cleanup(context.Background()), leaveSimulatedUnderlay(*dataDir))
}

// vpcServices runs a VPC's own services (internal/vpcsvc) in the namespace it was started
// in, the VPC router's, until it is signalled: the data plane runs it as a daemon.
func vpcServices(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: vpcd vpcsvc CONFIG")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return vpcsvc.Run(ctx, args[0], slog.New(slog.NewTextHandler(os.Stderr, nil)))
}

// bgpSpeaker runs the BGP speaker of a VPC's virtual private gateway (internal/bgp) in
// the namespace it was started in, the VPC router's, until it is signalled: the data
// plane runs it as a daemon.
func bgpSpeaker(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: vpcd bgp CONFIG")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return bgp.Run(ctx, args[0], slog.New(slog.NewTextHandler(os.Stderr, nil)))
}

// nat64Translator runs a NAT gateway's NAT64 (internal/nat64) on the TUN link named, in
// the namespace it was started in, the gateway's, until it is signalled: the data plane
// runs it as a daemon.
func nat64Translator(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: vpcd nat64 LINK")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return nat64.Run(ctx, args[0], slog.New(slog.NewTextHandler(os.Stderr, nil)))
}
