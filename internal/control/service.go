// Package control is vpcd's control plane: one file per resource family, each validating
// requests exactly as AWS does, allocating IDs and addresses, and keeping its resources in
// the store through optimistic transactions. It takes and returns the generated EC2 shapes
// of internal/ec2; the protocol layer (internal/api) turns them into HTTP.
package control

import (
	"net/netip"
	"time"

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
}

// DefaultPublicIPv4Pool is the public pool when none is configured.
var DefaultPublicIPv4Pool = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24")}

// Service answers the EC2 actions. The store holds every resource; the Service keeps only
// derived state (a read cache) that it can rebuild from the store.
type Service struct {
	st      store.Store
	regions []string
	now     func() time.Time
	pool    []netip.Prefix // public IPv4 addresses; see address.go
	// quotaStart are the configured starting values of quotas; see servicequotas.go.
	quotaStart map[string]float64

	cache    cache        // decoded records for Describe; see cache.go
	queues   writeQueues  // writers of one key, serialised; see writequeue.go
	defaults defaultsSeen // (account, region) pairs with their default VPC; see defaultvpc.go
}

// New returns a control plane over st.
func New(st store.Store, cfg Config) *Service {
	regions := cfg.Regions
	if len(regions) == 0 {
		regions = DefaultRegions
	}
	pool := cfg.PublicIPv4Pool
	if len(pool) == 0 {
		pool = DefaultPublicIPv4Pool
	}
	return &Service{st: st, regions: regions, now: time.Now, pool: pool, quotaStart: cfg.Quotas}
}
