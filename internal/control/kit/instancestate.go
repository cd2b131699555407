package kit

import ()

func (inst *InstanceRecord) HealthStatus() string {
	if inst.State == "running" {
		return "ok"
	}
	return "not-applicable"
}

func (inst *InstanceRecord) Reachability() string {
	if inst.State == "running" {
		return "passed"
	}
	return "not-applicable"
}
