// Package kit is what every family of vpcd's control plane shares: the stored records of
// each resource kind and how AWS shows them, the kind registry (kinds.go), optimistic
// transactions with per-key write queues (txn.go, writequeue.go), describe, filters and
// pagination (describe.go, filter.go), the read cache fed from the store's watch
// (cache.go), callers, IDs and addresses, quotas, regions, and the mapping of records into
// the data plane's model (snapshot.go). The families (vpc, routing, security, compute,
// insights, quotas) hold the actions and import only the kit, never each other.
package kit

import (
	"net/netip"
	"time"

	"vpcd/internal/hosts"
	"vpcd/internal/store"
)

// Caller is who sends a request and where: the account picked by the access key and the
// region the request was signed for.
type Caller struct {
	Account string
	Region  string
}

// Config is the control plane's configuration, read from flags in main.
type Config struct {
	// Regions served; the first is the default.
	Regions []string
	// PublicIPv4Pool is where instances' public IPv4 addresses come from, unique per
	// region across accounts. Default: the documentation ranges 198.51.100.0/24 and
	// 203.0.113.0/24.
	PublicIPv4Pool []netip.Prefix
	// Quotas are the starting values of quotas for every account, by "SERVICE/CODE"
	// (ec2/L-0263D0A3); a quota not named starts at AWS's default. See servicequotas.go
	// and CheckQuotas.
	Quotas map[string]float64
	// Hosts, set when vpcd spans several hosts (vpcd serve --hosts), are where RunInstances
	// places instances (hosts.Registry); nil: every instance is on the one machine vpcd
	// runs on.
	Hosts HostList
}

// HostList is the live hosts that instances may be placed on.
type HostList interface {
	Live() []hosts.Host
}

// DefaultPublicIPv4Pool is the public pool when none is configured.
var DefaultPublicIPv4Pool = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24")}

// Kit answers the EC2 actions. The store holds every resource; the Service keeps only
// derived state (a read cache) that it can rebuild from the store.
type Kit struct {
	Store   store.Store
	Regions []string
	Now     func() time.Time
	Pool    []netip.Prefix // public IPv4 addresses; see address.go
	// quotaStart are the configured starting values of quotas; see servicequotas.go.
	QuotaStart map[string]float64
	Hosts      HostList // nil on one machine; see Config.Hosts

	Cache    cache        // decoded records for Describe; see cache.go
	Queues   writeQueues  // writers of one key, serialised; see writequeue.go
	Defaults defaultsSeen // (account, region) pairs with their default VPC; see defaultvpc.go
}

// New returns a control plane over st.
func New(st store.Store, cfg Config) *Kit {
	regions := cfg.Regions
	if len(regions) == 0 {
		regions = DefaultRegions
	}
	pool := cfg.PublicIPv4Pool
	if len(pool) == 0 {
		pool = DefaultPublicIPv4Pool
	}
	return &Kit{Store: st, Regions: regions, Now: time.Now, Pool: pool, QuotaStart: cfg.Quotas, Hosts: cfg.Hosts}
}
