package kit

import (
	"strings"
)

// CPU credits of burstable performance instances (T2, T3, T3a, T4g). vpcd runs no CPU
// accounting: the option is kept and answered, as the AWS provider reads it for every
// burstable instance. T2 instances launch with standard credits, the later generations
// with unlimited, as AWS's defaults are.

// DefaultCPUCredits reports whether instances of the type earn CPU credits, and their default
// credit option.
func DefaultCPUCredits(instanceType string) (string, bool) {
	family, _, _ := strings.Cut(instanceType, ".")
	switch family {
	case "t2":
		return "standard", true
	case "t3", "t3a", "t4g":
		return "unlimited", true
	}
	return "", false
}

// CpuCredits is an instance's credit option: the one it was given, else its type's default.
func (r *InstanceRecord) CpuCredits() (string, bool) {
	def, ok := DefaultCPUCredits(r.InstanceType)
	if !ok {
		return "", false
	}
	if r.CPUCredits != "" {
		return r.CPUCredits, true
	}
	return def, true
}
