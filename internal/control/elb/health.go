package elb

import (
	"context"

	"vpcd/internal/control/kit"
)

// SetTargetHealth records what the data plane's health checks found of a target of a
// group (ID elbtg-…): "healthy", or "unhealthy" with AWS's reason code. A target no
// longer registered, or deregistered since, is left as it is: its verdict came late.
func (s *ELB) SetTargetHealth(ctx context.Context, c kit.Caller, group, target string, port int32, health, reason string) error {
	return s.Update(ctx, func(t *kit.Txn) error {
		tg := new(kit.TargetGroupRecord)
		found, err := t.Get(c.Key(group), tg)
		if err != nil || !found {
			return err
		}
		changed := false
		for i, o := range tg.Targets {
			if o.ID == target && o.Port == port && !o.Deregistered() && (o.Health != health || o.Reason != reason) {
				tg.Targets[i].Health, tg.Targets[i].Reason = health, reason
				changed = true
			}
		}
		if !changed {
			return nil
		}
		return t.Put(c.Key(group), tg)
	})
}
