package kit

import (
	"time"

	"vpcd/internal/ec2"
)

const (
	// terminatedVisibility is how long DescribeInstances keeps showing a terminated
	// instance.
	terminatedVisibility = time.Hour
	// MaxUserData is AWS's limit on user data, before base64.
	MaxUserData = 16 * 1024
)

// InstanceStateCodes are AWS's codes of the instance states.
var InstanceStateCodes = map[string]int32{
	"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80,
}

func InstanceState(name string) *ec2.InstanceState {
	return &ec2.InstanceState{Code: Ptr(InstanceStateCodes[name]), Name: Ptr(name)}
}
