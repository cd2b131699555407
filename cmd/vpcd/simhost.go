package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"

	"vpcd/internal/linux"
	"vpcd/internal/plan"
)

// simulatedHost is what `vpcd agent --host-netns` made of a simulated host, recorded in
// its data directory for `vpcd cleanup`.
type simulatedHost struct {
	HostNetns     string `json:"hostNetns"`
	UnderlayNetns string `json:"underlayNetns"`
}

func simulatedHostFile(dataDir string) string { return filepath.Join(dataDir, "simulated-host.json") }

// joinSimulatedUnderlay makes the agent's host namespace a simulated host: its routers'
// and gateways' namespaces get the host namespace's name as suffix (namespace names are
// global on the machine), and the host joins the underlay bridge with its --underlay
// address (a /24, or a /64 for IPv6: the simulated hosts share one segment).
func joinSimulatedUnderlay(f agentFlags) error {
	plan.SetNamespaceSuffix("." + f.hostNetns)
	raw, err := json.Marshal(simulatedHost{HostNetns: f.hostNetns, UnderlayNetns: f.underlayNetns})
	if err != nil {
		return err
	}
	// Recorded first, so that cleanup finds what a failed join left.
	if err := os.WriteFile(simulatedHostFile(f.dataDir), raw, 0o600); err != nil {
		return err
	}
	bits := 24
	if f.host.Underlay.Is6() {
		bits = 64
	}
	return linux.JoinUnderlay(f.hostNetns, f.underlayNetns, netip.PrefixFrom(f.host.Underlay, bits), f.underlayMTU)
}

// leaveSimulatedUnderlay removes the simulated host recorded in dataDir, if any: its
// namespace, and the underlay's when it was the last host on it.
func leaveSimulatedUnderlay(dataDir string) error {
	raw, err := os.ReadFile(simulatedHostFile(dataDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var h simulatedHost
	if err := json.Unmarshal(raw, &h); err != nil {
		return err
	}
	if err := linux.LeaveUnderlay(h.HostNetns, h.UnderlayNetns); err != nil {
		return err
	}
	return os.Remove(simulatedHostFile(dataDir))
}
