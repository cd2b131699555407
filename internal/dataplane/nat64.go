package dataplane

import (
	"log/slog"
	"os"
	"path/filepath"

	"vpcd/internal/model"
	"vpcd/internal/plan"
	"vpcd/internal/supervise"
)

// nat64Daemons are the NAT64 translators wanted (internal/nat64, `vpcd nat64 LINK`): one
// in the namespace of each NAT gateway with NAT64 (plan.NatGatewayNAT64) that is on this
// host, on the TUN link the plan gives it. Each logs to DATA_DIR/nat64/NAT_ID.log.
func nat64Daemons(n *model.Network, dataDir, execPath string, log *slog.Logger) []supervise.Spec {
	if execPath == "" {
		return nil
	}
	dir := filepath.Join(dataDir, "nat64")
	var specs []supervise.Spec
	for _, id := range model.SortedKeys(n.NatGateways) {
		ns := plan.NatGatewayNamespace(id)
		if !plan.NatGatewayNAT64(n, id) {
			continue
		}
		if _, err := os.Stat(filepath.Join("/run/netns", ns)); err != nil {
			continue // not here (yet): the reconcile that makes it comes first
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			log.Error("NAT64", "nat", id, "err", err)
			return specs
		}
		specs = append(specs, supervise.Spec{
			Name:      "nat64." + id,
			Namespace: ns,
			Argv:      []string{execPath, "nat64", plan.NAT64Link},
			Output:    filepath.Join(dir, id+".log"),
			Restart:   supervise.RestartAlways,
		})
	}
	return specs
}
