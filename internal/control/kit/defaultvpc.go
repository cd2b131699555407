package kit

import (
	"sync"
)

// defaultsSeen remembers the (account, region) pairs whose defaults are known to be in the
// store, so that EnsureDefaultVpc costs one map lookup after the first request.
type defaultsSeen struct{ M sync.Map }

// FindDefaultVpc returns the caller's default VPC in the region, or nil.
func FindDefaultVpc(t *Txn, c Caller) (*VpcRecord, error) {
	vpcs, err := ListAll[VpcRecord](t, c.Prefix("vpc"))
	if err != nil {
		return nil, err
	}
	for _, v := range vpcs {
		if v.IsDefault {
			return v, nil
		}
	}
	return nil, nil
}
