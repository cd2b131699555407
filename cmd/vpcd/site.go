package main

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"time"

	"vpcd/internal/dataplane"
	"vpcd/internal/linux"
	"vpcd/internal/plan"
)

// site adds or deletes a customer site: a local fixture on the simulated internet (see
// internal/dataplane/sites.go), laid out by the running vpcd of the data directory.
func site(args []string) error {
	usage := errors.New("usage: vpcd site add NAME --public-ip ADDR [--lan CIDR] [--behind-nat] [--data-dir DIR] | vpcd site del NAME [--data-dir DIR]")
	if len(args) < 2 {
		return usage
	}
	verb, name := args[0], args[1]
	fs := flag.NewFlagSet("site", flag.ContinueOnError)
	dataDir := fs.String("data-dir", defaultDataDir(), "the data directory of the vpcd that lays the site out")
	publicIP := fs.String("public-ip", "", "the site's public address on the simulated internet")
	lan := fs.String("lan", "", "the site's LAN: its first address is the site's own")
	behindNAT := fs.Bool("behind-nat", false, "put the site behind a NAT that masquerades it to --public-ip")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for the running vpcd to lay the site out (or remove it); 0: do not wait")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	ns := plan.SiteNamespace(name)
	switch verb {
	case "add":
		s := plan.Site{Name: name, BehindNAT: *behindNAT}
		var err error
		if s.PublicIP, err = netip.ParseAddr(*publicIP); err != nil {
			return fmt.Errorf("--public-ip: %w", err)
		}
		if *lan != "" {
			if s.LAN, err = netip.ParsePrefix(*lan); err != nil {
				return fmt.Errorf("--lan: %w", err)
			}
		}
		if err := dataplane.AddSite(*dataDir, s); err != nil {
			return err
		}
		return waitFor(*wait, func() bool { return linux.HasNamespace(ns) }, "site "+name+" is recorded, but no vpcd laid it out (is `vpcd serve` running on this data directory?)")
	case "del":
		if err := dataplane.DelSite(*dataDir, name); err != nil {
			return err
		}
		return waitFor(*wait, func() bool { return !linux.HasNamespace(ns) }, "site "+name+" is deleted, but no vpcd removed its namespace yet")
	}
	return usage
}

func waitFor(d time.Duration, done func() bool, msg string) error {
	deadline := time.Now().Add(d)
	for !done() {
		if time.Now().After(deadline) {
			if d > 0 {
				fmt.Fprintln(os.Stderr, "vpcd:", msg)
			}
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}
